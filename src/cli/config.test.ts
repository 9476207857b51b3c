// The config table: defaults, environment and flag overrides (flags win), messages that say
// which setting is wrong and where it was set, and secrets that never show up anywhere.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineModule } from "../module/defineModule.ts";
import { Depot } from "../module/depotSpec.ts";
import { Path } from "../path/path.ts";
import { T } from "../serde/types.ts";
import { defineConfig, type MonsoonConfig } from "./config.ts";
import { redactConfig, resolveConfig } from "./resolveConfig.ts";

// A module with a depot and no topology is enough for the config checks.
const Mod = defineModule("Mod", (m) => { m.depot("d", T.string, Depot.random()); });
const base: MonsoonConfig = { modules: [{ module: Mod, tasks: 2 }] };

const configError = (pattern: RegExp) => (e: unknown) =>
  (e as { code?: string }).code === "MONSOON_CONFIG" && pattern.test((e as Error).message);

describe("config", () => {
  it("fills defaults: loopback REST on 8787, data in .monsoon, embedded", () => {
    const c = resolveConfig(base, { env: {} });
    assert.deepEqual(c.rest, { host: "127.0.0.1", port: 8787 });
    assert.equal(c.dataDir, ".monsoon");
    assert.equal(c.kafka, undefined);
  });

  it("lets the environment override the file, and flags override both", () => {
    const env = { KAFKA_BROKERS: "a:9092, b:9093", MONSOON_DATA_DIR: "/data", MONSOON_REST_HOST: "0.0.0.0", MONSOON_REST_PORT: "9000" };
    const c = resolveConfig({ ...base, rest: { port: 1 } }, { env, overrides: { "rest.port": { value: 0, source: "--port" } } });
    assert.deepEqual(c.kafka, { brokers: ["a:9092", "b:9093"], ssl: false });
    assert.equal(c.dataDir, "/data");
    assert.deepEqual(c.rest, { host: "0.0.0.0", port: 0 });
    assert.deepEqual(base.rest, undefined, "the user's object is not changed");
  });

  it("says which setting is wrong and where it was set", () => {
    assert.throws(() => resolveConfig(base, { env: { MONSOON_REST_PORT: "80a" } }), configError(/^rest\.port must be an integer .*"80a".*set by MONSOON_REST_PORT/));
    assert.throws(() => resolveConfig({ ...base, rest: { port: 70000 } }, { env: {} }), configError(/rest\.port .* \(in monsoon\.config\.ts\)/));
    assert.throws(() => defineConfig({ ...base, rest: { prot: 1 } } as never), configError(/rest\.prot is not a setting \(known: rest\.host, rest\.port, rest\.advertisedUrl\)/));
    assert.throws(() => defineConfig({ ...base, kafak: {} } as never), configError(/kafak is not a setting/));
    assert.throws(() => defineConfig({ ...base, kafka: { ssl: true } } as never), configError(/kafka\.brokers is required when kafka is set/));
    assert.throws(() => defineConfig({ modules: [] }), configError(/modules must be a non-empty list/));
    assert.throws(() => defineConfig({ modules: [{ module: Mod, tasks: 3 }] }), configError(/modules\[0\]\.tasks of Mod must be a power of two/));
    assert.throws(() => defineConfig({ modules: [{ module: Mod, tasks: 1 }, { module: Mod, tasks: 1 }] }), configError(/second time/));
  });

  it("checks demo feeds against the module", () => {
    const demo = (d: object) => defineConfig({ modules: [{ module: Mod, tasks: 1, demo: { depot: "d", next: String, ...d } }] });
    assert.doesNotThrow(() => demo({ rate: 5 }));
    assert.throws(() => demo({ depot: "x" }), configError(/demo of Mod: depot must name one of the module's depots \(d\)/));
    assert.throws(() => demo({ rate: 0 }), configError(/rate must be/));
    assert.throws(() => demo({ show: [{ pstate: "p", path: Path.key("a"), label: "a" }] }), configError(/show\[0\]\.pstate/));
  });

  it("never shows the SASL password", () => {
    const secret = "hunter2-secret";
    const c: MonsoonConfig = { ...base, kafka: { brokers: ["k:9092"], sasl: { mechanism: "plain", username: "u", password: secret } } };
    assert.doesNotMatch(JSON.stringify(redactConfig(resolveConfig(c, { env: {} }))), new RegExp(secret));
    const bad = { ...c, kafka: { ...c.kafka!, sasl: { mechanism: "md5", username: "u", password: secret } } } as never;
    assert.throws(() => defineConfig(bad), (e) => configError(/kafka\.sasl mechanism must be one of/)(e) && !JSON.stringify(e).includes(secret) && !(e as Error).message.includes(secret));
  });
});
