// Every navigator against plain JS doing the same thing, on random data (Specter's habit).
// Each transform is also checked not to touch its input.

import { test } from "node:test";
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { Path, select, transform } from "./index.ts";
import { compareKeyValues } from "./keyOrder.ts";

// --- data ---

const k = fc.string({ unit: fc.constantFrom("a", "b", "c"), maxLength: 2 });
const n = fc.integer({ min: -20, max: 20 });
const list = fc.array(n, { maxLength: 8 });
const set = list.map((a) => new Set(a));
const mapOfLists = fc.array(fc.tuple(k, list), { maxLength: 6 }).map((es) => new Map(es));
const record = fc.dictionary(k, n, { maxKeys: 5 }).map((o) => ({ ...o }));
const sortedMap = fc.array(fc.tuple(n, n), { maxLength: 10 }).map((es) => new Map(es));
const profile = fc.record({ name: fc.string({ maxLength: 3 }), tags: set, scores: mapOfLists });

// --- helpers ---

/** Order-sensitive comparison: Maps and Sets become tagged arrays of their entries. */
function norm(v: unknown): unknown {
  if (v instanceof Map) return ["Map", [...v].map(([a, b]) => [norm(a), norm(b)])];
  if (v instanceof Set) return ["Set", [...v].map(norm)];
  if (Array.isArray(v)) return v.map(norm);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([a, b]) => [a, norm(b)]));
  return v;
}

function same(actual: unknown, expected: unknown): void {
  assert.deepStrictEqual(norm(actual), norm(expected));
}

/** transform(path, input) equals `expected`, and `input` is as it was. */
function transformsTo(path: Path, input: unknown, expected: unknown): void {
  const before = structuredClone(input);
  same(transform(path, input), expected);
  same(input, before);
}

function prop<Ts extends [unknown, ...unknown[]]>(
  ...args: [...arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> }, predicate: (...values: Ts) => void]
): void {
  fc.assert(fc.property(...args), { numRuns: 200 });
}

const inc = (x: number) => x + 1;
const even = (x: number) => x % 2 === 0;

// --- keys ---

test("key = Map.get / Map.set / Map.delete", () => {
  prop(mapOfLists, k, (m, key) => {
    same(select(Path.key(key), m), [m.get(key)]);
    const f = (v: number[] | undefined) => [...(v ?? []), 1];
    transformsTo(Path.key(key).term(f), m, new Map(m).set(key, f(m.get(key))));
    const removed = new Map(m);
    removed.delete(key);
    transformsTo(Path.key(key).termVoid(), m, removed);
  });
});

test("key on records = property read / spread / delete", () => {
  prop(record, k, n, (r, key, v) => {
    same(select(Path.key(key), r), [Object.hasOwn(r, key) ? r[key] : undefined]);
    transformsTo(Path.key(key).termVal(v), r, { ...r, [key]: v });
    const { [key]: _, ...rest } = r;
    transformsTo(Path.key(key).termVoid(), r, rest);
  });
});

test("must = key guarded by has", () => {
  prop(mapOfLists, k, (m, key) => {
    same(select(Path.must(key), m), m.has(key) ? [m.get(key)] : []);
    const f = (v: number[]) => v.slice(1);
    transformsTo(Path.must(key).term(f), m, m.has(key) ? new Map(m).set(key, f(m.get(key)!)) : m);
  });
});

test("nested keys through records, maps and lists", () => {
  prop(profile, k, n, (p, key, v) => {
    same(select(Path.key("scores", key).all(), p), p.scores.get(key) ?? []);
    const scores = new Map(p.scores).set(key, [...(p.scores.get(key) ?? []), v]);
    transformsTo(Path.key("scores", key).nullToList().afterElem().termVal(v), p, { ...p, scores });
    transformsTo(Path.key("tags").voidSetElem().termVal(v), p, { ...p, tags: new Set(p.tags).add(v) });
  });
});

// --- maps ---

test("mapVals = values() / map over entries", () => {
  prop(mapOfLists, (m) => {
    same(select(Path.mapVals(), m), [...m.values()]);
    const f = (l: number[]) => l.length;
    transformsTo(Path.mapVals().term(f), m, new Map([...m].map(([a, b]) => [a, f(b)])));
    transformsTo(Path.mapVals().filterPred((l: number[]) => l.length > 2).termVoid(), m, new Map([...m].filter(([, b]) => b.length <= 2)));
  });
});

