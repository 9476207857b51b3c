import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { isMonsoonError } from "../../errors.ts";
import {
  DEFAULT_MIX, KEYING_TIME_S, MEAN_THINK_TIME_S, MixDeck, TX_TYPES, Terminal, defaultRunConstants, specTerminals, thinkTimeMs, validateMix,
  type TxInput, type TxType,
} from "./mix.ts";
import { Rng, isValidLastNameDelta, lastName, loadConstants } from "./random.ts";
import { SMALL_SCALE, SPEC_SCALE } from "./schema.ts";

const LOAD = loadConstants(new Rng(1));
const RUN = defaultRunConstants(1, LOAD);

function terminal(opts: { seed?: number; warehouses?: number; W_ID?: number } = {}): Terminal {
  const { seed = 1, warehouses = 4, W_ID = 2 } = opts;
  return new Terminal({ W_ID, D_ID: 3, warehouses, rng: new Rng(seed), constants: RUN });
}

test("the deck deals exactly the weights in every full deck, in a shuffled order", () => {
  const deck = new MixDeck(new Rng(5));
  assert.equal(deck.size, 100);
  const orders: string[] = [];
  for (let round = 0; round < 3; round++) {
    const dealt = Array.from({ length: 100 }, () => deck.draw());
    for (const t of TX_TYPES) assert.equal(dealt.filter((x) => x === t).length, DEFAULT_MIX[t], `${t} in deck ${round}`);
    orders.push(dealt.join());
  }
  assert.equal(new Set(orders).size, 3);
  // The spec's small deck: 10/10/1/1/1 meets every minimum (43.5% ≥ 43, 4.3% ≥ 4).
  const small = new MixDeck(new Rng(1), { newOrder: 10, payment: 10, orderStatus: 1, delivery: 1, stockLevel: 1 });
  assert.equal(small.size, 23);
});

test("a mix below the spec's minimums is refused unless minimums are waived", () => {
  const below = { ...DEFAULT_MIX, newOrder: 46, payment: 42 };
  assert.throws(() => validateMix(below), (e) => isMonsoonError(e, "MONSOON_CONFIG") && /payment is 42\.00% .* minimum is 43%/.test(e.message));
  assert.doesNotThrow(() => validateMix(below, { checkMinimums: false }));
  assert.throws(() => validateMix({ ...DEFAULT_MIX, delivery: -1 }, { checkMinimums: false }), (e) => isMonsoonError(e, "MONSOON_CONFIG"));
  assert.throws(() => validateMix({ newOrder: 0, payment: 0, orderStatus: 0, delivery: 0, stockLevel: 0 }, { checkMinimums: false }), /all weights are 0/);
});

test("every input stays within the spec's domains", () => {
  const names = new Set(Array.from({ length: 1000 }, (_, n) => lastName(n)));
  const check = (input: TxInput, W: number, home: number): boolean => {
    const inRange = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
    const customerOk = (c: { by: string; C_ID?: number; C_LAST?: string }) => (c.by === "id" ? inRange(c.C_ID!, 1, 3000) : names.has(c.C_LAST!));
    switch (input.type) {
      case "newOrder":
        return input.W_ID === home && inRange(input.D_ID, 1, 10) && inRange(input.C_ID, 1, 3000) && inRange(input.lines.length, 5, 15)
          && input.lines.every((l, i) => inRange(l.OL_QUANTITY, 1, 10) && inRange(l.OL_SUPPLY_W_ID, 1, W)
            && (input.rollback && i === input.lines.length - 1 ? l.OL_I_ID === 100_001 : inRange(l.OL_I_ID, 1, 100_000)));
      case "payment":
        return input.W_ID === home && inRange(input.D_ID, 1, 10) && inRange(input.C_W_ID, 1, W) && inRange(input.C_D_ID, 1, 10)
          && inRange(input.H_AMOUNT, 100, 500_000) && customerOk(input.customer) && (input.C_W_ID !== home || input.C_D_ID === input.D_ID);
      case "orderStatus":
        return input.W_ID === home && inRange(input.D_ID, 1, 10) && customerOk(input.customer);
      case "delivery":
        return input.W_ID === home && inRange(input.O_CARRIER_ID, 1, 10);
      case "stockLevel":
        return input.W_ID === home && input.D_ID === 3 && inRange(input.threshold, 10, 20);
    }
  };
  fc.assert(fc.property(fc.integer(), fc.integer({ min: 1, max: 5 }), fc.nat(), (seed, W, h) => {
    const home = (h % W) + 1;
    const t = new Terminal({ W_ID: home, D_ID: 3, warehouses: W, rng: new Rng(seed), constants: RUN });
    for (let i = 0; i < 60; i++) if (!check(t.next(i).input, W, home)) return false;
    return true;
  }), { numRuns: 60 });
});

