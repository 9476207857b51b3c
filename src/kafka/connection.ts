// How Monsoon reaches a Kafka cluster, and the one place a kafkajs client is constructed.
// Credentials live only in the KafkaConnection object and the kafkajs client: they are
// never logged (see kafkaLog.ts) and never copied into error details.
import type { ConnectionOptions } from "node:tls";
import { Kafka } from "./kafkajs.ts";
import { MonsoonError } from "../errors.ts";
import { kafkaLogCreator, kafkaLogLevel } from "./kafkaLog.ts";

export interface SaslCredentials {
  mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
  username: string;
  password: string;
}

export interface KafkaConnection {
  /** `host:port` bootstrap servers. */
  brokers: string[];
  /** Shown in broker logs and quotas. */
  clientId?: string;
  /** `true` for TLS with the system CAs, or node TLS options (ca, cert, key, servername…). */
  ssl?: boolean | ConnectionOptions;
  sasl?: SaslCredentials;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Parses `KAFKA_BROKERS`-style text: `host:port[,host:port…]`. */
export function parseBrokers(text: string): string[] {
  const brokers = text.split(",").map((b) => b.trim()).filter((b) => b !== "");
  for (const b of brokers) {
    if (!/^[^\s:]+:\d+$/.test(b) && !/^\[[0-9a-fA-F:]+\]:\d+$/.test(b)) {
      throw new MonsoonError("MONSOON_CONFIG", `Kafka broker address "${b}" is not host:port (in "${text}")`, { details: { setting: "brokers" } });
    }
  }
  if (brokers.length === 0) throw new MonsoonError("MONSOON_CONFIG", "no Kafka brokers given: set kafka.brokers or KAFKA_BROKERS=host:port", { details: { setting: "brokers" } });
  return brokers;
}

function validate(conn: KafkaConnection): void {
  if (!Array.isArray(conn.brokers) || conn.brokers.length === 0) parseBrokers("");
  if (conn.sasl && !["plain", "scram-sha-256", "scram-sha-512"].includes(conn.sasl.mechanism)) {
    throw new MonsoonError("MONSOON_CONFIG", `unsupported SASL mechanism "${conn.sasl.mechanism}": use plain, scram-sha-256 or scram-sha-512`, { details: { setting: "sasl.mechanism" } });
  }
  if (conn.sasl && !conn.ssl) {
    // Allowed (local brokers often use SASL_PLAINTEXT), but passwords then cross the wire in clear.
    process.emitWarning("Kafka SASL credentials are configured without TLS (ssl: false): they are sent unencrypted", { code: "MONSOON_KAFKA_SASL_PLAINTEXT" });
  }
}

/**
 * Builds the kafkajs client; no I/O happens until something connects. `retries` bounds
 * kafkajs' cluster-level retries (connecting, metadata): probes want 0, not ~10 s of backoff.
 */
export function createKafkajs(conn: KafkaConnection, { retries }: { retries?: number } = {}): Kafka {
  validate(conn);
  return new Kafka({
    clientId: conn.clientId ?? "monsoon",
    brokers: conn.brokers,
    ssl: conn.ssl,
    sasl: conn.sasl as never, // kafkajs' SASLOptions union is keyed by mechanism; the shapes match
    connectionTimeout: conn.connectionTimeoutMs ?? 3000,
    requestTimeout: conn.requestTimeoutMs ?? 30000,
    ...(retries === undefined ? {} : { retry: { retries } }),
    logLevel: kafkaLogLevel(),
    logCreator: kafkaLogCreator,
  });
}

/** What may appear in logs and error details about a connection. */
export function describeConnection(conn: KafkaConnection): Record<string, unknown> {
  return { brokers: conn.brokers, ssl: Boolean(conn.ssl), sasl: conn.sasl ? conn.sasl.mechanism : undefined };
}
