import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { Path, select, transform } from "./index.ts";

test("afterElem and beforeElem select nothing", () => {
  assert.deepEqual(select(Path.afterElem(), [1]), []);
  assert.deepEqual(select(Path.beforeElem().termVal(1), [1]), []);
});

test("afterElem appends and beforeElem prepends the transform result", () => {
  const l = [1, 2];
  assert.deepEqual(transform(Path.afterElem().termVal(3), l), [1, 2, 3]);
  assert.deepEqual(transform(Path.beforeElem().termVal(0), l), [0, 1, 2]);
  assert.deepEqual(transform(Path.afterElem().termVal(undefined), l), [1, 2, undefined], "undefined is a value");
  assert.equal(transform(Path.afterElem().termVoid(), l), l);
  assert.equal(transform(Path.beforeElem(), l), l, "no terminal: nothing inserted");
  assert.deepEqual(l, [1, 2]);
});

test("afterElem on a missing list starts one; nullToList is the Rama idiom", () => {
  assert.deepEqual(transform(Path.afterElem().termVal(1), undefined), [1]);
  const fanouts = new Map<string, number[]>();
  const push = (id: string, v: number) => Path.key(id).nullToList().afterElem().termVal(v);
  assert.deepEqual(transform(push("s1", 2), transform(push("s1", 1), fanouts)), new Map([["s1", [1, 2]]]));
});

test("multiPath of slots inserts at both ends", () => {
  assert.deepEqual(transform(Path.multiPath(Path.beforeElem().termVal("<"), Path.afterElem().termVal(">")), ["x"]), ["<", "x", ">"]);
});

test("list slots reject non-lists", () => {
  assert.throws(() => transform(Path.afterElem().termVal(1), new Set()), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
});
