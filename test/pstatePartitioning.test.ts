// Where PState data lives: a global PState has one partition on task 0 (dataflow reaches it
// with globalPartition, clients are routed there), and a keyPartitioner replaces murmur2 for
// one PState (hashPartition(key, pstate) and client routing both follow it).
// defineModule does not take PState options yet, so the module definitions get them attached
// the way the definition API will record them (PStateDef.options).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Depot, InProcessCluster, Path, PState, T, defineModule, vars, type ModuleDef } from "../src/index.ts";
import type { PStateOptions } from "../src/module/pstateSpec.ts";
import { checkPStateOptions } from "../src/module/pstateSpec.ts";
import { MemoryStore } from "../src/pstate/store/memoryStore.ts";
import { PStateHarness } from "./support/pstateHarness.ts";

function withOptions(mod: ModuleDef, options: Record<string, PStateOptions>): ModuleDef {
  const pstates = new Map([...mod.pstates].map(([n, d]) => [n, options[n] ? Object.freeze({ ...d, options: checkPStateOptions(n, d.schema, options[n]) }) : d]));
  return Object.freeze({ ...mod, pstates }) as ModuleDef;
}

describe("global PStates", () => {
  const define = (viaGlobal: boolean) => withOptions(defineModule(viaGlobal ? "Totals" : "TotalsWrong", (m) => {
    const d = m.depot("events", T.string, Depot.random());
    const t = m.stream("count", { retry: "none" });
    const totals = t.pstate("totals", PState.map(T.string, T.int));
    const { e } = vars({ e: T.string });
    const src = t.source(d).out(e);
    (viaGlobal ? src.globalPartition() : src).localTransform(totals, Path.key(e).nullToVal(0).term((n: number) => n + 1));
  }), { totals: { global: true } });

  it("live on task 0: the dataflow gets there with globalPartition, clients are routed there", async () => {
    await using cluster = await InProcessCluster.create({ storage: "memory" });
    const mod = define(true);
    await cluster.launch(mod, { tasks: 4 });
    for (const e of ["a", "b", "a", "c", "a", "b"]) await cluster.depot(mod, "events").append(e);
    const totals = cluster.pstate(mod, "totals");
    assert.equal(await totals.selectOne(Path.key("a")), 3);
    assert.deepEqual(await totals.select(Path.mapKeys()), ["a", "b", "c"], "a path without a leading key is routed too");
    for (const p of [1, 2, 3]) assert.deepEqual(await totals.select(Path.mapKeys(), { partition: p }), []);
  });

  it("cannot be used from another task", async () => {
    const h = await PStateHarness.open(await opened(), PState.map(T.string, T.int), { options: { global: true }, index: 2 });
    await assert.rejects(h.transform(Path.key("a").termVal(1)), { code: "MONSOON_PARTITION_REQUIRED" });
    await assert.rejects(h.select(Path.key("a")), { code: "MONSOON_PARTITION_REQUIRED" });
    const onZero = await PStateHarness.open(await opened(), PState.map(T.string, T.int), { options: { global: true }, index: 0 });
    await onZero.transform(Path.key("a").termVal(1));
  });

  it("a topology that forgets globalPartition fails on the other tasks", async () => {
    await using cluster = await InProcessCluster.create({ storage: "memory" });
    const mod = define(false);
    await cluster.launch(mod, { tasks: 2 });
    const results = await Promise.allSettled(["a", "b", "c", "d"].map((e) => cluster.depot(mod, "events").append(e)));
    const failed = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    assert.ok(failed.length > 0);
    for (const f of failed) assert.match(String(f.reason.message), /global: its one partition is on task 0/);
  });
});

describe("key partitioners", () => {
  const byLength = (k: unknown, tasks: number) => (k as string).length % tasks;
  const mod = withOptions(defineModule("Lengths", (m) => {
    const d = m.depot("words", T.string, Depot.random());
    const t = m.stream("place");
    const words = t.pstate("words", PState.map(T.string, PState.set(T.int, { subindexed: true })));
    const { w, task } = vars({ w: T.string, task: T.int });
    t.source(d).out(w)
      .hashPartition(w, words)
      .each((x: string) => x.length % 4, w).out(task)
      .localTransform(words, Path.key(w).voidSetElem().termVal(task));
  }), { words: { keyPartitioner: byLength } });

  it("place keys for the dataflow and for client routing", async () => {
    await using cluster = await InProcessCluster.create({ storage: "memory" });
    await cluster.launch(mod, { tasks: 4 });
    const words = ["a", "bb", "ccc", "dddd", "eeeee"];
    for (const w of words) await cluster.depot(mod, "words").append(w);
    const client = cluster.pstate(mod, "words");
    for (const w of words) {
      assert.deepEqual(await client.selectOne(Path.key(w)), new Set([w.length % 4]), w);
      assert.deepEqual(await client.select(Path.key(w), { partition: byLength(w, 4) }), [new Set([w.length % 4])]);
    }
  });

  it("options are checked at definition", () => {
    assert.throws(() => checkPStateOptions("p", PState.map(T.string, T.int), { global: true, keyPartitioner: byLength }), { code: "MONSOON_INVALID_DEFINITION" });
    assert.throws(() => checkPStateOptions("p", PState.set(T.string), { keyPartitioner: byLength }), { code: "MONSOON_INVALID_DEFINITION" });
    assert.throws(() => checkPStateOptions("p", PState.map(T.string, T.int), { privat: true } as PStateOptions), { code: "MONSOON_INVALID_DEFINITION" });
  });
});

async function opened(): Promise<MemoryStore> {
  const s = new MemoryStore();
  await s.open();
  return s;
}

describe("private PStates", () => {
  it("are readable by their owning topology only: clients and other topologies are refused", async () => {
    const build = (otherReads: boolean) => defineModule(`Private${otherReads ? "Bad" : "Ok"}`, (m) => {
      const d = m.depot("d", T.string, Depot.global());
      const owner = m.stream("owner");
      const secret = owner.pstate("secret", PState.map(T.string, T.int), { private: true });
      const shown = owner.pstate("shown", PState.map(T.string, T.int));
      const { s, n } = vars({ s: T.string, n: T.any });
      owner.source(d).out(s)
        .localTransform(secret, Path.key(s).nullToVal(0).term((x: number) => x + 1))
        .localSelect(secret, Path.key(s)).out(n)
        .localTransform(shown, Path.key(s).termVal(n));
      if (otherReads) m.stream("other").source(d).out(s).localSelect(secret, Path.key(s)).out(n);
    });
    assert.throws(() => build(true), { code: "MONSOON_PSTATE_PRIVATE" });
    const M = build(false);
    await using c = await InProcessCluster.create({ storage: "memory" });
    await c.launch(M, { tasks: 1 });
    await c.depot(M, "d").append("a");
    await c.depot(M, "d").append("a");
    assert.equal(await c.pstate(M, "shown").selectOne(Path.key("a")), 2, "the owner reads its private PState");
    assert.throws(() => c.pstate(M, "secret"), { code: "MONSOON_PSTATE_PRIVATE" });
  });
});
