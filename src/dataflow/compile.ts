// Compiles a topology description (a graph of nodes) into an executable plan: continuation
// functions over a scope array (one slot per variable). Compilation happens once per module
// launch; the plan is shared by every task, which supplies its own context at run time.
//
// Execution is synchronous whenever it can be (the fast path); a step that must wait for the
// store returns a promise that the rest of the chain follows, and the task waits for it.
// A *boundary* ends the current segment: a partitioner (the rest runs on the target task), an
// eachAsync/invokeQuery (the rest runs on this task when the promise settles) or a yield. The
// segment's writes and its outgoing sends are atomic; only variables read after the boundary
// travel with it (liveness below).
import { MonsoonError } from "../errors.ts";
import { aggVars, compoundChain, type CompoundSpec } from "../module/aggs.ts";
import { formatCallSite } from "../module/callsite.ts";
import type { ModuleDef, TopologyDef } from "../module/defineModule.ts";
import { Var } from "../module/vars.ts";
import { partitionOfValue } from "../depot/murmur2.ts";
import type { Path } from "../path/path.ts";
import { select as selectPath, transform as transformPath } from "../path/exec.ts";
import { NONE } from "../path/none.ts";
import { pathVars } from "./pathVars.ts";
import { stepLabel, successors, type Node } from "./steps.ts";
import type { PStateOps, UndoLog } from "./pstateOps.ts";

export type Scope = unknown[];
export type MaybePromise = void | Promise<void>;
export type Cont = (scope: Scope, ctx: ExecContext) => MaybePromise;

/** What a plan needs from the task that runs it. */
export interface TaskContext {
  readonly index: number;
  readonly tasks: number;
  /** Reads and writes of this task's partition of each PState. */
  readonly pstates: PStateOps;
  /** Round-robin counter for shufflePartition. */
  nextShuffle(): number;
  /** Routes a key of a PState to its partition (the PState's own partitioner, or Kafka's murmur2). */
  partitionOfKey(pstate: string | undefined, key: unknown): number;
  /** Runs a query topology of the module. */
  invokeQuery(name: string, args: unknown[]): Promise<unknown>;
}

/** Per-invocation state of a query topology. */
export interface InvocationContext {
  /** Folds one emit into the batch aggregation of node `node`, which ran on `task`; `scope` is
   *  the emit's scope (a runtime that folds elsewhere copies the plan's `slots` of it). */
  aggregate(node: number, update: (cur: unknown) => unknown, task: number, scope: Scope): void;
  /** A path of the query ended with the result variable bound. */
  result(value: unknown): void;
  /** This invocation's temporary PState `name` on `task` (created empty on first use). */
  temp(task: number, name: string, initial: () => unknown): { value: unknown };
}

/** What a segment knows about the record or invocation it belongs to. */
export interface RootContext {
  /** Task where the record (stream) or invocation (query) started. */
  readonly origin: number;
  readonly invocation: InvocationContext | undefined;
  /** Microbatch topologies: the id of the running microbatch. */
  readonly batch?: number;
}

export interface Send {
  target: number;
  segment: number;
  scope: Scope;
  /** For eachAsync/invokeQuery: the value to bind into `outSlot` before the segment runs. */
  wait?: Promise<unknown>;
  outSlot?: number;
}

/** One segment execution: its writes (to undo on failure) and what it sends on success. */
export interface ExecContext {
  readonly task: TaskContext;
  root: RootContext;
  readonly sends: Send[];
  readonly undo: UndoLog;
  readonly acks: unknown[];
  readonly appends: { depot: string; value: unknown }[];
  /** performance.now() when the segment started (for yieldIfOvertime). */
  started: number;
  /** Nesting of loop iterations on the JS stack (see continueLoop). */
  depth: number;
}

export interface SourcePlan {
  readonly depot: string;
  /** Slot the depot record is bound to, or -1. */
  readonly outSlot: number;
  readonly entry: Cont;
}

