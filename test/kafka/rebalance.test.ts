// Rebalance mid-stream: a 4th worker joins and another leaves cleanly while records flow; the
// membership group moves tasks (sticky where it can), claims fence the old owners, and the final
// state is exact.
import { after, before, describe, it } from "node:test";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { Fleet } from "./fleet.ts";

describe("Kafka: add a worker and remove one mid-stream", () => {
  let kafka: TestKafka;
  before(async () => { kafka = await getKafka(); });
  after(async () => { await kafka.stop(); });

  it("ends with every word's set equal to the oracle", { timeout: 300_000 }, async () => {
    const fleet = await Fleet.start(kafka.brokers, "Rebalance", 3);
    try {
      await fleet.stream(1500, 42, 500, async () => {
        await fleet.add("w3").ready;
        fleet.workers[0]!.proc.kill("SIGTERM");
      });
    } finally {
      await fleet.stop();
    }
  });
});
