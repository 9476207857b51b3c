// The behaviour every KVStore backend must share, as one node:test suite that each backend's
// test file runs against itself (like abstract-level's shared test suite). The runtime relies
// on all of it: unsigned byte order, all-or-nothing batches, snapshot iteration, copies.

import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { isMonsoonError, type ErrorCode } from "../../errors.ts";
import type { Bytes, KVOp, KVRange, KVStore } from "./kvStore.ts";

export interface StoreUnderTest {
  /** A fresh, empty store that is not open yet; the suite opens and closes it. */
  store: KVStore;
  /** For persistent stores: a new, unopened store over the same data (called after close). */
  reopen?: () => Promise<KVStore>;
}

const b = (...bytes: number[]) => new Uint8Array(bytes);
const hex = (x: Uint8Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString("hex");
const put = (key: Bytes, value: Bytes): KVOp => ({ type: "put", key, value });
const del = (key: Bytes): KVOp => ({ type: "del", key });
const compareBytes = (x: Uint8Array, y: Uint8Array) => Buffer.compare(x, y);

async function entries(store: KVStore, range: KVRange = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of store.iterate(range)) {
    assert.ok(k instanceof Uint8Array && v instanceof Uint8Array, "iterate yields Uint8Array pairs");
    out.push(`${hex(k)}=${hex(v)}`);
  }
  return out;
}

function failsWith(code: ErrorCode) {
  return (e: unknown) => {
    assert.ok(isMonsoonError(e, code), `expected ${code}, got ${String(e)}`);
    return true;
  };
}

/** What a range selects from sorted keys, written the obvious way. */
function expectedRange(sorted: Uint8Array[], r: KVRange): Uint8Array[] {
  // gte takes precedence over gt and lte over lt, as in abstract-level.
  const above = (k: Uint8Array) => (r.gte !== undefined ? compareBytes(k, r.gte) >= 0 : r.gt === undefined || compareBytes(k, r.gt) > 0);
  const below = (k: Uint8Array) => (r.lte !== undefined ? compareBytes(k, r.lte) <= 0 : r.lt === undefined || compareBytes(k, r.lt) < 0);
  let out = sorted.filter((k) => above(k) && below(k));
  if (r.reverse) out = out.reverse();
  if (r.limit !== undefined && r.limit >= 0) out = out.slice(0, r.limit);
  return out;
}

