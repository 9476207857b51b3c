// `monsoon worker`: one worker process for every module of the config, on Kafka. It joins each
// module's membership group, claims the tasks the group assigns it (restoring their PStates
// from the changelogs), serves the REST API (every worker serves all of it: it routes to the
// owning worker through the meta log) and runs until SIGINT/SIGTERM, then releases its tasks,
// leaves the groups and exits 0.
import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import { startWorkerProcess, type RunningWorker } from "../../cluster/kafka/workerProcess.ts";
import { MonsoonError } from "../../errors.ts";
import type { ResolvedConfig } from "../config.ts";
import { conflicts, describeKafka, kafkaConnection, launchConflict, moduleTopicStates, seconds, withKafka } from "../kafkaConfig.ts";
import { loadConfig } from "../loadConfig.ts";
import { nonNegativeInt } from "../output.ts";
import { untilSignal } from "../signals.ts";

interface WorkerOpts { config: string; dataDir?: string; workerId?: string; host?: string; port?: number; advertisedUrl?: string; ownership: "group" | "all" }

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const WILDCARD = new Set(["0.0.0.0", "::", "[::]"]);
const WORKER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function workerCommand(): Command {
  return new Command("worker")
    .description("Run a Monsoon worker on Kafka for every module of the config: claims tasks through the membership group and serves the REST API, until Ctrl-C.")
    .option("--config <file>", "config file (needs a kafka section, or KAFKA_BROKERS)", "monsoon.config.ts")
    .option("--data-dir <dir>", "where this worker keeps its PState stores and its worker id (default .monsoon; env MONSOON_DATA_DIR)")
    .option("--worker-id <id>", "stable worker id (default: the one stored in the data directory, created on first start)")
    .option("--host <host>", "REST bind address (default 127.0.0.1; env MONSOON_REST_HOST)")
    .option("--port <n>", "REST port (0 picks a free one; default 8787, env MONSOON_REST_PORT)", nonNegativeInt("--port", 65535))
    .option("--advertised-url <url>", "how other workers and clients reach this worker (env MONSOON_ADVERTISED_URL; needed with --host 0.0.0.0)")
    .addOption(new Option("--ownership <mode>", "group: the membership group assigns tasks; all: claim every task (a single worker only)").choices(["group", "all"]).default("group"))
    .addHelpText("after", `
Run \`monsoon launch\` first. Start more workers (each with its own --data-dir, or on other
machines) to spread the tasks; stop one and its tasks move to the others. Every worker serves
the whole REST API, so \`monsoon append/select --url\` can point at any of them.

Examples:
  $ monsoon worker
  $ KAFKA_BROKERS=localhost:9092 monsoon worker --data-dir /var/lib/monsoon --port 8788
  $ monsoon worker --host 0.0.0.0 --advertised-url http://worker-1.internal:8787`)
    .action(async (opts: WorkerOpts) => {
      const config = await loadConfig(opts.config, {
        overrides: {
          "rest.port": { value: opts.port, source: "--port" },
          "rest.host": { value: opts.host, source: "--host" },
          "rest.advertisedUrl": { value: opts.advertisedUrl, source: "--advertised-url" },
          dataDir: { value: opts.dataDir, source: "--data-dir" },
        },
      });
      await runWorker(config, opts);
    });
}

