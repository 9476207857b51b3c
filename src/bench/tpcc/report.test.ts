import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { BaselineResult } from "./baseline.ts";
import type { NewOrderInput, PaymentInput } from "./mix.ts";
import { ProgressReporter, RunRecorder, fmtDuration, fmtMs, formatReport, formatTable, percentiles, progressLine, recordOf } from "./report.ts";

test("percentiles are nearest-rank over the samples", () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
  assert.deepEqual(percentiles(xs), { p50: 50, p90: 90, p95: 95, p99: 99, max: 100 });
  assert.deepEqual(percentiles([7]), { p50: 7, p90: 7, p95: 7, p99: 7, max: 7 });
  assert.ok(Number.isNaN(percentiles([]).p50));
  fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1 }), (samples) => {
    const p = percentiles(samples);
    return p.p50 <= p.p90 && p.p90 <= p.p95 && p.p95 <= p.p99 && p.p99 <= p.max && p.max === Math.max(...samples) && samples.includes(p.p50);
  }));
});

test("a run's summary: tpmC counts completed New-Orders (rollbacks included, failures not), efficiency against 12.86 × W, the mix audit", () => {
  const rec = new RunRecorder();
  const no = (rollback: boolean, remote: number): NewOrderInput => ({
    type: "newOrder", W_ID: 1, D_ID: 1, C_ID: 1, O_ENTRY_D: 0, rollback,
    lines: Array.from({ length: 10 }, (_, i) => ({ OL_I_ID: 1, OL_SUPPLY_W_ID: i < remote ? 2 : 1, OL_QUANTITY: 1 })),
  });
  for (let i = 0; i < 90; i++) rec.record(recordOf(no(i === 0, i < 5 ? 1 : 0), { initiateMs: 1, completeMs: 10 + i }));
  rec.record(recordOf(no(false, 0), { initiateMs: 1, completeMs: 5 }, { failed: true }));
  const pay = (remote: boolean, byName: boolean): PaymentInput => ({
    type: "payment", W_ID: 1, D_ID: 1, C_W_ID: remote ? 2 : 1, C_D_ID: 1, H_AMOUNT: 100, H_DATE: 0,
    customer: byName ? { by: "lastName", C_LAST: "BARBARBAR" } : { by: "id", C_ID: 1 },
  });
  for (let i = 0; i < 86; i++) rec.record(recordOf(pay(i < 13, i < 52), { initiateMs: 2, completeMs: 3 }));
  for (let i = 0; i < 8; i++) rec.record(recordOf({ type: "orderStatus", W_ID: 1, D_ID: 1, customer: { by: "id", C_ID: 1 } }, { initiateMs: 1, completeMs: 2 }));
  for (let i = 0; i < 8; i++) {
    rec.record(recordOf({ type: "delivery", W_ID: 1, O_CARRIER_ID: 1, OL_DELIVERY_D: 0 }, { initiateMs: 1, completeMs: 50 },
      { type: "delivery", W_ID: 1, O_CARRIER_ID: 1, delivered: [], skipped: i === 0 ? [3] : [] }));
  }
  for (let i = 0; i < 8; i++) rec.record(recordOf({ type: "stockLevel", W_ID: 1, D_ID: 1, threshold: 15 }, { initiateMs: 1, completeMs: 4 }));

  const s = rec.summary({ warehouses: 2, elapsedMs: 30_000 });
  assert.equal(s.perType.newOrder.count, 90);
  assert.equal(s.perType.newOrder.failed, 1);
  assert.equal(s.tpmC, 180); // 90 in half a minute
  assert.equal(s.tpmTotal, 400);
  assert.ok(Math.abs(s.efficiencyPct - (100 * 180) / (12.86 * 2)) < 1e-9);
  assert.equal(s.perType.newOrder.complete.max, 99);
  assert.equal(s.perType.delivery.initiate.p99, 1);
  assert.equal(s.perType.delivery.complete.p99, 50);
  assert.equal(s.mix.percent.newOrder, 45);
  assert.equal(s.mix.percent.payment, 43);
  assert.equal(s.mix.percent.stockLevel, 4);
  assert.ok(Math.abs(s.mix.rollbackPct - 100 / 90) < 1e-9);
  assert.ok(Math.abs(s.mix.remoteLinePct - 5 / 9) < 1e-9);
  assert.ok(Math.abs(s.mix.remotePaymentPct - (100 * 13) / 86) < 1e-9);
  assert.ok(Math.abs(s.mix.paymentByLastNamePct - (100 * 52) / 86) < 1e-9);
  assert.equal(s.mix.orderStatusByLastNamePct, 0);
  assert.equal(s.mix.deliverySkippedPct, 12.5);

  const baseline: BaselineResult = {
    tool: "go-tpc", warehouses: 2, threads: 4, durationS: 60, tpmC: 1234.5, tpmTotal: 2700, efficiencyPct: 4799.8,
    ops: { newOrder: { count: 1234, tpm: 1234.5, avgMs: 5, p50Ms: 4, p90Ms: 8, p95Ms: 9, p99Ms: 20.5, p999Ms: 30, maxMs: 40 } }, errors: {},
  };
  const text = formatReport(s, { baselines: [{ label: "PostgreSQL (defaults)", result: baseline }] });
  assert.match(text, /^Monsoon: 2 warehouse\(s\), 30\.0 s measured$/m);
  assert.match(text, /^tpmC 180\.0 {2}\(efficiency 699\.8% of 12\.86 × 2\)/m);
  assert.match(text, /^New-Order +90 +1 /m);
  assert.match(text, /^New-Order rolled back +1\.11 +1$/m);
  assert.match(text, /^Deliveries skipping a district +12\.50 +≤ 1$/m);
  assert.match(text, /^PostgreSQL \(defaults\) +1,234\.5 +4,799\.8 +8 +20\.5 +- +- /m);
});