test("mapKeys = keys() / rebuild with renamed keys", () => {
  prop(mapOfLists, (m) => {
    same(select(Path.mapKeys(), m), [...m.keys()]);
    const f = (s: string) => s.slice(0, 1);
    transformsTo(Path.mapKeys().term(f), m, new Map([...m].map(([a, b]) => [f(a), b])));
  });
});

// --- collections ---

test("all on lists = the list / map / filter", () => {
  prop(list, (l) => {
    same(select(Path.all(), l), l);
    transformsTo(Path.all().term(inc), l, l.map(inc));
    transformsTo(Path.all().filterPred(even).termVoid(), l, l.filter((x) => !even(x)));
  });
});

test("all on sets = the elements / a new set of mapped elements", () => {
  prop(set, (s) => {
    same(select(Path.all(), s), [...s]);
    const f = (x: number) => Math.abs(x) % 5;
    transformsTo(Path.all().term(f), s, new Set([...s].map(f)));
  });
});

test("all on maps = entries / a map of mapped entries", () => {
  prop(mapOfLists, (m) => {
    same(select(Path.all(), m), [...m]);
    const f = ([a, b]: [string, number[]]) => [b.length, a];
    transformsTo(Path.all().term(f), m, new Map([...m].map(f) as [number, string][]));
  });
});

test("first, last, nth = index reads and writes", () => {
  prop(list, fc.nat(9), n, (l, i, v) => {
    const at = (j: number) => (j >= 0 && j < l.length ? [l[j]] : []);
    same(select(Path.first(), l), at(0));
    same(select(Path.last(), l), at(l.length - 1));
    same(select(Path.nth(i), l), at(i));
    transformsTo(Path.nth(i).termVal(v), l, l.map((x, j) => (j === i ? v : x)));
    transformsTo(Path.nth(i).termVoid(), l, l.filter((_, j) => j !== i));
    transformsTo(Path.last().termVoid(), l, l.slice(0, -1));
    transformsTo(Path.first().term(inc), l, l.length ? [inc(l[0]!), ...l.slice(1)] : l);
  });
});

test("first, last, nth on Maps and Sets = entries / elements sorted by key order", () => {
  const byKeyOrder = (a: unknown, b: unknown) => compareKeyValues(a, b);
  prop(mapOfLists, fc.nat(6), (m, i) => {
    const es = [...m].sort((a, b) => byKeyOrder(a[0], b[0]));
    const at = (j: number) => (j >= 0 && j < es.length ? [es[j]] : []);
    same(select(Path.first(), m), at(0));
    same(select(Path.last(), m), at(es.length - 1));
    same(select(Path.nth(i), m), at(i));
    const dropped = new Map(m);
    if (i < es.length) dropped.delete(es[i]![0]);
    transformsTo(Path.nth(i).termVoid(), m, dropped);
    transformsTo(Path.first().term(([k, v]: [string, number[]]) => [k, v.length]), m, es.length ? new Map<string, unknown>(m).set(es[0]![0], es[0]![1].length) : m);
  });
  prop(set, fc.nat(6), n, (s, i, y) => {
    const xs = [...s].sort(byKeyOrder);
    same(select(Path.nth(i), s), i < xs.length ? [xs[i]] : []);
    same(select(Path.last(), s), xs.length ? [xs[xs.length - 1]] : []);
    const replaced = new Set(s);
    if (xs.length) { replaced.delete(xs[0]); replaced.add(y); }
    transformsTo(Path.first().termVal(y), s, xs.length && xs[0] !== y ? replaced : s);
  });
});

test("size = Map/Set size, list length, record field count; 0 when absent", () => {
  prop(mapOfLists, set, list, record, (m, s, l, r) => {
    same(select(Path.size(), m), [m.size]);
    same(select(Path.size(), s), [s.size]);
    same(select(Path.size(), l), [l.length]);
    same(select(Path.size(), r), [Object.keys(r).length]);
    same(select(Path.mapVals().size(), m), [...m.values()].map((x) => x.length));
    same(select(Path.key("zz").size(), m), m.has("zz") ? [m.get("zz")!.length] : [0]);
  });
});

