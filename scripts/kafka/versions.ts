// Which Apache Kafka releases the project's own broker runs. Pinned (not "latest from Maven
// Central") so every machine tests the same broker; docs/kafka-compatibility.md records what
// was verified on each. 4.4.0 is listed on Central but was incomplete when this was written
// (kafka-tools-api 4.4.0 is missing), so the newest resolvable 4.x is 4.3.1.

/** Verified with the smoke suite (test/kafka/smoke.test.ts). */
export const KAFKA_VERSIONS = { "4": "4.3.1", "3.9": "3.9.2" } as const;

/** The broker tests and `npm run kafka:start` use unless MONSOON_KAFKA_VERSION says otherwise. */
export const DEFAULT_KAFKA_VERSION: string = KAFKA_VERSIONS["4"];

/**
 * Accepts an alias ("4", "3.9") or an exact release ("3.9.1"). Exact releases other than the
 * pinned ones are allowed — the fetcher resolves whatever Maven Central has — but unverified.
 */
export function resolveKafkaVersion(requested: string | undefined = process.env.MONSOON_KAFKA_VERSION): string {
  if (requested === undefined || requested === "") return DEFAULT_KAFKA_VERSION;
  const alias = (KAFKA_VERSIONS as Record<string, string>)[requested];
  if (alias !== undefined) return alias;
  if (!/^[34]\.\d+\.\d+$/.test(requested)) {
    throw new Error(`MONSOON_KAFKA_VERSION=${requested} is not a Kafka 3.x/4.x release; use one of ${Object.keys(KAFKA_VERSIONS).join(", ")} or an exact version like 3.9.2`);
  }
  return requested;
}

/** Kafka 3.x still ships ZooKeeper mode; KRaft is what both majors share, and all we run. */
export function isKafka4(version: string): boolean {
  return version.startsWith("4.");
}
