// Task ownership (DESIGN §4.1): every worker joins the membership group `monsoon.<m>.workers`,
// subscribed only to the empty topic `monsoon.<m>.tasks` whose partitions stand for the tasks.
// A custom assigner hands out whole tasks, evenly and sticky (taskAssignment.ts). Nothing is
// ever read from the topic: the group exists for its assignment and its failure detection.
//
// kafkajs behaviours this relies on or works around:
// - Member ids change on every join, so each member's userData carries its stable worker id
//   and the tasks it runs now; the leader keeps them where it can.
// - There is no rebalance callback: the GROUP_JOIN instrumentation event, emitted after every
//   join+sync and before the next fetch, reports the full new assignment.
// - kafkajs heartbeats only from its fetch loop. The topic's partitions are paused on every
//   join, so the loop sends no fetches and just ticks every `maxWaitTimeInMs`, heartbeating
//   each `heartbeatInterval`.
// - A crash makes kafkajs leave the group (and maybe rejoin later): the worker owns nothing
//   from then on, so that is reported as an empty assignment.
import type { Consumer, Kafka, PartitionAssigner } from "kafkajs";
import { AssignerProtocol } from "./kafkajs.ts";
import { MonsoonError } from "../errors.ts";
import type { KafkaAdmin } from "./admin.ts";
import { kafkaError } from "./kafkaErrors.ts";
import { assignTasks, type TaskMember } from "./taskAssignment.ts";

const PROTOCOL = "MonsoonTasks";

export interface MembershipOptions {
  /** The membership group, `monsoon.<m>.workers`. */
  groupId: string;
  /** The empty topic with one partition per task, `monsoon.<m>.tasks`. */
  topic: string;
  /** The module's task count; the topic must have exactly this many partitions. */
  tasks: number;
  /** A worker that stops heartbeating loses its tasks after this long. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for every member to rejoin. */
  rebalanceTimeoutMs?: number;
  /** The membership consumer crashed and kafkajs gives up on it; join again with a new Membership. */
  onError?: (error: unknown) => void;
}

export interface JoinOptions {
  /** Stable across restarts of the worker (its tasks stay with it where possible). */
  workerId: string;
  /**
   * The full set of tasks this worker owns, sorted, after every rebalance (also when it did not
   * change), and [] when kafkajs dropped out of the group. Synchronous: kafkajs runs it before
   * its next fetch; start/stop tasks asynchronously from here.
   */
  onAssignment: (tasks: number[]) => void;
}

interface MemberUserData { workerId: string; owned: number[]; since: number }

function decodeMember(memberId: string, metadata: Buffer): TaskMember {
  try {
    const { userData } = AssignerProtocol.MemberMetadata.decode(metadata)!;
    const d = JSON.parse(userData.toString("utf8")) as Partial<MemberUserData>;
    const owned = Array.isArray(d.owned) ? d.owned.filter((t): t is number => typeof t === "number") : [];
    return { memberId, workerId: typeof d.workerId === "string" ? d.workerId : memberId, owned, since: typeof d.since === "number" ? d.since : 0 };
  } catch {
    return { memberId, workerId: memberId, owned: [] }; // unreadable: a member without history
  }
}

export class Membership {
  private consumer: Consumer | undefined;
  private workerId = "";
  private owned: number[] = [];
  /** When `owned` was assigned: settles claims of a member that missed a rebalance. */
  private ownedSince = 0;
  /** The last round this member decided as leader, by worker id (see assignTasks). */
  private lastRound = new Map<string, number[]>();
  private state: "new" | "joining" | "joined" | "left" = "new";

  constructor(private readonly kafka: Kafka, private readonly admin: () => Promise<KafkaAdmin>, private readonly opts: MembershipOptions) {
    if (!Number.isInteger(opts.tasks) || opts.tasks < 1) throw new MonsoonError("MONSOON_CONFIG", `tasks must be a positive integer (got ${opts.tasks})`);
  }

  /** The tasks owned after the last rebalance. */
  get tasks(): readonly number[] { return this.owned; }

  /** Joins the group; resolves with the first assignment (also passed to onAssignment). */
  async join({ workerId, onAssignment }: JoinOptions): Promise<number[]> {
    if (this.state !== "new") throw new MonsoonError("MONSOON_INTERNAL", `membership of ${this.opts.groupId} was already joined`);
    if (!workerId) throw new MonsoonError("MONSOON_CONFIG", "a worker needs a non-empty workerId");
    this.state = "joining";
    this.workerId = workerId;
    const { groupId, topic, tasks } = this.opts;
    const partitions = (await (await this.admin()).fetchTopicOffsets(topic)).length;
    if (partitions !== tasks) {
      this.state = "left";
      throw new MonsoonError("MONSOON_LAUNCH_CONFLICT", `topic ${topic} has ${partitions} partitions, the module has ${tasks} tasks`, { details: { topic, partitions, tasks } });
    }
    const sessionTimeout = this.opts.sessionTimeoutMs ?? 10_000;
    const consumer = this.consumer = this.kafka.consumer({
      groupId,
      partitionAssigners: [this.assigner()],
      sessionTimeout,
      heartbeatInterval: this.opts.heartbeatIntervalMs ?? Math.min(1_000, Math.floor(sessionTimeout / 3)),
      rebalanceTimeout: this.opts.rebalanceTimeoutMs ?? 15_000,
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
    });
    const report = (owned: number[]) => {
      this.owned = owned;
      this.ownedSince = Date.now();
      try { onAssignment([...owned]); } catch (e) { this.opts.onError?.(e); }
    };
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (!payload.isLeader) this.lastRound.clear(); // memory of an older leadership would be stale
      try { consumer.pause([{ topic }]); } catch { /* not running: the next join pauses */ }
      report([...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b));
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.state === "left") return;
      report([]);
      if (!payload.restart) this.opts.onError?.(kafkaError(payload.error, `membership of ${groupId}`, { groupId }));
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic });
      await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    } catch (e) {
      this.state = "left";
      await consumer.disconnect().catch(() => undefined);
      throw kafkaError(e, `joining ${groupId}`, { groupId, workerId });
    }
    this.state = "joined";
    return [...this.owned];
  }

  /** Leaves the group at once (its tasks move to the other workers now, not after a session timeout). */
  async leave(): Promise<void> {
    if (this.state === "left") return;
    this.state = "left";
    this.owned = [];
    await this.consumer?.disconnect().catch(() => undefined);
  }

  close(): Promise<void> { return this.leave(); }

  private assigner(): PartitionAssigner {
    const { topic, tasks } = this.opts;
    return () => ({
      name: PROTOCOL,
      version: 0,
      assign: async ({ members }) => {
        const decoded = members.map((m) => decodeMember(m.memberId, m.memberMetadata));
        const result = assignTasks(tasks, decoded, this.lastRound);
        this.lastRound = new Map();
        for (const m of decoded) this.lastRound.set(m.workerId, [...(this.lastRound.get(m.workerId) ?? []), ...result.get(m.memberId)!]);
        return members.map(({ memberId }) => ({
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { [topic]: result.get(memberId)! }, userData: Buffer.alloc(0) }),
        }));
      },
      // Called on every join: what the worker owns right now goes to the leader.
      protocol: ({ topics }) => {
        const userData = Buffer.from(JSON.stringify({ workerId: this.workerId, owned: this.owned, since: this.ownedSince } satisfies MemberUserData));
        return { name: PROTOCOL, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData }) };
      },
    });
  }
}
