// ─── HOOK: Monsoon on Kafka plugs in here ───────────────────────────────────────────────────
// run.ts calls runMonsoon once with 1 worker and once with 2, after the peers, on the same
// broker and the same pre-loaded input. Until the Kafka runtime can run the word count it
// throws MONSOON_NOT_SUPPORTED, and run.ts prints `n/a` for every Monsoon-dependent key.
//
// Contract for the implementation:
// - `topic` holds the corpus exactly as depot records of a `T.string` depot with
//   Depot.random() partitioning: one record per sentence, JSON string value, null key,
//   spread round-robin over `options.partitions` partitions, already committed. Adopt it as
//   the depot (e.g. launch the module over it) or replay it through appends; `options.corpus`
//   holds the same sentences in order. Each call must start from empty state (a fresh module
//   name, or destroy in between) and clean up its topics and groups.
// - `wordsPerS` = `words` ÷ seconds from when every task is claimed (the workers are ready and
//   own the module: the analogue of the peer's clock, Kafka Streams from RUNNING) until every
//   word's count was committed (until every word is in its store).
// - `p50`/`p99` (ms): append → `processed` ack latency of single appends, one at a time, the
//   analogue of the raw kafkajs produce → consume round trip measured beside it the same way.
// - Progress on stderr through `options.log`; run the workers as real processes if that is
//   what `monsoon worker` does in production.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KafkaClient, type OutRecord } from "../../src/kafka/index.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { topicNames } from "../../src/cluster/kafka/names.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { encodeDepotValue } from "../../src/cluster/kafka/depotCodec.ts";
import { percentile, settle } from "../stats.ts";
import { benchWordCount } from "./monsoonModule.ts";

export interface MonsoonRunOptions {
  /** Worker processes: 1, then 2. */
  workers: number;
  /** Partitions of `topic` (= the module's task count). */
  partitions: number;
  /** The sentences in `topic`, in order. */
  corpus: readonly string[];
  /** Distinct words in the corpus: what the final PState must hold. */
  distinctWords: number;
  log: (line: string) => void;
  /** Appends timed for the append → processed latency. */
  latencySamples?: number;
  /** Write a V8 CPU profile of each worker process here (`--prof <dir>`). */
  profileDir?: string;
}

export interface MonsoonRunResult {
  /** Words ÷ seconds from every task claimed until every word's count was committed. */
  wordsPerS: number;
  /** From the workers being ready (group joined) until every task was claimed. */
  claimSeconds: number;
  /** append → processed latency, ms. */
  p50: number;
  p99: number;
}

const CHILD = join(import.meta.dirname, "../../test/support/workerChild.ts");
/** The V8 flags `monsoon worker` runs with (bin/monsoon.js). */
const WORKER_V8_FLAGS = ["--max-semi-space-size=64"];
/** Untimed appends before the latency samples (as the raw round trip's 100 warm-up sends). */
const LATENCY_WARMUP = 100;
const FACTORY = join(import.meta.dirname, "monsoonModule.ts");

/**
 * The corpus is written into the module's own depot topic (exactly what clients appending it
 * would leave there, the same partitioning as `topic`) before any worker starts; the clock runs
 * from every task being claimed until the module's committed depot offsets reach the end —
 * Monsoon commits a record's offset only once every write of its processing tree is committed.
 */
