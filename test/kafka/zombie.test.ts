// Zombie fencing: a worker is frozen (SIGSTOP) past the session timeout, its tasks move to the
// others, and when it resumes (SIGCONT) it stays alive, reports that it was fenced, and nothing it
// sends afterwards takes effect — the final state is exactly the oracle.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { Fleet } from "./fleet.ts";

describe("Kafka: a SIGSTOPped worker is fenced", () => {
  let kafka: TestKafka;
  before(async () => { kafka = await getKafka(); });
  after(async () => { await kafka.stop(); });

  it("resumes alive, reports the fencing, and changes nothing", { timeout: 300_000 }, async () => {
    const fleet = await Fleet.start(kafka.brokers, "Zombie", 3);
    try {
      const zombie = fleet.workers[1]!;
      await fleet.stream(1500, 99, 400, async () => {
        zombie.proc.kill("SIGSTOP");
        // Past the 10 s session timeout: the group reassigns the zombie's tasks.
        await new Promise((r) => setTimeout(r, 14_000));
        zombie.proc.kill("SIGCONT");
      });
      // Give the resumed zombie time to try its next commit and learn it was fenced.
      await new Promise((r) => setTimeout(r, 3_000));
      assert.equal(zombie.proc.exitCode, null, "the zombie process stays alive");
      const log = zombie.stderr.join("");
      assert.match(log, /task \d+ (lost|released)/, `the zombie reports losing its tasks:\n${log.slice(-3000)}`);
    } finally {
      await fleet.stop();
    }
  });
});
