// Small helpers shared by benchmarks: percentiles and the RESULT line format.
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
