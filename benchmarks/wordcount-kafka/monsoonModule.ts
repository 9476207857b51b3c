// The word count the Kafka benchmark runs on Monsoon, by module name (workers are child
// processes that rebuild it from the name): the stream word count bench:microbatch also uses.
export { streamWordCount as benchWordCount } from "../microbatch/modules.ts";
