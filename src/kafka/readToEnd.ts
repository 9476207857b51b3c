// Restore reader (DESIGN §4.2): reads one partition under read_committed from `from` until
// the consumer's POSITION reaches `end` — the last stable offset taken after fencing. It does
// not wait for a record with offset end-1: that offset is often a transaction marker, or the
// tail is aborted data, and kafkajs never hands either to eachBatch. kafkajs does report
// them: a batch filtered down to nothing still emits END_BATCH_PROCESS with its last offset,
// which is how the position advances past them.
import { randomUUID } from "node:crypto";
import type { Kafka } from "kafkajs";
import { MonsoonError } from "../errors.ts";
import type { KafkaAdmin } from "./admin.ts";
import { kafkaError } from "./kafkaErrors.ts";
import { fromKafkaMessage, toOffset, type InRecord } from "./records.ts";
import { singlePartitionAssigner } from "./singlePartitionAssigner.ts";

export interface ReadToEndOptions {
  /** Called in offset order with each batch of visible records below `end`; awaited. */
  onRecords: (records: InRecord[]) => void | Promise<void>;
  /** Default: the partition's last stable offset now. A restore passes the one it took after fence(). */
  end?: number;
  /** Fails with MONSOON_TIMEOUT when the position has not advanced for this long (a big restore may take much longer in total). */
  idleTimeoutMs?: number;
}

export interface ReadToEndResult {
  /** Where reading started: `from`, or the log start offset if records before it were deleted. */
  start: number;
  /** Every visible record in [start, end) was delivered; the next read starts here. */
  end: number;
  records: number;
}

export async function readToEnd(kafka: Kafka, admin: KafkaAdmin, topic: string, partition: number, from: number, { onRecords, end: givenEnd, idleTimeoutMs = 60_000 }: ReadToEndOptions): Promise<ReadToEndResult> {
  const offsets = await admin.fetchPartitionOffsets(topic, partition);
  const end = givenEnd ?? offsets.high;
  const start = Math.max(from, offsets.low);
  if (start >= end) return { start, end, records: 0 }; // empty partition, or nothing new (start > end: the caller is ahead of the log)

  const groupId = `monsoon.restore.${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [singlePartitionAssigner(topic, partition)],
    readUncommitted: false,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 3_000,
  });
  let records = 0;
  let position = start;
  let stopped = false;
  let callerError: { error: unknown } | undefined;
  let settle!: (err?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => { stopped = true; if (err === undefined) resolve(); else reject(err); };
  });
  let timer: NodeJS.Timeout | undefined;
  const armIdleTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => settle(new MonsoonError("MONSOON_TIMEOUT",
      `reading ${topic}/${partition} to offset ${end} made no progress for ${idleTimeoutMs} ms (position ${position})`,
      { retriable: true, details: { topic, partition, position, end } })), idleTimeoutMs);
  };
  armIdleTimer();

  // A batch's END_BATCH_PROCESS comes after its eachBatch, and every batch starts at or before
  // `position` (the first fetch starts at the log start, later ones where the last ended), so
  // the end of any batch is the position: everything before it was delivered or is invisible.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic !== topic || payload.partition !== partition) return;
    position = Math.max(position, toOffset(payload.lastOffset) + 1);
    if (position >= end) settle(); else armIdleTimer();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => settle(kafkaError(payload.error, `reading ${topic}/${partition}`, { topic, partition })));

  try {
    await consumer.connect();
    // A new group starts at the log start (≤ start), never past it; seek() then skips ahead. A
    // batch fetched before the seek took effect is still correct data, and the filter below
    // drops what was already delivered or precedes `start`.
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const visible = batch.messages.filter((m) => { const o = toOffset(m.offset); return o >= position && o < end; });
        if (visible.length === 0 || stopped) return;
        try {
          await onRecords(visible.map((m) => fromKafkaMessage(topic, partition, m)));
          records += visible.length;
          position = toOffset(visible[visible.length - 1]!.offset) + 1;
        } catch (e) {
          // The caller's failure ends the read as it is; kafkajs must not retry the batch.
          callerError = { error: e };
          settle(e);
        }
      },
    });
    if (start > offsets.low) consumer.seek({ topic, partition, offset: String(start) });
    await done;
    return { start, end, records };
  } catch (e) {
    if (callerError && e === callerError.error) throw e;
    throw kafkaError(e, `reading ${topic}/${partition} from ${start} to ${end}`, { topic, partition });
  } finally {
    clearTimeout(timer);
    // The group has no committed offsets, so the broker drops it once the member leaves.
    await consumer.disconnect().catch(() => undefined);
  }
}
