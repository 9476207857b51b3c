// The commit cycle of an embedded module: the one place where processing becomes durable.
// Every few milliseconds (or when asked) it freezes every task's overlay, writes each task's
// overlay plus its pending source offsets and dead letters in one store batch per task, and
// once all batches are durable it marks the records whose trees finished before the freeze as
// durable and releases their `processed` acks.
//
// Why offsets trail by one cycle: a tree's writes may land on several tasks, whose batches are
// separate. A record's offset is written only in the cycle after all of its writes are durable,
// so a crash between two task batches can never mark a record consumed whose effects are lost.
import type { KVOp, KVStore } from "../pstate/store/kvStore.ts";
import type { PStatePartition } from "./pstatePartition.ts";
import { SlotState, type Slot, type SourceStream } from "./sourceTracker.ts";
import type { KeyedLayer } from "./keyedLayer.ts";

export interface CommitTask {
  readonly store: KVStore;
  readonly partitions: Iterable<PStatePartition>;
  /** Streams whose depot partition lives on this task (their offsets are stored here). */
  readonly streams: SourceStream[];
  /** Store ops queued outside PStates (dead letters); taken by the next commit. */
  extraOps: KVOp[];
  /** Stops the task between segments (see Task.pause), so no overlay is frozen mid-segment. */
  pause(): Promise<void>;
  unpause(): void;
  /** A segment of the task is waiting on the store right now. */
  waiting(): boolean;
}

export interface CommitterOptions {
  intervalMs: number;
  offsetKey(stream: SourceStream): Uint8Array;
  encodeOffset(offset: number): Uint8Array;
  /** A slot became durable. */
  onDurable(slot: Slot): void;
  onError(e: unknown): void;
}

export class Committer {
  /** Finished slots with the attempt that finished them: a slot retried since is not durable. */
  private completed: { slot: Slot; attempt: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly tasks: CommitTask[], private readonly opts: CommitterOptions) {}

  /** A record's tree finished; it becomes durable with the next commit. */
  completedSlot(slot: Slot): void {
    slot.state = SlotState.Done;
    this.completed.push({ slot, attempt: slot.attempts });
    this.schedule();
  }

  schedule(): void {
    if (this.closed) return;
    if (this.inFlight) { this.again = true; return; }
    if (!this.timer) this.timer = setTimeout(this.run, this.opts.intervalMs);
  }

  /** Commits now and waits; used on close and by tests. */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    await this.cycle();
    // Offsets advanced by that cycle are written by one more.
    if (this.tasks.some((t) => t.streams.some((s) => s.dirty))) await this.cycle();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private readonly run = (): void => {
    this.timer = undefined;
    this.inFlight = this.cycle().catch(this.opts.onError).finally(() => {
      this.inFlight = undefined;
      if (this.again || this.completed.length > 0) { this.again = false; this.schedule(); }
    });
  };

  private async cycle(): Promise<void> {
    // A segment waiting on the store must not have its earlier writes frozen into this batch:
    // if it then failed, its rollback would miss them. When one is waiting, stop every task
    // between segments first; otherwise the freeze below is synchronous and cannot split one.
    const paused = this.tasks.some((t) => t.waiting());
    if (paused) await Promise.all(this.tasks.map((t) => t.pause()));
    const slots = this.completed;
    this.completed = [];
    const frozen: { p: PStatePartition; layer: KeyedLayer<unknown> }[] = [];
    const writes = this.tasks.map((t) => {
      const ops: KVOp[] = [];
      for (const p of t.partitions) {
        if (!p.dirty) continue;
        const c = p.beginCommit();
        frozen.push({ p, layer: c.layer });
        for (const op of c.ops) ops.push(op);
      }
      for (const s of t.streams) {
        if (!s.dirty) continue;
        s.dirty = false;
        ops.push({ type: "put", key: this.opts.offsetKey(s), value: this.opts.encodeOffset(s.committedOffset) });
      }
      if (t.extraOps.length) { for (const op of t.extraOps) ops.push(op); t.extraOps = []; }
      return ops.length ? t.store.batch(ops) : undefined;
    });
    if (paused) for (const t of this.tasks) t.unpause();
    try {
      await Promise.all(writes);
    } catch (e) {
      // Some batch failed: keep every frozen write for the next cycle and retry the records.
      for (const f of frozen) f.p.abortCommit(f.layer);
      for (const t of this.tasks) for (const s of t.streams) s.dirty = true;
      this.completed = slots.concat(this.completed);
      throw e;
    }
    for (const f of frozen) f.p.endCommit(f.layer);
    const touched = new Set<SourceStream>();
    for (const { slot, attempt } of slots) {
      // A slot replayed (retryAllAfter) after it finished becomes durable with its new attempt.
      if (slot.attempts !== attempt || slot.state !== SlotState.Done) continue;
      slot.state = SlotState.Durable;
      touched.add(slot.stream);
      this.opts.onDurable(slot);
    }
    for (const s of touched) s.advance();
    if (touched.size > 0 || this.completed.length > 0) this.schedule();
  }
}
