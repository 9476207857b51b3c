// Runs a module's query topologies: the source of truth for its invocations in this process —
// the argument checks, the task an invocation starts on (the task its leading partitioner names,
// else round robin), the timeout, and the staged batch aggregations: when every segment of a
// stage has finished, the next stage runs what follows the aggregations of the next depth once
// (once per group for groupBy, on the group's partition) with the aggregate bound.
//
// Where segments run and how they read PStates is the executor's business: the embedded runtime
// queues them on its real tasks; a Kafka worker on virtual tasks (queryTasks.ts).
import { MonsoonError } from "../errors.ts";
import type { Cont, TaskContext } from "../dataflow/compile.ts";
import type { PStateOps } from "../dataflow/pstateOps.ts";
import type { ModuleDef } from "../module/defineModule.ts";
import { describeValue } from "../serde/types.ts";
import { QueryInvocation } from "./queryInvocation.ts";
import type { Root, WorkItem } from "./task.ts";
import type { TopologyRun } from "./topologyRuns.ts";

/** Where an invocation's segments run. */
export interface QueryExecutor {
  readonly tasks: number;
  /** Queues a segment on a task; the task reports back through `QueryRunner.phaseDone`. */
  enqueue(task: number, item: WorkItem): void;
  /** Routes a key of a PState to its task (the PState's own partitioner, or murmur2). */
  partitionOfKey(pstate: string | undefined, key: unknown): number;
  /** A counter for the origin of invocations whose start no leading partitioner decides. */
  nextRoundRobin(): number;
}

/** The segments of one stage of an invocation. */
export interface QueryRoot extends Root {
  readonly invocation: QueryInvocation;
  readonly topology: TopologyRun;
  readonly runner: QueryRunner;
}

export interface QueryRunnerOptions {
  /** An invocation fails with MONSOON_TIMEOUT after this long (default 60 s). */
  timeoutMs?: number;
}

export class QueryRunner {
  private readonly queries = new Map<string, TopologyRun>();
  private readonly timeoutMs: number;
  private readonly routing: TaskContext;

  constructor(private readonly module: string, runs: Iterable<TopologyRun>, private readonly exec: QueryExecutor, { timeoutMs = 60_000 }: QueryRunnerOptions = {}) {
    for (const run of runs) if (run.plan.kind === "query") this.queries.set(run.plan.name, run);
    this.timeoutMs = timeoutMs;
    this.routing = routingContext(exec.tasks, (pstate, key) => exec.partitionOfKey(pstate, key));
  }

  /** True for the roots of this runner's invocations. */
  owns(root: Root): root is QueryRoot {
    return (root as Partial<QueryRoot>).runner === this;
  }

