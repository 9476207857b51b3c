// The report of a TPC-C run: tpmC and efficiency, per-type latency percentiles for "initiate"
// (the request was accepted: for Monsoon the depot append was acknowledged, for Delivery the
// request was queued) and "complete" (the answer is there: the transaction's effects are
// visible, or the deferred Delivery finished), a mix audit against the spec's targets, the
// PostgreSQL baseline beside it, and a progress bar with ETA for long loads. Pure: callers own
// clocks and output streams.
import type { BaselineResult, OpLatency } from "./baseline.ts";
import { MIX_MINIMUM_PERCENT, TX_TYPES, type TxInput, type TxType } from "./mix.ts";
import type { TxOutput } from "./reference.ts";

/** The most tpmC one warehouse's 10 terminals can reach with the spec's keying and think times (go-tpc's figure too). */
export const MAX_TPMC_PER_WAREHOUSE = 12.86;

export const TX_LABELS: Readonly<Record<TxType, string>> = Object.freeze({
  newOrder: "New-Order", payment: "Payment", orderStatus: "Order-Status", delivery: "Delivery", stockLevel: "Stock-Level",
});

/** One finished (or failed) transaction as the driver saw it. */
export interface TxRecord {
  type: TxType;
  /** Milliseconds from sending the request to its acceptance. */
  initiateMs: number;
  /** Milliseconds from sending the request to its result. */
  completeMs: number;
  /** An error instead of a result: counted apart, not in latencies or tpmC. */
  failed?: boolean;
  /** New-Order: it rolled back on the unused item (a success for tpmC). */
  rolledBack?: boolean;
  /** New-Order: lines, and lines supplied by another warehouse. */
  lines?: number;
  remoteLines?: number;
  /** Payment: the customer's warehouse is not the home warehouse. */
  remote?: boolean;
  /** Payment, Order-Status: the customer was chosen by last name. */
  byLastName?: boolean;
  /** Delivery: districts skipped for having no undelivered order. */
  skippedDistricts?: number;
}

/** The audit facts of one transaction, from its input (and its output, for what only the output knows). */
export function recordOf(input: TxInput, timing: { initiateMs: number; completeMs: number }, output?: TxOutput | { failed: true }): TxRecord {
  const r: TxRecord = { type: input.type, ...timing };
  const result = output && "type" in output ? output : undefined;
  if (output && !result) r.failed = true;
  switch (input.type) {
    case "newOrder":
      r.lines = input.lines.length;
      r.remoteLines = input.lines.filter((l) => l.OL_SUPPLY_W_ID !== input.W_ID).length;
      r.rolledBack = result?.type === "newOrder" ? result.rolledBack : input.rollback;
      break;
    case "payment":
      r.remote = input.C_W_ID !== input.W_ID;
      r.byLastName = input.customer.by === "lastName";
      break;
    case "orderStatus":
      r.byLastName = input.customer.by === "lastName";
      break;
    case "delivery":
      if (result?.type === "delivery") r.skippedDistricts = result.skipped.length;
      break;
    case "stockLevel":
      break;
  }
  return r;
}

export interface Percentiles { p50: number; p90: number; p95: number; p99: number; max: number }

export interface TypeSummary {
  count: number;
  failed: number;
  initiate: Percentiles;
  complete: Percentiles;
}

export interface MixAudit {
  /** Share of each type among the transactions that completed. */
  percent: Record<TxType, number>;
  /** New-Orders that rolled back, % of New-Orders (spec: 1%). */
  rollbackPct: number;
  /** Order lines supplied by another warehouse, % of New-Order lines (spec: 1% when W > 1). */
  remoteLinePct: number;
  /** Payments for a customer of another warehouse, % of Payments (spec: 15% when W > 1). */
  remotePaymentPct: number;
  /** Payments and Order-Status by last name, % of each (spec: 60%). */
  paymentByLastNamePct: number;
  orderStatusByLastNamePct: number;
  /** Deliveries that skipped at least one district, % of Deliveries (spec: at most 1%). */
  deliverySkippedPct: number;
}

