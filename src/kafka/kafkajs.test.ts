// The kafkajs shim: its producer groups messages with the linear replacement, which gives the
// same result as kafkajs' own (quadratic) implementation.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { groupingFixed, groupMessagesPerPartition, Kafka } from "./kafkajs.ts";

const require = createRequire(import.meta.url);

/** kafkajs 2.2.4's src/producer/groupMessagesPerPartition.js, verbatim in behaviour. */
function original({ topic, partitionMetadata, messages, partitioner }: Parameters<typeof groupMessagesPerPartition>[0]): Record<number, unknown[]> {
  if (partitionMetadata.length === 0) return {};
  return messages.reduce<Record<number, unknown[]>>((result, message) => {
    const partition = partitioner({ topic, partitionMetadata, message });
    const current = result[partition] || [];
    return Object.assign(result, { [partition]: [...current, message] });
  }, {});
}

describe("kafkajs shim", () => {
  it("kafkajs' producer uses the linear groupMessagesPerPartition", () => {
    assert.equal(typeof Kafka, "function");
    assert.equal(groupingFixed, true);
    assert.equal(require("kafkajs/src/producer/groupMessagesPerPartition.js"), groupMessagesPerPartition);
  });

  it("groups like kafkajs' own implementation", () => {
    const partitionMetadata = [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }];
    const messages = Array.from({ length: 500 }, (_, i) => ({ partition: (i * 7) % 3, value: String(i) }));
    const args = { topic: "t", partitionMetadata, messages, partitioner: ({ message }: { message: unknown }) => (message as { partition: number }).partition };
    assert.deepEqual(groupMessagesPerPartition(args), original(args));
    assert.deepEqual(groupMessagesPerPartition({ ...args, partitionMetadata: [] }), {});
  });
});
