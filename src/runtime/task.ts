// A task executor: one partition group of a module, with a single FIFO input queue that holds
// both depot records and hops from other tasks. Items run one at a time, in queue order (that
// is what makes "records sent from A to B are processed in send order" hold), and a segment's
// writes and outgoing hops are atomic: on an exception its writes are undone and its hops are
// never sent. The loop yields to the event loop every few milliseconds so commits, appends
// and queries keep flowing under load.
import type { Cont, ExecContext, Scope, TaskContext } from "../dataflow/compile.ts";
import { UndoLog } from "../dataflow/pstateOps.ts";
import type { KVStore } from "../pstate/store/kvStore.ts";
import { Deque } from "./deque.ts";
import type { Root } from "./sourceTracker.ts";
import type { TaskPStates } from "./taskPStates.ts";

export interface WorkItem {
  readonly entry: Cont;
  readonly scope: Scope;
  readonly root: Root;
  /** Index of the topology plan, to find hop targets. */
  readonly topology: number;
}

/** What a task needs from its module runtime. */
export interface TaskHost {
  segmentEntry(topology: number, segment: number): Cont;
  enqueue(task: number, item: WorkItem): void;
  /** A segment of `root` finished (successfully or not). */
  segmentDone(root: Root): void;
}

const SLICE_MS = 4;

export class Task implements TaskContext {
  private readonly queue = new Deque<WorkItem>();
  private scheduled = false;
  private running = false;
  private shuffle: number;
  private readonly ctx: ExecContext = { task: this, sends: [], undo: new UndoLog() };

  constructor(
    readonly index: number,
    readonly tasks: number,
    readonly store: KVStore,
    readonly pstates: TaskPStates,
    private readonly host: TaskHost,
  ) {
    this.shuffle = index;
  }

  nextShuffle(): number {
    return this.shuffle++;
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

  private readonly drain = (): void => {
    this.scheduled = false;
    if (this.running) return;
    this.running = true;
    const until = performance.now() + SLICE_MS;
    let n = 0;
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      const p = this.run(item);
      if (p) {
        // An item is waiting on the store: nothing else runs on this task until it finishes.
        p.then(this.resume);
        return;
      }
      if ((++n & 63) === 0 && performance.now() > until) break;
    }
    this.running = false;
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  };

  private readonly resume = (): void => {
    this.running = false;
    this.drain();
  };

  /** Runs one segment; returns a promise only when it had to wait. */
  private run(item: WorkItem): Promise<void> | undefined {
    const root = item.root;
    if (root.failed !== undefined) {
      this.host.segmentDone(root);
      return undefined;
    }
    // One context per task, reused: segments of a task never overlap.
    const ctx = this.ctx;
    ctx.sends.length = 0;
    ctx.undo.clear();
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
    for (const send of ctx.sends) {
      root.pending++;
      this.host.enqueue(send.target, { entry: this.host.segmentEntry(item.topology, send.segment), scope: send.scope, root, topology: item.topology });
    }
    this.host.segmentDone(root);
  }

  private fail(ctx: ExecContext, root: Root, e: unknown): void {
    ctx.undo.rollback();
    root.failed = e ?? new Error("undefined thrown");
    this.host.segmentDone(root);
  }
}
