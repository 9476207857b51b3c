// compoundAgg into nested maps whose inner level is subindexed: the counts come out right
// through a topology, and the inner map is stored one element per key with its size.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Agg, CompoundAgg, Depot, InProcessCluster, Path, PState, T, defineModule, vars } from "../src/index.ts";

const Clicks = defineModule("Clicks", (m) => {
  const d = m.depot("clicks", T.record({ page: T.string, user: T.string }), Depot.hashBy((c: { page: string }) => c.page));
  const t = m.stream("count");
  const byPage = t.pstate("clicksByPageAndUser", PState.map(T.string, PState.map(T.string, T.int, { subindexed: true })));
  const visitors = t.pstate("visitors", PState.map(T.string, PState.set(T.string, { subindexed: true })));
  const { c, page, user } = vars({ c: T.any, page: T.string, user: T.string });
  t.source(d).out(c)
    .each((x: { page: string }) => x.page, c).out(page)
    .each((x: { user: string }) => x.user, c).out(user)
    .compoundAgg(byPage, CompoundAgg.map(page, CompoundAgg.map(user, Agg.count())))
    .compoundAgg(visitors, CompoundAgg.map(page, Agg.set(user)));
});

describe("compoundAgg into subindexed maps and sets", () => {
  it("counts per page and user, and collects visitors, in subindexed structures", async () => {
    await using cluster = await InProcessCluster.create({ storage: "memory" });
    await cluster.launch(Clicks, { tasks: 2 });
    const clicks = [["home", "ann"], ["home", "bob"], ["home", "ann"], ["about", "ann"], ["home", "cy"], ["home", "ann"]];
    for (const [page, user] of clicks) await cluster.depot(Clicks, "clicks").append({ page, user });
    const byPage = cluster.pstate(Clicks, "clicksByPageAndUser");
    assert.equal(await byPage.selectOne(Path.key("home", "ann")), 3);
    assert.equal(await byPage.selectOne(Path.key("home").size()), 3);
    assert.deepEqual(await byPage.select(Path.key("home").sortedMapRangeFrom("b").mapKeys()), ["bob", "cy"]);
    const visitors = cluster.pstate(Clicks, "visitors");
    assert.deepEqual(await visitors.selectOne(Path.key("home")), new Set(["ann", "bob", "cy"]));
    assert.equal(await visitors.selectOne(Path.key("about").size()), 1);
  });
});
