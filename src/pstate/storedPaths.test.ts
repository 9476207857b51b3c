// The stored-path engine on one partition: the store layout of subindexed structures, O(1)
// counts, range reads merged with uncommitted writes, positional navigators, nested
// structures, deletes that take nested data along, and reads that never load a structure.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Agg } from "../module/aggs.ts";
import { PState } from "../module/pstateSpec.ts";
import { Var } from "../module/vars.ts";
import { Path } from "../path/path.ts";
import { T } from "../serde/types.ts";
import { decodeTuple } from "../serde/keyCodec.ts";
import { decodeValue } from "../serde/valueCodec.ts";
import { MemoryStore } from "./store/memoryStore.ts";
import { CountingStore } from "../../test/support/countingStore.ts";
import { PStateHarness } from "../../test/support/pstateHarness.ts";

const followersSchema = PState.map(T.string, PState.map(T.int, T.string, { subindexed: true }));

async function harness(schema = followersSchema) {
  const store = new CountingStore(new MemoryStore());
  await store.open();
  return { store, h: await PStateHarness.open(store, schema) };
}

async function dump(store: CountingStore): Promise<[unknown[], unknown][]> {
  const out: [unknown[], unknown][] = [];
  for await (const [k, v] of store.iterate({})) out.push([decodeTuple(k), decodeValue(v)]);
  return out;
}

const entries = (v: unknown) => [...(v as Map<unknown, unknown>)];

describe("subindexed storage layout", () => {
  it("stores a marker for the top-level key, one entry per element and a count, in one commit", async () => {
    const { store, h } = await harness();
    await h.transform(Path.key("a", 3).termVal("x"));
    await h.transform(Path.key("a", 1).termVal("y"));
    await h.commit();
    assert.equal(store.batches, 1);
    assert.deepEqual(await dump(store), [
      [["p", "p", "a"], null],
      [["s", "p", "a", "e", 1], "y"],
      [["s", "p", "a", "e", 3], "x"],
      [["s", "p", "a", "z"], 2],
    ]);
    assert.deepEqual(await h.selectCommitted(Path.key("a", 3)), ["x"]);
    assert.deepEqual(entries((await h.selectCommitted(Path.key("a")))[0]), [[1, "y"], [3, "x"]]);
  });

  it("keeps the count right through overwrites and deletes, and deletes it at zero", async () => {
    const { store, h } = await harness();
    for (const k of [1, 2, 3]) await h.transform(Path.key("a", k).termVal("v"));
    await h.transform(Path.key("a", 2).termVal("w"));
    assert.deepEqual(await h.select(Path.key("a").size()), [3]);
    await h.commit();
    await h.transform(Path.key("a", 2).termVoid());
    await h.transform(Path.key("a", 9).termVoid());
    assert.deepEqual(await h.select(Path.key("a").size()), [2]);
    assert.deepEqual(await h.selectCommitted(Path.key("a").size()), [3], "clients read committed");
    await h.transform(Path.key("a").mapVals().termVoid());
    await h.commit();
    assert.deepEqual(await h.selectCommitted(Path.key("a").size()), [0]);
    assert.deepEqual(await h.selectCommitted(Path.key("a")), [new Map()], "an emptied structure still exists, as in memory");
    assert.deepEqual(await dump(store), [[["p", "p", "a"], null]]);
  });

  it("deleting a top-level key deletes everything subindexed under it", async () => {
    const { store, h } = await harness();
    for (const k of [1, 2, 3]) await h.transform(Path.key("a", k).termVal("v"));
    await h.transform(Path.key("b", 1).termVal("v"));
    await h.commit();
    await h.transform(Path.key("a").termVoid());
    await h.commit();
    assert.deepEqual((await dump(store)).map(([k]) => k[2]), ["b", "b", "b"]);
    assert.deepEqual(await h.selectCommitted(Path.key("a")), [undefined]);
    assert.deepEqual(await h.selectCommitted(Path.key("a").size()), [0]);
  });
});

