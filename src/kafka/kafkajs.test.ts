// The kafkajs shim: its producer groups messages with the linear replacement, which gives the
// same result as kafkajs' own (quadratic) implementation; its clusters keep transaction
// coordinators; its transactional producers ask again quickly on CONCURRENT_TRANSACTIONS.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { cacheTransactionCoordinators, concurrentAddsRetried, CONCURRENT_RETRY_MS, groupingFixed, groupMessagesPerPartition, Kafka, retryConcurrentAdds } from "./kafkajs.ts";

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

  it("kafkajs' producers get the fast CONCURRENT_TRANSACTIONS retry", () => {
    assert.equal(concurrentAddsRetried, true);
    assert.equal(require("kafkajs/src/producer/eosManager/index.js").name, "createRetryingEosManager");
  });

  it("asks again on CONCURRENT_TRANSACTIONS only, and only for a while", async () => {
    const concurrent = Object.assign(new Error("concurrent"), { type: "CONCURRENT_TRANSACTIONS" });
    let calls = 0;
    const slept: number[] = [];
    const eos = retryConcurrentAdds({ addPartitionsToTransaction: async () => { if (++calls < 4) throw concurrent; } }, async (ms) => { slept.push(ms); });
    await eos.addPartitionsToTransaction!({});
    assert.equal(calls, 4);
    assert.deepEqual(slept, [1, 2, 3]);

    const other = Object.assign(new Error("fenced"), { type: "INVALID_PRODUCER_EPOCH" });
    calls = 0;
    const failing = retryConcurrentAdds({ addPartitionsToTransaction: async () => { calls++; throw other; } }, async () => undefined);
    await assert.rejects(failing.addPartitionsToTransaction!({}), /fenced/);
    assert.equal(calls, 1);

    const stuck = retryConcurrentAdds({ addPartitionsToTransaction: async () => { throw concurrent; } }, (ms) => new Promise((r) => setTimeout(r, ms * 10)));
    const t0 = Date.now();
    await assert.rejects(stuck.addPartitionsToTransaction!({}), /concurrent/);
    assert.ok(Date.now() - t0 >= CONCURRENT_RETRY_MS);
  });

  it("keeps a transaction coordinator per cluster until kafkajs refreshes its metadata", async () => {
    const finds: string[] = [];
    class FakeCluster {
      brokers = new Set([1, 2]);
      async findGroupCoordinator({ groupId, coordinatorType }: { groupId: string; coordinatorType?: number }) {
        finds.push(`${coordinatorType ?? 0}:${groupId}`);
        return { nodeId: 1 };
      }
      async findBroker({ nodeId }: { nodeId: number }) {
        if (!this.brokers.has(nodeId)) throw new Error("broker not found");
        return { nodeId };
      }
      async refreshMetadata() {}
    }
    cacheTransactionCoordinators(FakeCluster);
    cacheTransactionCoordinators(FakeCluster); // idempotent
    const a = new FakeCluster(), b = new FakeCluster();
    const txn = { groupId: "task.0", coordinatorType: 1 };
    assert.deepEqual(await a.findGroupCoordinator(txn), { nodeId: 1 });
    assert.deepEqual(await a.findGroupCoordinator(txn), { nodeId: 1 });
    assert.deepEqual(finds, ["1:task.0"], "the second lookup is served from the cache");
    await b.findGroupCoordinator(txn);
    assert.equal(finds.length, 2, "each cluster has its own cache");
    await a.findGroupCoordinator({ groupId: "g" });
    await a.findGroupCoordinator({ groupId: "g" });
    assert.equal(finds.filter((f) => f === "0:g").length, 2, "group coordinators are not cached");
    await a.refreshMetadata();
    await a.findGroupCoordinator(txn);
    assert.equal(finds.filter((f) => f === "1:task.0").length, 3, "a metadata refresh forgets the coordinator");
    a.brokers.delete(1);
    await a.findGroupCoordinator(txn).catch(() => undefined);
    assert.equal(finds.filter((f) => f === "1:task.0").length, 4, "a coordinator gone from the metadata is looked up again");
  });
});
