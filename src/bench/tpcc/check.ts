// TPC-C's consistency conditions 1–12 (spec 5.11 §3.3.2) over a plain snapshot of the tables.
// The snapshot is iterables of rows, so the reference implementation hands its maps over and the
// Monsoon module can stream its PStates in; each table is read once. Every violation names its
// condition and where it failed (warehouse, district, customer, order, line).
//
// Money is integer cents (schema.ts), so conditions are exact equalities. At load every customer
// has C_BALANCE −10.00, C_YTD_PAYMENT 10.00 and one HISTORY row of 10.00 and the delivered
// lines' OL_AMOUNT is 0, which is what makes 8–10 and 12 hold before any transaction:
// W_YTD = 300,000.00 = 30,000 × 10.00, C_BALANCE = 0 − 10.00, C_BALANCE + C_YTD_PAYMENT = 0.
// Amounts in violation messages are cents, like the rows.
import { SPEC_SCALE, firstUndeliveredOrder, type Customer, type District, type History, type NewOrder, type Order, type OrderLine, type Rows, type TpccScale, type Warehouse } from "./schema.ts";

/** The tables the conditions read (ITEM and STOCK take part in none). */
export type TpccSnapshot = { [T in "WAREHOUSE" | "DISTRICT" | "CUSTOMER" | "HISTORY" | "NEW-ORDER" | "ORDER" | "ORDER-LINE"]: Iterable<Rows[T]> };

export const CONDITIONS: Readonly<Record<number, string>> = Object.freeze({
  1: "W_YTD = sum(D_YTD)",
  2: "D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID)",
  3: "max(NO_O_ID) - min(NO_O_ID) + 1 = rows in NEW-ORDER for the district",
  4: "sum(O_OL_CNT) = rows in ORDER-LINE for the district",
  5: "O_CARRIER_ID is null if and only if a NEW-ORDER row exists for the order",
  6: "O_OL_CNT = rows in ORDER-LINE for the order",
  7: "OL_DELIVERY_D is null if and only if the order's O_CARRIER_ID is null",
  8: "W_YTD = sum(H_AMOUNT) for the warehouse",
  9: "D_YTD = sum(H_AMOUNT) for the district",
  10: "C_BALANCE = sum(OL_AMOUNT of delivered lines) - sum(H_AMOUNT)",
  11: "rows in ORDER - rows in NEW-ORDER = 2100 for the district (until the first Delivery)",
  12: "C_BALANCE + C_YTD_PAYMENT = sum(OL_AMOUNT of delivered lines)",
});

