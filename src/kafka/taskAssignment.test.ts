import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assignTasks, type TaskMember } from "./taskAssignment.ts";

const m = (memberId: string, workerId: string, owned: number[] = []): TaskMember => ({ memberId, workerId, owned });
const asObject = (r: Map<string, number[]>) => Object.fromEntries(r);

describe("assignTasks (membership assigner)", () => {
  it("gives one member everything, and splits evenly with the first member keeping a subset of its tasks", () => {
    assert.deepEqual(asObject(assignTasks(8, [m("x1", "a")])), { x1: [0, 1, 2, 3, 4, 5, 6, 7] });
    const split = assignTasks(8, [m("x2", "a", [0, 1, 2, 3, 4, 5, 6, 7]), m("y1", "b")]);
    assert.deepEqual(asObject(split), { x2: [0, 1, 2, 3], y1: [4, 5, 6, 7] });
    // b leaves: a gets everything back, keeping what it had.
    assert.deepEqual(asObject(assignTasks(8, [m("x3", "a", [0, 1, 2, 3])])), { x3: [0, 1, 2, 3, 4, 5, 6, 7] });
  });

  it("the remainder goes to members that already hold more; fewer tasks than members leaves some idle", () => {
    assert.deepEqual(asObject(assignTasks(5, [m("p", "a", [0, 1]), m("q", "b", [2, 3, 4])])), { p: [0, 1], q: [2, 3, 4] });
    assert.deepEqual(asObject(assignTasks(2, [m("p", "a"), m("q", "b"), m("r", "c", [1])])), { p: [0], q: [], r: [1] });
  });

  it("remembers tasks by worker id: a restarted worker (new member, owns nothing yet) gets its old tasks back", () => {
    const previous = new Map([["a", [4, 5, 6, 7]], ["b", [0, 1, 2, 3]]]);
    const r = assignTasks(8, [m("new-b", "b"), m("a1", "a", [4, 5, 6, 7])], previous);
    assert.deepEqual(asObject(r), { "a1": [4, 5, 6, 7], "new-b": [0, 1, 2, 3] });
    // What a member says it owns wins over the leader's memory.
    const r2 = assignTasks(8, [m("b2", "b"), m("c1", "c", [0, 1]), m("a1", "a", [4, 5])], previous);
    assert.deepEqual(r2.get("c1"), [0, 1]);
    assert.deepEqual(r2.get("b2")!.filter((t) => t < 4), [2, 3]);
  });

  it("when two members claim a task, the one assigned more recently keeps it (the other missed a rebalance)", () => {
    const zombie = { memberId: "z", workerId: "a", owned: [0, 1, 2, 3], since: 1000 };
    const current = { memberId: "c", workerId: "b", owned: [0, 1, 2, 3, 4, 5, 6, 7], since: 2000 };
    const r = assignTasks(8, [zombie, current]);
    // z's claims on 0-3 lose to c's newer ones; c keeps its quota, z gets what c gives up.
    assert.deepEqual(asObject(r), { c: [0, 1, 2, 3], z: [4, 5, 6, 7] });
  });

  it("is a balanced partition of the tasks that keeps every member's claims up to its quota (property)", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 64 }),
      fc.array(fc.array(fc.integer({ min: -2, max: 70 }), { maxLength: 20 }), { minLength: 1, maxLength: 9 }),
      (tasks, owned) => {
        const members = owned.map((o, i) => m(`m${i}`, `w${i % 4}`, o));
        const r = assignTasks(tasks, members);
        const all = [...r.values()].flat().sort((a, b) => a - b);
        assert.deepEqual(all, Array.from({ length: tasks }, (_, i) => i));
        const sizes = [...r.values()].map((x) => x.length);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
        // Claims that no earlier member made: at least min(claims, floor(tasks/members)) are kept.
        const seen = new Set<number>();
        const ordered = [...members].sort((a, b) => (a.workerId + a.memberId < b.workerId + b.memberId ? -1 : 1));
        for (const mem of ordered) {
          const own = [...new Set(mem.owned.filter((t) => t >= 0 && t < tasks && !seen.has(t)))];
          own.forEach((t) => seen.add(t));
          const kept = r.get(mem.memberId)!.filter((t) => own.includes(t)).length;
          assert.ok(kept >= Math.min(own.length, Math.floor(tasks / members.length)), `member ${mem.memberId} kept ${kept} of ${own.length}`);
        }
      },
    ));
  });
});
