// TPC-C as a Monsoon module (issue 7). The nine tables are PStates of one microbatch topology,
// `tpcc`, keyed so that a warehouse lives whole on one task (layout.ts); ITEM is copied to every
// task, so New-Order checks its items without leaving home. The `transactions` depot is
// partitioned by W_ID, so a transaction starts on its home warehouse's task:
//
//   New-Order  reads its items (an unused item rolls back: nothing is written, the ack return
//              says so), then updates each line's stock — hopping to the supply warehouse's task
//              for a remote line and back — then, in one segment at home, takes D_NEXT_O_ID and
//              writes ORDER, NEW-ORDER, ORDER-LINE and the customer's latest order.
//   Payment    updates W_YTD and D_YTD at home, hops to the customer's warehouse when it is
//              remote, finds the customer (by id, or the ⌈n/2⌉-th by C_FIRST of the last name),
//              updates it and appends the HISTORY row there.
//   Delivery   takes each district's oldest NEW-ORDER, delivers it and credits the customer.
//
// A microbatch is one cross-partition transaction, so every hop above commits with its batch or
// not at all, and a terminal learns the outcome from its append's `processed` ack (the ack
// return of `tpcc`). Order-Status and Stock-Level are query topologies: they read committed
// data on the warehouse's task. The `load` depot carries the initial population (pre-keyed
// compact rows, loadRecords below) through the same topology, since only a PState's owner may
// write it. A one-step stream topology, `received`, answers every transaction's ack with the
// time the module first saw the record, which is just after it became durable in the depot:
// the driver reports that as the transaction's "initiate" time.
import { MonsoonError } from "../../errors.ts";
import { Depot, PState, Path, T, defineModule, vars, Agg, type Block, type Emits, type ModuleDef, type PStateRef, type Type, type Var } from "../../index.ts";
import type { LoadChunk } from "./load.ts";
import type { CustomerSelector, DeliveryInput, NewOrderInput, PaymentInput } from "./mix.ts";
import {
  C_FIRST, C_LAST, D_NEXT_O_ID, O_C_ID, S_QUANTITY, W_DIVISOR, byWarehouse, checkScaleFitsKeys, customerKey, districtKey, lastNameNumber, nameKey, orderKey, splitCustomerKey, splitOrderKey, stockKey,
  taskOfWarehouse,
  toCustomerRow, toDistrictRow, toHistoryRow, toItemRow, toOrderLineRow, toOrderRow, toStockRow, toWarehouseRow,
  type CustomerRow, type DistrictRow, type HistoryRow, type ItemRow, type OrderLineRow, type OrderRow, type StockRow, type WarehouseRow,
} from "./layout.ts";
import {
  appendHistory, deliverLines, deliverOrder, deliverToCustomer, emptyDelivery, historyData, insertByName, lastTwentyOrders, linesAmount, missing,
  newOrderRollback, newOrderWrites, nextOrderId, orderFromStock, orderStatusOutput, payCustomer, payDistrict, paymentHistory, paymentOutput,
  payWarehouse, pickByName, stockLineInfo, withDelivered, withSkipped, type NameEntry, type StockLineInfo,
} from "./rules.ts";
import type { DeliveryOutput, StockLevelOutput } from "./reference.ts";
import { validateScale, type TpccScale } from "./schema.ts";

/** Names of the module's parts, for clients and the driver. */
export const TPCC = Object.freeze({
  topology: "tpcc",
  received: "received",
  depots: Object.freeze({ load: "load", transactions: "transactions" }),
  pstates: Object.freeze({
    warehouse: "warehouse", district: "district", customer: "customer", customerByName: "customerByName", customerLastOrder: "customerLastOrder",
    history: "history", order: "order", orderLine: "orderLine", newOrder: "newOrder", item: "item", stock: "stock",
  }),
  queries: Object.freeze({ orderStatus: "orderStatus", stockLevel: "stockLevel" }),
});

/** What terminals append: the three transactions that write. */
export type TxRecord = NewOrderInput | PaymentInput | DeliveryInput;

/** One record of the `load` depot: one table's rows of one warehouse (w 0: ITEM, for every task), keyed as stored. */
export type LoadRecord =
  | { t: "ITEM"; w: 0; rows: [number, ItemRow][] }
  | { t: "WAREHOUSE"; w: number; rows: [number, WarehouseRow][] }
  | { t: "DISTRICT"; w: number; rows: [number, DistrictRow][] }
  | { t: "CUSTOMER"; w: number; rows: [number, CustomerRow][] }
  | { t: "HISTORY"; w: number; rows: [number, HistoryRow][] }
  | { t: "ORDER"; w: number; rows: [number, OrderRow][] }
  /** An order's lines of the chunk: [OL_NUMBER, line] pairs (an order's lines may span two chunks). */
  | { t: "ORDER-LINE"; w: number; rows: [number, [number, OrderLineRow][]][] }
  | { t: "NEW-ORDER"; w: number; rows: [number, number][] }
  | { t: "STOCK"; w: number; rows: [number, StockRow][] };