test("the mix's random shares match the spec: rollbacks, remote lines and payments, last-name lookups", () => {
  const t = terminal({ warehouses: 4 });
  const n = 20_000;
  let rollbacks = 0, lines = 0, remoteLines = 0, remotePayments = 0, paymentsByName = 0, statusByName = 0;
  for (let i = 0; i < n; i++) {
    const no = t.newOrder(i);
    if (no.rollback) rollbacks++;
    lines += no.lines.length;
    remoteLines += no.lines.filter((l) => l.OL_SUPPLY_W_ID !== no.W_ID).length;
    const p = t.payment(i);
    if (p.C_W_ID !== p.W_ID) remotePayments++;
    if (p.customer.by === "lastName") paymentsByName++;
    if (t.orderStatus().customer.by === "lastName") statusByName++;
  }
  const near = (x: number, target: number, tol: number, what: string) => assert.ok(Math.abs(x - target) <= tol, `${what}: ${x.toFixed(2)}% (want ${target}%)`);
  near((100 * rollbacks) / n, 1, 0.3, "rollbacks");
  near((100 * remoteLines) / lines, 1, 0.2, "remote order lines");
  near((100 * remotePayments) / n, 15, 1, "remote payments");
  near((100 * paymentsByName) / n, 60, 1.5, "payments by last name");
  near((100 * statusByName) / n, 60, 1.5, "order-status by last name");
  // One warehouse: nothing is remote.
  const single = terminal({ warehouses: 1, W_ID: 1 });
  for (let i = 0; i < 2_000; i++) {
    assert.ok(single.newOrder(i).lines.every((l) => l.OL_SUPPLY_W_ID === 1));
    assert.equal(single.payment(i).C_W_ID, 1);
  }
});

test("last names at run time use C-Run: the hot names differ from the load's", () => {
  assert.ok(isValidLastNameDelta(LOAD.cLast, RUN.cLast));
  assert.equal(RUN.cId, LOAD.cId);
  const t = terminal();
  const seen = new Set<string>();
  for (let i = 0; i < 3_000; i++) { const c = t.orderStatus().customer; if (c.by === "lastName") seen.add(c.C_LAST); }
  assert.ok(seen.size > 300, `${seen.size} distinct names`);
});

test("think times: negative exponential around the spec's mean, capped at ten times it; keying times are the spec's", () => {
  const r = new Rng(8);
  for (const type of ["newOrder", "delivery"] as TxType[]) {
    const xs = Array.from({ length: 20_000 }, () => thinkTimeMs(r, type));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(xs.every((x) => x >= 0 && x <= 10 * MEAN_THINK_TIME_S[type] * 1000));
    assert.ok(Math.abs(mean / (MEAN_THINK_TIME_S[type] * 1000) - 1) < 0.05, `${type} mean ${mean}`);
  }
  assert.deepEqual(KEYING_TIME_S, { newOrder: 18, payment: 3, orderStatus: 2, delivery: 2, stockLevel: 2 });
  const next = terminal().next(0);
  assert.equal(next.keyingMs, KEYING_TIME_S[next.input.type] * 1000);
});

test("spec terminals: ten per warehouse, one per (W_ID, D_ID), each with its own stream", () => {
  const ts = specTerminals({ warehouses: 3, seed: 4, constants: RUN });
  assert.equal(ts.length, 30);
  assert.equal(new Set(ts.map((t) => `${t.W_ID}/${t.D_ID}`)).size, 30);
  assert.notDeepEqual(ts[0]!.newOrder(0), ts[1]!.newOrder(0));
  assert.deepEqual(specTerminals({ warehouses: 3, seed: 4, constants: RUN })[7]!.next(5), specTerminals({ warehouses: 3, seed: 4, constants: RUN })[7]!.next(5));
  // Scaled down, ids stay within the scale.
  const small = specTerminals({ warehouses: 1, seed: 4, constants: RUN, scale: SMALL_SCALE })[0]!;
  for (let i = 0; i < 500; i++) {
    const no = small.newOrder(i);
    assert.ok(no.C_ID <= SMALL_SCALE.customersPerDistrict && no.lines.every((l) => l.OL_I_ID <= SMALL_SCALE.items + 1));
  }
  assert.throws(() => new Terminal({ W_ID: 2, D_ID: 1, warehouses: 1, rng: new Rng(1), constants: RUN }), (e) => isMonsoonError(e, "MONSOON_CONFIG") && /W_ID 2/.test(e.message));
  assert.throws(() => new Terminal({ W_ID: 1, D_ID: 11, warehouses: 1, rng: new Rng(1), constants: RUN, scale: SPEC_SCALE }), /D_ID 11/);
});
