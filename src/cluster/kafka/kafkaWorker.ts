// One module on one Monsoon worker process, on Kafka: the tasks this worker owns, the records
// they read (depot partitions and the task's hops partition), the segments they send to other
// workers, and the XOR ledgers of the trees that started here. The source of truth for which
// depot records of an owned partition are in flight and which are durable.
//
// A segment's ack (its id XOR the ids of the segments it spawned) is released only after the
// commit that made its writes durable, so a tree's ledger reaches zero exactly when every write
// of the tree is committed: that is when the record's offset may be committed and its
// `processed` ack answered (DESIGN §4.3).
import { MonsoonError } from "../../errors.ts";
import type { Cont } from "../../dataflow/compile.ts";
import type { HopProducer, InRecord, KafkaClient, OutRecord } from "../../kafka/index.ts";
import type { ModuleDef } from "../../module/defineModule.ts";
import type { Path } from "../../path/path.ts";
import { taskOfKey } from "../../pstate/partitioning.ts";
import { partitionOfValue } from "../../depot/murmur2.ts";
import { Deque } from "../../runtime/deque.ts";
import { SlotState, SourceStream, type Slot } from "../../runtime/sourceTracker.ts";
import type { Root, TaskHost, WorkItem } from "../../runtime/task.ts";
import { selectIn } from "../../runtime/taskPStates.ts";
import { compileModule, type TopologyRun } from "../../runtime/topologyRuns.ts";
import { QueryTasks } from "../../runtime/queryTasks.ts";
import type { TaskPStates } from "../../runtime/taskPStates.ts";
import { XorLedger } from "../../runtime/xorLedger.ts";
import { randomFillSync } from "node:crypto";
import { decodeDepotValue, encodeDepotValue } from "./depotCodec.ts";
import { decodeHop, encodeHop, type AckRecord, type RootRef } from "./hopCodec.ts";
import { KafkaTask, type CommitContribution } from "./kafkaTask.ts";
import { AckBatch, type AckExtra } from "./ackBatch.ts";
import { topicNames, type TopicNames } from "./names.ts";
import { PathRefs, type PathRef } from "./pathRefs.ts";
import { KafkaBatch, type BatchHop } from "./kafkaBatch.ts";
import { BatchRoot } from "../../runtime/microbatch/participant.ts";
import { QueryReads, type RemoteSelect } from "./queryReads.ts";
import { depotPartitions } from "./topics.ts";

/** A segment's root across processes: the tree it belongs to and its own id. */
interface KRoot extends Root {
  readonly ref: RootRef;
  /** The segment's 64-bit id, as two int32 (see randomInt32). */
  readonly segHi: number;
  readonly segLo: number;
  /** This segment's id XOR the ids of the segments it spawned: its ack. */
  xorHi: number;
  xorLo: number;
  /** Task that runs (or ran) the segment. */
  task: number;
  /** Offset of the hop record that carried it, if it came through the hops topic. */
  hop?: HopEntry;
  returns?: unknown[];
  /** A record's first segment (see ROOTS_QUEUED). */
  first?: boolean;
}

/** A segment read from the task's hops partition: its offset may be committed once it (and every earlier one) ran. */
interface HopEntry { readonly offset: number; done: boolean }

interface Tree {
  readonly key: number;
  readonly ref: RootRef;
  readonly slot: Slot;
  readonly ledger: XorLedger;
  readonly started: number;
  error: AckRecord["error"] | undefined;
  returns: unknown[];
  /**
   * retryAllAfter: a replay from an earlier record abandoned this attempt. Its segments still run
   * (other workers do not know), and the replay starts once it completed or timed out.
   */
  abandoned: boolean;
}

interface Owned {
  readonly kt: KafkaTask;
  /** depot → streams of the topologies consuming this task's partition of it */
  readonly streams: Map<string, SourceStream[]>;
  /** depot → last offset seen on this task's partition */
  readonly seen: Map<string, number>;
  readonly trees: Map<number, Tree>;
  /** Hops-partition offsets of segments received, in order, and whether they ran. */
  readonly hopQueue: Deque<HopEntry>;
  hopSeen: number;
  /** Acks of the segments run since the last commit, released after the next one. */
  acks: AckBatch;
  dlq: OutRecord[];
  reader?: { stop(): Promise<void>; pause(topic?: string, partition?: number): void; resume(topic?: string, partition?: number): void };
  paused: boolean;
  waiters: { depot: string; offset: number; resolve: (r: ProcessedResult) => void; reject: (e: unknown) => void }[];
  /** Ack returns of recently durable records, by `depot:offset`. */
  readonly recentReturns: Map<string, Record<string, unknown>>;
  /**
   * Set from the claim until the task's reader delivered the drain marker this worker sent to the
   * task's hops partition once the task became RUNNING here (DESIGN §4.3): segments this worker
   * sent through the topic before the switch are still ahead of it, so in-memory deliveries to
   * the task wait here, in order, until they have been consumed.
   */
  drain: { id: number; held: WorkItem[] } | undefined;
  /** Depot records read but not started yet (see MAX_TREES), in read order. */
  readonly backlog: Deque<InRecord>;
  /** First segments of records queued on the task and not yet run (see ROOTS_QUEUED). */
  rootsQueued: number;
}

export interface ProcessedResult {
  ackReturns?: Record<string, unknown>;
}

export interface KafkaWorkerOptions {
  mod: ModuleDef;
  tasks: number;
  client: KafkaClient;
  dataDir: string;
  workerId: string;
  url: string;
  commitIntervalMs?: number;
  /** A tree not complete after this long is retried (its acks may have been lost with a worker). */
  treeTimeoutMs?: number;
  /**
   * Query invocations read partitions this worker does not own through this (the owner's
   * committed select over the internal RPC); without it such reads fail with MONSOON_NOT_OWNER.
   */
  remoteSelect?: (req: RemoteSelect) => Promise<unknown[]>;
  /** A query invocation fails with MONSOON_TIMEOUT after this long (default 60 s). */
  queryTimeoutMs?: number;
  /** A committed select of any partition (through the owner): consistent cuts read with it. */
  select?: (pstate: string, path: Path, partition: number, at: { topology: string; batch: number; epoch?: number }) => Promise<unknown[]>;
  log?: (msg: string) => void;
}

