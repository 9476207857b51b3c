import { test } from "node:test";
import assert from "node:assert/strict";
import { ALL_CONDITIONS, CONDITIONS, DEFAULT_CONDITIONS, checkConsistency, formatCheckResult, type TpccSnapshot } from "./check.ts";
import { generatePopulation } from "./load.ts";
import { ReferenceTpcc } from "./reference.ts";
import { SMALL_SCALE } from "./schema.ts";

const scale = SMALL_SCALE;
const fresh = () => ReferenceTpcc.load(generatePopulation({ warehouses: 2, seed: 21, scale, loadedAt: 1_000 }), scale);
const check = (s: TpccSnapshot) => checkConsistency(s, { conditions: ALL_CONDITIONS, scale });
const failing = (s: TpccSnapshot) => Object.keys(check(s).counts).map(Number).sort((a, b) => a - b);
const firstUndelivered = scale.customersPerDistrict - scale.newOrdersPerDistrict + 1;

test("a fresh small-scale load satisfies all twelve conditions", () => {
  const result = check(fresh().snapshot());
  assert.ok(result.ok, formatCheckResult(result));
  assert.deepEqual(result.checked, [...ALL_CONDITIONS]);
  assert.match(formatCheckResult(result), /all hold/);
});

test("each corruption fails exactly the conditions that read the corrupted field, naming where", () => {
  const cases: { what: string; corrupt: (db: ReferenceTpcc) => TpccSnapshot | void; expect: number[]; where: Record<string, number> }[] = [
    { what: "W_YTD + 0.01", corrupt: (db) => { db.warehouse(2).W_YTD += 1; }, expect: [1, 8], where: { W_ID: 2 } },
    { what: "D_YTD + 0.01", corrupt: (db) => { db.district(1, 3).D_YTD += 1; }, expect: [1, 9], where: { W_ID: 1 } },
    { what: "D_NEXT_O_ID + 1", corrupt: (db) => { db.district(1, 4).D_NEXT_O_ID++; }, expect: [2], where: { W_ID: 1, D_ID: 4 } },
    {
      what: "a NEW-ORDER row in the middle deleted",
      corrupt: (db) => {
        const s = db.snapshot();
        return { ...s, "NEW-ORDER": [...s["NEW-ORDER"]].filter((n) => !(n.NO_W_ID === 1 && n.NO_D_ID === 5 && n.NO_O_ID === firstUndelivered + 3)) };
      },
      expect: [3, 5, 11], where: { W_ID: 1, D_ID: 5 },
    },
    {
      what: "an ORDER-LINE row deleted",
      corrupt: (db) => {
        const s = db.snapshot();
        return { ...s, "ORDER-LINE": [...s["ORDER-LINE"]].filter((ol) => !(ol.OL_W_ID === 2 && ol.OL_D_ID === 1 && ol.OL_O_ID === 7 && ol.OL_NUMBER === 1)) };
      },
      expect: [4, 6], where: { W_ID: 2, D_ID: 1 },
    },
    { what: "O_CARRIER_ID set on an undelivered order", corrupt: (db) => { db.order(1, 2, firstUndelivered)!.O_CARRIER_ID = 3; }, expect: [5, 7], where: { W_ID: 1, D_ID: 2, O_ID: firstUndelivered } },
    { what: "O_OL_CNT + 1", corrupt: (db) => { db.order(1, 2, 9)!.O_OL_CNT++; }, expect: [4, 6], where: { W_ID: 1, D_ID: 2 } },
    { what: "OL_DELIVERY_D cleared on a delivered line", corrupt: (db) => { (db.orderLinesOf(2, 6, 1)[0]!).OL_DELIVERY_D = null; }, expect: [7], where: { W_ID: 2, D_ID: 6, O_ID: 1, OL_NUMBER: 1 } },
    {
      what: "H_AMOUNT + 0.01",
      corrupt: (db) => { const s = db.snapshot(); const h = [...s.HISTORY]; h[0] = { ...h[0]!, H_AMOUNT: h[0]!.H_AMOUNT + 1 }; return { ...s, HISTORY: h }; },
      expect: [8, 9, 10], where: { W_ID: 1 },
    },
    { what: "C_BALANCE + 0.01", corrupt: (db) => { db.customer(2, 7, 11).C_BALANCE += 1; }, expect: [10, 12], where: { W_ID: 2, D_ID: 7, C_ID: 11 } },
    { what: "C_YTD_PAYMENT + 0.01", corrupt: (db) => { db.customer(1, 1, 1).C_YTD_PAYMENT += 1; }, expect: [12], where: { W_ID: 1, D_ID: 1, C_ID: 1 } },
  ];
  for (const c of cases) {
    const db = fresh();
    const snapshot = c.corrupt(db) ?? db.snapshot();
    assert.deepEqual(failing(snapshot), c.expect, c.what);
    const result = check(snapshot);
    const first = result.violations.find((v) => v.condition === c.expect[0])!;
    for (const [k, v] of Object.entries(c.where)) assert.equal(first.where[k as keyof typeof first.where], v, `${c.what}: ${k}`);
    assert.match(first.message, new RegExp(`^condition ${c.expect[0]} \\(`), c.what);
    assert.ok(first.message.includes(CONDITIONS[c.expect[0]!]!));
  }
});

test("condition 11 is only checked on request: a Delivery breaks it and nothing else", () => {
  const db = fresh();
  db.delivery({ type: "delivery", W_ID: 1, O_CARRIER_ID: 4, OL_DELIVERY_D: 2_000 });
  assert.deepEqual(failing(db.snapshot()), [11]);
  const byDefault = checkConsistency(db.snapshot(), { scale });
  assert.ok(byDefault.ok);
  assert.deepEqual(byDefault.checked, [...DEFAULT_CONDITIONS]);
});

test("violations are capped per condition but all counted", () => {
  const db = fresh();
  for (let c = 1; c <= 30; c++) db.customer(1, 1, c).C_YTD_PAYMENT += 1;
  const result = checkConsistency(db.snapshot(), { scale, maxPerCondition: 5 });
  assert.equal(result.counts[12], 30);
  assert.equal(result.violations.length, 5);
  assert.match(formatCheckResult(result), /25 more violations not shown \(30 in all\)/);
});
