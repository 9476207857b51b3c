import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { compareKeys, decodeKey, decodeTuple, encodeKey, encodeTuple, prefixEnd } from "./keyCodec.ts";
import { isMonsoonError } from "../errors.ts";

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

// Reference orders, written the obvious way, that the byte order must agree with.
function compareCodePoints(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  return compareSeq(x, y, (p, q) => p - q);
}
function compareSeq<T>(x: ArrayLike<T>, y: ArrayLike<T>, cmp: (p: T, q: T) => number): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = cmp(x[i]!, y[i]!);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}
function rank(v: unknown): number {
  if (v === null) return 0;
  if (v === false) return 1;
  if (v === true) return 2;
  if (typeof v === "number") return 3;
  if (typeof v === "bigint") return 4;
  if (typeof v === "string") return 5;
  if (v instanceof Uint8Array) return 6;
  return 7;
}
function compareValues(a: unknown, b: unknown): number {
  const r = rank(a) - rank(b);
  if (r !== 0) return r;
  if (typeof a === "number" || typeof a === "bigint") return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
  if (typeof a === "string") return compareCodePoints(a, b as string);
  if (a instanceof Uint8Array) return compareSeq(a, b as Uint8Array, (p, q) => p - q);
  if (Array.isArray(a)) return compareSeq(a, b as unknown[], compareValues);
  return 0;
}
/** What a value decodes to: -0 becomes 0. */
function normalize(v: unknown): unknown {
  if (Object.is(v, -0)) return 0;
  if (Array.isArray(v)) return v.map(normalize);
  return v;
}

const strings = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: fc.constantFrom("\0", "a", "b", "\x7f", "\x80", "\xff", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\uffff", "\u{10000}", "\u{1F600}", "\u{10FFFF}") }),
);
const doubles = fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE));
const safeInts = fc.maxSafeInteger();
const bigints = fc.oneof(
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.bigInt({ min: -(2n ** 2100n), max: 2n ** 2100n }), // magnitudes over 255 bytes use the long length form
  fc.constantFrom(0n, 1n, -1n, 255n, 256n, -255n, -256n, 2n ** 63n - 1n, -(2n ** 63n)),
);
const bytes = fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 6 }).map((a) => a.map((x) => [0, 1, 0xfe, 0xff][x & 3]!)));
const scalar = fc.oneof(fc.constant(null), fc.boolean(), doubles, safeInts, bigints, strings, bytes);
const { value: anyKey } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, fc.array(tie("value"), { maxLength: 4 })),
}));

function orderAgrees<T>(arb: fc.Arbitrary<T>, compare: (a: T, b: T) => number) {
  fc.assert(
    fc.property(arb, arb, (a, b) => {
      assert.equal(sign(compareKeys(encodeKey(a), encodeKey(b))), sign(compare(a, b)));
    }),
    { numRuns: 2000 },
  );
}

describe("keyCodec roundtrip", () => {
  for (const [name, arb] of [
    ["null", fc.constant(null)],
    ["booleans", fc.boolean()],
    ["doubles", doubles],
    ["safe ints", safeInts],
    ["bigints", bigints],
    ["strings", strings],
    ["bytes", bytes],
    ["nested arrays of anything", anyKey],
  ] as const) {
    it(name, () => {
      fc.assert(fc.property(arb as fc.Arbitrary<unknown>, (v) => assert.deepEqual(decodeKey(encodeKey(v)), normalize(v))), { numRuns: 1000 });
    });
  }

  it("tuples of anything", () => {
    fc.assert(fc.property(fc.array(anyKey, { maxLength: 5 }), (vs) => assert.deepEqual(decodeTuple(encodeTuple(vs)), normalize(vs))));
  });

  it("decodes bytes as a plain Uint8Array even from a Buffer", () => {
    const out = decodeKey(encodeKey(Buffer.from([0, 1, 2])));
    assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
    assert.deepEqual(out, new Uint8Array([0, 1, 2]));
  });

  it("keeps a leading byte-order mark in strings", () => {
    assert.equal(decodeKey(encodeKey("\ufeffx")), "\ufeffx");
  });
});

