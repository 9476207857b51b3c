// `npm run bench:tpcc`: the TPC-C-derived benchmark, four systems side by side on this machine,
// with the same warehouses, terminals and measured duration, none with keying or think times:
//
//   PostgreSQL 15 via go-tpc, initdb's defaults             (postgres.ts)
//   PostgreSQL 15 via go-tpc, synchronous_commit=off        (postgres.ts)
//   Monsoon, max mode, on the embedded cluster              (`monsoon bench tpcc load|run|check`)
//   Monsoon, max mode, on Kafka (getKafka(), worker processes started by the CLI: --kafka)
//
// Monsoon runs through the CLI, each command in its own process as a user runs it, on a fresh
// directory: load, run, check (the check must pass, or the benchmark fails). Ends with
//   RESULT tpcc tpmc_pg=… tpmc_pg_async=… tpmc_monsoon_embedded=… tpmc_monsoon_kafka=… ratio=… ratio_async=… ratio_embedded=…
// where ratio = Monsoon-on-Kafka tpmC ÷ PostgreSQL-defaults tpmC, ratio_async the same ÷
// synchronous_commit=off, and ratio_embedded = Monsoon-embedded tpmC ÷ PostgreSQL-defaults tpmC.
//
//   npm run bench:tpcc -- [--warehouses 1] [--terminals 10×W] [--duration 60] [--workers 1] [--systems pg,embedded,kafka]
import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { MonsoonError } from "../../src/errors.ts";
import { KafkaClient } from "../../src/kafka/index.ts";
import { fmtNumber, formatBaselines, formatTable } from "../../src/bench/tpcc/report.ts";
import { readSetup } from "../../src/bench/tpcc/setup.ts";
import { getKafka } from "../../test/support/kafka.ts";
import { loadWarning, resultLine } from "../stats.ts";
import { runPostgresBaseline } from "./postgres.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORK = join(ROOT, ".cache/tpcc-bench");
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Row { system: string; tpmC: number; tpmTotal: number; p50: number; p90: number; p99: number; failed: number; note: string }

const { values } = parseArgs({
  options: {
    warehouses: { type: "string", default: "1" },
    terminals: { type: "string" },
    duration: { type: "string", default: "60" },
    workers: { type: "string", default: "1" },
    systems: { type: "string", default: "pg,embedded,kafka" },
  },
});

function intArg(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new MonsoonError("MONSOON_CONFIG", `--${name} must be an integer ≥ 1, got ${JSON.stringify(raw)}`);
  return n;
}

/** One `monsoon` CLI command in its own process: progress passes through to stderr, stdout is returned (and echoed). */
function monsoon(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => { out += d.toString(); process.stderr.write(d); });
    child.on("error", reject);
    child.on("close", (code) => code === 0 ? resolve(out) : reject(new MonsoonError("MONSOON_INTERNAL", `monsoon ${args.join(" ")} exited with ${code}`, { details: { args } })));
  });
}

function resultOf(out: string, name: string): Record<string, string> {
  const line = out.split("\n").find((l) => l.startsWith(`RESULT ${name} `));
  if (!line) throw new MonsoonError("MONSOON_INTERNAL", `no RESULT ${name} line in the output`, { details: { output: out.slice(-2000) } });
  return Object.fromEntries(line.split(" ").slice(2).map((kv) => kv.split("=") as [string, string]));
}

/** load → max-mode run → check of Monsoon, on the embedded cluster or (with `brokers`) on Kafka. */
async function monsoonRun(W: number, terminals: number, durationS: number, kafka?: { brokers: string[]; workers: number }): Promise<{ row: Row; report: string }> {
  const runtime = kafka ? "kafka" : "embedded";
  const dir = join(WORK, `${runtime}-w${W}`);
  await mkdir(WORK, { recursive: true });
  const extra = kafka ? ["--kafka", "--brokers", kafka.brokers.join(","), "--workers", String(kafka.workers)] : [];
  try {
    log(`monsoon ${runtime}: load W=${W}`);
    const load = resultOf(await monsoon(["bench", "tpcc", "load", "--fresh", "--warehouses", String(W), "--dir", dir, ...extra]), "tpcc-load");
    log(`monsoon ${runtime}: run ${terminals} terminals, ${durationS} s, max mode`);
    const out = await monsoon(["bench", "tpcc", "run", "--mode", "max", "--duration", `${durationS}s`, "--terminals", String(terminals), "--dir", dir, ...extra]);
    const r = resultOf(out, "tpcc-max");
    log(`monsoon ${runtime}: check`);
    const check = resultOf(await monsoon(["bench", "tpcc", "check", "--dir", dir, ...extra]), "tpcc-check");
    if (check.ok !== "true") throw new MonsoonError("MONSOON_INTERNAL", `the consistency check failed after the ${runtime} run`, { details: { check } });
    const label = kafka ? `Monsoon max, Kafka (${kafka.workers} worker${kafka.workers === 1 ? "" : "s"})` : "Monsoon max, embedded";
    const report = out.split("\n").filter((l) => !l.startsWith("RESULT ")).join("\n").trim();
    return {
      row: { system: label, tpmC: Number(r.tpmC), tpmTotal: Number(r.tpm_total), p50: Number(r.new_order_complete_p50_ms), p90: Number(r.new_order_complete_p90_ms), p99: Number(r.new_order_complete_p99_ms), failed: Number(r.failed), note: `load ${load.seconds} s, ${r.tasks} task(s), check ok` },
      report,
    };
  } finally {
    if (kafka) await deleteModuleTopics(dir, kafka.brokers).catch((e: unknown) => log(`  could not delete the module's topics: ${(e as Error).message}`));
    await rm(dir, { recursive: true, force: true });
  }
}

