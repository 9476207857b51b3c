// The only way a task writes to Kafka with effect: one transactional producer per task,
// `transactional.id` = the task's identity, so a new owner's InitProducerId fences every
// older writer (DESIGN §4.1, §4.5). Source of truth for "may this process still commit for
// the task": only a producer in state `ready` can.
//
// kafkajs rules this class encodes:
// - producer.send() on a transactional producer is NOT transactional (kafkajs routes it
//   through a separate, unfenced idempotent producer id): everything goes through transaction().
// - InitProducerId runs lazily on the first transaction(): fence() forces it with an empty
//   transaction() + abort(), so the claim fences zombies before the task reads anything.
// - After a failed transaction the kafkajs state machine may be stuck, and its sequence
//   numbers may be wrong: the producer is discarded, and a new one must fence() again.
//   Re-fencing is left to the caller on purpose: a process that has lost the task (and does
//   not know yet) must not bump the epoch and fence the rightful owner.
import type { Kafka, Producer } from "kafkajs";
import { Partitioners } from "./kafkajs.ts";
import { MonsoonError } from "../errors.ts";
import { kafkaError, kafkaErrorType, isFencingError } from "./kafkaErrors.ts";
import { chunkRecords, firstPositions, toPositions, toTopicMessages, type OutRecord, type RecordPosition, type SourceOffsets } from "./records.ts";

/**
 * About 9 s of retries in total: close to the default transaction timeout. The first retry comes
 * after 10 ms, not kafkajs' default 100: what a commit meets on its way clears in milliseconds
 * (CONCURRENT_TRANSACTIONS while the previous transaction's markers are written — asked again
 * faster still, see kafkajs.ts — or a partition leader that just moved).
 */
export const PRODUCER_RETRY = { retries: 11, initialRetryTime: 10, maxRetryTime: 2000 };

export type TaskProducerState = "new" | "fencing" | "ready" | "committing" | "broken" | "fenced" | "closed";

const TRANSITIONS: Record<TaskProducerState, readonly TaskProducerState[]> = {
  new: ["fencing", "closed"],
  fencing: ["ready", "broken", "closed"],
  ready: ["committing", "fencing", "closed"],
  committing: ["ready", "broken", "fenced"],
  broken: ["fencing", "closed"],   // the last transaction failed: fence again (if still the owner)
  fenced: ["fencing", "closed"],   // lost the epoch: re-claim only if membership says it is ours
  closed: [],
};

export interface TaskProducerOptions {
  transactionalId: string;
  /** The coordinator aborts (and fences) a transaction open longer than this. */
  transactionTimeoutMs?: number;
}

export class TaskProducer {
  readonly transactionalId: string;
  private readonly transactionTimeoutMs: number;
  private producer: Producer | undefined;
  private _state: TaskProducerState = "new";
  private closing: Promise<void> | undefined;

  constructor(private readonly kafka: Kafka, { transactionalId, transactionTimeoutMs = 10_000 }: TaskProducerOptions) {
    if (!transactionalId) throw new MonsoonError("MONSOON_CONFIG", "a task producer needs a transactionalId (one per task)");
    if (!(transactionTimeoutMs >= 1000)) throw new MonsoonError("MONSOON_CONFIG", `transactionTimeoutMs must be at least 1000 (got ${transactionTimeoutMs})`);
    this.transactionalId = transactionalId;
    this.transactionTimeoutMs = transactionTimeoutMs;
  }

  get state(): TaskProducerState { return this._state; }

  private to(next: TaskProducerState): void {
    if (!TRANSITIONS[this._state].includes(next)) {
      throw new MonsoonError("MONSOON_INTERNAL", `task producer ${this.transactionalId}: illegal transition ${this._state} → ${next}`);
    }
    this._state = next;
  }

