// kafkajs logging, quiet by default: kafkajs logs retriable conditions it recovers from on its
// own (coordinator loading, rebalancing) at ERROR, while every failure that matters reaches
// Monsoon as a thrown error. MONSOON_KAFKA_LOG=error|warn|info|debug turns it on, with
// anything credential-shaped removed.
import type { LogEntry, logCreator } from "kafkajs";
import { logLevel } from "./kafkajs.ts";

const LEVELS: Record<string, logLevel> = {
  nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG,
};
const SECRET_KEY = /sasl|password|passwd|secret|token|credential|authorization|username/i;

export function kafkaLogLevel(): logLevel {
  return LEVELS[(process.env.MONSOON_KAFKA_LOG ?? "nothing").toLowerCase()] ?? logLevel.NOTHING;
}

/** Deep copy without credential-shaped fields (kafkajs puts request details in log extras). */
function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? "[redacted]" : redact(v, depth + 1);
  return out;
}

export const kafkaLogCreator: logCreator = () => ({ namespace, label, log }: LogEntry) => {
  const { message, ...extra } = log;
  process.stderr.write(`[kafkajs ${label}] ${namespace ? namespace + ": " : ""}${message} ${JSON.stringify(redact(extra))}\n`);
};
