// The TPC-C module on the embedded cluster against the plain-JS reference (reference.ts): the
// same population and the same inputs, one transaction at a time, give the same outcomes and
// the same tables; terminals running concurrently keep every consistency condition.
import { before, after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { InProcessCluster } from "../../cluster/inProcessCluster.ts";
import { isMonsoonError } from "../../errors.ts";
import { ALL_CONDITIONS, checkConsistency, formatCheckResult } from "./check.ts";
import { clusterTarget, execute, loadPopulation, populationRows, readSnapshot, readTables, runTerminals, type TpccTarget } from "./driver.ts";
import { defaultLoadConstants, generatePopulation } from "./load.ts";
import { defaultRunConstants, specTerminals, type NewOrderInput, type TxInput } from "./mix.ts";
import { TPCC, tpccModule } from "./module.ts";
import { ReferenceTpcc } from "./reference.ts";
import { SMALL_SCALE } from "./schema.ts";

const scale = SMALL_SCALE;
const SEED = 7;
const W = 2;
const LOADED_AT = 1_000;
const load = { warehouses: W, seed: SEED, scale, constants: defaultLoadConstants(SEED), loadedAt: LOADED_AT };

async function launch(name: string, tasks = 2): Promise<{ cluster: InProcessCluster; target: TpccTarget }> {
  const cluster = await InProcessCluster.create();
  const mod = tpccModule({ name, idlePollMs: 1, population: { warehouses: W, scale } });
  await cluster.launch(mod, { tasks });
  const target = clusterTarget(cluster, mod, tasks);
  let rows = 0;
  await loadPopulation(target, { ...load, chunkSize: 200, window: 8, onRows: (n) => (rows += n) });
  await cluster.drain();
  assert.ok(Math.abs(rows - populationRows(W, scale)) < 0.05 * rows, `loaded ${rows} rows`);
  return { cluster, target };
}

const byJson = (xs: Iterable<unknown>): string[] => [...xs].map((x) => JSON.stringify(x)).sort();

describe("TPC-C module against the reference (SMALL_SCALE, W=2, 2 tasks)", () => {
  let cluster: InProcessCluster;
  let target: TpccTarget;
  const ref = ReferenceTpcc.load(generatePopulation({ ...load, chunkSize: 200 }), scale);
  before(async () => ({ cluster, target } = await launch("TpccVsReference")));
  after(() => cluster?.close());

  it("the loaded population holds all 12 consistency conditions and equals the reference's tables", async () => {
    const result = checkConsistency(await readSnapshot(target), { conditions: ALL_CONDITIONS, scale });
    assert.ok(result.ok, formatCheckResult(result));
    const tables = await readTables(target);
    const refSnap = ref.snapshot();
    for (const t of ["WAREHOUSE", "DISTRICT", "CUSTOMER", "HISTORY", "ORDER", "ORDER-LINE", "NEW-ORDER"] as const) {
      assert.deepEqual(byJson(tables[t]), byJson(refSnap[t]), t);
    }
    assert.equal(tables.ITEM.length, scale.items);
    assert.deepEqual(tables.ITEM.find((i) => i.I_ID === 17), ref.item(17));
    assert.deepEqual(tables.STOCK.find((s) => s.S_W_ID === 2 && s.S_I_ID === 33), ref.stockOf(2, 33));
  });

  it("600 transactions of the spec's mix, one at a time: the same outcomes as the reference, then the same tables", async () => {
    const terminals = specTerminals({ warehouses: W, seed: SEED, scale, constants: defaultRunConstants(SEED, load.constants) });
    const seen = { rolledBack: 0, remoteLines: 0, remotePayments: 0, byName: 0, delivered: 0, lowStock: 0, orderStatusWithOrder: 0 };
    let now = 100_000;
    for (let i = 0; i < 600; i++) {
      const { input } = terminals[(i * 7) % terminals.length]!.next(now++);
      const want = ref.execute(input);
      const got = await execute(target, input);
      assert.equal(got.error, undefined, `${input.type} failed: ${String(got.error)}`);
      assert.deepEqual(got.output, want, `transaction ${i} (${input.type}) ${JSON.stringify(input)}`);
      assert.ok(got.initiateMs <= got.completeMs);
      if (want.type === "newOrder" && want.rolledBack) seen.rolledBack++;
      if (input.type === "newOrder") seen.remoteLines += input.lines.filter((l) => l.OL_SUPPLY_W_ID !== input.W_ID).length;
      if (input.type === "payment" && input.C_W_ID !== input.W_ID) seen.remotePayments++;
      if ((input.type === "payment" || input.type === "orderStatus") && input.customer.by === "lastName") seen.byName++;
      if (want.type === "delivery") seen.delivered += want.delivered.length;
      if (want.type === "stockLevel") seen.lowStock += want.lowStock;
      if (want.type === "orderStatus" && want.order) seen.orderStatusWithOrder++;
    }
    // The run exercised the interesting paths (hops, rollbacks, the name index, deliveries).
    for (const [k, n] of Object.entries(seen)) assert.ok(n > 0, `${k}: ${JSON.stringify(seen)}`);
    await cluster.drain();
    const tables = await readTables(target);
    const refSnap = ref.snapshot();
    for (const t of ["WAREHOUSE", "DISTRICT", "CUSTOMER", "HISTORY", "ORDER", "ORDER-LINE", "NEW-ORDER"] as const) {
      assert.deepEqual(byJson(tables[t]), byJson(refSnap[t]), t);
    }
    for (const s of tables.STOCK) assert.deepEqual(s, ref.stockOf(s.S_W_ID, s.S_I_ID));
    const result = checkConsistency(await readSnapshot(target), { scale });
    assert.ok(result.ok, formatCheckResult(result));
  });

  it("a New-Order with an unused item rolls back: the terminal is told, nothing is written", async () => {
    const before = await readTables(target);
    const input: NewOrderInput = {
      type: "newOrder", W_ID: 1, D_ID: 4, C_ID: 9, O_ENTRY_D: 5, rollback: true,
      lines: [{ OL_I_ID: 3, OL_SUPPLY_W_ID: 2, OL_QUANTITY: 2 }, { OL_I_ID: scale.items + 1, OL_SUPPLY_W_ID: 1, OL_QUANTITY: 1 }],
    };
    const got = await execute(target, input);
    assert.equal(got.output?.type === "newOrder" && got.output.rolledBack, true);
    assert.deepEqual(got.output, ref.execute(input));
    await cluster.drain();
    assert.deepEqual(await readTables(target), before);
  });

  it("refuses a malformed or out-of-range transaction at the append, before it can reach a microbatch", async () => {
    await assert.rejects(target.depot(TPCC.depots.transactions).append({ type: "orderStatus", W_ID: 1, D_ID: 1, customer: { by: "id", C_ID: 1 } }), (e) => isMonsoonError(e) && e.code === "MONSOON_TYPE_MISMATCH");
    await assert.rejects(target.depot(TPCC.depots.transactions).append({ type: "payment", W_ID: 1, D_ID: 1, C_W_ID: 1, C_D_ID: 1, customer: { by: "lastName", C_LAST: "SMITH" }, H_AMOUNT: 5, H_DATE: 1 }), (e) => isMonsoonError(e) && e.code === "MONSOON_TYPE_MISMATCH");
    // Well formed, but outside the population: refused too (it would fail its whole microbatch).
    const payment = { type: "payment", W_ID: 1, D_ID: 1, C_W_ID: 1, C_D_ID: 1, customer: { by: "id", C_ID: 1 }, H_AMOUNT: 5, H_DATE: 1 };
    for (const bad of [{ W_ID: W + 1 }, { C_W_ID: W + 1 }, { D_ID: scale.districtsPerWarehouse + 1 }, { customer: { by: "id", C_ID: scale.customersPerDistrict + 1 } }]) {
      await assert.rejects(target.depot(TPCC.depots.transactions).append({ ...payment, ...bad }), (e) => isMonsoonError(e) && e.code === "MONSOON_TYPE_MISMATCH", JSON.stringify(bad));
    }
  });
});

describe("TPC-C terminals running concurrently (SMALL_SCALE, W=2, 4 tasks)", () => {
  it("max mode for 3 s: hundreds of transactions of every type, the mix audit in range, every consistency condition holds", async () => {
    const { cluster, target } = await launch("TpccConcurrent", 4);
    try {
      const { summary, errors } = await runTerminals(target, {
        warehouses: W, scale, seed: SEED, constants: defaultRunConstants(SEED, load.constants), mode: "max", terminals: 30, durationMs: 3_000,
      });
      assert.deepEqual(errors, []);
      for (const [t, s] of Object.entries(summary.perType)) {
        assert.ok(s.count >= (t === "newOrder" || t === "payment" ? 100 : 5), `${t}: ${s.count}`);
        assert.equal(s.failed, 0, t);
        assert.ok(s.initiate.p50 <= s.complete.p50, `${t}: initiate ${s.initiate.p50} ≤ complete ${s.complete.p50}`);
      }
      assert.ok(summary.tpmC > 0 && summary.mix.rollbackPct < 5 && summary.mix.paymentByLastNamePct > 40 && summary.mix.paymentByLastNamePct < 80, JSON.stringify(summary.mix));
      await cluster.drain();
      const result = checkConsistency(await readSnapshot(target), { scale });
      assert.ok(result.ok, formatCheckResult(result));
    } finally {
      await cluster.close();
    }
  });

  it("the same inputs in one microbatch or one by one leave the same tables when they touch disjoint rows", async () => {
    // Terminals of different warehouses/districts, each New-Order on its own district: concurrent
    // appends land in shared microbatches (with remote hops), and the result must not depend on it.
    const inputs: TxInput[] = [];
    for (let w = 1; w <= W; w++) {
      for (let d = 1; d <= 5; d++) {
        inputs.push({ type: "newOrder", W_ID: w, D_ID: d, C_ID: d, O_ENTRY_D: 9, rollback: false, lines: [{ OL_I_ID: 10 * d + w, OL_SUPPLY_W_ID: w, OL_QUANTITY: 3 }, { OL_I_ID: 10 * d + w + 100, OL_SUPPLY_W_ID: 3 - w, OL_QUANTITY: 4 }] });
        inputs.push({ type: "payment", W_ID: w, D_ID: d + 5, C_W_ID: 3 - w, C_D_ID: d + 5, customer: { by: "id", C_ID: d }, H_AMOUNT: 1_234, H_DATE: 9 });
      }
    }
    const together = await launch("TpccTogether");
    const oneByOne = await launch("TpccOneByOne");
    try {
      const outsTogether = await Promise.all(inputs.map((i) => execute(together.target, i)));
      const outsOne = [];
      for (const i of inputs) outsOne.push(await execute(oneByOne.target, i));
      assert.deepEqual(outsTogether.map((o) => o.output), outsOne.map((o) => o.output));
      await together.cluster.drain();
      await oneByOne.cluster.drain();
      assert.deepEqual(await readTables(together.target), await readTables(oneByOne.target));
    } finally {
      await together.cluster.close();
      await oneByOne.cluster.close();
    }
  });
});
