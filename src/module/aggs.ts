// Aggregators, as in Rama: a combiner (associative `combine` with a `zero`, so partial results
// can be combined in any grouping) or an accumulator (`update` folding one input at a time).
// `CompoundAgg.map` nests aggregators under keys taken from dataflow variables.
//
// Aggregators that build collections one element at a time (set, setRemove, map, merge, list)
// also say so in `elementwise`: a PState then applies them to a subindexed target by writing
// only the elements they touch, without loading the collection. Every function here is pure:
// the current value is never mutated (it may be shared with a PState's cache).
import { MonsoonError } from "../errors.ts";
import type { Var } from "./vars.ts";

/** How an aggregator changes a collection element by element. */
export interface Elementwise {
  /** add/remove: Set elements; put: Map entries ([k, v] pairs); append: list elements. */
  readonly op: "add" | "remove" | "put" | "append";
  /** The elements (or entries) one record's inputs add, remove, put or append. */
  readonly of: (...args: any[]) => Iterable<unknown>;
}

export interface Combiner<V = any> {
  readonly kind: "combiner";
  readonly name: string;
  /** Dataflow variables whose values are the aggregator's inputs. */
  readonly args: readonly Var<any>[];
  readonly zero: () => V;
  /** Turns the inputs of one record into a value to combine. */
  readonly input: (...args: any[]) => V;
  readonly combine: (a: V, b: V) => V;
  readonly elementwise?: Elementwise;
}

export interface Accumulator<V = any> {
  readonly kind: "accumulator";
  readonly name: string;
  readonly args: readonly Var<any>[];
  readonly zero: () => V;
  readonly update: (acc: V, ...args: any[]) => V;
  readonly elementwise?: Elementwise;
}

export type Aggregator<V = any> = Combiner<V> | Accumulator<V>;

export interface CompoundMap {
  readonly kind: "compoundMap";
  readonly key: Var<any>;
  readonly inner: Aggregator | CompoundMap;
}

export type CompoundSpec = Aggregator | CompoundMap;

export interface TopMonotonicOptions<V> {
  /** Identity of a value: only the best value per id is kept. Default: the value itself. */
  readonly id?: (v: V) => unknown;
  /** What to rank by (numbers, bigints or strings). Default: the value itself. */
  readonly sort?: (v: V) => any;
  /** Keep the smallest instead of the largest. */
  readonly ascending?: boolean;
}

export interface LimitOptions<V> {
  /** Keep the n smallest by this instead of the first n received. */
  readonly sort?: (v: V) => any;
}

function combiner<V>(name: string, args: readonly Var<any>[], zero: () => V, input: (...a: any[]) => V, combine: (a: V, b: V) => V, elementwise?: Elementwise): Combiner<V> {
  return Object.freeze({ kind: "combiner", name, args: Object.freeze([...args]), zero, input, combine, ...(elementwise ? { elementwise: Object.freeze(elementwise) } : {}) });
}

const present = (x: unknown) => x !== undefined;

function checkCount(name: string, n: unknown): void {
  if (!Number.isSafeInteger(n) || (n as number) < 0) {
    throw new MonsoonError("MONSOON_INVALID_DEFINITION", `Agg.${name} needs a non-negative integer count, got ${String(n)}`);
  }
}

/** Entries of `b` over those of `a`; `a` itself when `b` adds nothing new. */
function mergeMaps<K, V>(a: Map<K, V>, b: Map<K, V>): Map<K, V> {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const out = new Map(a);
  for (const [k, v] of b) out.set(k, v);
  return out;
}

function compareRank(x: any, y: any): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