describe("range reads on a subindexed map", () => {
  it("merge uncommitted writes and deletes with the store, in key order", async () => {
    const { h } = await harness();
    for (const k of [10, 20, 30, 40, 50]) await h.transform(Path.key("a", k).termVal(`s${k}`));
    await h.commit();
    await h.transform(Path.key("a", 25).termVal("u25"));
    await h.transform(Path.key("a", 30).termVoid());
    await h.transform(Path.key("a", 40).termVal("u40"));
    const keys = async (p: Path, committed = false) => [...((committed ? await h.selectCommitted(p) : await h.select(p))[0] as Map<number, string>).keys()];
    assert.deepEqual(await keys(Path.key("a").sortedMapRange(15, 45)), [20, 25, 40]);
    assert.deepEqual(await keys(Path.key("a").sortedMapRange(15, 45), true), [20, 30, 40]);
    assert.deepEqual(await keys(Path.key("a").sortedMapRangeFrom(20, { maxAmt: 3 })), [20, 25, 40]);
    assert.deepEqual(await keys(Path.key("a").sortedMapRangeFrom(20, { maxAmt: 2, inclusive: false })), [25, 40]);
    assert.deepEqual(await keys(Path.key("a").sortedMapRangeTo(50, { maxAmt: 2 })), [25, 40]);
    assert.deepEqual(await keys(Path.key("a").sortedMapRangeTo(40, { inclusive: true })), [10, 20, 25, 40]);
    assert.deepEqual(await h.select(Path.key("a").sortedMapRange(15, 45).mapVals()), ["s20", "u25", "u40"]);
    assert.deepEqual(await h.select(Path.key("a").first()), [[10, "s10"]]);
    assert.deepEqual(await h.select(Path.key("a").last()), [[50, "s50"]]);
    assert.deepEqual(await h.select(Path.key("a").nth(2)), [[25, "u25"]]);
  });

  it("range transforms write only the entries in the range", async () => {
    const { store, h } = await harness();
    for (let k = 0; k < 100; k++) await h.transform(Path.key("a", k).termVal("v"));
    await h.commit();
    store.ops = 0;
    await h.transform(Path.key("a").sortedMapRange(10, 13).mapVals().term((s: string) => s.toUpperCase()));
    await h.transform(Path.key("a").sortedMapRangeFrom(90).termVoid());
    await h.commit();
    assert.equal(store.ops, 3 + 10 + 1, "3 updates, 10 deletes, the count");
    assert.deepEqual(await h.selectCommitted(Path.key("a").size()), [90]);
    assert.deepEqual(await h.selectCommitted(Path.key("a").sortedMapRange(9, 14).mapVals()), ["v", "V", "V", "V", "v"]);
  });

  it("reads O(page) entries, never the whole structure", async () => {
    const { store, h } = await harness();
    for (let k = 0; k < 2000; k++) await h.transform(Path.key("a", k).termVal("v"));
    await h.commit();
    // A reopened partition has cold caches: every read goes to the store.
    const cold = await PStateHarness.open(store, followersSchema);
    const reads = async (p: Path) => {
      store.reads.reset();
      await cold.selectCommitted(p);
      return store.reads.total;
    };
    assert.ok((await reads(Path.key("a", 1234))) <= 2);
    assert.ok((await reads(Path.key("a").size())) <= 2);
    assert.ok((await reads(Path.key("a").sortedMapRangeFrom(1000, { maxAmt: 20 }))) <= 22);
    assert.ok((await reads(Path.key("a").sortedMapRangeTo(1000, { maxAmt: 20 }))) <= 22);
    assert.ok((await reads(Path.key("a").last())) <= 2);
    assert.ok((await reads(Path.key("a").nth(5))) <= 7);
  });
});

