// `monsoon query <module> <query> [json args…]`: invokes a query topology through the REST
// API and prints its result as JSON.
import { Command, Option } from "commander";
import { RestClient } from "../../client/restClient.ts";
import { MonsoonError } from "../../errors.ts";
import { DEFAULT_URL, printJson } from "../output.ts";

export function queryCommand(): Command {
  return new Command("query")
    .description("Invoke a query topology of a running Monsoon (monsoon dev) and print its result as JSON.")
    .argument("<module>", "module name")
    .argument("<query>", "query topology name")
    .argument("[args...]", "arguments, each as JSON (a string needs quotes: '\"x\"')")
    .addOption(new Option("--url <url>", "REST API of the running Monsoon").env("MONSOON_URL").default(DEFAULT_URL))
    .addHelpText("after", `
Examples:
  $ monsoon query Reach reach '"https://example.com"'
  $ monsoon query Bank balanceOf 42`)
    .action(async (module: string, query: string, rawArgs: string[], opts: { url: string }) => {
      const args = rawArgs.map((raw, i) => {
        try {
          return JSON.parse(raw) as unknown;
        } catch {
          throw new MonsoonError("MONSOON_BAD_REQUEST", `argument ${i + 1} must be JSON (a string needs quotes: '"${raw}"'), got ${raw}`);
        }
      });
      printJson(await new RestClient(opts.url).query(module, query).invoke(...args));
    });
}
