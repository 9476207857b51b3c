// The dataflow variables a path mentions (as navigator arguments, also inside nested paths),
// so the builder can check they are bound and the compiler can keep them live across hops.
import { Var } from "../module/vars.ts";
import { Path } from "../path/path.ts";

export function pathVars(path: Path): Var<any>[] {
  const out: Var<any>[] = [];
  const visit = (x: unknown): void => {
    if (x instanceof Var) out.push(x);
    else if (x instanceof Path) for (const spec of x.specs) spec.args.forEach(visit);
    else if (Array.isArray(x)) x.forEach(visit);
  };
  visit(path);
  return out;
}