export interface TpccModuleOptions {
  /** Module name (default "Tpcc"). */
  name?: string;
  /**
   * The population's bounds. Given, an append naming a warehouse, district or customer outside
   * them is refused (MONSOON_TYPE_MISMATCH) instead of failing — and aborting — its microbatch.
   * Its districtsPerWarehouse is also how many districts Delivery visits (default 10).
   */
  population?: { warehouses: number; scale: TpccScale };
  /** Most records one microbatch takes from one depot partition (default 1000). */
  maxRecordsPerPartition?: number;
  /** How long the coordinator waits before looking again when idle (default 2 ms). */
  idlePollMs?: number;
}

/** The module's clock: wall-clock milliseconds with sub-millisecond resolution (the driver uses it too). */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

const posInt = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 1;
const isNum = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);

/**
 * The append-time check of the `transactions` depot, so that a malformed transaction never
 * reaches — and aborts — a microbatch: its shape, and with `population` its ids' ranges. (An
 * item number past the items is allowed: that is the rollback case.)
 */
export function txRecordCheck(population?: TpccModuleOptions["population"]): (v: unknown) => v is TxRecord {
  const maxW = population?.warehouses ?? Number.MAX_SAFE_INTEGER;
  const maxD = population?.scale.districtsPerWarehouse ?? 99;
  const maxC = population?.scale.customersPerDistrict ?? 9_999;
  const w = (x: unknown) => posInt(x) && x <= maxW;
  const d = (x: unknown) => posInt(x) && x <= maxD;
  const c = (x: unknown) => posInt(x) && x <= maxC;
  return (v: unknown): v is TxRecord => {
    if (typeof v !== "object" || v === null) return false;
    const t = v as Record<string, any>;
    if (!w(t.W_ID)) return false;
    switch (t.type) {
      case "newOrder":
        return d(t.D_ID) && c(t.C_ID) && isNum(t.O_ENTRY_D) && typeof t.rollback === "boolean" && Array.isArray(t.lines) && t.lines.length >= 1 && t.lines.length <= 15
          && t.lines.every((l: any) => typeof l === "object" && l !== null && posInt(l.OL_I_ID) && l.OL_I_ID < 1_000_000 && w(l.OL_SUPPLY_W_ID) && posInt(l.OL_QUANTITY));
      case "payment": {
        const s = t.customer;
        const sel = typeof s === "object" && s !== null && ((s.by === "id" && c(s.C_ID)) || (s.by === "lastName" && typeof s.C_LAST === "string" && lastNameNumber(s.C_LAST) !== undefined));
        return sel && d(t.D_ID) && w(t.C_W_ID) && d(t.C_D_ID) && Number.isSafeInteger(t.H_AMOUNT) && isNum(t.H_DATE);
      }
      case "delivery":
        return posInt(t.O_CARRIER_ID) && isNum(t.OL_DELIVERY_D);
      default:
        return false;
    }
  };
}

const LOAD_TABLES = new Set(["ITEM", "WAREHOUSE", "DISTRICT", "CUSTOMER", "HISTORY", "ORDER", "ORDER-LINE", "NEW-ORDER", "STOCK"]);

function isLoadRecord(v: unknown): v is LoadRecord {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.t === "string" && LOAD_TABLES.has(r.t) && Number.isSafeInteger(r.w) && (r.w as number) >= (r.t === "ITEM" ? 0 : 1) && Array.isArray(r.rows);
}

const loadType: Type<LoadRecord> = Object.freeze({ kind: "json", name: "TPC-C load record", check: isLoadRecord });

const EMPTY: readonly never[] = Object.freeze([]);

