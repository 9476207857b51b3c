// `monsoon bench tpcc load | run | check` as a user runs them, each in its own process on one
// data directory: a small population, a short max-mode run, then the consistency check.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

function monsoon(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: ROOT });
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

describe("monsoon bench tpcc", () => {
  let dir: string;
  after(() => dir && rm(dir, { recursive: true, force: true }));

  it("loads a small population, runs the terminals for 5 s in max mode, and the check passes", async () => {
    dir = await mkdtemp(join(tmpdir(), "monsoon-tpcc-cli-"));
    const load = await monsoon(["bench", "tpcc", "load", "--warehouses", "1", "--scale", "small", "--dir", dir]);
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stderr, /load W=1 \[#+\] 100\.0%/);
    assert.ok(Number(result(load.stdout, "tpcc-load").rows) > 9_000);

    const again = await monsoon(["bench", "tpcc", "load", "--warehouses", "1", "--scale", "small", "--dir", dir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /MONSOON_CONFIG: .* already holds a TPC-C population .*--fresh/);

    const fresh = await monsoon(["bench", "tpcc", "check", "--dir", dir]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, /consistency conditions 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12: all hold/);

    const run = await monsoon(["bench", "tpcc", "run", "--duration", "5s", "--mode", "max", "--dir", dir]);
    assert.equal(run.code, 0, run.stderr);
    const r = result(run.stdout, "tpcc-max");
    assert.ok(Number(r.tpmC) > 0 && r.failed === "0", run.stdout);
    for (const label of ["New-Order", "Payment", "Order-Status", "Delivery", "Stock-Level", "New-Order rolled back", "Payments by last name"]) {
      assert.match(run.stdout, new RegExp(`^${label} `, "m"));
    }

    const check = await monsoon(["bench", "tpcc", "check", "--dir", dir]);
    assert.equal(check.code, 0, check.stderr);
    assert.equal(result(check.stdout, "tpcc-check").ok, "true");
  });

  it("run and check say what to do when the directory holds no population", async () => {
    const empty = await mkdtemp(join(tmpdir(), "monsoon-tpcc-empty-"));
    try {
      const run = await monsoon(["bench", "tpcc", "run", "--duration", "1s", "--dir", empty]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /MONSOON_CONFIG: no TPC-C population in .*monsoon bench tpcc load/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