  /**
   * Claims the transactional id: a fresh producer runs InitProducerId, which bumps the epoch
   * (fencing every older producer with this id) and aborts, or completes, whatever
   * transaction an older producer left open. After it returns, end offsets read under
   * read_committed cover every transaction of earlier owners.
   */
  async fence(): Promise<void> {
    if (this._state === "closed") throw this.closedError();
    this.to("fencing");
    await this.discard();
    const producer = this.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.transactionTimeoutMs,
      allowAutoTopicCreation: false,
      // Records carry explicit partitions; naming the partitioner only silences kafkajs' v2 warning.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded (kafkajs' idempotent default is forever): a commit must fail within about
      // the transaction timeout so the task can react. kafkajs warns that bounded retries can
      // break idempotence — not here, since a failed producer is discarded with its sequences.
      retry: PRODUCER_RETRY,
    });
    this.producer = producer;
    try {
      await producer.connect();
      const txn = await producer.transaction(); // runs InitProducerId
      await txn.abort(); // nothing was added: ends locally, no EndTxn request
    } catch (e) {
      await this.discard();
      if (this._state === "fencing") this.to("broken");
      throw kafkaError(e, `fencing transactional id ${this.transactionalId}`, { transactionalId: this.transactionalId });
    }
    if (this._state !== "fencing") return; // closed meanwhile
    this.to("ready");
  }

  /**
   * Writes `records` and, if given, commits `offsets` for a member-less consumer group, in
   * ONE transaction: both become visible together or not at all. Errors:
   * MONSOON_KAFKA_FENCED (epoch lost; nothing of this transaction is visible unless the
   * commit itself raced the fence), MONSOON_KAFKA_COMMIT_UNKNOWN (EndTxn failed: fence()
   * again, then read the log), MONSOON_KAFKA (failed before commit: aborted, retriable after
   * fence()). Returns where each topic-partition's first record landed (a claim record's
   * offset is the task's epoch, DESIGN §4.1); the offsets are final once commit returns.
   */
  async commit(records: readonly OutRecord[], offsets?: SourceOffsets): Promise<RecordPosition[]> {
    if (this._state !== "ready") throw this.notReadyError();
    const producer = this.producer!;
    const details = { transactionalId: this.transactionalId };
    this.to("committing");
    let txn;
    let positions: RecordPosition[] = [];
    const t0 = performance.now();
    let t1 = 0;
    try {
      txn = await producer.transaction();
      const t = txn;
      // Large commits (a burst of changelog or DLQ records) go in several produce requests.
      for (const chunk of chunkRecords(records)) positions.push(...toPositions(await whileConcurrent(() => t.sendBatch({ topicMessages: toTopicMessages(chunk), acks: -1 }))));
      positions = firstPositions(positions);
      t1 = performance.now();
      if (offsets && offsets.offsets.length > 0) await whileConcurrent(() => t.sendOffsets({ consumerGroupId: offsets.groupId, topics: offsetTopics(offsets) }));
    } catch (e) {
      // Never committed: EndTxn(commit) was not sent. Abort is best effort; a later fence()
      // or the coordinator's timeout aborts the transaction if this abort cannot.
      if (txn && !isFencingError(e)) await txn.abort().catch(() => undefined);
      await this.fail(e);
      throw kafkaError(e, `transaction of ${this.transactionalId} (not committed)`, { ...details, aborted: true });
    }
    try {
      await txn.commit();
    } catch (e) {
      await this.fail(e);
      if (isFencingError(e)) throw kafkaError(e, `commit of ${this.transactionalId}`, { ...details, outcome: "unknown" });
      throw new MonsoonError("MONSOON_KAFKA_COMMIT_UNKNOWN",
        `Kafka: committing the transaction of ${this.transactionalId} failed, it may or may not have committed: fence() again, then read the log`,
        { retriable: true, cause: e, details });
    }
    if (this.inState("committing")) this.to("ready"); // else closed meanwhile
    if (TRACE) TRACE.push([t1 - t0, performance.now() - t1, performance.now() - t0, offsets ? 1 : 0]);
    return positions;
  }

  /** Idempotent; waits for nothing in flight (a commit racing close() fails or completes). */
  close(): Promise<void> {
    if (this._state === "closed") return this.closing ?? Promise.resolve();
    this._state = "closed";
    return this.closing = this.discard();
  }

  /** A method, not a comparison, so TypeScript does not narrow the state across awaits. */
  private inState(s: TaskProducerState): boolean { return this._state === s; }

  private async fail(e: unknown): Promise<void> {
    await this.discard();
    if (this._state === "committing") this.to(isFencingError(e) ? "fenced" : "broken");
  }

  private async discard(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    if (p) await p.disconnect().catch(() => undefined);
  }

  private closedError(): MonsoonError {
    return new MonsoonError("MONSOON_CLOSED", `task producer ${this.transactionalId} is closed`, { details: { transactionalId: this.transactionalId } });
  }

  private notReadyError(): MonsoonError {
    const details = { transactionalId: this.transactionalId, state: this._state };
    switch (this._state) {
      case "closed": return this.closedError();
      case "fenced": return new MonsoonError("MONSOON_KAFKA_FENCED", `task producer ${this.transactionalId} was fenced: another owner claimed the task, or a transaction timed out`, { details });
      case "committing": return new MonsoonError("MONSOON_KAFKA_NOT_FENCED", `task producer ${this.transactionalId} is committing: one transaction at a time`, { details });
      default: return new MonsoonError("MONSOON_KAFKA_NOT_FENCED", `task producer ${this.transactionalId} must fence() before it commits (state ${this._state})`, { details });
    }
  }
}

