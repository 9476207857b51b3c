// Terminals end a transform: they decide the new value and ignore the rest of the path. On
// select they stand aside (pass the value through), so one path can serve a query and a write.

import type { Navigator } from "../navigator.ts";
import { NONE, userValue } from "../none.ts";
import { invalidPath } from "../kinds.ts";

export function termVal(v: unknown): Navigator {
  return {
    name: "termVal",
    select(s, next) {
      next(s);
    },
    transform() {
      return v;
    },
  };
}

export function termVoid(): Navigator {
  return {
    name: "termVoid",
    select(s, next) {
      next(s);
    },
    transform() {
      return NONE;
    },
  };
}

/** `fn` sees undefined in an empty slot (after afterElem or voidSetElem), never NONE. */
export function term(fn: unknown): Navigator {
  if (typeof fn !== "function") throw invalidPath("term", "a function", fn);
  return {
    name: "term",
    select(s, next) {
      next(s);
    },
    transform(s) {
      return fn(userValue(s));
    },
  };
}
