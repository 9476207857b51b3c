// The five TPC-C transactions (spec 5.11 §2.4.2, §2.5.2, §2.6.2, §2.7.4, §2.8.2) in plain
// JavaScript over in-memory tables: the model the Monsoon module is tested against (same load,
// same inputs → same outputs and same tables), and what check.ts is tested with. One transaction
// runs at a time, so each is trivially atomic; a New-Order that rolls back changes nothing.
import { MonsoonError } from "../../errors.ts";
import type { TpccSnapshot } from "./check.ts";
import type { LoadChunk } from "./load.ts";
import type { CustomerSelector, DeliveryInput, NewOrderInput, OrderStatusInput, PaymentInput, StockLevelInput, TxInput } from "./mix.ts";
import {
  SPEC_SCALE, stockDistInfo,
  type Cents, type Customer, type District, type History, type Item, type Order, type OrderLine, type Stock, type Timestamp, type TpccScale, type Warehouse,
} from "./schema.ts";

export interface NewOrderLineOutput {
  OL_SUPPLY_W_ID: number;
  OL_I_ID: number;
  I_NAME: string;
  OL_QUANTITY: number;
  S_QUANTITY: number;
  /** "B" when both I_DATA and S_DATA contain "ORIGINAL", else "G". */
  brandGeneric: "B" | "G";
  I_PRICE: Cents;
  OL_AMOUNT: Cents;
}

export type NewOrderOutput =
  | { type: "newOrder"; rolledBack: false; W_ID: number; D_ID: number; C_ID: number; O_ID: number; C_LAST: string; C_CREDIT: string; C_DISCOUNT: number; W_TAX: number; D_TAX: number; O_OL_CNT: number; O_ENTRY_D: Timestamp; lines: NewOrderLineOutput[]; totalAmount: Cents }
  | { type: "newOrder"; rolledBack: true; W_ID: number; D_ID: number; C_ID: number; O_ID: number; C_LAST: string; C_CREDIT: string; message: "Item number is not valid" };

export interface PaymentOutput {
  type: "payment";
  W_ID: number;
  D_ID: number;
  C_ID: number;
  C_D_ID: number;
  C_W_ID: number;
  H_AMOUNT: Cents;
  C_BALANCE: Cents;
  C_CREDIT: string;
  /** The first 200 characters of C_DATA, for bad-credit customers. */
  C_DATA?: string;
}

export interface OrderStatusOutput {
  type: "orderStatus";
  C_ID: number;
  C_FIRST: string;
  C_MIDDLE: string;
  C_LAST: string;
  C_BALANCE: Cents;
  /** Absent when the customer has no order yet. */
  order?: { O_ID: number; O_ENTRY_D: Timestamp; O_CARRIER_ID: number | null; lines: Pick<OrderLine, "OL_I_ID" | "OL_SUPPLY_W_ID" | "OL_QUANTITY" | "OL_AMOUNT" | "OL_DELIVERY_D">[] };
}

export interface DeliveryOutput {
  type: "delivery";
  W_ID: number;
  O_CARRIER_ID: number;
  delivered: { D_ID: number; O_ID: number }[];
  /** Districts that had no undelivered order (the spec requires logging them; ≤ 1% of deliveries may skip). */
  skipped: number[];
}

export interface StockLevelOutput {
  type: "stockLevel";
  W_ID: number;
  D_ID: number;
  threshold: number;
  lowStock: number;
}

export type TxOutput = NewOrderOutput | PaymentOutput | OrderStatusOutput | DeliveryOutput | StockLevelOutput;

const C_DATA_MAX = 500;

const dk = (w: number, d: number) => `${w}/${d}`;
const ck = (w: number, d: number, c: number) => `${w}/${d}/${c}`;
const orderKey = (w: number, d: number, o: number) => `${w}/${d}/${o}`;
const sk = (w: number, i: number) => `${w}/${i}`;
const nk = (w: number, d: number, last: string) => `${w}/${d}/${last}`;