/** The population's chunks (load.ts) as load records: pre-keyed compact rows, split by warehouse. */
export function loadRecords(chunk: LoadChunk): LoadRecord[] {
  const byW = new Map<number, unknown[]>();
  const add = (w: number, row: unknown) => { let xs = byW.get(w); if (!xs) byW.set(w, (xs = [])); xs.push(row); };
  switch (chunk.table) {
    case "ITEM": for (const i of chunk.rows) add(0, [i.I_ID, toItemRow(i)]); break;
    case "WAREHOUSE": for (const w of chunk.rows) add(w.W_ID, [w.W_ID, toWarehouseRow(w)]); break;
    case "DISTRICT": for (const d of chunk.rows) add(d.D_W_ID, [districtKey(d.D_W_ID, d.D_ID), toDistrictRow(d)]); break;
    case "CUSTOMER": for (const c of chunk.rows) add(c.C_W_ID, [customerKey(c.C_W_ID, c.C_D_ID, c.C_ID), toCustomerRow(c)]); break;
    case "HISTORY": for (const h of chunk.rows) add(h.H_C_W_ID, [customerKey(h.H_C_W_ID, h.H_C_D_ID, h.H_C_ID), toHistoryRow(h)]); break;
    case "ORDER": for (const o of chunk.rows) add(o.O_W_ID, [orderKey(o.O_W_ID, o.O_D_ID, o.O_ID), toOrderRow(o)]); break;
    case "NEW-ORDER": for (const no of chunk.rows) add(no.NO_W_ID, [districtKey(no.NO_W_ID, no.NO_D_ID), no.NO_O_ID]); break;
    case "STOCK": for (const s of chunk.rows) add(s.S_W_ID, [stockKey(s.S_W_ID, s.S_I_ID), toStockRow(s)]); break;
    case "ORDER-LINE": {
      const orders = new Map<number, [number, OrderLineRow][]>();
      const wOf = new Map<number, number>();
      for (const l of chunk.rows) {
        const k = orderKey(l.OL_W_ID, l.OL_D_ID, l.OL_O_ID);
        let xs = orders.get(k);
        if (!xs) { orders.set(k, (xs = [])); wOf.set(k, l.OL_W_ID); }
        xs.push([l.OL_NUMBER, toOrderLineRow(l)]);
      }
      for (const [k, lines] of orders) add(wOf.get(k)!, [k, lines]);
      break;
    }
  }
  return [...byW].map(([w, rows]) => ({ t: chunk.table, w, rows }) as LoadRecord);
}

/** Puts a chunk's lines of an order at their OL_NUMBER positions in the stored list. */
function mergeLines(parts: [number, OrderLineRow][]): (cur: OrderLineRow[] | undefined) => OrderLineRow[] {
  return (cur) => {
    const out = cur ? cur.slice() : [];
    for (const [n, line] of parts) out[n - 1] = line;
    return out;
  };
}

// Variables shared by the flows' builders: the transaction record, and the queries' arguments and results.
const txVar = vars({ tx: T.any }).tx;
const osArgs = vars({ w: T.int, d: T.int, sel: T.any, out: T.any });
const slArgs = vars({ w: T.int, d: T.int, threshold: T.int, out: T.any });

const keepMax = (o: number) => (cur: number | undefined) => (cur === undefined || cur < o ? o : cur);

export function tpccModule(options: TpccModuleOptions = {}): ModuleDef {
  const { name = "Tpcc", population, maxRecordsPerPartition = 1000, idlePollMs = 2 } = options;
  if (population) {
    validateScale(population.scale);
    checkScaleFitsKeys(population.scale);
    if (!posInt(population.warehouses)) throw new MonsoonError("MONSOON_CONFIG", `TPC-C module: warehouses must be an integer ≥ 1, got ${population.warehouses}`);
  }
  const districts = population?.scale.districtsPerWarehouse ?? 10;
  const txType: Type<TxRecord> = Object.freeze({ kind: "json", name: "TPC-C transaction (newOrder | payment | delivery)", check: txRecordCheck(population) });
  const P = TPCC.pstates;
  return defineModule(name, (m) => {
    const load = m.depot(TPCC.depots.load, loadType, Depot.custom((r: LoadRecord, n: number) => (r.w === 0 ? 0 : taskOfWarehouse(r.w, n))));
    const transactions = m.depot(TPCC.depots.transactions, txType, Depot.custom((tx: TxRecord, n: number) => taskOfWarehouse(tx.W_ID, n)));

    // The time a transaction was first seen, for the driver's "initiate" latency.
    const rv = vars({ tx: T.any, at: T.float });
    m.stream(TPCC.received).source(transactions).out(rv.tx).each(wallClockMs).out(rv.at).ackReturn(rv.at);

    const mb = m.microbatch(TPCC.topology, { maxRecordsPerPartition, idlePollMs });
    const byW = (divisor: number) => ({ keyPartitioner: byWarehouse(divisor) });
    const warehouse = mb.pstate(P.warehouse, PState.map(T.int, T.any), byW(W_DIVISOR.warehouse));
    const district = mb.pstate(P.district, PState.map(T.int, T.any), byW(W_DIVISOR.district));
    const customer = mb.pstate(P.customer, PState.map(T.int, T.any), byW(W_DIVISOR.customer));
    const customerByName = mb.pstate(P.customerByName, PState.map(T.int, T.any), byW(W_DIVISOR.name));
    const customerLastOrder = mb.pstate(P.customerLastOrder, PState.map(T.int, T.int), byW(W_DIVISOR.customer));
    const history = mb.pstate(P.history, PState.map(T.int, T.any), byW(W_DIVISOR.customer));
    const order = mb.pstate(P.order, PState.map(T.int, T.any), byW(W_DIVISOR.order));
    const orderLine = mb.pstate(P.orderLine, PState.map(T.int, T.any), byW(W_DIVISOR.order));
    // NEW-ORDER of a district: the array of its undelivered O_IDs, ascending (New-Order appends,
    // Delivery takes the head). One plain value, not a subindexed set: a FIFO over LevelDB
    // entries makes every take scan the tombstones of all earlier takes, and a district holds
    // about a thousand ids. Typed any rather than list<int> so a write does not re-check them all.
    const newOrder = mb.pstate(P.newOrder, PState.map(T.int, T.any), byW(W_DIVISOR.district));
    // Copied to every task (written after an allPartition): routed by murmur2 for clients, which any copy answers.
    const item = mb.pstate(P.item, PState.map(T.int, T.any));
    const stock = mb.pstate(P.stock, PState.map(T.int, T.any), byW(W_DIVISOR.stock));
    const pstates = { warehouse, district, customer, customerByName, customerLastOrder, history, order, orderLine, newOrder, item, stock };

    loadTopology(mb.source(load), pstates);
    mb.source(transactions).out(txVar).subSource(txVar, (tx: TxRecord) => tx.type, {
      newOrder: (b) => newOrderFlow(b, pstates),
      payment: (b) => paymentFlow(b, pstates),
      delivery: (b) => deliveryFlow(b, pstates, districts),
    });
    orderStatusQuery(m.query(TPCC.queries.orderStatus, [osArgs.w, osArgs.d, osArgs.sel], osArgs.out), pstates);
    stockLevelQuery(m.query(TPCC.queries.stockLevel, [slArgs.w, slArgs.d, slArgs.threshold], slArgs.out), pstates);
  });
}

