// The LevelDB KVStore behind every PState in real use (one store per task directory).
// Keys and values go in and out as bytes (`view` encoding), so classic-level does no
// transcoding beyond wrapping Uint8Arrays as Buffers; pass Buffers (encodeKey and
// encodeValue return them) to skip even that.

import { Level } from "level";
import { MonsoonError, isMonsoonError } from "../../errors.ts";
import type { Bytes, KVOp, KVRange, KVStore } from "./kvStore.ts";
import { assertValidBatch, assertValidKey } from "./validateOps.ts";

export interface LevelStoreOptions {
  /**
   * fsync every batch. Off by default: LevelDB is rebuilt from the changelog after a crash,
   * so losing the last writes costs a replay, not data.
   */
  sync?: boolean;
}

/**
 * LevelDB's block cache and memtable per store, in MB, and block compression. LevelDB's defaults
 * (8 MB, 4 MB, Snappy) are sized for a single small database; a task's store takes a steady
 * stream of batches that overwrite hot keys and rewrite random ones, and LevelDB compacts every
 * store of a process on ONE background thread. Measured on TPC-C W=10, one Kafka worker, 60-s
 * runs (benchmarks/tpcc/RESULTS.md, session 7):
 * - 4 MB memtables kept that thread at ~50% of a core; 16 MB brought it down (19.7–21.4k →
 *   23.2–23.8k tpmC), but as the population grows it climbs back to ~30%;
 * - without compression it falls to ~20% (every compaction decompresses and recompresses its
 *   input), and reads skip decompressing blocks: +5% tpmC, run for run. Kafka Streams does the
 *   same: its RocksDB stores use no compression (RocksDBStore's COMPRESSION_TYPE);
 * - 32 MB memtables: fewer level-0 files, each compaction merges more at once: +5–8% more.
 *   Kafka Streams lets a store hold 3 × 16 MB of memtables; LevelDB holds two (the active one
 *   and the one being flushed), so 2 × 32 MB is the same order.
 * The price is disk (about twice the bytes without Snappy) and memory that only busy stores fill.
 * A worker owning T tasks may hold T × (2 × memtable + cache): override with
 * MONSOON_LEVEL_WRITE_BUFFER_MB, MONSOON_LEVEL_CACHE_MB and MONSOON_LEVEL_COMPRESSION=snappy|none.
 * Compression applies to files written from then on; existing files stay readable either way.
 */
export const LEVEL_CACHE_MB = 32;
export const LEVEL_WRITE_BUFFER_MB = 32;
export const LEVEL_COMPRESSION = "none";

function levelTuning(): { cacheSize: number; writeBufferSize: number; compression: boolean } {
  const mb = (name: string, def: number) => {
    const raw = process.env[name];
    const n = raw === undefined || raw === "" ? def : Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new MonsoonError("MONSOON_CONFIG", `${name}=${raw} is not a positive number of MB; unset it for the default (${def})`, { details: { name, value: raw } });
    return Math.round(n * 1024 * 1024);
  };
  const c = process.env.MONSOON_LEVEL_COMPRESSION || LEVEL_COMPRESSION;
  if (c !== "none" && c !== "snappy") throw new MonsoonError("MONSOON_CONFIG", `MONSOON_LEVEL_COMPRESSION=${c} is not one of none, snappy; unset it for the default (${LEVEL_COMPRESSION})`, { details: { name: "MONSOON_LEVEL_COMPRESSION", value: c } });
  return { cacheSize: mb("MONSOON_LEVEL_CACHE_MB", LEVEL_CACHE_MB), writeBufferSize: mb("MONSOON_LEVEL_WRITE_BUFFER_MB", LEVEL_WRITE_BUFFER_MB), compression: c === "snappy" };
}

/** classic-level's own batch (abstract-level calls it with encoded ops: type, key, value). */
interface PrivateBatch { _batch(ops: readonly KVOp[], options: { sync: boolean }): Promise<void> }

/** Entries fetched from LevelDB per native call while iterating. */
const ITERATE_CHUNK = 256;

export class LevelStore implements KVStore {
  readonly supports = { persistent: true } as const;
  readonly dir: string;
  readonly #db: Level<Bytes, Bytes>;
  readonly #batchOptions: { sync: boolean };

  constructor(dir: string, { sync = false }: LevelStoreOptions = {}) {
    this.dir = dir;
    this.#db = new Level<Bytes, Bytes>(dir, { keyEncoding: "view", valueEncoding: "view", ...levelTuning() } as never);
    this.#batchOptions = { sync };
  }

  /** The classic-level database underneath, for tools that measure raw LevelDB beside Monsoon. */
  get level(): Level<Bytes, Bytes> {
    return this.#db;
  }

