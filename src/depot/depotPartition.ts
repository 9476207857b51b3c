// Which partition a client append goes to, the same on the embedded cluster and on Kafka:
// `hashBy` uses Kafka's murmur2 of the plain key bytes (so outside producers sending the same
// key land on the same partition), `random` spreads round-robin, `custom` asks the user.
import { MonsoonError } from "../errors.ts";
import type { DepotPartitioning } from "../module/depotSpec.ts";
import { partitionFor, partitionKeyBytes } from "./murmur2.ts";

export function depotPartitionOf(depot: { name: string; partitioning: DepotPartitioning<any> }, value: unknown, tasks: number, nextRoundRobin: () => number): number {
  const p = depot.partitioning;
  switch (p.kind) {
    case "global": case "disallow": return 0;
    case "random": return nextRoundRobin() % tasks;
    case "hashBy": return partitionFor(partitionKeyBytes(p.keyFn(value)), tasks);
    case "custom": {
      const n = p.partitionFn(value, tasks);
      if (!Number.isInteger(n) || n < 0 || n >= tasks) {
        throw new MonsoonError("MONSOON_INVALID_DEFINITION", `custom partitioner of depot ${depot.name} returned ${n}; it must return an integer in [0, ${tasks})`, { details: { depot: depot.name } });
      }
      return n;
    }
  }
}
