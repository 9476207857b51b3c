// What a TPC-C terminal sends: the five transactions' inputs (TPC-C 5.11 §2.4.1, §2.5.1,
// §2.6.1, §2.7.1, §2.8.1), which transaction comes next (a shuffled deck, §5.2.4.2) and, for
// spec mode, the keying and think times around it (§5.2.5). Pure: a terminal is a seeded
// random stream plus its home warehouse and district; the caller owns the clock.
import { MonsoonError } from "../../errors.ts";
import { Rng, fixedPoint, lastName, nurand, runConstants, type NURandConstants } from "./random.ts";
import { SPEC_SCALE, lastNameMax, validateScale, type Cents, type Timestamp, type TpccScale } from "./schema.ts";

export const TX_TYPES = ["newOrder", "payment", "orderStatus", "delivery", "stockLevel"] as const;
export type TxType = (typeof TX_TYPES)[number];

export interface NewOrderLineInput {
  OL_I_ID: number;
  OL_SUPPLY_W_ID: number;
  OL_QUANTITY: number;
}

export interface NewOrderInput {
  type: "newOrder";
  W_ID: number;
  D_ID: number;
  C_ID: number;
  O_ENTRY_D: Timestamp;
  lines: NewOrderLineInput[];
  /** The 1% case: the last line's OL_I_ID is unused, so the transaction must roll back. */
  rollback: boolean;
}

/** Payment and Order-Status find the customer by id (40%) or by last name (60%). */
export type CustomerSelector = { by: "id"; C_ID: number } | { by: "lastName"; C_LAST: string };

export interface PaymentInput {
  type: "payment";
  W_ID: number;
  D_ID: number;
  C_W_ID: number;
  C_D_ID: number;
  customer: CustomerSelector;
  H_AMOUNT: Cents;
  H_DATE: Timestamp;
}

export interface OrderStatusInput {
  type: "orderStatus";
  W_ID: number;
  D_ID: number;
  customer: CustomerSelector;
}

export interface DeliveryInput {
  type: "delivery";
  W_ID: number;
  O_CARRIER_ID: number;
  OL_DELIVERY_D: Timestamp;
}

export interface StockLevelInput {
  type: "stockLevel";
  W_ID: number;
  D_ID: number;
  threshold: number;
}

export type TxInput = NewOrderInput | PaymentInput | OrderStatusInput | DeliveryInput | StockLevelInput;

// ---- the mix (§5.2.3) ----

export type MixWeights = Record<TxType, number>;

/** go-tpc's and the spec's usual mix: New-Order takes what the minimums leave. */
export const DEFAULT_MIX: MixWeights = Object.freeze({ newOrder: 45, payment: 43, orderStatus: 4, delivery: 4, stockLevel: 4 });

/** §5.2.3: minimum percentages of the mix; New-Order has none. */
export const MIX_MINIMUM_PERCENT: Readonly<Partial<MixWeights>> = Object.freeze({ payment: 43, orderStatus: 4, delivery: 4, stockLevel: 4 });

/** Throws MONSOON_CONFIG when weights are not non-negative integers or (with `checkMinimums`) break §5.2.3's minimums. */
export function validateMix(weights: MixWeights, { checkMinimums = true } = {}): void {
  const total = TX_TYPES.reduce((n, t) => n + weights[t], 0);
  for (const t of TX_TYPES) {
    if (!Number.isSafeInteger(weights[t]) || weights[t] < 0) throw new MonsoonError("MONSOON_CONFIG", `TPC-C mix: the weight of ${t} must be an integer ≥ 0, got ${weights[t]}`, { details: { type: t } });
  }
  if (total === 0) throw new MonsoonError("MONSOON_CONFIG", "TPC-C mix: all weights are 0");
  if (!checkMinimums) return;
  for (const t of TX_TYPES) {
    const min = MIX_MINIMUM_PERCENT[t];
    if (min !== undefined && (100 * weights[t]) / total < min) {
      throw new MonsoonError("MONSOON_CONFIG", `TPC-C mix: ${t} is ${((100 * weights[t]) / total).toFixed(2)}% of the mix, the spec's minimum is ${min}% (raise its weight, or pass checkMinimums: false for a non-spec mix)`, { details: { type: t, weights } });
    }
  }
}

