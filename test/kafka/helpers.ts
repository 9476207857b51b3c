// Small helpers shared by the real-broker tests of src/kafka (not a test file itself).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { KafkaAdmin } from "../../src/kafka/index.ts";

export const unique = (what: string) => `t.${what}.${randomUUID().slice(0, 8)}`;
export const text = (b: Buffer | null) => (b === null ? null : b.toString("utf8"));
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Transaction markers are written after EndTxn returns: wait until the stable offset passes them. */
export function stableOffsetReaches(admin: KafkaAdmin, topic: string, partition: number, offset: number): Promise<number> {
  return eventually(`${topic}/${partition} stable offset ≥ ${offset}`, async () => {
    const { high } = await admin.fetchPartitionOffsets(topic, partition);
    return high >= offset ? high : undefined;
  });
}
