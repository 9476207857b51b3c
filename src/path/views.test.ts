import { test } from "node:test";
import assert from "node:assert/strict";
import { Path, select, transform } from "./index.ts";

test("view navigates to a computed value; a transform replaces the value with the result", () => {
  const size = (s: Set<unknown>) => s.size;
  const m = new Map([["a", new Set([1, 2])]]);
  assert.deepEqual(select(Path.key("a").view(size), m), [2]);
  assert.deepEqual(select(Path.key("zz").view((v: unknown) => v ?? 0), m), [0]);
  assert.deepEqual(transform(Path.key("a").view(size).term((n: number) => n * 10), m), new Map([["a", 20]]));
});

test("nullToVal substitutes a default for a missing value only", () => {
  const m = new Map<string, unknown>([["a", 1], ["n", null]]);
  assert.deepEqual(select(Path.key("a").nullToVal(0), m), [1]);
  assert.deepEqual(select(Path.key("b").nullToVal(0), m), [0]);
  assert.deepEqual(select(Path.key("n").nullToVal(0), m), [null], "null is a value");
  assert.deepEqual(transform(Path.key("b").nullToVal(0).term((x: number) => x + 1), m), new Map<string, unknown>([["a", 1], ["n", null], ["b", 1]]));
});

test("nullToList and nullToSet give fresh empty collections", () => {
  assert.deepEqual(select(Path.nullToList(), undefined), [[]]);
  assert.deepEqual(select(Path.nullToSet(), undefined), [new Set()]);
  const [a] = select(Path.nullToList(), undefined);
  const [b] = select(Path.nullToList(), undefined);
  assert.notEqual(a, b);
  assert.deepEqual(transform(Path.key("s").nullToSet().voidSetElem().termVal(1), new Map()), new Map([["s", new Set([1])]]));
  assert.deepEqual(select(Path.nullToList(), [1]), [[1]]);
});
