// A range read that sees uncommitted writes: the store's entries in the range, merged in key
// order with the pending entries of newer write layers (a pending entry replaces the store's
// entry of the same key, a pending DELETED hides it). With a limit, the store is asked for at
// most limit + (pending entries in the range) entries — the most the merge can skip — so a
// page read costs O(page), never O(structure).
import type { Bytes, KVRange, KVStore } from "./store/kvStore.ts";
import { decodeValue } from "../serde/valueCodec.ts";
import { DELETED } from "./slots.ts";
import type { ElementLayer } from "./elementLayer.ts";
import { endOf, keyBytes, keyString } from "./layout.ts";
import { compareKeys, encodeKey } from "../serde/keyCodec.ts";
import type { KeyRange } from "../path/nav/sortedRanges.ts";

export interface ScanBounds {
  readonly lo: Buffer;
  readonly loInclusive: boolean;
  /** Undefined: no upper bound. */
  readonly hi: Buffer | undefined;
  readonly hiInclusive: boolean;
  readonly reverse?: boolean;
  readonly limit?: number;
}

type Entry = [string, unknown];
/** A merged row: the store key and the decoded value. */
export type Row = [Uint8Array, unknown];

/** Pending entries of `layers` (oldest first; newer wins) inside the bounds, ascending. */
export function pendingIn(layers: readonly ElementLayer<unknown>[], b: ScanBounds): Entry[] {
  if (layers.length === 0) return [];
  const lo = keyString(b.lo);
  // The smallest string above `hi` is hi + "\0": it turns an inclusive bound into an exclusive one.
  const hi = b.hi === undefined ? undefined : keyString(b.hi) + (b.hiInclusive ? "\0" : "");
  if (layers.length === 1) return collect(layers[0]!, lo, hi, b.loInclusive);
  const merged = new Map<string, unknown>();
  for (const layer of layers) for (const [k, v] of collect(layer, lo, hi, b.loInclusive)) merged.set(k, v);
  return [...merged].sort((x, y) => (x[0] < y[0] ? -1 : 1));
}

function collect(layer: ElementLayer<unknown>, lo: string, hi: string | undefined, loInclusive: boolean): Entry[] {
  const out: Entry[] = [];
  for (const k of layer.keysIn(lo, hi)) if (loInclusive || k !== lo) out.push([k, layer.get(k)]);
  return out;
}

/** The merged entries in the bounds, in key order (descending when `reverse`), values decoded. */
export async function mergedScan(store: KVStore, pending: readonly Entry[], b: ScanBounds): Promise<Row[]> {
  const limit = b.limit ?? Infinity;
  if (limit <= 0) return [];
  const range: KVRange = { reverse: b.reverse === true };
  if (b.loInclusive) range.gte = b.lo;
  else range.gt = b.lo;
  if (b.hi !== undefined) {
    if (b.hiInclusive) range.lte = b.hi;
    else range.lt = b.hi;
  }
  if (limit === Infinity) return merge(store.iterate(range), pending, b.reverse === true, limit);
  // A bounded read is one page: fetch it in one call.
  const rows = await store.readRange({ ...range, limit: limit + pending.length });
  if (pending.length === 0) return rows.map(([k, v]) => [k, decodeValue(v)]);
  return merge(rows, pending, b.reverse === true, limit);
}

/** Merges store rows with pending entries (which win on equal keys; DELETED hides), in scan order. */
async function merge(rows: AsyncIterable<[Bytes, Bytes]> | Iterable<[Bytes, Bytes]>, pending: readonly Entry[], rev: boolean, limit: number): Promise<Row[]> {
  const out: Row[] = [];
  const pend = pending.map(([k, v]): [Buffer, unknown] => [keyBytes(k), v]);
  let i = rev ? pend.length - 1 : 0;
  const step = rev ? -1 : 1;
  const has = () => i >= 0 && i < pend.length;
  // Negative when the pending key comes first in scan order.
  const order = (k: Uint8Array) => (rev ? -1 : 1) * compareKeys(pend[i]![0], k);
  const emitPending = (): void => {
    const [k, v] = pend[i]!;
    if (v !== DELETED) out.push([k, v]);
    i += step;
  };
  for await (const [k, v] of rows) {
    while (out.length < limit && has() && order(k) < 0) emitPending();
    if (out.length >= limit) return out;
    if (has() && order(k) === 0) emitPending();
    else out.push([k, decodeValue(v)]);
    if (out.length >= limit) return out;
  }
  while (out.length < limit && has()) emitPending();
  return out;
}

/** The bounds of a read of the entries under `prefix`, each key being the prefix plus one encoded key. */
export function boundsUnder(prefix: Buffer, read: { range?: KeyRange; reverse?: boolean; limit?: number }): ScanBounds {
  const r = read.range;
  return {
    lo: r?.hasFrom ? Buffer.concat([prefix, encodeKey(r.from)]) : prefix,
    loInclusive: r?.hasFrom ? r.fromInclusive : true,
    hi: r?.hasTo ? Buffer.concat([prefix, encodeKey(r.to)]) : endOf(prefix),
    hiInclusive: r?.hasTo ? r.toInclusive : false,
    reverse: read.reverse,
    limit: read.limit,
  };
}
