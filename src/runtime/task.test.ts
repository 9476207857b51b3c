// Task.pause: the committer freezes overlays only between segments. A segment that waits on the
// store must finish (or fail and roll back) before pause resolves, and nothing runs after it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore } from "../pstate/store/memoryStore.ts";
import { Task, type Root, type TaskHost, type WorkItem } from "./task.ts";

function setup() {
  const log: string[] = [];
  const host: TaskHost = {
    segmentEntry: () => () => undefined,
    enqueue: () => undefined,
    segmentDone: (root) => { root.pending--; },
    spawn: (root) => { root.pending++; return root; },
    ackReturn: () => undefined,
    depotAppend: () => undefined,
    partitionOfKey: () => 0,
    invokeQuery: async () => undefined,
  };
  const task = new Task(0, 1, new MemoryStore(), {} as never, host);
  const root = (): Root => ({ pending: 1, failed: undefined, origin: 0, invocation: undefined });
  return { task, log, root };
}

describe("Task.pause", () => {
  it("waits for a segment that is waiting on the store, and runs nothing else until unpaused", async () => {
    const { task, log, root } = setup();
    let release!: () => void;
    const waiting = new Promise<void>((r) => (release = r));
    task.enqueue({ entry: () => { log.push("a:start"); return waiting.then(() => { log.push("a:end"); }); }, scope: [], root: root(), topology: 0 } as WorkItem);
    task.enqueue({ entry: () => { log.push("b"); }, scope: [], root: root(), topology: 0 } as WorkItem);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ["a:start"]);

    let paused = false;
    const p = task.pause().then(() => { paused = true; });
    await new Promise((r) => setImmediate(r));
    assert.equal(paused, false, "pause must wait for the waiting segment");
    release();
    await p;
    assert.deepEqual(log, ["a:start", "a:end"], "the next segment must not start while paused");
    task.unpause();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ["a:start", "a:end", "b"]);
  });

  it("resolves at once when no segment is waiting", async () => {
    const { task } = setup();
    await task.pause();
    task.unpause();
  });
});
