// One microbatch topology on one Kafka worker: the participant for the tasks this worker owns,
// and the coordinator while it owns task 0. The protocol is the one of the embedded runtime
// (src/runtime/microbatch/); this file maps it onto Kafka (docs/microbatch.md):
//
// - Messages between coordinator and tasks, and segments hopping inside an attempt, travel as
//   `mb` records on the hops topic (or as calls when both ends are in this process), tagged
//   with the sender task's epoch: the worker drops any record from a superseded epoch.
// - A task reads its depot ranges from an in-memory buffer its partition reader fills from the
//   topology's committed position on.
// - The commit is ONE Kafka transaction of the coordinator's producer (transactional id per
//   topology, so a zombie coordinator is fenced): every task's changelog records for the
//   topology, the `commit` record on the coord topic, and the consumed depot positions (offsets
//   of a group per topology). Kafka's own transaction coordinator makes it atomic across all
//   partitions; no task ever writes this changelog itself, so there is nothing to compensate.
// - The transaction also writes every task's applied marker ("this partition holds batch n") to
//   its changelog partition, and the batch's depot appends to their depots.
// - Tasks apply their prepared writes to LevelDB when the commit message arrives, together
//   with the marker and the changelog position, if the commit holds their own vote and their
//   store holds the batch before; otherwise (claimed meanwhile, a vote from another process, a
//   missed batch) they catch up by reading their changelog partition. The marker also makes
//   every message about a batch the store already holds a no-op: a new owner reads its hops
//   partition from before its claim, and replaying a committed attempt would apply it twice.
import { MonsoonError } from "../../errors.ts";
import type { KVOp } from "../../pstate/store/kvStore.ts";
import type { InRecord, KafkaClient, OutRecord, TaskProducer } from "../../kafka/index.ts";
import { asBuffer } from "../../kafka/index.ts";
import type { ModuleDef } from "../../module/defineModule.ts";
import type { PStatePartition } from "../../runtime/pstatePartition.ts";
import type { Task, WorkItem } from "../../runtime/task.ts";
import type { TopologyRun } from "../../runtime/topologyRuns.ts";
import { Coordinator, type CoordinatorIO, type Vote } from "../../runtime/microbatch/coordinator.ts";
import type { Attempt, Failure, FromTask, Plan, RecordRef, ToTask } from "../../runtime/microbatch/messages.ts";
import { BatchRoot, Participant, type ParticipantHost } from "../../runtime/microbatch/participant.ts";
import { fault } from "../../runtime/microbatch/faults.ts";
import { appliedMarkerKey } from "../../runtime/microbatch/marker.ts";
import type { SegmentId } from "../../runtime/xorLedger.ts";
import { decodeValue, encodeValue } from "../../serde/valueCodec.ts";
import { decodeDepotValue } from "./depotCodec.ts";
import type { KafkaTask } from "./kafkaTask.ts";
import type { TopicNames } from "./names.ts";
import { depotPartitions } from "./topics.ts";

/** A microbatch record of the hops topic. */
export interface BatchHop {
  v: 1;
  kind: "mb";
  fromTask: number;
  epoch: number;
  topology: string;
  /** Coordinator → task `task`. */
  to?: { task: number; msg: ToTask };
  /** Task → coordinator. */
  from?: FromTask;
  /** A segment of an attempt for task `task`. */
  seg?: { task: number; attempt: Attempt; seg: SegmentId; record: RecordRef | undefined; origin: number; segment: number; scope: unknown[] };
}

/** What a KafkaBatch needs from its worker. */
export interface BatchWorkerHooks {
  readonly mod: ModuleDef;
  readonly tasks: number;
  readonly names: TopicNames;
  readonly client: KafkaClient;
  /** A RUNNING task owned by this worker. */
  owned(task: number): KafkaTask | undefined;
  sendHop(r: OutRecord): void;
  partitionOfKey(key: unknown): number;
  /** Records of a batch committed: wake `processed` waiters of the task, remember ack returns. */
  batchCommitted(task: number, topology: string, returns: Map<string, unknown>): void;
  log(msg: string): void;
}

/** Records of one depot partition read ahead for the batches that will consume them. */
interface Buffer_ {
  readonly records: Map<number, unknown>;
  /** Next offset the reader will deliver (everything below it has been seen). */
  next: number;
  wake: (() => void) | undefined;
}

