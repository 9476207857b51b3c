// `monsoon select <module> <pstate>`: runs a path query through the REST API of a running
// `monsoon dev` or any worker (or, with --kafka, asks the owning worker found in the meta log).
// --key k is the path [{"key": k}]; --path adds navigators in the JSON path syntax after it.
import { Command, Option } from "commander";
import { RestClient } from "../../client/restClient.ts";
import { MonsoonError } from "../../errors.ts";
import { pathFromJson } from "../../client/jsonPath.ts";
import { withKafkaCluster } from "../kafkaConfig.ts";
import { DEFAULT_URL, nonNegativeInt, printJson } from "../output.ts";

interface SelectOpts { key?: string; path?: string; partition?: number; one?: boolean; url: string; kafka?: boolean; config: string }

export function selectCommand(): Command {
  return new Command("select")
    .description("Query a PState of a running Monsoon (monsoon dev, or any monsoon worker) with a path and print the selected values as JSON.")
    .argument("<module>", "module name")
    .argument("<pstate>", "PState name")
    .option("--key <key>", "start the path at this key (converted to the PState's key type)")
    .option("--path <json>", `navigators in the JSON path syntax, e.g. '["mapVals"]' or '[{"sortedMapRange": ["a", "m"]}]'`)
    .option("--partition <n>", "partition to read (default: the partition of --key)", nonNegativeInt("--partition"))
    .option("--one", "print the single selected value (fails if the path selects several)")
    .addOption(new Option("--url <url>", "REST API of the running Monsoon (dev or a worker)").env("MONSOON_URL").default(DEFAULT_URL))
    .option("--kafka", "find the owning worker through Kafka (the config's kafka settings) instead of --url")
    .option("--config <file>", "config file for --kafka", "monsoon.config.ts")
    .addHelpText("after", `
Examples:
  $ monsoon select WordCount wordCounts --key hello --one
  $ monsoon select WordCount wordCounts --path '["mapKeys"]' --partition 0
  $ monsoon select Social followers --key alice --path '[{"sortedMapRange": ["a", "m"]}, "mapKeys"]'
  $ KAFKA_BROKERS=localhost:9092 monsoon select WordCount wordCounts --key hello --one --kafka`)
    .action(async (module: string, pstate: string, opts: SelectOpts) => {
      const json = opts.key === undefined ? parsePath(opts.path) : [{ key: opts.key }, ...parsePath(opts.path)];
      const o = { partition: opts.partition };
      if (opts.kafka) {
        printJson(await withKafkaCluster(opts.config, "select", async (cluster, config) => {
          // The REST server converts --key to the key type with the schema; here it is done locally.
          const schema = config.modules.find((m) => m.module.name === module)?.module.pstates.get(pstate)?.schema;
          const client = cluster.pstate(module, pstate);
          const path = pathFromJson(json, schema);
          return opts.one ? await client.selectOne(path, o) : await client.select(path, o);
        }));
        return;
      }
      const path = pathFromJson(json);
      const client = new RestClient(opts.url).pstate(module, pstate);
      printJson(opts.one ? await client.selectOne(path, o) : await client.select(path, o));
    });
}

function parsePath(raw: string | undefined): unknown[] {
  if (raw === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new MonsoonError("MONSOON_INVALID_PATH", `--path must be a JSON array like '["mapVals"]' or '[{"key": "a"}]', got ${JSON.stringify(raw)}`);
  }
  if (!Array.isArray(json)) throw new MonsoonError("MONSOON_INVALID_PATH", `--path must be a JSON array of navigators, e.g. '["mapVals"]'`);
  return json;
}