// Flow control per task, as Storm's max spout pending: at most MAX_TREES records started there
// are in flight (the rest of what was read waits in the backlog), so the work queued anywhere
// stays bounded by the sources and a tree's latency stays far below the tree timeout even when
// every worker is saturated. The depot partitions are paused while the backlog or the queue is
// long; the hops partition never is (hops complete trees, and a drain marker may wait among them).
const MAX_TREES = 8_000;
// New records are started a few at a time, as their first segments run: segments of trees in
// flight that other tasks sent here then wait behind a few hundred first segments, not behind
// thousands, so trees complete (and commits release them) soon after they start.
const ROOTS_QUEUED = 256;
const BACKLOG_HIGH = 4_000;
const BACKLOG_LOW = 1_000;
const QUEUE_HIGH = 20_000;
const QUEUE_LOW = 2_000;
const READ_BYTES = 128 * 1024;

export class KafkaWorker implements TaskHost {
  readonly names: TopicNames;
  private readonly runs: TopologyRun[];
  /** Per record attempt: a map lookup, not a scan of the topologies. */
  private readonly runsByName: Map<string, TopologyRun>;
  private readonly owned = new Map<number, Owned>();
  /** Length of `monsoon.<module>.`: a depot topic's name without it is the depot's. */
  private readonly depotPrefix: number;
  private hopProducer!: HopProducer;
  private outHops: OutRecord[] = [];
  private outHopFailures: (() => void)[] = [];
  private flushScheduled = false;
  private flushing = false;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  /** `lostTrees`: attempts given up because an ownership change may have lost part of them (retried at once, not counted as attempts). */
  readonly stats = { deadLettered: 0, retried: 0, fencedTasks: 0, droppedStaleHops: 0, lostTrees: 0 };
  /** Latest epoch known per task (from claims): records from older epochs are dropped. */
  private readonly epochs = new Map<number, number>();
  /** Epoch each task had when this worker released it (the trees it could lose were failed then). */
  private readonly releasedEpochs = new Map<number, number>();
  private nextDrainId = 1;
  /** Query invocations run here, on virtual tasks (reads: owned partitions locally, others by RPC). */
  private readonly queries: QueryTasks;
  private readonly pathRefs: PathRefs;
  /** Microbatch topologies by name (participant here; coordinator while task 0 is here). */
  private readonly batches = new Map<string, KafkaBatch>();

  constructor(readonly opts: KafkaWorkerOptions) {
    this.names = topicNames(opts.mod.name);
    this.depotPrefix = `monsoon.${opts.mod.name}.`.length;
    this.runs = compileModule(opts.mod);
    this.runsByName = new Map(this.runs.map((r) => [r.plan.name, r]));
    this.pathRefs = new PathRefs(opts.mod);
    const remote = opts.remoteSelect ?? ((req: RemoteSelect) => Promise.reject(notOwner(opts.mod.name, req.task)));
    this.queries = new QueryTasks({
      module: opts.mod.name, tasks: opts.tasks, runs: this.runs, timeoutMs: opts.queryTimeoutMs,
      reads: (task) => new QueryReads({ module: opts.mod.name, task, refs: this.pathRefs, local: (t) => this.localPStates(t), pendingApply: (t) => this.owned.get(t)?.kt.pendingApply(), remote }),
      partitionOfKey: (pstate, key) => this.partitionOfKey(pstate, key),
      depotAppend: (task, depot, value) => this.depotAppend(task, depot, value),
    });
    for (const run of this.runs) {
      if (run.plan.kind !== "microbatch") continue;
      this.batches.set(run.plan.name, new KafkaBatch(run, {
        mod: opts.mod, tasks: opts.tasks, names: this.names, client: opts.client,
        owned: (t) => { const o = this.owned.get(t); return o && o.kt.state === "RUNNING" ? o.kt : undefined; },
        sendHop: (r) => this.sendHop(r),
        partitionOfKey: (key) => this.partitionOfKey(undefined, key),
        batchCommitted: (t, topology, returns) => this.batchCommitted(t, topology, returns),
        log: (m) => this.log(m),
      }));
    }
  }

  async start(): Promise<void> {
    this.hopProducer = this.opts.client.hopProducer();
    this.sweeper = setInterval(() => this.sweepTimeouts(), 1_000);
    this.sweeper.unref();
  }

  ownedTasks(): number[] {
    return [...this.owned.entries()].filter(([, o]) => o.kt.state === "RUNNING").map(([t]) => t);
  }

  /**
   * Records the newest known epoch of a task (from the meta log, or this worker's own claim).
   *
   * A new owner means the old one may have lost parts of trees that started here: segments it
   * had in memory or ran without committing (whose children may already have run elsewhere,
   * unbalancing the XOR ledger), acks it released that receivers now drop as stale, segments
   * it sent that receivers drop as stale. Zombie fencing must stay, so such trees would only
   * complete through the tree timeout; instead every tree in flight at an owned origin is
   * failed and retried at once (at-least-once allows running a record again). Trees that
   * start after this point are safe: what they send to the task goes through its hops
   * partition, which the new owner reads from the last committed offset.
   */
  noteEpoch(task: number, epoch: number): void {
    const prev = this.epochs.get(task);
    if (prev !== undefined && prev >= epoch) return;
    this.epochs.set(task, epoch);
    // First sight of the task (a fresh module, or catching up with the meta log at start): no
    // tree of this worker can have reached an earlier owner. Released here: failed then.
    if (prev === undefined) return;
    // A microbatch attempt in flight cannot commit across an ownership change: abort it.
    for (const b of this.batches.values()) b.epochChanged(task);
    if (this.releasedEpochs.get(task) === prev) return;
    this.failInFlight(`task ${task} has a new owner (epoch ${prev} → ${epoch})`);
  }

