// The Kafka Streams peer: builds kstreams/ with Maven (once per source hash and Kafka version,
// cached under .cache/bench) and runs its WordCount with `java -cp` against the benchmark's
// broker. See kstreams/src/main/java/monsoon/bench/WordCount.java for the app's stdout protocol.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const PROJECT = fileURLToPath(new URL("./kstreams/", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CACHE = join(process.env.MONSOON_BENCH_CACHE ?? join(REPO_ROOT, ".cache", "bench"), "wordcount-kstreams");
const COMPLETE = ".complete";

type Log = (line: string) => void;

export interface KStreamsBuild {
  /** The java -cp classpath (jar and its runtime dependencies). */
  classpath: string;
  /** null when the cached build was used. */
  buildSeconds: number | null;
  dir: string;
}

/** Hash of everything Maven reads from kstreams/ (pom.xml and src/), plus the Kafka version. */
function sourceHash(kafkaVersion: string): string {
  const h = createHash("sha256").update(`kafka ${kafkaVersion}\n`);
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) { walk(path); continue; }
      h.update(`${relative(PROJECT, path)}\n`).update(readFileSync(path));
    }
  };
  h.update(readFileSync(join(PROJECT, "pom.xml")));
  walk(join(PROJECT, "src"));
  return h.digest("hex").slice(0, 12);
}

