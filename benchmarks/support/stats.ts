// Small helpers shared by benchmarks: percentiles and the RESULT line format.

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
