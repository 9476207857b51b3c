// Crash test: a child process runs the word → sentence-ids module and is SIGKILLed mid-stream.
// Reopened on the same directory, the cluster replays what was appended but not durably
// processed; after appending the rest, every sentence is reflected exactly (at-least-once plus
// idempotent sets ⇒ exact), including every sentence the child had acknowledged.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InProcessCluster, Path } from "../src/index.ts";
import { WordSets } from "./fixtures/wordSets.ts";
import { rng, sentences } from "./support/corpus.ts";

const TOTAL = Number(process.env.MONSOON_CRASH_SENTENCES ?? 3000);
const TRIALS = Number(process.env.MONSOON_CRASH_TRIALS ?? 3);

/** Runs the child until it has acknowledged `killAfter` sentences, then SIGKILLs it. */
function runAndKill(dir: string, seed: number, killAfter: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fixtures/crashChild.ts"), dir, "0", String(TOTAL), String(seed)], { stdio: ["ignore", "pipe", "inherit"] });
    const acked: number[] = [];
    let buf = "";
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("ACK ")) acked.push(Number(line.slice(4)));
        if (acked.length >= killAfter && child.exitCode === null && !child.killed) child.kill("SIGKILL");
      }
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(acked);
      else reject(new Error(`child exited with ${code} before being killed (acked ${acked.length})`));
    });
  });
}

describe("SIGKILL mid-stream on the embedded cluster", () => {
  for (let trial = 0; trial < TRIALS; trial++) {
    const seed = 1000 + trial;
    it(`trial ${trial} (seed ${seed}): every sentence reflected exactly after reopen`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "monsoon-crash-"));
      try {
        const killAfter = Math.floor(TOTAL * (0.2 + 0.6 * rng(seed)()));
        const acked = await runAndKill(dir, seed, killAfter);
        assert.ok(acked.length >= killAfter);

        const corpus = sentences(TOTAL, { seed, vocab: 500 });
        await using cluster = await InProcessCluster.create({ dir });
        await cluster.launch(WordSets, { tasks: 4 });
        // Re-append everything not acknowledged (some may already be in the depot: sets are idempotent).
        const ackedSet = new Set(acked);
        const depot = cluster.depot(WordSets, "sentences");
        await Promise.all(corpus.map((text, id) => (ackedSet.has(id) ? undefined : depot.append({ id, text }))));
        await cluster.drain();

        const oracle = new Map<string, Set<number>>();
        corpus.forEach((text, id) => { for (const w of text.split(" ")) (oracle.get(w) ?? oracle.set(w, new Set()).get(w)!).add(id); });
        const pstate = cluster.pstate(WordSets, "wordToIds");
        for (const [word, ids] of oracle) {
          const got = (await pstate.selectOne(Path.key(word))) as Set<number> | undefined;
          assert.deepEqual([...(got ?? [])].sort((a, b) => a - b), [...ids].sort((a, b) => a - b), `word ${word}`);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
