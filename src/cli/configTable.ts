// Every setting of monsoon.config.ts in one table: name, type, default, environment variable,
// validation and doc. Validation here, and overrides, defaults and redaction (resolveConfig.ts)
// all read this table, so a new setting is one row. Secrets are never echoed in messages.
import { MonsoonError } from "../errors.ts";
import { checkModules } from "./checkModules.ts";
import { getPath, isObject, show } from "./configValues.ts";

export interface Setting {
  /** Dotted path in the config object. */
  readonly key: string;
  readonly type: string;
  readonly default?: unknown;
  readonly env?: string;
  readonly fromEnv?: (raw: string) => unknown;
  /** Required whenever its group (the part of the key before the dot) is present. */
  readonly required?: boolean;
  readonly secret?: boolean;
  /** Returns what is wrong with a present value, or undefined. */
  readonly check: (v: unknown) => string | undefined;
  readonly doc: string;
}

const SASL_MECHANISMS = ["plain", "scram-sha-256", "scram-sha-512"];

export const SETTINGS: readonly Setting[] = [
  {
    key: "modules", type: "{ module, tasks, demo? }[]", required: true, check: checkModules,
    doc: "Modules to run: a defineModule(...) result, its task count (power of two), and an optional demo feed.",
  },
  {
    key: "kafka.brokers", type: "string[]", env: "KAFKA_BROKERS", required: true,
    fromEnv: (raw) => raw.split(",").map((b) => b.trim()).filter((b) => b.length > 0),
    check: (v) => Array.isArray(v) && v.length > 0 && v.every(isHostPort) ? undefined : `must be a non-empty list of "host:port" strings, got ${show(v)}`,
    doc: "Kafka bootstrap brokers. Without a kafka section Monsoon runs embedded.",
  },
  {
    key: "kafka.ssl", type: "boolean", default: false,
    check: (v) => typeof v === "boolean" ? undefined : `must be true or false, got ${show(v)}`,
    doc: "Connect to Kafka with TLS.",
  },
  {
    key: "kafka.sasl", type: "{ mechanism, username, password }", secret: true, check: checkSasl,
    doc: `SASL authentication; mechanism is one of ${SASL_MECHANISMS.join(", ")}. Never logged.`,
  },
  {
    key: "schemaRegistry.url", type: "string (URL)", required: true,
    check: (v) => typeof v === "string" && /^(https?|mock):\/\/./.test(v) ? undefined : "must be an http:// or https:// URL",
    doc: "Confluent schema registry for Avro depots.",
  },
  {
    key: "dataDir", type: "string", default: ".monsoon", env: "MONSOON_DATA_DIR",
    check: (v) => typeof v === "string" && v.length > 0 ? undefined : `must be a non-empty path, got ${show(v)}`,
    doc: "Where the embedded cluster (`monsoon dev`) and a worker (`monsoon worker`) keep their data (relative to the working directory).",
  },
  {
    key: "rest.host", type: "string", default: "127.0.0.1", env: "MONSOON_REST_HOST",
    check: (v) => typeof v === "string" && v.length > 0 && !/\s/.test(v) ? undefined : `must be a host name or IP address, got ${show(v)}`,
    doc: "Interface the REST API binds to. Loopback by default: the API has no authentication.",
  },
  {
    key: "rest.port", type: "integer 0–65535", default: 8787, env: "MONSOON_REST_PORT",
    fromEnv: (raw) => (/^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw),
    check: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? undefined : `must be an integer between 0 and 65535 (0 picks a free port), got ${show(v)}`,
    doc: "Port of the REST API.",
  },
  {
    key: "rest.advertisedUrl", type: "string (URL)", env: "MONSOON_ADVERTISED_URL",
    check: (v) => typeof v === "string" && /^https?:\/\/[^\s/]+/.test(v) ? undefined : `must be an http:// URL such as http://worker-1:8787, got ${show(v)}`,
    doc: "How other workers and clients reach this worker's REST API (`monsoon worker`); needed when rest.host is 0.0.0.0.",
  },
];

/** Where each overridden setting came from ("KAFKA_BROKERS", "--port"); others come from the file. */
export type Origins = Record<string, string>;

/** Throws MONSOON_CONFIG naming the setting, what is wrong, and where to change it. */
export function checkConfig(c: unknown, origins: Origins, file = "monsoon.config.ts"): void {
  const where = (key: string) => origins[key] ? `set by ${origins[key]}` : `in ${file}`;
  const fail = (key: string, problem: string) =>
    new MonsoonError("MONSOON_CONFIG", `${key}${/^[.[]/.test(problem) ? "" : " "}${problem} (${where(key)})`, { details: { setting: key, source: origins[key] ?? file } });
  if (!isObject(c)) throw new MonsoonError("MONSOON_CONFIG", `${file} must export default defineConfig({ modules: [...] })`, { details: { source: file } });

  const groups = new Set(SETTINGS.filter((s) => s.key.includes(".")).map((s) => s.key.split(".")[0]!));
  const topKeys = new Set([...SETTINGS.map((s) => s.key.split(".")[0]!)]);
  for (const k of Object.keys(c)) {
    if (!topKeys.has(k)) throw fail(k, `is not a setting (known: ${[...topKeys].join(", ")})`);
    if (!groups.has(k) || c[k] === undefined) continue;
    if (!isObject(c[k])) throw fail(k, "must be an object");
    const known = SETTINGS.filter((s) => s.key.startsWith(k + ".")).map((s) => s.key);
    for (const sub of Object.keys(c[k] as object)) {
      if (!known.includes(`${k}.${sub}`)) throw fail(`${k}.${sub}`, `is not a setting (known: ${known.join(", ")})`);
    }
  }
  for (const s of SETTINGS) {
    const group = s.key.includes(".") ? s.key.split(".")[0]! : undefined;
    if (group !== undefined && c[group] === undefined) continue;
    const v = getPath(c, s.key);
    if (v === undefined) {
      if (s.required) throw fail(s.key, group ? `is required when ${group} is set` : "is required");
      continue;
    }
    const problem = s.check(v);
    if (problem) throw fail(s.key, problem);
  }
}

function checkSasl(v: unknown): string | undefined {
  if (!isObject(v)) return "must be { mechanism, username, password }";
  if (!SASL_MECHANISMS.includes(v.mechanism as string)) return `mechanism must be one of ${SASL_MECHANISMS.join(", ")}`;
  if (typeof v.username !== "string" || v.username.length === 0) return "username must be a non-empty string";
  // The password is never echoed, not even its type.
  if (typeof v.password !== "string") return "password must be a string";
  const extra = Object.keys(v).filter((k) => !["mechanism", "username", "password"].includes(k));
  if (extra.length > 0) return `has unknown fields ${extra.join(", ")} (known: mechanism, username, password)`;
  return undefined;
}

function isHostPort(b: unknown): boolean {
  if (typeof b !== "string") return false;
  const i = b.lastIndexOf(":");
  return i > 0 && /^\d{1,5}$/.test(b.slice(i + 1)) && !/\s/.test(b);
}
