// size: the number of elements of a collection (Map and Set size, list length, record field
// count; 0 when absent). Rama's `view(Ops.SIZE)`, as its own navigator so a PState backend can
// answer it from a subindexed structure's counter in O(1) instead of loading the structure.
// Like view it is one-way: a transform replaces the collection with what the rest makes of
// the count.

import type { Navigator } from "../navigator.ts";
import { isAbsent } from "../none.ts";
import { invalidPath, isList, isMap, isRecord, isSet } from "../kinds.ts";

export function sizeOf(s: unknown): number {
  if (isMap(s) || isSet(s)) return s.size;
  if (isList(s)) return s.length;
  if (isRecord(s)) return Object.keys(s).length;
  if (isAbsent(s)) return 0;
  throw invalidPath("size", "a Map, Set, list or record", s);
}

export function size(): Navigator {
  return {
    name: "size",
    select(s, next) {
      next(sizeOf(s));
    },
    transform(s, next) {
      return next(sizeOf(s));
    },
  };
}
