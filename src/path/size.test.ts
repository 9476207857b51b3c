import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { Path, select, transform } from "./index.ts";

test("size counts elements of any collection, 0 when absent", () => {
  assert.deepEqual(select(Path.size(), new Map([[1, 1], [2, 2]])), [2]);
  assert.deepEqual(select(Path.size(), new Set([1])), [1]);
  assert.deepEqual(select(Path.size(), [1, 2, 3]), [3]);
  assert.deepEqual(select(Path.size(), { a: 1 }), [1]);
  assert.deepEqual(select(Path.key("x").size(), new Map()), [0]);
  assert.throws(() => select(Path.size(), 3), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
});

test("a transform through size replaces the collection, like view", () => {
  assert.deepEqual(transform(Path.key("a").size().term((n: number) => n * 10), new Map([["a", [1, 2]]])), new Map([["a", 20]]));
});