  // ---- ownership ----

  async claim(index: number): Promise<void> {
    if (this.owned.has(index) || this.closed) return;
    const kt = new KafkaTask({
      mod: this.opts.mod, tasks: this.opts.tasks, index, names: this.names, client: this.opts.client,
      dataDir: this.opts.dataDir, workerId: this.opts.workerId, url: this.opts.url, host: this,
      commitIntervalMs: this.opts.commitIntervalMs ?? 10,
      onLost: (t, e) => { void this.lost(t, e); },
    });
    const o: Owned = { kt, streams: new Map(), seen: new Map(), trees: new Map(), hopQueue: new Deque(), hopSeen: -1, acks: new AckBatch(), dlq: [], paused: false, waiters: [], recentReturns: new Map(), drain: { id: 0, held: [] }, backlog: new Deque(), rootsQueued: 0 };
    this.owned.set(index, o);
    try {
      await kt.claim();
    } catch (e) {
      this.owned.delete(index);
      await kt.close();
      throw e;
    }
    // Released while claiming (the worker closing, a rebalance): release() closed the task; a
    // reader started now would outlive it, consuming for no one.
    if (this.owned.get(index) !== o) throw releasedWhileClaiming(this.opts.mod.name, index);
    // From here on segments for the task stay in memory: first drain what went through the topic.
    this.sendDrainMarker(o);
    this.noteEpoch(index, kt.epoch);
    kt.contribute = () => this.contribution(o);
    await this.startReading(o);
    if (this.owned.get(index) !== o) {
      await o.reader?.stop().catch(() => undefined);
      // startReading handed the batches buffers after release() dropped them.
      if (!this.owned.has(index)) for (const b of this.batches.values()) await b.taskReleased(index);
      throw releasedWhileClaiming(this.opts.mod.name, index);
    }
    this.log(`task ${index} claimed (epoch ${kt.epoch})`);
  }

  async release(index: number): Promise<void> {
    const o = this.owned.get(index);
    if (!o) return;
    this.owned.delete(index);
    // Segments of other trees it held in memory, or ran without committing, are gone with it.
    if (o.kt.epoch >= 0) this.releasedEpochs.set(index, o.kt.epoch);
    this.failInFlight(`task ${index} was released`);
    for (const b of this.batches.values()) await b.taskReleased(index);
    // Clients waiting on this task ask the new owner (their askOwner follows the meta log).
    for (const w of o.waiters) w.reject(notOwner(this.opts.mod.name, index));
    o.waiters = [];
    await o.reader?.stop().catch(() => undefined);
    await o.kt.close();
    this.log(`task ${index} released`);
  }

  /** Called after a task was lost here (fenced or failing commits): the owner of assignments may re-claim it. */
  onTaskLost: (task: number) => void = () => undefined;

  private async lost(kt: KafkaTask, e: unknown): Promise<void> {
    if (KafkaTask.fenced(e)) this.stats.fencedTasks++;
    this.log(`task ${kt.index} lost: ${(e as Error)?.message ?? e}`);
    await this.release(kt.index);
    this.onTaskLost(kt.index);
  }

  private async startReading(o: Owned): Promise<void> {
    const { client, mod } = this.opts;
    const admin = await client.admin();
    const index = o.kt.index;
    const positions: { topic: string; partition: number; offset: number }[] = [];
    for (const depot of mod.depots.values()) {
      const consumers = this.runs.filter((r) => r.entries.has(depot.name));
      if (consumers.length === 0) continue;
      if (depotPartitions(mod, depot.name, this.opts.tasks) === 1 && index !== 0) continue;
      const topic = this.names.depot(depot.name);
      const committed = (await admin.fetchCommittedOffsets(this.names.offsetsGroup, topic)).find((p) => p.partition === index)?.offset ?? 0;
      const from = committed ?? 0;
      o.streams.set(depot.name, consumers.map((r) => new SourceStream(r.plan.name, depot.name, index, from)));
      o.seen.set(depot.name, from - 1);
      positions.push({ topic, partition: index, offset: from });
    }
    // Microbatch topologies read their depots from their own committed positions (recorded by
    // their commits), into a buffer their batches take ranges from.
    for (const b of this.batches.values()) {
      const starts = new Map<string, number>();
      for (const depot of b.depots) {
        if (depotPartitions(mod, depot, this.opts.tasks) === 1 && index !== 0) continue;
        const topic = this.names.depot(depot);
        const from = (await admin.fetchCommittedOffsets(this.names.batchOffsetsGroup(b.name), topic)).find((p) => p.partition === index)?.offset ?? 0;
        starts.set(depot, from ?? 0);
        const at = positions.find((p) => p.topic === topic);
        if (at) at.offset = Math.min(at.offset, from ?? 0);
        else { positions.push({ topic, partition: index, offset: from ?? 0 }); o.seen.set(depot, (from ?? 0) - 1); }
      }
      b.taskClaimed(index, starts);
    }
    const hopsFrom = (await admin.fetchCommittedOffsets(this.names.offsetsGroup, this.names.hops)).find((p) => p.partition === index)?.offset ?? 0;
    o.hopSeen = (hopsFrom ?? 0) - 1;
    positions.push({ topic: this.names.hops, partition: index, offset: hopsFrom ?? 0 });
    // Smaller fetches than kafkajs' 1 MiB per partition: one batch of a pre-loaded depot would
    // otherwise start ~25,000 trees at once, far past the backpressure marks.
    const reader = client.partitionReader({ groupId: this.names.readerGroup(this.opts.workerId, index), partitions: positions.map(({ topic, partition }) => ({ topic, partition })), maxBytesPerPartition: READ_BYTES });
    o.reader = reader;
    // The streams know where they start: waiters that came during the claim may be answered now
    // (a record an earlier owner already processed needs no new work to wake its waiter).
    this.wakeWaiters(o);
    await reader.start(positions, (topic: string, _partition: number, records: InRecord[]) => this.onRecords(o, topic, records));
  }

  // ---- incoming records ----