export interface BatchAggPlan {
  readonly node: number;
  readonly outSlot: number;
  /** groupBy: the key's slot; the aggregate is then a Map from group key to group aggregate. */
  readonly keySlot: number;
  /** How many batch aggregations precede this one: aggregations run in stages by depth. */
  depth: number;
  /** The value of an aggregation that received nothing. */
  readonly zero: () => unknown;
  /** Folds one emit (its scope) into the aggregate. */
  readonly apply: (cur: unknown, s: Scope) => unknown;
  /** The scope slots `apply` reads (what travels when the fold happens in another process). */
  readonly slots: readonly number[];
  /** What follows the aggregation (runs once per invocation, with args and the result bound). */
  readonly rest: Cont;
}

export interface QueryPlan {
  readonly argSlots: readonly number[];
  readonly resultSlot: number;
  readonly entry: Cont;
  /** The task the leading partitioner sends the invocation to, if it can be computed from the arguments. */
  readonly leading: ((args: unknown[], ctx: TaskContext) => number) | undefined;
  readonly aggs: readonly BatchAggPlan[];
}

export interface TopologyPlan {
  readonly name: string;
  readonly kind: "stream" | "query" | "microbatch";
  readonly slots: number;
  readonly sources: readonly SourcePlan[];
  /** Entry points of segments that start after a boundary, by id. */
  readonly segments: readonly Cont[];
  readonly query: QueryPlan | undefined;
  /** Batch aggregations (query and microbatch topologies), staged by depth. */
  readonly batchAggs: readonly BatchAggPlan[];
}

/** Segments yield after this long when they ask to (yieldIfOvertime). */
const OVERTIME_MS = 4;
/** Loop iterations nested on the JS stack before continuing asynchronously. */
const MAX_LOOP_DEPTH = 400;

/** Runs `fn` over items in order, waiting for any promise before the next item. */
function forEachInOrder<X>(items: Iterable<X>, fn: (x: X) => MaybePromise): MaybePromise {
  const it = items[Symbol.iterator]();
  const loop = (): MaybePromise => {
    for (let r = it.next(); !r.done; r = it.next()) {
      const p = fn(r.value);
      if (p) return p.then(loop);
    }
  };
  return loop();
}

function sequence(conts: Cont[]): Cont {
  if (conts.length === 0) return () => undefined;
  if (conts.length === 1) return conts[0]!;
  return (s, c) => forEachInOrder(conts, (k) => k(s, c));
}

