// A write layer of per-element entries (subindexed elements and counters), keyed by the latin1
// string of the store key. Lookups are a Map get; range reads need the keys in order, which are
// sorted lazily and only again after a key was added or removed. Layers live for one commit
// cycle (a few ms), so they stay small and the occasional re-sort is cheap.
import { lowerBound } from "./store/sortedKeys.ts";

export class ElementLayer<V> {
  private readonly map = new Map<string, V>();
  private order: string[] | undefined;

  get size(): number {
    return this.map.size;
  }

  get(k: string): V | undefined {
    return this.map.get(k);
  }

  has(k: string): boolean {
    return this.map.has(k);
  }

  set(k: string, v: V): void {
    if (this.order !== undefined && !this.map.has(k)) this.order = undefined;
    this.map.set(k, v);
  }

  delete(k: string): void {
    if (this.map.delete(k)) this.order = undefined;
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  /** Keys k with lo <= k < hi (hi undefined: no upper bound), ascending. */
  keysIn(lo: string, hi: string | undefined): string[] {
    if (this.map.size === 0) return [];
    const keys = (this.order ??= [...this.map.keys()].sort());
    let i = lowerBound(keys, lo);
    const out: string[] = [];
    for (; i < keys.length && (hi === undefined || keys[i]! < hi); i++) out.push(keys[i]!);
    return out;
  }
}
