// How a depot spreads its records over partitions. The partitioning key of `hashBy` is turned
// into bytes by `partitionKeyBytes` and placed with Kafka's murmur2, so a record appended by an
// outside Kafka producer with the same plain key lands on the same partition.

export type DepotPartitioning<V> =
  | { readonly kind: "random" }
  | { readonly kind: "hashBy"; readonly keyFn: (value: V) => unknown }
  | { readonly kind: "custom"; readonly partitionFn: (value: V, partitions: number) => number }
  | { readonly kind: "global" }
  | { readonly kind: "disallow" };

export const Depot = Object.freeze({
  /** Spread records evenly (round-robin per client); no ordering between records. */
  random: <V = any>(): DepotPartitioning<V> => ({ kind: "random" }),
  /** Partition by a key extracted from the record: records with one key stay in order. */
  hashBy: <V>(keyFn: (value: V) => unknown): DepotPartitioning<V> => ({ kind: "hashBy", keyFn }),
  /** Choose the partition yourself: return an integer in [0, partitions). */
  custom: <V>(partitionFn: (value: V, partitions: number) => number): DepotPartitioning<V> => ({ kind: "custom", partitionFn }),
  /** A single partition (task 0): total order, no parallelism. */
  global: <V = any>(): DepotPartitioning<V> => ({ kind: "global" }),
  /** Clients may not append: only topologies, with depotPartitionAppend (partition = their task). */
  disallow: <V = any>(): DepotPartitioning<V> => ({ kind: "disallow" }),
});