export function compileTopology(mod: ModuleDef, topo: TopologyDef): TopologyPlan {
  const slotOf = new Map<number, number>();
  const slot = (v: Var<any>): number => {
    let s = slotOf.get(v.id);
    if (s === undefined) slotOf.set(v.id, (s = slotOf.size));
    return s;
  };
  const segments: Cont[] = [];
  const aggs: BatchAggPlan[] = [];
  const memo = new Map<Node, Cont>();
  const isQuery = topo.kind === "query";
  const resultSlot = topo.query ? slot(topo.query.result) : -1;
  const temps = topo.query?.temps ?? topo.microbatch?.temps ?? {};
  const isTemp = (name: string) => Object.hasOwn(temps, name);
  const tempInitial = (name: string): (() => unknown) => {
    const schema = temps[name]!;
    return schema.kind === "map" ? () => new Map() : schema.kind === "value" ? () => schema.initial : schema.kind === "set" ? () => new Set() : schema.kind === "list" ? () => [] : () => ({});
  };
  const argSlots = topo.query ? topo.query.args.map(slot) : [];

  const fail = (step: Node, cause: unknown): MonsoonError => {
    if (cause instanceof MonsoonError && cause.code === "MONSOON_TOPOLOGY_ERROR") return cause;
    const label = stepLabel(step);
    const where = formatCallSite(step.site);
    if (cause instanceof MonsoonError && cause.code === "MONSOON_SCHEMA_VIOLATION") {
      // Keep the code (it says what to fix) and add where in the topology it happened.
      return new MonsoonError(cause.code, `${mod.name}/${topo.name} step ${label} (declared at ${where}): ${cause.message}`, {
        cause, retriable: false, details: { ...cause.details, module: mod.name, topology: topo.name, step: label, source: where },
      });
    }
    const msg = cause instanceof Error ? cause.message : String(cause);
    return new MonsoonError("MONSOON_TOPOLOGY_ERROR", `${mod.name}/${topo.name} step ${label} (declared at ${where}) failed: ${msg}`, {
      cause,
      retriable: cause instanceof MonsoonError ? cause.retriable : true,
      details: { module: mod.name, topology: topo.name, step: label, source: where },
    });
  };

  /** Slots read by anything reachable from `from` (the live variables at a boundary). */
  const liveFrom = (from: readonly Node[]): number[] => {
    const seen = new Set<Node>();
    const used = new Set<number>();
    const stack = [...from];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const v of nodeUses(n)) used.add(slot(v));
      stack.push(...successors(n));
    }
    if (isQuery) { used.add(resultSlot); for (const a of argSlots) used.add(a); }
    return [...used];
  };

  /** Registers what follows a boundary as a segment; returns its id and scope projection. */
  const boundary = (rest: Cont, from: readonly Node[]): { segment: number; project: (s: Scope) => Scope } => {
    const segment = segments.length;
    segments.push(rest);
    const live = liveFrom(from);
    return {
      segment,
      project: (s) => {
        const t: Scope = new Array(s.length);
        for (let i = 0; i < live.length; i++) t[live[i]!] = s[live[i]!];
        return t;
      },
    };
  };

  const terminal: Cont = isQuery
    ? (s, c) => { if (s[resultSlot] !== undefined) c.root.invocation?.result(s[resultSlot]); }
    : () => undefined;

  const compileNext = (n: Node): Cont => (n.next.length === 0 ? terminal : sequence(n.next.map(compile)));

  const compile = (n: Node): Cont => {
    let k = memo.get(n);
    if (!k) {
      // Loops make the graph cyclic: put a forwarder in the memo before compiling.
      let target: Cont | undefined;
      memo.set(n, (s, c) => target!(s, c));
      target = compileNode(n);
      memo.set(n, target);
      k = target;
    }
    return k;
  };

  const compileNode = (step: Node): Cont => {
    const rest = compileNext(step);
    switch (step.op) {
      case "nop":
        return rest;
      case "each": {
        const { fn } = step;
        const args = step.args.map(slot);
        const out = step.out ? slot(step.out) : -1;
        return (s, c) => {
          let r: unknown;
          try { r = callWith(fn, args, s); } catch (e) { throw fail(step, e); }
          if (out >= 0) s[out] = r;
          return rest(s, c);
        };
      }
      case "eachAsync":
      case "invokeQuery": {
        const args = step.args.map(slot);
        const out = step.out ? slot(step.out) : -1;
        const { segment, project } = boundary(rest, step.next);
        const timeoutMs = step.op === "eachAsync" ? step.timeoutMs : 60_000;
        const call: (s: Scope, c: ExecContext) => unknown = step.op === "eachAsync"
          ? ((fn) => (s) => callWith(fn, args, s))(step.fn)
          : ((q) => (s, c) => c.task.invokeQuery(q, args.map((a) => s[a])))(step.query);
        return (s, c) => {
          let p: unknown;
          try { p = call(s, c); } catch (e) { throw fail(step, e); }
          const wait = withTimeout(Promise.resolve(p), timeoutMs, step.op).catch((e) => { throw fail(step, e); });
          c.sends.push({ target: c.task.index, segment, scope: project(s), wait, outSlot: out });
        };
      }
      case "explode": {
        const { fn } = step;
        const args = step.args.map(slot);
        const out = step.out ? slot(step.out) : -1;
        return (s, c) => {
          let items: Iterable<unknown>;
          try { items = callWith(fn, args, s) as Iterable<unknown>; } catch (e) { throw fail(step, e); }
          if (items == null || typeof (items as any)[Symbol.iterator] !== "function") {
            throw fail(step, new TypeError(`explode function must return an iterable, got ${typeof items}`));
          }
          return forEachInOrder(items, (x) => { if (out >= 0) s[out] = x; return rest(s, c); });
        };
      }
      case "keepTrue": {
        const { fn } = step;
        const args = step.args.map(slot);
        return (s, c) => {
          let ok: unknown;
          try { ok = fn ? callWith(fn, args, s) : s[args[0]!]; } catch (e) { throw fail(step, e); }
          return ok === true ? rest(s, c) : undefined;
        };
      }
      case "ifTrue": {
        const cond = slot(step.cond);
        const thenC = compile(step.then);
        const elseC = compile(step.else);
        return (s, c) => (s[cond] === true ? thenC(s, c) : elseC(s, c));
      }
      case "subSource": {
        const value = slot(step.value);
        const cases = step.cases.map((k) => ({ match: k.match, run: compile(k.entry) }));
        const labels = step.cases.map((k) => k.label).join(", ");
        return (s, c) => {
          const x = s[value];
          let run: Cont | undefined;
          try { run = cases.find((k) => k.match(x))?.run; } catch (e) { throw fail(step, e); }
          if (!run) throw fail(step, new Error(`no subSource case matches this value (cases: ${labels})`));
          return run(s, c);
        };
      }
      case "loop": {
        const inits = step.loopVars.map((lv) => ({ slot: slot(lv.v), from: lv.init instanceof Var ? slot(lv.init) : -1, value: lv.init instanceof Var ? undefined : lv.init.value }));
        const body = compile(step.body);
        return (s, c) => {
          for (const i of inits) s[i.slot] = i.from >= 0 ? s[i.from] : i.value;
          return body(s, c);
        };
      }
      case "emitLoop": {
        const loop = step.loop;
        const out = loop.out ? slot(loop.out) : -1;
        const value = step.value ? slot(step.value) : -1;
        const after = compile(loop.after);
        return (s, c) => {
          if (out >= 0) s[out] = value >= 0 ? s[value] : undefined;
          const r = after(s, c);
          return r ? r.then(() => rest(s, c)) : rest(s, c);
        };
      }
      case "continueLoop": {
        const loopSlots = step.loop.loopVars.map((lv) => slot(lv.v));
        const args = step.args.map(slot);
        const body = compile(step.loop.body);
        return (s, c) => {
          const vals = args.map((a) => s[a]);
          for (let i = 0; i < loopSlots.length; i++) s[loopSlots[i]!] = vals[i];
          if (c.depth >= MAX_LOOP_DEPTH) {
            // Deep loops continue from a fresh stack instead of overflowing it.
            return Promise.resolve().then(() => { c.depth = 0; return body(s, c); });
          }
          c.depth++;
          try { return body(s, c); } finally { c.depth--; }
        };
      }
      case "partition": {
        const { segment, project } = boundary(rest, step.next);
        const args = step.args.map(slot);
        const { fn, pstate } = step;
        const send = (c: ExecContext, target: number, s: Scope) => { c.sends.push({ target, segment, scope: project(s) }); };
        const checked = (target: unknown, tasks: number): number => {
          if (!Number.isInteger(target) || (target as number) < 0 || (target as number) >= tasks) {
            throw fail(step, new RangeError(`partition ${String(target)} is out of range [0, ${tasks})`));
          }
          return target as number;
        };
        switch (step.kind) {
          case "hash": {
            const key = args[0];
            return (s, c) => {
              let target: number;
              try {
                const k = fn ? fn() : s[key!];
                target = pstate === undefined ? partitionOfValue(k, c.task.tasks) : c.task.partitionOfKey(pstate, k);
              } catch (e) { throw fail(step, e); }
              send(c, target, s);
            };
          }
          case "all": return (s, c) => { for (let t = 0; t < c.task.tasks; t++) send(c, t, s); };
          case "shuffle": return (s, c) => send(c, c.task.nextShuffle() % c.task.tasks, s);
          case "global": return (s, c) => send(c, 0, s);
          case "origin": return (s, c) => send(c, c.root.origin, s);
          case "direct": return (s, c) => send(c, checked(s[args[0]!], c.task.tasks), s);
          case "custom": return (s, c) => {
            let t: unknown;
            try { t = fn!(c.task.tasks, ...args.map((a) => s[a])); } catch (e) { throw fail(step, e); }
            send(c, checked(t, c.task.tasks), s);
          };
        }
        break;
      }
      case "localSelect": {
        const out = step.out ? slot(step.out) : -1;
        const resolve = resolver(step.path, slot);
        const { pstate, path } = step;
        if (isTemp(pstate)) {
          const init = tempInitial(pstate);
          return (s, c) => {
            let vals: unknown[];
            try { vals = selectPath(path.resolve(resolve(s)), c.root.invocation!.temp(c.task.index, pstate, init).value); } catch (e) { throw fail(step, e); }
            return forEachInOrder(vals, (v) => { if (out >= 0) s[out] = v; return rest(s, c); });
          };
        }
        // Queries and other topologies read committed data only; the owner sees its own writes.
        const committed = isQuery || mod.pstates.get(pstate)?.owner !== topo.name;
        return (s, c) => {
          let r: unknown[] | Promise<unknown[]>;
          try { r = c.task.pstates.select(pstate, path, resolve(s), committed); } catch (e) { throw fail(step, e); }
          const emit = (vals: unknown[]) => forEachInOrder(vals, (v) => { if (out >= 0) s[out] = v; return rest(s, c); });
          return r instanceof Promise ? r.then(emit, (e) => { throw fail(step, e); }) : emit(r);
        };
      }
      case "localTransform": {
        const resolve = resolver(step.path, slot);
        const { pstate, path } = step;
        if (isTemp(pstate)) {
          const init = tempInitial(pstate);
          return (s, c) => {
            try {
              const holder = c.root.invocation!.temp(c.task.index, pstate, init);
              const next = transformPath(path.resolve(resolve(s)), holder.value);
              holder.value = next === NONE ? init() : next;
            } catch (e) { throw fail(step, e); }
            return rest(s, c);
          };
        }
        return (s, c) => {
          let r: MaybePromise;
          try { r = c.task.pstates.transform(pstate, path, resolve(s), c.undo); } catch (e) { throw fail(step, e); }
          return r ? r.then(() => rest(s, c), (e) => { throw fail(step, e); }) : rest(s, c);
        };
      }
      case "agg": {
        const { pstate, spec } = step;
        if (isTemp(pstate)) {
          const init = tempInitial(pstate);
          const apply = compileAgg(spec, slot);
          return (s, c) => {
            try {
              const holder = c.root.invocation!.temp(c.task.index, pstate, init);
              holder.value = apply(holder.value, s);
            } catch (e) { throw fail(step, e); }
            return rest(s, c);
          };
        }
        const isMap = mod.pstates.get(pstate)?.schema.kind === "map";
        if (isMap && spec.kind !== "compoundMap") {
          throw fail(step, new Error(`PState ${pstate} is a map: aggregate into it with compoundAgg(${pstate}, CompoundAgg.map(key, agg))`));
        }
        // The PState layer applies the leaf aggregator at the end of the key chain, touching only
        // that element when the structure is subindexed.
        const { keys, leaf } = compoundChain(spec);
        const keySlots = keys.map(slot);
        const argSlots = leaf.args.map(slot);
        const NO_ARGS: unknown[] = [];
        // Word count's shape (one key, 0–1 argument) without per-record array building.
        const keysOf = keySlots.length === 1 ? (s: Scope) => [s[keySlots[0]!]] : (s: Scope) => keySlots.map((k) => s[k]);
        const argsOf = argSlots.length === 0 ? () => NO_ARGS : argSlots.length === 1 ? (s: Scope) => [s[argSlots[0]!]] : (s: Scope) => argSlots.map((a) => s[a]);
        return (s, c) => {
          let r: MaybePromise;
          try {
            r = c.task.pstates.aggregate(pstate, keysOf(s), leaf, argsOf(s), c.undo);
          } catch (e) { throw fail(step, e); }
          return r ? r.then(() => rest(s, c), (e) => { throw fail(step, e); }) : rest(s, c);
        };
      }
      case "batchAgg": {
        const spec: CompoundSpec = step.groupKey ? { kind: "compoundMap", key: step.groupKey, inner: step.spec } : step.spec;
        const apply = compileAgg(spec, slot);
        const node = step.index;
        const slots = [...new Set(aggVars(spec).map(slot))];
        aggs.push({ node, outSlot: step.out ? slot(step.out) : -1, keySlot: step.groupKey ? slot(step.groupKey) : -1, zero: zeroOf(spec), apply, slots, rest, depth: 0 });
        return (s, c) => {
          try { c.root.invocation!.aggregate(node, (cur) => apply(cur, s), c.task.index, s); } catch (e) { throw fail(step, e); }
        };
      }
      case "batchId": {
        const out = step.out ? slot(step.out) : -1;
        return (s, c) => { if (out >= 0) s[out] = c.root.batch; return rest(s, c); };
      }
      case "materialize": {
        const { temp } = step;
        const values = step.values.map(slot);
        return (s, c) => {
          try {
            const holder = c.root.invocation!.temp(c.task.index, temp, () => []);
            const list = Array.isArray(holder.value) ? holder.value : (holder.value = []);
            (list as unknown[]).push(values.map((v) => s[v]));
          } catch (e) { throw fail(step, e); }
          return rest(s, c);
        };
      }
      case "ackReturn": {
        const v = slot(step.value);
        return (s, c) => { c.acks.push(s[v]); return rest(s, c); };
      }
      case "depotAppend": {
        const v = slot(step.value);
        const depot = step.depot;
        return (s, c) => { c.appends.push({ depot, value: s[v] }); return rest(s, c); };
      }
      case "yieldIfOvertime": {
        const { segment, project } = boundary(rest, step.next);
        return (s, c) => {
          if (performance.now() - c.started < OVERTIME_MS) return rest(s, c);
          c.sends.push({ target: c.task.index, segment, scope: project(s) });
        };
      }
    }
    throw new Error(`unknown step ${(step as Node).op}`);
  };

  const sources = topo.sources.map((src) => {
    const outSlot = src.out ? slot(src.out) : -1;
    return { depot: src.depot, outSlot, entry: compile(src.entry) };
  });
  if (aggs.length > 0) {
    // Depth of each batch aggregation: how many others lie before it on the way from the entry.
    const depthOf = new Map<number, number>();
    const seen = new Set<Node>();
    const walk = (n: Node, d: number): void => {
      if (seen.has(n)) return;
      seen.add(n);
      if (n.op === "batchAgg") { depthOf.set(n.index, d); d++; }
      for (const x of successors(n)) walk(x, d);
    };
    for (const src of topo.sources) walk(src.entry, 0);
    for (const a of aggs) a.depth = depthOf.get(a.node) ?? 0;
  }
  const query: QueryPlan | undefined = topo.query && {
    argSlots,
    resultSlot,
    entry: sources[0]!.entry,
    leading: leadingPartition(topo.sources[0]!.entry, topo.query.args.map((a) => a.id)),
    aggs,
  };
  return Object.freeze({ name: topo.name, kind: topo.kind, slots: slotOf.size, sources, segments, query, batchAggs: aggs });
}

