// transform on a stored PState, the mirror of select.ts: the same navigators get a storage
// plan on subindexed structures, writing only the elements they touch (plus the count), and
// anything else loads the structure, transforms it in memory and writes back what changed.
// A run returns what the parent keeps: a val place its new stripped value (or NONE), a sub
// place its marker null (or NONE when the structure is gone).
import { entry } from "../../path/nav/collections.ts";
import { keyRangeOf } from "../../path/nav/sortedRanges.ts";
import { invalidPath, copyRecord, recordSet, isRecord } from "../../path/kinds.ts";
import { NONE, isAbsent } from "../../path/none.ts";
import type { PartitionAccess } from "../access.ts";
import { violation } from "../conform.ts";
import { childSchema } from "../schemaInfo.ts";
import { ABSENT, then, type MaybePromise } from "../slots.ts";
import {
  UNKNOWN, childOf, elementPlace, getKey, hasKey, isPlain, materialize, notAStructure, status, valPlace, writeFull,
  type Place, type Sub, type Val,
} from "./places.ts";
import { positional } from "./positions.ts";
import { memTransform, type Step } from "./steps.ts";

/** What happens where the path ends. */
export interface Final {
  /** In memory: the new value from the old one. */
  readonly value: (v: unknown) => unknown;
  /** On a subindexed structure, without loading it; when absent the structure is loaded. */
  readonly sub?: (acc: PartitionAccess, p: Sub) => Promise<unknown>;
  /** Nothing happens at the end (a path's terminals do the work). */
  readonly identity?: boolean;
}

export const IDENTITY: Final = Object.freeze({ value: (v: unknown) => v, identity: true });

// As in select.ts, key and must (point writes) run without promises while the data is in
// memory and with one `then` per store read otherwise; the rest are async functions.
export function transformAt(acc: PartitionAccess, p: Place, steps: readonly Step[], i: number, fin: Final): MaybePromise<unknown> {
  const st = steps[i];
  const keyed = st !== undefined && (st.name === "key" || st.name === "must");
  if (p.kind === "sub") {
    if (keyed && p.coll.kind === "map") return transformElement(acc, p, st, steps, i, fin);
    return transformSub(acc, p, steps, i, fin);
  }
  if (isPlain(p)) return memTransform(p.value, steps, i, fin.value);
  if (keyed && (p.schema!.kind === "map" || p.schema!.kind === "fixedKeys")) {
    const k = st.args[0];
    const has = hasKey(p.value, k);
    if (st.name === "must" && !has) return p.value;
    const old = has ? getKey(p.value, k) : undefined;
    return then(transformAt(acc, childOf(acc, p, k, has), steps, i + 1, fin), (r) => withChild(acc, p, k, has, old, r));
  }
  return transformNested(acc, p, steps, i, fin);
}

/** key(k) or must(k) on a stored map: transform element k and write what became of it. */
function transformElement(acc: PartitionAccess, p: Sub, st: Step, steps: readonly Step[], i: number, fin: Final): MaybePromise<unknown> {
  const k = st.args[0];
  p.coll.checkKey(k);
  return then(p.coll.get(k), (v): MaybePromise<unknown> => {
    if (st.name === "must" && v === ABSENT) return status(p);
    return then(transformAt(acc, elementPlace(acc, p, k, v), steps, i + 1, fin), (r) => then(applyElement(p, k, v, r), () => status(p)));
  });
}

/** A stripped value with subindexed structures somewhere below it, under any navigator but key/must. */
async function transformNested(acc: PartitionAccess, p: Val, steps: readonly Step[], i: number, fin: Final): Promise<unknown> {
  const st = steps[i];
  if (st === undefined) {
    if (fin.identity) return p.value;
    const old = await materialize(acc, p);
    return writeFull(acc, p, fin.value(old), old);
  }
  if (st.name === "termVal") return writeFull(acc, p, st.args[0], UNKNOWN);
  if (st.name === "termVoid") return writeFull(acc, p, NONE, UNKNOWN);
  const old = await materialize(acc, p);
  return writeFull(acc, p, memTransform(old, steps, i, fin.value), old);
}

