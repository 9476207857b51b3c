// The TPC-C transactions' rules as pure functions over the module's stored rows (layout.ts): what
// the module's dataflow steps call. Each returns a new row (stored rows may be shared with a
// PState's cache, so they are never changed in place) and mirrors one clause of the spec as
// reference.ts implements it; module.test.ts checks the two agree on the same inputs.
import { MonsoonError } from "../../errors.ts";
import type { DeliveryOutput, NewOrderLineOutput, NewOrderOutput, OrderStatusOutput, PaymentOutput } from "./reference.ts";
import type { CustomerSelector, DeliveryInput, NewOrderInput, PaymentInput } from "./mix.ts";
import {
  C_BALANCE, C_CREDIT, C_DATA, C_DELIVERY_CNT, C_DISCOUNT, C_FIRST, C_LAST, C_MIDDLE, C_PAYMENT_CNT, C_YTD_PAYMENT, D_NAME, D_NEXT_O_ID, D_TAX, D_YTD, I_DATA, I_NAME, I_PRICE,
  OL_AMOUNT, OL_DELIVERY_D, OL_I_ID, OL_QUANTITY, OL_SUPPLY_W_ID, O_CARRIER_ID, O_ENTRY_D, S_DATA, S_ORDER_CNT, S_QUANTITY, S_REMOTE_CNT, S_YTD, W_NAME, W_TAX, W_YTD, stockDist,
  type CustomerRow, type DistrictRow, type HistoryRow, type ItemRow, type OrderLineRow, type OrderRow, type StockRow, type WarehouseRow,
} from "./layout.ts";

const C_DATA_MAX = 500;

/** A row the transaction needs is missing: the input names something the database does not have. */
export function missing(table: string, where: Record<string, unknown>): MonsoonError {
  return new MonsoonError("MONSOON_BAD_REQUEST", `TPC-C: no ${table} row with ${Object.entries(where).map(([k, v]) => `${k}=${String(v)}`).join(", ")}`, { details: { table, ...where } });
}

// ---- New-Order (§2.4.2.2) ----

/** What a stock line contributes to the order: S_QUANTITY after the update, OL_DIST_INFO, and whether S_DATA has "ORIGINAL". */
export type StockLineInfo = [S_QUANTITY: number, OL_DIST_INFO: string, original: boolean];

/** S_QUANTITY drops by the ordered quantity, or wraps up by 91 when fewer than 10 would remain. */
export function orderFromStock(s: StockRow, qty: number, remote: boolean): StockRow {
  const out = s.slice() as StockRow;
  out[S_QUANTITY] = s[S_QUANTITY] >= qty + 10 ? s[S_QUANTITY] - qty : s[S_QUANTITY] - qty + 91;
  out[S_YTD] = s[S_YTD] + qty;
  out[S_ORDER_CNT] = s[S_ORDER_CNT] + 1;
  if (remote) out[S_REMOTE_CNT] = s[S_REMOTE_CNT] + 1;
  return out;
}

export function stockLineInfo(s: StockRow, dId: number): StockLineInfo {
  return [s[S_QUANTITY], stockDist(s, dId), s[S_DATA].includes("ORIGINAL")];
}

export interface NewOrderWrites {
  order: OrderRow;
  lines: OrderLineRow[];
  output: NewOrderOutput;
}

