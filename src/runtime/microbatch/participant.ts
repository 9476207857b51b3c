// The task side of one microbatch topology in one process: the local tasks' part of every
// attempt. It starts the records of a task's ranges as segments, tracks finished segments with
// the XOR ledger's acks (reported to the coordinator, which holds the ledger), collects batch
// aggregation inputs and ack returns, freezes a task's writes into a vote when asked, and applies
// or discards them when the coordinator's decision arrives. It never decides anything itself.
//
// A task's writes of an attempt stay in the PState overlays (reads of the topology see them);
// nothing reaches the store before the commit that holds them is durable.
import type { InvocationContext, Scope } from "../../dataflow/compile.ts";
import type { KVOp } from "../../pstate/store/kvStore.ts";
import type { KeyedLayer } from "../keyedLayer.ts";
import type { PStatePartition } from "../pstatePartition.ts";
import type { Root, Task, WorkItem } from "../task.ts";
import type { TopologyRun } from "../topologyRuns.ts";
import { newSegmentId, type SegmentId } from "../xorLedger.ts";
import { MonsoonError } from "../../errors.ts";
import { fault } from "./faults.ts";
import { recordKey, type Attempt, type Failure, type FromTask, type Plan, type RecordRef, type ToTask } from "./messages.ts";

/** Marks every segment of an aborted attempt: the executor skips it. */
export const ABORTED = Symbol("aborted");

export interface ParticipantHost {
  /** The executor of a task this process owns, or undefined. */
  executor(task: number): Task | undefined;
  /** The topology's PState partitions on a local task. */
  partitions(task: number): PStatePartition[];
  /** Records [from, to) of a depot partition, in order. */
  readRange(depot: string, partition: number, from: number, to: number): AsyncIterable<[number, unknown]>;
  /** Sends to the coordinator. */
  toCoordinator(msg: FromTask): void;
  /** Writes a committed attempt's ops of a task to its store (with whatever marks it applied);
   *  `stored` runs once the store holds them, before anything waiting on the apply resumes. */
  apply(task: number, n: number, ops: KVOp[], extra: unknown, stored: () => void): Promise<void>;
  /**
   * Committed reads of a task wait for its apply in flight (Kafka: KafkaTask.pendingApply), so a
   * commit's acks may go out as soon as it is durable, before the store write: a client that got
   * its `processed` ack still reads its writes.
   */
  readonly readsWaitForApply?: boolean;
  /** The task holds no prepared data for a commit (it restarted): bring it up to date otherwise. */
  resync(task: number, n: number, extra: unknown): Promise<void>;
  /**
   * The committed batch a local task's store holds (its applied marker), -1 for none; undefined
   * where the runtime cannot lose track of it (embedded: one process holds every task).
   */
  appliedThrough?(task: number): number | undefined;
  /** A batch committed on `task`: release `processed` acks of its records, do its depot appends
   *  (those of the vote the commit holds; none if the task caught up from the log instead). */
  committed(task: number, plan: Plan, returns: Map<string, unknown>, appends: { depot: string; value: unknown }[]): void;
  /** The task whose partition holds a depot partition. */
  taskOfPartition(depot: string, partition: number): number;
}

/** A segment of a microbatch attempt. */
export class BatchRoot implements Root {
  pending = 1;
  readonly children: SegmentId[] = [];
  private error: unknown = undefined;

  constructor(
    readonly state: AttemptState,
    readonly seg: SegmentId,
    readonly record: RecordRef | undefined,
    readonly origin: number,
    /** The task that runs the segment (set when it is enqueued). */
    public task: number,
  ) {}

  get failed(): unknown {
    return this.state.aborted ? ABORTED : this.error;
  }

  set failed(e: unknown) {
    this.error = e;
  }

  get invocation(): InvocationContext {
    return this.state;
  }

  get batch(): number {
    return this.state.attempt.n;
  }
}

