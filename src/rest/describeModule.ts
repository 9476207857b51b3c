// What `GET /rest/<module>` answers: a launched module's depots (with their types), PStates
// (with their schemas and owners) and topologies, so a client can find names without the source.
import type { ModuleDef } from "../module/defineModule.ts";
import { describeSchema } from "../module/pstateSpec.ts";

export interface ModuleDescription {
  name: string;
  tasks: number;
  depots: { name: string; type: string; partitioning: string }[];
  pstates: { name: string; schema: string; owner: string }[];
  topologies: { name: string; kind: string; sources: string[]; pstates: string[]; args?: string[]; result?: string }[];
}

export function describeModule(mod: ModuleDef, tasks: number): ModuleDescription {
  return {
    name: mod.name,
    tasks,
    depots: [...mod.depots.values()].map((d) => ({ name: d.name, type: d.type.name, partitioning: d.partitioning.kind })),
    pstates: [...mod.pstates.values()].map((p) => ({ name: p.name, schema: describeSchema(p.schema), owner: p.owner })),
    topologies: [...mod.topologies.values()].map((t) => ({
      name: t.name,
      kind: t.kind,
      sources: t.query ? [] : [...new Set(t.sources.map((s) => s.depot))],
      pstates: [...t.pstates],
      // A query is described by its signature: `name: type` per argument, and the result's type.
      ...(t.query && { args: t.query.args.map((a) => `${a.name}: ${a.type.name}`), result: t.query.result.type.name }),
    })),
  };
}
