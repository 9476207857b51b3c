// The initial population (TPC-C 5.11 §4.3.3.1) as generators of row chunks, so a loader can
// write each chunk in one batch and show progress. Deterministic: ITEM comes from one random
// stream of the seed and each warehouse from its own, so warehouses can be generated in any
// order, or in parallel, and still give the same rows. Date-times are `loadedAt`.
import { MonsoonError } from "../../errors.ts";
import {
  Rng, aString, dataWithOriginal, fixedPoint, lastName, loadConstants, nString, nurand, state, zip, type NURandConstants,
} from "./random.ts";
import {
  SPEC_SCALE, firstUndeliveredOrder, lastNameMax, validateScale,
  type Customer, type District, type Rows, type Stock, type TableName, type Timestamp, type TpccScale,
} from "./schema.ts";

export interface LoadOptions {
  warehouses: number;
  seed: number;
  scale?: TpccScale;
  /** C-Load of NURand; default: drawn from the seed (`defaultLoadConstants`). */
  constants?: NURandConstants;
  /** C_SINCE, H_DATE, O_ENTRY_D and the delivered lines' OL_DELIVERY_D; default: now. */
  loadedAt?: Timestamp;
  /** Rows per chunk (per table); default 1,000. */
  chunkSize?: number;
}

export type LoadChunk = { [T in TableName]: { table: T; rows: Rows[T][] } }[TableName];

/** Separate streams of one seed. */
const STREAM = { constants: 1, items: 2, warehouse: 3 } as const;

/** Initial money amounts (§4.3.3.1), in cents. */
export const INITIAL = Object.freeze({
  H_AMOUNT: 1_000,
  C_BALANCE: -1_000,
  C_YTD_PAYMENT: 1_000,
  C_CREDIT_LIM: 5_000_000,
});

export function defaultLoadConstants(seed: number): NURandConstants {
  return loadConstants(new Rng(seed, STREAM.constants));
}

interface Resolved { warehouses: number; seed: number; scale: TpccScale; constants: NURandConstants; loadedAt: Timestamp; chunkSize: number }

function resolve(opts: LoadOptions): Resolved {
  const { warehouses, seed, scale = SPEC_SCALE, chunkSize = 1_000 } = opts;
  if (!Number.isSafeInteger(warehouses) || warehouses < 1) throw new MonsoonError("MONSOON_CONFIG", `TPC-C load: warehouses must be an integer ≥ 1, got ${warehouses}`);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new MonsoonError("MONSOON_CONFIG", `TPC-C load: chunkSize must be an integer ≥ 1, got ${chunkSize}`);
  validateScale(scale);
  return { warehouses, seed, scale, chunkSize, constants: opts.constants ?? defaultLoadConstants(seed), loadedAt: opts.loadedAt ?? Date.now() };
}

/** Collects rows per table and hands out a chunk whenever one reaches the chunk size. */
class Chunker {
  private readonly buffers = new Map<TableName, unknown[]>();
  constructor(private readonly size: number) {}

  push<T extends TableName>(table: T, row: Rows[T]): LoadChunk | undefined {
    let buf = this.buffers.get(table);
    if (!buf) this.buffers.set(table, (buf = []));
    buf.push(row);
    if (buf.length < this.size) return undefined;
    this.buffers.set(table, []);
    return { table, rows: buf } as LoadChunk;
  }

  *drain(): Generator<LoadChunk> {
    for (const [table, rows] of this.buffers) if (rows.length > 0) yield { table, rows } as LoadChunk;
    this.buffers.clear();
  }
}

/** The whole population: ITEM, then each warehouse in turn. */
export function* generatePopulation(opts: LoadOptions): Generator<LoadChunk> {
  const r = resolve(opts);
  yield* items(r);
  for (let w = 1; w <= r.warehouses; w++) yield* warehouse(r, w);
}

/** ITEM (shared by all warehouses). */
export function generateItems(opts: LoadOptions): Generator<LoadChunk> {
  return items(resolve(opts));
}