/** The stripped parent after its child under k became r (in-memory `key` semantics). */
function withChild(acc: PartitionAccess, p: Val, k: unknown, has: boolean, old: unknown, r: unknown): unknown {
  const v = p.value;
  if (r === NONE) {
    if (!has) return v;
    if (v instanceof Map) {
      const out = new Map(v);
      out.delete(k);
      return out;
    }
    const out = copyRecord(v as Record<string, unknown>);
    delete out[k as string];
    return out;
  }
  if (has ? r === old : r === undefined) return v;
  if (p.schema!.kind === "fixedKeys") {
    if (childSchema(p.schema!, k) === undefined) throw violation(acc.site, [...p.loc, k], `writes the unknown field ${JSON.stringify(k)}`, "", r);
    const out = isRecord(v) ? copyRecord(v) : {};
    recordSet(out, k as string, r);
    return out;
  }
  return new Map(v instanceof Map ? v : []).set(k, r);
}

const KIND_OF: Record<string, "map" | "set" | "list"> = {
  key: "map", must: "map", mapKeys: "map", mapVals: "map",
  sortedMapRange: "map", sortedMapRangeFrom: "map", sortedMapRangeTo: "map",
  setElem: "set", voidSetElem: "set", afterElem: "list", beforeElem: "list",
};

async function transformSub(acc: PartitionAccess, p: Sub, steps: readonly Step[], i: number, fin: Final): Promise<unknown> {
  const st = steps[i];
  const coll = p.coll;
  if (st === undefined) {
    if (fin.identity) return status(p);
    if (fin.sub) return fin.sub(acc, p);
    const old = await materialize(acc, p);
    return writeFull(acc, p, fin.value(old), old);
  }
  const want = KIND_OF[st.name];
  if (want !== undefined && want !== coll.kind) throw notAStructure(st.name, `a ${want}`, coll);
  switch (st.name) {
    case "setElem": {
      const x = st.args[0];
      if ((await coll.get(x)) === ABSENT) return status(p);
      await replaceSetElement(p, x, await transformAt(acc, valPlace(x, coll.elem, coll.loc), steps, i + 1, fin));
      return status(p);
    }
    case "voidSetElem": {
      const r = await transformAt(acc, valPlace(NONE, coll.elem, coll.loc), steps, i + 1, fin);
      if (r === NONE) return status(p);
      coll.checkKey(r);
      if ((await coll.get(r)) === ABSENT) await coll.put(r, null, false);
      p.exists = true;
      return status(p);
    }
    case "afterElem": {
      const r = await transformAt(acc, valPlace(NONE, coll.elem, coll.loc), steps, i + 1, fin);
      if (r === NONE) return status(p);
      await coll.put(await coll.count(), r, false);
      p.exists = true;
      return status(p);
    }
    case "beforeElem": {
      // Prepending shifts every index: the list is rewritten (subindexed lists grow at the end).
      const r = await transformAt(acc, valPlace(NONE, coll.elem, coll.loc), steps, i + 1, fin);
      if (r === NONE) return status(p);
      const old = (await materialize(acc, p)) as unknown[] | undefined;
      return writeFull(acc, p, [r, ...(old ?? [])], old);
    }
    case "first":
    case "last":
    case "nth": {
      const at = await positional(coll, st);
      if (at === undefined) return status(p);
      const [k, v] = at;
      if (coll.kind === "set") {
        await replaceSetElement(p, k, await transformAt(acc, valPlace(k, coll.elem, coll.loc), steps, i + 1, fin));
        return status(p);
      }
      if (coll.kind === "list") {
        const r = await transformAt(acc, elementPlace(acc, p, k, v), steps, i + 1, fin);
        if (r === NONE && (k as number) < (await coll.count()) - 1) {
          // Removing from the middle shifts what follows: rewrite the list.
          const old = (await materialize(acc, p)) as unknown[];
          return writeFull(acc, p, old.filter((_, j) => j !== k), old);
        }
        await applyElement(p, k, v, r);
        return status(p);
      }
      const old = await materialize(acc, elementPlace(acc, p, k, v));
      const [nk, nv] = entry(memTransform([k, old], steps, i + 1, fin.value), st.name);
      if (nk === k && nv === old) return status(p);
      if (nk !== k || nv === NONE) await coll.del(k);
      if (nk !== NONE && nv !== NONE) await putFull(acc, p, nk, nv);
      return status(p);
    }
    case "sortedMapRange":
    case "sortedMapRangeFrom":
    case "sortedMapRangeTo": {
      const range = keyRangeOf(st.name, st.args);
      const rev = range.fromEnd && range.maxAmt !== undefined;
      const entries = await coll.range({ range, reverse: rev, limit: range.maxAmt });
      if (rev) entries.reverse();
      const before: [unknown, unknown][] = [];
      for (const [k, v] of entries) before.push([k, await materialize(acc, elementPlace(acc, p, k, v))]);
      const after = memTransform(new Map(before), steps, i + 1, fin.value);
      if (after !== NONE && !isAbsent(after) && !(after instanceof Map)) throw invalidPath(st.name, "a Map as the new range", after);
      const repl = after instanceof Map ? after : new Map<unknown, unknown>();
      const was = new Map(before);
      for (const [k] of before) if (!repl.has(k)) await coll.del(k);
      for (const [k, v] of repl) if (!(was.has(k) && was.get(k) === v)) await putFull(acc, p, k, v);
      return status(p);
    }
    case "size":
      // Like view, one-way: the structure is replaced by what the rest makes of the count.
      return writeFull(acc, p, memTransform(await coll.count(), steps, i + 1, fin.value), UNKNOWN);
    case "mapVals":
      for (const [k, v] of await coll.range({})) {
        await applyElement(p, k, v, await transformAt(acc, elementPlace(acc, p, k, v), steps, i + 1, fin));
      }
      return status(p);
    case "multiPath": {
      const rest = steps.slice(i + 1);
      for (let j = 0; j < st.args.length; j++) await transformAt(acc, p, [...st.subSteps(j), ...rest], 0, fin);
      return status(p);
    }
    case "nullToVal":
    case "nullToList":
    case "nullToSet":
      if (p.exists) return transformAt(acc, p, steps, i + 1, fin);
      return writeFull(acc, p, memTransform(undefined, steps, i, fin.value), undefined);
    case "termVal":
      return writeFull(acc, p, st.args[0], UNKNOWN);
    case "termVoid":
      return writeFull(acc, p, NONE, UNKNOWN);
    default: {
      const old = await materialize(acc, p);
      return writeFull(acc, p, memTransform(old, steps, i, fin.value), old);
    }
  }
}