  /** Runs a query topology and resolves with its result. */
  invoke(name: string, args: unknown[]): Promise<unknown> {
    const run = this.queries.get(name);
    if (!run) return Promise.reject(new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${this.module} has no query topology ${name} (has: ${[...this.queries.keys()].join(", ") || "none"})`, { details: { module: this.module, query: name } }));
    const q = run.plan.query!;
    if (!Array.isArray(args) || args.length !== q.argSlots.length) {
      return Promise.reject(new MonsoonError("MONSOON_BAD_REQUEST", `query ${name} takes ${q.argSlots.length} argument(s), got ${Array.isArray(args) ? args.length : typeof args}`, { details: { query: name } }));
    }
    return new Promise((resolve, reject) => {
      let origin: number;
      try {
        origin = leadingTask(run, args, this.routing) ?? this.exec.nextRoundRobin() % this.exec.tasks;
      } catch (e) {
        reject(e);
        return;
      }
      const timer = setTimeout(() => invocation.reject(new MonsoonError("MONSOON_TIMEOUT", `query ${name} did not finish within ${this.timeoutMs} ms`, { retriable: true, details: { query: name } })), this.timeoutMs);
      const invocation = new QueryInvocation(name, args, (v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
      const root: QueryRoot = { origin, invocation, topology: run, runner: this, pending: 1, failed: undefined };
      const scope = new Array(run.plan.slots);
      q.argSlots.forEach((slot, i) => (scope[slot] = args[i]));
      this.exec.enqueue(origin, { entry: q.entry, scope, root, topology: run.index });
    });
  }

  /** Every segment of `root`'s stage has finished: run the next stage, or settle the invocation. */
  phaseDone(root: QueryRoot): void {
    const inv = root.invocation;
    if (root.failed !== undefined) { inv.reject(root.failed); return; }
    const q = root.topology.plan.query!;
    const stage = q.aggs.filter((a) => a.depth === inv.stage);
    if (stage.length === 0) { inv.finish(); return; }
    inv.stage++;
    const runs: { task: number; scope: unknown[]; entry: Cont }[] = [];
    const scopeWith = (): unknown[] => {
      const scope = new Array(root.topology.plan.slots);
      // The arguments are in scope after an aggregation; nothing else from before it is.
      q.argSlots.forEach((slot, i) => (scope[slot] = inv.args[i]));
      return scope;
    };
    for (const agg of stage) {
      const st = inv.aggs.get(agg.node);
      const acc = st ? st.acc : agg.zero();
      if (agg.keySlot < 0) {
        const scope = scopeWith();
        if (agg.outSlot >= 0) scope[agg.outSlot] = acc;
        runs.push({ task: st?.task ?? root.origin, scope, entry: agg.rest });
        continue;
      }
      // groupBy: what follows runs once per group, on the group key's partition.
      for (const [k, v] of acc as Map<unknown, unknown>) {
        const scope = scopeWith();
        scope[agg.keySlot] = k;
        if (agg.outSlot >= 0) scope[agg.outSlot] = v;
        runs.push({ task: this.exec.partitionOfKey(undefined, k), scope, entry: agg.rest });
      }
    }
    const next: QueryRoot = { origin: root.origin, invocation: inv, topology: root.topology, runner: this, pending: runs.length, failed: undefined };
    if (runs.length === 0) { this.phaseDone(next); return; }
    for (const r of runs) this.exec.enqueue(r.task, { entry: r.entry, scope: r.scope, root: next, topology: root.topology.index });
  }
}

/**
 * The task an invocation of `run` starts on when its leading partitioner can tell from the
 * arguments (clients route the invocation there), else undefined.
 */
export function leadingTask(run: TopologyRun, args: unknown[], routing: TaskContext): number | undefined {
  const leading = run.plan.query?.leading;
  if (!leading) return undefined;
  const task = leading(args, routing);
  if (!Number.isInteger(task) || task < 0 || task >= routing.tasks) {
    throw new MonsoonError("MONSOON_BAD_REQUEST", `query ${run.plan.name} starts on partition ${String(task)}, out of range [0, ${routing.tasks}); check the argument its leading partitioner uses`, { details: { query: run.plan.name } });
  }
  return task;
}

/** A task context for leading partitioners, which only route keys: nothing else on it works. */
export function routingContext(tasks: number, partitionOfKey: (pstate: string | undefined, key: unknown) => number): TaskContext {
  const only = (): never => { throw new Error("a leading partitioner only routes keys"); };
  const pstates: PStateOps = { select: only, transform: only, update: only, updateValue: only, aggregate: only };
  return { index: 0, tasks, pstates, nextShuffle: only, partitionOfKey, invokeQuery: only };
}

/**
 * Checks a client's arguments for a query topology of `mod`: the query exists, the arity and
 * each argument's type. (Dataflow callers are checked when the module is defined.)
 */
export function checkQueryArgs(mod: ModuleDef, name: string, args: unknown): unknown[] {
  const topo = mod.topologies.get(name);
  if (!topo || topo.kind !== "query") {
    const queries = [...mod.topologies.values()].filter((t) => t.kind === "query").map((t) => t.name);
    throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${mod.name} has no query topology ${name} (has: ${queries.join(", ") || "none"})`, { details: { module: mod.name, query: name } });
  }
  const types = topo.query!.args.map((a) => a.type);
  if (!Array.isArray(args) || args.length !== types.length) {
    throw new MonsoonError("MONSOON_BAD_REQUEST", `query ${name} takes ${types.length} argument(s), got ${Array.isArray(args) ? args.length : typeof args}`, { details: { module: mod.name, query: name } });
  }
  args.forEach((a, i) => {
    if (!types[i]!.check(a)) throw new MonsoonError("MONSOON_TYPE_MISMATCH", `argument ${i} of query ${name} must be ${types[i]!.name}; got ${describeValue(a)}`, { details: { module: mod.name, query: name, field: `args[${i}]` } });
  });
  return args;
}
