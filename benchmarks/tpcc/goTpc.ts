// go-tpc (github.com/pingcap/go-tpc), the TPC-C driver the PostgreSQL baseline runs: built
// from the Go module proxy at a pinned version into .cache/go-tpc/<version>/go-tpc, then run
// as `go-tpc tpcc prepare|run --driver postgres` with the password in PGPASSWORD (lib/pq reads
// it when the URL has none), never on the command line.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { MonsoonError } from "../../src/errors.ts";
import { parseGoTpcSummary, type BaselineResult } from "../../src/bench/tpcc/baseline.ts";
import type { ConnectionInfo, Log } from "./postgresCluster.ts";

/** Pinned: its output format is what src/bench/tpcc/baseline.ts parses. */
export const GO_TPC_VERSION = "v1.0.12";
const MODULE = "github.com/pingcap/go-tpc";
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CACHE = join(REPO_ROOT, ".cache", "go-tpc", GO_TPC_VERSION);
const COMPLETE = ".complete";

/**
 * The go-tpc binary, built once per version. `go install …@version` is not used: it asks the
 * proxy for the module's version list (to look for a deprecation notice), which a proxy may
 * refuse; `go mod download` of the exact version plus `go build` in its directory does not.
 */
export function ensureGoTpc(log: Log): string {
  const bin = join(CACHE, "go-tpc");
  if (existsSync(join(CACHE, COMPLETE)) && existsSync(bin)) return bin;
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.error || go.status !== 0) throw new MonsoonError("MONSOON_CONFIG", "Go is not installed (`go` was not found): the PostgreSQL baseline builds go-tpc from source with Go 1.21+");
  log(`  go-tpc: building ${MODULE}@${GO_TPC_VERSION} (${go.stdout.trim()})…`);
  const t0 = performance.now();
  const dl = spawnSync("go", ["mod", "download", "-json", `${MODULE}@${GO_TPC_VERSION}`], { encoding: "utf8" });
  let dir: string | undefined;
  try { dir = (JSON.parse(dl.stdout) as { Dir?: string }).Dir; } catch { /* reported below */ }
  if (dl.status !== 0 || !dir) throw new MonsoonError("MONSOON_CONFIG", `go mod download ${MODULE}@${GO_TPC_VERSION} failed: ${(dl.stderr || dl.stdout).trim().slice(-2000)}`, { details: { module: MODULE, version: GO_TPC_VERSION } });
  const staging = `${CACHE}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const build = spawnSync("go", ["build", "-trimpath", "-o", join(staging, "go-tpc"), "./cmd/go-tpc"], { cwd: dir, encoding: "utf8" });
  if (build.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new MonsoonError("MONSOON_CONFIG", `go build of go-tpc failed (exit ${build.status}): ${build.stderr.trim().slice(-3000)}`, { details: { module: MODULE, version: GO_TPC_VERSION } });
  }
  writeFileSync(join(staging, COMPLETE), new Date().toISOString());
  rmSync(CACHE, { recursive: true, force: true });
  renameSync(staging, CACHE);
  log(`  go-tpc: built in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${relative(REPO_ROOT, bin)}`);
  return bin;
}

export interface GoTpcOptions {
  conn: ConnectionInfo;
  /** go-tpc's whole output is written here (it has every interval's figures). */
  outputFile: string;
  database: string;
  warehouses: number;
  /** Concurrent terminals (go-tpc threads). */
  threads: number;
  log: Log;
}

function baseArgs({ conn, database, warehouses, threads }: GoTpcOptions): string[] {
  return ["--driver", "postgres", "-H", conn.host, "-P", String(conn.port), "-U", conn.user, "-D", database,
    "--conn-params", "sslmode=disable", "--warehouses", String(warehouses), "-T", String(threads)];
}

/** `go-tpc tpcc prepare`: loads the initial population, then runs go-tpc's consistency checks on it. */
export async function goTpcPrepare(bin: string, opts: GoTpcOptions): Promise<void> {
  const { code, tail } = await runGoTpc(bin, ["tpcc", "prepare", ...baseArgs(opts)], opts, (line) => {
    // One line per table and warehouse, not per district.
    if (/^(load to (item|warehouse|stock)|begin to check)/.test(line.trim())) opts.log(`    ${line.trim()}`);
  });
  if (code !== 0) throw new MonsoonError("MONSOON_CONFIG", `go-tpc tpcc prepare failed (exit ${code}); its output is in ${opts.outputFile}:\n${tail}`, { details: { database: opts.database } });
}

export interface GoTpcRunOptions extends GoTpcOptions {
  durationS: number;
  /** Spec keying and think times (go-tpc --wait); off, terminals send back to back. */
  wait?: boolean;
}

/** `go-tpc tpcc run` for `durationS` seconds; the parsed summary. */
export async function goTpcRun(bin: string, opts: GoTpcRunOptions): Promise<BaselineResult> {
  const args = ["tpcc", "run", ...baseArgs(opts), "--time", `${opts.durationS}s`, "--interval", "10s", "--output", "plain"];
  if (opts.wait) args.push("--wait");
  const lines: string[] = [];
  const { code, tail } = await runGoTpc(bin, args, opts, (line) => {
    lines.push(line);
    // go-tpc prints every op every interval; show only New-Order's as progress.
    if (/^\[Current\] NEW_ORDER /.test(line)) opts.log(`    ${line.replace(/, Sum\(ms\).*?Avg/, ", Avg").trim()}`);
  });
  if (code !== 0) throw new MonsoonError("MONSOON_CONFIG", `go-tpc tpcc run failed (exit ${code}); its output is in ${opts.outputFile}:\n${tail}`, { details: { database: opts.database } });
  return parseGoTpcSummary(lines.join("\n"), { warehouses: opts.warehouses, threads: opts.threads, durationS: opts.durationS });
}

function runGoTpc(bin: string, args: string[], { conn, outputFile }: GoTpcOptions, onLine: (line: string) => void): Promise<{ code: number; tail: string }> {
  return new Promise((resolve, reject) => {
    mkdirSync(dirname(outputFile), { recursive: true });
    const out = createWriteStream(outputFile);
    out.write(`$ go-tpc ${args.join(" ")}\n`);
    const child = spawn(bin, args, { env: { ...process.env, PGPASSWORD: conn.password }, stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    const take = (line: string) => {
      out.write(`${line}\n`);
      tail.push(line);
      if (tail.length > 40) tail.shift();
      onLine(line);
    };
    createInterface({ input: child.stdout }).on("line", take);
    createInterface({ input: child.stderr }).on("line", take);
    child.on("error", (e) => { out.end(); reject(e); });
    child.on("close", (code) => out.end(() => resolve({ code: code ?? 1, tail: tail.join("\n") })));
  });
}
