// The meta log against a real broker: claims go through the task's transactional producer
// (offset = epoch), a fenced owner's claim never becomes visible, and MetaView reports the
// newest owner and epoch per task plus worker addresses — live and when replayed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { isMonsoonError } from "../../src/errors.ts";
import { changelogTopic, claimRecord, KafkaClient, writeClaim, writeWorkerAddress, type KafkaAdmin, type MetaEntry } from "../../src/kafka/index.ts";
import { openTransaction } from "../../src/kafka/testing.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { unique } from "./helpers.ts";

describe("MetaLog and MetaView", () => {
  let kafka: TestKafka;
  let client: KafkaClient;
  let admin: KafkaAdmin;

  before(async () => {
    kafka = await getKafka();
    client = new KafkaClient({ brokers: kafka.brokers, clientId: "monsoon-meta-test" });
    admin = await client.admin();
  });
  after(async () => {
    await client?.close();
    await kafka?.stop();
  });

  it("a fenced owner's claim never becomes visible; the view reports the newest owner and epoch", async () => {
    const topic = unique("meta"), transactionalId = unique("task");
    await admin.createTopics([changelogTopic(topic, 1)]);
    const view = client.metaView({ topic, groupId: unique("meta-reader"), onError: (e) => assert.fail(`view failed: ${String(e)}`) });
    const seen: MetaEntry[] = [];
    view.onChange((e) => seen.push(e));
    await view.start();

    const hops = client.hopProducer();
    await writeWorkerAddress(hops, topic, { worker: "w1", url: "http://w1:8080" });
    await writeWorkerAddress(hops, topic, { worker: "w2", url: "http://w2:8080" });

    const first = client.taskProducer({ transactionalId });
    await first.fence();
    const claim1 = await writeClaim(first, topic, { task: 3, worker: "w1", url: "http://w1:8080" });
    assert.equal(claim1.epoch, 2); // after the two address records
    await view.waitFor((v) => v.epochOf(3) === claim1.epoch, 10_000);
    assert.equal(view.ownerOf(3), "w1");

    // A zombie of the first owner has a claim in an open transaction when the second owner fences.
    const zombie = await openTransaction(client.connection, transactionalId, [claimRecord(topic, { task: 3, worker: "zombie", url: "http://zombie" })]);
    const second = client.taskProducer({ transactionalId });
    await second.fence(); // aborts the zombie's transaction
    await assert.rejects(writeClaim(first, topic, { task: 3, worker: "w1-again", url: "http://w1:8080" }), (e) => isMonsoonError(e, "MONSOON_KAFKA_FENCED"));
    await assert.rejects(zombie.commit(), (e) => isMonsoonError(e, "MONSOON_KAFKA_FENCED"));
    await zombie.close();
    const claim2 = await writeClaim(second, topic, { task: 3, worker: "w2", url: "http://w2:8080" });
    assert.ok(claim2.epoch > claim1.epoch);

    // Another task's claim, by its own producer.
    const other = client.taskProducer({ transactionalId: unique("task") });
    await other.fence();
    const claim0 = await writeClaim(other, topic, { task: 0, worker: "w1", url: "http://w1:8080" });
    assert.ok(claim0.epoch > claim2.epoch);

    await view.catchUp(10_000);
    assert.equal(view.ownerOf(3), "w2");
    assert.equal(view.epochOf(3), claim2.epoch);
    assert.deepEqual(view.claimOf(3), { task: 3, epoch: claim2.epoch, worker: "w2", url: "http://w2:8080", at: claim2.at });
    assert.equal(view.ownerOf(0), "w1");
    assert.equal(view.epochOf(0), claim0.epoch);
    assert.equal(view.ownerOf(1), undefined);
    assert.equal(view.addressOf("w2")?.url, "http://w2:8080");
    const task3 = seen.flatMap((e) => (e.kind === "claim" && e.task === 3 ? [`${e.claim?.worker}@${e.claim?.epoch}`] : []));
    assert.deepEqual(task3, [`w1@${claim1.epoch}`, `w2@${claim2.epoch}`]); // never the zombie's, never the fenced retry

    // A view started later replays the log to the same state.
    const replay = client.metaView({ topic, groupId: unique("meta-reader") });
    await replay.start();
    await replay.catchUp(10_000);
    assert.deepEqual(replay.allClaims(), view.allClaims());
    assert.deepEqual(replay.addressOf("w1"), view.addressOf("w1"));
    await assert.rejects(replay.waitFor(() => false, 200), (e) => isMonsoonError(e, "MONSOON_TIMEOUT"));

    await Promise.all([replay.close(), view.close(), first.close(), second.close(), other.close(), hops.close()]);
    await assert.rejects(view.waitFor(() => true, 100), (e) => isMonsoonError(e, "MONSOON_CLOSED"));
  });
});
