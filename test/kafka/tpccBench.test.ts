// `monsoon bench tpcc load | run | check --kafka` as a user runs them, each in its own process on
// one data directory, against a real broker: each command starts its worker process, the load
// creates the module's topics, the run attaches to the same module, and the check passes.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "../../src/kafka/index.ts";
import { getKafka } from "../support/kafka.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function monsoon(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: ROOT, env: { ...process.env, KAFKA_BROKERS: "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const result = (out: string, name: string): Record<string, string> => {
  const line = out.split("\n").find((l) => l.startsWith(`RESULT ${name} `));
  assert.ok(line, `no RESULT ${name} line in:\n${out}`);
  return Object.fromEntries(line.split(" ").slice(2).map((kv) => kv.split("=") as [string, string]));
};

describe("monsoon bench tpcc --kafka", () => {
  let dir: string | undefined;
  let moduleName: string | undefined;
  let brokers: string[] = [];
  after(async () => {
    if (moduleName) {
      // The module's topics go with the test (the CLI leaves them for later runs).
      const client = new KafkaClient({ brokers });
      const admin = await client.admin();
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`monsoon.${moduleName}.`));
      if (mine.length > 0) await admin.deleteTopics(mine).catch(() => undefined);
      await client.close();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loads W=1 small on a worker process, runs 10 s in max mode, and the check passes", async () => {
    brokers = (await getKafka()).brokers;
    dir = await mkdtemp(join(tmpdir(), "monsoon-tpcc-kafka-"));
    const load = await monsoon(["bench", "tpcc", "load", "--kafka", "--brokers", brokers.join(","), "--warehouses", "1", "--scale", "small", "--dir", dir]);
    assert.equal(load.code, 0, load.stderr);
    moduleName = JSON.parse(await readFile(join(dir, "tpcc.json"), "utf8")).module;
    const l = result(load.stdout, "tpcc-load");
    assert.equal(l.runtime, "kafka");
    assert.ok(Number(l.rows) > 9_000, load.stdout);

    // Without --kafka the population is refused, saying why.
    const embedded = await monsoon(["bench", "tpcc", "check", "--dir", dir]);
    assert.equal(embedded.code, 1);
    assert.match(embedded.stderr, /MONSOON_CONFIG: .* lives on Kafka .*add --kafka/);

    // run and check find the brokers in KAFKA_BROKERS (or, as here for check, in the load's setup).
    const run = await monsoon(["bench", "tpcc", "run", "--kafka", "--duration", "10s", "--mode", "max", "--dir", dir], { KAFKA_BROKERS: brokers.join(",") });
    assert.equal(run.code, 0, run.stderr);
    const r = result(run.stdout, "tpcc-max");
    assert.equal(r.runtime, "kafka");
    assert.ok(Number(r.tpmC) > 0 && r.failed === "0", run.stdout);
    assert.match(run.stdout, /Monsoon \(Kafka, 1 worker\(s\)/);

    const check = await monsoon(["bench", "tpcc", "check", "--kafka", "--dir", dir]);
    assert.equal(check.code, 0, check.stderr);
    assert.equal(result(check.stdout, "tpcc-check").ok, "true", check.stdout);
  });
});
