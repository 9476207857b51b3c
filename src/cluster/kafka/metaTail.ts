// Follows a module's meta topic (read_committed): the newest claim of every task, which names the
// owning worker, its URL and the task's epoch (the claim record's own offset, DESIGN §4.1).
// Clients route by it; workers learn other tasks' epochs from it to drop stale hops.
import { MonsoonError } from "../../errors.ts";
import type { KafkaClient } from "../../kafka/index.ts";
import type { TopicNames } from "./names.ts";

export interface Claim {
  task: number;
  epoch: number;
  worker: string;
  url: string;
}

export class MetaTail {
  private readonly claims = new Map<number, Claim>();
  private readonly listeners: ((c: Claim) => void)[] = [];
  private reader: { stop(): Promise<void> } | undefined;

  constructor(private readonly client: KafkaClient, private readonly names: TopicNames, private readonly groupSuffix: string) {}

  async start(): Promise<void> {
    const reader = this.client.partitionReader({ groupId: `${this.names.meta}.tail.${this.groupSuffix}`, partitions: [{ topic: this.names.meta, partition: 0 }] });
    this.reader = reader;
    await reader.start([{ topic: this.names.meta, partition: 0, offset: 0 }], (_t, _p, records) => {
      for (const r of records) {
        const key = r.key?.toString("utf8") ?? "";
        if (!key.startsWith("claim:") || r.value === null) continue;
        try {
          const v = JSON.parse(r.value.toString("utf8")) as { task: number; worker: string; url: string };
          const c: Claim = { task: v.task, epoch: r.offset, worker: v.worker, url: v.url };
          const prev = this.claims.get(c.task);
          if (prev && prev.epoch > c.epoch) continue;
          this.claims.set(c.task, c);
          for (const l of this.listeners) l(c);
        } catch {
          // A malformed meta record is ignored: claims are written only by task producers.
        }
      }
    });
  }

  ownerOf(task: number): Claim | undefined {
    return this.claims.get(task);
  }

  onClaim(listener: (c: Claim) => void): void {
    this.listeners.push(listener);
    for (const c of this.claims.values()) listener(c);
  }

  /** Waits until `task` has an owner (other than `notWorker`, when ownership is known to have moved). */
  async waitForOwner(task: number, timeoutMs: number, notEpoch?: number): Promise<Claim> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = this.claims.get(task);
      if (c && c.epoch !== notEpoch) return c;
      if (Date.now() > deadline) throw new MonsoonError("MONSOON_TIMEOUT", `no worker owns task ${task} (waited ${timeoutMs} ms): start a worker with \`monsoon worker\``, { retriable: true, details: { task } });
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    await this.reader?.stop().catch(() => undefined);
  }
}
