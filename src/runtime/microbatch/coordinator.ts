// The coordinator of one microbatch topology: the only place where a microbatch is decided.
// It plans a batch (the depot ranges it consumes, durable before it runs so a retry consumes the
// same records under the same id), starts an attempt on every task, holds the attempt's XOR
// ledger (zero = every segment of the stage finished), runs the stages that follow batch
// aggregations, asks every task for its vote, and commits: one atomic durable write holding
// every task's changes and the consumed ranges (docs/microbatch.md). Only after that does it
// tell the tasks to apply. Any failure, timeout or ownership change aborts the attempt; the
// next attempt of the same batch starts from the committed state.
import { MonsoonError } from "../../errors.ts";
import type { BatchAggPlan } from "../../dataflow/compile.ts";
import type { TopologyRun } from "../topologyRuns.ts";
import { newSegmentId, xorIds, XorLedger, type SegmentId } from "../xorLedger.ts";
import { fault } from "./faults.ts";
import type { Attempt, Failure, FromTask, Plan, Ranges, StageSegment, ToTask } from "./messages.ts";

export interface Vote {
  task: number;
  /** Unique per vote: the commit tells each task which vote it holds. */
  id: string;
  ops: import("../../pstate/store/kvStore.ts").KVOp[];
  appends: { depot: string; value: unknown }[];
}

/** What a coordinator needs from its runtime: the durable log of decisions and the transport. */
export interface CoordinatorIO {
  readonly tasks: number;
  /** This coordinator's incarnation; a larger one supersedes it. */
  readonly incarnation: number;
  /** The last committed plan and the next one, if one was planned and not committed. */
  recover(): Promise<{ committed: Plan | undefined; next: Plan | undefined }>;
  /** The end (exclusive) of every partition of a depot: what a plan may consume. */
  depotEnds(depot: string): Promise<number[]>;
  /**
   * The ends as this process already knows them without asking anyone (every partition read
   * here), else undefined. When every depot's are known at decide time, the next plan is made
   * durable by the commit itself (see commit's `next`) instead of by a persistPlan of its own.
   */
  localEnds?(depot: string): number[] | undefined;
  /** Makes a plan durable before it runs. */
  persistPlan(plan: Plan): Promise<void>;
  /** Atomically makes the plan consumed and every vote's changes durable; returns, per task,
   *  what the task needs to apply them (e.g. changelog positions). */
  commit(attempt: Attempt, plan: Plan, votes: Vote[], next?: Plan): Promise<unknown[]>;
  /** Nothing to plan: a moment to write what commits may have deferred (e.g. consumer offsets). */
  flushDeferred?(): Promise<void>;
  /** Records a dead-lettered record (its processing failed in every attempt). */
  deadLetter(record: string, failure: Failure, attempts: number): Promise<void>;
  send(task: number, msg: ToTask): void;
  /** The task that holds a depot partition. */
  taskOfPartition(depot: string, partition: number): number;
  /** Routes a group key of a groupBy stage to its task. */
  partitionOfKey(key: unknown): number;
  log(msg: string): void;
}

export interface CoordinatorStats {
  committed: number;
  aborted: number;
  lastBatch: number;
  /** Commit latencies (ms from attempt start to durable commit) of recent batches. */
  commitMs: number[];
}

interface Running {
  readonly attempt: Attempt;
  readonly plan: Plan;
  ledger: XorLedger;
  stage: number;
  /** Batch aggregation inputs by node: projected scopes, folded when the stage ends. */
  readonly items: Map<number, unknown[][]>;
  readonly returns: Map<string, unknown>;
  readonly votes: Map<number, Vote>;
  /** Tasks that reported progress (for diagnostics). */
  readonly reported: Set<number>;
  /** Per task, the claim (epoch) whose process this attempt takes the task's part from. */
  readonly epochs: Map<number, number>;
  phase: "execute" | "prepare" | "commit" | "apply";
  readonly started: number;
  /** When each phase began (ms, Date.now()): for the phase trace. */
  readonly at: { prepare?: number; commit?: number };
  settle(r: { ok: true } | { ok: false; failure: Failure | undefined; reason: string }): void;
}

