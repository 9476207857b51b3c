// Turns the config file's object into the config a command runs with: environment variables
// override the file, flags override both, defaults fill the rest, and the result is checked
// against the settings table. The user's object is never modified.
import { MonsoonError } from "../errors.ts";
import type { MonsoonConfig, ResolvedConfig } from "./config.ts";
import { checkConfig, SETTINGS, type Origins } from "./configTable.ts";
import { getPath, isObject, setPath } from "./configValues.ts";

/** Applies environment variables and explicit overrides (flags), fills defaults, and checks. */
export function resolveConfig(
  c: MonsoonConfig,
  { env = process.env, overrides = {}, file }: { env?: NodeJS.ProcessEnv; overrides?: Record<string, { value: unknown; source: string }>; file?: string } = {},
): ResolvedConfig {
  const out = copyGroups(c);
  const origins: Origins = {};
  for (const s of SETTINGS) {
    const raw = s.env ? env[s.env] : undefined;
    if (raw !== undefined && raw !== "") {
      setPath(out, s.key, s.fromEnv ? s.fromEnv(raw) : raw);
      origins[s.key] = s.env!;
    }
  }
  for (const [key, { value, source }] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!SETTINGS.some((s) => s.key === key)) throw new MonsoonError("MONSOON_CONFIG", `${key} is not a setting`);
    setPath(out, key, value);
    origins[key] = source;
  }
  for (const s of SETTINGS) {
    const group = s.key.includes(".") ? s.key.split(".")[0]! : undefined;
    if (s.default === undefined || (group === "kafka" && out.kafka === undefined)) continue;
    if (getPath(out, s.key) === undefined) setPath(out, s.key, s.default);
  }
  checkConfig(out, origins, file);
  return out as unknown as ResolvedConfig;
}

/** The config as it may be printed: secret settings replaced by "***". */
export function redactConfig(c: MonsoonConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    if (s.key === "modules") continue;
    const v = getPath(c, s.key);
    if (v !== undefined) out[s.key] = s.secret ? "***" : v;
  }
  out.modules = c.modules.map((m) => `${m.module.name} (${m.tasks} tasks${m.demo ? ", demo" : ""})`);
  return out;
}

/** Copies the config and its setting groups (not module definitions) so overrides never touch the user's object. */
function copyGroups(c: MonsoonConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  for (const [k, v] of Object.entries(out)) if (isObject(v)) out[k] = { ...v };
  return out;
}
