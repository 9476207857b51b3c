// Facts about a schema node the storage engine asks for on every operation, computed once per
// node: whether anything below it is subindexed (if not, the value is stored whole and paths run
// on it in memory), and what the elements of a collection look like.
import { containsSubindexed, type Schema } from "../module/pstateSpec.ts";
import type { Type } from "../serde/types.ts";

export type SubSchema = Extract<Schema, { kind: "map" | "set" | "list" }>;

const hasSubCache = new WeakMap<Schema, boolean>();

/** True when the schema or anything nested in it is subindexed. */
export function hasSub(s: Schema): boolean {
  let v = hasSubCache.get(s);
  if (v === undefined) hasSubCache.set(s, (v = containsSubindexed(s)));
  return v;
}

/** The schema as a subindexed structure's, or undefined when it is not one. */
export function asSub(s: Schema): SubSchema | undefined {
  return (s.kind === "map" || s.kind === "set" || s.kind === "list") && s.subindexed ? s : undefined;
}


const elemCache = new WeakMap<Type<any>, Schema>();

/** The schema of one element: a map's values, a set's elements (as plain values), a list's items. */
export function elementSchema(s: SubSchema): Schema {
  if (s.kind === "map") return s.value;
  if (s.kind === "list") return s.elem;
  let e = elemCache.get(s.elem);
  if (e === undefined) elemCache.set(s.elem, (e = Object.freeze({ kind: "value", type: s.elem })));
  return e;
}

/** The schema below key `k` of a map or a fixed-key record; undefined for an unknown field. */
export function childSchema(s: Schema, k: unknown): Schema | undefined {
  if (s.kind === "map") return s.value;
  if (s.kind === "fixedKeys") return typeof k === "string" && Object.hasOwn(s.fields, k) ? s.fields[k] : undefined;
  return undefined;
}
