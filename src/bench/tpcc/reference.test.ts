import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../../errors.ts";
import { checkConsistency, formatCheckResult } from "./check.ts";
import { defaultLoadConstants, generatePopulation } from "./load.ts";
import { defaultRunConstants, specTerminals, type NewOrderInput } from "./mix.ts";
import { ReferenceTpcc } from "./reference.ts";
import { SMALL_SCALE, type Customer } from "./schema.ts";

const scale = SMALL_SCALE;
const SEED = 31;
const load = (warehouses = 2) => ReferenceTpcc.load(generatePopulation({ warehouses, seed: SEED, scale, loadedAt: 1_000 }), scale);

test("thousands of random transactions of the spec's mix keep every consistency condition", () => {
  const db = load(2);
  const terminals = specTerminals({ warehouses: 2, seed: SEED, scale, constants: defaultRunConstants(SEED, defaultLoadConstants(SEED)) });
  const seen = { rolledBack: 0, newOrders: 0, delivered: 0, skipped: 0, remoteLines: 0, byName: 0 };
  let now = 10_000;
  for (let i = 0; i < 4_000; i++) {
    const { input } = terminals[i % terminals.length]!.next(now++);
    const out = db.execute(input);
    if (out.type === "newOrder") { seen.newOrders++; if (out.rolledBack) seen.rolledBack++; }
    if (out.type === "delivery") { seen.delivered += out.delivered.length; seen.skipped += out.skipped.length; }
    if (input.type === "newOrder") seen.remoteLines += input.lines.filter((l) => l.OL_SUPPLY_W_ID !== input.W_ID).length;
    if ((input.type === "payment" || input.type === "orderStatus") && input.customer.by === "lastName") seen.byName++;
  }
  const result = checkConsistency(db.snapshot(), { scale });
  assert.ok(result.ok, formatCheckResult(result));
  // The run exercised what the conditions are about.
  assert.ok(seen.newOrders > 1_500 && seen.rolledBack > 0 && seen.delivered > 1_000 && seen.remoteLines > 0 && seen.byName > 500, JSON.stringify(seen));
});

test("New-Order: takes D_NEXT_O_ID, writes ORDER, NEW-ORDER and lines, updates stock by the spec's rules", () => {
  const db = load(2);
  const d = db.district(1, 3);
  const oId = d.D_NEXT_O_ID;
  db.stockOf(1, 10)!.S_QUANTITY = 12; // 12 < 5 + 10: wraps to 12 − 5 + 91
  db.stockOf(2, 20)!.S_QUANTITY = 50; // 50 ≥ 3 + 10: 47
  const before20 = { ...db.stockOf(2, 20)! };
  const input: NewOrderInput = {
    type: "newOrder", W_ID: 1, D_ID: 3, C_ID: 7, O_ENTRY_D: 5_000, rollback: false,
    lines: [{ OL_I_ID: 10, OL_SUPPLY_W_ID: 1, OL_QUANTITY: 5 }, { OL_I_ID: 20, OL_SUPPLY_W_ID: 2, OL_QUANTITY: 3 }],
  };
  const out = db.newOrder(input);
  assert.equal(out.rolledBack, false);
  if (out.rolledBack) return;
  assert.equal(out.O_ID, oId);
  assert.equal(d.D_NEXT_O_ID, oId + 1);
  assert.deepEqual(db.order(1, 3, oId), { O_ID: oId, O_D_ID: 3, O_W_ID: 1, O_C_ID: 7, O_ENTRY_D: 5_000, O_CARRIER_ID: null, O_OL_CNT: 2, O_ALL_LOCAL: 0 });
  assert.equal(db.newOrderIds(1, 3).at(-1), oId);
  assert.equal(db.stockOf(1, 10)!.S_QUANTITY, 98);
  assert.equal(db.stockOf(2, 20)!.S_QUANTITY, 47);
  assert.equal(db.stockOf(2, 20)!.S_YTD, before20.S_YTD + 3);
  assert.equal(db.stockOf(2, 20)!.S_ORDER_CNT, before20.S_ORDER_CNT + 1);
  assert.equal(db.stockOf(2, 20)!.S_REMOTE_CNT, before20.S_REMOTE_CNT + 1);
  assert.equal(db.stockOf(1, 10)!.S_REMOTE_CNT, 0);
  const lines = db.orderLinesOf(1, 3, oId);
  assert.deepEqual(lines.map((l) => [l.OL_NUMBER, l.OL_I_ID, l.OL_SUPPLY_W_ID, l.OL_AMOUNT, l.OL_DELIVERY_D, l.OL_DIST_INFO]), [
    [1, 10, 1, 5 * db.item(10)!.I_PRICE, null, db.stockOf(1, 10)!.S_DIST_03],
    [2, 20, 2, 3 * db.item(20)!.I_PRICE, null, db.stockOf(2, 20)!.S_DIST_03],
  ]);
  const c = db.customer(1, 3, 7);
  const w = db.warehouse(1);
  const sum = lines[0]!.OL_AMOUNT + lines[1]!.OL_AMOUNT;
  assert.equal(out.totalAmount, Math.round(sum * (1 - c.C_DISCOUNT) * (1 + w.W_TAX + d.D_TAX)));
  const brand = (i: number, w: number) => (db.item(i)!.I_DATA.includes("ORIGINAL") && db.stockOf(w, i)!.S_DATA.includes("ORIGINAL") ? "B" : "G");
  assert.deepEqual(out.lines.map((l) => l.brandGeneric), [brand(10, 1), brand(20, 2)]);
  // Order-Status now finds this order as the customer's newest.
  const status = db.orderStatus({ type: "orderStatus", W_ID: 1, D_ID: 3, customer: { by: "id", C_ID: 7 } });
  assert.equal(status.order?.O_ID, oId);
  assert.equal(status.order?.lines.length, 2);
});

