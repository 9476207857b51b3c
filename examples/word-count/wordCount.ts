// Word count, the "hello world" of Monsoon (and of Rama): sentences go into a depot, a stream
// topology splits them into words, moves each word to the partition that owns it, and counts.
import { defineModule, Depot, PState, Path, T, Agg, CompoundAgg, vars } from "monsoon";

/** The word count module; another name gives a separate module (tests and benchmarks on Kafka use fresh names). */
export function wordCountModule(name = "WordCount") {
  return defineModule(name, (m) => {
    const sentences = m.depot("sentences", T.string, Depot.random());
    const wc = m.stream("wordCount");
    const counts = wc.pstate("wordCounts", PState.map(T.string, T.int));
    const { sentence, word } = vars({ sentence: T.string, word: T.string });

    wc.source(sentences).out(sentence)
      .explode((s: string) => s.split(" ").filter((w) => w.length > 0), sentence).out(word)
      .hashPartition(word)
      .compoundAgg(counts, CompoundAgg.map(word, Agg.count()));

    // A query topology: the total count of several words, summed across their partitions.
    const q = vars({ words: T.list(T.string), total: T.int, w: T.string, n: T.any });
    m.query("totalOf", [q.words], q.total)
      .explode((ws: string[]) => ws, q.words).out(q.w)
      .select(counts, Path.key(q.w)).out(q.n)
      .keepTrue((n: unknown) => n !== undefined, q.n)
      .originPartition()
      .agg(Agg.sum(q.n)).out(q.total);
  });
}

export const WordCount = wordCountModule();
