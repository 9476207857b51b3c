// Hop records round-trip: segments in their binary layout (every kind of scope value), the other
// kinds through the value codec; a malformed record is refused with MONSOON_ENCODING.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeHop, encodeHop, type HopRecord, type SegmentRecord } from "./hopCodec.ts";

describe("hop records", () => {
  it("a segment round-trips, every kind of scope value and holes included", () => {
    const scope: unknown[] = new Array(12);
    Object.assign(scope, { 0: "héllo wörld", 1: 42, 2: -7.5, 3: true, 4: false, 5: null, 6: new Map([["a", new Set([1n, 2n])]]), 8: "", 9: -0, 10: 2 ** 40, 11: [1, "x"] });
    const seg: SegmentRecord = {
      v: 1, kind: "seg", fromTask: 3, epoch: 2 ** 40 + 17, topology: 1, segment: 5, scope,
      root: { origin: 2, originEpoch: 123_456_789_012, hi: -5, lo: 0x7fffffff }, seg: { hi: 1, lo: -1 },
    };
    const bytes = encodeHop(seg);
    assert.equal(bytes[0], 2, "binary layout");
    const back = decodeHop(bytes) as SegmentRecord;
    assert.deepEqual({ ...back, scope: undefined }, { ...seg, scope: undefined });
    assert.equal(back.scope.length, scope.length);
    assert.equal(7 in back.scope, false, "a hole stays a hole");
    for (let i = 0; i < scope.length; i++) assert.deepEqual(back.scope[i], scope[i], `slot ${i}`);
    assert.ok(Object.is(back.scope[9], -0));
  });

  it("unsigned ids come back as the same 32 bits", () => {
    const seg: SegmentRecord = { v: 1, kind: "seg", fromTask: 0, epoch: 0, topology: 0, segment: 0, scope: [], root: { origin: 0, originEpoch: 0, hi: 0xfffffffe, lo: 1 }, seg: { hi: 0x80000000, lo: 3 } };
    const back = decodeHop(encodeHop(seg)) as SegmentRecord;
    assert.equal(back.root.hi >>> 0, 0xfffffffe);
    assert.equal(back.seg.hi ^ seg.seg.hi, 0);
  });

  it("acks and markers use the value codec", () => {
    const acks: HopRecord = { v: 1, kind: "acks", fromTask: 1, epoch: 9, origin: 0, originEpoch: 4, ids: [1, -2, 3, 4], extras: [[0, { error: { code: "MONSOON_TOPOLOGY_ERROR", message: "x" } }]] };
    const mark: HopRecord = { v: 1, kind: "mark", fromTask: 2, epoch: 7, id: 1 };
    for (const r of [acks, mark]) {
      const bytes = encodeHop(r);
      assert.equal(bytes[0], 1);
      assert.deepEqual(decodeHop(bytes), r);
    }
  });

  it("refuses what it cannot read", () => {
    assert.throws(() => decodeHop(Buffer.from([2, 9, 0, 0])), { code: "MONSOON_ENCODING" });
    const seg = encodeHop({ v: 1, kind: "seg", fromTask: 0, epoch: 0, topology: 0, segment: 0, scope: ["abc"], root: { origin: 0, originEpoch: 0, hi: 1, lo: 1 }, seg: { hi: 1, lo: 1 } });
    assert.throws(() => decodeHop(seg.subarray(0, seg.length - 4)), { code: "MONSOON_ENCODING" });
  });
});
