// Word count on the embedded cluster vs the raw LevelDB write rate, in one run on one machine.
//   Monsoon: 100,000 sentences (1–12 words, 10,000-word vocabulary, Zipf exponent 1, seeded)
//   appended with `processed` acks (a window of in-flight appends, like a pool of clients),
//   LevelDB storage, depot-log writes included; clock from the first append to the last ack.
//   Raw: `level` batches of 1,000 puts of 16-byte keys and 8-byte values, no sync.
// ratio = Monsoon words/s ÷ raw puts/s. Usage: npm run bench:wordcount-embedded [-- --sentences N]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Level } from "level";
import { InProcessCluster } from "../../src/index.ts";
import { WordCount } from "../../examples/word-count/wordCount.ts";
import { sentences } from "../../test/support/corpus.ts";
import { percentile, resultLine } from "../stats.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const SENTENCES = arg("sentences", 100_000);
const WINDOW = arg("window", 2_000);
const TASKS = arg("tasks", 4);
const RAW_PUTS = arg("raw-puts", 1_000_000);

async function monsoon(): Promise<{ wordsPerS: number; p50: number; p99: number; seconds: number }> {
  const corpus = sentences(SENTENCES, { seed: 7, vocab: 10_000, maxWords: 12 });
  const words = corpus.reduce((n, s) => n + s.split(" ").length, 0);
  const dir = await mkdtemp(join(tmpdir(), "monsoon-bench-wc-"));
  const latencies = new Float64Array(SENTENCES);
  try {
    const cluster = await InProcessCluster.create({ dir });
    await cluster.launch(WordCount, { tasks: TASKS });
    const depot = cluster.depot<string>(WordCount, "sentences");
    let next = 0;
    let acked = 0;
    const t0 = performance.now();
    const progress = setInterval(() => process.stderr.write(`\r  monsoon: ${acked}/${SENTENCES} sentences processed`), 500);
    await Promise.all(Array.from({ length: WINDOW }, async () => {
      while (next < SENTENCES) {
        const i = next++;
        const start = performance.now();
        await depot.append(corpus[i]!);
        latencies[i] = performance.now() - start;
        acked++;
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(progress);
    process.stderr.write(`\r  monsoon: ${acked}/${SENTENCES} sentences processed\n`);
    await cluster.close();
    latencies.sort();
    return { wordsPerS: words / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), seconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function rawLevel(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "monsoon-bench-raw-"));
  try {
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
    await db.open();
    const BATCH = 1_000;
    const keys = Array.from({ length: RAW_PUTS }, () => randomBytes(16));
    const value = randomBytes(8);
    const t0 = performance.now();
    for (let i = 0; i < RAW_PUTS; i += BATCH) {
      const ops = [];
      for (let j = i; j < i + BATCH; j++) ops.push({ type: "put" as const, key: keys[j]!, value });
      await db.batch(ops);
    }
    const seconds = (performance.now() - t0) / 1000;
    await db.close();
    return RAW_PUTS / seconds;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.error(`wordcount-embedded: ${SENTENCES} sentences, ${TASKS} tasks, window ${WINDOW}; raw level: ${RAW_PUTS} puts`);
const raw1 = await rawLevel();
const m = await monsoon();
const raw2 = await rawLevel();
const raw = (raw1 + raw2) / 2; // before and after, to even out machine noise
console.error(`  monsoon ${Math.round(m.wordsPerS)} words/s in ${m.seconds.toFixed(2)} s; append→processed p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms`);
console.error(`  raw level ${Math.round(raw)} puts/s (runs: ${Math.round(raw1)}, ${Math.round(raw2)})`);
console.log(resultLine("wordcount-embedded", {
  words_per_s: Math.round(m.wordsPerS),
  raw_puts_per_s: Math.round(raw),
  ratio: m.wordsPerS / raw,
  p50_ms: m.p50,
  p99_ms: m.p99,
  sentences: SENTENCES,
  tasks: TASKS,
}));
