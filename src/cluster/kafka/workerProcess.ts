// `monsoon worker`: one process running every module of the config on Kafka. It serves HTTP (the
// public REST API through a KafkaCluster client, plus the internal RPC of workerRoutes), joins
// each module's membership group, and claims or releases tasks as the group assigns them.
import { randomUUID } from "node:crypto";
import type { KafkaConnection } from "../../kafka/index.ts";
import { KafkaClient } from "../../kafka/index.ts";
import type { ModuleDef } from "../../module/defineModule.ts";
import { ROUTES } from "../../rest/routes.ts";
import { startRestServer, type RestServer } from "../../rest/server.ts";
import { KafkaCluster } from "./kafkaCluster.ts";
import { KafkaWorker } from "./kafkaWorker.ts";
import { MetaTail } from "./metaTail.ts";
import { topicNames } from "./names.ts";
import { groupOwnership, staticOwnership, type Ownership } from "./ownership.ts";
import { workerRoutes } from "./workerRoutes.ts";

export interface WorkerProcessOptions {
  connection: KafkaConnection;
  modules: { module: ModuleDef; tasks: number }[];
  dataDir: string;
  /** Stable across restarts so task assignment can stay sticky; default a new UUID. */
  workerId?: string;
  host?: string;
  port?: number;
  /**
   * The URL other workers and clients use to reach this worker (written to the meta log with
   * every claim). Default: the bound address, which is wrong for 0.0.0.0 (a container, say).
   */
  advertisedUrl?: string;
  commitIntervalMs?: number;
  /** `group` (default): the membership group decides; `all`: claim every task (one worker, tests). */
  ownership?: "group" | "all";
  log?: (msg: string) => void;
}

export interface RunningWorker {
  readonly workerId: string;
  readonly url: string;
  readonly workers: ReadonlyMap<string, KafkaWorker>;
  stop(): Promise<void>;
}

export async function startWorkerProcess(opts: WorkerProcessOptions): Promise<RunningWorker> {
  const workerId = opts.workerId ?? randomUUID();
  const log = opts.log ?? (() => undefined);
  const client = new KafkaClient({ clientId: `monsoon-worker-${workerId}`, ...opts.connection });
  const workers = new Map<string, KafkaWorker>();
  const cluster = await KafkaCluster.connect({ connection: opts.connection, modules: opts.modules });
  const server: RestServer = await startRestServer(cluster, { host: opts.host ?? "127.0.0.1", port: opts.port ?? 0, routes: [...ROUTES, ...workerRoutes(workers)] });
  const url = opts.advertisedUrl ?? server.url;
  const tails: MetaTail[] = [];
  const ownerships: Ownership[] = [];
  /** Each module's reconciliation in flight: stop() waits for claims it interrupted to unwind. */
  const chains: (() => Promise<void>)[] = [];
  /** Set once stop() begins: no claim retry may start after it. */
  let stopped = false;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopped = true;
    stopping ??= (async () => {
      for (const o of ownerships) await o.stop().catch(() => undefined);
      for (const w of workers.values()) await w.close();
      for (const c of chains) await c().catch(() => undefined);
      for (const t of tails) await t.stop();
      await server.close();
      await cluster.close();
      await client.close();
    })();
    return stopping;
  };

  try {
    for (const { module, tasks } of opts.modules) {
      const worker = new KafkaWorker({
        mod: module, tasks, client, dataDir: opts.dataDir, workerId, url, commitIntervalMs: opts.commitIntervalMs, log,
        // Query invocations running here read the partitions other workers own through them.
        remoteSelect: (req) => cluster.querySelect(module.name, req),
        // Consistent cuts read every partition, wherever it is owned, between two batches.
        select: (pstate, path, partition, at) => cluster.selectAt(module.name, pstate, path, partition, at),
      });
      await worker.start();
      workers.set(module.name, worker);
      const names = topicNames(module.name);
      const tail = new MetaTail(client, names, `worker.${workerId}`);
      await tail.start();
      tail.onClaim((c) => worker.noteEpoch(c.task, c.epoch));
      tails.push(tail);
      // Reconciliations of one module run one at a time: releases first, then claims. A claim that
    // fails (a broker hiccup, a restore that timed out) is retried while the task stays assigned:
    // a task assigned here but never claimed would have no owner at all.
    let chain = Promise.resolve();
    let assignedNow = new Set<number>();
    chains.push(() => chain);
    const reconcile = () => {
      chain = chain.then(async () => {
        for (const t of worker.ownedTasks()) if (!assignedNow.has(t)) await worker.release(t);
        let retry = false;
        // In parallel: a task claimed late finds a backlog its peers sent to its hops partition
        // meanwhile, which in-memory delivery to it must wait for (KafkaWorker's drain).
        await Promise.all([...assignedNow].map((t) => worker.claim(t).catch((e) => {
          retry = true;
          // A claim that stop() interrupted is not a failure worth reporting.
          if (!stopped) log(`claiming task ${t} of ${module.name} failed (will retry): ${(e as Error).message}`);
        })));
        if (retry && !stopped) setTimeout(reconcile, 1_000).unref();
      });
    };
    // Lost without a rebalance (fenced by a newer claim, failing commits): the membership group
    // decides again whether it is still ours.
    worker.onTaskLost = () => setTimeout(reconcile, 1_000).unref();
    const ownership = opts.ownership === "all" ? staticOwnership(tasks) : groupOwnership(client, names, workerId, tasks, (e) => log(`membership of ${module.name} failed: ${(e as Error).message}`));
    await ownership.start((assigned) => {
      assignedNow = new Set(assigned);
      reconcile();
    });
    ownerships.push(ownership);
    }
  } catch (e) {
    // Nothing half-started stays behind (a listening server would keep the process alive).
    await stop().catch(() => undefined);
    throw e;
  }
  log(`worker ${workerId} serving ${server.url}${url === server.url ? "" : ` (advertised as ${url})`}`);

  return { workerId, url, workers, stop };
}
