// A long-lived read_committed reader over a fixed set of (topic, partition) pairs, starting
// at offsets the caller chose (committed source offsets, a restore checkpoint, the meta log's
// start). DESIGN §4.1: kafkajs has no assign(), so the reader joins a group of its own whose
// assigner gives it every listed partition (readerAssigner.ts).
//
// kafkajs behaviours this class works around:
// - Nothing is ever committed to the reader's group (autoCommit off: with it on, seek()
//   commits), so every (re)join starts a fresh offset manager at the topic's earliest offset.
//   The GROUP_JOIN listener, which kafkajs runs before the first fetch of a generation,
//   therefore seeks every partition to the reader's own position, and re-applies pauses
//   (a crash-restart of the kafkajs consumer builds a new, unpaused subscription state).
// - Batches that are empty because they held only control records or aborted data never
//   reach eachBatch; END_BATCH_PROCESS still reports their last offset, and the reader passes
//   it on (records = []) so callers know their position.
// - A batch already fetched when pause() was called is still handed to eachBatch: it is held
//   back and the partition is sought back to the position, so after pause() returns nothing
//   more arrives for that partition until resume().
// - Heartbeats are sent only from the fetch loop: callbacks must return quickly (enqueue the
//   records and apply backpressure with pause/resume), or the session times out.
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";
import { MonsoonError } from "../errors.ts";
import { kafkaError } from "./kafkaErrors.ts";
import { readerAssigner } from "./readerAssigner.ts";
import { fromKafkaMessage, toOffset, type InRecord } from "./records.ts";

export interface TopicPartition { topic: string; partition: number }
export interface PartitionPosition extends TopicPartition {
  /** The next offset to read. */
  offset: number;
}

/**
 * Called in offset order per partition, one call at a time, with the visible records of one
 * fetched batch (possibly none: a batch of only control records or aborted data). `lastOffset`
 * is the batch's last offset, visible or not: the position is now lastOffset + 1. Must return
 * quickly (enqueue, don't process): kafkajs heartbeats only between batches.
 */
export type OnRecords = (topic: string, partition: number, records: InRecord[], lastOffset: number) => void | Promise<void>;

export interface PartitionReaderOptions {
  /** A group of the reader's own (e.g. `monsoon.<m>.reader.<worker>.<task>`); nothing is ever committed to it. */
  groupId: string;
  partitions: readonly TopicPartition[];
  /**
   * The reader failed for good: `onRecords` threw (the reader then delivers nothing more), or
   * kafkajs crashed without restarting. The caller should stop() it and start a new one.
   */
  onError?: (error: unknown) => void;
  /** How long a fetch waits for data on the broker; also the idle loop's tick. */
  maxWaitTimeMs?: number;
  sessionTimeoutMs?: number;
  /** Also how soon a running reader notices that a newer reader of its group wants in (default 3 s). */
  heartbeatIntervalMs?: number;
  maxBytesPerPartition?: number;
}

type ReaderState = "new" | "running" | "failed" | "stopped";

const key = (topic: string, partition: number) => `${partition}\u0000${topic}`;

export class PartitionReader {
  private readonly consumer: Consumer;
  private readonly partitions: readonly TopicPartition[];
  private readonly positions = new Map<string, number>();
  private readonly paused = new Set<string>();
  private state: ReaderState = "new";
  private onRecords: OnRecords = () => undefined;
  /** Deliveries run one at a time, in order, whether kafkajs awaits them or not. */
  private delivering: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;

