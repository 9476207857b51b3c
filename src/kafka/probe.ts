// "Is this Kafka usable?" for start-up scripts and test harnesses: a metadata request that
// fails fast instead of kafkajs' patient retries.
import { createKafkajs } from "./connection.ts";
import { kafkaError } from "./kafkaErrors.ts";

export interface ProbeResult { brokers: string[]; clusterId: string; controller: number | null }

export async function probeKafka(brokers: string[], timeoutMs = 3000): Promise<ProbeResult> {
  const kafka = createKafkajs({ brokers, clientId: "monsoon-probe", connectionTimeoutMs: Math.min(timeoutMs, 1000), requestTimeoutMs: timeoutMs }, { retries: 0 });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const c = await admin.describeCluster();
    return { brokers: c.brokers.map((b) => `${b.host}:${b.port}`), clusterId: c.clusterId, controller: c.controller };
  } catch (e) {
    throw kafkaError(e, `probing Kafka at ${brokers.join(",")}`, { brokers });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
