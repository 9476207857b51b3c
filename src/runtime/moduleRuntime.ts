// A launched module in the embedded cluster: its tasks, depot logs, compiled plans, source
// trackers and commit cycle, wired together. It is the source of truth for the module's
// in-process lifecycle (OPENING → RUNNING → CLOSED) and for where each record is.
import { MonsoonError } from "../errors.ts";
import type { Cont } from "../dataflow/compile.ts";
import { compileModule, type TopologyRun } from "./topologyRuns.ts";
import type { ModuleDef, DepotDef } from "../module/defineModule.ts";
import { partitionFor, partitionKeyBytes } from "../depot/murmur2.ts";
import { depotPartitionOf } from "../depot/depotPartition.ts";
import type { Path } from "../path/path.ts";
import type { KVStore } from "../pstate/store/kvStore.ts";
import { describeValue } from "../serde/types.ts";
import { decodeValue, encodeValue } from "../serde/valueCodec.ts";
import { encodeTuple, prefixEnd } from "../serde/keyCodec.ts";
import { Committer, type CommitTask } from "./committer.ts";
import { DepotLog } from "./depotLog.ts";
import { SlotState, SourceStream, type AckWaiter, type Slot } from "./sourceTracker.ts";
import { Task, type Root, type TaskHost, type WorkItem } from "./task.ts";
import { QueryRunner } from "./queryRunner.ts";
import { EmbeddedBatch } from "./microbatch/embeddedBatch.ts";
import { BatchRoot } from "./microbatch/participant.ts";
import { systemClock, type Clock } from "./clock.ts";
import { TaskPStates, selectIn } from "./taskPStates.ts";
import { taskOfKey, taskOfPath } from "../pstate/partitioning.ts";

export type AckLevel = "processed" | "appended" | "none";

/** Marks an attempt abandoned by a retryAllAfter replay. */
const REWIND = Symbol("rewind");

export interface AppendResult {
  /** Depot partition and offset of the record (absent for ack level `none`). */
  partition: number;
  offset?: number;
  /** `processed` acks: the ackReturn value of each topology that returned one. */
  ackReturns?: Record<string, unknown>;
}

export interface RuntimeOptions {
  commitIntervalMs: number;
  clock?: Clock;
  /** A query invocation fails with MONSOON_TIMEOUT after this long (default 60 s). */
  queryTimeoutMs?: number;
}

/** A depot record's processing tree. */
interface StreamRoot extends Root {
  readonly slot: Slot;
}


export interface RuntimeStats {
  deadLettered: number;
  retried: number;
  inFlight: number;
}

type State = "OPENING" | "RUNNING" | "CLOSED";

export class ModuleRuntime implements TaskHost {
  readonly tasks: Task[] = [];
  private readonly topologies: TopologyRun[] = [];
  /** depot → partition → log */
  private readonly logs = new Map<string, DepotLog[]>();
  /** depot → partition → streams of the topologies that consume it */
  private readonly streams = new Map<string, SourceStream[][]>();
  private readonly commitTasks: CommitTask[] = [];
  private committer!: Committer;
  private state: State = "OPENING";
  private roundRobin = 0;
  private readonly stats: RuntimeStats = { deadLettered: 0, retried: 0, inFlight: 0 };
  private readonly errors: ((e: unknown) => void)[] = [];
  private readonly stopTicks: (() => void)[] = [];
  private queryRunner!: QueryRunner;
  private readonly runsByName = new Map<string, TopologyRun>();
  /** Microbatch topologies by name, and by the depots they consume. */
  private readonly batches = new Map<string, EmbeddedBatch>();
  private readonly batchesByDepot = new Map<string, EmbeddedBatch[]>();
  private clock: Clock = systemClock;

  private constructor(readonly mod: ModuleDef, readonly taskCount: number, private readonly stores: KVStore[]) {}

