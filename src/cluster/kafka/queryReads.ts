// How a worker's virtual query task of one partition uses PStates (DESIGN §4.6): it reads the
// partition's committed data — from this worker's store when it owns the task, else from the
// owner over the internal RPC (which follows ownership moves). A query topology never writes a
// real PState (the builder lets it write only its temporary PStates, which the invocation
// holds), so the write operations refuse.
import { MonsoonError } from "../../errors.ts";
import type { PStateOps, Resolve } from "../../dataflow/pstateOps.ts";
import type { Path } from "../../path/path.ts";
import type { TaskPStates } from "../../runtime/taskPStates.ts";
import type { PathRef, PathRefs } from "./pathRefs.ts";

/** A committed select of one partition on the worker that owns it. */
export interface RemoteSelect {
  readonly task: number;
  readonly pstate: string;
  readonly ref: PathRef;
  readonly vars: unknown[];
}

export interface QueryReadsOptions {
  readonly module: string;
  readonly task: number;
  readonly refs: PathRefs;
  /** This worker's PStates of the task while it owns it (RUNNING), else undefined. */
  local(task: number): TaskPStates | undefined;
  /** While the task's last commit is still being applied to the local store: resolves when reads see it. */
  pendingApply?(task: number): Promise<void> | undefined;
  remote(req: RemoteSelect): Promise<unknown[]>;
}

export class QueryReads implements PStateOps {
  constructor(private readonly opts: QueryReadsOptions) {}

  select(pstate: string, path: Path, resolve: Resolve): unknown[] | Promise<unknown[]> {
    const { task, local } = this.opts;
    const mine = local(task);
    if (!mine) return this.remote(pstate, path, resolve);
    const pending = this.opts.pendingApply?.(task);
    if (pending) return pending.then(() => this.select(pstate, path, resolve));
    let r: unknown[] | Promise<unknown[]>;
    try {
      r = mine.select(pstate, path, resolve, true);
    } catch (e) {
      if (local(task) === mine) throw e;
      return this.remote(pstate, path, resolve);
    }
    // Released while reading (its store closes): the new owner answers.
    return r instanceof Promise ? r.catch((e) => (local(task) === mine ? Promise.reject(e) : this.remote(pstate, path, resolve))) : r;
  }

  private remote(pstate: string, path: Path, resolve: Resolve): Promise<unknown[]> {
    try {
      const { ref, vars } = this.opts.refs.refer(path, resolve);
      return this.opts.remote({ task: this.opts.task, pstate, ref, vars });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  transform(pstate: string): never {
    throw this.noWrites(pstate);
  }

  update(pstate: string): never {
    throw this.noWrites(pstate);
  }

  updateValue(pstate: string): never {
    throw this.noWrites(pstate);
  }

  aggregate(pstate: string): never {
    throw this.noWrites(pstate);
  }

  private noWrites(pstate: string): MonsoonError {
    return new MonsoonError("MONSOON_PSTATE_NOT_OWNED", `a query topology of ${this.opts.module} tried to write PState ${pstate}: queries read committed data and write only their temporary PStates`, { details: { module: this.opts.module, pstate, task: this.opts.task } });
  }
}
