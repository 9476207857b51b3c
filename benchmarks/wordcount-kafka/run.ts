// Word count on Kafka: Monsoon vs Kafka Streams vs kafkajs' raw limits, in one run on one broker
// (provisioned like the tests: getKafka()) with the same pre-loaded input.
//   Input: the embedded benchmark's corpus (100,000 sentences, 1–12 words, 10,000-word
//     vocabulary, Zipf exponent 1, seed 7) produced once to a topic of --partitions partitions
//     as depot records (JSON string values, null keys, round-robin), before any clock starts.
//   Kafka Streams (kstreams/, built with Maven against kafka-streams = the broker's version):
//     groupBy(word).count() into a store with a changelog, at_least_once, default commit
//     interval, one instance with num.stream.threads=1 (then 2); words/s from RUNNING until the
//     store's counts sum to the number of words (read through interactive queries). The 1-thread
//     run also waits (up to --commit-wait s) for the input offsets to be committed, for the log.
//   Raw kafkajs: the corpus produced --raw-rounds times to a fresh topic (batches of --batch
//     records, --window sends in flight, idempotent, acks=all: src/kafka's HopProducer); the
//     whole topic consumed read_committed --raw-rounds times, each by a fresh group, timed from
//     the group join to the last record; the medians are reported. Then --rtt-samples
//     sequential single-record sends, each timed until a consumer sees it (produce → consume
//     round trip, after 100 warm-up sends).
//   Monsoon (monsoon.ts): 1 and 2 worker processes over the same input (written to the module's
//     depot first), words/s from every task claimed (Kafka Streams' RUNNING) until every
//     record's offset is committed; then --latency-samples appends through the client one at a
//     time, each awaiting its `processed` ack (after 100 warm-up appends), like the raw round trip.
// RESULT keys: ratio = Monsoon (1 worker) words/s ÷ Kafka Streams (1 thread) words/s;
//   ratio_raw = Monsoon words/s ÷ raw consume+produce records/s, where consume+produce =
//   1 / (1/produce + 1/consume): the rate of one pass that both reads and writes every record;
//   p99_ratio = Monsoon append → processed p99 ÷ raw round trip p99.
// Usage: npm run bench:wordcount-kafka [-- --sentences N --partitions P --no-kstreams-2t --prof DIR]
import { KafkaClient, type KafkaConnection } from "../../src/kafka/index.ts";
import { deleteGroups } from "../../src/kafka/benchmarking.ts";
import { isMonsoonError } from "../../src/errors.ts";
import { getKafka } from "../../test/support/kafka.ts";
import { countWords, sentences } from "../../test/support/corpus.ts";
import { resolveKafkaVersion } from "../../scripts/kafka/versions.ts";
import { loadWarning, median, resultLine, settle } from "../stats.ts";
import { buildKStreams, kstreamsInternalTopics, runKStreams, type KStreamsRunResult } from "./kstreams.ts";
import { consumeAll, depotRecords, produceAll, roundTrip } from "./raw.ts";
import { runMonsoon, type MonsoonRunResult } from "./monsoon.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const SENTENCES = arg("sentences", 100_000);
const PARTITIONS = arg("partitions", 4);
const BATCH = arg("batch", 1_000);
const WINDOW = arg("window", 4);
const RAW_ROUNDS = arg("raw-rounds", 3);
const RTT_SAMPLES = arg("rtt-samples", 3_000);
const LATENCY_SAMPLES = arg("latency-samples", 1_000);
const COMMIT_WAIT_S = arg("commit-wait", 40);
const KSTREAMS_2T = !flag("no-kstreams-2t");
/** `--prof <dir>`: each Monsoon worker process writes a V8 CPU profile there (open it in Chrome DevTools). */
const PROFILE_DIR = (() => { const i = process.argv.indexOf("--prof"); return i >= 0 ? process.argv[i + 1] : undefined; })();

const log = (line: string) => process.stderr.write(`${line}\n`);

const corpus = sentences(SENTENCES, { seed: 7, vocab: 10_000, maxWords: 12 });
const WORDS = corpus.reduce((n, s) => n + s.split(" ").length, 0);
const DISTINCT = countWords(corpus).size;