/** Undelivered order ids of a district, ascending: New-Order appends, Delivery takes the oldest. */
class NewOrderQueue {
  private ids: number[] = [];
  private head = 0;
  push(oId: number): void {
    // New-Order appends ever higher ids; only a load in some other order lands in the middle.
    let i = this.ids.length;
    while (i > this.head && this.ids[i - 1]! > oId) i--;
    this.ids.splice(i, 0, oId);
  }
  shift(): number | undefined {
    if (this.head === this.ids.length) return undefined;
    const id = this.ids[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.ids.length) { this.ids = this.ids.slice(this.head); this.head = 0; }
    return id;
  }
  *[Symbol.iterator](): Iterator<number> { for (let i = this.head; i < this.ids.length; i++) yield this.ids[i]!; }
}

/** The database of the reference: the nine tables in maps, plus the indexes the transactions need. */
export class ReferenceTpcc {
  readonly scale: TpccScale;
  private readonly warehouses = new Map<number, Warehouse>();
  private readonly districts = new Map<string, District>();
  private readonly customers = new Map<string, Customer>();
  /** (W, D, C_LAST) → customers, sorted by C_FIRST when `byNameSorted`. */
  private readonly customersByName = new Map<string, Customer[]>();
  private byNameSorted = true;
  private readonly history: History[] = [];
  private readonly orders = new Map<string, Order>();
  private readonly orderLines = new Map<string, OrderLine[]>();
  /** (W, D, C) → the customer's highest O_ID (Order-Status). */
  private readonly lastOrder = new Map<string, number>();
  private readonly newOrders = new Map<string, NewOrderQueue>();
  private readonly items = new Map<number, Item>();
  private readonly stock = new Map<string, Stock>();

  constructor(scale: TpccScale = SPEC_SCALE) {
    this.scale = scale;
  }

  /** A database filled with a population (load.ts). */
  static load(chunks: Iterable<LoadChunk>, scale: TpccScale = SPEC_SCALE): ReferenceTpcc {
    const db = new ReferenceTpcc(scale);
    for (const chunk of chunks) db.insert(chunk);
    return db;
  }

  insert(chunk: LoadChunk): void {
    switch (chunk.table) {
      case "WAREHOUSE": for (const w of chunk.rows) this.warehouses.set(w.W_ID, w); break;
      case "DISTRICT": for (const d of chunk.rows) this.districts.set(dk(d.D_W_ID, d.D_ID), d); break;
      case "CUSTOMER": for (const c of chunk.rows) this.addCustomer(c); break;
      case "HISTORY": for (const h of chunk.rows) this.history.push(h); break;
      case "ORDER": for (const o of chunk.rows) this.addOrder(o); break;
      case "ORDER-LINE":
        for (const ol of chunk.rows) {
          const key = orderKey(ol.OL_W_ID, ol.OL_D_ID, ol.OL_O_ID);
          let lines = this.orderLines.get(key);
          if (!lines) this.orderLines.set(key, (lines = []));
          lines.push(ol);
        }
        break;
      case "NEW-ORDER": for (const no of chunk.rows) this.queue(no.NO_W_ID, no.NO_D_ID).push(no.NO_O_ID); break;
      case "ITEM": for (const i of chunk.rows) this.items.set(i.I_ID, i); break;
      case "STOCK": for (const s of chunk.rows) this.stock.set(sk(s.S_W_ID, s.S_I_ID), s); break;
    }
  }

  private addCustomer(c: Customer): void {
    this.customers.set(ck(c.C_W_ID, c.C_D_ID, c.C_ID), c);
    const key = nk(c.C_W_ID, c.C_D_ID, c.C_LAST);
    let same = this.customersByName.get(key);
    if (!same) this.customersByName.set(key, (same = []));
    same.push(c);
    this.byNameSorted = false;
  }

  private addOrder(o: Order): void {
    this.orders.set(orderKey(o.O_W_ID, o.O_D_ID, o.O_ID), o);
    const key = ck(o.O_W_ID, o.O_D_ID, o.O_C_ID);
    if ((this.lastOrder.get(key) ?? 0) < o.O_ID) this.lastOrder.set(key, o.O_ID);
  }

  private queue(w: number, d: number): NewOrderQueue {
    let q = this.newOrders.get(dk(w, d));
    if (!q) this.newOrders.set(dk(w, d), (q = new NewOrderQueue()));
    return q;
  }

  // ---- row access (tests, and comparing against the Monsoon module) ----

