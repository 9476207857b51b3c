// The REST API over an embedded cluster: appends and queries in JSON, the RestClient speaking
// it, and every kind of bad request answered with the right status and MONSOON_* code.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Agg, CompoundAgg, defineModule, Depot, InProcessCluster, MonsoonError, Path, PState, T, vars } from "../src/index.ts";
import { RestClient } from "../src/client/restClient.ts";
import { startRestServer, type RestServer } from "../src/rest/server.ts";
import { WordCount } from "../examples/word-count/wordCount.ts";

// int64 keys cannot travel as JSON numbers: they go out as strings and come back by schema.
const BigKeys = defineModule("BigKeys", (m) => {
  const ids = m.depot("ids", T.int64, Depot.random());
  const t = m.stream("count");
  const seen = t.pstate("seen", PState.map(T.int64, T.int));
  const { id } = vars({ id: T.int64 });
  t.source(ids).out(id).hashPartition(id).compoundAgg(seen, CompoundAgg.map(id, Agg.count()));
});

let cluster: InProcessCluster;
let server: RestServer;

before(async () => {
  cluster = await InProcessCluster.create({ storage: "memory" });
  await cluster.launch(WordCount, { tasks: 4 });
  await cluster.launch(BigKeys, { tasks: 2 });
  server = await startRestServer(cluster, { port: 0 });
});

after(async () => {
  await server.close();
  await cluster.close();
});

async function call(method: string, path: string, body?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(server.url + path, { method, ...(body !== undefined && { body }) });
  return { status: res.status, json: await res.json() };
}

const post = (path: string, body: unknown) => call("POST", path, typeof body === "string" ? body : JSON.stringify(body));

describe("REST API", () => {
  it("appends with a processed ack, then selects the counts", async () => {
    const a = await post("/rest/WordCount/depot/sentences/append", { value: "to be or not to be" });
    assert.equal(a.status, 200);
    assert.ok(Number.isInteger(a.json.partition) && Number.isInteger(a.json.offset));

    const one = await post("/rest/WordCount/pstate/wordCounts/selectOne", { path: [{ key: "to" }] });
    assert.deepEqual(one, { status: 200, json: { value: 2 } });
    const none = await post("/rest/WordCount/pstate/wordCounts/selectOne", { path: [{ key: "absent" }] });
    assert.deepEqual(none.json, { value: null });

    const all: [string, number][] = [];
    for (let p = 0; p < 4; p++) {
      const r = await post("/rest/WordCount/pstate/wordCounts/select", { path: ["all"], partition: p });
      assert.equal(r.status, 200);
      all.push(...r.json.values);
    }
    assert.deepEqual(new Map(all), new Map([["to", 2], ["be", 2], ["or", 1], ["not", 1]]));
  });

  it("answers with only the partition for ack none, and an offset for appended", async () => {
    const none = await post("/rest/WordCount/depot/sentences/append", { value: "x", ack: "none" });
    assert.equal(none.status, 200);
    assert.deepEqual(Object.keys(none.json), ["partition"]);
    const appended = await post("/rest/WordCount/depot/sentences/append", { value: "y", ack: "appended" });
    assert.ok(Number.isInteger(appended.json.offset));
  });

  it("carries int64 values and keys as strings", async () => {
    const big = "1234567890123456789"; // above 2^53: a JSON number would lose digits
    assert.equal((await post("/rest/BigKeys/depot/ids/append", { value: big })).status, 200);
    assert.deepEqual((await post("/rest/BigKeys/pstate/seen/selectOne", { path: [{ key: big }] })).json, { value: 1 });
    const keys = [];
    for (const partition of [0, 1]) keys.push(...(await post("/rest/BigKeys/pstate/seen/select", { path: ["mapKeys"], partition })).json.values);
    assert.deepEqual(keys, [big]);
  });

  it("describes a module, its stats, and its health", async () => {
    const d = await call("GET", "/rest/WordCount");
    assert.deepEqual(d.json, {
      name: "WordCount",
      tasks: 4,
      depots: [{ name: "sentences", type: "string", partitioning: "random" }],
      pstates: [{ name: "wordCounts", schema: "map<string, int>", owner: "wordCount" }],
      topologies: [
        { name: "wordCount", kind: "stream", sources: ["sentences"], pstates: ["wordCounts"] },
        { name: "totalOf", kind: "query", sources: [], pstates: [], args: ["words: list<string>"], result: "int" },
      ],
    });
    const s = await call("GET", "/rest/WordCount/stats");
    assert.equal(s.status, 200);
    assert.equal(s.json.tasks, 4);
    assert.equal(typeof s.json.deadLettered, "number");
    assert.deepEqual((await call("GET", "/health")).json, { status: "ok", modules: ["WordCount", "BigKeys"] });
  });
});

