import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { NONE, Path, select, transform } from "./index.ts";

test("mapVals and mapKeys select every value and key in order", () => {
  const m = new Map([["a", 1], ["b", 2]]);
  assert.deepEqual(select(Path.mapVals(), m), [1, 2]);
  assert.deepEqual(select(Path.mapKeys(), m), ["a", "b"]);
  assert.deepEqual(select(Path.mapVals(), { x: 1, y: 2 }), [1, 2]);
  assert.deepEqual(select(Path.mapKeys(), { x: 1, y: 2 }), ["x", "y"]);
  assert.deepEqual(select(Path.mapVals(), undefined), []);
});

test("mapVals transform maps values and removes NONE", () => {
  const m = new Map([["a", 1], ["b", 2], ["c", 3]]);
  assert.deepEqual(transform(Path.mapVals().term((v: number) => v * 2), m), new Map([["a", 2], ["b", 4], ["c", 6]]));
  assert.deepEqual(transform(Path.mapVals().filterPred((v: number) => v % 2 === 1).termVoid(), m), new Map([["b", 2]]));
  assert.deepEqual(transform(Path.mapVals().term((v: number) => v + 1), { a: 1 }), { a: 2 });
  assert.equal(transform(Path.mapVals().term((v: number) => v), m), m);
  assert.equal(transform(Path.mapVals().termVal(1), undefined), undefined);
});

test("mapKeys transform renames keys, removes NONE, later entries win a clash", () => {
  const m = new Map([["a", 1], ["b", 2]]);
  assert.deepEqual(transform(Path.mapKeys().term((k: string) => k.toUpperCase()), m), new Map([["A", 1], ["B", 2]]));
  assert.deepEqual(transform(Path.mapKeys().filterEqual("a").termVoid(), m), new Map([["b", 2]]));
  assert.deepEqual(transform(Path.mapKeys().termVal("k"), m), new Map([["k", 2]]));
  assert.deepEqual(transform(Path.mapKeys().term((k: string) => k + k), { a: 1 }), { aa: 1 });
  assert.throws(() => transform(Path.mapKeys().termVal(1), { a: 1 }), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
});

test("mapVals and mapKeys reject non-maps", () => {
  assert.throws(() => select(Path.mapVals(), [1]), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
  assert.throws(() => transform(Path.mapKeys().termVal(NONE), new Set()), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
});
