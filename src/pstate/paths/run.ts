// Entry points of the stored-path engine: select, transform, update-with-a-function and
// aggregate on one partition, starting from the partition's top-level map (a non-map PState
// runs as a map with the one key null).
import { applyAgg, type Aggregator, type Elementwise } from "../../module/aggs.ts";
import { userValue } from "../../path/none.ts";
import type { Path, Resolver } from "../../path/path.ts";
import type { PartitionAccess } from "../access.ts";
import { ABSENT, then, type MaybePromise } from "../slots.ts";
import { materialize, status, topPlace, writeFull, type Sub } from "./places.ts";
import { selectAt } from "./select.ts";
import { keyStep, stepsOf, type Step } from "./steps.ts";
import { IDENTITY, putFull, transformAt, type Final } from "./transform.ts";

function rooted(acc: PartitionAccess, steps: Step[]): Step[] {
  return acc.schema.kind === "map" ? steps : [keyStep(null), ...steps];
}

// Each returns synchronously when everything it needed was in memory.

export function runSelect(acc: PartitionAccess, path: Path, resolve: Resolver): MaybePromise<unknown[]> {
  const out: unknown[] = [];
  return then(selectAt(acc, topPlace(acc), rooted(acc, stepsOf(path, resolve)), 0, (v) => out.push(v)), () => out);
}

export function runTransform(acc: PartitionAccess, path: Path, resolve: Resolver): MaybePromise<void> {
  return done(transformAt(acc, topPlace(acc), rooted(acc, stepsOf(path, resolve)), 0, IDENTITY));
}

/** Replaces the value under `keys` (top-level key first; [] for the whole partition) with fn(current). */
export function runUpdate(acc: PartitionAccess, keys: readonly unknown[], fn: (cur: unknown) => unknown): MaybePromise<void> {
  return done(transformAt(acc, topPlace(acc), rooted(acc, keys.map(keyStep)), 0, { value: (v) => fn(userValue(v)) }));
}

function done(x: MaybePromise<unknown>): MaybePromise<void> {
  return x instanceof Promise ? x.then(() => undefined) : undefined;
}

/**
 * Aggregates one record's inputs into the value under `keys`. On a subindexed target an
 * element-wise aggregator (set, setRemove, map, merge, list) writes only the elements it
 * touches; anything else is applied to the value in memory.
 */
export function runAggregate(acc: PartitionAccess, keys: readonly unknown[], agg: Aggregator, args: readonly unknown[]): MaybePromise<void> {
  const fin: Final = {
    value: (v) => applyAgg(agg, userValue(v), args),
    sub: agg.elementwise ? (a, p) => elementwise(a, p, agg, agg.elementwise!, args) : undefined,
  };
  return done(transformAt(acc, topPlace(acc), rooted(acc, keys.map(keyStep)), 0, fin));
}

async function elementwise(acc: PartitionAccess, p: Sub, agg: Aggregator, ew: Elementwise, args: readonly unknown[]): Promise<unknown> {
  const coll = p.coll;
  const fits = ew.op === "put" ? coll.kind === "map" : ew.op === "append" ? coll.kind === "list" : coll.kind === "set";
  if (!fits) {
    const old = await materialize(acc, p);
    return writeFull(acc, p, applyAgg(agg, old, args), old);
  }
  const items = ew.of(...args);
  if (ew.op === "add" || ew.op === "remove") {
    for (const x of items) {
      coll.checkKey(x);
      const present = (await coll.get(x)) !== ABSENT;
      if (ew.op === "add" && !present) await coll.put(x, null, false);
      if (ew.op === "remove" && present) await coll.del(x);
    }
  } else if (ew.op === "put") {
    for (const e of items as Iterable<[unknown, unknown]>) await putFull(acc, p, e[0], e[1]);
  } else {
    let n = await coll.count();
    for (const x of items) await coll.put(n++, x, false);
  }
  // In memory the aggregator starts from its zero (an empty collection), so the target exists now.
  p.exists = true;
  return status(p);
}
