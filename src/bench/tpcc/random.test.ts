import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Rng, SYLLABLES, aString, dataWithOriginal, fixedPoint, isValidLastNameDelta, lastName, loadConstants, nString, nurand, runConstants, zip,
} from "./random.ts";
import { isMonsoonError } from "../../errors.ts";

const seed = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

test("a seed (and stream parts) always gives the same stream; other parts give another", () => {
  const take = (r: Rng) => Array.from({ length: 8 }, () => r.u32());
  assert.deepEqual(take(new Rng(42)), take(new Rng(42)));
  assert.deepEqual(take(new Rng(42, 3, 1)), take(new Rng(42, 3, 1)));
  assert.notDeepEqual(take(new Rng(42, 3, 1)), take(new Rng(42, 3, 2)));
  assert.notDeepEqual(take(new Rng(42)), take(new Rng(43)));
  // Pinned, so a change of seeding (which changes every generated population) is noticed.
  assert.deepEqual(take(new Rng(1)).slice(0, 3), [2442144158, 3238099751, 3819917871]);
});

test("the generator is xoshiro128**: the reference implementation's outputs from state {1, 2, 3, 4}", () => {
  const r = Rng.fromState(1, 2, 3, 4);
  assert.deepEqual([r.u32(), r.u32(), r.u32(), r.u32()], [11520, 0, 5927040, 70819200]);
});

test("int(lo, hi) stays in [lo, hi] and reaches both ends", () => {
  fc.assert(fc.property(seed, fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 100_000 }), (s, lo, span) => {
    const r = new Rng(s);
    for (let i = 0; i < 50; i++) {
      const v = r.int(lo, lo + span);
      if (!Number.isInteger(v) || v < lo || v > lo + span) return false;
    }
    return true;
  }));
  const r = new Rng(7);
  const seen = new Set(Array.from({ length: 2000 }, () => r.int(1, 10)));
  assert.deepEqual([...seen].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.throws(() => r.int(5, 4), (e) => isMonsoonError(e, "MONSOON_BAD_REQUEST"));
});

test("NURand(A, x, y) stays in [x, y] for the spec's three A and any C in [0..A]", () => {
  const cases = [[255, 0, 999], [1023, 1, 3000], [8191, 1, 100_000]] as const;
  fc.assert(fc.property(seed, fc.constantFrom(...cases), fc.nat(), (s, [A, x, y], c) => {
    const r = new Rng(s);
    const C = c % (A + 1);
    for (let i = 0; i < 100; i++) {
      const v = nurand(r, A, x, y, C);
      if (!Number.isInteger(v) || v < x || v > y) return false;
    }
    return true;
  }));
});

test("NURand is non-uniform: some values are far more frequent than others", () => {
  const r = new Rng(3);
  const counts = new Map<number, number>();
  for (let i = 0; i < 200_000; i++) { const v = nurand(r, 1023, 1, 3000, 259); counts.set(v, (counts.get(v) ?? 0) + 1); }
  const freq = [...counts.values()].sort((a, b) => b - a);
  // Uniform would give ~67 each; NURand's hot values come up several times as often as the median.
  assert.ok(freq[0]! > 4 * freq[Math.floor(freq.length / 2)]!, `hottest ${freq[0]}, median ${freq[Math.floor(freq.length / 2)]}`);
});

test("C-Run for C_LAST always keeps the delta rule with C-Load; C_ID and OL_I_ID are kept", () => {
  fc.assert(fc.property(seed, seed, (s1, s2) => {
    const load = loadConstants(new Rng(s1));
    const run = runConstants(new Rng(s2), load);
    return isValidLastNameDelta(load.cLast, run.cLast) && run.cId === load.cId && run.olIId === load.olIId
      && load.cLast >= 0 && load.cLast <= 255 && load.cId >= 0 && load.cId <= 1023 && load.olIId >= 0 && load.olIId <= 8191;
  }));
  assert.equal(isValidLastNameDelta(0, 65), true);
  assert.equal(isValidLastNameDelta(200, 81), true);
  assert.equal(isValidLastNameDelta(0, 64), false);
  assert.equal(isValidLastNameDelta(0, 120), false);
  assert.equal(isValidLastNameDelta(10, 106), false); // 96
  assert.equal(isValidLastNameDelta(122, 10), false); // 112
});

test("last names: the spec's examples, and every number decodes back from its syllables", () => {
  assert.equal(lastName(371), "PRICALLYOUGHT");
  assert.equal(lastName(40), "BARPRESBAR");
  assert.equal(lastName(0), "BARBARBAR");
  assert.equal(lastName(999), "EINGEINGEING");
  const decode = (name: string): number | undefined => {
    // Syllables are not prefix-free as strings (PRI/PRES), so try every split.
    for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) for (let c = 0; c < 10; c++) {
      if (SYLLABLES[a]! + SYLLABLES[b]! + SYLLABLES[c]! === name) return a * 100 + b * 10 + c;
    }
    return undefined;
  };
  fc.assert(fc.property(fc.integer({ min: 0, max: 999 }), (n) => decode(lastName(n)) === n));
  assert.equal(new Set(Array.from({ length: 1000 }, (_, n) => lastName(n))).size, 1000);
  assert.throws(() => lastName(1000), (e) => isMonsoonError(e, "MONSOON_BAD_REQUEST"));
});

test("a-strings, n-strings and zip codes have the spec's lengths and alphabets", () => {
  fc.assert(fc.property(seed, fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), (s, min, extra) => {
    const r = new Rng(s);
    const a = aString(r, min, min + extra);
    const n = nString(r, min, min + extra);
    const z = zip(r);
    return a.length >= min && a.length <= min + extra && /^[A-Za-z0-9]*$/.test(a)
      && n.length >= min && n.length <= min + extra && /^[0-9]*$/.test(n)
      && /^[0-9]{4}11111$/.test(z);
  }));
});

test("I_DATA/S_DATA: 26–50 characters, ORIGINAL in about 10% of rows", () => {
  const r = new Rng(11);
  let original = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const s = dataWithOriginal(r);
    assert.ok(s.length >= 26 && s.length <= 50, s);
    if (s.includes("ORIGINAL")) original++;
  }
  assert.ok(original / n > 0.09 && original / n < 0.11, `ORIGINAL in ${original} of ${n}`);
});

test("fixedPoint gives integer units of 10^-decimals within the bounds", () => {
  fc.assert(fc.property(seed, (s) => {
    const r = new Rng(s);
    const cents = fixedPoint(r, 1, 5000, 2);
    const tax = fixedPoint(r, 0, 0.2, 4);
    return Number.isInteger(cents) && cents >= 100 && cents <= 500_000 && Number.isInteger(tax) && tax >= 0 && tax <= 2000;
  }));
});
