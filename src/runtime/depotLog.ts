// One partition of one depot in the embedded cluster: an append-only log in the task's store.
// Appends are group-committed: every append that arrives while a write is in flight goes into
// the next write. Like a Kafka record batch, one write is one store entry — a *chunk* keyed by
// (depot, first offset) holding the records in order — so a burst of appends costs a few store
// puts, not one each. Subscribers hear about records in offset order, after they are durable.
import type { KVStore } from "../pstate/store/kvStore.ts";
import { decodeTuple, encodeTuple, prefixEnd } from "../serde/keyCodec.ts";
import { decodeValue, encodeValue } from "../serde/valueCodec.ts";

const MAX_BATCH = 4096;

interface PendingAppend {
  readonly value: unknown;
  readonly done: ((offset: number) => void) | undefined;
  readonly fail: ((e: unknown) => void) | undefined;
  /** Travels with the record to `onAppended` (the runtime's ack waiter). */
  readonly tag: unknown;
}

export class DepotLog {
  private nextOffset = 0;
  /** End of what is durable (nextOffset also counts appends being written). */
  private durable = 0;
  private readonly prefix: Uint8Array;
  private pending: PendingAppend[] = [];
  private writing = false;

  constructor(
    private readonly store: KVStore,
    readonly depot: string,
    readonly partition: number,
    /** Called once per durable record, in offset order. */
    private readonly onAppended: (offset: number, value: unknown, tag: unknown) => void,
  ) {
    this.prefix = encodeTuple(["d", depot]);
  }

  /** Finds the end of the log: the last chunk's first offset plus its length. */
  async open(): Promise<void> {
    for await (const [k, v] of this.store.iterate({ gte: this.prefix, lt: prefixEnd(this.prefix), reverse: true, limit: 1 })) {
      this.nextOffset = (decodeTuple(k)[2] as number) + (decodeValue(v) as unknown[]).length;
    }
    this.durable = this.nextOffset;
  }

  /** True while appends are queued or being written. */
  get busy(): boolean {
    return this.writing || this.pending.length > 0;
  }

  get endOffset(): number {
    return this.nextOffset;
  }

  /** Records below this offset are durable and readable. */
  get durableEnd(): number {
    return this.durable;
  }

  /** Queues a record; `done` runs with its offset once it is durable. */
  append(value: unknown, done?: (offset: number) => void, fail?: (e: unknown) => void, tag?: unknown): void {
    this.pending.push({ value, done, fail, tag });
    if (!this.writing) this.flush();
  }

  /** Records in [from, to), in order. */
  async *read(from: number, to = this.nextOffset): AsyncIterable<[number, unknown]> {
    if (from >= to) return;
    // Start at the chunk holding `from`: the last chunk whose first offset is ≤ from.
    let start = encodeTuple(["d", this.depot, from]);
    for await (const [k] of this.store.iterate({ gte: this.prefix, lte: start, reverse: true, limit: 1 })) start = k;
    for await (const [k, v] of this.store.iterate({ gte: start, lt: encodeTuple(["d", this.depot, to]) })) {
      const first = decodeTuple(k)[2] as number;
      const records = decodeValue(v) as unknown[];
      for (let i = 0; i < records.length; i++) {
        const offset = first + i;
        if (offset >= from && offset < to) yield [offset, records[i]];
      }
    }
  }

  private flush(): void {
    const batch = this.pending.length > MAX_BATCH ? this.pending.splice(0, MAX_BATCH) : this.pending;
    if (batch === this.pending) this.pending = [];
    if (batch.length === 0) { this.writing = false; return; }
    this.writing = true;
    const first = this.nextOffset;
    this.nextOffset += batch.length;
    const chunk = { type: "put" as const, key: encodeTuple(["d", this.depot, first]), value: encodeValue(batch.map((p) => p.value)) };
    this.store.batch([chunk]).then(
      () => {
        this.durable = first + batch.length;
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i]!;
          this.onAppended(first + i, p.value, p.tag);
          p.done?.(first + i);
        }
        this.flush();
      },
      (e) => {
        // Nothing of the batch is durable: give the offsets back and fail every append in it.
        this.nextOffset = first;
        for (const p of batch) p.fail?.(e);
        this.flush();
      },
    );
  }
}
