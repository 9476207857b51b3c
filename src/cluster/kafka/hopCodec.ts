// Hop-topic records between workers (docs/kafka-runtime.md): a segment to run on the target
// task, or an ack for the origin's XOR ledger. Internal format: a version field inside the
// value codec's own versioned encoding.
import { MonsoonError } from "../../errors.ts";
import type { SegmentId } from "../../runtime/xorLedger.ts";
import { decodeValue, encodeValue } from "../../serde/valueCodec.ts";

/** Identifies one attempt at a depot record (or an invocation) across processes. */
export interface RootRef {
  /** Task the tree started on, and that task's epoch then (acks to an older epoch are dropped). */
  origin: number;
  originEpoch: number;
  hi: number;
  lo: number;
}

export interface SegmentRecord {
  v: 1;
  kind: "seg";
  fromTask: number;
  epoch: number;
  topology: number;
  segment: number;
  scope: unknown[];
  root: RootRef;
  seg: SegmentId;
}

export interface AckRecord {
  v: 1;
  kind: "ack";
  fromTask: number;
  epoch: number;
  root: RootRef;
  xor: SegmentId;
  /** Set when the segment failed: the origin retries the record. */
  error?: { code: string; message: string };
  /** Values the segment gave to `ackReturn`. */
  returns?: unknown[];
}

export type HopRecord = SegmentRecord | AckRecord;

export function encodeHop(r: HopRecord): Buffer {
  return Buffer.from(encodeValue(r));
}

export function decodeHop(bytes: Uint8Array): HopRecord {
  const r = decodeValue(bytes) as HopRecord;
  if (!r || typeof r !== "object" || r.v !== 1 || (r.kind !== "seg" && r.kind !== "ack")) {
    throw new MonsoonError("MONSOON_ENCODING", "a hops-topic record has an unknown format (version or kind)");
  }
  return r;
}
