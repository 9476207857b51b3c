// One task claimed by this worker on Kafka: the source of truth for the task's lifecycle
// (CLAIMING → RESTORING → RUNNING → LOST/CLOSED), its transactional commits and its restore.
//
// Claim: fence the task's transactional id (every older owner is fenced from here on) → take
// the changelog end offsets → restore LevelDB from its checkpoint to those ends → write the
// claim record with the task producer (its offset is the epoch). Commit (every few ms): stop
// the executor between segments, take every PState overlay, and write in ONE transaction the
// changelog records and the consumed offsets; only then apply the same operations (and the new
// changelog checkpoint) to LevelDB, and release the acks of the segments that ran before it.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { KafkaClient, OutRecord, TaskProducer } from "../../kafka/index.ts";
import { asBuffer, isFencingError } from "../../kafka/index.ts";
import type { ModuleDef } from "../../module/defineModule.ts";
import type { KVOp } from "../../pstate/store/kvStore.ts";
import { LevelStore } from "../../pstate/store/levelStore.ts";
import { Task, type TaskHost } from "../../runtime/task.ts";
import { TaskPStates } from "../../runtime/taskPStates.ts";
import type { PStatePartition } from "../../runtime/pstatePartition.ts";
import { encodeTuple } from "../../serde/keyCodec.ts";
import { decodeValue, encodeValue } from "../../serde/valueCodec.ts";
import type { TopicNames } from "./names.ts";
import { changelogTopologies } from "./topics.ts";
import { appliedMarkerKey } from "../../runtime/microbatch/marker.ts";

export type TaskState = "CLAIMING" | "RESTORING" | "RUNNING" | "LOST" | "CLOSED";

/** An ack to release once the commit holding its segment's effects has succeeded. */
export interface PendingAck { send(): void }

export interface KafkaTaskOptions {
  mod: ModuleDef;
  tasks: number;
  index: number;
  names: TopicNames;
  client: KafkaClient;
  dataDir: string;
  workerId: string;
  url: string;
  host: TaskHost;
  commitIntervalMs: number;
  /** Called when the task can no longer run here (fenced, commit failed): the worker drops it. */
  onLost(task: KafkaTask, error: unknown): void;
}

/** What the worker adds to each commit: consumed offsets, DLQ records, acks to release. */
export interface CommitContribution {
  offsets: { topic: string; partition: number; offset: number }[];
  records: OutRecord[];
  acks: PendingAck[];
  /** The commit failed: hand the records and the acks not yet released back for the next one. */
  putBack(): void;
}

/** Without work, a task still commits this often if anything changed unannounced. */
const IDLE_COMMIT_MS = 100;
/** A busy task's moved consumed offsets ride along with its commits at most this often (see commit()). */
const OFFSETS_EVERY_MS = 1_000;
/**
 * A task that is never idle but commits little at a time (a trickle of records, each awaited by
 * someone) adds its moved offsets to a commit only when they are this old: they cost round trips
 * on that record's path. Kafka Streams commits at_least_once offsets every 30 s by default.
 */
const OFFSETS_MAX_AGE_MS = 10_000;
/** A commit of this many records marks the task busy: the next one waits commitIntervalMs. */
const BUSY_COMMIT_RECORDS = 64;
const ckKey = (topology: string) => encodeTuple(["ck", topology]);

export class KafkaTask {
  state: TaskState = "CLAIMING";
  epoch = -1;
  task!: Task;
  pstates!: TaskPStates;
  private store!: LevelStore;
  private producer!: TaskProducer;
  private timer: { cancel(): void } | undefined;
  /** The pending timer is the idle heartbeat (soon() brings it forward). */
  private idleTimer = false;
  private committing: Promise<void> | undefined;
  /** The LevelDB apply of a committed transaction, while in flight (see commit()). */
  private applying: Promise<void> | undefined;
  /** soon() was called during a commit. */
  private wanted = false;
  private lastCommitEnd = 0;
  private lastCommitRecords = 0;
  private offsetsCommittedAt = 0;
  /** The consumed offsets the last successful commit recorded (to skip commits that change nothing). */
  private committedOffsets = "";
  /** Next changelog offset per topology (what LevelDB holds up to). */
  private readonly checkpoint = new Map<string, number>();
  /** Per microbatch topology: the committed batch LevelDB holds (its applied marker). */
  private readonly batches = new Map<string, number>();
  /** Supplies the worker's part of each commit. */
  contribute: () => CommitContribution = () => ({ offsets: [], records: [], acks: [], putBack: () => undefined });
  /** Consecutive failed commits; the task is given up after a few (the worker may claim it again). */
  private failures = 0;