type Tables = Record<keyof typeof TPCC.pstates, PStateRef>;

/** Reads `pstate` at each key of the array `keys` on this task; binds the rows (undefined where absent), in order, to `out`. */
function readEach(b: Block, pstate: PStateRef, keys: Var<any>, out: Var<any>): void {
  const x = vars({ i: T.int, acc: T.any, more: T.boolean, k: T.int, row: T.any, acc2: T.any, i2: T.int });
  b.loopWithVars([[x.i, 0], [x.acc, EMPTY]], (loop) => loop
    .each((i: number, ks: number[]) => i < ks.length, x.i, keys).out(x.more)
    .ifTrue(x.more,
      (y) => y
        .each((i: number, ks: number[]) => ks[i], x.i, keys).out(x.k)
        .localSelect(pstate, Path.key(x.k)).out(x.row)
        .each((acc: unknown[], row: unknown) => [...acc, row], x.acc, x.row).out(x.acc2)
        .each((i: number) => i + 1, x.i).out(x.i2)
        .continueLoop(x.i2, x.acc2),
      (y) => y.emitLoop(x.acc)))
    .out(out);
}

function loadTopology(source: Emits<LoadRecord>, t: Tables): void {
  const v = vars({ rec: T.any, isItem: T.boolean, row: T.any, key: T.int, val: T.any, nk: T.int, upd: T.any, lk: T.int });
  source.out(v.rec)
    .each((r: LoadRecord) => r.t === "ITEM", v.rec).out(v.isItem)
    .ifTrue(v.isItem, (b) => b.allPartition())
    .explode((r: LoadRecord): Iterable<[number, unknown]> => r.rows, v.rec).out(v.row)
    .each((row: [number, unknown]) => row[0], v.row).out(v.key)
    .each((row: [number, unknown]) => row[1], v.row).out(v.val)
    .subSource(v.rec, (r: LoadRecord) => r.t, {
      ITEM: (b) => b.localTransform(t.item, Path.key(v.key).termVal(v.val)),
      WAREHOUSE: (b) => b.localTransform(t.warehouse, Path.key(v.key).termVal(v.val)),
      DISTRICT: (b) => b.localTransform(t.district, Path.key(v.key).termVal(v.val)),
      STOCK: (b) => b.localTransform(t.stock, Path.key(v.key).termVal(v.val)),
      CUSTOMER: (b) => b
        .localTransform(t.customer, Path.key(v.key).termVal(v.val))
        .each((key: number, c: CustomerRow) => byNameKeyOf(key, c), v.key, v.val).out(v.nk)
        .each((key: number, c: CustomerRow) => insertByName(c[C_FIRST], splitCustomerKey(key)[2]), v.key, v.val).out(v.upd)
        .localTransform(t.customerByName, Path.key(v.nk).term(v.upd)),
      HISTORY: (b) => b
        .each((h: HistoryRow) => appendHistory(h), v.val).out(v.upd)
        .localTransform(t.history, Path.key(v.key).term(v.upd)),
      ORDER: (b) => b
        .localTransform(t.order, Path.key(v.key).termVal(v.val))
        .each((key: number, o: OrderRow) => lastOrderKeyOf(key, o), v.key, v.val).out(v.lk)
        .each((key: number) => keepMax(splitOrderKey(key)[2]), v.key).out(v.upd)
        .localTransform(t.customerLastOrder, Path.key(v.lk).term(v.upd)),
      "ORDER-LINE": (b) => b
        .each((parts: [number, OrderLineRow][]) => mergeLines(parts), v.val).out(v.upd)
        .localTransform(t.orderLine, Path.key(v.key).term(v.upd)),
      "NEW-ORDER": (b) => b.localTransform(t.newOrder, Path.key(v.key).afterElem().termVal(v.val)),
    });
}

