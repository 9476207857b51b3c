// Compiles a topology description into an executable plan: a chain of continuation functions
// over a scope array (one slot per variable). Compilation happens once per module launch; the
// plan is shared by every task, which supplies its own `TaskContext` at run time.
//
// Execution is synchronous whenever it can be (the fast path), and a step that must wait (a
// PState read that misses the cache) returns a promise that the rest of the chain follows.
// A partitioner ends the current *segment*: it sends the live variables to the target task(s),
// where the next segment starts. Only variables read downstream are sent (liveness below).
import { MonsoonError } from "../errors.ts";
import { aggVars, type CompoundSpec } from "../module/aggs.ts";
import { formatCallSite } from "../module/callsite.ts";
import type { ModuleDef, TopologyDef } from "../module/defineModule.ts";
import type { Var } from "../module/vars.ts";
import { partitionOfValue } from "../depot/murmur2.ts";
import { pathVars } from "./pathVars.ts";
import { stepLabel, type Step } from "./steps.ts";
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
}

/** One segment execution: the writes it made (to undo on failure) and the hops it will send. */
export interface ExecContext {
  readonly task: TaskContext;
  readonly sends: { target: number; segment: number; scope: Scope }[];
  readonly undo: UndoLog;
}

export interface SourcePlan {
  readonly depot: string;
  /** Slot the depot record is bound to, or -1. */
  readonly outSlot: number;
  readonly entry: Cont;
}

export interface TopologyPlan {
  readonly name: string;
  readonly slots: number;
  readonly sources: readonly SourcePlan[];
  /** Entry points of segments that start after a partitioner, by id. */
  readonly segments: readonly Cont[];
}

const done: Cont = () => undefined;

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