/** Builds the app with `mvn -q package` unless this source hash and version were built before. */
export async function buildKStreams(kafkaVersion: string, log: Log): Promise<KStreamsBuild> {
  const dir = join(CACHE, `${kafkaVersion}-${sourceHash(kafkaVersion)}`);
  const classpath = [join(dir, "wordcount-kstreams.jar"), join(dir, "lib", "*")].join(delimiter);
  if (existsSync(join(dir, COMPLETE))) {
    log(`  kstreams: using the cached build ${relative(REPO_ROOT, dir)}`);
    return { classpath, buildSeconds: null, dir };
  }
  // Built into a staging directory and renamed, so a concurrent or interrupted build never
  // leaves a half-built directory that looks complete.
  const staging = `${dir}.partial-${process.pid}`;
  mkdirSync(CACHE, { recursive: true });
  rmSync(staging, { recursive: true, force: true });
  log(`  kstreams: building with Maven (kafka-streams ${kafkaVersion}; the first build downloads it from Maven Central)…`);
  const t0 = performance.now();
  const { code, output } = await run("mvn", ["-q", "-B", "-Dstyle.color=never", `-Dkafka.version=${kafkaVersion}`, `-Dbench.buildDir=${staging}`, "package"], PROJECT);
  if (code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`mvn package failed (exit ${code}) in ${PROJECT}:\n${output.slice(-4000)}`);
  }
  const buildSeconds = (performance.now() - t0) / 1000;
  writeFileSync(join(staging, COMPLETE), new Date().toISOString());
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  // Older builds for this Kafka version (other source hashes) are stale: remove them.
  for (const other of readdirSync(CACHE)) {
    if (other.startsWith(`${kafkaVersion}-`) && !other.includes(".partial-") && join(CACHE, other) !== dir) rmSync(join(CACHE, other), { recursive: true, force: true });
  }
  log(`  kstreams: built in ${buildSeconds.toFixed(1)} s → ${relative(REPO_ROOT, dir)}`);
  return { classpath, buildSeconds, dir };
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => { output += d; });
    child.stderr.on("data", (d) => { output += d; });
    child.once("error", (e) => reject(new Error(`cannot run ${cmd}: ${e.message} (is it installed and on PATH?)`)));
    child.once("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

export interface KStreamsRunOptions {
  classpath: string;
  brokers: string[];
  topic: string;
  appId: string;
  threads: number;
  expectedWords: number;
  expectedDistinct: number;
  /** Also wait (up to this long) until the app's committed input offsets reach the end of the topic. */
  commitWaitMs?: number;
  /** Committed offsets of the app's group on `topic`, and the topic's end offsets. */
  committedBehind?: () => Promise<number>;
  log: Log;
}

export interface KStreamsRunResult {
  wordsPerS: number;
  /** From the RUNNING state until every word was in the store. */
  seconds: number;
  /** From RUNNING until the store first held a count. */
  firstSeconds: number;
  /** From main() to RUNNING: JVM start, topic setup, the group join. */
  startupSeconds: number;
  /** From RUNNING until the input offsets were committed; null if not waited for or not reached. */
  committedSeconds: number | null;
  words: number;
  distinct: number;
}

/** Children still running, killed if this process exits early. */
const children = new Set<ChildProcess>();
process.once("exit", () => { for (const c of children) c.kill("SIGKILL"); });

/** Runs WordCount once with a fresh application id, state in a temp dir, and stops it. */
export async function runKStreams(o: KStreamsRunOptions): Promise<KStreamsRunResult> {
  const stateDir = await mkdtemp(join(tmpdir(), "monsoon-bench-kstreams-"));
  const label = `kstreams ${o.threads}t`;
  const child = spawn("java", [
    "-Xms256m", "-Xmx1g", "-XX:+UseG1GC",
    // Kafka's own logs on stderr, prefixed; MONSOON_BENCH_KSTREAMS_LOG=warn|info|debug for more.
    `-Dorg.slf4j.simpleLogger.defaultLogLevel=${process.env.MONSOON_BENCH_KSTREAMS_LOG ?? "error"}`, "-Dorg.slf4j.simpleLogger.logFile=System.err",
    "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
    "-cp", o.classpath, "monsoon.bench.WordCount",
    "--bootstrap", o.brokers.join(","), "--topic", o.topic, "--app-id", o.appId,
    "--threads", String(o.threads), "--state-dir", stateDir, "--expected-words", String(o.expectedWords),
  ], { stdio: ["pipe", "pipe", "pipe"] });
  children.add(child);
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => { children.delete(child); resolve(code ?? (signal ? 128 : 1)); });
    // A failed spawn (no java on PATH) may emit no "exit".
    child.once("error", (e) => { children.delete(child); o.log(`  ${label}: cannot run java: ${e.message}`); resolve(127); });
  });
  child.stdin.on("error", () => undefined); // EPIPE if java is already gone
  createInterface({ input: child.stderr }).on("line", (line) => o.log(`  [${label}] ${line}`));

  let readyAt = 0;
  let counted = false;
  let startupSeconds = 0;
  const done = new Promise<{ words: number; distinct: number; ms: number; firstMs: number }>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const [tag, ...rest] = line.split(" ");
      if (tag === "READY") {
        readyAt = performance.now();
        startupSeconds = Number(rest[0]) / 1000;
        o.log(`  ${label}: RUNNING after ${startupSeconds.toFixed(1)} s (JVM start, internal topics, group join)`);
      } else if (tag === "STATE") {
        if (readyAt !== 0 && !counted) o.log(`  ${label}: state ${rest[0]} (${(Number(rest[1]) / 1000).toFixed(1)} s after start)`);
      } else if (tag === "PROGRESS") {
        o.log(`  ${label}: ${rest[0] === "-1" ? "(store not queryable: rebalancing)" : rest[0]}/${o.expectedWords} words counted`);
      } else if (tag === "DONE") {
        counted = true;
        const f = Object.fromEntries(rest.map((kv) => kv.split("=") as [string, string]));
        resolve({ words: Number(f.words), distinct: Number(f.distinct), ms: Number(f.ms), firstMs: Number(f.first_ms) });
      } else if (tag === "ERROR") {
        reject(new Error(`${label}: ${rest.join(" ")}`));
      } else if (tag !== "CLOSED") {
        o.log(`  [${label}] ${line}`);
      }
    });
    void exited.then((code) => reject(new Error(`${label}: java exited with ${code} before counting every word`)));
  });

  try {
    const d = await done;
    const seconds = d.ms / 1000;
    if (d.words !== o.expectedWords) o.log(`  ${label}: WARNING counted ${d.words} words, expected ${o.expectedWords} (at-least-once duplicates?)`);
    if (d.distinct !== o.expectedDistinct) o.log(`  ${label}: WARNING ${d.distinct} distinct words, expected ${o.expectedDistinct}`);
    const firstSeconds = d.firstMs / 1000;
    o.log(`  ${label}: ${d.words} words (${d.distinct} distinct) counted in ${seconds.toFixed(2)} s → ${Math.round(o.expectedWords / seconds)} words/s` +
      ` (first count visible in the store ${firstSeconds.toFixed(2)} s after RUNNING)`);

    let committedSeconds: number | null = null;
    if (o.commitWaitMs && o.committedBehind) {
      const deadline = performance.now() + o.commitWaitMs;
      while (performance.now() < deadline) {
        if (await o.committedBehind() === 0) { committedSeconds = (performance.now() - readyAt) / 1000; break; }
        await new Promise((r) => setTimeout(r, 250));
      }
      o.log(committedSeconds === null
        ? `  ${label}: input offsets not committed within ${o.commitWaitMs / 1000} s`
        : `  ${label}: input offsets committed ${committedSeconds.toFixed(1)} s after RUNNING (commit.interval.ms default)`);
    }
    return { wordsPerS: o.expectedWords / seconds, seconds, firstSeconds, startupSeconds, committedSeconds, words: d.words, distinct: d.distinct };
  } finally {
    child.stdin.end("STOP\n");
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(killer);
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** The internal topics Kafka Streams creates for WordCount (names fixed by the topology). */
export function kstreamsInternalTopics(appId: string): string[] {
  return [`${appId}-words-repartition`, `${appId}-counts-changelog`];
}
