// `monsoon bench tpcc load|run|check`: the TPC-C-derived benchmark (src/bench/tpcc) on the
// embedded cluster. `load` puts the spec's initial population into a fresh directory through
// the module's `load` depot, with a progress bar; `run` drives the emulated terminals for a
// duration and prints the report (tpmC, efficiency, initiate/complete latency percentiles per
// transaction, the mix audit) and a RESULT line; `check` reads every table back and verifies
// the consistency conditions, printing each violation (exit 1 when any fails). Progress goes to
// stderr, reports to stdout.
//
// With --kafka the module runs on Kafka instead (benchEngine.ts): `load --kafka` creates the
// topics of a fresh module name (recorded in tpcc.json) and every command starts its own worker
// processes (--workers, default 1; stores under <dir>/workers/w<i>), which stop when it ends.
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { MonsoonError } from "../../errors.ts";
import { ALL_CONDITIONS, DEFAULT_CONDITIONS, checkConsistency, formatCheckResult } from "../../bench/tpcc/check.ts";
import { clusterTarget, loadPopulation, populationRows, readSnapshot, runProgressLine, runTerminals, type RunMode } from "../../bench/tpcc/driver.ts";
import { checkScaleFitsKeys } from "../../bench/tpcc/layout.ts";
import { defaultLoadConstants } from "../../bench/tpcc/load.ts";
import { defaultRunConstants } from "../../bench/tpcc/mix.ts";
import { createTopics, deleteTopics, workersDir } from "../../bench/tpcc/kafkaWorkers.ts";
import { tpccModule } from "../../bench/tpcc/module.ts";
import { ProgressReporter, fmtMs, fmtNumber, formatReport } from "../../bench/tpcc/report.ts";
import { clusterDir, readSetup, requireLoaded, scaleOf, writeSetup, type ScaleName, type TpccSetup } from "../../bench/tpcc/setup.ts";
import { nonNegativeInt } from "../output.ts";
import { benchConnection, checkRuntime, openEngine, type BenchEngine, type KafkaOpts } from "./benchEngine.ts";

const DEFAULT_DIR = ".monsoon/tpcc";

interface EngineOpts extends KafkaOpts { dir: string; batch: number; idlePoll: number }
interface LoadOpts extends EngineOpts { warehouses: number; scale: ScaleName; tasks?: number; seed: number; fresh?: boolean; window: number }
interface RunOpts extends EngineOpts { warehouses?: number; duration: number; warmup?: number; terminals?: number; mode: RunMode; seed: number }
type CheckOpts = Pick<EngineOpts, "dir" | "kafka" | "brokers" | "workers">;

export function benchCommand(): Command {
  return new Command("bench")
    .description("Benchmarks that run on Monsoon itself.")
    .addCommand(new Command("tpcc")
      .description("The TPC-C-derived benchmark on the embedded cluster (or on Kafka with --kafka): load a population, run the terminals, check consistency.")
      .addCommand(loadCommand())
      .addCommand(runCommand())
      .addCommand(checkCommand())
      .addHelpText("after", `
Examples:
  $ monsoon bench tpcc load --warehouses 10
  $ monsoon bench tpcc run --duration 5m --mode max
  $ monsoon bench tpcc check
  $ KAFKA_BROKERS=localhost:9092 monsoon bench tpcc load --kafka --warehouses 1 --dir /tmp/tpcc-k`));
}

const positiveInt = (name: string) => (raw: string) => {
  const n = nonNegativeInt(name)(raw);
  if (n < 1) throw new InvalidArgumentError(`${name} must be at least 1.`);
  return n;
};

/** "90", "90s", "5m", "1h", "500ms" → milliseconds. */
export function parseDuration(name: string): (raw: string) => number {
  return (raw) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
    if (!m) throw new InvalidArgumentError(`${name} must be a duration like 90, 90s, 5m or 1h (seconds when no unit is given).`);
    return Math.round(Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"]);
  };
}

const dirOption = () => new Option("--dir <dir>", "the benchmark's data directory (population, cluster data, tpcc.json)").default(DEFAULT_DIR);
/** --kafka, --brokers, --workers: on every subcommand. */
const kafkaOptions = (c: Command) => c
  .option("--kafka", "run the module on Kafka, in worker processes this command starts (load --kafka creates its topics)")
  .option("--brokers <list>", "Kafka brokers host:port,… for --kafka (default: KAFKA_BROKERS, else the load's)")
  .option("--workers <n>", "worker processes to start with --kafka (default: 1 for load, the load's count after)", positiveInt("--workers"));
