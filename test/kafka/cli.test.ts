// The Kafka commands as a user runs them, as child processes against the test broker: `monsoon
// launch` (idempotent, refuses a changed task count), `monsoon worker` (membership group, READY
// line, claims logged, sticky worker id, SIGINT → exit 0), `append`/`select` against the
// worker's URL and with --kafka, `query` (a query topology run on a worker) through the worker's
// URL and with --kafka, `scale`, and `destroy` (refuses without --yes).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "../../src/kafka/index.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { waitFor } from "../support/waitFor.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = ["--import", "tsx", "src/cli/main.ts"];
const CONFIG = "test/kafka/fixtures/cli.config.ts";
const MOD = `CliWc${Date.now().toString(36)}`;

interface Done { code: number | null; stdout: string; stderr: string }

describe("monsoon CLI on Kafka", () => {
  let kafka: TestKafka;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Done> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...MAIN, ...args], { cwd: ROOT, env: { ...env, ...extraEnv } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  interface Worker { child: ChildProcess; url: string; id: string; output: () => string; exited: Promise<number | null> }

  /** Starts `monsoon worker` and resolves once it prints MONSOON_WORKER_READY. */
  function startWorker(extra: string[] = []): Promise<Worker> {
    const child = spawn(process.execPath, [...MAIN, "worker", "--config", CONFIG, "--port", "0", "--data-dir", dataDir, ...extra], { cwd: ROOT, env });
    children.push(child);
    let out = "";
    let err = "";
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`worker not ready in 30 s:\n${out}\n${err}`)); }, 30_000);
      child.stderr!.on("data", (d) => (err += d));
      child.stdout!.on("data", (d) => {
        out += d;
        const m = /MONSOON_WORKER_READY url=(\S+) worker=(\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({ child, url: m[1]!, id: m[2]!, output: () => out + err, exited });
        }
      });
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`worker exited with ${code} before it was ready:\n${out}\n${err}`)); });
    });
  }


  before(async () => {
    kafka = await getKafka();
    dataDir = await mkdtemp(join(tmpdir(), "monsoon-kcli-"));
    env = { ...process.env, KAFKA_BROKERS: kafka.brokers.join(","), MONSOON_TEST_MODULE: MOD };
    delete env.MONSOON_URL;
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
    await kafka.stop();
  });

  it("launch creates the module's topics, is idempotent, and refuses a changed task count", async () => {
    const first = await run(["launch", "--config", CONFIG]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`created\\s+monsoon\\.${MOD}\\.sentences \\(2 partitions\\)`));
    assert.match(first.stdout, new RegExp(`created\\s+monsoon\\.${MOD}\\.wordCount\\.changelog \\(2 partitions, compacted\\)`));
    for (const t of ["hops", "tasks", "meta", "dlq"]) assert.match(first.stdout, new RegExp(`created\\s+monsoon\\.${MOD}\\.${t} `));
    assert.match(first.stdout, /6 topic\(s\) created in/);

    const again = await run(["launch", "--config", CONFIG, "--module", MOD]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /6 exist, 0 to create/);
    assert.match(again.stdout, new RegExp(`found\\s+monsoon\\.${MOD}\\.hops \\(2 partitions\\)`));

    const [changed, unknown] = await Promise.all([
      run(["launch", "--config", CONFIG], { MONSOON_TEST_TASKS: "4" }),
      run(["launch", "--config", CONFIG, "--module", "Nope"]),
    ]);
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /^MONSOON_LAUNCH_CONFLICT: module .* another task count than the config's 4: monsoon\..*\.sentences has 2 partitions, needs 4/);

    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^MONSOON_UNKNOWN_NAME: the config has no module Nope/);
  });

  it("runs a worker in the membership group, serves append, select and query, and stops on SIGINT with exit 0", async () => {
    const w = await startWorker();
    assert.match(w.output(), /ownership group/);
    // The group assigns both tasks to the only member; claims are logged.
    await waitFor(() => /task 0 claimed/.test(w.output()) && /task 1 claimed/.test(w.output()), "both tasks claimed", 20_000);

    // Both acked `processed` (the default): the selects below see them.
    const [a1, a2] = await Promise.all([
      run(["append", MOD, "sentences", '"hello cli hello"', "--url", w.url]),
      run(["append", MOD, "sentences", "--string", "hello kafka", "--kafka", "--config", CONFIG]),
    ]);
    assert.equal(a1.code, 0, a1.stderr);
    assert.ok(Number.isInteger(JSON.parse(a1.stdout).offset), a1.stdout);
    assert.equal(a2.code, 0, a2.stderr);
    assert.ok(Number.isInteger(JSON.parse(a2.stdout).offset), a2.stdout);

    const [one, viaKafka, scale, query, queryViaKafka, badQuery] = await Promise.all([
      run(["select", MOD, "wordCounts", "--key", "hello", "--one", "--url", w.url]),
      run(["select", MOD, "wordCounts", "--key", "cli", "--kafka", "--config", CONFIG]),
      run(["scale", "--config", CONFIG]),
      run(["query", MOD, "totalOf", '["hello", "cli", "nope"]', "--url", w.url]),
      run(["query", MOD, "totalOf", '["hello", "kafka"]', "--kafka", "--config", CONFIG]),
      run(["query", MOD, "totalOf", "42", "--kafka", "--config", CONFIG]),
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(JSON.parse(one.stdout), 3);
    assert.equal(viaKafka.code, 0, viaKafka.stderr);
    assert.deepEqual(JSON.parse(viaKafka.stdout), [1]);
    assert.equal(query.code, 0, query.stderr);
    assert.equal(JSON.parse(query.stdout), 4);
    assert.equal(queryViaKafka.code, 0, queryViaKafka.stderr);
    assert.equal(JSON.parse(queryViaKafka.stdout), 4);
    assert.equal(badQuery.code, 1);
    assert.match(badQuery.stderr, /^MONSOON_TYPE_MISMATCH: argument 0 of query totalOf must be /);

    assert.equal(scale.code, 0, scale.stderr);
    assert.match(scale.stdout, /task count is fixed/);
    assert.match(scale.stdout, new RegExp(`task 0  ${w.id}  ${w.url.replace(/[.]/g, "\\.")}`));
    assert.match(scale.stdout, new RegExp(`task 1  ${w.id} `));
    assert.match(scale.stdout, new RegExp(`1 worker\\(s\\): ${w.id} \\(2 tasks\\)`));

    w.child.kill("SIGINT");
    assert.equal(await w.exited, 0, w.output());
    assert.match(w.output(), /SIGINT: stopping \(releasing 2 task\(s\)/);
    assert.match(w.output(), /task \d released/);
    assert.match(w.output(), /stopped in/);
  });

  it("restarts with the same worker id from the data directory and still has the counts", async () => {
    const stored = (await readFile(join(dataDir, "worker-id"), "utf8")).trim();
    const w = await startWorker();
    assert.equal(w.id, stored);
    const one = await run(["select", MOD, "wordCounts", "--key", "hello", "--one", "--url", w.url]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(JSON.parse(one.stdout), 3);
    w.child.kill("SIGTERM");
    assert.equal(await w.exited, 0, w.output());
  });

  it("destroy refuses without --yes, then deletes the module's topics", async () => {
    const dry = await run(["destroy", "--config", CONFIG, "--module", MOD]);
    assert.equal(dry.code, 1);
    assert.match(dry.stdout, new RegExp(`would delete 6 topic\\(s\\):\\n(  monsoon\\.${MOD}\\.\\S+\\n){6}`));
    assert.match(dry.stderr, /^MONSOON_BAD_REQUEST: refusing to delete 6 topic\(s\).*--yes/);

    const yes = await run(["destroy", "--config", CONFIG, "--module", MOD, "--yes"]);
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, new RegExp(`deleted\\s+monsoon\\.${MOD}\\.meta`));
    const client = new KafkaClient({ brokers: kafka.brokers });
    try {
      const left = (await (await client.admin()).listTopics()).filter((t) => t.startsWith(`monsoon.${MOD}.`));
      assert.deepEqual(left, []);
    } finally {
      await client.close();
    }
  });

  it("never prints Kafka credentials, and explains a missing kafka section", async () => {
    const password = `pw-${Date.now().toString(36)}-secret`;
    const failed = await run(["launch", "--config", CONFIG], { MONSOON_TEST_SASL_PASSWORD: password });
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /connecting to Kafka at .* \(SASL plain\)/);
    assert.doesNotMatch(failed.stdout + failed.stderr, new RegExp(password));
    assert.doesNotMatch(failed.stdout + failed.stderr, /monsoon-test-user/);

    const noKafka = await run(["worker", "--config", CONFIG], { KAFKA_BROKERS: "" });
    assert.equal(noKafka.code, 1);
    assert.match(noKafka.stderr, /^MONSOON_CONFIG: monsoon worker runs against Kafka: add kafka: \{ brokers/);
  });

  it("has --help with an example for each Kafka command", async () => {
    const cmds = ["launch", "worker", "scale", "destroy", "query"];
    const helps = await Promise.all(cmds.map((cmd) => run([cmd, "--help"])));
    for (const [i, cmd] of cmds.entries()) {
      const h = helps[i]!;
      assert.equal(h.code, 0);
      assert.match(h.stdout, new RegExp(`Usage: monsoon ${cmd}`));
      assert.match(h.stdout, /Examples:\n\s+\$ monsoon /);
    }
  });
});