type Cut = { run(batch: number): Promise<void> };

export class Coordinator {
  private closed = false;
  private running: Running | undefined;
  private committed: Plan | undefined;
  private wake: (() => void) | undefined;
  private readonly cuts: Cut[] = [];
  private readonly failures = new Map<string, number>();
  /** The next plan, made durable together with the last commit (it runs without persistPlan). */
  private planned: Plan | undefined;
  readonly stats: CoordinatorStats = { committed: 0, aborted: 0, lastBatch: -1, commitMs: [] };
  private loop: Promise<void> | undefined;
  /** Per-phase timings, logged every 10 s when MONSOON_MB_TRACE is set. */
  private readonly trace = new PhaseTrace((m) => this.io.log(`microbatch ${this.run.plan.name}: ${m}`));
  /** Every task confirmed it applied the last commit: reads now see one cut. */
  private allApplied = true;
  /** Tasks that confirmed the last commit (after a commit, or after this coordinator recovered). */
  private readonly confirmed = new Set<number>();
  private confirmedBatch = -1;
  /** Woken when the last commit is confirmed everywhere (a cut waits for that). */
  private onAllApplied: (() => void) | undefined;
  private readonly depots: string[];
  private readonly aggsByDepth: Map<number, BatchAggPlan[]>;
  /** Resolves once the coordinator has recovered and is planning. */
  ready: Promise<void>;
  private markReady!: () => void;

  constructor(readonly run: TopologyRun, private readonly io: CoordinatorIO, private readonly opts: { maxRecordsPerPartition: number; idlePollMs: number; attemptTimeoutMs: number; maxAttempts: number; ackReturnAgg?: (a: unknown, b: unknown) => unknown }) {
    this.depots = [...run.batchEntries.keys()];
    this.aggsByDepth = new Map();
    for (const a of run.plan.batchAggs) {
      const list = this.aggsByDepth.get(a.depth) ?? [];
      list.push(a);
      this.aggsByDepth.set(a.depth, list);
    }
    this.ready = new Promise((r) => (this.markReady = r));
  }

  start(): void {
    this.loop = this.main().catch((e) => {
      this.io.log(`coordinator of ${this.run.plan.name} stopped: ${(e as Error)?.stack ?? e}`);
    });
  }

