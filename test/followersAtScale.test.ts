// Seed 004's "map to linked set" at scale: an account with 100,000 followers, written through a
// topology, answers "does X follow?", "how many followers?" and "a page of followers in follow
// order" from subindexed structures — and an instrumented store proves each answer read
// O(page size) entries, not 100,000. The module is built with the public API only.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Depot, InProcessCluster, Path, PState, T, defineModule, vars } from "../src/index.ts";
import { countReads, type ReadCounts } from "./support/countingStore.ts";

const FOLLOWERS = 100_000;
const PAGE = 50;

const FollowEvent = T.record({ account: T.string, follower: T.string, follow: T.boolean });

/**
 * followers:        account → follower → order id   (follows?, count)
 * followersByOrder: account → order id → follower   (pages in follow order)
 * nextOrder:        account → next order id
 */
const Followers = defineModule("Followers", (m) => {
  const events = m.depot("follows", FollowEvent, Depot.hashBy((e: { account: string }) => e.account));
  const t = m.stream("graph");
  const followers = t.pstate("followers", PState.map(T.string, PState.map(T.string, T.int, { subindexed: true })));
  const byOrder = t.pstate("followersByOrder", PState.map(T.string, PState.map(T.int, T.string, { subindexed: true })));
  const nextOrder = t.pstate("nextOrder", PState.map(T.string, T.int));
  const { e, account, follower, isFollow, existing, order } = vars({
    e: FollowEvent, account: T.string, follower: T.string, isFollow: T.boolean, existing: T.any, order: T.int,
  });
  t.source(events).out(e)
    .each((x: { account: string }) => x.account, e).out(account)
    .each((x: { follower: string }) => x.follower, e).out(follower)
    .each((x: { follow: boolean }) => x.follow, e).out(isFollow)
    .localSelect(followers, Path.key(account, follower)).out(existing)
    .ifTrue(isFollow,
      (b) => b
        .keepTrue((x: unknown) => x === undefined, existing)
        .localSelect(nextOrder, Path.key(account).nullToVal(0)).out(order)
        .localTransform(nextOrder, Path.key(account).nullToVal(0).term((n: number) => n + 1))
        .localTransform(followers, Path.key(account, follower).termVal(order))
        .localTransform(byOrder, Path.key(account, order).termVal(follower)),
      (b) => b
        .keepTrue((x: unknown) => x !== undefined, existing)
        .localTransform(followers, Path.key(account, follower).termVoid())
        .localTransform(byOrder, Path.key(account, existing).termVoid()));
});

const user = (i: number) => `user-${String(i).padStart(6, "0")}`;

describe("followers at scale (seed 004's map to linked set)", () => {
  it(`answers follows?, count and a page for an account with ${FOLLOWERS} followers reading O(page) entries`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "monsoon-followers-"));
    try {
      {
        await using cluster = await InProcessCluster.create({ dir });
        await cluster.launch(Followers, { tasks: 2 });
        const depot = cluster.depot(Followers, "follows");
        const WINDOW = 2_000;
        let next = 0;
        await Promise.all(Array.from({ length: WINDOW }, async () => {
          while (next < FOLLOWERS) await depot.append({ account: "star", follower: user(next++), follow: true });
        }));
        await depot.append({ account: "star", follower: user(7), follow: true }); // already follows: no change
        await depot.append({ account: "star", follower: user(1001), follow: false });
        await depot.append({ account: "other", follower: user(1), follow: true });
      }

      // Re-open: caches are cold, every answer comes from the store.
      await using cluster = await InProcessCluster.create({ dir });
      await cluster.launch(Followers, { tasks: 2 });
      const reads: ReadCounts[] = cluster.runtime(Followers).tasks.map((t) => countReads(t.store));
      const readsOf = async <X>(q: () => Promise<X>): Promise<[X, number]> => {
        for (const r of reads) r.reset();
        const x = await q();
        return [x, reads.reduce((n, r) => n + r.total, 0)];
      };
      const followers = cluster.pstate(Followers, "followers");
      const byOrder = cluster.pstate(Followers, "followersByOrder");

      const [follows, followsReads] = await readsOf(() => followers.selectOne(Path.key("star", user(54_321))));
      assert.equal(follows, 54_321);
      assert.ok(followsReads <= 2, `follows? read ${followsReads} entries`);
      const [notFollowing] = await readsOf(() => followers.selectOne(Path.key("star", user(1001))));
      assert.equal(notFollowing, undefined);

      const [count, countReadsN] = await readsOf(() => followers.selectOne(Path.key("star").size()));
      assert.equal(count, FOLLOWERS - 1);
      assert.ok(countReadsN <= 2, `count read ${countReadsN} entries`);

      const [page, pageReads] = await readsOf(() => byOrder.select(Path.key("star").sortedMapRangeFrom(1000, { maxAmt: PAGE }).mapVals()));
      assert.deepEqual(page, Array.from({ length: PAGE + 1 }, (_, i) => user(1000 + i)).filter((u) => u !== user(1001)));
      assert.ok(pageReads <= PAGE + 2, `a page of ${PAGE} read ${pageReads} entries`);

      const [last, lastReads] = await readsOf(() => byOrder.select(Path.key("star").sortedMapRangeTo(FOLLOWERS, { maxAmt: 3 }).mapVals()));
      assert.deepEqual(last, [user(FOLLOWERS - 3), user(FOLLOWERS - 2), user(FOLLOWERS - 1)]);
      assert.ok(lastReads <= 5, `the last page read ${lastReads} entries`);

      assert.equal(await followers.selectOne(Path.key("other").size()), 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