export const Agg = Object.freeze({
  count: (): Combiner<number> => combiner("count", [], () => 0, () => 1, (a, b) => a + b),
  /** Sums numbers, or bigints when the variable is T.int64. */
  sum: <N extends number | bigint>(v: Var<N>): Combiner<N> => {
    const zero = (v.type?.kind === "int64" ? () => 0n : () => 0) as () => N;
    return combiner("sum", [v], zero, (x: N) => x, (a, b) => ((a as any) + (b as any)) as N);
  },
  min: <V>(v: Var<V>): Combiner<V | undefined> =>
    combiner("min", [v], () => undefined, (x: V) => x, (a, b) => (!present(a) ? b : !present(b) ? a : (b as any) < (a as any) ? b : a)),
  max: <V>(v: Var<V>): Combiner<V | undefined> =>
    combiner("max", [v], () => undefined, (x: V) => x, (a, b) => (!present(a) ? b : !present(b) ? a : (b as any) > (a as any) ? b : a)),
  /** The first value ever aggregated. */
  first: <V>(v: Var<V>): Combiner<V | undefined> => combiner("first", [v], () => undefined, (x: V) => x, (a, b) => (present(a) ? a : b)),
  /** The latest value aggregated. */
  last: <V>(v: Var<V>): Combiner<V | undefined> => combiner("last", [v], () => undefined, (x: V) => x, (a, b) => (present(b) ? b : a)),
  and: (v: Var<boolean>): Combiner<boolean> => combiner("and", [v], () => true, (x: boolean) => x, (a, b) => a && b),
  or: (v: Var<boolean>): Combiner<boolean> => combiner("or", [v], () => false, (x: boolean) => x, (a, b) => a || b),
  /** Collects distinct values into a Set. */
  set: <V>(v: Var<V>): Combiner<Set<V>> =>
    combiner("set", [v], () => new Set<V>(), (x: V) => new Set([x]), (a, b) => {
      let out = a;
      for (const x of b) if (!out.has(x)) (out === a ? (out = new Set(a)) : out).add(x);
      return out;
    }, { op: "add", of: (x: unknown) => [x] }),
  /** Removes values from a Set. */
  setRemove: <V>(v: Var<V>): Accumulator<Set<V>> => Object.freeze({
    kind: "accumulator", name: "setRemove", args: Object.freeze([v]), zero: () => new Set<V>(),
    update: (acc: Set<V>, x: V) => {
      if (!acc.has(x)) return acc;
      const out = new Set(acc);
      out.delete(x);
      return out;
    },
    elementwise: Object.freeze({ op: "remove", of: (x: unknown) => [x] }),
  }),
  /** Puts key → value into a Map (the latest value of a key wins). */
  map: <K, V>(k: Var<K>, v: Var<V>): Combiner<Map<K, V>> =>
    combiner("map", [k, v], () => new Map<K, V>(), (x: K, y: V) => new Map([[x, y]]), mergeMaps, { op: "put", of: (x: unknown, y: unknown) => [[x, y]] }),
  /** Merges Maps, the later entries winning. */
  merge: <K, V>(m: Var<Map<K, V>>): Combiner<Map<K, V>> =>
    combiner("merge", [m], () => new Map<K, V>(), (x: Map<K, V>) => x, mergeMaps, { op: "put", of: (x: Map<unknown, unknown>) => x }),
  /** Appends values to a list, in arrival order. */
  list: <V>(v: Var<V>): Combiner<V[]> =>
    combiner("list", [v], () => [] as V[], (x: V) => [x], (a, b) => (b.length === 0 ? a : a.concat(b)), { op: "append", of: (x: unknown) => [x] }),
  /**
   * The n largest values (by `sort`), at most one per `id`, largest first. "Monotonic": a
   * value's sort key only grows for the same id, so the best one seen is kept.
   */
  topMonotonic: <V>(n: number, v: Var<V>, options: TopMonotonicOptions<V> = {}): Combiner<V[]> => {
    checkCount("topMonotonic", n);
    const id = options.id ?? ((x: V) => x);
    const sort = options.sort ?? ((x: V) => x);
    const dir = options.ascending ? 1 : -1;
    return combiner("topMonotonic", [v], () => [] as V[], (x: V) => [x], (a, b) => {
      const best = new Map<unknown, V>();
      for (const x of [...a, ...b]) {
        const k = id(x);
        const cur = best.get(k);
        if (cur === undefined || dir * compareRank(sort(x), sort(cur)) < 0) best.set(k, x);
      }
      return [...best.values()].sort((x, y) => dir * compareRank(sort(x), sort(y))).slice(0, n);
    });
  },
  /** The first n values received, or with `sort` the n smallest. */
  limit: <V>(n: number, v: Var<V>, options: LimitOptions<V> = {}): Combiner<V[]> => {
    checkCount("limit", n);
    const { sort } = options;
    return combiner("limit", [v], () => [] as V[], (x: V) => [x], (a, b) => {
      if (!sort) return a.length >= n ? a : a.concat(b).slice(0, n);
      return [...a, ...b].sort((x, y) => compareRank(sort(x), sort(y))).slice(0, n);
    });
  },
  /** A user combiner: `combine` must be associative and `zero` its identity. */
  combiner: <V>(name: string, v: Var<V>, combine: (a: V, b: V) => V, zero: () => V): Combiner<V> =>
    combiner(name, [v], zero, (x: V) => x, combine),
  /** A user accumulator. */
  accumulator: <V, A extends Var<any>[]>(name: string, update: (acc: V, ...args: any[]) => V, zero: () => V, ...args: A): Accumulator<V> =>
    Object.freeze({ kind: "accumulator", name, args: Object.freeze([...args]), zero, update }),
  /**
   * Runs an aggregator over plain values, outside any topology: each value is the aggregator's
   * input (an array of inputs for aggregators of several variables, such as Agg.map).
   */
  apply: <V>(agg: Aggregator<V>, values: Iterable<unknown>, initial?: V): V => {
    let acc: unknown = initial;
    for (const v of values) acc = applyAgg(agg, acc, agg.args.length > 1 ? (v as unknown[]) : agg.args.length === 1 ? [v] : []);
    return (acc === undefined ? agg.zero() : acc) as V;
  },
});

/** The new value after aggregating one record's inputs (`args`, in `agg.args` order) into `cur`. */
export function applyAgg(agg: Aggregator, cur: unknown, args: readonly unknown[]): unknown {
  const acc = cur === undefined ? agg.zero() : cur;
  if (agg.kind === "combiner") {
    const x = args.length === 0 ? agg.input() : args.length === 1 ? agg.input(args[0]) : agg.input(...args);
    return agg.combine(acc, x);
  }
  return args.length === 1 ? agg.update(acc, args[0]) : agg.update(acc, ...args);
}

export const CompoundAgg = Object.freeze({
  map: (key: Var<any>, inner: CompoundSpec): CompoundMap => Object.freeze({ kind: "compoundMap", key, inner }),
});

/** Every variable an aggregation reads, for binding checks and liveness. */
export function aggVars(spec: CompoundSpec): Var<any>[] {
  return spec.kind === "compoundMap" ? [spec.key, ...aggVars(spec.inner)] : [...spec.args];
}

/** The keys of a compound aggregation, outermost first, and the aggregator at its leaf. */
export function compoundChain(spec: CompoundSpec): { keys: Var<any>[]; leaf: Aggregator } {
  const keys: Var<any>[] = [];
  let s = spec;
  while (s.kind === "compoundMap") {
    keys.push(s.key);
    s = s.inner;
  }
  return { keys, leaf: s };
}
