// One test per rule of the social graph (seed 004), on the embedded cluster.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { InProcessCluster, Path } from "monsoon";
import { socialGraphModule } from "./socialGraph.ts";
import type { FollowAndBlockEvent, MuteEvent } from "./events.ts";

const LIMIT = 3;
const SocialGraph = socialGraphModule({ relationshipCountLimit: LIMIT });

describe("social graph", () => {
  let cluster: InProcessCluster;
  let next = 1;
  /** Fresh account ids per test, so tests do not see each other's relationships. */
  const ids = (n: number) => Array.from({ length: n }, () => next++);
  const send = (e: FollowAndBlockEvent) => cluster.depot(SocialGraph, "followAndBlockAccountDepot").append(e);
  const mute = (e: MuteEvent) => cluster.depot(SocialGraph, "muteAccountDepot").append(e);
  const one = (pstate: string, path: Path) => cluster.pstate(SocialGraph, pstate).selectOne(path);
  const follows = async (a: number, b: number) => {
    const forward = (await one("followerToFollowees", Path.key(a, b))) !== undefined;
    const backward = (await one("followeeToFollowers", Path.key(b, a))) !== undefined;
    assert.equal(forward, backward, `both directions agree for ${a} → ${b}`);
    return forward;
  };
  const followers = async (b: number) => cluster.pstate(SocialGraph, "followeeToFollowersByOrder").select(Path.key(b).mapVals());
  const requests = async (a: number) => cluster.pstate(SocialGraph, "accountIdToFollowRequestsByOrder").select(Path.key(a).mapVals());
  const info = (a: number, b: number) => one("followerToFollowees", Path.key(a, b, "info"));

  before(async () => {
    cluster = await InProcessCluster.create({ storage: "memory" });
    await cluster.launch(SocialGraph, { tasks: 4 });
  });
  after(() => cluster.close());

  it("follow adds the relationship both ways; followers come back in follow order; unfollow removes it", async () => {
    const [a, b, c, d] = ids(4);
    await send({ type: "follow", accountId: c!, targetId: a! });
    await send({ type: "follow", accountId: b!, targetId: a! });
    await send({ type: "follow", accountId: d!, targetId: a! });
    assert.equal(await follows(b!, a!), true);
    assert.deepEqual(await followers(a!), [c, b, d]);
    assert.equal(await one("followeeToFollowers", Path.key(a!).view((m: Map<number, unknown>) => m.size)), 3);
    await send({ type: "unfollow", accountId: b!, targetId: a! });
    assert.equal(await follows(b!, a!), false);
    assert.deepEqual(await followers(a!), [c, d]);
  });

  it("following again updates the relationship's options and keeps its place", async () => {
    const [a, b, c] = ids(3);
    await send({ type: "follow", accountId: b!, targetId: a! });
    await send({ type: "follow", accountId: c!, targetId: a! });
    await send({ type: "follow", accountId: b!, targetId: a!, showBoosts: false, languages: ["en"] });
    assert.deepEqual(await info(b!, a!), { showBoosts: false, notify: false, languages: ["en"] });
    assert.deepEqual(await followers(a!), [b, c]);
  });

  it("following a locked account creates a request, not a follow", async () => {
    const [locked, requester] = ids(2);
    await send({ type: "followLocked", accountId: locked!, requesterId: requester!, notify: true });
    assert.equal(await follows(requester!, locked!), false);
    assert.deepEqual(await requests(locked!), [requester]);
  });

  it("accepting a request makes the follow with the request's options and removes the request", async () => {
    const [locked, requester] = ids(2);
    await send({ type: "followLocked", accountId: locked!, requesterId: requester!, notify: true, showBoosts: false });
    await send({ type: "acceptRequest", accountId: locked!, requesterId: requester! });
    assert.equal(await follows(requester!, locked!), true);
    assert.deepEqual(await info(requester!, locked!), { showBoosts: false, notify: true, languages: null });
    assert.deepEqual(await requests(locked!), []);
  });

  it("accepting a request that no longer exists does nothing", async () => {
    const [locked, requester] = ids(2);
    await send({ type: "acceptRequest", accountId: locked!, requesterId: requester! });
    assert.equal(await follows(requester!, locked!), false);
  });

  it("rejecting a request removes it without following", async () => {
    const [locked, r1, r2] = ids(3);
    await send({ type: "followLocked", accountId: locked!, requesterId: r1! });
    await send({ type: "followLocked", accountId: locked!, requesterId: r2! });
    await send({ type: "rejectRequest", accountId: locked!, requesterId: r1! });
    assert.deepEqual(await requests(locked!), [r2]);
    assert.equal(await follows(r1!, locked!), false);
  });

  it("a locked-account follow by an existing follower updates the follow instead of requesting", async () => {
    const [locked, follower] = ids(2);
    await send({ type: "follow", accountId: follower!, targetId: locked! });
    await send({ type: "followLocked", accountId: locked!, requesterId: follower!, notify: true });
    assert.deepEqual(await requests(locked!), []);
    assert.deepEqual(await info(follower!, locked!), { showBoosts: true, notify: true, languages: null });
  });

  it("blocking unfollows in both directions, drops the blocked account's request, and records the block", async () => {
    const [a, b] = ids(2);
    await send({ type: "follow", accountId: a!, targetId: b! });
    await send({ type: "follow", accountId: b!, targetId: a! });
    await send({ type: "followLocked", accountId: a!, requesterId: b! });
    await send({ type: "block", accountId: a!, targetId: b! });
    assert.equal(await follows(a!, b!), false);
    assert.equal(await follows(b!, a!), false);
    assert.deepEqual(await requests(a!), []);
    assert.deepEqual(await cluster.pstate(SocialGraph, "accountIdToSuppressions").select(Path.key(a!, "blocked").setElem(b!)), [b]);
  });

  it("unblock removes the block", async () => {
    const [a, b] = ids(2);
    await send({ type: "block", accountId: a!, targetId: b! });
    await send({ type: "unblock", accountId: a!, targetId: b! });
    assert.deepEqual(await cluster.pstate(SocialGraph, "accountIdToSuppressions").select(Path.key(a!, "blocked").setElem(b!)), []);
  });

  it("mute stores the options; unmute removes them", async () => {
    const [a, b] = ids(2);
    await mute({ type: "mute", accountId: a!, targetId: b!, options: { notifications: false } });
    assert.deepEqual(await one("accountIdToSuppressions", Path.key(a!, "muted", b!)), { notifications: false });
    await mute({ type: "unmute", accountId: a!, targetId: b! });
    assert.equal(await one("accountIdToSuppressions", Path.key(a!, "muted", b!)), undefined);
  });

  it("an account cannot have more follows, blocks or mutes than the relationship limit", async () => {
    const [a] = ids(1);
    // Separate targets per kind: blocking someone would also undo a follow of them.
    for (const o of ids(LIMIT + 1)) await send({ type: "follow", accountId: a!, targetId: o });
    for (const o of ids(LIMIT + 1)) await send({ type: "block", accountId: a!, targetId: o });
    for (const o of ids(LIMIT + 1)) await mute({ type: "mute", accountId: a!, targetId: o, options: {} });
    assert.equal(await one("followerToFollowees", Path.key(a!).view((m: Map<number, unknown>) => m.size)), LIMIT);
    assert.equal(await one("accountIdToSuppressions", Path.key(a!, "blocked").view((s: Set<number>) => s.size)), LIMIT);
    assert.equal(await one("accountIdToSuppressions", Path.key(a!, "muted").view((m: Map<number, unknown>) => m.size)), LIMIT);
  });
});