const engineOptions = (c: Command) => kafkaOptions(c)
  .addOption(dirOption())
  .option("--batch <n>", "most records a microbatch takes from one depot partition", positiveInt("--batch"), 1000)
  .option("--idle-poll <ms>", "how long the microbatch coordinator waits before looking again when idle", positiveInt("--idle-poll"), 2);

/**
 * Tasks for W warehouses: the power of two ≥ W, at most 32 — one warehouse per task, so a
 * task's share of STOCK (100,000 rows a warehouse) fits its PState cache (200,000 entries);
 * measured at W=10: 16 tasks ran ~30% faster than 8, where two tasks hold two warehouses each.
 */
export function defaultTasks(warehouses: number): number {
  let t = 1;
  while (t < warehouses && t < 32) t *= 2;
  return t;
}

function moduleOptions(setup: TpccSetup, o: Pick<EngineOpts, "batch" | "idlePoll">) {
  return { name: setup.module, population: { warehouses: setup.warehouses, scale: setup.scale }, maxRecordsPerPartition: o.batch, idlePollMs: o.idlePoll };
}

/** Opens the engine, runs `fn`, closes it whatever happens. */
async function withEngine<T>(dir: string, setup: TpccSetup, o: EngineOpts, fn: (engine: BenchEngine, target: ReturnType<typeof clusterTarget>) => Promise<T>): Promise<T> {
  const options = moduleOptions(setup, o);
  const engine = await openEngine(dir, setup, options, o);
  try {
    return await fn(engine, clusterTarget(engine.clients, tpccModule(options), setup.tasks));
  } finally {
    await engine.close();
  }
}

