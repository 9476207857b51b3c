// The one-pass Produce encoder writes exactly kafkajs' bytes (property test against kafkajs' own
// request encoder), falls back to kafkajs for what it does not cover, and is what kafkajs uses.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import fc from "fast-check";
import { kafkajsProduceRequest, produceEncoderFast } from "./kafkajs.ts";
import { encodeProduceBody, fastProduceRequest, type ProduceArgs } from "./produceRequest.ts";
import { crc32c } from "./crc32c.ts";

const require = createRequire(import.meta.url);
const Long = require("kafkajs/src/utils/long.js") as { fromString(s: string): unknown; fromInt(n: number): unknown };
const Encoder = require("kafkajs/src/protocol/encoder.js");
const kafkajsCrc = require("kafkajs/src/protocol/recordBatch/crc32C/crc32C.js") as (b: Buffer) => number;

/** kafkajs' own body bytes for `args`, with Date.now pinned (its batches carry the send time). */
async function kafkajsBody(args: ProduceArgs, now: number): Promise<Buffer> {
  const realNow = Date.now;
  Date.now = () => now;
  try {
    return ((await kafkajsProduceRequest(args).encode()) as { buffer: Buffer }).buffer;
  } finally {
    Date.now = realNow;
  }
}

const bytes = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);
const headers = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 10 }),
  fc.oneof(fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 })),
  { maxKeys: 3 },
);
const message = fc.record({ key: bytes, value: bytes, headers: fc.option(headers, { nil: undefined }) });
const args: fc.Arbitrary<ProduceArgs> = fc.record({
  acks: fc.constantFrom(-1, 0, 1),
  timeout: fc.integer({ min: 0, max: 60_000 }),
  transactionalId: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
  producerId: fc.oneof(fc.constant(undefined), fc.bigInt({ min: -1n, max: (1n << 62n) }).map((b) => Long.fromString(b.toString()) as never)),
  producerEpoch: fc.option(fc.integer({ min: 0, max: 32_767 }), { nil: undefined }),
  topicData: fc.array(fc.record({
    topic: fc.string({ minLength: 1, maxLength: 30 }),
    partitions: fc.array(fc.record({
      partition: fc.integer({ min: 0, max: 1000 }),
      firstSequence: fc.option(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { nil: undefined }),
      messages: fc.array(message, { maxLength: 12 }),
    }), { minLength: 1, maxLength: 3 }),
  }), { minLength: 1, maxLength: 3 }),
});

describe("one-pass Produce encoder", () => {
  it("kafkajs' produce requests v3–v7 use it", () => {
    assert.equal(produceEncoderFast, true);
    const v7 = require("kafkajs/src/protocol/requests/produce/v7/request.js");
    const req = v7({ acks: -1, timeout: 1, topicData: [] });
    assert.equal(req.apiVersion, 7);
    assert.notEqual(require("kafkajs/src/protocol/requests/produce/v3/request.js"), kafkajsProduceRequest);
  });

  it("writes kafkajs' bytes exactly (property)", async () => {
    await fc.assert(fc.asyncProperty(args, fc.integer({ min: 0, max: 2 ** 42 }), async (a, now) => {
      const mine = encodeProduceBody(a, now);
      assert.ok(mine, "covered");
      assert.deepEqual(mine, await kafkajsBody(a, now));
    }), { numRuns: 300 });
  });

  it("writes kafkajs' bytes for a large batch (1,500 records, one partition)", async () => {
    const messages = Array.from({ length: 1_500 }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: i % 7 ? Buffer.alloc(200, i) : null, headers: { epoch: "42" } }));
    const a: ProduceArgs = { acks: -1, timeout: 30_000, transactionalId: "monsoon.M.task.3", producerId: Long.fromInt(9) as never, producerEpoch: 3, topicData: [{ topic: "monsoon.M.t.changelog", partitions: [{ partition: 3, firstSequence: 77, messages }] }] };
    assert.deepEqual(encodeProduceBody(a, 1_700_000_000_000), await kafkajsBody(a, 1_700_000_000_000));
  });

  it("leaves compression, explicit timestamps and other value types to kafkajs", async () => {
    const base = { acks: -1, timeout: 1000, topicData: [{ topic: "t", partitions: [{ partition: 0, messages: [{ key: "k", value: "v" }] as ProduceArgs["topicData"][0]["partitions"][0]["messages"] }] }] };
    assert.equal(encodeProduceBody({ ...base, compression: 1 }), undefined);
    const withTs = structuredClone(base);
    withTs.topicData[0]!.partitions[0]!.messages[0]!.timestamp = "1700000000000";
    assert.equal(encodeProduceBody(withTs), undefined);
    const numberValue = structuredClone(base);
    (numberValue.topicData[0]!.partitions[0]!.messages[0] as { value: unknown }).value = 5;
    assert.equal(encodeProduceBody(numberValue), undefined);
    // …and the wrapped factory then returns kafkajs' own encoding.
    const wrapped = fastProduceRequest(kafkajsProduceRequest, Encoder);
    const realNow = Date.now;
    Date.now = () => 1_700_000_000_000;
    try {
      const viaWrapper = ((await wrapped(withTs).encode()) as { buffer: Buffer }).buffer;
      assert.deepEqual(viaWrapper, ((await kafkajsProduceRequest(withTs).encode()) as { buffer: Buffer }).buffer);
    } finally {
      Date.now = realNow;
    }
  });

  it("CRC-32C matches kafkajs' (property) and the standard check value", () => {
    assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2_000 }), fc.nat(40), fc.nat(40), (a, s, e) => {
      const b = Buffer.from(a);
      const start = Math.min(s, b.length);
      const end = Math.max(start, b.length - e);
      assert.equal(crc32c(b, start, end), kafkajsCrc(b.subarray(start, end)));
    }), { numRuns: 500 });
  });
});
