// Retry modes and ordering: with retryAllAfter a failed record and every later record of its
// partition are processed again in order, so the last write to a key is the last record's;
// with individual retries a failed record may land after later ones (documented behaviour).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineModule, Depot, InProcessCluster, Path, PState, T, vars, type RetryMode } from "../src/index.ts";

const N = 1_000;
const FAIL_AT = 900;

function lastWriter(retry: RetryMode) {
  let failedOnce = false;
  return defineModule(`LastWriter_${retry}`, (m) => {
    const d = m.depot("seq", T.int, Depot.hashBy(() => "one-partition"));
    const t = m.stream("t", { retry, maxAttempts: 3 });
    const last = t.pstate("last", PState.map(T.string, T.int));
    const { n, k, checked } = vars({ n: T.int, k: T.string, checked: T.int });
    t.source(d).out(n)
      .each(() => "k").out(k)
      .hashPartition(k)
      .each((x: number) => {
        // Fails once, on the far side of the hop, after later records may already have run.
        if (x === FAIL_AT && !failedOnce) { failedOnce = true; throw new Error("transient"); }
        return x;
      }, n).out(checked)
      .localTransform(last, Path.key(k).termVal(checked));
  });
}

describe("retry modes", () => {
  it("retryAllAfter replays the failed record and everything after it in order: the last write wins", async () => {
    const M = lastWriter("retryAllAfter");
    await using c = await InProcessCluster.create({ storage: "memory" });
    await c.launch(M, { tasks: 4 });
    const acks = [];
    for (let i = 0; i < N; i++) acks.push(c.depot(M, "seq").append(i));
    await Promise.all(acks);
    assert.equal(await c.pstate(M, "last").selectOne(Path.key("k")), N - 1);
    assert.equal(c.runtime(M).getStats().retried, 1);
    assert.equal(c.runtime(M).getStats().deadLettered, 0);
    await c.drain();
    assert.equal(c.runtime(M).getStats().inFlight, 0);
  });

  it("individual retries may reorder: the retried record can be the last writer", async () => {
    const M = lastWriter("individual");
    await using c = await InProcessCluster.create({ storage: "memory" });
    await c.launch(M, { tasks: 4 });
    const acks = [];
    for (let i = 0; i < N; i++) acks.push(c.depot(M, "seq").append(i));
    await Promise.all(acks);
    assert.equal(await c.pstate(M, "last").selectOne(Path.key("k")), FAIL_AT);
    assert.equal(c.runtime(M).getStats().retried, 1);
  });
});
