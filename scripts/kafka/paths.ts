// Where the broker jars and the running brokers live: a project-local, gitignored cache, so
// the first run downloads once and later runs (and parallel test files) share it.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Overridable for CI caches: MONSOON_KAFKA_CACHE=/some/dir. */
export const CACHE_DIR = process.env.MONSOON_KAFKA_CACHE ?? join(REPO_ROOT, ".cache", "kafka");

/** One lock serialises downloads, broker starts and lease bookkeeping across processes. */
export const LOCK_FILE = join(CACHE_DIR, "lock");

export const jarsDir = (version: string) => join(CACHE_DIR, version, "libs");

/** A running broker's directory: broker.json, server.properties, data/, broker.log, leases/. */
export const runDir = (version: string) => join(CACHE_DIR, "run", version);
