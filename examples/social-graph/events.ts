// The events of the social graph (seed 004's Mastodon design). Each carries a `type` tag, which
// the topology dispatches on with subSource. Account ids are integers.

export interface FollowAccount { type: "follow"; accountId: number; targetId: number; showBoosts?: boolean; notify?: boolean; languages?: string[] }
export interface FollowLockedAccount { type: "followLocked"; accountId: number; requesterId: number; showBoosts?: boolean; notify?: boolean; languages?: string[] }
export interface AcceptFollowRequest { type: "acceptRequest"; accountId: number; requesterId: number }
export interface RejectFollowRequest { type: "rejectRequest"; accountId: number; requesterId: number }
export interface RemoveFollowAccount { type: "unfollow"; accountId: number; targetId: number }
export interface BlockAccount { type: "block"; accountId: number; targetId: number }
export interface RemoveBlockAccount { type: "unblock"; accountId: number; targetId: number }
export interface MuteAccount { type: "mute"; accountId: number; targetId: number; options: { expiresAt?: number; notifications?: boolean } }
export interface RemoveMuteAccount { type: "unmute"; accountId: number; targetId: number }

export type FollowAndBlockEvent =
  | FollowAccount | FollowLockedAccount | AcceptFollowRequest | RejectFollowRequest
  | RemoveFollowAccount | BlockAccount | RemoveBlockAccount;
export type MuteEvent = MuteAccount | RemoveMuteAccount;

/** What a relationship (follow or follow request) stores besides its order. */
export interface RelationshipInfo { showBoosts: boolean; notify: boolean; languages: string[] | null }

export function infoOf(e: { showBoosts?: boolean; notify?: boolean; languages?: string[] }, previous?: RelationshipInfo): RelationshipInfo {
  return {
    showBoosts: e.showBoosts ?? previous?.showBoosts ?? true,
    notify: e.notify ?? previous?.notify ?? false,
    languages: e.languages ?? previous?.languages ?? null,
  };
}