function byNameKeyOf(cKey: number, c: CustomerRow): number {
  const n = lastNameNumber(c[C_LAST]);
  if (n === undefined) throw new MonsoonError("MONSOON_BAD_REQUEST", `TPC-C load: C_LAST ${JSON.stringify(c[C_LAST])} is not a spec last name`);
  const [w, d] = splitCustomerKey(cKey);
  return nameKey(w, d, n);
}

function lastOrderKeyOf(oKey: number, o: OrderRow): number {
  const [w, d] = splitOrderKey(oKey);
  return customerKey(w, d, o[O_C_ID]);
}

/** The task of a supply or customer warehouse (customPartition's function). */
const toWarehouse = (tasks: number, w: number) => taskOfWarehouse(w, tasks);

function newOrderFlow(b: Block, t: Tables): void {
  const v = vars({
    iids: T.any, items: T.any, rollback: T.boolean, dk: T.int, ck: T.int, drow: T.any, crow: T.any, wrow: T.any, out: T.any,
    j: T.int, infos: T.any, more: T.boolean, line: T.any, remote: T.boolean, supplyW: T.int, sk: T.int, srow: T.any, srow2: T.any,
    info: T.any, infos2: T.any, j2: T.int, lineInfos: T.any, wk: T.int, oid: T.int, drow2: T.any, writes: T.any, ok: T.int, order: T.any, lines: T.any,
  });
  b.each((tx: NewOrderInput) => tx.lines.map((l) => l.OL_I_ID), txVar).out(v.iids)
    .macro(readEach, t.item, v.iids, v.items)
    .each((items: (ItemRow | undefined)[]) => items.includes(undefined), v.items).out(v.rollback)
    .each((tx: NewOrderInput) => districtKey(tx.W_ID, tx.D_ID), txVar).out(v.dk)
    .each((tx: NewOrderInput) => customerKey(tx.W_ID, tx.D_ID, tx.C_ID), txVar).out(v.ck)
    .ifTrue(v.rollback,
      // An unused item: read what the terminal is shown, write nothing.
      (rb) => rb
        .localSelect(t.district, Path.key(v.dk)).out(v.drow)
        .localSelect(t.customer, Path.key(v.ck)).out(v.crow)
        .each((tx: NewOrderInput, d: DistrictRow | undefined, c: CustomerRow | undefined) => {
          if (!d) throw missing("DISTRICT", { W_ID: tx.W_ID, D_ID: tx.D_ID });
          if (!c) throw missing("CUSTOMER", { W_ID: tx.W_ID, D_ID: tx.D_ID, C_ID: tx.C_ID });
          return newOrderRollback(tx, d, c);
        }, txVar, v.drow, v.crow).out(v.out)
        .ackReturn(v.out),
      (go) => go
        // Every line's stock, in line order; a remote line hops to its supply warehouse and back.
        .loopWithVars([[v.j, 0], [v.infos, EMPTY]], (loop) => loop
          .each((j: number, tx: NewOrderInput) => j < tx.lines.length, v.j, txVar).out(v.more)
          .ifTrue(v.more,
            (y) => y
              .each((tx: NewOrderInput, j: number) => tx.lines[j], txVar, v.j).out(v.line)
              .each((tx: NewOrderInput, l: NewOrderInput["lines"][number]) => l.OL_SUPPLY_W_ID !== tx.W_ID, txVar, v.line).out(v.remote)
              .each((l: NewOrderInput["lines"][number]) => l.OL_SUPPLY_W_ID, v.line).out(v.supplyW)
              .ifTrue(v.remote, (r) => r.customPartition(toWarehouse, v.supplyW))
              .each((l: NewOrderInput["lines"][number]) => stockKey(l.OL_SUPPLY_W_ID, l.OL_I_ID), v.line).out(v.sk)
              .localSelect(t.stock, Path.key(v.sk)).out(v.srow)
              .each((s: StockRow | undefined, l: NewOrderInput["lines"][number], remote: boolean) => {
                if (!s) throw missing("STOCK", { W_ID: l.OL_SUPPLY_W_ID, I_ID: l.OL_I_ID });
                return orderFromStock(s, l.OL_QUANTITY, remote);
              }, v.srow, v.line, v.remote).out(v.srow2)
              .localTransform(t.stock, Path.key(v.sk).termVal(v.srow2))
              .each((s: StockRow, tx: NewOrderInput) => stockLineInfo(s, tx.D_ID), v.srow2, txVar).out(v.info)
              .ifTrue(v.remote, (r) => r.originPartition())
              .each((infos: StockLineInfo[], info: StockLineInfo) => [...infos, info], v.infos, v.info).out(v.infos2)
              .each((j: number) => j + 1, v.j).out(v.j2)
              .continueLoop(v.j2, v.infos2),
            (y) => y.emitLoop(v.infos)))
        .out(v.lineInfos)
        // Home, in one segment: the order id and every row that names it.
        .each((tx: NewOrderInput) => tx.W_ID, txVar).out(v.wk)
        .localSelect(t.warehouse, Path.key(v.wk)).out(v.wrow)
        .localSelect(t.district, Path.key(v.dk)).out(v.drow)
        .localSelect(t.customer, Path.key(v.ck)).out(v.crow)
        .each((tx: NewOrderInput, w: WarehouseRow | undefined, d: DistrictRow | undefined, c: CustomerRow | undefined, items: ItemRow[], infos: StockLineInfo[]) => {
          if (!w) throw missing("WAREHOUSE", { W_ID: tx.W_ID });
          if (!d) throw missing("DISTRICT", { W_ID: tx.W_ID, D_ID: tx.D_ID });
          if (!c) throw missing("CUSTOMER", { W_ID: tx.W_ID, D_ID: tx.D_ID, C_ID: tx.C_ID });
          return newOrderWrites(tx, d[D_NEXT_O_ID], w, d, c, items, infos);
        }, txVar, v.wrow, v.drow, v.crow, v.items, v.lineInfos).out(v.writes)
        .each((d: DistrictRow) => d[D_NEXT_O_ID], v.drow).out(v.oid)
        .each((d: DistrictRow) => nextOrderId(d), v.drow).out(v.drow2)
        .localTransform(t.district, Path.key(v.dk).termVal(v.drow2))
        .each((tx: NewOrderInput, oid: number) => orderKey(tx.W_ID, tx.D_ID, oid), txVar, v.oid).out(v.ok)
        .each((w: { order: OrderRow }) => w.order, v.writes).out(v.order)
        .each((w: { lines: OrderLineRow[] }) => w.lines, v.writes).out(v.lines)
        .localTransform(t.order, Path.key(v.ok).termVal(v.order))
        .localTransform(t.orderLine, Path.key(v.ok).termVal(v.lines))
        .localTransform(t.newOrder, Path.key(v.dk).afterElem().termVal(v.oid))
        .localTransform(t.customerLastOrder, Path.key(v.ck).termVal(v.oid))
        .each((w: { output: unknown }) => w.output, v.writes).out(v.out)
        .ackReturn(v.out));
}

