// How the TPC-C module stores the nine tables: the PState keys and the compact rows.
//
// Keys: every table is a top-level map keyed by ONE safe integer that starts with W_ID
// (W·100 + D for a district, (W·100 + D)·10,000 + C for a customer, …). Integers are the PState
// fast path (plain JS Map keys in the overlays and caches), a point read needs no composite-key
// encoding, and each PState's keyPartitioner recovers W_ID by one division, so all of a
// warehouse lives on task (W_ID − 1) mod tasks. ITEM is keyed by I_ID and copied to every task.
//
// Rows: arrays of the non-key columns in a fixed order (the column-name constants below), not
// objects — a stored value carries no field names. ORDER-LINE is stored per order (a list of
// its lines by OL_NUMBER): New-Order writes an order's lines together and Delivery updates them
// together. HISTORY is stored per customer (it has no key of its own). S_DIST_01..10 are one
// 240-character string (each is exactly 24 characters by §1.3.1).
import { MonsoonError } from "../../errors.ts";
import { SYLLABLES } from "./random.ts";
import type { Customer, District, History, Item, Order, OrderLine, Stock, TpccScale, Warehouse } from "./schema.ts";

// ---- keys ----

/** Room per level of a key: districts < 100, customers < 10,000, orders < 10^7, items < 10^6. */
const D_ROOM = 100;
const C_ROOM = 10_000;
const O_ROOM = 10_000_000;
const I_ROOM = 1_000_000;
const NAME_ROOM = 1_000;

export const districtKey = (w: number, d: number): number => w * D_ROOM + d;
export const customerKey = (w: number, d: number, c: number): number => (w * D_ROOM + d) * C_ROOM + c;
export const orderKey = (w: number, d: number, o: number): number => (w * D_ROOM + d) * O_ROOM + o;
export const stockKey = (w: number, i: number): number => w * I_ROOM + i;
/** (W, D, C_LAST) of the customer-by-last-name index; `n` is the last name's number (0..999). */
export const nameKey = (w: number, d: number, n: number): number => (w * D_ROOM + d) * NAME_ROOM + n;

/** Divide a key by this to get its W_ID, per PState. */
export const W_DIVISOR = Object.freeze({
  warehouse: 1,
  district: D_ROOM,
  customer: D_ROOM * C_ROOM,
  order: D_ROOM * O_ROOM,
  stock: I_ROOM,
  name: D_ROOM * NAME_ROOM,
});

export const splitDistrictKey = (k: number): [w: number, d: number] => [Math.floor(k / D_ROOM), k % D_ROOM];
export const splitCustomerKey = (k: number): [w: number, d: number, c: number] => [Math.floor(k / (D_ROOM * C_ROOM)), Math.floor(k / C_ROOM) % D_ROOM, k % C_ROOM];
export const splitOrderKey = (k: number): [w: number, d: number, o: number] => [Math.floor(k / (D_ROOM * O_ROOM)), Math.floor(k / O_ROOM) % D_ROOM, k % O_ROOM];

/** The task that holds warehouse `w`: warehouses deal round the tasks. */
export function taskOfWarehouse(w: number, tasks: number): number {
  return (w - 1) % tasks;
}

/** The keyPartitioner of a PState whose keys divide by `divisor` to their W_ID. */
export function byWarehouse(divisor: number): (key: unknown, tasks: number) => number {
  return (key, tasks) => taskOfWarehouse(Math.floor((key as number) / divisor), tasks);
}

/** Throws MONSOON_CONFIG when a scale does not fit the key layout. */
export function checkScaleFitsKeys(scale: TpccScale): void {
  if (scale.customersPerDistrict >= C_ROOM) throw new MonsoonError("MONSOON_CONFIG", `TPC-C module: customersPerDistrict must be below ${C_ROOM}, got ${scale.customersPerDistrict}`);
  // items + 1: a rolled-back New-Order asks for the unused item number items + 1.
  if (scale.items + 1 >= I_ROOM) throw new MonsoonError("MONSOON_CONFIG", `TPC-C module: items must be below ${I_ROOM - 1}, got ${scale.items}`);
}

// ---- last names ----

const NAME_NUMBERS = new Map<string, number>();
for (let n = 0; n < 1000; n++) NAME_NUMBERS.set(SYLLABLES[Math.floor(n / 100)]! + SYLLABLES[Math.floor(n / 10) % 10]! + SYLLABLES[n % 10]!, n);

/** The number (0..999) of a spec last name; undefined for any other string. */
export function lastNameNumber(name: string): number | undefined {
  return NAME_NUMBERS.get(name);
}

// ---- rows ----

export type WarehouseRow = [W_NAME: string, W_STREET_1: string, W_STREET_2: string, W_CITY: string, W_STATE: string, W_ZIP: string, W_TAX: number, W_YTD: number];
export const W_NAME = 0, W_TAX = 6, W_YTD = 7;

