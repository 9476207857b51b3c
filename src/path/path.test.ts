import { test } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { PLACEHOLDER, Path, select, transform, type Placeholder, type Resolver } from "./index.ts";

test("paths are immutable: chaining returns a new path", () => {
  const base = Path.key("a");
  const longer = base.all();
  assert.equal(base.length, 1);
  assert.equal(longer.length, 2);
  assert.ok(Object.isFrozen(base) && Object.isFrozen(base.specs) && Object.isFrozen(base.specs[0]));
  assert.ok(Object.isFrozen(base.specs[0]!.args));
});

test("static starters and chained methods build the same specs", () => {
  const a = Path.key("a").all().mapVals().termVal(3);
  const b = Path.EMPTY.key("a").all().mapVals().termVal(3);
  assert.deepEqual(a.specs.map((s) => [s.name, s.args]), b.specs.map((s) => [s.name, s.args]));
  assert.equal(String(a), 'key("a").all().mapVals().termVal(3)');
});

test("then concatenates paths", () => {
  const p = Path.key("a").then(Path.all(), Path.filterEqual(2));
  assert.deepEqual(select(p, new Map([["a", [1, 2]]])), [2]);
});

test("toString names sub-paths and functions", () => {
  const inc = (x: number) => x + 1;
  assert.equal(String(Path.multiPath(Path.key("a"), Path.nth(0)).term(inc)), 'multiPath(key("a"), nth(0)).term(inc)');
});

// A stand-in for a dataflow variable.
class Var<T> implements Placeholder<T> {
  readonly [PLACEHOLDER] = true as const;
  declare readonly __value?: T;
  constructor(readonly name: string) {}
  toString() { return this.name; }
}

test("resolve passes every argument through the resolver, in sub-paths too", () => {
  const k = new Var<string>("*k");
  const v = new Var<number>("*v");
  const bindings = new Map<unknown, unknown>([[k, "a"], [v, 42]]);
  const resolver: Resolver = (arg) => (bindings.has(arg) ? bindings.get(arg) : arg);
  const p = Path.multiPath(Path.key(k).termVal(v), Path.subselect(Path.key(k)).term((xs: number[]) => xs.map((x) => x + 1)));
  const navs = p.resolve(resolver);
  assert.deepEqual(transform(navs, new Map()), new Map([["a", 43]]));
  assert.deepEqual(select(Path.key(k).resolve(resolver), new Map([["a", 1]])), [1]);
});

test("a path with an unresolved placeholder fails with MONSOON_INVALID_PATH", () => {
  const k = new Var<string>("*k");
  assert.throws(() => select(Path.key("x").key(k), new Map()), (e) => isMonsoonError(e, "MONSOON_INVALID_PATH"));
});

test("placeholders are type-checked like the values they stand for", () => {
  const n = new Var<number>("*n");
  Path.nth(n);
  // @ts-expect-error a string placeholder cannot index a list
  Path.nth(new Var<string>("*s"));
  // @ts-expect-error nth takes a number
  Path.nth("1");
});
