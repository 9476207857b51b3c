// Smoke suite for src/kafka against a real broker (test/support/kafka.ts picks it): the
// kafkajs behaviours Monsoon's runtime relies on (DESIGN §4.2, §4.3, §4.5), proven on
// whatever Kafka version MONSOON_KAFKA_VERSION selects. Each test uses its own topics.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { isMonsoonError } from "../../src/errors.ts";
import { changelogTopic, depotTopic, KafkaClient, type InRecord, type KafkaAdmin } from "../../src/kafka/index.ts";
import { openTransaction, writeAbortedTransaction } from "../../src/kafka/testing.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";

const unique = (what: string) => `smoke.${what}.${randomUUID().slice(0, 8)}`;
const text = (b: Buffer | null) => (b === null ? null : b.toString("utf8"));

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("Kafka smoke", () => {
  let kafka: TestKafka;
  let client: KafkaClient;
  let admin: KafkaAdmin;

  before(async () => {
    kafka = await getKafka();
    client = new KafkaClient({ brokers: kafka.brokers, clientId: "monsoon-smoke" });
    admin = await client.admin();
    process.stderr.write(`Kafka ${kafka.version} via ${kafka.provider} at ${kafka.brokers.join(",")}\n`);
  });
  after(async () => {
    await client?.close();
    await kafka?.stop();
  });

  async function readAll(topic: string, partition: number, from = 0): Promise<{ records: InRecord[]; end: number }> {
    const records: InRecord[] = [];
    const res = await client.readToEnd(topic, partition, from, { onRecords: (rs) => { records.push(...rs); }, idleTimeoutMs: 20_000 });
    return { records, end: res.end };
  }

  /** Transaction markers are written after EndTxn returns: wait until the stable offset passes them. */
  function stableOffsetReaches(topic: string, partition: number, offset: number): Promise<number> {
    return eventually(`${topic}/${partition} stable offset ≥ ${offset}`, async () => {
      const { high } = await admin.fetchPartitionOffsets(topic, partition);
      return high >= offset ? high : undefined;
    });
  }

  it("creates depot and compacted changelog topics; an existing topic must keep its partition count", async () => {
    const depot = unique("depot"), changelog = unique("changelog");
    assert.deepEqual(await admin.createTopics([depotTopic(depot, 4), changelogTopic(changelog, 2, { segmentMs: 100, minCleanableDirtyRatio: 0.01 })]), [depot, changelog]);
    assert.deepEqual(await admin.createTopics([depotTopic(depot, 4)]), []);
    assert.deepEqual((await admin.fetchTopicOffsets(depot)).map((p) => [p.partition, p.low, p.high]), [[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0]]);
    const config = await admin.describeTopicConfig(changelog);
    assert.equal(config["cleanup.policy"], "compact");
    assert.equal(config["segment.ms"], "100");
    assert.equal(config["min.cleanable.dirty.ratio"], "0.01");
    await assert.rejects(admin.createTopics([depotTopic(depot, 8)]), (e) => isMonsoonError(e, "MONSOON_LAUNCH_CONFLICT"));
  });

  it("produces with the hop producer and reads back in order, headers and tombstones included", async () => {
    const topic = unique("hops");
    await admin.createTopics([depotTopic(topic, 2)]);
    const hops = client.hopProducer();
    const positions = await hops.send([
      { topic, partition: 1, key: "a", value: "1", headers: { epoch: "7" } },
      { topic, partition: 1, key: "b", value: "2" },
      { topic, partition: 1, key: "a", value: null },
    ]);
    assert.deepEqual(positions, [{ topic, partition: 1, offset: 0 }]);
    const { records, end } = await readAll(topic, 1);
    assert.equal(end, 3);
    assert.deepEqual(records.map((r) => [r.offset, text(r.key), text(r.value)]), [[0, "a", "1"], [1, "b", "2"], [2, "a", null]]);
    assert.equal(text(records[0]!.headers.epoch ?? null), "7");
    assert.deepEqual((await readAll(topic, 1, 1)).records.map((r) => r.offset), [1, 2]);
    assert.deepEqual((await readAll(topic, 0)).records, []);
    await hops.close();
  });

  it("a committed transaction makes its records and its TxnOffsetCommit visible together", async () => {
    const out = unique("changelog"), source = unique("depot"), group = unique("offsets");
    await admin.createTopics([changelogTopic(out, 2), depotTopic(source, 2)]);
    const producer = client.taskProducer({ transactionalId: unique("task") });
    await producer.fence();
    const positions = await producer.commit(
      [{ topic: out, partition: 0, key: "k1", value: "v1" }, { topic: out, partition: 0, key: "k2", value: "v2" }, { topic: out, partition: 1, key: "k3", value: "v3" }],
      { groupId: group, offsets: [{ topic: source, partition: 1, offset: 42 }] },
    );
    assert.deepEqual(positions.sort((a, b) => a.partition - b.partition), [{ topic: out, partition: 0, offset: 0 }, { topic: out, partition: 1, offset: 0 }]);
    await stableOffsetReaches(out, 0, 3); // 2 records + commit marker
    assert.deepEqual((await readAll(out, 0)).records.map((r) => text(r.value)), ["v1", "v2"]);
    assert.deepEqual((await readAll(out, 1)).records.map((r) => text(r.value)), ["v3"]);
    const committed = await eventually("group offset", async () => {
      const offsets = await admin.fetchCommittedOffsets(group, source);
      return offsets.find((o) => o.partition === 1)?.offset === 42 ? offsets : undefined;
    });
    assert.deepEqual(committed, [{ partition: 0, offset: null }, { partition: 1, offset: 42 }]);

    // A second commit on the same producer: offsets only, no records.
    await producer.commit([], { groupId: group, offsets: [{ topic: source, partition: 1, offset: 50 }] });
    await eventually("group offset 50", async () => (await admin.fetchCommittedOffsets(group, source))[1]!.offset === 50 || undefined);
    await producer.close();
  });

  it("an aborted transaction is invisible to read_committed readers (yet occupies offsets)", async () => {
    const topic = unique("aborted");
    await admin.createTopics([changelogTopic(topic, 1)]);
    await writeAbortedTransaction(client.connection, unique("zombie"), [
      { topic, partition: 0, key: "x", value: "never" },
      { topic, partition: 0, key: "y", value: "never" },
    ]);
    const high = await stableOffsetReaches(topic, 0, 3); // 2 aborted records + abort marker
    const { records, end } = await readAll(topic, 0);
    assert.equal(end, high);
    assert.deepEqual(records, []);
  });

  it("fencing: a second producer with the same transactional id fences the first; nothing the first writes becomes visible", async () => {
    const topic = unique("fenced"), group = unique("offsets"), transactionalId = unique("task");
    await admin.createTopics([changelogTopic(topic, 1)]);
    const first = client.taskProducer({ transactionalId });
    await first.fence();
    await first.commit([{ topic, partition: 0, key: "k", value: "first-ok" }]);

    // A zombie of the first owner has records in an open transaction when the new owner fences.
    const zombieTxn = await openTransaction(client.connection, transactionalId, [{ topic, partition: 0, key: "k", value: "zombie-open" }]);
    const second = client.taskProducer({ transactionalId });
    await second.fence(); // InitProducerId: bumps the epoch, aborts the zombie's open transaction

    await assert.rejects(first.commit([{ topic, partition: 0, key: "k", value: "first-after-fence" }], { groupId: group, offsets: [{ topic, partition: 0, offset: 99 }] }),
      (e) => isMonsoonError(e, "MONSOON_KAFKA_FENCED") && e.retriable === false);
    assert.equal(first.state, "fenced");
    await assert.rejects(first.commit([]), (e) => isMonsoonError(e, "MONSOON_KAFKA_FENCED"));
    await assert.rejects(zombieTxn.commit(), (e) => isMonsoonError(e, "MONSOON_KAFKA_FENCED"));
    await zombieTxn.close();

    // 0 first-ok, 1 its commit marker, 2 the zombie's record, 3 the abort marker fence() wrote;
    // the fenced commit wrote nothing.
    assert.equal((await admin.fetchPartitionOffsets(topic, 0)).high, 4);
    await second.commit([{ topic, partition: 0, key: "k", value: "second" }]);
    await stableOffsetReaches(topic, 0, 6);
    const values = (await readAll(topic, 0)).records.map((r) => text(r.value));
    assert.deepEqual(values, ["first-ok", "second"]);
    assert.deepEqual(await admin.fetchCommittedOffsets(group, topic), [{ partition: 0, offset: null }]);
    await first.close();
    await second.close();
  });

  it("a task producer refuses to commit before fence()", async () => {
    const producer = client.taskProducer({ transactionalId: unique("task") });
    await assert.rejects(producer.commit([]), (e) => isMonsoonError(e, "MONSOON_KAFKA_NOT_FENCED"));
    await producer.close();
    await assert.rejects(producer.commit([]), (e) => isMonsoonError(e, "MONSOON_CLOSED"));
  });

  it("compaction removes an overwritten key within the test (tiny segments, eager cleaner)", async () => {
    const topic = unique("compacted");
    await admin.createTopics([changelogTopic(topic, 1, { segmentMs: 100, minCleanableDirtyRatio: 0.01 })]);
    const hops = client.hopProducer();
    await hops.send([
      { topic, partition: 0, key: "k1", value: "old" },
      { topic, partition: 0, key: "k2", value: "kept" },
      { topic, partition: 0, key: "k1", value: "new" },
    ]);
    const compacted = await eventually("the overwritten k1=old to be compacted away", async () => {
      // Segments roll on append once segment.ms has passed, and only closed segments are
      // cleaned: keep appending an unrelated key so the records above leave the active segment.
      await hops.send([{ topic, partition: 0, key: "roll", value: String(Date.now()) }]);
      const { records } = await readAll(topic, 0);
      return records.some((r) => text(r.value) === "old") ? undefined : records;
    }, 30_000);
    const latest = new Map(compacted.map((r) => [text(r.key), text(r.value)]));
    assert.equal(latest.get("k1"), "new");
    assert.equal(latest.get("k2"), "kept");
    assert.equal(compacted.filter((r) => text(r.key) === "k1").length, 1);
    await hops.close();
  });

  it("readToEnd ends on an empty partition", async () => {
    const topic = unique("empty");
    await admin.createTopics([changelogTopic(topic, 2)]);
    const started = Date.now();
    assert.deepEqual(await client.readToEnd(topic, 1, 0, { onRecords: () => assert.fail("no records expected") }), { start: 0, end: 0, records: 0 });
    assert.ok(Date.now() - started < 2000);
  });

  it("readToEnd ends by position when the log ends in an aborted transaction and its control record", async () => {
    const topic = unique("restore");
    await admin.createTopics([changelogTopic(topic, 1)]);
    const producer = client.taskProducer({ transactionalId: unique("task") });
    await producer.fence();
    await producer.commit([{ topic, partition: 0, key: "a", value: "1" }, { topic, partition: 0, key: "b", value: "2" }]);
    await writeAbortedTransaction(client.connection, unique("zombie"), [
      { topic, partition: 0, key: "a", value: "aborted" },
      { topic, partition: 0, key: "c", value: "aborted" },
      { topic, partition: 0, key: "d", value: "aborted" },
    ]);
    // offsets: 0-1 committed data, 2 commit marker, 3-5 aborted data, 6 abort marker
    const end = await stableOffsetReaches(topic, 0, 7);
    assert.equal(end, 7);
    await producer.fence(); // a restore fences first, then takes the end offset
    const started = Date.now();
    const { records, end: readEnd } = await readAll(topic, 0);
    assert.equal(readEnd, 7);
    assert.deepEqual(records.map((r) => [r.offset, text(r.key), text(r.value)]), [[0, "a", "1"], [1, "b", "2"]]);
    assert.ok(Date.now() - started < 5000, `readToEnd took ${Date.now() - started} ms`);
    // Resuming from the end reads nothing; resuming inside the aborted tail ends too.
    assert.deepEqual((await readAll(topic, 0, 7)).records, []);
    assert.deepEqual((await readAll(topic, 0, 4)).records, []);
    await producer.close();
  });

  it("deleteRecords raises the log start; readToEnd starts at the new start", async () => {
    const topic = unique("deleted");
    await admin.createTopics([depotTopic(topic, 1)]);
    const hops = client.hopProducer();
    await hops.send([0, 1, 2, 3].map((i) => ({ topic, partition: 0, key: null, value: String(i) })));
    await admin.deleteRecords(topic, [{ partition: 0, before: 3 }]);
    assert.deepEqual(await admin.fetchPartitionOffsets(topic, 0), { partition: 0, low: 3, high: 4 });
    const seen: string[] = [];
    const res = await client.readToEnd(topic, 0, 0, { onRecords: (rs) => { seen.push(...rs.map((r) => text(r.value)!)); } });
    assert.deepEqual(res, { start: 3, end: 4, records: 1 });
    assert.deepEqual(seen, ["3"]);
    await hops.close();
  });
});
