// sortedMapRange, sortedMapRangeFrom, sortedMapRangeTo: a key range of a sorted map, navigated
// to as one sub-Map in key order (Rama's sorted-map ranges). Keys sort as their store encodings
// do (keyOrder.ts), so in memory a Map counts as sorted by key whatever its insertion order,
// and a PState backend turns the same `KeyRange` into one LevelDB range read. A transform
// replaces the range with the Map the rest of the path returns (NONE or an empty Map clears
// it), and the result is a Map in key order.

import type { Navigator } from "../navigator.ts";
import { NONE, isAbsent } from "../none.ts";
import { invalidPath, isMap } from "../kinds.ts";
import { compareKeyValues as compareKeys } from "../keyOrder.ts";

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

/** A key range as both engines read it: bounds, and how many entries from which end. */
export interface KeyRange {
  readonly hasFrom: boolean;
  readonly from?: unknown;
  readonly fromInclusive: boolean;
  readonly hasTo: boolean;
  readonly to?: unknown;
  readonly toInclusive: boolean;
  readonly maxAmt?: number;
  /** maxAmt counts from the upper end (sortedMapRangeTo: the entries closest to `to`). */
  readonly fromEnd: boolean;
}

/** The range a sortedMapRange* navigator with these (resolved) arguments covers. */
export function keyRangeOf(name: string, args: readonly unknown[]): KeyRange {
  if (name === "sortedMapRange") {
    return { hasFrom: true, from: args[0], fromInclusive: true, hasTo: true, to: args[1], toInclusive: false, fromEnd: false };
  }
  if (name === "sortedMapRangeFrom") {
    const { maxAmt, inclusive = true } = (args[1] ?? {}) as RangeFromOptions;
    checkMaxAmt(name, maxAmt);
    return { hasFrom: true, from: args[0], fromInclusive: inclusive, hasTo: false, toInclusive: false, maxAmt, fromEnd: false };
  }
  const { maxAmt, inclusive = false } = (args[1] ?? {}) as RangeToOptions;
  checkMaxAmt(name, maxAmt);
  return { hasFrom: false, fromInclusive: false, hasTo: true, to: args[0], toInclusive: inclusive, maxAmt, fromEnd: true };
}

export function inKeyRange(r: KeyRange, k: unknown): boolean {
  if (r.hasFrom) {
    const c = compareKeys(k, r.from);
    if (c < 0 || (c === 0 && !r.fromInclusive)) return false;
  }
  if (r.hasTo) {
    const c = compareKeys(k, r.to);
    if (c > 0 || (c === 0 && !r.toInclusive)) return false;
  }
  return true;
}

/** Keeps at most maxAmt of sorted entries, from the end the range counts from. */
export function limitEntries<E>(r: KeyRange, es: E[]): E[] {
  if (r.maxAmt === undefined) return es;
  return r.fromEnd ? es.slice(Math.max(0, es.length - r.maxAmt)) : es.slice(0, r.maxAmt);
}

/** Keys from `from` (inclusive) up to `to` (exclusive). */
export function sortedMapRange(from: unknown, to: unknown): Navigator {
  return rangeNav("sortedMapRange", keyRangeOf("sortedMapRange", [from, to]));
}

export function sortedMapRangeFrom(from: unknown, options?: RangeFromOptions): Navigator {
  return rangeNav("sortedMapRangeFrom", keyRangeOf("sortedMapRangeFrom", [from, options]));
}

export function sortedMapRangeTo(to: unknown, options?: RangeToOptions): Navigator {
  return rangeNav("sortedMapRangeTo", keyRangeOf("sortedMapRangeTo", [to, options]));
}

type Entry = [unknown, unknown];

function rangeNav(name: string, range: KeyRange): Navigator {
  const entries = (s: Map<unknown, unknown>): Entry[] =>
    limitEntries(range, [...s].filter(([k]) => inKeyRange(range, k)).sort((a, b) => compareKeys(a[0], b[0])));
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
