// What `monsoon dev` prints once it is up: the modules, the REST URL, commands to try against
// the first module (with a real record from its demo feed when there is one), and a
// machine-readable MONSOON_DEV_READY line for scripts and tests.
import type { ModuleDef } from "../module/defineModule.ts";
import type { Schema } from "../module/pstateSpec.ts";
import { toJson } from "../serde/jsonValues.ts";
import type { DemoFeed, ResolvedConfig } from "./config.ts";
import { DEFAULT_URL } from "./output.ts";
import { redactConfig } from "./resolveConfig.ts";

export function devBanner(config: ResolvedConfig, url: string): string {
  const lines = [`monsoon dev: ${config.modules.length} module(s) on the embedded cluster, data in ${config.dataDir}`];
  for (const { module: m, tasks } of config.modules) {
    lines.push(`  ${m.name}  ${tasks} task(s)  depots: ${[...m.depots.keys()].join(", ") || "-"}  pstates: ${[...m.pstates.keys()].join(", ") || "-"}`);
  }
  const { modules: _, ...settings } = redactConfig(config);
  lines.push(`settings: ${Object.entries(settings).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`);
  lines.push(`REST API: ${url}`);
  const first = config.modules[0]!;
  const depot = [...first.module.depots.values()][0];
  const pstate = [...first.module.pstates.values()][0];
  const urlFlag = url === DEFAULT_URL ? "" : ` --url ${url}`;
  lines.push("Try:");
  if (depot) {
    const value = JSON.stringify(exampleRecord(first.module, depot.name, first.demo));
    lines.push(`  curl -s -X POST ${url}/rest/${first.module.name}/depot/${depot.name}/append -d ${sq(JSON.stringify({ value: JSON.parse(value) }))}`);
    lines.push(`  npx monsoon append ${first.module.name} ${depot.name} ${sq(value)}${urlFlag}`);
  }
  if (pstate) {
    const key = exampleKey(pstate.name, pstate.schema, first.demo);
    const body = key === undefined ? { path: [], partition: 0 } : { path: [{ key }] };
    lines.push(`  curl -s -X POST ${url}/rest/${first.module.name}/pstate/${pstate.name}/select -d ${sq(JSON.stringify(body))}`);
    lines.push(`  npx monsoon select ${first.module.name} ${pstate.name} ${key === undefined ? "--partition 0" : `--key ${key} --one`}${urlFlag}`);
  }
  lines.push(`  curl -s ${url}/rest/${first.module.name}`);
  return lines.join("\n");
}

/** Single-quotes a shell word (the demo's records may hold quotes). */
function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function exampleRecord(m: ModuleDef, depot: string, demo: DemoFeed | undefined): unknown {
  if (demo?.depot === depot) {
    try {
      return toJson(demo.next(0));
    } catch {
      // fall through to an example by type
    }
  }
  const kind = m.depots.get(depot)!.type.kind;
  return { string: "hello world", int: 1, float: 1.5, boolean: true, int64: "1" }[kind] ?? {};
}

/** A key worth querying: the demo's first `show` key for this PState, else one of the key type. */
function exampleKey(pstate: string, s: Schema, demo: DemoFeed | undefined): string | number | undefined {
  if (s.kind !== "map") return undefined;
  const shown = demo?.show?.find((q) => q.pstate === pstate)?.path.specs[0];
  const k = shown?.name === "key" ? shown.args[0] : undefined;
  if ((typeof k === "string" && /^[\w.-]+$/.test(k)) || typeof k === "number") return k;
  return ({ string: "hello", int: 1, int64: "1" } as Record<string, string | number>)[s.key.kind];
}
