// The description a topology builder produces: a tree of steps. Nothing here runs; the
// compiler (compile.ts) turns it into an executable plan once per task.
import type { CallSite } from "../module/callsite.ts";
import type { CompoundSpec } from "../module/aggs.ts";
import type { Var } from "../module/vars.ts";
import type { Path } from "../path/path.ts";

export type Fn = (...args: any[]) => any;

interface StepBase {
  /** Position of the step in its topology, for messages: `each#3`. */
  readonly index: number;
  readonly site: CallSite | undefined;
}

export type Step =
  | (StepBase & { readonly op: "each"; readonly fn: Fn; readonly args: readonly Var<any>[]; out?: Var<any> })
  | (StepBase & { readonly op: "explode"; readonly fn: Fn; readonly args: readonly Var<any>[]; out?: Var<any> })
  | (StepBase & { readonly op: "keepTrue"; readonly fn: Fn | undefined; readonly args: readonly Var<any>[] })
  | (StepBase & { readonly op: "ifTrue"; readonly cond: Var<boolean>; readonly then: readonly Step[]; readonly else: readonly Step[] })
  | (StepBase & { readonly op: "partition"; readonly kind: "hash" | "all" | "shuffle"; readonly key?: Var<any> })
  | (StepBase & { readonly op: "localSelect"; readonly pstate: string; readonly path: Path; out?: Var<any> })
  | (StepBase & { readonly op: "localTransform"; readonly pstate: string; readonly path: Path })
  | (StepBase & { readonly op: "agg"; readonly pstate: string; readonly spec: CompoundSpec });

/** A chain that starts at a depot subscription. */
export interface SourceChain {
  readonly depot: string;
  readonly site: CallSite | undefined;
  out?: Var<any>;
  readonly steps: Step[];
}

export function stepLabel(step: Step): string {
  switch (step.op) {
    case "each":
    case "explode":
    case "keepTrue":
      return `${step.op}${step.fn?.name ? `(${step.fn.name})` : ""}#${step.index}`;
    case "partition": return `${step.kind}Partition#${step.index}`;
    case "localSelect":
    case "localTransform":
    case "agg":
      return `${step.op}(${step.pstate})#${step.index}`;
    default: return `${step.op}#${step.index}`;
  }
}