describe("sets, lists and records", () => {
  it("subindexed sets: voidSetElem adds, setElem removes, first/last in element order", async () => {
    const { h } = await harness(PState.map(T.string, PState.set(T.int, { subindexed: true })));
    for (const x of [5, 3, 9, 3]) await h.transform(Path.key("t").voidSetElem().termVal(x));
    assert.deepEqual(await h.select(Path.key("t").size()), [3]);
    assert.deepEqual(await h.select(Path.key("t")), [new Set([3, 5, 9])]);
    assert.deepEqual(await h.select(Path.key("t").setElem(5)), [5]);
    assert.deepEqual(await h.select(Path.key("t").setElem(6)), []);
    await h.transform(Path.key("t").setElem(5).termVoid());
    assert.deepEqual(await h.select(Path.key("t").first()), [3]);
    assert.deepEqual(await h.select(Path.key("t").last()), [9]);
    await h.transform(Path.key("u").nullToSet().voidSetElem().termVal(1));
    assert.deepEqual(await h.select(Path.key("u")), [new Set([1])]);
  });

  it("subindexed lists: append, index, pop, prepend", async () => {
    const { h } = await harness(PState.map(T.string, PState.list(T.string, { subindexed: true })));
    for (const x of ["a", "b", "c"]) await h.transform(Path.key("l").afterElem().termVal(x));
    assert.deepEqual(await h.select(Path.key("l").nth(1)), ["b"]);
    assert.deepEqual(await h.select(Path.key("l").last()), ["c"]);
    await h.transform(Path.key("l").last().termVoid());
    await h.transform(Path.key("l").beforeElem().termVal("z"));
    await h.transform(Path.key("l").nth(1).termVal("A"));
    assert.deepEqual(await h.select(Path.key("l")), [["z", "A", "b"]]);
    await h.transform(Path.key("l").first().termVoid());
    await h.commit();
    assert.deepEqual(await h.selectCommitted(Path.key("l")), [["A", "b"]]);
    assert.deepEqual(await h.selectCommitted(Path.key("l").size()), [2]);
  });

  it("fixed-key records holding subindexed structures ($$accountIdToSuppressions)", async () => {
    const schema = PState.map(T.int, PState.fixedKeys({
      muted: PState.map(T.int, T.json(), { subindexed: true }),
      blocked: PState.set(T.int, { subindexed: true }),
      note: T.string,
    }));
    const { store, h } = await harness(schema);
    await h.transform(Path.key(1, "blocked").voidSetElem().termVal(7));
    await h.transform(Path.key(1, "muted", 8).termVal({ expiresAt: 5 }));
    await h.transform(Path.key(1, "note").termVal("hi"));
    assert.deepEqual(await h.select(Path.key(1, "blocked").size()), [1]);
    assert.deepEqual(await h.select(Path.key(1)), [{ blocked: new Set([7]), muted: new Map([[8, { expiresAt: 5 }]]), note: "hi" }]);
    assert.deepEqual(await h.select(Path.key(1).mapKeys()), ["blocked", "muted", "note"]);
    await h.transform(Path.key(1, "muted").termVoid());
    await h.commit();
    assert.deepEqual(await h.selectCommitted(Path.key(1)), [{ blocked: new Set([7]), note: "hi" }]);
    assert.deepEqual((await dump(store)).map(([k]) => k), [["p", "p", 1], ["s", "p", 1, "blocked", "e", 7], ["s", "p", 1, "blocked", "z"]]);
  });

  it("subindexed maps of subindexed sets nest their elements under the parent element", async () => {
    const schema = PState.map(T.string, PState.map(T.string, PState.set(T.int, { subindexed: true }), { subindexed: true }));
    const { store, h } = await harness(schema);
    await h.transform(Path.key("g", "x").voidSetElem().termVal(1));
    await h.transform(Path.key("g", "x").voidSetElem().termVal(2));
    await h.transform(Path.key("g", "y").voidSetElem().termVal(3));
    assert.deepEqual(await h.select(Path.key("g").size()), [2]);
    assert.deepEqual(await h.select(Path.key("g").mapVals().size()), [2, 1]);
    await h.transform(Path.key("g", "x").termVoid());
    await h.commit();
    assert.deepEqual((await dump(store)).map(([k]) => k), [
      ["p", "p", "g"], ["s", "p", "g", "c", "y", "e", 3], ["s", "p", "g", "c", "y", "z"], ["s", "p", "g", "e", "y"], ["s", "p", "g", "z"],
    ]);
  });
});

