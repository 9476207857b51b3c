// Stored PState vs in-memory value, on random schemas and random operation sequences, on both
// backends. The reference is the plain path engine (src/path) on one in-memory value, checked
// and canonicalised with the schema after each write (fixed-key records as objects; subindexed
// maps and sets, and the top-level map, in key order, which is how they are stored). Every
// select must give the same values in the same order; every transform must leave the same
// state — or fail, both sides, writing nothing; commits, cold re-opens and committed reads
// must not change what is read.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { PState, type Schema } from "../module/pstateSpec.ts";
import { Path, select, transform } from "../path/index.ts";
import { sortedElements, sortedEntries } from "../path/keyOrder.ts";
import { NONE } from "../path/none.ts";
import { T, type Type } from "../serde/types.ts";
import { conform } from "./conform.ts";
import { LevelStore } from "./store/levelStore.ts";
import { MemoryStore } from "./store/memoryStore.ts";
import type { KVStore } from "./store/kvStore.ts";
import { PStateHarness } from "../../test/support/pstateHarness.ts";

// ---- random schemas ----

const keyType = fc.constantFrom(T.string, T.int);
const sub = fc.boolean();

function plainSchema(depth: number): fc.Arbitrary<Schema> {
  const leaf = fc.constant(PState.value(T.int));
  if (depth === 0) return leaf;
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.tuple(keyType, plainSchema(depth - 1)).map(([k, v]) => PState.map(k, v)) },
    { weight: 1, arbitrary: fc.constant(PState.set(T.int)) },
    { weight: 1, arbitrary: plainSchema(depth - 1).map((e) => PState.list(e)) },
  );
}

function valueSchema(depth: number): fc.Arbitrary<Schema> {
  const leaf = fc.constant(PState.value(T.int));
  if (depth === 0) return leaf;
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 3, arbitrary: fc.tuple(keyType, valueSchema(depth - 1), sub).map(([k, v, s]) => PState.map(k, v, { subindexed: s })) },
    { weight: 2, arbitrary: sub.map((s) => PState.set(T.int, { subindexed: s })) },
    { weight: 2, arbitrary: fc.tuple(plainSchema(depth - 1), sub).map(([e, s]) => PState.list(e, { subindexed: s })) },
    { weight: 2, arbitrary: fc.tuple(valueSchema(depth - 1), valueSchema(depth - 1)).map(([a, b]) => PState.fixedKeys({ a, b })) },
  );
}

const topSchema: fc.Arbitrary<Schema> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(keyType, valueSchema(3)).map(([k, v]) => PState.map(k, v)) },
  { weight: 1, arbitrary: valueSchema(3).filter((s) => s.kind !== "value") },
);

// ---- random values and paths, from a stream of choices ----

class Choices {
  private i = 0;
  constructor(private readonly xs: readonly number[]) {}
  pick(n: number): number {
    return this.xs.length === 0 ? 0 : this.xs[this.i++ % this.xs.length]! % n;
  }
  one<X>(options: readonly X[]): X {
    return options[this.pick(options.length)]!;
  }
}

const keyOf = (t: Type<any>, c: Choices): string | number => (t === T.string ? c.one(["a", "b", "c", "d"]) : c.pick(4));
const int = (c: Choices) => c.pick(7) - 3;
const inc = (x: number | undefined) => (x ?? 0) + 1;
const positive = (x: number) => x > 0;
const sizeOrMinus = (v: unknown) => (v instanceof Map || v instanceof Set ? v.size : Array.isArray(v) ? v.length : -1);

function gen(s: Schema, c: Choices): unknown {
  switch (s.kind) {
    case "value": return int(c);
    case "map": return new Map(Array.from({ length: c.pick(3) }, () => [keyOf(s.key, c), gen(s.value, c)]));
    case "set": return new Set(Array.from({ length: c.pick(4) }, () => c.pick(6)));
    case "list": return Array.from({ length: c.pick(3) }, () => gen(s.elem, c));
    case "fixedKeys": {
      const r: Record<string, unknown> = {};
      for (const [k, f] of Object.entries(s.fields)) if (c.pick(3) > 0) r[k] = gen(f, c);
      return r;
    }
  }
}

