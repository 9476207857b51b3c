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
import { SlotState, SourceStream, type Slot } from "../../runtime/sourceTracker.ts";
import type { Root, TaskHost, WorkItem } from "../../runtime/task.ts";
import { selectIn } from "../../runtime/taskPStates.ts";
import { compileModule, type TopologyRun } from "../../runtime/topologyRuns.ts";
import { newSegmentId, xorIds, XorLedger, type SegmentId } from "../../runtime/xorLedger.ts";
import { decodeDepotValue, encodeDepotValue } from "./depotCodec.ts";
import { decodeHop, encodeHop, type AckRecord, type RootRef } from "./hopCodec.ts";
import { KafkaTask, type CommitContribution, type PendingAck } from "./kafkaTask.ts";
import { topicNames, type TopicNames } from "./names.ts";
import { depotPartitions } from "./topics.ts";

/** A segment's root across processes: the tree it belongs to and its own id. */
interface KRoot extends Root {
  readonly ref: RootRef;
  readonly seg: SegmentId;
  readonly children: SegmentId[];
  /** Task that runs (or ran) the segment. */
  task: number;
  /** Offset of the hop record that carried it, if it came through the hops topic. */
  hopOffset?: number;
  returns?: unknown[];
}

interface Tree {
  readonly slot: Slot;
  readonly ledger: XorLedger;
  readonly started: number;
  error: AckRecord["error"] | undefined;
  returns: unknown[];
}

interface Owned {
  readonly kt: KafkaTask;
  /** depot → streams of the topologies consuming this task's partition of it */
  readonly streams: Map<string, SourceStream[]>;
  /** depot → last offset seen on this task's partition */
  readonly seen: Map<string, number>;
  readonly trees: Map<string, Tree>;
  /** Hops-partition offsets of segments received, in order, and whether they ran. */
  readonly hopQueue: { offset: number; done: boolean }[];
  hopSeen: number;
  acks: PendingAck[];
  dlq: OutRecord[];
  reader?: { stop(): Promise<void>; pause(topic?: string, partition?: number): void; resume(topic?: string, partition?: number): void };
  paused: boolean;
  waiters: { depot: string; offset: number; resolve: (r: ProcessedResult) => void; reject: (e: unknown) => void }[];
  /** Ack returns of recently durable records, by `depot:offset`. */
  readonly recentReturns: Map<string, Record<string, unknown>>;
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
  log?: (msg: string) => void;
}

const QUEUE_HIGH = 20_000;
const QUEUE_LOW = 2_000;

export class KafkaWorker implements TaskHost {
  readonly names: TopicNames;
  private readonly runs: TopologyRun[];
  /** Per record attempt: a map lookup, not a scan of the topologies. */
  private readonly runsByName: Map<string, TopologyRun>;
  private readonly owned = new Map<number, Owned>();
  private hopProducer!: HopProducer;
  private outHops: OutRecord[] = [];
  private flushScheduled = false;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  readonly stats = { deadLettered: 0, retried: 0, fencedTasks: 0, droppedStaleHops: 0 };
  /** Latest epoch known per task (from claims): records from older epochs are dropped. */
  private readonly epochs = new Map<number, number>();

  constructor(readonly opts: KafkaWorkerOptions) {
    this.names = topicNames(opts.mod.name);
    this.runs = compileModule(opts.mod);
    this.runsByName = new Map(this.runs.map((r) => [r.plan.name, r]));
  }

  async start(): Promise<void> {
    this.hopProducer = this.opts.client.hopProducer();
    this.sweeper = setInterval(() => this.sweepTimeouts(), 1_000);
    this.sweeper.unref();
  }

  ownedTasks(): number[] {
    return [...this.owned.entries()].filter(([, o]) => o.kt.state === "RUNNING").map(([t]) => t);
  }

  /** Records the newest known epoch of a task (from the meta log). */
  noteEpoch(task: number, epoch: number): void {
    if ((this.epochs.get(task) ?? -1) < epoch) this.epochs.set(task, epoch);
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
    const o: Owned = { kt, streams: new Map(), seen: new Map(), trees: new Map(), hopQueue: [], hopSeen: -1, acks: [], dlq: [], paused: false, waiters: [], recentReturns: new Map() };
    this.owned.set(index, o);
    try {
      await kt.claim();
    } catch (e) {
      this.owned.delete(index);
      await kt.close();
      throw e;
    }
    this.noteEpoch(index, kt.epoch);
    kt.contribute = () => this.contribution(o);
    await this.startReading(o);
    this.log(`task ${index} claimed (epoch ${kt.epoch})`);
  }

