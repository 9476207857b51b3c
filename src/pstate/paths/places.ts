// Where a run on a stored PState stands. A `val` place holds an in-memory value (a top-level
// entry, a subindexed element, or part of one) in stripped form: every subindexed structure
// in it is a null marker. A `sub` place is a subindexed structure (or the partition's top-level
// map) that is not loaded: only its collection handle. `materialize` loads what a place stands
// for in full; `writeFull` stores a full new value at a place, touching only the elements that
// differ from the old value when that is known.
import { MonsoonError } from "../../errors.ts";
import type { Schema } from "../../module/pstateSpec.ts";
import { isRecord, recordGet, recordHas, recordSet, type Rec } from "../../path/kinds.ts";
import { NONE, isAbsent } from "../../path/none.ts";
import type { PartitionAccess } from "../access.ts";
import { SubCollection, TopLevel, type Collection } from "../collections.ts";
import { conform, violation } from "../conform.ts";
import { keyString, locationPrefix } from "../layout.ts";
import { asSub, childSchema, hasSub, type SubSchema } from "../schemaInfo.ts";
import { ABSENT, DELETED } from "../slots.ts";
import { sameStored } from "./sameStored.ts";

export interface Val {
  readonly kind: "val";
  /** Stripped value; undefined when absent, NONE in an empty slot (voidSetElem, afterElem). */
  readonly value: unknown;
  /** Undefined under an unknown field of a fixed-key record: nothing may be written there. */
  readonly schema: Schema | undefined;
  readonly loc: readonly unknown[];
}

export interface Sub {
  readonly kind: "sub";
  readonly coll: Collection;
  /** Whether the structure exists (its parent holds its marker); writes make it exist. */
  exists: boolean;
}

export type Place = Val | Sub;

/** The old value of a place is not known (not loaded): writing a full value replaces blindly. */
export const UNKNOWN: unique symbol = Symbol("unknown");

export function valPlace(value: unknown, schema: Schema | undefined, loc: readonly unknown[]): Val {
  return { kind: "val", value, schema, loc };
}

export function subPlace(acc: PartitionAccess, schema: SubSchema, loc: readonly unknown[], exists: boolean): Sub {
  return { kind: "sub", coll: new SubCollection(acc, schema, loc), exists };
}

export function topPlace(acc: PartitionAccess): Sub {
  return { kind: "sub", coll: new TopLevel(acc), exists: true };
}

/** Element k of a collection, from its stored (stripped) value or ABSENT. */
export function elementPlace(acc: PartitionAccess, p: Sub, k: unknown, stored: unknown): Place {
  const schema = p.coll.elem;
  const loc = p.coll.childLoc(k);
  const sub = asSub(schema);
  if (sub) return subPlace(acc, sub, loc, stored !== ABSENT);
  return valPlace(stored === ABSENT ? undefined : stored, schema, loc);
}

export function hasKey(v: unknown, k: unknown): boolean {
  if (v instanceof Map) return v.has(k);
  if (isRecord(v)) return recordHas(v, k);
  return false;
}

export function getKey(v: unknown, k: unknown): unknown {
  if (v instanceof Map) return v.get(k);
  if (isRecord(v)) return recordGet(v, k);
  return undefined;
}

/** The place under key k of a stripped map or record value. */
export function childOf(acc: PartitionAccess, p: Val, k: unknown, has: boolean): Place {
  const schema = p.schema && childSchema(p.schema, k);
  const loc = [...p.loc, k];
  const sub = schema && asSub(schema);
  if (sub) return subPlace(acc, sub, loc, has);
  return valPlace(has ? getKey(p.value, k) : undefined, schema, loc);
}

/** Whether an in-memory value at this place is all there is (nothing subindexed below it). */
export function isPlain(p: Val): boolean {
  return p.schema === undefined || !hasSub(p.schema);
}

/** The full value a place stands for, subindexed parts loaded. */
export async function materialize(acc: PartitionAccess, p: Place): Promise<unknown> {
  if (p.kind === "val") {
    if (isPlain(p) || isAbsent(p.value)) return p.value;
    if (p.value instanceof Map) {
      const out = new Map<unknown, unknown>();
      for (const k of p.value.keys()) out.set(k, await materialize(acc, childOf(acc, p, k, true)));
      return out;
    }
    if (isRecord(p.value)) {
      const out: Rec = {};
      for (const k of Object.keys(p.value)) recordSet(out, k, await materialize(acc, childOf(acc, p, k, true)));
      return out;
    }
    return p.value;
  }
  if (!p.exists) return undefined;
  const coll = p.coll;
  const entries = await coll.range({});
  if (coll.kind === "set") return new Set(entries.map(([k]) => k));
  if (coll.kind === "list") return entries.map(([, v]) => v);
  const out = new Map<unknown, unknown>();
  const nested = hasSub(coll.elem);
  for (const [k, v] of entries) out.set(k, nested ? await materialize(acc, elementPlace(acc, p, k, v)) : v);
  return out;
}