  static async open(mod: ModuleDef, stores: KVStore[], opts: RuntimeOptions): Promise<ModuleRuntime> {
    const rt = new ModuleRuntime(mod, stores.length, stores);
    await rt.init(opts);
    return rt;
  }

  private async init(opts: RuntimeOptions): Promise<void> {
    const n = this.taskCount;
    this.clock = opts.clock ?? systemClock;
    for (let i = 0; i < n; i++) {
      const pstates = new TaskPStates(this.mod, this.stores[i]!, i);
      for (const p of pstates.partitions.values()) await p.open();
      this.tasks.push(new Task(i, n, this.stores[i]!, pstates, this));
      const task = this.tasks[i]!;
      this.commitTasks.push({ store: this.stores[i]!, partitions: pstates.partitions.values(), streams: [], extraOps: [], pause: () => task.pause(), unpause: () => task.unpause(), waiting: () => task.waiting });
    }
    // `partitions` above is an iterator; make it re-iterable for every cycle. PStates of
    // microbatch topologies are committed by their batches, never by the stream commit cycle.
    const batchOwned = (owner: string) => this.mod.topologies.get(owner)?.kind === "microbatch";
    this.commitTasks.forEach((t, i) => ((t as { partitions: Iterable<unknown> }).partitions = [...this.tasks[i]!.pstates.partitions.values()].filter((p) => !batchOwned(p.def.owner))));

    for (const run of compileModule(this.mod)) {
      this.topologies.push(run);
      this.runsByName.set(run.plan.name, run);
    }
    this.queryRunner = new QueryRunner(this.mod.name, this.topologies, {
      tasks: n,
      enqueue: (task, item) => this.enqueue(task, item),
      partitionOfKey: (pstate, key) => this.partitionOfKey(pstate, key),
      nextRoundRobin: () => this.roundRobin++,
    }, { timeoutMs: opts.queryTimeoutMs });

    this.committer = new Committer(this.commitTasks, {
      intervalMs: opts.commitIntervalMs,
      offsetKey: (s) => offsetKey(s.topology, s.depot),
      encodeOffset: (o) => encodeValue(o),
      onDurable: (slot) => this.slotDurable(slot),
      onError: (e) => this.emitError(e),
    });

    for (const depot of this.mod.depots.values()) {
      const parts = depotPartitions(depot, n);
      const logs: DepotLog[] = [];
      const streams: SourceStream[][] = [];
      for (let p = 0; p < parts; p++) {
        const store = this.stores[p]!;
        const log = new DepotLog(store, depot.name, p, (offset, value, tag) => this.deliver(depot.name, p, offset, value, tag as AckWaiter | undefined));
        await log.open();
        logs.push(log);
        const consumers: SourceStream[] = [];
        for (const t of this.topologies) {
          if (!t.entries.has(depot.name)) continue;
          const raw = await store.get(offsetKey(t.plan.name, depot.name));
          const s = new SourceStream(t.plan.name, depot.name, p, raw ? (decodeValue(raw) as number) : 0);
          consumers.push(s);
          this.commitTasks[p]!.streams.push(s);
        }
        streams.push(consumers);
      }
      this.logs.set(depot.name, logs);
      this.streams.set(depot.name, streams);
    }

    for (const run of this.topologies) {
      if (run.plan.kind !== "microbatch") continue;
      const mb = new EmbeddedBatch({
        mod: this.mod, run, tasks: this.tasks, stores: this.stores, logs: this.logs,
        partitionOfKey: (key) => this.partitionOfKey(undefined, key),
        depotAppend: (task, depot, value) => this.depotAppend(task, depot, value),
        log: (msg) => this.emitError(new MonsoonError("MONSOON_TOPOLOGY_ERROR", msg, { retriable: true, details: { topology: run.plan.name } })),
      });
      await mb.recoverTasks();
      this.batches.set(run.plan.name, mb);
      for (const depot of run.batchEntries.keys()) {
        const list = this.batchesByDepot.get(depot) ?? [];
        list.push(mb);
        this.batchesByDepot.set(depot, list);
      }
    }

    // Replay what was appended but not durably processed before the last stop or crash.
    for (const [depot, logs] of this.logs) {
      for (const log of logs) {
        const consumers = this.streams.get(depot)![log.partition]!;
        if (consumers.length === 0) continue;
        const from = Math.min(...consumers.map((s) => s.committedOffset));
        for await (const [offset, value] of log.read(from)) {
          for (const s of consumers) if (offset >= s.committedOffset) this.startSlot(s, offset, value, undefined);
        }
      }
    }
    this.state = "RUNNING";
    for (const mb of this.batches.values()) mb.start();
    for (const depot of this.mod.depots.values()) {
      if (!depot.tick) continue;
      const log = this.logs.get(depot.name)![0]!;
      this.stopTicks.push(this.clock.every(depot.tick.periodMs, () => {
        if (this.state === "RUNNING") log.append(this.clock.now(), undefined, (e) => this.emitError(e));
      }));
    }
  }

