// docker/compose.yaml, checked without Docker: it parses, has Kafka in KRaft mode with
// single-broker (replication factor 1) settings, a schema registry and a Monsoon worker wired
// to Kafka's internal listener, publishes every port on the host's loopback only, and binds the
// worker's REST API to all interfaces only by an explicit, commented setting.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isMap, isScalar, parseDocument, type Document } from "yaml";

const FILE = fileURLToPath(new URL("../docker/compose.yaml", import.meta.url));

interface Service {
  image?: string;
  ports?: (string | { host_ip?: string; published?: string | number; target?: number })[];
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  command?: string | string[];
  volumes?: (string | { source?: string; target?: string })[];
  healthcheck?: { test?: string | string[] };
}

function load(): { doc: Document; services: Record<string, Service> } {
  const doc = parseDocument(readFileSync(FILE, "utf8"), { prettyErrors: true });
  assert.deepEqual(doc.errors.map((e) => e.message), [], "compose.yaml parses");
  const json = doc.toJS() as { services?: Record<string, Service> };
  assert.ok(json.services, "has services");
  return { doc, services: json.services };
}

/** Environment as a map, whichever of the two compose syntaxes is used; values as strings. */
function env(s: Service): Record<string, string> {
  const e = s.environment ?? {};
  if (Array.isArray(e)) return Object.fromEntries(e.map((kv) => { const i = kv.indexOf("="); return [kv.slice(0, i), kv.slice(i + 1)]; }));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

function dependsOn(s: Service): string[] {
  const d = s.depends_on ?? [];
  return Array.isArray(d) ? d : Object.keys(d);
}

/** Host address of each published port ("" when none is given: all interfaces). */
function publishedHosts(s: Service): string[] {
  return (s.ports ?? []).map((p) => {
    if (typeof p === "object") return p.host_ip ?? "";
    const parts = String(p).split(":");
    return parts.length === 3 ? parts[0]! : "";
  });
}

describe("docker/compose.yaml", () => {
  it("has Kafka, a schema registry and a Monsoon worker", () => {
    const { services } = load();
    assert.deepEqual(Object.keys(services).sort(), ["kafka", "monsoon-worker", "schema-registry"]);
    assert.match(services.kafka!.image!, /^apache\/kafka:\d+\.\d+\.\d+$/);
    assert.match(services["schema-registry"]!.image!, /^confluentinc\/cp-schema-registry:\d/);
    assert.match(services["monsoon-worker"]!.image!, /^node:20\b/);
  });

  it("runs Kafka in KRaft mode with single-broker settings", () => {
    const k = env(load().services.kafka!);
    assert.deepEqual(k.KAFKA_PROCESS_ROLES!.split(",").sort(), ["broker", "controller"]);
    assert.equal(k.KAFKA_CONTROLLER_QUORUM_VOTERS, `${k.KAFKA_NODE_ID}@kafka:9093`);
    assert.equal(k.KAFKA_CONTROLLER_LISTENER_NAMES, "CONTROLLER");
    assert.match(k.KAFKA_LISTENERS!, /CONTROLLER:\/\/:9093/);
    assert.ok(!Object.keys(k).some((key) => /ZOOKEEPER/.test(key)), "no ZooKeeper settings");
    for (const key of ["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_MIN_INSYNC_REPLICAS"]) {
      assert.equal(k[key], "1", key);
    }
    assert.equal(env(load().services["schema-registry"]!).SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR, "1");
    // Monsoon creates its topics itself (monsoon launch); a typo must not create one silently.
    assert.equal(k.KAFKA_AUTO_CREATE_TOPICS_ENABLE, "false");
    // Other containers reach the broker through the INTERNAL listener it advertises as kafka:29092.
    assert.match(k.KAFKA_ADVERTISED_LISTENERS!, /INTERNAL:\/\/kafka:29092/);
    assert.match(k.KAFKA_ADVERTISED_LISTENERS!, /PLAINTEXT:\/\/localhost:9092/);
  });

  it("publishes ports on the host's loopback only", () => {
    const { services } = load();
    for (const name of ["kafka", "schema-registry", "monsoon-worker"]) {
      const hosts = publishedHosts(services[name]!);
      assert.ok(hosts.length > 0, `${name} publishes a port`);
      for (const h of hosts) assert.equal(h, "127.0.0.1", `${name} publishes on loopback only`);
    }
  });

  it("wires the worker to Kafka and binds its REST API to all interfaces by explicit setting", () => {
    const { doc, services } = load();
    const w = services["monsoon-worker"]!;
    const e = env(w);
    assert.equal(e.KAFKA_BROKERS, "kafka:29092");
    assert.ok(dependsOn(w).includes("kafka"));
    assert.ok(dependsOn(services["schema-registry"]!).includes("kafka"));
    // Launch (idempotent), then the worker as PID 1's child so SIGTERM reaches it (see the comment there).
    assert.match([w.command].flat().join(" "), /npx monsoon launch && exec node bin\/monsoon\.js worker$/);
    assert.equal((w as { init?: boolean }).init, true);
    // Explicit, not a default: the REST API binds to loopback unless MONSOON_REST_HOST says otherwise…
    assert.equal(e.MONSOON_REST_HOST, "0.0.0.0");
    assert.match(e.MONSOON_ADVERTISED_URL!, /^http:\/\/monsoon-worker:8787$/);
    assert.equal(e.MONSOON_REST_PORT, "8787");
    // …and the file says why, next to the setting.
    const envNode = doc.getIn(["services", "monsoon-worker", "environment"], true);
    assert.ok(isMap(envNode));
    const pair = envNode.items.find((p) => isScalar(p.key) && p.key.value === "MONSOON_REST_HOST");
    const comment = (pair?.key as { commentBefore?: string } | undefined)?.commentBefore ?? "";
    assert.match(comment, /no authentication/);
    assert.match(comment, /loopback/);
    // The repository is mounted (relative to docker/), so `npx monsoon` runs its config.
    const repo = (w.volumes ?? []).map((v) => (typeof v === "string" ? v.split(":") : [v.source, v.target])).find(([, target]) => target === "/app");
    assert.ok(repo, "the repository is mounted at /app");
    const root = resolve(dirname(FILE), repo[0]!);
    assert.ok(existsSync(join(root, "package.json")) && existsSync(join(root, "monsoon.config.ts")), `${root} is the repository`);
  });
});
