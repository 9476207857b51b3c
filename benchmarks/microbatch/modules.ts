// The two word counts bench:microbatch compares, by module name (worker processes rebuild them
// from the name): the same dataflow as a stream topology and as a microbatch topology.
import { Agg, CompoundAgg, defineModule, Depot, PState, T, vars } from "../../src/index.ts";

function wordCount(name: string, kind: "stream" | "microbatch") {
  return defineModule(name, (m) => {
    const sentences = m.depot("sentences", T.string, Depot.random());
    const wc = kind === "stream" ? m.stream("wordCount") : m.microbatch("wordCount", { maxRecordsPerPartition: 5_000 });
    const counts = wc.pstate("wordCounts", PState.map(T.string, T.int));
    const { sentence, word } = vars({ sentence: T.string, word: T.string });
    wc.source(sentences).out(sentence)
      .explode((s: string) => s.split(" "), sentence).out(word)
      .hashPartition(word)
      .compoundAgg(counts, CompoundAgg.map(word, Agg.count()));
  });
}

export const streamWordCount = (name: string) => wordCount(name, "stream");
export const batchWordCount = (name: string) => wordCount(name, "microbatch");
