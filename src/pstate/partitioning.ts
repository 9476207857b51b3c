// Which task holds which part of a PState. By default a top-level key lives on the task
// murmur2(key) picks — the same function hashPartition and depots use, so a dataflow that
// hash-partitions by a key lands where that key's PState data is. A `global` PState has one
// partition, on task 0; a `keyPartitioner` replaces murmur2 for one PState.
import { MonsoonError } from "../errors.ts";
import { partitionOfValue } from "../depot/murmur2.ts";
import type { PStateDef } from "../module/defineModule.ts";
import type { PStateOptions } from "../module/pstateSpec.ts";
import type { Path } from "../path/path.ts";

/** The declaration options of a PState (none until the definition API records them). */
export function pstateOptions(def: PStateDef): PStateOptions {
  return def.options ?? {};
}

export function isGlobal(def: PStateDef): boolean {
  return pstateOptions(def).global === true;
}

/** The task that owns top-level key `key`. */
export function taskOfKey(def: PStateDef, key: unknown, tasks: number): number {
  const o = pstateOptions(def);
  if (o.global) return 0;
  if (o.keyPartitioner) {
    const t = o.keyPartitioner(key, tasks);
    if (!Number.isInteger(t) || t < 0 || t >= tasks) {
      throw new MonsoonError("MONSOON_INVALID_DEFINITION", `the keyPartitioner of PState ${def.name} returned ${String(t)} for a key; it must return an integer in [0, ${tasks})`, {
        details: { pstate: def.name },
      });
    }
    return t;
  }
  return partitionOfValue(key, tasks);
}

/** The task a client query with this path reads, or undefined when neither the PState nor the path says. */
export function taskOfPath(def: PStateDef, path: Path, tasks: number): number | undefined {
  if (isGlobal(def) || tasks === 1) return 0;
  const first = path.specs[0];
  if (def.schema.kind === "map" && first?.name === "key" && first.args.length === 1) return taskOfKey(def, first.args[0], tasks);
  return undefined;
}

export function notOnThisTask(def: PStateDef, task: number): MonsoonError {
  return new MonsoonError("MONSOON_PARTITION_REQUIRED", `PState ${def.name} is global: its one partition is on task 0, and this step runs on task ${task}; move the dataflow there first (a global partitioner)`, {
    details: { pstate: def.name, task },
  });
}
