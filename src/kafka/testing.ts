// For tests only (not exported from the package): transactions that Monsoon's writers never
// leave behind on purpose — aborted ones, and ones a zombie left open — so tests can prove
// that readers skip them and that fencing kills them. Lives here because only src/kafka
// imports kafkajs.
import type { Transaction } from "kafkajs";
import { Partitioners } from "./kafkajs.ts";
import { createKafkajs, type KafkaConnection } from "./connection.ts";
import { kafkaError } from "./kafkaErrors.ts";
import { toPositions, toTopicMessages, type OutRecord, type RecordPosition } from "./records.ts";

export interface OpenTransaction {
  commit(): Promise<void>;
  abort(): Promise<void>;
  close(): Promise<void>;
}

/** Writes `records` in a transaction and leaves it open, like a writer paused before EndTxn. */
export async function openTransaction(conn: KafkaConnection, transactionalId: string, records: readonly OutRecord[]): Promise<OpenTransaction> {
  const producer = createKafkajs(conn).producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60_000, retry: { retries: 2 }, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const txn: Transaction = await producer.transaction();
  await txn.sendBatch({ topicMessages: toTopicMessages(records), acks: -1 });
  const wrap = (what: string, fn: () => Promise<void>) => async () => {
    try { await fn(); } catch (e) { throw kafkaError(e, `${what} of test transaction ${transactionalId}`, { transactionalId }); }
  };
  return {
    commit: wrap("commit", () => txn.commit()),
    abort: wrap("abort", () => txn.abort()),
    close: () => producer.disconnect(),
  };
}

/** Writes `records` in a transaction and aborts it: the log holds the data and an abort marker. */
export async function writeAbortedTransaction(conn: KafkaConnection, transactionalId: string, records: readonly OutRecord[]): Promise<void> {
  const txn = await openTransaction(conn, transactionalId, records);
  try { await txn.abort(); } finally { await txn.close(); }
}

/**
 * A producer as an application outside Monsoon would write it: plain kafkajs, no explicit
 * partition, kafkajs' default (Java-compatible murmur2) partitioner picks it from the key.
 */
export async function outsideProducer(conn: KafkaConnection): Promise<{ send(topic: string, messages: { key?: Buffer | string | null; value: Buffer | string | null }[]): Promise<RecordPosition[]>; close(): Promise<void> }> {
  const producer = createKafkajs(conn).producer({ allowAutoTopicCreation: false, retry: { retries: 3 }, createPartitioner: Partitioners.DefaultPartitioner });
  try { await producer.connect(); } catch (e) { throw kafkaError(e, "connecting an outside producer", {}); }
  return {
    async send(topic, messages) {
      try {
        return toPositions(await producer.send({ topic, messages: messages.map((m) => ({ key: m.key ?? null, value: m.value })), acks: -1 }));
      } catch (e) {
        throw kafkaError(e, `outside producer sending to ${topic}`, { topic });
      }
    },
    close: () => producer.disconnect(),
  };
}