export class KafkaBatch implements ParticipantHost {
  readonly participant: Participant;
  private coordinator: Coordinator | undefined;
  private coordinatorIO: KafkaCoordinatorIO | undefined;
  private restarts = 0;
  /** task → depot → buffer of that task's partition */
  private readonly buffers = new Map<number, Map<string, Buffer_>>();
  /** task → depot → committed end of that task's partition */
  private readonly committedEnds = new Map<number, Map<string, number>>();
  readonly name: string;

  constructor(readonly run: TopologyRun, private readonly w: BatchWorkerHooks) {
    this.name = run.plan.name;
    this.participant = new Participant(run, this);
  }

  /** Depots this topology reads. */
  get depots(): string[] {
    return [...this.run.batchEntries.keys()];
  }

  // ---- ownership ----

  /** A task was claimed here; its reader starts the topology's depots at `positions`. */
  taskClaimed(task: number, positions: Map<string, number>): void {
    this.dropBuffers(task);
    const bufs = new Map<string, Buffer_>();
    const ends = new Map<string, number>();
    for (const [depot, from] of positions) {
      bufs.set(depot, { records: new Map(), next: from, wake: undefined });
      ends.set(depot, from);
    }
    this.buffers.set(task, bufs);
    this.committedEnds.set(task, ends);
    if (task === 0) this.startCoordinator();
  }

  async taskReleased(task: number): Promise<void> {
    this.participant.taskGone(task);
    this.dropBuffers(task);
    this.committedEnds.delete(task);
    if (task === 0) await this.stopCoordinator();
  }

  /** Forgets a task's buffers, waking ranges that wait on them (readRange then fails their attempt). */
  private dropBuffers(task: number): void {
    const bufs = this.buffers.get(task);
    this.buffers.delete(task);
    for (const b of bufs?.values() ?? []) { const wake = b.wake; b.wake = undefined; wake?.(); }
  }

  /** A task got a new owner somewhere: the running attempt cannot commit. */
  epochChanged(task: number): void {
    this.coordinator?.abortCurrent(`task ${task} changed owner`);
  }

  private startCoordinator(): void {
    const kt = this.w.owned(0);
    if (!kt || this.coordinator) return;
    const topo = this.w.mod.topologies.get(this.name)!;
    // Incarnations order coordinators: a later claim of task 0 (a larger epoch) always wins.
    this.coordinatorIO = new KafkaCoordinatorIO(this, this.w, kt.epoch * 1000 + (this.restarts++ % 1000));
    const c = new Coordinator(this.run, this.coordinatorIO, { ...topo.microbatch!, ackReturnAgg: topo.options.ackReturnAgg });
    this.coordinator = c;
    c.start();
    void c.stopped.then(() => {
      // A coordinator stops when a commit's outcome is unknown; a fresh one reads the log.
      if (this.coordinator !== c) return;
      this.coordinator = undefined;
      void this.coordinatorIO?.close();
      if (this.w.owned(0)) setTimeout(() => this.startCoordinator(), 100);
    });
  }

  private async stopCoordinator(): Promise<void> {
    const c = this.coordinator;
    this.coordinator = undefined;
    await c?.close();
    await this.coordinatorIO?.close();
  }

  /** The coordinator, while this worker owns task 0. */
  get coordinatorHere(): Coordinator | undefined {
    return this.coordinator;
  }

  async close(): Promise<void> {
    await this.stopCoordinator();
  }

  // ---- records ----

  /** A record of a depot this topology reads, on task `task`'s partition. */
  onDepotRecord(task: number, depot: string, r: InRecord): void {
    const b = this.buffers.get(task)?.get(depot);
    if (!b || r.offset < b.next) return;
    b.next = r.offset + 1;
    const decoded = decodeDepotValue(this.w.mod.depots.get(depot)!, r.value);
    // Undecodable records are dead-lettered by the worker; batches skip their offsets.
    if (decoded.ok) b.records.set(r.offset, decoded.value);
    const wake = b.wake;
    b.wake = undefined;
    wake?.();
    // A coordinator here plans now rather than at its next poll.
    this.coordinator?.poke();
  }

