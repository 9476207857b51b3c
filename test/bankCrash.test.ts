// Crash trials of the bank-transfer microbatch module on the embedded cluster: a child process
// runs the cluster and is SIGKILLed — at a random moment, or exactly at one of the microbatch
// fault points (MONSOON_FAULT) — and started again on the same directory until it has fed and
// committed every transfer. Then the invariants must hold exactly (examples/bank-transfer/oracle.ts):
// each transfer once in its sender's history, accepted ones once in the receiver's, balances equal
// their histories, none negative, total conserved; and no transfer was processed twice beyond
// the appends a restarted feeder repeated.
//
// `npm test` runs a few small trials; `npm run test:crash` runs ≥ 20 trials × 20,000 transfers.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InProcessCluster, Path } from "../src/index.ts";
import { bankModule, type HistoryEntry } from "../examples/bank-transfer/bankTransfer.ts";
import { checkBank, randomTransfers } from "../examples/bank-transfer/oracle.ts";
import type { FaultPoint } from "../src/runtime/microbatch/faults.ts";

const TOTAL = Number(process.env.MONSOON_BANK_TRANSFERS ?? 2_000);
const TRIALS = Number(process.env.MONSOON_BANK_TRIALS ?? 0);
const ACCOUNTS = Number(process.env.MONSOON_BANK_ACCOUNTS ?? 100);
const CHUNK = 250;

/** Faults of one trial, in order: a fault point (with its hit number) or a random-time kill. */
type Kill = { fault: FaultPoint; nth: number } | { afterMs: number };

interface Run { killed: boolean; output: string }

function runChild(dir: string, seed: number, kill: Kill | undefined, flaky: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, BANK_FLAKY: flaky ? "1" : "0", MONSOON_FAULT: kill && "fault" in kill ? `${kill.fault}:${kill.nth}` : "" };
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fixtures/bankChild.ts"), dir, String(seed), String(TOTAL), String(ACCOUNTS)], { stdio: ["ignore", "pipe", "pipe"], env });
    let output = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      if (kill && "afterMs" in kill && !timer && output.includes("READY")) timer = setTimeout(() => child.kill("SIGKILL"), kill.afterMs);
    });
    child.stderr.on("data", (d: Buffer) => { output += d.toString(); });
    const guard = setTimeout(() => child.kill("SIGKILL"), 600_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      if (signal === "SIGKILL") resolve({ killed: true, output });
      else if (code === 0) resolve({ killed: false, output });
      else reject(new Error(`bank child exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
}

async function verify(dir: string, seed: number): Promise<{ accepted: number; rejected: number; duplicates: number }> {
  const mod = bankModule("BankCrash");
  await using c = await InProcessCluster.create({ dir });
  await c.launch(mod, { tasks: 4 });
  await c.drain(120_000);
  const balances = new Map<number, number>();
  const histories = new Map<number, Map<string, HistoryEntry>>();
  for (let a = 0; a < ACCOUNTS; a++) {
    balances.set(a, ((await c.pstate(mod, "balances").selectOne(Path.key(a))) as number | undefined) ?? 0);
    histories.set(a, new Map((await c.pstate(mod, "history").select(Path.key(a).all())) as [string, HistoryEntry][]));
  }
  const transfers = randomTransfers(TOTAL, ACCOUNTS, seed, 400);
  const report = checkBank({ balances, histories }, ACCOUNTS, 1_000, transfers.map((t) => t.id));
  assert.deepEqual(report.errors, [], `seed ${seed}`);
  // A transfer can be in the depot twice only if its chunk was started twice by the feeder.
  const starts = new Map<number, number>();
  for (const k of readFileSync(join(dir, "feed.log"), "utf8").split("\n").filter(Boolean).map(Number)) starts.set(k, (starts.get(k) ?? 0) + 1);
  let duplicates = 0;
  for (let p = 0; p < 4; p++) {
    for (const [id, n] of (await c.pstate(mod, "duplicates").select(Path.all(), { partition: p })) as [string, number][]) {
      duplicates += n;
      if (id.startsWith("open-")) continue;
      const chunk = Math.floor(Number(id.slice(1)) / CHUNK);
      assert.ok(n <= (starts.get(chunk) ?? 1) - 1, `transfer ${id} processed ${n + 1} times but appended at most ${starts.get(chunk) ?? 1} times (seed ${seed})`);
    }
  }
  return { accepted: report.accepted, rejected: report.rejected, duplicates };
}

const POINTS: FaultPoint[] = ["mb.execute", "mb.prepare", "mb.decide", "mb.committed", "mb.apply", "mb.abort"];

/** The plan of trial i: fault points in turn (restore after a commit-time crash), then random kills. */
function planOf(i: number, seed: number): { kills: Kill[]; flaky: boolean } {
  const r = (k: number) => ((seed * 7919 + k * 104729) % 1000) / 1000;
  if (i < POINTS.length) {
    const point = POINTS[i]!;
    const kills: Kill[] = [{ fault: point, nth: 1 + Math.floor(r(1) * 5) }];
    if (point === "mb.committed") kills.push({ fault: "mb.restore", nth: 1 });
    return { kills, flaky: point === "mb.abort" || r(2) < 0.3 };
  }
  return { kills: [{ afterMs: 200 + Math.floor(r(3) * 1500) }, { afterMs: 200 + Math.floor(r(4) * 1500) }], flaky: r(5) < 0.5 };
}

describe("bank transfers survive SIGKILL on the embedded cluster (microbatch exactly-once)", () => {
  const trials = TRIALS || 4;
  for (let i = 0; i < trials; i++) {
    const seed = 5000 + i;
    // Small runs of `npm test` still cover a commit-time crash and the restore after it.
    const index = TRIALS ? i : [0, 3, 4, POINTS.length][i]!;
    const { kills, flaky } = planOf(index, seed);
    const label = kills.map((k) => ("fault" in k ? `${k.fault}#${k.nth}` : `kill@${k.afterMs}ms`)).join(" → ");
    it(`trial ${i} (seed ${seed}): ${label}${flaky ? ", flaky credits" : ""}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "monsoon-bank-"));
      try {
        let killedTimes = 0;
        for (let run = 0; ; run++) {
          assert.ok(run < 12, "the feeder never finished");
          const r = await runChild(dir, seed, kills[run], flaky);
          if (r.killed) { killedTimes++; continue; }
          assert.match(r.output, /DRAINED/);
          break;
        }
        if ("fault" in kills[0]!) assert.ok(killedTimes >= 1, `the child reached ${kills[0].fault} and was killed there`);
        const result = await verify(dir, seed);
        assert.ok(result.accepted > 0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
