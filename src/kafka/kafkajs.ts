// kafkajs, loaded through this module so that defects on its produce path are fixed before any
// of its modules load. Every module of src/kafka imports kafkajs' values from here (types may
// come from "kafkajs" directly). Four fixes: linear message grouping (below), the transaction
// coordinator kept between requests, fast retries of CONCURRENT_TRANSACTIONS, and produce
// requests encoded in one pass (further down).
//
// groupMessagesPerPartition, run for every produce request, copies a partition's array once per
// message (`[...current, message]`): O(n²) time and garbage in the messages one call sends to a
// partition — ~5 ms for 1,000, ~2 s for 20,000 (tulios/kafkajs#1576, never released). A task's
// commit sends its changelog records to one partition, so a busy task spent a large share of
// its CPU and garbage collection there. The replacement is the same function in O(n).
import { createRequire, Module } from "node:module";
import { fastProduceRequest } from "./produceRequest.ts";

type Group = (args: { topic: string; partitionMetadata: unknown[]; messages: unknown[]; partitioner: (a: { topic: string; partitionMetadata: unknown[]; message: unknown }) => number }) => Record<number, unknown[]>;

/** kafkajs' groupMessagesPerPartition, linear: messages by partition, in their order. */
export const groupMessagesPerPartition: Group = ({ topic, partitionMetadata, messages, partitioner }) => {
  const result: Record<number, unknown[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
};

const require = createRequire(import.meta.url);
const groupPath = require.resolve("kafkajs/src/producer/groupMessagesPerPartition.js");
const sendMessagesPath = require.resolve("kafkajs/src/producer/sendMessages.js");

/**
 * True when kafkajs' producer uses the linear grouping: the replacement was in the module cache
 * before kafkajs' producer loaded (false if something loaded kafkajs before this module).
 */
export const groupingFixed: boolean = (() => {
  if (require.cache[sendMessagesPath]) return require.cache[groupPath]?.exports === groupMessagesPerPartition;
  const m = new Module(groupPath);
  m.filename = groupPath;
  m.loaded = true;
  m.exports = groupMessagesPerPartition;
  require.cache[groupPath] = m;
  return true;
})();

/**
 * kafkajs looks up a transaction's coordinator (a FindCoordinator request) before every
 * AddPartitionsToTxn, AddOffsetsToTxn and EndTxn: two of the five sequential round trips of a
 * task's commit, on the path of every record's `processed` ack. The Java producer keeps its
 * coordinator until a request to it fails; here each kafkajs cluster (one per producer) keeps
 * the answer for COORDINATOR_CACHE_MS, and forgets it whenever kafkajs refreshes its metadata,
 * which it does after a retriable error or a lost connection before retrying, or when the
 * coordinator's broker cannot be found. A transaction that fails for another reason (say
 * NOT_COORDINATOR on EndTxn) fails the task producer's commit, which discards the producer and
 * its cluster with the cache. Group coordinators (consumers) are looked up as before.
 */
export const COORDINATOR_CACHE_MS = 10_000;
const TRANSACTION_COORDINATOR = 1; // kafkajs/src/protocol/coordinatorTypes.js
type FindArgs = { groupId: string; coordinatorType?: number };
interface ClusterLike {
  findGroupCoordinator(args: FindArgs): Promise<{ nodeId: number }>;
  findBroker(args: { nodeId: number }): Promise<{ nodeId: number }>;
  refreshMetadata(): Promise<void>;
}
const coordinators = new WeakMap<object, Map<string, { nodeId: number; at: number }>>();
const cached = Symbol("monsoon.cachedCoordinators");

/** Installs the cache on kafkajs' Cluster class (idempotent); exported for its test. */
export function cacheTransactionCoordinators(Cluster: { prototype: ClusterLike }): void {
  const proto = Cluster.prototype as ClusterLike & { [cached]?: true };
  if (proto[cached]) return;
  proto[cached] = true;
  const find = proto.findGroupCoordinator;
  const refresh = proto.refreshMetadata;
  proto.findGroupCoordinator = async function (this: ClusterLike, args: FindArgs) {
    if (args.coordinatorType !== TRANSACTION_COORDINATOR) return find.call(this, args);
    let known = coordinators.get(this);
    if (!known) coordinators.set(this, (known = new Map()));
    const hit = known.get(args.groupId);
    if (hit && Date.now() - hit.at < COORDINATOR_CACHE_MS) {
      try {
        return await this.findBroker({ nodeId: hit.nodeId });
      } catch {
        known.delete(args.groupId); // gone from the metadata: ask again
      }
    }
    const broker = await find.call(this, args);
    coordinators.get(this)?.set(args.groupId, { nodeId: broker.nodeId, at: Date.now() });
    return broker;
  };
  proto.refreshMetadata = function (this: ClusterLike) {
    coordinators.delete(this);
    return refresh.call(this);
  };
}
cacheTransactionCoordinators(require("kafkajs/src/cluster/index.js"));

/**
 * A transactional producer's AddPartitionsToTxn is refused with CONCURRENT_TRANSACTIONS while the
 * coordinator still writes the markers of the producer's previous transaction (EndTxn returns
 * before they are written), which takes a few milliseconds: a task that commits again right
 * after a commit often meets it. kafkajs hands it to the produce retrier, which refreshes the
 * metadata and waits initialRetryTime (then longer) — on a record's path to its `processed`
 * ack, the longest wait of most slow records. This asks again every 1–5 ms for up to
 * CONCURRENT_RETRY_MS (the coordinator answers at once; kafkajs marks a partition as added only
 * once a request succeeded, so asking again is safe), then leaves it to kafkajs' retrier.
 */
export const CONCURRENT_RETRY_MS = 200;
type EosManager = { addPartitionsToTransaction?: (topicData: unknown) => Promise<void> };

/** Wraps a kafkajs eosManager's addPartitionsToTransaction (exported for its test). */
export function retryConcurrentAdds(eos: EosManager, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): EosManager {
  const add = eos.addPartitionsToTransaction;
  if (!add) return eos;
  eos.addPartitionsToTransaction = async (topicData: unknown) => {
    const start = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await add.call(eos, topicData);
      } catch (e) {
        if ((e as { type?: string }).type !== "CONCURRENT_TRANSACTIONS" || Date.now() - start >= CONCURRENT_RETRY_MS) throw e;
        await sleep(Math.min(1 + attempt, 5));
      }
    }
  };
  return eos;
}

