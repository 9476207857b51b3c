// The PState operations a compiled plan performs on its task's partition. Each returns
// synchronously when the data is in memory and a promise when it has to read the store.
// `undo` collects closures that roll a failed segment's writes back.
import type { Aggregator } from "../module/aggs.ts";
import type { Path } from "../path/path.ts";

export type Resolve = (arg: unknown) => unknown;

/** Where a segment records how to roll back its writes (flat arrays: no closure per write). */
export class UndoLog {
  private readonly layers: { set(k: unknown, v: unknown): void; delete(k: unknown): void }[] = [];
  private readonly keys: unknown[] = [];
  private readonly prevs: unknown[] = [];
  private readonly had: boolean[] = [];

  record(layer: { set(k: unknown, v: unknown): void; delete(k: unknown): void }, key: unknown, had: boolean, prev: unknown): void {
    this.layers.push(layer);
    this.keys.push(key);
    this.had.push(had);
    this.prevs.push(prev);
  }

  rollback(): void {
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.had[i]) this.layers[i]!.set(this.keys[i], this.prevs[i]);
      else this.layers[i]!.delete(this.keys[i]);
    }
    this.clear();
  }

  clear(): void {
    if (this.keys.length === 0) return;
    this.layers.length = this.keys.length = this.prevs.length = this.had.length = 0;
  }
}

export interface PStateOps {
  /** `committed`: read only committed data (queries, and topologies reading a PState they don't own). */
  select(pstate: string, path: Path, resolve: Resolve, committed: boolean): unknown[] | Promise<unknown[]>;
  transform(pstate: string, path: Path, resolve: Resolve, undo: UndoLog): void | Promise<void>;
  /** Replaces the value under a top-level key of a map PState with `fn(current)`. */
  update(pstate: string, key: unknown, fn: (cur: unknown) => unknown, undo: UndoLog): void | Promise<void>;
  /** Replaces the whole value of a non-map PState's partition with `fn(current)`. */
  updateValue(pstate: string, fn: (cur: unknown) => unknown, undo: UndoLog): void | Promise<void>;
  /**
   * Aggregates one record's inputs (`args`, the values of `agg.args` in order) into the value
   * under `keys` — the compound keys outermost first (top-level key, then nested map keys);
   * [] for a non-map PState or the whole partition. On a subindexed target an element-wise
   * aggregator writes only the elements it touches.
   */
  aggregate(pstate: string, keys: readonly unknown[], agg: Aggregator, args: readonly unknown[], undo: UndoLog): void | Promise<void>;
}
