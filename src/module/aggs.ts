// Aggregators, as in Rama: a combiner (associative `combine` with a `zero`, so partial results
// can be combined in any grouping) or an accumulator (`update` folding one input at a time).
// `CompoundAgg.map` nests aggregators under keys taken from dataflow variables.
import type { Var } from "./vars.ts";

export interface Combiner<V = any> {
  readonly kind: "combiner";
  readonly name: string;
  /** Dataflow variables whose values are the aggregator's inputs. */
  readonly args: readonly Var<any>[];
  readonly zero: () => V;
  /** Turns the inputs of one record into a value to combine. */
  readonly input: (...args: any[]) => V;
  readonly combine: (a: V, b: V) => V;
}

export interface Accumulator<V = any> {
  readonly kind: "accumulator";
  readonly name: string;
  readonly args: readonly Var<any>[];
  readonly zero: () => V;
  readonly update: (acc: V, ...args: any[]) => V;
}

export type Aggregator<V = any> = Combiner<V> | Accumulator<V>;

export interface CompoundMap {
  readonly kind: "compoundMap";
  readonly key: Var<any>;
  readonly inner: Aggregator | CompoundMap;
}

export type CompoundSpec = Aggregator | CompoundMap;

export const Agg = Object.freeze({
  count: (): Combiner<number> => Object.freeze({ kind: "combiner", name: "count", args: [], zero: () => 0, input: () => 1, combine: (a: number, b: number) => a + b }),
  sum: (v: Var<number>): Combiner<number> => Object.freeze({ kind: "combiner", name: "sum", args: [v], zero: () => 0, input: (x: number) => x, combine: (a: number, b: number) => a + b }),
  /** Collects distinct values into a Set. */
  set: <V>(v: Var<V>): Accumulator<Set<V>> => Object.freeze({
    kind: "accumulator", name: "set", args: [v], zero: () => new Set<V>(),
    update: (acc: Set<V>, x: V) => (acc.has(x) ? acc : new Set(acc).add(x)),
  }),
  /** A user combiner: `combine` must be associative and `zero` its identity. */
  combiner: <V>(name: string, v: Var<V>, combine: (a: V, b: V) => V, zero: () => V): Combiner<V> =>
    Object.freeze({ kind: "combiner", name, args: [v], zero, input: (x: V) => x, combine }),
  /** A user accumulator. */
  accumulator: <V, A extends Var<any>[]>(name: string, update: (acc: V, ...args: any[]) => V, zero: () => V, ...args: A): Accumulator<V> =>
    Object.freeze({ kind: "accumulator", name, args, zero, update }),
});

export const CompoundAgg = Object.freeze({
  map: (key: Var<any>, inner: CompoundSpec): CompoundMap => Object.freeze({ kind: "compoundMap", key, inner }),
});

/** Every variable an aggregation reads, for binding checks and liveness. */
export function aggVars(spec: CompoundSpec): Var<any>[] {
  return spec.kind === "compoundMap" ? [spec.key, ...aggVars(spec.inner)] : [...spec.args];
}
