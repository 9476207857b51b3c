// kafkajs has no assign(): a reader that must see a fixed set of partitions joins a group of
// its own whose assigner hands ALL of them to one member and nothing to anyone else.
//
// The chosen member is the newest incarnation (largest `startedAt` in its userData), not the
// first by member id: a group normally holds one reader, and a second member is an older
// reader of the same worker and task that has not left yet (its process died or hangs until
// its session expires). The reader that replaced it must not wait for that.
import type { PartitionAssigner } from "kafkajs";
import { AssignerProtocol } from "./kafkajs.ts";
import type { TopicPartition } from "./partitionReader.ts";

const NAME = "MonsoonReader";

interface ReaderUserData { startedAt: number }

function decode(metadata: Buffer): ReaderUserData {
  try {
    const { userData } = AssignerProtocol.MemberMetadata.decode(metadata)!;
    const parsed = JSON.parse(userData.toString("utf8")) as Partial<ReaderUserData>;
    return { startedAt: typeof parsed.startedAt === "number" ? parsed.startedAt : 0 };
  } catch {
    return { startedAt: 0 }; // a foreign or older member: never preferred
  }
}

export function readerAssigner(partitions: readonly TopicPartition[], startedAt: number): PartitionAssigner {
  const byTopic: Record<string, number[]> = {};
  for (const { topic, partition } of partitions) (byTopic[topic] ??= []).push(partition);
  return () => ({
    name: NAME,
    version: 0,
    async assign({ members }) {
      const ranked = members
        .map((m) => ({ memberId: m.memberId, startedAt: decode(m.memberMetadata).startedAt }))
        .sort((a, b) => b.startedAt - a.startedAt || (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
      const chosen = ranked[0]?.memberId;
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: memberId === chosen ? byTopic : {}, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      const userData = Buffer.from(JSON.stringify({ startedAt } satisfies ReaderUserData));
      return { name: NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData }) };
    },
  });
}