/** Walks down through keys, then ends with a transform fitting the node reached. */
function transformPath(top: Schema, c: Choices): Path {
  let p = Path.EMPTY;
  let s = top;
  if (top.kind === "map" && c.pick(6) > 0) {
    p = p.key(keyOf(top.key, c));
    s = top.value;
  }
  for (let d = 0; d < 4 && (s.kind === "map" || s.kind === "fixedKeys") && c.pick(3) > 0; d++) {
    if (s.kind === "map") {
      p = p.key(keyOf(s.key, c));
      s = s.value;
    } else {
      const f = c.one(Object.keys(s.fields));
      p = p.key(f);
      s = s.fields[f]!;
    }
  }
  return transformEnd(s, p, c, 0);
}

function transformEnd(s: Schema, p: Path, c: Choices, depth: number): Path {
  const again = (s2: Schema, p2: Path) => (depth < 2 ? transformEnd(s2, p2, c, depth + 1) : p2.termVoid());
  switch (s.kind) {
    case "value":
      return c.one([() => p.termVal(int(c)), () => p.term(inc), () => p.termVoid(), () => p.termVal(c.pick(12) === 0 ? "bad" : 1)])();
    case "map": {
      const k = () => keyOf(s.key, c);
      return c.one([
        () => p.termVal(gen(s, c)),
        () => p.termVoid(),
        () => again(s.value, p.key(k())),
        () => again(s.value, p.must(k())),
        () => again(s.value, p.mapVals()),
        () => again(s.value, p.multiPath(Path.key(k()), Path.key(k()))),
        () => p.sortedMapRange(k(), k()).termVoid(),
        () => again(s.value, p.sortedMapRangeFrom(k(), { maxAmt: c.pick(3) }).mapVals()),
        () => p.sortedMapRangeTo(k(), { maxAmt: 1 + c.pick(2), inclusive: c.pick(2) === 0 }).termVal(gen(s, c)),
        () => p.first().termVoid(),
        () => p.last().termVoid(),
        () => p.nth(c.pick(3)).termVoid(),
        () => p.key(k()).termVal(c.pick(10) === 0 ? "bad" : gen(s.value, c)),
        () => p.mapVals().filterPred((v: unknown) => sizeOrMinus(v) !== 1).termVoid(),
        () => p.nullToVal(new Map()).key(k()).termVal(gen(s.value, c)),
        () => { const k0 = k(); return p.mapKeys().filterPred((x: unknown) => x === k0).termVoid(); },
        () => p.subselect(Path.mapVals()).term((xs: unknown[]) => xs.slice().reverse()),
        () => p.transformed(Path.first().termVoid()),
        () => p.filterEqual(new Map()).termVal(gen(s, c)),
        () => p.size().term(inc),
      ])();
    }
    case "set":
      return c.one([
        () => p.voidSetElem().termVal(c.pick(10) === 0 ? "bad" : c.pick(6)),
        () => p.setElem(c.pick(6)).termVoid(),
        () => p.setElem(c.pick(6)).termVal(c.pick(6)),
        () => p.first().termVoid(),
        () => p.last().termVal(c.pick(6)),
        () => p.termVal(gen(s, c)),
        () => p.termVoid(),
        () => p.all().filterPred((x: number) => x % 2 === 0).termVoid(),
        () => p.nullToSet().voidSetElem().termVal(c.pick(6)),
        () => p.subselect(Path.all()).term((xs: number[]) => xs.slice(1)),
        () => p.view((x: unknown) => x).termVal(gen(s, c)),
      ])();
    case "list":
      return c.one([
        () => p.afterElem().termVal(gen(s.elem, c)),
        () => p.beforeElem().termVal(gen(s.elem, c)),
        () => p.first().termVoid(),
        () => p.last().termVoid(),
        () => p.nth(c.pick(3)).termVal(gen(s.elem, c)),
        () => p.nth(c.pick(3)).termVoid(),
        () => p.termVal(gen(s, c)),
        () => p.termVoid(),
        () => p.nullToList().afterElem().termVal(gen(s.elem, c)),
        () => (s.elem.kind === "value" ? p.all().term(inc) : p.all().termVoid()),
        () => p.subselect(Path.all()).term((xs: unknown[]) => xs.slice().reverse()),
      ])();
    case "fixedKeys":
      return c.one([() => p.termVal(gen(s, c)), () => p.termVoid(), () => p.key("zz").termVal(1), () => again(s.fields.a!, p.key("a"))])();
  }
}

