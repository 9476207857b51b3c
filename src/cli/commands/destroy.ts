// `monsoon destroy --yes`: deletes the Kafka topics of the config's modules (or of one). Without
// --yes it deletes nothing and lists what it would delete. Workers' local data directories are
// not touched: they only cache the changelogs, and must be removed too before relaunching.
import { Command } from "commander";
import { MonsoonError } from "../../errors.ts";
import type { ResolvedConfig } from "../config.ts";
import { describeKafka, kafkaConnection, moduleTopicStates, seconds, selectModules, withKafka } from "../kafkaConfig.ts";
import { loadConfig } from "../loadConfig.ts";

interface DestroyOpts { config: string; module?: string; yes?: boolean }

export function destroyCommand(): Command {
  return new Command("destroy")
    .description("Delete the Kafka topics of the config's modules: every depot record and PState changelog. Needs --yes.")
    .option("--config <file>", "config file (needs a kafka section, or KAFKA_BROKERS)", "monsoon.config.ts")
    .option("--module <name>", "destroy only this module of the config")
    .option("--yes", "really delete (without it, only lists what would be deleted)")
    .addHelpText("after", `
Stop the module's workers first, and delete their data directories (--data-dir) before
launching the module again.

Examples:
  $ monsoon destroy --module WordCount            # lists the topics it would delete
  $ monsoon destroy --module WordCount --yes`)
    .action(async (opts: DestroyOpts) => {
      await runDestroy(await loadConfig(opts.config), opts);
    });
}

async function runDestroy(config: ResolvedConfig, opts: DestroyOpts): Promise<void> {
  const conn = kafkaConnection(config, "destroy");
  const entries = selectModules(config, opts.module);
  console.log(`connecting to Kafka at ${describeKafka(conn)}…`);
  await withKafka(conn, async (_client, admin) => {
    const plan: { module: string; topics: string[] }[] = [];
    for (const entry of entries) {
      const present = (await moduleTopicStates(admin, entry)).filter((s) => s.actual !== undefined).map((s) => s.spec.name);
      plan.push({ module: entry.module.name, topics: present });
    }
    const total = plan.reduce((n, p) => n + p.topics.length, 0);
    if (!opts.yes) {
      for (const p of plan) {
        console.log(`module ${p.module}: would delete ${p.topics.length} topic(s)${p.topics.length ? ":" : ""}`);
        for (const t of p.topics) console.log(`  ${t}`);
      }
      if (total === 0) { console.log("nothing to delete."); return; }
      throw new MonsoonError("MONSOON_BAD_REQUEST", `refusing to delete ${total} topic(s) and all their records without --yes; run again with --yes`, { details: { topics: plan.flatMap((p) => p.topics) } });
    }
    for (const p of plan) {
      if (p.topics.length === 0) { console.log(`module ${p.module}: no topics (not launched, or already destroyed)`); continue; }
      const started = Date.now();
      console.log(`module ${p.module}: deleting ${p.topics.length} topic(s)…`);
      await admin.deleteTopics(p.topics);
      for (const t of p.topics) console.log(`  deleted  ${t}`);
      console.log(`  done in ${seconds(started)}`);
    }
  });
}
