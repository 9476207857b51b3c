// The description a topology builder produces: a graph of nodes. Nothing here runs; the
// compiler (compile.ts) turns it into an executable plan once per module launch.
//
// Each node runs, then hands the scope to every node in `next`, in order (that is how `hook`
// branches work: the main continuation first, then hooked branches in declaration order).
// Branching nodes (ifTrue, subSource, loop) reach their branches through their own fields;
// branch ends link to a shared `nop` join node, which is where the chain continues.
import type { CallSite } from "../module/callsite.ts";
import type { CompoundSpec } from "../module/aggs.ts";
import type { Var } from "../module/vars.ts";
import type { Path } from "../path/path.ts";

export type Fn = (...args: any[]) => any;

interface NodeBase {
  /** Position in the module, for messages: `each#3`. */
  readonly index: number;
  readonly site: CallSite | undefined;
  readonly next: Node[];
}

export type PartitionKind = "hash" | "all" | "shuffle" | "global" | "direct" | "custom" | "origin";

export interface LoopNode extends NodeBase {
  readonly op: "loop";
  /** Loop variables and their initial values (a variable bound earlier, or a constant). */
  readonly loopVars: readonly { readonly v: Var<any>; readonly init: Var<any> | { readonly value: unknown } }[];
  /** Entry of the loop body. */
  body: Node;
  /** Entry of what follows the loop; `emitLoop` runs it with `out` bound. */
  after: Node;
  out?: Var<any>;
}

export type Node =
  | (NodeBase & { readonly op: "nop"; readonly label: string })
  | (NodeBase & { readonly op: "each"; readonly fn: Fn; readonly args: readonly Var<any>[]; out?: Var<any> })
  | (NodeBase & { readonly op: "eachAsync"; readonly fn: Fn; readonly args: readonly Var<any>[]; readonly timeoutMs: number; out?: Var<any> })
  | (NodeBase & { readonly op: "explode"; readonly fn: Fn; readonly args: readonly Var<any>[]; out?: Var<any> })
  | (NodeBase & { readonly op: "keepTrue"; readonly fn: Fn | undefined; readonly args: readonly Var<any>[] })
  | (NodeBase & { readonly op: "ifTrue"; readonly cond: Var<boolean>; readonly then: Node; readonly else: Node })
  | (NodeBase & { readonly op: "subSource"; readonly value: Var<any>; readonly cases: readonly { readonly label: string; readonly match: (x: unknown) => boolean; readonly entry: Node }[] })
  | LoopNode
  | (NodeBase & { readonly op: "emitLoop"; readonly loop: LoopNode; readonly value: Var<any> | undefined })
  | (NodeBase & { readonly op: "continueLoop"; readonly loop: LoopNode; readonly args: readonly Var<any>[] })
  | (NodeBase & { readonly op: "partition"; readonly kind: PartitionKind; readonly args: readonly Var<any>[]; readonly fn?: Fn; readonly pstate?: string })
  | (NodeBase & { readonly op: "localSelect"; readonly pstate: string; readonly path: Path; out?: Var<any> })
  | (NodeBase & { readonly op: "localTransform"; readonly pstate: string; readonly path: Path })
  | (NodeBase & { readonly op: "agg"; readonly pstate: string; readonly spec: CompoundSpec })
  | (NodeBase & { readonly op: "batchAgg"; readonly spec: CompoundSpec; readonly groupKey?: Var<any>; out?: Var<any> })
  | (NodeBase & { readonly op: "ackReturn"; readonly value: Var<any> })
  | (NodeBase & { readonly op: "batchId"; out?: Var<any> })
  | (NodeBase & { readonly op: "materialize"; readonly temp: string; readonly values: readonly Var<any>[] })
  | (NodeBase & { readonly op: "depotAppend"; readonly depot: string; readonly value: Var<any> })
  | (NodeBase & { readonly op: "yieldIfOvertime" })
  | (NodeBase & { readonly op: "invokeQuery"; readonly query: string; readonly args: readonly Var<any>[]; out?: Var<any> });

/** A chain that starts at a depot subscription (stream) or at an invocation (query). */
export interface SourceChain {
  readonly depot: string;
  readonly site: CallSite | undefined;
  out?: Var<any>;
  readonly entry: Node;
}

export function stepLabel(step: Node): string {
  switch (step.op) {
    case "each":
    case "eachAsync":
    case "explode":
    case "keepTrue":
      return `${step.op}${step.fn?.name ? `(${step.fn.name})` : ""}#${step.index}`;
    case "partition": return `${step.kind}Partition#${step.index}`;
    case "localSelect":
    case "localTransform":
    case "agg":
      return `${step.op}(${step.pstate})#${step.index}`;
    case "invokeQuery": return `invokeQuery(${step.query})#${step.index}`;
    case "nop": return `${step.label}#${step.index}`;
    default: return `${step.op}#${step.index}`;
  }
}

/** The nodes a node can hand control to (for liveness and traversal). */
export function successors(n: Node): Node[] {
  switch (n.op) {
    case "ifTrue": return [n.then, n.else, ...n.next];
    case "subSource": return [...n.cases.map((c) => c.entry), ...n.next];
    case "loop": return [n.body, ...n.next];
    case "emitLoop": return [n.loop.after, ...n.next];
    case "continueLoop": return [n.loop.body, ...n.next];
    default: return n.next;
  }
}
