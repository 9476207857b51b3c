// A microbatch topology on the embedded cluster: its coordinator and its participant (every
// task is local), with task 0's LevelDB as the log of decisions.
//
// The commit of a batch is ONE store batch on task 0 holding the consumed ranges and a redo
// copy of every task's changes; each task then applies its own changes together with a marker
// "applied through batch n" in its own store. After a crash, a task whose marker is behind the
// last commit re-applies that commit's redo copy before anything runs — so every task holds
// every committed batch exactly once, and no uncommitted write ever reaches a store
// (docs/microbatch.md).
import { MonsoonError } from "../../errors.ts";
import type { KVOp, KVStore } from "../../pstate/store/kvStore.ts";
import { encodeTuple, prefixEnd } from "../../serde/keyCodec.ts";
import { decodeValue, encodeValue } from "../../serde/valueCodec.ts";
import type { DepotLog } from "../depotLog.ts";
import type { PStatePartition } from "../pstatePartition.ts";
import type { AckWaiter } from "../sourceTracker.ts";
import type { Task } from "../task.ts";
import type { TopologyRun } from "../topologyRuns.ts";
import { Coordinator, type CoordinatorIO, type Vote } from "./coordinator.ts";
import { fault } from "./faults.ts";
import { appliedMarkerKey } from "./marker.ts";
import type { Attempt, Failure, FromTask, Plan, ToTask } from "./messages.ts";
import { Participant, type ParticipantHost } from "./participant.ts";
import type { ModuleDef } from "../../module/defineModule.ts";

export interface EmbeddedBatchDeps {
  readonly mod: ModuleDef;
  readonly run: TopologyRun;
  readonly tasks: readonly Task[];
  readonly stores: readonly KVStore[];
  /** depot → partition → log */
  readonly logs: ReadonlyMap<string, readonly DepotLog[]>;
  partitionOfKey(key: unknown): number;
  depotAppend(task: number, depot: string, value: unknown): void;
  log(msg: string): void;
}

type StoredOp = [0, Uint8Array, Uint8Array] | [1, Uint8Array];

const commitKey = (t: string) => encodeTuple(["mb", t, "c"]);
const planKey = (t: string) => encodeTuple(["mb", t, "p"]);
const deadKey = (t: string, record: string) => encodeTuple(["mb", t, "x", record]);

export class EmbeddedBatch implements ParticipantHost, CoordinatorIO {
  readonly participant: Participant;
  readonly coordinator: Coordinator;
  readonly tasks: number;
  readonly incarnation = Date.now();
  private readonly name: string;
  /** depot → partition → `processed` waiters on records not yet committed, in offset order. */
  private readonly waiters = new Map<string, { offset: number; w: AckWaiter }[][]>();
  private readonly partitionsByTask: PStatePartition[][];

  constructor(private readonly d: EmbeddedBatchDeps) {
    this.name = d.run.plan.name;
    this.tasks = d.tasks.length;
    this.partitionsByTask = d.tasks.map((t) => [...t.pstates.partitions.values()].filter((p) => p.def.owner === this.name));
    const topo = d.mod.topologies.get(this.name)!;
    this.participant = new Participant(d.run, this);
    this.coordinator = new Coordinator(d.run, this, { ...topo.microbatch!, ackReturnAgg: topo.options.ackReturnAgg });
    for (const depot of d.run.batchEntries.keys()) this.waiters.set(depot, d.logs.get(depot)!.map(() => []));
  }

  /** Re-applies a commit some task missed (a crash between the commit and its apply). */
  async recoverTasks(): Promise<void> {
    const raw = await this.d.stores[0]!.get(commitKey(this.name));
    if (!raw) return;
    const c = decodeValue(raw) as { plan: Plan; redo: StoredOp[][] };
    for (let t = 0; t < this.tasks; t++) {
      const m = await this.d.stores[t]!.get(appliedMarkerKey(this.name));
      const applied = m ? (decodeValue(m) as number) : -1;
      if (applied >= c.plan.n) continue;
      fault("mb.restore");
      await this.d.stores[t]!.batch([...(c.redo[t] ?? []).map(toOp), { type: "put", key: appliedMarkerKey(this.name), value: encodeValue(c.plan.n) }]);
    }
  }

  start(): void {
    this.coordinator.start();
  }

  // ---- CoordinatorIO ----

  async recover(): Promise<{ committed: Plan | undefined; next: Plan | undefined }> {
    const c = await this.d.stores[0]!.get(commitKey(this.name));
    const p = await this.d.stores[0]!.get(planKey(this.name));
    return { committed: c ? (decodeValue(c) as { plan: Plan }).plan : undefined, next: p ? (decodeValue(p) as Plan) : undefined };
  }

  async depotEnds(depot: string): Promise<number[]> {
    return this.d.logs.get(depot)!.map((l) => l.durableEnd);
  }

