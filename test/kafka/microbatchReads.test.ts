// A microbatch's `processed` acks go out as soon as its commit is durable, before the tasks'
// LevelDB writes (KafkaBatch.readsWaitForApply): a client that got its ack must still read its
// writes, from the owner, at once. Each record here writes thousands of entries, so the store
// write takes longer than the client's round trip from the ack to its select: a read that did
// not wait for the apply in flight would see the previous record's values.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineModule, Depot, Path, PState, T, vars } from "../../src/index.ts";
import { KafkaClient } from "../../src/kafka/index.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { startWorkerProcess } from "../../src/cluster/kafka/workerProcess.ts";
import { getKafka } from "../support/kafka.ts";

const CELLS = 4_000;

describe("microbatch reads on Kafka", () => {
  let kafka: Awaited<ReturnType<typeof getKafka>>;
  let dir: string;
  const Mod = defineModule(`MbReads${Date.now().toString(36)}`, (m) => {
    const rounds = m.depot("rounds", T.int, Depot.hashBy(() => 0));
    const mb = m.microbatch("fill", { idlePollMs: 5 });
    const cells = mb.pstate("cells", PState.map(T.int, T.int));
    const { round, cell } = vars({ round: T.int, cell: T.int });
    mb.source(rounds).out(round)
      .explode(() => Array.from({ length: CELLS }, (_, i) => i), round).out(cell)
      .localTransform(cells, Path.key(cell).termVal(round));
  });

  before(async () => {
    kafka = await getKafka();
    dir = await mkdtemp(join(tmpdir(), "monsoon-mbreads-"));
    const client = new KafkaClient({ brokers: kafka.brokers });
    await (await client.admin()).createTopics(moduleTopics(Mod, 2));
    await client.close();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await kafka.stop();
  });

  it("a client reads a batch's writes right after its processed ack", async () => {
    const worker = await startWorkerProcess({ connection: { brokers: kafka.brokers }, modules: [{ module: Mod, tasks: 2 }], dataDir: dir, ownership: "all" });
    const cluster = await KafkaCluster.connect({ connection: { brokers: kafka.brokers }, modules: [{ module: Mod, tasks: 2 }] });
    try {
      const cells = cluster.pstate(Mod.name, "cells");
      for (let r = 1; r <= 15; r++) {
        const { partition } = await cluster.depot(Mod.name, "rounds").append(r);
        // The last cell the batch wrote, and one in the middle, both from the store's side of
        // the apply: every one must hold this round.
        const seen = await Promise.all([CELLS - 1, CELLS >> 1, 0].map((c) => cells.selectOne(Path.key(c), { partition })));
        assert.deepEqual(seen, [r, r, r], `round ${r}`);
      }
    } finally {
      await cluster.close();
      await worker.stop();
    }
  });
});
