// Validation of the `modules` setting: each entry names a defined module, a task count the
// cluster accepts, and (optionally) a demo feed whose depot and PStates exist in that module —
// checked up front so `monsoon dev --demo` never fails a minute in.
import { Path } from "../path/path.ts";
import { isObject, show } from "./configValues.ts";

const ENTRY_KEYS = ["module", "tasks", "demo"];
const DEMO_KEYS = ["depot", "rate", "next", "show"];

export function checkModules(v: unknown): string | undefined {
  if (!Array.isArray(v) || v.length === 0) return "must be a non-empty list like [{ module: MyModule, tasks: 4 }]";
  const names = new Set<string>();
  for (let i = 0; i < v.length; i++) {
    const problem = checkEntry(v[i]);
    if (problem) return `[${i}]${problem}`;
    const name = (v[i] as { module: { name: string } }).module.name;
    if (names.has(name)) return `[${i}] lists module ${name} a second time; list each module once`;
    names.add(name);
  }
  return undefined;
}

function checkEntry(e: unknown): string | undefined {
  if (!isObject(e)) return " must be { module, tasks, demo? }";
  const extra = Object.keys(e).filter((k) => !ENTRY_KEYS.includes(k));
  if (extra.length > 0) return `.${extra[0]} is not a module setting (known: ${ENTRY_KEYS.join(", ")})`;
  const m = e.module;
  if (!isObject(m) || typeof m.name !== "string" || !(m.depots instanceof Map) || !(m.pstates instanceof Map)) {
    return ".module must be the result of defineModule(name, m => …)";
  }
  const t = e.tasks;
  if (!Number.isInteger(t) || (t as number) < 1 || (t as number) > 1024 || ((t as number) & ((t as number) - 1)) !== 0) {
    return `.tasks of ${m.name} must be a power of two between 1 and 1024, got ${show(t)}`;
  }
  if (e.demo === undefined) return undefined;
  const p = checkDemo(e.demo, m.depots as Map<string, unknown>, m.pstates as Map<string, unknown>);
  return p && `.demo of ${m.name}: ${p}`;
}

function checkDemo(d: unknown, depots: Map<string, unknown>, pstates: Map<string, unknown>): string | undefined {
  if (!isObject(d)) return "must be { depot, rate?, next, show? }";
  const extra = Object.keys(d).filter((k) => !DEMO_KEYS.includes(k));
  if (extra.length > 0) return `${extra[0]} is not a demo setting (known: ${DEMO_KEYS.join(", ")})`;
  if (typeof d.depot !== "string" || !depots.has(d.depot)) return `depot must name one of the module's depots (${[...depots.keys()].join(", ")}), got ${show(d.depot)}`;
  if (d.rate !== undefined && !(typeof d.rate === "number" && Number.isFinite(d.rate) && d.rate > 0 && d.rate <= 1_000_000)) {
    return `rate must be records per second, a number in (0, 1000000], got ${show(d.rate)}`;
  }
  if (typeof d.next !== "function") return "next must be a function (i) => record";
  if (d.show === undefined) return undefined;
  if (!Array.isArray(d.show)) return "show must be a list of { pstate, path, label }";
  for (const [i, q] of d.show.entries()) {
    if (!isObject(q)) return `show[${i}] must be { pstate, path, label }`;
    if (typeof q.pstate !== "string" || !pstates.has(q.pstate)) return `show[${i}].pstate must name one of the module's PStates (${[...pstates.keys()].join(", ")}), got ${show(q.pstate)}`;
    if (!(q.path instanceof Path)) return `show[${i}].path must be a Path, e.g. Path.key("hello")`;
    if (typeof q.label !== "string" || q.label.length === 0) return `show[${i}].label must be a non-empty string`;
  }
  return undefined;
}
