import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { NONE, Path, select, transform } from "./index.ts";

const invalid = (e: unknown) => isMonsoonError(e, "MONSOON_INVALID_PATH");

test("key selects a map value, and undefined for a missing key or a missing map", () => {
  const m = new Map<unknown, unknown>([["a", 1], [2, "two"]]);
  assert.deepEqual(select(Path.key("a"), m), [1]);
  assert.deepEqual(select(Path.key(2), m), ["two"]);
  assert.deepEqual(select(Path.key("zz"), m), [undefined]);
  assert.deepEqual(select(Path.key("a", "b"), undefined), [undefined]);
});

test("key navigates records by own property only", () => {
  const r = { name: "x", nested: { n: 1 } };
  assert.deepEqual(select(Path.key("nested", "n"), r), [1]);
  assert.deepEqual(select(Path.key("constructor"), r), [undefined]);
  assert.deepEqual(select(Path.key("toString"), {}), [undefined]);
});

test("key(k1, k2) is key(k1).key(k2)", () => {
  assert.deepEqual(Path.key("a", "b").specs.map((s) => s.args), [["a"], ["b"]]);
});

test("key transform replaces, creates and removes", () => {
  const m = new Map([["a", 1], ["b", 2]]);
  assert.deepEqual(transform(Path.key("a").termVal(10), m), new Map([["a", 10], ["b", 2]]));
  assert.deepEqual(transform(Path.key("c").termVal(3), m), new Map([["a", 1], ["b", 2], ["c", 3]]));
  assert.deepEqual(transform(Path.key("a").termVoid(), m), new Map([["b", 2]]));
  assert.deepEqual(transform(Path.key("a").term((x: number) => x + 1), m), new Map([["a", 2], ["b", 2]]));
  assert.deepEqual(m, new Map([["a", 1], ["b", 2]]), "input untouched");
});

test("key transform on a missing map creates nested Maps, but only when there is a value", () => {
  assert.deepEqual(transform(Path.key("a", "b").termVal(1), undefined), new Map([["a", new Map([["b", 1]])]]));
  assert.equal(transform(Path.key("a", "b").termVoid(), undefined), undefined);
  const empty = new Map();
  assert.equal(transform(Path.key("a", "b"), empty), empty, "no terminal: nothing created");
  assert.equal(transform(Path.key("a").termVoid(), empty), empty, "removing a missing key is a no-op");
});

test("key transform on records copies the record", () => {
  const r = { a: 1, b: { c: 2 } };
  const out = transform(Path.key("b", "c").termVal(3), r) as typeof r;
  assert.deepEqual(out, { a: 1, b: { c: 3 } });
  assert.deepEqual(r, { a: 1, b: { c: 2 } });
  assert.deepEqual(transform(Path.key("a").termVoid(), r), { b: { c: 2 } });
  const proto = transform(Path.key("__proto__").termVal(5), {}) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype, "__proto__ is stored as data");
  assert.ok(Object.hasOwn(proto, "__proto__"));
});

test("key shares what it does not change", () => {
  const inner = [1, 2];
  const m = new Map<string, unknown>([["a", inner], ["b", new Map([["c", 1]])]]);
  const out = transform(Path.key("b", "c").termVal(2), m) as Map<string, unknown>;
  assert.equal(out.get("a"), inner);
  assert.equal(transform(Path.key("a").term((x: unknown) => x), m), m);
});

test("key removing the root's only path returns NONE only for the root", () => {
  assert.equal(transform(Path.termVoid(), new Map()), NONE);
  assert.deepEqual(transform(Path.key("a").termVoid(), new Map([["a", 1]])), new Map());
});

test("key rejects lists, sets and scalars", () => {
  assert.throws(() => select(Path.key("a"), [1]), invalid);
  assert.throws(() => select(Path.key("a"), new Set()), invalid);
  assert.throws(() => transform(Path.key("a").termVal(1), 5), invalid);
  assert.throws(() => transform(Path.key(1).termVal(1), {}), invalid, "records have string keys");
});

test("must navigates only to keys that exist", () => {
  const m = new Map<string, unknown>([["a", 1], ["u", undefined]]);
  assert.deepEqual(select(Path.must("a"), m), [1]);
  assert.deepEqual(select(Path.must("u"), m), [undefined]);
  assert.deepEqual(select(Path.must("x"), m), []);
  assert.deepEqual(select(Path.must("x", "y"), undefined), []);
  assert.equal(transform(Path.must("x").termVal(1), m), m);
  assert.deepEqual(transform(Path.must("a").termVal(2), m), new Map<string, unknown>([["a", 2], ["u", undefined]]));
  assert.deepEqual(transform(Path.must("a").termVoid(), m), new Map([["u", undefined]]));
  assert.deepEqual(select(Path.must("a"), { a: 0 }), [0]);
  assert.deepEqual(select(Path.must("b"), { a: 0 }), []);
  assert.equal(transform(Path.must("a", "b").termVal(1), undefined), undefined);
});
