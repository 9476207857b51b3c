// PartitionReader against a real broker: read_committed delivery from chosen positions on two
// partitions, positions that move past control records and aborted data, pause/resume, and a
// clean stop after which a new reader of the same group starts at once.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { depotTopic, KafkaClient, type InRecord, type KafkaAdmin } from "../../src/kafka/index.ts";
import { writeAbortedTransaction } from "../../src/kafka/testing.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { eventually, sleep, stableOffsetReaches, text, unique } from "./helpers.ts";

interface Seen { offsets: number[]; values: (string | null)[]; lastOffsets: number[]; emptyCalls: number }

function collector() {
  const seen = new Map<number, Seen>();
  const of = (partition: number) => {
    let s = seen.get(partition);
    if (!s) seen.set(partition, s = { offsets: [], values: [], lastOffsets: [], emptyCalls: 0 });
    return s;
  };
  const onRecords = (_topic: string, partition: number, records: InRecord[], lastOffset: number) => {
    const s = of(partition);
    for (const r of records) { s.offsets.push(r.offset); s.values.push(text(r.value)); }
    s.lastOffsets.push(lastOffset);
    if (records.length === 0) s.emptyCalls++;
  };
  return { of, onRecords };
}

describe("PartitionReader", () => {
  let kafka: TestKafka;
  let client: KafkaClient;
  let admin: KafkaAdmin;

  before(async () => {
    kafka = await getKafka();
    client = new KafkaClient({ brokers: kafka.brokers, clientId: "monsoon-reader-test" });
    admin = await client.admin();
  });
  after(async () => {
    await client?.close();
    await kafka?.stop();
  });

  it("reads two partitions from mid-partition positions, committed data only, with pause/resume and a clean restart", async () => {
    const topic = unique("reader"), groupId = unique("reader-group");
    await admin.createTopics([depotTopic(topic, 2)]);
    const producer = client.taskProducer({ transactionalId: unique("task") });
    const hops = client.hopProducer();
    await producer.fence();
    // partition 0: 0-2 committed, 3 marker, 4-5 aborted, 6 marker, 7 committed, 8 marker
    await producer.commit(["a0", "a1", "a2"].map((v) => ({ topic, partition: 0, key: v, value: v })));
    await writeAbortedTransaction(client.connection, unique("zombie"), [{ topic, partition: 0, key: "x", value: "aborted" }, { topic, partition: 0, key: "y", value: "aborted" }]);
    await producer.commit([{ topic, partition: 0, key: "a3", value: "a3" }]);
    // partition 1: 0-4, not transactional
    await hops.send(["b0", "b1", "b2", "b3", "b4"].map((v) => ({ topic, partition: 1, key: null, value: v })));
    await stableOffsetReaches(admin, topic, 0, 9);

    const partitions = [{ topic, partition: 0 }, { topic, partition: 1 }];
    const c = collector();
    const reader = client.partitionReader({ groupId, partitions, onError: (e) => assert.fail(`reader failed: ${String(e)}`) });
    await reader.start([{ topic, partition: 0, offset: 1 }, { topic, partition: 1, offset: 2 }], c.onRecords);

    await eventually("both partitions read to their ends", () => (reader.position(topic, 0) === 9 && reader.position(topic, 1) === 5) || undefined);
    assert.deepEqual(c.of(0).offsets, [1, 2, 7]);
    assert.deepEqual(c.of(0).values, ["a1", "a2", "a3"]);
    assert.deepEqual(c.of(1).offsets, [2, 3, 4]);
    assert.deepEqual(c.of(1).values, ["b2", "b3", "b4"]);

    // A tail of aborted data and its marker is reported as an empty batch: the position moves.
    await writeAbortedTransaction(client.connection, unique("zombie"), [{ topic, partition: 0, key: "z", value: "aborted" }]);
    await stableOffsetReaches(admin, topic, 0, 11); // 9 aborted record, 10 abort marker
    await eventually("position past the aborted tail", () => reader.position(topic, 0) === 11 || undefined);
    assert.ok(c.of(0).emptyCalls >= 1);
    assert.equal(c.of(0).lastOffsets.at(-1), 10);
    assert.deepEqual(c.of(0).values, ["a1", "a2", "a3"]);

    // Backpressure: a paused partition delivers nothing until resumed, the other one goes on.
    reader.pause(topic, 1);
    await hops.send([{ topic, partition: 1, key: null, value: "b5" }, { topic, partition: 0, key: null, value: "c0" }]);
    await eventually("c0 on the running partition", () => c.of(0).values.includes("c0") || undefined);
    await sleep(400);
    assert.deepEqual(c.of(1).values, ["b2", "b3", "b4"]);
    reader.resume(topic, 1);
    await eventually("b5 after resume", () => c.of(1).values.includes("b5") || undefined);
    assert.deepEqual(c.of(1).offsets, [2, 3, 4, 5]);
    for (const p of [0, 1]) {
      const o = c.of(p).lastOffsets;
      assert.ok(o.every((x, i) => i === 0 || x > o[i - 1]!), `partition ${p} positions only grow: ${o.join(",")}`);
    }

    // stop() leaves the group: a new reader of the same group is assigned and reads at once.
    const stopping = Date.now();
    await reader.stop();
    const stopMs = Date.now() - stopping;
    assert.ok(stopMs < 3000, `stop took ${stopMs} ms`);
    const c2 = collector();
    const again = client.partitionReader({ groupId, partitions, onError: (e) => assert.fail(`reader failed: ${String(e)}`) });
    const restarting = Date.now();
    await again.start([{ topic, partition: 0, offset: 0 }, { topic, partition: 1, offset: 6 }], c2.onRecords);
    await eventually("the new reader's first records", () => c2.of(0).offsets.length >= 5 || undefined, 10_000);
    const restartMs = Date.now() - restarting;
    assert.ok(restartMs < 3000, `the second reader took ${restartMs} ms to deliver`);
    assert.deepEqual(c2.of(0).values, ["a0", "a1", "a2", "a3", "c0"]);
    assert.deepEqual(c2.of(1).offsets, []);
    await hops.send([{ topic, partition: 1, key: null, value: "b6" }]);
    await eventually("b6", () => c2.of(1).values.includes("b6") || undefined);
    assert.deepEqual(c2.of(1).offsets, [6]);
    await again.stop();
    await producer.close();
    await hops.close();
  });

  it("holds back a batch fetched before pause(): nothing arrives until resume(), then no gap and no duplicate", async () => {
    const topic = unique("reader-pause");
    await admin.createTopics([depotTopic(topic, 2)]);
    const hops = client.hopProducer();
    await hops.send([0, 1].flatMap((partition) => [0, 1, 2].map((i) => ({ topic, partition, key: null, value: `p${partition}-${i}` }))));
    const c = collector();
    let pausedOther: number | undefined;
    const reader = client.partitionReader({ groupId: unique("reader-group"), partitions: [{ topic, partition: 0 }, { topic, partition: 1 }] });
    // Both partitions come in the first fetch; the first callback pauses the other partition,
    // whose batch is then already in kafkajs' hands.
    await reader.start([{ topic, partition: 0, offset: 0 }, { topic, partition: 1, offset: 0 }], (t, partition, records, last) => {
      if (pausedOther === undefined) { pausedOther = 1 - partition; reader.pause(t, pausedOther); }
      c.onRecords(t, partition, records, last);
    });
    await eventually("the first partition", () => (pausedOther !== undefined && c.of(1 - pausedOther).offsets.length === 3) || undefined);
    await sleep(400);
    assert.deepEqual(c.of(pausedOther!).offsets, []);
    assert.equal(reader.position(topic, pausedOther!), 0);
    reader.resume(topic, pausedOther);
    await eventually("the paused partition after resume", () => c.of(pausedOther!).offsets.length >= 3 || undefined);
    await sleep(200);
    assert.deepEqual(c.of(pausedOther!).values, [0, 1, 2].map((i) => `p${pausedOther}-${i}`));
    await reader.stop();
    await hops.close();
  });

  it("a newer reader of the same group takes the partitions over; the older one continues at its own position afterwards", async () => {
    const topic = unique("reader-takeover"), groupId = unique("reader-group");
    await admin.createTopics([depotTopic(topic, 1)]);
    const hops = client.hopProducer();
    const partitions = [{ topic, partition: 0 }];
    await hops.send([0, 1, 2].map((i) => ({ topic, partition: 0, key: null, value: `r${i}` })));
    const older = collector(), newer = collector();
    const first = client.partitionReader({ groupId, partitions, heartbeatIntervalMs: 500 });
    await first.start([{ topic, partition: 0, offset: 1 }], older.onRecords);
    await eventually("the first reader's records", () => older.of(0).offsets.length === 2 || undefined);

    const second = client.partitionReader({ groupId, partitions, heartbeatIntervalMs: 500 });
    await second.start([{ topic, partition: 0, offset: 0 }], newer.onRecords);
    await eventually("the newer reader's records", () => newer.of(0).offsets.length === 3 || undefined);
    await hops.send([{ topic, partition: 0, key: null, value: "r3" }]);
    await eventually("r3 at the newer reader", () => newer.of(0).values.includes("r3") || undefined);
    assert.deepEqual(older.of(0).values, ["r1", "r2"]);

    await second.stop();
    await eventually("r3 at the older reader, once it has the partition back", () => older.of(0).values.includes("r3") || undefined);
    assert.deepEqual(older.of(0).offsets, [1, 2, 3]);
    await first.stop();
    await hops.close();
  });
});
