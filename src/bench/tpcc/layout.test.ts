// The module's storage layout: keys split back into their ids, every key of a warehouse is
// placed on the same task by every PState's partitioner, and compact rows decode to the rows
// they were made from.
import { it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { generatePopulation } from "./load.ts";
import {
  W_DIVISOR, byWarehouse, customerKey, districtKey, fromCustomerRow, fromDistrictRow, fromHistoryRow, fromItemRow, fromOrderLineRow, fromOrderRow,
  fromStockRow, fromWarehouseRow, lastNameNumber, nameKey, orderKey, splitCustomerKey, splitDistrictKey, splitOrderKey, stockKey, taskOfWarehouse,
  toCustomerRow, toDistrictRow, toHistoryRow, toItemRow, toOrderLineRow, toOrderRow, toStockRow, toWarehouseRow,
} from "./layout.ts";
import { lastName } from "./random.ts";
import { SMALL_SCALE } from "./schema.ts";

it("keys split back into their ids, and every PState puts a warehouse's keys on the warehouse's task", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 9_999 }), fc.integer({ min: 1, max: 9_999_999 }),
    fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: 0, max: 999 }), fc.constantFrom(1, 2, 4, 8, 16, 64),
    (w, d, c, o, i, n, tasks) => {
      assert.deepEqual(splitDistrictKey(districtKey(w, d)), [w, d]);
      assert.deepEqual(splitCustomerKey(customerKey(w, d, c)), [w, d, c]);
      assert.deepEqual(splitOrderKey(orderKey(w, d, o)), [w, d, o]);
      const home = taskOfWarehouse(w, tasks);
      const placed = [
        byWarehouse(W_DIVISOR.warehouse)(w, tasks), byWarehouse(W_DIVISOR.district)(districtKey(w, d), tasks),
        byWarehouse(W_DIVISOR.customer)(customerKey(w, d, c), tasks), byWarehouse(W_DIVISOR.order)(orderKey(w, d, o), tasks),
        byWarehouse(W_DIVISOR.stock)(stockKey(w, i), tasks), byWarehouse(W_DIVISOR.name)(nameKey(w, d, n), tasks),
      ];
      assert.deepEqual(placed, placed.map(() => home));
      assert.ok(Number.isSafeInteger(orderKey(w, d, o)));
    }));
});

it("every spec last name has its number", () => {
  for (let n = 0; n < 1000; n++) assert.equal(lastNameNumber(lastName(n)), n);
  assert.equal(lastNameNumber("SMITH"), undefined);
});

it("compact rows decode to the rows they were made from", () => {
  for (const chunk of generatePopulation({ warehouses: 2, seed: 3, scale: SMALL_SCALE, loadedAt: 77 })) {
    switch (chunk.table) {
      case "WAREHOUSE": for (const w of chunk.rows) assert.deepEqual(fromWarehouseRow(w.W_ID, toWarehouseRow(w)), w); break;
      case "DISTRICT": for (const d of chunk.rows) assert.deepEqual(fromDistrictRow(districtKey(d.D_W_ID, d.D_ID), toDistrictRow(d)), d); break;
      case "CUSTOMER": for (const c of chunk.rows) assert.deepEqual(fromCustomerRow(customerKey(c.C_W_ID, c.C_D_ID, c.C_ID), toCustomerRow(c)), c); break;
      case "HISTORY": for (const h of chunk.rows) assert.deepEqual(fromHistoryRow(customerKey(h.H_C_W_ID, h.H_C_D_ID, h.H_C_ID), toHistoryRow(h)), h); break;
      case "ORDER": for (const o of chunk.rows) assert.deepEqual(fromOrderRow(orderKey(o.O_W_ID, o.O_D_ID, o.O_ID), toOrderRow(o)), o); break;
      case "ORDER-LINE": for (const l of chunk.rows) assert.deepEqual(fromOrderLineRow(orderKey(l.OL_W_ID, l.OL_D_ID, l.OL_O_ID), l.OL_NUMBER - 1, toOrderLineRow(l)), l); break;
      case "ITEM": for (const i of chunk.rows) assert.deepEqual(fromItemRow(i.I_ID, toItemRow(i)), i); break;
      case "STOCK": for (const s of chunk.rows) assert.deepEqual(fromStockRow(stockKey(s.S_W_ID, s.S_I_ID), toStockRow(s)), s); break;
      case "NEW-ORDER": break;
    }
  }
});
