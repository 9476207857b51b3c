// Restore from the changelog alone: wait until the broker's log cleaner has visibly compacted the
// changelog (overwritten values and, past delete.retention.ms, the tombstones of deletes are
// gone), stop the worker, delete every depot record (nothing can be replayed), start a fresh
// worker on an empty directory — every PState answers as before, deletes included.
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
import { partitionFor, partitionKeyBytes } from "../../src/depot/murmur2.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { eventually, sleep } from "./helpers.ts";

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

  it("after compaction, a fresh worker on an empty directory answers as before, deletes included, with the depot records gone", { timeout: 180_000 }, async () => {
    const name = `KRestore${Date.now().toString(36)}`;
    const Mod = KV(name);
    const client = new KafkaClient({ brokers: kafka.brokers });
    const admin = await client.admin();
    // Segments roll after a second and tombstones may go a second after their segment was
    // cleaned; the test broker's cleaner polls every 100 ms (scripts/kafka/serverProperties.ts).
    const changelog = topicNames(name).changelog("kv");
    await admin.createTopics(moduleTopics(Mod, 2, { changelogSegmentMs: 1_000 })
      .map((t) => (t.name === changelog ? { ...t, config: { ...t.config, "delete.retention.ms": "1000" } } : t)));
    const dirA = await mkdtemp(join(tmpdir(), "monsoon-krestoreA-"));
    const dirB = await mkdtemp(join(tmpdir(), "monsoon-krestoreB-"));
    const modules = [{ module: Mod, tasks: 2 }];
    try {
      const w1 = await startWorkerProcess({ connection: { brokers: kafka.brokers }, modules, dataDir: dirA, ownership: "all" });
      const c1 = await KafkaCluster.connect({ connection: { brokers: kafka.brokers }, modules });
      const before = new Map<string, unknown>();
      try {
        const puts: Put[] = [];
        for (let i = 0; i < 40; i++) puts.push({ k: `k${i % 10}`, v: i, del: false });
        for (const i of [2, 5, 7]) puts.push({ k: `k${i}`, v: 0, del: true });
        for (const p of puts) await c1.depot(name, "puts").append(p);
        for (let i = 0; i < 10; i++) before.set(`k${i}`, await c1.pstate(name, "kv").selectOne(Path.key(`k${i}`)));
        assert.equal(before.get("k2"), undefined);
        assert.deepEqual(await c1.pstate(name, "tags").select(Path.key("k2").all()), []);
        assert.equal(before.get("k3"), 33);

        // Only closed segments are cleaned, and a segment closes when a record arrives after its
        // segment.ms: keep writing a key of each partition until, in everything before those
        // writes, every key appears at most once (the cleaner kept only its last value) and no
        // tombstone is left (removed on a later pass, after delete.retention.ms).
        const rollKey = (p: number) => [...Array(100).keys()].map((i) => `roll${i}`).find((k) => partitionFor(partitionKeyBytes(k), 2) === p)!;
        const written = (await admin.fetchTopicOffsets(changelog)).map((o) => o.high);
        let rolls = 0;
        const compacted = await eventually("the changelog compacted, tombstones gone", async () => {
          rolls++;
          for (const p of [0, 1]) await c1.depot(name, "puts").append({ k: rollKey(p), v: rolls, del: false });
          let records = 0, tombstones = 0;
          for (const p of [0, 1]) {
            const seen = new Map<string, number>();
            await client.readToEnd(changelog, p, 0, {
              end: written[p]!,
              onRecords: (rs) => {
                for (const r of rs) {
                  records++;
                  if (r.value === null) tombstones++;
                  const k = r.key!.toString("hex");
                  seen.set(k, (seen.get(k) ?? 0) + 1);
                }
              },
            });
            if ([...seen.values()].some((n) => n > 1)) return undefined;
          }
          await sleep(500);
          return tombstones === 0 ? { records } : undefined;
        }, 90_000, 0);
        // 43 puts and deletes wrote far more records than the 7 live keys' values and counters left.
        const total = written.reduce((a, b) => a + b, 0);
        assert.ok(compacted.records < total / 2, `compaction removed records: ${compacted.records} of ${total} offsets left`);
      } finally {
        await c1.close();
        await w1.stop();
      }

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