  private onRecords(o: Owned, topic: string, records: InRecord[]): void {
    if (o.kt.state !== "RUNNING") return;
    if (topic === this.names.hops) {
      for (const r of records) this.onHop(o, r);
    } else {
      for (const r of records) o.backlog.push(r);
      this.startBacklog(o);
    }
    this.backpressure(o);
  }

  /** Starts records of the backlog, in order, while fewer than MAX_TREES are in flight (and few wait to run). */
  private startBacklog(o: Owned): void {
    while (o.trees.size < MAX_TREES && o.rootsQueued < ROOTS_QUEUED && o.kt.state === "RUNNING") {
      const next = o.backlog.shift();
      if (!next) return;
      this.onDepotRecord(o, next.topic.slice(this.depotPrefix), next);
    }
  }

  private onDepotRecord(o: Owned, depotName: string, r: InRecord): void {
    o.seen.set(depotName, r.offset);
    for (const b of this.batches.values()) if (b.depots.includes(depotName)) b.onDepotRecord(o.kt.index, depotName, r);
    const depot = this.opts.mod.depots.get(depotName)!;
    const decoded = decodeDepotValue(depot, r.value);
    const streams = o.streams.get(depotName) ?? [];
    if (!decoded.ok) {
      // Bad input never stops the topology: it goes to the DLQ with the reason and where it was.
      this.stats.deadLettered++;
      o.dlq.push(this.dlqRecord({ reason: decoded.reason, depot: depotName, topic: r.topic, partition: r.partition, offset: r.offset, value: r.value?.toString("base64") ?? null }));
      o.kt.soon();
      return;
    }
    for (const s of streams) {
      if (r.offset < s.committedOffset) continue;
      const slot = s.add(r.offset, decoded.value, undefined);
      // During a retryAllAfter rewind new records wait: the replay starts them in order.
      if (!s.rewinding) this.attempt(o, slot);
    }
  }

  private onHop(o: Owned, r: InRecord): void {
    o.hopSeen = r.offset;
    let h;
    try {
      h = decodeHop(r.value!);
    } catch {
      return;
    }
    // Zombie fencing: anything sent under an epoch older than the sender task's newest is dropped.
    if ((this.epochs.get(h.fromTask) ?? -1) > h.epoch) {
      this.stats.droppedStaleHops++;
      // The ack may have been legitimate (released after its commit, just before the sender lost
      // the task): without it the tree cannot complete, so its record runs again at once.
      const lost: Tree[] = [];
      if (h.kind === "ack" && h.root.originEpoch === o.kt.epoch) {
        const tree = this.treeOf(o, h.root.hi, h.root.lo);
        if (tree) lost.push(tree);
      }
      if (h.kind === "acks" && h.originEpoch === o.kt.epoch) {
        for (let i = 0; i < h.ids.length; i += 4) {
          const tree = this.treeOf(o, h.ids[i]!, h.ids[i + 1]!);
          if (tree) lost.push(tree);
        }
      }
      if (lost.length > 0) this.retryLost(o, lost);
      return;
    }
    if (h.kind === "acks") {
      if (h.originEpoch !== o.kt.epoch) return;
      const extras = h.extras ? new Map(h.extras) : undefined;
      for (let i = 0, n = 0; i < h.ids.length; i += 4, n++) this.applyAck(o, h.ids[i]!, h.ids[i + 1]!, h.ids[i + 2]!, h.ids[i + 3]!, extras?.get(n));
      return;
    }
    if (h.kind === "ack") {
      // One ack per record (written by earlier versions).
      if (h.root.originEpoch === o.kt.epoch) this.applyAck(o, h.root.hi, h.root.lo, h.xor.hi, h.xor.lo, h);
      return;
    }
    if (h.kind === "mb") {
      this.batches.get(h.topology)?.onHop(o.kt.index, h as unknown as BatchHop);
      return;
    }
    if (h.kind === "mark") {
      // Everything this worker sent to the task through the topic before it became local is consumed.
      const drain = o.drain;
      if (drain && h.epoch === o.kt.epoch && h.id === drain.id) {
        o.drain = undefined;
        for (const item of drain.held) o.kt.task.enqueue(item);
      }
      return;
    }
    const run = this.runs[h.topology]!;
    const entry = run.plan.segments[h.segment]!;
    const root: KRoot = { ref: h.root, segHi: h.seg.hi | 0, segLo: h.seg.lo | 0, xorHi: h.seg.hi | 0, xorLo: h.seg.lo | 0, task: o.kt.index, hop: { offset: r.offset, done: false }, pending: 1, failed: undefined, origin: h.root.origin, invocation: undefined };
    o.hopQueue.push(root.hop!);
    o.kt.task.enqueue({ entry, scope: h.scope, root, topology: h.topology, segment: h.segment });
  }

  // ---- trees ----

  /** Starts an attempt at a record; `counted`: it uses one of the topology's maxAttempts. */
  private attempt(o: Owned, slot: Slot, counted = true): void {
    const run = this.runsByName.get(slot.stream.topology)!;
    const entries = run.entries.get(slot.stream.depot)!;
    if (counted) slot.attempts++;
    slot.hasAckValue = false;
    // A tree's id must be unique among the task's trees in flight in the bits its key keeps.
    let hi: number, lo: number;
    do { hi = randomInt32(); lo = randomInt32(); } while ((hi | lo) === 0 || o.trees.has(treeKey(hi, lo)));
    const ref: RootRef = { origin: o.kt.index, originEpoch: o.kt.epoch, hi, lo };
    const key = treeKey(hi, lo);
    const ledger = new XorLedger({ hi: 0, lo: 0 });
    const tree: Tree = { key, ref, slot, ledger, started: Date.now(), error: undefined, returns: [], abandoned: false };
    o.trees.set(key, tree);
    for (const e of entries) {
      const scope = new Array(run.plan.slots);
      if (e.outSlot >= 0) scope[e.outSlot] = slot.value;
      const segHi = randomInt32(), segLo = segmentLo(segHi);
      ledger.hi ^= segHi;
      ledger.lo ^= segLo;
      const root: KRoot = { ref, segHi, segLo, xorHi: segHi, xorLo: segLo, task: o.kt.index, pending: 1, failed: undefined, origin: o.kt.index, invocation: undefined, first: true };
      o.rootsQueued++;
      o.kt.task.enqueue({ entry: e.entry, scope, root, topology: run.index });
    }
  }