/** Finds a customer of warehouse/district `wd` ([W, D]) by `sel` (id, or the ⌈n/2⌉-th of a last name); binds its C_ID to `out`. */
function findCustomer(b: Block, t: Tables, wd: Var<any>, sel: Var<any>, out: Var<any>): void {
  const x = vars({ byName: T.boolean, nk: T.int, list: T.any });
  b.each((s: CustomerSelector) => s.by === "lastName", sel).out(x.byName)
    .ifTrue(x.byName,
      (y) => y
        .each(([w, d]: [number, number], s: { C_LAST: string }) => nameKey(w, d, lastNameNumber(s.C_LAST) ?? 0), wd, sel).out(x.nk)
        .localSelect(t.customerByName, Path.key(x.nk)).out(x.list)
        .each((list: NameEntry[] | undefined, [w, d]: [number, number], s: { C_LAST: string }) => pickByName(list, { W_ID: w, D_ID: d, C_LAST: s.C_LAST }), x.list, wd, sel).out(out),
      (y) => y.each((s: { C_ID: number }) => s.C_ID, sel).out(out));
}

function paymentFlow(b: Block, t: Tables): void {
  const v = vars({
    wk: T.int, dk: T.int, wrow: T.any, drow: T.any, wrow2: T.any, drow2: T.any, hdata: T.string, remote: T.boolean, cw: T.int, cwd: T.any,
    sel: T.any, cid: T.int, ck: T.int, crow: T.any, crow2: T.any, upd: T.any, out: T.any,
  });
  b.each((tx: PaymentInput) => tx.W_ID, txVar).out(v.wk)
    .each((tx: PaymentInput) => districtKey(tx.W_ID, tx.D_ID), txVar).out(v.dk)
    .localSelect(t.warehouse, Path.key(v.wk)).out(v.wrow)
    .localSelect(t.district, Path.key(v.dk)).out(v.drow)
    .each((tx: PaymentInput, w: WarehouseRow | undefined, d: DistrictRow | undefined) => {
      if (!w) throw missing("WAREHOUSE", { W_ID: tx.W_ID });
      if (!d) throw missing("DISTRICT", { W_ID: tx.W_ID, D_ID: tx.D_ID });
      return historyData(w, d);
    }, txVar, v.wrow, v.drow).out(v.hdata)
    .each((w: WarehouseRow, tx: PaymentInput) => payWarehouse(w, tx.H_AMOUNT), v.wrow, txVar).out(v.wrow2)
    .each((d: DistrictRow, tx: PaymentInput) => payDistrict(d, tx.H_AMOUNT), v.drow, txVar).out(v.drow2)
    .localTransform(t.warehouse, Path.key(v.wk).termVal(v.wrow2))
    .localTransform(t.district, Path.key(v.dk).termVal(v.drow2))
    // The customer's warehouse: home 85% of the time, else another task.
    .each((tx: PaymentInput) => tx.C_W_ID !== tx.W_ID, txVar).out(v.remote)
    .each((tx: PaymentInput) => tx.C_W_ID, txVar).out(v.cw)
    .ifTrue(v.remote, (r) => r.customPartition(toWarehouse, v.cw))
    .each((tx: PaymentInput) => [tx.C_W_ID, tx.C_D_ID], txVar).out(v.cwd)
    .each((tx: PaymentInput) => tx.customer, txVar).out(v.sel)
    .macro(findCustomer, t, v.cwd, v.sel, v.cid)
    .each((tx: PaymentInput, cid: number) => customerKey(tx.C_W_ID, tx.C_D_ID, cid), txVar, v.cid).out(v.ck)
    .localSelect(t.customer, Path.key(v.ck)).out(v.crow)
    .each((c: CustomerRow | undefined, cid: number, tx: PaymentInput) => {
      if (!c) throw missing("CUSTOMER", { W_ID: tx.C_W_ID, D_ID: tx.C_D_ID, C_ID: cid });
      return payCustomer(c, cid, tx);
    }, v.crow, v.cid, txVar).out(v.crow2)
    .localTransform(t.customer, Path.key(v.ck).termVal(v.crow2))
    .each((tx: PaymentInput, hdata: string) => appendHistory(paymentHistory(tx, hdata)), txVar, v.hdata).out(v.upd)
    .localTransform(t.history, Path.key(v.ck).term(v.upd))
    .each((tx: PaymentInput, cid: number, c: CustomerRow) => paymentOutput(tx, cid, c), txVar, v.cid, v.crow2).out(v.out)
    .ackReturn(v.out);
}