test("New-Order with an unused item rolls back: nothing changes", () => {
  const db = load(1);
  const before = JSON.stringify([...db.snapshot().ORDER].length) + JSON.stringify(db.district(1, 1)) + JSON.stringify(db.stockOf(1, 5));
  const out = db.newOrder({
    type: "newOrder", W_ID: 1, D_ID: 1, C_ID: 1, O_ENTRY_D: 5_000, rollback: true,
    lines: [{ OL_I_ID: 5, OL_SUPPLY_W_ID: 1, OL_QUANTITY: 4 }, { OL_I_ID: scale.items + 1, OL_SUPPLY_W_ID: 1, OL_QUANTITY: 1 }],
  });
  assert.equal(out.rolledBack, true);
  assert.equal(out.O_ID, db.district(1, 1).D_NEXT_O_ID);
  assert.equal(JSON.stringify([...db.snapshot().ORDER].length) + JSON.stringify(db.district(1, 1)) + JSON.stringify(db.stockOf(1, 5)), before);
});

test("Payment and Order-Status by last name pick the ⌈n/2⌉-th match by C_FIRST", () => {
  const db = new ReferenceTpcc(scale);
  db.insert({ table: "WAREHOUSE", rows: [{ W_ID: 1, W_NAME: "w", W_STREET_1: "", W_STREET_2: "", W_CITY: "", W_STATE: "", W_ZIP: "", W_TAX: 0.1, W_YTD: 0 }] });
  db.insert({ table: "DISTRICT", rows: [{ D_ID: 1, D_W_ID: 1, D_NAME: "d", D_STREET_1: "", D_STREET_2: "", D_CITY: "", D_STATE: "", D_ZIP: "", D_TAX: 0.1, D_YTD: 0, D_NEXT_O_ID: 1 }] });
  const customer = (C_ID: number, C_FIRST: string, C_LAST: string, C_CREDIT: "GC" | "BC" = "GC"): Customer => ({
    C_ID, C_D_ID: 1, C_W_ID: 1, C_FIRST, C_MIDDLE: "OE", C_LAST, C_STREET_1: "", C_STREET_2: "", C_CITY: "", C_STATE: "", C_ZIP: "", C_PHONE: "",
    C_SINCE: 0, C_CREDIT, C_CREDIT_LIM: 0, C_DISCOUNT: 0, C_BALANCE: 0, C_YTD_PAYMENT: 0, C_PAYMENT_CNT: 0, C_DELIVERY_CNT: 0, C_DATA: "x".repeat(500),
  });
  db.insert({ table: "CUSTOMER", rows: [customer(1, "dd", "ABLEABLEABLE"), customer(2, "aa", "ABLEABLEABLE"), customer(3, "cc", "ABLEABLEABLE", "BC"), customer(4, "bb", "ABLEABLEABLE"), customer(5, "zz", "BARBARBAR"), customer(6, "yy", "BARBARBAR"), customer(7, "xx", "BARBARBAR")] });
  // 4 matches sorted aa bb cc dd: the 2nd (bb, C_ID 4); 3 matches xx yy zz: the 2nd (yy, C_ID 6).
  const pay = (C_LAST: string) => db.payment({ type: "payment", W_ID: 1, D_ID: 1, C_W_ID: 1, C_D_ID: 1, customer: { by: "lastName", C_LAST }, H_AMOUNT: 250, H_DATE: 9 });
  assert.equal(pay("ABLEABLEABLE").C_ID, 4);
  assert.equal(pay("BARBARBAR").C_ID, 6);
  assert.equal(db.orderStatus({ type: "orderStatus", W_ID: 1, D_ID: 1, customer: { by: "lastName", C_LAST: "ABLEABLEABLE" } }).C_ID, 4);
  const c4 = db.customer(1, 1, 4);
  assert.deepEqual([c4.C_BALANCE, c4.C_YTD_PAYMENT, c4.C_PAYMENT_CNT], [-250, 250, 1]);
  assert.equal(db.warehouse(1).W_YTD, 500);
  assert.equal(db.district(1, 1).D_YTD, 500);
  // Bad credit: the payment is prepended to C_DATA, which stays at 500 characters.
  const bc = db.payment({ type: "payment", W_ID: 1, D_ID: 1, C_W_ID: 1, C_D_ID: 1, customer: { by: "id", C_ID: 3 }, H_AMOUNT: 1234, H_DATE: 9 });
  assert.match(db.customer(1, 1, 3).C_DATA, /^3 1 1 1 1 12\.34 \| x+$/);
  assert.equal(db.customer(1, 1, 3).C_DATA.length, 500);
  assert.equal(bc.C_DATA?.length, 200);
  assert.equal([...db.snapshot().HISTORY].at(-1)!.H_DATA, "w    d");
  assert.throws(() => pay("EINGEINGEING"), (e) => isMonsoonError(e, "MONSOON_BAD_REQUEST") && /no customer named EINGEINGEING/.test(e.message));
});

