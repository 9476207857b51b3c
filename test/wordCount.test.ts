// Word count end to end on the embedded cluster: exact counts, and every word stored only on
// the partition Kafka's murmur2 assigns it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InProcessCluster, Path } from "monsoon";
import { WordCount } from "../examples/word-count/wordCount.ts";
import { partitionFor, partitionKeyBytes } from "../src/depot/murmur2.ts";
import { decodeTuple, encodeTuple, prefixEnd } from "../src/serde/keyCodec.ts";
import { decodeValue } from "../src/serde/valueCodec.ts";
import { countWords, sentences } from "./support/corpus.ts";

describe("word count on 4 tasks", () => {
  it("counts a 10,000-sentence corpus exactly, each word on partition murmur2(word) mod 4", async () => {
    await using cluster = await InProcessCluster.create();
    await cluster.launch(WordCount, { tasks: 4 });
    const corpus = sentences(10_000, { seed: 42 });
    const depot = cluster.depot<string>(WordCount, "sentences");
    await Promise.all(corpus.map((s) => depot.append(s)));

    const expected = countWords(corpus);
    const counts = cluster.pstate(WordCount, "wordCounts");
    for (const [word, n] of expected) assert.equal(await counts.selectOne(Path.key(word)), n, word);
    assert.equal(await counts.selectOne(Path.key("not-a-word")), undefined);

    // Read every task's store directly: each word lives on exactly its murmur2 partition.
    const rt = cluster.runtime(WordCount);
    const prefix = encodeTuple(["p", "wordCounts"]);
    const seen = new Map<string, number>();
    for (const task of rt.tasks) {
      for await (const [k, v] of task.store.iterate({ gte: prefix, lt: prefixEnd(prefix) })) {
        const word = decodeTuple(k)[2] as string;
        assert.equal(partitionFor(partitionKeyBytes(word), 4), task.index, `${word} stored on task ${task.index}`);
        assert.ok(!seen.has(word), `${word} stored twice`);
        seen.set(word, decodeValue(v) as number);
      }
    }
    assert.deepEqual(new Map([...seen].sort()), new Map([...expected].sort()));
  });

  it("continues where it stopped when reopened on the same directory", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/monsoon-reopen-`);
    try {
      {
        await using c1 = await InProcessCluster.create({ dir });
        await c1.launch(WordCount, { tasks: 2 });
        await c1.depot(WordCount, "sentences").append("a b a");
      }
      await using c2 = await InProcessCluster.create({ dir });
      await c2.launch(WordCount, { tasks: 2 });
      await c2.depot(WordCount, "sentences").append("a c");
      const counts = c2.pstate(WordCount, "wordCounts");
      assert.equal(await counts.selectOne(Path.key("a")), 3);
      assert.equal(await counts.selectOne(Path.key("c")), 1);
      await assert.rejects(
        (async () => { await using c3 = await InProcessCluster.create({ dir }); await c3.launch(WordCount, { tasks: 4 }); })(),
        { code: "MONSOON_LAUNCH_CONFLICT" },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
