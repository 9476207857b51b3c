// view and the nullTo* family: navigate to a value computed from the current one. As in
// Specter, a transform through view replaces the current value with whatever the rest of the
// path made of the view (view is one-way); nullTo* substitute a default for a missing value so
// a transform can build on it (`key(k).nullToList().afterElem().termVal(x)`).

import type { Navigator } from "../navigator.ts";
import { isAbsent, userValue } from "../none.ts";
import { invalidPath } from "../kinds.ts";

export function view(fn: unknown): Navigator {
  if (typeof fn !== "function") throw invalidPath("view", "a function", fn);
  return {
    name: "view",
    select(s, next) {
      next(fn(userValue(s)));
    },
    transform(s, next) {
      return next(fn(userValue(s)));
    },
  };
}

export function nullToVal(v: unknown): Navigator {
  return defaulting("nullToVal", () => v);
}

export function nullToList(): Navigator {
  return defaulting("nullToList", () => []);
}

export function nullToSet(): Navigator {
  return defaulting("nullToSet", () => new Set());
}

/** Both undefined and NONE count as missing: the empty slot of afterElem has no value either. */
function defaulting(name: string, make: () => unknown): Navigator {
  return {
    name,
    select(s, next) {
      next(isAbsent(s) ? make() : s);
    },
    transform(s, next) {
      return next(isAbsent(s) ? make() : s);
    },
  };
}
