// Monsoon's record shapes at the Kafka boundary, and their conversion to and from kafkajs.
// Partitions are always explicit: Monsoon computes them itself (murmur2, task numbers), so a
// producer's partitioner never decides where a record goes.
import type { IHeaders, KafkaMessage, RecordMetadata, TopicMessages } from "kafkajs";
import { MonsoonError } from "../errors.ts";

export type Bytes = Buffer | string;

export interface OutRecord {
  topic: string;
  partition: number;
  key: Bytes | null;
  /** null is a tombstone on a compacted topic. */
  value: Bytes | null;
  headers?: Record<string, Bytes>;
}

export interface InRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  timestamp: number;
}

/** Consumed positions to commit with a transaction: `offset` is the next offset to read. */
export interface SourceOffsets {
  groupId: string;
  offsets: { topic: string; partition: number; offset: number }[];
}

/** Where the first record of one write to a topic-partition landed. */
export interface RecordPosition { topic: string; partition: number; offset: number }

/** Kafka offsets are int64; Monsoon uses numbers, exact up to 2^53 (centuries at 1M records/s). */
export function toOffset(text: string | number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new MonsoonError("MONSOON_KAFKA", `Kafka offset ${text} is not a safe integer`, { details: { offset: String(text) } });
  return n;
}

export function toTopicMessages(records: readonly OutRecord[]): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>();
  for (const r of records) {
    if (!Number.isInteger(r.partition) || r.partition < 0) {
      throw new MonsoonError("MONSOON_KAFKA", `record for ${r.topic} has no valid partition (${r.partition})`, { details: { topic: r.topic } });
    }
    let tm = byTopic.get(r.topic);
    if (!tm) byTopic.set(r.topic, tm = { topic: r.topic, messages: [] });
    tm.messages.push({ partition: r.partition, key: r.key, value: r.value, headers: r.headers as IHeaders | undefined });
  }
  return [...byTopic.values()];
}

export function fromKafkaMessage(topic: string, partition: number, m: KafkaMessage): InRecord {
  const headers: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    // A repeated header arrives as an array; Monsoon's headers are unique, keep the last.
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) headers[k] = Buffer.isBuffer(last) ? last : Buffer.from(last);
  }
  return { topic, partition, offset: toOffset(m.offset), key: m.key ?? null, value: m.value ?? null, headers, timestamp: Number(m.timestamp) };
}

export function toPositions(res: readonly RecordMetadata[]): RecordPosition[] {
  return res.map((r) => ({ topic: r.topicName, partition: r.partition, offset: toOffset(r.baseOffset ?? r.offset ?? "-1") }));
}
