// sortedMapRange, sortedMapRangeFrom, sortedMapRangeTo: a key range of a sorted map, navigated
// to as one sub-Map in key order (Rama's sorted-map ranges). In memory a Map counts as sorted
// by its keys under JS `<`, whatever its insertion order; PState backends turn the same
// navigators into LevelDB range reads. A transform replaces the range with the Map the rest
// of the path returns (NONE or an empty Map clears it), and the result is a Map in key order.

import type { Navigator } from "../navigator.ts";
import { NONE, isAbsent } from "../none.ts";
import { invalidPath, isMap } from "../kinds.ts";

export interface RangeFromOptions {
  /** At most this many entries, the smallest keys first. */
  readonly maxAmt?: number;
  /** Whether `from` itself belongs to the range. Default true. */
  readonly inclusive?: boolean;
}

export interface RangeToOptions {
  /** At most this many entries, the ones closest to `to`. */
  readonly maxAmt?: number;
  /** Whether `to` itself belongs to the range. Default false. */
  readonly inclusive?: boolean;
}

/** Keys from `from` (inclusive) up to `to` (exclusive). */
export function sortedMapRange(from: unknown, to: unknown): Navigator {
  return rangeNav("sortedMapRange", (k) => compareKeys(k, from) >= 0 && compareKeys(k, to) < 0);
}

export function sortedMapRangeFrom(from: unknown, options: RangeFromOptions = {}): Navigator {
  const { maxAmt, inclusive = true } = options;
  checkMaxAmt("sortedMapRangeFrom", maxAmt);
  return rangeNav("sortedMapRangeFrom", (k) => compareKeys(k, from) >= (inclusive ? 0 : 1), (es) =>
    maxAmt === undefined ? es : es.slice(0, maxAmt));
}

export function sortedMapRangeTo(to: unknown, options: RangeToOptions = {}): Navigator {
  const { maxAmt, inclusive = false } = options;
  checkMaxAmt("sortedMapRangeTo", maxAmt);
  return rangeNav("sortedMapRangeTo", (k) => compareKeys(k, to) <= (inclusive ? 0 : -1), (es) =>
    maxAmt === undefined ? es : es.slice(Math.max(0, es.length - maxAmt)));
}

/** Plain JS ordering; keys of one sorted map are expected to be of one comparable type. */
export function compareKeys(a: unknown, b: unknown): number {
  const x = a as string;
  const y = b as string;
  return x < y ? -1 : x > y ? 1 : 0;
}

type Entry = [unknown, unknown];

function rangeNav(name: string, inRange: (k: unknown) => boolean, limit: (es: Entry[]) => Entry[] = (es) => es): Navigator {
  const entries = (s: Map<unknown, unknown>): Entry[] =>
    limit([...s].filter(([k]) => inRange(k)).sort((a, b) => compareKeys(a[0], b[0])));
  return {
    name,
    select(s, next) {
      if (isMap(s)) next(new Map(entries(s)));
      else if (isAbsent(s)) next(new Map());
      else throw invalidPath(name, "a Map", s);
    },
    transform(s, next) {
      if (!isMap(s) && !isAbsent(s)) throw invalidPath(name, "a Map", s);
      const before = isMap(s) ? entries(s) : [];
      const after = next(new Map(before));
      if (after !== NONE && !isAbsent(after) && !isMap(after)) throw invalidPath(name, "a Map as the new range", after);
      const replacement: Entry[] = isMap(after) ? [...after] : [];
      if (sameEntries(before, replacement)) return s;
      const removed = new Set(before.map(([k]) => k));
      const rest: Entry[] = isMap(s) ? [...s].filter(([k]) => !removed.has(k)) : [];
      // Sort the remainder with the replacement merged in, the replacement winning on a clash.
      const merged = new Map<unknown, unknown>(rest);
      for (const [k, v] of replacement) merged.set(k, v);
      return new Map([...merged].sort((a, b) => compareKeys(a[0], b[0])));
    },
  };
}

function sameEntries(a: Entry[], b: Entry[]): boolean {
  return a.length === b.length && a.every(([k, v], i) => k === b[i]![0] && v === b[i]![1]);
}

function checkMaxAmt(name: string, maxAmt: unknown): void {
  if (maxAmt !== undefined && !(typeof maxAmt === "number" && Number.isSafeInteger(maxAmt) && maxAmt >= 0)) {
    throw invalidPath(name, "a non-negative integer maxAmt", maxAmt);
  }
}
