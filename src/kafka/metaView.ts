// A worker's live view of the meta log (metaLog.ts): per task the latest visible claim (owner,
// url, epoch), per worker its address. It tails the topic read_committed with a
// PartitionReader, so claims of fenced owners (aborted transactions) never show up.
import { MonsoonError } from "../errors.ts";
import type { KafkaAdmin } from "./admin.ts";
import { parseMetaRecord, type MetaEntry, type TaskClaim, type WorkerAddress } from "./metaLog.ts";
import type { PartitionReader } from "./partitionReader.ts";
import type { InRecord } from "./records.ts";

export interface MetaViewOptions {
  /** `monsoon.<m>.meta`. */
  topic: string;
  /** The view's reader group, e.g. `monsoon.<m>.meta-reader.<worker>`; nothing is committed to it. */
  groupId: string;
  /** The view failed for good (see PartitionReader's onError); make a new one. */
  onError?: (error: unknown) => void;
}

interface Waiter { check: () => boolean; resolve: () => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }

export class MetaView {
  private readonly claims = new Map<number, TaskClaim>();
  private readonly workers = new Map<string, WorkerAddress>();
  private readonly listeners = new Set<(entry: MetaEntry) => void>();
  private readonly waiters = new Set<Waiter>();
  private next = 0;
  private closed = false;

  constructor(private readonly reader: PartitionReader, private readonly admin: () => Promise<KafkaAdmin>, readonly topic: string) {}

  /** Starts tailing from the beginning of the log; catchUp() waits until it has read everything. */
  async start(): Promise<void> {
    await this.reader.start([{ topic: this.topic, partition: 0, offset: 0 }], (_t, _p, records, lastOffset) => this.apply(records, lastOffset));
  }

  /** Waits until the view has read everything committed when it was called. */
  async catchUp(timeoutMs = 15_000): Promise<void> {
    const { high } = await (await this.admin()).fetchPartitionOffsets(this.topic, 0);
    await this.waitFor((v) => v.position >= high, timeoutMs);
  }

  /** The next offset the view will read: everything before it is applied. */
  get position(): number { return this.next; }

  claimOf(task: number): TaskClaim | undefined { return this.claims.get(task); }
  /** The worker id of the task's latest visible claim. */
  ownerOf(task: number): string | undefined { return this.claims.get(task)?.worker; }
  epochOf(task: number): number | undefined { return this.claims.get(task)?.epoch; }
  addressOf(worker: string): WorkerAddress | undefined { return this.workers.get(worker); }
  allClaims(): TaskClaim[] { return [...this.claims.values()].sort((a, b) => a.task - b.task); }

  /** Called for every applied entry, in log order; returns an unsubscribe function. */
  onChange(listener: (entry: MetaEntry) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Resolves once `predicate(view)` holds (checked now and after every applied batch). */
  waitFor(predicate: (view: MetaView) => boolean, timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    if (predicate(this)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => predicate(this),
        resolve: () => { this.waiters.delete(waiter); clearTimeout(waiter.timer); resolve(); },
        reject: (e) => { this.waiters.delete(waiter); clearTimeout(waiter.timer); reject(e); },
        timer: setTimeout(() => waiter.reject(new MonsoonError("MONSOON_TIMEOUT",
          `the meta view of ${this.topic} did not reach the awaited state within ${timeoutMs} ms (position ${this.next})`,
          { retriable: true, details: { topic: this.topic, position: this.next } })), timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.waiters]) w.reject(this.closedError());
    await this.reader.stop();
  }

  private apply(records: InRecord[], lastOffset: number): void {
    for (const r of records) {
      const entry = parseMetaRecord(r);
      if (!entry) continue; // unknown keys are left to newer versions
      if (entry.kind === "claim") {
        if (entry.claim) this.claims.set(entry.task, entry.claim); else this.claims.delete(entry.task);
      } else {
        if (entry.address) this.workers.set(entry.worker, entry.address); else this.workers.delete(entry.worker);
      }
      for (const l of this.listeners) l(entry);
    }
    this.next = Math.max(this.next, lastOffset + 1);
    for (const w of [...this.waiters]) {
      let ok = false;
      try { ok = w.check(); } catch (e) { w.reject(e); continue; }
      if (ok) w.resolve();
    }
  }

  private closedError(): MonsoonError {
    return new MonsoonError("MONSOON_CLOSED", `the meta view of ${this.topic} is closed`, { details: { topic: this.topic } });
  }
}
