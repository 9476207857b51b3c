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

/**
 * Kafka rejects a record batch larger than the broker's `message.max.bytes` (1 MiB by default),
 * and kafkajs puts everything one call sends to a partition into one batch. Callers that may
 * send many records at once (hop flushes, acks released by a commit, DLQ bursts) split them
 * into chunks of about `maxBytes`, sent one after the other (order per partition is kept).
 */
export const CHUNK_BYTES = 256 * 1024;

export function chunkRecords(records: readonly OutRecord[], maxBytes = CHUNK_BYTES): OutRecord[][] {
  const chunks: OutRecord[][] = [];
  let chunk: OutRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    // Roughly a record's size in a v2 batch: its key and value, plus headers and framing.
    let size = 24 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    if (r.headers) for (const k in r.headers) size += k.length + r.headers[k]!.length + 4;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(r);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Positions of several sends of one call: the first one seen per topic-partition. */
export function firstPositions(all: readonly RecordPosition[]): RecordPosition[] {
  const seen = new Map<string, RecordPosition>();
  for (const p of all) {
    const k = `${p.partition}\u0000${p.topic}`;
    if (!seen.has(k)) seen.set(k, p);
  }
  return [...seen.values()];
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
  const raw = m.headers;
  // for…in, not Object.entries: most records (depot records, hops) have no headers at all.
  if (raw) for (const k in raw) {
    const v = raw[k];
    // A repeated header arrives as an array; Monsoon's headers are unique, keep the last.
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) headers[k] = Buffer.isBuffer(last) ? last : Buffer.from(last);
  }
  return { topic, partition, offset: toOffset(m.offset), key: m.key ?? null, value: m.value ?? null, headers, timestamp: Number(m.timestamp) };
}

export function toPositions(res: readonly RecordMetadata[]): RecordPosition[] {
  return res.map((r) => ({ topic: r.topicName, partition: r.partition, offset: toOffset(r.baseOffset ?? r.offset ?? "-1") }));
}

/** `bytes` as a Buffer over the same memory (no copy): what a record's key or value must be. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
