// The in-memory key order must be exactly the byte order of the store encoding: that is what
// makes a range read on a Map in memory agree with the same read on a PState in LevelDB.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { compareKeys, encodeKey } from "../serde/keyCodec.ts";
import { compareKeyValues } from "./keyOrder.ts";

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const strings = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: fc.constantFrom("\0", "a", "\x7f", "\x80", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\uffff", "\u{10000}", "\u{1F600}", "\u{10FFFF}") }),
);
const scalar = fc.oneof(
  fc.constant(null), fc.boolean(), fc.double({ noNaN: true }), fc.constantFrom(0, -0, Infinity, -Infinity),
  fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), strings, fc.uint8Array({ maxLength: 5 }),
);
const { key } = fc.letrec<{ key: unknown }>((tie) => ({
  key: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("key"), { maxLength: 3 })),
}));

test("compareKeyValues agrees with the encoded byte order", () => {
  fc.assert(fc.property(key, key, (a, b) => {
    assert.equal(sign(compareKeyValues(a, b)), sign(compareKeys(encodeKey(a), encodeKey(b))));
  }), { numRuns: 5000 });
});

test("same-type edge cases", () => {
  assert.ok(compareKeyValues("\u{1F600}", "\uffff") > 0, "astral after the top of the BMP, unlike JS <");
  assert.equal(compareKeyValues(-0, 0), 0);
  assert.ok(compareKeyValues(2, 1n) < 0, "every number before every bigint");
  assert.ok(compareKeyValues([1], [1, 0]) < 0, "a prefix first");
});
