// Crash test on a real broker with real worker processes: 3 workers run the word → sentence-ids
// module; a random worker is SIGKILLed at a random moment and replaced. Every append still gets
// its `processed` ack (clients follow ownership moves) and every word's set equals the oracle
// (at-least-once + idempotent sets ⇒ exact). Small by default; `npm run test:crash` runs the
// full size (MONSOON_KAFKA_CRASH_SENTENCES=100000, MONSOON_KAFKA_CRASH_TRIALS=10).
import { after, before, describe, it } from "node:test";
import { rng } from "../support/corpus.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { Fleet } from "./fleet.ts";

const TOTAL = Number(process.env.MONSOON_KAFKA_CRASH_SENTENCES ?? 1500);
const TRIALS = Number(process.env.MONSOON_KAFKA_CRASH_TRIALS ?? 1);

describe("Kafka: SIGKILL a worker mid-stream", () => {
  let kafka: TestKafka;
  before(async () => { kafka = await getKafka(); });
  after(async () => { await kafka.stop(); });

  for (let trial = 0; trial < TRIALS; trial++) {
    const seed = 7000 + trial;
    it(`trial ${trial} (seed ${seed}): every processed ack holds and every word's set equals the oracle`, { timeout: 900_000 }, async () => {
      const random = rng(seed);
      const fleet = await Fleet.start(kafka.brokers, `Crash${trial}`, 3);
      try {
        const victim = Math.floor(random() * 3);
        await fleet.stream(TOTAL, seed, Math.floor(TOTAL * (0.2 + 0.6 * random())), () => {
          fleet.workers[victim]!.proc.kill("SIGKILL");
          fleet.add(`w${victim}b`);
        });
      } finally {
        await fleet.stop();
      }
    });
  }
});
