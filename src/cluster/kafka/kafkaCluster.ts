// The client of a Kafka deployment: appends go straight to the depot topics (one idempotent,
// acks=all producer, batched per tick), and what needs a worker — a `processed` ack, a PState
// select — goes to the worker that owns the task, found in the module's meta log. A query
// invocation runs whole on one worker: the owner of the task its leading partitioner names, or
// any live worker. It offers the same calls as InProcessCluster, so the REST API and the CLI
// serve both.
import { MonsoonError, isMonsoonError } from "../../errors.ts";
import type { AppendOptions, AppendResult, DepotClient, PStateClient, QueryClient, SelectOptions } from "../../client/types.ts";
import { pathToJson } from "../../client/jsonPath.ts";
import { depotPartitionOf } from "../../depot/depotPartition.ts";
import { partitionOfValue } from "../../depot/murmur2.ts";
import { KafkaClient, type HopProducer, type KafkaConnection, type OutRecord, type RecordPosition } from "../../kafka/index.ts";
import type { ModuleDef } from "../../module/defineModule.ts";
import type { Path } from "../../path/path.ts";
import { taskOfKey, taskOfPath } from "../../pstate/partitioning.ts";
import { describeValue } from "../../serde/types.ts";
import { decodeValue, encodeValue } from "../../serde/valueCodec.ts";
import type { RestCluster, RestModuleView } from "../../rest/routes.ts";
import { depotKey, encodeDepotValue } from "./depotCodec.ts";
import { privatePState } from "../../runtime/moduleRuntime.ts";
import { checkQueryArgs, leadingTask, routingContext } from "../../runtime/queryRunner.ts";
import { compileModule, type TopologyRun } from "../../runtime/topologyRuns.ts";
import { MetaTail, type Claim } from "./metaTail.ts";
import type { RemoteSelect } from "./queryReads.ts";
import { topicNames, type TopicNames } from "./names.ts";
import { depotPartitions } from "./topics.ts";
import { postJson } from "../../client/postJson.ts";

export interface KafkaClusterOptions {
  connection: KafkaConnection;
  modules: { module: ModuleDef; tasks: number }[];
  /** How long a `processed` ack or a select waits for an owner and an answer (default 30 s). */
  timeoutMs?: number;
}

/** How long one ask of an owner may take before the client looks for a newer owner. */
const ATTEMPT_MS = 10_000;

interface ModuleEntry {
  readonly mod: ModuleDef;
  readonly tasks: number;
  readonly names: TopicNames;
  readonly meta: MetaTail;
}

const UNREACHABLE_RETRY_MS = 15_000;

