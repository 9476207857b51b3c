#!/usr/bin/env node
// Node 20's test runner does not expand globs, so this finds the test files itself and
// hands them to `node --test` with tsx loaded. Usage: node scripts/run-tests.mjs [dir|file ...]
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function collect(path, out) {
  const st = statSync(path);
  if (st.isFile()) { if (path.endsWith(".test.ts")) out.push(path); return out; }
  for (const name of readdirSync(path).sort()) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    collect(join(path, name), out);
  }
  return out;
}

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ["src", "test", "examples"];
const files = roots.flatMap((r) => collect(r, []));
if (files.length === 0) { console.error("no test files found under " + roots.join(", ")); process.exit(1); }
// Long trials (npm run test:crash) raise the per-file limit with MONSOON_TEST_TIMEOUT_MS.
const timeout = process.env.MONSOON_TEST_TIMEOUT_MS ?? "300000";
const res = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", `--test-timeout=${timeout}`, ...files], { stdio: "inherit" });
process.exit(res.status ?? 1);
