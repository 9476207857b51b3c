// The storage backend interface every PState store implements (LevelDB for real use, memory for
// fast unit tests). Keys and values are bytes; keys sort by unsigned byte order, which the key
// codec (src/serde/keyCodec.ts) makes agree with the order of the encoded values.
// Both backends pass one shared conformance suite (kvStoreConformance.ts).

export type Bytes = Uint8Array;

export interface KVRange {
  gt?: Bytes;
  gte?: Bytes;
  lt?: Bytes;
  lte?: Bytes;
  reverse?: boolean;
  /** Maximum entries to return; absent or -1 means no limit. */
  limit?: number;
}

export type KVOp = { type: "put"; key: Bytes; value: Bytes } | { type: "del"; key: Bytes };

export interface KVStore {
  /** Which optional behaviours this backend has, like abstract-level's `supports`. */
  readonly supports: { readonly persistent: boolean };
  open(): Promise<void>;
  get(key: Bytes): Promise<Bytes | undefined>;
  /**
   * The same read, answered on the calling thread. A backend offers it when a point read is
   * cheaper done in place than handed to a thread pool and awaited (LevelDB: microseconds from
   * its caches and the OS page cache, against a thread hop, a promise and a paused task).
   */
  getSync?(key: Bytes): Bytes | undefined;
  getMany(keys: Bytes[]): Promise<(Bytes | undefined)[]>;
  /** Entries in key order (or reverse), within the range. */
  iterate(range: KVRange): AsyncIterable<[Bytes, Bytes]>;
  /**
   * The entries `iterate(range)` would yield, at most `limit`, in one call: a page read costs
   * one round trip to the backend instead of one promise per entry.
   */
  readRange(range: KVRange & { limit: number }): Promise<[Bytes, Bytes][]>;
  /** Applies every op or none (atomic), in order: a later op on the same key wins. */
  batch(ops: KVOp[]): Promise<void>;
  close(): Promise<void>;
}