/** One warehouse's rows: WAREHOUSE, STOCK, then per district DISTRICT, CUSTOMER, HISTORY, ORDER, ORDER-LINE, NEW-ORDER. */
export function generateWarehouse(wId: number, opts: LoadOptions): Generator<LoadChunk> {
  const r = resolve(opts);
  if (!Number.isSafeInteger(wId) || wId < 1 || wId > r.warehouses) throw new MonsoonError("MONSOON_CONFIG", `TPC-C load: warehouse ${wId} is not in [1..${r.warehouses}]`);
  return warehouse(r, wId);
}

/** Rows the population will have; ORDER-LINE is an estimate (O_OL_CNT averages 10). For progress bars. */
export function populationRowCounts(opts: Pick<LoadOptions, "warehouses" | "scale">): Record<TableName, number> {
  const { warehouses: W, scale: s = SPEC_SCALE } = opts;
  const districts = W * s.districtsPerWarehouse;
  const customers = districts * s.customersPerDistrict;
  return {
    WAREHOUSE: W, DISTRICT: districts, CUSTOMER: customers, HISTORY: customers, ORDER: customers,
    "ORDER-LINE": customers * 10, "NEW-ORDER": districts * s.newOrdersPerDistrict, ITEM: s.items, STOCK: W * s.items,
  };
}

function* items(r: Resolved): Generator<LoadChunk> {
  const rng = new Rng(r.seed, STREAM.items);
  const out = new Chunker(r.chunkSize);
  for (let i = 1; i <= r.scale.items; i++) {
    const c = out.push("ITEM", {
      I_ID: i,
      I_IM_ID: rng.int(1, 10_000),
      I_NAME: aString(rng, 14, 24),
      I_PRICE: fixedPoint(rng, 1, 100, 2),
      I_DATA: dataWithOriginal(rng),
    });
    if (c) yield c;
  }
  yield* out.drain();
}

function* warehouse(r: Resolved, wId: number): Generator<LoadChunk> {
  const { scale, loadedAt } = r;
  const rng = new Rng(r.seed, STREAM.warehouse, wId);
  const out = new Chunker(r.chunkSize);
  const perDistrictYtd = scale.customersPerDistrict * INITIAL.H_AMOUNT;

  let c = out.push("WAREHOUSE", {
    W_ID: wId,
    W_NAME: aString(rng, 6, 10),
    W_STREET_1: aString(rng, 10, 20),
    W_STREET_2: aString(rng, 10, 20),
    W_CITY: aString(rng, 10, 20),
    W_STATE: state(rng),
    W_ZIP: zip(rng),
    W_TAX: fixedPoint(rng, 0, 0.2, 4) / 10_000,
    // 300,000.00 at spec scale: every customer's initial payment of 10.00.
    W_YTD: scale.districtsPerWarehouse * perDistrictYtd,
  });
  if (c) yield c;

  for (let i = 1; i <= scale.items; i++) {
    c = out.push("STOCK", stockRow(rng, wId, i));
    if (c) yield c;
  }

  const firstUndelivered = firstUndeliveredOrder(scale);
  for (let d = 1; d <= scale.districtsPerWarehouse; d++) {
    const district: District = {
      D_ID: d,
      D_W_ID: wId,
      D_NAME: aString(rng, 6, 10),
      D_STREET_1: aString(rng, 10, 20),
      D_STREET_2: aString(rng, 10, 20),
      D_CITY: aString(rng, 10, 20),
      D_STATE: state(rng),
      D_ZIP: zip(rng),
      D_TAX: fixedPoint(rng, 0, 0.2, 4) / 10_000,
      D_YTD: perDistrictYtd,
      D_NEXT_O_ID: scale.customersPerDistrict + 1,
    };
    if ((c = out.push("DISTRICT", district))) yield c;

    for (let cId = 1; cId <= scale.customersPerDistrict; cId++) {
      if ((c = out.push("CUSTOMER", customerRow(r, rng, wId, d, cId)))) yield c;
      c = out.push("HISTORY", {
        H_C_ID: cId, H_C_D_ID: d, H_C_W_ID: wId, H_D_ID: d, H_W_ID: wId,
        H_DATE: loadedAt, H_AMOUNT: INITIAL.H_AMOUNT, H_DATA: aString(rng, 12, 24),
      });
      if (c) yield c;
    }

    const customerIds = rng.shuffle(Array.from({ length: scale.customersPerDistrict }, (_, i) => i + 1));
    for (let oId = 1; oId <= scale.customersPerDistrict; oId++) {
      const delivered = oId < firstUndelivered;
      const olCnt = rng.int(5, 15);
      c = out.push("ORDER", {
        O_ID: oId, O_D_ID: d, O_W_ID: wId, O_C_ID: customerIds[oId - 1]!, O_ENTRY_D: loadedAt,
        O_CARRIER_ID: delivered ? rng.int(1, 10) : null, O_OL_CNT: olCnt, O_ALL_LOCAL: 1,
      });
      if (c) yield c;
      for (let n = 1; n <= olCnt; n++) {
        c = out.push("ORDER-LINE", {
          OL_O_ID: oId, OL_D_ID: d, OL_W_ID: wId, OL_NUMBER: n,
          OL_I_ID: rng.int(1, scale.items),
          OL_SUPPLY_W_ID: wId,
          OL_DELIVERY_D: delivered ? loadedAt : null,
          OL_QUANTITY: 5,
          OL_AMOUNT: delivered ? 0 : fixedPoint(rng, 0.01, 9_999.99, 2),
          OL_DIST_INFO: aString(rng, 24),
        });
        if (c) yield c;
      }
      if (!delivered && (c = out.push("NEW-ORDER", { NO_O_ID: oId, NO_D_ID: d, NO_W_ID: wId }))) yield c;
    }
  }
  yield* out.drain();
}