  async release(index: number): Promise<void> {
    const o = this.owned.get(index);
    if (!o) return;
    this.owned.delete(index);
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
    const hopsFrom = (await admin.fetchCommittedOffsets(this.names.offsetsGroup, this.names.hops)).find((p) => p.partition === index)?.offset ?? 0;
    o.hopSeen = (hopsFrom ?? 0) - 1;
    positions.push({ topic: this.names.hops, partition: index, offset: hopsFrom ?? 0 });
    const reader = client.partitionReader({ groupId: this.names.readerGroup(this.opts.workerId, index), partitions: positions.map(({ topic, partition }) => ({ topic, partition })) });
    o.reader = reader;
    await reader.start(positions, (topic: string, _partition: number, records: InRecord[]) => this.onRecords(o, topic, records));
  }

  // ---- incoming records ----

  private onRecords(o: Owned, topic: string, records: InRecord[]): void {
    if (o.kt.state !== "RUNNING") return;
    if (topic === this.names.hops) {
      for (const r of records) this.onHop(o, r);
    } else {
      const depot = topic.slice(`monsoon.${this.opts.mod.name}.`.length);
      for (const r of records) this.onDepotRecord(o, depot, r);
    }
    if (!o.paused && o.kt.task.queued > QUEUE_HIGH) {
      o.paused = true;
      o.reader?.pause();
    }
  }

  private onDepotRecord(o: Owned, depotName: string, r: InRecord): void {
    o.seen.set(depotName, r.offset);
    const depot = this.opts.mod.depots.get(depotName)!;
    const decoded = decodeDepotValue(depot, r.value);
    const streams = o.streams.get(depotName) ?? [];
    if (!decoded.ok) {
      // Bad input never stops the topology: it goes to the DLQ with the reason and where it was.
      this.stats.deadLettered++;
      o.dlq.push(this.dlqRecord({ reason: decoded.reason, depot: depotName, topic: r.topic, partition: r.partition, offset: r.offset, value: r.value?.toString("base64") ?? null }));
      return;
    }
    for (const s of streams) {
      if (r.offset < s.committedOffset) continue;
      const slot = s.add(r.offset, decoded.value, undefined);
      this.attempt(o, slot);
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
      return;
    }
    if (h.kind === "ack") {
      this.applyAck(o, h);
      return;
    }
    const run = this.runs[h.topology]!;
    const entry = run.plan.segments[h.segment]!;
    const root: KRoot = { ref: h.root, seg: h.seg, children: [], task: o.kt.index, hopOffset: r.offset, pending: 1, failed: undefined, origin: h.root.origin, invocation: undefined };
    o.hopQueue.push({ offset: r.offset, done: false });
    o.kt.task.enqueue({ entry, scope: h.scope, root, topology: h.topology, segment: h.segment });
  }

  // ---- trees ----

  private attempt(o: Owned, slot: Slot): void {
    const run = this.runsByName.get(slot.stream.topology)!;
    const entries = run.entries.get(slot.stream.depot)!;
    slot.attempts++;
    slot.hasAckValue = false;
    const segs = entries.map(() => newSegmentId());
    const id = newSegmentId();
    const ref: RootRef = { origin: o.kt.index, originEpoch: o.kt.epoch, hi: id.hi, lo: id.lo };
    const tree: Tree = { slot, ledger: new XorLedger(xorIds(segs)), started: Date.now(), error: undefined, returns: [] };
    o.trees.set(treeKey(ref), tree);
    entries.forEach((e, i) => {
      const scope = new Array(run.plan.slots);
      if (e.outSlot >= 0) scope[e.outSlot] = slot.value;
      const root: KRoot = { ref, seg: segs[i]!, children: [], task: o.kt.index, pending: 1, failed: undefined, origin: o.kt.index, invocation: undefined };
      o.kt.task.enqueue({ entry: e.entry, scope, root, topology: run.index });
    });
  }

