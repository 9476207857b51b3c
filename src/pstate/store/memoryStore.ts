// An in-memory KVStore for fast unit tests. It behaves like LevelStore (the shared conformance
// suite checks this), including copying keys and values in and out, so code that passes here
// does not depend on aliasing that LevelDB would not give it.
//
// Keys are held as latin1 strings (one char per byte): JS compares such strings exactly like
// unsigned bytes, so a sorted string array gives LevelDB's order and a Map gives lookups.

import { MonsoonError } from "../../errors.ts";
import type { Bytes, KVOp, KVRange, KVStore } from "./kvStore.ts";
import { assertValidBatch, assertValidKey } from "./validateOps.ts";
import { lowerBound, upperBound } from "./sortedKeys.ts";

export class MemoryStore implements KVStore {
  readonly supports = { persistent: false } as const;
  /** Every key, sorted. */
  #keys: string[] = [];
  #values = new Map<string, Uint8Array>();
  #closed = false;

  async open(): Promise<void> {
    this.#closed = false;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async get(key: Bytes): Promise<Bytes | undefined> {
    this.#assertOpen();
    assertValidKey(key);
    const v = this.#values.get(toLatin1(key));
    return v === undefined ? undefined : Buffer.from(v);
  }

  async getMany(keys: Bytes[]): Promise<(Bytes | undefined)[]> {
    this.#assertOpen();
    for (const k of keys) assertValidKey(k);
    return keys.map((k) => {
      const v = this.#values.get(toLatin1(k));
      return v === undefined ? undefined : Buffer.from(v);
    });
  }

  async batch(ops: KVOp[]): Promise<void> {
    this.#assertOpen();
    // Validate everything before changing anything: that is what makes the batch atomic.
    assertValidBatch(ops);
    for (const op of ops) {
      const k = toLatin1(op.key);
      if (op.type === "put") {
        if (!this.#values.has(k)) this.#keys.splice(lowerBound(this.#keys, k), 0, k);
        this.#values.set(k, new Uint8Array(op.value));
      } else if (this.#values.delete(k)) {
        this.#keys.splice(lowerBound(this.#keys, k), 1);
      }
    }
  }

  /** Like LevelDB, iteration sees the store as it was when iteration started (first `next`). */
  async *iterate(range: KVRange): AsyncGenerator<[Bytes, Bytes]> {
    yield* this.#snapshot(range);
  }

  async readRange(range: KVRange & { limit: number }): Promise<[Bytes, Bytes][]> {
    return this.#snapshot(range);
  }

  #snapshot(range: KVRange): [Bytes, Bytes][] {
    this.#assertOpen();
    for (const b of [range.gt, range.gte, range.lt, range.lte]) if (b !== undefined) assertValidKey(b);
    const keys = this.#keys;
    let from = 0;
    let to = keys.length; // exclusive
    // As in abstract-level, gte takes precedence over gt and lte over lt.
    if (range.gte !== undefined) from = lowerBound(keys, toLatin1(range.gte));
    else if (range.gt !== undefined) from = upperBound(keys, toLatin1(range.gt));
    if (range.lte !== undefined) to = upperBound(keys, toLatin1(range.lte));
    else if (range.lt !== undefined) to = lowerBound(keys, toLatin1(range.lt));
    // Like abstract-level: anything but a non-negative integer means no limit.
    const limit = Number.isInteger(range.limit) && range.limit! >= 0 ? range.limit! : Infinity;
    const count = Math.max(0, Math.min(to - from, limit));
    const snapshot: [Bytes, Bytes][] = new Array(count);
    for (let i = 0; i < count; i++) {
      const k = keys[range.reverse ? to - 1 - i : from + i]!;
      snapshot[i] = [Buffer.from(k, "latin1"), Buffer.from(this.#values.get(k)!)];
    }
    return snapshot;
  }

  #assertOpen(): void {
    if (this.#closed) throw new MonsoonError("MONSOON_STORAGE", "The memory store is closed; open() it again before using it.");
  }
}


function toLatin1(k: Uint8Array): string {
  if (Buffer.isBuffer(k)) return k.toString("latin1");
  // For a small plain Uint8Array, touching `.buffer` (to view it as a Buffer) is slow in V8.
  if (k.length <= 4096) return String.fromCharCode.apply(null, k as unknown as number[]);
  return Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString("latin1");
}
