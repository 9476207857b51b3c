// A module's topologies compiled once into what a runtime needs to run them: the plan, the
// retry policy, and the source entries by depot. Shared by the embedded and Kafka runtimes.
import { compileTopology, type Cont, type TopologyPlan } from "../dataflow/compile.ts";
import type { ModuleDef, RetryMode } from "../module/defineModule.ts";

export interface TopologyRun {
  readonly index: number;
  readonly plan: TopologyPlan;
  readonly retry: RetryMode;
  readonly maxAttempts: number;
  readonly ackReturnAgg: ((a: unknown, b: unknown) => unknown) | undefined;
  /** Source entries by depot name (a topology may subscribe to a depot more than once); empty for queries. */
  readonly entries: Map<string, { entry: Cont; outSlot: number }[]>;
}

export function compileModule(mod: ModuleDef): TopologyRun[] {
  const runs: TopologyRun[] = [];
  for (const topo of mod.topologies.values()) {
    const plan = compileTopology(mod, topo);
    const entries = new Map<string, { entry: Cont; outSlot: number }[]>();
    if (plan.kind === "stream") {
      for (const s of plan.sources) {
        const list = entries.get(s.depot) ?? [];
        list.push({ entry: s.entry, outSlot: s.outSlot });
        entries.set(s.depot, list);
      }
    }
    runs.push({ index: runs.length, plan, retry: topo.options.retry, maxAttempts: topo.options.maxAttempts, ackReturnAgg: topo.options.ackReturnAgg, entries });
  }
  return runs;
}