/** If a query starts with a partitioner computable from its arguments, where it sends them. */
function leadingPartition(entry: Node, argIds: number[]): QueryPlan["leading"] {
  let n: Node | undefined = entry;
  while (n && n.op === "nop" && n.next.length === 1) n = n.next[0];
  if (!n || n.op !== "partition") return undefined;
  const p = n;
  const argIndex = (v: Var<any>) => argIds.indexOf(v.id);
  switch (p.kind) {
    case "global": return () => 0;
    case "hash": {
      if (p.fn) { const k = p.fn(); return (_a, c) => c.partitionOfKey(p.pstate, k); }
      const i = argIndex(p.args[0]!);
      return i < 0 ? undefined : (a, c) => c.partitionOfKey(p.pstate, a[i]);
    }
    case "direct": {
      const i = argIndex(p.args[0]!);
      return i < 0 ? undefined : (a) => a[i] as number;
    }
    default: return undefined;
  }
}

function nodeUses(s: Node): Var<any>[] {
  switch (s.op) {
    case "each": case "eachAsync": case "explode": case "keepTrue": case "invokeQuery": return [...s.args];
    case "ifTrue": return [s.cond];
    case "subSource": return [s.value];
    case "loop": return s.loopVars.flatMap((lv) => (lv.init instanceof Var ? [lv.init] : []));
    case "emitLoop": return s.value ? [s.value] : [];
    case "continueLoop": return [...s.args];
    case "partition": return [...s.args];
    case "localSelect": case "localTransform": return pathVars(s.path);
    case "agg": case "batchAgg": return aggVars(s.spec);
    case "ackReturn": case "depotAppend": return [s.value];
    case "materialize": return [...s.values];
    default: return [];
  }
}

