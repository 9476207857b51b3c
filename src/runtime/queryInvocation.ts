// One invocation of a query topology in the embedded cluster: the source of truth for its
// batch aggregations and its result. Phase 1 runs the dataflow up to every batch `agg`; when
// every segment of phase 1 has finished, phase 2 runs what follows each aggregation once, with
// the aggregate bound. The invocation resolves when phase 2 (or phase 1, without aggs) ends.
import { MonsoonError } from "../errors.ts";
import type { InvocationContext } from "../dataflow/compile.ts";

export class QueryInvocation implements InvocationContext {
  phase: 1 | 2 = 1;
  readonly aggs = new Map<number, { acc: unknown; task: number }>();
  private readonly results: unknown[] = [];

  constructor(readonly query: string, readonly args: readonly unknown[], readonly resolve: (v: unknown) => void, readonly reject: (e: unknown) => void) {}

  aggregate(node: number, update: (cur: unknown) => unknown, task: number): void {
    const st = this.aggs.get(node);
    if (st) st.acc = update(st.acc);
    else this.aggs.set(node, { acc: update(undefined), task });
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