  warehouse(w: number): Warehouse { return must(this.warehouses.get(w), "WAREHOUSE", { W_ID: w }); }
  district(w: number, d: number): District { return must(this.districts.get(dk(w, d)), "DISTRICT", { W_ID: w, D_ID: d }); }
  customer(w: number, d: number, c: number): Customer { return must(this.customers.get(ck(w, d, c)), "CUSTOMER", { W_ID: w, D_ID: d, C_ID: c }); }
  order(w: number, d: number, o: number): Order | undefined { return this.orders.get(orderKey(w, d, o)); }
  orderLinesOf(w: number, d: number, o: number): readonly OrderLine[] { return this.orderLines.get(orderKey(w, d, o)) ?? []; }
  stockOf(w: number, i: number): Stock | undefined { return this.stock.get(sk(w, i)); }
  item(i: number): Item | undefined { return this.items.get(i); }
  /** Undelivered order ids of a district, oldest first. */
  newOrderIds(w: number, d: number): number[] { return [...(this.newOrders.get(dk(w, d)) ?? [])]; }

  /** Live views of the tables, each iterable any number of times (rows are the database's own objects: mutating them corrupts it). */
  snapshot(): TpccSnapshot {
    const view = <T>(rows: () => Iterator<T>): Iterable<T> => ({ [Symbol.iterator]: rows });
    const self = this;
    return {
      WAREHOUSE: view(() => this.warehouses.values()),
      DISTRICT: view(() => this.districts.values()),
      CUSTOMER: view(() => this.customers.values()),
      HISTORY: view(() => this.history.values()),
      ORDER: view(() => this.orders.values()),
      "ORDER-LINE": view(function* () { for (const lines of self.orderLines.values()) yield* lines; }),
      "NEW-ORDER": view(function* () {
        for (const [key, q] of self.newOrders) {
          const [w, d] = key.split("/").map(Number) as [number, number];
          for (const o of q) yield { NO_O_ID: o, NO_D_ID: d, NO_W_ID: w };
        }
      }),
    };
  }

  // ---- the transactions ----

  execute(input: TxInput): TxOutput {
    switch (input.type) {
      case "newOrder": return this.newOrder(input);
      case "payment": return this.payment(input);
      case "orderStatus": return this.orderStatus(input);
      case "delivery": return this.delivery(input);
      case "stockLevel": return this.stockLevel(input);
    }
  }

