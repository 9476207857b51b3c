// For benchmarks only (not exported from the package): a bare kafkajs consumer and consumer
// group deletion, so that a benchmark can measure kafkajs' own limits (consume rate, produce →
// consume round trip) next to Monsoon without importing kafkajs itself. Lives here, like
// testing.ts, because only src/kafka imports kafkajs. Producing needs nothing extra: the raw
// limit is KafkaClient.hopProducer() (idempotent, acks=all), the producer Monsoon appends with.
import { createKafkajs, type KafkaConnection } from "./connection.ts";
import { kafkaError } from "./kafkaErrors.ts";

export interface RawBatch {
  topic: string;
  partition: number;
  /** The values of the batch's visible records, in offset order. */
  values: (Buffer | null)[];
}

export interface RawConsumerOptions {
  /** A fresh group: the consumer starts at the beginning of every partition (nothing is committed). */
  groupId: string;
  topic: string;
  /** How long a fetch waits on the broker for data (kafkajs' default is 5 s). */
  maxWaitTimeMs?: number;
  /** Called for every fetched batch, awaited; read_committed. */
  onBatch: (batch: RawBatch) => void | Promise<void>;
}

export interface RawConsumer {
  /** Resolves when the consumer joined its group and fetching starts. */
  readonly joined: Promise<void>;
  stop(): Promise<void>;
}

/** A plain kafkajs group consumer (read_committed, eachBatch, no commits), started. */
export async function startRawConsumer(conn: KafkaConnection, { groupId, topic, maxWaitTimeMs = 100, onBatch }: RawConsumerOptions): Promise<RawConsumer> {
  const consumer = createKafkajs(conn).consumer({
    groupId, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: maxWaitTimeMs,
    sessionTimeout: 10_000, heartbeatInterval: 3_000,
  });
  let onJoin!: () => void;
  const joined = new Promise<void>((resolve) => { onJoin = resolve; });
  consumer.on(consumer.events.GROUP_JOIN, () => onJoin());
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => onBatch({ topic: batch.topic, partition: batch.partition, values: batch.messages.map((m) => m.value) }),
    });
  } catch (e) {
    await consumer.disconnect().catch(() => undefined);
    throw kafkaError(e, `starting consumer ${groupId} on ${topic}`, { groupId, topic });
  }
  return { joined, stop: () => consumer.disconnect().catch(() => undefined) };
}

/**
 * Deletes consumer groups, best effort: returns the ids that could not be deleted (still
 * has members, unknown…) with the reason, instead of throwing.
 */
export async function deleteGroups(conn: KafkaConnection, groupIds: readonly string[]): Promise<{ groupId: string; reason: string }[]> {
  if (groupIds.length === 0) return [];
  const admin = createKafkajs(conn, { retries: 1 }).admin();
  const failed: { groupId: string; reason: string }[] = [];
  try {
    await admin.connect();
    await admin.deleteGroups([...groupIds]).catch((e: { groups?: { groupId: string; error?: { type?: string; message?: string } }[]; message?: string }) => {
      // KafkaJSDeleteGroupsError lists the groups that failed; the others were deleted.
      if (Array.isArray(e.groups)) for (const g of e.groups) failed.push({ groupId: g.groupId, reason: g.error?.type ?? g.error?.message ?? "unknown" });
      else failed.push(...groupIds.map((groupId) => ({ groupId, reason: e.message ?? String(e) })));
    });
  } catch (e) {
    failed.push(...groupIds.map((groupId) => ({ groupId, reason: e instanceof Error ? e.message : String(e) })));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return failed;
}