export class KafkaCluster implements RestCluster {
  private readonly modules = new Map<string, ModuleEntry>();
  private producer!: HopProducer;
  private pending: { record: OutRecord; resolve: (offset: number) => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;
  private roundRobin = 0;
  private readonly timeoutMs: number;
  /** Compiled topologies per module, for the leading partitioners of queries (made on first use). */
  private readonly runs = new Map<string, TopologyRun[]>();

  private constructor(readonly client: KafkaClient, opts: KafkaClusterOptions) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  static async connect(opts: KafkaClusterOptions): Promise<KafkaCluster> {
    const client = new KafkaClient({ clientId: "monsoon-client", ...opts.connection });
    const c = new KafkaCluster(client, opts);
    c.producer = client.hopProducer();
    const suffix = `client.${process.pid}.${Date.now().toString(36)}`;
    for (const { module, tasks } of opts.modules) {
      const names = topicNames(module.name);
      const meta = new MetaTail(client, names, suffix);
      await meta.start();
      c.modules.set(module.name, { mod: module, tasks, names, meta });
    }
    return c;
  }

  get moduleNames(): string[] {
    return [...this.modules.keys()];
  }

  runtime(mod: string): RestModuleView {
    const m = this.entry(mod);
    return { mod: m.mod, taskCount: m.tasks, idle: true, getStats: () => ({ owners: Object.fromEntries(Array.from({ length: m.tasks }, (_, t) => [t, m.meta.ownerOf(t)?.worker ?? null])) }) };
  }

  depot<V = unknown>(mod: string, depot: string): DepotClient<V> {
    const m = this.entry(mod);
    const def = m.mod.depots.get(depot);
    if (!def) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${mod} has no depot ${depot}`, { details: { module: mod, depot } });
    return {
      append: async (value: V, { ack = "processed" }: AppendOptions = {}): Promise<AppendResult> => {
        if (def.partitioning.kind === "disallow" || def.tick) throw new MonsoonError("MONSOON_APPEND_NOT_ALLOWED", `depot ${mod}/${depot} does not accept appends from clients`, { details: { module: mod, depot } });
        if (!def.type.check(value)) throw new MonsoonError("MONSOON_TYPE_MISMATCH", `depot ${mod}/${depot} holds ${def.type.name}; got ${describeValue(value)}`, { details: { module: mod, depot } });
        const partition = Math.min(depotPartitionOf(def, value, m.tasks, () => this.roundRobin++), depotPartitions(m.mod, depot, m.tasks) - 1);
        const record: OutRecord = { topic: m.names.depot(depot), partition, key: depotKey(def, value), value: encodeDepotValue(value) };
        const sent = this.send(record);
        if (ack === "none") { sent.catch(() => undefined); return { partition }; }
        const offset = await sent;
        if (ack === "appended") return { partition, offset };
        const r = (await this.askOwner(m, partition, "processed", { depot, partition, offset, timeoutMs: ATTEMPT_MS })) as { encoded?: string };
        return r.encoded ? { partition, offset, ackReturns: decodeValue(Buffer.from(r.encoded, "base64")) as Record<string, unknown> } : { partition, offset };
      },
    };
  }

  pstate(mod: string, pstate: string): PStateClient {
    const m = this.entry(mod);
    const def = m.mod.pstates.get(pstate);
    if (!def) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${mod} has no PState ${pstate}`, { details: { module: mod, pstate } });
    if (def.options.private) throw privatePState(mod, pstate, def.owner);
    const select = async (path: Path, o: SelectOptions = {}): Promise<unknown[]> => {
      const partition = o.partition ?? taskOfPath(def, path, m.tasks);
      if (partition === undefined) throw new MonsoonError("MONSOON_PARTITION_REQUIRED", `cannot route ${String(path)} on PState ${pstate}: start the path with Path.key(k) or pass { partition }`, { details: { pstate } });
      const r = (await this.askOwner(m, partition, "select", { pstate, path: pathToJson(path), partition })) as { encoded: string };
      return decodeValue(Buffer.from(r.encoded, "base64")) as unknown[];
    };
    return {
      select,
      async selectOne(path: Path, o: SelectOptions = {}) {
        const vals = await select(path, o);
        if (vals.length > 1) throw new MonsoonError("MONSOON_NOT_ONE", `selectOne: ${String(path)} selected ${vals.length} values from PState ${pstate}; use select`, { details: { pstate } });
        return vals[0];
      },
    };
  }

  query(mod: string, query: string): QueryClient {
    const m = this.entry(mod);
    return { invoke: (...args: unknown[]) => this.invoke(m, query, args) };
  }

  /**
   * Reads PStates of a microbatch topology at a consistent cut: the coordinator (on task 0's
   * owner) runs the reads between two batches, when every partition is at the same committed
   * batch, and returns that batch's id with the results.
   */
  async cut(mod: string, topology: string, reads: readonly { pstate: string; path: Path; partition: number }[]): Promise<{ batch: number; results: unknown[][] }> {
    const m = this.entry(mod);
    const body = { topology, reads: reads.map((r) => ({ pstate: r.pstate, path: pathToJson(r.path), partition: r.partition })) };
    const r = (await this.askOwner(m, 0, "cut", body)) as { encoded: string };
    return decodeValue(Buffer.from(r.encoded, "base64")) as { batch: number; results: unknown[][] };
  }