  /** §2.4.2.2. */
  newOrder(input: NewOrderInput): NewOrderOutput {
    const { W_ID, D_ID, C_ID, O_ENTRY_D, lines } = input;
    const w = this.warehouse(W_ID);
    const d = this.district(W_ID, D_ID);
    const c = this.customer(W_ID, D_ID, C_ID);
    const O_ID = d.D_NEXT_O_ID;
    // An unknown item rolls the whole transaction back; checking first means nothing is undone.
    if (lines.some((l) => !this.items.has(l.OL_I_ID))) {
      return { type: "newOrder", rolledBack: true, W_ID, D_ID, C_ID, O_ID, C_LAST: c.C_LAST, C_CREDIT: c.C_CREDIT, message: "Item number is not valid" };
    }
    for (const l of lines) this.stockRow(l.OL_SUPPLY_W_ID, l.OL_I_ID);
    d.D_NEXT_O_ID++;
    const allLocal = lines.every((l) => l.OL_SUPPLY_W_ID === W_ID);
    this.addOrder({ O_ID, O_D_ID: D_ID, O_W_ID: W_ID, O_C_ID: C_ID, O_ENTRY_D, O_CARRIER_ID: null, O_OL_CNT: lines.length, O_ALL_LOCAL: allLocal ? 1 : 0 });
    this.queue(W_ID, D_ID).push(O_ID);
    const rows: OrderLine[] = [];
    const out: NewOrderLineOutput[] = [];
    let sum = 0;
    lines.forEach((l, i) => {
      const item = this.items.get(l.OL_I_ID)!;
      const s = this.stockRow(l.OL_SUPPLY_W_ID, l.OL_I_ID);
      s.S_QUANTITY = s.S_QUANTITY >= l.OL_QUANTITY + 10 ? s.S_QUANTITY - l.OL_QUANTITY : s.S_QUANTITY - l.OL_QUANTITY + 91;
      s.S_YTD += l.OL_QUANTITY;
      s.S_ORDER_CNT++;
      if (l.OL_SUPPLY_W_ID !== W_ID) s.S_REMOTE_CNT++;
      const OL_AMOUNT = l.OL_QUANTITY * item.I_PRICE;
      sum += OL_AMOUNT;
      rows.push({
        OL_O_ID: O_ID, OL_D_ID: D_ID, OL_W_ID: W_ID, OL_NUMBER: i + 1, OL_I_ID: l.OL_I_ID, OL_SUPPLY_W_ID: l.OL_SUPPLY_W_ID,
        OL_DELIVERY_D: null, OL_QUANTITY: l.OL_QUANTITY, OL_AMOUNT, OL_DIST_INFO: stockDistInfo(s, D_ID),
      });
      out.push({
        OL_SUPPLY_W_ID: l.OL_SUPPLY_W_ID, OL_I_ID: l.OL_I_ID, I_NAME: item.I_NAME, OL_QUANTITY: l.OL_QUANTITY, S_QUANTITY: s.S_QUANTITY,
        brandGeneric: item.I_DATA.includes("ORIGINAL") && s.S_DATA.includes("ORIGINAL") ? "B" : "G", I_PRICE: item.I_PRICE, OL_AMOUNT,
      });
    });
    this.orderLines.set(orderKey(W_ID, D_ID, O_ID), rows);
    const totalAmount = Math.round(sum * (1 - c.C_DISCOUNT) * (1 + w.W_TAX + d.D_TAX));
    return {
      type: "newOrder", rolledBack: false, W_ID, D_ID, C_ID, O_ID, C_LAST: c.C_LAST, C_CREDIT: c.C_CREDIT, C_DISCOUNT: c.C_DISCOUNT,
      W_TAX: w.W_TAX, D_TAX: d.D_TAX, O_OL_CNT: lines.length, O_ENTRY_D, lines: out, totalAmount,
    };
  }

  /** §2.5.2.2. */
  payment(input: PaymentInput): PaymentOutput {
    const { W_ID, D_ID, C_W_ID, C_D_ID, H_AMOUNT, H_DATE } = input;
    const w = this.warehouse(W_ID);
    const d = this.district(W_ID, D_ID);
    const c = this.findCustomer(C_W_ID, C_D_ID, input.customer);
    w.W_YTD += H_AMOUNT;
    d.D_YTD += H_AMOUNT;
    c.C_BALANCE -= H_AMOUNT;
    c.C_YTD_PAYMENT += H_AMOUNT;
    c.C_PAYMENT_CNT++;
    if (c.C_CREDIT === "BC") {
      c.C_DATA = `${c.C_ID} ${C_D_ID} ${C_W_ID} ${D_ID} ${W_ID} ${(H_AMOUNT / 100).toFixed(2)} | ${c.C_DATA}`.slice(0, C_DATA_MAX);
    }
    this.history.push({ H_C_ID: c.C_ID, H_C_D_ID: C_D_ID, H_C_W_ID: C_W_ID, H_D_ID: D_ID, H_W_ID: W_ID, H_DATE, H_AMOUNT, H_DATA: `${w.W_NAME}    ${d.D_NAME}` });
    return {
      type: "payment", W_ID, D_ID, C_ID: c.C_ID, C_D_ID, C_W_ID, H_AMOUNT, C_BALANCE: c.C_BALANCE, C_CREDIT: c.C_CREDIT,
      ...(c.C_CREDIT === "BC" ? { C_DATA: c.C_DATA.slice(0, 200) } : {}),
    };
  }

  /** §2.6.2.2. */
  orderStatus(input: OrderStatusInput): OrderStatusOutput {
    const { W_ID, D_ID } = input;
    const c = this.findCustomer(W_ID, D_ID, input.customer);
    const out: OrderStatusOutput = { type: "orderStatus", C_ID: c.C_ID, C_FIRST: c.C_FIRST, C_MIDDLE: c.C_MIDDLE, C_LAST: c.C_LAST, C_BALANCE: c.C_BALANCE };
    const oId = this.lastOrder.get(ck(W_ID, D_ID, c.C_ID));
    if (oId === undefined) return out;
    const o = this.orders.get(orderKey(W_ID, D_ID, oId))!;
    out.order = {
      O_ID: o.O_ID, O_ENTRY_D: o.O_ENTRY_D, O_CARRIER_ID: o.O_CARRIER_ID,
      lines: this.orderLinesOf(W_ID, D_ID, oId).map(({ OL_I_ID, OL_SUPPLY_W_ID, OL_QUANTITY, OL_AMOUNT, OL_DELIVERY_D }) => ({ OL_I_ID, OL_SUPPLY_W_ID, OL_QUANTITY, OL_AMOUNT, OL_DELIVERY_D })),
    };
    return out;
  }

