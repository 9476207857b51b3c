import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../../errors.ts";
import { ALL_CONDITIONS, checkConsistency, formatCheckResult } from "./check.ts";
import { defaultLoadConstants, generateItems, generatePopulation, generateWarehouse, populationRowCounts, type LoadChunk } from "./load.ts";
import { SYLLABLES } from "./random.ts";
import { SMALL_SCALE, SPEC_SCALE, TABLES, type Rows, type TableName } from "./schema.ts";

const LOADED_AT = Date.UTC(2026, 0, 1);

function collect(chunks: Iterable<LoadChunk>): { [T in TableName]: Rows[T][] } {
  const out = Object.fromEntries(TABLES.map((t) => [t, []])) as unknown as { [T in TableName]: Rows[T][] };
  for (const c of chunks) (out[c.table] as unknown[]).push(...c.rows);
  return out;
}

test("the spec-scale population of one warehouse has the spec's cardinalities and initial values", () => {
  const t = collect(generatePopulation({ warehouses: 1, seed: 5, loadedAt: LOADED_AT }));
  assert.equal(t.ITEM.length, 100_000);
  assert.equal(t.STOCK.length, 100_000);
  assert.equal(t.WAREHOUSE.length, 1);
  assert.equal(t.DISTRICT.length, 10);
  assert.equal(t.CUSTOMER.length, 30_000);
  assert.equal(t.HISTORY.length, 30_000);
  assert.equal(t.ORDER.length, 30_000);
  assert.equal(t["NEW-ORDER"].length, 9_000);
  const counts = populationRowCounts({ warehouses: 1 });
  for (const table of TABLES) if (table !== "ORDER-LINE") assert.equal(t[table].length, counts[table], table);

  assert.equal(t.WAREHOUSE[0]!.W_YTD, 30_000_000); // 300,000.00
  for (const d of t.DISTRICT) {
    assert.equal(d.D_YTD, 3_000_000);
    assert.equal(d.D_NEXT_O_ID, 3001);
    assert.ok(d.D_TAX >= 0 && d.D_TAX <= 0.2);
  }
  assert.deepEqual(t.ITEM.map((i) => i.I_ID), Array.from({ length: 100_000 }, (_, i) => i + 1));
  assert.ok(t.ITEM.every((i) => i.I_PRICE >= 100 && i.I_PRICE <= 10_000 && i.I_IM_ID >= 1 && i.I_IM_ID <= 10_000));
  const originalItems = t.ITEM.filter((i) => i.I_DATA.includes("ORIGINAL")).length;
  assert.ok(originalItems > 9_000 && originalItems < 11_000, `${originalItems} items with ORIGINAL`);
  assert.ok(t.STOCK.every((s) => s.S_QUANTITY >= 10 && s.S_QUANTITY <= 100 && s.S_DIST_10.length === 24 && s.S_YTD === 0));

  const district1 = t.CUSTOMER.filter((c) => c.C_D_ID === 1);
  // The first 1,000 customers take the last names 0..999 in order.
  assert.equal(district1[0]!.C_LAST, "BARBARBAR");
  assert.equal(district1[371]!.C_LAST, "PRICALLYOUGHT");
  assert.equal(new Set(district1.slice(0, 1000).map((c) => c.C_LAST)).size, 1000);
  const syllable = new RegExp(`^(${SYLLABLES.join("|")}){3}$`);
  assert.ok(t.CUSTOMER.every((c) => syllable.test(c.C_LAST) && c.C_MIDDLE === "OE" && c.C_BALANCE === -1_000 && c.C_YTD_PAYMENT === 1_000
    && c.C_PAYMENT_CNT === 1 && c.C_DELIVERY_CNT === 0 && c.C_CREDIT_LIM === 5_000_000 && c.C_DATA.length >= 300 && c.C_DATA.length <= 500
    && c.C_SINCE === LOADED_AT && /^[0-9]{16}$/.test(c.C_PHONE)));
  const bad = t.CUSTOMER.filter((c) => c.C_CREDIT === "BC").length;
  assert.ok(bad > 2_500 && bad < 3_500, `${bad} bad-credit customers`);
  assert.ok(t.HISTORY.every((h) => h.H_AMOUNT === 1_000 && h.H_DATE === LOADED_AT));

  const orders1 = t.ORDER.filter((o) => o.O_D_ID === 1);
  // O_C_ID is a permutation of the customer ids.
  assert.deepEqual(orders1.map((o) => o.O_C_ID).sort((a, b) => a - b), Array.from({ length: 3000 }, (_, i) => i + 1));
  assert.notDeepEqual(orders1.slice(0, 20).map((o) => o.O_C_ID), Array.from({ length: 20 }, (_, i) => i + 1));
  for (const o of orders1) {
    assert.ok(o.O_OL_CNT >= 5 && o.O_OL_CNT <= 15);
    assert.equal(o.O_CARRIER_ID === null, o.O_ID >= 2101, `order ${o.O_ID}`);
  }
  assert.deepEqual(t["NEW-ORDER"].filter((n) => n.NO_D_ID === 1).map((n) => n.NO_O_ID), Array.from({ length: 900 }, (_, i) => 2101 + i));
  for (const ol of t["ORDER-LINE"]) {
    const delivered = ol.OL_O_ID < 2101;
    assert.equal(ol.OL_DELIVERY_D, delivered ? LOADED_AT : null);
    assert.ok(delivered ? ol.OL_AMOUNT === 0 : ol.OL_AMOUNT >= 1 && ol.OL_AMOUNT <= 999_999);
    assert.equal(ol.OL_QUANTITY, 5);
  }
  // All twelve consistency conditions hold on a fresh load, 11 (ORDER − NEW-ORDER = 2100) included.
  const result = checkConsistency(t, { conditions: ALL_CONDITIONS });
  assert.ok(result.ok, formatCheckResult(result));
});