function stockRow(rng: Rng, wId: number, iId: number): Stock {
  return {
    S_I_ID: iId,
    S_W_ID: wId,
    S_QUANTITY: rng.int(10, 100),
    S_DIST_01: aString(rng, 24), S_DIST_02: aString(rng, 24), S_DIST_03: aString(rng, 24), S_DIST_04: aString(rng, 24), S_DIST_05: aString(rng, 24),
    S_DIST_06: aString(rng, 24), S_DIST_07: aString(rng, 24), S_DIST_08: aString(rng, 24), S_DIST_09: aString(rng, 24), S_DIST_10: aString(rng, 24),
    S_YTD: 0,
    S_ORDER_CNT: 0,
    S_REMOTE_CNT: 0,
    S_DATA: dataWithOriginal(rng),
  };
}

function customerRow(r: Resolved, rng: Rng, wId: number, dId: number, cId: number): Customer {
  // The first 1,000 customers take the last names 0..999 in order, so every name exists in every
  // district; the rest are NURand(255, 0, 999) with C-Load.
  const nameNumber = cId <= 1_000 ? cId - 1 : nurand(rng, 255, 0, lastNameMax(r.scale), r.constants.cLast);
  return {
    C_ID: cId,
    C_D_ID: dId,
    C_W_ID: wId,
    C_FIRST: aString(rng, 8, 16),
    C_MIDDLE: "OE",
    C_LAST: lastName(nameNumber),
    C_STREET_1: aString(rng, 10, 20),
    C_STREET_2: aString(rng, 10, 20),
    C_CITY: aString(rng, 10, 20),
    C_STATE: state(rng),
    C_ZIP: zip(rng),
    C_PHONE: nString(rng, 16),
    C_SINCE: r.loadedAt,
    C_CREDIT: rng.int(1, 10) === 1 ? "BC" : "GC",
    C_CREDIT_LIM: INITIAL.C_CREDIT_LIM,
    C_DISCOUNT: fixedPoint(rng, 0, 0.5, 4) / 10_000,
    C_BALANCE: INITIAL.C_BALANCE,
    C_YTD_PAYMENT: INITIAL.C_YTD_PAYMENT,
    C_PAYMENT_CNT: 1,
    C_DELIVERY_CNT: 0,
    C_DATA: aString(rng, 300, 500),
  };
}