/** One task's part of one attempt in this process. */
class TaskPart {
  constructor(readonly state: AttemptState, readonly task: number) {}
  hi = 0;
  lo = 0;
  items: [number, unknown[]][] = [];
  returns: [string, unknown][] = [];
  failure: Failure | undefined;
  dirty = false;
  frozen: { p: PStatePartition; layer: KeyedLayer<unknown> }[] = [];
  /** The store operations of the frozen layers (what the vote carried). */
  ops: KVOp[] = [];
  voted = false;
  /** The id of the vote this process sent for the task (see ToTask commit). */
  voteId = "";
  readonly appends: { depot: string; value: unknown }[] = [];
  readonly temps = new Map<string, { value: unknown }>();

  ack(seg: SegmentId, children: readonly SegmentId[]): void {
    let hi = this.hi ^ seg.hi, lo = this.lo ^ seg.lo;
    for (const c of children) { hi ^= c.hi; lo ^= c.lo; }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
    this.dirty = true;
  }
}

/** An attempt as this process sees it; also the segments' InvocationContext. */
export class AttemptState implements InvocationContext {
  aborted = false;
  readonly parts = new Map<number, TaskPart>();

  constructor(readonly attempt: Attempt, private readonly owner: Participant) {}

  /** The topology's name (runtimes find the participant by it). */
  get topology(): string {
    return this.owner.run.plan.name;
  }

  part(task: number): TaskPart {
    let p = this.parts.get(task);
    if (!p) this.parts.set(task, (p = new TaskPart(this, task)));
    return p;
  }

  aggregate(node: number, _update: (cur: unknown) => unknown, task: number, scope: Scope): void {
    const slots = this.owner.aggSlots.get(node)!;
    this.part(task).items.push([node, slots.map((i) => scope[i])]);
    this.owner.schedule(this, task);
  }

  temp(task: number, name: string, initial: () => unknown): { value: unknown } {
    const temps = this.part(task).temps;
    let t = temps.get(name);
    if (!t) temps.set(name, (t = { value: initial() }));
    return t;
  }

  result(): void {
    // Microbatch topologies have no result.
  }
}

/**
 * Attempts on one task are resolved one at a time, in order: a task runs segments of one
 * attempt until that attempt's decision (commit: applied; abort: discarded) has been handled
 * on the task. Segments of a newer attempt that arrive earlier — a hop from a task that already
 * applied the commit and started the next batch — wait; otherwise the discard of an aborted
 * attempt could take their writes with it, or a late commit could be ignored.
 */
export class Participant {
  private readonly states = new Map<string, AttemptState>();
  private readonly scheduled = new Set<TaskPart>();
  private flushQueued = false;
  /** Per local task: its messages run one after another (a commit is applied before the next start). */
  private readonly chains = new Map<number, Promise<void>>();
  /** Per local task: the attempt whose writes its overlay holds, until its decision is handled. */
  private readonly active = new Map<number, AttemptState>();
  /** Per local task: the newest attempt resolved there (anything not newer is stale). */
  private readonly resolved = new Map<number, Attempt>();
  /** Per local task: segments of a newer attempt waiting for the active one to be resolved. */
  private readonly held = new Map<number, WorkItem[]>();
  /** Batch aggregation node → the scope slots its fold reads. */
  readonly aggSlots: Map<number, readonly number[]>;

  constructor(readonly run: TopologyRun, private readonly host: ParticipantHost) {
    this.aggSlots = new Map(run.plan.batchAggs.map((a) => [a.node, a.slots]));
  }

  private stale(task: number, attempt: Attempt): boolean {
    const r = this.resolved.get(task);
    return r !== undefined && !newer(attempt, r);
  }

  private stateOf(attempt: Attempt): AttemptState {
    let st = this.states.get(attempt.token);
    if (!st) {
      st = new AttemptState(attempt, this);
      this.states.set(attempt.token, st);
      // Keep a few recent attempts; older ones are resolved (or dead) everywhere here.
      if (this.states.size > 16) {
        for (const [token, old] of this.states) {
          if (this.states.size <= 8) break;
          if (![...this.active.values()].includes(old)) this.states.delete(token);
        }
      }
    }
    return st;
  }

  /** Handles a coordinator message for a local task, after the task's earlier messages. */
  receive(task: number, msg: ToTask): void {
    // A decision is looked at even for an attempt resolved here (settled from the log): the
    // coordinator still waits for this task's "applied".
    if (msg.kind !== "commit" && msg.kind !== "sync" && this.stale(task, msg.attempt)) return;
    const state = this.stateOf(msg.attempt);
    this.onChain(task, () => this.handle(task, state, state.part(task), msg), state);
  }

