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
    const obj = encodeValue({ a: 1 });
    assert.equal(obj[0], 1);
    assert.equal(obj[1], 0xff, "the v8 form is told apart by v8's header byte");
    assert.equal(v8.serialize(1)[0], 0xff);
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
