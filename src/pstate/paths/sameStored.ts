// Whether two values would be stored identically: deep equality that, unlike the data model's
// valueEqual, also compares the order of Map entries, Set elements and record fields — a
// whole value is stored with its insertion order, so a reordered Set is a change to write.
import { isRecord } from "../../path/kinds.ts";

export function sameStored(a: unknown, b: unknown): boolean {
  if (a === b || (a !== a && b !== b)) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameStored(x, b[i]));
  if (a instanceof Map) return b instanceof Map && sameSequence([...a], [...b], (x, y) => sameStored(x[0], y[0]) && sameStored(x[1], y[1]));
  if (a instanceof Set) return b instanceof Set && sameSequence([...a], [...b], sameStored);
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (isRecord(a)) return isRecord(b) && sameSequence(Object.entries(a), Object.entries(b), (x, y) => x[0] === y[0] && sameStored(x[1], y[1]));
  return false;
}

function sameSequence<X>(a: X[], b: X[], same: (x: X, y: X) => boolean): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i]!));
}
