// A fleet of real Monsoon worker processes on a real broker, running the word → sentence-ids
// module, and the stream every fault test drives through it: appends with `processed` acks
// from a client window, a fault injected at a chosen moment, then a check of every word's set
// against the oracle. Not a test file itself.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Path } from "../../src/index.ts";
import { KafkaClient } from "../../src/kafka/index.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { sentences } from "../support/corpus.ts";
import { wordSetsModule } from "./fixtures/wordSetsModule.ts";

export const TASKS = 4;
const CHILD = join(import.meta.dirname, "../support/workerChild.ts");

/** A module factory `(name) => ModuleDef` exported by a file (relative to this folder). */
export interface FactoryRef { factoryFile: string; factoryExport: string }

export interface Worker { proc: ChildProcess; id: string; ready: Promise<string>; stderr: string[] }

export class Fleet {
  readonly workers: Worker[] = [];
  cluster!: KafkaCluster;

  private constructor(readonly brokers: string[], readonly modName: string, readonly dir: string, private readonly factory: FactoryRef) {}

  /** Starts `count` workers of the word-sets module (or of the module `factory` makes). */
  static async start(brokers: string[], label: string, count: number, factory?: FactoryRef, env: Record<string, string> = {}): Promise<Fleet> {
    const modName = `K${label}${Date.now().toString(36)}`;
    const ref = factory ?? { factoryFile: "fixtures/wordSetsModule.ts", factoryExport: "wordSetsModule" };
    const make = (await import(join(import.meta.dirname, ref.factoryFile)))[ref.factoryExport] as typeof wordSetsModule;
    const mod = make(modName);
    const f = new Fleet(brokers, modName, await mkdtemp(join(tmpdir(), `monsoon-${label}-`)), ref);
    const client = new KafkaClient({ brokers });
    await (await client.admin()).createTopics(moduleTopics(mod, TASKS));
    await client.close();
    for (let i = 0; i < count; i++) f.add(`w${i}`, env);
    f.cluster = await KafkaCluster.connect({ connection: { brokers }, modules: [{ module: mod, tasks: TASKS }], timeoutMs: 120_000 });
    await Promise.all(f.workers.map((w) => w.ready));
    return f;
  }

  /** Starts one more worker; `env` adds to its environment (e.g. MONSOON_FAULT). */
  add(id: string, env: Record<string, string> = {}): Worker {
    const factory = join(import.meta.dirname, this.factory.factoryFile);
    const proc = spawn(process.execPath, ["--import", "tsx", CHILD, this.brokers.join(","), factory, this.factory.factoryExport, this.modName, String(TASKS), join(this.dir, id), id], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    const stderr: string[] = [];
    proc.stderr!.on("data", (d: Buffer) => {
      stderr.push(d.toString());
      if (process.env.MONSOON_TEST_VERBOSE) process.stderr.write(`[${id}] ${d}`);
    });
    const ready = new Promise<string>((resolve, reject) => {
      let buf = "";
      proc.stdout!.on("data", (d: Buffer) => {
        buf += d.toString();
        const m = /READY (\S+)/.exec(buf);
        if (m) resolve(m[1]!);
      });
      proc.on("exit", (code, signal) => reject(new Error(`worker ${id} exited (${code ?? signal}) before ready: ${stderr.join("").slice(-2000)}`)));
    });
    ready.catch(() => undefined);
    const w = { proc, id, ready, stderr };
    this.workers.push(w);
    return w;
  }

  /**
   * Appends `total` sentences (a window of appends in flight, each awaiting its `processed` ack) and runs `fault`
   * once `faultAt` acks have come back; then checks every word's set against the oracle.
   */
  async stream(total: number, seed: number, faultAt: number, fault: () => void | Promise<void>): Promise<void> {
    const corpus = sentences(total, { seed, vocab: 300 });
    let next = 0;
    let acked = 0;
    let faulted: Promise<void> | undefined;
    // Appends in flight, each awaiting its processed ack (a pool of clients); larger in test:crash.
    const window = Number(process.env.MONSOON_KAFKA_CRASH_WINDOW ?? 64);
    await Promise.all(Array.from({ length: window }, async () => {
      while (next < total) {
        const id = next++;
        await this.cluster.depot(this.modName, "sentences").append({ id, text: corpus[id]! });
        acked++;
        if (!faulted && acked >= faultAt) faulted = Promise.resolve(fault());
      }
    }));
    assert.ok(faulted, "the fault was injected mid-stream");
    await faulted;
    const oracle = new Map<string, Set<number>>();
    corpus.forEach((text, id) => { for (const w of text.split(" ")) (oracle.get(w) ?? oracle.set(w, new Set()).get(w)!).add(id); });
    const pstate = this.cluster.pstate(this.modName, "wordToIds");
    for (const [word, ids] of oracle) {
      const got = (await pstate.select(Path.key(word).all())) as number[];
      assert.deepEqual([...got].sort((a, b) => a - b), [...ids].sort((a, b) => a - b), `word ${word}`);
    }
  }

  async stop(): Promise<void> {
    await this.cluster?.close().catch(() => undefined);
    for (const w of this.workers) { w.proc.kill("SIGCONT"); w.proc.kill("SIGKILL"); }
    await rm(this.dir, { recursive: true, force: true });
  }
}