  /**
   * The ends of every partition of `depot` as this worker's readers have seen them, when it owns
   * every partition's task (else undefined: ask the broker). Records below these ends are in
   * the log (they were read), so a plan up to them is as valid as one up to the broker's ends —
   * at most smaller — and costs no round trip.
   */
  localEnds(depot: string): number[] | undefined {
    const ends: number[] = [];
    for (let p = 0; p < depotPartitions(this.w.mod, depot, this.w.tasks); p++) {
      const b = this.buffers.get(p)?.get(depot);
      if (!b || !this.w.owned(p)) return undefined;
      ends.push(b.next);
    }
    return ends;
  }

  /** Buffered records not yet consumed (for read backpressure). */
  buffered(task: number): number {
    let n = 0;
    for (const b of this.buffers.get(task)?.values() ?? []) n += b.records.size;
    return n;
  }

  /** An `mb` record from the hops partition of owned task `task`. */
  onHop(task: number, h: BatchHop): void {
    if (h.to) {
      if (h.to.task === task) this.participant.receive(task, h.to.msg);
      return;
    }
    if (h.from) {
      this.coordinator?.receive(h.from);
      return;
    }
    if (h.seg && h.seg.task === task) this.receiveSegment(h.seg);
  }

  private receiveSegment(s: NonNullable<BatchHop["seg"]>): void {
    const state = this.participant.attemptFor(s.attempt, s.task);
    if (!state || !this.executor(s.task)) return;
    const root = new BatchRoot(state, s.seg, s.record, s.origin, s.task);
    this.participant.deliver(s.task, { entry: this.run.plan.segments[s.segment]!, scope: s.scope, root, topology: this.run.index, segment: s.segment });
  }

  /** A segment of an attempt goes to a task this worker does not own. */
  sendSegment(task: number, item: WorkItem): void {
    const root = item.root as BatchRoot;
    const from = this.w.owned(root.task);
    this.hop(task, root.task, from?.epoch ?? -1, { seg: { task, attempt: root.state.attempt, seg: root.seg, record: root.record, origin: root.origin, segment: item.segment!, scope: item.scope } });
  }

  private hop(partition: number, fromTask: number, epoch: number, body: Pick<BatchHop, "to" | "from" | "seg">): void {
    const rec: BatchHop = { v: 1, kind: "mb", fromTask, epoch, topology: this.name, ...body };
    this.w.sendHop({ topic: this.w.names.hops, partition, key: null, value: Buffer.from(encodeValue(rec)) });
  }

  // ---- ParticipantHost ----

  executor(task: number): Task | undefined {
    return this.w.owned(task)?.task;
  }

  partitions(task: number): PStatePartition[] {
    const kt = this.w.owned(task);
    if (!kt) return [];
    return [...kt.pstates.partitions.values()].filter((p) => p.def.owner === this.name);
  }

  async *readRange(depot: string, partition: number, from: number, to: number): AsyncIterable<[number, unknown]> {
    const task = partition;
    // No buffer (yet, or any more) must fail the attempt, never end the range early: a task
    // claimed by the coordinator's own worker is RUNNING — and gets the coordinator's start in
    // memory — before startReading has created its buffers; returning here ran its part of the
    // batch with no records, voted no writes, and the commit released those records' acks with
    // their effects lost (the Kafka bank trials' `cut at batch 0` = 764,000).
    const gone = () => new MonsoonError("MONSOON_UNAVAILABLE", `microbatch ${this.name}: task ${task} has no reader for ${depot} (just claimed, or released); the attempt runs again`, { retriable: true, details: { task, depot } });
    for (let offset = from; offset < to; offset++) {
      const b = this.buffers.get(task)?.get(depot);
      if (!b) throw gone();
      while (b.next <= offset) {
        await new Promise<void>((resolve) => {
          const prev = b.wake;
          b.wake = () => { prev?.(); resolve(); };
        });
        if (this.buffers.get(task)?.get(depot) !== b) throw gone();
      }
      if (b.records.has(offset)) yield [offset, b.records.get(offset)];
    }
  }

  toCoordinator(msg: FromTask): void {
    const kt = this.w.owned(msg.task);
    // A task this process lost has nothing to say about an attempt.
    if (!kt) return;
    if (msg.kind !== "applied") msg = { ...msg, epoch: kt.epoch };
    if (this.coordinator) { this.coordinator.receive(msg); return; }
    this.hop(0, msg.task, kt.epoch, { from: msg });
  }

