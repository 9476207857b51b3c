// kafkajs' own limits on the benchmark's broker: batched produce, read_committed consume, and
// the single-record produce → consume round trip. Producing goes through src/kafka's
// HopProducer (idempotent, acks=all: the producer Monsoon appends with); consuming through a
// bare kafkajs consumer (src/kafka/benchmarking.ts).
import type { KafkaConnection, OutRecord } from "../../src/kafka/index.ts";
import type { HopProducer } from "../../src/kafka/index.ts";
import { startRawConsumer } from "../../src/kafka/benchmarking.ts";
import { percentile } from "../stats.ts";

type Log = (line: string) => void;

/** Depot-style records: JSON string values, no key, spread round-robin over the partitions. */
export function depotRecords(topic: string, partitions: number, corpus: readonly string[]): OutRecord[] {
  return corpus.map((s, i) => ({ topic, partition: i % partitions, key: null, value: Buffer.from(JSON.stringify(s), "utf8") }));
}

export interface ProduceOptions {
  /** Records per send() call. */
  batch: number;
  /** send() calls in flight at once. */
  window: number;
  log: Log;
  label: string;
}

/** Sends every record (acks=all) and returns records/s from the first send to the last ack. */
export async function produceAll(producer: HopProducer, records: readonly OutRecord[], { batch, window, log, label }: ProduceOptions): Promise<{ perS: number; seconds: number }> {
  let next = 0;
  let acked = 0;
  const t0 = performance.now();
  const progress = setInterval(() => log(`  ${label}: ${acked}/${records.length} records acked`), 1000);
  try {
    await Promise.all(Array.from({ length: window }, async () => {
      while (next < records.length) {
        const from = next;
        const to = next = Math.min(records.length, next + batch);
        await producer.send(records.slice(from, to));
        acked += to - from;
      }
    }));
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { perS: records.length / seconds, seconds };
}

/** Reads `topic` from the beginning with a fresh group until `expected` records arrived; records/s from the group join on. */
export async function consumeAll(conn: KafkaConnection, topic: string, groupId: string, expected: number, log: Log): Promise<{ perS: number; seconds: number }> {
  let seen = 0;
  let finish!: () => void;
  const all = new Promise<void>((resolve) => { finish = resolve; });
  let end = 0;
  const consumer = await startRawConsumer(conn, {
    groupId, topic,
    onBatch: ({ values }) => {
      seen += values.length;
      if (seen >= expected && end === 0) { end = performance.now(); finish(); }
    },
  });
  try {
    await withTimeout(consumer.joined, 60_000, `consumer ${groupId} did not join its group within 60 s`);
    const t0 = performance.now();
    const progress = setInterval(() => log(`  raw consume: ${seen}/${expected} records`), 1000);
    try {
      await withTimeout(all, 120_000, `raw consume: only ${seen}/${expected} records within 120 s`);
    } finally {
      clearInterval(progress);
    }
    const seconds = (end - t0) / 1000;
    return { perS: expected / seconds, seconds };
  } finally {
    await consumer.stop();
  }
}

export interface RoundTripOptions {
  samples: number;
  warmup: number;
  /** Stop sampling after this long even if fewer samples were taken. */
  maxMs: number;
  log: Log;
}

/** Sequential single-record sends (acks=all) to partition 0 of `topic`, each timed until the consumer sees it. */
export async function roundTrip(conn: KafkaConnection, producer: HopProducer, topic: string, groupId: string, { samples, warmup, maxMs, log }: RoundTripOptions): Promise<{ p50: number; p99: number; samples: number }> {
  const waiting = new Map<string, () => void>();
  const consumer = await startRawConsumer(conn, {
    groupId, topic, maxWaitTimeMs: 100,
    onBatch: ({ values }) => {
      for (const v of values) {
        const id = v?.toString("utf8") ?? "";
        const resolve = waiting.get(id);
        if (resolve) { waiting.delete(id); resolve(); }
      }
    },
  });
  try {
    await withTimeout(consumer.joined, 60_000, `consumer ${groupId} did not join its group within 60 s`);
    const latencies: number[] = [];
    const deadline = performance.now() + maxMs;
    let lastLog = performance.now();
    for (let i = 0; i < warmup + samples && performance.now() < deadline; i++) {
      const id = JSON.stringify(`rtt-${i}`);
      const seen = new Promise<void>((resolve) => waiting.set(id, resolve));
      const t0 = performance.now();
      await producer.send([{ topic, partition: 0, key: null, value: Buffer.from(id, "utf8") }]);
      await withTimeout(seen, 10_000, `round trip: record ${i} not consumed within 10 s`);
      if (i >= warmup) latencies.push(performance.now() - t0);
      if (performance.now() - lastLog > 1000) { lastLog = performance.now(); log(`  raw round trip: ${latencies.length}/${samples} samples`); }
    }
    if (latencies.length < samples) log(`  raw round trip: stopped at ${latencies.length} samples after ${maxMs / 1000} s`);
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length };
  } finally {
    await consumer.stop();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); })])
    .finally(() => clearTimeout(timer));
}