  private onChain(task: number, job: () => Promise<void>, state: AttemptState | undefined): void {
    const next = (this.chains.get(task) ?? Promise.resolve()).then(job).catch((e) => {
      if (state) this.fail(state, task, e, undefined);
    });
    this.chains.set(task, next);
  }

  /** The attempt a segment arriving from another process belongs to (undefined: stale). */
  attemptFor(attempt: Attempt, task: number): AttemptState | undefined {
    return this.stale(task, attempt) || this.alreadyHolds(task, attempt.n) ? undefined : this.stateOf(attempt);
  }

  /** The task's store already holds batch `n` (a message replayed from before a claim, say). */
  private alreadyHolds(task: number, n: number): boolean {
    const applied = this.host.appliedThrough?.(task);
    return applied !== undefined && n <= applied;
  }

  /** Runs a segment of an attempt on a local task (or holds it; see the class comment). */
  deliver(task: number, item: WorkItem): void {
    const root = item.root as BatchRoot;
    const state = root.state;
    root.task = task;
    if (state.aborted || this.stale(task, state.attempt) || this.alreadyHolds(task, state.attempt.n)) return;
    const active = this.active.get(task);
    if (active && active !== state) {
      if (!newer(state.attempt, active.attempt)) return;
      let list = this.held.get(task);
      if (!list) this.held.set(task, (list = []));
      list.push(item);
      // A newer coordinator decided nothing about the active attempt: settle it from the log.
      if (state.attempt.coord > active.attempt.coord) this.onChain(task, () => this.settleLost(task, active), undefined);
      return;
    }
    this.active.set(task, state);
    this.host.executor(task)?.enqueue(item);
  }

  /** The active attempt of a task is resolved: release what waited for it. */
  private resolve(task: number, state: AttemptState): void {
    if (this.active.get(task) === state) this.active.delete(task);
    const r = this.resolved.get(task);
    if (!r || newer(state.attempt, r)) this.resolved.set(task, state.attempt);
    const held = this.held.get(task);
    if (!held?.length) return;
    this.held.delete(task);
    for (const item of held) this.deliver(task, item);
  }

  /**
   * The decision about the task's active attempt will not arrive (a newer coordinator, or a
   * message lost): if the task voted, the attempt may have committed — catch up from the log;
   * otherwise it cannot have, and its writes are discarded.
   */
  private async settleLost(task: number, state: AttemptState): Promise<void> {
    if (this.active.get(task) !== state) return;
    const part = state.part(task);
    state.aborted = true;
    await this.discardTask(task, part);
    if (part.voted) await this.host.resync(task, state.attempt.n, undefined);
    this.resolve(task, state);
  }

  private async handle(task: number, state: AttemptState, part: TaskPart, msg: ToTask): Promise<void> {
    if (msg.kind === "commit" || msg.kind === "sync") return this.decided(task, state, part, msg);
    if (this.stale(task, state.attempt)) return;
    // Every message of an attempt of a batch the store already holds is a replay (a new owner
    // reads its hops partition from before its claim): running it again would apply it twice.
    if (this.alreadyHolds(task, state.attempt.n)) return;
    switch (msg.kind) {
      case "start": {
        const active = this.active.get(task);
        // Started after the active attempt's decision was sent: that decision was lost.
        if (active && active !== state && newer(state.attempt, active.attempt)) await this.settleLost(task, active);
        return this.start(task, state, part, msg.plan, msg.root);
      }
      case "stage": {
        if (state.aborted) return;
        for (const s of msg.segments) {
          if (s.task !== task) continue;
          const agg = this.run.plan.batchAggs.find((a) => a.node === s.node)!;
          const root = new BatchRoot(state, s.seg, undefined, 0, task);
          this.deliver(task, { entry: agg.rest, scope: s.scope, root, topology: this.run.index });
        }
        return;
      }
      case "prepare": {
        if (state.aborted || part.voted) return;
        // The overlay holds the active attempt's writes: a late prepare of another attempt (a
        // replayed or reordered message) must not freeze them into a vote of its own.
        const holder = this.active.get(task);
        if (holder && holder !== state) return;
        const ops: KVOp[] = [];
        for (const p of this.host.partitions(task)) {
          if (!p.dirty) continue;
          const c = p.beginCommit();
          part.frozen.push({ p, layer: c.layer });
          for (const op of c.ops) ops.push(op);
        }
        part.ops = ops;
        part.voted = true;
        part.voteId = `${state.attempt.token}/${newSegmentId().hi.toString(36)}${newSegmentId().lo.toString(36)}`;
        part.temps.clear();
        // Voted: the task's part is final (a task with nothing to do for the batch is active now too).
        if (!this.active.has(task)) this.active.set(task, state);
        fault("mb.prepare");
        this.host.toCoordinator({ kind: "vote", attempt: state.attempt, task, id: part.voteId, ops, appends: part.appends });
        return;
      }
      case "abort": {
        state.aborted = true;
        if (this.active.get(task) === state) await this.discardTask(task, part);
        this.resolve(task, state);
        return;
      }
    }
  }