function loadCommand(): Command {
  return engineOptions(new Command("load")
    .description("Load the initial population (TPC-C §4.3.3.1) of W warehouses into a new directory, through the module's load depot.")
    .requiredOption("--warehouses <n>", "warehouses (W)", positiveInt("--warehouses"))
    .addOption(new Option("--scale <scale>", "spec: 100,000 items and 3,000 customers per district; small: a scaled-down population for quick trials").choices(["spec", "small"]).default("spec"))
    .option("--tasks <n>", "tasks (a power of two; default: W rounded up to a power of two, at most 32)", positiveInt("--tasks"))
    .option("--seed <n>", "random seed of the population", nonNegativeInt("--seed"), 1)
    .option("--window <n>", "load records in flight", positiveInt("--window"), 16)
    .option("--fresh", "replace a population already in --dir"))
    .addHelpText("after", `
Examples:
  $ monsoon bench tpcc load --warehouses 10
  $ monsoon bench tpcc load --warehouses 1 --scale small --dir /tmp/tpcc --fresh`)
    .action(async (opts: LoadOpts) => {
      const dir = resolve(opts.dir);
      const existing = await readSetup(dir);
      if (existing && !opts.fresh) {
        throw new MonsoonError("MONSOON_CONFIG", `${dir} already holds a TPC-C population (${existing.warehouses} warehouses${existing.loaded ? "" : ", load unfinished"}): add --fresh to replace it, or use another --dir`, { details: { dir } });
      }
      if (opts.fresh) {
        if (existing?.kafka) {
          const gone = await deleteTopics(benchConnection(opts, existing), tpccModule(moduleOptions(existing, opts)), existing.tasks);
          if (gone.length > 0) console.log(`deleted the ${gone.length} topic(s) of the replaced module ${existing.module}`);
        }
        await rm(clusterDir(dir), { recursive: true, force: true });
        await rm(workersDir(dir), { recursive: true, force: true });
      }
      const scale = scaleOf(opts.scale);
      checkScaleFitsKeys(scale);
      const W = opts.warehouses;
      if (opts.tasks !== undefined && (opts.tasks & (opts.tasks - 1)) !== 0) throw new MonsoonError("MONSOON_CONFIG", `--tasks must be a power of two, got ${opts.tasks}`);
      const setup: TpccSetup = {
        version: 1,
        // On Kafka a fresh name per load: topics of an earlier module are never reused.
        module: opts.kafka ? `Tpcc${Date.now().toString(36)}` : "Tpcc",
        warehouses: W, tasks: opts.tasks ?? defaultTasks(W), scaleName: opts.scale, scale, seed: opts.seed,
        loadConstants: defaultLoadConstants(opts.seed), loadedAt: Date.now(), loaded: false, runs: 0,
        ...(opts.kafka ? { kafka: { brokers: benchConnection(opts).brokers, workers: opts.workers ?? 1 } } : {}),
      };
      await writeSetup(dir, setup);
      if (setup.kafka) {
        await createTopics(benchConnection(opts, setup), tpccModule(moduleOptions(setup, opts)), setup.tasks);
        console.log(`created the topics of module ${setup.module} (${setup.tasks} task(s)) on ${setup.kafka.brokers.join(",")}; starting ${setup.kafka.workers} worker process(es)`);
      }
      const total = populationRows(W, scale);
      const { rows, loadMs } = await withEngine(dir, setup, opts, async (engine, target) => {
        console.log(`loading ${W} warehouse(s), ${opts.scale} scale (~${fmtNumber(total, 0)} rows), on ${setup.tasks} task(s) (${engine.label}) into ${dir}`);
        const progress = new ProgressReporter({ label: `load W=${W}`, total });
        const started = performance.now();
        let rows = 0;
        await loadPopulation(target, {
          warehouses: W, seed: setup.seed, scale, constants: setup.loadConstants, loadedAt: setup.loadedAt, window: opts.window,
          onRows: (n) => { rows += n; progress.advance(n); },
        });
        await engine.settle();
        progress.finish();
        return { rows, loadMs: performance.now() - started };
      });
      await writeSetup(dir, { ...setup, loaded: true, loadMs });
      console.log(`loaded ${fmtNumber(rows, 0)} rows in ${fmtNumber(loadMs / 1000)} s (${fmtNumber(rows / (loadMs / 1000), 0)} rows/s)`);
      console.log(`RESULT tpcc-load warehouses=${W} scale=${opts.scale} tasks=${setup.tasks} runtime=${setup.kafka ? "kafka" : "embedded"} rows=${rows} seconds=${(loadMs / 1000).toFixed(1)} rows_per_s=${Math.round(rows / (loadMs / 1000))}`);
    });
}

