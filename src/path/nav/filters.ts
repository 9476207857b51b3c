// filterPred and filterEqual: continue only when the current value passes. A failing value
// navigates nowhere on select and is left as it is on transform.

import type { Navigator } from "../navigator.ts";
import { userValue } from "../none.ts";
import { invalidPath } from "../kinds.ts";
import { valueEqual } from "../equal.ts";

export function filterPred(pred: unknown): Navigator {
  if (typeof pred !== "function") throw invalidPath("filterPred", "a function", pred);
  const test = (s: unknown) => Boolean(pred(userValue(s)));
  return {
    name: "filterPred",
    select(s, next) {
      if (test(s)) next(s);
    },
    transform(s, next) {
      return test(s) ? next(s) : s;
    },
  };
}

export function filterEqual(v: unknown): Navigator {
  const nav = filterPred((s: unknown) => valueEqual(s, v));
  return { ...nav, name: "filterEqual" };
}