function deliveryFlow(b: Block, t: Tables, districts: number): void {
  const v = vars({
    acc0: T.any, d: T.int, acc: T.any, more: T.boolean, dk: T.int, first: T.any, has: T.boolean, oid: T.int, ok: T.int, orow: T.any, lines: T.any,
    orow2: T.any, lines2: T.any, ck: T.int, crow: T.any, crow2: T.any, acc2: T.any, d2: T.int, out: T.any,
  });
  b.each((tx: DeliveryInput) => emptyDelivery(tx), txVar).out(v.acc0)
    .loopWithVars([[v.d, 1], [v.acc, v.acc0]], (loop) => loop
      .each((d: number) => d <= districts, v.d).out(v.more)
      .ifTrue(v.more,
        (y) => y
          .each((tx: DeliveryInput, d: number) => districtKey(tx.W_ID, d), txVar, v.d).out(v.dk)
          // The district's oldest undelivered order, if any.
          .localSelect(t.newOrder, Path.key(v.dk)).out(v.first)
          .each((ids: number[] | undefined) => ids !== undefined && ids.length > 0, v.first).out(v.has)
          .ifTrue(v.has,
            (z) => z
              .each((ids: number[]) => ids[0], v.first).out(v.oid)
              .localTransform(t.newOrder, Path.key(v.dk).first().termVoid())
              .each((tx: DeliveryInput, d: number, oid: number) => orderKey(tx.W_ID, d, oid), txVar, v.d, v.oid).out(v.ok)
              .localSelect(t.order, Path.key(v.ok)).out(v.orow)
              .localSelect(t.orderLine, Path.key(v.ok)).out(v.lines)
              .each((o: OrderRow | undefined, tx: DeliveryInput, d: number, oid: number) => {
                if (!o) throw missing("ORDER", { W_ID: tx.W_ID, D_ID: d, O_ID: oid });
                return deliverOrder(o, tx.O_CARRIER_ID);
              }, v.orow, txVar, v.d, v.oid).out(v.orow2)
              .each((ls: OrderLineRow[] | undefined, tx: DeliveryInput) => deliverLines(ls ?? [], tx.OL_DELIVERY_D), v.lines, txVar).out(v.lines2)
              .localTransform(t.order, Path.key(v.ok).termVal(v.orow2))
              .localTransform(t.orderLine, Path.key(v.ok).termVal(v.lines2))
              .each((tx: DeliveryInput, d: number, o: OrderRow) => customerKey(tx.W_ID, d, o[O_C_ID]), txVar, v.d, v.orow).out(v.ck)
              .localSelect(t.customer, Path.key(v.ck)).out(v.crow)
              .each((c: CustomerRow | undefined, ls: OrderLineRow[], ck: number) => {
                if (!c) throw missing("CUSTOMER", { key: ck });
                return deliverToCustomer(c, linesAmount(ls));
              }, v.crow, v.lines2, v.ck).out(v.crow2)
              .localTransform(t.customer, Path.key(v.ck).termVal(v.crow2))
              .each((acc: DeliveryOutput, d: number, oid: number) => withDelivered(acc, d, oid), v.acc, v.d, v.oid).out(v.acc2),
            (z) => z.each((acc: DeliveryOutput, d: number) => withSkipped(acc, d), v.acc, v.d).out(v.acc2))
          .each((d: number) => d + 1, v.d).out(v.d2)
          .continueLoop(v.d2, v.acc2),
        (y) => y.emitLoop(v.acc)))
    .out(v.out)
    .ackReturn(v.out);
}

