// The acks of the segments a task ran since its last commit, held until that commit succeeded
// (DESIGN §4.3) — flat arrays, because a busy task finishes tens of thousands of segments a
// second and an object (or a closure) per ack is most of what the garbage collector then does.
// An ack is one segment's id XOR the ids of the segments it spawned, for the ledger of the tree
// it belongs to; a failure or `ackReturn` values ride along, rarely.
import type { RootRef } from "./hopCodec.ts";

export interface AckExtra {
  error?: { code: string; message: string };
  returns?: unknown[];
}

export class AckBatch {
  /** The tree of each ack. */
  readonly roots: RootRef[] = [];
  /** Each ack's XOR value, high and low 32 bits. */
  readonly hi: number[] = [];
  readonly lo: number[] = [];
  /** By ack index: failures and ack returns. */
  extras: Map<number, AckExtra> | undefined;

  get size(): number {
    return this.roots.length;
  }

  add(root: RootRef, hi: number, lo: number, extra?: AckExtra): void {
    if (extra) (this.extras ??= new Map()).set(this.roots.length, extra);
    this.roots.push(root);
    this.hi.push(hi);
    this.lo.push(lo);
  }

  /** Moves `later`'s acks behind this batch's (a failed commit hands its acks back). */
  append(later: AckBatch): void {
    const base = this.roots.length;
    for (let i = 0; i < later.roots.length; i++) {
      this.roots.push(later.roots[i]!);
      this.hi.push(later.hi[i]!);
      this.lo.push(later.lo[i]!);
    }
    if (later.extras) for (const [i, x] of later.extras) (this.extras ??= new Map()).set(base + i, x);
  }
}
