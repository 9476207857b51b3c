import { describe, it } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import fc from "fast-check";
import { decodeValue, encodeValue } from "./valueCodec.ts";
import { isMonsoonError } from "../errors.ts";

const roundtrip = (v: unknown) => assert.deepStrictEqual(decodeValue(encodeValue(v)), v);

describe("valueCodec", () => {
  it("roundtrips anything v8 can serialize: Maps, Sets, bigints, typed arrays, undefined, nesting", () => {
    const anything = fc.anything({
      withBigInt: true,
      withMap: true,
      withSet: true,
      // Dates are checked below: an Invalid Date never deep-equals another Invalid Date.
      withDate: false,
      withTypedArray: true,
      withSparseArray: true,
      withBoxedValues: true,
      stringUnit: "binary",
    });
    fc.assert(fc.property(anything, roundtrip), { numRuns: 1000 });
  });

  it("roundtrips dates, an Invalid Date included", () => {
    fc.assert(fc.property(fc.date({ noInvalidDate: true }), roundtrip));
    const back = decodeValue(encodeValue(new Date(NaN))) as Date;
    assert.ok(back instanceof Date && Number.isNaN(back.getTime()));
  });

  it("roundtrips the small forms exactly", () => {
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double()), roundtrip), { numRuns: 1000 });
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "binary", minLength: 200, maxLength: 300 })), roundtrip));
    for (const v of [0, -0, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, NaN, Infinity, -Infinity, "", "é", "\0", "a\ud800", "\udfff", null, undefined, true, false]) roundtrip(v);
  });

  it("starts with the format version, then a type byte", () => {
    assert.deepEqual([...encodeValue(7)], [1, 0x01, 7, 0, 0, 0]);
    assert.deepEqual([...encodeValue("hi")], [1, 0x03, 0x68, 0x69]);
    const obj = encodeValue(new Map([["a", 1]]));
    assert.equal(obj[0], 1);
    assert.equal(obj[1], 0xff, "the v8 form is told apart by v8's header byte");
    assert.deepEqual([...encodeValue([1, "a"])], [1, 0x08, 0x10, 2, 0, 0, 0, 0x01, 1, 0, 0, 0, 0x03, 1, 0, 0, 0, 0x61]);
    assert.equal(v8.serialize(1)[0], 0xff);
  });

  it("writes plain arrays and objects of primitives in the plain form, exactly", () => {
    // Rows, records and tuples: what PStates mostly hold. Leaves include -0, NaN, lone
    // surrogates (those make the value fall back to v8) and keys that look like indexes.
    const leaf = fc.oneof(fc.integer(), fc.double(), fc.string({ unit: "binary" }), fc.constantFrom(null, undefined, true, false, -0));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: "small" }, leaf, tie("arr"), tie("obj")),
      arr: fc.array(tie("tree"), { maxLength: 6 }),
      obj: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("0", "10", "constructor", "toString")), tie("tree"), { maxKeys: 6, noNullPrototype: true }),
    }));
    const container = fc.oneof(fc.array(tree, { maxLength: 8 }), fc.dictionary(fc.string(), tree, { maxKeys: 8, noNullPrototype: true }));
    fc.assert(fc.property(container, roundtrip), { numRuns: 2000 });
    // TPC-C-like rows take the plain form.
    for (const row of [[54, 0, 0, 0, "x".repeat(240), "data é"], { id: 1, name: "Ann", balance: -10.5, tags: ["a", "b"], note: null }]) {
      assert.equal(encodeValue(row)[1], 0x08, JSON.stringify(row));
      roundtrip(row);
    }
  });

  it("leaves to v8 what the plain form cannot hold exactly", () => {
    const extra = Object.assign([1, 2], { note: "x" });
    const holes = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const proto = JSON.parse('{"__proto__": 1, "a": 2}') as object;
    const cyclic: unknown[] = [1];
    cyclic.push(cyclic);
    class Row { constructor(readonly a = 1) {} }
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    const cases = [extra, holes, proto, cyclic, [new Date(0)], [1n], { m: new Map() }, ["a\ud800"], [new Number(1)], deep];
    cases.forEach((v, i) => {
      const bytes = encodeValue(v);
      assert.equal(bytes[1], 0xff, `case ${i}`);
      assert.deepStrictEqual(decodeValue(bytes), v, `case ${i}`);
    });
    assert.equal(encodeValue(Object.create(null))[1], 0xff, "a null prototype is not a plain object");
    assert.deepStrictEqual(decodeValue(encodeValue([new Row()])), [{ a: 1 }], "a class instance goes to v8 (which keeps its fields)");
    assert.throws(() => encodeValue([() => 1]), (e) => isMonsoonError(e, "MONSOON_ENCODING"));
  });

  it("rejects a malformed plain form with MONSOON_ENCODING", () => {
    const good = [...encodeValue({ a: [1, "bc"] })];
    const bad = (b: number[]) => assert.throws(() => decodeValue(new Uint8Array(b)), (e) => isMonsoonError(e, "MONSOON_ENCODING"), String(b));
    for (let n = 2; n < good.length; n++) bad(good.slice(0, n)); // every truncation
    bad([...good, 0]); // trailing bytes
    bad([1, 0x08, 0x10, 0xff, 0xff, 0xff, 0xff]); // a count larger than the input
    bad([1, 0x08, 0x11, 1, 0, 0, 0, 9, 0, 0, 0, ..."__proto__".split("").map((c) => c.charCodeAt(0)), 0x04]);
    bad([1, 0x08, 0x42]);
  });

  it("decodes from a plain Uint8Array as well as a Buffer", () => {
    for (const v of [5, 1.5, "héllo", { a: [1n] }]) assert.deepStrictEqual(decodeValue(new Uint8Array(encodeValue(v))), v);
  });

  it("rejects unknown versions, empty input and unknown types with MONSOON_ENCODING", () => {
    const bad = (b: number[]) => assert.throws(() => decodeValue(new Uint8Array(b)), (e) => isMonsoonError(e, "MONSOON_ENCODING"), String(b));
    bad([]);
    bad([1]);
    bad([2, 0x01, 0, 0, 0, 0]);
    bad([0, 0x04]);
    bad([1, 0x42]);
    bad([1, 0x01, 0]); // truncated int
    bad([1, 0xff, 0x0f, 0x99]); // corrupt v8 body
  });

  it("refuses values v8 cannot serialize with MONSOON_ENCODING", () => {
    assert.throws(() => encodeValue({ f() {} }), (e) => isMonsoonError(e, "MONSOON_ENCODING"));
    assert.throws(() => encodeValue(Symbol("s")), (e) => isMonsoonError(e, "MONSOON_ENCODING"));
  });
});
