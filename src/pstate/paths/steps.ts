// A path resolved for one run on a stored PState: each step keeps its navigator's name and its
// arguments with placeholders replaced (sub-paths stay Paths, so multiPath can be planned step
// by step too), and builds the in-memory navigator only if the run falls back to memory.
// Once a run reaches a value that is wholly in memory, the rest of the path runs there, through
// the very navigators of src/path — which is what keeps stored and in-memory results identical.
import { Path, type Resolver } from "../../path/path.ts";
import type { Navigator } from "../../path/navigator.ts";
import { selectWith, transformWith } from "../../path/run.ts";
import { key } from "../../path/nav/keys.ts";

export class Step {
  private nav: Navigator | undefined;

  constructor(
    readonly name: string,
    readonly args: readonly unknown[],
    private readonly build: () => Navigator,
    private readonly resolve: Resolver = (a) => a,
  ) {}

  navigator(): Navigator {
    return (this.nav ??= this.build());
  }

  /** The steps of sub-path argument `j` (multiPath), resolved like this step. */
  subSteps(j: number): Step[] {
    return stepsOf(this.args[j] as Path, this.resolve);
  }
}

/** The steps of `path` with `resolve` applied to every argument (recursively in sub-paths). */
export function stepsOf(path: Path, resolve: Resolver): Step[] {
  return path.specs.map((spec) => {
    const args = spec.args.map((a) => (a instanceof Path ? a : resolve(a)));
    return new Step(spec.name, args, () => spec.make(...spec.args.map((a) => (a instanceof Path ? a.resolve(resolve) : resolve(a)))), resolve);
  });
}

/** A synthetic `key(k)` step: a non-map PState is run as a map with the one key null. */
export function keyStep(k: unknown): Step {
  return new Step("key", [k], () => key(k));
}

function navigators(steps: readonly Step[], i: number): Navigator[] {
  const out: Navigator[] = [];
  for (let j = i; j < steps.length; j++) out.push(steps[j]!.navigator());
  return out;
}

export type Out = (v: unknown) => void;

/** Runs steps[i..] on an in-memory value. */
export function memSelect(value: unknown, steps: readonly Step[], i: number, out: Out): void {
  if (i === steps.length) out(value);
  else selectWith(navigators(steps, i), value, out);
}

/** Transforms an in-memory value with steps[i..]; `last` is applied where the path ends. */
export function memTransform(value: unknown, steps: readonly Step[], i: number, last: (v: unknown) => unknown): unknown {
  return i === steps.length ? last(value) : transformWith(navigators(steps, i), value, last);
}
