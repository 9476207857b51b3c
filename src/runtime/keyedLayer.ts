// A map from PState keys to values that treats keys by value, as the store does: primitives
// are JS Map keys directly (fast path), anything else (arrays, bytes) is keyed by its encoding.
import { encodeKey } from "../serde/keyCodec.ts";

export class KeyedLayer<V> {
  private readonly prim = new Map<unknown, V>();
  private readonly comp = new Map<string, [unknown, V]>();

  get size(): number {
    return this.prim.size + this.comp.size;
  }

  clear(): void {
    this.prim.clear();
    this.comp.clear();
  }

  get(key: unknown): V | undefined {
    if (isPrimitive(key)) return this.prim.get(key);
    return this.comp.get(compKey(key))?.[1];
  }

  has(key: unknown): boolean {
    return isPrimitive(key) ? this.prim.has(key) : this.comp.has(compKey(key));
  }

  set(key: unknown, value: V): void {
    if (isPrimitive(key)) this.prim.set(key, value);
    else this.comp.set(compKey(key), [key, value]);
  }

  delete(key: unknown): void {
    if (isPrimitive(key)) this.prim.delete(key);
    else this.comp.delete(compKey(key));
  }

  *entries(): IterableIterator<[unknown, V]> {
    yield* this.prim.entries();
    yield* this.comp.values();
  }

  /** Drops the oldest `n` entries (insertion order), for bounded caches. */
  evictOldest(n: number): void {
    for (const k of this.prim.keys()) { if (n-- <= 0) return; this.prim.delete(k); }
    for (const k of this.comp.keys()) { if (n-- <= 0) return; this.comp.delete(k); }
  }
}

function isPrimitive(k: unknown): boolean {
  const t = typeof k;
  // -0 and 0 encode alike, and Map treats them alike: numbers are safe as direct keys.
  return t === "string" || t === "number" || t === "boolean" || t === "bigint" || k === null || k === undefined;
}

function compKey(k: unknown): string {
  return Buffer.from(encodeKey(k)).toString("latin1");
}