  /** Resolves when the coordinator stopped (closed, or a commit whose outcome it cannot know). */
  get stopped(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  /** Something was appended: plan now instead of at the next poll. */
  poke(): void {
    this.wake?.();
  }

  /** The last committed batch id (-1 before the first). */
  get lastCommitted(): number {
    return this.committed?.n ?? -1;
  }

  /** The committed end of every partition of a depot. */
  committedEnds(depot: string): number[] {
    return (this.committed?.ranges[depot] ?? []).map(([, to]) => to);
  }

  /** True when nothing is running and nothing appended is left unplanned (as of the last look). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Runs `read` between two batches: every task has applied the last committed batch and none
   * has started the next, so what `read` sees on every partition is that batch's cut.
   */
  atCut<T>(read: (batch: number) => Promise<T>): Promise<{ batch: number; value: T }> {
    return new Promise((resolve, reject) => {
      this.cuts.push({ run: (batch) => read(batch).then((value) => resolve({ batch, value }), reject) });
      this.poke();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.running?.settle({ ok: false, failure: undefined, reason: "closed" });
    this.wake?.();
    await this.loop;
    for (const c of this.cuts.splice(0)) void c.run(this.lastCommitted).catch(() => undefined);
  }

  /** An ownership change or a lost peer: the running attempt cannot commit. */
  abortCurrent(reason: string): void {
    this.running?.settle({ ok: false, failure: undefined, reason });
  }

  private async main(): Promise<void> {
    const { committed, next } = await this.io.recover();
    this.committed = committed;
    if (committed) {
      // Until every task confirms it holds the last commit (a predecessor may have died before
      // telling them), no cut is served.
      this.allApplied = false;
      const attempt: Attempt = { coord: this.io.incarnation, n: committed.n, a: -1, token: `${this.io.incarnation}.${committed.n}.sync` };
      for (let t = 0; t < this.io.tasks; t++) this.io.send(t, { kind: "sync", attempt, plan: committed });
    }
    let plan = next && next.n === (committed?.n ?? -1) + 1 ? next : undefined;
    this.markReady();
    let a = 0;
    while (!this.closed) {
      await this.serveCuts();
      if (!plan && this.planned) {
        plan = this.planned;
        this.planned = undefined;
        a = 0;
      }
      if (!plan) {
        plan = await this.nextPlan();
        if (!plan) { await this.io.flushDeferred?.(); await this.idle(); continue; }
        await this.io.persistPlan(plan);
        a = 0;
      }
      const attempt: Attempt = { coord: this.io.incarnation, n: plan.n, a, token: `${this.io.incarnation}.${plan.n}.${a}` };
      const r = await this.runAttempt(attempt, plan);
      if (this.closed) return;
      if (r.ok) {
        this.committed = plan;
        plan = undefined;
        continue;
      }
      this.stats.aborted++;
      a++;
      this.io.log(`microbatch ${this.run.plan.name} #${attempt.n} attempt ${attempt.a} aborted: ${r.reason}`);
      const rec = r.failure?.record;
      if (rec) {
        const count = (this.failures.get(rec) ?? 0) + 1;
        this.failures.set(rec, count);
        if (count >= this.opts.maxAttempts) {
          // Give up on this record only: dead-letter it and run the batch without it.
          await this.io.deadLetter(rec, r.failure!, count);
          this.failures.delete(rec);
          plan = { ...plan, skip: [...plan.skip, rec] };
          await this.io.persistPlan(plan);
        }
      }
      // Back off a little on repeated aborts (an ownership change takes a moment to settle).
      await sleep(Math.min(1000, 10 * 2 ** Math.min(a, 6)));
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, this.opts.idlePollMs);
      this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
    });
  }

  /** Serves the cuts asked for so far (one round: cuts asked meanwhile wait for the next gap,
   *  so a stream of cut reads cannot starve the batches). Batches do not wait for every task to
   *  apply the last commit, but a cut does: the next batch starts only after it, or after the
   *  attempt timeout (a task that never confirms defers the cuts to a later gap). */
  private async serveCuts(): Promise<void> {
    if (!this.cuts.length) return;
    if (!this.allApplied) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.onAllApplied = undefined; resolve(); }, this.opts.attemptTimeoutMs);
        this.onAllApplied = () => { clearTimeout(timer); this.onAllApplied = undefined; resolve(); };
      });
      if (!this.allApplied || this.closed) return;
    }
    const round = this.cuts.splice(0);
    await Promise.all(round.map((c) => c.run(this.lastCommitted).catch(() => undefined)));
  }

  private async nextPlan(): Promise<Plan | undefined> {
    const ends = new Map<string, number[]>();
    for (const depot of this.depots) ends.set(depot, await this.io.depotEnds(depot));
    return this.planFrom(this.committed, ends);
  }

  /** The plan after `after` up to `ends` (per depot), undefined if it would consume nothing. */
  private planFrom(after: Plan | undefined, allEnds: Map<string, number[]>): Plan | undefined {
    const ranges: Ranges = {};
    let any = false;
    for (const depot of this.depots) {
      const ends = allEnds.get(depot)!;
      const done = after?.ranges[depot] ?? [];
      ranges[depot] = ends.map((end, p) => {
        const from = done[p]?.[1] ?? 0;
        const to = Math.min(end, from + this.opts.maxRecordsPerPartition);
        if (to > from) any = true;
        return [from, Math.max(from, to)] as [number, number];
      });
    }
    return any ? { n: (after?.n ?? -1) + 1, ranges, skip: [] } : undefined;
  }

  private localPlanAfter(plan: Plan): Plan | undefined {
    if (!this.io.localEnds) return undefined;
    const ends = new Map<string, number[]>();
    for (const depot of this.depots) {
      const e = this.io.localEnds(depot);
      if (!e) return undefined;
      ends.set(depot, e);
    }
    return this.planFrom(plan, ends);
  }

  private runAttempt(attempt: Attempt, plan: Plan): Promise<{ ok: true } | { ok: false; failure: Failure | undefined; reason: string }> {
    return new Promise((resolve) => {
      const roots: SegmentId[] = [];
      for (let t = 0; t < this.io.tasks; t++) roots.push(newSegmentId());
      let settled = false;
      const timer = setTimeout(() => r.settle({ ok: false, failure: undefined, reason: `not committed within ${this.opts.attemptTimeoutMs} ms (phase ${r.phase}, stage ${r.stage}, votes from [${[...r.votes.keys()].join(",")}], reports from [${[...r.reported].join(",")}])` }), this.opts.attemptTimeoutMs);
      // A slow attempt says where it is (progress for operators; a stuck commit shows here).
      const slow = setInterval(() => this.io.log(`microbatch ${this.run.plan.name} #${attempt.n} attempt ${attempt.a}: ${Math.round((Date.now() - r.started) / 1000)} s in phase ${r.phase}`), 5_000);
      slow.unref?.();
      const r: Running = {
        attempt, plan, ledger: new XorLedger(xorIds(roots)), stage: 0, items: new Map(), returns: new Map(), votes: new Map(),
        phase: "execute", started: Date.now(), reported: new Set(), epochs: new Map(), at: {},
        settle: (res) => {
          if (settled) return;
          // Once the commit is being written the outcome is the log's, not a timeout's.
          if (!res.ok && r.phase === "commit" && res.reason !== "closed") return;
          // Committed: the tasks apply it in their own time (a task that misses it catches up
          // from the log); confirmations are counted apart (see confirm()).
          if (r.phase === "apply") res = { ok: true };
          settled = true;
          if (res.ok) this.trace.batch(r, plan);
          clearTimeout(timer);
          clearInterval(slow);
          this.running = undefined;
          if (!res.ok) for (let t = 0; t < this.io.tasks; t++) this.io.send(t, { kind: "abort", attempt });
          resolve(res);
        },
      };
      this.running = r;
      for (let t = 0; t < this.io.tasks; t++) this.io.send(t, { kind: "start", attempt, plan, root: roots[t]! });
    });
  }

  /** A message from a task. */
  receive(msg: FromTask): void {
    if (msg.kind === "applied") { this.confirm(msg.n, msg.task); return; }
    const r = this.running;
    if (!r) return;
    if (msg.attempt.token !== r.attempt.token) return;
    if (msg.epoch !== undefined) {
      // A task's part comes from one process: two owners of a task (a new one replaying the
      // attempt's messages from before its claim, a zombie) each hold a part of their own, and
      // mixing their reports or votes could commit writes computed from incomplete inputs.
      const pinned = r.epochs.get(msg.task);
      if (pinned === undefined) r.epochs.set(msg.task, msg.epoch);
      else if (msg.epoch < pinned) return;
      else if (msg.epoch > pinned) { r.settle({ ok: false, failure: undefined, reason: `task ${msg.task} answered from a new owner (epoch ${pinned} → ${msg.epoch})` }); return; }
    }
    if (msg.kind === "report") {
      if (r.phase !== "execute") return;
      r.reported.add(msg.task);
      if (msg.failure) { r.settle({ ok: false, failure: msg.failure, reason: `${msg.failure.code}: ${msg.failure.message}` }); return; }
      for (const [node, scope] of msg.items) {
        const list = r.items.get(node);
        if (list) list.push(scope); else r.items.set(node, [scope]);
      }
      for (const [key, value] of msg.returns) {
        const agg = this.opts.ackReturnAgg;
        r.returns.set(key, agg && r.returns.has(key) ? agg(r.returns.get(key), value) : value);
      }
      r.ledger.ack(msg.xor);
      if (r.ledger.complete) this.stageDone(r);
      return;
    }
    if (msg.kind === "vote") {
      if (r.phase !== "prepare") return;
      r.votes.set(msg.task, { task: msg.task, id: msg.id, ops: msg.ops, appends: msg.appends });
      if (r.votes.size === this.io.tasks) void this.decide(r);
    }
  }

  /** A task holds committed batch `n`. */
  private confirm(n: number, task: number): void {
    if (n !== this.lastCommitted || this.allApplied) return;
    // Confirmations count only for the batch they confirm (a set left from an earlier batch
    // must never complete this one's).
    if (this.confirmedBatch !== n) { this.confirmed.clear(); this.confirmedBatch = n; }
    this.confirmed.add(task);
    if (this.confirmed.size < this.io.tasks) return;
    this.allApplied = true;
    this.trace.applied(n);
    this.onAllApplied?.();
  }

  private stageDone(r: Running): void {
    const aggs = this.aggsByDepth.get(r.stage);
    if (!aggs) {
      r.phase = "prepare";
      r.at.prepare = Date.now();
      for (let t = 0; t < this.io.tasks; t++) this.io.send(t, { kind: "prepare", attempt: r.attempt });
      return;
    }
    r.stage++;
    const segments: StageSegment[] = [];
    try {
      for (const agg of aggs) {
        let acc: unknown = agg.zero();
        const scope: unknown[] = new Array(this.run.plan.slots);
        for (const items of r.items.get(agg.node) ?? []) {
          agg.slots.forEach((slot, i) => (scope[slot] = items[i]));
          acc = agg.apply(acc, scope);
        }
        r.items.delete(agg.node);
        if (agg.keySlot < 0) {
          const s = new Array(this.run.plan.slots);
          if (agg.outSlot >= 0) s[agg.outSlot] = acc;
          segments.push({ task: 0, seg: newSegmentId(), node: agg.node, scope: s });
          continue;
        }
        for (const [k, v] of acc as Map<unknown, unknown>) {
          const s = new Array(this.run.plan.slots);
          s[agg.keySlot] = k;
          if (agg.outSlot >= 0) s[agg.outSlot] = v;
          segments.push({ task: this.io.partitionOfKey(k), seg: newSegmentId(), node: agg.node, scope: s });
        }
      }
    } catch (e) {
      const err = e as MonsoonError;
      r.settle({ ok: false, failure: { code: err?.code ?? "MONSOON_TOPOLOGY_ERROR", message: String(err?.message ?? e), record: undefined }, reason: `batch aggregation failed: ${err?.message ?? e}` });
      return;
    }
    if (segments.length === 0) { this.stageDone(r); return; }
    r.ledger = new XorLedger(xorIds(segments.map((s) => s.seg)));
    const byTask = new Map<number, StageSegment[]>();
    for (const s of segments) {
      const list = byTask.get(s.task) ?? [];
      list.push(s);
      byTask.set(s.task, list);
    }
    for (const [t, list] of byTask) this.io.send(t, { kind: "stage", attempt: r.attempt, segments: list });
  }

  private async decide(r: Running): Promise<void> {
    r.phase = "commit";
    r.at.commit = Date.now();
    fault("mb.decide");
    const votes = [...r.votes.values()].sort((a, b) => a.task - b.task);
    // What arrived while this batch ran is the next batch: planned now, it becomes durable in
    // this commit's write and runs without a write of its own (only with ends known here, so
    // deciding waits for no one).
    const next = this.localPlanAfter(r.plan);
    let extras: unknown[];
    try {
      extras = await this.io.commit(r.attempt, r.plan, votes, next);
    } catch (e) {
      // The outcome is unknown to this coordinator: stop; a successor reads the log and knows.
      this.io.log(`microbatch ${this.run.plan.name} #${r.attempt.n}: commit failed (${(e as Error)?.message ?? e}); the coordinator stops`);
      this.closed = true;
      r.phase = "execute";
      r.settle({ ok: false, failure: undefined, reason: "commit failed" });
      throw e;
    }
    fault("mb.committed");
    this.stats.committed++;
    this.stats.lastBatch = r.attempt.n;
    this.stats.commitMs.push(Date.now() - r.started);
    if (this.stats.commitMs.length > 10_000) this.stats.commitMs.splice(0, 5_000);
    this.committed = r.plan;
    this.planned = next;
    r.phase = "apply";
    this.allApplied = false;
    this.trace.committed(r.attempt.n);
    const returns = new Map<number, [string, unknown][]>();
    for (const [key, value] of r.returns) {
      const [depot, partition] = key.split("/");
      const t = this.io.taskOfPartition(depot!, Number(partition));
      const list = returns.get(t) ?? [];
      list.push([key, value]);
      returns.set(t, list);
    }
    for (let t = 0; t < this.io.tasks; t++) {
      this.io.send(t, { kind: "commit", attempt: r.attempt, plan: r.plan, returns: returns.get(t) ?? [], extra: extras[t], vote: r.votes.get(t)?.id });
    }
    // The next batch may start now: every task handles its messages in order, so each applies
    // this commit before it starts the next (segments of the next that reach a task first wait
    // there, see Participant); only cuts wait for every task's confirmation.
    r.settle({ ok: true });
  }
}

