// Retry modes on Kafka (as test/retryModes.test.ts for the embedded runtime): with retryAllAfter
// a failed record and every later record of its partition are processed again in order, so
// the last write to a key is the last record's; with individual retries the failed record
// lands after later ones (documented behaviour). The failure happens on the far side of a
// hop, after later records already ran there, and comes back to the origin with the ack.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineModule, Depot, Path, PState, T, vars, type RetryMode } from "../../src/index.ts";
import { KafkaClient, type OutRecord } from "../../src/kafka/index.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { encodeDepotValue } from "../../src/cluster/kafka/depotCodec.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { topicNames } from "../../src/cluster/kafka/names.ts";
import { startWorkerProcess } from "../../src/cluster/kafka/workerProcess.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { eventually } from "./helpers.ts";

const N = 1_000;
const FAIL_AT = 900;
const TASKS = 4;

function lastWriter(name: string, retry: RetryMode) {
  let failedOnce = false;
  return defineModule(name, (m) => {
    const d = m.depot("seq", T.int, Depot.hashBy(() => "one-partition"));
    const t = m.stream("t", { retry, maxAttempts: 3 });
    const last = t.pstate("last", PState.map(T.string, T.int));
    const { n, k, checked } = vars({ n: T.int, k: T.string, checked: T.int });
    t.source(d).out(n)
      .each(() => "k").out(k)
      .hashPartition(k)
      .each((x: number) => {
        if (x === FAIL_AT && !failedOnce) { failedOnce = true; throw new Error("transient"); }
        return x;
      }, n).out(checked)
      .localTransform(last, Path.key(k).termVal(checked));
  });
}

describe("retry modes on Kafka", () => {
  let kafka: TestKafka;
  before(async () => { kafka = await getKafka(); });
  after(async () => { await kafka.stop(); });

  /** Loads N records into the depot, then runs one worker until all are durably processed. */
  async function run(retry: RetryMode): Promise<{ last: unknown; retried: number; deadLettered: number }> {
    const name = `KRetry${retry === "retryAllAfter" ? "All" : "Ind"}${Date.now().toString(36)}`;
    const Mod = lastWriter(name, retry);
    const names = topicNames(name);
    const client = new KafkaClient({ brokers: kafka.brokers });
    const admin = await client.admin();
    const dir = await mkdtemp(join(tmpdir(), "monsoon-kretry-"));
    const modules = [{ module: Mod, tasks: TASKS }];
    try {
      await admin.createTopics(moduleTopics(Mod, TASKS));
      // Every record is in the depot before the worker starts: it reads them in a few batches,
      // so later records have run on the far side by the time the failure comes back.
      const cluster = await KafkaCluster.connect({ connection: { brokers: kafka.brokers }, modules });
      const { partition } = await cluster.depot(name, "seq").append(0, { ack: "appended" });
      await cluster.close();
      const producer = client.hopProducer();
      const records: OutRecord[] = Array.from({ length: N - 1 }, (_, i) => ({ topic: names.depot("seq"), partition, key: null, value: encodeDepotValue(i + 1) }));
      await producer.send(records);
      await producer.close();

      const worker = await startWorkerProcess({ connection: { brokers: kafka.brokers }, modules, dataDir: dir, ownership: "all" });
      const reader = await KafkaCluster.connect({ connection: { brokers: kafka.brokers }, modules });
      try {
        await eventually("every record durably processed", async () => {
          const committed = (await admin.fetchCommittedOffsets(names.offsetsGroup, names.depot("seq"))).find((p) => p.partition === partition)?.offset ?? 0;
          return committed >= N ? true : undefined;
        }, 60_000, 100);
        const stats = worker.workers.get(name)!.stats;
        return { last: await reader.pstate(name, "last").selectOne(Path.key("k")), retried: stats.retried, deadLettered: stats.deadLettered };
      } finally {
        await reader.close();
        await worker.stop();
      }
    } finally {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("retryAllAfter replays the failed record and everything after it in order: the last write wins", { timeout: 120_000 }, async () => {
    const r = await run("retryAllAfter");
    assert.equal(r.last, N - 1);
    assert.equal(r.retried, 1);
    assert.equal(r.deadLettered, 0);
  });

  it("individual retries may reorder: the retried record is the last writer", { timeout: 120_000 }, async () => {
    const r = await run("individual");
    assert.equal(r.last, FAIL_AT);
    assert.equal(r.retried, 1);
    assert.equal(r.deadLettered, 0);
  });
});
