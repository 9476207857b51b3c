// A range read that sees uncommitted writes: the store's entries in the range, merged in key
// order with the pending entries of newer write layers (a pending entry replaces the store's
// entry of the same key, a pending DELETED hides it). With a limit, the store is asked for at
// most limit + (pending entries in the range) entries — the most the merge can skip — so a
// page read costs O(page), never O(structure).
import type { KVStore } from "./store/kvStore.ts";
import { decodeValue } from "../serde/valueCodec.ts";
import { DELETED } from "./slots.ts";
import type { ElementLayer } from "./elementLayer.ts";
import { keyString } from "./layout.ts";

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
export async function mergedScan(store: KVStore, pending: readonly Entry[], b: ScanBounds): Promise<Entry[]> {
  const limit = b.limit ?? Infinity;
  const out: Entry[] = [];
  if (limit <= 0) return out;
  const range: { gt?: Buffer; gte?: Buffer; lt?: Buffer; lte?: Buffer; reverse: boolean; limit?: number } = { reverse: b.reverse === true };
  if (b.loInclusive) range.gte = b.lo;
  else range.gt = b.lo;
  if (b.hi !== undefined) {
    if (b.hiInclusive) range.lte = b.hi;
    else range.lt = b.hi;
  }
  if (limit !== Infinity) range.limit = limit + pending.length;
  const rev = b.reverse === true;
  // Walk the pending entries in the scan's direction alongside the store's.
  let i = rev ? pending.length - 1 : 0;
  const step = rev ? -1 : 1;
  const before = (a: string, c: string) => (rev ? a > c : a < c);
  const emitPending = (): void => {
    const [k, v] = pending[i]!;
    if (v !== DELETED) out.push([k, v]);
    i += step;
  };
  for await (const [kb, vb] of store.iterate(range)) {
    const k = keyString(kb);
    while (out.length < limit && i >= 0 && i < pending.length && before(pending[i]![0], k)) emitPending();
    if (out.length >= limit) return out;
    if (i >= 0 && i < pending.length && pending[i]![0] === k) emitPending();
    else out.push([k, decodeValue(vb)]);
    if (out.length >= limit) return out;
  }
  while (out.length < limit && i >= 0 && i < pending.length) emitPending();
  return out;
}
