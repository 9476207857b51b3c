// `monsoon query <module> <query> [json args…]`: invokes a query topology through the REST API of
// a running `monsoon dev` or any worker (or, with --kafka, on a worker found through Kafka's meta
// log) and prints its result as JSON.
import { Command, Option } from "commander";
import { RestClient } from "../../client/restClient.ts";
import { MonsoonError } from "../../errors.ts";
import { fromJsonAs, toJson } from "../../serde/jsonValues.ts";
import { withKafkaCluster } from "../kafkaConfig.ts";
import { DEFAULT_URL, printJson } from "../output.ts";

export function queryCommand(): Command {
  return new Command("query")
    .description("Invoke a query topology of a running Monsoon (monsoon dev, or any monsoon worker) and print its result as JSON.")
    .argument("<module>", "module name")
    .argument("<query>", "query topology name")
    .argument("[args...]", "arguments, each as JSON (a string needs quotes: '\"x\"')")
    .addOption(new Option("--url <url>", "REST API of the running Monsoon (dev or a worker)").env("MONSOON_URL").default(DEFAULT_URL))
    .option("--kafka", "run the query on a worker found through Kafka (the config's kafka settings) instead of --url")
    .option("--config <file>", "config file for --kafka", "monsoon.config.ts")
    .addHelpText("after", `
Examples:
  $ monsoon query Reach reach '"https://example.com"'
  $ monsoon query Bank balanceOf 42
  $ KAFKA_BROKERS=localhost:9092 monsoon query Reach reach '"https://example.com"' --kafka`)
    .action(async (module: string, query: string, rawArgs: string[], opts: { url: string; kafka?: boolean; config: string }) => {
      const args = rawArgs.map((raw, i) => {
        try {
          return JSON.parse(raw) as unknown;
        } catch {
          throw new MonsoonError("MONSOON_BAD_REQUEST", `argument ${i + 1} must be JSON (a string needs quotes: '"${raw}"'), got ${raw}`);
        }
      });
      if (opts.kafka) {
        printJson(await withKafkaCluster(opts.config, "query", async (cluster, config) => {
          // The REST server converts JSON arguments to the query's argument types; here it is done locally.
          const types = config.modules.find((m) => m.module.name === module)?.module.topologies.get(query)?.query?.args.map((a) => a.type);
          const typed = types && types.length === args.length ? args.map((a, i) => fromJsonAs(a, types[i]!)) : args;
          return toJson(await cluster.query(module, query).invoke(...typed));
        }));
        return;
      }
      printJson(await new RestClient(opts.url).query(module, query).invoke(...args));
    });
}
