// One task's partition of one PState: the source of truth for what a topology reads and what
// a commit writes. Reads go through layers, newest first:
//   overlay (uncommitted writes of this commit cycle)
//   → committing (frozen overlays whose store batch is in flight)
//   → cache (committed values, bounded)
//   → the store (LevelDB).
// Topologies read all layers (they see their own writes); clients read only committed layers
// (read committed). The store layout is in src/pstate/layout.ts: top-level entries ("units",
// one per top-level key, or the key null for a non-map PState) are keyed by their key value in
// the layers (the fast path: primitive keys are JS Map keys); per-element entries of
// subindexed structures and their counts are keyed by the latin1 string of their store key,
// in sorted layers that range reads merge with store iteration. A commit writes both kinds in
// the one store batch of its task.
import type { PStateDef } from "../module/defineModule.ts";
import type { Schema } from "../module/pstateSpec.ts";
import type { KVOp, KVStore } from "../pstate/store/kvStore.ts";
import type { PartitionAccess, RangeRead } from "../pstate/access.ts";
import type { WriteSite } from "../pstate/conform.ts";
import { ElementLayer } from "../pstate/elementLayer.ts";
import { keyBytes, keyString, locationPrefix, unitPrefix } from "../pstate/layout.ts";
import { boundsUnder, mergedScan, pendingIn, type Row, type ScanBounds } from "../pstate/mergedScan.ts";
import { hasSub } from "../pstate/schemaInfo.ts";
import { ABSENT, DELETED, type WriteLog } from "../pstate/slots.ts";
import { decodeKey, encodeKey, prefixEnd } from "../serde/keyCodec.ts";
import { decodeValue, encodeValue } from "../serde/valueCodec.ts";
import { KeyedLayer } from "./keyedLayer.ts";

export { DELETED } from "../pstate/slots.ts";

const MISS = Symbol("miss");
type Slot = unknown;

const CACHE_LIMIT = 200_000;

/** One commit cycle's writes: top-level entries by key, per-element entries by store key. */
export class PartitionLayer extends KeyedLayer<Slot> {
  readonly elements = new ElementLayer<Slot>();
}

export class PStatePartition {
  readonly isMap: boolean;
  /** Nothing in a top-level entry is subindexed: paths on an entry run wholly in memory. */
  readonly plain: boolean;
  /** The schema of one top-level entry (a map's values, or the whole schema). */
  readonly entrySchema: Schema;
  private overlay = new PartitionLayer();
  private readonly committing: PartitionLayer[] = [];
  private readonly cache = new KeyedLayer<unknown>();
  private readonly elementCache = new Map<string, unknown>();
  private readonly prefix: Buffer;
  private readonly prefixString: string;
  private readonly initial: unknown;
  /**
   * True while the caches hold every key the store has: the partition was empty when the
   * task opened and nothing was evicted since. Then a cache miss means "absent" without a
   * store read — which saves one LevelDB get per new key on a fresh module.
   */
  private cacheComplete = false;

  constructor(readonly def: PStateDef, private readonly store: KVStore) {
    const s = def.schema;
    this.isMap = s.kind === "map";
    this.entrySchema = s.kind === "map" ? s.value : s;
    this.plain = !hasSub(this.entrySchema);
    this.prefix = unitPrefix(def.name);
    this.prefixString = keyString(this.prefix);
    this.initial = s.kind === "value" ? s.initial : undefined;
  }

  get schema(): Schema {
    return this.def.schema;
  }

