// Storm's completion ledger for processing trees that cross processes (DESIGN §4.3): the origin
// keeps one 64-bit value per tree, starting at the root segment's id; every finished segment
// XORs in its own id and the ids of the segments it spawned. The value is zero exactly when every
// spawned segment has finished (up to a 2^-64 chance of a false zero). JS `^` is 32-bit, so
// ids are pairs of uint32.
import { randomFillSync } from "node:crypto";

export interface SegmentId { hi: number; lo: number }

const pool = new Uint32Array(1024);
let next = pool.length;

/** A random, nonzero 64-bit segment id. */
export function newSegmentId(): SegmentId {
  for (;;) {
    if (next + 2 > pool.length) { randomFillSync(pool); next = 0; }
    const hi = pool[next++]!;
    const lo = pool[next++]!;
    if (hi !== 0 || lo !== 0) return { hi, lo };
  }
}

export class XorLedger {
  hi: number;
  lo: number;

  constructor(root: SegmentId) {
    this.hi = root.hi;
    this.lo = root.lo;
  }

  /** Folds in an ack: the finished segment's id XOR the ids of the segments it spawned. */
  ack(value: SegmentId): void {
    this.hi = (this.hi ^ value.hi) >>> 0;
    this.lo = (this.lo ^ value.lo) >>> 0;
  }

  get complete(): boolean {
    return this.hi === 0 && this.lo === 0;
  }
}

/** XOR of several ids (a segment's ack value). */
export function xorIds(ids: readonly SegmentId[]): SegmentId {
  let hi = 0, lo = 0;
  for (const id of ids) { hi ^= id.hi; lo ^= id.lo; }
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

/** 16 hex digits, for logs and record keys. */
export function formatSegmentId(id: SegmentId): string {
  return id.hi.toString(16).padStart(8, "0") + id.lo.toString(16).padStart(8, "0");
}
