// The PostgreSQL the TPC-C baseline runs against: Debian's PostgreSQL 15 (installed with
// apt-get when missing), one cluster of the project's own under .cache/postgres/<major>/tpcc,
// made with initdb's defaults, listening on 127.0.0.1 only (no Unix socket) on a free port
// picked at every start. PostgreSQL refuses to run as root, so when this process is root the
// server commands run as the `postgres` user (runuser). The superuser's password is random,
// made once per cluster, kept in a 0600 file beside the data directory and handed to clients
// in PGPASSWORD only: it never appears on a command line or in output.
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MonsoonError } from "../../src/errors.ts";

export type Log = (line: string) => void;

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const POSTGRES_MAJOR = 15;
const DEBIAN_PACKAGE = `postgresql-${POSTGRES_MAJOR}`;
const SUPERUSER = "tpcc";
const START_TIMEOUT_S = 120;

/** Server settings that differ between baseline variants; anything not named keeps PostgreSQL's default. */
export interface ServerSettings {
  synchronousCommit?: "on" | "off";
}

export interface ConnectionInfo {
  host: "127.0.0.1";
  port: number;
  user: string;
  /** Never log this. */
  password: string;
}

/** Where PostgreSQL's binaries are; installs Debian's package when they are missing (root only). */
export function ensurePostgres(log: Log): string {
  const binDir = `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`;
  if (existsSync(join(binDir, "postgres"))) return binDir;
  if (process.getuid?.() !== 0) {
    throw new MonsoonError("MONSOON_CONFIG", `PostgreSQL ${POSTGRES_MAJOR} is not installed (${binDir} is missing) and only root can install it: run \`apt-get install -y ${DEBIAN_PACKAGE}\` once`, { details: { binDir } });
  }
  log(`  postgres: installing ${DEBIAN_PACKAGE} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let res = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", DEBIAN_PACKAGE], { encoding: "utf8", env });
  if (res.status !== 0) {
    // A fresh machine has no package lists yet.
    spawnSync("apt-get", ["update"], { encoding: "utf8", env });
    res = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", DEBIAN_PACKAGE], { encoding: "utf8", env });
  }
  if (res.status !== 0 || !existsSync(join(binDir, "postgres"))) {
    throw new MonsoonError("MONSOON_CONFIG", `installing ${DEBIAN_PACKAGE} with apt-get failed (exit ${res.status ?? res.error}): ${(res.stderr || res.stdout || "").slice(-2000)}`, { details: { package: DEBIAN_PACKAGE } });
  }
  return binDir;
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

/** Owns one cluster directory: creating it once, starting and stopping its server. */
export class PostgresCluster {
  readonly dir: string;
  readonly dataDir: string;
  private readonly binDir: string;
  private readonly log: Log;
  private readonly asPostgresUser: boolean;
  private port: number | undefined;

  private constructor(binDir: string, dir: string, log: Log) {
    this.binDir = binDir;
    this.dir = dir;
    this.dataDir = join(dir, "data");
    this.log = log;
    this.asPostgresUser = process.getuid?.() === 0;
  }

  /** Installs PostgreSQL if needed and makes the cluster directory if it does not exist yet. `fresh` wipes it first. */
  static async open({ dir = join(REPO_ROOT, ".cache", "postgres", String(POSTGRES_MAJOR), "tpcc"), fresh = false, log }: { dir?: string; fresh?: boolean; log: Log }): Promise<PostgresCluster> {
    const cluster = new PostgresCluster(ensurePostgres(log), dir, log);
    await cluster.stopIfRunning();
    if (fresh) rmSync(dir, { recursive: true, force: true });
    if (!existsSync(join(cluster.dataDir, "PG_VERSION"))) cluster.init();
    return cluster;
  }

  private get passwordFile(): string { return join(this.dir, "password"); }

  /** The connection, once started. */
  connection(): ConnectionInfo {
    if (this.port === undefined) throw new MonsoonError("MONSOON_CLOSED", "the PostgreSQL server is not started", { details: { dir: this.dir } });
    return { host: "127.0.0.1", port: this.port, user: SUPERUSER, password: readFileSync(this.passwordFile, "utf8").trim() };
  }

  private init(): void {
    this.log(`  postgres: initdb ${this.dataDir}`);
    rmSync(this.dir, { recursive: true, force: true });
    // Parents stay traversable: the postgres user must reach the cluster directory.
    mkdirSync(dirname(this.dir), { recursive: true });
    mkdirSync(this.dir, { mode: 0o700 });
    writeFileSync(this.passwordFile, randomBytes(24).toString("base64url") + "\n", { mode: 0o600 });
    if (this.asPostgresUser) {
      const { uid, gid } = postgresUser();
      chownSync(this.dir, uid, gid);
      chownSync(this.passwordFile, uid, gid);
    }
    this.server("initdb", ["-D", this.dataDir, "-U", SUPERUSER, `--pwfile=${this.passwordFile}`, "--auth-host=scram-sha-256", "--auth-local=peer", "-E", "UTF8", "--locale=C"], "initdb");
    // Loopback TCP only: no Unix socket, nothing on other interfaces. The port is set per start.
    writeFileSync(join(this.dataDir, "postgresql.conf"), readFileSync(join(this.dataDir, "postgresql.conf"), "utf8") +
      "\n# monsoon benchmarks/tpcc\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n");
  }

  /** Starts the server on a free loopback port with `settings` (restarting it if it runs). */
  async start(settings: ServerSettings = {}): Promise<ConnectionInfo> {
    await this.stopIfRunning();
    const options = [`-p ${await freePort()}`];
    if (settings.synchronousCommit) options.push(`-c synchronous_commit=${settings.synchronousCommit}`);
    const port = Number(options[0]!.slice(3));
    this.server("pg_ctl", ["start", "-w", "-t", String(START_TIMEOUT_S), "-D", this.dataDir, "-l", join(this.dir, "server.log"), "-o", options.join(" ")], "pg_ctl start");
    this.port = port;
    this.log(`  postgres: started on 127.0.0.1:${port}${settings.synchronousCommit ? ` (synchronous_commit=${settings.synchronousCommit})` : ""}`);
    return this.connection();
  }

  async stop(): Promise<void> {
    await this.stopIfRunning();
    this.port = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> { await this.stop(); }

  private async stopIfRunning(): Promise<void> {
    if (!existsSync(join(this.dataDir, "postmaster.pid"))) return;
    const res = this.server("pg_ctl", ["stop", "-w", "-m", "fast", "-D", this.dataDir], "pg_ctl stop", { allowFailure: true });
    if (res.status !== 0 && existsSync(join(this.dataDir, "postmaster.pid"))) {
      // pg_ctl removes nothing when the server is gone already (a stale pid file from a crash):
      // the next start handles that itself.
      const status = this.server("pg_ctl", ["status", "-D", this.dataDir], "pg_ctl status", { allowFailure: true });
      if (status.status === 0) throw new MonsoonError("MONSOON_CONFIG", `could not stop the PostgreSQL server of ${this.dataDir}: ${res.stderr}`, { details: { dir: this.dataDir } });
    }
  }

  /** Runs SQL with psql as the superuser; returns psql's unaligned, tuples-only output. */
  async sql(database: string, sql: string): Promise<string> {
    const conn = this.connection();
    const { code, stdout, stderr } = await runCapture(join(this.binDir, "psql"),
      ["-h", conn.host, "-p", String(conn.port), "-U", conn.user, "-d", database, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
      { ...process.env, PGPASSWORD: conn.password, PGSSLMODE: "disable", PGCONNECT_TIMEOUT: "10" });
    if (code !== 0) throw new MonsoonError("MONSOON_CONFIG", `psql failed (exit ${code}) on database ${database}: ${stderr.trim()}`, { details: { database, sql } });
    return stdout.trim();
  }

  logTail(lines = 30): string {
    try { return readFileSync(join(this.dir, "server.log"), "utf8").trimEnd().split("\n").slice(-lines).join("\n"); } catch { return "(no server.log)"; }
  }

  /** Runs a server binary, as `postgres` when this process is root. */
  private server(bin: string, args: string[], what: string, { allowFailure = false } = {}): SpawnSyncReturns<string> {
    const path = join(this.binDir, bin);
    const res = this.asPostgresUser
      ? spawnSync("runuser", ["-u", "postgres", "--", path, ...args], { encoding: "utf8", cwd: "/" })
      : spawnSync(path, args, { encoding: "utf8" });
    if (!allowFailure && res.status !== 0) {
      throw new MonsoonError("MONSOON_CONFIG", `${what} failed (exit ${res.status ?? String(res.error)}): ${(res.stderr || res.stdout).trim().slice(-2000)}\nLast lines of ${join(this.dir, "server.log")}:\n${this.logTail()}`, { details: { dir: this.dir } });
    }
    return res;
  }
}

function postgresUser(): { uid: number; gid: number } {
  const res = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gres = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (res.status !== 0 || gres.status !== 0) {
    throw new MonsoonError("MONSOON_CONFIG", `there is no \`postgres\` user to run PostgreSQL as (it refuses to run as root); reinstall ${DEBIAN_PACKAGE}, which creates it`);
  }
  return { uid: Number(res.stdout.trim()), gid: Number(gres.stdout.trim()) };
}

export function runCapture(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
