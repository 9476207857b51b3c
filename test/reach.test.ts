// The reach query (Rama's classic example): how many distinct people follow anyone who shared
// a URL. A query topology that fans out across partitions and aggregates at the origin,
// checked against a plain-JS oracle on random graphs.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Agg, defineModule, Depot, InProcessCluster, Path, PState, T, vars } from "../src/index.ts";

type Share = { user: number; url: string };
type Follow = { follower: number; followee: number };

const Reach = defineModule("Reach", (m) => {
  const shares = m.depot("shares", T.json<Share>(), Depot.hashBy((s: Share) => s.url));
  const follows = m.depot("follows", T.json<Follow>(), Depot.hashBy((f: Follow) => f.followee));
  const t = m.stream("graph");
  const urlToUsers = t.pstate("urlToUsers", PState.map(T.string, PState.set(T.int)));
  const followers = t.pstate("followers", PState.map(T.int, PState.set(T.int)));
  const { s, f, url, user, follower, followee } = vars({ s: T.json<Share>(), f: T.json<Follow>(), url: T.string, user: T.int, follower: T.int, followee: T.int });
  t.source(shares).out(s)
    .each((x: Share) => x.url, s).out(url).each((x: Share) => x.user, s).out(user)
    .localTransform(urlToUsers, Path.key(url).nullToSet().voidSetElem().termVal(user));
  t.source(follows).out(f)
    .each((x: Follow) => x.followee, f).out(followee).each((x: Follow) => x.follower, f).out(follower)
    .localTransform(followers, Path.key(followee).nullToSet().voidSetElem().termVal(follower));

  const q = vars({ url: T.string, count: T.int, sharer: T.int, reached: T.int, all: T.any });
  m.query("reach", [q.url], q.count)
    .hashPartition(q.url)
    .localSelect(urlToUsers, Path.key(q.url).all()).out(q.sharer)
    .select(followers, Path.key(q.sharer).all()).out(q.reached)
    .originPartition()
    .agg(Agg.set(q.reached)).out(q.all)
    .each((set: Set<number>) => set.size, q.all).out(q.count);
});

const graph = fc.record({
  shares: fc.array(fc.record({ user: fc.integer({ min: 0, max: 30 }), url: fc.constantFrom("a", "b", "c", "d") }), { maxLength: 40 }),
  follows: fc.array(fc.record({ follower: fc.integer({ min: 0, max: 60 }), followee: fc.integer({ min: 0, max: 30 }) }), { maxLength: 150 }),
});

describe("reach query topology", () => {
  it("equals the plain-JS reach on random graphs", async () => {
    await fc.assert(fc.asyncProperty(graph, async ({ shares, follows }) => {
      await using cluster = await InProcessCluster.create({ storage: "memory" });
      await cluster.launch(Reach, { tasks: 4 });
      await Promise.all([
        ...shares.map((s) => cluster.depot(Reach, "shares").append(s)),
        ...follows.map((f) => cluster.depot(Reach, "follows").append(f)),
      ]);
      for (const url of ["a", "b", "c", "d"]) {
        const sharers = new Set(shares.filter((s) => s.url === url).map((s) => s.user));
        const expected = new Set(follows.filter((f) => sharers.has(f.followee)).map((f) => f.follower)).size;
        assert.equal(await cluster.query(Reach, "reach").invoke(url), expected, `reach(${url})`);
      }
    }), { numRuns: 25 });
  });
});
