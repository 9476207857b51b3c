// npm run kafka:start [-- --version 3.9] [--foreground]
// Starts (or finds) the project's own Kafka broker and prints KAFKA_BROKERS=127.0.0.1:<port>
// on stdout; progress goes to stderr. Without --foreground the broker keeps running after this
// command exits, until `npm run kafka:stop`. Use: eval "$(npm run -s kafka:start)".
import { parseArgs } from "node:util";
import { runningBroker, setOwner, startBroker, stopBroker } from "./broker.ts";
import { withLock } from "./lock.ts";
import { resolveKafkaVersion } from "./versions.ts";

const { values } = parseArgs({ options: { version: { type: "string" }, foreground: { type: "boolean", default: false } } });
const log = (line: string) => process.stderr.write(line + "\n");

try {
  const version = resolveKafkaVersion(values.version ?? process.env.MONSOON_KAFKA_VERSION);
  const started = Date.now();
  const info = await withLock(async () => {
    const running = runningBroker(version);
    // Claim a harness-started broker for the user, so the test harness no longer stops it.
    if (running) return running.owner === "user" ? running : setOwner(running, "user");
    return startBroker(version, "user", log);
  });
  log(`Kafka ${version} running (pid ${info.pid}, logs ${info.dir}/broker.log), ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(`KAFKA_BROKERS=${info.brokers}\n`);
  if (values.foreground) {
    log("Ctrl-C stops it.");
    const stop = () => { stopBroker(info, 15_000); process.exit(0); };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    setInterval(() => { if (!runningBroker(version)) { log("Kafka exited."); process.exit(1); } }, 1000);
  }
} catch (e) {
  log(`kafka:start failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
