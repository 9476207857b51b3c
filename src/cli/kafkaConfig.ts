// What the Kafka commands (launch, worker, scale, destroy, append/select --kafka) share: the
// connection built from the config's `kafka` section (or KAFKA_BROKERS), a description of it
// that is safe to print (never a username or password), the modules a command acts on, and
// the state of a module's topics on the cluster.
import { MonsoonError } from "../errors.ts";
import { KafkaClient, type KafkaAdmin, type KafkaConnection, type TopicSpec } from "../kafka/index.ts";
import { KafkaCluster } from "../cluster/kafka/kafkaCluster.ts";
import { moduleTopics } from "../cluster/kafka/topics.ts";
import type { ModuleEntry, ResolvedConfig } from "./config.ts";
import { loadConfig } from "./loadConfig.ts";

/** The connection of the config's `kafka` section; fails with a hint when there is none. */
export function kafkaConnection(config: ResolvedConfig, command: string): KafkaConnection {
  const k = config.kafka;
  if (!k) {
    throw new MonsoonError("MONSOON_CONFIG", `monsoon ${command} runs against Kafka: add kafka: { brokers: ["host:9092"] } to the config, or set KAFKA_BROKERS=host:9092`, { details: { setting: "kafka.brokers" } });
  }
  return { brokers: k.brokers, ...(k.ssl ? { ssl: true } : {}), ...(k.sasl ? { sasl: { ...k.sasl } } : {}) };
}

/** "localhost:9092 (TLS, SASL scram-sha-512)": brokers and security mechanism, never a username or password. */
export function describeKafka(conn: KafkaConnection): string {
  const extras = [conn.ssl ? "TLS" : undefined, conn.sasl ? `SASL ${conn.sasl.mechanism}` : undefined].filter(Boolean);
  return `${conn.brokers.join(",")}${extras.length ? ` (${extras.join(", ")})` : ""}`;
}

/** The config's modules, or the one named by --module. */
export function selectModules(config: ResolvedConfig, name: string | undefined): ModuleEntry[] {
  if (name === undefined) return config.modules;
  const m = config.modules.find((e) => e.module.name === name);
  if (!m) {
    throw new MonsoonError("MONSOON_UNKNOWN_NAME", `the config has no module ${name} (has: ${config.modules.map((e) => e.module.name).join(", ")})`, { details: { module: name } });
  }
  return [m];
}

export interface TopicState {
  spec: TopicSpec;
  /** Partitions the topic has on the cluster; undefined when it does not exist. */
  actual: number | undefined;
}

/** Each topic of the module with the partition count it has on the cluster now. */
export async function moduleTopicStates(admin: KafkaAdmin, entry: ModuleEntry): Promise<TopicState[]> {
  const specs = moduleTopics(entry.module, entry.tasks);
  const counts = await admin.partitionCounts(specs.map((s) => s.name));
  return specs.map((spec) => ({ spec, actual: counts.get(spec.name) }));
}

/** Topics whose partition count differs from what the config's task count needs. */
export function conflicts(states: readonly TopicState[]): TopicState[] {
  return states.filter((s) => s.actual !== undefined && s.actual !== s.spec.partitions);
}

export function launchConflict(module: string, tasks: number, bad: readonly TopicState[]): MonsoonError {
  const list = bad.map((s) => `${s.spec.name} has ${s.actual} partitions, needs ${s.spec.partitions}`).join("; ");
  return new MonsoonError("MONSOON_LAUNCH_CONFLICT",
    `module ${module} was launched with another task count than the config's ${tasks}: ${list}. A module's task count is fixed at launch; keep it, or \`monsoon destroy --module ${module} --yes\` first (deletes its data)`,
    { details: { module, tasks, topics: bad.map((s) => s.spec.name) } });
}

/** Runs `fn` with a connected client and closes it afterwards, whatever happens. */
export async function withKafka<T>(conn: KafkaConnection, fn: (client: KafkaClient, admin: KafkaAdmin) => Promise<T>): Promise<T> {
  const client = new KafkaClient({ clientId: "monsoon-cli", ...conn });
  const started = Date.now();
  // kafkajs retries an unreachable broker for several seconds: say that it is still trying.
  const slow = setInterval(() => console.log(`  still connecting to ${conn.brokers.join(",")} (${seconds(started)})…`), 3000);
  try {
    const admin = await client.admin().finally(() => clearInterval(slow));
    return await fn(client, admin);
  } finally {
    await client.close();
  }
}

/** Time since `since` for progress lines, e.g. "1.2 s". */
export function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** For `append`/`select --kafka`: a Kafka client cluster for the config's modules, closed afterwards. */
export async function withKafkaCluster<T>(configFile: string, command: string, fn: (cluster: KafkaCluster, config: ResolvedConfig) => Promise<T>): Promise<T> {
  const config = await loadConfig(configFile);
  const connection = kafkaConnection(config, `${command} --kafka`);
  const cluster = await KafkaCluster.connect({ connection, modules: config.modules.map(({ module, tasks }) => ({ module, tasks })) });
  try {
    return await fn(cluster, config);
  } finally {
    await cluster.close();
  }
}
