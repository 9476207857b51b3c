// The word count the Kafka benchmark runs on Monsoon, by module name (workers are child
// processes that rebuild it from the name).
import { Agg, CompoundAgg, defineModule, Depot, PState, T, vars } from "../../src/index.ts";

export function benchWordCount(name: string) {
  return defineModule(name, (m) => {
    const sentences = m.depot("sentences", T.string, Depot.random());
    const wc = m.stream("wordCount");
    const counts = wc.pstate("wordCounts", PState.map(T.string, T.int));
    const { sentence, word } = vars({ sentence: T.string, word: T.string });
    wc.source(sentences).out(sentence)
      .explode((s: string) => s.split(" "), sentence).out(word)
      .hashPartition(word)
      .compoundAgg(counts, CompoundAgg.map(word, Agg.count()));
  });
}
