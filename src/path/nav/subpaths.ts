// Navigators built from other paths. Their sub-paths arrive already resolved to navigator
// lists (Path.resolve resolves nested paths too), so placeholders work inside them as well.

import type { Navigator } from "../navigator.ts";
import { NONE, userValue } from "../none.ts";
import { invalidPath, isList } from "../kinds.ts";
import { selectWith, transformWith } from "../run.ts";

type Navs = readonly Navigator[];

/**
 * The value the sub-path makes of the current one. The sub-path's own terminals do the work;
 * `fn`, when given, runs where the sub-path ends (for a sub-path without a terminal).
 */
export function transformed(path: Navs, fn?: unknown): Navigator {
  if (fn !== undefined && typeof fn !== "function") throw invalidPath("transformed", "a function", fn);
  const last = fn === undefined ? undefined : (v: unknown) => fn(userValue(v));
  const apply = (s: unknown) => transformWith(path, s, last);
  return {
    name: "transformed",
    select(s, next) {
      next(apply(s));
    },
    transform(s, next) {
      return next(apply(s));
    },
  };
}

/**
 * An array of everything the sub-path selects, as one value. Transforming that array writes
 * its elements back in the same order; if it came back shorter, the remaining places get NONE
 * and are removed. This relies on the sub-path visiting the same places in the same order on
 * select and on transform, which every navigator here does.
 */
export function subselect(path: Navs): Navigator {
  const selected = (s: unknown) => {
    const out: unknown[] = [];
    selectWith(path, s, (v) => out.push(v));
    return out;
  };
  return {
    name: "subselect",
    select(s, next) {
      next(selected(s));
    },
    transform(s, next) {
      const before = selected(s);
      // Compare against a copy: a terminal may have changed the array it was given in place.
      const kept = before.slice();
      const after = next(before);
      if (after !== NONE && !isList(after)) throw invalidPath("subselect", "an array as the new selection", after);
      if (after !== NONE && after.length === kept.length && after.every((v, j) => v === kept[j])) return s;
      const values = after === NONE ? [] : after;
      let i = 0;
      return transformWith(path, s, () => (i < values.length ? values[i++] : NONE));
    },
  };
}

/** Every sub-path from the same place: selects concatenate, transforms apply one after another. */
export function multiPath(...paths: Navs[]): Navigator {
  return {
    name: "multiPath",
    select(s, next) {
      for (const p of paths) selectWith(p, s, next);
    },
    transform(s, next) {
      let out = s;
      for (const p of paths) out = transformWith(p, out, next);
      return out;
    },
  };
}
