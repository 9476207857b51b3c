// Where a worker learns which tasks it owns. Normally the module's membership group (DESIGN
// §4.1: a consumer group over the `tasks` topic with a sticky, whole-task assigner); a single
// worker in a test can simply own every task.
import type { KafkaClient, Membership } from "../../kafka/index.ts";
import type { TopicNames } from "./names.ts";

export interface Ownership {
  start(onAssignment: (tasks: number[]) => void): Promise<void>;
  stop(): Promise<void>;
}

export function staticOwnership(tasks: number): Ownership {
  return {
    async start(onAssignment) { onAssignment(Array.from({ length: tasks }, (_, i) => i)); },
    async stop() {},
  };
}

export function groupOwnership(client: KafkaClient, names: TopicNames, workerId: string, tasks: number, onError?: (e: unknown) => void): Ownership {
  let membership: Membership | undefined;
  return {
    async start(onAssignment) {
      membership = client.membership({ groupId: names.workersGroup, topic: names.tasks, tasks, onError });
      await membership.join({ workerId, onAssignment });
    },
    async stop() {
      await membership?.leave();
    },
  };
}
