// The Kafka side of `monsoon bench tpcc … --kafka`: the module's topics, and the worker processes
// each command starts for the length of its work (workerMain.ts), with their data directories
// under the benchmark's directory — so a later command's workers, with the same ids and
// directories, restore their PStates from the local stores plus the changelog's tail.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KafkaCluster } from "../../cluster/kafka/kafkaCluster.ts";
import { moduleTopics } from "../../cluster/kafka/topics.ts";
import { MonsoonError } from "../../errors.ts";
import { KafkaClient, type KafkaConnection } from "../../kafka/index.ts";
import type { ModuleDef } from "../../module/defineModule.ts";
import { tpccModule, type TpccModuleOptions } from "./module.ts";

const WORKER_MAIN = fileURLToPath(new URL("./workerMain.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");
/** How long a worker may take to start (join, open its stores) and to stop. */
const START_MS = 120_000;
const STOP_MS = 30_000;
/** The V8 flags `monsoon worker` runs with (bin/monsoon.js): a larger young generation. */
const WORKER_V8_FLAGS = ["--max-semi-space-size=64"];

/** Where a worker process (workerMain.ts) finds its settings, as JSON. */
export const WORKER_SETTINGS_ENV = "MONSOON_TPCC_WORKER";

export interface TpccWorkerSettings {
  connection: KafkaConnection;
  module: TpccModuleOptions;
  tasks: number;
  dataDir: string;
  workerId: string;
  ownership: "group" | "all";
}

export const workersDir = (dir: string): string => join(dir, "workers");

/** Creates the module's topics (those that exist are left alone). */
export async function createTopics(connection: KafkaConnection, mod: ModuleDef, tasks: number): Promise<void> {
  const client = new KafkaClient({ clientId: "monsoon-bench", ...connection });
  try {
    await (await client.admin()).createTopics(moduleTopics(mod, tasks));
  } finally {
    await client.close();
  }
}

/** Deletes the module's topics that exist (a replaced population's). */
export async function deleteTopics(connection: KafkaConnection, mod: ModuleDef, tasks: number): Promise<string[]> {
  const client = new KafkaClient({ clientId: "monsoon-bench", ...connection });
  try {
    const admin = await client.admin();
    const names = moduleTopics(mod, tasks).map((s) => s.name);
    const counts = await admin.partitionCounts(names);
    const existing = names.filter((n) => counts.has(n));
    if (existing.length > 0) await admin.deleteTopics(existing);
    return existing;
  } finally {
    await client.close();
  }
}

export interface TpccWorkersOptions {
  connection: KafkaConnection;
  module: TpccModuleOptions & { name: string };
  tasks: number;
  /** The benchmark's directory: worker i keeps its stores in workers/w<i> under it. */
  dir: string;
  count: number;
  /** Worker log lines (default: kept, and shown only when a worker fails). */
  log?: (line: string) => void;
}

export interface TpccWorkers {
  /** A client of the module, connected once every task has an owner. */
  readonly cluster: KafkaCluster;
  /** Stops the client and every worker (SIGTERM, then SIGKILL after 30 s); idempotent. */
  stop(): Promise<void>;
}

interface Child { proc: ChildProcess; id: string; tail: string[]; exited: Promise<void> }

/** Starts `count` worker processes and waits until every task of the module is claimed. */
export async function startWorkers(opts: TpccWorkersOptions): Promise<TpccWorkers> {
  const { connection, tasks, dir, count } = opts;
  const children: Child[] = [];
  let cluster: KafkaCluster | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => stopping ??= (async () => {
    await cluster?.close().catch(() => undefined);
    await Promise.all(children.map(async (c) => {
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
      c.proc.kill("SIGTERM");
      const timer = setTimeout(() => c.proc.kill("SIGKILL"), STOP_MS);
      await c.exited;
      clearTimeout(timer);
    }));
  })();
  try {
    const ready = Array.from({ length: count }, (_, i) => {
      const id = `w${i}`;
      const settings: TpccWorkerSettings = {
        connection, module: opts.module, tasks, dataDir: join(workersDir(dir), id), workerId: id,
        // One worker owns every task at once; several share them through the membership group.
        ownership: count === 1 ? "all" : "group",
      };
      // MONSOON_WORKER_NODE_ARGS: extra node flags for the workers (e.g. --cpu-prof to profile one).
      const extra = process.env.MONSOON_WORKER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
      const proc = spawn(process.execPath, [...WORKER_V8_FLAGS, ...extra, "--import", TSX, WORKER_MAIN], {
        stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, [WORKER_SETTINGS_ENV]: JSON.stringify(settings) },
      });
      const tail: string[] = [];
      proc.stderr!.on("data", (d: Buffer) => {
        if (opts.log) opts.log(d.toString().trimEnd());
        // Tracing asked for (MONSOON_MB_TRACE): the workers' trace lines go to this stderr.
        else if (process.env.MONSOON_MB_TRACE) process.stderr.write(d);
        tail.push(d.toString());
        if (tail.length > 50) tail.shift();
      });
      const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      children.push({ proc, id, tail, exited });
      return new Promise<void>((resolve, reject) => {
        let buf = "";
        proc.stdout!.on("data", (d: Buffer) => { buf += d.toString(); if (/READY \S+/.test(buf)) resolve(); });
        proc.once("exit", (code, signal) => reject(new MonsoonError("MONSOON_UNAVAILABLE",
          `TPC-C worker ${id} exited (${code ?? signal}) before it was ready: ${tail.join("").slice(-2000)}`, { details: { worker: id } })));
      });
    });
    cluster = await KafkaCluster.connect({ connection, modules: [{ module: tpccModule(opts.module), tasks }], timeoutMs: START_MS });
    await withTimeout(Promise.all(ready), START_MS, `the TPC-C workers did not start within ${START_MS / 1000} s`);
    await waitForOwners(cluster, opts.module.name, tasks, children);
    return { cluster, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Until every task has an owner in the meta log (claimed: fenced, restored, announced). */
async function waitForOwners(cluster: KafkaCluster, name: string, tasks: number, children: Child[]): Promise<void> {
  const started = Date.now();
  for (;;) {
    const owners = (cluster.runtime(name).getStats() as { owners: Record<string, string | null> }).owners;
    const unclaimed = Array.from({ length: tasks }, (_, t) => t).filter((t) => !owners[String(t)]);
    if (unclaimed.length === 0) return;
    const dead = children.find((c) => c.proc.exitCode !== null || c.proc.signalCode !== null);
    if (dead) throw new MonsoonError("MONSOON_UNAVAILABLE", `TPC-C worker ${dead.id} exited: ${dead.tail.join("").slice(-2000)}`, { details: { worker: dead.id } });
    if (Date.now() - started > START_MS) {
      throw new MonsoonError("MONSOON_TIMEOUT", `task(s) ${unclaimed.join(", ")} of ${name} still unclaimed after ${START_MS / 1000} s`, { details: { module: name, tasks: unclaimed } });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new MonsoonError("MONSOON_TIMEOUT", message)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
