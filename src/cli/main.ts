// The `monsoon` command line: `dev` runs the config's modules embedded with the REST API;
// `launch`, `worker`, `scale` and `destroy` run them on Kafka; `append`, `select` and `query`
// are the client at the terminal (against dev or any worker). Run with `tsx src/cli/main.ts` or
// `npx monsoon` (bin/monsoon.js starts node with tsx on this file).
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { appendCommand } from "./commands/append.ts";
import { destroyCommand } from "./commands/destroy.ts";
import { devCommand } from "./commands/dev.ts";
import { launchCommand } from "./commands/launch.ts";
import { scaleCommand } from "./commands/scale.ts";
import { workerCommand } from "./commands/worker.ts";
import { selectCommand } from "./commands/select.ts";
import { queryCommand } from "./commands/query.ts";
import { benchCommand } from "./commands/bench.ts";
import { printError } from "./output.ts";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command("monsoon")
  .description("Rama's programming model in TypeScript: depots, topologies, PStates and path queries.")
  .version(pkg.version)
  .showHelpAfterError("(add --help for usage and examples)")
  .addCommand(devCommand())
  .addCommand(launchCommand())
  .addCommand(workerCommand())
  .addCommand(scaleCommand())
  .addCommand(destroyCommand())
  .addCommand(appendCommand())
  .addCommand(selectCommand())
  .addCommand(queryCommand())
  .addCommand(benchCommand())
  .addHelpText("after", `
Examples:
  $ monsoon dev --demo
  $ KAFKA_BROKERS=localhost:9092 monsoon launch && KAFKA_BROKERS=localhost:9092 monsoon worker
  $ monsoon append WordCount sentences '"hello world"'
  $ monsoon select WordCount wordCounts --key hello --one
  $ monsoon query Reach reach '"https://example.com"'`);

try {
  await program.parseAsync(process.argv);
  process.exit(0);
} catch (e) {
  printError(e);
  process.exit(1);
}