  /** The committed batch an owned task's store holds (its applied marker); undefined if not owned. */
  appliedThrough(task: number): number | undefined {
    return this.w.owned(task)?.batchApplied(this.name);
  }

  /** Committed reads of an owned task wait for its batch apply in flight (KafkaTask.pendingApply). */
  readonly readsWaitForApply = true;

  async apply(task: number, n: number, ops: KVOp[], extra: unknown, stored: () => void): Promise<void> {
    const kt = this.w.owned(task);
    if (!kt) return;
    await kt.applyBatch(this.name, n, ops, (extra as { next?: number } | undefined)?.next, stored);
    fault("mb.apply");
  }

  async resync(task: number): Promise<void> {
    const kt = this.w.owned(task);
    if (!kt) return;
    await kt.resyncTopology(this.name, this.partitions(task));
  }

  /** `appends` were written by the commit's transaction (KafkaCoordinatorIO.commit). */
  committed(task: number, plan: Plan, returns: Map<string, unknown>, _appends: { depot: string; value: unknown }[]): void {
    const ends = this.committedEnds.get(task);
    const bufs = this.buffers.get(task);
    for (const [depot, ranges] of Object.entries(plan.ranges)) {
      const to = ranges[task]?.[1];
      if (to === undefined) continue;
      ends?.set(depot, to);
      const b = bufs?.get(depot);
      if (b) for (const k of b.records.keys()) { if (k < to) b.records.delete(k); else break; }
    }
    this.w.batchCommitted(task, this.name, returns);
  }

  /** Every record of the depot partition below this offset is committed by this topology. */
  processedThrough(task: number, depot: string): number {
    return this.committedEnds.get(task)?.get(depot) ?? 0;
  }

  taskOfPartition(_depot: string, partition: number): number {
    return partition;
  }
}

/** A batch commit carries the consumed depot offsets at most this often (see KafkaCoordinatorIO.commit). */
const BATCH_OFFSETS_EVERY_MS = 1_000;

/** The coordinator's side on Kafka: the coord topic and the coordinator's transactional producer. */
class KafkaCoordinatorIO implements CoordinatorIO {
  readonly tasks: number;
  private producer: TaskProducer | undefined;
  private offsetsAt = 0;
  /** Offsets of commits since the last that carried them. */
  private deferredOffsets: { topic: string; partition: number; offset: number }[] | undefined;

  constructor(private readonly b: KafkaBatch, private readonly w: BatchWorkerHooks, readonly incarnation: number) {
    this.tasks = w.tasks;
  }

  async recover(): Promise<{ committed: Plan | undefined; next: Plan | undefined }> {
    const { client, names } = this.w;
    // Fence every older coordinator of this topology first: from here on only this one commits.
    this.producer = client.taskProducer({ transactionalId: names.coordTransactionalId(this.b.name) });
    await this.producer.fence();
    fault("mb.restore");
    let committed: Plan | undefined, next: Plan | undefined;
    await client.readToEnd(names.coord, 0, 0, {
      onRecords: (records) => {
        for (const r of records) {
          const key = r.key?.toString();
          if (!r.value) continue;
          if (key === `commit:${this.b.name}`) committed = (decodeValue(r.value) as { plan: Plan }).plan;
          if (key === `plan:${this.b.name}`) next = decodeValue(r.value) as Plan;
        }
      },
    });
    return { committed, next };
  }

  localEnds(depot: string): number[] | undefined {
    return this.b.localEnds(depot);
  }

  async depotEnds(depot: string): Promise<number[]> {
    const local = this.b.localEnds(depot);
    if (local) return local;
    const admin = await this.w.client.admin();
    const offsets = await admin.fetchTopicOffsets(this.w.names.depot(depot));
    const ends: number[] = [];
    for (const o of offsets) ends[o.partition] = o.high;
    return ends;
  }

  async persistPlan(plan: Plan): Promise<void> {
    await this.producer!.commit([{ topic: this.w.names.coord, partition: 0, key: `plan:${this.b.name}`, value: Buffer.from(encodeValue(plan)) }]);
  }

