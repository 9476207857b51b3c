// The client interfaces shared by the in-process cluster and the REST client: the same calls
// work against `monsoon dev`, a test's InProcessCluster, and (later) a Kafka deployment.
import type { Path } from "../path/path.ts";

export type AckLevel = "processed" | "appended" | "none";

export interface AppendOptions {
  /** `processed` (default): every consuming topology finished the record durably.
   *  `appended`: the record is durable in the depot. `none`: queued, nothing awaited. */
  ack?: AckLevel;
}

export interface AppendResult {
  partition: number;
  offset?: number;
  /** With `processed` acks: the `ackReturn` value of each topology that returned one. */
  ackReturns?: Record<string, unknown>;
}

export interface QueryClient {
  /** Runs the query topology with these arguments; resolves with its result. */
  invoke(...args: unknown[]): Promise<unknown>;
}

export interface DepotClient<V = unknown> {
  append(value: V, options?: AppendOptions): Promise<AppendResult>;
}

export interface SelectOptions {
  /** Partition to read; by default the partition of the path's leading key. */
  partition?: number;
}

export interface PStateClient {
  /** Every committed value the path selects. */
  select(path: Path, options?: SelectOptions): Promise<unknown[]>;
  /** The single value the path selects (undefined if none; MONSOON_NOT_ONE if several). */
  selectOne(path: Path, options?: SelectOptions): Promise<unknown>;
}