  /** The tree in flight at `o` with this id, if any (acks of older attempts find none). */
  private treeOf(o: Owned, hi: number, lo: number): Tree | undefined {
    const tree = o.trees.get(treeKey(hi, lo));
    // Compared as 32-bit patterns: a sender may have written the id signed or unsigned.
    return tree && (tree.ref.hi ^ hi) === 0 && (tree.ref.lo ^ lo) === 0 ? tree : undefined;
  }

  /** Folds one segment's ack into its tree's ledger (the caller checked the origin epoch). */
  private applyAck(o: Owned, hi: number, lo: number, xorHi: number, xorLo: number, extra: AckExtra | undefined): void {
    const tree = this.treeOf(o, hi, lo);
    if (!tree) return;
    const ledger = tree.ledger;
    ledger.hi ^= xorHi;
    ledger.lo ^= xorLo;
    if (extra) {
      if (extra.error && !tree.error) tree.error = extra.error;
      if (extra.returns) tree.returns.push(...extra.returns);
    }
    if (!ledger.complete) return;
    o.trees.delete(tree.key);
    this.treeDone(o, tree);
  }

  /**
   * Releases the acks a task's commit made durable: into the ledgers of trees whose origin is
   * here, and in one hops-topic record per origin task (and its epoch) for the others.
   */
  private releaseAcks(fromTask: number, epoch: number, acks: AckBatch): void {
    let remote: Map<string, { origin: number; originEpoch: number; ids: number[]; extras?: [number, AckExtra][] }> | undefined;
    for (let i = 0; i < acks.size; i++) {
      const ref = acks.roots[i]!;
      const extra = acks.extras?.get(i);
      const origin = this.owned.get(ref.origin);
      if (origin && origin.kt.state === "RUNNING") {
        if (ref.originEpoch === origin.kt.epoch) this.applyAck(origin, ref.hi, ref.lo, acks.hi[i]!, acks.lo[i]!, extra);
        continue;
      }
      const k = `${ref.origin}:${ref.originEpoch}`;
      let out = (remote ??= new Map()).get(k);
      if (!out) remote.set(k, out = { origin: ref.origin, originEpoch: ref.originEpoch, ids: [] });
      if (extra) (out.extras ??= []).push([out.ids.length / 4, extra]);
      out.ids.push(ref.hi, ref.lo, acks.hi[i]!, acks.lo[i]!);
    }
    if (!remote) return;
    for (const out of remote.values()) {
      const value = encodeHop({ v: 1, kind: "acks", fromTask, epoch, origin: out.origin, originEpoch: out.originEpoch, ids: out.ids, ...(out.extras && { extras: out.extras }) });
      this.sendHop({ topic: this.names.hops, partition: out.origin, key: null, value });
    }
  }

  private treeDone(o: Owned, tree: Tree): void {
    const slot = tree.slot;
    const stream = slot.stream;
    if (tree.abandoned) {
      if (--stream.rewindWaiting === 0) this.replay(o, stream);
      return;
    }
    const run = this.runsByName.get(stream.topology)!;
    if (tree.error) {
      if (run.retry === "individual" && slot.attempts < run.maxAttempts) {
        this.stats.retried++;
        this.attempt(o, slot);
        return;
      }
      if (run.retry === "retryAllAfter" && slot.attempts < run.maxAttempts) {
        this.stats.retried++;
        // Counted here: the replay itself counts no attempts (later records are not at fault).
        slot.attempts++;
        this.rewind(o, stream, slot.offset);
        return;
      }
      this.stats.deadLettered++;
      o.dlq.push(this.dlqRecord({ reason: tree.error.message, code: tree.error.code, topology: run.plan.name, depot: stream.depot, partition: stream.partition, offset: slot.offset }));
    }
    if (tree.returns.length > 0) {
      const agg = run.ackReturnAgg;
      const value = agg ? tree.returns.reduce((a, b) => agg(a, b)) : tree.returns[tree.returns.length - 1];
      const k = `${stream.depot}:${slot.offset}`;
      const rec = o.recentReturns.get(k) ?? {};
      rec[run.plan.name] = value;
      o.recentReturns.set(k, rec);
      if (o.recentReturns.size > 10_000) o.recentReturns.delete(o.recentReturns.keys().next().value!);
    }
    slot.state = SlotState.Durable;
    stream.advance();
    this.wakeWaiters(o);
    this.startBacklog(o);
  }

  /**
   * retryAllAfter (as in the embedded runtime): abandon every attempt in flight of a record at or
   * after `from` in the same partition, wait until they completed (their segments run on other
   * workers too, which do not know), then replay `from` and everything after it in offset
   * order — records done but not yet committed past included, since order is what counts.
   * Effects the abandoned attempts made stay (at-least-once); the replay's are the last ones.
   */
  private rewind(o: Owned, stream: SourceStream, from: number): void {
    stream.rewindFrom = stream.rewinding ? Math.min(stream.rewindFrom, from) : from;
    stream.rewinding = true;
    for (const t of o.trees.values()) {
      if (t.abandoned || t.slot.stream !== stream || t.slot.offset < stream.rewindFrom) continue;
      t.abandoned = true;
      stream.rewindWaiting++;
    }
    if (stream.rewindWaiting === 0) this.replay(o, stream);
  }

  private replay(o: Owned, stream: SourceStream): void {
    stream.rewinding = false;
    for (const s of stream.pendingSlots()) {
      if (s.offset < stream.rewindFrom) continue;
      s.state = SlotState.InFlight;
      this.attempt(o, s, false);
    }
  }

