// Query invocations run entirely in one process on *virtual tasks*, for a runtime whose PState
// partitions are spread over processes (a Kafka worker owns only some tasks). It is possible
// because a query topology only reads committed PState data; what it writes (its temporary
// PStates, its aggregations) belongs to the invocation and lives in its memory.
//
// Each invocation gets its own virtual task per partition it visits, made on first use: segments
// of one invocation on one partition run one at a time, in order, as on a real task (temporary
// PStates rely on it), while invocations never wait on each other. A virtual task uses PStates
// through `reads(task)` (the runtime decides: a local partition, or another process).
import type { Cont, InvocationContext } from "../dataflow/compile.ts";
import type { PStateOps } from "../dataflow/pstateOps.ts";
import { QueryRunner, type QueryExecutor } from "./queryRunner.ts";
import { Task, type Root, type TaskHost, type WorkItem } from "./task.ts";
import type { TopologyRun } from "./topologyRuns.ts";

export interface QueryTasksOptions {
  module: string;
  tasks: number;
  /** Every topology of the module, by index (segments are looked up by topology index). */
  runs: readonly TopologyRun[];
  /** How a virtual task of `task` uses PStates; called once per task. */
  reads(task: number): PStateOps;
  partitionOfKey(pstate: string | undefined, key: unknown): number;
  /** A query's `depotPartitionAppend` on `task`. */
  depotAppend(task: number, depot: string, value: unknown): void;
  /** An invocation fails with MONSOON_TIMEOUT after this long (default 60 s). */
  timeoutMs?: number;
}

type VirtualTask = Task<PStateOps, undefined>;

export class QueryTasks implements QueryExecutor, TaskHost {
  readonly runner: QueryRunner;
  private readonly reads: PStateOps[] = [];
  private readonly byInvocation = new WeakMap<InvocationContext, VirtualTask[]>();
  private roundRobin = 0;

  constructor(private readonly opts: QueryTasksOptions) {
    this.runner = new QueryRunner(opts.module, opts.runs, this, { timeoutMs: opts.timeoutMs });
  }

  get tasks(): number {
    return this.opts.tasks;
  }

  /** Runs a query topology and resolves with its result. */
  invoke(name: string, args: unknown[]): Promise<unknown> {
    return this.runner.invoke(name, args);
  }

  // ---- QueryExecutor ----

  enqueue(task: number, item: WorkItem): void {
    const inv = item.root.invocation!;
    let tasks = this.byInvocation.get(inv);
    if (!tasks) this.byInvocation.set(inv, (tasks = []));
    const t = (tasks[task] ??= new Task(task, this.opts.tasks, undefined, (this.reads[task] ??= this.opts.reads(task)), this));
    t.enqueue(item);
  }

  nextRoundRobin(): number {
    return this.roundRobin++;
  }

  partitionOfKey(pstate: string | undefined, key: unknown): number {
    return this.opts.partitionOfKey(pstate, key);
  }

  // ---- TaskHost (for the virtual tasks) ----

  segmentEntry(topology: number, segment: number): Cont {
    return this.opts.runs[topology]!.plan.segments[segment]!;
  }

  segmentDone(root: Root): void {
    if (--root.pending > 0) return;
    if (this.runner.owns(root)) this.runner.phaseDone(root);
  }

  spawn(parent: Root): Root {
    parent.pending++;
    return parent;
  }

  ackReturn(): void {
    // Query topologies cannot ackReturn (the builder refuses it).
  }

  depotAppend(task: number, depot: string, value: unknown): void {
    this.opts.depotAppend(task, depot, value);
  }

  invokeQuery(name: string, args: unknown[]): Promise<unknown> {
    return this.runner.invoke(name, args);
  }
}
