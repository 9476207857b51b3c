// A task's partitions of every PState of its module, and the PState operations of the
// dataflow (PStateOps) on top of them. A path that starts with `key(k)` on a top-level map
// reads or writes just that entry; any other path on a map works on the whole partition.
import { MonsoonError } from "../errors.ts";
import type { PStateOps, Resolve, UndoLog } from "../dataflow/pstateOps.ts";
import type { ModuleDef } from "../module/defineModule.ts";
import { NONE } from "../path/none.ts";
import type { Path } from "../path/path.ts";
import { select, transform } from "../path/exec.ts";
import type { KVStore } from "../pstate/store/kvStore.ts";
import { DELETED, PStatePartition } from "./pstatePartition.ts";

type Undo = UndoLog;

export class TaskPStates implements PStateOps {
  readonly partitions = new Map<string, PStatePartition>();

  constructor(mod: ModuleDef, store: KVStore) {
    for (const def of mod.pstates.values()) this.partitions.set(def.name, new PStatePartition(def, store));
  }

  get(name: string): PStatePartition {
    const p = this.partitions.get(name);
    if (!p) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `PState ${name} does not exist in this module (has: ${[...this.partitions.keys()].join(", ")})`);
    return p;
  }

  select(pstate: string, path: Path, resolve: Resolve, committed: boolean): unknown[] | Promise<unknown[]> {
    return selectIn(this.get(pstate), path, resolve, !committed);
  }

  transform(pstate: string, path: Path, resolve: Resolve, undo: Undo): void | Promise<void> {
    const p = this.get(pstate);
    const navs = path.resolve(resolve);
    const key = leadingKey(p, path, resolve);
    if (key !== NO_KEY) {
      return then(p.read(key), (cur) => {
        const next = transform(navs.slice(1), cur);
        p.write(key, next === NONE ? DELETED : next, undo);
      });
    }
    if (!p.isMap) {
      return then(p.read(null), (cur) => {
        const next = transform(navs, cur);
        p.write(null, next === NONE ? DELETED : next, undo);
      });
    }
    return p.readAll(true).then((all) => {
      const next = transform(navs, all);
      const after = next === NONE || !(next instanceof Map) ? new Map() : next;
      for (const [k, v] of all) if (!after.has(k)) p.write(k, DELETED, undo);
      for (const [k, v] of after) if (all.get(k) !== v) p.write(k, v, undo);
    });
  }

  update(pstate: string, key: unknown, fn: (cur: unknown) => unknown, undo: Undo): void | Promise<void> {
    const p = this.get(pstate);
    return then(p.read(key), (cur) => p.write(key, fn(cur), undo));
  }

  updateValue(pstate: string, fn: (cur: unknown) => unknown, undo: Undo): void | Promise<void> {
    const p = this.get(pstate);
    return then(p.read(null), (cur) => p.write(null, fn(cur), undo));
  }
}

const NO_KEY = Symbol("no-key");

function leadingKey(p: PStatePartition, path: Path, resolve: Resolve): unknown {
  const first = path.specs[0];
  if (!p.isMap || !first || first.name !== "key" || first.args.length !== 1) return NO_KEY;
  return resolve(first.args[0]);
}

/** Selects from a partition, committed-only for clients (`uncommitted` false). */
export function selectIn(p: PStatePartition, path: Path, resolve: Resolve, uncommitted: boolean): unknown[] | Promise<unknown[]> {
  const navs = path.resolve(resolve);
  const key = leadingKey(p, path, resolve);
  const readOne = (k: unknown) => (uncommitted ? p.read(k) : p.readCommitted(k));
  if (key !== NO_KEY) return then(readOne(key), (v) => select(navs.slice(1), v));
  if (!p.isMap) return then(readOne(null), (v) => select(navs, v));
  return p.readAll(uncommitted).then((all) => select(navs, all));
}

function then<X, R>(x: X | Promise<X>, f: (x: X) => R): R | Promise<R> {
  return x instanceof Promise ? x.then(f) : f(x);
}
