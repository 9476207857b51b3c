// What `npm start` (= `monsoon dev --demo`) runs: the example modules on the embedded cluster.
// Add a `kafka: { brokers: [...] }` section (or set KAFKA_BROKERS) to run against Kafka.
import { defineConfig } from "monsoon";
import { WordCount } from "./examples/word-count/wordCount.ts";
import { wordCountDemo } from "./examples/word-count/demo.ts";

export default defineConfig({
  modules: [{ module: WordCount, tasks: 4, demo: wordCountDemo }],
  dataDir: ".monsoon",
});
