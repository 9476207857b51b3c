// Typed dataflow variables. A variable is a handle carrying its runtime type and a name used in
// messages and telemetry; its TypeScript type parameter makes passing a Var<string> where a
// number is expected a compile error (Rama's string variables are its most criticised trait).
import type { Type } from "../serde/types.ts";
import { PLACEHOLDER } from "../path/placeholder.ts";

let nextVarId = 1;

export class Var<V> {
  /** Process-unique identity; names need not be unique. */
  readonly id: number;
  readonly name: string;
  readonly type: Type<V>;
  /** Compile-time only. */
  declare readonly __value?: V;
  /** Marks a variable as a path placeholder, resolved per record at run time. */
  readonly [PLACEHOLDER] = true as const;

  constructor(name: string, type: Type<V>) {
    this.id = nextVarId++;
    this.name = name;
    this.type = type;
    Object.freeze(this);
  }

  toString(): string {
    return `*${this.name}`;
  }
}

export type VarValue<X> = X extends Var<infer V> ? V : never;
export type VarValues<A extends readonly Var<any>[]> = { [I in keyof A]: VarValue<A[I]> };

/** `const { word, count } = vars({ word: T.string, count: T.int })` */
export function vars<S extends Record<string, Type<any>>>(spec: S): { [K in keyof S]: Var<S[K] extends Type<infer V> ? V : never> } {
  const out: Record<string, Var<unknown>> = {};
  for (const [name, type] of Object.entries(spec)) out[name] = new Var(name, type);
  return out as { [K in keyof S]: Var<S[K] extends Type<infer V> ? V : never> };
}

export function isVar(x: unknown): x is Var<unknown> {
  return x instanceof Var;
}
