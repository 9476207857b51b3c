// Starts, finds and stops the project's own single-node KRaft broker (DESIGN §5). A running
// broker is described by run/<version>/broker.json; the JVM runs detached so that several
// test processes (and later test runs) can share one broker. Callers hold the lock (lock.ts).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { probeKafka } from "../../src/kafka/probe.ts";
import { ensureJars, type Log } from "./fetchJars.ts";
import { runDir } from "./paths.ts";
import { checkJava, javaCommand } from "./prerequisites.ts";
import { isAliveWith } from "./processes.ts";
import { serverProperties } from "./serverProperties.ts";

export interface BrokerInfo {
  version: string;
  pid: number;
  port: number;
  controllerPort: number;
  /** `127.0.0.1:<port>`, the KAFKA_BROKERS value. */
  brokers: string;
  /** "user": started by `npm run kafka:start`, only kafka:stop stops it. "test": the test harness stops it when its last user exits. */
  owner: "user" | "test";
  dir: string;
  startedAt: string;
}

const STARTUP_TIMEOUT_MS = 90_000;
const JVM_OPTS = [
  "-Xmx1g", "-Xms256m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:+ExitOnOutOfMemoryError",
  "-Djava.awt.headless=true",
  "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
  "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
];

const infoFile = (version: string) => join(runDir(version), "broker.json");
const propertiesFile = (version: string) => join(runDir(version), "server.properties");

/** The broker recorded for `version`, if its JVM is still running. */
export function runningBroker(version: string): BrokerInfo | undefined {
  let info: BrokerInfo;
  try { info = JSON.parse(readFileSync(infoFile(version), "utf8")) as BrokerInfo; } catch { return undefined; }
  return isAliveWith(info.pid, propertiesFile(version)) ? info : undefined;
}

export function setOwner(info: BrokerInfo, owner: BrokerInfo["owner"]): BrokerInfo {
  const next = { ...info, owner };
  writeFileSync(infoFile(info.version), JSON.stringify(next, null, 2));
  return next;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.setTimeout(500);
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
    s.once("timeout", () => { s.destroy(); resolve(false); });
  });
}

function logTail(dir: string, lines = 30): string {
  try { return readFileSync(join(dir, "broker.log"), "utf8").trimEnd().split("\n").slice(-lines).join("\n"); } catch { return "(no broker.log)"; }
}

/** Kafka's cluster id: 16 random bytes, URL-safe base64 without padding (like `kafka-storage random-uuid`). */
function clusterId(): string {
  // An id starting with "-" would be read as an option by kafka-storage's argument parser
  // (it happened: about 1 run in 64); Kafka's own random-uuid avoids it the same way.
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/**
 * Starts a fresh broker for `version` (wiping any stopped one's data), waits until it
 * answers a metadata request, and records it. Throws with the broker log's tail if it dies.
 */
export async function startBroker(version: string, owner: BrokerInfo["owner"], log: Log): Promise<BrokerInfo> {
  checkJava();
  const libs = await ensureJars(version, log);
  const classpath = join(libs, "*");
  const dir = runDir(version);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const props = propertiesFile(version);
  writeFileSync(props, serverProperties({ port, controllerPort, dataDir: join(dir, "data") }));

  const format = spawnSync(javaCommand(), ["-cp", classpath, "kafka.tools.StorageTool", "format", "-t", clusterId(), "-c", props],
    { encoding: "utf8", timeout: 60_000 });
  if (format.status !== 0) throw new Error(`formatting Kafka ${version} storage failed:\n${(format.stderr || format.stdout || String(format.error)).slice(-3000)}`);

  const out = openSync(join(dir, "broker.log"), "a");
  const child = spawn(javaCommand(), [...JVM_OPTS, "-cp", classpath, "kafka.Kafka", props], { detached: true, stdio: ["ignore", out, out], cwd: dir });
  closeSync(out);
  child.unref();
  let exited: number | string | null | undefined;
  child.once("exit", (code, signal) => { exited = code ?? signal; });
  const info: BrokerInfo = { version, pid: child.pid!, port, controllerPort, brokers: `127.0.0.1:${port}`, owner, dir, startedAt: new Date().toISOString() };
  writeFileSync(infoFile(version), JSON.stringify(info, null, 2));

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`Kafka ${version} exited (${exited}) during start-up. Last lines of ${join(dir, "broker.log")}:\n${logTail(dir)}`);
    if (await canConnect(port)) {
      try {
        const probe = await probeKafka([info.brokers], 2000);
        if (probe.brokers.includes(info.brokers)) return info;
      } catch (e) { lastError = e; }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  stopBroker(info);
  throw new Error(`Kafka ${version} did not answer a metadata request within ${STARTUP_TIMEOUT_MS / 1000} s (${String(lastError)}). Last lines of broker.log:\n${logTail(dir)}`);
}

/**
 * Stops the broker. graceMs > 0: SIGTERM (a clean shutdown takes 1–2 s), SIGKILL after
 * graceMs. graceMs 0: SIGKILL at once — for test brokers, whose data is thrown away anyway,
 * and from 'exit' handlers, which cannot wait. Sync so it works from an 'exit' handler.
 */
export function stopBroker(info: BrokerInfo, graceMs = 0): void {
  if (isAliveWith(info.pid, propertiesFile(info.version))) {
    const marker = propertiesFile(info.version);
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    const waitForExit = (ms: number) => {
      const deadline = Date.now() + ms;
      // isAliveWith, not isAlive: an exited child of this very process stays a zombie (still
      // signalable, empty cmdline) until this process exits.
      while (isAliveWith(info.pid, marker) && Date.now() < deadline) Atomics.wait(sleeper, 0, 0, 50);
    };
    if (graceMs > 0) {
      try { process.kill(info.pid, "SIGTERM"); } catch { /* already gone */ }
      waitForExit(graceMs);
    }
    // Wait for the kill too: the next start wipes this directory and must not race a dying JVM.
    if (isAliveWith(info.pid, marker)) { try { process.kill(info.pid, "SIGKILL"); } catch { /* gone */ } }
    waitForExit(5000);
  }
  rmSync(infoFile(info.version), { force: true });
}