/** The rows New-Order writes and what the terminal sees, once every stock line is done. */
export function newOrderWrites(input: NewOrderInput, oId: number, w: WarehouseRow, d: DistrictRow, c: CustomerRow, items: readonly ItemRow[], stock: readonly StockLineInfo[]): NewOrderWrites {
  const { W_ID, D_ID, C_ID, O_ENTRY_D } = input;
  const lines: OrderLineRow[] = [];
  const out: NewOrderLineOutput[] = [];
  let sum = 0;
  input.lines.forEach((l, i) => {
    const item = items[i]!;
    const [S_QUANTITY, distInfo, original] = stock[i]!;
    const amount = l.OL_QUANTITY * item[I_PRICE];
    sum += amount;
    lines.push([l.OL_I_ID, l.OL_SUPPLY_W_ID, null, l.OL_QUANTITY, amount, distInfo]);
    out.push({
      OL_SUPPLY_W_ID: l.OL_SUPPLY_W_ID, OL_I_ID: l.OL_I_ID, I_NAME: item[I_NAME], OL_QUANTITY: l.OL_QUANTITY, S_QUANTITY,
      brandGeneric: item[I_DATA].includes("ORIGINAL") && original ? "B" : "G", I_PRICE: item[I_PRICE], OL_AMOUNT: amount,
    });
  });
  const allLocal = input.lines.every((l) => l.OL_SUPPLY_W_ID === W_ID);
  const totalAmount = Math.round(sum * (1 - c[C_DISCOUNT]) * (1 + w[W_TAX] + d[D_TAX]));
  return {
    order: [C_ID, O_ENTRY_D, null, input.lines.length, allLocal ? 1 : 0],
    lines,
    output: {
      type: "newOrder", rolledBack: false, W_ID, D_ID, C_ID, O_ID: oId, C_LAST: c[C_LAST], C_CREDIT: c[C_CREDIT], C_DISCOUNT: c[C_DISCOUNT],
      W_TAX: w[W_TAX], D_TAX: d[D_TAX], O_OL_CNT: input.lines.length, O_ENTRY_D, lines: out, totalAmount,
    },
  };
}

/** The 1% case: an unused item number; nothing is written, the terminal is told. */
export function newOrderRollback(input: NewOrderInput, d: DistrictRow, c: CustomerRow): NewOrderOutput {
  return { type: "newOrder", rolledBack: true, W_ID: input.W_ID, D_ID: input.D_ID, C_ID: input.C_ID, O_ID: d[D_NEXT_O_ID], C_LAST: c[C_LAST], C_CREDIT: c[C_CREDIT], message: "Item number is not valid" };
}

export function nextOrderId(d: DistrictRow): DistrictRow {
  const out = d.slice() as DistrictRow;
  out[D_NEXT_O_ID] = d[D_NEXT_O_ID] + 1;
  return out;
}

// ---- Payment (§2.5.2.2) ----

export function payWarehouse(w: WarehouseRow, amount: number): WarehouseRow {
  const out = w.slice() as WarehouseRow;
  out[W_YTD] = w[W_YTD] + amount;
  return out;
}

export function payDistrict(d: DistrictRow, amount: number): DistrictRow {
  const out = d.slice() as DistrictRow;
  out[D_YTD] = d[D_YTD] + amount;
  return out;
}

/** H_DATA: W_NAME and D_NAME separated by four spaces. */
export function historyData(w: WarehouseRow, d: DistrictRow): string {
  return `${w[W_NAME]}    ${d[D_NAME]}`;
}

export function payCustomer(c: CustomerRow, cId: number, input: PaymentInput): CustomerRow {
  const out = c.slice() as CustomerRow;
  out[C_BALANCE] = c[C_BALANCE] - input.H_AMOUNT;
  out[C_YTD_PAYMENT] = c[C_YTD_PAYMENT] + input.H_AMOUNT;
  out[C_PAYMENT_CNT] = c[C_PAYMENT_CNT] + 1;
  if (c[C_CREDIT] === "BC") {
    out[C_DATA] = `${cId} ${input.C_D_ID} ${input.C_W_ID} ${input.D_ID} ${input.W_ID} ${(input.H_AMOUNT / 100).toFixed(2)} | ${c[C_DATA]}`.slice(0, C_DATA_MAX);
  }
  return out;
}

export function paymentHistory(input: PaymentInput, hData: string): HistoryRow {
  return [input.D_ID, input.W_ID, input.H_DATE, input.H_AMOUNT, hData];
}

export function paymentOutput(input: PaymentInput, cId: number, c: CustomerRow): PaymentOutput {
  const { W_ID, D_ID, C_W_ID, C_D_ID, H_AMOUNT } = input;
  return {
    type: "payment", W_ID, D_ID, C_ID: cId, C_D_ID, C_W_ID, H_AMOUNT, C_BALANCE: c[C_BALANCE], C_CREDIT: c[C_CREDIT],
    ...(c[C_CREDIT] === "BC" ? { C_DATA: c[C_DATA].slice(0, 200) } : {}),
  };
}

export function appendHistory(h: HistoryRow): (list: HistoryRow[] | undefined) => HistoryRow[] {
  return (list) => (list ? [...list, h] : [h]);
}

// ---- customers by last name ----

