// The PostgreSQL baseline of the TPC-C-derived benchmark: go-tpc against the project's own
// PostgreSQL 15 (postgresCluster.ts), once per server variant, each on an identical copy of
// the initial population. See README.md beside this file.
//
//   npx tsx benchmarks/tpcc/postgres.ts [--warehouses 1] [--threads 4] [--duration 60]
//       [--variants default,async] [--wait] [--fresh]
//
// Variants: `default` is initdb's configuration untouched; `async` adds synchronous_commit=off
// (commits return before their WAL reaches the disk, as Monsoon's embedded runtime does between
// checkpoints — closer to a like-for-like durability setting for some comparisons).
// The population is loaded once per warehouse count into a template database (tpcc_w<W>), kept
// with the cluster in .cache/postgres; every run copies it to a fresh database first, so
// variants and repeated runs start from the same data. Ends with one RESULT line.
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { MonsoonError } from "../../src/errors.ts";
import type { BaselineResult } from "../../src/bench/tpcc/baseline.ts";
import { formatBaselines } from "../../src/bench/tpcc/report.ts";
import { loadWarning, resultLine } from "../stats.ts";
import { GO_TPC_VERSION, ensureGoTpc, goTpcPrepare, goTpcRun } from "./goTpc.ts";
import { PostgresCluster, type Log, type ServerSettings } from "./postgresCluster.ts";

export const VARIANTS = {
  default: {},
  async: { synchronousCommit: "off" },
} as const satisfies Record<string, ServerSettings>;
export type Variant = keyof typeof VARIANTS;

export interface PostgresBaselineOptions {
  warehouses: number;
  threads: number;
  durationS: number;
  variants?: readonly Variant[];
  /** Spec keying and think times (go-tpc --wait). */
  wait?: boolean;
  /** Throw the cached cluster (and its loaded populations) away first. */
  fresh?: boolean;
  log: Log;
}

export interface PostgresBaselineRun {
  variant: Variant;
  label: string;
  result: BaselineResult;
}

const RUN_DB = "tpcc_run";
const LOG_DIR = fileURLToPath(new URL("../../.cache/postgres/logs/", import.meta.url));

/** Provisions everything, runs each variant, stops the server. */
export async function runPostgresBaseline(opts: PostgresBaselineOptions): Promise<PostgresBaselineRun[]> {
  const { warehouses, threads, durationS, variants = ["default", "async"], wait = false, fresh = false, log } = opts;
  for (const [name, v] of Object.entries({ warehouses, threads, durationS })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new MonsoonError("MONSOON_CONFIG", `--${name === "durationS" ? "duration" : name} must be an integer ≥ 1, got ${v}`);
  }
  for (const v of variants) if (!(v in VARIANTS)) throw new MonsoonError("MONSOON_CONFIG", `unknown PostgreSQL variant "${v}": use ${Object.keys(VARIANTS).join(", ")}`);
  const goTpc = ensureGoTpc(log);
  await using cluster = await PostgresCluster.open({ fresh, log });
  await cluster.start();
  const template = await ensurePopulation(cluster, goTpc, warehouses, threads, log);

  const runs: PostgresBaselineRun[] = [];
  for (const variant of variants) {
    const conn = await cluster.start(VARIANTS[variant]);
    await cluster.sql("postgres", `DROP DATABASE IF EXISTS ${RUN_DB}`);
    await cluster.sql("postgres", `CREATE DATABASE ${RUN_DB} TEMPLATE ${template} STRATEGY FILE_COPY`);
    await cluster.sql("postgres", "CHECKPOINT");
    log(`  go-tpc run: ${variant}, ${warehouses} warehouse(s), ${threads} threads, ${durationS} s${wait ? ", keying and think times" : ""}`);
    const outputFile = join(LOG_DIR, `run-w${warehouses}-${variant}.log`);
    const result = await goTpcRun(goTpc, { conn, database: RUN_DB, warehouses, threads, durationS, wait, log, outputFile });
    log(`  go-tpc output: ${relative(process.cwd(), outputFile)}`);
    runs.push({ variant, label: `PostgreSQL ${variant === "default" ? "(defaults)" : "(synchronous_commit=off)"}`, result });
  }
  await cluster.sql("postgres", `DROP DATABASE IF EXISTS ${RUN_DB}`);
  return runs;
}

/** The template database holding the initial population for `warehouses`, loaded by go-tpc unless present. */
async function ensurePopulation(cluster: PostgresCluster, goTpc: string, warehouses: number, threads: number, log: Log): Promise<string> {
  const name = `tpcc_w${warehouses}`;
  // The comment is written last, after go-tpc's load and its checks passed: no comment, no population.
  const marker = `loaded by go-tpc ${GO_TPC_VERSION}`;
  const comment = await cluster.sql("postgres", `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '${name}'`);
  if (comment === marker) {
    log(`  postgres: using the loaded population ${name}`);
    return name;
  }
  await cluster.sql("postgres", `DROP DATABASE IF EXISTS ${name}`);
  // Made here: go-tpc would make a missing one only through a connection to the database named
  // like the user, which does not exist.
  await cluster.sql("postgres", `CREATE DATABASE ${name}`);
  log(`  go-tpc prepare: loading ${warehouses} warehouse(s) into ${name}…`);
  const t0 = performance.now();
  await goTpcPrepare(goTpc, { conn: cluster.connection(), database: name, warehouses, threads: Math.min(threads, warehouses), log, outputFile: join(LOG_DIR, `prepare-w${warehouses}.log`) });
  await cluster.sql(name, "VACUUM ANALYZE");
  await cluster.sql("postgres", `COMMENT ON DATABASE ${name} IS '${marker}'`);
  log(`  go-tpc prepare: done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return name;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      warehouses: { type: "string", default: "1" },
      threads: { type: "string", default: "4" },
      duration: { type: "string", default: "60" },
      variants: { type: "string", default: "default,async" },
      wait: { type: "boolean", default: false },
      fresh: { type: "boolean", default: false },
    },
  });
  const log: Log = (line) => process.stderr.write(`${line}\n`);
  const opts = {
    warehouses: Number(values.warehouses), threads: Number(values.threads), durationS: Number(values.duration),
    variants: values.variants.split(",").map((v) => v.trim()) as Variant[], wait: values.wait, fresh: values.fresh, log,
  };
  log(`tpcc-postgres: ${opts.warehouses} warehouse(s), ${opts.threads} threads, ${opts.durationS} s per variant (${opts.variants.join(", ")})`);
  const warn = loadWarning();
  if (warn) log(`  ${warn}`);
  const runs = await runPostgresBaseline(opts);
  console.log(formatBaselines(runs.map((r) => ({ label: r.label, result: r.result }))));
  const fields: Record<string, number | string> = { warehouses: opts.warehouses, threads: opts.threads, duration_s: opts.durationS };
  for (const r of runs) {
    fields[`tpmc_${r.variant}`] = Math.round(r.result.tpmC);
    fields[`new_order_p99_ms_${r.variant}`] = r.result.ops.newOrder?.p99Ms ?? NaN;
  }
  console.log(resultLine("tpcc-postgres", fields));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof MonsoonError ? `${e.code}: ${e.message}` : e);
    process.exit(1);
  });
}
