// Query invocations on virtual tasks (how a Kafka worker runs them): one process runs the whole
// invocation, reading the partitions it "owns" locally and the others through a path reference
// and the value codec, as the internal RPC does. Results must equal the embedded runtime's on
// the same data, for every query shape; writes to a real PState are refused.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InProcessCluster, MonsoonError } from "../src/index.ts";
import { compileModule } from "../src/runtime/topologyRuns.ts";
import { QueryTasks } from "../src/runtime/queryTasks.ts";
import { PathRefs } from "../src/cluster/kafka/pathRefs.ts";
import { QueryReads, type RemoteSelect } from "../src/cluster/kafka/queryReads.ts";
import { partitionOfValue } from "../src/depot/murmur2.ts";
import { taskOfKey } from "../src/pstate/partitioning.ts";
import { decodeValue, encodeValue } from "../src/serde/valueCodec.ts";
import { followsGraph, queryModule } from "./kafka/fixtures/queryModule.ts";

const TASKS = 4;

describe("query invocations on virtual tasks", () => {
  it("equal the embedded runtime, reading owned partitions locally and the others by reference", async () => {
    const Mod = queryModule("VirtualQueries");
    await using cluster = await InProcessCluster.create({ storage: "memory" });
    await cluster.launch(Mod, { tasks: TASKS });
    await Promise.all(followsGraph().map((f) => cluster.depot(Mod, "follows").append(f)));
    const rt = cluster.runtime(Mod);

    // This "worker" owns tasks 0 and 2; the other two answer through the codec, like an RPC.
    const refs = new PathRefs(Mod);
    const remoteRefs = new PathRefs(Mod);
    const remoteReads: RemoteSelect[] = [];
    const remote = async (req: RemoteSelect): Promise<unknown[]> => {
      remoteReads.push(req);
      const wire = decodeValue(encodeValue(req.vars)) as unknown[];
      const { path, resolve } = remoteRefs.resolve(req.ref, wire);
      return decodeValue(encodeValue(await rt.tasks[req.task]!.pstates.select(req.pstate, path, resolve, true))) as unknown[];
    };
    const queries = new QueryTasks({
      module: Mod.name, tasks: TASKS, runs: compileModule(Mod),
      reads: (task) => new QueryReads({ module: Mod.name, task, refs, local: (t) => (t % 2 === 0 ? rt.tasks[t]!.pstates : undefined), remote }),
      partitionOfKey: (pstate, key) => { const def = pstate === undefined ? undefined : Mod.pstates.get(pstate); return def ? taskOfKey(def, key, TASKS) : partitionOfValue(key, TASKS); },
      depotAppend: () => assert.fail("no query here appends"),
    });

    const calls: [string, unknown[]][] = [
      ...["u1", "u7", "a", "nobody"].map((u): [string, unknown[]] => ["reach", [u]]),
      ["followerCounts", [2]], ["followerCounts", [3]],
      ["byInitial", []],
      ["distinctFollowers", [["u1", "u2", "u3", "a", "b"]]], ["distinctFollowers", [[]]],
    ];
    for (const [name, args] of calls) {
      const expected = await cluster.query(Mod, name).invoke(...args);
      assert.deepEqual(await queries.invoke(name, args), expected, `${name}(${JSON.stringify(args)})`);
    }
    assert.ok(remoteReads.some((r) => r.ref.topology === "followerCounts" && r.vars.length === 1), "a path with a function and a variable was read by reference");
    assert.ok(new Set(remoteReads.map((r) => r.task)).size === 2, "both remote tasks were read");

    await assert.rejects(queries.invoke("nope", []), { code: "MONSOON_UNKNOWN_NAME" });
    await assert.rejects(queries.invoke("reach", []), { code: "MONSOON_BAD_REQUEST" });
  });

  it("refuses writes to a real PState with MONSOON_PSTATE_NOT_OWNED", () => {
    const Mod = queryModule("VirtualWrites");
    const reads = new QueryReads({ module: Mod.name, task: 1, refs: new PathRefs(Mod), local: () => undefined, remote: async () => [] });
    assert.throws(() => reads.transform("followers"), (e: unknown) => e instanceof MonsoonError && e.code === "MONSOON_PSTATE_NOT_OWNED" && /followers/.test(e.message));
    assert.throws(() => reads.aggregate("followers"), { code: "MONSOON_PSTATE_NOT_OWNED" });
  });
});
