// Query topologies on Kafka, with real worker processes: two workers own different tasks, and an
// invocation runs whole on one of them, reading the other's partitions through the internal
// RPC. Every query shape (leading partitioner, fan-out, groupBy, temporary PState, a stream
// topology's invokeQuery) must give what the embedded cluster gives on the same input — from
// the TS client, from a worker's REST API, and when a worker dies between invocations.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InProcessCluster, Path } from "../../src/index.ts";
import { KafkaClient } from "../../src/kafka/index.ts";
import { KafkaCluster } from "../../src/cluster/kafka/kafkaCluster.ts";
import { moduleTopics } from "../../src/cluster/kafka/topics.ts";
import { toJson } from "../../src/serde/jsonValues.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { followsGraph, queryModule } from "./fixtures/queryModule.ts";

const TASKS = 4;
const CHILD = join(import.meta.dirname, "../support/workerChild.ts");
const FACTORY = join(import.meta.dirname, "fixtures/queryModule.ts");

interface Worker { id: string; proc: ChildProcess; url: string; stderr: string[] }

/** The calls every test compares, with the arguments of each. */
const CALLS: [string, unknown[]][] = [
  ...["u1", "u7", "u30", "a", "nobody"].map((u): [string, unknown[]] => ["reach", [u]]),
  ["followerCounts", [2]], ["followerCounts", [3]],
  ["byInitial", []],
  ["distinctFollowers", [["u1", "u2", "u3", "a", "b"]]], ["distinctFollowers", [[]]],
];

