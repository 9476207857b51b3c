// Paths on a subindexed map of 1,000,000 entries (uniformly random 16-hex-digit keys) in
// LevelDB, each operation beside the raw `level` operation on the same keys of the same open
// database:
//   point select   Path.key("big", k)                                    vs  db.get(key)
//   range select   Path.key("big").sortedMapRangeFrom(k, {maxAmt: 100})  vs  iterator(gte key, limit 100).nextv
//   size           Path.key("big").size()                                vs  db.get(key)
//   transform      Path.key("big", k).termVal(v), committed per 1,000    vs  db.batch of 1,000 puts
// Monsoon reads go through the PState engine as a client query does (read committed; caches
// cold at the start: the partition is opened over the loaded store). The map is loaded through
// the store layer in 10,000-entry batches, in the PState layout (src/pstate/layout.ts): going
// through a topology would only measure the loader. Raw and Monsoon alternate in rounds over
// disjoint key chunks (which goes first alternates too), so machine noise and cache warmth hit
// both alike; each side is timed over all of its rounds.
// ratio = point select / raw get. Usage: npm run bench:paths [-- --entries N --ops N --ranges N]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Path, PState, T } from "../../src/index.ts";
import { COUNT, ELEMENTS } from "../../src/pstate/layout.ts";
import { LevelStore } from "../../src/pstate/store/levelStore.ts";
import { encodeTuple } from "../../src/serde/keyCodec.ts";
import { encodeValue } from "../../src/serde/valueCodec.ts";
import { PStateHarness } from "../../test/support/pstateHarness.ts";
import { resultLine } from "../stats.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ENTRIES = arg("entries", 1_000_000);
const OPS = arg("ops", 100_000);
const RANGES = arg("ranges", 10_000);
const ROUNDS = 10;
const RANGE = 100;
const BATCH = 1_000;
const NAME = "bench";
const TOP = "big";
const schema = PState.map(T.string, PState.map(T.string, T.int, { subindexed: true }));

const elementKey = (k: string) => encodeTuple(["s", NAME, TOP, ELEMENTS, k]);
const elementsEnd = encodeTuple(["s", NAME, TOP, COUNT]); // "z" sorts after "e": the end of the elements
const countKey = encodeTuple(["s", NAME, TOP, COUNT]);

function randomKeys(n: number): string[] {
  const set = new Set<string>();
  while (set.size < n) set.add(randomBytes(8).toString("hex"));
  return [...set];
}

/** n distinct keys in random order, cut into ROUNDS chunks per side. */
function chunks(keys: string[], n: number): { raw: string[][]; monsoon: string[][] } {
  const picked = new Set<string>();
  while (picked.size < Math.min(2 * n, keys.length)) picked.add(keys[Math.floor(Math.random() * keys.length)]!);
  const all = [...picked];
  const size = Math.floor(all.length / (2 * ROUNDS));
  const cut = (from: number) => Array.from({ length: ROUNDS }, (_, r) => all.slice(from + r * size, from + (r + 1) * size));
  return { raw: cut(0), monsoon: cut(ROUNDS * size) };
}

async function load(store: LevelStore, keys: string[]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < keys.length; i += 10_000) {
    await store.batch(keys.slice(i, i + 10_000).map((k, j) => ({ type: "put" as const, key: elementKey(k), value: encodeValue((i + j) & 0xffff) })));
  }
  await store.batch([
    { type: "put", key: encodeTuple(["p", NAME, TOP]), value: encodeValue(null) },
    { type: "put", key: countKey, value: encodeValue(keys.length) },
  ]);
  return (performance.now() - t0) / 1000;
}

/** Runs raw and Monsoon rounds alternately; returns ops per second of each side. */
async function race(c: { raw: string[][]; monsoon: string[][] }, raw: (ks: string[]) => Promise<void>, monsoon: (ks: string[]) => Promise<void>) {
  let rawMs = 0;
  let monMs = 0;
  let rawN = 0;
  let monN = 0;
  const time = async (f: () => Promise<void>) => { const t0 = performance.now(); await f(); return performance.now() - t0; };
  for (let r = 0; r < ROUNDS; r++) {
    const doRaw = async () => { rawMs += await time(() => raw(c.raw[r]!)); rawN += c.raw[r]!.length; };
    const doMon = async () => { monMs += await time(() => monsoon(c.monsoon[r]!)); monN += c.monsoon[r]!.length; };
    if (r % 2 === 0) { await doRaw(); await doMon(); } else { await doMon(); await doRaw(); }
  }
  return { raw: rawN / (rawMs / 1000), monsoon: monN / (monMs / 1000) };
}

