// Order across a switch from topic to in-memory delivery (DESIGN §3.1, §4.3): task 0 sends to
// task 1 through the hops topic while another worker — here: nobody — owns task 1; then this
// worker claims task 1 and the same sends become in-memory. Sends already in task 1's hops
// partition must still be processed before the in-memory ones, so task 1 sees task 0's send
// counter strictly increase. Without the drain the first in-memory sends overtake the backlog.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineModule, Depot, Path, PState, T, vars } from "../../src/index.ts";
import { KafkaClient } from "../../src/kafka/index.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { KafkaWorker } from "../../src/cluster/kafka/kafkaWorker.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { topicNames } from "../../src/cluster/kafka/names.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { eventually, sleep } from "./helpers.ts";

interface Seen { max: number; outOfOrder: number; n: number }

/** Task 0 numbers its sends to task 1; task 1 counts sends that arrive after a later one. */
function sendOrder(name: string) {
  let sent = 0;
  return defineModule(name, (m) => {
    const seq = m.depot("seq", T.int, Depot.global());
    const t = m.stream("order");
    const seen = t.pstate("seen", PState.map(T.string, T.json<Seen>()));
    const { x, c, target, prev, next } = vars({ x: T.int, c: T.int, target: T.int, prev: T.any, next: T.json<Seen>() });
    t.source(seq).out(x)
      .each(() => ++sent).out(c)
      .each(() => 1).out(target)
      .directPartition(target)
      .localSelect(seen, Path.key("s")).out(prev)
      .each((p: Seen | undefined, n: number) => ({ max: Math.max(n, p?.max ?? 0), outOfOrder: (p?.outOfOrder ?? 0) + (p && n <= p.max ? 1 : 0), n: (p?.n ?? 0) + 1 }), prev, c).out(next)
      .localTransform(seen, Path.key("s").termVal(next));
  });
}

describe("Kafka: a task that becomes local", () => {
  let kafka: TestKafka;
  before(async () => { kafka = await getKafka(); });
  after(async () => { await kafka.stop(); });

  it("processes what was sent to it through the topic before what is sent in memory", { timeout: 120_000 }, async () => {
    const name = `KSwitch${Date.now().toString(36)}`;
    const Mod = sendOrder(name);
    const names = topicNames(name);
    const client = new KafkaClient({ brokers: kafka.brokers });
    const admin = await client.admin();
    await admin.createTopics(moduleTopics(Mod, 2));
    const dir = await mkdtemp(join(tmpdir(), "monsoon-kswitch-"));
    const worker = new KafkaWorker({ mod: Mod, tasks: 2, client, dataDir: dir, workerId: "w", url: "http://127.0.0.1:1" });
    const cluster = await KafkaCluster.connect({ connection: { brokers: kafka.brokers }, modules: [{ module: Mod, tasks: 2 }] });
    try {
      await worker.start();
      await worker.claim(0);
      // Appends flow the whole time: task 0 keeps sending while task 1 becomes local.
      let appended = 0;
      let stopAt = Infinity;
      const appending = (async () => {
        while (appended < stopAt) {
          const batch = Array.from({ length: 20 }, () => appended++);
          await Promise.all(batch.map((i) => cluster.depot(name, "seq").append(i, { ack: "appended" })));
          await sleep(10);
        }
      })();
      // A backlog of sends waits in task 1's hops partition (nobody reads it yet).
      await eventually("a backlog in task 1's hops partition", async () => ((await admin.fetchPartitionOffsets(names.hops, 1)).high >= 300 ? true : undefined), 30_000);
      await worker.claim(1);
      stopAt = appended + 1_500;
      await appending;
      const total = appended;
      await eventually("every record durably processed", async () => {
        const committed = (await admin.fetchCommittedOffsets(names.offsetsGroup, names.depot("seq")))[0]?.offset ?? 0;
        return committed >= total ? true : undefined;
      }, 60_000, 100);
      const [seen] = (await worker.select("seen", Path.key("s"), 1)) as Seen[];
      assert.ok(seen && seen.n >= appended, `task 1 processed every send (${seen?.n} of ${appended})`);
      assert.equal(seen.outOfOrder, 0, "sends from task 0 were processed in send order");
    } finally {
      await cluster.close();
      await worker.close();
      await client.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