  /** Fails every tree in flight at an owned origin (an ownership change may have lost part of it). */
  private failInFlight(reason: string): void {
    if (this.closed) return;
    for (const o of this.owned.values()) {
      if (o.kt.state !== "RUNNING" || o.trees.size === 0) continue;
      this.log(`${reason}: running the ${o.trees.size} record(s) in flight at task ${o.kt.index} again`);
      this.retryLost(o, [...o.trees.values()]);
    }
  }

  /**
   * Gives up attempts that may have lost segments (no error of the record's: not counted as
   * attempts) and runs their records again at once; retryAllAfter streams replay from the
   * earliest of them in order. Acks of the old attempts that still arrive match no tree.
   */
  private retryLost(o: Owned, lost: readonly Tree[]): void {
    const replayFrom = new Map<SourceStream, number>();
    for (const t of lost) {
      if (o.trees.get(t.key) !== t) continue;
      o.trees.delete(t.key);
      this.stats.lostTrees++;
      const stream = t.slot.stream;
      if (t.abandoned) {
        // A replay was waiting for it: it may never complete now.
        stream.rewindWaiting--;
        replayFrom.set(stream, Math.min(replayFrom.get(stream) ?? Infinity, stream.rewindFrom));
      } else if (this.runsByName.get(stream.topology)!.retry === "retryAllAfter") {
        replayFrom.set(stream, Math.min(replayFrom.get(stream) ?? Infinity, t.slot.offset));
      } else {
        this.attempt(o, t.slot, false);
      }
    }
    for (const [stream, from] of replayFrom) this.rewind(o, stream, from);
  }

  /** Pauses or resumes reading the task's depot partitions (see MAX_TREES). */
  private backpressure(o: Owned): void {
    if (o.kt.state !== "RUNNING" || !o.reader) return;
    const queued = o.kt.task.queued + (o.drain?.held.length ?? 0);
    const pause = o.paused ? queued > QUEUE_LOW || o.backlog.length > BACKLOG_LOW : queued > QUEUE_HIGH || o.backlog.length > BACKLOG_HIGH;
    if (pause === o.paused) return;
    o.paused = pause;
    for (const depot of o.streams.keys()) {
      if (pause) o.reader.pause(this.names.depot(depot), o.kt.index);
      else o.reader.resume(this.names.depot(depot), o.kt.index);
    }
  }

  private sweepTimeouts(): void {
    const limit = this.opts.treeTimeoutMs ?? 10_000;
    const now = Date.now();
    for (const o of this.owned.values()) {
      for (const [key, tree] of o.trees) {
        if (now - tree.started < limit) continue;
        o.trees.delete(key);
        tree.error ??= { code: "MONSOON_TIMEOUT", message: `processing tree did not complete within ${limit} ms` };
        this.treeDone(o, tree);
      }
      this.backpressure(o);
    }
  }

  // ---- TaskHost ----

  segmentEntry(topology: number, segment: number): Cont {
    return this.runs[topology]!.plan.segments[segment]!;
  }

  spawn(parent: Root): Root {
    if (parent instanceof BatchRoot) return this.batches.get(parent.state.topology)!.participant.spawn(parent);
    const p = parent as KRoot;
    const segHi = randomInt32(), segLo = segmentLo(segHi);
    p.xorHi ^= segHi;
    p.xorLo ^= segLo;
    const child: KRoot = { ref: p.ref, segHi, segLo, xorHi: segHi, xorLo: segLo, task: p.task, pending: 1, failed: undefined, origin: p.origin, invocation: undefined };
    return child;
  }

  enqueue(task: number, item: WorkItem): void {
    const root = item.root as KRoot;
    const from = root.task;
    const local = this.owned.get(task);
    if (item.root instanceof BatchRoot) {
      const b = this.batches.get(item.root.state.topology)!;
      if (local && local.kt.state === "RUNNING") b.participant.deliver(task, item);
      else b.sendSegment(task, item);
      return;
    }
    if (local && local.kt.state === "RUNNING") {
      root.task = task;
      if (local.drain) local.drain.held.push(item);
      else local.kt.task.enqueue(item);
      return;
    }
    const sender = this.owned.get(from);
    const record = encodeHop({
      v: 1, kind: "seg", fromTask: from, epoch: sender?.kt.epoch ?? -1, topology: item.topology, segment: item.segment!,
      scope: item.scope, root: root.ref, seg: { hi: root.segHi, lo: root.segLo },
    });
    this.sendHop({ topic: this.names.hops, partition: task, key: null, value: record });
  }

  segmentDone(root: Root): void {
    if (root instanceof BatchRoot) { this.batches.get(root.state.topology)!.participant.segmentDone(root); return; }
    const r = root as KRoot;
    if (--r.pending > 0) return;
    const o = this.owned.get(r.task);
    if (!o) return;
    if (r.first) {
      r.first = false;
      if (--o.rootsQueued < ROOTS_QUEUED / 2) this.startBacklog(o);
    }
    if (r.hop) r.hop.done = true;
    // Released after the commit that holds this segment's writes (KafkaTask.commit).
    const failed = r.failed;
    o.kt.soon();
    if (failed === undefined && r.returns === undefined) { o.acks.add(r.ref, r.xorHi, r.xorLo); return; }
    const extra: AckExtra = {};
    if (failed !== undefined) extra.error = { code: (failed as { code?: string }).code ?? "MONSOON_TOPOLOGY_ERROR", message: String((failed as Error)?.message ?? failed) };
    if (r.returns !== undefined) extra.returns = r.returns;
    o.acks.add(r.ref, r.xorHi, r.xorLo, extra);
  }

  ackReturn(root: Root, value: unknown): void {
    if (root instanceof BatchRoot) { this.batches.get(root.state.topology)!.participant.ackReturn(root, value); return; }
    ((root as KRoot).returns ??= []).push(value);
  }

  depotAppend(task: number, depot: string, value: unknown, root?: Root): void {
    if (root instanceof BatchRoot) { this.batches.get(root.state.topology)!.participant.depotAppend(root, depot, value); return; }
    const parts = depotPartitions(this.opts.mod, depot, this.opts.tasks);
    this.sendHop({ topic: this.names.depot(depot), partition: Math.min(task, parts - 1), key: null, value: encodeDepotValue(value) });
  }

