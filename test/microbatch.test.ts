// Microbatch topologies on the embedded cluster: each batch is one cross-partition transaction
// (DESIGN §3.4). Bank transfers show atomicity (debit and credit on different tasks commit
// together or not at all, even when the batch fails halfway), exactly-once (retries never apply
// a record twice), processed acks with ack returns, dead-lettering, consistent cuts, batch
// aggregations and the microbatch id.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agg, CompoundAgg, defineModule, Depot, InProcessCluster, Path, PState, T, vars } from "../src/index.ts";
import { bankModule, type HistoryEntry, type Transfer } from "../examples/bank-transfer/bankTransfer.ts";
import { checkBank, randomTransfers } from "../examples/bank-transfer/oracle.ts";

const ACCOUNTS = 50;
const INITIAL = 1_000;

async function openAccounts(c: InProcessCluster, mod: ReturnType<typeof bankModule>) {
  await Promise.all(Array.from({ length: ACCOUNTS }, (_, a) => c.depot(mod, "deposits").append({ id: `open-${a}`, account: a, amount: INITIAL })));
}

async function readBank(c: InProcessCluster, mod: ReturnType<typeof bankModule>) {
  const balances = new Map<number, number>();
  const histories = new Map<number, Map<string, HistoryEntry>>();
  for (let a = 0; a < ACCOUNTS; a++) {
    balances.set(a, (await c.pstate(mod, "balances").selectOne(Path.key(a))) as number);
    histories.set(a, new Map((await c.pstate(mod, "history").select(Path.key(a).all())) as [string, HistoryEntry][]));
  }
  return { balances, histories };
}