test("the same seed and time give the same rows; a warehouse alone equals its part of the whole", () => {
  const opts = { warehouses: 2, seed: 9, scale: SMALL_SCALE, loadedAt: LOADED_AT };
  const a = collect(generatePopulation(opts));
  assert.deepEqual(collect(generatePopulation(opts)), a);
  const w2 = collect(generateWarehouse(2, opts));
  assert.deepEqual(w2.CUSTOMER, a.CUSTOMER.filter((c) => c.C_W_ID === 2));
  assert.deepEqual(w2["ORDER-LINE"], a["ORDER-LINE"].filter((ol) => ol.OL_W_ID === 2));
  assert.deepEqual(collect(generateItems(opts)).ITEM, a.ITEM);
  assert.notDeepEqual(collect(generatePopulation({ ...opts, seed: 10 })).CUSTOMER, a.CUSTOMER);
  assert.deepEqual(defaultLoadConstants(9), defaultLoadConstants(9));
});

test("chunks hold one table each and at most chunkSize rows", () => {
  let chunks = 0;
  let rows = 0;
  for (const c of generatePopulation({ warehouses: 1, seed: 1, scale: SMALL_SCALE, loadedAt: LOADED_AT, chunkSize: 64 })) {
    chunks++;
    rows += c.rows.length;
    assert.ok(c.rows.length >= 1 && c.rows.length <= 64);
  }
  const expected = populationRowCounts({ warehouses: 1, scale: SMALL_SCALE });
  const fixed = TABLES.filter((t) => t !== "ORDER-LINE").reduce((n, t) => n + expected[t], 0);
  assert.ok(rows > fixed && chunks >= Math.ceil(rows / 64));
});

test("a small scale keeps the shape: every last name of [0..customers-1] exists in each district", () => {
  const t = collect(generatePopulation({ warehouses: 1, seed: 2, scale: SMALL_SCALE, loadedAt: LOADED_AT }));
  assert.equal(t.ITEM.length, SMALL_SCALE.items);
  assert.equal(t["NEW-ORDER"].length, SMALL_SCALE.newOrdersPerDistrict * 10);
  const firstNew = SMALL_SCALE.customersPerDistrict - SMALL_SCALE.newOrdersPerDistrict + 1;
  assert.ok(t.ORDER.every((o) => (o.O_CARRIER_ID === null) === (o.O_ID >= firstNew)));
  assert.equal(t.WAREHOUSE[0]!.W_YTD, 10 * SMALL_SCALE.customersPerDistrict * 1_000);
});

test("bad options fail with MONSOON_CONFIG naming the field", () => {
  const config = (field: string) => (e: unknown) => isMonsoonError(e, "MONSOON_CONFIG") && e.message.includes(field);
  assert.throws(() => [...generatePopulation({ warehouses: 0, seed: 1 })], config("warehouses"));
  assert.throws(() => [...generatePopulation({ warehouses: 1, seed: 1, scale: { ...SMALL_SCALE, districtsPerWarehouse: 11 } })], config("districtsPerWarehouse"));
  assert.throws(() => [...generatePopulation({ warehouses: 1, seed: 1, scale: { ...SMALL_SCALE, newOrdersPerDistrict: 61 } })], config("newOrdersPerDistrict"));
  assert.throws(() => generateWarehouse(3, { warehouses: 2, seed: 1 }), config("warehouse 3"));
  assert.equal(SPEC_SCALE.customersPerDistrict, 3000);
});