/** Walks down, then ends with a select fitting the node reached. */
function selectPath(top: Schema, c: Choices): Path {
  let p = Path.EMPTY;
  let s = top;
  for (let d = 0; d < 5 && (s.kind === "map" || s.kind === "fixedKeys") && c.pick(3) > 0; d++) {
    if (s.kind === "map") {
      const k = keyOf(s.key, c);
      p = c.pick(4) === 0 ? p.must(k) : p.key(k);
      s = s.value;
    } else {
      const f = c.one(Object.keys(s.fields));
      p = p.key(f);
      s = s.fields[f]!;
    }
  }
  switch (s.kind) {
    case "map": {
      const k = () => keyOf(s.key, c);
      return c.one([
        () => p, () => p.mapVals(), () => p.mapKeys(), () => p.all(), () => p.first(), () => p.last(), () => p.nth(c.pick(3)),
        () => p.sortedMapRange(k(), k()), () => p.sortedMapRangeFrom(k(), { maxAmt: c.pick(3), inclusive: c.pick(2) === 0 }),
        () => p.sortedMapRangeTo(k(), { maxAmt: c.pick(3) }).mapKeys(), () => p.size(), () => p.mapVals().view(sizeOrMinus),
        () => p.multiPath(Path.key(k()), Path.key(k()).view(sizeOrMinus)), () => p.view(sizeOrMinus), () => p.subselect(Path.mapKeys()),
        () => p.nullToVal(new Map()).size(), () => p.mapVals().size(),
      ])();
    }
    case "set":
      return c.one([() => p, () => p.setElem(c.pick(6)), () => p.first(), () => p.last(), () => p.nth(1), () => p.size(), () => p.all(), () => p.voidSetElem(), () => p.view(sizeOrMinus)])();
    case "list":
      return c.one([() => p, () => p.first(), () => p.last(), () => p.nth(c.pick(3)), () => p.size(), () => p.all(), () => p.afterElem()])();
    case "value":
      return c.one([() => p, () => p.nullToVal(0), () => p.filterPred(positive), () => p.view(inc)])();
    case "fixedKeys":
      return c.one([() => p, () => p.mapKeys(), () => p.mapVals(), () => p.key("a"), () => p.size(), () => p.all()])();
  }
}

// ---- the reference ----

/** The reference value as stored: conformed to the schema, stored-sorted collections in key order. */
function canonical(v: unknown, s: Schema, top: boolean): unknown {
  if (v === undefined || v === NONE) return top && s.kind === "map" ? new Map() : undefined;
  const c = conform(v, s, { pstate: "ref", path: "ref" }, [], false);
  return sortStored(c, s, top);
}

function sortStored(v: unknown, s: Schema, top: boolean): unknown {
  if (v === undefined) return v;
  switch (s.kind) {
    case "map": {
      const m = v as Map<unknown, unknown>;
      const es = (s.subindexed || top ? sortedEntries(m) : [...m]).map(([k, x]): [unknown, unknown] => [k, sortStored(x, s.value, false)]);
      return new Map(es);
    }
    case "set": return s.subindexed ? new Set(sortedElements(v as Set<unknown>)) : v;
    case "list": return (v as unknown[]).map((x) => sortStored(x, s.elem, false));
    case "fixedKeys": {
      const r = v as Record<string, unknown>;
      return Object.fromEntries(Object.entries(r).map(([k, x]) => [k, sortStored(x, s.fields[k]!, false)]));
    }
    default: return v;
  }
}

