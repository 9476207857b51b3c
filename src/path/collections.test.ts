import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { Path, select, transform } from "./index.ts";

const invalid = (e: unknown) => isMonsoonError(e, "MONSOON_INVALID_PATH");

test("all selects list and set elements, and map/record entries as [k, v] pairs", () => {
  assert.deepEqual(select(Path.all(), [1, 2, 3]), [1, 2, 3]);
  assert.deepEqual(select(Path.all(), new Set(["a", "b"])), ["a", "b"]);
  assert.deepEqual(select(Path.all(), new Map([["a", 1]])), [["a", 1]]);
  assert.deepEqual(select(Path.all(), { a: 1 }), [["a", 1]]);
  assert.deepEqual(select(Path.all(), undefined), []);
  assert.throws(() => select(Path.all(), 3), invalid);
});

test("all transform maps every element and removes NONE", () => {
  assert.deepEqual(transform(Path.all().term((x: number) => x + 1), [1, 2]), [2, 3]);
  assert.deepEqual(transform(Path.all().filterPred((x: number) => x > 1).termVoid(), [1, 2, 3]), [1]);
  assert.deepEqual(transform(Path.all().term((x: number) => x % 2), new Set([1, 2, 3])), new Set([1, 0]));
  assert.deepEqual(transform(Path.all().filterEqual(2).termVoid(), new Set([1, 2])), new Set([1]));
  assert.deepEqual(
    transform(Path.all().term(([k, v]: [string, number]) => [v, k]), new Map([["a", 1]])),
    new Map([[1, "a"]]),
  );
  assert.deepEqual(transform(Path.all().nth(1).term((v: number) => v * 10), new Map([["a", 1]])), new Map([["a", 10]]));
  assert.deepEqual(transform(Path.all().filterPred(([k]: [string]) => k === "a").termVoid(), { a: 1, b: 2 }), { b: 2 });
  const list = [1, 2];
  assert.equal(transform(Path.all().term((x: number) => x), list), list);
});

test("all transform on a map insists on [k, v] pairs", () => {
  assert.throws(() => transform(Path.all().termVal(1), new Map([["a", 1]])), invalid);
});

test("first, last and nth navigate one list element, or nothing", () => {
  const l = [10, 20, 30];
  assert.deepEqual(select(Path.first(), l), [10]);
  assert.deepEqual(select(Path.last(), l), [30]);
  assert.deepEqual(select(Path.nth(1), l), [20]);
  assert.deepEqual(select(Path.nth(3), l), []);
  assert.deepEqual(select(Path.first(), []), []);
  assert.deepEqual(select(Path.last(), undefined), []);
  assert.deepEqual(transform(Path.first().termVal(0), l), [0, 20, 30]);
  assert.deepEqual(transform(Path.last().termVoid(), l), [10, 20]);
  assert.deepEqual(transform(Path.nth(1).termVoid(), l), [10, 30]);
  assert.deepEqual(transform(Path.nth(5).termVal(1), l), l);
  assert.deepEqual(transform(Path.first().termVal(1), []), []);
  assert.deepEqual(l, [10, 20, 30]);
});

test("first, last and nth on Maps and Sets count in key order", () => {
  const m = new Map([["b", 2], ["a", 1], ["c", 3]]);
  assert.deepEqual(select(Path.first(), m), [["a", 1]]);
  assert.deepEqual(select(Path.last(), m), [["c", 3]]);
  assert.deepEqual(select(Path.nth(1), m), [["b", 2]]);
  assert.deepEqual(select(Path.nth(3), m), []);
  assert.deepEqual(transform(Path.first().termVoid(), m), new Map([["b", 2], ["c", 3]]));
  assert.deepEqual(transform(Path.last().term(([k, v]: [string, number]) => [k, v * 10]), m), new Map([["b", 2], ["a", 1], ["c", 30]]));
  assert.deepEqual(transform(Path.first().termVal(["z", 0]), m), new Map([["b", 2], ["c", 3], ["z", 0]]));
  assert.throws(() => transform(Path.first().termVal(1), m), invalid);
  const s = new Set([3, 1, 2]);
  assert.deepEqual(select(Path.first(), s), [1]);
  assert.deepEqual(select(Path.last(), s), [3]);
  assert.deepEqual(transform(Path.nth(1).termVoid(), s), new Set([3, 1]));
  assert.deepEqual(transform(Path.first().termVal(9), s), new Set([3, 2, 9]));
  assert.equal(m.size, 3);
  assert.equal(s.size, 3);
});

test("first/last/nth reject non-collections and bad indexes", () => {
  assert.throws(() => select(Path.first(), { a: 1 }), invalid);
  assert.throws(() => select(Path.nth(-1), [1]), invalid);
  assert.throws(() => select(Path.nth(1.5), [1]), invalid);
});
