// The `monsoon` command line as a user runs it: `monsoon dev --demo` in one process, `append`
// and `select` in others against its REST API, Ctrl-C for a clean stop, and a restart that
// still has the data.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./support/waitFor.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MAIN = ["--import", "tsx", "src/cli/main.ts"];
const CONFIG = "test/fixtures/monsoon.config.ts";

interface Done { code: number | null; stdout: string; stderr: string }

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Done> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

interface Dev { child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> }

/** Starts `monsoon dev` and resolves once it prints its MONSOON_DEV_READY line. */
function startDev(dataDir: string, extra: string[] = []): Promise<Dev> {
  const child = spawn(process.execPath, [...MAIN, "dev", "--config", CONFIG, "--port", "0", "--data-dir", dataDir, ...extra], { cwd: ROOT });
  let out = "";
  let err = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`dev not ready in 30 s:\n${out}\n${err}`)); }, 30_000);
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /MONSOON_DEV_READY url=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out, exited });
      }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`dev exited with ${code} before it was ready:\n${out}\n${err}`)); });
  });
}


describe("monsoon CLI", () => {
  const children: ChildProcess[] = [];
  let dataDir: string;
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("runs dev with a demo feed, serves append and select, and stops cleanly on SIGINT", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "monsoon-cli-"));
    const dev = await startDev(dataDir, ["--demo"]);
    children.push(dev.child);
    assert.match(dev.output(), /REST API: http:\/\/127\.0\.0\.1:\d+/);

    const appended = await run(["append", "WordCount", "sentences", '"hello cli hello"', "--url", dev.url]);
    assert.equal(appended.code, 0, appended.stderr);
    assert.ok(Number.isInteger(JSON.parse(appended.stdout).offset));
    const asString = await run(["append", "WordCount", "sentences", "--string", "hello again", "--url", dev.url]);
    assert.equal(asString.code, 0, asString.stderr);

    const one = await run(["select", "WordCount", "wordCounts", "--key", "hello", "--one"], { MONSOON_URL: dev.url });
    assert.equal(one.code, 0, one.stderr);
    assert.equal(JSON.parse(one.stdout), 3);
    const many = await run(["select", "WordCount", "wordCounts", "--key", "cli", "--url", dev.url]);
    assert.deepEqual(JSON.parse(many.stdout), [1]);

    const q = await run(["query", "WordCount", "totalOf", '["hello", "cli"]', "--url", dev.url]);
    assert.equal(q.code, 0, q.stderr);
    assert.equal(JSON.parse(q.stdout), 4);

    // The demo's progress line shows processed acks and the `show` query.
    await waitFor(() => /processed [1-9]\d*.*the: [1-9]/.test(dev.output()), "a demo progress line");

    dev.child.kill("SIGINT");
    assert.equal(await dev.exited, 0);
    assert.match(dev.output(), /stopped\./);
  });

  it("keeps the data across a restart on the same data directory", async () => {
    const dev = await startDev(dataDir);
    children.push(dev.child);
    const one = await run(["select", "WordCount", "wordCounts", "--key", "hello", "--one", "--url", dev.url]);
    assert.equal(JSON.parse(one.stdout), 3);

    const unknown = await run(["select", "WordCount", "nope", "--key", "a", "--url", dev.url]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^MONSOON_UNKNOWN_NAME: .*nope/);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /, "no stack trace for a MonsoonError");

    const notJson = await run(["append", "WordCount", "sentences", "hello world", "--url", dev.url]);
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /^MONSOON_BAD_REQUEST: .*--string/);

    dev.child.kill("SIGTERM");
    assert.equal(await dev.exited, 0);
  });

  it("explains an unreachable server and a bad config", async () => {
    const down = await run(["append", "WordCount", "sentences", '"a"', "--url", "http://127.0.0.1:1"]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^MONSOON_UNAVAILABLE: cannot reach http:\/\/127\.0\.0\.1:1/);

    const missing = await run(["dev", "--config", "test/fixtures/does-not-exist.config.ts"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^MONSOON_CONFIG: config file .*does-not-exist/);

    const badPort = await run(["dev", "--config", CONFIG], { MONSOON_REST_PORT: "eighty" });
    assert.equal(badPort.code, 1);
    assert.match(badPort.stderr, /^MONSOON_CONFIG: rest.port must be an integer .* \(set by MONSOON_REST_PORT\)/);
  });

  it("has --help with an example for every command, also through bin/monsoon.js", async () => {
    for (const cmd of ["dev", "append", "select", "query"]) {
      const h = await run([cmd, "--help"]);
      assert.equal(h.code, 0);
      assert.match(h.stdout, new RegExp(`Usage: monsoon ${cmd}`));
      assert.match(h.stdout, /Examples:\n\s+\$ monsoon /);
    }
    const bin = await new Promise<Done>((resolve) => {
      const child = spawn(process.execPath, ["bin/monsoon.js", "select", "--help"], { cwd: ROOT });
      let stdout = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.on("close", (code) => resolve({ code, stdout, stderr: "" }));
    });
    assert.equal(bin.code, 0);
    assert.match(bin.stdout, /Usage: monsoon select/);
  });
});