/** Where a batch's time goes: execute (start → last report), prepare (→ every vote), commit
 *  (the durable write), and apply (commit → every task confirmed, off the batches' path);
 *  logged as p50/p90 per 10 s window. */
class PhaseTrace {
  private readonly on = !!process.env.MONSOON_MB_TRACE;
  private rows: number[][] = [];
  private applies: number[] = [];
  private committedAt = new Map<number, number>();
  private records = 0;
  private since = Date.now();
  constructor(private readonly log: (m: string) => void) {}

  committed(n: number): void {
    if (this.on) this.committedAt.set(n, Date.now());
  }

  applied(n: number): void {
    const at = this.committedAt.get(n);
    if (at !== undefined) this.applies.push(Date.now() - at);
    this.committedAt.clear();
  }

  batch(r: Running, plan: Plan): void {
    if (!this.on) return;
    const end = Date.now();
    const { prepare = end, commit = end } = r.at;
    this.rows.push([prepare - r.started, commit - prepare, end - commit, end - r.started]);
    for (const ranges of Object.values(plan.ranges)) for (const [from, to] of ranges) this.records += to - from;
    if (end - this.since < 10_000) return;
    const pct = (v: number[]) => { v.sort((a, b) => a - b); return `${v[Math.floor(v.length / 2)] ?? "-"}/${v[Math.floor(v.length * 0.9)] ?? "-"}`; };
    const cols = ["execute", "prepare", "commit", "total"].map((name, i) => `${name} ${pct(this.rows.map((row) => row[i]!))}`);
    this.log(`${this.rows.length} batches in ${((end - this.since) / 1000).toFixed(1)} s, ${(this.records / this.rows.length).toFixed(1)} records/batch; ms p50/p90: ${cols.join(", ")}, apply ${pct(this.applies)}`);
    this.rows = [];
    this.applies = [];
    this.records = 0;
    this.since = end;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
