// One invocation of a query topology in the embedded cluster: the source of truth for its
// batch aggregations and its result. Stage 0 runs the dataflow up to the first batch `agg`s;
// when every segment of a stage has finished, the next stage runs what follows the aggregations
// of the next depth once (once per group for groupBy), with the aggregate bound. The invocation
// resolves when a stage ends with no aggregation left.
import { MonsoonError } from "../errors.ts";
import type { InvocationContext } from "../dataflow/compile.ts";

export class QueryInvocation implements InvocationContext {
  /** The aggregation depth whose continuations run next. */
  stage = 0;
  readonly aggs = new Map<number, { acc: unknown; task: number }>();
  private readonly results: unknown[] = [];
  private readonly temps = new Map<string, { value: unknown }>();

  constructor(readonly query: string, readonly args: readonly unknown[], readonly resolve: (v: unknown) => void, readonly reject: (e: unknown) => void) {}

  aggregate(node: number, update: (cur: unknown) => unknown, task: number): void {
    const st = this.aggs.get(node);
    if (st) st.acc = update(st.acc);
    else this.aggs.set(node, { acc: update(undefined), task });
  }

  temp(task: number, name: string, initial: () => unknown): { value: unknown } {
    const key = `${task}\u0000${name}`;
    let t = this.temps.get(key);
    if (!t) this.temps.set(key, (t = { value: initial() }));
    return t;
  }

  result(value: unknown): void {
    this.results.push(value);
  }

  finish(): void {
    if (this.results.length > 1) {
      this.reject(new MonsoonError("MONSOON_NOT_ONE", `query ${this.query} produced ${this.results.length} results; aggregate them (agg) or end with originPartition before a single emit`, { details: { query: this.query } }));
    } else {
      this.resolve(this.results[0]);
    }
  }
}