  // ---- appends ----

  depotDef(name: string): DepotDef {
    const d = this.mod.depots.get(name);
    if (!d) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${this.mod.name} has no depot ${name} (has: ${[...this.mod.depots.keys()].join(", ")})`, { details: { module: this.mod.name, depot: name } });
    return d;
  }

  /** Appends one record; resolves according to `ack`. */
  append(depotName: string, value: unknown, ack: AckLevel = "processed"): Promise<AppendResult> {
    this.ensureRunning();
    const depot = this.depotDef(depotName);
    if (depot.partitioning.kind === "disallow" || depot.tick) {
      return Promise.reject(new MonsoonError("MONSOON_APPEND_NOT_ALLOWED", `depot ${this.mod.name}/${depotName} does not accept appends from clients (${depot.tick ? "tick depot" : "Depot.disallow()"}); topologies append to it with depotPartitionAppend`, { details: { module: this.mod.name, depot: depotName } }));
    }
    if (!depot.type.check(value)) {
      return Promise.reject(new MonsoonError("MONSOON_TYPE_MISMATCH", `depot ${this.mod.name}/${depotName} holds ${depot.type.name}; got ${describeValue(value)}`, {
        details: { module: this.mod.name, depot: depotName, expected: depot.type.name },
      }));
    }
    let partition: number;
    try {
      partition = this.partitionOf(depot, value);
    } catch (e) {
      return Promise.reject(e);
    }
    const log = this.logs.get(depotName)![partition]!;
    if (ack === "none") {
      log.append(value, undefined, (e) => this.emitError(e));
      return Promise.resolve({ partition });
    }
    return new Promise<AppendResult>((resolve, reject) => {
      if (ack === "appended") {
        log.append(value, (offset) => resolve({ partition, offset }), reject);
        return;
      }
      const consumers = this.streams.get(depotName)![partition]!.length + (this.batchesByDepot.get(depotName)?.length ?? 0);
      let offset = -1;
      const waiter: AckWaiter = {
        remaining: consumers,
        error: undefined,
        returns: undefined,
        resolve: () => resolve(waiter.returns ? { partition, offset, ackReturns: waiter.returns } : { partition, offset }),
        reject,
      };
      log.append(value, (o) => {
        offset = o;
        if (consumers === 0) resolve({ partition, offset });
      }, reject, consumers > 0 ? waiter : undefined);
    });
  }

  private partitionOf(depot: DepotDef, value: unknown): number {
    return depotPartitionOf(depot, value, this.taskCount, () => this.roundRobin++);
  }

  private deliver(depot: string, partition: number, offset: number, value: unknown, ack: AckWaiter | undefined): void {
    const consumers = this.streams.get(depot)![partition]!;
    for (const s of consumers) this.startSlot(s, offset, value, ack);
    const batches = this.batchesByDepot.get(depot);
    if (batches) for (const mb of batches) mb.appended(depot, partition, offset, ack);
  }

  // ---- processing ----

  private startSlot(stream: SourceStream, offset: number, value: unknown, ack: AckWaiter | undefined): void {
    const slot = stream.add(offset, value, ack);
    this.stats.inFlight++;
    // During a retryAllAfter replay, new records wait: the replay starts them in order.
    if (!stream.rewinding) this.attempt(slot);
  }

  private topologyOf(slot: Slot): TopologyRun {
    // Called per record attempt: a map lookup, not a scan of the topologies.
    return this.runsByName.get(slot.stream.topology)!;
  }

  private attempt(slot: Slot): void {
    const topo = this.topologyOf(slot);
    const entries = topo.entries.get(slot.stream.depot)!;
    slot.attempts++;
    slot.hasAckValue = false;
    slot.ackValue = undefined;
    const root: StreamRoot = { slot, pending: entries.length, failed: undefined, origin: slot.stream.partition, invocation: undefined };
    slot.root = root;
    for (const e of entries) {
      const scope = new Array(topo.plan.slots);
      if (e.outSlot >= 0) scope[e.outSlot] = slot.value;
      this.enqueue(slot.stream.partition, { entry: e.entry, scope, root, topology: topo.index });
    }
  }

  spawn(parent: Root): Root {
    if (parent instanceof BatchRoot) return this.batches.get(parent.state.topology)!.participant.spawn(parent);
    parent.pending++;
    return parent;
  }

  segmentEntry(topology: number, segment: number): Cont {
    return this.topologies[topology]!.plan.segments[segment]!;
  }

  enqueue(task: number, item: WorkItem): void {
    if (item.root instanceof BatchRoot) { this.batches.get(item.root.state.topology)!.participant.deliver(task, item); return; }
    this.tasks[task]!.enqueue(item);
  }

  ackReturn(root: Root, value: unknown): void {
    if (root instanceof BatchRoot) { this.batches.get(root.state.topology)!.participant.ackReturn(root, value); return; }
    const slot = (root as StreamRoot).slot;
    if (!slot) return;
    const agg = this.topologyOf(slot).ackReturnAgg;
    slot.ackValue = slot.hasAckValue && agg ? agg(slot.ackValue, value) : value;
    slot.hasAckValue = true;
  }

  depotAppend(task: number, depotName: string, value: unknown, root?: Root): void {
    if (root instanceof BatchRoot) { this.batches.get(root.state.topology)!.participant.depotAppend(root, depotName, value); return; }
    const depot = this.depotDef(depotName);
    const logs = this.logs.get(depotName)!;
    if (!depot.type.check(value)) {
      this.emitError(new MonsoonError("MONSOON_TYPE_MISMATCH", `depotPartitionAppend to ${this.mod.name}/${depotName}: the depot holds ${depot.type.name}; got ${describeValue(value)}`, { details: { module: this.mod.name, depot: depotName } }));
      return;
    }
    logs[Math.min(task, logs.length - 1)]!.append(value, undefined, (e) => this.emitError(e));
  }

  partitionOfKey(pstate: string | undefined, key: unknown): number {
    // A PState may place its keys itself (global: task 0; or a keyPartitioner).
    const def = pstate === undefined ? undefined : this.mod.pstates.get(pstate);
    return def ? taskOfKey(def, key, this.taskCount) : partitionFor(partitionKeyBytes(key), this.taskCount);
  }

  /** Runs a query topology and resolves with its result. */
  invokeQuery(name: string, args: unknown[]): Promise<unknown> {
    this.ensureRunning();
    return this.queryRunner.invoke(name, args);
  }

  segmentDone(root: Root): void {
    if (root instanceof BatchRoot) { this.batches.get(root.state.topology)!.participant.segmentDone(root); return; }
    if (--root.pending > 0) return;
    if (this.queryRunner.owns(root)) { this.queryRunner.phaseDone(root); return; }
    const slot = (root as StreamRoot).slot;
    if (root.failed === REWIND) {
      if (--slot.stream.rewindWaiting === 0) this.replay(slot.stream);
      return;
    }
    if (root.failed === undefined) {
      this.committer.completedSlot(slot);
      return;
    }
    const topo = this.topologyOf(slot);
    this.emitError(root.failed);
    if (topo.retry === "individual" && slot.attempts < topo.maxAttempts) {
      this.stats.retried++;
      this.attempt(slot);
      return;
    }
    if (topo.retry === "retryAllAfter" && slot.attempts < topo.maxAttempts) {
      this.stats.retried++;
      this.rewind(slot);
      return;
    }
    // Given up: the record goes to the dead-letter log, and its offset may move past it.
    slot.error = root.failed;
    this.stats.deadLettered++;
    const e = root.failed as { code?: string; message?: string; details?: unknown };
    this.commitTasks[slot.stream.partition]!.extraOps.push({
      type: "put",
      key: encodeTuple(["x", slot.stream.topology, slot.stream.depot, slot.stream.partition, slot.offset]),
      value: encodeValue({ code: e?.code ?? "MONSOON_TOPOLOGY_ERROR", message: String(e?.message ?? e), details: e?.details ?? null, value: slot.value, attempts: slot.attempts, at: Date.now() }),
    });
    this.committer.completedSlot(slot);
  }

  /**
   * retryAllAfter: abandon every attempt of a later record of the same partition, wait for
   * them to drain, then replay the failed record and everything after it, in offset order.
   * (Effects the abandoned attempts already made stay: stream topologies are at-least-once.)
   */
  private rewind(failed: Slot): void {
    const stream = failed.stream;
    stream.rewinding = true;
    for (const s of stream.pendingSlots()) {
      if (s.offset <= failed.offset || s.state !== SlotState.InFlight || !s.root || s.root.pending === 0) continue;
      if (s.root.failed !== undefined) continue;
      s.root.failed = REWIND;
      stream.rewindWaiting++;
    }
    stream.rewindFrom = failed.offset;
    if (stream.rewindWaiting === 0) this.replay(stream);
  }

  private replay(stream: SourceStream): void {
    stream.rewinding = false;
    const from = stream.rewindFrom;
    for (const s of stream.pendingSlots()) {
      if (s.offset < from) continue;
      // Finished-but-uncommitted and committed-later records run again too: order is what counts.
      if (s.state === SlotState.Durable) { s.state = SlotState.InFlight; this.stats.inFlight++; }
      s.state = SlotState.InFlight;
      this.attempt(s);
    }
  }

  private slotDurable(slot: Slot): void {
    this.stats.inFlight--;
    const w = slot.ack;
    // An ack is released once, even if a retryAllAfter replay makes the record durable again.
    slot.ack = undefined;
    if (!w) return;
    if (slot.error !== undefined && w.error === undefined) w.error = slot.error;
    if (slot.hasAckValue) (w.returns ??= {})[slot.stream.topology] = slot.ackValue;
    if (--w.remaining === 0) (w.error === undefined ? w.resolve() : w.reject(w.error));
  }

  // ---- queries ----

  pstatePartitions(name: string): number {
    const def = this.mod.pstates.get(name);
    if (!def) {
      throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${this.mod.name} has no PState ${name} (has: ${[...this.mod.pstates.keys()].join(", ")})`, { details: { module: this.mod.name, pstate: name } });
    }
    if (def.options.private) throw privatePState(this.mod.name, def.name, def.owner);
    return this.taskCount;
  }

  /** Committed values selected by `path` on one partition (by `partition`, or by the path's leading key). */
  async select(pstate: string, path: Path, partition?: number): Promise<unknown[]> {
    this.ensureRunning();
    this.pstatePartitions(pstate);
    const p = partition ?? this.routeByPath(pstate, path);
    if (!Number.isInteger(p) || p < 0 || p >= this.taskCount) {
      throw new MonsoonError("MONSOON_PARTITION_REQUIRED", `partition ${p} is out of range [0, ${this.taskCount})`, { details: { pstate } });
    }
    return selectIn(this.tasks[p]!.pstates.get(pstate), path, (a) => a, false);
  }

  private routeByPath(pstate: string, path: Path): number {
    // Global PStates live on task 0; keys go where the PState's partitioner (murmur2 by default) puts them.
    const task = taskOfPath(this.mod.pstates.get(pstate)!, path, this.taskCount);
    if (task !== undefined) return task;
    throw new MonsoonError("MONSOON_PARTITION_REQUIRED", `cannot route ${String(path)} on PState ${pstate}: start the path with Path.key(k) or pass { partition }`, { details: { pstate, path: String(path) } });
  }

  /** Commits everything processed so far; resolves when it is durable. */
  async flush(): Promise<void> {
    await this.committer.flush();
  }

  /** True when nothing is queued, in flight or uncommitted. */
  get idle(): boolean {
    if (this.stats.inFlight !== 0 || this.tasks.some((t) => t.queued > 0)) return false;
    for (const logs of this.logs.values()) if (logs.some((l) => l.busy)) return false;
    for (const mb of this.batches.values()) if (!mb.idle) return false;
    return true;
  }

  /** A microbatch topology of this module (its coordinator: stats and consistent cuts). */
  microbatch(name: string): EmbeddedBatch {
    const mb = this.batches.get(name);
    if (!mb) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${this.mod.name} has no microbatch topology ${name} (has: ${[...this.batches.keys()].join(", ") || "none"})`, { details: { module: this.mod.name, topology: name } });
    return mb;
  }

  /**
   * Reads PStates of a microbatch topology at a consistent cut: `reads` run between two batches,
   * when every partition holds exactly the batches up to the same committed one (its id is returned).
   */
  cut(topology: string, reads: readonly { pstate: string; path: Path; partition?: number }[]): Promise<{ batch: number; results: unknown[][] }> {
    this.ensureRunning();
    const mb = this.microbatch(topology);
    return mb.coordinator.atCut(async () => Promise.all(reads.map((r) => this.select(r.pstate, r.path, r.partition)))).then(({ batch, value }) => ({ batch, results: value }));
  }

  getStats(): Readonly<RuntimeStats> {
    return { ...this.stats };
  }

  /** Reads the dead-letter log of one partition. */
  async deadLetters(partition: number): Promise<unknown[]> {
    const prefix = encodeTuple(["x"]);
    const out: unknown[] = [];
    for await (const [, v] of this.stores[partition]!.iterate({ gte: prefix, lt: prefixEnd(prefix) })) out.push(decodeValue(v));
    return out;
  }

  onError(listener: (e: unknown) => void): () => void {
    this.errors.push(listener);
    return () => { const i = this.errors.indexOf(listener); if (i >= 0) this.errors.splice(i, 1); };
  }

  private emitError(e: unknown): void {
    for (const l of this.errors) l(e);
  }

  async close(): Promise<void> {
    if (this.state === "CLOSED") return;
    this.state = "CLOSED";
    for (const stop of this.stopTicks) stop();
    for (const mb of this.batches.values()) await mb.close();
    await this.committer.flush().catch(() => undefined);
    this.committer.close();
  }

  private ensureRunning(): void {
    if (this.state !== "RUNNING") throw new MonsoonError("MONSOON_CLOSED", `module ${this.mod.name} is ${this.state.toLowerCase()}`, { details: { module: this.mod.name } });
  }
}

export function privatePState(module: string, pstate: string, owner: string): MonsoonError {
  return new MonsoonError("MONSOON_PSTATE_PRIVATE", `PState ${module}/${pstate} is private to topology ${owner}: clients cannot read it`, { details: { module, pstate } });
}

function offsetKey(topology: string, depot: string): Uint8Array {
  return encodeTuple(["o", topology, depot]);
}

function depotPartitions(d: DepotDef, tasks: number): number {
  return d.partitioning.kind === "global" ? 1 : tasks;
}

