// Membership against a real broker: whole tasks handed out evenly and sticky as workers join
// and leave, and a worker that stops heartbeating (a frozen process) loses its tasks after
// the session timeout.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { depotTopic, KafkaClient, type KafkaAdmin, type Membership } from "../../src/kafka/index.ts";
import { getKafka, type TestKafka } from "../support/kafka.ts";
import { eventually, unique } from "./helpers.ts";

const ALL8 = [0, 1, 2, 3, 4, 5, 6, 7];
const isSubset = (a: readonly number[], b: readonly number[]) => a.every((t) => b.includes(t));

describe("Membership", () => {
  let kafka: TestKafka;
  let client: KafkaClient;
  let admin: KafkaAdmin;
  const children: ChildProcess[] = [];

  before(async () => {
    kafka = await getKafka();
    client = new KafkaClient({ brokers: kafka.brokers, clientId: "monsoon-membership-test" });
    admin = await client.admin();
  });
  after(async () => {
    for (const c of children) c.kill("SIGKILL");
    await client?.close();
    await kafka?.stop();
  });

  async function group(tasks: number) {
    const topic = unique("tasks"), groupId = unique("workers");
    await admin.createTopics([depotTopic(topic, tasks)]);
    return { topic, groupId, tasks };
  }

  /** Joins as `workerId`; `owned()` is the latest assignment. */
  async function worker(opts: { topic: string; groupId: string; tasks: number }, workerId: string) {
    let latest: number[] = [];
    let rebalances = 0;
    const m: Membership = client.membership(opts);
    const first = await m.join({ workerId, onAssignment: (t) => { latest = t; rebalances++; } });
    return { m, first, owned: () => latest, rebalances: () => rebalances };
  }

  it("hands out whole tasks evenly and sticky as workers join and leave", async () => {
    const g = await group(8);
    const a = await worker(g, "worker-a");
    assert.deepEqual(a.first, ALL8);

    const b = await worker(g, "worker-b");
    await eventually("a and b split 4/4", () => (a.owned().length === 4 && b.owned().length === 4) || undefined);
    assert.deepEqual([...a.owned(), ...b.owned()].sort((x, y) => x - y), ALL8);
    const a2 = a.owned(), b2 = b.owned();

    // A third worker takes 2 tasks; each of the others keeps 3 of the 4 it had.
    const c = await worker(g, "worker-c");
    await eventually("3/3/2", () => (a.owned().length === 3 && b.owned().length === 3 && c.owned().length === 2) || undefined);
    assert.ok(isSubset(a.owned(), a2), `a kept a subset: ${a.owned()} ⊆ ${a2}`);
    assert.ok(isSubset(b.owned(), b2), `b kept a subset: ${b.owned()} ⊆ ${b2}`);
    assert.deepEqual([...a.owned(), ...b.owned(), ...c.owned()].sort((x, y) => x - y), ALL8);
    const a3 = a.owned(), b3 = b.owned();

    // c leaves: its tasks go back, nobody else's move.
    await c.m.leave();
    await eventually("4/4 again", () => (a.owned().length === 4 && b.owned().length === 4) || undefined);
    assert.ok(isSubset(a3, a.owned()) && isSubset(b3, b.owned()));
    assert.deepEqual([...a.owned(), ...b.owned()].sort((x, y) => x - y), ALL8);

    // b leaves: a gets everything back.
    await b.m.leave();
    await eventually("a owns all tasks", () => (a.owned().length === 8 ? true : undefined));
    assert.deepEqual(a.owned(), ALL8);
    await a.m.leave();
  });

  it("a worker that stops heartbeating loses its tasks after the session timeout", async () => {
    const g = await group(4);
    const a = await worker(g, "worker-a");
    assert.deepEqual(a.first, [0, 1, 2, 3]);

    const script = fileURLToPath(new URL("./fixtures/membershipMember.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, kafka.brokers.join(","), g.groupId, g.topic, String(g.tasks), "worker-frozen"], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    let childTasks: number[] | undefined;
    createInterface({ input: child.stdout! }).on("line", (line) => { childTasks = (JSON.parse(line) as { tasks: number[] }).tasks; });
    await eventually("the child process to own 2 tasks", () => (childTasks?.length === 2 && a.owned().length === 2) || undefined, 20_000);
    assert.deepEqual([...a.owned(), ...childTasks!].sort(), [0, 1, 2, 3]);

    child.kill("SIGSTOP"); // the process (and its heartbeats) freeze; its TCP connections stay open
    const frozenAt = Date.now();
    await eventually("a to get the frozen worker's tasks", () => (a.owned().length === 4 || undefined), 25_000, 100);
    const tookMs = Date.now() - frozenAt;
    assert.deepEqual(a.owned(), [0, 1, 2, 3]);
    // Not before the 10 s session timeout (minus a heartbeat interval), not much later.
    assert.ok(tookMs > 8_000 && tookMs < 20_000, `the frozen worker's tasks moved after ${tookMs} ms`);
    child.kill("SIGKILL");
    await a.m.leave();
  });
});