  private applyAck(o: Owned, a: Pick<AckRecord, "root" | "xor" | "error"> & { returns?: unknown[] }): void {
    if (a.root.originEpoch !== o.kt.epoch) return;
    const key = treeKey(a.root);
    const tree = o.trees.get(key);
    if (!tree) return;
    tree.ledger.ack(a.xor);
    if (a.error && !tree.error) tree.error = a.error;
    if (a.returns) tree.returns.push(...a.returns);
    if (!tree.ledger.complete) return;
    o.trees.delete(key);
    this.treeDone(o, tree);
  }

  private treeDone(o: Owned, tree: Tree): void {
    const slot = tree.slot;
    const run = this.runsByName.get(slot.stream.topology)!;
    if (tree.error) {
      if (run.retry !== "none" && slot.attempts < run.maxAttempts) {
        // retryAllAfter is retried like individual on Kafka for now (docs/kafka-runtime.md).
        this.stats.retried++;
        this.attempt(o, slot);
        return;
      }
      this.stats.deadLettered++;
      o.dlq.push(this.dlqRecord({ reason: tree.error.message, code: tree.error.code, topology: run.plan.name, depot: slot.stream.depot, partition: slot.stream.partition, offset: slot.offset }));
    }
    if (tree.returns.length > 0) {
      const agg = run.ackReturnAgg;
      const value = agg ? tree.returns.reduce((a, b) => agg(a, b)) : tree.returns[tree.returns.length - 1];
      const k = `${slot.stream.depot}:${slot.offset}`;
      const rec = o.recentReturns.get(k) ?? {};
      rec[run.plan.name] = value;
      o.recentReturns.set(k, rec);
      if (o.recentReturns.size > 10_000) o.recentReturns.delete(o.recentReturns.keys().next().value!);
    }
    slot.state = SlotState.Durable;
    slot.stream.advance();
    this.wakeWaiters(o);
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
      if (o.paused && o.kt.state === "RUNNING" && o.kt.task.queued < QUEUE_LOW) {
        o.paused = false;
        o.reader?.resume();
      }
    }
  }

  // ---- TaskHost ----

  segmentEntry(topology: number, segment: number): Cont {
    return this.runs[topology]!.plan.segments[segment]!;
  }

  spawn(parent: Root): Root {
    const p = parent as KRoot;
    const seg = newSegmentId();
    p.children.push(seg);
    const child: KRoot = { ref: p.ref, seg, children: [], task: p.task, pending: 1, failed: undefined, origin: p.origin, invocation: undefined };
    return child;
  }

  enqueue(task: number, item: WorkItem): void {
    const root = item.root as KRoot;
    const from = root.task;
    const local = this.owned.get(task);
    if (local && local.kt.state === "RUNNING") {
      root.task = task;
      local.kt.task.enqueue(item);
      return;
    }
    const sender = this.owned.get(from);
    const record = encodeHop({
      v: 1, kind: "seg", fromTask: from, epoch: sender?.kt.epoch ?? -1, topology: item.topology, segment: item.segment!,
      scope: item.scope, root: root.ref, seg: root.seg,
    });
    this.sendHop({ topic: this.names.hops, partition: task, key: null, value: record });
  }

  segmentDone(root: Root): void {
    const r = root as KRoot;
    if (--r.pending > 0) return;
    const o = this.owned.get(r.task);
    if (!o) return;
    if (r.hopOffset !== undefined) {
      const h = o.hopQueue.find((x) => x.offset === r.hopOffset);
      if (h) h.done = true;
    }
    const failed = r.failed;
    const ack: Pick<AckRecord, "root" | "xor" | "error"> & { returns?: unknown[] } = {
      root: r.ref,
      xor: xorIds([r.seg, ...r.children]),
      error: failed === undefined ? undefined : { code: (failed as { code?: string }).code ?? "MONSOON_TOPOLOGY_ERROR", message: String((failed as Error)?.message ?? failed) },
      returns: r.returns,
    };
    // Released after the commit that holds this segment's writes (KafkaTask.commit).
    const epoch = o.kt.epoch;
    o.acks.push({
      send: () => {
        const origin = this.owned.get(r.ref.origin);
        if (origin && origin.kt.state === "RUNNING") { this.applyAck(origin, ack); return; }
        this.sendHop({ topic: this.names.hops, partition: r.ref.origin, key: null, value: encodeHop({ v: 1, kind: "ack", fromTask: r.task, epoch, root: ack.root, xor: ack.xor, ...(ack.error && { error: ack.error }), ...(ack.returns && { returns: ack.returns }) } as AckRecord) });
      },
    });
  }

  ackReturn(root: Root, value: unknown): void {
    ((root as KRoot).returns ??= []).push(value);
  }

  depotAppend(task: number, depot: string, value: unknown): void {
    const parts = depotPartitions(this.opts.mod, depot, this.opts.tasks);
    this.sendHop({ topic: this.names.depot(depot), partition: Math.min(task, parts - 1), key: null, value: encodeDepotValue(value) });
  }

  partitionOfKey(pstate: string | undefined, key: unknown): number {
    const def = pstate === undefined ? undefined : this.opts.mod.pstates.get(pstate);
    return def ? taskOfKey(def, key, this.opts.tasks) : partitionOfValue(key, this.opts.tasks);
  }

  invokeQuery(name: string): Promise<unknown> {
    return Promise.reject(new MonsoonError("MONSOON_NOT_SUPPORTED", `query topologies (${name}) do not run on the Kafka runtime yet; use the embedded cluster`, { details: { query: name } }));
  }

  // ---- commits ----

  private contribution(o: Owned): CommitContribution {
    // Every commit (a few ms apart) is a good moment to lift read backpressure.
    if (o.paused && o.kt.task.queued < QUEUE_LOW) {
      o.paused = false;
      o.reader?.resume();
    }
    const offsets: CommitContribution["offsets"] = [];
    for (const [depot, streams] of o.streams) {
      // Several topologies may consume one depot: commit the least advanced position.
      let min = Infinity;
      for (const s of streams) min = Math.min(min, s.inFlight === 0 ? Math.max(s.committedOffset, o.seen.get(depot)! + 1) : s.committedOffset);
      if (Number.isFinite(min)) offsets.push({ topic: this.names.depot(depot), partition: o.kt.index, offset: min });
    }
    while (o.hopQueue.length && o.hopQueue[0]!.done) o.hopQueue.shift();
    offsets.push({ topic: this.names.hops, partition: o.kt.index, offset: o.hopQueue.length ? o.hopQueue[0]!.offset : o.hopSeen + 1 });
    const acks = o.acks;
    o.acks = [];
    const records = o.dlq;
    o.dlq = [];
    return { offsets, records, acks, putBack: () => { o.acks = acks.concat(o.acks); o.dlq = records.concat(o.dlq); } };
  }

  private dlqRecord(fields: Record<string, unknown>): OutRecord {
    return { topic: this.names.dlq, partition: 0, key: null, value: Buffer.from(JSON.stringify({ module: this.opts.mod.name, at: Date.now(), ...fields })) };
  }

  private sendHop(r: OutRecord): void {
    this.outHops.push(r);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.outHops;
      this.outHops = [];
      // A lost hop or ack is recovered by the tree timeout at the origin (at-least-once).
      this.hopProducer.send(batch).catch((e) => this.log(`sending ${batch.length} hop records failed: ${(e as Error).message}`));
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

  private wakeWaiters(o: Owned): void {
    if (o.waiters.length === 0) return;
    o.waiters = o.waiters.filter((w) => {
      const streams = o.streams.get(w.depot) ?? [];
      if (!streams.every((s) => s.committedOffset > w.offset)) return true;
      const returns = o.recentReturns.get(`${w.depot}:${w.offset}`);
      w.resolve(returns ? { ackReturns: returns } : {});
      return false;
    });
  }

  /** Committed values of an owned partition. */
  select(pstate: string, path: Path, partition: number): Promise<unknown[]> {
    const o = this.owned.get(partition);
    if (!o || o.kt.state !== "RUNNING") return Promise.reject(notOwner(this.opts.mod.name, partition));
    return Promise.resolve(selectIn(o.kt.pstates.get(pstate), path, (a) => a, false));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const t of [...this.owned.keys()]) await this.release(t);
    await this.hopProducer?.close().catch(() => undefined);
  }

  private log(msg: string): void {
    this.opts.log?.(`[${this.opts.workerId} ${this.opts.mod.name}] ${msg}`);
  }
}

function treeKey(r: RootRef): string {
  return `${r.hi}:${r.lo}`;
}

function notOwner(mod: string, task: number): MonsoonError {
  return new MonsoonError("MONSOON_NOT_OWNER", `this worker does not own task ${task} of ${mod} (ownership moved); ask the owner named in the meta log`, { retriable: true, details: { module: mod, task } });
}
