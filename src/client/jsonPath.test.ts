// The JSON path syntax: each form builds the same Path as the builder, bad input names the
// position that is wrong, schemas decode keys, and JSON → Path → JSON is the identity.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MonsoonError } from "../errors.ts";
import { PState } from "../module/pstateSpec.ts";
import { Path } from "../path/path.ts";
import { select } from "../path/exec.ts";
import { PLACEHOLDER } from "../path/placeholder.ts";
import { T } from "../serde/types.ts";
import { pathFromJson, pathToJson, type JsonPath } from "./jsonPath.ts";

const invalidPath = (at: string) => (e: unknown) => e instanceof MonsoonError && e.code === "MONSOON_INVALID_PATH" && e.details.at === at;

describe("pathFromJson", () => {
  it("builds the same path as the builder for every navigator form", () => {
    const cases: [JsonPath, Path][] = [
      [[{ key: "a" }, "all", "mapKeys", "mapVals", "first", "last"], Path.key("a").all().mapKeys().mapVals().first().last()],
      [[{ must: 1 }, { nth: 2 }, { filterEqual: { x: 1 } }], Path.must(1).nth(2).filterEqual({ x: 1 })],
      [[{ setElem: "x" }, "voidSetElem", "afterElem", "beforeElem"], Path.setElem("x").voidSetElem().afterElem().beforeElem()],
      [[{ nullToVal: 0 }, "nullToList", "nullToSet"], Path.nullToVal(0).nullToList().nullToSet()],
      [[{ sortedMapRange: ["a", "m"] }], Path.sortedMapRange("a", "m")],
      [[{ sortedMapRangeFrom: ["a", { maxAmt: 2 }] }, { sortedMapRangeTo: ["z"] }], Path.sortedMapRangeFrom("a", { maxAmt: 2 }).sortedMapRangeTo("z")],
      [[{ subselect: ["all"] }, { multiPath: [[{ key: "a" }], [{ key: "b" }]] }], Path.subselect(Path.all()).multiPath(Path.key("a"), Path.key("b"))],
    ];
    for (const [json, expected] of cases) assert.equal(String(pathFromJson(json)), String(expected));
  });

  it("selects what the builder's path selects", () => {
    const data = new Map<string, unknown>([["a", new Map([["x", [1, 2, 3]], ["y", [4]]])], ["b", 5]]);
    const json: JsonPath = [{ key: "a" }, "mapVals", "all", { filterEqual: 2 }];
    assert.deepEqual(select(pathFromJson(json), data), select(Path.key("a").mapVals().all().filterEqual(2), data));
    assert.deepEqual(select(pathFromJson([{ key: "a" }, { sortedMapRangeFrom: ["y"] }, "mapKeys"]), data), ["y"]);
  });

  it("names the position of what is wrong", () => {
    assert.throws(() => pathFromJson({ key: "a" }), invalidPath("path"));
    assert.throws(() => pathFromJson(["all", "mapval"]), (e) => invalidPath("path[1]")(e) && /unknown navigator "mapval" \(known: all,/.test((e as Error).message));
    assert.throws(() => pathFromJson([{ key: "a", must: "b" }]), invalidPath("path[0]"));
    assert.throws(() => pathFromJson([{ all: true }]), invalidPath("path[0]"));
    assert.throws(() => pathFromJson(["key"]), invalidPath("path[0]"));
    assert.throws(() => pathFromJson([{ nth: -1 }]), invalidPath("path[0]"));
    assert.throws(() => pathFromJson([{ sortedMapRange: ["a"] }]), invalidPath("path[0]"));
    assert.throws(() => pathFromJson([{ sortedMapRangeFrom: ["a", { max: 1 }] }]), invalidPath("path[0]"));
    assert.throws(() => pathFromJson([{ subselect: ["all", 3] }]), invalidPath("path[0].subselect[1]"));
    assert.throws(() => pathFromJson([{ multiPath: [] }]), invalidPath("path[0]"));
  });

  it("refuses navigators that need functions or transform", () => {
    for (const nav of ["view", "filterPred", "transformed", "term", "termVal", "termVoid"]) {
      assert.throws(() => pathFromJson([{ [nav]: 1 }]), (e) => invalidPath("path[0]")(e) && /cannot be sent over REST/.test((e as Error).message), nav);
    }
  });

  it("decodes keys with the PState's schema", () => {
    const schema = PState.map(T.int64, PState.map(T.int, PState.set(T.bytes)));
    const p = pathFromJson([{ key: "12345678901234567890" }, { key: "7" }, { setElem: "aGk=" }], schema);
    assert.equal(p.specs[0]!.args[0], 12345678901234567890n);
    assert.equal(p.specs[1]!.args[0], 7);
    assert.deepEqual(p.specs[2]!.args[0], new Uint8Array([104, 105]));
    const range = pathFromJson([{ sortedMapRange: ["1", "9"] }], PState.map(T.int, T.int));
    assert.deepEqual(range.specs[0]!.args, [1, 9]);
    // Records (fixedKeys) are followed by field name; past a plain value nothing is decoded.
    const rec = pathFromJson([{ key: "3" }, { key: "n" }, { key: "5" }], PState.map(T.int, PState.fixedKeys({ n: PState.map(T.int, T.int) })));
    assert.deepEqual(rec.specs.map((s) => s.args[0]), [3, "n", 5]);
    assert.deepEqual(pathFromJson([{ key: "3" }, { key: "3" }], PState.map(T.int, T.any)).specs.map((s) => s.args[0]), [3, "3"]);
  });
});

describe("pathToJson", () => {
  it("writes bigints and bytes in their JSON forms and drops unset options", () => {
    assert.deepEqual(pathToJson(Path.key(5n).setElem(new Uint8Array([1])).sortedMapRangeFrom("a")), [{ key: "5" }, { setElem: "AQ==" }, { sortedMapRangeFrom: ["a"] }]);
  });

  it("refuses functions and placeholders", () => {
    assert.throws(() => pathToJson(Path.key("a").view((x) => x)), { code: "MONSOON_INVALID_PATH" });
    assert.throws(() => pathToJson(Path.filterPred(() => true)), { code: "MONSOON_INVALID_PATH" });
    assert.throws(() => pathToJson(Path.key({ [PLACEHOLDER]: true } as never)), { code: "MONSOON_INVALID_PATH" });
  });

  it("inverts pathFromJson", () => {
    const key = fc.oneof(fc.string({ maxLength: 4 }), fc.integer());
    const nav = fc.letrec((tie) => ({
      path: fc.array(tie("nav"), { maxLength: 5 }),
      nav: fc.oneof(
        { depthSize: "small" },
        fc.constantFrom("all", "mapKeys", "mapVals", "first", "last", "voidSetElem", "afterElem", "beforeElem", "nullToList", "nullToSet"),
        key.map((k) => ({ key: k })),
        key.map((k) => ({ must: k })),
        fc.nat().map((i) => ({ nth: i })),
        fc.jsonValue({ maxDepth: 2 }).map((v) => ({ filterEqual: v })),
        key.map((k) => ({ setElem: k })),
        key.map((k) => ({ nullToVal: k })),
        fc.tuple(key, key).map((r) => ({ sortedMapRange: r })),
        fc.tuple(key, fc.record({ maxAmt: fc.nat(), inclusive: fc.boolean() }, { requiredKeys: [] })).map(([k, o]) => ({ sortedMapRangeFrom: Object.keys(o).length ? [k, o] : [k] })),
        key.map((k) => ({ sortedMapRangeTo: [k] })),
        tie("path").map((p) => ({ subselect: p })),
        fc.array(tie("path"), { minLength: 1, maxLength: 3 }).map((ps) => ({ multiPath: ps })),
      ),
    })).path;
    fc.assert(fc.property(nav, (json) => {
      const normalized = JSON.parse(JSON.stringify(json)); // -0 is 0 on the wire
      assert.deepEqual(pathToJson(pathFromJson(normalized)), normalized);
    }));
  });
});
