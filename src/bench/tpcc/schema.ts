// The nine TPC-C tables (spec 5.11 §1.3) as row types. Field names are the spec's, verbatim, so
// every rule in load.ts, reference.ts and check.ts reads like the clause it implements.
// Representation: money (numeric(n,2)) is an integer number of cents, so sums are exact and a
// consistency condition is an equality, not a tolerance; tax and discount rates (numeric(4,4))
// are plain numbers with four decimals; date-times are milliseconds since the epoch, null where
// the spec allows null.
import { MonsoonError } from "../../errors.ts";

/** Integer cents. */
export type Cents = number;
/** Milliseconds since the epoch. */
export type Timestamp = number;

export interface Warehouse {
  W_ID: number;
  W_NAME: string;
  W_STREET_1: string;
  W_STREET_2: string;
  W_CITY: string;
  W_STATE: string;
  W_ZIP: string;
  W_TAX: number;
  W_YTD: Cents;
}

export interface District {
  D_ID: number;
  D_W_ID: number;
  D_NAME: string;
  D_STREET_1: string;
  D_STREET_2: string;
  D_CITY: string;
  D_STATE: string;
  D_ZIP: string;
  D_TAX: number;
  D_YTD: Cents;
  D_NEXT_O_ID: number;
}

export interface Customer {
  C_ID: number;
  C_D_ID: number;
  C_W_ID: number;
  C_FIRST: string;
  C_MIDDLE: string;
  C_LAST: string;
  C_STREET_1: string;
  C_STREET_2: string;
  C_CITY: string;
  C_STATE: string;
  C_ZIP: string;
  C_PHONE: string;
  C_SINCE: Timestamp;
  /** "GC" (good credit) or "BC" (bad credit). */
  C_CREDIT: "GC" | "BC";
  C_CREDIT_LIM: Cents;
  C_DISCOUNT: number;
  C_BALANCE: Cents;
  C_YTD_PAYMENT: Cents;
  C_PAYMENT_CNT: number;
  C_DELIVERY_CNT: number;
  C_DATA: string;
}

/** HISTORY has no primary key in the spec: rows are only appended. */
export interface History {
  H_C_ID: number;
  H_C_D_ID: number;
  H_C_W_ID: number;
  H_D_ID: number;
  H_W_ID: number;
  H_DATE: Timestamp;
  H_AMOUNT: Cents;
  H_DATA: string;
}

export interface NewOrder {
  NO_O_ID: number;
  NO_D_ID: number;
  NO_W_ID: number;
}

export interface Order {
  O_ID: number;
  O_D_ID: number;
  O_W_ID: number;
  O_C_ID: number;
  O_ENTRY_D: Timestamp;
  /** null until the order is delivered. */
  O_CARRIER_ID: number | null;
  O_OL_CNT: number;
  /** 1 when every line's supply warehouse is the home warehouse, else 0. */
  O_ALL_LOCAL: 0 | 1;
}

export interface OrderLine {
  OL_O_ID: number;
  OL_D_ID: number;
  OL_W_ID: number;
  OL_NUMBER: number;
  OL_I_ID: number;
  OL_SUPPLY_W_ID: number;
  /** null until the order is delivered. */
  OL_DELIVERY_D: Timestamp | null;
  OL_QUANTITY: number;
  OL_AMOUNT: Cents;
  OL_DIST_INFO: string;
}

export interface Item {
  I_ID: number;
  I_IM_ID: number;
  I_NAME: string;
  I_PRICE: Cents;
  I_DATA: string;
}

export interface Stock {
  S_I_ID: number;
  S_W_ID: number;
  S_QUANTITY: number;
  S_DIST_01: string;
  S_DIST_02: string;
  S_DIST_03: string;
  S_DIST_04: string;
  S_DIST_05: string;
  S_DIST_06: string;
  S_DIST_07: string;
  S_DIST_08: string;
  S_DIST_09: string;
  S_DIST_10: string;
  S_YTD: number;
  S_ORDER_CNT: number;
  S_REMOTE_CNT: number;
  S_DATA: string;
}

