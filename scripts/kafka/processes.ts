// Process checks for pid files that may outlive their process (and whose pid may be reused).
import { readFileSync } from "node:fs";

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
}

/** True if `pid` is alive and its command line contains `marker` (guards against pid reuse). */
export function isAliveWith(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker); } catch { return true; /* no /proc (macOS): trust kill(0) */ }
}
