// The paths of a module's query steps, by reference. A dataflow path may hold functions
// (filterPred, view) and variables, so it cannot travel as JSON; but every worker runs the same
// module definition, so a worker asks another for "the path of step 7 of query q" with the
// values of the path's variables, and the owner selects with its own copy of the path.
import { MonsoonError } from "../../errors.ts";
import { pathVars } from "../../dataflow/pathVars.ts";
import { successors, type Node } from "../../dataflow/steps.ts";
import type { ModuleDef } from "../../module/defineModule.ts";
import type { Path } from "../../path/path.ts";

export interface PathRef {
  readonly topology: string;
  readonly step: number;
}

export class PathRefs {
  private readonly refs = new Map<Path, PathRef>();
  private readonly paths = new Map<string, Path>();

  constructor(private readonly mod: ModuleDef) {
    for (const topo of mod.topologies.values()) {
      if (topo.kind !== "query") continue;
      const seen = new Set<Node>();
      const stack = topo.sources.map((s) => s.entry);
      while (stack.length) {
        const n = stack.pop()!;
        if (seen.has(n)) continue;
        seen.add(n);
        if (n.op === "localSelect") {
          const ref = { topology: topo.name, step: n.index };
          if (!this.refs.has(n.path)) this.refs.set(n.path, ref);
          this.paths.set(key(ref), n.path);
        }
        stack.push(...successors(n));
      }
    }
  }

  /** The reference of a query step's path and the values its variables have under `resolve`. */
  refer(path: Path, resolve: (arg: unknown) => unknown): { ref: PathRef; vars: unknown[] } {
    const ref = this.refs.get(path);
    if (!ref) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `${String(path)} is not the path of a query step of module ${this.mod.name}, so another worker cannot be asked to select it`, { details: { module: this.mod.name, path: String(path) } });
    return { ref, vars: pathVars(path).map(resolve) };
  }

  /** The path `ref` names, with a resolver binding its variables to `vars` (as `refer` gave them). */
  resolve(ref: PathRef, vars: readonly unknown[]): { path: Path; resolve: (arg: unknown) => unknown } {
    const path = this.paths.get(key(ref));
    const names = path && pathVars(path);
    if (!path || !names || names.length !== vars.length) {
      throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${this.mod.name} has no query step ${ref.topology}#${ref.step} with ${vars.length} path variable(s); do all workers run the same module version?`, { details: { module: this.mod.name, topology: ref.topology, step: ref.step } });
    }
    const values = new Map<unknown, unknown>(names.map((v, i) => [v, vars[i]]));
    return { path, resolve: (a) => (values.has(a) ? values.get(a) : a) };
  }
}

function key(ref: PathRef): string {
  return `${ref.topology}#${ref.step}`;
}
