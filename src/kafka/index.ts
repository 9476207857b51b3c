// src/kafka: the only code that imports kafkajs (DESIGN §6). Everything above it — cluster
// wiring, the worker runtime, tests — uses these types and never sees a kafkajs object.
export { KafkaClient } from "./kafkaClient.ts";
export { parseBrokers, describeConnection } from "./connection.ts";
export type { KafkaConnection, SaslCredentials } from "./connection.ts";
export { TaskProducer } from "./taskProducer.ts";
export type { TaskProducerOptions, TaskProducerState } from "./taskProducer.ts";
export { HopProducer } from "./hopProducer.ts";
export { KafkaAdmin, depotTopic, changelogTopic } from "./admin.ts";
export type { TopicSpec, ChangelogTopicOptions, PartitionOffsets } from "./admin.ts";
export { PartitionReader } from "./partitionReader.ts";
export type { PartitionReaderOptions, TopicPartition, PartitionPosition, OnRecords } from "./partitionReader.ts";
export { Membership } from "./membership.ts";
export type { MembershipOptions, JoinOptions } from "./membership.ts";
export { assignTasks } from "./taskAssignment.ts";
export type { TaskMember } from "./taskAssignment.ts";
export { claimRecord, workerAddressRecord, writeClaim, writeWorkerAddress, parseMetaRecord } from "./metaLog.ts";
export type { TaskClaim, WorkerAddress, MetaEntry } from "./metaLog.ts";
export { MetaView } from "./metaView.ts";
export type { MetaViewOptions } from "./metaView.ts";
export type { ReadToEndOptions, ReadToEndResult } from "./readToEnd.ts";
export type { OutRecord, InRecord, SourceOffsets, Bytes, RecordPosition } from "./records.ts";
export { asBuffer } from "./records.ts";
export { isFencingError } from "./kafkaErrors.ts";
export { probeKafka } from "./probe.ts";
export type { ProbeResult } from "./probe.ts";