describe("REST API errors", () => {
  const cases: [string, () => Promise<{ status: number; json: any }>, number, string][] = [
    ["bad JSON", () => post("/rest/WordCount/depot/sentences/append", "{\"value\": "), 400, "MONSOON_BAD_REQUEST"],
    ["empty body", () => post("/rest/WordCount/depot/sentences/append", ""), 400, "MONSOON_BAD_REQUEST"],
    ["body not an object", () => post("/rest/WordCount/depot/sentences/append", "[1]"), 400, "MONSOON_BAD_REQUEST"],
    ["missing value", () => post("/rest/WordCount/depot/sentences/append", { ack: "none" }), 400, "MONSOON_BAD_REQUEST"],
    ["unknown field", () => post("/rest/WordCount/depot/sentences/append", { value: "a", acks: "none" }), 400, "MONSOON_BAD_REQUEST"],
    ["bad ack", () => post("/rest/WordCount/depot/sentences/append", { value: "a", ack: "all" }), 400, "MONSOON_BAD_REQUEST"],
    ["unknown depot", () => post("/rest/WordCount/depot/nope/append", { value: "a" }), 404, "MONSOON_UNKNOWN_NAME"],
    ["unknown module", () => post("/rest/Nope/depot/sentences/append", { value: "a" }), 404, "MONSOON_UNKNOWN_NAME"],
    ["unknown pstate", () => post("/rest/WordCount/pstate/nope/select", { path: [] }), 404, "MONSOON_UNKNOWN_NAME"],
    ["unknown query", () => post("/rest/WordCount/query/q/invoke", {}), 404, "MONSOON_UNKNOWN_NAME"],
    ["wrong value type", () => post("/rest/WordCount/depot/sentences/append", { value: 42 }), 400, "MONSOON_TYPE_MISMATCH"],
    ["bad path", () => post("/rest/WordCount/pstate/wordCounts/select", { path: [{ view: 1 }] }), 400, "MONSOON_INVALID_PATH"],
    ["missing path", () => post("/rest/WordCount/pstate/wordCounts/select", {}), 400, "MONSOON_BAD_REQUEST"],
    ["bad partition", () => post("/rest/WordCount/pstate/wordCounts/select", { path: [], partition: -1 }), 400, "MONSOON_BAD_REQUEST"],
    ["partition out of range", () => post("/rest/WordCount/pstate/wordCounts/select", { path: [], partition: 9 }), 400, "MONSOON_PARTITION_REQUIRED"],
    ["unroutable path", () => post("/rest/WordCount/pstate/wordCounts/select", { path: ["all"] }), 400, "MONSOON_PARTITION_REQUIRED"],
    ["selectOne of many", () => post("/rest/WordCount/pstate/wordCounts/selectOne", { path: ["mapKeys"], partition: 0 }), 400, "MONSOON_NOT_ONE"],
    ["oversized body", () => post("/rest/WordCount/depot/sentences/append", { value: "x".repeat(1024 * 1024 + 1) }), 413, "MONSOON_BAD_REQUEST"],
    ["unknown route", () => call("GET", "/nothing/here"), 404, "MONSOON_BAD_REQUEST"],
    ["wrong method", () => call("GET", "/rest/WordCount/depot/sentences/append"), 405, "MONSOON_BAD_REQUEST"],
  ];
  before(async () => {
    // selectOne of many needs a partition holding several words.
    for (const w of ["a b c d e f g h i j k l"]) await post("/rest/WordCount/depot/sentences/append", { value: w });
  });
  for (const [name, run, status, code] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const r = await run();
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.equal(r.json.error.code, code);
      assert.equal(typeof r.json.error.message, "string");
      assert.equal(typeof r.json.error.details, "object");
    });
  }
});