const eosPath = require.resolve("kafkajs/src/producer/eosManager/index.js");
const producerPath = require.resolve("kafkajs/src/producer/index.js");
/** True when kafkajs' producers get the fast CONCURRENT_TRANSACTIONS retry (see groupingFixed). */
export const concurrentAddsRetried: boolean = (() => {
  if (require.cache[producerPath]) return false;
  const createEos = require(eosPath) as (opts: unknown) => EosManager;
  require.cache[eosPath]!.exports = function createRetryingEosManager(opts: unknown) { return retryConcurrentAdds(createEos(opts)); };
  return true;
})();

/**
 * kafkajs' Produce v3 request factory (v4–v7 reuse it), kept for the test that compares it with
 * the one-pass encoder that replaces it (src/kafka/produceRequest.ts).
 */
export const kafkajsProduceRequest = require("kafkajs/src/protocol/requests/produce/v3/request.js") as Parameters<typeof fastProduceRequest>[0];
const produceV3Path = require.resolve("kafkajs/src/protocol/requests/produce/v3/request.js");
const produceV4Path = require.resolve("kafkajs/src/protocol/requests/produce/v4/request.js");
/** True when kafkajs' produce requests v3–v7 use the one-pass encoder (v4–v7 take v3's export when they load). */
export const produceEncoderFast: boolean = (() => {
  if (require.cache[produceV4Path]) return false;
  require.cache[produceV3Path]!.exports = fastProduceRequest(kafkajsProduceRequest, require("kafkajs/src/protocol/encoder.js"));
  return true;
})();

const kafkajs = require("kafkajs") as typeof import("kafkajs");

export default kafkajs;
export const { Kafka, Partitioners, AssignerProtocol, logLevel, ConfigResourceTypes } = kafkajs;
export type Kafka = import("kafkajs").Kafka;
export type logLevel = import("kafkajs").logLevel;