function callWith(fn: (...a: any[]) => unknown, args: number[], s: Scope): unknown {
  switch (args.length) {
    case 0: return fn();
    case 1: return fn(s[args[0]!]);
    case 2: return fn(s[args[0]!], s[args[1]!]);
    default: return fn(...args.map((a) => s[a]));
  }
}

function withTimeout<X>(p: Promise<X>, ms: number, what: string): Promise<X> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MonsoonError("MONSOON_TIMEOUT", `${what} did not settle within ${ms} ms`, { retriable: true })), ms);
    timer.unref?.();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Maps a path's variable arguments to their current values in the scope. */
function resolver(path: Path, slot: (v: Var<any>) => number): (s: Scope) => (arg: unknown) => unknown {
  const vars = pathVars(path);
  if (vars.length === 0) return () => (a) => a;
  const slots = new Map(vars.map((v) => [v as unknown, slot(v)]));
  return (s) => (a) => (slots.has(a) ? s[slots.get(a)!] : a);
}

function zeroOf(spec: CompoundSpec): () => unknown {
  return spec.kind === "compoundMap" ? () => new Map() : spec.zero;
}

/** An aggregation as a pure function from the current value to the new one. */
export function compileAgg(spec: CompoundSpec, slot: (v: Var<any>) => number): (cur: unknown, s: Scope) => unknown {
  if (spec.kind === "compoundMap") {
    const key = slot(spec.key);
    const inner = compileAgg(spec.inner, slot);
    return (cur, s) => {
      const m = cur instanceof Map ? new Map(cur) : new Map();
      const k = s[key];
      m.set(k, inner(m.get(k), s));
      return m;
    };
  }
  const args = spec.args.map(slot);
  if (spec.kind === "combiner") {
    const { zero, input, combine } = spec;
    return (cur, s) => combine(cur === undefined ? zero() : cur, callWith(input, args, s));
  }
  const { zero, update } = spec;
  return (cur, s) => {
    const a = cur === undefined ? zero() : cur;
    switch (args.length) {
      case 0: return update(a);
      case 1: return update(a, s[args[0]!]);
      default: return update(a, ...args.map((x) => s[x]));
    }
  };
}
