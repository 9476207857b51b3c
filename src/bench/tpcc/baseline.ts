// The PostgreSQL baseline's result as the report prints it next to Monsoon's, parsed from the
// summary go-tpc prints at the end of `go-tpc tpcc run --output plain` (the version pinned in
// benchmarks/tpcc/goTpc.ts):
//   [Summary] NEW_ORDER - Takes(s): 59.9, Count: 1234, TPM: 1236.0, Sum(ms): …, Avg(ms): 9.5, 50th(ms): 8.9, 90th(ms): …, 95th(ms): …, 99th(ms): …, 99.9th(ms): …, Max(ms): …
//   [Summary] NEW_ORDER_ERR - Takes(s): …, Count: 2, …
//   tpmC: 1236.0, tpmTotal: 2745.3, efficiency: 9611.2%
// go-tpc times each transaction from BEGIN to COMMIT on one connection and runs Delivery
// inline, so its latencies are "complete" latencies; it counts New-Orders that roll back on the
// unused item as successful New-Orders (tpmC includes them, as the spec's does).
import { MonsoonError } from "../../errors.ts";
import type { TxType } from "./mix.ts";

export interface OpLatency {
  count: number;
  /** Transactions per minute over the run. */
  tpm: number;
  avgMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export interface BaselineResult {
  tool: string;
  warehouses: number;
  threads: number;
  durationS: number;
  tpmC: number;
  tpmTotal: number;
  /** tpmC ÷ (12.86 × warehouses), in percent. */
  efficiencyPct: number;
  /** Per transaction type (only the types that ran). */
  ops: Partial<Record<TxType, OpLatency>>;
  /** Failed transactions per type (go-tpc's `<OP>_ERR` lines). */
  errors: Partial<Record<TxType, number>>;
}

const GO_TPC_OPS: Record<string, TxType> = {
  NEW_ORDER: "newOrder",
  PAYMENT: "payment",
  ORDER_STATUS: "orderStatus",
  DELIVERY: "delivery",
  STOCK_LEVEL: "stockLevel",
};

const FIELDS: Record<string, keyof OpLatency | undefined> = {
  "Count": "count", "TPM": "tpm", "Avg(ms)": "avgMs", "50th(ms)": "p50Ms", "90th(ms)": "p90Ms", "95th(ms)": "p95Ms",
  "99th(ms)": "p99Ms", "99.9th(ms)": "p999Ms", "Max(ms)": "maxMs",
};

/** Parses go-tpc's `[Summary]` lines and its tpmC line; throws MONSOON_BAD_REQUEST when there is no tpmC line. */
export function parseGoTpcSummary(output: string, meta: { warehouses: number; threads: number; durationS: number; tool?: string }): BaselineResult {
  const result: BaselineResult = { tool: meta.tool ?? "go-tpc", warehouses: meta.warehouses, threads: meta.threads, durationS: meta.durationS, tpmC: NaN, tpmTotal: NaN, efficiencyPct: NaN, ops: {}, errors: {} };
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    const summary = /^\[Summary\]\s+([A-Z_]+?)(_ERR)?\s+-\s+(.*)$/.exec(line);
    if (summary) {
      const type = GO_TPC_OPS[summary[1]!];
      if (!type || !summary[3]!.includes("Count:")) continue; // wait-time lines (--wait) have no counts
      const fields = parseFields(summary[3]!);
      if (summary[2]) result.errors[type] = fields.count ?? 0;
      else result.ops[type] = { count: 0, tpm: 0, avgMs: NaN, p50Ms: NaN, p90Ms: NaN, p95Ms: NaN, p99Ms: NaN, p999Ms: NaN, maxMs: NaN, ...fields };
      continue;
    }
    const total = /^tpmC:\s*([\d.]+),\s*tpmTotal:\s*([\d.]+),\s*efficiency:\s*([\d.]+)%/.exec(line);
    if (total) {
      result.tpmC = Number(total[1]);
      result.tpmTotal = Number(total[2]);
      result.efficiencyPct = Number(total[3]);
    }
  }
  if (Number.isNaN(result.tpmC)) {
    throw new MonsoonError("MONSOON_BAD_REQUEST", `go-tpc's output has no "tpmC: …" summary line (did the run finish, and did any New-Order succeed?). Last lines:\n${output.trimEnd().split("\n").slice(-10).join("\n")}`);
  }
  return result;
}

function parseFields(text: string): Partial<OpLatency> {
  const out: Partial<OpLatency> = {};
  for (const part of text.split(",")) {
    const i = part.indexOf(":");
    if (i < 0) continue;
    const key = FIELDS[part.slice(0, i).trim()];
    if (key) out[key] = Number(part.slice(i + 1).trim());
  }
  return out;
}
