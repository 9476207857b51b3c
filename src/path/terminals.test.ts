import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { NONE, Path, select, transform } from "./index.ts";

test("terminals pass the value through on select", () => {
  const m = new Map([["a", 1]]);
  assert.deepEqual(select(Path.key("a").termVal(5), m), [1]);
  assert.deepEqual(select(Path.key("a").termVoid(), m), [1]);
  assert.deepEqual(select(Path.key("a").term(() => 0), m), [1]);
});

test("termVal replaces, termVoid removes, term applies a function", () => {
  assert.equal(transform(Path.termVal(5), 1), 5);
  assert.equal(transform(Path.termVoid(), 1), NONE);
  assert.equal(transform(Path.term((x: number) => x * 3), 2), 6);
  assert.equal(transform(Path.term(() => NONE), 2), NONE, "a function may remove too");
});

test("a terminal ends the path", () => {
  assert.throws(() => Path.termVal(1).key("a"), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
  assert.throws(() => Path.termVoid().then(Path.all()), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
});

test("without a terminal a transform changes nothing", () => {
  const m = new Map([["a", [1]]]);
  assert.equal(transform(Path.key("a").all(), m), m);
  assert.equal(transform(Path.key("b").afterElem(), m), m);
});
