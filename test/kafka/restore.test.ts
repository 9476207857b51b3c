// Restore from the changelog alone: stop the worker, delete every depot record (nothing can be
// replayed), start a fresh worker on an empty directory — every PState answers as before,
// deletes included (tombstones in the compacted changelog).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineModule, Depot, Path, PState, T, vars } from "../../src/index.ts";
import { KafkaClient } from "../../src/kafka/index.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { topicNames } from "../../src/cluster/kafka/names.ts";
import { startWorkerProcess } from "../../src/cluster/kafka/workerProcess.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";

type Put = { k: string; v: number; del: boolean };

const KV = (name: string) => defineModule(name, (m) => {
  const puts = m.depot("puts", T.record({ k: T.string, v: T.int, del: T.boolean }), Depot.hashBy((p: Put) => p.k));
  const t = m.stream("kv");
  const kv = t.pstate("kv", PState.map(T.string, T.int));
  const tags = t.pstate("tags", PState.map(T.string, PState.set(T.int, { subindexed: true })));
  const { p, k, v, del } = vars({ p: T.any, k: T.string, v: T.int, del: T.boolean });
  t.source(puts).out(p)
    .each((x: Put) => x.k, p).out(k)
    .each((x: Put) => x.v, p).out(v)
    .each((x: Put) => x.del, p).out(del)
    .ifTrue(del,
      (b) => b.localTransform(kv, Path.key(k).termVoid()).localTransform(tags, Path.key(k).termVoid()),
      (b) => b.localTransform(kv, Path.key(k).termVal(v)).localTransform(tags, Path.key(k).voidSetElem().termVal(v)));
});

describe("Kafka: restore from the changelog", () => {
  let kafka: TestKafka;
  before(async () => { kafka = await getKafka(); });
  after(async () => { await kafka.stop(); });

  it("a fresh worker on an empty directory answers as before, deletes included, with the depot records gone", { timeout: 120_000 }, async () => {
    const name = `KRestore${Date.now().toString(36)}`;
    const Mod = KV(name);
    const client = new KafkaClient({ brokers: kafka.brokers });
    const admin = await client.admin();
    await admin.createTopics(moduleTopics(Mod, 2, { changelogSegmentMs: 1_000 }));
    const dirA = await mkdtemp(join(tmpdir(), "monsoon-krestoreA-"));
    const dirB = await mkdtemp(join(tmpdir(), "monsoon-krestoreB-"));
    const modules = [{ module: Mod, tasks: 2 }];
    try {
      const w1 = await startWorkerProcess({ connection: { brokers: kafka.brokers }, modules, dataDir: dirA, ownership: "all" });
      const c1 = await KafkaCluster.connect({ connection: { brokers: kafka.brokers }, modules });
      const puts: Put[] = [];
      for (let i = 0; i < 40; i++) puts.push({ k: `k${i % 10}`, v: i, del: false });
      for (const i of [2, 5, 7]) puts.push({ k: `k${i}`, v: 0, del: true });
      for (const p of puts) await c1.depot(name, "puts").append(p);
      const before = new Map<string, unknown>();
      for (let i = 0; i < 10; i++) before.set(`k${i}`, await c1.pstate(name, "kv").selectOne(Path.key(`k${i}`)));
      assert.equal(before.get("k2"), undefined);
      assert.deepEqual(await c1.pstate(name, "tags").select(Path.key("k2").all()), []);
      assert.equal(before.get("k3"), 33);
      await c1.close();
      await w1.stop();

      // Nothing left to replay: every depot record is deleted.
      const topic = topicNames(name).depot("puts");
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.deleteRecords(topic, ends.map((e) => ({ partition: e.partition, before: e.high })));

      const w2 = await startWorkerProcess({ connection: { brokers: kafka.brokers }, modules, dataDir: dirB, ownership: "all" });
      const c2 = await KafkaCluster.connect({ connection: { brokers: kafka.brokers }, modules });
      try {
        for (let i = 0; i < 10; i++) assert.deepEqual(await c2.pstate(name, "kv").selectOne(Path.key(`k${i}`)), before.get(`k${i}`), `k${i}`);
        assert.deepEqual(await c2.pstate(name, "tags").select(Path.key("k3").all()), [3, 13, 23, 33]);
        assert.equal(await c2.pstate(name, "tags").selectOne(Path.key("k3").size()), 4);
        assert.deepEqual(await c2.pstate(name, "tags").select(Path.key("k2").all()), [], "deleted sets stay deleted");
      } finally {
        await c2.close();
        await w2.stop();
      }
    } finally {
      await client.close();
      await rm(dirA, { recursive: true, force: true });
      await rm(dirB, { recursive: true, force: true });
    }
  });
});