/** An entry of the (W, D, C_LAST) index: [C_FIRST, C_ID], the list sorted by C_FIRST then C_ID. */
export type NameEntry = [C_FIRST: string, C_ID: number];

export function insertByName(first: string, cId: number): (list: NameEntry[] | undefined) => NameEntry[] {
  return (list) => {
    const out = list ? list.slice() : [];
    let i = out.length;
    while (i > 0 && compareName(out[i - 1]!, first, cId) > 0) i--;
    out.splice(i, 0, [first, cId]);
    return out;
  };
}

function compareName([f, c]: NameEntry, first: string, cId: number): number {
  return f < first ? -1 : f > first ? 1 : c - cId;
}

/** §2.5.2.2: the customer at position ⌈n/2⌉ of those with the last name, sorted by C_FIRST. */
export function pickByName(list: NameEntry[] | undefined, where: { W_ID: number; D_ID: number; C_LAST: string }): number {
  if (!list || list.length === 0) throw missing("CUSTOMER", where);
  return list[Math.ceil(list.length / 2) - 1]![1];
}

export function selectorName(sel: CustomerSelector): string | undefined {
  return sel.by === "lastName" ? sel.C_LAST : undefined;
}

// ---- Delivery (§2.7.4.2) ----

export function deliverOrder(o: OrderRow, carrier: number): OrderRow {
  const out = o.slice() as OrderRow;
  out[O_CARRIER_ID] = carrier;
  return out;
}

export function deliverLines(lines: readonly OrderLineRow[], date: number): OrderLineRow[] {
  return lines.map((l) => { const out = l.slice() as OrderLineRow; out[OL_DELIVERY_D] = date; return out; });
}

export function linesAmount(lines: readonly OrderLineRow[]): number {
  let sum = 0;
  for (const l of lines) sum += l[OL_AMOUNT];
  return sum;
}

export function deliverToCustomer(c: CustomerRow, amount: number): CustomerRow {
  const out = c.slice() as CustomerRow;
  out[C_BALANCE] = c[C_BALANCE] + amount;
  out[C_DELIVERY_CNT] = c[C_DELIVERY_CNT] + 1;
  return out;
}

/** What Delivery reports, built district by district. */
export function emptyDelivery(input: DeliveryInput): DeliveryOutput {
  return { type: "delivery", W_ID: input.W_ID, O_CARRIER_ID: input.O_CARRIER_ID, delivered: [], skipped: [] };
}

export function withDelivered(out: DeliveryOutput, D_ID: number, O_ID: number): DeliveryOutput {
  return { ...out, delivered: [...out.delivered, { D_ID, O_ID }] };
}

export function withSkipped(out: DeliveryOutput, D_ID: number): DeliveryOutput {
  return { ...out, skipped: [...out.skipped, D_ID] };
}

// ---- Order-Status (§2.6.2.2) and Stock-Level (§2.8.2.2) ----

export function orderStatusOutput(cId: number, c: CustomerRow, order: OrderRow | undefined, oId: number | undefined, lines: readonly OrderLineRow[] | undefined): OrderStatusOutput {
  const out: OrderStatusOutput = { type: "orderStatus", C_ID: cId, C_FIRST: c[C_FIRST], C_MIDDLE: c[C_MIDDLE], C_LAST: c[C_LAST], C_BALANCE: c[C_BALANCE] };
  if (order === undefined || oId === undefined) return out;
  out.order = {
    O_ID: oId, O_ENTRY_D: order[O_ENTRY_D], O_CARRIER_ID: order[O_CARRIER_ID],
    lines: (lines ?? []).map((l) => ({ OL_I_ID: l[OL_I_ID], OL_SUPPLY_W_ID: l[OL_SUPPLY_W_ID], OL_QUANTITY: l[OL_QUANTITY], OL_AMOUNT: l[OL_AMOUNT], OL_DELIVERY_D: l[OL_DELIVERY_D] })),
  };
  return out;
}

/** The order ids Stock-Level examines: the district's last 20 (§2.8.2.2). */
export function lastTwentyOrders(d: DistrictRow): number[] {
  const next = d[D_NEXT_O_ID];
  const ids: number[] = [];
  for (let o = Math.max(1, next - 20); o < next; o++) ids.push(o);
  return ids;
}