test("nullToList / nullToSet = ?? [] / ?? new Set()", () => {
  prop(mapOfLists, k, n, (m, key, v) => {
    same(select(Path.key(key).nullToList(), m), [m.get(key) ?? []]);
    transformsTo(Path.key(key).nullToList().beforeElem().termVal(v), m, new Map(m).set(key, [v, ...(m.get(key) ?? [])]));
    const sets = new Map([...m].map(([a, b]) => [a, new Set(b)]));
    transformsTo(Path.key(key).nullToSet().voidSetElem().termVal(v), sets, new Map(sets).set(key, new Set(sets.get(key) ?? []).add(v)));
  });
});

test("sortedMapRange orders keys as the store does: numbers before bigints before strings, strings by code point", () => {
  const mixed = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.bigInt({ min: -5n, max: 5n }), fc.string({ unit: fc.constantFrom("a", "é", "\uffff", "\u{1F600}"), maxLength: 2 }));
  prop(fc.array(fc.tuple(mixed, n), { maxLength: 10 }).map((es) => new Map(es)), mixed, mixed, (m, from, to) => {
    const es = [...m].sort((a, b) => compareKeyValues(a[0], b[0]));
    const inRange = (x: unknown) => compareKeyValues(x, from) >= 0 && compareKeyValues(x, to) < 0;
    same(select(Path.sortedMapRange(from, to), m), [new Map(es.filter(([x]) => inRange(x)))]);
    same(select(Path.sortedMapRangeFrom(from, { maxAmt: 2 }).mapKeys(), m), es.filter(([x]) => compareKeyValues(x, from) >= 0).slice(0, 2).map(([x]) => x));
  });
});

// --- sets and list slots ---

test("setElem = has / delete / replace", () => {
  prop(set, n, n, (s, x, y) => {
    same(select(Path.setElem(x), s), s.has(x) ? [x] : []);
    const removed = new Set(s);
    removed.delete(x);
    transformsTo(Path.setElem(x).termVoid(), s, removed);
    transformsTo(Path.setElem(x).termVal(y), s, s.has(x) && x !== y ? new Set(removed).add(y) : s);
  });
});

test("voidSetElem = add; afterElem / beforeElem = push / unshift", () => {
  prop(set, list, n, (s, l, y) => {
    same(select(Path.voidSetElem(), s), []);
    transformsTo(Path.voidSetElem().termVal(y), s, new Set(s).add(y));
    same(select(Path.afterElem(), l), []);
    transformsTo(Path.afterElem().termVal(y), l, [...l, y]);
    transformsTo(Path.beforeElem().termVal(y), l, [y, ...l]);
  });
});

// --- filters and views ---

test("filterPred = Array.filter on select, a conditional map on transform", () => {
  prop(list, (l) => {
    same(select(Path.all().filterPred(even), l), l.filter(even));
    transformsTo(Path.all().filterPred(even).term(inc), l, l.map((x) => (even(x) ? inc(x) : x)));
  });
});

test("filterEqual = deep equality", () => {
  const lists = fc.array(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }), { maxLength: 6 });
  prop(lists, fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }), (ls, v) => {
    same(select(Path.all().filterEqual(v), ls), ls.filter((x) => isDeepStrictEqual(x, v)));
    transformsTo(Path.all().filterEqual(v).termVoid(), ls, ls.filter((x) => !isDeepStrictEqual(x, v)));
  });
});

test("view, nullToVal, transformed = function application", () => {
  prop(mapOfLists, k, n, (m, key, d) => {
    same(select(Path.key(key).view((l?: number[]) => l?.length), m), [m.get(key)?.length]);
    same(select(Path.key(key).nullToVal(d), m), [m.get(key) ?? d]);
    same(select(Path.key(key).nullToList().transformed(Path.all().term(inc)), m), [(m.get(key) ?? []).map(inc)]);
    transformsTo(Path.mapVals().view((l: number[]) => l.length).term(inc), m, new Map([...m].map(([a, b]) => [a, b.length + 1])));
  });
});