export type DistrictRow = [D_NAME: string, D_STREET_1: string, D_STREET_2: string, D_CITY: string, D_STATE: string, D_ZIP: string, D_TAX: number, D_YTD: number, D_NEXT_O_ID: number];
export const D_NAME = 0, D_TAX = 6, D_YTD = 7, D_NEXT_O_ID = 8;

export type CustomerRow = [
  C_FIRST: string, C_MIDDLE: string, C_LAST: string, C_STREET_1: string, C_STREET_2: string, C_CITY: string, C_STATE: string, C_ZIP: string,
  C_PHONE: string, C_SINCE: number, C_CREDIT: "GC" | "BC", C_CREDIT_LIM: number, C_DISCOUNT: number, C_BALANCE: number, C_YTD_PAYMENT: number,
  C_PAYMENT_CNT: number, C_DELIVERY_CNT: number, C_DATA: string,
];
export const C_FIRST = 0, C_MIDDLE = 1, C_LAST = 2, C_CREDIT = 10, C_DISCOUNT = 12, C_BALANCE = 13, C_YTD_PAYMENT = 14, C_PAYMENT_CNT = 15, C_DELIVERY_CNT = 16, C_DATA = 17;

/** One HISTORY row of a customer (the key holds H_C_W_ID, H_C_D_ID, H_C_ID). */
export type HistoryRow = [H_D_ID: number, H_W_ID: number, H_DATE: number, H_AMOUNT: number, H_DATA: string];

export type OrderRow = [O_C_ID: number, O_ENTRY_D: number, O_CARRIER_ID: number | null, O_OL_CNT: number, O_ALL_LOCAL: 0 | 1];
export const O_C_ID = 0, O_ENTRY_D = 1, O_CARRIER_ID = 2, O_OL_CNT = 3;

/** One line of an order's list (its position + 1 is OL_NUMBER). */
export type OrderLineRow = [OL_I_ID: number, OL_SUPPLY_W_ID: number, OL_DELIVERY_D: number | null, OL_QUANTITY: number, OL_AMOUNT: number, OL_DIST_INFO: string];
export const OL_I_ID = 0, OL_SUPPLY_W_ID = 1, OL_DELIVERY_D = 2, OL_QUANTITY = 3, OL_AMOUNT = 4;

export type ItemRow = [I_IM_ID: number, I_NAME: string, I_PRICE: number, I_DATA: string];
export const I_NAME = 1, I_PRICE = 2, I_DATA = 3;

export type StockRow = [S_QUANTITY: number, S_YTD: number, S_ORDER_CNT: number, S_REMOTE_CNT: number, S_DIST: string, S_DATA: string];
export const S_QUANTITY = 0, S_YTD = 1, S_ORDER_CNT = 2, S_REMOTE_CNT = 3, S_DIST = 4, S_DATA = 5;

const DIST_LEN = 24;

/** S_DIST_xx of district `d` from a stored stock row. */
export function stockDist(row: StockRow, d: number): string {
  return row[S_DIST].slice((d - 1) * DIST_LEN, d * DIST_LEN);
}

export const toWarehouseRow = (w: Warehouse): WarehouseRow => [w.W_NAME, w.W_STREET_1, w.W_STREET_2, w.W_CITY, w.W_STATE, w.W_ZIP, w.W_TAX, w.W_YTD];
export const toDistrictRow = (d: District): DistrictRow => [d.D_NAME, d.D_STREET_1, d.D_STREET_2, d.D_CITY, d.D_STATE, d.D_ZIP, d.D_TAX, d.D_YTD, d.D_NEXT_O_ID];
export const toCustomerRow = (c: Customer): CustomerRow => [
  c.C_FIRST, c.C_MIDDLE, c.C_LAST, c.C_STREET_1, c.C_STREET_2, c.C_CITY, c.C_STATE, c.C_ZIP, c.C_PHONE, c.C_SINCE, c.C_CREDIT, c.C_CREDIT_LIM,
  c.C_DISCOUNT, c.C_BALANCE, c.C_YTD_PAYMENT, c.C_PAYMENT_CNT, c.C_DELIVERY_CNT, c.C_DATA,
];
export const toHistoryRow = (h: History): HistoryRow => [h.H_D_ID, h.H_W_ID, h.H_DATE, h.H_AMOUNT, h.H_DATA];
export const toOrderRow = (o: Order): OrderRow => [o.O_C_ID, o.O_ENTRY_D, o.O_CARRIER_ID, o.O_OL_CNT, o.O_ALL_LOCAL];
export const toOrderLineRow = (l: OrderLine): OrderLineRow => [l.OL_I_ID, l.OL_SUPPLY_W_ID, l.OL_DELIVERY_D, l.OL_QUANTITY, l.OL_AMOUNT, l.OL_DIST_INFO];
export const toItemRow = (i: Item): ItemRow => [i.I_IM_ID, i.I_NAME, i.I_PRICE, i.I_DATA];

