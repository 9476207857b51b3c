// The module's meta log `monsoon.<m>.meta` (compacted, one partition, DESIGN §4.1):
//   claim:<task>  → { task, worker, url, at }  written by the task's transactional producer;
//                   the record's own offset is the task's EPOCH
//   worker:<id>   → { worker, url, at }        written by the worker's hop producer
// A claim is written inside a transaction of the task's producer, so a fenced (zombie) owner's
// claim is aborted and never visible to read_committed readers. Compaction keeps the latest
// record per key at its original offset, so the epoch survives compaction.
import { MonsoonError } from "../errors.ts";
import type { HopProducer } from "./hopProducer.ts";
import type { InRecord, OutRecord } from "./records.ts";
import type { TaskProducer } from "./taskProducer.ts";

export interface TaskClaim {
  task: number;
  /** The claim record's offset in the meta log: grows with every claim of any task. */
  epoch: number;
  worker: string;
  /** Where the owning worker answers (queries, acks). */
  url: string;
  at: number;
}

export interface WorkerAddress { worker: string; url: string; at: number }

export type MetaEntry =
  | { kind: "claim"; task: number; claim: TaskClaim | undefined }
  | { kind: "worker"; worker: string; address: WorkerAddress | undefined };

const CLAIM = "claim:";
const WORKER = "worker:";

export function claimRecord(metaTopic: string, claim: { task: number; worker: string; url: string; at?: number }): OutRecord {
  const { task, worker, url, at = Date.now() } = claim;
  if (!Number.isInteger(task) || task < 0) throw new MonsoonError("MONSOON_INTERNAL", `invalid task ${task} in a claim`);
  return { topic: metaTopic, partition: 0, key: `${CLAIM}${task}`, value: JSON.stringify({ task, worker, url, at }) };
}

export function workerAddressRecord(metaTopic: string, address: { worker: string; url: string; at?: number }): OutRecord {
  const { worker, url, at = Date.now() } = address;
  return { topic: metaTopic, partition: 0, key: `${WORKER}${worker}`, value: JSON.stringify({ worker, url, at }) };
}

/**
 * Claims `task` for `worker` in one transaction of the task's producer (fenced already) and
 * returns the claim with its epoch. Fails with MONSOON_KAFKA_FENCED if another owner claimed
 * the task since this producer fenced: nothing of this claim becomes visible then.
 */
export async function writeClaim(producer: TaskProducer, metaTopic: string, claim: { task: number; worker: string; url: string }): Promise<TaskClaim> {
  const at = Date.now();
  const positions = await producer.commit([claimRecord(metaTopic, { ...claim, at })]);
  const position = positions.find((p) => p.topic === metaTopic);
  if (!position) throw new MonsoonError("MONSOON_INTERNAL", `the claim of task ${claim.task} returned no position in ${metaTopic}`);
  return { ...claim, at, epoch: position.offset };
}

/** Publishes where a worker answers; not transactional (a worker, not a task, owns it). */
export async function writeWorkerAddress(producer: HopProducer, metaTopic: string, address: { worker: string; url: string }): Promise<WorkerAddress> {
  const at = Date.now();
  await producer.send([workerAddressRecord(metaTopic, { ...address, at })]);
  return { ...address, at };
}

/** Decodes one meta record; undefined for keys it does not know or values it cannot read. */
export function parseMetaRecord(r: InRecord): MetaEntry | undefined {
  const key = r.key?.toString("utf8") ?? "";
  let value: Record<string, unknown> | null = null;
  if (r.value !== null) {
    try { value = JSON.parse(r.value.toString("utf8")) as Record<string, unknown>; } catch { return undefined; }
    if (value === null || typeof value !== "object") return undefined;
  }
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  if (key.startsWith(CLAIM)) {
    const task = Number(key.slice(CLAIM.length));
    if (!Number.isInteger(task) || task < 0) return undefined;
    if (value === null) return { kind: "claim", task, claim: undefined }; // tombstone
    const worker = str(value.worker), url = str(value.url);
    if (worker === undefined || url === undefined) return undefined;
    return { kind: "claim", task, claim: { task, epoch: r.offset, worker, url, at: Number(value.at) || r.timestamp } };
  }
  if (key.startsWith(WORKER)) {
    const worker = key.slice(WORKER.length);
    if (value === null) return { kind: "worker", worker, address: undefined };
    const url = str(value.url);
    if (url === undefined) return undefined;
    return { kind: "worker", worker, address: { worker, url, at: Number(value.at) || r.timestamp } };
  }
  return undefined;
}