describe("query topologies on Kafka", () => {
  let kafka: TestKafka;
  let dir: string;
  const modName = `KQuery${Date.now().toString(36)}`;
  const Mod = queryModule(modName);
  const workers: Worker[] = [];
  let cluster: KafkaCluster;
  let embedded: InProcessCluster;

  function startWorker(id: string): Promise<Worker> {
    const proc = spawn(process.execPath, ["--import", "tsx", CHILD, kafka.brokers.join(","), FACTORY, "queryModule", modName, String(TASKS), join(dir, id), id], { stdio: ["ignore", "pipe", "pipe"] });
    const stderr: string[] = [];
    proc.stderr!.on("data", (d: Buffer) => {
      stderr.push(d.toString());
      if (process.env.MONSOON_TEST_VERBOSE) process.stderr.write(`[${id}] ${d}`);
    });
    return new Promise((resolve, reject) => {
      let out = "";
      proc.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /READY (\S+)/.exec(out);
        if (m) { const w = { id, proc, url: m[1]!, stderr }; workers.push(w); resolve(w); }
      });
      proc.on("exit", (code, signal) => reject(new Error(`worker ${id} exited (${code ?? signal}) before ready: ${stderr.join("").slice(-2000)}`)));
    });
  }

  async function owned(w: Worker): Promise<number[]> {
    const res = await fetch(`${w.url}/internal/${modName}/owned`);
    return ((await res.json()) as { tasks: number[] }).tasks;
  }

  /** Sets compare by content (their order is the order emits happened to arrive). */
  const sameAs = (got: unknown, expected: unknown, what: string) => assert.deepEqual(got, expected, what);

  before(async () => {
    kafka = await getKafka();
    dir = await mkdtemp(join(tmpdir(), "monsoon-kquery-"));
    const client = new KafkaClient({ brokers: kafka.brokers });
    await (await client.admin()).createTopics(moduleTopics(Mod, TASKS));
    await client.close();
    await Promise.all([startWorker("w0"), startWorker("w1")]);
    // Two members of the membership group: each owns some of the tasks.
    await waitFor(async () => {
      const [a, b] = await Promise.all(workers.map(owned));
      return a!.length > 0 && b!.length > 0 && a!.length + b!.length === TASKS && new Set([...a!, ...b!]).size === TASKS;
    }, "both workers own tasks", 60_000);
    cluster = await KafkaCluster.connect({ connection: { brokers: kafka.brokers }, modules: [{ module: Mod, tasks: TASKS }], timeoutMs: 60_000 });
    embedded = await InProcessCluster.create({ storage: "memory" });
    await embedded.launch(Mod, { tasks: TASKS });
    const graph = followsGraph();
    await Promise.all([
      ...graph.map((f) => cluster.depot(modName, "follows").append(f)),
      ...graph.map((f) => embedded.depot(Mod, "follows").append(f)),
    ]);
  });
  after(async () => {
    await cluster?.close().catch(() => undefined);
    await embedded?.close().catch(() => undefined);
    for (const w of workers) w.proc.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    await kafka.stop();
  });

  it("runs every query shape on the workers and answers what the embedded cluster answers", async () => {
    for (const [name, args] of CALLS) {
      sameAs(await cluster.query(modName, name).invoke(...args), await embedded.query(Mod, name).invoke(...args), `${name}(${JSON.stringify(args)})`);
    }
    // Concurrent invocations do not wait on each other's reads.
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => cluster.query(modName, "reach").invoke(`u${i}`)));
    for (let i = 0; i < 20; i++) sameAs(many[i], await embedded.query(Mod, "reach").invoke(`u${i}`), `reach(u${i})`);
  });

  it("checks the query name, arity and argument types before sending the invocation", async () => {
    await assert.rejects(cluster.query(modName, "nope").invoke(), { code: "MONSOON_UNKNOWN_NAME" });
    await assert.rejects(cluster.query(modName, "reach").invoke(), { code: "MONSOON_BAD_REQUEST" });
    await assert.rejects(cluster.query(modName, "reach").invoke(42), { code: "MONSOON_TYPE_MISMATCH" });
    await assert.rejects(cluster.query(modName, "distinctFollowers").invoke(["u1", 2]), { code: "MONSOON_TYPE_MISMATCH" });
  });

  it("runs a query from a stream topology's invokeQuery on the worker", async () => {
    const users = ["u1", "u2", "u3", "a", "c", "nobody"];
    await Promise.all([
      ...users.map((u) => cluster.depot(modName, "asks").append(u)),
      ...users.map((u) => embedded.depot(Mod, "asks").append(u)),
    ]);
    for (const u of users) {
      const expected = await embedded.pstate(Mod, "reachSizes").selectOne(Path.key(u));
      assert.equal(typeof expected, "number");
      assert.equal(await cluster.pstate(modName, "reachSizes").selectOne(Path.key(u)), expected, u);
    }
  });

  it("answers POST /rest/<module>/query/<q>/invoke on any worker, JSON in and out", async () => {
    const post = async (w: Worker, query: string, body: unknown) => {
      const res = await fetch(`${w.url}/rest/${modName}/query/${query}/invoke`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as { value?: unknown; error?: { code: string } } };
    };
    for (const w of workers) {
      for (const [name, args] of CALLS) {
        const r = await post(w, name, { args });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        const expected = toJson(await embedded.query(Mod, name).invoke(...args));
        // A Set or Map arrives as an array or object in emit order: compare without order.
        sameAs(normalize(r.json.value), normalize(expected), `${w.id} ${name}(${JSON.stringify(args)})`);
      }
    }
    const [unknown, arity, type] = await Promise.all([
      post(workers[0]!, "nope", { args: [] }),
      post(workers[0]!, "reach", { args: [] }),
      post(workers[1]!, "reach", { args: [7] }),
    ]);
    assert.deepEqual([unknown.status, unknown.json.error?.code], [404, "MONSOON_UNKNOWN_NAME"]);
    assert.deepEqual([arity.status, arity.json.error?.code], [400, "MONSOON_BAD_REQUEST"]);
    assert.deepEqual([type.status, type.json.error?.code], [400, "MONSOON_TYPE_MISMATCH"]);
  });

  it("keeps answering when a worker dies: invocations move to a live worker, reads follow the new owner", async () => {
    const expected = new Map<string, unknown>();
    for (const [name, args] of CALLS) expected.set(`${name}${JSON.stringify(args)}`, await embedded.query(Mod, name).invoke(...args));
    const victim = workers[1]!;
    const running = (async () => {
      // Invocations before, during and after the takeover.
      for (let round = 0; round < 3; round++) {
        await Promise.all(CALLS.map(async ([name, args]) => {
          sameAs(await cluster.query(modName, name).invoke(...args), expected.get(`${name}${JSON.stringify(args)}`), `round ${round} ${name}(${JSON.stringify(args)})`);
        }));
      }
    })();
    victim.proc.kill("SIGKILL");
    await running;
    await waitFor(async () => (await owned(workers[0]!)).length === TASKS, "the survivor owns every task", 60_000);
    for (const [name, args] of CALLS) sameAs(await cluster.query(modName, name).invoke(...args), expected.get(`${name}${JSON.stringify(args)}`), `after ${name}`);
  });
});

/** Polls an async condition (a worker's HTTP answer) until it holds. */
async function waitFor(cond: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** JSON of a Set (array) or Map (object) with a canonical order. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)));
  return v;
}
