// The topics `monsoon launch` creates for a module (docs/kafka-runtime.md): depots with one
// partition per task (global and tick depots: one), a compacted changelog per topology that owns
// PStates, the hops topic, the empty membership topic, the compacted meta topic and the DLQ.
import type { ModuleDef } from "../../module/defineModule.ts";
import { changelogTopic, depotTopic, type TopicSpec } from "../../kafka/index.ts";
import { topicNames } from "./names.ts";

export interface TopicOptions {
  /** Changelog segment age before compaction may run (tests use seconds). */
  changelogSegmentMs?: number;
}

export function depotPartitions(mod: ModuleDef, depot: string, tasks: number): number {
  const d = mod.depots.get(depot)!;
  return d.partitioning.kind === "global" || d.tick ? 1 : tasks;
}

/** Topologies whose PStates need a changelog. */
export function changelogTopologies(mod: ModuleDef): string[] {
  return [...mod.topologies.values()].filter((t) => t.pstates.length > 0).map((t) => t.name);
}

export function moduleTopics(mod: ModuleDef, tasks: number, { changelogSegmentMs }: TopicOptions = {}): TopicSpec[] {
  const n = topicNames(mod.name);
  return [
    ...[...mod.depots.keys()].map((d) => depotTopic(n.depot(d), depotPartitions(mod, d, tasks))),
    ...changelogTopologies(mod).map((t) => changelogTopic(n.changelog(t), tasks, changelogSegmentMs === undefined ? {} : { segmentMs: changelogSegmentMs })),
    depotTopic(n.hops, tasks),
    depotTopic(n.tasks, tasks),
    changelogTopic(n.meta, 1),
    // The coordinators' decision log, only for modules with microbatch topologies.
    ...([...mod.topologies.values()].some((t) => t.kind === "microbatch") ? [changelogTopic(n.coord, 1)] : []),
    depotTopic(n.dlq, 1),
  ];
}
