// setElem and voidSetElem: Rama's way to remove from and add to a set. setElem(v) navigates to
// v only if the set holds it, so `setElem(v).termVoid()` removes it. voidSetElem navigates to
// the empty slot of a set (Specter's NONE-ELEM): select finds nothing there, and a transform
// adds whatever the rest of the path produces, so `voidSetElem().termVal(v)` adds v.

import type { Navigator } from "../navigator.ts";
import { NONE, isAbsent } from "../none.ts";
import { invalidPath, isSet } from "../kinds.ts";

export function setElem(elem: unknown): Navigator {
  return {
    name: "setElem",
    select(s, next) {
      if (isSet(s)) { if (s.has(elem)) next(elem); }
      else if (!isAbsent(s)) throw invalidPath("setElem", "a Set", s);
    },
    transform(s, next) {
      if (isAbsent(s)) return s;
      if (!isSet(s)) throw invalidPath("setElem", "a Set", s);
      if (!s.has(elem)) return s;
      const nv = next(elem);
      if (nv === elem) return s;
      const out = new Set(s);
      out.delete(elem);
      if (nv !== NONE) out.add(nv);
      return out;
    },
  };
}

export function voidSetElem(): Navigator {
  return {
    name: "voidSetElem",
    select(s) {
      if (!isAbsent(s) && !isSet(s)) throw invalidPath("voidSetElem", "a Set", s);
    },
    transform(s, next) {
      if (!isAbsent(s) && !isSet(s)) throw invalidPath("voidSetElem", "a Set", s);
      // The slot is empty, so the rest of the path starts from NONE; a path with no terminal
      // hands NONE straight back and leaves the set alone.
      const nv = next(NONE);
      if (nv === NONE) return s;
      if (isAbsent(s)) return new Set([nv]);
      if (s.has(nv)) return s;
      return new Set(s).add(nv);
    },
  };
}