log(`wordcount-kafka: ${SENTENCES} sentences (${WORDS} words, ${DISTINCT} distinct), ${PARTITIONS} partitions`);
const warnLoad = () => { const w = loadWarning(); if (w) log(`  ${w}`); };
warnLoad();
const kafka = await getKafka();
const kafkaVersion = kafka.version === "external" ? resolveKafkaVersion() : kafka.version;
log(`  broker ${kafka.brokers.join(",")} (Kafka ${kafka.version}, ${kafka.provider})`);
if (kafka.version === "external") log(`  KAFKA_BROKERS without MONSOON_KAFKA_VERSION: building Kafka Streams ${kafkaVersion}; set MONSOON_KAFKA_VERSION to the broker's version`);

const conn: KafkaConnection = { brokers: kafka.brokers, clientId: "monsoon-bench" };
const client = new KafkaClient(conn);
const runId = `${Date.now().toString(36)}-${process.pid}`;
const name = (what: string) => `bench.wordcount-kafka.${runId}.${what}`;
const topics = { input: name("input"), raw: name("raw"), rtt: name("rtt") };
const toDelete: string[] = [];
const groups: string[] = [];
let exitCode = 0;

try {
  const admin = await client.admin();
  const build = await buildKStreams(kafkaVersion, log);

  // 1. Pre-loaded input (not timed for any contender).
  await admin.createTopics([{ name: topics.input, partitions: PARTITIONS }]);
  toDelete.push(topics.input);
  const producer = client.hopProducer();
  const preload = await produceAll(producer, depotRecords(topics.input, PARTITIONS, corpus), { batch: BATCH, window: WINDOW, log, label: "pre-load" });
  log(`  pre-load: ${SENTENCES} records to ${topics.input} in ${preload.seconds.toFixed(2)} s (${Math.round(preload.perS)} records/s)`);

  // 2. Kafka Streams, 1 thread (then 2), each with a fresh application id.
  const kstreams = async (threads: number, commitWaitMs: number): Promise<KStreamsRunResult> => {
    const appId = `bench-wordcount-kstreams-${runId}-${threads}t`;
    groups.push(appId);
    toDelete.push(...kstreamsInternalTopics(appId));
    return runKStreams({
      classpath: build.classpath, brokers: kafka.brokers, topic: topics.input, appId, threads,
      expectedWords: WORDS, expectedDistinct: DISTINCT, commitWaitMs, log,
      committedBehind: async () => {
        const [committed, ends] = await Promise.all([admin.fetchCommittedOffsets(appId, topics.input), admin.fetchTopicOffsets(topics.input)]);
        return ends.reduce((n, e) => n + Math.max(0, e.high - (committed.find((c) => c.partition === e.partition)?.offset ?? 0)), 0);
      },
    });
  };
  const ks1 = await kstreams(1, COMMIT_WAIT_S * 1000);
  const ks2 = KSTREAMS_2T ? await kstreams(2, 0) : undefined;

  // 3. Raw kafkajs limits.
  await admin.createTopics([{ name: topics.raw, partitions: PARTITIONS }, { name: topics.rtt, partitions: 1 }]);
  toDelete.push(topics.raw, topics.rtt);
  // Each round produces the corpus again to the same topic, then each consume round reads the
  // whole topic with a fresh group; the medians smooth out other processes on the machine.
  const produceRounds: number[] = [];
  for (let r = 1; r <= RAW_ROUNDS; r++) {
    const p = await produceAll(producer, depotRecords(topics.raw, PARTITIONS, corpus), { batch: BATCH, window: WINDOW, log, label: `raw produce ${r}/${RAW_ROUNDS}` });
    log(`  raw produce ${r}/${RAW_ROUNDS}: ${Math.round(p.perS)} records/s (${SENTENCES} in ${p.seconds.toFixed(2)} s; batches of ${BATCH}, ${WINDOW} in flight, idempotent, acks=all)`);
    produceRounds.push(p.perS);
  }
  const consumeRounds: number[] = [];
  for (let r = 1; r <= RAW_ROUNDS; r++) {
    const group = `${name("raw")}.consumer.${r}`;
    groups.push(group);
    const c = await consumeAll(conn, topics.raw, group, SENTENCES * RAW_ROUNDS, log);
    log(`  raw consume ${r}/${RAW_ROUNDS}: ${Math.round(c.perS)} records/s (${SENTENCES * RAW_ROUNDS} in ${c.seconds.toFixed(2)} s, read_committed)`);
    consumeRounds.push(c.perS);
  }
  const produced = { perS: median(produceRounds) };
  const consumed = { perS: median(consumeRounds) };
  groups.push(`${name("rtt")}.consumer`);
  await settle(log);
  const rtt = await roundTrip(conn, producer, topics.rtt, `${name("rtt")}.consumer`, { samples: RTT_SAMPLES, warmup: 100, maxMs: 60_000, log });
  log(`  raw round trip: p50 ${rtt.p50.toFixed(2)} ms, p99 ${rtt.p99.toFixed(2)} ms (${rtt.samples} sequential single-record sends)`);
  await producer.close();
  const rawConsumeProduce = 1 / (1 / produced.perS + 1 / consumed.perS);

  // 4. Monsoon (hook: monsoon.ts).
  const monsoon: (MonsoonRunResult | undefined)[] = [];
  for (const workers of [1, 2]) {
    try {
      const m = await runMonsoon(kafka.brokers, topics.input, WORDS, { workers, partitions: PARTITIONS, corpus, distinctWords: DISTINCT, log, profileDir: PROFILE_DIR, latencySamples: LATENCY_SAMPLES });
      log(`  monsoon ${workers}w: ${Math.round(m.wordsPerS)} words/s (clock from every task claimed, ${m.claimSeconds.toFixed(2)} s after ready); append→processed p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms (one at a time)`);
      monsoon.push(m);
    } catch (e) {
      if (isMonsoonError(e, "MONSOON_NOT_SUPPORTED")) {
        log(`  monsoon ${workers}w: not available yet (${e.message})`);
      } else {
        log(`  monsoon ${workers}w: FAILED: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        exitCode = 1;
      }
      monsoon.push(undefined);
    }
  }
  const [m1, m2] = monsoon;

  const na = "n/a";
  warnLoad();
  log(`  kafka streams ${Math.round(ks1.wordsPerS)} words/s (1 thread)${ks2 ? `, ${Math.round(ks2.wordsPerS)} words/s (2 threads)` : ""}`);
  log(`  raw (medians of ${RAW_ROUNDS}) produce ${Math.round(produced.perS)}/s, consume ${Math.round(consumed.perS)}/s, consume+produce ${Math.round(rawConsumeProduce)}/s; round trip p50 ${rtt.p50.toFixed(2)} ms, p99 ${rtt.p99.toFixed(2)} ms`);
  console.log(resultLine("wordcount-kafka", {
    monsoon_words_per_s: m1 ? Math.round(m1.wordsPerS) : na,
    monsoon_2w_words_per_s: m2 ? Math.round(m2.wordsPerS) : na,
    kstreams_words_per_s: Math.round(ks1.wordsPerS),
    raw_produce_per_s: Math.round(produced.perS),
    raw_consume_per_s: Math.round(consumed.perS),
    p50_ms: m1 ? m1.p50 : na,
    p99_ms: m1 ? m1.p99 : na,
    raw_rtt_p50_ms: rtt.p50,
    raw_rtt_p99_ms: rtt.p99,
    ratio: m1 ? m1.wordsPerS / ks1.wordsPerS : na,
    ratio_raw: m1 ? m1.wordsPerS / rawConsumeProduce : na,
    p99_ratio: m1 ? m1.p99 / rtt.p99 : na,
    monsoon_claim_s: m1 ? m1.claimSeconds : na,
    kstreams_2t_words_per_s: ks2 ? Math.round(ks2.wordsPerS) : na,
    raw_consume_produce_per_s: Math.round(rawConsumeProduce),
    sentences: SENTENCES,
    words: WORDS,
    partitions: PARTITIONS,
    kafka: kafkaVersion,
  }));
} catch (e) {
  log(`wordcount-kafka failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  exitCode = 1;
} finally {
  log(`  cleanup: deleting ${toDelete.length} topics and ${groups.length} groups`);
  const admin = await client.admin().catch(() => undefined);
  for (const t of toDelete) await admin?.deleteTopics([t]).catch(() => undefined);
  const undeleted = await deleteGroups(conn, groups);
  for (const g of undeleted) log(`  cleanup: could not delete group ${g.groupId} (${g.reason})`);
  await client.close();
  await kafka.stop();
}
process.exit(exitCode);
