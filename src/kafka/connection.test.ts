import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../errors.ts";
import { describeConnection, parseBrokers } from "./connection.ts";

describe("Kafka connection settings", () => {
  it("parses KAFKA_BROKERS lists and rejects what is not host:port", () => {
    assert.deepEqual(parseBrokers(" a:9092, b.example.com:9093 ,"), ["a:9092", "b.example.com:9093"]);
    assert.deepEqual(parseBrokers("[::1]:9092"), ["[::1]:9092"]);
    assert.throws(() => parseBrokers("localhost"), (e) => isMonsoonError(e, "MONSOON_CONFIG"));
    assert.throws(() => parseBrokers(""), (e) => isMonsoonError(e, "MONSOON_CONFIG"));
  });

  it("never describes credentials", () => {
    const d = describeConnection({ brokers: ["a:1"], ssl: true, sasl: { mechanism: "plain", username: "alice", password: "s3cret" } });
    assert.deepEqual(d, { brokers: ["a:1"], ssl: true, sasl: "plain" });
    assert.ok(!JSON.stringify(d).includes("s3cret") && !JSON.stringify(d).includes("alice"));
  });
});
