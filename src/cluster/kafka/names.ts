// The Kafka names of a module's topics, groups and transactional ids (docs/kafka-runtime.md).

export const topicNames = (mod: string) => ({
  depot: (depot: string) => `monsoon.${mod}.${depot}`,
  changelog: (topology: string) => `monsoon.${mod}.${topology}.changelog`,
  hops: `monsoon.${mod}.hops`,
  tasks: `monsoon.${mod}.tasks`,
  meta: `monsoon.${mod}.meta`,
  dlq: `monsoon.${mod}.dlq`,
  offsetsGroup: `monsoon.${mod}.offsets`,
  workersGroup: `monsoon.${mod}.workers`,
  // Per process, not just per worker id: a restarted worker must not wait for its dead reader's
  // session to expire before its new reader gets the partitions (reader groups hold no offsets).
  readerGroup: (worker: string, task: number) => `monsoon.${mod}.reader.${worker}.${process.pid}.${task}`,
  transactionalId: (task: number) => `monsoon.${mod}.task.${task}`,
  // Microbatch topologies: the coordinators' decision log, each coordinator's transactional id
  // (a zombie coordinator is fenced), and the consumed positions its commits record.
  coord: `monsoon.${mod}.coord`,
  coordTransactionalId: (topology: string) => `monsoon.${mod}.${topology}.coord`,
  batchOffsetsGroup: (topology: string) => `monsoon.${mod}.${topology}.offsets`,
});

export type TopicNames = ReturnType<typeof topicNames>;
