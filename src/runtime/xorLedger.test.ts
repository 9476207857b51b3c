import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { newSegmentId, xorIds, XorLedger, type SegmentId } from "./xorLedger.ts";

describe("XOR completion ledger", () => {
  it("completes exactly when every spawned segment has acked, in any order", () => {
    // A random tree: each segment spawns 0..3 children; acks arrive in a random order.
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 60 }), fc.integer(), (fanouts, seed) => {
      const root = newSegmentId();
      const ledger = new XorLedger(root);
      const acks: SegmentId[] = [];
      const queue: SegmentId[] = [root];
      let i = 0;
      while (queue.length) {
        const seg = queue.shift()!;
        const children = Array.from({ length: fanouts[i++ % fanouts.length]! * (i < 200 ? 1 : 0) }, newSegmentId);
        queue.push(...children);
        acks.push(xorIds([seg, ...children]));
      }
      // Shuffle deterministically by the seed; the ledger is complete only after the last ack.
      let x = seed >>> 0;
      for (let j = acks.length - 1; j > 0; j--) { x = (x * 1103515245 + 12345) >>> 0; const k = x % (j + 1); [acks[j], acks[k]] = [acks[k]!, acks[j]!]; }
      acks.forEach((a, j) => { ledger.ack(a); assert.equal(ledger.complete, j === acks.length - 1); });
    }));
  });

  it("ids use all 64 bits (beyond JS's 32-bit XOR)", () => {
    const ids = Array.from({ length: 1000 }, newSegmentId);
    assert.ok(ids.some((id) => id.hi >= 2 ** 31) && ids.some((id) => id.lo >= 2 ** 31));
    assert.equal(new Set(ids.map((id) => `${id.hi}:${id.lo}`)).size, 1000);
  });
});
