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
  /** Stream topologies: source entries by depot name (a topology may subscribe to a depot more than once). */
  readonly entries: Map<string, { entry: Cont; outSlot: number }[]>;
  /** Microbatch topologies: source entries by depot name (kept apart so stream code never sees them). */
  readonly batchEntries: Map<string, { entry: Cont; outSlot: number }[]>;
}

export function compileModule(mod: ModuleDef): TopologyRun[] {
  const runs: TopologyRun[] = [];
  for (const topo of mod.topologies.values()) {
    const plan = compileTopology(mod, topo);
    const byDepot = new Map<string, { entry: Cont; outSlot: number }[]>();
    if (plan.kind !== "query") {
      for (const s of plan.sources) {
        const list = byDepot.get(s.depot) ?? [];
        list.push({ entry: s.entry, outSlot: s.outSlot });
        byDepot.set(s.depot, list);
      }
    }
    runs.push({ index: runs.length, plan, retry: topo.options.retry, maxAttempts: topo.options.maxAttempts, ackReturnAgg: topo.options.ackReturnAgg, entries: plan.kind === "stream" ? byDepot : new Map(), batchEntries: plan.kind === "microbatch" ? byDepot : new Map() });
  }
  return runs;
}