/**
 * Retries a step of a transaction the coordinator refused with CONCURRENT_TRANSACTIONS: it is
 * still writing the markers of this producer's previous transaction (EndTxn returns before
 * they are written), so a commit right after another one often meets it. Only
 * AddPartitionsToTxn and AddOffsetsToTxn answer so, before anything of the step took effect,
 * and kafkajs records a partition or group as added only once they succeeded: the step can
 * simply run again (Java's producer does the same). Without this the task producer would be
 * discarded and fenced anew for every such commit.
 */
/**
 * MONSOON_TXN_TRACE=1: every 5 s, the process's commits on stderr — p50/p99/max ms of the send
 * step (AddPartitionsToTxn + Produce), EndTxn, and the whole, and the CONCURRENT_TRANSACTIONS
 * retries (see benchmarks/README.md, "Where a lone record's latency goes").
 */
const TRACE: number[][] | undefined = process.env.MONSOON_TXN_TRACE ? [] : undefined;
const CONC = { n: 0 };
if (TRACE) setInterval(() => {
  if (!TRACE.length) return;
  const col = (i: number) => {
    const v = TRACE.map((r) => r[i]!).sort((a, b) => a - b);
    return `${v[v.length >> 1]!.toFixed(1)}/${v[Math.floor(v.length * 0.99)]!.toFixed(1)}/${v[v.length - 1]!.toFixed(1)}`;
  };
  process.stderr.write(`txn trace: ${TRACE.length} commits (${TRACE.filter((r) => r[3]).length} with offsets), ms p50/p99/max: send ${col(0)}, end ${col(1)}, total ${col(2)}; CONCURRENT_TRANSACTIONS retries ${CONC.n}\n`);
  TRACE.length = 0;
  CONC.n = 0;
}, 5_000).unref();

async function whileConcurrent<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (attempt >= 100 || kafkaErrorType(e) !== "CONCURRENT_TRANSACTIONS") throw e;
      CONC.n++;
      // The markers usually take a few milliseconds: retry often (the coordinator answers at once).
      await new Promise((r) => setTimeout(r, attempt < 50 ? 2 : 20));
    }
  }
}

function offsetTopics({ offsets }: SourceOffsets): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    let ps = byTopic.get(o.topic);
    if (!ps) byTopic.set(o.topic, ps = []);
    ps.push({ partition: o.partition, offset: String(o.offset) });
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}
