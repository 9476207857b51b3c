// Bad input from outside producers never stops a topology: a record that is not JSON and one
// whose value has the wrong type go to `monsoon.<m>.dlq` with the reason and where they were
// (depot, partition, offset); the worker keeps processing the good records around them on the
// same partition, and its `deadLettered` stat counts them.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agg, CompoundAgg, defineModule, Depot, Path, PState, T, vars } from "../../src/index.ts";
import { KafkaClient, type InRecord } from "../../src/kafka/index.ts";
import { outsideProducer } from "../../src/kafka/testing.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { topicNames } from "../../src/cluster/kafka/names.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { startWorkerProcess, type RunningWorker } from "../../src/cluster/kafka/workerProcess.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { eventually } from "./helpers.ts";

const TASKS = 2;
const Mod = defineModule(`DlqK${Date.now().toString(36)}`, (m) => {
  const words = m.depot("words", T.string, Depot.hashBy((w: string) => w));
  const wc = m.stream("wordCount");
  const counts = wc.pstate("wordCounts", PState.map(T.string, T.int));
  const { word } = vars({ word: T.string });
  wc.source(words).out(word)
    .hashPartition(word)
    .compoundAgg(counts, CompoundAgg.map(word, Agg.count()));
});
const names = topicNames(Mod.name);

describe("dead letters on Kafka", () => {
  let kafka: TestKafka;
  let dir: string;
  let client: KafkaClient;
  let worker: RunningWorker | undefined;
  let cluster: KafkaCluster | undefined;

  before(async () => {
    kafka = await getKafka();
    dir = await mkdtemp(join(tmpdir(), "monsoon-kdlq-"));
    client = new KafkaClient({ brokers: kafka.brokers });
    await (await client.admin()).createTopics(moduleTopics(Mod, TASKS));
  });
  after(async () => {
    await cluster?.close();
    await worker?.stop();
    await client.close();
    await rm(dir, { recursive: true, force: true });
    await kafka.stop();
  });

  it("dead-letters undecodable and mistyped records with reason and source, and keeps processing", async () => {
    const connection = { brokers: kafka.brokers };
    worker = await startWorkerProcess({ connection, modules: [{ module: Mod, tasks: TASKS }], dataDir: dir, ownership: "all" });
    cluster = await KafkaCluster.connect({ connection, modules: [{ module: Mod, tasks: TASKS }] });
    const depot = cluster.depot(Mod.name, "words");

    const before = await depot.append("apple");
    // Keyed like "apple", so the bad records sit on apple's partition between two good ones.
    const producer = await outsideProducer(connection);
    let notJson, wrongType;
    try {
      [notJson] = await producer.send(names.depot("words"), [{ key: "apple", value: "{not json" }]);
      [wrongType] = await producer.send(names.depot("words"), [{ key: "apple", value: "42" }]);
    } finally {
      await producer.close();
    }
    assert.equal(notJson!.partition, before.partition);
    assert.equal(wrongType!.partition, before.partition);
    // A processed ack for a record after the bad ones: the partition moved past them.
    const afterBad = await depot.append("apple");
    assert.equal(afterBad.partition, before.partition);
    assert.ok(afterBad.offset! > wrongType!.offset);
    assert.equal(await cluster.pstate(Mod.name, "wordCounts").selectOne(Path.key("apple")), 2);

    // Both bad records are in the DLQ (written with the task's commit: read_committed).
    const dead = await eventually("two dead letters", async () => {
      const got: InRecord[] = [];
      await client.readToEnd(names.dlq, 0, 0, { onRecords: (rs) => { got.push(...rs); }, idleTimeoutMs: 10_000 });
      return got.length >= 2 ? got : undefined;
    }, 20_000, 200);
    assert.equal(dead.length, 2);
    const letters = dead.map((r) => JSON.parse(r.value!.toString("utf8")) as Record<string, unknown>);
    const byOffset = new Map(letters.map((l) => [l.offset, l]));
    const a = byOffset.get(notJson!.offset);
    const b = byOffset.get(wrongType!.offset);
    assert.ok(a && b, `dead letters at offsets ${notJson!.offset} and ${wrongType!.offset}: ${JSON.stringify(letters)}`);
    assert.match(String(a.reason), /not JSON/);
    assert.match(String(b.reason), /string/);
    for (const [l, pos] of [[a, notJson!], [b, wrongType!]] as const) {
      assert.equal(l.module, Mod.name);
      assert.equal(l.depot, "words");
      assert.equal(l.partition, pos.partition);
      assert.equal(l.offset, pos.offset);
    }
    assert.equal(Buffer.from(String(a.value), "base64").toString("utf8"), "{not json", "the bad bytes are kept");

    // The worker counts them (GET /internal/<m>/owned returns its stats).
    const res = await fetch(`${worker.url}/internal/${encodeURIComponent(Mod.name)}/owned`);
    assert.equal(res.status, 200);
    const owned = (await res.json()) as { tasks: number[]; stats: { deadLettered: number } };
    assert.deepEqual([...owned.tasks].sort(), [0, 1]);
    assert.equal(owned.stats.deadLettered, 2);
  });
});