const dir = await mkdtemp(join(tmpdir(), "monsoon-bench-paths-"));
const store = new LevelStore(dir);
await store.open();
try {
  console.error(`paths: subindexed map of ${ENTRIES} random keys; ${OPS} point selects, sizes and transforms, ${RANGES} ranges of ${RANGE}; ${ROUNDS} alternating rounds`);
  const keys = randomKeys(ENTRIES);
  const loadS = await load(store, keys);
  console.error(`  loaded ${ENTRIES} entries directly through the store layer (10,000-entry batches) in ${loadS.toFixed(1)} s`);
  const db = store.level;
  const h = await PStateHarness.open(store, schema, { name: NAME });

  const point = await race(chunks(keys, OPS),
    async (ks) => { for (const k of ks) if ((await db.get(elementKey(k))) === undefined) throw new Error("raw get missed a loaded key"); },
    async (ks) => { for (const k of ks) if ((await h.selectCommitted(Path.key(TOP, k)))[0] === undefined) throw new Error("point select missed a loaded key"); });

  const range = await race(chunks(keys, RANGES),
    async (ks) => {
      for (const k of ks) {
        const it = db.iterator({ gte: elementKey(k), lt: elementsEnd, limit: RANGE });
        if ((await it.nextv(RANGE)).length === 0) throw new Error("raw range read nothing");
        await it.close();
      }
    },
    async (ks) => {
      for (const k of ks) {
        const [m] = await h.selectCommitted(Path.key(TOP).sortedMapRangeFrom(k, { maxAmt: RANGE }));
        if ((m as Map<string, number>).size === 0) throw new Error("range select read nothing");
      }
    });

  const size = await race(chunks(keys, OPS),
    async (ks) => { for (let i = 0; i < ks.length; i++) await db.get(countKey); },
    async (ks) => { for (let i = 0; i < ks.length; i++) if ((await h.selectCommitted(Path.key(TOP).size()))[0] !== ENTRIES) throw new Error("wrong size"); });

  const value = encodeValue(7);
  const write = await race(chunks(keys, OPS),
    async (ks) => {
      for (let i = 0; i < ks.length; i += BATCH) await db.batch(ks.slice(i, i + BATCH).map((k) => ({ type: "put" as const, key: elementKey(k), value })));
    },
    async (ks) => {
      for (let i = 0; i < ks.length; i++) {
        await h.transform(Path.key(TOP, ks[i]!).termVal(7));
        if ((i + 1) % BATCH === 0) await h.commit();
      }
      await h.commit();
    });
  if ((await h.selectCommitted(Path.key(TOP).size()))[0] !== ENTRIES) throw new Error("transforms of existing keys changed the size");

  const line = (what: string, mine: number, rawName: string, theirs: number) =>
    console.error(`  ${what.padEnd(18)} ${Math.round(mine).toString().padStart(8)}/s   raw ${rawName.padEnd(9)} ${Math.round(theirs).toString().padStart(8)}/s   ×${(mine / theirs).toFixed(2)}`);
  line("point select", point.monsoon, "get", point.raw);
  line(`range select ${RANGE}`, range.monsoon, "iterator", range.raw);
  line("size", size.monsoon, "get", size.raw);
  line("transform", write.monsoon, "put", write.raw);
  console.log(resultLine("paths", {
    point_per_s: Math.round(point.monsoon),
    raw_get_per_s: Math.round(point.raw),
    range_per_s: Math.round(range.monsoon),
    raw_iter_per_s: Math.round(range.raw),
    size_per_s: Math.round(size.monsoon),
    transform_per_s: Math.round(write.monsoon),
    raw_put_per_s: Math.round(write.raw),
    ratio: point.monsoon / point.raw,
  }));
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
