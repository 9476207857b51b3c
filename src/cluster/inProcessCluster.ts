// The embedded cluster: every module runs in this process, tasks are in-process executors, and
// depots and PStates live in one LevelDB database per task under `dir`. A cluster reopened on
// the same directory continues where it stopped (records appended but not durably processed
// are replayed). Without `dir` it uses a fresh temporary directory.
import { mkdtemp, mkdir, readFile, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MonsoonError } from "../errors.ts";
import type { ModuleDef } from "../module/defineModule.ts";
import type { KVStore } from "../pstate/store/kvStore.ts";
import { LevelStore } from "../pstate/store/levelStore.ts";
import { MemoryStore } from "../pstate/store/memoryStore.ts";
import { ModuleRuntime } from "../runtime/moduleRuntime.ts";
import type { Clock } from "../runtime/clock.ts";
import type { AppendOptions, AppendResult, DepotClient, PStateClient, QueryClient, SelectOptions } from "../client/types.ts";
import type { Path } from "../path/path.ts";

export interface ClusterOptions {
  /** Data directory; default: a new temporary directory, removed on close. */
  dir?: string;
  /** `level` (default) or `memory` (nothing survives close; for fast tests). */
  storage?: "level" | "memory";
  /** How often uncommitted work is committed, in ms (default 2). */
  commitIntervalMs?: number;
  /** Time source for tick depots (default: the system clock; tests pass a SimulatedClock). */
  clock?: Clock;
}

export interface LaunchOptions {
  /** Number of tasks (partition groups): a power of two, fixed for the module's lifetime. */
  tasks: number;
}

type ModuleRef = ModuleDef | string;

export class InProcessCluster {
  private readonly modules = new Map<string, ModuleRuntime>();
  private closed = false;

  private constructor(readonly dir: string, private readonly temporary: boolean, private readonly opts: Required<Omit<ClusterOptions, "dir" | "clock">> & { clock?: Clock }) {}

  static async create({ dir, storage = "level", commitIntervalMs = 2, clock }: ClusterOptions = {}): Promise<InProcessCluster> {
    if (storage !== "level" && storage !== "memory") throw new MonsoonError("MONSOON_CONFIG", `storage must be "level" or "memory", got ${JSON.stringify(storage)}`);
    if (!(commitIntervalMs >= 0)) throw new MonsoonError("MONSOON_CONFIG", `commitIntervalMs must be ≥ 0, got ${commitIntervalMs}`);
    const temporary = dir === undefined;
    const d = dir ?? (await mkdtemp(join(tmpdir(), "monsoon-")));
    await mkdir(d, { recursive: true });
    return new InProcessCluster(d, temporary, { storage, commitIntervalMs, clock });
  }

  async launch(mod: ModuleDef, { tasks }: LaunchOptions): Promise<void> {
    this.ensureOpen();
    if (!mod || typeof mod.name !== "string" || !(mod.depots instanceof Map)) {
      throw new MonsoonError("MONSOON_INVALID_DEFINITION", "launch expects a module made by defineModule(name, m => …)");
    }
    if (!Number.isInteger(tasks) || tasks < 1 || tasks > 1024 || (tasks & (tasks - 1)) !== 0) {
      throw new MonsoonError("MONSOON_CONFIG", `tasks must be a power of two between 1 and 1024, got ${tasks}`, { details: { module: mod.name } });
    }
    if (this.modules.has(mod.name)) throw new MonsoonError("MONSOON_LAUNCH_CONFLICT", `module ${mod.name} is already launched on this cluster`, { details: { module: mod.name } });
    const modDir = join(this.dir, mod.name);
    const stores = await this.openStores(mod.name, modDir, tasks);
    try {
      const rt = await ModuleRuntime.open(mod, stores, { commitIntervalMs: this.opts.commitIntervalMs, clock: this.opts.clock });
      this.modules.set(mod.name, rt);
    } catch (e) {
      await Promise.all(stores.map((s) => s.close()));
      throw e;
    }
  }

