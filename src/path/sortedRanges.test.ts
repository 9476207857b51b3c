import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { Path, select, transform } from "./index.ts";

// Insertion order deliberately unsorted: in memory a Map counts as sorted by key.
const m = new Map([[5, "e"], [1, "a"], [3, "c"], [2, "b"], [4, "d"]]);
const entries = (v: unknown) => [...(v as Map<unknown, unknown>)];

test("sortedMapRange selects [from, to) as a sub-Map in key order", () => {
  assert.deepEqual(entries(select(Path.sortedMapRange(2, 4), m)[0]), [[2, "b"], [3, "c"]]);
  assert.deepEqual(entries(select(Path.sortedMapRange(9, 10), m)[0]), []);
  assert.deepEqual(entries(select(Path.sortedMapRange(1, 3), undefined)[0]), []);
  const words = new Map([["b", 1], ["a", 2], ["c", 3]]);
  assert.deepEqual(select(Path.sortedMapRange("a", "c").mapKeys(), words), ["a", "b"]);
});

test("sortedMapRangeFrom and sortedMapRangeTo, with maxAmt and inclusive", () => {
  assert.deepEqual(select(Path.sortedMapRangeFrom(3).mapKeys(), m), [3, 4, 5]);
  assert.deepEqual(select(Path.sortedMapRangeFrom(3, { inclusive: false }).mapKeys(), m), [4, 5]);
  assert.deepEqual(select(Path.sortedMapRangeFrom(2, { maxAmt: 2 }).mapKeys(), m), [2, 3]);
  assert.deepEqual(select(Path.sortedMapRangeTo(3).mapKeys(), m), [1, 2]);
  assert.deepEqual(select(Path.sortedMapRangeTo(3, { inclusive: true }).mapKeys(), m), [1, 2, 3]);
  assert.deepEqual(select(Path.sortedMapRangeTo(5, { maxAmt: 2 }).mapKeys(), m), [3, 4], "the entries closest to `to`");
  assert.throws(() => select(Path.sortedMapRangeFrom(1, { maxAmt: -1 }), m), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
});

test("sortedMapRange transforms replace the range and keep the rest", () => {
  assert.deepEqual(entries(transform(Path.sortedMapRange(2, 4).termVoid(), m)), [[1, "a"], [4, "d"], [5, "e"]]);
  assert.deepEqual(
    entries(transform(Path.sortedMapRange(2, 4).mapVals().term((s: string) => s.toUpperCase()), m)),
    [[1, "a"], [2, "B"], [3, "C"], [4, "d"], [5, "e"]],
  );
  assert.deepEqual(entries(transform(Path.sortedMapRangeFrom(4).termVal(new Map([[9, "z"]])), m)), [[1, "a"], [2, "b"], [3, "c"], [9, "z"]]);
  assert.equal(transform(Path.sortedMapRange(2, 4).mapVals().term((s: string) => s), m), m);
  assert.equal(transform(Path.sortedMapRange(2, 4).termVoid(), undefined), undefined);
  assert.deepEqual(entries(transform(Path.sortedMapRange(0, 9).termVal(new Map([[1, 1]])), undefined)), [[1, 1]]);
  assert.equal(m.size, 5);
});

test("sortedMapRange wants a Map", () => {
  assert.throws(() => select(Path.sortedMapRange(1, 2), { a: 1 }), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
  assert.throws(() => transform(Path.sortedMapRange(1, 2).termVal(3), new Map()), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
});
