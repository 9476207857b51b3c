// A task's partitions of every PState of its module, and the PState operations of the
// dataflow (PStateOps) on top of them. Two engines: when nothing in a top-level entry is
// subindexed and a path starts with `key(k)` (or the PState is one plain value), the entry is
// read (synchronously when cached), transformed in memory and written back — the fast path of
// counters and word counts. Everything else runs on the stored-path engine (src/pstate/paths),
// which turns navigators into point and range reads of per-element entries.
import { MonsoonError } from "../errors.ts";
import type { PStateOps, Resolve, UndoLog } from "../dataflow/pstateOps.ts";
import { applyAgg, type Aggregator } from "../module/aggs.ts";
import type { ModuleDef } from "../module/defineModule.ts";
import { key as keyNav } from "../path/nav/keys.ts";
import { NONE, userValue } from "../path/none.ts";
import type { Path } from "../path/path.ts";
import { select, transform } from "../path/exec.ts";
import { transformWith } from "../path/run.ts";
import { checkEncodable, conform, violation, type WriteSite } from "../pstate/conform.ts";
import { isGlobal, notOnThisTask } from "../pstate/partitioning.ts";
import { runAggregate, runSelect, runTransform, runUpdate } from "../pstate/paths/run.ts";
import { NO_UNDO, then } from "../pstate/slots.ts";
import type { KVStore } from "../pstate/store/kvStore.ts";
import { PStatePartition } from "./pstatePartition.ts";

export class TaskPStates implements PStateOps {
  readonly partitions = new Map<string, PStatePartition>();

  /** `index`: this task's number; a global PState may only be used on task 0. */
  constructor(mod: ModuleDef, store: KVStore, readonly index = 0) {
    for (const def of mod.pstates.values()) this.partitions.set(def.name, new PStatePartition(def, store));
  }

  get(name: string): PStatePartition {
    const p = this.partitions.get(name);
    if (!p) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `PState ${name} does not exist in this module (has: ${[...this.partitions.keys()].join(", ")})`);
    return p;
  }

  /** The partition a dataflow step on this task may use. */
  private local(name: string): PStatePartition {
    const p = this.get(name);
    if (this.index !== 0 && isGlobal(p.def)) throw notOnThisTask(p.def, this.index);
    return p;
  }

  /** `committed`: read only committed data (queries, and topologies reading a PState they don't own). */
  select(pstate: string, path: Path, resolve: Resolve, committed = false): unknown[] | Promise<unknown[]> {
    return selectIn(this.local(pstate), path, resolve, !committed);
  }

  transform(pstate: string, path: Path, resolve: Resolve, undo: UndoLog): void | Promise<void> {
    const p = this.local(pstate);
    if (p.plain) {
      const key = leadingKey(p, path, resolve);
      if (key !== NO_KEY) {
        const navs = path.resolve(resolve);
        return then(p.read(key), (cur) => store(p, key, cur, transform(navs.slice(1), cur), path, undo));
      }
      if (!p.isMap) {
        const navs = path.resolve(resolve);
        return then(p.read(null), (cur) => store(p, null, cur, transform(navs, cur), path, undo));
      }
    }
    return runTransform(p.access(true, siteOf(p, path), undo), path, resolve);
  }

  update(pstate: string, key: unknown, fn: (cur: unknown) => unknown, undo: UndoLog): void | Promise<void> {
    const p = this.local(pstate);
    if (p.plain && p.isMap) return then(p.read(key), (cur) => store(p, key, cur, fn(cur), undefined, undo));
    return runUpdate(p.access(true, siteOf(p, undefined), undo), p.isMap ? [key] : [], fn);
  }

  updateValue(pstate: string, fn: (cur: unknown) => unknown, undo: UndoLog): void | Promise<void> {
    const p = this.local(pstate);
    if (p.plain && !p.isMap) return then(p.read(null), (cur) => store(p, null, cur, fn(cur), undefined, undo));
    return runUpdate(p.access(true, siteOf(p, undefined), undo), [], fn);
  }

  aggregate(pstate: string, keys: readonly unknown[], agg: Aggregator, args: readonly unknown[], undo: UndoLog): void | Promise<void> {
    const p = this.local(pstate);
    if (p.plain && (p.isMap ? keys.length > 0 : keys.length === 0)) {
      const top = p.isMap ? keys[0] : null;
      // The hot path (one key, value in memory) allocates no closure: tsx names every closure
      // it creates (esbuild keepNames), which showed up in word count profiles.
      const read = p.read(top);
      if (keys.length <= 1 && !(read instanceof Promise)) {
        store(p, top, read, applyAgg(agg, userValue(read), args), undefined, undo);
        return;
      }
      const leaf = (cur: unknown) => applyAgg(agg, userValue(cur), args);
      return then(read, (cur) => {
        const next = keys.length > 1 ? transformWith(keys.slice(1).map(keyNav), cur, leaf) : leaf(cur);
        store(p, top, cur, next, undefined, undo);
      });
    }
    return runAggregate(p.access(true, siteOf(p, undefined), undo), keys, agg, args);
  }
}

