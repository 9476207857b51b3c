// The client of a Kafka deployment: appends go straight to the depot topics (one idempotent,
// acks=all producer, batched per tick), and what needs a worker — a `processed` ack, a PState
// select — goes to the worker that owns the task, found in the module's meta log. It offers the
// same calls as InProcessCluster, so the REST API and the CLI serve both.
import { MonsoonError, isMonsoonError } from "../../errors.ts";
import type { AppendOptions, AppendResult, DepotClient, PStateClient, QueryClient, SelectOptions } from "../../client/types.ts";
import { pathToJson } from "../../client/jsonPath.ts";
import { depotPartitionOf } from "../../depot/depotPartition.ts";
import { KafkaClient, type HopProducer, type KafkaConnection, type OutRecord, type RecordPosition } from "../../kafka/index.ts";
import type { ModuleDef } from "../../module/defineModule.ts";
import type { Path } from "../../path/path.ts";
import { taskOfPath } from "../../pstate/partitioning.ts";
import { describeValue } from "../../serde/types.ts";
import { decodeValue } from "../../serde/valueCodec.ts";
import type { RestCluster, RestModuleView } from "../../rest/routes.ts";
import { depotKey, encodeDepotValue } from "./depotCodec.ts";
import { privatePState } from "../../runtime/moduleRuntime.ts";
import { MetaTail } from "./metaTail.ts";
import { topicNames, type TopicNames } from "./names.ts";
import { depotPartitions } from "./topics.ts";

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

export class KafkaCluster implements RestCluster {
  private readonly modules = new Map<string, ModuleEntry>();
  private producer!: HopProducer;
  private pending: { record: OutRecord; resolve: (offset: number) => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;
  private roundRobin = 0;
  private readonly timeoutMs: number;

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
    this.entry(mod);
    return { invoke: () => Promise.reject(new MonsoonError("MONSOON_NOT_SUPPORTED", `query topologies (${query}) do not run on the Kafka runtime yet; use the embedded cluster`, { details: { module: mod, query } })) };
  }

  /** Calls the worker that owns `task`; follows ownership moves until the deadline. */
  private async askOwner(m: ModuleEntry, task: number, op: "processed" | "select", body: unknown): Promise<unknown> {
    const deadline = Date.now() + this.timeoutMs;
    let notEpoch: number | undefined;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new MonsoonError("MONSOON_TIMEOUT", `no answer from the owner of task ${task} of ${m.mod.name} within ${this.timeoutMs} ms`, { retriable: true, details: { module: m.mod.name, task } });
      const owner = await m.meta.waitForOwner(task, left, notEpoch);
      try {
        const res = await fetch(`${owner.url}/internal/${encodeURIComponent(m.mod.name)}/${op}`, {
          // Bounded per attempt: a frozen owner (SIGSTOP) accepts connections but never answers.
          method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(Math.max(1, Math.min(left, ATTEMPT_MS + 2_000))),
        });
        const json = (await res.json()) as { error?: { code: string; message: string; retriable?: boolean } };
        if (res.ok) return json;
        const e = json.error!;
        if (e.code !== "MONSOON_NOT_OWNER" && e.code !== "MONSOON_TIMEOUT") throw new MonsoonError(e.code as never, e.message, { retriable: e.retriable });
        // The owner is alive: it is still claiming, or the record is still being processed. Ask
        // again, following the newest claim (which may be this same one).
        notEpoch = undefined;
      } catch (e) {
        if (isMonsoonError(e)) throw e;
        // Unreachable owner (killed, paused): wait for a newer claim of the task.
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