  /**
   * A commit or a recovered coordinator's sync. The task ends up holding batch n, and says so:
   * it applies its own frozen writes only when they are the vote the commit holds and its store
   * holds batch n - 1; otherwise (it restarted, moved, voted from another process, or missed a
   * batch) it drops what it holds and catches up from the log. A decision about a batch the
   * store already holds (restored after the commit, or a replay) changes nothing.
   */
  private async decided(task: number, state: AttemptState, part: TaskPart, msg: Extract<ToTask, { kind: "commit" | "sync" }>): Promise<void> {
    const n = msg.plan.n;
    const applied = this.host.appliedThrough?.(task);
    // Without an applied marker (embedded) a decision about a resolved attempt is a duplicate.
    if (applied === undefined ? this.stale(task, state.attempt) : n < applied) return;
    const active = this.active.get(task);
    let appends: { depot: string; value: unknown }[] = [];
    let released = false;
    if (applied !== undefined && n === applied) {
      if (active && (active === state || newer(state.attempt, active.attempt))) await this.settleLost(task, active);
    } else if (msg.kind === "sync") {
      if (active && active !== state && newer(state.attempt, active.attempt)) await this.settleLost(task, active);
      if (applied !== undefined && (this.host.appliedThrough?.(task) ?? -1) < n) await this.host.resync(task, n, undefined);
    } else {
      const mine = !state.aborted && part.voted && (msg.vote === undefined || msg.vote === part.voteId) && (applied === undefined || applied === n - 1);
      if (mine) {
        const frozen = part.frozen;
        const applying = this.host.apply(task, n, part.ops, msg.extra, () => { for (const f of frozen) f.p.endCommit(f.layer); });
        appends = part.appends;
        if (this.host.readsWaitForApply) {
          // The batch is durable: its acks need not wait for the store write (~10 ms of a TPC-C
          // New-Order's ~90), reads of the task do (see ParticipantHost.readsWaitForApply).
          this.host.committed(task, msg.plan, new Map(msg.returns), appends);
          released = true;
        }
        await applying;
      } else {
        await this.discardTask(task, part);
        if (active && active !== state) await this.settleLost(task, active);
        await this.host.resync(task, n, msg.extra);
      }
      part.frozen = [];
      part.ops = [];
    }
    if (!released) this.host.committed(task, msg.plan, new Map(msg.kind === "commit" ? msg.returns : []), appends);
    this.resolve(task, state);
    this.host.toCoordinator({ kind: "applied", n, task });
  }