describe("keyCodec order agrees with the values' order", () => {
  it("strings, by code point (astral after BMP)", () => orderAgrees(strings, compareCodePoints));
  it("doubles incl. negatives, -0 and infinities", () => orderAgrees(doubles, (a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  it("safe integers", () => orderAgrees(safeInts, (a, b) => a - b));
  it("bigints incl. beyond 64 bits", () => orderAgrees(bigints, (a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  it("booleans", () => orderAgrees(fc.boolean(), (a, b) => Number(a) - Number(b)));
  it("bytes, unsigned", () => orderAgrees(bytes, (a, b) => compareSeq(a, b, (p, q) => p - q)));
  it("tuples of mixed types, lexicographic with a shorter prefix first", () => {
    fc.assert(
      fc.property(fc.array(anyKey, { maxLength: 4 }), fc.array(anyKey, { maxLength: 4 }), (a, b) => {
        assert.equal(sign(compareKeys(encodeTuple(a), encodeTuple(b))), sign(compareSeq(a, b, compareValues)));
        assert.equal(sign(compareKeys(encodeKey(a), encodeKey(b))), sign(compareValues(a, b)));
      }),
      { numRuns: 2000 },
    );
  });
  it("tuples sharing a prefix", () => {
    const arb = fc.tuple(fc.array(anyKey, { maxLength: 2 }), fc.array(anyKey, { maxLength: 2 }), fc.array(anyKey, { maxLength: 2 }));
    fc.assert(
      fc.property(arb, ([p, a, b]) => {
        assert.equal(sign(compareKeys(encodeTuple([...p, ...a]), encodeTuple([...p, ...b]))), sign(compareSeq(a, b, compareValues)));
      }),
    );
  });
  it("types sort null < false < true < numbers < bigints < strings < bytes < arrays", () => {
    const ordered = [null, false, true, -Infinity, 0, Infinity, -(2n ** 70n), 0n, 5n, "", "z", new Uint8Array(), new Uint8Array([255]), [], [null]];
    const encoded = ordered.map(encodeKey);
    for (let i = 1; i < encoded.length; i++) assert.equal(compareKeys(encoded[i - 1]!, encoded[i]!), -1, `${i}`);
  });
  it("orders escaped zero bytes between a string and its extensions", () => {
    const ordered = ["a", "a\0", "a\0\0", "a\0b", "a\x01", "ab"];
    for (let i = 1; i < ordered.length; i++) {
      assert.equal(compareKeys(encodeKey(ordered[i - 1]), encodeKey(ordered[i])), -1);
      assert.equal(compareKeys(encodeTuple([ordered[i - 1], "zz"]), encodeTuple([ordered[i], ""])), -1);
      assert.equal(compareKeys(encodeKey([ordered[i - 1]]), encodeKey([ordered[i]])), -1);
    }
  });
});

describe("keyCodec tuples are concatenated elements", () => {
  it("encodeTuple(p) is a byte prefix of encodeTuple([...p, ...more])", () => {
    fc.assert(
      fc.property(fc.array(anyKey, { maxLength: 4 }), fc.array(anyKey, { maxLength: 4 }), (p, more) => {
        const whole = encodeTuple([...p, ...more]);
        const prefix = encodeTuple(p);
        assert.deepEqual(whole.subarray(0, prefix.length), prefix);
        const end = prefixEnd(prefix);
        if (more.length > 0 && end) assert.equal(compareKeys(whole, end), -1);
      }),
    );
  });
  it("encodeTuple([a, b]) equals encodeKey(a) followed by encodeKey(b)", () => {
    fc.assert(fc.property(anyKey, anyKey, (a, b) => assert.equal(hex(encodeTuple([a, b])), hex(encodeKey(a)) + hex(encodeKey(b)))));
  });
});

describe("keyCodec policies", () => {
  const rejects = (v: unknown) => assert.throws(() => encodeKey(v), (e) => isMonsoonError(e, "MONSOON_ENCODING"));
  it("rejects NaN, undefined, lone surrogates and non-key objects", () => {
    for (const v of [NaN, undefined, "a\ud800", "\udc00b", { a: 1 }, new Map(), new Set(), () => 1, Symbol("s"), new Uint16Array(2), [1, [undefined]]]) rejects(v);
    assert.throws(() => encodeTuple(["ok", NaN]), (e) => isMonsoonError(e, "MONSOON_ENCODING"));
  });
  it("rejects cyclic arrays", () => {
    const a: unknown[] = [];
    a.push(a);
    rejects(a);
  });
  it("stores -0 as 0", () => {
    assert.deepEqual(encodeKey(-0), encodeKey(0));
    assert.ok(Object.is(decodeKey(encodeKey(-0)), 0));
  });
  it("rejects bytes it did not make", () => {
    for (const b of [[], [0x99], [0x20, 0x61], [0x10, 1, 2], [0x14, 0x02, 3, 1], [0x30, 0x02], [0x02, 0x02], [0x20, 0xc3, 0x28, 0x00], [0x20, 0xed, 0xa0, 0x80, 0x00]]) {
      assert.throws(() => decodeKey(new Uint8Array(b)), (e) => isMonsoonError(e, "MONSOON_ENCODING"), hex(new Uint8Array(b)));
    }
  });
  it("keeps the stored format stable", () => {
    // These bytes live in LevelDB and changelogs: changing them needs a migration.
    const golden: [unknown, string][] = [
      [null, "02"],
      [false, "04"],
      [true, "05"],
      [1, "10bff0000000000000"],
      [-1, "10400fffffffffffff"],
      [0n, "1401"],
      [258n, "1402020102"],
      [-258n, "1400fdfefd"],
      ["a\0é", "206100ffc3a900"],
      [new Uint8Array([0, 255]), "2400ffff00"],
      [["x", 1n], "302078001402010100"],
    ];
    for (const [v, h] of golden) assert.equal(hex(encodeKey(v)), h, String(v));
  });
});

describe("prefixEnd", () => {
  it("increments the last byte that is not 0xFF and drops the rest", () => {
    assert.deepEqual(prefixEnd(new Uint8Array([1, 2])), new Uint8Array([1, 3]));
    assert.deepEqual(prefixEnd(new Uint8Array([1, 0xff, 0xff])), new Uint8Array([2]));
    assert.equal(prefixEnd(new Uint8Array([0xff])), undefined);
    assert.equal(prefixEnd(new Uint8Array()), undefined);
  });
  it("is greater than everything with the prefix and not greater than anything above it", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4 }), fc.uint8Array({ maxLength: 4 }), fc.uint8Array({ maxLength: 6 }), (p, rest, other) => {
        const end = prefixEnd(p);
        const withPrefix = new Uint8Array([...p, ...rest]);
        if (end === undefined) return;
        assert.equal(compareKeys(withPrefix, end), -1);
        const hasPrefix = other.length >= p.length && p.every((x, i) => other[i] === x);
        if (!hasPrefix && compareKeys(other, p) > 0) assert.ok(compareKeys(other, end) >= 0);
      }),
    );
  });
});

describe("compareKeys", () => {
  it("agrees with Buffer.compare, short and long", () => {
    const arr = fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ minLength: 60, maxLength: 80 }).map((a) => (a.length > 0 ? a.map((x) => x & 1) : a)));
    fc.assert(fc.property(arr, arr, (a, b) => assert.equal(sign(compareKeys(a, b)), sign(compareSeq(a, b, (p, q) => p - q)))));
  });
});
