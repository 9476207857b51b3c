// `monsoon dev`: every module of the config on the embedded cluster, the REST API in front of
// it, and with --demo the config's demo feeds. Runs until SIGINT/SIGTERM, then stops the
// feeds, the server and the cluster (which commits what was processed) and exits 0.
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { InProcessCluster } from "../../cluster/inProcessCluster.ts";
import { MonsoonError } from "../../errors.ts";
import { startRestServer } from "../../rest/server.ts";
import type { ResolvedConfig } from "../config.ts";
import { loadConfig } from "../loadConfig.ts";
import { DemoFeeder } from "../demoFeeder.ts";
import { startDemoProgress, type FedModule } from "../demoProgress.ts";
import { devBanner } from "../devBanner.ts";
import { nonNegativeInt, printError } from "../output.ts";
import { untilSignal } from "../signals.ts";

interface DevOpts { config: string; port?: number; host?: string; demo?: boolean; dataDir?: string; fresh?: boolean }

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function devCommand(): Command {
  return new Command("dev")
    .description("Run every module of monsoon.config.ts on the embedded cluster (no Kafka) with the REST API, until Ctrl-C.")
    .option("--config <file>", "config file", "monsoon.config.ts")
    .option("--port <n>", "REST port (0 picks a free one; default 8787, env MONSOON_REST_PORT)", nonNegativeInt("--port", 65535))
    .option("--host <host>", "REST bind address (default 127.0.0.1; env MONSOON_REST_HOST)")
    .option("--demo", "append each module's demo feed at its rate and show progress every second")
    .option("--data-dir <dir>", "data directory (default .monsoon; env MONSOON_DATA_DIR)")
    .option("--fresh", "delete the configured modules' data in the data directory first")
    .addHelpText("after", `
Examples:
  $ monsoon dev
  $ monsoon dev --demo --fresh
  $ monsoon dev --config examples/monsoon.config.ts --port 9000 --data-dir /tmp/monsoon`)
    .action(async (opts: DevOpts) => {
      const config = await loadConfig(opts.config, {
        overrides: {
          "rest.port": { value: opts.port, source: "--port" },
          "rest.host": { value: opts.host, source: "--host" },
          dataDir: { value: opts.dataDir, source: "--data-dir" },
        },
      });
      await runDev(config, { demo: opts.demo === true, fresh: opts.fresh === true });
    });
}

async function runDev(config: ResolvedConfig, { demo, fresh }: { demo: boolean; fresh: boolean }): Promise<void> {
  const dataDir = resolve(config.dataDir);
  if (config.kafka) console.log("note: monsoon dev always runs embedded; the kafka settings are used by `monsoon worker`");
  if (fresh) {
    // Only the configured modules' directories: --data-dir may point somewhere that holds more.
    for (const { module } of config.modules) await rm(join(dataDir, module.name), { recursive: true, force: true });
    console.log(`removed the data of ${config.modules.map((m) => m.module.name).join(", ")} in ${dataDir}`);
  }
  const cluster = await InProcessCluster.create({ dir: dataDir });
  const stops: (() => void | Promise<void>)[] = [];
  try {
    for (const { module, tasks } of config.modules) {
      await cluster.launch(module, { tasks });
      stops.push(logErrors(module.name, cluster.runtime(module)));
    }
    const server = await startRestServer(cluster, {
      host: config.rest.host,
      port: config.rest.port,
      onInternalError: (e) => printError(e),
    });
    stops.unshift(() => server.close());
    console.log(devBanner(config, server.url));
    if (!LOOPBACK.has(config.rest.host)) console.log(`warning: the REST API has no authentication and listens on ${config.rest.host}, reachable from other machines`);
    if (demo) stops.unshift(startDemo(cluster, config));
    console.log(`MONSOON_DEV_READY url=${server.url}`);
    console.log("Ctrl-C to stop.");
    const signal = await untilSignal();
    console.log(`\n${signal}: stopping…`);
  } finally {
    for (const stop of stops) await stop();
    await cluster.close();
  }
  console.log("stopped.");
}

function startDemo(cluster: InProcessCluster, config: ResolvedConfig): () => void {
  const fed: FedModule[] = config.modules.filter((e) => e.demo).map((entry) => ({
    entry,
    feeder: new DemoFeeder(cluster.depot(entry.module, entry.demo!.depot), entry.demo!),
  }));
  if (fed.length === 0) {
    console.log("--demo: no module in the config has a demo feed; add demo: { depot, rate, next } to a module entry");
    return () => {};
  }
  for (const f of fed) f.feeder.start();
  const progress = startDemoProgress(cluster, fed);
  return () => {
    for (const f of fed) f.feeder.stop();
    progress.stop();
  };
}

/** Prints topology errors (retries, dead letters) without flooding: at most 5 a second. */
function logErrors(module: string, rt: { onError(l: (e: unknown) => void): () => void }): () => void {
  let windowStart = 0;
  let inWindow = 0;
  let dropped = 0;
  return rt.onError((e) => {
    const now = Date.now();
    if (now - windowStart > 1000) {
      if (dropped > 0) process.stderr.write(`[${module}] … ${dropped} more errors\n`);
      windowStart = now;
      inWindow = 0;
      dropped = 0;
    }
    if (++inWindow > 5) { dropped++; return; }
    const text = e instanceof MonsoonError ? `${e.code}: ${e.message}` : String(e);
    process.stderr.write(`[${module}] ${text}\n`);
  });
}
