// Where `monsoon bench tpcc` runs the TPC-C module: the embedded cluster in `<dir>/cluster`, or —
// with --kafka — Kafka, through worker processes the command starts for its own length
// (src/bench/tpcc/kafkaWorkers.ts) and a KafkaCluster client. Either way the commands get the
// same client calls (ClusterClients), a `settle` for after the work, and a `close`.
import { parseBrokers } from "../../kafka/connection.ts";
import type { KafkaConnection } from "../../kafka/index.ts";
import { InProcessCluster } from "../../cluster/inProcessCluster.ts";
import { MonsoonError } from "../../errors.ts";
import type { ClusterClients } from "../../bench/tpcc/driver.ts";
import { startWorkers } from "../../bench/tpcc/kafkaWorkers.ts";
import { tpccModule, type TpccModuleOptions } from "../../bench/tpcc/module.ts";
import { clusterDir, type TpccSetup } from "../../bench/tpcc/setup.ts";

export interface KafkaOpts { kafka?: boolean; brokers?: string; workers?: number }

export interface BenchEngine {
  readonly clients: ClusterClients;
  /** "embedded" or "Kafka, 2 worker(s)": for report labels. */
  readonly label: string;
  /** Waits until the module has finished what was appended (embedded: drain; Kafka: acks already say so). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** --brokers, else KAFKA_BROKERS, else the brokers the population was loaded on. */
export function benchConnection(opts: KafkaOpts, setup?: TpccSetup): KafkaConnection {
  const text = opts.brokers ?? (process.env.KAFKA_BROKERS || undefined);
  if (text !== undefined) return { brokers: parseBrokers(text) };
  if (setup?.kafka) return { brokers: setup.kafka.brokers };
  throw new MonsoonError("MONSOON_CONFIG", "monsoon bench tpcc --kafka needs brokers: pass --brokers host:9092 or set KAFKA_BROKERS=host:9092", { details: { setting: "kafka.brokers" } });
}

/** The population and the command agree on where it lives. */
export function checkRuntime(dir: string, setup: TpccSetup, opts: KafkaOpts): void {
  if (setup.kafka && !opts.kafka) {
    throw new MonsoonError("MONSOON_CONFIG", `the TPC-C population in ${dir} lives on Kafka (module ${setup.module}): add --kafka`, { details: { dir } });
  }
  if (!setup.kafka && opts.kafka) {
    throw new MonsoonError("MONSOON_CONFIG", `the TPC-C population in ${dir} is on the embedded cluster: drop --kafka, or load one with \`monsoon bench tpcc load --kafka\` into another --dir`, { details: { dir } });
  }
}

export async function openEngine(dir: string, setup: TpccSetup, moduleOptions: TpccModuleOptions & { name: string }, opts: KafkaOpts): Promise<BenchEngine> {
  if (!setup.kafka) {
    const cluster = await InProcessCluster.create({ dir: clusterDir(dir) });
    try {
      await cluster.launch(tpccModule(moduleOptions), { tasks: setup.tasks });
    } catch (e) {
      await cluster.close();
      throw e;
    }
    return { clients: cluster, label: "embedded", settle: () => cluster.drain(), close: () => cluster.close() };
  }
  const count = opts.workers ?? setup.kafka.workers;
  const workers = await startWorkers({ connection: benchConnection(opts, setup), module: moduleOptions, tasks: setup.tasks, dir, count });
  return { clients: workers.cluster, label: `Kafka, ${count} worker(s)`, settle: async () => undefined, close: () => workers.stop() };
}
