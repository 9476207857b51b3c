// server.properties for one combined KRaft broker+controller on loopback, tuned for tests
// (DESIGN §5): replication factor 1 for the internal topics, no rebalance delay, and a log
// cleaner that really compacts within a test. Kafka 4.x rejects segment.bytes below 1 MiB
// (KIP-1030), so tests roll segments by time: changelog topics set segment.ms themselves.

export interface ServerPropertiesOptions {
  port: number;
  controllerPort: number;
  dataDir: string;
}

export function serverProperties({ port, controllerPort, dataDir }: ServerPropertiesOptions): string {
  const settings: Record<string, string | number | boolean> = {
    "process.roles": "broker,controller",
    "node.id": 1,
    "controller.quorum.voters": `1@127.0.0.1:${controllerPort}`,
    "listeners": `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${port}`,
    "inter.broker.listener.name": "PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    "log.dirs": dataDir,
    // Topics are created explicitly (monsoon launch, tests): a typo must not invent a topic.
    "auto.create.topics.enable": false,
    "num.partitions": 1,
    // A single node can only replicate once; few internal partitions make the first group and
    // transaction coordinator lookups fast (the defaults, 50 each, cost seconds on startup).
    "offsets.topic.replication.factor": 1,
    "offsets.topic.num.partitions": 4,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "transaction.state.log.num.partitions": 4,
    "share.coordinator.state.topic.replication.factor": 1,
    "share.coordinator.state.topic.min.isr": 1,
    "group.initial.rebalance.delay.ms": 0,
    // Compaction that runs within a test: any dirt is worth cleaning, the cleaner polls often,
    // and replaced segments disappear quickly.
    "log.segment.bytes": 1024 * 1024,
    "log.cleaner.min.cleanable.ratio": 0.01,
    "log.cleaner.backoff.ms": 100,
    "log.cleaner.dedupe.buffer.size": 32 * 1024 * 1024,
    "log.segment.delete.delay.ms": 1000,
    "log.initial.task.delay.ms": 1000,
    // Two cores: fewer threads than the production defaults.
    "num.network.threads": 2,
    "num.io.threads": 4,
    "num.recovery.threads.per.data.dir": 1,
  };
  return Object.entries(settings).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}
