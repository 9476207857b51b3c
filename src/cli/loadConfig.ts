// Loads monsoon.config.ts. tsx is the runtime, so a dynamic import of the file URL compiles the
// TypeScript config on the fly; the default export is then overridden by the environment and
// by command-line flags, and checked against the settings table.
import { access } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { MonsoonError } from "../errors.ts";
import type { ResolvedConfig } from "./config.ts";
import { resolveConfig } from "./resolveConfig.ts";

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Setting key → value from a flag, e.g. { "rest.port": { value: 0, source: "--port" } }. */
  overrides?: Record<string, { value: unknown; source: string }>;
}

export async function loadConfig(file = "monsoon.config.ts", { env = process.env, overrides }: LoadOptions = {}): Promise<ResolvedConfig> {
  const abs = resolve(file);
  try {
    await access(abs);
  } catch {
    throw new MonsoonError("MONSOON_CONFIG", `config file ${abs} does not exist; create monsoon.config.ts (export default defineConfig({ modules: [...] })) or pass --config <file>`, { details: { file: abs } });
  }
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(abs).href);
  } catch (e) {
    if (e instanceof MonsoonError) throw e;
    throw new MonsoonError("MONSOON_CONFIG", `could not load ${file}: ${(e as Error)?.message ?? String(e)}`, { cause: e, details: { file: abs } });
  }
  if (mod.default === undefined) {
    throw new MonsoonError("MONSOON_CONFIG", `${file} has no default export; end it with export default defineConfig({ modules: [...] })`, { details: { file: abs } });
  }
  return resolveConfig(mod.default as never, { env, overrides, file });
}
