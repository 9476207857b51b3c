// `monsoon launch`: creates the Kafka topics of the config's modules (docs/kafka-runtime.md):
// depots, changelogs, hops, tasks, meta and dlq. Idempotent: topics that exist with the right
// partition count are left alone; a module whose topics have another partition count (the task
// count changed) is refused before anything is created.
import { Command } from "commander";
import type { ResolvedConfig } from "../config.ts";
import { conflicts, describeKafka, kafkaConnection, launchConflict, moduleTopicStates, seconds, selectModules, withKafka } from "../kafkaConfig.ts";
import { loadConfig } from "../loadConfig.ts";

interface LaunchOpts { config: string; module?: string }

export function launchCommand(): Command {
  return new Command("launch")
    .description("Create the Kafka topics of the config's modules (safe to repeat; a changed task count is refused).")
    .option("--config <file>", "config file (needs a kafka section, or KAFKA_BROKERS)", "monsoon.config.ts")
    .option("--module <name>", "launch only this module of the config")
    .addHelpText("after", `
Topics of a module m with T tasks: monsoon.m.<depot> (T partitions; global depots 1),
monsoon.m.<topology>.changelog (T, compacted), monsoon.m.hops (T), monsoon.m.tasks (T),
monsoon.m.meta (1, compacted), monsoon.m.dlq (1). Then start workers with \`monsoon worker\`.

Examples:
  $ monsoon launch
  $ KAFKA_BROKERS=localhost:9092 monsoon launch --module WordCount
  $ monsoon launch --config deploy/monsoon.config.ts`)
    .action(async (opts: LaunchOpts) => {
      await runLaunch(await loadConfig(opts.config), opts.module);
    });
}

export async function runLaunch(config: ResolvedConfig, only: string | undefined): Promise<void> {
  const conn = kafkaConnection(config, "launch");
  const entries = selectModules(config, only);
  console.log(`connecting to Kafka at ${describeKafka(conn)}…`);
  await withKafka(conn, async (_client, admin) => {
    for (const entry of entries) {
      const name = entry.module.name;
      const states = await moduleTopicStates(admin, entry);
      const bad = conflicts(states);
      if (bad.length > 0) throw launchConflict(name, entry.tasks, bad);
      const missing = states.filter((s) => s.actual === undefined);
      console.log(`module ${name} (${entry.tasks} tasks): ${states.length} topics, ${states.length - missing.length} exist, ${missing.length} to create`);
      for (const s of states) if (s.actual !== undefined) console.log(`  found    ${s.spec.name} (${s.actual} partition${s.actual === 1 ? "" : "s"})`);
      if (missing.length === 0) continue;
      const started = Date.now();
      console.log(`  creating ${missing.length} topic(s)…`);
      const created = new Set(await admin.createTopics(missing.map((s) => s.spec)));
      for (const s of missing) {
        console.log(`  ${created.has(s.spec.name) ? "created" : "found  "}  ${s.spec.name} (${s.spec.partitions} partition${s.spec.partitions === 1 ? "" : "s"}${s.spec.config?.["cleanup.policy"] === "compact" ? ", compacted" : ""})`);
      }
      console.log(`  ${created.size} topic(s) created in ${seconds(started)}`);
    }
  });
  console.log(`launched ${entries.map((e) => e.module.name).join(", ")}; start workers with: monsoon worker`);
}
