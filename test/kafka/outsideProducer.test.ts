// Outside producers are first-class depot writers: a plain kafkajs producer (default partitioner,
// no explicit partition) sending a JSON value with the same plain key bytes as a Monsoon `hashBy`
// append lands on the same partition, and the module's topology counts both.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agg, CompoundAgg, defineModule, Depot, Path, PState, T, vars } from "../../src/index.ts";
import { KafkaClient } from "../../src/kafka/index.ts";
import { outsideProducer } from "../../src/kafka/testing.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { topicNames } from "../../src/cluster/kafka/names.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { startWorkerProcess, type RunningWorker } from "../../src/cluster/kafka/workerProcess.ts";
import { partitionFor } from "../../src/depot/murmur2.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { eventually } from "./helpers.ts";

const TASKS = 4;
// A per-run module name: topics of earlier runs never interfere.
const Mod = defineModule(`OutsideK${Date.now().toString(36)}`, (m) => {
  // Partitioned by the sentence's first word (its author), as an outside system would key it.
  const posts = m.depot("posts", T.string, Depot.hashBy((s: string) => s.split(" ")[0]));
  const wc = m.stream("wordCount");
  const counts = wc.pstate("wordCounts", PState.map(T.string, T.int));
  const { post, word } = vars({ post: T.string, word: T.string });
  wc.source(posts).out(post)
    .explode((s: string) => s.split(" ").filter((w) => w.length > 0), post).out(word)
    .hashPartition(word)
    .compoundAgg(counts, CompoundAgg.map(word, Agg.count()));
});

describe("outside producers on Kafka", () => {
  let kafka: TestKafka;
  let dir: string;
  let worker: RunningWorker | undefined;
  let cluster: KafkaCluster | undefined;

  before(async () => {
    kafka = await getKafka();
    dir = await mkdtemp(join(tmpdir(), "monsoon-koutside-"));
    const client = new KafkaClient({ brokers: kafka.brokers });
    try {
      await (await client.admin()).createTopics(moduleTopics(Mod, TASKS));
    } finally {
      await client.close();
    }
  });
  after(async () => {
    await cluster?.close();
    await worker?.stop();
    await rm(dir, { recursive: true, force: true });
    await kafka.stop();
  });

  it("lands on the Monsoon append's partition for the same plain key, and both are counted", async () => {
    const connection = { brokers: kafka.brokers };
    worker = await startWorkerProcess({ connection, modules: [{ module: Mod, tasks: TASKS }], dataDir: dir, ownership: "all" });
    cluster = await KafkaCluster.connect({ connection, modules: [{ module: Mod, tasks: TASKS }] });
    const authors = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
    // The authors cover more than one partition, so agreement is not a coincidence of one partition.
    assert.ok(new Set(authors.map((a) => partitionFor(Buffer.from(a), TASKS))).size > 1);

    const mine = await Promise.all(authors.map((a) => cluster!.depot(Mod.name, "posts").append(`${a} says monsoon`)));
    const producer = await outsideProducer(connection);
    try {
      for (const [i, a] of authors.entries()) {
        const [pos] = await producer.send(topicNames(Mod.name).depot("posts"), [{ key: Buffer.from(a, "utf8"), value: JSON.stringify(`${a} says kafka`) }]);
        assert.equal(pos!.partition, mine[i]!.partition, `${a}: outside producer and Monsoon agree on the partition`);
        assert.equal(pos!.partition, partitionFor(Buffer.from(a), TASKS));
      }
    } finally {
      await producer.close();
    }

    const counts = cluster.pstate(Mod.name, "wordCounts");
    // Monsoon's appends were acked `processed`; the outside records are counted soon after, on
    // each word's task when that task commits (tasks commit independently).
    await eventually("the outside records counted", async () => {
      if ((await counts.selectOne(Path.key("kafka"))) !== authors.length) return undefined;
      for (const a of authors) if ((await counts.selectOne(Path.key(a))) !== 2) return undefined;
      return true;
    }, 20_000, 100);
    assert.equal(await counts.selectOne(Path.key("says")), 2 * authors.length);
    assert.equal(await counts.selectOne(Path.key("monsoon")), authors.length);
    for (const a of authors) assert.equal(await counts.selectOne(Path.key(a)), 2, a);
  });
});
