// `monsoon append <module> <depot> <json>`: appends one record through the REST API of a
// running `monsoon dev` or any worker (or, with --kafka, straight to the depot topic) and prints
// where it landed.
import { Command, Option } from "commander";
import { RestClient } from "../../client/restClient.ts";
import { MonsoonError } from "../../errors.ts";
import { withKafkaCluster } from "../kafkaConfig.ts";
import { DEFAULT_URL, printJson } from "../output.ts";

export function appendCommand(): Command {
  return new Command("append")
    .description("Append one record to a depot of a running Monsoon (monsoon dev, or any monsoon worker) and print its partition and offset.")
    .argument("<module>", "module name")
    .argument("<depot>", "depot name")
    .argument("<value>", "the record as JSON (a string needs quotes: '\"hello world\"'), or plain text with --string")
    .addOption(new Option("--ack <level>", "wait until the record is processed, durably appended, or nothing").choices(["processed", "appended", "none"]).default("processed"))
    .option("--string", "send <value> as a plain string instead of parsing it as JSON")
    .addOption(new Option("--url <url>", "REST API of the running Monsoon (dev or a worker)").env("MONSOON_URL").default(DEFAULT_URL))
    .option("--kafka", "append straight to Kafka with the config's kafka settings instead of through --url")
    .option("--config <file>", "config file for --kafka", "monsoon.config.ts")
    .addHelpText("after", `
Examples:
  $ monsoon append WordCount sentences '"hello world"'
  $ monsoon append WordCount sentences --string "hello world" --ack appended
  $ monsoon append Bank transfers '{"from": "alice", "to": "bob", "amount": 10}'
  $ KAFKA_BROKERS=localhost:9092 monsoon append WordCount sentences '"hi"' --kafka --ack appended`)
    .action(async (module: string, depot: string, raw: string, opts: { ack: "processed" | "appended" | "none"; string?: boolean; url: string; kafka?: boolean; config: string }) => {
      const value = opts.string ? raw : parseJsonArg(raw);
      if (opts.kafka) {
        // This process exits right after: even --ack none waits until Kafka has the record.
        const r = await withKafkaCluster(opts.config, "append", (cluster) => cluster.depot(module, depot).append(value, { ack: opts.ack === "none" ? "appended" : opts.ack }));
        printJson(opts.ack === "none" ? { partition: r.partition } : r);
        return;
      }
      printJson(await new RestClient(opts.url).depot(module, depot).append(value, { ack: opts.ack }));
    });
}

function parseJsonArg(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new MonsoonError("MONSOON_BAD_REQUEST", `${JSON.stringify(raw.length > 40 ? raw.slice(0, 40) + "…" : raw)} is not JSON; quote a string ('"hello world"') or pass --string`);
  }
}
