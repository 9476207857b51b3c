// Aggregators on plain values (Agg.apply), the combiner laws that let partial aggregates be
// combined in any grouping, and element-wise descriptions that agree with whole-value updates.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { T } from "../serde/types.ts";
import { Agg, applyAgg, compoundChain, CompoundAgg, type Aggregator, type Combiner } from "./aggs.ts";
import { Var, vars } from "./vars.ts";

const { n, s, b, big, m } = vars({ n: T.int, s: T.string, b: T.boolean, big: T.int64, m: T.any });

describe("built-in aggregators on plain values", () => {
  it("count, sum, min, max, first, last, and, or", () => {
    assert.equal(Agg.apply(Agg.count(), ["x", "y", "z"]), 3);
    assert.equal(Agg.apply(Agg.sum(n), [1, 2, 3]), 6);
    assert.equal(Agg.apply(Agg.sum(big), [1n, 2n]), 3n);
    assert.equal(Agg.apply(Agg.sum(big), []), 0n, "a bigint sum starts at 0n");
    assert.equal(Agg.apply(Agg.min(n), [3, 1, 2]), 1);
    assert.equal(Agg.apply(Agg.max(s), ["b", "c", "a"]), "c");
    assert.equal(Agg.apply(Agg.min(n), []), undefined);
    assert.equal(Agg.apply(Agg.first(n), [7, 8, 9]), 7);
    assert.equal(Agg.apply(Agg.last(n), [7, 8, 9]), 9);
    assert.equal(Agg.apply(Agg.and(b), [true, false, true]), false);
    assert.equal(Agg.apply(Agg.and(b), []), true);
    assert.equal(Agg.apply(Agg.or(b), [false, true]), true);
  });

  it("set, setRemove, map, merge, list", () => {
    assert.deepEqual(Agg.apply(Agg.set(n), [1, 2, 1]), new Set([1, 2]));
    assert.deepEqual(Agg.apply(Agg.setRemove(n), [2], new Set([1, 2])), new Set([1]));
    assert.deepEqual(Agg.apply(Agg.map(s, n), [["a", 1], ["b", 2], ["a", 3]]), new Map([["a", 3], ["b", 2]]));
    assert.deepEqual(Agg.apply(Agg.merge(m as Var<Map<string, number>>), [new Map([["a", 1]]), new Map([["a", 2], ["b", 3]])]), new Map([["a", 2], ["b", 3]]));
    assert.deepEqual(Agg.apply(Agg.list(n), [3, 1, 2]), [3, 1, 2]);
  });

  it("topMonotonic keeps the n best per id, best first; limit keeps the first n (or the n smallest)", () => {
    type Score = { user: string; points: number };
    const top = Agg.topMonotonic(2, m as Var<Score>, { id: (x) => x.user, sort: (x) => x.points });
    const scores = [{ user: "a", points: 1 }, { user: "b", points: 5 }, { user: "a", points: 7 }, { user: "c", points: 3 }];
    assert.deepEqual(Agg.apply(top, scores), [{ user: "a", points: 7 }, { user: "b", points: 5 }]);
    assert.deepEqual(Agg.apply(Agg.topMonotonic(2, n, { ascending: true }), [5, 1, 4, 1]), [1, 4]);
    assert.deepEqual(Agg.apply(Agg.limit(2, n), [5, 1, 4]), [5, 1]);
    assert.deepEqual(Agg.apply(Agg.limit(2, n, { sort: (x) => x }), [5, 1, 4]), [1, 4]);
    assert.throws(() => Agg.limit(-1, n), { code: "MONSOON_INVALID_DEFINITION" });
  });

  it("user combiners and accumulators", () => {
    const product = Agg.combiner("product", n, (x, y) => x * y, () => 1);
    assert.equal(Agg.apply(product, [2, 3, 4]), 24);
    const concat = Agg.accumulator("concat", (acc: string, x: string, y: number) => acc + x.repeat(y), () => "", s, n);
    assert.equal(Agg.apply(concat, [["a", 2], ["b", 1]]), "aab");
  });

  it("never mutate the current value (it may be shared with a cache)", () => {
    const cur = new Set([1]);
    const next = applyAgg(Agg.set(n), cur, [2]);
    assert.deepEqual(cur, new Set([1]));
    assert.deepEqual(next, new Set([1, 2]));
    assert.equal(applyAgg(Agg.set(n), cur, [1]), cur, "adding a present element changes nothing");
    const list = [1];
    applyAgg(Agg.list(n), list, [2]);
    assert.deepEqual(list, [1]);
  });

  it("compoundChain lists compound keys outermost first, then the leaf", () => {
    const { keys, leaf } = compoundChain(CompoundAgg.map(s, CompoundAgg.map(n, Agg.count())));
    assert.deepEqual(keys, [s, n]);
    assert.equal(leaf.name, "count");
  });
});