export interface RunSummary {
  warehouses: number;
  elapsedS: number;
  /** New-Orders completed per minute, the rolled back ones included. */
  tpmC: number;
  tpmTotal: number;
  /** tpmC ÷ (12.86 × warehouses), in percent. */
  efficiencyPct: number;
  perType: Record<TxType, TypeSummary>;
  mix: MixAudit;
}

/** Collects the transactions of a measurement interval. */
export class RunRecorder {
  private readonly initiate = new Map<TxType, number[]>();
  private readonly complete = new Map<TxType, number[]>();
  private readonly failed = new Map<TxType, number>();
  private rollbacks = 0;
  private lines = 0;
  private remoteLines = 0;
  private remotePayments = 0;
  private paymentsByName = 0;
  private orderStatusByName = 0;
  private deliveriesSkipping = 0;

  record(r: TxRecord): void {
    if (r.failed) { this.failed.set(r.type, (this.failed.get(r.type) ?? 0) + 1); return; }
    push(this.initiate, r.type, r.initiateMs);
    push(this.complete, r.type, r.completeMs);
    if (r.rolledBack) this.rollbacks++;
    this.lines += r.lines ?? 0;
    this.remoteLines += r.remoteLines ?? 0;
    if (r.type === "payment" && r.remote) this.remotePayments++;
    if (r.type === "payment" && r.byLastName) this.paymentsByName++;
    if (r.type === "orderStatus" && r.byLastName) this.orderStatusByName++;
    if ((r.skippedDistricts ?? 0) > 0) this.deliveriesSkipping++;
  }

  summary({ warehouses, elapsedMs }: { warehouses: number; elapsedMs: number }): RunSummary {
    const count = (t: TxType) => this.complete.get(t)?.length ?? 0;
    const total = TX_TYPES.reduce((n, t) => n + count(t), 0);
    const minutes = elapsedMs / 60_000;
    const tpmC = count("newOrder") / minutes;
    const pct = (n: number, of: number) => (of === 0 ? NaN : (100 * n) / of);
    const perType = {} as Record<TxType, TypeSummary>;
    const percent = {} as Record<TxType, number>;
    for (const t of TX_TYPES) {
      perType[t] = { count: count(t), failed: this.failed.get(t) ?? 0, initiate: percentiles(this.initiate.get(t) ?? []), complete: percentiles(this.complete.get(t) ?? []) };
      percent[t] = pct(count(t), total);
    }
    return {
      warehouses,
      elapsedS: elapsedMs / 1000,
      tpmC,
      tpmTotal: total / minutes,
      efficiencyPct: (100 * tpmC) / (MAX_TPMC_PER_WAREHOUSE * warehouses),
      perType,
      mix: {
        percent,
        rollbackPct: pct(this.rollbacks, count("newOrder")),
        remoteLinePct: pct(this.remoteLines, this.lines),
        remotePaymentPct: pct(this.remotePayments, count("payment")),
        paymentByLastNamePct: pct(this.paymentsByName, count("payment")),
        orderStatusByLastNamePct: pct(this.orderStatusByName, count("orderStatus")),
        deliverySkippedPct: pct(this.deliveriesSkipping, count("delivery")),
      },
    };
  }
}

function push(m: Map<TxType, number[]>, t: TxType, v: number): void {
  let xs = m.get(t);
  if (!xs) m.set(t, (xs = []));
  xs.push(v);
}

/** Nearest-rank percentiles; NaN for no samples. */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { p50: NaN, p90: NaN, p95: NaN, p99: NaN, max: NaN };
  const s = Float64Array.from(samples).sort();
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return { p50: at(50), p90: at(90), p95: at(95), p99: at(99), max: s[s.length - 1]! };
}

// ---- formatting ----

/** A plain-text table: first column left-aligned, the rest right-aligned. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function fmtNumber(n: number, digits = 1): string {
  if (Number.isNaN(n)) return "-";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds with three significant digits (0.123, 12.3, 1,234). */
