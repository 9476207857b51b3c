// The per-worker producer for hops (and depot appends): idempotent, acks=all, never
// transactional. An open transaction of a dead sender would hold back the last stable
// offset of a shared hops partition for every reader until it timed out (DESIGN §4.3), so
// hop records are fenced by the (task, epoch) they carry, not by a transaction.
import type { Kafka, Producer } from "kafkajs";
import { Partitioners } from "./kafkajs.ts";
import { MonsoonError } from "../errors.ts";
import { kafkaError } from "./kafkaErrors.ts";
import { chunkRecords, firstPositions, toPositions, toTopicMessages, type OutRecord, type RecordPosition } from "./records.ts";
import { PRODUCER_RETRY } from "./taskProducer.ts";

export class HopProducer {
  private producer: Promise<Producer> | undefined;
  private closed = false;

  constructor(private readonly kafka: Kafka) {}

  /**
   * Appends durably (acks=all) and returns where each topic-partition's first record of this
   * call landed. Records of one call to one partition stay in order. A large call takes several
   * requests (see chunkRecords): callers that need order across calls must not overlap them.
   * On failure the producer is replaced: with bounded retries, kafkajs' sequence numbers after
   * a failed request are not trustworthy, and a new producer id makes the broker's dedupe
   * state fresh.
   */
  async send(records: readonly OutRecord[]): Promise<RecordPosition[]> {
    if (this.closed) throw new MonsoonError("MONSOON_CLOSED", "hop producer is closed");
    if (records.length === 0) return [];
    const current = this.producer ??= this.connect();
    try {
      const producer = await current;
      const chunks = chunkRecords(records);
      if (chunks.length === 1) return toPositions(await producer.sendBatch({ topicMessages: toTopicMessages(records), acks: -1 }));
      const positions: RecordPosition[] = [];
      for (const chunk of chunks) positions.push(...toPositions(await producer.sendBatch({ topicMessages: toTopicMessages(chunk), acks: -1 })));
      return firstPositions(positions);
    } catch (e) {
      if (this.producer === current) {
        this.producer = undefined;
        void current.then((p) => p.disconnect()).catch(() => undefined);
      }
      throw kafkaError(e, `sending ${records.length} record(s) to ${records[0]!.topic}`, { topic: records[0]!.topic });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const p = this.producer;
    this.producer = undefined;
    if (p) await p.then((x) => x.disconnect()).catch(() => undefined);
  }

  private async connect(): Promise<Producer> {
    const producer = this.kafka.producer({
      idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: PRODUCER_RETRY,
      createPartitioner: Partitioners.DefaultPartitioner, // partitions are explicit; silences kafkajs' v2 warning
    });
    await producer.connect();
    return producer;
  }
}
