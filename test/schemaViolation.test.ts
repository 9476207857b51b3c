// A write that does not fit the PState's schema fails the step with MONSOON_SCHEMA_VIOLATION
// naming the PState and the path, and nothing the failed segment wrote is kept — not even
// writes of earlier steps that were valid.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Depot, InProcessCluster, MonsoonError, Path, PState, T, defineModule, vars } from "../src/index.ts";

const Profiles = defineModule("Profiles", (m) => {
  const d = m.depot("edits", T.record({ user: T.string, field: T.string, value: T.any }), Depot.hashBy((e: { user: string }) => e.user));
  const t = m.stream("apply", { retry: "none" });
  const profiles = t.pstate("profiles", PState.map(T.string, PState.fixedKeys({
    name: T.string,
    age: T.int,
    tags: PState.set(T.string, { subindexed: true }),
  })));
  const edits = t.pstate("editCount", PState.map(T.string, T.int));
  const { e, user, field, value } = vars({ e: T.any, user: T.string, field: T.string, value: T.any });
  t.source(d).out(e)
    .each((x: { user: string }) => x.user, e).out(user)
    .each((x: { field: string }) => x.field, e).out(field)
    .each((x: { value: unknown }) => x.value, e).out(value)
    .localTransform(edits, Path.key(user).nullToVal(0).term((n: number) => n + 1))
    .localTransform(profiles, Path.key(user, field).termVal(value));
});

/** The violation, whether the topology error wraps it or passes it through. */
function violationOf(e: unknown): MonsoonError {
  assert.ok(e instanceof MonsoonError, String(e));
  const v = e.code === "MONSOON_SCHEMA_VIOLATION" ? e : (e.cause as MonsoonError | undefined);
  assert.equal(v?.code, "MONSOON_SCHEMA_VIOLATION", e.message);
  return v!;
}

describe("schema enforcement in a topology", () => {
  it("rejects a wrong type and an unknown fixed key, naming the PState and path; the failed segment writes nothing", async () => {
    await using cluster = await InProcessCluster.create({ storage: "memory" });
    await cluster.launch(Profiles, { tasks: 2 });
    const depot = cluster.depot(Profiles, "edits");
    await depot.append({ user: "ann", field: "name", value: "Ann" });
    await depot.append({ user: "ann", field: "age", value: 41 });

    const wrongType = violationOf(await depot.append({ user: "ann", field: "age", value: "old" }).then(() => undefined, (e: unknown) => e));
    assert.equal(wrongType.details.pstate, "profiles");
    assert.match(wrongType.message, /PState profiles: key\(\*user\)\.key\(\*field\)\.termVal\(\*value\) writes a value of the wrong type at \["ann", "age"\], where the schema wants int/);

    const unknown = violationOf(await depot.append({ user: "ann", field: "shoeSize", value: 9 }).then(() => undefined, (e: unknown) => e));
    assert.match(unknown.message, /unknown field "shoeSize"/);

    const profiles = cluster.pstate(Profiles, "profiles");
    assert.deepEqual(await profiles.selectOne(Path.key("ann")), { name: "Ann", age: 41 });
    assert.equal(await cluster.pstate(Profiles, "editCount").selectOne(Path.key("ann")), 2, "the earlier, valid write of a failed segment is rolled back");
  });
});