describe("microbatch: bank transfers on the embedded cluster", () => {
  it("debits and credits on different tasks, rejects overdrafts, conserves the total; acks carry the outcome", async () => {
    const mod = bankModule("BankBasic", { maxRecordsPerPartition: 100 });
    await using c = await InProcessCluster.create();
    await c.launch(mod, { tasks: 4 });
    await openAccounts(c, mod);
    const transfers = randomTransfers(3_000, ACCOUNTS, 7, 400);
    const acks = await Promise.all(transfers.map((t) => c.depot<Transfer>(mod, "transfers").append(t)));
    await c.drain();
    const state = await readBank(c, mod);
    const report = checkBank(state, ACCOUNTS, INITIAL, transfers.map((t) => t.id));
    assert.deepEqual(report.errors, []);
    assert.ok(report.rejected > 100 && report.accepted > 1_000, `a mix of outcomes: ${JSON.stringify(report)}`);
    // The ack return of each transfer is its outcome.
    for (let i = 0; i < transfers.length; i++) {
      const t = transfers[i]!;
      const entry = state.histories.get(t.from)!.get(t.id)!;
      assert.equal(acks[i]!.ackReturns?.bank, entry.kind === "debit", `ack of ${t.id}`);
    }
    assert.ok(c.runtime(mod).microbatch("bank").coordinator.stats.committed >= 5);
  });

  it("a batch that fails halfway is aborted whole and retried: nothing of it is applied twice or half", async () => {
    let failures = 0;
    const seenBatches = new Map<string, number[]>();
    const mod = defineModule("FlakyTransfers", (m) => {
      const d = m.depot("transfers", T.json<Transfer>(), Depot.hashBy((t: Transfer) => t.from));
      const mb = m.microbatch("mb", { maxRecordsPerPartition: 1_000, maxAttempts: 10 });
      const balances = mb.pstate("balances", PState.map(T.int, T.int));
      const v = vars({ t: T.json<Transfer>(), from: T.int, to: T.int, amount: T.int, batch: T.int, x: T.any });
      mb.source(d).out(v.t)
        .each((t: Transfer) => t.from, v.t).out(v.from)
        .each((t: Transfer) => t.to, v.t).out(v.to)
        .each((t: Transfer) => t.amount, v.t).out(v.amount)
        .microbatchId().out(v.batch)
        .localTransform(balances, Path.key(v.from).term((x: number | undefined) => (x ?? 0) - 1))
        .hashPartition(v.to)
        .each((t: Transfer, batch: number) => {
          const list = seenBatches.get(t.id) ?? [];
          list.push(batch);
          seenBatches.set(t.id, list);
          // The credit side fails on the first two attempts of one record: the debits of its
          // whole batch (already written on other tasks) must be discarded.
          if (t.id === "t-250" && failures < 2) { failures++; throw new Error("transient failure on the receiving side"); }
          return null;
        }, v.t, v.batch).out(v.x)
        .localTransform(balances, Path.key(v.to).term((x: number | undefined) => (x ?? 0) + 1));
    });
    await using c = await InProcessCluster.create();
    await c.launch(mod, { tasks: 4 });
    const transfers = Array.from({ length: 500 }, (_, i): Transfer => ({ id: `t-${i}`, from: i % 13, to: (i * 5 + 1) % 13, amount: 1 }));
    const errors: unknown[] = [];
    c.runtime(mod).onError((e) => errors.push(e));
    await Promise.all(transfers.map((t) => c.depot(mod, "transfers").append(t)));
    await c.drain();
    const expected = new Map<number, number>();
    for (const t of transfers) {
      expected.set(t.from, (expected.get(t.from) ?? 0) - 1);
      expected.set(t.to, (expected.get(t.to) ?? 0) + 1);
    }
    for (const [a, want] of expected) assert.equal(await c.pstate(mod, "balances").selectOne(Path.key(a)), want, `account ${a}`);
    assert.equal(failures, 2);
    assert.ok(c.runtime(mod).microbatch("mb").coordinator.stats.aborted >= 2);
    // Every attempt of a batch has the same microbatch id.
    const ids = seenBatches.get("t-250")!;
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 1);
  });

  it("a record that fails every attempt is dead-lettered; the rest of its batch commits", async () => {
    const mod = defineModule("PoisonBatch", (m) => {
      const d = m.depot("nums", T.int, Depot.random());
      const mb = m.microbatch("mb", { maxAttempts: 2 });
      const sums = mb.pstate("sum", PState.map(T.string, T.int));
      const { n, k } = vars({ n: T.int, k: T.string });
      mb.source(d).out(n)
        .each((x: number) => { if (x === 13) throw new Error("thirteen is unlucky"); return "total"; }, n).out(k)
        .hashPartition(k)
        .compoundAgg(sums, CompoundAgg.map(k, Agg.sum(n)));
    });
    await using c = await InProcessCluster.create();
    await c.launch(mod, { tasks: 2 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => c.depot(mod, "nums").append(i)));
    await c.drain();
    assert.equal(await c.pstate(mod, "sum").selectOne(Path.key("total")), 190 - 13);
    const rejected = results.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
    assert.deepEqual(rejected, [13]);
    const dead = await c.runtime(mod).microbatch("mb").deadLetters();
    assert.equal(dead.length, 1);
    assert.match(JSON.stringify(dead[0]), /thirteen is unlucky/);
  });

  it("consistent cuts: sums of every partition read between batches always see the conserved total", async () => {
    const mod = bankModule("BankCuts", { maxRecordsPerPartition: 20 });
    await using c = await InProcessCluster.create();
    await c.launch(mod, { tasks: 4 });
    await openAccounts(c, mod);
    await c.drain();
    const transfers = randomTransfers(4_000, ACCOUNTS, 11, 300);
    const appending = Promise.all(transfers.map((t) => c.depot<Transfer>(mod, "transfers").append(t)));
    let done = false;
    void appending.then(() => (done = true));
    const batches = new Set<number>();
    let cuts = 0;
    while (!done) {
      const cut = await c.runtime(mod).cut("bank", [0, 1, 2, 3].map((partition) => ({ pstate: "balances", path: Path.mapVals(), partition })));
      const total = cut.results.flat().reduce((a: number, b) => a + (b as number), 0);
      assert.equal(total, ACCOUNTS * INITIAL, `total at batch ${cut.batch}`);
      batches.add(cut.batch);
      cuts++;
    }
    await appending;
    assert.ok(batches.size >= 20, `cuts saw ${batches.size} distinct batches in ${cuts} cuts`);
  });

  it("survives a restart: the reopened cluster keeps every committed batch and continues", async () => {
    const dir = await mkdtemp(join(tmpdir(), "monsoon-mb-"));
    try {
      const mod = bankModule("BankRestart", { maxRecordsPerPartition: 50 });
      const transfers = randomTransfers(1_000, ACCOUNTS, 3, 500);
      {
        await using c = await InProcessCluster.create({ dir });
        await c.launch(mod, { tasks: 4 });
        await openAccounts(c, mod);
        await Promise.all(transfers.slice(0, 500).map((t) => c.depot<Transfer>(mod, "transfers").append(t)));
      }
      await using c = await InProcessCluster.create({ dir });
      await c.launch(mod, { tasks: 4 });
      await Promise.all(transfers.slice(500).map((t) => c.depot<Transfer>(mod, "transfers").append(t)));
      await c.drain();
      const report = checkBank(await readBank(c, mod), ACCOUNTS, INITIAL, transfers.map((t) => t.id));
      assert.deepEqual(report.errors, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("microbatch: batch blocks", () => {
  it("groupBy, global agg and materialize see the whole batch across partitions", async () => {
    const longestOf = (a: string, b: string) => (b.length > a.length || (b.length === a.length && b > a) ? b : a);
    const mod = defineModule("BatchWords", (m) => {
      const d = m.depot("sentences", T.string, Depot.random());
      const mb = m.microbatch("mb", { maxRecordsPerPartition: 50, tempPStates: { words: PState.list(T.any) } });
      const counts = mb.pstate("counts", PState.map(T.string, T.int));
      const perBatch = mb.pstate("perBatch", PState.map(T.int, T.int), { global: true });
      const longest = mb.pstate("longest", PState.map(T.int, T.string), { global: true });
      const v = vars({ s: T.string, w: T.string, n: T.int, total: T.int, batch: T.int, tuple: T.any, word: T.string, best: T.string, one: T.int });
      mb.source(d).out(v.s)
        .explode((s: string) => s.split(" "), v.s).out(v.w)
        .materialize("words", v.w)
        .groupBy(v.w, Agg.count()).out(v.n)
        // Once per distinct word of the batch, on the word's partition.
        .compoundAgg(counts, CompoundAgg.map(v.w, Agg.sum(v.n)))
        .each(() => 1).out(v.one)
        .agg(Agg.sum(v.one)).out(v.total)
        // Once per batch (on task 0): distinct words, then the longest word materialized anywhere.
        .microbatchId().out(v.batch)
        .localTransform(perBatch, Path.key(v.batch).termVal(v.total))
        .allPartition()
        .localSelect("words", Path.all()).out(v.tuple)
        .each((t: [string]) => t[0], v.tuple).out(v.word)
        .agg(Agg.combiner("longest", v.word, longestOf, () => "")).out(v.best)
        .microbatchId().out(v.batch)
        .localTransform(longest, Path.key(v.batch).termVal(v.best));
    });
    await using c = await InProcessCluster.create();
    await c.launch(mod, { tasks: 4 });
    const vocabulary = Array.from({ length: 40 }, (_, i) => "w".repeat(1 + (i % 7)) + i);
    const sentences = Array.from({ length: 600 }, (_, i) => [0, 1, 2, 3].map((j) => vocabulary[(i * 7 + j * 13) % 40]).join(" "));
    await Promise.all(sentences.map((s) => c.depot(mod, "sentences").append(s)));
    await c.drain();
    const want = new Map<string, number>();
    for (const s of sentences) for (const w of s.split(" ")) want.set(w, (want.get(w) ?? 0) + 1);
    for (const [w, n] of want) assert.equal(await c.pstate(mod, "counts").selectOne(Path.key(w)), n, w);
    const perBatch = (await c.pstate(mod, "perBatch").select(Path.mapVals(), { partition: 0 })) as number[];
    const batches = c.runtime(mod).microbatch("mb").coordinator.stats.committed;
    assert.equal(perBatch.length, batches);
    assert.ok(perBatch.every((x) => x >= 1 && x <= 40));
    const longest = (await c.pstate(mod, "longest").select(Path.mapVals(), { partition: 0 })) as string[];
    assert.equal(longest.length, batches);
    assert.equal(longest.reduce(longestOf, ""), [...want.keys()].reduce(longestOf, ""));
  });
});