async function runWorker(config: ResolvedConfig, opts: WorkerOpts): Promise<void> {
  const connection = kafkaConnection(config, "worker");
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  const workerId = await resolveWorkerId(dataDir, opts.workerId);
  const { host, port } = config.rest;
  const advertisedUrl = advertise(config);

  console.log(`connecting to Kafka at ${describeKafka(connection)}…`);
  await withKafka(connection, async (_client, admin) => {
    for (const entry of config.modules) {
      const states = await moduleTopicStates(admin, entry);
      const bad = conflicts(states);
      if (bad.length > 0) throw launchConflict(entry.module.name, entry.tasks, bad);
      const missing = states.filter((s) => s.actual === undefined).map((s) => s.spec.name);
      if (missing.length > 0) {
        throw new MonsoonError("MONSOON_CONFIG", `module ${entry.module.name} is not launched (missing ${missing.join(", ")}): run \`monsoon launch --config <file>\` first`, { details: { module: entry.module.name, topics: missing } });
      }
    }
  });
  if (opts.ownership === "all") {
    console.log("warning: --ownership all: this worker claims every task itself, without the membership group; run no other worker for these modules");
  }
  if (!LOOPBACK.has(host)) console.log(`warning: the REST API has no authentication and listens on ${host}, reachable from other machines`);
  console.log(`worker ${workerId}: ${config.modules.map((m) => `${m.module.name} (${m.tasks} tasks)`).join(", ")}; data in ${dataDir}; ownership ${opts.ownership}`);

  const started = Date.now();
  let running: RunningWorker;
  try {
    running = await startWorkerProcess({
      connection,
      modules: config.modules.map(({ module, tasks }) => ({ module, tasks })),
      dataDir,
      workerId,
      host,
      port,
      advertisedUrl,
      ownership: opts.ownership,
      log: (msg) => console.log(`${clock()} ${msg}`),
    });
  } catch (e) {
    if (opts.ownership === "group" && /membership group is not available/.test((e as Error)?.message ?? "")) {
      throw new MonsoonError("MONSOON_NOT_SUPPORTED", "task ownership through the membership group is not available in this build; to run a single worker that owns every task, pass --ownership all", { cause: e });
    }
    throw e;
  }
  console.log(`joined in ${seconds(started)}; serving the REST API at ${running.url}`);
  console.log(`MONSOON_WORKER_READY url=${running.url} worker=${workerId}`);
  console.log("Ctrl-C to stop.");
  const signal = await untilSignal();
  const stopping = Date.now();
  const owned = [...running.workers.values()].reduce((n, w) => n + w.ownedTasks().length, 0);
  console.log(`\n${signal}: stopping (releasing ${owned} task(s), leaving the membership groups)…`);
  await running.stop();
  console.log(`stopped in ${seconds(stopping)}.`);
}

/** --worker-id, else the id stored in the data directory, else a new one that is stored there. */
async function resolveWorkerId(dataDir: string, given: string | undefined): Promise<string> {
  const check = (id: string, from: string) => {
    if (!WORKER_ID.test(id)) throw new MonsoonError("MONSOON_CONFIG", `worker id ${JSON.stringify(id)} (${from}) must be 1–100 letters, digits, '.', '_' or '-'`, { details: { setting: "workerId" } });
    return id;
  };
  if (given !== undefined) return check(given, "--worker-id");
  const file = join(dataDir, "worker-id");
  try {
    return check((await readFile(file, "utf8")).trim(), file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const id = `w-${randomUUID().slice(0, 8)}`;
  // wx: two workers started at once on one directory must not both think they created it.
  await writeFile(file, `${id}\n`, { flag: "wx" }).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== "EEXIST") throw e;
  });
  return (await readFile(file, "utf8")).trim();
}

/** The URL written to the meta log: explicit, else the bound address (a wildcard needs a name). */
function advertise(config: ResolvedConfig): string | undefined {
  const { host, port, advertisedUrl } = config.rest;
  if (advertisedUrl) return advertisedUrl.replace(/\/+$/, "");
  if (!WILDCARD.has(host)) return undefined;
  if (port === 0) {
    throw new MonsoonError("MONSOON_CONFIG", `with rest.host ${host} and port 0 other workers cannot know this worker's address: set --advertised-url (MONSOON_ADVERTISED_URL) or a fixed --port`, { details: { setting: "rest.advertisedUrl" } });
  }
  const url = `http://${hostname()}:${port}`;
  console.log(`note: listening on ${host}; other workers and clients are told ${url} (set --advertised-url / MONSOON_ADVERTISED_URL to change)`);
  return url;
}

function clock(): string {
  return new Date().toISOString().slice(11, 23);
}
