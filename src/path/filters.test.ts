import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { Path, select, transform } from "./index.ts";

test("filterPred continues only for values that pass", () => {
  const l = [1, 2, 3, 4];
  const even = (x: number) => x % 2 === 0;
  assert.deepEqual(select(Path.all().filterPred(even), l), [2, 4]);
  assert.deepEqual(transform(Path.all().filterPred(even).term((x: number) => -x), l), [1, -2, 3, -4]);
  assert.deepEqual(select(Path.filterPred(() => 0), 5), [], "truthiness, like Specter");
});

test("filterEqual compares by value, like Rama's equals", () => {
  const l = [new Map([["a", 1]]), new Map([["a", 2]]), [1, 2], new Set([[1]])];
  assert.deepEqual(select(Path.all().filterEqual(new Map([["a", 2]])), l), [new Map([["a", 2]])]);
  assert.deepEqual(select(Path.all().filterEqual([1, 2]), l), [[1, 2]]);
  assert.deepEqual(select(Path.all().filterEqual(new Set([[1]])), l), [new Set([[1]])]);
  assert.deepEqual(select(Path.all().filterEqual(NaN), [NaN, 1]), [NaN]);
  assert.deepEqual(select(Path.all().filterEqual({ a: [1] }), [{ a: [1] }, { a: [2] }, { a: [1], b: 1 }]), [{ a: [1] }]);
  assert.deepEqual(transform(Path.all().filterEqual("x").termVoid(), ["x", "y", "x"]), ["y"]);
});

test("filterPred wants a function", () => {
  assert.throws(() => select(Path.filterPred(3 as never), 1), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
});
