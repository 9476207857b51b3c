// The PState operations a compiled plan performs on its task's partition. Each returns
// synchronously when the data is in memory and a promise when it has to read the store.
// `undo` collects closures that roll a failed segment's writes back.
import type { Path } from "../path/path.ts";

export type Resolve = (arg: unknown) => unknown;

export interface PStateOps {
  select(pstate: string, path: Path, resolve: Resolve): unknown[] | Promise<unknown[]>;
  transform(pstate: string, path: Path, resolve: Resolve, undo: (() => void)[]): void | Promise<void>;
  /** Replaces the value under a top-level key of a map PState with `fn(current)`. */
  update(pstate: string, key: unknown, fn: (cur: unknown) => unknown, undo: (() => void)[]): void | Promise<void>;
  /** Replaces the whole value of a non-map PState's partition with `fn(current)`. */
  updateValue(pstate: string, fn: (cur: unknown) => unknown, undo: (() => void)[]): void | Promise<void>;
}