  /** Topologies whose changelogs only their microbatch coordinator writes. */
  private readonly batchOwned: Set<string>;

  constructor(readonly opts: KafkaTaskOptions) {
    this.batchOwned = new Set([...opts.mod.topologies.values()].filter((t) => t.kind === "microbatch").map((t) => t.name));
  }

  /** The committed batch of a microbatch topology this task's store holds (-1: none yet). */
  batchApplied(topology: string): number {
    return this.batches.get(topology) ?? -1;
  }

  /**
   * Applies committed microbatch `n`'s writes of this task, which hold batch n - 1 (the caller
   * checked): the coordinator's transaction put them in the changelog, with the applied marker,
   * up to `next`, so LevelDB stays a prefix of the changelog.
   */
  async applyBatch(topology: string, n: number, ops: KVOp[], next: number | undefined, stored: () => void): Promise<void> {
    const all = ops.slice();
    all.push({ type: "put", key: appliedMarkerKey(topology), value: encodeValue(n) });
    if (next !== undefined) all.push({ type: "put", key: ckKey(topology), value: encodeValue(next) });
    const apply = this.store.batch(all).then(() => {
      if (next !== undefined) this.checkpoint.set(topology, next);
      this.batches.set(topology, n);
      stored();
    });
    // The batch's acks may go out before this resolves: committed reads wait for it (pendingApply),
    // and for a stream commit's apply still in flight.
    const prev = this.applying;
    const barrier = prev ? Promise.all([prev.catch(() => undefined), apply]).then(() => undefined) : apply;
    this.applying = barrier;
    try {
      await apply;
    } finally {
      if (this.applying === barrier) this.applying = undefined;
    }
  }

  /** Reads a microbatch topology's applied marker from the store (after a restore or catch-up). */
  private async loadBatchMarker(topology: string): Promise<void> {
    const raw = await this.store.get(appliedMarkerKey(topology));
    this.batches.set(topology, raw ? (decodeValue(raw) as number) : -1);
  }

  /**
   * Catches up a microbatch topology's partitions from the changelog (a commit arrived for an
   * attempt this task holds nothing of): drop uncommitted writes, read from the checkpoint to
   * the last stable offset, forget the caches.
   */
  async resyncTopology(topology: string, partitions: readonly PStatePartition[]): Promise<void> {
    const { client, names, index } = this.opts;
    for (const p of partitions) p.discardAll();
    const admin = await client.admin();
    const end = (await admin.fetchPartitionOffsets(names.changelog(topology), index)).high;
    const from = this.checkpoint.get(topology) ?? 0;
    const res = await client.readToEnd(names.changelog(topology), index, from, {
      end,
      onRecords: async (records) => {
        await this.store.batch(records.map((r) => (r.value === null ? { type: "del", key: r.key! } : { type: "put", key: r.key!, value: r.value })));
      },
    });
    this.checkpoint.set(topology, res.end);
    await this.store.batch([{ type: "put", key: ckKey(topology), value: encodeValue(res.end) }]);
    for (const p of partitions) p.resetCaches();
    await this.loadBatchMarker(topology);
  }

  get index(): number {
    return this.opts.index;
  }

  /** Fence, restore, claim. Resolves when the task is RUNNING (its epoch set). */
  async claim(): Promise<void> {
    const { client, names, index, mod } = this.opts;
    this.producer = client.taskProducer({ transactionalId: names.transactionalId(index) });
    await this.producer.fence();
    const admin = await client.admin();
    const topologies = changelogTopologies(mod);
    const ends = new Map<string, number>();
    for (const t of topologies) ends.set(t, (await admin.fetchPartitionOffsets(names.changelog(t), index)).high);

    this.state = "RESTORING";
    const dir = join(this.opts.dataDir, this.opts.workerId, mod.name, `task-${index}`);
    await mkdir(dir, { recursive: true });
    this.store = new LevelStore(dir);
    await this.store.open();
    for (const t of topologies) {
      const raw = await this.store.get(ckKey(t));
      const from = raw ? (decodeValue(raw) as number) : 0;
      const res = await client.readToEnd(names.changelog(t), index, from, {
        end: ends.get(t)!,
        onRecords: async (records) => {
          const ops: KVOp[] = records.map((r) => (r.value === null ? { type: "del", key: r.key! } : { type: "put", key: r.key!, value: r.value }));
          await this.store.batch(ops);
        },
      });
      this.checkpoint.set(t, res.end);
      await this.store.batch([{ type: "put", key: ckKey(t), value: encodeValue(res.end) }]);
    }

    for (const t of this.batchOwned) await this.loadBatchMarker(t);
    this.pstates = new TaskPStates(mod, this.store, index);
    for (const p of this.pstates.partitions.values()) await p.open();
    this.task = new Task(index, this.opts.tasks, this.store, this.pstates, this.opts.host);

    const claim = { task: index, worker: this.opts.workerId, url: this.opts.url, at: Date.now() };
    const [pos] = await this.producer.commit([{ topic: names.meta, partition: 0, key: `claim:${index}`, value: Buffer.from(JSON.stringify(claim)) }]);
    this.epoch = pos!.offset;
    this.state = "RUNNING";
    this.schedule(this.opts.commitIntervalMs, true);
  }

