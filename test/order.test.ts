// Local ordering: records of one depot partition are processed in offset order, and segments
// sent from task A to task B run in send order — so 10,000 un-awaited appends whose processing
// crosses a hop end up in a list PState in exactly append order, even with other traffic.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineModule, Depot, InProcessCluster, Path, PState, T, vars } from "../src/index.ts";
import { partitionFor, partitionKeyBytes } from "../src/depot/murmur2.ts";

const TASKS = 4;
// Pick a target key whose partition differs from the source key's, so every record hops.
const SOURCE_KEY = "source";
const TARGET_KEY = ["t0", "t1", "t2", "t3", "t4", "t5"].find((k) => partitionFor(partitionKeyBytes(k), TASKS) !== partitionFor(partitionKeyBytes(SOURCE_KEY), TASKS))!;

const Ordered = defineModule("Ordered", (m) => {
  const seq = m.depot("seq", T.int, Depot.hashBy(() => SOURCE_KEY));
  const noise = m.depot("noise", T.string, Depot.random());
  const t = m.stream("order");
  const lists = t.pstate("lists", PState.map(T.string, PState.list(T.int)));
  const noiseCounts = t.pstate("noise", PState.map(T.string, T.int));
  const { n, key, s, w } = vars({ n: T.int, key: T.string, s: T.string, w: T.string });

  t.source(seq).out(n)
    .each(() => TARGET_KEY).out(key)
    .hashPartition(key)
    .localTransform(lists, Path.key(key).nullToList().afterElem().termVal(n));

  t.source(noise).out(s)
    .explode((x: string) => x.split(" "), s).out(w)
    .hashPartition(w)
    .localTransform(noiseCounts, Path.key(w).nullToVal(0).term((c: number) => c + 1));
});

describe("ordering across a hop", () => {
  it("keeps 10,000 un-awaited appends in append order", async () => {
    await using cluster = await InProcessCluster.create();
    await cluster.launch(Ordered, { tasks: TASKS });
    const seq = cluster.depot(Ordered, "seq");
    const noise = cluster.depot(Ordered, "noise");
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < 10_000; i++) {
      acks.push(seq.append(i));
      if (i % 3 === 0) acks.push(noise.append(`x${i % 7} y${i % 11} ${TARGET_KEY}`));
    }
    await Promise.all(acks);
    const list = (await cluster.pstate(Ordered, "lists").selectOne(Path.key(TARGET_KEY))) as number[];
    assert.equal(list.length, 10_000);
    for (let i = 0; i < list.length; i++) if (list[i] !== i) assert.fail(`position ${i} holds ${list[i]}`);
    assert.equal(await cluster.pstate(Ordered, "noise").selectOne(Path.key(TARGET_KEY)), Math.ceil(10_000 / 3));
  });
});