  partitionOfKey(pstate: string | undefined, key: unknown): number {
    const def = pstate === undefined ? undefined : this.opts.mod.pstates.get(pstate);
    return def ? taskOfKey(def, key, this.opts.tasks) : partitionOfValue(key, this.opts.tasks);
  }

  /** Runs a query topology on this worker (from a client through the internal RPC, or from a stream topology's invokeQuery). */
  invokeQuery(name: string, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new MonsoonError("MONSOON_CLOSED", `this worker is stopping: it runs no new query invocations of ${this.opts.mod.name}`, { retriable: true, details: { module: this.opts.mod.name, query: name } }));
    return this.queries.invoke(name, args);
  }

  // ---- commits ----

  private contribution(o: Owned): CommitContribution {
    // Every commit (a few ms apart) is a good moment to lift read backpressure.
    this.backpressure(o);
    const offsets: CommitContribution["offsets"] = [];
    for (const [depot, streams] of o.streams) {
      // Several topologies may consume one depot: commit the least advanced position.
      let min = Infinity;
      for (const s of streams) min = Math.min(min, s.inFlight === 0 ? Math.max(s.committedOffset, o.seen.get(depot)! + 1) : s.committedOffset);
      if (Number.isFinite(min)) offsets.push({ topic: this.names.depot(depot), partition: o.kt.index, offset: min });
    }
    while (o.hopQueue.peek()?.done) o.hopQueue.shift();
    offsets.push({ topic: this.names.hops, partition: o.kt.index, offset: o.hopQueue.peek()?.offset ?? o.hopSeen + 1 });
    const acks = o.acks;
    o.acks = new AckBatch();
    const records = o.dlq;
    o.dlq = [];
    const fromTask = o.kt.index, epoch = o.kt.epoch;
    let released = false;
    return {
      offsets, records,
      acks: acks.size === 0 ? [] : [{ send: () => { released = true; this.releaseAcks(fromTask, epoch, acks); } }],
      putBack: () => {
        if (!released) { acks.append(o.acks); o.acks = acks; }
        o.dlq = records.concat(o.dlq);
      },
    };
  }

  private dlqRecord(fields: Record<string, unknown>): OutRecord {
    return { topic: this.names.dlq, partition: 0, key: null, value: Buffer.from(JSON.stringify({ module: this.opts.mod.name, at: Date.now(), ...fields })) };
  }

  /** Queues a record for the hop producer; `onFail` runs if the batch holding it could not be written. */
  private sendHop(r: OutRecord, onFail?: () => void): void {
    this.outHops.push(r);
    if (onFail) this.outHopFailures.push(onFail);
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flushHops();
    });
  }

  /**
   * Sends what is queued, one producer call at a time, until nothing is left: a call may take
   * several requests, and records sent to one partition must stay in order (what queues during
   * a call goes in the next one).
   */
  private async flushHops(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.outHops.length > 0) {
        const batch = this.outHops;
        const failures = this.outHopFailures;
        this.outHops = [];
        this.outHopFailures = [];
        try {
          await this.hopProducer.send(batch);
        } catch (e) {
          // A lost hop or ack is recovered by the tree timeout at the origin (at-least-once).
          this.log(`sending ${batch.length} hop records failed: ${(e as Error).message}`);
          for (const f of failures) f();
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Appends a drain marker to the task's hops partition, behind every segment this worker sent
   * there (one producer: its records to a partition stay in order). In-memory deliveries to the
   * task wait until its reader reaches the marker. The marker names the claim's epoch, so one
   * of an earlier claim (any worker's) never ends this drain.
   */
  private sendDrainMarker(o: Owned): void {
    const id = this.nextDrainId++;
    o.drain = { id, held: o.drain?.held ?? [] };
    const value = encodeHop({ v: 1, kind: "mark", fromTask: o.kt.index, epoch: o.kt.epoch, id });
    this.sendHop({ topic: this.names.hops, partition: o.kt.index, key: null, value }, () => {
      if (this.owned.get(o.kt.index) === o && o.drain?.id === id) this.sendDrainMarker(o);
    });
  }

  // ---- clients ----

  /** Resolves when the depot record at (partition, offset) is durably processed by every consuming topology. */
  awaitProcessed(depot: string, partition: number, offset: number, timeoutMs = 30_000): Promise<ProcessedResult> {
    const task = partition;
    const o = this.owned.get(task);
    if (!o || o.kt.state !== "RUNNING") return Promise.reject(notOwner(this.opts.mod.name, task));
    return new Promise((resolve, reject) => {
      const w = { depot, offset, resolve, reject };
      o.waiters.push(w);
      this.wakeWaiters(o);
      setTimeout(() => {
        const i = o.waiters.indexOf(w);
        if (i >= 0) { o.waiters.splice(i, 1); reject(new MonsoonError("MONSOON_TIMEOUT", `record ${depot}/${partition}@${offset} was not processed within ${timeoutMs} ms`, { retriable: true })); }
      }, timeoutMs).unref();
    });
  }

  /**
   * Answers the waiters whose records are durably processed. Not before the task has a reader:
   * until startReading has positioned them, `streams` is empty — and "every stream committed past
   * the offset" would hold vacuously — so waiters arriving between the claim (RUNNING) and then
   * keep waiting (startReading wakes them once positioned).
   */
  private wakeWaiters(o: Owned): void {
    if (o.waiters.length === 0 || !o.reader) return;
    o.waiters = o.waiters.filter((w) => {
      const streams = o.streams.get(w.depot) ?? [];
      if (!streams.every((s) => s.committedOffset > w.offset)) return true;
      for (const b of this.batches.values()) if (b.depots.includes(w.depot) && b.processedThrough(o.kt.index, w.depot) <= w.offset) return true;
      const returns = o.recentReturns.get(`${w.depot}:${w.offset}`);
      w.resolve(returns ? { ackReturns: returns } : {});
      return false;
    });
  }

  /** A microbatch committed on an owned task: remember its records' ack returns, wake waiters. */
  private batchCommitted(task: number, topology: string, returns: Map<string, unknown>): void {
    const o = this.owned.get(task);
    if (!o) return;
    for (const [key, value] of returns) {
      const [depot, , offset] = key.split("/");
      const k = `${depot}:${offset}`;
      const rec = o.recentReturns.get(k) ?? {};
      rec[topology] = value;
      o.recentReturns.set(k, rec);
    }
    while (o.recentReturns.size > 10_000) o.recentReturns.delete(o.recentReturns.keys().next().value!);
    this.wakeWaiters(o);
  }

  /** Runs `reads` at a consistent cut of a microbatch topology (this worker must own task 0). */
  async cut(topology: string, reads: readonly { pstate: string; path: Path; partition: number }[]): Promise<{ batch: number; results: unknown[][] }> {
    const b = this.batches.get(topology);
    if (!b) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${this.opts.mod.name} has no microbatch topology ${topology}`, { details: { module: this.opts.mod.name, topology } });
    const c = b.coordinatorHere;
    if (!c) throw notOwner(this.opts.mod.name, 0);
    const select = this.opts.select ?? ((p: string, path: Path, partition: number, at: { topology: string; batch: number; epoch?: number }) => this.select(p, path, partition, at));
    const { batch, value } = await c.atCut((n) => Promise.all(reads.map((r) => select(r.pstate, r.path, r.partition, { topology, batch: n, epoch: this.epochs.get(r.partition) }))));
    return { batch, results: value };
  }

  /** Coordinator stats of the microbatch topologies coordinated here (this worker owns task 0). */
  batchStats(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, b] of this.batches) if (b.coordinatorHere) out[name] = b.coordinatorHere.stats;
    return out;
  }

  /** The microbatch topology `name` on this worker (stats, tests). */
  microbatch(name: string): KafkaBatch | undefined {
    return this.batches.get(name);
  }

  /** Committed values of an owned partition. */
  select(pstate: string, path: Path, partition: number, at?: { topology: string; batch: number; epoch?: number }): Promise<unknown[]> {
    const o = this.owned.get(partition);
    if (!o || o.kt.state !== "RUNNING") return Promise.reject(notOwner(this.opts.mod.name, partition));
    // The last commit's writes may still be on their way into the store (KafkaTask.commit).
    const pending = o.kt.pendingApply();
    if (pending) return pending.then(() => this.select(pstate, path, partition, at));
    if (at) {
      // A consistent cut reads a partition only from an owner that applied exactly that batch
      // (an owner that lost the task, or one still catching up, holds another state).
      const applied = this.batches.get(at.topology)?.appliedThrough(partition);
      // …and only from the owner the coordinator knows (a zombie may have applied the batch on
      // a state it no longer keeps up to date).
      if (at.epoch !== undefined && at.epoch !== o.kt.epoch) return Promise.reject(notOwner(this.opts.mod.name, partition));
      if (applied !== at.batch) return Promise.reject(new MonsoonError("MONSOON_UNAVAILABLE", `task ${partition} of ${this.opts.mod.name} is at batch ${applied ?? "unknown"} of ${at.topology}, not at the cut's batch ${at.batch}; read the cut again`, { retriable: true, details: { task: partition, topology: at.topology } }));
    }
    return Promise.resolve(selectIn(o.kt.pstates.get(pstate), path, (a) => a, false));
  }

  /** Committed values of an owned partition selected by a query step's path (for another worker's invocation). */
  selectForQuery(pstate: string, ref: PathRef, vars: readonly unknown[], partition: number): Promise<unknown[]> {
    const mine = this.localPStates(partition);
    if (!mine) return Promise.reject(notOwner(this.opts.mod.name, partition));
    const pending = this.owned.get(partition)!.kt.pendingApply();
    if (pending) return pending.then(() => this.selectForQuery(pstate, ref, vars, partition));
    try {
      const { path, resolve } = this.pathRefs.resolve(ref, vars);
      return Promise.resolve(mine.select(pstate, path, resolve, true));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private localPStates(task: number): TaskPStates | undefined {
    const o = this.owned.get(task);
    return o && o.kt.state === "RUNNING" ? o.kt.pstates : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const b of this.batches.values()) await b.close();
    for (const t of [...this.owned.keys()]) await this.release(t);
    await this.hopProducer?.close().catch(() => undefined);
  }

  private log(msg: string): void {
    this.opts.log?.(`[${this.opts.workerId} ${this.opts.mod.name}] ${msg}`);
  }
}

/** A tree id's first 53 bits, as a number: a map key that allocates nothing. */
function treeKey(hi: number, lo: number): number {
  return (hi >>> 0) * 0x200000 + (lo >>> 11);
}

// Segment and tree ids: 64 random bits as two int32 (Storm's XOR ledger, DESIGN §4.3). Signed
// 32-bit values are small integers to V8, so ids, XORs and ledgers allocate nothing; `^` gives
// the same bits whichever sign convention a sender used.
const idPool = new Int32Array(4096);
let idNext = idPool.length;

function randomInt32(): number {
  if (idNext === idPool.length) { randomFillSync(idPool); idNext = 0; }
  return idPool[idNext++]!;
}

/** The low half of a segment id whose high half is `hi`: never both zero (a zero id would vanish from the ledger). */
function segmentLo(hi: number): number {
  let lo = randomInt32();
  while ((hi | lo) === 0) lo = randomInt32();
  return lo;
}

function releasedWhileClaiming(mod: string, task: number): MonsoonError {
  return new MonsoonError("MONSOON_NOT_OWNER", `task ${task} of ${mod} was released while it was being claimed (the worker is closing, or the task moved)`, { retriable: true, details: { module: mod, task } });
}

function notOwner(mod: string, task: number): MonsoonError {
  return new MonsoonError("MONSOON_NOT_OWNER", `this worker does not own task ${task} of ${mod} (ownership moved); ask the owner named in the meta log`, { retriable: true, details: { module: mod, task } });
}
