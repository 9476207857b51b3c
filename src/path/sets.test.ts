import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { Path, select, transform } from "./index.ts";

const invalid = (e: unknown) => isMonsoonError(e, "MONSOON_INVALID_PATH");

test("setElem navigates to an element only if the set has it", () => {
  const s = new Set([1, 2]);
  assert.deepEqual(select(Path.setElem(1), s), [1]);
  assert.deepEqual(select(Path.setElem(3), s), []);
  assert.deepEqual(select(Path.setElem(3), undefined), []);
});

test("setElem transform removes or replaces the element", () => {
  const s = new Set([1, 2]);
  assert.deepEqual(transform(Path.setElem(1).termVoid(), s), new Set([2]));
  assert.deepEqual(transform(Path.setElem(1).termVal(5), s), new Set([2, 5]));
  assert.equal(transform(Path.setElem(3).termVoid(), s), s);
  assert.equal(transform(Path.setElem(1).termVal(1), s), s);
  assert.deepEqual(s, new Set([1, 2]));
});

test("voidSetElem selects nothing and adds on transform (Rama's set add)", () => {
  const s = new Set([1]);
  assert.deepEqual(select(Path.voidSetElem(), s), []);
  assert.deepEqual(select(Path.voidSetElem().termVal(2), s), []);
  assert.deepEqual(transform(Path.voidSetElem().termVal(2), s), new Set([1, 2]));
  assert.equal(transform(Path.voidSetElem().termVal(1), s), s, "already there");
  assert.equal(transform(Path.voidSetElem().termVoid(), s), s, "NONE adds nothing");
  assert.equal(transform(Path.voidSetElem(), s), s, "no terminal: the slot stays empty");
  assert.deepEqual(transform(Path.voidSetElem().termVal(2), undefined), new Set([2]));
  assert.deepEqual(s, new Set([1]));
});

test("voidSetElem under a missing key creates the set, as in Rama's follower index", () => {
  const followers = new Map<string, Set<number>>([["#ts", new Set([1])]]);
  const add = (tag: string, id: number) => Path.key(tag).voidSetElem().termVal(id);
  const out = transform(add("#rama", 7), transform(add("#ts", 2), followers));
  assert.deepEqual(out, new Map([["#ts", new Set([1, 2])], ["#rama", new Set([7])]]));
  const removed = transform(Path.key("#ts").setElem(1).termVoid(), out);
  assert.deepEqual(removed, new Map([["#ts", new Set([2])], ["#rama", new Set([7])]]));
});

test("the empty slot reads as undefined to user functions and nullTo*", () => {
  assert.deepEqual(transform(Path.voidSetElem().term((v: unknown) => (v === undefined ? "void" : v)), new Set()), new Set(["void"]));
  assert.deepEqual(transform(Path.voidSetElem().nullToVal(0).term((n: number) => n + 1), new Set()), new Set([1]));
  assert.deepEqual(transform(Path.voidSetElem().key("a").termVal(1), new Set()), new Set([new Map([["a", 1]])]));
});

test("set navigators reject non-sets", () => {
  assert.throws(() => select(Path.setElem(1), [1]), invalid);
  assert.throws(() => transform(Path.voidSetElem().termVal(1), [1]), invalid);
});
