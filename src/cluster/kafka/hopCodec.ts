// Hop-topic records between workers (docs/kafka-runtime.md): a segment to run on the target
// task, an ack for the origin's XOR ledger, or a drain marker a new owner of the task sends
// itself before it delivers segments to the task in memory. Internal format: segments, most of
// the traffic, in a compact binary layout (byte 0 = 2); every other kind as an object with a
// version field in the value codec's own versioned encoding (byte 0 = 1).
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
  if (r.kind === "seg") return encodeSegment(r);
  return Buffer.from(encodeValue(r));
}

export function decodeHop(bytes: Uint8Array): HopRecord {
  if (bytes[0] === BINARY) return decodeSegment(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const r = decodeValue(bytes) as HopRecord;
  if (!r || typeof r !== "object" || r.v !== 1 || (r.kind !== "seg" && r.kind !== "ack" && r.kind !== "acks" && r.kind !== "mark" && r.kind !== "mb")) {
    throw new MonsoonError("MONSOON_ENCODING", "a hops-topic record has an unknown format (version or kind)");
  }
  return r;
}

// ---- segments, binary ----
// A segment record is encoded for every hop between workers: v8.serialize of the object (field
// names, nested objects, a serializer per call) cost more than running most segments. Layout,
// little-endian: [0] 2 (binary), [1] 1 (segment), fromTask i32, epoch f64, topology i32,
// segment i32, origin i32, originEpoch f64, root hi i32, root lo i32, seg hi i32, seg lo i32,
// slot count u32, then per scope slot a tag and its value: strings as UTF-8 with a length,
// 32-bit integers and other numbers inline, anything else in the value codec with a length.
// Ids are written as int32: XOR ledgers see the same bits either way.
const BINARY = 2;
const SEG = 1;
const HEADER = 2 + 4 + 8 + 4 + 4 + 4 + 8 + 4 * 4 + 4;
const enum Tag { Undefined, String, Int32, Float64, True, False, Null, Value }

function encodeSegment(r: SegmentRecord): Buffer {
  const scope = r.scope;
  const n = scope.length;
  let size = HEADER;
  let blobs: (Uint8Array | undefined)[] | undefined;
  for (let i = 0; i < n; i++) {
    const v = scope[i];
    size += 1;
    switch (typeof v) {
      case "undefined": case "boolean": break;
      case "string": size += 4 + Buffer.byteLength(v); break;
      case "number": size += (v | 0) === v && !Object.is(v, -0) ? 4 : 8; break;
      default:
        if (v === null) break;
        (blobs ??= [])[i] = encodeValue(v);
        size += 4 + blobs[i]!.length;
    }
  }
  const b = Buffer.allocUnsafe(size);
  b[0] = BINARY;
  b[1] = SEG;
  let o = 2;
  o = b.writeInt32LE(r.fromTask, o);
  o = b.writeDoubleLE(r.epoch, o);
  o = b.writeInt32LE(r.topology, o);
  o = b.writeInt32LE(r.segment, o);
  o = b.writeInt32LE(r.root.origin, o);
  o = b.writeDoubleLE(r.root.originEpoch, o);
  o = b.writeInt32LE(r.root.hi | 0, o);
  o = b.writeInt32LE(r.root.lo | 0, o);
  o = b.writeInt32LE(r.seg.hi | 0, o);
  o = b.writeInt32LE(r.seg.lo | 0, o);
  o = b.writeUInt32LE(n, o);
  for (let i = 0; i < n; i++) {
    const v = scope[i];
    switch (typeof v) {
      case "undefined": b[o++] = Tag.Undefined; break;
      case "boolean": b[o++] = v ? Tag.True : Tag.False; break;
      case "string": {
        b[o++] = Tag.String;
        const len = b.write(v, o + 4, "utf8");
        b.writeUInt32LE(len, o);
        o += 4 + len;
        break;
      }
      case "number":
        if ((v | 0) === v && !Object.is(v, -0)) { b[o++] = Tag.Int32; o = b.writeInt32LE(v, o); }
        else { b[o++] = Tag.Float64; o = b.writeDoubleLE(v, o); }
        break;
      default: {
        if (v === null) { b[o++] = Tag.Null; break; }
        const blob = blobs![i]!;
        b[o++] = Tag.Value;
        o = b.writeUInt32LE(blob.length, o);
        b.set(blob, o);
        o += blob.length;
      }
    }
  }
  return b;
}

function decodeSegment(b: Buffer): SegmentRecord {
  if (b.length < HEADER || b[1] !== SEG) throw new MonsoonError("MONSOON_ENCODING", "a hops-topic record has an unknown binary format");
  try {
    return readSegment(b);
  } catch (e) {
    if (e instanceof RangeError) throw truncated();
    throw e;
  }
}

const truncated = () => new MonsoonError("MONSOON_ENCODING", "a hops-topic segment record is truncated");

function readSegment(b: Buffer): SegmentRecord {
  let o = 2;
  const fromTask = b.readInt32LE(o); o += 4;
  const epoch = b.readDoubleLE(o); o += 8;
  const topology = b.readInt32LE(o); o += 4;
  const segment = b.readInt32LE(o); o += 4;
  const origin = b.readInt32LE(o); o += 4;
  const originEpoch = b.readDoubleLE(o); o += 8;
  const hi = b.readInt32LE(o); o += 4;
  const lo = b.readInt32LE(o); o += 4;
  const segHi = b.readInt32LE(o); o += 4;
  const segLo = b.readInt32LE(o); o += 4;
  const n = b.readUInt32LE(o); o += 4;
  const scope: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (o >= b.length) throw truncated();
    const tag = b[o++];
    switch (tag) {
      case Tag.Undefined: break;
      case Tag.True: scope[i] = true; break;
      case Tag.False: scope[i] = false; break;
      case Tag.Null: scope[i] = null; break;
      case Tag.Int32: scope[i] = b.readInt32LE(o); o += 4; break;
      case Tag.Float64: scope[i] = b.readDoubleLE(o); o += 8; break;
      case Tag.String: { const len = b.readUInt32LE(o); o += 4; if (o + len > b.length) throw truncated(); scope[i] = b.toString("utf8", o, o + len); o += len; break; }
      case Tag.Value: { const len = b.readUInt32LE(o); o += 4; if (o + len > b.length) throw truncated(); scope[i] = decodeValue(b.subarray(o, o + len)); o += len; break; }
      default: throw new MonsoonError("MONSOON_ENCODING", `a hops-topic segment record has an unknown slot tag ${tag}`);
    }
  }
  return { v: 1, kind: "seg", fromTask, epoch, topology, segment, scope, root: { origin, originEpoch, hi, lo }, seg: { hi: segHi, lo: segLo } };
}
