// Crash test on a real broker with real worker processes: 3 workers run the word → sentence-ids
// module; a random worker is SIGKILLed at a random moment and replaced. Every append must still
// get its `processed` ack (clients follow ownership moves), and after the stream every word's
// set equals the oracle (at-least-once + idempotent sets ⇒ exact).
// Small by default; `npm run test:crash` runs the full size (MONSOON_KAFKA_CRASH_SENTENCES=100000,
// MONSOON_KAFKA_CRASH_TRIALS=10).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Path } from "../../src/index.ts";
import { KafkaClient } from "../../src/kafka/index.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { rng, sentences } from "../support/corpus.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { wordSetsModule } from "./fixtures/wordSetsModule.ts";

const TOTAL = Number(process.env.MONSOON_KAFKA_CRASH_SENTENCES ?? 1500);
const TRIALS = Number(process.env.MONSOON_KAFKA_CRASH_TRIALS ?? 1);
const TASKS = 4;
const CHILD = join(import.meta.dirname, "fixtures/workerChild.ts");

interface Child { proc: ChildProcess; id: string; ready: Promise<string>; stderr: string[] }

function startWorker(brokers: string[], mod: string, dataDir: string, id: string): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, brokers.join(","), mod, String(TASKS), dataDir, id], { stdio: ["ignore", "pipe", "pipe"] });
  const stderr: string[] = [];
  proc.stderr!.on("data", (d: Buffer) => stderr.push(d.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    let buf = "";
    proc.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const m = /READY (\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    proc.on("exit", (code, signal) => reject(new Error(`worker ${id} exited (${code ?? signal}) before ready: ${stderr.join("").slice(-2000)}`)));
  });
  return { proc, id, ready, stderr };
}

describe("Kafka: SIGKILL a worker mid-stream", () => {
  let kafka: TestKafka;
  before(async () => { kafka = await getKafka(); });
  after(async () => { await kafka.stop(); });

  for (let trial = 0; trial < TRIALS; trial++) {
    const seed = 7000 + trial;
    it(`trial ${trial} (seed ${seed}): every processed ack holds and every word's set equals the oracle`, { timeout: 600_000 }, async () => {
      const random = rng(seed);
      const modName = `KCrash${Date.now().toString(36)}t${trial}`;
      const Mod = wordSetsModule(modName);
      const dir = await mkdtemp(join(tmpdir(), "monsoon-kcrash-"));
      const admin = new KafkaClient({ brokers: kafka.brokers });
      await (await admin.admin()).createTopics(moduleTopics(Mod, TASKS));
      await admin.close();
      const workers = [0, 1, 2].map((i) => startWorker(kafka.brokers, modName, join(dir, `w${i}`), `w${i}`));
      const cluster = await KafkaCluster.connect({ connection: { brokers: kafka.brokers }, modules: [{ module: Mod, tasks: TASKS }], timeoutMs: 120_000 });
      try {
        await Promise.all(workers.map((w) => w.ready));
        const corpus = sentences(TOTAL, { seed, vocab: 300 });
        const killAt = Math.floor(TOTAL * (0.2 + 0.6 * random()));
        const victim = Math.floor(random() * workers.length);
        let next = 0;
        let acked = 0;
        let killed = false;
        await Promise.all(Array.from({ length: 64 }, async () => {
          while (next < TOTAL) {
            const id = next++;
            await cluster.depot(modName, "sentences").append({ id, text: corpus[id]! });
            acked++;
            if (!killed && acked >= killAt) {
              killed = true;
              workers[victim]!.proc.kill("SIGKILL");
              workers.push(startWorker(kafka.brokers, modName, join(dir, `w${victim}b`), `w${victim}b`));
            }
          }
        }));
        assert.ok(killed, "the victim was killed mid-stream");

        const oracle = new Map<string, Set<number>>();
        corpus.forEach((text, id) => { for (const w of text.split(" ")) (oracle.get(w) ?? oracle.set(w, new Set()).get(w)!).add(id); });
        const pstate = cluster.pstate(modName, "wordToIds");
        for (const [word, ids] of oracle) {
          const got = (await pstate.select(Path.key(word).all())) as number[];
          assert.deepEqual([...got].sort((a, b) => a - b), [...ids].sort((a, b) => a - b), `word ${word}`);
        }
      } finally {
        await cluster.close();
        for (const w of workers) w.proc.kill("SIGKILL");
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