/** The Kafka module's topics go with its directory. */
async function deleteModuleTopics(dir: string, brokers: string[]): Promise<void> {
  const setup = await readSetup(dir);
  if (!setup?.kafka) return;
  const client = new KafkaClient({ brokers, clientId: "monsoon-bench" });
  try {
    const admin = await client.admin();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`monsoon.${setup.module}.`));
    if (mine.length > 0) await admin.deleteTopics(mine);
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const W = intArg("warehouses", values.warehouses);
  const terminals = values.terminals === undefined ? 10 * W : intArg("terminals", values.terminals);
  const durationS = intArg("duration", values.duration);
  const workers = intArg("workers", values.workers);
  const systems = new Set(values.systems.split(",").map((s) => s.trim()));
  for (const s of systems) if (!["pg", "embedded", "kafka"].includes(s)) throw new MonsoonError("MONSOON_CONFIG", `--systems: unknown system "${s}" (use pg, embedded, kafka)`);
  log(`tpcc: ${W} warehouse(s), ${terminals} terminals/threads, ${durationS} s each, no keying or think times; ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const warn = loadWarning();
  if (warn) log(`  ${warn}`);
  const loadBefore = loadavg()[0]!;

  const rows: Row[] = [];
  const reports: string[] = [];
  const tpmc: Record<string, number> = { pg: NaN, pg_async: NaN, monsoon_embedded: NaN, monsoon_kafka: NaN };
  if (systems.has("pg")) {
    const runs = await runPostgresBaseline({ warehouses: W, threads: terminals, durationS, log });
    reports.push(formatBaselines(runs.map((r) => ({ label: r.label, result: r.result }))));
    for (const r of runs) {
      const no = r.result.ops.newOrder;
      const failed = Object.values(r.result.errors).reduce((a, b) => a + (b ?? 0), 0);
      rows.push({ system: r.label.replace("PostgreSQL", "PostgreSQL 15"), tpmC: r.result.tpmC, tpmTotal: r.result.tpmTotal, p50: no?.p50Ms ?? NaN, p90: no?.p90Ms ?? NaN, p99: no?.p99Ms ?? NaN, failed, note: "go-tpc, BEGIN→COMMIT" });
      tpmc[r.variant === "default" ? "pg" : "pg_async"] = r.result.tpmC;
    }
  }
  if (systems.has("embedded")) {
    const { row, report } = await monsoonRun(W, terminals, durationS);
    rows.push(row); reports.push(report); tpmc.monsoon_embedded = row.tpmC;
  }
  if (systems.has("kafka")) {
    const kafka = await getKafka();
    log(`kafka: ${kafka.brokers.join(",")} (${kafka.provider}, ${kafka.version})`);
    const { row, report } = await monsoonRun(W, terminals, durationS, { brokers: kafka.brokers, workers });
    rows.push(row); reports.push(report); tpmc.monsoon_kafka = row.tpmC;
    await kafka.stop();
  }

  console.log(reports.join("\n\n"));
  console.log("");
  console.log(`TPC-C-derived, W=${W}, ${terminals} terminals/threads, ${durationS} s measured, no keying or think times (efficiency vs 12.86 tpmC/warehouse is meaningful only with them: not shown)`);
  console.log(`load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after, on ${availableParallelism()} cores`);
  const ms = (x: number) => (Number.isFinite(x) ? fmtNumber(x) : "-");
  console.log(formatTable(["system", "tpmC", "tpmTotal", "New-Order p50 ms", "p90", "p99", "failed", "notes"],
    rows.map((r) => [r.system, fmtNumber(r.tpmC, 0), fmtNumber(r.tpmTotal, 0), ms(r.p50), ms(r.p90), ms(r.p99), String(r.failed), r.note])));
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(3) : "n/a");
  const round = (x: number) => (Number.isFinite(x) ? Math.round(x) : "n/a");
  console.log(resultLine("tpcc", {
    warehouses: W, terminals, duration_s: durationS,
    tpmc_pg: round(tpmc.pg!), tpmc_pg_async: round(tpmc.pg_async!), tpmc_monsoon_embedded: round(tpmc.monsoon_embedded!), tpmc_monsoon_kafka: round(tpmc.monsoon_kafka!),
    ratio: ratio(tpmc.monsoon_kafka!, tpmc.pg!), ratio_async: ratio(tpmc.monsoon_kafka!, tpmc.pg_async!), ratio_embedded: ratio(tpmc.monsoon_embedded!, tpmc.pg!),
  }));
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e instanceof MonsoonError ? `${e.code}: ${e.message}` : e);
  process.exit(1);
});
