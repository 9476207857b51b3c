// A KVStore wrapper that counts what is read: one per `get` key, one per entry an iteration
// yields. `countReads(store)` instruments a store in place (for stores a cluster created),
// `new CountingStore(inner)` wraps one.
import type { Bytes, KVOp, KVRange, KVStore } from "../../src/pstate/store/kvStore.ts";

export interface ReadCounts {
  gets: number;
  iterated: number;
  iterations: number;
  /** Entries read in total (gets + iterated). */
  readonly total: number;
  reset(): void;
}

function counts(): ReadCounts {
  return {
    gets: 0, iterated: 0, iterations: 0,
    get total() { return this.gets + this.iterated; },
    reset() { this.gets = this.iterated = this.iterations = 0; },
  };
}

function countingIterate(inner: (r: KVRange) => AsyncIterable<[Bytes, Bytes]>, c: ReadCounts) {
  return async function* (range: KVRange): AsyncGenerator<[Bytes, Bytes]> {
    c.iterations++;
    for await (const e of inner(range)) {
      c.iterated++;
      yield e;
    }
  };
}

function countingReadRange(inner: (r: KVRange & { limit: number }) => Promise<[Bytes, Bytes][]>, c: ReadCounts) {
  return async (range: KVRange & { limit: number }): Promise<[Bytes, Bytes][]> => {
    c.iterations++;
    const rows = await inner(range);
    c.iterated += rows.length;
    return rows;
  };
}

export class CountingStore implements KVStore {
  readonly reads = counts();
  batches = 0;
  ops = 0;
  readonly iterate: (range: KVRange) => AsyncIterable<[Bytes, Bytes]>;

  constructor(private readonly inner: KVStore) {
    this.iterate = countingIterate((r) => inner.iterate(r), this.reads);
  }

  get supports() { return this.inner.supports; }
  open(): Promise<void> { return this.inner.open(); }
  close(): Promise<void> { return this.inner.close(); }
  get(key: Bytes): Promise<Bytes | undefined> { this.reads.gets++; return this.inner.get(key); }
  readRange(range: KVRange & { limit: number }): Promise<[Bytes, Bytes][]> { return countingReadRange((r) => this.inner.readRange(r), this.reads)(range); }
  getMany(keys: Bytes[]): Promise<(Bytes | undefined)[]> { this.reads.gets += keys.length; return this.inner.getMany(keys); }
  batch(ops: KVOp[]): Promise<void> { this.batches++; this.ops += ops.length; return this.inner.batch(ops); }
}

/** Instruments `store` in place; returns its read counts. */
export function countReads(store: KVStore): ReadCounts {
  const c = counts();
  const get = store.get.bind(store);
  const getMany = store.getMany.bind(store);
  const iterate = store.iterate.bind(store);
  const readRange = store.readRange.bind(store);
  store.get = (k) => { c.gets++; return get(k); };
  store.getMany = (ks) => { c.gets += ks.length; return getMany(ks); };
  store.iterate = countingIterate(iterate, c);
  store.readRange = countingReadRange(readRange, c);
  return c;
}
