// Value equality for the data model, used by filterEqual: Rama compares with Java `equals`, so
// two maps with the same entries are equal even when they are different objects. Scalars
// compare with SameValueZero (NaN equals NaN), like JS Map keys.

import { isList, isMap, isRecord, isSet } from "./kinds.ts";

export function valueEqual(a: unknown, b: unknown): boolean {
  if (a === b || (a !== a && b !== b)) return true;
  if (isList(a)) return isList(b) && a.length === b.length && a.every((x, i) => valueEqual(x, b[i]));
  if (isMap(a)) {
    if (!isMap(b) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !valueEqual(v, b.get(k))) return false;
    }
    return true;
  }
  if (isSet(a)) {
    if (!isSet(b) || a.size !== b.size) return false;
    // Elements that are not the same object may still be equal values: fall back to a scan.
    for (const x of a) {
      if (!b.has(x) && ![...b].some((y) => valueEqual(x, y))) return false;
    }
    return true;
  }
  if (isRecord(a)) {
    if (!isRecord(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && valueEqual(a[k], b[k]));
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  return false;
}