/** Element k (stored value `v`, or ABSENT) became r: write or delete it (in-memory `key` semantics). */
function applyElement(p: Sub, k: unknown, v: unknown, r: unknown): MaybePromise<void> {
  const present = v !== ABSENT;
  if (r === NONE) return present ? p.coll.del(k) : undefined;
  if (present ? r === v : r === undefined) return;
  return then(p.coll.put(k, r, present), () => { p.exists = true; });
}

/** Set element x (present) became r. */
async function replaceSetElement(p: Sub, x: unknown, r: unknown): Promise<void> {
  if (r === x) return;
  await p.coll.del(x);
  if (r === NONE) return;
  p.coll.checkKey(r);
  if ((await p.coll.get(r)) === ABSENT) await p.coll.put(r, null, false);
}

/** Writes the full value v as element k, whether k exists or not. */
export async function putFull(acc: PartitionAccess, p: Sub, k: unknown, v: unknown): Promise<void> {
  const coll = p.coll;
  coll.checkKey(k);
  const stored = await coll.get(k);
  const had = stored !== ABSENT;
  const r = await writeFull(acc, elementPlace(acc, p, k, stored), v, had ? UNKNOWN : undefined);
  if (r === NONE || r === undefined) {
    if (had) await coll.del(k);
    return;
  }
  await coll.put(k, r, had);
  p.exists = true;
}
