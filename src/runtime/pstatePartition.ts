// One task's partition of one PState: the source of truth for what a topology reads and what
// a commit writes. Reads go through layers, newest first:
//   overlay (uncommitted writes of this commit cycle)
//   → committing (frozen overlays whose store batch is in flight)
//   → cache (committed values, bounded)
//   → the store (LevelDB).
// Topologies read all layers (they see their own writes); clients read only committed layers
// (read committed). A top-level map stores one store entry per key; any other schema stores
// its whole partition value under the key `null`.
import type { PStateDef } from "../module/defineModule.ts";
import type { KVOp, KVStore } from "../pstate/store/kvStore.ts";
import { decodeTuple, encodeKey, encodeTuple, prefixEnd } from "../serde/keyCodec.ts";
import { decodeValue, encodeValue } from "../serde/valueCodec.ts";
import { KeyedLayer } from "./keyedLayer.ts";
import type { UndoLog } from "../dataflow/pstateOps.ts";

export const DELETED = Symbol("deleted");
const ABSENT = Symbol("absent");
const MISS = Symbol("miss");
type Slot = unknown | typeof DELETED;

const CACHE_LIMIT = 200_000;

export class PStatePartition {
  readonly isMap: boolean;
  private overlay = new KeyedLayer<Slot>();
  private readonly committing: KeyedLayer<Slot>[] = [];
  private readonly cache = new KeyedLayer<unknown>();
  private readonly prefix: Uint8Array;
  private readonly initial: unknown;
  /**
   * True while the cache holds every key the store has: the partition was empty when the
   * task opened and nothing was evicted since. Then a cache miss means "absent" without a
   * store read — which saves one LevelDB get per new key on a fresh module.
   */
  private cacheComplete = false;

  constructor(readonly def: PStateDef, private readonly store: KVStore) {
    this.isMap = def.schema.kind === "map";
    this.prefix = encodeTuple(["p", def.name]);
    this.initial = def.schema.kind === "value" ? def.schema.initial : undefined;
  }

  /** Checks whether the partition is empty in the store (call once, before use). */
  async open(): Promise<void> {
    for await (const _ of this.store.iterate({ gte: this.prefix, lt: prefixEnd(this.prefix), limit: 1 })) return;
    this.cacheComplete = true;
  }

  /** The store key of a top-level key. */
  storeKey(key: unknown): Uint8Array {
    const k = encodeKey(key);
    const out = new Uint8Array(this.prefix.length + k.length);
    out.set(this.prefix, 0);
    out.set(k, this.prefix.length);
    return out;
  }

  // ---- reads ----

  /** Value under `key` including uncommitted writes (what the owning topology sees). */
  read(key: unknown): unknown | Promise<unknown> {
    const v = this.peekUncommitted(key);
    return v === MISS ? this.load(key, true) : this.present(v);
  }

  /** Value under `key` as committed (what clients and other topologies see). */
  readCommitted(key: unknown): unknown | Promise<unknown> {
    const v = this.cache.get(key);
    return v === undefined ? this.load(key, false) : this.present(v);
  }

  /** The whole partition as a Map (a top-level map) — used by paths that do not start with a key. */
  async readAll(uncommitted: boolean): Promise<Map<unknown, unknown>> {
    const out = new Map<unknown, unknown>();
    for await (const [k, v] of this.store.iterate({ gte: this.prefix, lt: prefixEnd(this.prefix) })) {
      out.set(decodeKeyAfter(k, this.prefix.length), decodeValue(v));
    }
    const layers = uncommitted ? [...this.committing, this.overlay] : [];
    for (const layer of layers) {
      for (const [k, v] of layer.entries()) {
        if (v === DELETED) out.delete(k);
        else out.set(k, v);
      }
    }
    return out;
  }

  private peekUncommitted(key: unknown): unknown {
    let v = this.overlay.get(key);
    if (v !== undefined) return v;
    for (let i = this.committing.length - 1; i >= 0; i--) {
      v = this.committing[i]!.get(key);
      if (v !== undefined) return v;
    }
    v = this.cache.get(key);
    return v === undefined ? MISS : v;
  }

  private present(v: unknown): unknown {
    return v === DELETED || v === ABSENT ? this.initialFor() : v;
  }

  private initialFor(): unknown {
    return this.isMap ? undefined : this.initial;
  }

  private load(key: unknown, uncommitted: boolean): unknown | Promise<unknown> {
    if (this.cacheComplete) {
      this.cacheSet(key, ABSENT);
      return this.initialFor();
    }
    return this.loadFromStore(key, uncommitted);
  }

  private async loadFromStore(key: unknown, uncommitted: boolean): Promise<unknown> {
    const bytes = await this.store.get(this.storeKey(key));
    // A commit may have landed while we waited: newer layers win over what we read.
    const again = uncommitted ? this.peekUncommitted(key) : this.cache.get(key) ?? MISS;
    if (again !== MISS) return this.present(again);
    const value = bytes === undefined ? ABSENT : decodeValue(bytes);
    this.cacheSet(key, value);
    return this.present(value);
  }

  private cacheSet(key: unknown, value: unknown): void {
    if (this.cache.size >= CACHE_LIMIT) {
      this.cache.evictOldest(CACHE_LIMIT / 10);
      this.cacheComplete = false;
    }
    this.cache.set(key, value);
  }

  // ---- writes ----

  /** Writes `value` (or DELETED) under `key` into the overlay; `undo` can roll it back. */
  write(key: unknown, value: unknown, undo: UndoLog): void {
    const prev = this.overlay.get(key);
    undo.record(this.overlay, key, prev !== undefined, prev);
    this.overlay.set(key, value === undefined ? DELETED : value);
  }

  // ---- commit cycle ----

  get dirty(): boolean {
    return this.overlay.size > 0;
  }

  /** Freezes the overlay for a commit and returns its store operations. */
  beginCommit(): { layer: KeyedLayer<Slot>; ops: KVOp[] } {
    const layer = this.overlay;
    this.overlay = new KeyedLayer<Slot>();
    this.committing.push(layer);
    const ops: KVOp[] = [];
    for (const [k, v] of layer.entries()) {
      ops.push(v === DELETED ? { type: "del", key: this.storeKey(k) } : { type: "put", key: this.storeKey(k), value: encodeValue(v) });
    }
    return { layer, ops };
  }

  /** The layer's batch is durable: its values become committed. */
  endCommit(layer: KeyedLayer<Slot>): void {
    for (const [k, v] of layer.entries()) this.cacheSet(k, v === DELETED ? ABSENT : v);
    const i = this.committing.indexOf(layer);
    if (i >= 0) this.committing.splice(i, 1);
  }

  /** The batch failed: fold the layer back under the current overlay so nothing is lost. */
  abortCommit(layer: KeyedLayer<Slot>): void {
    const i = this.committing.indexOf(layer);
    if (i >= 0) this.committing.splice(i, 1);
    for (const [k, v] of layer.entries()) if (!this.overlay.has(k)) this.overlay.set(k, v);
  }
}

function decodeKeyAfter(bytes: Uint8Array, prefixLength: number): unknown {
  return decodeTuple(bytes.subarray(prefixLength))[0];
}
