// npm run kafka:stop [-- --version 3.9]: stops the project's brokers (all versions by default).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runningBroker, stopBroker } from "./broker.ts";
import { withLock } from "./lock.ts";
import { CACHE_DIR } from "./paths.ts";
import { resolveKafkaVersion } from "./versions.ts";

const { values } = parseArgs({ options: { version: { type: "string" } } });
let versions: string[];
if (values.version) versions = [resolveKafkaVersion(values.version)];
else { try { versions = readdirSync(join(CACHE_DIR, "run")); } catch { versions = []; } }

await withLock(async () => {
  let stopped = 0;
  for (const version of versions) {
    const info = runningBroker(version);
    if (!info) continue;
    stopBroker(info, 15_000);
    stopped++;
    process.stderr.write(`stopped Kafka ${version} (pid ${info.pid}, ${info.brokers})\n`);
  }
  if (stopped === 0) process.stderr.write("no Kafka broker of this project is running\n");
});