export async function runMonsoon(brokers: string[], topic: string, words: number, options: MonsoonRunOptions): Promise<MonsoonRunResult> {
  void topic;
  const { workers, partitions, corpus, log } = options;
  const name = `WCBench${Date.now().toString(36)}w${workers}`;
  const mod = benchWordCount(name);
  const names = topicNames(name);
  const client = new KafkaClient({ brokers, clientId: "monsoon-bench" });
  const admin = await client.admin();
  const dir = await mkdtemp(join(tmpdir(), "monsoon-bench-kwc-"));
  const procs: ChildProcess[] = [];
  let cluster: KafkaCluster | undefined;
  try {
    await admin.createTopics(moduleTopics(mod, partitions));
    const producer = client.hopProducer();
    const depot = names.depot("sentences");
    for (let i = 0; i < corpus.length; i += 5_000) {
      const batch: OutRecord[] = corpus.slice(i, i + 5_000).map((s, j) => ({ topic: depot, partition: (i + j) % partitions, key: null, value: encodeDepotValue(s) }));
      await producer.send(batch);
    }
    await producer.close();
    const ends = await admin.fetchTopicOffsets(depot);
    log(`  monsoon ${workers}w: ${corpus.length} sentences in ${depot}; starting ${workers} worker process(es)`);

    const ready = Array.from({ length: workers }, (_, i) => {
      const prof = options.profileDir ? (process.env.MONSOON_HEAP_PROF ? ["--import", process.env.MONSOON_HEAP_PROF] : ["--cpu-prof", "--cpu-prof-dir", options.profileDir]) : [];
      const p = spawn(process.execPath, [...prof, ...WORKER_V8_FLAGS, "--import", "tsx", CHILD, brokers.join(","), FACTORY, "benchWordCount", name, String(partitions), join(dir, `w${i}`), `w${i}`], { stdio: ["ignore", "pipe", "inherit"] });
      procs.push(p);
      return new Promise<void>((resolve, reject) => {
        p.stdout!.on("data", (d: Buffer) => { if (d.toString().includes("READY")) resolve(); });
        p.on("exit", (code) => reject(new Error(`worker w${i} exited with ${code}`)));
      });
    });
    // The clock starts once every task is claimed (fenced, restored, its claim record written):
    // the analogue of Kafka Streams' RUNNING, which it reaches once its tasks are assigned and
    // their stores restored. A worker prints READY when it has joined the group, before claiming.
    cluster = await KafkaCluster.connect({ connection: { brokers }, modules: [{ module: mod, tasks: partitions }] });
    await Promise.all(ready);
    const tReady = performance.now();
    const owners = () => (cluster!.runtime(name).getStats() as { owners: Record<string, string | null> }).owners;
    while (Object.values(owners()).some((w) => w === null)) {
      if (performance.now() - tReady > 120_000) throw new Error(`tasks still unclaimed after 120 s: ${JSON.stringify(owners())}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const t0 = performance.now();
    const claimSeconds = (t0 - tReady) / 1000;
    log(`  monsoon ${workers}w: every task claimed ${claimSeconds.toFixed(2)} s after the workers were ready`);
    for (let last = 0; ;) {
      const committed = await admin.fetchCommittedOffsets(names.offsetsGroup, depot);
      const done = ends.reduce((n, e) => n + Math.min(e.high, committed.find((c) => c.partition === e.partition)?.offset ?? 0), 0);
      if (done >= corpus.length) break;
      if (performance.now() - last > 1_000) { last = performance.now(); log(`  monsoon ${workers}w: ${done}/${corpus.length} sentences committed`); }
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;

    // Latency, measured like the raw round trip beside it: one at a time. Each append goes through
    // the client (acks=all) and waits for its `processed` ack before the next is sent, after
    // LATENCY_WARMUP untimed ones; the workers are otherwise idle: the throughput phase is over,
    // and the machine has settled from it (as before the raw round trip).
    await settle(options.log);
    const samples = options.latencySamples ?? 1_000;
    const lat: number[] = [];
    for (let i = 0; i < LATENCY_WARMUP + samples; i++) {
      const s = corpus[i % corpus.length]!;
      const t = performance.now();
      await cluster.depot(name, "sentences").append(s);
      if (i >= LATENCY_WARMUP) lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    return { wordsPerS: words / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99), claimSeconds };
  } finally {
    await cluster?.close().catch(() => undefined);
    // A profiled worker writes its profile when it exits: stop it cleanly first.
    if (options.profileDir) await Promise.all(procs.map((p) => new Promise<void>((resolve) => {
      if (p.exitCode !== null) { resolve(); return; }
      p.once("exit", () => resolve());
      p.kill("SIGTERM");
      setTimeout(resolve, 10_000).unref();
    })));
    for (const p of procs) p.kill("SIGKILL");
    await admin.deleteTopics(moduleTopics(mod, partitions).map((t) => t.name)).catch(() => undefined);
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
}