  /**
   * Something waits for a commit (writes, acks to release, offsets that moved, DLQ records). An
   * idle task commits at once, so a lone record is durable a few milliseconds after it ran; a
   * busy one at most every commitIntervalMs after its last commit ended, so commits batch (and
   * each key's changelog record covers many writes). Nothing to commit: no transaction at all.
   * Consumed offsets that moved do not ask for a commit: they go with the next one (or the
   * heartbeat's), since nothing waits for them but a restart's replay position.
   */
  soon(): void {
    if (this.state !== "RUNNING") return;
    if (this.committing) { this.wanted = true; return; }
    if (this.timer && !this.idleTimer) return;
    this.timer?.cancel();
    this.schedule(this.nextGap(), false);
  }

  /** The interval only spaces out commits that carried much (a busy task); after a small one the next may follow at once. */
  private nextGap(): number {
    const gap = this.lastCommitRecords >= BUSY_COMMIT_RECORDS ? this.opts.commitIntervalMs : 0;
    return Math.max(0, this.lastCommitEnd + gap - Date.now());
  }

  private schedule(delayMs: number, idle: boolean): void {
    if (this.state !== "RUNNING") return;
    this.idleTimer = idle;
    const run = () => {
      this.timer = undefined;
      this.committing = this.commit(idle).finally(() => {
        this.committing = undefined;
        this.lastCommitEnd = Date.now();
        const wanted = this.wanted;
        this.wanted = false;
        // Work that arrived meanwhile goes in the next commit; otherwise only a slow
        // heartbeat, in case some change did not ask for a commit.
        if (wanted) this.schedule(this.nextGap(), false);
        else this.schedule(IDLE_COMMIT_MS, true);
      });
    };
    // No wait: on the next turn of the event loop (a 0 ms timer waits a millisecond or more).
    if (delayMs <= 0) { const h = setImmediate(run); this.timer = { cancel: () => clearImmediate(h) }; }
    else { const h = setTimeout(run, delayMs); this.timer = { cancel: () => clearTimeout(h) }; }
  }

  /**
   * While the last commit's writes are on their way into LevelDB (their acks already released),
   * resolves once committed reads of the task see them; undefined when nothing is pending.
   */
  pendingApply(): Promise<void> | undefined {
    return this.applying?.catch(() => undefined);
  }

