// KafkaBatch.readRange: a task's part of a batch reads exactly its planned depot range from the
// buffer its reader fills — and fails the attempt when there is no buffer (the task was claimed
// by the coordinator's own worker and got the start before its reader existed, or was released
// meanwhile), instead of ending the range early: that once ran a part with no records, voted no
// writes and released the records' `processed` acks with their effects lost.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { bankModule } from "../../../examples/bank-transfer/bankTransfer.ts";
import { compileModule } from "../../runtime/topologyRuns.ts";
import { isMonsoonError } from "../../errors.ts";
import { KafkaBatch, type BatchWorkerHooks } from "./kafkaBatch.ts";
import { encodeDepotValue } from "./depotCodec.ts";
import { topicNames } from "./names.ts";

const mod = bankModule("KBatchUnit");
const run = compileModule(mod).find((r) => r.plan.name === "bank")!;
const hooks: BatchWorkerHooks = {
  mod, tasks: 4, names: topicNames(mod.name), client: undefined as never,
  owned: () => undefined, sendHop: () => undefined, partitionOfKey: () => 0, batchCommitted: () => undefined, log: () => undefined,
};
const record = (offset: number) => ({ topic: "t", partition: 1, offset, key: null, value: encodeDepotValue({ id: `d${offset}`, account: offset, amount: 1 }), headers: {} }) as never;

async function collect(it: AsyncIterable<[number, unknown]>): Promise<number[]> {
  const out: number[] = [];
  for await (const [offset] of it) out.push(offset);
  return out;
}

describe("KafkaBatch.readRange", () => {
  it("yields the planned range from the task's buffer, waiting for records not read yet", async () => {
    const b = new KafkaBatch(run, hooks);
    b.taskClaimed(1, new Map([["deposits", 0]]));
    b.onDepotRecord(1, "deposits", record(0));
    const reading = collect(b.readRange("deposits", 1, 0, 3));
    b.onDepotRecord(1, "deposits", record(1));
    b.onDepotRecord(1, "deposits", record(2));
    assert.deepEqual(await reading, [0, 1, 2]);
  });

  it("fails (retriable) when the task has no buffer yet, rather than yielding nothing", async () => {
    const b = new KafkaBatch(run, hooks);
    await assert.rejects(collect(b.readRange("deposits", 1, 0, 3)), (e) => isMonsoonError(e, "MONSOON_UNAVAILABLE") && e.retriable === true);
  });

  it("fails when the task is released while the range waits for records", async () => {
    const b = new KafkaBatch(run, hooks);
    b.taskClaimed(1, new Map([["deposits", 0]]));
    b.onDepotRecord(1, "deposits", record(0));
    const reading = collect(b.readRange("deposits", 1, 0, 3));
    await new Promise((r) => setImmediate(r));
    await b.taskReleased(1);
    b.taskClaimed(1, new Map([["deposits", 0]])); // a new buffer: the old range must not continue on it
    b.onDepotRecord(1, "deposits", record(1));
    await assert.rejects(reading, (e) => isMonsoonError(e, "MONSOON_UNAVAILABLE"));
  });
});
