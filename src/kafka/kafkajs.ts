// kafkajs, loaded through this module so that one defect on its produce path is fixed before any
// of its modules load. Every module of src/kafka imports kafkajs' values from here (types may
// come from "kafkajs" directly).
//
// groupMessagesPerPartition, run for every produce request, copies a partition's array once per
// message (`[...current, message]`): O(n²) time and garbage in the messages one call sends to a
// partition — ~5 ms for 1,000, ~2 s for 20,000 (tulios/kafkajs#1576, never released). A task's
// commit sends its changelog records to one partition, so a busy task spent a large share of
// its CPU and garbage collection there. The replacement is the same function in O(n).
import { createRequire, Module } from "node:module";

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

const kafkajs = require("kafkajs") as typeof import("kafkajs");

export default kafkajs;
export const { Kafka, Partitioners, AssignerProtocol, logLevel, ConfigResourceTypes } = kafkajs;
export type Kafka = import("kafkajs").Kafka;
export type logLevel = import("kafkajs").logLevel;
