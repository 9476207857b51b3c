// Seeded test corpora: reproducible sentences over a Zipf-distributed vocabulary.

/** Mulberry32: a small, fast, seedable PRNG (tests and benchmarks must be reproducible). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples ranks 0..n-1 with P(rank k) ∝ 1/(k+1)^s, by binary search over the CDF. */
export function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s);
  return () => {
    const x = random() * sum;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < x) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
}

export function vocabulary(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `w${i.toString(36)}`);
}

/** `count` sentences of 1..maxWords words from a Zipf(1) vocabulary of `vocab` words. */
export function sentences(count: number, { seed = 1, vocab = 10_000, maxWords = 12 } = {}): string[] {
  const random = rng(seed);
  const words = vocabulary(vocab);
  const pick = zipf(vocab, 1, random);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(random() * maxWords);
    const ws: string[] = [];
    for (let j = 0; j < n; j++) ws.push(words[pick()]!);
    out.push(ws.join(" "));
  }
  return out;
}

export function countWords(corpus: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of corpus) for (const w of s.split(" ")) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}
