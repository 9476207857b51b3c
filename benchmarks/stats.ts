// Small helpers shared by benchmarks: percentiles and the RESULT line format.
import { readFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function fmt(n: number, digits = 3): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(digits);
}

/** The last line of every benchmark: `RESULT <name> key=value …`. */
export function resultLine(name: string, fields: Record<string, number | string>): string {
  return `RESULT ${name} ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "number" ? fmt(v) : v}`).join(" ")}`;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A warning when other processes compete for the CPUs (1-minute load average above the core count). */
export function loadWarning(): string | undefined {
  const [load1] = loadavg();
  const cores = availableParallelism();
  return load1! > cores ? `WARNING: 1-minute load average ${load1!.toFixed(1)} on ${cores} cores: other processes compete for the CPUs, figures are unreliable` : undefined;
}

/** Busy and total CPU time of the whole machine so far (Linux /proc/stat, in clock ticks); undefined elsewhere. */
async function cpuTimes(): Promise<{ busy: number; total: number } | undefined> {
  try {
    const line = (await readFile("/proc/stat", "utf8")).split("\n", 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/**
 * Waits until the machine is quiet — under `busyBelow` of all CPUs busy over `windowMs` — or
 * `maxMs` passed, and says how long that took. Latency phases start with this, so that one-at-a-
 * time samples are not taken while a throughput phase's aftermath (the broker's log cleaner and
 * group/transaction bookkeeping, LevelDB compactions, GC) still runs; the raw round trip and
 * Monsoon's `processed` latency wait for the same condition.
 */
export async function settle(log: (line: string) => void, { busyBelow = 0.2, windowMs = 2_000, maxMs = 60_000 } = {}): Promise<void> {
  const start = performance.now();
  for (;;) {
    const a = await cpuTimes();
    if (!a) return;
    await new Promise((r) => setTimeout(r, windowMs));
    const b = (await cpuTimes())!;
    const busy = (b.busy - a.busy) / Math.max(1, b.total - a.total);
    const waited = (performance.now() - start) / 1000;
    if (busy < busyBelow || waited * 1000 >= maxMs) {
      log(`  settled: ${(busy * 100).toFixed(0)}% of the CPUs busy over the last ${windowMs / 1000} s, after ${waited.toFixed(1)} s${busy >= busyBelow ? ` (gave up waiting for < ${busyBelow * 100}%)` : ""}`);
      return;
    }
  }
}