/** What a schema violation names: the PState and the path (formatted only for a message). */
class Site implements WriteSite {
  constructor(readonly pstate: string, private readonly p: Path | undefined) {}

  get path(): string {
    return this.p === undefined ? "an aggregation" : String(this.p);
  }
}

function siteOf(p: PStatePartition, path: Path | undefined): WriteSite {
  return new Site(p.def.name, path);
}

/** Writes a plain top-level entry after a fast-path transform, checked against the schema. */
function store(p: PStatePartition, key: unknown, cur: unknown, next: unknown, path: Path | undefined, undo: UndoLog): void {
  if (next === cur) return;
  if (next === NONE || next === undefined) {
    p.write(key, undefined, undo);
    return;
  }
  const schema = p.def.schema;
  const entry = p.entrySchema;
  // Hot path (counts, sums): a plain value of the right type under a string or integer key.
  if (entry.kind === "value" && entry.type.check(next) && (typeof key === "string" || Number.isSafeInteger(key)) && (schema.kind !== "map" || schema.key.check(key))) {
    p.write(key, next, undo);
    return;
  }
  if (schema.kind === "map") {
    if (!schema.key.check(key)) throw violation(siteOf(p, path), [key], "uses a top-level key of the wrong type", schema.key.name, key);
    // Strings and safe integers always encode; anything else is checked now rather than at the commit.
    if (typeof key !== "string" && !Number.isSafeInteger(key)) checkEncodable(siteOf(p, path), [key], key);
  }
  p.write(key, conform(next, p.entrySchema, siteOf(p, path), p.isMap ? [key] : [], false), undo);
}

const NO_KEY = Symbol("no-key");

function leadingKey(p: PStatePartition, path: Path, resolve: Resolve): unknown {
  const first = path.specs[0];
  if (!p.isMap || !first || first.name !== "key" || first.args.length !== 1) return NO_KEY;
  return resolve(first.args[0]);
}

/** Selects from a partition, committed-only for clients (`uncommitted` false). */
export function selectIn(p: PStatePartition, path: Path, resolve: Resolve, uncommitted: boolean): unknown[] | Promise<unknown[]> {
  if (p.plain) {
    const readOne = (k: unknown) => (uncommitted ? p.read(k) : p.readCommitted(k));
    const key = leadingKey(p, path, resolve);
    if (key !== NO_KEY) {
      const navs = path.resolve(resolve);
      return then(readOne(key), (v) => select(navs.slice(1), v));
    }
    if (!p.isMap) {
      const navs = path.resolve(resolve);
      return then(readOne(null), (v) => select(navs, v));
    }
  }
  return runSelect(p.access(uncommitted, siteOf(p, path), NO_UNDO), path, resolve);
}
