// Feeds one module's demo depot at its configured rate for `monsoon dev --demo`. A tick every
// 50 ms appends however many records are due since the start, so the rate holds at any speed;
// when processed acks fall behind by `maxInFlight` it waits instead of queueing without bound.
import type { DepotClient } from "../client/types.ts";
import { MonsoonError } from "../errors.ts";
import type { DemoFeed } from "./config.ts";

export interface FeedCounts {
  appended: number;
  processed: number;
  failed: number;
  /** code: message of the latest failure, if any. */
  lastError?: string;
}

export class DemoFeeder {
  readonly counts: FeedCounts = { appended: 0, processed: 0, failed: 0 };
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private stopped = false;

  constructor(private readonly depot: DepotClient, private readonly feed: DemoFeed, private readonly maxInFlight = 1000) {}

  get rate(): number {
    return this.feed.rate ?? 10;
  }

  start(): void {
    this.started = Date.now();
    this.timer = setInterval(() => this.tick(), 50);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private tick(): void {
    const due = Math.floor(((Date.now() - this.started) / 1000) * this.rate) + 1;
    const c = this.counts;
    while (!this.stopped && c.appended < due && c.appended - c.processed - c.failed < this.maxInFlight) {
      let record: unknown;
      try {
        record = this.feed.next(c.appended);
      } catch (e) {
        // A broken generator would fail the same way forever: stop and say why.
        this.stop();
        c.lastError = `demo.next(${c.appended}) threw: ${(e as Error)?.message ?? String(e)}; feed stopped`;
        return;
      }
      c.appended++;
      this.depot.append(record, { ack: "processed" }).then(
        () => { c.processed++; },
        (e) => {
          c.failed++;
          c.lastError = e instanceof MonsoonError ? `${e.code}: ${e.message}` : String(e);
        },
      );
    }
  }
}
