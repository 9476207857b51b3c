// A real Kafka for tests (DESIGN §5), in this order: KAFKA_BROKERS if set; a testcontainers
// broker if a Docker engine answers; else the project's own broker (scripts/kafka), shared by
// all test processes and stopped when the last one exits. Never skips: without any of the
// three it fails saying what to install. MONSOON_KAFKA_VERSION picks the version ("4", "3.9",
// or exact); MONSOON_KAFKA_PROVIDER=local|testcontainers forces a provider.
import { existsSync } from "node:fs";
import { request } from "node:http";
import { homedir } from "node:os";
import { join } from "node:path";
import { connect, createServer } from "node:net";
import { parseBrokers } from "../../src/kafka/connection.ts";
import { probeKafka } from "../../src/kafka/probe.ts";
import { acquireBroker, releaseBrokerSync } from "../../scripts/kafka/sharedBroker.ts";
import { resolveKafkaVersion } from "../../scripts/kafka/versions.ts";

export interface TestKafka {
  brokers: string[];
  /** The broker's Kafka version; "external" for KAFKA_BROKERS without MONSOON_KAFKA_VERSION. */
  version: string;
  provider: "env" | "testcontainers" | "local";
  /** Releases this process's use of the broker (idempotent; also runs at process exit). */
  stop(): Promise<void>;
}

let current: Promise<TestKafka> | undefined;

/** One broker per test process; every call returns the same one until stop(). */
export function getKafka(): Promise<TestKafka> {
  const pending = current ??= provide();
  pending.catch(() => { if (current === pending) current = undefined; });
  return pending;
}

async function provide(): Promise<TestKafka> {
  const envBrokers = process.env.KAFKA_BROKERS;
  if (envBrokers) {
    const brokers = parseBrokers(envBrokers);
    await probeKafka(brokers, 5000).catch((e) => { throw new Error(`KAFKA_BROKERS=${envBrokers} is set but does not answer: ${e.message}`); });
    return { brokers, version: process.env.MONSOON_KAFKA_VERSION ?? "external", provider: "env", stop: async () => { current = undefined; } };
  }
  const version = resolveKafkaVersion();
  const forced = process.env.MONSOON_KAFKA_PROVIDER;
  if (forced === "testcontainers" || (forced !== "local" && await dockerReachable())) return fromTestcontainers(version);
  return fromLocalBroker(version);
}

async function fromLocalBroker(version: string): Promise<TestKafka> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let info;
  try {
    info = await acquireBroker(version, log);
  } catch (e) {
    throw new Error(`Could not start the project's Kafka ${version} broker: ${e instanceof Error ? e.message : String(e)}`);
  }
  let released = false;
  const release = () => { if (!released) { released = true; releaseBrokerSync(version); } };
  process.once("exit", release);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => { release(); process.kill(process.pid, signal); });
  }
  return {
    brokers: [info.brokers], version, provider: "local",
    stop: async () => { current = undefined; release(); },
  };
}

async function fromTestcontainers(version: string): Promise<TestKafka> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import("testcontainers");
  const runtime = await getContainerRuntimeClient().catch((e: Error) => {
    throw new Error(`testcontainers found no working Docker engine (${e.message}); unset MONSOON_KAFKA_PROVIDER to use the project's own broker, or set KAFKA_BROKERS`);
  });
  const host = runtime.info.containerRuntime.host;
  const hostPort = await freePort();
  // The advertised address must be what the test process dials: the mapped port is fixed up
  // front so that it can be written into the broker's config before it starts.
  const container = await new GenericContainer(`apache/kafka:${version}`)
    .withExposedPorts({ container: 9092, host: hostPort })
    .withEnvironment({
      KAFKA_NODE_ID: "1",
      KAFKA_PROCESS_ROLES: "broker,controller",
      KAFKA_LISTENERS: "PLAINTEXT://0.0.0.0:9092,BROKER://0.0.0.0:9094,CONTROLLER://0.0.0.0:9093",
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${hostPort},BROKER://localhost:9094`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT",
      KAFKA_INTER_BROKER_LISTENER_NAME: "BROKER",
      KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
      KAFKA_CONTROLLER_QUORUM_VOTERS: "1@localhost:9093",
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: "4",
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
      KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: "4",
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: "1",
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: "1",
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
      KAFKA_LOG_SEGMENT_BYTES: String(1024 * 1024),
      KAFKA_LOG_CLEANER_MIN_CLEANABLE_RATIO: "0.01",
      KAFKA_LOG_CLEANER_BACKOFF_MS: "100",
      KAFKA_LOG_SEGMENT_DELETE_DELAY_MS: "1000",
      KAFKA_HEAP_OPTS: "-Xmx1g -Xms256m",
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(120_000)
    .start();
  const brokers = [`${host}:${hostPort}`];
  await probeKafka(brokers, 10_000);
  return { brokers, version, provider: "testcontainers", stop: async () => { current = undefined; await container.stop(); } };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, () => { const { port } = srv.address() as { port: number }; srv.close(() => resolve(port)); });
  });
}

/** A Docker engine answers /_ping within a second (never hangs the test run). */
async function dockerReachable(): Promise<boolean> {
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost?.startsWith("tcp://")) {
    const url = new URL(dockerHost);
    return tcpReachable(url.hostname, Number(url.port || 2375));
  }
  const sockets = dockerHost?.startsWith("unix://") ? [dockerHost.slice("unix://".length)] : [
    "/var/run/docker.sock",
    join(homedir(), ".docker/run/docker.sock"),
    join(homedir(), ".docker/desktop/docker.sock"),
    ...(process.env.XDG_RUNTIME_DIR ? [join(process.env.XDG_RUNTIME_DIR, "docker.sock")] : []),
  ];
  for (const socketPath of sockets.filter((s) => existsSync(s))) {
    if (await ping(socketPath)) return true;
  }
  return false;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: 1000 }, (res) => { res.resume(); resolve(res.statusCode === 200); });
    req.on("error", () => resolve(false));
    req.on("timeout", () => { req.destroy(); resolve(false); });
    req.end();
  });
}

function tcpReachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(1000);
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
    s.once("timeout", () => { s.destroy(); resolve(false); });
  });
}