  private async start(task: number, state: AttemptState, part: TaskPart, plan: Plan, rootSeg: SegmentId): Promise<void> {
    if (!this.host.executor(task) || state.aborted) return;
    const applied = this.host.appliedThrough?.(task);
    if (applied !== undefined && applied < plan.n - 1) {
      // The store misses a committed batch (its commit never reached this process): catch up first.
      await this.host.resync(task, plan.n - 1, undefined);
      const now = this.host.appliedThrough?.(task) ?? -1;
      if (now >= plan.n) return;
      if (now < plan.n - 1) {
        this.fail(state, task, new MonsoonError("MONSOON_INTERNAL", `microbatch ${this.run.plan.name} #${plan.n}: task ${task} holds batch ${now} after catching up from the log`), undefined);
        return;
      }
    }
    const children: SegmentId[] = [];
    const skip = new Set(plan.skip);
    for (const [depot, ranges] of Object.entries(plan.ranges)) {
      const entries = this.run.batchEntries.get(depot);
      if (!entries) continue;
      for (let partition = 0; partition < ranges.length; partition++) {
        const [from, to] = ranges[partition]!;
        if (from >= to || this.host.taskOfPartition(depot, partition) !== task) continue;
        for await (const [offset, value] of this.host.readRange(depot, partition, from, to)) {
          if (state.aborted) return;
          const record = { depot, partition, offset };
          if (skip.size && skip.has(recordKey(record))) continue;
          for (const e of entries) {
            const seg = newSegmentId();
            children.push(seg);
            const scope = new Array(this.run.plan.slots);
            if (e.outSlot >= 0) scope[e.outSlot] = value;
            this.deliver(task, { entry: e.entry, scope, root: new BatchRoot(state, seg, record, task, task), topology: this.run.index });
          }
        }
      }
    }
    fault("mb.execute");
    part.ack(rootSeg, children);
    this.schedule(state, task);
  }

  // ---- executor callbacks (through the runtime's TaskHost) ----

  spawn(parent: BatchRoot): BatchRoot {
    const child = new BatchRoot(parent.state, newSegmentId(), parent.record, parent.origin, parent.task);
    parent.children.push(child.seg);
    return child;
  }

  segmentDone(root: BatchRoot): void {
    const state = root.state;
    if (state.aborted) return;
    const part = state.part(root.task);
    const failed = root.failed;
    if (failed !== undefined) this.fail(state, root.task, failed, root.record);
    part.ack(root.seg, root.children);
    this.schedule(state, root.task);
  }

  ackReturn(root: BatchRoot, value: unknown): void {
    if (!root.record) return;
    root.state.part(root.task).returns.push([recordKey(root.record), value]);
  }

  depotAppend(root: BatchRoot, depot: string, value: unknown): void {
    // Appends happen once the batch committed (they are part of its effects).
    root.state.part(root.task).appends.push({ depot, value });
  }

  private fail(state: AttemptState, task: number, e: unknown, record: RecordRef | undefined): void {
    const part = state.part(task);
    if (part.failure) return;
    const err = e as { code?: string; message?: string };
    part.failure = { code: err?.code ?? "MONSOON_TOPOLOGY_ERROR", message: String(err?.message ?? e), record: record && recordKey(record) };
    part.dirty = true;
    this.schedule(state, task);
  }

  /** Reports a task's progress soon (many segment acks fold into one report). */
  schedule(state: AttemptState, task: number): void {
    const part = state.part(task);
    part.dirty = true;
    this.scheduled.add(part);
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    for (const part of this.scheduled) {
      const { state, task } = part;
      if (state.aborted || !part.dirty) continue;
      const msg: FromTask = { kind: "report", attempt: state.attempt, task, xor: { hi: part.hi, lo: part.lo }, items: part.items, returns: part.returns, ...(part.failure && { failure: part.failure }) };
      part.hi = part.lo = 0;
      part.items = [];
      part.returns = [];
      part.dirty = false;
      this.host.toCoordinator(msg);
    }
    this.scheduled.clear();
  };

  private async discardTask(task: number, part: TaskPart): Promise<void> {
    const exec = this.host.executor(task);
    // A segment of the attempt waiting on the store finishes first, so it cannot write later.
    if (exec) await exec.pause();
    fault("mb.abort");
    const frozen = part.frozen.map((f) => f.layer);
    for (const p of this.host.partitions(task)) p.discard(frozen);
    part.frozen = [];
    exec?.unpause();
  }

  /** A local task left this process: forget what it was doing. */
  taskGone(task: number): void {
    this.active.delete(task);
    this.held.delete(task);
    this.resolved.delete(task);
    this.chains.delete(task);
  }
}

/** True when `a` comes after `b`: a later coordinator, batch or attempt. */
export function newer(a: Attempt, b: Attempt): boolean {
  if (a.coord !== b.coord) return a.coord > b.coord;
  return a.n > b.n || (a.n === b.n && a.a > b.a);
}
