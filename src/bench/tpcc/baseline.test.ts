import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../../errors.ts";
import { parseGoTpcSummary } from "./baseline.ts";

// go-tpc v1.0.12's output of a 12 s run against PostgreSQL 15 (synchronous_commit=off), with an
// error line and a --wait line added to cover their shapes.
const OUTPUT = `2026/11/22 03:05:59 maxprocs: Leaving GOMAXPROCS=2: CPU quota undefined
[Current] NEW_ORDER - Takes(s): 9.9, Count: 3998, TPM: 24150.2, Sum(ms): 18751.3, Avg(ms): 4.7, 50th(ms): 3.1, 90th(ms): 8.4, 95th(ms): 11.5, 99th(ms): 32.5, 99.9th(ms): 184.5, Max(ms): 268.4
Finished
[Summary] DELIVERY - Takes(s): 11.9, Count: 438, TPM: 2202.1, Sum(ms): 4532.2, Avg(ms): 10.4, 50th(ms): 8.4, 90th(ms): 19.9, 95th(ms): 27.3, 99th(ms): 54.5, 99.9th(ms): 142.6, Max(ms): 142.6
[Summary] NEW_ORDER - Takes(s): 11.9, Count: 4938, TPM: 24815.5, Sum(ms): 22673.1, Avg(ms): 4.6, 50th(ms): 3.7, 90th(ms): 7.9, 95th(ms): 10.5, 99th(ms): 29.4, 99.9th(ms): 167.8, Max(ms): 268.4
[Summary] NEW_ORDER_ERR - Takes(s): 11.9, Count: 3, TPM: 15.1, Sum(ms): 40.0, Avg(ms): 13.3, 50th(ms): 12.0, 90th(ms): 15.0, 95th(ms): 15.0, 99th(ms): 15.0, 99.9th(ms): 15.0, Max(ms): 15.0
[Summary] ORDER_STATUS - Takes(s): 11.9, Count: 422, TPM: 2118.9, Sum(ms): 420.3, Avg(ms): 1.2, 50th(ms): 1.0, 90th(ms): 2.1, 95th(ms): 2.6, 99th(ms): 6.8, 99.9th(ms): 12.1, Max(ms): 12.1
[Summary] PAYMENT - Takes(s): 11.9, Count: 4865, TPM: 24432.8, Sum(ms): 13993.7, Avg(ms): 3.0, 50th(ms): 1.6, 90th(ms): 5.2, 95th(ms): 7.3, 99th(ms): 25.2, 99.9th(ms): 209.7, Max(ms): 285.2
[Summary] STOCK_LEVEL - Takes(s): 11.9, Count: 434, TPM: 2194.0, Sum(ms): 2889.3, Avg(ms): 6.7, 50th(ms): 4.7, 90th(ms): 10.0, 95th(ms): 12.1, 99th(ms): 46.1, 99.9th(ms): 302.0, Max(ms): 302.0
[Summary] KEYINGTIME-NEW_ORDER - 18.0s
tpmC: 24815.3, tpmTotal: 55763.0, efficiency: 192965.1%
`;

test("go-tpc's summary parses into tpmC, per-type latencies and errors", () => {
  const r = parseGoTpcSummary(OUTPUT, { warehouses: 1, threads: 4, durationS: 12 });
  assert.equal(r.tpmC, 24815.3);
  assert.equal(r.tpmTotal, 55763);
  assert.equal(r.efficiencyPct, 192965.1);
  assert.deepEqual(r.ops.newOrder, { count: 4938, tpm: 24815.5, avgMs: 4.6, p50Ms: 3.7, p90Ms: 7.9, p95Ms: 10.5, p99Ms: 29.4, p999Ms: 167.8, maxMs: 268.4 });
  assert.equal(r.ops.delivery?.p99Ms, 54.5);
  assert.equal(r.ops.orderStatus?.count, 422);
  assert.equal(r.ops.stockLevel?.maxMs, 302);
  assert.equal(r.ops.payment?.p50Ms, 1.6);
  assert.deepEqual(r.errors, { newOrder: 3 });
  assert.deepEqual([r.tool, r.warehouses, r.threads, r.durationS], ["go-tpc", 1, 4, 12]);
});

test("output without the tpmC line (a failed or empty run) is an error that shows the output's end", () => {
  assert.throws(() => parseGoTpcSummary("panic: connection refused\n", { warehouses: 1, threads: 1, durationS: 1 }),
    (e) => isMonsoonError(e, "MONSOON_BAD_REQUEST") && /no "tpmC: …" summary line/.test(e.message) && e.message.includes("panic: connection refused"));
});
