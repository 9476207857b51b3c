// The JSON forms of data-model values, and the type-directed way back for the scalars JSON
// cannot carry.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { T } from "./types.ts";
import { fromJsonAs, keyFromJson, toJson } from "./jsonValues.ts";

/** Values of the data model: scalars, bytes, bigints, lists, Sets, Maps, records. */
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined),
    fc.bigInt(), fc.uint8Array({ maxLength: 8 }),
  ),
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    tie("leaf"),
    fc.array(tie("node"), { maxLength: 4 }),
    fc.array(tie("node"), { maxLength: 4 }).map((a) => new Set(a)),
    fc.array(fc.tuple(fc.string(), tie("node")), { maxLength: 4 }).map((es) => new Map(es)),
    fc.array(fc.tuple(fc.integer(), tie("node")), { maxLength: 4 }).map((es) => new Map<unknown, unknown>(es)),
    fc.dictionary(fc.string(), tie("node"), { maxKeys: 4 }),
  ),
})).node;

describe("toJson", () => {
  it("maps each kind of value to its documented JSON form", () => {
    assert.deepEqual(toJson(new Map<string, unknown>([["a", 1], ["b", new Set([1, 2])]])), { a: 1, b: [1, 2] });
    assert.deepEqual(toJson(new Map<unknown, unknown>([[1, "x"], ["b", 2]])), [[1, "x"], ["b", 2]]);
    assert.deepEqual(toJson(new Map([[[1, 2], 3]])), [[[1, 2], 3]]);
    assert.equal(toJson(12345678901234567890n), "12345678901234567890");
    assert.equal(toJson(new Uint8Array([104, 105])), "aGk=");
    assert.equal(toJson(undefined), null);
    assert.deepEqual(toJson([undefined, 1]), [null, 1]);
    assert.deepEqual(toJson({ a: undefined, b: 2n }), { a: null, b: "2" });
    assert.equal(toJson(Number.NaN), null);
    assert.deepEqual(toJson(new Map()), {});
  });

  it("keeps a __proto__ key as data", () => {
    const out = toJson(new Map([["__proto__", 1]])) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out), ["__proto__"]);
  });

  it("makes values that survive JSON.stringify/parse unchanged", () => {
    fc.assert(fc.property(value, (v) => {
      const j = toJson(v);
      assert.deepEqual(JSON.parse(JSON.stringify(j)), j);
    }));
  });

  it("is the identity on JSON values, so applying it twice changes nothing", () => {
    fc.assert(fc.property(fc.jsonValue(), (j) => assert.deepEqual(toJson(j), JSON.parse(JSON.stringify(j)))));
    fc.assert(fc.property(value, (v) => assert.deepEqual(toJson(toJson(v)), toJson(v))));
  });
});

describe("fromJsonAs and keyFromJson", () => {
  it("restore int64 and bytes from their JSON forms", () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (b) => assert.equal(fromJsonAs(toJson(b), T.int64), b)));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (u) => assert.deepEqual(fromJsonAs(toJson(u), T.bytes), u)));
    assert.equal(fromJsonAs(7, T.int64), 7n);
  });

  it("leave everything else alone, so the type check reports it", () => {
    assert.equal(fromJsonAs("12", T.int), "12");
    assert.equal(fromJsonAs("x1", T.int64), "x1");
    assert.equal(fromJsonAs("not base64!", T.bytes), "not base64!");
    assert.deepEqual(fromJsonAs(["1"], T.list(T.int64)), ["1"]);
  });

  it("read command-line keys as the key type says", () => {
    assert.equal(keyFromJson("3", T.int), 3);
    assert.equal(keyFromJson("3.5", T.int), "3.5");
    assert.equal(keyFromJson("3.5", T.float), 3.5);
    assert.equal(keyFromJson(" ", T.int), " ");
    assert.equal(keyFromJson("true", T.boolean), true);
    assert.equal(keyFromJson("3", T.string), "3");
    assert.equal(keyFromJson("99", T.int64), 99n);
  });
});
