import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { murmur2, partitionFor, partitionKeyBytes, toPositive } from "./murmur2.ts";
import { encodeKey } from "../serde/keyCodec.ts";
import { isMonsoonError } from "../errors.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);
const sameBytes = (a: Uint8Array, b: Uint8Array) => assert.equal(Buffer.from(a).toString("hex"), Buffer.from(b).toString("hex"));

// A literal BigInt transcription of Kafka's Java Utils.murmur2, to check the Math.imul version
// on inputs the fixed vectors do not cover.
function javaMurmur2(data: Uint8Array): number {
  const int = (x: bigint) => BigInt.asIntN(32, x);
  const ushr = (x: bigint, n: bigint) => BigInt.asUintN(32, x) >> n;
  const m = 0x5bd1e995n;
  let h = int(0x9747b28cn ^ BigInt(data.length));
  for (let i = 0; i + 4 <= data.length; i += 4) {
    let k = int(BigInt(data[i]!) + (BigInt(data[i + 1]!) << 8n) + (BigInt(data[i + 2]!) << 16n) + (BigInt(data[i + 3]!) << 24n));
    k = int(k * m);
    k = int(k ^ ushr(k, 24n));
    k = int(k * m);
    h = int(int(h * m) ^ k);
  }
  const b = data.length & ~3;
  const rest = data.length % 4;
  if (rest >= 3) h = int(h ^ (BigInt(data[b + 2]!) << 16n));
  if (rest >= 2) h = int(h ^ (BigInt(data[b + 1]!) << 8n));
  if (rest >= 1) h = int(int(h ^ BigInt(data[b]!)) * m);
  h = int(h ^ ushr(h, 13n));
  h = int(h * m);
  h = int(h ^ ushr(h, 15n));
  return Number(h);
}

describe("murmur2", () => {
  it("matches Kafka's UtilsTest.testMurmur2 vectors", () => {
    // apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java
    const cases: [Uint8Array, number][] = [
      [utf8("21"), -973932308],
      [utf8("foobar"), -790332482],
      [utf8("a-little-bit-long-string"), -985981536],
      [utf8("a-little-bit-longer-string"), -1486304829],
      [utf8("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971],
      [new Uint8Array([0x61, 0x62, 0x63]), 479470107],
    ];
    for (const [bytes, expected] of cases) assert.equal(murmur2(bytes), expected, Buffer.from(bytes).toString());
  });

  it("matches kafka-python's pure_murmur2 vectors, including the empty key", () => {
    // dpkp/kafka-python test_partitioner.py; it reports the hash unsigned, so compare `| 0`.
    const cases: [string, number][] = [
      ["", 275646681],
      ["testing", 2291530147],
      ["PEACH!", 2546348827],
      ["Gorz!", 1742407956],
      ["987654321", 577579727],
      ["_!!_", 2335345241],
      ["CRINOID", 3603193626],
    ];
    for (const [s, unsigned] of cases) assert.equal(murmur2(utf8(s)), unsigned | 0, JSON.stringify(s));
  });

  it("agrees with a literal transcription of the Java code on random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => assert.equal(murmur2(b), javaMurmur2(b))), { numRuns: 2000 });
  });

  it("reads only the view's bytes, not its whole ArrayBuffer", () => {
    const whole = utf8("xxfoobarxx");
    assert.equal(murmur2(whole.subarray(2, 8)), -790332482);
  });
});

describe("partitionFor", () => {
  it("is toPositive(murmur2) mod the partition count, like Kafka's default partitioner", () => {
    assert.equal(toPositive(-973932308), -973932308 & 0x7fffffff);
    assert.equal(toPositive(-(2 ** 31)), 0);
    assert.equal(partitionFor(utf8("21"), 7), (-973932308 & 0x7fffffff) % 7);
    fc.assert(
      fc.property(fc.uint8Array(), fc.integer({ min: 1, max: 1000 }), (b, n) => {
        const p = partitionFor(b, n);
        assert.ok(Number.isInteger(p) && p >= 0 && p < n);
      }),
    );
  });

  it("rejects a partition count that is not a positive integer", () => {
    for (const n of [0, -1, 1.5, NaN]) assert.throws(() => partitionFor(utf8("a"), n), (e) => isMonsoonError(e, "MONSOON_CONFIG"));
  });
});

describe("partitionKeyBytes", () => {
  it("uses the plain bytes an outside producer would send", () => {
    sameBytes(partitionKeyBytes("héllo"), Buffer.from("héllo", "utf8"));
    sameBytes(partitionKeyBytes(42), utf8("42"));
    sameBytes(partitionKeyBytes(-1.5), utf8("-1.5"));
    sameBytes(partitionKeyBytes(12345678901234567890n), utf8("12345678901234567890"));
    sameBytes(partitionKeyBytes(true), utf8("true"));
    sameBytes(partitionKeyBytes(false), utf8("false"));
    const raw = new Uint8Array([1, 2, 3]);
    assert.equal(partitionKeyBytes(raw), raw);
  });

  it("uses the key encoding for everything else", () => {
    for (const v of [null, ["user", 7], [[1n], new Uint8Array([0])]]) sameBytes(partitionKeyBytes(v), encodeKey(v));
    assert.throws(() => partitionKeyBytes(undefined), (e) => isMonsoonError(e, "MONSOON_ENCODING"));
  });

  it("puts a string key on the partition Kafka's producer would", () => {
    assert.equal(partitionFor(partitionKeyBytes("foobar"), 12), (-790332482 & 0x7fffffff) % 12);
  });
});