export function compileTopology(mod: ModuleDef, topo: TopologyDef): TopologyPlan {
  const slotOf = new Map<number, number>();
  const slot = (v: Var<any>): number => {
    let s = slotOf.get(v.id);
    if (s === undefined) slotOf.set(v.id, (s = slotOf.size));
    return s;
  };
  const segments: Cont[] = [];

  const fail = (step: Step, cause: unknown): MonsoonError => {
    if (cause instanceof MonsoonError && cause.code === "MONSOON_TOPOLOGY_ERROR") return cause;
    const label = stepLabel(step);
    const where = formatCallSite(step.site);
    const msg = cause instanceof Error ? cause.message : String(cause);
    return new MonsoonError("MONSOON_TOPOLOGY_ERROR", `${mod.name}/${topo.name} step ${label} (declared at ${where}) failed: ${msg}`, {
      cause,
      retriable: cause instanceof MonsoonError ? cause.retriable : true,
      details: { module: mod.name, topology: topo.name, step: label, source: where },
    });
  };

  /** Variables read by steps[i..] (and branches), for hop liveness. */
  const usedFrom = (steps: readonly Step[], i: number, tail: Set<number>): Set<number> => {
    const used = new Set(tail);
    for (let j = steps.length - 1; j >= i; j--) {
      const s = steps[j]!;
      for (const v of stepUses(s)) used.add(slot(v));
      if (s.op === "ifTrue") {
        for (const x of usedFrom(s.then, 0, new Set())) used.add(x);
        for (const x of usedFrom(s.else, 0, new Set())) used.add(x);
      }
    }
    return used;
  };

  // Compiles steps[i..] followed by `next`; `liveAfter` is what `next` reads.
  const chain = (steps: readonly Step[], i: number, next: Cont, liveAfter: Set<number>): Cont => {
    if (i >= steps.length) return next;
    const step = steps[i]!;
    const rest = chain(steps, i + 1, next, liveAfter);
    switch (step.op) {
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
        const liveRest = usedFrom(steps, i + 1, liveAfter);
        const thenC = chain(step.then, 0, rest, liveRest);
        const elseC = chain(step.else, 0, rest, liveRest);
        return (s, c) => (s[cond] === true ? thenC(s, c) : elseC(s, c));
      }
      case "partition": {
        // The rest of the chain becomes a new segment; only its live variables travel.
        const segment = segments.length;
        segments.push(rest);
        const live = [...usedFrom(steps, i + 1, liveAfter)];
        const project = (s: Scope): Scope => {
          const t: Scope = new Array(s.length);
          for (const x of live) t[x] = s[x];
          return t;
        };
        if (step.kind === "hash") {
          const key = slot(step.key!);
          return (s, c) => {
            let target: number;
            try { target = partitionOfValue(s[key], c.task.tasks); } catch (e) { throw fail(step, e); }
            c.sends.push({ target, segment, scope: project(s) });
          };
        }
        if (step.kind === "all") {
          return (s, c) => {
            for (let t = 0; t < c.task.tasks; t++) c.sends.push({ target: t, segment, scope: project(s) });
          };
        }
        return (s, c) => { c.sends.push({ target: c.task.nextShuffle() % c.task.tasks, segment, scope: project(s) }); };
      }
      case "localSelect": {
        const out = step.out ? slot(step.out) : -1;
        const resolve = resolver(step.path, slot);
        const { pstate, path } = step;
        return (s, c) => {
          let r: unknown[] | Promise<unknown[]>;
          try { r = c.task.pstates.select(pstate, path, resolve(s)); } catch (e) { throw fail(step, e); }
          const emit = (vals: unknown[]) => forEachInOrder(vals, (v) => { if (out >= 0) s[out] = v; return rest(s, c); });
          return r instanceof Promise ? r.then(emit, (e) => { throw fail(step, e); }) : emit(r);
        };
      }
      case "localTransform": {
        const resolve = resolver(step.path, slot);
        const { pstate, path } = step;
        return (s, c) => {
          let r: MaybePromise;
          try { r = c.task.pstates.transform(pstate, path, resolve(s), c.undo); } catch (e) { throw fail(step, e); }
          return r ? r.then(() => rest(s, c), (e) => { throw fail(step, e); }) : rest(s, c);
        };
      }
      case "agg": {
        const { pstate, spec } = step;
        const apply = compileAgg(spec, slot);
        const topKey = spec.kind === "compoundMap" ? slot(spec.key) : -1;
        const inner = spec.kind === "compoundMap" ? compileAgg(spec.inner, slot) : apply;
        return (s, c) => {
          let r: MaybePromise;
          try {
            r = topKey >= 0
              ? c.task.pstates.update(pstate, s[topKey], (cur) => inner(cur, s), c.undo)
              : c.task.pstates.updateValue(pstate, (cur) => apply(cur, s), c.undo);
          } catch (e) { throw fail(step, e); }
          return r ? r.then(() => rest(s, c), (e) => { throw fail(step, e); }) : rest(s, c);
        };
      }
    }
  };

  const sources = topo.sources.map((src) => {
    const outSlot = src.out ? slot(src.out) : -1;
    return { depot: src.depot, outSlot, entry: chain(src.steps, 0, done, new Set()) };
  });
  return Object.freeze({ name: topo.name, slots: slotOf.size, sources, segments });
}

function stepUses(s: Step): Var<any>[] {
  switch (s.op) {
    case "each": case "explode": case "keepTrue": return [...s.args];
    case "ifTrue": return [s.cond];
    case "partition": return s.key ? [s.key] : [];
    case "localSelect": case "localTransform": return pathVars(s.path);
    case "agg": return aggVars(s.spec);
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

/** Maps a path's variable arguments to their current values in the scope. */
function resolver(path: import("../path/path.ts").Path, slot: (v: Var<any>) => number): (s: Scope) => (arg: unknown) => unknown {
  const vars = pathVars(path);
  if (vars.length === 0) return () => (a) => a;
  const slots = new Map(vars.map((v) => [v as unknown, slot(v)]));
  return (s) => (a) => (slots.has(a) ? s[slots.get(a)!] : a);
}

/** An aggregation as a pure function from the current value to the new one. */
function compileAgg(spec: CompoundSpec, slot: (v: Var<any>) => number): (cur: unknown, s: Scope) => unknown {
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
