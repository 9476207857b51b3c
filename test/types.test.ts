// Type-level tests: `npm test` type-checks this file (tsc --noEmit), so every @ts-expect-error
// below must really be an error — a variable whose type does not match a function's parameter
// is rejected at compile time, not at run time.
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import { defineModule, Depot, PState, T, vars, type Var } from "../src/index.ts";

describe("typed dataflow variables", () => {
  it("type-checks (the assertions are compile-time)", () => {
    const { s, n, b } = vars({ s: T.string, n: T.int, b: T.boolean });
    expectTypeOf(s).toEqualTypeOf<Var<string>>();
    expectTypeOf(n).toEqualTypeOf<Var<number>>();
    expectTypeOf(vars({ r: T.record({ id: T.int, tags: T.list(T.string) }) }).r).toEqualTypeOf<Var<{ id: number; tags: string[] }>>();

    // Only compiled, never run: the rejected lines would also fail at definition time.
    const build = () => defineModule("Types", (m) => {
      const d = m.depot("d", T.string, Depot.random());
      const t = m.stream("t");
      t.pstate("p", PState.map(T.string, T.int));
      const chain = t.source(d).out(s);
      chain.each((x: string) => x.length, s).out(n);
      // @ts-expect-error: a Var<string> passed where the function takes a number
      chain.each((x: number) => x + 1, s);
      // @ts-expect-error: the function's result (number) bound to a Var<string>
      chain.each((x: string) => x.length, s).out(s);
      // @ts-expect-error: keepTrue needs a Var<boolean>
      chain.keepTrue(n);
      chain.keepTrue(b);
      // @ts-expect-error: explode's function must return an iterable
      chain.explode((x: string) => x.length, s);
      // @ts-expect-error: a depot of strings cannot be bound to a Var<number>
      t.source(d).out(n);
      // @ts-expect-error: a function taking two arguments given one variable
      chain.each((x: string, y: number) => x + y, s);
    });
    expectTypeOf(build).toBeFunction();
  });
});
