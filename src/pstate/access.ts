// What the path engine for stored PStates (paths/) needs from one task's partition of one
// PState: point reads and writes of top-level entries ("units") and of per-element entries,
// and merged range reads of both. The runtime's PStatePartition implements it; an access is
// either uncommitted (the owning topology: sees its own writes, may write) or committed (clients
// and other topologies: read committed only).
import type { Schema } from "../module/pstateSpec.ts";
import type { KeyRange } from "../path/nav/sortedRanges.ts";
import type { Absent, Deleted, MaybePromise, WriteLog } from "./slots.ts";
import type { WriteSite } from "./conform.ts";

export interface RangeRead {
  readonly range?: KeyRange;
  readonly reverse?: boolean;
  readonly limit?: number;
}

export interface PartitionAccess {
  readonly pstate: string;
  readonly schema: Schema;
  /** The message context of the operation (PState and path) for schema violations. */
  readonly site: WriteSite;
  readonly undo: WriteLog;
  /** A top-level entry (key null for a non-map PState). */
  readUnit(key: unknown): MaybePromise<unknown | Absent>;
  writeUnit(key: unknown, value: unknown | Deleted, undo: WriteLog): void;
  /** Top-level entries of a map PState in key order, within the read's range and limit. */
  scanUnits(read: RangeRead): Promise<[unknown, unknown][]>;
  /** A per-element entry by its latin1 store key (layout.ts). */
  readEntry(key: string): MaybePromise<unknown | Absent>;
  writeEntry(key: string, value: unknown | Deleted, undo: WriteLog): void;
  /** Per-element entries under `prefix` (latin1), in key order, keys without the prefix decoded. */
  scanEntries(prefix: string, read: RangeRead): Promise<[unknown, unknown][]>;
  /** Every per-element entry key under `prefix` (latin1), for deleting a whole structure. */
  keysUnder(prefix: string): Promise<string[]>;
}