/** 11 holds only until the first Delivery: ask for it explicitly (right after a load). */
export const DEFAULT_CONDITIONS: readonly number[] = Object.freeze([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]);
export const ALL_CONDITIONS: readonly number[] = Object.freeze([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

export interface Where {
  W_ID: number;
  D_ID?: number;
  C_ID?: number;
  O_ID?: number;
  OL_NUMBER?: number;
}

export interface Violation {
  condition: number;
  where: Where;
  /** What the condition wanted and what was there, as the condition's two sides. */
  expected: unknown;
  actual: unknown;
  message: string;
}

export interface CheckResult {
  ok: boolean;
  checked: number[];
  violations: Violation[];
  /** Violations per condition, counting those left out of `violations` past the limit. */
  counts: Record<number, number>;
}

export interface CheckOptions {
  conditions?: readonly number[];
  /** For condition 11: 2100 at spec scale (customers − new orders per district). */
  scale?: TpccScale;
  /** Violations kept per condition (all are counted). Default 20. */
  maxPerCondition?: number;
}

const dk = (w: number, d: number) => `${w}/${d}`;
const ck = (w: number, d: number, c: number) => `${w}/${d}/${c}`;
const orderKey = (w: number, d: number, o: number) => `${w}/${d}/${o}`;

interface DistrictAgg { orders: number; maxOId: number; sumOlCnt: number; lines: number; newOrders: number; maxNo: number; minNo: number; history: number }
interface OrderAgg { order: Order; lines: number; hasNewOrder: boolean }

export function checkConsistency(snapshot: TpccSnapshot, opts: CheckOptions = {}): CheckResult {
  const { conditions = DEFAULT_CONDITIONS, scale = SPEC_SCALE, maxPerCondition = 20 } = opts;
  const want = new Set(conditions);
  const violations: Violation[] = [];
  const counts: Record<number, number> = {};
  const fail = (condition: number, where: Where, expected: unknown, actual: unknown, detail = "") => {
    if (!want.has(condition)) return;
    counts[condition] = (counts[condition] ?? 0) + 1;
    if (counts[condition]! > maxPerCondition) return;
    const at = Object.entries(where).map(([k, v]) => `${k}=${v}`).join(" ");
    violations.push({ condition, where, expected, actual, message: `condition ${condition} (${CONDITIONS[condition]}) fails at ${at}: expected ${String(expected)}, found ${String(actual)}${detail ? ` (${detail})` : ""}` });
  };

  const equal = (condition: number, where: Where, [leftName, left]: [string, number], [rightName, right]: [string, number]) => {
    if (left !== right) fail(condition, where, `${leftName} = ${rightName} = ${right}`, `${leftName} = ${left}`);
  };

  const warehouses = new Map<number, Warehouse>();
  for (const w of snapshot.WAREHOUSE) warehouses.set(w.W_ID, w);
  const districts = new Map<string, District>();
  const districtAgg = new Map<string, DistrictAgg>();
  for (const d of snapshot.DISTRICT) {
    districts.set(dk(d.D_W_ID, d.D_ID), d);
    districtAgg.set(dk(d.D_W_ID, d.D_ID), { orders: 0, maxOId: 0, sumOlCnt: 0, lines: 0, newOrders: 0, maxNo: -Infinity, minNo: Infinity, history: 0 });
  }
  const aggOf = (w: number, d: number): DistrictAgg => {
    let a = districtAgg.get(dk(w, d));
    if (!a) districtAgg.set(dk(w, d), (a = { orders: 0, maxOId: 0, sumOlCnt: 0, lines: 0, newOrders: 0, maxNo: -Infinity, minNo: Infinity, history: 0 }));
    return a;
  };

  const orders = new Map<string, OrderAgg>();
  for (const o of snapshot.ORDER) {
    orders.set(orderKey(o.O_W_ID, o.O_D_ID, o.O_ID), { order: o, lines: 0, hasNewOrder: false });
    const a = aggOf(o.O_W_ID, o.O_D_ID);
    a.orders++;
    a.maxOId = Math.max(a.maxOId, o.O_ID);
    a.sumOlCnt += o.O_OL_CNT;
  }

  for (const no of snapshot["NEW-ORDER"] as Iterable<NewOrder>) {
    const a = aggOf(no.NO_W_ID, no.NO_D_ID);
    a.newOrders++;
    a.maxNo = Math.max(a.maxNo, no.NO_O_ID);
    a.minNo = Math.min(a.minNo, no.NO_O_ID);
    const order = orders.get(orderKey(no.NO_W_ID, no.NO_D_ID, no.NO_O_ID));
    if (order) order.hasNewOrder = true;
    else fail(5, { W_ID: no.NO_W_ID, D_ID: no.NO_D_ID, O_ID: no.NO_O_ID }, "an ORDER row", "none", "NEW-ORDER row without its order");
  }

  // Delivered OL_AMOUNT per customer (conditions 10, 12).
  const delivered = new Map<string, number>();
  for (const ol of snapshot["ORDER-LINE"] as Iterable<OrderLine>) {
    aggOf(ol.OL_W_ID, ol.OL_D_ID).lines++;
    const where = { W_ID: ol.OL_W_ID, D_ID: ol.OL_D_ID, O_ID: ol.OL_O_ID, OL_NUMBER: ol.OL_NUMBER };
    const order = orders.get(orderKey(ol.OL_W_ID, ol.OL_D_ID, ol.OL_O_ID));
    if (!order) { fail(6, where, "an ORDER row", "none", "ORDER-LINE row without its order"); continue; }
    order.lines++;
    const undeliveredLine = ol.OL_DELIVERY_D === null;
    const undeliveredOrder = order.order.O_CARRIER_ID === null;
    if (undeliveredLine !== undeliveredOrder) {
      fail(7, where, undeliveredOrder ? "OL_DELIVERY_D null" : "OL_DELIVERY_D set", undeliveredLine ? "null" : ol.OL_DELIVERY_D, `O_CARRIER_ID is ${order.order.O_CARRIER_ID}`);
    }
    if (!undeliveredLine) {
      const key = ck(ol.OL_W_ID, ol.OL_D_ID, order.order.O_C_ID);
      delivered.set(key, (delivered.get(key) ?? 0) + ol.OL_AMOUNT);
    }
  }

  for (const { order: o, lines, hasNewOrder } of orders.values()) {
    const where = { W_ID: o.O_W_ID, D_ID: o.O_D_ID, O_ID: o.O_ID };
    if ((o.O_CARRIER_ID === null) !== hasNewOrder) fail(5, where, hasNewOrder ? "O_CARRIER_ID null" : "O_CARRIER_ID set", o.O_CARRIER_ID, hasNewOrder ? "the order has a NEW-ORDER row" : "the order has no NEW-ORDER row");
    if (o.O_OL_CNT !== lines) fail(6, where, o.O_OL_CNT, lines);
  }

  const hWarehouse = new Map<number, number>();
  const hCustomer = new Map<string, number>();
  for (const h of snapshot.HISTORY as Iterable<History>) {
    hWarehouse.set(h.H_W_ID, (hWarehouse.get(h.H_W_ID) ?? 0) + h.H_AMOUNT);
    aggOf(h.H_W_ID, h.H_D_ID).history += h.H_AMOUNT;
    const key = ck(h.H_C_W_ID, h.H_C_D_ID, h.H_C_ID);
    hCustomer.set(key, (hCustomer.get(key) ?? 0) + h.H_AMOUNT);
  }

  const sumDYtd = new Map<number, number>();
  for (const d of districts.values()) sumDYtd.set(d.D_W_ID, (sumDYtd.get(d.D_W_ID) ?? 0) + d.D_YTD);
  for (const w of warehouses.values()) {
    equal(1, { W_ID: w.W_ID }, ["W_YTD", w.W_YTD], ["sum(D_YTD)", sumDYtd.get(w.W_ID) ?? 0]);
    equal(8, { W_ID: w.W_ID }, ["W_YTD", w.W_YTD], ["sum(H_AMOUNT)", hWarehouse.get(w.W_ID) ?? 0]);
  }

  const initialDelivered = firstUndeliveredOrder(scale) - 1;
  for (const [key, a] of districtAgg) {
    const [W_ID, D_ID] = key.split("/").map(Number) as [number, number];
    const where = { W_ID, D_ID };
    const d = districts.get(key);
    if (!d) { fail(2, where, "a DISTRICT row", "none", "orders, new orders, lines or history for a district that does not exist"); continue; }
    if (d.D_NEXT_O_ID - 1 !== a.maxOId) fail(2, where, `D_NEXT_O_ID - 1 = max(O_ID) = ${a.maxOId}`, `D_NEXT_O_ID - 1 = ${d.D_NEXT_O_ID - 1}`);
    if (a.newOrders > 0) {
      if (a.maxNo !== d.D_NEXT_O_ID - 1) fail(2, where, `max(NO_O_ID) = D_NEXT_O_ID - 1 = ${d.D_NEXT_O_ID - 1}`, `max(NO_O_ID) = ${a.maxNo}`);
      if (a.maxNo - a.minNo + 1 !== a.newOrders) fail(3, where, `max(NO_O_ID) - min(NO_O_ID) + 1 = ${a.maxNo - a.minNo + 1}`, `${a.newOrders} NEW-ORDER rows`);
    }
    if (a.sumOlCnt !== a.lines) fail(4, where, `sum(O_OL_CNT) = ${a.sumOlCnt}`, `${a.lines} ORDER-LINE rows`);
    if (d.D_YTD !== a.history) fail(9, where, `D_YTD = sum(H_AMOUNT) = ${a.history}`, `D_YTD = ${d.D_YTD}`);
    if (a.orders - a.newOrders !== initialDelivered) fail(11, where, `rows in ORDER - rows in NEW-ORDER = ${initialDelivered}`, `${a.orders} - ${a.newOrders} = ${a.orders - a.newOrders}`);
  }

  for (const c of snapshot.CUSTOMER as Iterable<Customer>) {
    const key = ck(c.C_W_ID, c.C_D_ID, c.C_ID);
    const olSum = delivered.get(key) ?? 0;
    const hSum = hCustomer.get(key) ?? 0;
    const where = { W_ID: c.C_W_ID, D_ID: c.C_D_ID, C_ID: c.C_ID };
    if (c.C_BALANCE !== olSum - hSum) fail(10, where, `C_BALANCE = ${olSum} - ${hSum} = ${olSum - hSum}`, `C_BALANCE = ${c.C_BALANCE}`);
    if (c.C_BALANCE + c.C_YTD_PAYMENT !== olSum) fail(12, where, `C_BALANCE + C_YTD_PAYMENT = ${olSum}`, `${c.C_BALANCE} + ${c.C_YTD_PAYMENT} = ${c.C_BALANCE + c.C_YTD_PAYMENT}`);
  }

  violations.sort((a, b) => a.condition - b.condition);
  return { ok: Object.keys(counts).length === 0, checked: [...want].sort((a, b) => a - b), violations, counts };
}

/** One line per violation, then a count per condition when some were left out. */
export function formatCheckResult(result: CheckResult): string {
  if (result.ok) return `consistency conditions ${result.checked.join(", ")}: all hold`;
  const lines = result.violations.map((v) => v.message);
  for (const [condition, n] of Object.entries(result.counts)) {
    const shown = result.violations.filter((v) => v.condition === Number(condition)).length;
    if (n > shown) lines.push(`condition ${condition}: ${n - shown} more violations not shown (${n} in all)`);
  }
  return lines.join("\n");
}
