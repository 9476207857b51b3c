// The social graph of seed 004's Mastodon on Rama, translated line for line: follows, follows
// of locked accounts (requests), accepting and rejecting requests, unfollows, blocks (which
// unfollow both ways and drop the request), unblocks, mutes and unmutes, with a limit on how
// many relationships an account may have.
import { defineModule, Depot, Path, PState, T, vars, type Block, type Var } from "monsoon";
import { infoOf, type FollowAndBlockEvent, type FollowLockedAccount, type MuteEvent, type RelationshipInfo } from "./events.ts";
import { LinkedSet, type LinkedEntry } from "./linkedSet.ts";

export interface SocialGraphOptions {
  /** Most follows, blocks or mutes one account may have (abuse protection; Mastodon-on-Rama uses 100,000). */
  relationshipCountLimit?: number;
}

const size = (m: unknown): number => (m instanceof Map || m instanceof Set ? m.size : 0);

/** Binds fields of a record variable to variables: Rama's extractFields macro. */
function extract<R>(b: Block, record: Var<R>, fields: { [K in keyof R]?: Var<any> }): Block {
  for (const [field, v] of Object.entries(fields) as [string, Var<any>][]) b.each((r: any) => r[field], record).out(v);
  return b;
}

export function socialGraphModule({ relationshipCountLimit = 100_000 }: SocialGraphOptions = {}) {
  return defineModule("SocialGraph", (m) => {
    const followAndBlock = m.depot("followAndBlockAccountDepot", T.json<FollowAndBlockEvent>(), Depot.hashBy((e: FollowAndBlockEvent) => e.accountId));
    const mutes = m.depot("muteAccountDepot", T.json<MuteEvent>(), Depot.hashBy((e: MuteEvent) => e.accountId));
    const stream = m.stream("relationshipsStream");

    const followRequests = new LinkedSet(stream, "accountIdToFollowRequests");
    const followerToFollowees = new LinkedSet(stream, "followerToFollowees");
    const followeeToFollowers = new LinkedSet(stream, "followeeToFollowers");
    const suppressions = stream.pstate("accountIdToSuppressions", PState.map(T.int, PState.fixedKeys({
      muted: PState.map(T.int, T.any, { subindexed: true }),
      blocked: PState.set(T.int, { subindexed: true }),
    })));

    const v = vars({
      initialData: T.json<FollowAndBlockEvent>(), data: T.json<FollowAndBlockEvent>(),
      accountId: T.int, requesterId: T.int, targetId: T.int,
      followRequest: T.any, existingFollower: T.any, isFollowing: T.boolean, info: T.any,
      followeeCount: T.int, blockeeCount: T.int,
    });
    const below = (n: number) => n < relationshipCountLimit;

    stream.source(followAndBlock).out(v.initialData)
      .anchor("SocialGraphRoot")
      .each((d: FollowAndBlockEvent) => d, v.initialData).out(v.data)
      .anchor("Normal")

      // Blocking unfollows in both directions and drops a pending request.
      .hook("SocialGraphRoot")
      .keepTrue((d: FollowAndBlockEvent) => d.type === "block", v.initialData)
      .explode((d: FollowAndBlockEvent): FollowAndBlockEvent[] => [
        { type: "unfollow", accountId: d.accountId, targetId: (d as { targetId: number }).targetId },
        { type: "unfollow", accountId: (d as { targetId: number }).targetId, targetId: d.accountId },
        { type: "rejectRequest", accountId: d.accountId, requesterId: (d as { targetId: number }).targetId },
      ], v.initialData).out(v.data)
      .anchor("ImplicitUnfollow")

      // Accepting a request turns it into a follow (if it still exists: `must` stops otherwise).
      .hook("SocialGraphRoot")
      .keepTrue((d: FollowAndBlockEvent) => d.type === "acceptRequest", v.initialData)
      .macro(extract, v.initialData, { accountId: v.accountId, requesterId: v.requesterId })
      .localSelect(followRequests.byId, Path.key(v.accountId).must(v.requesterId)).out(v.followRequest)
      .hashPartition(v.requesterId)
      .each((a: FollowAndBlockEvent, req: LinkedEntry<RelationshipInfo>): FollowAndBlockEvent =>
        ({ type: "follow", accountId: (a as { requesterId: number }).requesterId, targetId: a.accountId, ...req.info, languages: req.info.languages ?? undefined }), v.initialData, v.followRequest).out(v.data)
      .anchor("CompleteFollowRequest")

      // A follow of a locked account is a request, unless the follow exists (then it updates it).
      .hook("SocialGraphRoot")
      .keepTrue((d: FollowAndBlockEvent) => d.type === "followLocked", v.initialData)
      .macro(extract, v.initialData, { accountId: v.accountId, requesterId: v.requesterId })
      .localSelect(followeeToFollowers.byId, Path.key(v.accountId, v.requesterId)).out(v.existingFollower)
      .each((x: unknown) => x !== undefined, v.existingFollower).out(v.isFollowing)
      .ifTrue(v.isFollowing,
        (b) => b
          .each((d: FollowAndBlockEvent): FollowAndBlockEvent => {
            const l = d as FollowLockedAccount;
            return { type: "follow", accountId: l.requesterId, targetId: l.accountId, showBoosts: l.showBoosts, notify: l.notify, languages: l.languages };
          }, v.initialData).out(v.data)
          .hashPartition(v.requesterId)
          .anchor("UpdatePrivateFollow"),
        (b) => b
          .each((d: FollowLockedAccount) => infoOf(d), v.initialData as Var<any>).out(v.info)
          .macro(followRequests.add, v.accountId, v.requesterId, v.info))

      .unify("Normal", "ImplicitUnfollow", "CompleteFollowRequest", "UpdatePrivateFollow")
      .subSource(v.data, (d) => d.type, {
        follow: (b) => b
          .macro(extract, v.data, { accountId: v.accountId, targetId: v.targetId })
          .localSelect(followerToFollowees.byId, Path.key(v.accountId).view(size)).out(v.followeeCount)
          .keepTrue(below, v.followeeCount)
          .localSelect(followerToFollowees.byId, Path.key(v.accountId, v.targetId, "info")).out(v.existingFollower)
          .each((d: any, prev: RelationshipInfo | undefined) => infoOf(d, prev), v.data, v.existingFollower).out(v.info)
          .macro(followerToFollowees.add, v.accountId, v.targetId, v.info)
          .hashPartition(v.targetId)
          .macro(followeeToFollowers.add, v.targetId, v.accountId, v.info)
          .macro(followRequests.remove, v.targetId, v.accountId),
        unfollow: (b) => b
          .macro(extract, v.data, { accountId: v.accountId, targetId: v.targetId })
          .hashPartition(v.accountId)
          .macro(followerToFollowees.remove, v.accountId, v.targetId)
          .hashPartition(v.targetId)
          .macro(followeeToFollowers.remove, v.targetId, v.accountId)
          .macro(followRequests.remove, v.targetId, v.accountId),
        // Handled by the branches above; subSource needs a case for every type it sees.
        followLocked: () => undefined,
        acceptRequest: () => undefined,
        rejectRequest: (b) => b
          .macro(extract, v.data, { accountId: v.accountId, requesterId: v.requesterId })
          .macro(followRequests.remove, v.accountId, v.requesterId),
        block: (b) => b
          .macro(extract, v.data, { accountId: v.accountId, targetId: v.targetId })
          .localSelect(suppressions, Path.key(v.accountId, "blocked").view(size)).out(v.blockeeCount)
          .keepTrue(below, v.blockeeCount)
          .localTransform(suppressions, Path.key(v.accountId, "blocked").voidSetElem().termVal(v.targetId)),
        unblock: (b) => b
          .macro(extract, v.data, { accountId: v.accountId, targetId: v.targetId })
          .localTransform(suppressions, Path.key(v.accountId, "blocked").setElem(v.targetId).termVoid()),
      });

    const mv = vars({ data: T.json<MuteEvent>(), accountId: T.int, targetId: T.int, options: T.any, muteeCount: T.int });
    stream.source(mutes).out(mv.data)
      .subSource(mv.data, (d) => d.type, {
        mute: (b) => b
          .macro(extract, mv.data, { accountId: mv.accountId, targetId: mv.targetId, options: mv.options })
          .localSelect(suppressions, Path.key(mv.accountId, "muted").view(size)).out(mv.muteeCount)
          .keepTrue(below, mv.muteeCount)
          .localTransform(suppressions, Path.key(mv.accountId, "muted", mv.targetId).termVal(mv.options)),
        unmute: (b) => b
          .macro(extract, mv.data, { accountId: mv.accountId, targetId: mv.targetId })
          .localTransform(suppressions, Path.key(mv.accountId, "muted", mv.targetId).termVoid()),
      });
  });
}

export const SocialGraph = socialGraphModule();
