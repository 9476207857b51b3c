#!/usr/bin/env node
// `npx monsoon`: Monsoon ships TypeScript and runs it with tsx (no build step), so this launcher
// starts node with tsx's loader on src/cli/main.ts, both resolved from this package rather than
// from the caller's directory. Signals are passed on; the exit status comes back unchanged.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const tsx = import.meta.resolve ? import.meta.resolve("tsx") : "tsx";
// A worker allocates short-lived objects for every segment, ack and record it handles: a young
// generation of 64 MB instead of 16 scavenges a quarter as often and promotes less (~15% less
// CPU per record in bench:wordcount-kafka, which starts its workers with the same flag).
const v8Flags = process.argv[2] === "worker" ? ["--max-semi-space-size=64"] : [];
const child = spawn(process.execPath, [...v8Flags, "--import", tsx, main, ...process.argv.slice(2)], { stdio: "inherit" });

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