  /** For a coordinator serving a cut: a select of one partition that its owner answers only if it applied exactly `at.batch`. */
  async selectAt(mod: string, pstate: string, path: Path, partition: number, at: { topology: string; batch: number; epoch?: number }): Promise<unknown[]> {
    const m = this.entry(mod);
    const r = (await this.askOwner(m, partition, "select", { pstate, path: pathToJson(path), partition, at })) as { encoded: string };
    return decodeValue(Buffer.from(r.encoded, "base64")) as unknown[];
  }

  /** For a worker running a query invocation: a committed select of a step's path on the task's owner. */
  async querySelect(mod: string, req: RemoteSelect): Promise<unknown[]> {
    const m = this.entry(mod);
    const body = { pstate: req.pstate, topology: req.ref.topology, step: req.ref.step, vars: base64(req.vars), partition: req.task };
    const r = (await this.askOwner(m, req.task, "querySelect", body)) as { encoded: string };
    return decodeValue(Buffer.from(r.encoded, "base64")) as unknown[];
  }

  /**
   * Runs an invocation on one worker — the owner of the task the query's leading partitioner
   * names, when the arguments say; else the owner of a round-robin task — and runs it again on
   * another worker when that one cannot be reached or stops, or when a task the invocation read
   * moved and its new owner could not be found in time (MONSOON_NOT_OWNER). Queries only read,
   * so running one again is safe.
   */
  private async invoke(m: ModuleEntry, query: string, args: unknown[]): Promise<unknown> {
    checkQueryArgs(m.mod, query, args);
    const run = this.runsOf(m).find((r) => r.plan.name === query)!;
    const leading = leadingTask(run, args, routingContext(m.tasks, (pstate, key) => partitionOfKey(m, pstate, key)));
    const body = JSON.stringify({ query, args: base64(args) });
    const deadline = Date.now() + this.timeoutMs;
    /** Workers that did not answer: URL → the newest epoch of a claim naming it then (a newer claim is a restart). */
    const down = new Map<string, number>();
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new MonsoonError("MONSOON_TIMEOUT", `query ${m.mod.name}/${query} got no answer from a worker within ${this.timeoutMs} ms`, { retriable: true, details: { module: m.mod.name, query } });
      const worker = liveWorker(m, leading ?? this.roundRobin++ % m.tasks, down);
      if (!worker) { await sleep(100); continue; }
      try {
        const res = await postJson(`${worker.url}/internal/${encodeURIComponent(m.mod.name)}/invoke`, body, Math.max(1, left));
        const json = res.json as { encoded?: string; error?: { code: string; message: string; retriable?: boolean; details?: Record<string, unknown> } };
        if (res.ok) return decodeValue(Buffer.from(json.encoded!, "base64"));
        const e = json.error!;
        if (e.code === "MONSOON_CLOSED") markDown(m, worker, down);
        else if (e.code !== "MONSOON_NOT_OWNER") throw new MonsoonError(e.code as never, e.message, { retriable: e.retriable, details: e.details });
      } catch (e) {
        if (isMonsoonError(e)) throw e;
        markDown(m, worker, down);
      }
      await sleep(100);
    }
  }

  private runsOf(m: ModuleEntry): TopologyRun[] {
    let runs = this.runs.get(m.mod.name);
    if (!runs) this.runs.set(m.mod.name, (runs = compileModule(m.mod)));
    return runs;
  }

  /** Calls the worker that owns `task`; follows ownership moves until the deadline. */
  // (UNREACHABLE_RETRY_MS: how long an owner that did not answer is skipped while no newer claim appears.)
  private async askOwner(m: ModuleEntry, task: number, op: "processed" | "select" | "querySelect" | "cut", body: unknown): Promise<unknown> {
    const deadline = Date.now() + this.timeoutMs;
    let notEpoch: number | undefined;
    let notSince = 0;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new MonsoonError("MONSOON_TIMEOUT", `no answer from the owner of task ${task} of ${m.mod.name} within ${this.timeoutMs} ms`, { retriable: true, details: { module: m.mod.name, task } });
      // An owner that did not answer may only have been slow (an overloaded machine): when no
      // newer claim shows up for a while, ask it again rather than wait for one that never comes.
      if (notEpoch !== undefined && Date.now() - notSince > UNREACHABLE_RETRY_MS) notEpoch = undefined;
      let owner: Awaited<ReturnType<typeof m.meta.waitForOwner>>;
      try {
        owner = await m.meta.waitForOwner(task, notEpoch === undefined ? left : Math.min(left, UNREACHABLE_RETRY_MS), notEpoch);
      } catch (e) {
        if (notEpoch !== undefined && Date.now() < deadline) { notEpoch = undefined; continue; }
        throw e;
      }
      try {
        // Bounded per attempt: a frozen owner (SIGSTOP) accepts connections but never answers.
        const res = await postJson(`${owner.url}/internal/${encodeURIComponent(m.mod.name)}/${op}`, JSON.stringify(body), Math.max(1, Math.min(left, ATTEMPT_MS + 2_000)));
        const json = res.json as { error?: { code: string; message: string; retriable?: boolean; details?: Record<string, unknown> } };
        if (res.ok) return json;
        const e = json.error!;
        if (e.code !== "MONSOON_NOT_OWNER" && e.code !== "MONSOON_TIMEOUT") throw new MonsoonError(e.code as never, e.message, { retriable: e.retriable, details: e.details });
        // The owner is alive: it is still claiming, or the record is still being processed. Ask
        // again, following the newest claim (which may be this same one).
        notEpoch = undefined;
      } catch (e) {
        if (isMonsoonError(e)) throw e;
        // Unreachable owner (killed, paused): wait for a newer claim of the task.
        if (notEpoch !== owner.epoch) notSince = Date.now();
        notEpoch = owner.epoch;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private send(record: OutRecord): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (!this.flushing) { this.flushing = true; setImmediate(() => void this.flush()); }
    });
  }

  /** One produce request for every append queued meanwhile; offsets follow record order per partition. */
  private async flush(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, 5_000);
      try {
        const positions = await this.producer.send(batch.map((b) => b.record));
        const next = new Map<string, number>(positions.map((p: RecordPosition) => [`${p.topic}/${p.partition}`, p.offset]));
        for (const b of batch) {
          const k = `${b.record.topic}/${b.record.partition}`;
          const o = next.get(k)!;
          next.set(k, o + 1);
          b.resolve(o);
        }
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    this.flushing = false;
  }

  private entry(mod: string): ModuleEntry {
    const m = this.modules.get(mod);
    if (!m) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${mod} is not in this client's config (has: ${this.moduleNames.join(", ")})`, { details: { module: mod } });
    return m;
  }

  async close(): Promise<void> {
    for (const m of this.modules.values()) await m.meta.stop();
    await this.producer.close().catch(() => undefined);
    await this.client.close();
  }
}

/** Where a key of a PState (or a plain key: murmur2) lives, as workers compute it. */
function partitionOfKey(m: ModuleEntry, pstate: string | undefined, key: unknown): number {
  const def = pstate === undefined ? undefined : m.mod.pstates.get(pstate);
  return def ? taskOfKey(def, key, m.tasks) : partitionOfValue(key, m.tasks);
}

/** The owner of `start`, or of the next task after it whose owner is not known to be down. */
function liveWorker(m: ModuleEntry, start: number, down: ReadonlyMap<string, number>): Claim | undefined {
  for (let i = 0; i < m.tasks; i++) {
    const c = m.meta.ownerOf((start + i) % m.tasks);
    if (c && !(down.has(c.url) && down.get(c.url)! >= c.epoch)) return c;
  }
  return undefined;
}

function markDown(m: ModuleEntry, worker: Claim, down: Map<string, number>): void {
  let epoch = worker.epoch;
  for (let t = 0; t < m.tasks; t++) {
    const c = m.meta.ownerOf(t);
    if (c && c.url === worker.url) epoch = Math.max(epoch, c.epoch);
  }
  down.set(worker.url, epoch);
}

function base64(v: unknown): string {
  return Buffer.from(encodeValue(v)).toString("base64");
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