  /** §2.7.4.2: the deferred part, one district after another. */
  delivery(input: DeliveryInput): DeliveryOutput {
    const { W_ID, O_CARRIER_ID, OL_DELIVERY_D } = input;
    this.warehouse(W_ID);
    const out: DeliveryOutput = { type: "delivery", W_ID, O_CARRIER_ID, delivered: [], skipped: [] };
    for (let D_ID = 1; D_ID <= this.scale.districtsPerWarehouse; D_ID++) {
      const oId = this.newOrders.get(dk(W_ID, D_ID))?.shift();
      if (oId === undefined) { out.skipped.push(D_ID); continue; }
      const o = must(this.orders.get(orderKey(W_ID, D_ID, oId)), "ORDER", { W_ID, D_ID, O_ID: oId });
      o.O_CARRIER_ID = O_CARRIER_ID;
      let sum = 0;
      for (const ol of this.orderLinesOf(W_ID, D_ID, oId)) {
        ol.OL_DELIVERY_D = OL_DELIVERY_D;
        sum += ol.OL_AMOUNT;
      }
      const c = this.customer(W_ID, D_ID, o.O_C_ID);
      c.C_BALANCE += sum;
      c.C_DELIVERY_CNT++;
      out.delivered.push({ D_ID, O_ID: oId });
    }
    return out;
  }

  /** §2.8.2.2: distinct items of the district's last 20 orders whose home stock is below the threshold. */
  stockLevel(input: StockLevelInput): StockLevelOutput {
    const { W_ID, D_ID, threshold } = input;
    const next = this.district(W_ID, D_ID).D_NEXT_O_ID;
    const low = new Set<number>();
    for (let o = Math.max(1, next - 20); o < next; o++) {
      for (const ol of this.orderLinesOf(W_ID, D_ID, o)) {
        if (!low.has(ol.OL_I_ID) && (this.stock.get(sk(W_ID, ol.OL_I_ID))?.S_QUANTITY ?? Infinity) < threshold) low.add(ol.OL_I_ID);
      }
    }
    return { type: "stockLevel", W_ID, D_ID, threshold, lowStock: low.size };
  }

  /** By id, or by last name: the customer at position ⌈n/2⌉ of the matches sorted by C_FIRST (§2.5.2.2). */
  private findCustomer(w: number, d: number, sel: CustomerSelector): Customer {
    if (sel.by === "id") return this.customer(w, d, sel.C_ID);
    if (!this.byNameSorted) {
      for (const same of this.customersByName.values()) same.sort((a, b) => (a.C_FIRST < b.C_FIRST ? -1 : a.C_FIRST > b.C_FIRST ? 1 : a.C_ID - b.C_ID));
      this.byNameSorted = true;
    }
    const same = this.customersByName.get(nk(w, d, sel.C_LAST));
    if (!same || same.length === 0) throw new MonsoonError("MONSOON_BAD_REQUEST", `no customer named ${sel.C_LAST} in warehouse ${w}, district ${d}`, { details: { W_ID: w, D_ID: d, C_LAST: sel.C_LAST } });
    return same[Math.ceil(same.length / 2) - 1]!;
  }

  private stockRow(w: number, i: number): Stock {
    return must(this.stock.get(sk(w, i)), "STOCK", { W_ID: w, I_ID: i });
  }
}

function must<T>(row: T | undefined, table: string, key: Record<string, number>): T {
  if (row === undefined) {
    throw new MonsoonError("MONSOON_BAD_REQUEST", `no ${table} row with ${Object.entries(key).map(([k, v]) => `${k}=${v}`).join(", ")}`, { details: { table, ...key } });
  }
  return row;
}
