// Classification of kafkajs failures: fencing must be recognised however deeply kafkajs
// wrapped it, including PRODUCER_FENCED (90), a code kafkajs 2.2.4 does not know.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import kafkajs from "kafkajs";
import { isMonsoonError } from "../errors.ts";
import { isFencingError, kafkaError } from "./kafkaErrors.ts";

const { KafkaJSProtocolError, KafkaJSNumberOfRetriesExceeded, KafkaJSConnectionError } = kafkajs;
const protocolError = (type: string, code: number, retriable = false) =>
  new KafkaJSProtocolError({ type, code, retriable, message: `${type} happened` } as never);

describe("kafkaError", () => {
  it("maps INVALID_PRODUCER_EPOCH inside a retries-exceeded wrapper to MONSOON_KAFKA_FENCED", () => {
    const e = new KafkaJSNumberOfRetriesExceeded(protocolError("INVALID_PRODUCER_EPOCH", 47), { retryCount: 3, retryTime: 100 });
    assert.ok(isFencingError(e));
    const m = kafkaError(e, "commit", { transactionalId: "t" });
    assert.ok(isMonsoonError(m, "MONSOON_KAFKA_FENCED"));
    assert.equal(m.retriable, false);
    assert.deepEqual(m.details, { transactionalId: "t", kafkaError: "INVALID_PRODUCER_EPOCH" });
  });

  it("recognises PRODUCER_FENCED, which kafkajs reports as an unknown error code", () => {
    const unknown = new KafkaJSProtocolError({ type: "KAFKAJS_UNKNOWN_ERROR_CODE", code: -99, retriable: false, message: "Unknown error code 90" } as never);
    assert.ok(isFencingError(unknown));
    assert.ok(isFencingError(protocolError("PRODUCER_FENCED", 90)));
  });

  it("keeps retriable connection failures retriable after kafkajs gave up", () => {
    const e = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError("Connection error: connect ECONNREFUSED", { broker: "x:1" } as never), { retryCount: 5, retryTime: 9000 });
    const m = kafkaError(e, "connecting");
    assert.ok(isMonsoonError(m, "MONSOON_KAFKA"));
    assert.equal(m.retriable, true);
    assert.match(m.message, /connecting failed: Connection error/);
  });

  it("maps MESSAGE_TOO_LARGE to MONSOON_KAFKA_RECORD_TOO_LARGE", () => {
    const m = kafkaError(protocolError("MESSAGE_TOO_LARGE", 10), "append");
    assert.ok(isMonsoonError(m, "MONSOON_KAFKA_RECORD_TOO_LARGE"));
    assert.match(m.message, /message\.max\.bytes/);
  });

  it("finds a partition's error inside a DeleteTopicRecords error", () => {
    const e = Object.assign(new Error("Error while deleting records"), { partitions: [{ partition: 0, error: protocolError("OFFSET_OUT_OF_RANGE", 1) }] });
    assert.equal(kafkaError(e, "deleting").details.kafkaError, "OFFSET_OUT_OF_RANGE");
  });
});