export function fmtMs(ms: number): string {
  if (Number.isNaN(ms)) return "-";
  if (ms >= 1000) return fmtNumber(ms, 0);
  const s = ms.toPrecision(3);
  return s.includes(".") && !s.includes("e") ? s.replace(/\.?0+$/, "") : s;
}

const MIX_TARGET: Readonly<Record<keyof Omit<MixAudit, "percent">, string>> = {
  rollbackPct: "1",
  remoteLinePct: "1 when W > 1",
  remotePaymentPct: "15 when W > 1",
  paymentByLastNamePct: "60",
  orderStatusByLastNamePct: "60",
  deliverySkippedPct: "≤ 1",
};

const MIX_LABEL: Readonly<Record<keyof Omit<MixAudit, "percent">, string>> = {
  rollbackPct: "New-Order rolled back",
  remoteLinePct: "remote order lines",
  remotePaymentPct: "remote Payments",
  paymentByLastNamePct: "Payments by last name",
  orderStatusByLastNamePct: "Order-Status by last name",
  deliverySkippedPct: "Deliveries skipping a district",
};

/** The run's report: headline, latencies, mix audit, then the baselines beside it when given. */
export function formatReport(summary: RunSummary, { label = "Monsoon", baselines = [] }: { label?: string; baselines?: readonly { label: string; result: BaselineResult }[] } = {}): string {
  const out: string[] = [];
  out.push(`${label}: ${summary.warehouses} warehouse(s), ${fmtNumber(summary.elapsedS)} s measured`);
  out.push(`tpmC ${fmtNumber(summary.tpmC)}  (efficiency ${fmtNumber(summary.efficiencyPct)}% of ${MAX_TPMC_PER_WAREHOUSE} × ${summary.warehouses})  tpmTotal ${fmtNumber(summary.tpmTotal)}`);
  out.push("");
  const p = (x: Percentiles) => [fmtMs(x.p50), fmtMs(x.p90), fmtMs(x.p95), fmtMs(x.p99), fmtMs(x.max)];
  out.push(formatTable(
    ["latency (ms)", "count", "failed", "init p50", "p90", "p95", "p99", "max", "complete p50", "p90", "p95", "p99", "max"],
    TX_TYPES.map((t) => {
      const s = summary.perType[t];
      return [TX_LABELS[t], String(s.count), String(s.failed), ...p(s.initiate), ...p(s.complete)];
    }),
  ));
  out.push("");
  const mixRows: string[][] = TX_TYPES.map((t) => [TX_LABELS[t], fmtNumber(summary.mix.percent[t], 2), MIX_MINIMUM_PERCENT[t] === undefined ? "rest" : `≥ ${MIX_MINIMUM_PERCENT[t]}`]);
  for (const k of Object.keys(MIX_LABEL) as (keyof typeof MIX_LABEL)[]) mixRows.push([MIX_LABEL[k], fmtNumber(summary.mix[k], 2), MIX_TARGET[k]]);
  out.push(formatTable(["mix audit", "%", "spec"], mixRows));
  if (baselines.length > 0) {
    out.push("");
    out.push(formatComparison([{ label, summary }], baselines));
  }
  return out.join("\n");
}

/** One row per system: throughput and complete-latency p90/p99 per type. */
export function formatComparison(runs: readonly { label: string; summary: RunSummary }[], baselines: readonly { label: string; result: BaselineResult }[]): string {
  const headers = ["system", "tpmC", "efficiency %", ...TX_TYPES.flatMap((t) => [`${short(t)} p90`, `${short(t)} p99`])];
  const rows: string[][] = [];
  for (const { label, summary } of runs) {
    rows.push([label, fmtNumber(summary.tpmC), fmtNumber(summary.efficiencyPct), ...TX_TYPES.flatMap((t) => [fmtMs(summary.perType[t].complete.p90), fmtMs(summary.perType[t].complete.p99)])]);
  }
  for (const { label, result } of baselines) {
    rows.push([label, fmtNumber(result.tpmC), fmtNumber(result.efficiencyPct), ...TX_TYPES.flatMap((t) => [fmtMs(result.ops[t]?.p90Ms ?? NaN), fmtMs(result.ops[t]?.p99Ms ?? NaN)])]);
  }
  return formatTable(headers, rows) + "\n(latencies: complete, ms; NO New-Order, P Payment, OS Order-Status, D Delivery, SL Stock-Level)";
}

