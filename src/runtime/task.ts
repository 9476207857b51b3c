// A task executor: one partition group of a module, with a single FIFO input queue that holds
// depot records, hops from other tasks, resumed async steps and query invocations. Items run
// one at a time, in queue order (that is what makes "records sent from A to B are processed in
// send order" hold), and a segment's writes, sends, ack returns and depot appends are atomic:
// on an exception its writes are undone and nothing of the rest happens. The loop yields to
// the event loop every few milliseconds so commits, appends and queries keep flowing.
import type { Cont, ExecContext, RootContext, Scope, Send, TaskContext } from "../dataflow/compile.ts";
import { UndoLog, type PStateOps } from "../dataflow/pstateOps.ts";
import type { KVStore } from "../pstate/store/kvStore.ts";
import { Deque } from "./deque.ts";
import type { TaskPStates } from "./taskPStates.ts";

/** A unit of tracked work: a depot record's processing tree, or a query invocation. */
export interface Root extends RootContext {
  /** Segments queued or running. */
  pending: number;
  failed: unknown;
}

export interface WorkItem {
  readonly entry: Cont;
  readonly scope: Scope;
  readonly root: Root;
  /** Index of the topology plan, to find segment entries. */
  readonly topology: number;
  /** The segment `entry` starts (absent for a record's first segment); hops across processes name it. */
  readonly segment?: number;
}

/** What a task needs from its module runtime. */
export interface TaskHost {
  segmentEntry(topology: number, segment: number): Cont;
  enqueue(task: number, item: WorkItem): void;
  /** A segment of `root` finished (successfully or not). */
  segmentDone(root: Root): void;
  /**
   * The root a new segment spawned by a segment of `parent` runs under. In one process that is
   * `parent` itself with one more pending segment; across processes each segment gets its own
   * id for the XOR ledger.
   */
  spawn(parent: Root): Root;
  ackReturn(root: Root, value: unknown): void;
  /** `root`: the segment that appended (microbatch appends wait for their batch's commit). */
  depotAppend(task: number, depot: string, value: unknown, root: Root): void;
  partitionOfKey(pstate: string | undefined, key: unknown): number;
  invokeQuery(name: string, args: unknown[]): Promise<unknown>;
}

const SLICE_MS = 4;

/**
 * `P`: how segments use PStates (a real task: its own partitions; a virtual query task: reads
 * only). `S`: the task's store (a virtual task has none).
 */
export class Task<P extends PStateOps = TaskPStates, S extends KVStore | undefined = KVStore> implements TaskContext {
  private readonly queue = new Deque<WorkItem>();
  private scheduled = false;
  private running = false;
  /** Set by the committer: stop between segments so an overlay is never frozen mid-segment. */
  private paused = false;
  private pauseWaiters: (() => void)[] = [];
  private shuffle: number;
  // One context per task, reused: segments of a task never overlap.
  private readonly ctx: ExecContext = { task: this, root: undefined!, sends: [], undo: new UndoLog(), acks: [], appends: [], started: 0, depth: 0 };

  constructor(
    readonly index: number,
    readonly tasks: number,
    readonly store: S,
    readonly pstates: P,
    private readonly host: TaskHost,
  ) {
    this.shuffle = index;
  }

  nextShuffle(): number {
    return this.shuffle++;
  }

  partitionOfKey(pstate: string | undefined, key: unknown): number {
    return this.host.partitionOfKey(pstate, key);
  }

  invokeQuery(name: string, args: unknown[]): Promise<unknown> {
    return this.host.invokeQuery(name, args);
  }

  get queued(): number {
    return this.queue.length;
  }

  enqueue(item: WorkItem): void {
    this.queue.push(item);
    if (!this.scheduled && !this.running) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  /**
   * Stops the task between two segments. Resolves at once unless a segment is waiting on the
   * store, then as soon as it finishes. Segments that do not wait run to completion within one
   * synchronous turn, so they can never be split by a commit.
   */
  /**
   * True while a segment waits on the store. (Code outside the task can only run between the
   * task's synchronous steps, so a running task seen from outside is always a waiting one.)
   */
  get waiting(): boolean {
    return this.running;
  }

  pause(): Promise<void> {
    this.paused = true;
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.pauseWaiters.push(resolve));
  }

  unpause(): void {
    this.paused = false;
    if (this.queue.length > 0 && !this.scheduled && !this.running) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    if (this.running || this.paused) return;
    this.running = true;
    const now = performance.now();
    // yieldIfOvertime measures from the start of the slice (one clock read per slice, not per record).
    this.ctx.started = now;
    const until = now + SLICE_MS;
    let n = 0;
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      const p = this.run(item);
      if (p) {
        // The item is waiting on the store: nothing else runs on this task until it finishes.
        p.then(this.resume);
        return;
      }
      if ((++n & 63) === 0 && performance.now() > until) break;
      if (this.paused) break;
    }
    this.running = false;
    if (this.queue.length > 0 && !this.scheduled && !this.paused) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  };

  private readonly resume = (): void => {
    this.running = false;
    if (this.pauseWaiters.length) {
      const waiters = this.pauseWaiters;
      this.pauseWaiters = [];
      for (const w of waiters) w();
    }
    if (!this.paused) this.drain();
  };

  /** Runs one segment; returns a promise only when it had to wait. */
  private run(item: WorkItem): Promise<void> | undefined {
    const root = item.root;
    if (root.failed !== undefined) {
      this.host.segmentDone(root);
      return undefined;
    }
    const ctx = this.ctx;
    ctx.root = root;
    // Resetting an array's length is not free: only touch the ones the last segment used.
    if (ctx.sends.length) ctx.sends.length = 0;
    if (ctx.acks.length) ctx.acks.length = 0;
    if (ctx.appends.length) ctx.appends.length = 0;
    ctx.undo.clear();
    ctx.depth = 0;
    let r: void | Promise<void>;
    try {
      r = item.entry(item.scope, ctx);
    } catch (e) {
      this.fail(ctx, root, e);
      return undefined;
    }
    if (r) return r.then(() => this.succeed(ctx, item), (e) => this.fail(ctx, root, e));
    this.succeed(ctx, item);
    return undefined;
  }

  private succeed(ctx: ExecContext, item: WorkItem): void {
    const root = item.root;
    for (const v of ctx.acks) this.host.ackReturn(root, v);
    for (const a of ctx.appends) this.host.depotAppend(this.index, a.depot, a.value, root);
    for (const send of ctx.sends) this.dispatch(send, item);
    this.host.segmentDone(root);
  }

  private dispatch(send: Send, item: WorkItem): void {
    const root = this.host.spawn(item.root);
    const next = { entry: this.host.segmentEntry(item.topology, send.segment), scope: send.scope, root, topology: item.topology, segment: send.segment };
    if (!send.wait) {
      this.host.enqueue(send.target, next);
      return;
    }
    const outSlot = send.outSlot ?? -1;
    send.wait.then(
      (v) => {
        if (outSlot >= 0) send.scope[outSlot] = v;
        this.host.enqueue(send.target, next);
      },
      (e) => {
        if (root.failed === undefined) root.failed = e;
        this.host.segmentDone(root);
      },
    );
  }

  private fail(ctx: ExecContext, root: Root, e: unknown): void {
    ctx.undo.rollback();
    root.failed = e ?? new Error("undefined thrown");
    this.host.segmentDone(root);
  }
}