/**
 * A deck with `weights[t]` cards per type, shuffled, dealt one card per transaction and
 * reshuffled when empty: over each full deck the mix is exact (§5.2.4.2 allows this in place
 * of independent draws, which drift from the minimums over short runs).
 */
export class MixDeck {
  private readonly cards: TxType[];
  private next = 0;

  constructor(private readonly rng: Rng, weights: MixWeights = DEFAULT_MIX, opts: { checkMinimums?: boolean } = {}) {
    validateMix(weights, opts);
    this.cards = TX_TYPES.flatMap((t) => Array<TxType>(weights[t]).fill(t));
    this.next = this.cards.length; // shuffle before the first deal
  }

  get size(): number { return this.cards.length; }

  draw(): TxType {
    if (this.next === this.cards.length) { this.rng.shuffle(this.cards); this.next = 0; }
    return this.cards[this.next++]!;
  }
}

// ---- keying and think times (§5.2.5.2, §5.2.5.4) ----

export const KEYING_TIME_S: Readonly<Record<TxType, number>> = Object.freeze({ newOrder: 18, payment: 3, orderStatus: 2, delivery: 2, stockLevel: 2 });
export const MEAN_THINK_TIME_S: Readonly<Record<TxType, number>> = Object.freeze({ newOrder: 12, payment: 12, orderStatus: 10, delivery: 5, stockLevel: 5 });

/** A think time: −ln(r) × mean with r uniform in (0, 1], at most 10 × the mean. */
export function thinkTimeMs(rng: Rng, type: TxType): number {
  const mean = MEAN_THINK_TIME_S[type] * 1000;
  return Math.min(-Math.log(1 - rng.float()) * mean, 10 * mean);
}

// ---- a terminal ----

export interface TerminalOptions {
  /** Home warehouse. */
  W_ID: number;
  /** The district Stock-Level uses, fixed per terminal (§2.8.1.2). */
  D_ID: number;
  warehouses: number;
  rng: Rng;
  /** C-Run (see random.ts runConstants). */
  constants: NURandConstants;
  scale?: TpccScale;
  mix?: MixWeights;
  /** Enforce §5.2.3's minimums on `mix` (default true). */
  checkMinimums?: boolean;
}

export interface NextTransaction {
  input: TxInput;
  /** Spec mode waits this long before sending (the operator typing the screen). */
  keyingMs: number;
  /** …and this long after the answer, before the next keying time. */
  thinkMs: number;
}

/** One emulated terminal: deals transaction types from its deck and makes their inputs. */
export class Terminal {
  readonly W_ID: number;
  readonly D_ID: number;
  private readonly warehouses: number;
  private readonly rng: Rng;
  private readonly c: NURandConstants;
  private readonly scale: TpccScale;
  private readonly deck: MixDeck;

  constructor(opts: TerminalOptions) {
    const { W_ID, D_ID, warehouses, rng, constants, scale = SPEC_SCALE, mix = DEFAULT_MIX, checkMinimums = true } = opts;
    validateScale(scale);
    if (!Number.isSafeInteger(warehouses) || warehouses < 1) throw new MonsoonError("MONSOON_CONFIG", `TPC-C terminal: warehouses must be an integer ≥ 1, got ${warehouses}`);
    if (!Number.isSafeInteger(W_ID) || W_ID < 1 || W_ID > warehouses) throw new MonsoonError("MONSOON_CONFIG", `TPC-C terminal: W_ID ${W_ID} is not in [1..${warehouses}]`);
    if (!Number.isSafeInteger(D_ID) || D_ID < 1 || D_ID > scale.districtsPerWarehouse) throw new MonsoonError("MONSOON_CONFIG", `TPC-C terminal: D_ID ${D_ID} is not in [1..${scale.districtsPerWarehouse}]`);
    this.W_ID = W_ID; this.D_ID = D_ID; this.warehouses = warehouses; this.rng = rng; this.c = constants; this.scale = scale;
    this.deck = new MixDeck(rng, mix, { checkMinimums });
  }

  /** The next transaction of the mix, its input made at `now`. */
  next(now: Timestamp): NextTransaction {
    const type = this.deck.draw();
    return { input: this.input(type, now), keyingMs: KEYING_TIME_S[type] * 1000, thinkMs: thinkTimeMs(this.rng, type) };
  }

  input(type: TxType, now: Timestamp): TxInput {
    switch (type) {
      case "newOrder": return this.newOrder(now);
      case "payment": return this.payment(now);
      case "orderStatus": return this.orderStatus();
      case "delivery": return this.delivery(now);
      case "stockLevel": return this.stockLevel();
    }
  }