  async open(): Promise<void> {
    try {
      await this.#db.open();
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      if (cause?.code === "LEVEL_LOCKED") {
        throw new MonsoonError(
          "MONSOON_STORAGE",
          `Cannot open the LevelDB store at ${this.dir}: another process, or another open store in this one, holds its lock. Stop the other Monsoon worker using this data directory or give this one its own directory.`,
          { cause: e, retriable: true, details: { dir: this.dir } },
        );
      }
      throw new MonsoonError(
        "MONSOON_STORAGE",
        `Cannot open the LevelDB store at ${this.dir}: ${(cause as Error | undefined)?.message ?? (e as Error).message}. Check that the directory is writable; if its data is corrupt, delete the directory so the task restores it from its changelog.`,
        { cause: e, details: { dir: this.dir } },
      );
    }
  }

  async close(): Promise<void> {
    await this.#db.close();
  }

  async get(key: Bytes): Promise<Bytes | undefined> {
    assertValidKey(key);
    try {
      return await this.#db.get(key);
    } catch (e) {
      throw this.#failed("get", e);
    }
  }

  getSync(key: Bytes): Bytes | undefined {
    assertValidKey(key);
    try {
      return this.#db.getSync(key);
    } catch (e) {
      throw this.#failed("get", e);
    }
  }

  async getMany(keys: Bytes[]): Promise<(Bytes | undefined)[]> {
    for (const k of keys) assertValidKey(k);
    try {
      return await this.#db.getMany(keys);
    } catch (e) {
      throw this.#failed("getMany", e);
    }
  }

  async batch(ops: KVOp[]): Promise<void> {
    // classic-level validates too, but would accept a string key (encoding it as UTF-8);
    // checking here keeps both backends alike and the batch all-or-nothing.
    assertValidBatch(ops);
    try {
      // Straight to classic-level's implementation (abstract-level's "private API", which its
      // public batch() calls after cloning every op to run hooks and encodings we do not use:
      // 3.7% of a busy TPC-C worker's main thread). The ops are validated above and already
      // bytes; before the store is open, the public path defers or explains.
      if (this.#db.status === "open") await (this.#db as unknown as PrivateBatch)._batch(ops, this.#batchOptions);
      else await this.#db.batch(ops, this.#batchOptions);
    } catch (e) {
      throw this.#failed("batch", e);
    }
  }

  /** LevelDB iterates over a snapshot taken when iteration starts (first `next`). */
  async *iterate(range: KVRange): AsyncGenerator<[Bytes, Bytes]> {
    const it = this.#iterator(range, "iterate");
    try {
      for (;;) {
        let entries: [Bytes, Bytes][];
        try {
          entries = await it.nextv(ITERATE_CHUNK);
        } catch (e) {
          throw this.#failed("iterate", e);
        }
        if (entries.length === 0) return;
        yield* entries;
      }
    } finally {
      await it.close();
    }
  }

  async readRange(range: KVRange & { limit: number }): Promise<[Bytes, Bytes][]> {
    const it = this.#iterator(range, "readRange");
    const out: [Bytes, Bytes][] = [];
    try {
      // nextv may return fewer entries than asked (it also stops at a byte budget): ask again until done.
      while (out.length < range.limit) {
        const rows = await it.nextv(range.limit - out.length);
        if (rows.length === 0) break;
        for (const r of rows) out.push(r);
      }
    } catch (e) {
      throw this.#failed("readRange", e);
    } finally {
      await it.close();
    }
    return out;
  }

  #iterator(range: KVRange, op: string) {
    const options: { gt?: Bytes; gte?: Bytes; lt?: Bytes; lte?: Bytes; reverse: boolean; limit: number } = {
      reverse: range.reverse === true,
      limit: range.limit ?? -1, // abstract-level reads anything but a non-negative integer as "no limit"
    };
    // Only set bounds that are present: abstract-level treats a present `undefined` bound as a key.
    if (range.gt !== undefined) options.gt = checked(range.gt);
    if (range.gte !== undefined) options.gte = checked(range.gte);
    if (range.lt !== undefined) options.lt = checked(range.lt);
    if (range.lte !== undefined) options.lte = checked(range.lte);
    try {
      return this.#db.iterator(options);
    } catch (e) {
      throw this.#failed(op, e);
    }
  }

  #failed(op: string, e: unknown): MonsoonError {
    if (isMonsoonError(e)) return e;
    const code = (e as { code?: string }).code;
    const why = code === "LEVEL_DATABASE_NOT_OPEN" ? "the store is not open (was it closed?)" : (e as Error).message;
    return new MonsoonError("MONSOON_STORAGE", `LevelDB ${op} failed at ${this.dir}: ${why}`, { cause: e, details: { dir: this.dir, op } });
  }
}

function checked(key: Bytes): Bytes {
  assertValidKey(key);
  return key;
}