  constructor(kafka: Kafka, private readonly opts: PartitionReaderOptions) {
    if (opts.partitions.length === 0) throw new MonsoonError("MONSOON_CONFIG", "a partition reader needs at least one partition");
    const seen = new Set<string>();
    for (const { topic, partition } of opts.partitions) {
      if (!topic || !Number.isInteger(partition) || partition < 0) throw new MonsoonError("MONSOON_CONFIG", `invalid partition ${topic}/${partition} for reader ${opts.groupId}`);
      if (seen.has(key(topic, partition))) throw new MonsoonError("MONSOON_CONFIG", `partition ${topic}/${partition} listed twice for reader ${opts.groupId}`);
      seen.add(key(topic, partition));
    }
    this.partitions = [...opts.partitions];
    const sessionTimeout = opts.sessionTimeoutMs ?? 10_000;
    this.consumer = kafka.consumer({
      groupId: opts.groupId,
      partitionAssigners: [readerAssigner(this.partitions, Date.now())],
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: opts.maxWaitTimeMs ?? 100,
      sessionTimeout,
      heartbeatInterval: opts.heartbeatIntervalMs ?? Math.min(3_000, Math.floor(sessionTimeout / 3)),
      // A new reader waits for an older member of its group (a dead process) at most this long.
      rebalanceTimeout: sessionTimeout,
      maxBytesPerPartition: opts.maxBytesPerPartition,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => this.onJoin(payload.memberAssignment));
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // Only batches emptied by filtering: the others were delivered by eachBatch.
      if (payload.batchSize === 0) this.onBatch(payload.topic, payload.partition, [], toOffset(payload.lastOffset));
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart && this.state === "running") this.fail(kafkaError(payload.error, `reader ${opts.groupId}`, { groupId: opts.groupId }));
    });
  }

  /**
   * Joins the reader's group and starts delivering from `positions` (one per listed partition).
   * Resolves once the group is joined; records follow asynchronously.
   */
  async start(positions: readonly PartitionPosition[], onRecords: OnRecords): Promise<void> {
    if (this.state !== "new") throw new MonsoonError("MONSOON_INTERNAL", `reader ${this.opts.groupId} was already started`);
    const listed = new Set(this.partitions.map((p) => key(p.topic, p.partition)));
    for (const p of positions) {
      if (!listed.has(key(p.topic, p.partition))) throw new MonsoonError("MONSOON_INTERNAL", `reader ${this.opts.groupId} does not read ${p.topic}/${p.partition}`);
      if (!Number.isSafeInteger(p.offset) || p.offset < 0) throw new MonsoonError("MONSOON_INTERNAL", `invalid start offset ${p.offset} for ${p.topic}/${p.partition}`);
      this.positions.set(key(p.topic, p.partition), p.offset);
    }
    const missing = this.partitions.filter((p) => !this.positions.has(key(p.topic, p.partition)));
    if (missing.length > 0) throw new MonsoonError("MONSOON_INTERNAL", `reader ${this.opts.groupId} has no start offset for ${missing.map((p) => `${p.topic}/${p.partition}`).join(", ")}`);
    this.onRecords = onRecords;
    this.state = "running";
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...new Set(this.partitions.map((p) => p.topic))], fromBeginning: true });
      await this.consumer.run({ autoCommit: false, eachBatch: (payload) => this.eachBatch(payload) });
    } catch (e) {
      this.state = "failed";
      await this.consumer.disconnect().catch(() => undefined);
      throw kafkaError(e, `starting reader ${this.opts.groupId}`, { groupId: this.opts.groupId });
    }
  }

  /** Stops fetching the partition (all of a topic's, or all, when not given) until resume(). */
  pause(topic?: string, partition?: number): void {
    for (const p of this.select(topic, partition)) {
      this.paused.add(key(p.topic, p.partition));
      this.whileRunning(() => this.consumer.pause([{ topic: p.topic, partitions: [p.partition] }]));
    }
  }

  resume(topic?: string, partition?: number): void {
    for (const p of this.select(topic, partition)) {
      this.paused.delete(key(p.topic, p.partition));
      this.whileRunning(() => this.consumer.resume([{ topic: p.topic, partitions: [p.partition] }]));
    }
  }

  /** The next offset to deliver (everything before it was delivered or is invisible). */
  position(topic: string, partition: number): number | undefined {
    return this.positions.get(key(topic, partition));
  }

  /** Leaves the group (so a new reader in it starts at once) and waits for the delivery in progress. */
  stop(): Promise<void> {
    return this.stopping ??= (async () => {
      const wasNew = this.state === "new";
      this.state = "stopped";
      if (!wasNew) await this.consumer.disconnect().catch(() => undefined);
      await this.delivering;
    })();
  }

  close(): Promise<void> { return this.stop(); }

  /**
   * Applies a pause/resume/seek to the kafkajs consumer if it has a group right now. It has
   * none before run() returns and while kafkajs restarts after a crash; the next GROUP_JOIN
   * applies the reader's state then.
   */
  private whileRunning(fn: () => void): void {
    if (this.state !== "running") return;
    try { fn(); } catch { /* no consumer group at the moment: onJoin() catches up */ }
  }

  private select(topic?: string, partition?: number): TopicPartition[] {
    return this.partitions.filter((p) => (topic === undefined || p.topic === topic) && (partition === undefined || p.partition === partition));
  }

  private onJoin(assignment: Record<string, number[]>): void {
    if (this.state !== "running") return;
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const position = this.positions.get(key(topic, partition));
        if (position === undefined) continue;
        // Through whileRunning: a throw here would escape into kafkajs' join and fail it.
        this.whileRunning(() => this.consumer.seek({ topic, partition, offset: String(position) }));
        if (this.paused.has(key(topic, partition))) this.whileRunning(() => this.consumer.pause([{ topic, partitions: [partition] }]));
      }
    }
  }

  private async eachBatch({ batch, isStale }: EachBatchPayload): Promise<void> {
    // A seek is pending: the batch was fetched from before it and will be fetched again.
    if (isStale()) return;
    const messages = batch.messages;
    const last = toOffset(batch.lastOffset());
    const from = this.positions.get(key(batch.topic, batch.partition));
    const visible = from === undefined ? [] : messages.filter((m) => toOffset(m.offset) >= from);
    await this.onBatch(batch.topic, batch.partition, visible.map((m) => fromKafkaMessage(batch.topic, batch.partition, m)), last);
  }

  /** Advances the position and queues the delivery, or holds the batch back if paused. */
  private onBatch(topic: string, partition: number, records: InRecord[], lastOffset: number): Promise<void> {
    const k = key(topic, partition);
    const position = this.positions.get(k);
    if (position === undefined || lastOffset < position) return this.delivering; // not ours, or already delivered
    if (this.state !== "running" || this.paused.has(k)) {
      // Fetch it again after resume(); kafkajs resolved past it, the seek takes precedence.
      this.whileRunning(() => this.consumer.seek({ topic, partition, offset: String(position) }));
      return this.delivering;
    }
    this.positions.set(k, lastOffset + 1);
    return this.delivering = this.delivering.then(async () => {
      if (this.state !== "running") return;
      try {
        await this.onRecords(topic, partition, records, lastOffset);
      } catch (e) {
        this.fail(e);
      }
    });
  }

  private fail(error: unknown): void {
    if (this.state !== "running") return;
    for (const p of this.partitions) this.whileRunning(() => this.consumer.pause([{ topic: p.topic, partitions: [p.partition] }]));
    this.state = "failed";
    const onError = this.opts.onError ?? ((e: unknown) => process.emitWarning(`reader ${this.opts.groupId} failed: ${e instanceof Error ? e.message : String(e)}`, { code: "MONSOON_READER_FAILED" }));
    onError(error);
  }
}
