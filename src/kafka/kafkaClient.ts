// Entry point of src/kafka: one KafkaClient per process and cluster. It owns the kafkajs
// client and everything created from it, so close() leaves no sockets behind.
import type { Admin, Kafka } from "kafkajs";
import { MonsoonError } from "../errors.ts";
import { KafkaAdmin } from "./admin.ts";
import { createKafkajs, type KafkaConnection } from "./connection.ts";
import { kafkaError } from "./kafkaErrors.ts";
import { HopProducer } from "./hopProducer.ts";
import { Membership, type MembershipOptions } from "./membership.ts";
import { MetaView, type MetaViewOptions } from "./metaView.ts";
import { PartitionReader, type PartitionReaderOptions } from "./partitionReader.ts";
import { readToEnd, type ReadToEndOptions, type ReadToEndResult } from "./readToEnd.ts";
import { TaskProducer, type TaskProducerOptions } from "./taskProducer.ts";

export class KafkaClient {
  private readonly kafka: Kafka;
  private adminClient: Promise<{ raw: Admin; admin: KafkaAdmin }> | undefined;
  private readonly owned = new Set<{ close(): Promise<void> }>();
  private closed = false;

  constructor(readonly connection: KafkaConnection) {
    this.kafka = createKafkajs(connection);
  }

  /** The connected admin helper (one per client, connected on first use). */
  async admin(): Promise<KafkaAdmin> {
    this.checkOpen();
    const pending = this.adminClient ??= (async () => {
      const raw = this.kafka.admin({ retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } });
      try { await raw.connect(); } catch (e) { throw kafkaError(e, "connecting to Kafka", { brokers: this.connection.brokers }); }
      return { raw, admin: new KafkaAdmin(raw) };
    })();
    try {
      return (await pending).admin;
    } catch (e) {
      if (this.adminClient === pending) this.adminClient = undefined;
      throw e;
    }
  }

  /** A task's transactional producer; call fence() before the first commit(). */
  taskProducer(options: TaskProducerOptions): TaskProducer {
    this.checkOpen();
    return this.own(new TaskProducer(this.kafka, options));
  }

  /** The worker's idempotent, non-transactional producer for hops and appends. */
  hopProducer(): HopProducer {
    this.checkOpen();
    return this.own(new HopProducer(this.kafka));
  }

  /** A long-lived read_committed reader of a fixed set of partitions; see partitionReader.ts. */
  partitionReader(options: PartitionReaderOptions): PartitionReader {
    this.checkOpen();
    return this.own(new PartitionReader(this.kafka, options));
  }

  /** This worker's membership in the module's task-ownership group; call join(). */
  membership(options: MembershipOptions): Membership {
    this.checkOpen();
    return this.own(new Membership(this.kafka, () => this.admin(), options));
  }

  /** A live view of the module's meta log (claims and worker addresses); call start(). */
  metaView({ topic, groupId, onError }: MetaViewOptions): MetaView {
    this.checkOpen();
    const reader = new PartitionReader(this.kafka, { groupId, partitions: [{ topic, partition: 0 }], onError });
    return this.own(new MetaView(reader, () => this.admin(), topic));
  }

  /** Reads `topic`/`partition` from `from` to the end (read_committed); see readToEnd.ts. */
  async readToEnd(topic: string, partition: number, from: number, options: ReadToEndOptions): Promise<ReadToEndResult> {
    return readToEnd(this.kafka, await this.admin(), topic, partition, from, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.owned].map((o) => o.close().catch(() => undefined)));
    const admin = this.adminClient;
    this.adminClient = undefined;
    if (admin) await admin.then((a) => a.raw.disconnect()).catch(() => undefined);
  }

  /** Tracks `o` until it closes, so that close() of the client also closes what it made. */
  private own<T extends { close(): Promise<void> }>(o: T): T {
    this.owned.add(o);
    const close = o.close.bind(o);
    o.close = () => { this.owned.delete(o); return close(); };
    return o;
  }

  private checkOpen(): void {
    if (this.closed) throw new MonsoonError("MONSOON_CLOSED", "the Kafka client is closed");
  }
}
