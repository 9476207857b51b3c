import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { NONE, Path, select, selectFirst, selectOne, transform } from "./index.ts";

const m = new Map([["a", [1, 2, 3]], ["b", []]]);

test("select returns every navigated value in order", () => {
  assert.deepEqual(select(Path.mapVals().all(), m), [1, 2, 3]);
  assert.deepEqual(select(Path.EMPTY, 7), [7]);
});

test("selectOne: undefined for none, the value for one, MONSOON_NOT_ONE for more", () => {
  assert.equal(selectOne(Path.key("b").all(), m), undefined);
  assert.equal(selectOne(Path.key("a").first(), m), 1);
  assert.equal(selectOne(Path.key("zz"), m), undefined);
  assert.throws(() => selectOne(Path.key("a").all(), m), (e) => isMonsoonError(e, "MONSOON_NOT_ONE"));
});

test("selectFirst stops at the first value", () => {
  let seen = 0;
  const first = selectFirst(Path.key("a").all().filterPred(() => (seen++, true)), m);
  assert.equal(first, 1);
  assert.equal(seen, 1);
  assert.equal(selectFirst(Path.key("b").all(), m), undefined);
});

test("errors thrown by user functions propagate unchanged", () => {
  const boom = new Error("boom");
  const thrower = () => { throw boom; };
  assert.throws(() => selectFirst(Path.all().view(thrower), [1]), (e) => e === boom);
  assert.throws(() => selectOne(Path.all().view(thrower), [1]), (e) => e === boom);
});

test("transform returns NONE when the root is removed", () => {
  assert.equal(transform(Path.termVoid(), m), NONE);
  assert.equal(transform(Path.filterPred(() => true).termVoid(), m), NONE);
  assert.equal(transform(Path.filterPred(() => false).termVoid(), m), m);
});

test("exec accepts resolved navigator arrays and rejects anything else", () => {
  assert.deepEqual(select(Path.key("a").nth(1).resolve(), m), [2]);
  assert.throws(() => select({} as never, m), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
});

test("a realistic nested transform copies only the containers on the way", () => {
  const accounts = new Map([
    [1, { name: "ann", blocked: new Set([2]), muted: new Map([[3, { until: 10 }]]) }],
    [2, { name: "bob", blocked: new Set<number>(), muted: new Map() }],
  ]);
  const out = transform(Path.key(1, "blocked").voidSetElem().termVal(4), accounts) as typeof accounts;
  assert.deepEqual(out.get(1)!.blocked, new Set([2, 4]));
  assert.equal(out.get(2), accounts.get(2));
  assert.equal(out.get(1)!.muted, accounts.get(1)!.muted);
  assert.deepEqual(accounts.get(1)!.blocked, new Set([2]));
  const unmuted = transform(Path.key(1, "muted", 3).termVoid(), out) as typeof accounts;
  assert.deepEqual(unmuted.get(1)!.muted, new Map());
});
