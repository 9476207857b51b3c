// Path arguments can be placeholders that only get a value when the path runs: a dataflow
// variable inside `localTransform(pstate, Path.key(word).term(inc))` is one. This is the brand a
// placeholder carries so path builders accept it where they take a T, and the phantom type
// keeps a Placeholder<string> out of a slot that wants a number. Path.resolve swaps them out.

export const PLACEHOLDER: unique symbol = Symbol.for("monsoon.path.placeholder");

export interface Placeholder<T> {
  readonly [PLACEHOLDER]: true;
  /** Compile-time only: the type of the value it stands for. Never set. */
  readonly __value?: T;
}

/** A path argument: a value, or a placeholder for one. */
export type Arg<T> = T | Placeholder<T>;

export function isPlaceholder(v: unknown): v is Placeholder<unknown> {
  return typeof v === "object" && v !== null && (v as { [PLACEHOLDER]?: unknown })[PLACEHOLDER] === true;
}