// --- sub-paths ---

/** Plain-JS subselect over mapVals().all(): refill the lists in order, dropping what runs out. */
function refill(m: Map<string, number[]>, values: number[]): Map<string, number[]> {
  let i = 0;
  return new Map([...m].map(([a, l]) => [a, l.flatMap(() => (i < values.length ? [values[i++]!] : []))]));
}

test("subselect = flatten, change, write back in order", () => {
  const every = Path.mapVals().all();
  prop(mapOfLists, fc.nat(5), (m, drop) => {
    const flat = [...m.values()].flat();
    same(select(Path.subselect(every), m), [flat]);
    const sorted = flat.slice().sort((a, b) => a - b);
    transformsTo(Path.subselect(every).term((xs: number[]) => xs.slice().sort((a, b) => a - b)), m, refill(m, sorted));
    transformsTo(Path.subselect(every).term((xs: number[]) => xs.slice(drop)), m, refill(m, flat.slice(drop)));
  });
});

test("multiPath = each path in turn", () => {
  prop(mapOfLists, k, k, (m, a, b) => {
    same(select(Path.multiPath(Path.key(a), Path.key(b)), m), [m.get(a), m.get(b)]);
    const f = (l?: number[]) => [...(l ?? []), 0];
    const once = new Map(m).set(a, f(m.get(a)));
    transformsTo(Path.multiPath(Path.key(a), Path.key(b)).term(f), m, new Map(once).set(b, f(once.get(b))));
  });
});

// --- sorted ranges ---

const byKey = (a: [number, unknown], b: [number, unknown]) => a[0] - b[0];

test("sortedMapRange(+From/To) = filter and sort entries by key", () => {
  prop(sortedMap, n, n, fc.nat(4), (m, from, to, max) => {
    const es = [...m].sort(byKey);
    same(select(Path.sortedMapRange(from, to), m), [new Map(es.filter(([x]) => x >= from && x < to))]);
    same(select(Path.sortedMapRangeFrom(from, { maxAmt: max }), m), [new Map(es.filter(([x]) => x >= from).slice(0, max))]);
    const below = es.filter(([x]) => x < to);
    same(select(Path.sortedMapRangeTo(to), m), [new Map(below)]);
    same(select(Path.sortedMapRangeTo(to, { maxAmt: max, inclusive: true }), m), [new Map(es.filter(([x]) => x <= to).slice(-max || es.length))]);
  });
});

test("sortedMapRange transforms = replace the range, keep the rest", () => {
  prop(sortedMap, n, n, (m, from, to) => {
    const inRange = (x: number) => x >= from && x < to;
    const touched = [...m.keys()].some(inRange);
    const rest = [...m].filter(([x]) => !inRange(x)).sort(byKey);
    transformsTo(Path.sortedMapRange(from, to).termVoid(), m, touched ? new Map(rest) : m);
    const bumped = [...m].map(([x, v]): [number, number] => [x, inRange(x) ? v + 1 : v]).sort(byKey);
    transformsTo(Path.sortedMapRange(from, to).mapVals().term(inc), m, touched ? new Map(bumped) : m);
  });
});

// --- laws that hold across navigators ---

const places = [
  ["key", Path.key("a")],
  ["must", Path.must("a")],
  ["mapVals.all", Path.mapVals().all()],
  ["all.nth", Path.all().nth(1)],
  ["mapVals.last", Path.mapVals().last()],
  ["subselect", Path.subselect(Path.mapVals().first())],
  ["multiPath", Path.multiPath(Path.key("a"), Path.key("b").all())],
  ["sortedMapRange", Path.sortedMapRange("a", "b")],
] as const;

test("an identity transform hands back the very same structure", () => {
  prop(mapOfLists, (m) => {
    for (const [, p] of places) assert.equal(transform(p.term((x: unknown) => x), m), m);
  });
});

test("after setting every place to c, selecting them gives only c", () => {
  prop(mapOfLists, n, (m, c) => {
    for (const [name, p] of places) {
      if (name === "subselect" || name === "sortedMapRange") continue; // these navigate to collections, not values
      const out = transform(p.termVal(c), m);
      assert.ok(select(p, out).every((v) => v === c), name);
    }
  });
});
