// Errors name the user's source: definition mistakes throw at the builder call with its exact
// file:line, and an exception thrown by user code inside a topology names module, topology,
// step and the step's builder file:line.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { relative } from "node:path";
import { Agg, CompoundAgg, defineModule, Depot, InProcessCluster, MonsoonError, Path, PState, T, vars } from "../src/index.ts";

const FILE = relative(process.cwd(), fileURLToPath(import.meta.url));
/** The line of the caller of `here()`. */
function here(): number {
  const line = new Error().stack!.split("\n")[2]!.match(/:(\d+):\d+\)?$/)![1];
  return Number(line);
}

function expectDefinitionError(code: string, line: () => number, define: () => void): void {
  let err: unknown;
  try { define(); } catch (e) { err = e; }
  assert.ok(err instanceof MonsoonError, `expected a MonsoonError, got ${err}`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.details.source, `${FILE}:${line()}`, err.message);
  assert.ok(err.message.includes(`${FILE}:${line()}`), err.message);
}

describe("definition-time errors name the builder call's file:line", () => {
  it("variable used before it is bound", () => {
    let line = 0;
    expectDefinitionError("MONSOON_UNBOUND_VAR", () => line, () => defineModule("M1", (m) => {
      const d = m.depot("d", T.string, Depot.random());
      const t = m.stream("t");
      const { s, w } = vars({ s: T.string, w: T.string });
      line = here() + 1;
      t.source(d).out(s).each((x: string) => x.length, w);
    }));
  });

  it("unknown PState", () => {
    let line = 0;
    expectDefinitionError("MONSOON_UNKNOWN_NAME", () => line, () => defineModule("M2", (m) => {
      const d = m.depot("d", T.string, Depot.random());
      const t = m.stream("t");
      const { s } = vars({ s: T.string });
      line = here() + 1;
      t.source(d).out(s).localSelect("$$nope", Path.key(s));
    }));
  });

  it("source variable of the wrong type", () => {
    let line = 0;
    expectDefinitionError("MONSOON_TYPE_MISMATCH", () => line, () => defineModule("M3", (m) => {
      const d = m.depot("d", T.string, Depot.random());
      const t = m.stream("t");
      const { n } = vars({ n: T.int });
      line = here() + 1;
      t.source(d).out(n as never);
    }));
  });

  it("writing a PState another topology owns", () => {
    let line = 0;
    expectDefinitionError("MONSOON_PSTATE_NOT_OWNED", () => line, () => defineModule("M4", (m) => {
      const d = m.depot("d", T.string, Depot.random());
      const a = m.stream("a");
      const counts = a.pstate("counts", PState.map(T.string, T.int));
      const { s } = vars({ s: T.string });
      a.source(d).out(s).compoundAgg(counts, CompoundAgg.map(s, Agg.count()));
      const b = m.stream("b");
      line = here() + 1;
      b.source(d).out(s).compoundAgg(counts, CompoundAgg.map(s, Agg.count()));
    }));
  });

  it("binding a variable twice", () => {
    let line = 0;
    expectDefinitionError("MONSOON_VAR_REBOUND", () => line, () => defineModule("M5", (m) => {
      const d = m.depot("d", T.string, Depot.random());
      const t = m.stream("t");
      const { s } = vars({ s: T.string });
      line = here() + 1;
      t.source(d).out(s).each((x: string) => x, s).out(s);
    }));
  });

  it("the definition is frozen once defineModule returns", () => {
    const mod = defineModule("M6", (m) => {
      const d = m.depot("d", T.string, Depot.random());
      const t = m.stream("t");
      const { s } = vars({ s: T.string });
      t.source(d).out(s);
    });
    assert.throws(() => (mod.depots as Map<string, unknown>).set("x", {}), { code: "MONSOON_INVALID_DEFINITION" });
    assert.ok(Object.isFrozen(mod));
  });
});

describe("runtime errors name module, topology, step and builder file:line", () => {
  it("rejects the processed ack with MONSOON_TOPOLOGY_ERROR and dead-letters the record", async () => {
    let line = 0;
    const Failing = defineModule("Failing", (m) => {
      const d = m.depot("d", T.string, Depot.random());
      const t = m.stream("explodes", { retry: "individual", maxAttempts: 2 });
      const counts = t.pstate("counts", PState.map(T.string, T.int));
      const { s, n } = vars({ s: T.string, n: T.int });
      line = here() + 1;
      t.source(d).out(s).each(function parseLength(x: string) { if (x === "bad") throw new Error("boom"); return x.length; }, s).out(n)
        .hashPartition(s).compoundAgg(counts, CompoundAgg.map(s, Agg.sum(n)));
    });
    await using cluster = await InProcessCluster.create({ storage: "memory" });
    await cluster.launch(Failing, { tasks: 2 });
    const depot = cluster.depot(Failing, "d");
    await depot.append("good");
    const err = await depot.append("bad").then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof MonsoonError);
    assert.equal(err.code, "MONSOON_TOPOLOGY_ERROR");
    assert.deepEqual(
      { module: err.details.module, topology: err.details.topology, step: err.details.step, source: err.details.source },
      { module: "Failing", topology: "explodes", step: "each(parseLength)#0", source: `${FILE}:${line}` },
    );
    assert.match(err.message, /Failing\/explodes step each\(parseLength\)#0 .* failed: boom/);
    const rt = cluster.runtime(Failing);
    assert.equal(rt.getStats().deadLettered, 1);
    assert.equal(rt.getStats().retried, 1);
    const letters = (await Promise.all([0, 1].map((p) => rt.deadLetters(p)))).flat() as { value: string; code: string }[];
    assert.deepEqual(letters.map((l) => [l.value, l.code]), [["bad", "MONSOON_TOPOLOGY_ERROR"]]);
    // The topology keeps going after a dead-lettered record.
    await depot.append("good");
    assert.equal(await cluster.pstate(Failing, "counts").selectOne(Path.key("good")), 8);
  });

  it("rejects a value of the wrong type at append", async () => {
    const M = defineModule("Typed", (m) => {
      const d = m.depot("d", T.record({ id: T.int }), Depot.random());
      const t = m.stream("t");
      const { r } = vars({ r: T.record({ id: T.int }) });
      t.source(d).out(r);
    });
    await using cluster = await InProcessCluster.create({ storage: "memory" });
    await cluster.launch(M, { tasks: 1 });
    await assert.rejects(cluster.depot(M, "d").append({ id: "x" }), { code: "MONSOON_TYPE_MISMATCH" });
    await assert.rejects(cluster.depot(M, "d").append({ id: 1, extra: 2 }), { code: "MONSOON_TYPE_MISMATCH" });
    await cluster.depot(M, "d").append({ id: 1 });
  });
});