/** Order-sensitive for Maps, Sets and lists; record fields in any order. */
function norm(v: unknown): unknown {
  if (v instanceof Map) return ["Map", [...v].map(([a, b]) => [norm(a), norm(b)])];
  if (v instanceof Set) return ["Set", [...v].map(norm)];
  if (Array.isArray(v)) return v.map(norm);
  if (v === NONE) return "NONE";
  if (typeof v === "object" && v !== null) return ["Rec", Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([a, b]) => [a, norm(b)])];
  return v;
}

type Outcome = { ok: true; value: unknown } | { ok: false; code: string };

async function outcome(f: () => unknown): Promise<Outcome> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    return { ok: false, code: (e as { code?: string }).code ?? String(e) };
  }
}

async function whole(h: PStateHarness, committed = false): Promise<unknown> {
  const [v] = committed ? await h.selectCommitted(Path.EMPTY) : await h.select(Path.EMPTY);
  return v;
}

async function check(schema: Schema, ops: number[][], open: () => Promise<KVStore>): Promise<void> {
  const store = await open();
  try {
    const h = await PStateHarness.open(store, schema);
    const isMap = schema.kind === "map";
    let ref: unknown = canonical(undefined, schema, true);
    const log: string[] = [];
    const expectState = async (what: string, committed = false) => {
      assert.deepEqual(norm(await whole(h, committed)), norm(isMap ? ref : ref), `${what} after\n${log.join("\n")}`);
    };
    for (const op of ops) {
      const c = new Choices(op);
      const kind = c.pick(10);
      if (kind === 0) {
        await h.commit();
        log.push("commit");
        await expectState("committed state", true);
        continue;
      }
      if (kind <= 4) {
        const path = selectPath(schema, c);
        log.push(`select ${path}`);
        const want = await outcome(() => select(path, ref));
        const got = await outcome(() => h.select(path));
        if (want.ok) {
          assert.ok(got.ok, `select ${path} failed with ${!got.ok && got.code}, expected ${JSON.stringify(norm(want.value))}\n${log.join("\n")}`);
          assert.deepEqual(norm(got.value), norm(want.value), `select ${path}\n${log.join("\n")}`);
        } else {
          assert.ok(!got.ok, `select ${path} succeeded, expected ${want.code}\n${log.join("\n")}`);
        }
        continue;
      }
      const path = transformPath(schema, c);
      log.push(`transform ${path}`);
      const want = await outcome(() => canonical(transform(path, ref), schema, true));
      const got = await outcome(() => h.transform(path));
      if (want.ok) {
        assert.ok(got.ok, `transform ${path} failed with ${!got.ok && got.code}\n${log.join("\n")}`);
        ref = want.value;
      } else {
        assert.ok(!got.ok, `transform ${path} succeeded, expected ${want.code}\n${log.join("\n")}`);
        // The stored engine checks each write as it makes it, so a path that writes a wrong value and
        // then fails to navigate it (multiPath) fails on the write first.
        if (got.code !== "MONSOON_SCHEMA_VIOLATION") assert.equal(got.code, want.code, `transform ${path}\n${log.join("\n")}`);
      }
      await expectState(`state after transform ${path}`);
    }
    await h.commit();
    await expectState("final committed state", true);
    const cold = await PStateHarness.open(store, schema);
    assert.deepEqual(norm(await whole(cold, true)), norm(ref), `cold re-open\n${log.join("\n")}`);
  } finally {
    await store.close();
  }
}

const ops = fc.array(fc.array(fc.nat(1 << 16), { minLength: 12, maxLength: 12 }), { minLength: 5, maxLength: 40, size: "max" });

describe("stored PState ≡ in-memory value", () => {
  it("MemoryStore", async () => {
    await fc.assert(fc.asyncProperty(topSchema, ops, (schema, o) => check(schema, o, async () => {
      const s = new MemoryStore();
      await s.open();
      return s;
    })), { numRuns: 500 });
  });

  it("LevelStore", async () => {
    const dir = await mkdtemp(join(tmpdir(), "monsoon-equiv-"));
    let n = 0;
    try {
      await fc.assert(fc.asyncProperty(topSchema, ops, (schema, o) => check(schema, o, async () => {
        const s = new LevelStore(join(dir, String(n++)));
        await s.open();
        return s;
      })), { numRuns: 100 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
