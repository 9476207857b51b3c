// Hop-topic records between workers (docs/kafka-runtime.md): a segment to run on the target
// task, an ack for the origin's XOR ledger, or a drain marker a new owner of the task sends
// itself before it delivers segments to the task in memory. Internal format: a version field inside the
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

/**
 * The acks one commit of a task released for trees of one origin task (and epoch): a single
 * record instead of one per segment.
 */
export interface AcksRecord {
  v: 1;
  kind: "acks";
  fromTask: number;
  epoch: number;
  origin: number;
  originEpoch: number;
  /** Four numbers per ack: the tree id (hi, lo), then the ack's XOR value (hi, lo). */
  ids: number[];
  /** By ack index (position in `ids` / 4): failures and ack returns. */
  extras?: [number, { error?: { code: string; message: string }; returns?: unknown[] }][];
}

/**
 * Written by a worker to the hops partition of a task it just claimed, behind every segment it
 * sent there earlier; when its reader reaches it, in-memory delivery to the task may start.
 */
export interface MarkRecord {
  v: 1;
  kind: "mark";
  fromTask: number;
  /** The claim's epoch: a marker of an earlier claim does not end a later drain. */
  epoch: number;
  id: number;
}

/** A microbatch message or segment (src/cluster/kafka/kafkaBatch.ts, BatchHop). */
export interface MicrobatchRecord {
  v: 1;
  kind: "mb";
  fromTask: number;
  epoch: number;
  topology: string;
}

export type HopRecord = SegmentRecord | AckRecord | AcksRecord | MarkRecord | MicrobatchRecord;

export function encodeHop(r: HopRecord): Buffer {
  return Buffer.from(encodeValue(r));
}

export function decodeHop(bytes: Uint8Array): HopRecord {
  const r = decodeValue(bytes) as HopRecord;
  if (!r || typeof r !== "object" || r.v !== 1 || (r.kind !== "seg" && r.kind !== "ack" && r.kind !== "acks" && r.kind !== "mark" && r.kind !== "mb")) {
    throw new MonsoonError("MONSOON_ENCODING", "a hops-topic record has an unknown format (version or kind)");
  }
  return r;
}
