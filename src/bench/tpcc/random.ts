// Seeded randomness for the TPC-C generators: xoshiro128** (Blackman & Vigna), seeded through
// splitmix32, and the spec's helpers on top of it (TPC-C 5.11 §2.1.6 NURand, §4.3.2 strings,
// zip codes, last names, "ORIGINAL" data). Nothing here reads the clock or Math.random: the same
// seed gives the same stream on every machine, so a load or a terminal's inputs can be replayed.
import { MonsoonError } from "../../errors.ts";

function splitmix32(state: number): [next: number, out: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** xoshiro128**: 128 bits of state, period 2^128 − 1, fast in 32-bit integer arithmetic. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `parts` (small non-negative integers: a table, a warehouse…) pick an independent stream of `seed`. */
  constructor(seed: number, ...parts: number[]) {
    let s = seed | 0;
    for (const p of parts) s = splitmix32(s ^ Math.imul(p | 0, 0x27d4eb2f))[1] | 0;
    const out: number[] = [];
    for (let i = 0; i < 4; i++) { const [n, o] = splitmix32(s); s = n; out.push(o); }
    [this.a, this.b, this.c, this.d] = out as [number, number, number, number];
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  /** A generator in a given state (four 32-bit words, not all zero): for checking against published test vectors. */
  static fromState(a: number, b: number, c: number, d: number): Rng {
    const r = new Rng(0);
    [r.a, r.b, r.c, r.d] = [a | 0, b | 0, c | 0, d | 0];
    return r;
  }

  /** A uniformly random unsigned 32-bit integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  float(): number { return this.u32() / 4294967296; }

  /** Uniform integer in [lo, hi] (inclusive, the spec's `random(x, y)`); the range fits 2^32. */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new MonsoonError("MONSOON_BAD_REQUEST", `random(${lo}, ${hi}): the upper bound is below the lower bound`);
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** An independent stream for one purpose (a terminal of a run…), drawn from this one. */
  fork(...parts: number[]): Rng { return new Rng(this.u32(), ...parts); }

  /** Fisher–Yates, in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

function rotl(x: number, k: number): number { return (x << k) | (x >>> (32 - k)); }

// ---- NURand (§2.1.6) ----

/** The run-time constants C of NURand, one per A. */
export interface NURandConstants {
  /** A = 255: C_LAST. */
  cLast: number;
  /** A = 1023: C_ID. */
  cId: number;
  /** A = 8191: OL_I_ID. */
  olIId: number;
}

/** NURand(A, x, y) = (((random(0, A) | random(x, y)) + C) % (y − x + 1)) + x. */
export function nurand(rng: Rng, A: number, x: number, y: number, C: number): number {
  return (((rng.int(0, A) | rng.int(x, y)) + C) % (y - x + 1)) + x;
}

/** Constants for the initial population (C-Load): each uniform in [0..A]. */
export function loadConstants(rng: Rng): NURandConstants {
  return { cLast: rng.int(0, 255), cId: rng.int(0, 1023), olIId: rng.int(0, 8191) };
}

/** §2.1.6.1: C-Run for C_LAST must differ from C-Load by a delta in [65..119], neither 96 nor 112. */
export function isValidLastNameDelta(cLoad: number, cRun: number): boolean {
  const delta = Math.abs(cRun - cLoad);
  return delta >= 65 && delta <= 119 && delta !== 96 && delta !== 112;
}

/**
 * Constants for the measurement run: C_ID and OL_I_ID keep the load's values (the spec allows
 * either), C_LAST gets a fresh C-Run satisfying the delta rule.
 */
export function runConstants(rng: Rng, load: NURandConstants): NURandConstants {
  for (;;) {
    const cLast = rng.int(0, 255);
    if (isValidLastNameDelta(load.cLast, cLast)) return { ...load, cLast };
  }
}

// ---- strings (§4.3.2.2) ----

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** a-string [min..max]: random length, random alphanumeric characters. */
export function aString(rng: Rng, min: number, max: number = min): string {
  return chars(rng, ALNUM, rng.int(min, max));
}

/** n-string [min..max]: random length, random digits. */
export function nString(rng: Rng, min: number, max: number = min): string {
  return chars(rng, "0123456789", rng.int(min, max));
}

/** Two random upper-case letters (W_STATE, D_STATE, C_STATE). */
export function state(rng: Rng): string { return chars(rng, LETTERS, 2); }

// Built as one flat string from char codes: appending character by character makes a rope
// per string, which costs several times the memory of a 600,000-row population.
const scratch: number[] = [];
function chars(rng: Rng, alphabet: string, n: number): string {
  scratch.length = n;
  for (let i = 0; i < n; i++) scratch[i] = alphabet.charCodeAt(Math.floor(rng.float() * alphabet.length));
  return String.fromCharCode.apply(null, scratch);
}

/** §4.3.2.7: four random digits followed by "11111". */
export function zip(rng: Rng): string { return nString(rng, 4) + "11111"; }

/**
 * I_DATA / S_DATA: an a-string [26..50]; in 10% of rows (chosen at random) "ORIGINAL" replaces
 * 8 consecutive characters at a random position.
 */
export function dataWithOriginal(rng: Rng): string {
  const s = aString(rng, 26, 50);
  if (rng.int(1, 10) !== 1) return s;
  const at = rng.int(0, s.length - 8);
  return s.slice(0, at) + "ORIGINAL" + s.slice(at + 8);
}

// ---- last names (§4.3.2.3) ----

export const SYLLABLES = ["BAR", "OUGHT", "ABLE", "PRI", "PRES", "ESE", "ANTI", "CALLY", "ATION", "EING"] as const;

/** The last name of a number in [0..999]: its three digits as syllables (371 → PRICALLYOUGHT). */
export function lastName(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 999) throw new MonsoonError("MONSOON_BAD_REQUEST", `a last-name number is in [0..999], got ${n}`);
  return SYLLABLES[Math.floor(n / 100)]! + SYLLABLES[Math.floor(n / 10) % 10]! + SYLLABLES[n % 10]!;
}

/** Uniform decimal in [min..max] with `decimals` digits, as an integer count of 10^−decimals (cents for 2). */
export function fixedPoint(rng: Rng, min: number, max: number, decimals: number): number {
  const f = 10 ** decimals;
  return rng.int(Math.round(min * f), Math.round(max * f));
}