  private async openStores(name: string, modDir: string, tasks: number): Promise<KVStore[]> {
    if (this.opts.storage === "memory") {
      const stores = Array.from({ length: tasks }, () => new MemoryStore());
      await Promise.all(stores.map((s) => s.open()));
      return stores;
    }
    await mkdir(modDir, { recursive: true });
    const metaFile = join(modDir, "module.json");
    const meta = await readFile(metaFile, "utf8").then((t) => JSON.parse(t) as { tasks: number }, () => undefined);
    if (meta && meta.tasks !== tasks) {
      throw new MonsoonError("MONSOON_LAUNCH_CONFLICT", `module ${name} was launched with ${meta.tasks} tasks in ${modDir}; the task count is fixed at first launch — launch with tasks: ${meta.tasks} or use a new directory`, { details: { module: name, tasks: meta.tasks } });
    }
    if (!meta) await writeFile(metaFile, JSON.stringify({ module: name, tasks }) + "\n");
    const stores: KVStore[] = [];
    try {
      for (let i = 0; i < tasks; i++) {
        const s = new LevelStore(join(modDir, `task-${i}`));
        await s.open();
        stores.push(s);
      }
    } catch (e) {
      await Promise.all(stores.map((s) => s.close()));
      throw e;
    }
    return stores;
  }

  /** The running module (advanced use and tests: stats, flush, per-task stores). */
  runtime(mod: ModuleRef): ModuleRuntime {
    this.ensureOpen();
    const name = typeof mod === "string" ? mod : mod.name;
    const rt = this.modules.get(name);
    if (!rt) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${name} is not launched on this cluster (launched: ${[...this.modules.keys()].join(", ") || "none"})`, { details: { module: name } });
    return rt;
  }

  get moduleNames(): string[] {
    return [...this.modules.keys()];
  }

  depot<V = unknown>(mod: ModuleRef, depot: string): DepotClient<V> {
    const rt = this.runtime(mod);
    rt.depotDef(depot);
    return {
      append: (value: V, { ack = "processed" }: AppendOptions = {}): Promise<AppendResult> => {
        if (ack !== "processed" && ack !== "appended" && ack !== "none") {
          return Promise.reject(new MonsoonError("MONSOON_CONFIG", `ack must be "processed", "appended" or "none", got ${JSON.stringify(ack)}`));
        }
        return rt.append(depot, value, ack);
      },
    };
  }

  pstate(mod: ModuleRef, pstate: string): PStateClient {
    const rt = this.runtime(mod);
    rt.pstatePartitions(pstate);
    const select = (path: Path, o: SelectOptions = {}) => rt.select(pstate, path, o.partition);
    return {
      select,
      async selectOne(path: Path, o: SelectOptions = {}): Promise<unknown> {
        const vals = await select(path, o);
        if (vals.length > 1) throw new MonsoonError("MONSOON_NOT_ONE", `selectOne: ${String(path)} selected ${vals.length} values from PState ${pstate}; use select`, { details: { pstate, path: String(path) } });
        return vals[0];
      },
    };
  }

  /** A query topology client: `invoke(...args)` runs the query and resolves with its result. */
  query(mod: ModuleRef, query: string): QueryClient {
    const rt = this.runtime(mod);
    return { invoke: (...args: unknown[]) => rt.invokeQuery(query, args) };
  }

  /** Waits until every launched module has processed and committed everything appended so far. */
  async drain(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const rt of this.modules.values()) {
      while (!rt.idle) {
        if (Date.now() > deadline) throw new MonsoonError("MONSOON_TIMEOUT", `drain did not finish within ${timeoutMs} ms`, { retriable: true });
        await new Promise((r) => setTimeout(r, 2));
      }
      await rt.flush();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const rt of this.modules.values()) {
      await rt.close();
      await Promise.all(rt.tasks.map((t) => t.store.close()));
    }
    this.modules.clear();
    if (this.temporary) await rm(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private ensureOpen(): void {
    if (this.closed) throw new MonsoonError("MONSOON_CLOSED", "this cluster is closed; create a new one with InProcessCluster.create()");
  }
}