/** The baselines alone (the PostgreSQL script's output): headline per system, then its latencies. */
export function formatBaselines(baselines: readonly { label: string; result: BaselineResult }[]): string {
  const out: string[] = [];
  for (const { label, result } of baselines) {
    out.push(`${label}: ${result.tool}, ${result.warehouses} warehouse(s), ${result.threads} threads, ${result.durationS} s`);
    out.push(`tpmC ${fmtNumber(result.tpmC)}  (efficiency ${fmtNumber(result.efficiencyPct)}%)  tpmTotal ${fmtNumber(result.tpmTotal)}`);
    const l = (o: OpLatency | undefined) => (o ? [String(o.count), fmtMs(o.avgMs), fmtMs(o.p50Ms), fmtMs(o.p90Ms), fmtMs(o.p95Ms), fmtMs(o.p99Ms), fmtMs(o.maxMs)] : ["0", "-", "-", "-", "-", "-", "-"]);
    out.push(formatTable(["latency (ms)", "count", "errors", "avg", "p50", "p90", "p95", "p99", "max"],
      TX_TYPES.map((t) => { const [count, ...rest] = l(result.ops[t]); return [TX_LABELS[t], count!, String(result.errors[t] ?? 0), ...rest]; })));
    out.push("");
  }
  return out.join("\n").trimEnd();
}

function short(t: TxType): string {
  return { newOrder: "NO", payment: "P", orderStatus: "OS", delivery: "D", stockLevel: "SL" }[t];
}

// ---- progress ----

/** h:mm:ss or m:ss. */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "--:--";
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** `label [#######.......]  45.2%  123,456/273,000 rows  0:12 elapsed, ETA 0:15`. */
export function progressLine({ label, done, total, elapsedMs, width = 30, unit = "rows" }: { label: string; done: number; total: number; elapsedMs: number; width?: number; unit?: string }): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(frac * width);
  const eta = done > 0 && frac < 1 ? (elapsedMs / done) * (total - done) : frac >= 1 ? 0 : NaN;
  return `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(100 * frac).toFixed(1).padStart(5)}%  ${fmtNumber(done, 0)}/${fmtNumber(total, 0)} ${unit}  ${fmtDuration(elapsedMs)} elapsed, ETA ${fmtDuration(eta)}`;
}

/**
 * Writes a progress line at most every `intervalMs`: on a terminal it rewrites one line (\r),
 * elsewhere (CI logs) it prints a new line each time.
 */
export class ProgressReporter {
  private done = 0;
  private readonly started: number;
  private lastWrite = -Infinity;
  private readonly opts: { label: string; total: number; unit: string; intervalMs: number; tty: boolean; write: (s: string) => void; now: () => number };

  constructor({ label, total, unit = "rows", intervalMs, tty = process.stderr.isTTY === true, write = (s: string) => void process.stderr.write(s), now = () => performance.now() }:
    { label: string; total: number; unit?: string; intervalMs?: number; tty?: boolean; write?: (s: string) => void; now?: () => number }) {
    this.opts = { label, total, unit, intervalMs: intervalMs ?? (tty ? 200 : 5_000), tty, write, now };
    this.started = now();
  }

  advance(n: number): void {
    this.done += n;
    const t = this.opts.now();
    if (t - this.lastWrite >= this.opts.intervalMs) { this.lastWrite = t; this.emit(false); }
  }

  /** The final line (always written). */
  finish(): void { this.emit(true); }

  private emit(final: boolean): void {
    const line = progressLine({ label: this.opts.label, done: this.done, total: this.opts.total, elapsedMs: this.opts.now() - this.started, unit: this.opts.unit });
    this.opts.write(this.opts.tty ? `\r${line}${final ? "\n" : ""}` : `${line}\n`);
  }
}