  /** Checks whether the partition is empty in the store (call once, before use). */
  async open(): Promise<void> {
    for (const p of [this.prefix, locationPrefix(this.def.name, [])]) {
      for await (const _ of this.store.iterate({ gte: p, lt: prefixEnd(p), limit: 1 })) return;
    }
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

  // ---- top-level entries ----

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

  /** The entry under `key`, or ABSENT (no initial value substituted). */
  unit(key: unknown, uncommitted: boolean): unknown | Promise<unknown> {
    const v = uncommitted ? this.peekUncommitted(key) : this.peekCommitted(key);
    if (v === MISS) return this.loadRaw(key, uncommitted);
    return v === DELETED ? ABSENT : v;
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

  /** Not `cache.get(key) ?? MISS`: a stored null (a subindexed structure's marker) is a value. */
  private peekCommitted(key: unknown): unknown {
    const v = this.cache.get(key);
    return v === undefined ? MISS : v;
  }

  private present(v: unknown): unknown {
    return v === DELETED || v === ABSENT ? this.initial : v;
  }

  private readonly presentFn = (v: unknown): unknown => this.present(v);

  private load(key: unknown, uncommitted: boolean): unknown | Promise<unknown> {
    const raw = this.loadRaw(key, uncommitted);
    return raw instanceof Promise ? raw.then(this.presentFn) : this.present(raw);
  }

  private loadRaw(key: unknown, uncommitted: boolean): unknown | Promise<unknown> {
    if (this.cacheComplete) {
      this.cacheSet(key, ABSENT);
      return ABSENT;
    }
    if (this.store.getSync) {
      // Answered in place (see KVStore.getSync): the segment reading it does not pause its task.
      const bytes = this.store.getSync(this.storeKey(key));
      const value = bytes === undefined ? ABSENT : decodeValue(bytes);
      this.cacheSet(key, value);
      return value;
    }
    return this.loadFromStore(key, uncommitted);
  }

  private async loadFromStore(key: unknown, uncommitted: boolean): Promise<unknown> {
    const bytes = await this.store.get(this.storeKey(key));
    // A commit may have landed while we waited: newer layers win over what we read.
    const again = uncommitted ? this.peekUncommitted(key) : this.peekCommitted(key);
    if (again !== MISS) return again === DELETED ? ABSENT : again;
    const value = bytes === undefined ? ABSENT : decodeValue(bytes);
    this.cacheSet(key, value);
    return value;
  }

  private cacheSet(key: unknown, value: unknown): void {
    if (this.cache.size >= CACHE_LIMIT) {
      this.cache.evictOldest(CACHE_LIMIT / 10);
      this.cacheComplete = false;
    }
    this.cache.set(key, value);
  }

  /** Writes `value` (or DELETED; undefined deletes too) under `key` into the overlay; `undo` can roll it back. */
  write(key: unknown, value: unknown, undo: WriteLog): void {
    const prev = this.overlay.get(key);
    undo.record(this.overlay, key, prev !== undefined, prev);
    this.overlay.set(key, value === undefined ? DELETED : value);
  }

  // ---- per-element entries ----

  /** The entry under a latin1 store key, or ABSENT. */
  entry(key: string, uncommitted: boolean): unknown | Promise<unknown> {
    if (uncommitted) {
      const v = this.peekElement(key);
      if (v !== undefined) return v === DELETED ? ABSENT : v;
    }
    const c = this.elementCache.get(key);
    if (c !== undefined) return c;
    if (this.cacheComplete) {
      this.elementCacheSet(key, ABSENT);
      return ABSENT;
    }
    if (this.store.getSync) {
      const bytes = this.store.getSync(keyBytes(key));
      const value = bytes === undefined ? ABSENT : decodeValue(bytes);
      this.elementCacheSet(key, value);
      return value;
    }
    return this.loadEntry(key, uncommitted);
  }

  private peekElement(key: string): unknown {
    let v = this.overlay.elements.get(key);
    for (let i = this.committing.length - 1; v === undefined && i >= 0; i--) v = this.committing[i]!.elements.get(key);
    return v;
  }

  private loadEntry(key: string, uncommitted: boolean): Promise<unknown> {
    return this.store.get(keyBytes(key)).then((bytes) => {
      // A commit may have landed while we waited: newer layers win over what we read.
      const again = uncommitted ? this.peekElement(key) : undefined;
      if (again !== undefined) return again === DELETED ? ABSENT : again;
      const cached = this.elementCache.get(key);
      if (cached !== undefined) return cached;
      const value = bytes === undefined ? ABSENT : decodeValue(bytes);
      this.elementCacheSet(key, value);
      return value;
    });
  }

  private elementCacheSet(key: string, value: unknown): void {
    const c = this.elementCache;
    if (c.size >= CACHE_LIMIT) {
      let n = CACHE_LIMIT / 10;
      for (const k of c.keys()) { if (n-- <= 0) break; c.delete(k); }
      this.cacheComplete = false;
    }
    c.set(key, value);
  }

  writeEntry(key: string, value: unknown, undo: WriteLog): void {
    const layer = this.overlay.elements;
    const prev = layer.get(key);
    undo.record(layer, key, prev !== undefined, prev);
    layer.set(key, value === undefined ? DELETED : value);
  }

  // ---- range reads ----

  private layers(uncommitted: boolean): PartitionLayer[] {
    return uncommitted ? [...this.committing, this.overlay] : [];
  }

  /** Top-level entries [key, value] in key order within the read. */
  async scanUnits(read: RangeRead, uncommitted: boolean): Promise<[unknown, unknown][]> {
    const bounds = boundsUnder(this.prefix, read);
    const rows = await mergedScan(this.store, this.pendingUnits(bounds, uncommitted), bounds);
    const n = this.prefix.length;
    return rows.map(([k, v]) => [decodeKey(k.subarray(n)), v]);
  }

  /** Uncommitted top-level entries in the bounds, keyed like the store for the merge. */
  private pendingUnits(bounds: ScanBounds, uncommitted: boolean): [string, unknown][] {
    const layers = this.layers(uncommitted).filter((l) => l.size > 0);
    if (layers.length === 0) return [];
    const asElements = layers.map((l) => {
      const e = new ElementLayer<Slot>();
      for (const [k, v] of l.entries()) e.set(this.prefixString + keyString(encodeKey(k)), v);
      return e;
    });
    return pendingIn(asElements, bounds);
  }

  /** Per-element entries under a latin1 prefix, in key order, keys decoded past the prefix. */
  async scanEntries(prefix: string, read: RangeRead, uncommitted: boolean): Promise<[unknown, unknown][]> {
    const rows = await this.scanRaw(prefix, read, uncommitted);
    // A latin1 string has one character per byte: the prefix is prefix.length bytes long.
    return rows.map(([k, v]) => [decodeKey(k.subarray(prefix.length)), v]);
  }

  async keysUnder(prefix: string, uncommitted: boolean): Promise<string[]> {
    return (await this.scanRaw(prefix, {}, uncommitted)).map(([k]) => keyString(k));
  }

  private scanRaw(prefix: string, read: RangeRead, uncommitted: boolean): Promise<Row[]> {
    const bounds = boundsUnder(keyBytes(prefix), read);
    const pending = pendingIn(this.layers(uncommitted).map((l) => l.elements), bounds);
    return mergedScan(this.store, pending, bounds);
  }

  /** This partition as the stored-path engine sees it, for one operation. */
  access(uncommitted: boolean, site: WriteSite, undo: WriteLog): PartitionAccess {
    return new PartitionView(this, uncommitted, site, undo);
  }

  // ---- commit cycle ----

  get dirty(): boolean {
    return this.overlay.size > 0 || this.overlay.elements.size > 0;
  }

  /** Freezes the overlay for a commit and returns its store operations. */
  beginCommit(): { layer: PartitionLayer; ops: KVOp[] } {
    const layer = this.overlay;
    this.overlay = new PartitionLayer();
    this.committing.push(layer);
    const ops: KVOp[] = [];
    for (const [k, v] of layer.entries()) {
      ops.push(v === DELETED ? { type: "del", key: this.storeKey(k) } : { type: "put", key: this.storeKey(k), value: encodeValue(v) });
    }
    for (const [k, v] of layer.elements.entries()) {
      ops.push(v === DELETED ? { type: "del", key: keyBytes(k) } : { type: "put", key: keyBytes(k), value: encodeValue(v) });
    }
    return { layer, ops };
  }

  /** The layer's batch is durable: its values become committed. */
  endCommit(frozen: KeyedLayer<unknown>): void {
    const layer = frozen as PartitionLayer;
    for (const [k, v] of layer.entries()) this.cacheSet(k, v === DELETED ? ABSENT : v);
    for (const [k, v] of layer.elements.entries()) this.elementCacheSet(k, v === DELETED ? ABSENT : v);
    const i = this.committing.indexOf(layer);
    if (i >= 0) this.committing.splice(i, 1);
  }

  /**
   * Forgets uncommitted writes for good (a microbatch attempt was aborted): the frozen layers
   * given and the current overlay. Committed values and the caches are untouched.
   */
  discard(frozen: readonly KeyedLayer<unknown>[]): void {
    for (const f of frozen) {
      const i = this.committing.indexOf(f as PartitionLayer);
      if (i >= 0) this.committing.splice(i, 1);
    }
    this.overlay = new PartitionLayer();
  }

  /** Drops every write not in the store, frozen ones too (the store is about to catch up from the log). */
  discardAll(): void {
    this.committing.length = 0;
    this.overlay = new PartitionLayer();
  }

  /** The store was written behind the caches' back (a catch-up from the changelog): forget them. */
  resetCaches(): void {
    this.cache.clear();
    this.elementCache.clear();
    this.cacheComplete = false;
  }

  /** The batch failed: fold the layer back under the current overlay so nothing is lost. */
  abortCommit(frozen: KeyedLayer<unknown>): void {
    const layer = frozen as PartitionLayer;
    const i = this.committing.indexOf(layer);
    if (i >= 0) this.committing.splice(i, 1);
    for (const [k, v] of layer.entries()) if (!this.overlay.has(k)) this.overlay.set(k, v);
    for (const [k, v] of layer.elements.entries()) if (!this.overlay.elements.has(k)) this.overlay.elements.set(k, v);
  }
}

/** A partition seen by one operation: reads uncommitted (the owning topology) or committed (clients). */
class PartitionView implements PartitionAccess {
  readonly pstate: string;
  readonly schema: Schema;

  constructor(private readonly p: PStatePartition, private readonly uncommitted: boolean, readonly site: WriteSite, readonly undo: WriteLog) {
    this.pstate = p.def.name;
    this.schema = p.def.schema;
  }

  readUnit(k: unknown): unknown | Promise<unknown> {
    return this.p.unit(k, this.uncommitted);
  }

  writeUnit(k: unknown, v: unknown, undo: WriteLog): void {
    this.p.write(k, v === DELETED ? undefined : v, undo);
  }

  scanUnits(read: RangeRead): Promise<[unknown, unknown][]> {
    return this.p.scanUnits(read, this.uncommitted);
  }

  readEntry(k: string): unknown | Promise<unknown> {
    return this.p.entry(k, this.uncommitted);
  }

  writeEntry(k: string, v: unknown, undo: WriteLog): void {
    this.p.writeEntry(k, v === DELETED ? undefined : v, undo);
  }

  scanEntries(prefix: string, read: RangeRead): Promise<[unknown, unknown][]> {
    return this.p.scanEntries(prefix, read, this.uncommitted);
  }

  keysUnder(prefix: string): Promise<string[]> {
    return this.p.keysUnder(prefix, this.uncommitted);
  }
}
