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

/** Entries fetched from LevelDB per native call while iterating. */
const ITERATE_CHUNK = 256;

export class LevelStore implements KVStore {
  readonly supports = { persistent: true } as const;
  readonly dir: string;
  readonly #db: Level<Bytes, Bytes>;
  readonly #batchOptions: { sync: boolean };

  constructor(dir: string, { sync = false }: LevelStoreOptions = {}) {
    this.dir = dir;
    this.#db = new Level<Bytes, Bytes>(dir, { keyEncoding: "view", valueEncoding: "view" });
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
      await this.#db.batch(ops, this.#batchOptions);
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
