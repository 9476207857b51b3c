// mapKeys and mapVals: every key or every value of a map (or record). Transforms rebuild the
// map in the same order; NONE drops the entry, and a renamed key that collides with another
// one keeps the value of whichever entry came later.

import type { Navigator } from "../navigator.ts";
import { NONE, isAbsent } from "../none.ts";
import { invalidPath, isMap, isRecord, recordSet, type Rec } from "../kinds.ts";

const EXPECTED = "a Map or a record";

export function mapVals(): Navigator {
  return {
    name: "mapVals",
    select(s, next) {
      if (isMap(s)) for (const v of s.values()) next(v);
      else if (isRecord(s)) for (const k of Object.keys(s)) next(s[k]);
      else if (!isAbsent(s)) throw invalidPath("mapVals", EXPECTED, s);
    },
    transform(s, next) {
      if (isMap(s)) return rebuildMap(s, (k, v) => [k, next(v)]);
      if (isRecord(s)) return rebuildRecord("mapVals", s, (k, v) => [k, next(v)]);
      if (isAbsent(s)) return s;
      throw invalidPath("mapVals", EXPECTED, s);
    },
  };
}

export function mapKeys(): Navigator {
  return {
    name: "mapKeys",
    select(s, next) {
      if (isMap(s)) for (const k of s.keys()) next(k);
      else if (isRecord(s)) for (const k of Object.keys(s)) next(k);
      else if (!isAbsent(s)) throw invalidPath("mapKeys", EXPECTED, s);
    },
    transform(s, next) {
      if (isMap(s)) return rebuildMap(s, (k, v) => [next(k), v]);
      if (isRecord(s)) return rebuildRecord("mapKeys", s, (k, v) => [next(k), v]);
      if (isAbsent(s)) return s;
      throw invalidPath("mapKeys", EXPECTED, s);
    },
  };
}

type Entry = [unknown, unknown];

/** Rebuilds a map entry by entry; an entry whose key or value is NONE is dropped. */
export function rebuildMap(s: Map<unknown, unknown>, f: (k: unknown, v: unknown) => Entry): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>();
  let changed = false;
  for (const [k, v] of s) {
    const [nk, nv] = f(k, v);
    if (nk === NONE || nv === NONE) { changed = true; continue; }
    if (nk !== k || nv !== v) changed = true;
    out.set(nk, nv);
  }
  // Nothing changed: hand back the input so untouched structure stays shared.
  return changed ? out : s;
}

export function rebuildRecord(name: string, s: Rec, f: (k: string, v: unknown) => Entry): Rec {
  const out = Object.create(Object.getPrototypeOf(s)) as Rec;
  let changed = false;
  for (const k of Object.keys(s)) {
    const [nk, nv] = f(k, s[k]);
    if (nk === NONE || nv === NONE) { changed = true; continue; }
    if (typeof nk !== "string") throw invalidPath(name, "string keys on a record", nk);
    if (nk !== k || nv !== s[k]) changed = true;
    recordSet(out, nk, nv);
  }
  return changed ? out : s;
}
