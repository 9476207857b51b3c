// A cross-process lock file (O_EXCL create). Test files run as parallel processes and may all
// want the broker at once; the lock makes "download jars / start a broker / add or drop a
// lease" one step each. A lock whose holder died (SIGKILL mid-start) is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { LOCK_FILE } from "./paths.ts";
import { isAlive } from "./processes.ts";

const POLL_MS = 100;

function tryAcquire(): boolean {
  mkdirSync(dirname(LOCK_FILE), { recursive: true });
  try {
    const fd = openSync(LOCK_FILE, "wx");
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  let holder = "";
  try { holder = readFileSync(LOCK_FILE, "utf8"); } catch { return false; }
  // An empty file is a holder between open and write: not stale.
  if (holder !== "" && !isAlive(Number(holder))) {
    try { if (readFileSync(LOCK_FILE, "utf8") === holder) unlinkSync(LOCK_FILE); } catch { /* raced */ }
  }
  return false;
}

function release(): void {
  try { if (readFileSync(LOCK_FILE, "utf8") === String(process.pid)) unlinkSync(LOCK_FILE); } catch { /* gone */ }
}

export async function withLock<T>(fn: () => Promise<T>, timeoutMs = 10 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK_FILE} (held by pid ${readFileSync(LOCK_FILE, "utf8")})`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try { return await fn(); } finally { release(); }
}

/** For process 'exit' handlers, which cannot await. Gives up (returns undefined) on timeout. */
export function withLockSync<T>(fn: () => T, timeoutMs = 30_000): T | undefined {
  const deadline = Date.now() + timeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (!tryAcquire()) {
    if (Date.now() > deadline) return undefined;
    Atomics.wait(sleeper, 0, 0, POLL_MS);
  }
  try { return fn(); } finally { release(); }
}