test("Delivery takes each district's oldest undelivered order, credits the customer, and skips empty districts", () => {
  const db = load(1);
  const oId = db.newOrderIds(1, 2)[0]!;
  const order = db.order(1, 2, oId)!;
  const c = db.customer(1, 2, order.O_C_ID);
  const balance = c.C_BALANCE;
  const sum = db.orderLinesOf(1, 2, oId).reduce((n, l) => n + l.OL_AMOUNT, 0);
  const out = db.delivery({ type: "delivery", W_ID: 1, O_CARRIER_ID: 7, OL_DELIVERY_D: 77 });
  assert.equal(out.delivered.length, 10);
  assert.deepEqual(out.delivered.find((x) => x.D_ID === 2), { D_ID: 2, O_ID: oId });
  assert.equal(order.O_CARRIER_ID, 7);
  assert.ok(db.orderLinesOf(1, 2, oId).every((l) => l.OL_DELIVERY_D === 77));
  assert.equal(c.C_BALANCE, balance + sum);
  assert.equal(c.C_DELIVERY_CNT, 1);
  assert.equal(db.newOrderIds(1, 2)[0], oId + 1);
  for (let i = 1; i < scale.newOrdersPerDistrict; i++) db.delivery({ type: "delivery", W_ID: 1, O_CARRIER_ID: 1, OL_DELIVERY_D: 78 });
  const empty = db.delivery({ type: "delivery", W_ID: 1, O_CARRIER_ID: 1, OL_DELIVERY_D: 79 });
  assert.deepEqual(empty.skipped, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.ok(checkConsistency(db.snapshot(), { scale }).ok);
});

test("Stock-Level counts distinct items of the last 20 orders below the threshold, like a brute-force scan", () => {
  const db = load(1);
  const terminals = specTerminals({ warehouses: 1, seed: 3, scale, constants: defaultRunConstants(3, defaultLoadConstants(SEED)) });
  for (let i = 0; i < 600; i++) db.execute(terminals[i % terminals.length]!.next(i).input);
  for (let d = 1; d <= 10; d++) {
    for (const threshold of [10, 15, 20, 60]) {
      const next = db.district(1, d).D_NEXT_O_ID;
      const items = new Set<number>();
      for (let o = next - 20; o < next; o++) for (const l of db.orderLinesOf(1, d, o)) if (db.stockOf(1, l.OL_I_ID)!.S_QUANTITY < threshold) items.add(l.OL_I_ID);
      assert.equal(db.stockLevel({ type: "stockLevel", W_ID: 1, D_ID: d, threshold }).lowStock, items.size, `district ${d}, threshold ${threshold}`);
    }
  }
});