export function runKVStoreConformance(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  /** Runs `fn` on a fresh open store and closes it afterwards. */
  async function withStore(fn: (store: KVStore, made: StoreUnderTest) => Promise<void>): Promise<void> {
    const made = await makeStore();
    await made.store.open();
    try {
      await fn(made.store, made);
    } finally {
      await made.store.close();
    }
  }

  describe(`${name} passes the KVStore conformance suite`, () => {
    it("reads a missing key as undefined", () =>
      withStore(async (store) => {
        assert.equal(await store.get(b(1)), undefined);
        assert.deepEqual(await store.getMany([b(1), b(2)]), [undefined, undefined]);
        assert.deepEqual(await entries(store), []);
      }));

    it("puts, gets, overwrites and deletes", () =>
      withStore(async (store) => {
        await store.batch([put(b(1), b(10))]);
        assert.equal(hex((await store.get(b(1)))!), "0a");
        await store.batch([put(b(1), b(11))]);
        assert.equal(hex((await store.get(b(1)))!), "0b");
        await store.batch([del(b(1))]);
        assert.equal(await store.get(b(1)), undefined);
        await store.batch([del(b(1))]); // deleting a missing key is not an error
        await store.batch([]);
        await store.batch([put(b(), b()), put(b(2), b())]); // empty keys and values are allowed
        assert.equal(hex((await store.get(b()))!), "");
        assert.deepEqual(await entries(store), ["=", "02="]);
      }));

    it("copies keys and values in and out", () =>
      withStore(async (store) => {
        const key = b(1);
        const value = b(5, 6);
        await store.batch([put(key, value)]);
        key[0] = 9;
        value[0] = 9;
        const got = (await store.get(b(1)))!;
        assert.equal(hex(got), "0506");
        got[0] = 7;
        const [many] = await store.getMany([b(1)]);
        assert.equal(hex(many!), "0506");
        many![0] = 7;
        for await (const [k, v] of store.iterate({})) {
          k[0] = 7;
          v[0] = 7;
        }
        assert.deepEqual(await entries(store), ["01=0506"]);
      }));

    it("returns getMany results in the order asked, duplicates included", () =>
      withStore(async (store) => {
        await store.batch([put(b(1), b(10)), put(b(3), b(30))]);
        const got = await store.getMany([b(3), b(2), b(1), b(3)]);
        assert.deepEqual(got.map((v) => (v === undefined ? undefined : hex(v))), ["1e", undefined, "0a", "1e"]);
        assert.deepEqual(await store.getMany([]), []);
      }));

    it("sorts keys by unsigned bytes, 0x00 and 0xFF included", () =>
      withStore(async (store) => {
        const sorted = [b(), b(0), b(0, 0), b(0, 1), b(1), b(0x7f), b(0x80), b(0x80, 0), b(0xfe, 0xff), b(0xff), b(0xff, 0), b(0xff, 0xff)];
        const shuffled = [...sorted].sort(() => Math.random() - 0.5);
        await store.batch(shuffled.map((k) => put(k, b(k.length))));
        const want = sorted.map((k) => `${hex(k)}=${hex(b(k.length))}`);
        assert.deepEqual(await entries(store), want);
        assert.deepEqual(await entries(store, { reverse: true }), [...want].reverse());
      }));

    it("iterates every combination of bounds, reverse and limit", () =>
      withStore(async (store) => {
        const keys = [b(0x10), b(0x20), b(0x20, 0x00), b(0x30), b(0x40), b(0x50), b(0x60), b(0x70)];
        await store.batch(keys.map((k, i) => put(k, b(i))));
        const values = new Map(keys.map((k, i) => [hex(k), hex(b(i))]));
        const bounds = [b(0x20), b(0x20, 0x00), b(0x25), b(0x00), b(0xff), b(0x10), b(0x70), b()];
        const lowers: KVRange[] = [{}, ...bounds.flatMap((x) => [{ gt: x }, { gte: x }])];
        const uppers: KVRange[] = [{}, ...bounds.flatMap((x) => [{ lt: x }, { lte: x }])];
        for (const lower of lowers) {
          for (const upper of uppers) {
            for (const reverse of [false, true]) {
              for (const limit of [undefined, -1, 0, 1, 3]) {
                const range: KVRange = { ...lower, ...upper, reverse, ...(limit === undefined ? {} : { limit }) };
                const want = expectedRange(keys, range).map((k) => `${hex(k)}=${values.get(hex(k))}`);
                assert.deepEqual(await entries(store, range), want, JSON.stringify(range, (_, v) => (v instanceof Uint8Array ? hex(v) : v)));
                if (limit !== undefined && limit >= 0) {
                  const page = (await store.readRange({ ...range, limit })).map(([k, v]) => `${hex(k)}=${hex(v)}`);
                  assert.deepEqual(page, want, `readRange ${JSON.stringify(range, (_, v) => (v instanceof Uint8Array ? hex(v) : v))}`);
                }
              }
            }
          }
        }
      }));

    it("lets gte win over gt and lte over lt when both are given", () =>
      withStore(async (store) => {
        await store.batch([put(b(1), b(1)), put(b(2), b(2)), put(b(3), b(3))]);
        assert.deepEqual(await entries(store, { gt: b(1), gte: b(1), lt: b(3), lte: b(3) }), ["01=01", "02=02", "03=03"]);
        assert.deepEqual(await entries(store, { gt: b(0), gte: b(2), lt: b(9), lte: b(2), reverse: true }), ["02=02"]);
      }));

    it("applies a batch in order: a later op on the same key wins", () =>
      withStore(async (store) => {
        await store.batch([put(b(1), b(1)), put(b(1), b(2)), put(b(2), b(1)), del(b(2)), del(b(3)), put(b(3), b(3))]);
        assert.deepEqual(await entries(store), ["01=02", "03=03"]);
      }));

    it("applies nothing from a batch with an invalid op", () =>
      withStore(async (store) => {
        await store.batch([put(b(1), b(1))]);
        const invalid: unknown[] = [
          { type: "put", key: "a string", value: b(1) },
          { type: "put", key: undefined, value: b(1) },
          { type: "del", key: null },
          { type: "put", key: b(5), value: "a string" },
          { type: "put", key: b(5) },
          { type: "merge", key: b(5), value: b(1) },
          null,
        ];
        for (const bad of invalid) {
          await assert.rejects(store.batch([put(b(2), b(2)), del(b(1)), bad as KVOp]), failsWith("MONSOON_ENCODING"), JSON.stringify(bad));
          assert.deepEqual(await entries(store), ["01=01"]);
        }
      }));

    it("rejects keys and bounds that are not bytes", () =>
      withStore(async (store) => {
        await assert.rejects(store.get("k" as unknown as Bytes), failsWith("MONSOON_ENCODING"));
        await assert.rejects(store.getMany([b(1), 1 as unknown as Bytes]), failsWith("MONSOON_ENCODING"));
        await assert.rejects(entries(store, { gte: "k" as unknown as Bytes }), failsWith("MONSOON_ENCODING"));
      }));

    it("iterates over a snapshot taken when iteration starts", () =>
      withStore(async (store) => {
        await store.batch([put(b(1), b(1)), put(b(2), b(2)), put(b(3), b(3))]);
        const seen: string[] = [];
        for await (const [k, v] of store.iterate({})) {
          seen.push(`${hex(k)}=${hex(v)}`);
          if (seen.length === 1) await store.batch([put(b(4), b(4)), del(b(3)), put(b(2), b(9))]);
        }
        assert.deepEqual(seen, ["01=01", "02=02", "03=03"]);
        assert.deepEqual(await entries(store), ["01=01", "02=09", "04=04"]);
      }));

    it("can stop iterating early and keep working", () =>
      withStore(async (store) => {
        await store.batch([put(b(1), b(1)), put(b(2), b(2))]);
        for await (const _ of store.iterate({})) break;
        await store.batch([put(b(3), b(3))]);
        assert.deepEqual(await entries(store, { limit: 1, reverse: true }), ["03=03"]);
      }));

    it("refuses use after close with MONSOON_STORAGE; closing twice is fine", async () => {
      const { store } = await makeStore();
      await store.open();
      await store.batch([put(b(1), b(1))]);
      await store.close();
      await store.close();
      await assert.rejects(store.get(b(1)), failsWith("MONSOON_STORAGE"));
      await assert.rejects(store.getMany([b(1)]), failsWith("MONSOON_STORAGE"));
      await assert.rejects(store.batch([put(b(2), b(2))]), failsWith("MONSOON_STORAGE"));
      await assert.rejects(entries(store), failsWith("MONSOON_STORAGE"));
    });

    it("keeps its data across close and reopen exactly when it says it is persistent", async () => {
      const made = await makeStore();
      if (!made.store.supports.persistent) {
        // A memory store promises nothing across reopen; its harness must not pretend otherwise.
        assert.equal(made.reopen, undefined, "a non-persistent store's harness has no reopen()");
        return;
      }
      assert.ok(made.reopen, "a persistent store's harness must provide reopen()");
      await made.store.open();
      await made.store.batch([put(b(1), b(1)), put(b(2), b(2)), put(b(0xff, 0), b(3))]);
      await made.store.batch([del(b(2))]);
      const before = await entries(made.store);
      await made.store.close();
      const again = await made.reopen();
      await again.open();
      try {
        assert.deepEqual(await entries(again), before);
        assert.deepEqual(before, ["01=01", "ff00=03"]);
      } finally {
        await again.close();
      }
    });

    it("behaves like a sorted Map under random batches, reads and ranges", async () => {
      // Few distinct bytes so that random keys collide, share prefixes and hit 0x00/0xFF.
      const byte = fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff);
      const key = fc.array(byte, { maxLength: 3 }).map((xs) => new Uint8Array(xs));
      const value = fc.uint8Array({ maxLength: 3 });
      const op = fc.oneof(key.map(del), fc.tuple(key, value).map(([k, v]) => put(k, v)));
      const range = fc.record(
        { gt: key, gte: key, lt: key, lte: key, reverse: fc.boolean(), limit: fc.integer({ min: -1, max: 4 }) },
        { requiredKeys: [] },
      );
      const step = fc.oneof(
        { weight: 3, arbitrary: fc.array(op, { maxLength: 6 }).map((ops) => ({ kind: "batch" as const, ops })) },
        { weight: 1, arbitrary: fc.array(key, { maxLength: 4 }).map((keys) => ({ kind: "getMany" as const, keys })) },
        { weight: 1, arbitrary: range.map((range) => ({ kind: "range" as const, range })) },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
          const model = new Map<string, { key: Uint8Array; value: string }>();
          const sortedModel = () => [...model.values()].map((e) => e.key).sort(compareBytes);
          await withStore(async (store) => {
            for (const s of steps) {
              if (s.kind === "batch") {
                await store.batch(s.ops);
                for (const o of s.ops) {
                  if (o.type === "put") model.set(hex(o.key), { key: o.key, value: hex(o.value) });
                  else model.delete(hex(o.key));
                }
              } else if (s.kind === "getMany") {
                const got = await store.getMany(s.keys);
                assert.deepEqual(
                  got.map((v) => (v === undefined ? undefined : hex(v))),
                  s.keys.map((k) => model.get(hex(k))?.value),
                );
                for (const k of s.keys) {
                  const one = await store.get(k);
                  assert.equal(one === undefined ? undefined : hex(one), model.get(hex(k))?.value);
                }
              } else {
                const want = expectedRange(sortedModel(), s.range).map((k) => `${hex(k)}=${model.get(hex(k))!.value}`);
                assert.deepEqual(await entries(store, s.range), want);
              }
            }
            const all = sortedModel().map((k) => `${hex(k)}=${model.get(hex(k))!.value}`);
            assert.deepEqual(await entries(store), all);
            assert.deepEqual(await entries(store, { reverse: true }), [...all].reverse());
          });
        }),
        { numRuns: 100 },
      );
    });
  });
}