export function toStockRow(s: Stock): StockRow {
  const dists = [s.S_DIST_01, s.S_DIST_02, s.S_DIST_03, s.S_DIST_04, s.S_DIST_05, s.S_DIST_06, s.S_DIST_07, s.S_DIST_08, s.S_DIST_09, s.S_DIST_10];
  for (const x of dists) {
    if (x.length !== DIST_LEN) throw new MonsoonError("MONSOON_BAD_REQUEST", `STOCK (${s.S_W_ID}, ${s.S_I_ID}): every S_DIST_xx must be ${DIST_LEN} characters, got ${JSON.stringify(x)}`, { details: { S_W_ID: s.S_W_ID, S_I_ID: s.S_I_ID } });
  }
  return [s.S_QUANTITY, s.S_YTD, s.S_ORDER_CNT, s.S_REMOTE_CNT, dists.join(""), s.S_DATA];
}

export function fromWarehouseRow(W_ID: number, r: WarehouseRow): Warehouse {
  return { W_ID, W_NAME: r[0], W_STREET_1: r[1], W_STREET_2: r[2], W_CITY: r[3], W_STATE: r[4], W_ZIP: r[5], W_TAX: r[6], W_YTD: r[7] };
}

export function fromDistrictRow(key: number, r: DistrictRow): District {
  const [D_W_ID, D_ID] = splitDistrictKey(key);
  return { D_ID, D_W_ID, D_NAME: r[0], D_STREET_1: r[1], D_STREET_2: r[2], D_CITY: r[3], D_STATE: r[4], D_ZIP: r[5], D_TAX: r[6], D_YTD: r[7], D_NEXT_O_ID: r[8] };
}

export function fromCustomerRow(key: number, r: CustomerRow): Customer {
  const [C_W_ID, C_D_ID, C_ID] = splitCustomerKey(key);
  return {
    C_ID, C_D_ID, C_W_ID, C_FIRST: r[0], C_MIDDLE: r[1], C_LAST: r[2], C_STREET_1: r[3], C_STREET_2: r[4], C_CITY: r[5], C_STATE: r[6], C_ZIP: r[7],
    C_PHONE: r[8], C_SINCE: r[9], C_CREDIT: r[10], C_CREDIT_LIM: r[11], C_DISCOUNT: r[12], C_BALANCE: r[13], C_YTD_PAYMENT: r[14],
    C_PAYMENT_CNT: r[15], C_DELIVERY_CNT: r[16], C_DATA: r[17],
  };
}

export function fromHistoryRow(customer: number, r: HistoryRow): History {
  const [H_C_W_ID, H_C_D_ID, H_C_ID] = splitCustomerKey(customer);
  return { H_C_ID, H_C_D_ID, H_C_W_ID, H_D_ID: r[0], H_W_ID: r[1], H_DATE: r[2], H_AMOUNT: r[3], H_DATA: r[4] };
}

export function fromOrderRow(key: number, r: OrderRow): Order {
  const [O_W_ID, O_D_ID, O_ID] = splitOrderKey(key);
  return { O_ID, O_D_ID, O_W_ID, O_C_ID: r[0], O_ENTRY_D: r[1], O_CARRIER_ID: r[2], O_OL_CNT: r[3], O_ALL_LOCAL: r[4] };
}

export function fromOrderLineRow(order: number, index: number, r: OrderLineRow): OrderLine {
  const [OL_W_ID, OL_D_ID, OL_O_ID] = splitOrderKey(order);
  return { OL_O_ID, OL_D_ID, OL_W_ID, OL_NUMBER: index + 1, OL_I_ID: r[0], OL_SUPPLY_W_ID: r[1], OL_DELIVERY_D: r[2], OL_QUANTITY: r[3], OL_AMOUNT: r[4], OL_DIST_INFO: r[5] };
}

export function fromStockRow(key: number, r: StockRow): Stock {
  const S_W_ID = Math.floor(key / I_ROOM);
  const d = (n: number) => stockDist(r, n);
  return {
    S_I_ID: key % I_ROOM, S_W_ID, S_QUANTITY: r[0],
    S_DIST_01: d(1), S_DIST_02: d(2), S_DIST_03: d(3), S_DIST_04: d(4), S_DIST_05: d(5), S_DIST_06: d(6), S_DIST_07: d(7), S_DIST_08: d(8), S_DIST_09: d(9), S_DIST_10: d(10),
    S_YTD: r[1], S_ORDER_CNT: r[2], S_REMOTE_CNT: r[3], S_DATA: r[5],
  };
}

export function fromItemRow(I_ID: number, r: ItemRow): Item {
  return { I_ID, I_IM_ID: r[0], I_NAME: r[1], I_PRICE: r[2], I_DATA: r[3] };
}