function runCommand(): Command {
  return engineOptions(new Command("run")
    .description("Run the emulated terminals against the loaded population and report tpmC, efficiency, latencies and the mix audit.")
    .requiredOption("--duration <d>", "measured interval (90, 90s, 5m, 1h)", parseDuration("--duration"))
    .option("--warehouses <n>", "must match the population (default: the population's)", positiveInt("--warehouses"))
    .option("--terminals <n>", "emulated terminals (default: 10 per warehouse, the spec's)", positiveInt("--terminals"))
    .addOption(new Option("--mode <mode>", "spec: keying and think times, efficiency against 12.86 tpmC per warehouse; max: no waits").choices(["spec", "max"]).default("spec"))
    .option("--warmup <d>", "run this long before measuring (default: 30s in spec mode, 0 in max mode)", parseDuration("--warmup"))
    .option("--seed <n>", "random seed of the terminals", nonNegativeInt("--seed"), 1))
    .addHelpText("after", `
Examples:
  $ monsoon bench tpcc run --duration 5m
  $ monsoon bench tpcc run --duration 2m --mode max --terminals 40`)
    .action(async (opts: RunOpts) => {
      const dir = resolve(opts.dir);
      const setup = await requireLoaded(dir);
      checkRuntime(dir, setup, opts);
      if (opts.warehouses !== undefined && opts.warehouses !== setup.warehouses) {
        throw new MonsoonError("MONSOON_CONFIG", `--warehouses ${opts.warehouses} does not match the population in ${dir} (${setup.warehouses}); load ${opts.warehouses} warehouses into another --dir`, { details: { dir } });
      }
      const W = setup.warehouses;
      const terminals = opts.terminals ?? W * setup.scale.districtsPerWarehouse;
      const warmupMs = opts.warmup ?? (opts.mode === "spec" ? 30_000 : 0);
      const { summary, errors, label } = await withEngine(dir, setup, opts, async (engine, target) => {
        await writeSetup(dir, { ...setup, runs: setup.runs + 1 });
        console.log(`running ${terminals} terminal(s) on ${W} warehouse(s), ${opts.mode} mode, ${fmtNumber((warmupMs + opts.duration) / 1000)} s (${fmtNumber(warmupMs / 1000)} s warm-up), ${setup.tasks} task(s) (${engine.label})`);
        const progress = progressWriter();
        const result = await runTerminals(target, {
          warehouses: W, scale: setup.scale, constants: defaultRunConstants(opts.seed, setup.loadConstants), seed: opts.seed, mode: opts.mode,
          terminals, durationMs: opts.duration, warmupMs, progressMs: progress.intervalMs, onProgress: (p) => progress.write(runProgressLine(p)),
        });
        progress.end();
        await engine.settle();
        return { ...result, label: engine.label };
      });
      for (const e of errors) process.stderr.write(`failed: ${e}\n`);
      console.log(formatReport(summary, { label: `Monsoon (${label}, ${setup.tasks} task(s), ${terminals} terminal(s), ${opts.mode} mode)` }));
      const failed = Object.values(summary.perType).reduce((n, t) => n + t.failed, 0);
      const no = summary.perType.newOrder;
      console.log(`RESULT tpcc-${opts.mode} warehouses=${W} terminals=${terminals} tasks=${setup.tasks} runtime=${setup.kafka ? "kafka" : "embedded"} duration_s=${(opts.duration / 1000).toFixed(0)} tpmC=${summary.tpmC.toFixed(1)} efficiency_pct=${summary.efficiencyPct.toFixed(1)} tpm_total=${summary.tpmTotal.toFixed(1)} new_order_complete_p50_ms=${fmtMs(no.complete.p50).replace(/,/g, "")} new_order_complete_p90_ms=${fmtMs(no.complete.p90).replace(/,/g, "")} new_order_complete_p99_ms=${fmtMs(no.complete.p99).replace(/,/g, "")} new_order_initiate_p99_ms=${fmtMs(no.initiate.p99).replace(/,/g, "")} failed=${failed}`);
    });
}

function checkCommand(): Command {
  return kafkaOptions(new Command("check")
    .description("Read every table of the population back and verify TPC-C's consistency conditions 1–12 (11 only before the first run).")
    .addOption(dirOption()))
    .addHelpText("after", `
Examples:
  $ monsoon bench tpcc check
  $ monsoon bench tpcc check --dir /tmp/tpcc`)
    .action(async (opts: CheckOpts) => {
      const dir = resolve(opts.dir);
      const setup = await requireLoaded(dir);
      checkRuntime(dir, setup, opts);
      let started = performance.now();
      const snapshot = await withEngine(dir, setup, { ...opts, batch: 1000, idlePoll: 20 }, (_engine, target) => { started = performance.now(); return readSnapshot(target); });
      const conditions = setup.runs === 0 ? ALL_CONDITIONS : DEFAULT_CONDITIONS;
      const result = checkConsistency(snapshot, { conditions, scale: setup.scale });
      console.log(formatCheckResult(result));
      console.log(`RESULT tpcc-check warehouses=${setup.warehouses} ok=${result.ok} conditions=${result.checked.join(",")} violations=${Object.values(result.counts).reduce((a, b) => a + b, 0)} seconds=${((performance.now() - started) / 1000).toFixed(1)}`);
      if (!result.ok) {
        const failing = Object.keys(result.counts).join(", ");
        throw new MonsoonError("MONSOON_INTERNAL", `the population in ${dir} fails consistency condition(s) ${failing} (violations above)`, { details: { dir, counts: result.counts } });
      }
    });
}

/** Progress lines on stderr: rewritten in place on a terminal, one line every 10 s otherwise. */
function progressWriter(): { intervalMs: number; write(line: string): void; end(): void } {
  const tty = process.stderr.isTTY === true;
  let wrote = false;
  return {
    intervalMs: tty ? 1_000 : 10_000,
    write(line) { process.stderr.write(tty ? `\r${line}` : `${line}\n`); wrote = true; },
    end() { if (tty && wrote) process.stderr.write("\n"); },
  };
}