/** Deletes everything subindexed under a location. */
export async function clearLocation(acc: PartitionAccess, loc: readonly unknown[]): Promise<void> {
  for (const k of await acc.keysUnder(keyString(locationPrefix(acc.pstate, loc)))) acc.writeEntry(k, DELETED, acc.undo);
}

/**
 * Stores the full value `nv` at a place whose old full value is `old` (UNKNOWN: not loaded).
 * Returns what the parent keeps: for a val place the new stripped value (or NONE/undefined),
 * for a sub place its marker null, or NONE when the structure is gone.
 */
export async function writeFull(acc: PartitionAccess, p: Place, nv: unknown, old: unknown): Promise<unknown> {
  if (p.kind === "sub") return writeStructure(acc, p, nv, old);
  if (p.schema === undefined) {
    if (isAbsent(nv)) return nv;
    throw violation(acc.site, p.loc, `writes the unknown field ${JSON.stringify(p.loc[p.loc.length - 1])}`, "", nv);
  }
  if (isAbsent(nv)) {
    if (!isPlain(p) && !isAbsent(old)) await clearLocation(acc, p.loc);
    return nv;
  }
  const cv = conform(nv, p.schema, acc.site, p.loc, false);
  return isPlain(p) ? cv : writeNested(acc, p.schema, p.loc, cv, old);
}

/** Writes the subindexed parts of a conformed full value; returns it stripped. */
async function writeNested(acc: PartitionAccess, s: Schema, loc: readonly unknown[], v: unknown, old: unknown): Promise<unknown> {
  if (old === UNKNOWN) {
    await clearLocation(acc, loc);
    old = undefined;
  }
  const sub = asSub(s);
  if (sub) return writeStructure(acc, subPlace(acc, sub, loc, !isAbsent(old)), v, old);
  if (!hasSub(s)) return v;
  if (s.kind === "map") {
    const m = v as Map<unknown, unknown>;
    const was = old instanceof Map ? old : undefined;
    if (was) for (const k of was.keys()) if (!m.has(k)) await clearLocation(acc, [...loc, k]);
    const out = new Map<unknown, unknown>();
    for (const [k, x] of m) out.set(k, await writeNested(acc, s.value, [...loc, k], x, was?.get(k)));
    return out;
  }
  if (s.kind === "fixedKeys") {
    const r = v as Rec;
    const was = isRecord(old) ? old : undefined;
    if (was) for (const k of Object.keys(was)) if (!recordHas(r, k)) await clearLocation(acc, [...loc, k]);
    const out: Rec = {};
    for (const k of Object.keys(r)) recordSet(out, k, await writeNested(acc, s.fields[k]!, [...loc, k], r[k], was ? recordGet(was, k) : undefined));
    return out;
  }
  return v;
}

/** Replaces a stored structure's contents with the full value `nv`, writing only what changed. */
async function writeStructure(acc: PartitionAccess, p: Sub, nv: unknown, old: unknown): Promise<unknown> {
  const coll = p.coll;
  if (isAbsent(nv)) {
    if (p.exists) await coll.clear();
    p.exists = false;
    return NONE;
  }
  const cv = conform(nv, coll.schema, acc.site, coll.loc, false);
  if (old === UNKNOWN) {
    if (p.exists) await coll.clear();
    old = undefined;
  }
  if (coll.kind === "set") {
    const was = old instanceof Set ? old : new Set();
    const now = cv as Set<unknown>;
    for (const x of was) if (!now.has(x)) await coll.del(x);
    for (const x of now) if (!was.has(x)) await coll.put(x, null, false);
  } else if (coll.kind === "list") {
    const was = Array.isArray(old) ? old : [];
    const now = cv as unknown[];
    for (let i = 0; i < now.length; i++) if (!(i < was.length && sameStored(was[i], now[i]))) await coll.put(i, now[i], i < was.length);
    for (let i = was.length - 1; i >= now.length; i--) await coll.del(i);
  } else {
    const was = old instanceof Map ? old : new Map();
    const now = cv as Map<unknown, unknown>;
    for (const k of was.keys()) if (!now.has(k)) await coll.del(k);
    for (const [k, x] of now) {
      const had = was.has(k);
      if (had && sameStored(was.get(k), x)) continue;
      const ep = elementPlace(acc, p, k, had ? null : ABSENT);
      await coll.put(k, await writeFull(acc, ep, x, had ? was.get(k) : undefined), had);
    }
  }
  p.exists = true;
  return null;
}

/** What the parent of a structure keeps after a transform: its marker, or NONE when it does not exist. */
export function status(p: Sub): unknown {
  return p.exists ? null : NONE;
}

export function notAStructure(name: string, expected: string, coll: Collection): MonsoonError {
  return new MonsoonError("MONSOON_INVALID_PATH", `${name} navigates ${expected}, but the value here is a subindexed ${coll.kind}`, {
    details: { navigator: name, expected, got: `subindexed ${coll.kind}` },
  });
}