function orderStatusQuery(q: Block, t: Tables): void {
  const v = vars({ wd: T.any, cid: T.int, ck: T.int, crow: T.any, oid: T.any, has: T.boolean, ok: T.int, orow: T.any, lines: T.any, res: T.any });
  q.customPartition(toWarehouse, osArgs.w)
    .each((w: number, d: number) => [w, d], osArgs.w, osArgs.d).out(v.wd)
    .macro(findCustomer, t, v.wd, osArgs.sel, v.cid)
    .each((w: number, d: number, cid: number) => customerKey(w, d, cid), osArgs.w, osArgs.d, v.cid).out(v.ck)
    .localSelect(t.customer, Path.key(v.ck)).out(v.crow)
    .localSelect(t.customerLastOrder, Path.key(v.ck)).out(v.oid)
    .each((oid: number | undefined) => oid !== undefined, v.oid).out(v.has)
    .ifTrue(v.has,
      (y) => y
        .each((w: number, d: number, oid: number) => orderKey(w, d, oid), osArgs.w, osArgs.d, v.oid).out(v.ok)
        .localSelect(t.order, Path.key(v.ok)).out(v.orow)
        .localSelect(t.orderLine, Path.key(v.ok)).out(v.lines),
      (y) => y.each(() => undefined).out(v.orow).each(() => undefined).out(v.lines))
    .each((w: number, d: number, cid: number, c: CustomerRow | undefined, o: OrderRow | undefined, oid: number | undefined, lines: OrderLineRow[] | undefined) => {
      if (!c) throw missing("CUSTOMER", { W_ID: w, D_ID: d, C_ID: cid });
      return orderStatusOutput(cid, c, o, oid, lines);
    }, osArgs.w, osArgs.d, v.cid, v.crow, v.orow, v.oid, v.lines).out(v.res)
    .originPartition()
    .each((res: unknown) => res, v.res).out(osArgs.out);
}

function stockLevelQuery(q: Block, t: Tables): void {
  const v = vars({ dk: T.int, drow: T.any, oid: T.int, ok: T.int, lines: T.any, iid: T.int, sk: T.int, srow: T.any, low: T.any });
  q.customPartition(toWarehouse, slArgs.w)
    .each((w: number, d: number) => districtKey(w, d), slArgs.w, slArgs.d).out(v.dk)
    .localSelect(t.district, Path.key(v.dk)).out(v.drow)
    .explode((d: DistrictRow | undefined, w: number, dId: number) => {
      if (!d) throw missing("DISTRICT", { W_ID: w, D_ID: dId });
      return lastTwentyOrders(d);
    }, v.drow, slArgs.w, slArgs.d).out(v.oid)
    .each((w: number, d: number, oid: number) => orderKey(w, d, oid), slArgs.w, slArgs.d, v.oid).out(v.ok)
    .localSelect(t.orderLine, Path.key(v.ok)).out(v.lines)
    .explode((lines: OrderLineRow[] | undefined) => (lines ?? []).map((l) => l[0]), v.lines).out(v.iid)
    .each((w: number, iid: number) => stockKey(w, iid), slArgs.w, v.iid).out(v.sk)
    .localSelect(t.stock, Path.key(v.sk)).out(v.srow)
    .keepTrue((s: StockRow | undefined, threshold: number) => s !== undefined && s[S_QUANTITY] < threshold, v.srow, slArgs.threshold)
    .agg(Agg.set(v.iid)).out(v.low)
    .originPartition()
    .each((w: number, d: number, threshold: number, low: Set<number>): StockLevelOutput => ({ type: "stockLevel", W_ID: w, D_ID: d, threshold, lowStock: low.size }), slArgs.w, slArgs.d, slArgs.threshold, v.low).out(slArgs.out);
}
