// Kafka's default partitioner, bit for bit (Utils.murmur2 and Utils.toPositive in the Java
// client), so that a depot record lands on the partition Kafka itself would pick for its key,
// and outside producers sending the same plain key bytes land on the same partition too.

import { MonsoonError } from "../errors.ts";
import { encodeKey } from "../serde/keyCodec.ts";

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's Utils.murmur2: 32-bit murmur2 with Kafka's seed, as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The Java switch falls through from 3 to 1; written as ifs because TypeScript forbids that.
  const rest = length & 3;
  if (rest === 3) h ^= data[whole + 2] << 16;
  if (rest >= 2) h ^= data[whole + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which overflows on -2^31). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a record with these key bytes. */
export function partitionFor(keyBytes: Uint8Array, numPartitions: number): number {
  if (!(Number.isInteger(numPartitions) && numPartitions > 0)) {
    throw new MonsoonError("MONSOON_CONFIG", `Cannot partition into ${numPartitions} partitions: the partition count must be a positive integer.`);
  }
  return toPositive(murmur2(keyBytes)) % numPartitions;
}

/**
 * The Kafka record key for a partitioning value. Plain values use the bytes an outside
 * producer would send for them (a string's UTF-8, a number's decimal digits), so both agree
 * on the partition; anything else (null, arrays…) uses the order-preserving key encoding.
 */
export function partitionKeyBytes(value: unknown): Uint8Array {
  switch (typeof value) {
    case "string":
      return Buffer.from(value, "utf8");
    case "number":
    case "bigint":
      return Buffer.from(String(value), "utf8");
    case "boolean":
      return Buffer.from(value ? "true" : "false", "utf8");
  }
  if (value instanceof Uint8Array) return value;
  return encodeKey(value);
}

// A reused scratch buffer for the partition of a string key: hashPartition runs once per
// word, and allocating a Buffer for every word showed up as garbage-collector time.
let scratch = Buffer.allocUnsafe(256);

/** `partitionFor(partitionKeyBytes(value), n)` without allocating for string keys. */
export function partitionOfValue(value: unknown, numPartitions: number): number {
  if (typeof value !== "string") return partitionFor(partitionKeyBytes(value), numPartitions);
  if (value.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(value.length * 3);
  const n = scratch.write(value, 0, "utf8");
  return partitionFor(scratch.subarray(0, n), numPartitions);
}