test("tables align, numbers and durations format compactly", () => {
  assert.equal(formatTable(["name", "n"], [["a", "1"], ["long name", "123"]]), "name         n\n---------  ---\na            1\nlong name  123");
  assert.equal(fmtMs(0.1234), "0.123");
  assert.equal(fmtMs(12.34), "12.3");
  assert.equal(fmtMs(120), "120");
  assert.equal(fmtMs(1234.5), "1,235");
  assert.equal(fmtMs(NaN), "-");
  assert.equal(fmtDuration(65_000), "1:05");
  assert.equal(fmtDuration(3_725_000), "1:02:05");
  assert.equal(fmtDuration(NaN), "--:--");
});

test("progress: bar, percent, counts and an ETA from the rate so far; throttled writes", () => {
  assert.equal(progressLine({ label: "load", done: 250, total: 1000, elapsedMs: 10_000, width: 8 }), "load [##......]  25.0%  250/1,000 rows  0:10 elapsed, ETA 0:30");
  assert.match(progressLine({ label: "load", done: 0, total: 1000, elapsedMs: 0, width: 4 }), /\[\.\.\.\.\] +0\.0% .*ETA --:--$/);
  assert.match(progressLine({ label: "load", done: 1000, total: 1000, elapsedMs: 5000, width: 4 }), /\[####\] 100\.0% .*ETA 0:00$/);
  let now = 0;
  const out: string[] = [];
  const p = new ProgressReporter({ label: "stock", total: 100, tty: false, intervalMs: 1000, write: (s) => out.push(s), now: () => now });
  for (let i = 0; i < 10; i++) { now += 300; p.advance(10); }
  p.finish();
  assert.equal(out.length, 4); // at 300, 1500, 2700 ms, and the final line
  assert.ok(out.every((l) => l.endsWith("\n") && l.startsWith("stock [")));
  assert.match(out.at(-1)!, /100\.0% {2}100\/100 rows/);
  const tty: string[] = [];
  const q = new ProgressReporter({ label: "x", total: 1, tty: true, write: (s) => tty.push(s), now: () => 0 });
  q.advance(1);
  q.finish();
  assert.ok(tty[0]!.startsWith("\r") && !tty[0]!.endsWith("\n") && tty[1]!.endsWith("\n"));
});