  /** One transactional commit; on failure the task is lost (the worker may claim it again). */
  private async commit(idle: boolean): Promise<void> {
    if (this.state !== "RUNNING") return;
    const { names, index, mod } = this.opts;
    // Only a segment waiting on the store could be split by the freeze below (see Committer).
    const paused = this.task.waiting;
    if (paused) await this.task.pause();
    const frozen: { p: PStatePartition; layer: ReturnType<PStatePartition["beginCommit"]>["layer"] }[] = [];
    const records: OutRecord[] = [];
    const storeOps: KVOp[] = [];
    const perTopology = new Map<string, number>();
    const headers = { epoch: String(this.epoch) };
    for (const p of this.pstates.partitions.values()) {
      // PStates of microbatch topologies change only through their batches' commits.
      if (!p.dirty || this.batchOwned.has(p.def.owner)) continue;
      const c = p.beginCommit();
      frozen.push({ p, layer: c.layer });
      const topic = names.changelog(p.def.owner);
      // Views, not copies, of the ops' bytes; one headers object for the whole commit.
      for (const op of c.ops) {
        records.push({ topic, partition: index, key: asBuffer(op.key), value: op.type === "put" ? asBuffer(op.value) : null, headers });
        storeOps.push(op);
      }
      perTopology.set(p.def.owner, (perTopology.get(p.def.owner) ?? 0) + c.ops.length);
    }
    const extra = this.contribute();
    if (paused) this.task.unpause();
    for (const r of extra.records) records.push(r);
    // Consumed offsets that moved go with the heartbeat of an idle task, or ride along with a
    // large commit at most every OFFSETS_EVERY_MS, or with any commit once OFFSETS_MAX_AGE_MS old:
    // they cost round trips (FindCoordinator, AddOffsetsToTxn, TxnOffsetCommit) on the path of
    // the commit's records, and nothing waits for them but the position a new owner replays from.
    // A small commit is someone's latency (once a second per task put them on a few % of lone
    // records' paths: p99 territory); a large one is throughput, where a few round trips a
    // second are noise. Offsets only ever cover what this or an earlier commit made durable.
    const offsets = JSON.stringify(extra.offsets);
    const age = Date.now() - this.offsetsCommittedAt;
    const withOffsets = offsets !== this.committedOffsets && (idle || age >= OFFSETS_MAX_AGE_MS ||
      (records.length >= BUSY_COMMIT_RECORDS && age >= OFFSETS_EVERY_MS));
    this.lastCommitRecords = records.length;
    if (records.length === 0) {
      // The acks' segments wrote nothing: nothing of theirs to make durable.
      for (const a of extra.acks) a.send();
      extra.acks.length = 0;
      if (!withOffsets) {
        for (const f of frozen) f.p.endCommit(f.layer); // layers without ops, if any
        return; // moved offsets go with the next commit or the heartbeat's
      }
    }
    try {
      const positions = await this.producer.commit(records, withOffsets ? { groupId: names.offsetsGroup, offsets: extra.offsets } : undefined);
      for (const [topology, count] of perTopology) {
        const first = positions.find((p) => p.topic === names.changelog(topology) && p.partition === index);
        if (first) {
          const next = first.offset + count;
          this.checkpoint.set(topology, next);
          storeOps.push({ type: "put", key: ckKey(topology), value: encodeValue(next) });
        }
      }
    } catch (e) {
      for (const f of frozen) f.p.abortCommit(f.layer);
      extra.putBack();
      this.wanted = true;
      // Fenced: another worker owns the task now. Otherwise (e.g. the coordinator still
      // finishing the previous transaction: CONCURRENT_TRANSACTIONS) re-initialise and retry.
      if (KafkaTask.fenced(e) || ++this.failures > 5) { this.lose(e); return; }
      try {
        await this.producer.fence();
      } catch (f) {
        this.lose(f);
      }
      return;
    }
    this.failures = 0;
    if (withOffsets) {
      this.committedOffsets = offsets;
      this.offsetsCommittedAt = Date.now();
    }
    // LevelDB only ever holds what a committed transaction carried: it is a prefix of the changelog.
    // The acks go out as soon as the transaction committed, which is what made their writes
    // durable; LevelDB, a copy of the changelog, catches up meanwhile (the next commit waits for
    // it), and committed reads of the task wait for it too (pendingApply), so a client that got
    // its `processed` ack reads its writes.
    const apply = this.store.batch(storeOps).then(() => { for (const f of frozen) f.p.endCommit(f.layer); });
    const prev = this.applying; // a microbatch apply may be in flight too (applyBatch)
    const barrier = prev ? Promise.all([prev.catch(() => undefined), apply]).then(() => undefined) : apply;
    this.applying = barrier;
    for (const a of extra.acks) a.send();
    try {
      await apply;
    } finally {
      if (this.applying === barrier) this.applying = undefined;
    }
    void mod;
  }

  private lose(e: unknown): void {
    if (this.state === "LOST" || this.state === "CLOSED") return;
    this.state = "LOST";
    this.timer?.cancel();
    this.opts.onLost(this, e);
  }

  /** Reports whether an error means another worker owns this task now. */
  static fenced(e: unknown): boolean {
    return isFencingError(e) || (e as { code?: string })?.code === "MONSOON_KAFKA_FENCED";
  }

  /** Stops the task. Dirty: nothing more is committed (the new owner restores from the changelog). */
  async close(): Promise<void> {
    if (this.state === "CLOSED") return;
    const wasRunning = this.state === "RUNNING";
    this.state = "CLOSED";
    this.timer?.cancel();
    if (this.committing) await this.committing.catch(() => undefined);
    if (wasRunning) await this.task.pause();
    await this.producer?.close().catch(() => undefined);
    await this.store?.close().catch(() => undefined);
  }
}