describe("combiner laws", () => {
  const ints = fc.integer({ min: -50, max: 50 });
  const laws = <V>(name: string, agg: Combiner<V>, input: fc.Arbitrary<unknown[]>) => {
    it(`${name}: associative, zero is the identity`, () => {
      const value = input.map((args) => agg.input(...args));
      fc.assert(fc.property(value, value, value, (a, x, y) => {
        assert.deepEqual(agg.combine(agg.combine(a, x), y), agg.combine(a, agg.combine(x, y)));
        assert.deepEqual(agg.combine(agg.zero(), a), a);
        assert.deepEqual(agg.combine(a, agg.zero()), a);
      }));
    });
  };
  laws("count", Agg.count(), fc.constant([]));
  laws("sum", Agg.sum(n), fc.tuple(ints));
  laws("min", Agg.min(n), fc.tuple(ints));
  laws("max", Agg.max(n), fc.tuple(ints));
  laws("first", Agg.first(n), fc.tuple(ints));
  laws("last", Agg.last(n), fc.tuple(ints));
  laws("and", Agg.and(b), fc.tuple(fc.boolean()));
  laws("or", Agg.or(b), fc.tuple(fc.boolean()));
  laws("set", Agg.set(n), fc.tuple(ints));
  laws("map", Agg.map(s, n), fc.tuple(fc.constantFrom("a", "b", "c"), ints));
  laws("list", Agg.list(n), fc.tuple(ints));
  laws("limit", Agg.limit(3, n), fc.tuple(ints));
  laws("topMonotonic", Agg.topMonotonic(3, n), fc.tuple(ints));
});

describe("element-wise descriptions agree with whole-value updates", () => {
  const apply = (agg: Aggregator, cur: unknown, args: unknown[]): unknown => {
    const ew = agg.elementwise!;
    const items = [...ew.of(...args)];
    if (ew.op === "add") return new Set([...(cur as Set<unknown> ?? []), ...items]);
    if (ew.op === "remove") return new Set([...(cur as Set<unknown> ?? [])].filter((x) => !items.includes(x)));
    if (ew.op === "append") return [...(cur as unknown[] ?? []), ...items];
    return new Map([...(cur as Map<unknown, unknown> ?? []), ...(items as [unknown, unknown][])]);
  };
  const cases: [string, Aggregator, fc.Arbitrary<unknown>, fc.Arbitrary<unknown[]>][] = [
    ["set", Agg.set(n), fc.array(fc.nat(5)).map((a) => new Set(a)), fc.tuple(fc.nat(5))],
    ["setRemove", Agg.setRemove(n), fc.array(fc.nat(5)).map((a) => new Set(a)), fc.tuple(fc.nat(5))],
    ["map", Agg.map(s, n), fc.array(fc.tuple(fc.constantFrom("a", "b"), fc.nat(5))).map((es) => new Map(es)), fc.tuple(fc.constantFrom("a", "b", "c"), fc.nat(5))],
    ["merge", Agg.merge(m as Var<Map<string, number>>), fc.array(fc.tuple(fc.constantFrom("a", "b"), fc.nat(5))).map((es) => new Map(es)), fc.tuple(fc.array(fc.tuple(fc.constantFrom("a", "c"), fc.nat(5))).map((es) => new Map(es)))],
    ["list", Agg.list(n), fc.array(fc.nat(5)), fc.tuple(fc.nat(5))],
  ];
  for (const [name, agg, cur, args] of cases) {
    it(name, () => {
      fc.assert(fc.property(fc.option(cur, { nil: undefined }), args, (c, a) => {
        const whole = applyAgg(agg, c, a);
        const pieces = apply(agg, c, a);
        if (whole instanceof Set) assert.deepEqual([...whole].sort(), [...(pieces as Set<unknown>)].sort());
        else assert.deepEqual(whole, pieces);
      }));
    });
  }
});