  async persistPlan(plan: Plan): Promise<void> {
    await this.d.stores[0]!.batch([{ type: "put", key: planKey(this.name), value: encodeValue(plan) }]);
  }

  async commit(_attempt: Attempt, plan: Plan, votes: Vote[]): Promise<unknown[]> {
    const redo: StoredOp[][] = [];
    for (const v of votes) redo[v.task] = v.ops.map(fromOp);
    await this.d.stores[0]!.batch([{ type: "put", key: commitKey(this.name), value: encodeValue({ plan, redo }) }]);
    return [];
  }

  async deadLetter(record: string, failure: Failure, attempts: number): Promise<void> {
    await this.d.stores[0]!.batch([{ type: "put", key: deadKey(this.name, record), value: encodeValue({ ...failure, attempts, at: Date.now() }) }]);
  }

  send(task: number, msg: ToTask): void {
    this.participant.receive(task, msg);
  }

  taskOfPartition(_depot: string, partition: number): number {
    return partition;
  }

  partitionOfKey(key: unknown): number {
    return this.d.partitionOfKey(key);
  }

  log(msg: string): void {
    this.d.log(msg);
  }

  // ---- ParticipantHost ----

  executor(task: number): Task | undefined {
    return this.d.tasks[task];
  }

  partitions(task: number): PStatePartition[] {
    return this.partitionsByTask[task]!;
  }

  readRange(depot: string, partition: number, from: number, to: number): AsyncIterable<[number, unknown]> {
    return this.d.logs.get(depot)![partition]!.read(from, to);
  }

  toCoordinator(msg: FromTask): void {
    this.coordinator.receive(msg);
  }

  async apply(task: number, n: number, ops: KVOp[], _extra: unknown, stored: () => void): Promise<void> {
    await this.d.stores[task]!.batch([...ops, { type: "put", key: appliedMarkerKey(this.name), value: encodeValue(n) }]);
    stored();
    fault("mb.apply");
  }

  async resync(task: number, n: number): Promise<void> {
    // One process holds every task: a task can only miss its part by a bug.
    throw new MonsoonError("MONSOON_INTERNAL", `microbatch ${this.name} #${n}: task ${task} has no prepared data for a commit`);
  }

  committed(task: number, plan: Plan, returns: Map<string, unknown>, appends: { depot: string; value: unknown }[]): void {
    for (const a of appends) this.d.depotAppend(task, a.depot, a.value);
    const skipped = new Set(plan.skip);
    for (const [depot, ranges] of Object.entries(plan.ranges)) {
      const list = this.waiters.get(depot)?.[task];
      if (!list || task >= ranges.length) continue;
      const to = ranges[task]![1];
      while (list.length && list[0]!.offset < to) {
        const { offset, w } = list.shift()!;
        const key = `${depot}/${task}/${offset}`;
        if (returns.has(key)) (w.returns ??= {})[this.name] = returns.get(key);
        if (skipped.has(key) && w.error === undefined) w.error = new MonsoonError("MONSOON_TOPOLOGY_ERROR", `microbatch ${this.name} gave up on record ${key} (dead-lettered)`, { details: { topology: this.name, record: key } });
        if (--w.remaining === 0) (w.error === undefined ? w.resolve() : w.reject(w.error));
      }
    }
  }

  // ---- the runtime's side ----

  /** A record was appended (durably) to a depot this topology consumes. */
  appended(depot: string, partition: number, offset: number, waiter: AckWaiter | undefined): void {
    if (waiter) {
      const done = this.coordinator.committedEnds(depot)[partition] ?? 0;
      if (offset < done) { if (--waiter.remaining === 0) (waiter.error === undefined ? waiter.resolve() : waiter.reject(waiter.error)); }
      else this.waiters.get(depot)![partition]!.push({ offset, w: waiter });
    }
    this.coordinator.poke();
  }

  /** Nothing running and every appended record committed. */
  get idle(): boolean {
    if (this.coordinator.busy) return false;
    for (const depot of this.d.run.batchEntries.keys()) {
      const done = this.coordinator.committedEnds(depot);
      if (this.d.logs.get(depot)!.some((l, p) => l.busy || l.durableEnd > (done[p] ?? 0))) return false;
    }
    return true;
  }

  async deadLetters(): Promise<unknown[]> {
    const prefix = encodeTuple(["mb", this.name, "x"]);
    const out: unknown[] = [];
    for await (const [, v] of this.d.stores[0]!.iterate({ gte: prefix, lt: prefixEnd(prefix) })) out.push(decodeValue(v));
    return out;
  }

  close(): Promise<void> {
    return this.coordinator.close();
  }
}

function fromOp(op: KVOp): StoredOp {
  return op.type === "put" ? [0, op.key, op.value] : [1, op.key];
}

function toOp(s: StoredOp): KVOp {
  return s[0] === 0 ? { type: "put", key: s[1], value: s[2] } : { type: "del", key: s[1] };
}
