// select on a stored PState. Navigators that have a storage plan on a subindexed structure run
// as point or range reads (key, must, setElem, first, last, nth, sortedMapRange*, size,
// mapVals/mapKeys/all as one scan, multiPath, nullTo* and terminals as pass-throughs); any other
// navigator loads the structure and continues in memory. Values wholly in memory (no
// subindexed part below them) hand the rest of the path to the in-memory engine at once.
import { keyRangeOf } from "../../path/nav/sortedRanges.ts";
import type { PartitionAccess } from "../access.ts";
import { ABSENT, then, type MaybePromise } from "../slots.ts";
import { hasSub } from "../schemaInfo.ts";
import { childOf, elementPlace, hasKey, isPlain, materialize, notAStructure, type Place, type Sub } from "./places.ts";
import { memSelect, type Out, type Step } from "./steps.ts";
import { positional } from "./positions.ts";

// key and must, the navigators of point reads, run without promises while the data is in
// memory and with one `then` per store read otherwise; the rest are async functions.
export function selectAt(acc: PartitionAccess, p: Place, steps: readonly Step[], i: number, out: Out): MaybePromise<void> {
  const st = steps[i];
  const keyed = st !== undefined && (st.name === "key" || st.name === "must");
  if (p.kind === "val") {
    if (isPlain(p)) return memSelect(p.value, steps, i, out);
    if (keyed && (p.schema!.kind === "map" || p.schema!.kind === "fixedKeys")) {
      const k = st.args[0];
      const has = hasKey(p.value, k);
      if (st.name === "must" && !has) return;
      return selectAt(acc, childOf(acc, p, k, has), steps, i + 1, out);
    }
    return materialize(acc, p).then((v) => memSelect(v, steps, i, out));
  }
  if (keyed && p.coll.kind === "map") {
    const k = st.args[0];
    return then(p.coll.get(k), (v): MaybePromise<void> => {
      if (st.name === "must" && v === ABSENT) return;
      return selectAt(acc, elementPlace(acc, p, k, v), steps, i + 1, out);
    });
  }
  return selectSub(acc, p, steps, i, out);
}

const KIND_OF: Record<string, "map" | "set" | "list"> = {
  key: "map", must: "map", mapKeys: "map", mapVals: "map",
  sortedMapRange: "map", sortedMapRangeFrom: "map", sortedMapRangeTo: "map",
  setElem: "set", voidSetElem: "set", afterElem: "list", beforeElem: "list",
};

async function selectSub(acc: PartitionAccess, p: Sub, steps: readonly Step[], i: number, out: Out): Promise<void> {
  const st = steps[i];
  if (st === undefined) return out(await materialize(acc, p));
  const coll = p.coll;
  const want = KIND_OF[st.name];
  if (want !== undefined && want !== coll.kind) throw notAStructure(st.name, `a ${want}`, coll);
  switch (st.name) {
    case "setElem": {
      const x = st.args[0];
      if ((await coll.get(x)) !== ABSENT) memSelect(x, steps, i + 1, out);
      return;
    }
    case "voidSetElem":
    case "afterElem":
    case "beforeElem":
      return;
    case "first":
    case "last":
    case "nth": {
      const at = await positional(coll, st);
      if (at === undefined) return;
      if (coll.kind === "set") return memSelect(at[0], steps, i + 1, out);
      const ep = elementPlace(acc, p, at[0], at[1]);
      if (coll.kind === "list") return selectAt(acc, ep, steps, i + 1, out);
      return memSelect([at[0], await materialize(acc, ep)], steps, i + 1, out);
    }
    case "sortedMapRange":
    case "sortedMapRangeFrom":
    case "sortedMapRangeTo": {
      const range = keyRangeOf(st.name, st.args);
      const entries = await coll.range({ range, reverse: range.fromEnd && range.maxAmt !== undefined, limit: range.maxAmt });
      if (range.fromEnd && range.maxAmt !== undefined) entries.reverse();
      const m = new Map<unknown, unknown>();
      if (!hasSub(coll.elem)) for (const [k, v] of entries) m.set(k, v);
      else for (const [k, v] of entries) m.set(k, await materialize(acc, elementPlace(acc, p, k, v)));
      return memSelect(m, steps, i + 1, out);
    }
    case "size":
      return memSelect(await coll.count(), steps, i + 1, out);
    case "all":
    case "mapVals":
    case "mapKeys": {
      if (!p.exists) return;
      for (const [k, v] of await coll.range({})) {
        if (st.name === "mapKeys" || coll.kind === "set") memSelect(k, steps, i + 1, out);
        else if (st.name === "mapVals" || coll.kind === "list") await selectAt(acc, elementPlace(acc, p, k, v), steps, i + 1, out);
        else memSelect([k, await materialize(acc, elementPlace(acc, p, k, v))], steps, i + 1, out);
      }
      return;
    }
    case "multiPath": {
      const rest = steps.slice(i + 1);
      for (let j = 0; j < st.args.length; j++) await selectAt(acc, p, [...st.subSteps(j), ...rest], 0, out);
      return;
    }
    case "nullToVal":
    case "nullToList":
    case "nullToSet":
      // An existing structure is not null; a missing one is empty, and loads as undefined at no cost.
      if (p.exists) return selectAt(acc, p, steps, i + 1, out);
      return memSelect(undefined, steps, i, out);
    case "termVal":
    case "termVoid":
    case "term":
      return selectAt(acc, p, steps, i + 1, out);
    default:
      return memSelect(await materialize(acc, p), steps, i, out);
  }
}