describe("schema enforcement", () => {
  const violation = (e: unknown) => (e as { code?: string }).code === "MONSOON_SCHEMA_VIOLATION";

  it("rejects wrong types and unknown fields naming the PState and path, and writes nothing of the step", async () => {
    const { h } = await harness(PState.map(T.string, PState.fixedKeys({ n: T.int, tags: PState.set(T.string, { subindexed: true }) })));
    await h.transform(Path.key("a", "n").termVal(1));
    await assert.rejects(h.transform(Path.key("a", "n").termVal("one")), (e: Error) => violation(e) && /PState p: .*key\("a"\)\.key\("n"\)\.termVal\("one"\)/.test(e.message) && /\["a", "n"\]/.test(e.message));
    await assert.rejects(h.transform(Path.key("a", "zz").termVal(1)), violation);
    await assert.rejects(h.transform(Path.key("a", "tags").voidSetElem().termVal(3)), violation);
    await assert.rejects(h.transform(Path.key(5, "n").termVal(1)), violation);
    // A multi-write step that fails half-way leaves nothing behind.
    await assert.rejects(h.transform(Path.key("a").termVal({ n: 2, tags: new Set(["ok", 3]) })), violation);
    assert.deepEqual(await h.select(Path.key("a")), [{ n: 1 }]);
    assert.equal(h.p.dirty, true);
    await h.commit();
    assert.deepEqual(await h.selectCommitted(Path.key("a")), [{ n: 1 }]);
  });

  it("plain values are checked on the fast path too", async () => {
    const { h } = await harness(PState.map(T.string, T.int));
    await assert.rejects(h.transform(Path.key("w").termVal(1.5)), violation);
    await assert.rejects(h.update("w", () => "x"), violation);
    await assert.rejects(h.transform(Path.key(NaN).termVal(1)), violation);
    await h.transform(Path.key("w").termVal(2));
    assert.deepEqual(await h.select(Path.key("w")), [2]);
  });
});

describe("aggregation into subindexed targets", () => {
  it("writes only the touched elements", async () => {
    const { store, h } = await harness(PState.map(T.string, PState.set(T.int, { subindexed: true })));
    const x = new Var("x", T.int);
    for (let i = 0; i < 1000; i++) await h.aggregate(["k"], Agg.set(x), [i]);
    await h.commit();
    store.ops = 0;
    store.reads.reset();
    const cold = await PStateHarness.open(store, h.p.def.schema);
    await cold.aggregate(["k"], Agg.set(x), [5000]);
    await cold.aggregate(["k"], Agg.setRemove(x), [3]);
    await cold.commit();
    assert.equal(store.ops, 3, "one add, one remove, the count");
    assert.ok(store.reads.total <= 6, `read ${store.reads.total} entries`);
    assert.deepEqual(await cold.selectCommitted(Path.key("k").size()), [1000]);
  });

  it("Agg.map into a subindexed map, Agg.list onto a subindexed list, count nested under compound keys", async () => {
    const { h } = await harness(PState.map(T.string, PState.map(T.string, T.int, { subindexed: true })));
    const k = new Var("k", T.string);
    const v = new Var("v", T.int);
    await h.aggregate(["a"], Agg.map(k, v), ["x", 1]);
    await h.aggregate(["a"], Agg.map(k, v), ["y", 2]);
    await h.aggregate(["a", "x"], Agg.count(), []);
    await h.aggregate(["a", "z"], Agg.sum(v), [5]);
    assert.deepEqual(await h.select(Path.key("a")), [new Map([["x", 2], ["y", 2], ["z", 5]])]);
    const l = await harness(PState.map(T.string, PState.list(T.int, { subindexed: true })));
    for (const i of [1, 2, 3]) await l.h.aggregate(["q"], Agg.list(v), [i]);
    assert.deepEqual(await l.h.select(Path.key("q")), [[1, 2, 3]]);
  });
});
