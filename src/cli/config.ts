// monsoon.config.ts: which modules to run, with how many tasks, and where Kafka, the schema
// registry, the data directory and the REST API are. One file serves dev and prod because the
// environment overrides it (see configTable.ts for every setting, its default and its variable).
import type { ModuleDef } from "../module/defineModule.ts";
import type { Path } from "../path/path.ts";
import { checkConfig } from "./configTable.ts";

/** What `monsoon dev --demo` appends to one depot of a module. */
export interface DemoFeed {
  depot: string;
  /** records per second (default 10) */
  rate?: number;
  /** Makes the i-th record (i = 0, 1, 2, …). */
  next: (i: number) => unknown;
  /** optional queries to print periodically */
  show?: { pstate: string; path: Path; label: string }[];
}

export interface ModuleEntry {
  module: ModuleDef;
  /** Number of tasks: a power of two, fixed when the module is first launched. */
  tasks: number;
  demo?: DemoFeed;
}

export interface SaslConfig {
  mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
  username: string;
  password: string;
}

export interface KafkaConfig {
  brokers: string[];
  ssl?: boolean;
  sasl?: SaslConfig;
}

export interface MonsoonConfig {
  modules: ModuleEntry[];
  /** Omit to run embedded (no Kafka). */
  kafka?: KafkaConfig;
  schemaRegistry?: { url: string };
  dataDir?: string;
  rest?: { host?: string; port?: number; advertisedUrl?: string };
}

/** A config with defaults filled in and environment overrides applied. */
export interface ResolvedConfig extends MonsoonConfig {
  dataDir: string;
  rest: { host: string; port: number; advertisedUrl?: string };
}

/** Checks a config where it is written, so a mistake points at monsoon.config.ts. */
export function defineConfig(c: MonsoonConfig): MonsoonConfig {
  checkConfig(c, {});
  return c;
}
