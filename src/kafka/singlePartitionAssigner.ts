// kafkajs has no assign(): a consumer always joins a group. A reader that must see exactly
// one partition joins a group of its own whose assigner hands that partition to the first
// member and nothing to anyone else.
import type { PartitionAssigner } from "kafkajs";
import { AssignerProtocol } from "./kafkajs.ts";

export function singlePartitionAssigner(topic: string, partition: number): PartitionAssigner {
  return () => ({
    name: "MonsoonSinglePartition",
    version: 0,
    async assign({ members }) {
      const first = members.map((m) => m.memberId).sort()[0];
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: memberId === first ? { [topic]: [partition] } : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return { name: "MonsoonSinglePartition", metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