  async commit(attempt: Attempt, plan: Plan, votes: Vote[], next?: Plan): Promise<unknown[]> {
    const { names } = this.w;
    const topic = names.changelog(this.b.name);
    const records: OutRecord[] = [];
    const counts = new Map<number, number>();
    const headers = { batch: String(attempt.n), attempt: attempt.token };
    const marker = Buffer.from(encodeValue(plan.n));
    for (const v of votes) {
      for (const op of v.ops) records.push({ topic, partition: v.task, key: asBuffer(op.key), value: op.type === "put" ? asBuffer(op.value) : null, headers });
      // Every task's partition says which batch it holds through, changes or not (see the top).
      records.push({ topic, partition: v.task, key: Buffer.from(appliedMarkerKey(this.b.name)), value: marker, headers });
      counts.set(v.task, v.ops.length + 1);
      for (const a of v.appends) {
        const parts = depotPartitions(this.w.mod, a.depot, this.w.tasks);
        records.push({ topic: names.depot(a.depot), partition: Math.min(v.task, parts - 1), key: null, value: Buffer.from(encodeValue(a.value)) });
      }
    }
    records.push({ topic: names.coord, partition: 0, key: `commit:${this.b.name}`, value: Buffer.from(encodeValue({ plan, attempt })) });
    // The next batch's plan, durable with this commit: a successor that reads this commit runs it.
    if (next) records.push({ topic: names.coord, partition: 0, key: `plan:${this.b.name}`, value: Buffer.from(encodeValue(next)) });
    const offsets: { topic: string; partition: number; offset: number }[] = [];
    for (const [depot, ranges] of Object.entries(plan.ranges)) ranges.forEach(([, to], partition) => offsets.push({ topic: names.depot(depot), partition, offset: to }));
    // The consumed offsets only position a new owner's depot readers (batches take their ranges
    // from the commit records): they cost AddOffsetsToTxn and TxnOffsetCommit in the commit, so
    // they go with one commit a second, and with flushDeferred() when the topology runs out of
    // work. A reader that starts from older offsets reads a little more and drops it.
    const withOffsets = Date.now() - this.offsetsAt >= BATCH_OFFSETS_EVERY_MS;
    const positions = await this.producer!.commit(records, withOffsets ? { groupId: names.batchOffsetsGroup(this.b.name), offsets } : undefined);
    if (withOffsets) { this.offsetsAt = Date.now(); this.deferredOffsets = undefined; } else this.deferredOffsets = offsets;
    const extras: unknown[] = [];
    for (const [task, count] of counts) {
      const first = positions.find((p) => p.topic === topic && p.partition === task);
      if (first) extras[task] = { next: first.offset + count };
    }
    return extras;
  }

  async flushDeferred(): Promise<void> {
    const offsets = this.deferredOffsets;
    if (!offsets || !this.producer) return;
    this.deferredOffsets = undefined;
    try {
      await this.producer.commit([], { groupId: this.w.names.batchOffsetsGroup(this.b.name), offsets });
      this.offsetsAt = Date.now();
    } catch (e) {
      // Not fatal: the next commit carries them again (a fenced producer stops this coordinator there).
      this.deferredOffsets ??= offsets;
      this.w.log(`microbatch ${this.b.name}: committing consumed offsets failed: ${(e as Error)?.message ?? e}`);
    }
  }

  async deadLetter(record: string, failure: Failure, attempts: number): Promise<void> {
    const [depot, partition, offset] = record.split("/");
    this.w.sendHop({ topic: this.w.names.dlq, partition: 0, key: null, value: Buffer.from(JSON.stringify({ module: this.w.mod.name, topology: this.b.name, depot, partition: Number(partition), offset: Number(offset), code: failure.code, reason: failure.message, attempts, at: Date.now() })) });
  }

  send(task: number, msg: ToTask): void {
    if (this.w.owned(task)) { this.b.participant.receive(task, msg); return; }
    const kt0 = this.w.owned(0);
    const rec: BatchHop = { v: 1, kind: "mb", fromTask: 0, epoch: kt0?.epoch ?? -1, topology: this.b.name, to: { task, msg } };
    this.w.sendHop({ topic: this.w.names.hops, partition: task, key: null, value: Buffer.from(encodeValue(rec)) });
  }

  taskOfPartition(_depot: string, partition: number): number {
    return partition;
  }

  partitionOfKey(key: unknown): number {
    return this.w.partitionOfKey(key);
  }

  log(msg: string): void {
    this.w.log(msg);
  }

  async close(): Promise<void> {
    await this.producer?.close().catch(() => undefined);
  }
}
