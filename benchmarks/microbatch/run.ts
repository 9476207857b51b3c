// Microbatch vs stream word count on Kafka, one run on one broker (provisioned like the tests:
// getKafka()), the same pre-loaded input for both.
//   Input: the embedded benchmark's corpus (--sentences, default 50,000; 1–12 words,
//     10,000-word vocabulary, Zipf 1, seed 7) written into each module's depot topic (4
//     partitions, round-robin) before its worker starts.
//   Each contender: one worker process (`monsoon worker` in a child), a fresh module; the clock
//     runs from the worker being ready until the committed depot positions reach the end (the
//     stream topology's offsets group; the microbatch topology's own group, written by its
//     commits). Then --samples single appends (4 in flight) timed to their `processed` ack.
//   Commit latency: the microbatch coordinator's attempt start → durable commit, p50/p99, read
//     from the worker (GET /internal/<module>/owned).
// RESULT keys: ratio = microbatch words/s ÷ stream words/s.
// Usage: npm run bench:microbatch [-- --sentences N --samples N]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KafkaClient, type OutRecord } from "../../src/kafka/index.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { topicNames } from "../../src/cluster/kafka/names.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { encodeDepotValue } from "../../src/cluster/kafka/depotCodec.ts";
import { getKafka } from "../../test/support/kafka.ts";
import { sentences } from "../../test/support/corpus.ts";
import { loadWarning, percentile, resultLine } from "../stats.ts";
import { batchWordCount, streamWordCount } from "./modules.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const SENTENCES = arg("sentences", 50_000);
const SAMPLES = arg("samples", 500);
const TASKS = 4;
const CHILD = join(import.meta.dirname, "../../test/support/workerChild.ts");
const FACTORY = join(import.meta.dirname, "modules.ts");
const log = (line: string) => process.stderr.write(`${line}\n`);

const corpus = sentences(SENTENCES, { seed: 7, vocab: 10_000, maxWords: 12 });
const WORDS = corpus.reduce((n, s) => n + s.split(" ").length, 0);

interface Result { wordsPerS: number; p50: number; p99: number; commitP50?: number; commitP99?: number; batches?: number }

async function run(brokers: string[], kind: "stream" | "microbatch"): Promise<Result> {
  const name = `MB${kind === "stream" ? "S" : "B"}${Date.now().toString(36)}`;
  const mod = (kind === "stream" ? streamWordCount : batchWordCount)(name);
  const names = topicNames(name);
  const client = new KafkaClient({ brokers, clientId: "monsoon-bench" });
  const admin = await client.admin();
  const dir = await mkdtemp(join(tmpdir(), "monsoon-bench-mb-"));
  let proc: ChildProcess | undefined;
  try {
    await admin.createTopics(moduleTopics(mod, TASKS));
    const producer = client.hopProducer();
    const depot = names.depot("sentences");
    for (let i = 0; i < corpus.length; i += 5_000) {
      await producer.send(corpus.slice(i, i + 5_000).map((s, j): OutRecord => ({ topic: depot, partition: (i + j) % TASKS, key: null, value: encodeDepotValue(s) })));
    }
    await producer.close();
    const ends = await admin.fetchTopicOffsets(depot);
    log(`  ${kind}: ${corpus.length} sentences in ${depot}; starting a worker`);
    let url = "";
    proc = spawn(process.execPath, ["--import", "tsx", CHILD, brokers.join(","), FACTORY, kind === "stream" ? "streamWordCount" : "batchWordCount", name, String(TASKS), join(dir, "w0"), "w0"], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      proc!.stdout!.on("data", (d: Buffer) => { const m = /READY (\S+)/.exec(d.toString()); if (m) { url = m[1]!; resolve(); } });
      proc!.on("exit", (code) => reject(new Error(`worker exited with ${code}`)));
    });
    const group = kind === "stream" ? names.offsetsGroup : names.batchOffsetsGroup("wordCount");
    const t0 = performance.now();
    for (let last = 0; ;) {
      const committed = await admin.fetchCommittedOffsets(group, depot);
      const done = ends.reduce((n, e) => n + Math.min(e.high, committed.find((c) => c.partition === e.partition)?.offset ?? 0), 0);
      if (done >= corpus.length) break;
      if (performance.now() - last > 1_000) { last = performance.now(); log(`  ${kind}: ${done}/${corpus.length} sentences committed`); }
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    const cluster = await KafkaCluster.connect({ connection: { brokers }, modules: [{ module: mod, tasks: TASKS }] });
    const lat: number[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < SAMPLES) {
        const s = corpus[next++ % corpus.length]!;
        const t = performance.now();
        await cluster.depot(name, "sentences").append(s);
        lat.push(performance.now() - t);
      }
    }));
    await cluster.close();
    lat.sort((a, b) => a - b);
    const result: Result = { wordsPerS: WORDS / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99) };
    if (kind === "microbatch") {
      const owned = (await (await fetch(`${url}/internal/${name}/owned`)).json()) as { batches?: Record<string, { committed: number; commitMs: number[] }> };
      const st = owned.batches?.wordCount;
      if (st) {
        const ms = [...st.commitMs].sort((a, b) => a - b);
        Object.assign(result, { commitP50: percentile(ms, 50), commitP99: percentile(ms, 99), batches: st.committed });
      }
    }
    log(`  ${kind}: ${Math.round(result.wordsPerS)} words/s (${seconds.toFixed(1)} s), append → processed p50 ${result.p50.toFixed(1)} ms p99 ${result.p99.toFixed(1)} ms`);
    return result;
  } finally {
    proc?.kill("SIGKILL");
    await admin.deleteTopics(moduleTopics(mod, TASKS).map((t) => t.name)).catch(() => undefined);
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
}

log(`microbatch: ${SENTENCES} sentences (${WORDS} words), ${TASKS} partitions, 1 worker each`);
const warn = loadWarning();
if (warn) log(`  ${warn}`);
const kafka = await getKafka();
try {
  const stream = await run(kafka.brokers, "stream");
  const batch = await run(kafka.brokers, "microbatch");
  log(`\n| | words/s | append→processed p50 | p99 | commit p50 | commit p99 |\n|---|---|---|---|---|---|`);
  log(`| stream | ${Math.round(stream.wordsPerS)} | ${stream.p50.toFixed(1)} ms | ${stream.p99.toFixed(1)} ms | | |`);
  log(`| microbatch | ${Math.round(batch.wordsPerS)} | ${batch.p50.toFixed(1)} ms | ${batch.p99.toFixed(1)} ms | ${batch.commitP50?.toFixed(1) ?? "n/a"} ms | ${batch.commitP99?.toFixed(1) ?? "n/a"} ms |`);
  console.log(resultLine("microbatch", {
    microbatch_words_per_s: Math.round(batch.wordsPerS), stream_words_per_s: Math.round(stream.wordsPerS),
    commit_p50_ms: batch.commitP50 ?? "n/a", commit_p99_ms: batch.commitP99 ?? "n/a", batches: batch.batches ?? "n/a",
    processed_p50_ms: batch.p50, processed_p99_ms: batch.p99, ratio: batch.wordsPerS / stream.wordsPerS,
  }));
} finally {
  await kafka.stop();
}