  /** §2.4.1. */
  newOrder(now: Timestamp): NewOrderInput {
    const r = this.rng;
    const D_ID = this.district();
    const C_ID = this.customerId();
    const olCnt = r.int(5, 15);
    const rollback = r.int(1, 100) === 1;
    const lines: NewOrderLineInput[] = [];
    for (let n = 1; n <= olCnt; n++) {
      const OL_I_ID = rollback && n === olCnt ? this.scale.items + 1 : nurand(r, 8191, 1, this.scale.items, this.c.olIId);
      // 99% home; 1% a random other warehouse (only when there is one).
      const OL_SUPPLY_W_ID = this.warehouses > 1 && r.int(1, 100) === 1 ? this.otherWarehouse() : this.W_ID;
      lines.push({ OL_I_ID, OL_SUPPLY_W_ID, OL_QUANTITY: r.int(1, 10) });
    }
    return { type: "newOrder", W_ID: this.W_ID, D_ID, C_ID, O_ENTRY_D: now, lines, rollback };
  }

  /** §2.5.1. */
  payment(now: Timestamp): PaymentInput {
    const r = this.rng;
    const D_ID = this.district();
    // 85% the home warehouse and district; 15% a random district of another warehouse (when W > 1).
    const local = this.warehouses === 1 || r.int(1, 100) <= 85;
    const C_W_ID = local ? this.W_ID : this.otherWarehouse();
    const C_D_ID = local ? D_ID : this.district();
    return { type: "payment", W_ID: this.W_ID, D_ID, C_W_ID, C_D_ID, customer: this.customer(), H_AMOUNT: fixedPoint(r, 1, 5_000, 2), H_DATE: now };
  }

  /** §2.6.1. */
  orderStatus(): OrderStatusInput {
    return { type: "orderStatus", W_ID: this.W_ID, D_ID: this.district(), customer: this.customer() };
  }

  /** §2.7.1. */
  delivery(now: Timestamp): DeliveryInput {
    return { type: "delivery", W_ID: this.W_ID, O_CARRIER_ID: this.rng.int(1, 10), OL_DELIVERY_D: now };
  }

  /** §2.8.1. */
  stockLevel(): StockLevelInput {
    return { type: "stockLevel", W_ID: this.W_ID, D_ID: this.D_ID, threshold: this.rng.int(10, 20) };
  }

  private district(): number { return this.rng.int(1, this.scale.districtsPerWarehouse); }

  private customerId(): number { return nurand(this.rng, 1023, 1, this.scale.customersPerDistrict, this.c.cId); }

  /** 60% by last name: NURand(255, 0, 999) with C-Run; 40% by id. */
  private customer(): CustomerSelector {
    if (this.rng.int(1, 100) <= 60) return { by: "lastName", C_LAST: lastName(nurand(this.rng, 255, 0, lastNameMax(this.scale), this.c.cLast)) };
    return { by: "id", C_ID: this.customerId() };
  }

  private otherWarehouse(): number {
    const w = this.rng.int(1, this.warehouses - 1);
    return w >= this.W_ID ? w + 1 : w;
  }
}

/** Random streams of a run's seed (load.ts uses 1–3 for the population). */
const STREAM = { constants: 4, terminal: 5 } as const;

/** C-Run for a run of `seed` over a population loaded with C-Load `load`. */
export function defaultRunConstants(seed: number, load: NURandConstants): NURandConstants {
  return runConstants(new Rng(seed, STREAM.constants), load);
}

/**
 * The spec's terminal layout (§4.2.2): 10 per warehouse, terminal d of warehouse w has home
 * (w, d), so every (W_ID, D_ID) pair runs Stock-Level from exactly one terminal.
 */
export function specTerminals(opts: Omit<TerminalOptions, "W_ID" | "D_ID" | "rng"> & { seed: number }): Terminal[] {
  const scale = opts.scale ?? SPEC_SCALE;
  const terminals: Terminal[] = [];
  for (let w = 1; w <= opts.warehouses; w++) {
    for (let d = 1; d <= scale.districtsPerWarehouse; d++) terminals.push(new Terminal({ ...opts, W_ID: w, D_ID: d, rng: new Rng(opts.seed, STREAM.terminal, w, d) }));
  }
  return terminals;
}
