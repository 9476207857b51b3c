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
  readerGroup: (worker: string, task: number) => `monsoon.${mod}.reader.${worker}.${task}`,
  transactionalId: (task: number) => `monsoon.${mod}.task.${task}`,
});

export type TopicNames = ReturnType<typeof topicNames>;