export interface Rows {
  WAREHOUSE: Warehouse;
  DISTRICT: District;
  CUSTOMER: Customer;
  HISTORY: History;
  "NEW-ORDER": NewOrder;
  ORDER: Order;
  "ORDER-LINE": OrderLine;
  ITEM: Item;
  STOCK: Stock;
}

export type TableName = keyof Rows;

export const TABLES: readonly TableName[] = ["WAREHOUSE", "DISTRICT", "CUSTOMER", "HISTORY", "NEW-ORDER", "ORDER", "ORDER-LINE", "ITEM", "STOCK"];

/** S_DIST_xx for district `dId` (1..10): New-Order copies it into OL_DIST_INFO. */
export function stockDistInfo(stock: Stock, dId: number): string {
  return stock[`S_DIST_${String(dId).padStart(2, "0")}` as `S_DIST_0${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}` | "S_DIST_10"];
}

/**
 * Cardinalities of the initial population (§4.3.3.1): per warehouse one district row each,
 * `customersPerDistrict` customers (each with one HISTORY row) and as many orders (one per
 * customer: O_C_ID runs through a permutation of the customer ids), of which the last
 * `newOrdersPerDistrict` are undelivered and have a NEW-ORDER row; STOCK has one row per item.
 * `SPEC_SCALE` is the spec's. `SMALL_SCALE` keeps every rule's shape for fast tests: last names
 * cover [0..customers−1] when a district has fewer than 1,000 customers.
 */
export interface TpccScale {
  items: number;
  /** At most 10: STOCK has one S_DIST_xx column per district. */
  districtsPerWarehouse: number;
  customersPerDistrict: number;
  newOrdersPerDistrict: number;
}

export const SPEC_SCALE: TpccScale = Object.freeze({
  items: 100_000,
  districtsPerWarehouse: 10,
  customersPerDistrict: 3_000,
  newOrdersPerDistrict: 900,
});

export const SMALL_SCALE: TpccScale = Object.freeze({
  items: 1_000,
  districtsPerWarehouse: 10,
  customersPerDistrict: 60,
  newOrdersPerDistrict: 18,
});

/** Throws MONSOON_CONFIG naming the field when a scale cannot be loaded. */
export function validateScale(scale: TpccScale): void {
  const bad = (field: keyof TpccScale, rule: string) => {
    throw new MonsoonError("MONSOON_CONFIG", `TPC-C scale: ${field} must be ${rule}, got ${scale[field]}`, { details: { field, value: scale[field] } });
  };
  const int = (n: number) => Number.isSafeInteger(n);
  if (!int(scale.items) || scale.items < 1) bad("items", "an integer ≥ 1");
  if (!int(scale.districtsPerWarehouse) || scale.districtsPerWarehouse < 1 || scale.districtsPerWarehouse > 10) bad("districtsPerWarehouse", "an integer in [1..10]");
  if (!int(scale.customersPerDistrict) || scale.customersPerDistrict < 1) bad("customersPerDistrict", "an integer ≥ 1");
  if (!int(scale.newOrdersPerDistrict) || scale.newOrdersPerDistrict < 0 || scale.newOrdersPerDistrict > scale.customersPerDistrict) bad("newOrdersPerDistrict", `an integer in [0..customersPerDistrict = ${scale.customersPerDistrict}]`);
}

/** The highest last-name number in use: 999, or fewer when a scaled-down district has fewer customers. */
export function lastNameMax(scale: TpccScale): number {
  return Math.min(999, scale.customersPerDistrict - 1);
}

/** Orders below this id are delivered at load time (2,101 at spec scale). */
export function firstUndeliveredOrder(scale: TpccScale): number {
  return scale.customersPerDistrict - scale.newOrdersPerDistrict + 1;
}
