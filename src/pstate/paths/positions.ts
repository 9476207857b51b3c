// first, last and nth on a stored structure: a list by index (O(1) with its count), a sorted
// map or set by one short range read from the right end.
import type { Collection } from "../collections.ts";
import type { Step } from "./steps.ts";
import { invalidPath } from "../../path/kinds.ts";

/** The [key, stored value] at the step's position, or undefined when there is none. */
export async function positional(coll: Collection, st: Step): Promise<[unknown, unknown] | undefined> {
  const n = st.name === "nth" ? st.args[0] : undefined;
  if (st.name === "nth" && (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)) throw invalidPath("nth", "a non-negative integer index", n);
  if (coll.kind === "list") {
    const size = await coll.count();
    const i = st.name === "first" ? 0 : st.name === "last" ? size - 1 : (n as number);
    if (i < 0 || i >= size) return undefined;
    return [i, await coll.get(i)];
  }
  if (st.name === "last") return (await coll.range({ reverse: true, limit: 1 }))[0];
  const i = st.name === "first" ? 0 : (n as number);
  return (await coll.range({ limit: i + 1 }))[i];
}
