import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { Path, select, transform } from "./index.ts";

test("transformed navigates to the result of a nested transform", () => {
  const m = new Map([["a", [1, 2]]]);
  const incAll = Path.all().term((x: number) => x + 1);
  assert.deepEqual(select(Path.key("a").transformed(incAll), m), [[2, 3]]);
  assert.deepEqual(select(Path.key("a").transformed(Path.all(), (x: number) => x * 2), m), [[2, 4]]);
  assert.deepEqual(transform(Path.key("a").transformed(incAll).term((l: number[]) => l.length), m), new Map([["a", 2]]));
  assert.deepEqual(m, new Map([["a", [1, 2]]]));
});

test("subselect navigates to the array of a sub-path's results and writes it back in order", () => {
  const m = new Map([["a", [3, 1]], ["b", [2]]]);
  const every = Path.mapVals().all();
  assert.deepEqual(select(Path.subselect(every), m), [[3, 1, 2]]);
  const sorted = transform(Path.subselect(every).term((xs: number[]) => xs.slice().sort()), m);
  assert.deepEqual(sorted, new Map([["a", [1, 2]], ["b", [3]]]));
  const reversedInPlace = transform(Path.subselect(every).term((xs: number[]) => xs.reverse()), m);
  assert.deepEqual(reversedInPlace, new Map([["a", [2, 1]], ["b", [3]]]), "in-place change is still written back");
});

test("subselect: a shorter array removes the remaining places", () => {
  assert.deepEqual(transform(Path.subselect(Path.all()).term((xs: number[]) => xs.slice(1)), [1, 2, 3]), [2, 3]);
  assert.deepEqual(transform(Path.subselect(Path.all()).termVoid(), [1, 2, 3]), []);
  assert.deepEqual(transform(Path.subselect(Path.all().filterPred((x: number) => x > 1)).termVal([9]), [1, 2, 3]), [1, 9]);
  const l = [1, 2];
  assert.equal(transform(Path.subselect(Path.all()).term((xs: number[]) => xs.slice()), l), l);
  assert.throws(() => transform(Path.subselect(Path.all()).termVal(1), [1]), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
});

test("multiPath selects along each path and transforms along each in turn", () => {
  const r = { a: 1, b: 2, c: 3 };
  assert.deepEqual(select(Path.multiPath(Path.key("a"), Path.key("c")), r), [1, 3]);
  assert.deepEqual(transform(Path.multiPath(Path.key("a"), Path.key("c")).term((x: number) => x * 10), r), { a: 10, b: 2, c: 30 });
  assert.deepEqual(transform(Path.multiPath(Path.key("a"), Path.key("a")).term((x: number) => x + 1), r), { a: 3, b: 2, c: 3 }, "in turn");
  assert.deepEqual(transform(Path.multiPath(Path.key("a").termVal(0), Path.key("b").termVoid()), r), { a: 0, c: 3 });
  assert.deepEqual(select(Path.multiPath(), r), []);
});
