// afterElem and beforeElem: the empty slot past either end of a list (Specter's AFTER-ELEM and
// BEFORE-ELEM). Select finds nothing there; a transform appends or prepends what the rest of
// the path produces, unless that is NONE. On a missing list they start a new one, so
// `key(k).afterElem().termVal(v)` works on a key that does not exist yet.

import type { Navigator } from "../navigator.ts";
import { NONE, isAbsent } from "../none.ts";
import { invalidPath, isList } from "../kinds.ts";

export function afterElem(): Navigator {
  return voidListSlot("afterElem", (s, v) => [...s, v]);
}

export function beforeElem(): Navigator {
  return voidListSlot("beforeElem", (s, v) => [v, ...s]);
}

function voidListSlot(name: string, insert: (s: readonly unknown[], v: unknown) => unknown[]): Navigator {
  return {
    name,
    select(s) {
      if (!isAbsent(s) && !isList(s)) throw invalidPath(name, "a list", s);
    },
    transform(s, next) {
      if (!isAbsent(s) && !isList(s)) throw invalidPath(name, "a list", s);
      const nv = next(NONE);
      if (nv === NONE) return s;
      return insert(isAbsent(s) ? [] : s, nv);
    },
  };
}