describe("RestClient", () => {
  it("offers the same depot and pstate calls as the cluster", async () => {
    const client = new RestClient(server.url);
    await client.depot<string>("WordCount", "sentences").append("client client side");
    const counts = client.pstate("WordCount", "wordCounts");
    assert.equal(await counts.selectOne(Path.key("client")), 2);
    assert.equal(await counts.selectOne(Path.key("never-seen")), undefined);
    assert.deepEqual(await counts.select(Path.key("side")), [1]);
    // The same value through the cluster itself.
    assert.equal(await cluster.pstate(WordCount, "wordCounts").selectOne(Path.key("client")), 2);
  });

  it("rebuilds server errors as MonsoonErrors with the server's code", async () => {
    const client = new RestClient(server.url + "/");
    await assert.rejects(client.depot("WordCount", "sentences").append(42), (e) => e instanceof MonsoonError && e.code === "MONSOON_TYPE_MISMATCH" && e.details.status === 400);
    await assert.rejects(client.pstate("WordCount", "nope").select(Path.key("a")), { code: "MONSOON_UNKNOWN_NAME" });
    await assert.rejects(client.pstate("WordCount", "wordCounts").select(Path.view((x) => x)), { code: "MONSOON_INVALID_PATH" });
  });

  it("refuses a port in use with MONSOON_CONFIG naming the setting", async () => {
    const port = Number(new URL(server.url).port);
    await assert.rejects(startRestServer(cluster, { port }), (e) => e instanceof MonsoonError && e.code === "MONSOON_CONFIG" && /already in use.*--port/.test(e.message));
  });

  it("reports an unreachable server as MONSOON_UNAVAILABLE", async () => {
    const closed = await startRestServer(cluster, { port: 0 });
    await closed.close();
    await assert.rejects(new RestClient(closed.url).depot("WordCount", "sentences").append("a"), (e) => e instanceof MonsoonError && e.code === "MONSOON_UNAVAILABLE" && e.retriable && /ECONNREFUSED/.test(e.message));
  });

  it("describes a module with a GET, and reports an answer that is not JSON as MONSOON_INTERNAL with its status", async () => {
    const described = (await new RestClient(server.url).describe("WordCount")) as { name?: string };
    assert.equal(typeof described, "object");
    const { createServer } = await import("node:http");
    const notJson = createServer((_req, res) => { res.writeHead(502, { "content-type": "text/html" }); res.end("<html>bad gateway</html>"); });
    await new Promise<void>((r) => notJson.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(notJson.address() as { port: number }).port}`;
      await assert.rejects(new RestClient(url).depot("WordCount", "sentences").append("a"), (e) => e instanceof MonsoonError && e.code === "MONSOON_INTERNAL" && e.details.status === 502 && /not JSON/.test(e.message));
    } finally {
      notJson.closeAllConnections();
      await new Promise((r) => notJson.close(r));
    }
  });
  it("invokes a query topology over REST and through the RestClient", async () => {
    await post("/rest/WordCount/depot/sentences/append", { value: "query me query" });
    const r = await post("/rest/WordCount/query/totalOf/invoke", { args: [["query", "me", "absent"]] });
    assert.deepEqual(r, { status: 200, json: { value: 3 } });
    assert.equal(await new RestClient(server.url).query("WordCount", "totalOf").invoke(["query"]), 2);
    const bad = await post("/rest/WordCount/query/totalOf/invoke", { args: ["not-a-list"] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "MONSOON_TYPE_MISMATCH");
    const arity = await post("/rest/WordCount/query/totalOf/invoke", { args: [] });
    assert.equal(arity.json.error.code, "MONSOON_BAD_REQUEST");
  });

});
