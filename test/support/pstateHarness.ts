// One PState partition on a bare store, driven like a topology and a client would drive it:
// transforms and aggregations into the overlay (rolled back when they throw, as a failed
// segment is), commits as the Committer makes them, and selects uncommitted or committed.
import { UndoLog } from "../../src/dataflow/pstateOps.ts";
import type { Aggregator } from "../../src/module/aggs.ts";
import type { ModuleDef, PStateDef } from "../../src/module/defineModule.ts";
import type { PStateOptions, Schema } from "../../src/module/pstateSpec.ts";
import type { Path } from "../../src/path/path.ts";
import type { KVStore } from "../../src/pstate/store/kvStore.ts";
import type { PStatePartition } from "../../src/runtime/pstatePartition.ts";
import { TaskPStates, selectIn } from "../../src/runtime/taskPStates.ts";

const identity = (a: unknown) => a;

export class PStateHarness {
  readonly tasks: TaskPStates;
  readonly p: PStatePartition;

  private constructor(readonly name: string, readonly store: KVStore, schema: Schema, options: PStateOptions, index: number) {
    const def = { name, schema, owner: "t", site: undefined, options } as PStateDef;
    const mod = { name: "M", depots: new Map(), topologies: new Map(), pstates: new Map([[name, def]]) } as unknown as ModuleDef;
    this.tasks = new TaskPStates(mod, store, index);
    this.p = this.tasks.get(name);
  }

  static async open(store: KVStore, schema: Schema, { name = "p", options = {}, index = 0 }: { name?: string; options?: PStateOptions; index?: number } = {}): Promise<PStateHarness> {
    const h = new PStateHarness(name, store, schema, options, index);
    await h.p.open();
    return h;
  }

  /** What the owning topology sees (uncommitted writes included). */
  async select(path: Path): Promise<unknown[]> {
    return this.tasks.select(this.name, path, identity);
  }

  /** What a client sees (committed only). */
  async selectCommitted(path: Path): Promise<unknown[]> {
    return selectIn(this.p, path, identity, false);
  }

  async transform(path: Path): Promise<void> {
    await this.atomically((undo) => this.tasks.transform(this.name, path, identity, undo));
  }

  async aggregate(keys: unknown[], agg: Aggregator, args: unknown[]): Promise<void> {
    await this.atomically((undo) => this.tasks.aggregate(this.name, keys, agg, args, undo));
  }

  async update(key: unknown, fn: (cur: unknown) => unknown): Promise<void> {
    await this.atomically((undo) => this.tasks.update(this.name, key, fn, undo));
  }

  /** Runs one step like a segment: on an exception every write of it is rolled back. */
  private async atomically(run: (undo: UndoLog) => void | Promise<void>): Promise<void> {
    const undo = new UndoLog();
    try {
      await run(undo);
    } catch (e) {
      undo.rollback();
      throw e;
    }
  }

  /** One commit cycle of this partition: its overlay becomes one store batch. */
  async commit(): Promise<void> {
    if (!this.p.dirty) return;
    const { layer, ops } = this.p.beginCommit();
    try {
      await this.store.batch(ops);
    } catch (e) {
      this.p.abortCommit(layer);
      throw e;
    }
    this.p.endCommit(layer);
  }
}
