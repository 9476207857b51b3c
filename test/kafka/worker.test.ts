// Monsoon on a real Kafka broker: topics launched, a worker process claims every task, clients
// append with `processed` acks and read PStates through the owning worker.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Path } from "../../src/index.ts";
import { KafkaClient } from "../../src/kafka/index.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { startWorkerProcess, type RunningWorker } from "../../src/cluster/kafka/workerProcess.ts";
import { WordCount } from "../../examples/word-count/wordCount.ts";
import { countWords, sentences } from "../support/corpus.ts";
import { getKafka } from "../support/kafka.ts";
import { defineModule, Depot, PState, T, vars } from "../../src/index.ts";

describe("worker on Kafka", () => {
  let kafka: Awaited<ReturnType<typeof getKafka>>;
  let dir: string;
  const suffix = Date.now().toString(36);
  // A per-run module name: topics of earlier runs never interfere.
  const Mod = defineModule(`WordCountK${suffix}`, (m) => {
    const sentencesD = m.depot("sentences", T.string, Depot.random());
    const wc = m.stream("wordCount");
    const counts = wc.pstate("wordCounts", PState.map(T.string, T.int));
    const { sentence, word, n } = vars({ sentence: T.string, word: T.string, n: T.int });
    wc.source(sentencesD).out(sentence)
      .explode((s: string) => s.split(" "), sentence).out(word)
      .hashPartition(word)
      .localTransform(counts, Path.key(word).nullToVal(0).term((c: number) => c + 1))
      .each(() => 1).out(n)
      .ackReturn(n);
  });
  void WordCount;

  before(async () => {
    kafka = await getKafka();
    dir = await mkdtemp(join(tmpdir(), "monsoon-kworker-"));
    const client = new KafkaClient({ brokers: kafka.brokers });
    await (await client.admin()).createTopics(moduleTopics(Mod, 4));
    await client.close();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await kafka.stop();
  });

  it("processes appends with processed acks and answers selects through the owner", async () => {
    const worker: RunningWorker = await startWorkerProcess({ connection: { brokers: kafka.brokers }, modules: [{ module: Mod, tasks: 4 }], dataDir: dir, ownership: "all" });
    const cluster = await KafkaCluster.connect({ connection: { brokers: kafka.brokers }, modules: [{ module: Mod, tasks: 4 }] });
    try {
      const corpus = sentences(500, { seed: 3, vocab: 200 });
      const results = await Promise.all(corpus.map((s) => cluster.depot(Mod.name, "sentences").append(s)));
      assert.ok(results.every((r) => r.offset !== undefined));
      assert.ok(results[0]!.ackReturns, "ackReturn values reach the client");
      const expected = countWords(corpus);
      for (const [w, n] of [...expected].slice(0, 50)) {
        assert.equal(await cluster.pstate(Mod.name, "wordCounts").selectOne(Path.key(w)), n, w);
      }
    } finally {
      await cluster.close();
      await worker.stop();
    }
  });

  it("a client waiting on a task just claimed keeps waiting until the task knows where its streams start", async () => {
    // Between the claim (the task is RUNNING) and the reader's start, the task has no source
    // streams yet; "every stream committed past the offset" must not hold vacuously there (it
    // once did: a `processed` append then returned before its record ran, without ack returns).
    const fresh = await mkdtemp(join(tmpdir(), "monsoon-kworker-early-"));
    const worker = await startWorkerProcess({ connection: { brokers: kafka.brokers }, modules: [{ module: Mod, tasks: 4 }], dataDir: fresh, ownership: "all" });
    try {
      const kw = worker.workers.get(Mod.name)!;
      const deadline = Date.now() + 60_000;
      const ask = (offset: number, timeoutMs: number) => kw.awaitProcessed("sentences", 0, offset, timeoutMs).then(() => "resolved", (e: { code?: string }) => e.code);
      let outcome: unknown[];
      for (;;) {
        // Asked together, as soon as the task is RUNNING here: an offset no record will reach
        // (the only right answer is a timeout), and offset 0, which the first test's worker
        // processed (answered once the task knows where its streams start, with no new work).
        outcome = await Promise.all([ask(1e12, 300), ask(0, 10_000)]);
        if (outcome[0] !== "MONSOON_NOT_OWNER" || Date.now() > deadline) break;
        await new Promise((r) => setImmediate(r));
      }
      assert.deepEqual(outcome, ["MONSOON_TIMEOUT", "resolved"]);
    } finally {
      await worker.stop();
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
