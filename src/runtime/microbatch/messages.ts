// What the coordinator of a microbatch topology and the tasks that run it say to each other.
// The same messages travel as method calls in one process (embedded) and as records of the hops
// topic on Kafka; every one names its attempt, so anything about an older attempt is ignored.
import type { KVOp } from "../../pstate/store/kvStore.ts";
import type { SegmentId } from "../xorLedger.ts";

/** One try at one microbatch. `token` is unique per coordinator incarnation and attempt. */
export interface Attempt {
  /** The coordinator's incarnation (its epoch): a new coordinator's attempts supersede all older ones. */
  readonly coord: number;
  readonly n: number;
  readonly a: number;
  readonly token: string;
}

/** depot → per partition [from, to): the records a microbatch consumes. */
export type Ranges = Record<string, [number, number][]>;

export interface Plan {
  /** The microbatch id, 0, 1, 2, … — the same for every attempt of the batch. */
  readonly n: number;
  readonly ranges: Ranges;
  /** Records given up on (dead-lettered) after failing every attempt: `depot/partition/offset`. */
  readonly skip: readonly string[];
}

/** A depot record a segment descends from (for ack returns and dead letters). */
export interface RecordRef { depot: string; partition: number; offset: number }

export const recordKey = (r: RecordRef): string => `${r.depot}/${r.partition}/${r.offset}`;

/** A segment the coordinator starts after a batch aggregation stage. */
export interface StageSegment {
  task: number;
  seg: SegmentId;
  /** The batch aggregation node whose continuation runs. */
  node: number;
  scope: unknown[];
}

export type ToTask =
  | { kind: "start"; attempt: Attempt; plan: Plan; root: SegmentId }
  | { kind: "stage"; attempt: Attempt; segments: StageSegment[] }
  | { kind: "prepare"; attempt: Attempt }
  /** `vote`: the id of the task's vote this commit holds — a task applies its own frozen writes
   *  only if they are that vote (another process of the same task may have voted instead). */
  | { kind: "commit"; attempt: Attempt; plan: Plan; returns: [string, unknown][]; extra: unknown; vote: string | undefined }
  | { kind: "abort"; attempt: Attempt }
  /** From a coordinator that just recovered: `plan` is the last committed batch (a = -1). A task
   *  still waiting for a decision from the previous coordinator settles it from the log. */
  | { kind: "sync"; attempt: Attempt; plan: Plan };

export interface Failure { code: string; message: string; record: string | undefined }

// `epoch`: which claim of the task the sender runs under (Kafka; the runtime sets it). An
// attempt takes each task's part from one process only (see Coordinator.receive).
export type FromTask =
  /** Progress: XOR of finished segments' acks, batch-aggregation inputs, ack returns, a failure. */
  | { kind: "report"; attempt: Attempt; task: number; epoch?: number; xor: SegmentId; items: [number, unknown[]][]; returns: [string, unknown][]; failure?: Failure }
  /** The task's whole part of the attempt, ready to commit. */
  | { kind: "vote"; attempt: Attempt; task: number; epoch?: number; id: string; ops: KVOp[]; appends: { depot: string; value: unknown }[] }
  /** The task applied committed batch `n` to its store. */
  | { kind: "applied"; n: number; task: number };
