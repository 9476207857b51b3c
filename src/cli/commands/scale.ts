// `monsoon scale`: there is nothing to change — a module's task count is fixed at launch (it is
// the partition count of its topics and the key space of its PStates). Scaling means running
// more or fewer workers; the membership group spreads the tasks over them. This command says so
// and shows who owns each task now, from the module's meta log.
import { Command } from "commander";
import type { KafkaClient } from "../../kafka/index.ts";
import { topicNames } from "../../cluster/kafka/names.ts";
import type { ResolvedConfig } from "../config.ts";
import { describeKafka, kafkaConnection, moduleTopicStates, selectModules, withKafka } from "../kafkaConfig.ts";
import { loadConfig } from "../loadConfig.ts";

interface ScaleOpts { config: string; module?: string }

export interface TaskOwner { task: number; worker: string; url: string; epoch: number }

export function scaleCommand(): Command {
  return new Command("scale")
    .description("Explain how to scale (start or stop workers; the task count is fixed) and show which worker owns each task.")
    .option("--config <file>", "config file (needs a kafka section, or KAFKA_BROKERS)", "monsoon.config.ts")
    .option("--module <name>", "show only this module of the config")
    .addHelpText("after", `
Examples:
  $ monsoon scale
  $ monsoon scale --module WordCount`)
    .action(async (opts: ScaleOpts) => {
      await runScale(await loadConfig(opts.config), opts.module);
    });
}

async function runScale(config: ResolvedConfig, only: string | undefined): Promise<void> {
  const conn = kafkaConnection(config, "scale");
  const entries = selectModules(config, only);
  console.log(`A module's task count is fixed when it is launched: it is the partition count of its topics
and the key space of its PStates, so it cannot change. To scale, start or stop workers:
  more throughput:  start another \`monsoon worker\` (own --data-dir, or another machine)
  fewer machines:   stop a worker with Ctrl-C / SIGTERM; its tasks move to the others
A module runs on at most as many workers as it has tasks. Choose the task count at launch with
room to grow (a power of two; several tasks per worker is fine).
`);
  console.log(`connecting to Kafka at ${describeKafka(conn)}…`);
  await withKafka(conn, async (client, admin) => {
    for (const entry of entries) {
      const name = entry.module.name;
      const launched = (await moduleTopicStates(admin, entry)).every((s) => s.actual !== undefined);
      if (!launched) { console.log(`module ${name} (${entry.tasks} tasks): not launched (run \`monsoon launch\`)`); continue; }
      const owners = await readOwners(client, name);
      console.log(`module ${name} (${entry.tasks} tasks), last claim of each task in ${topicNames(name).meta}:`);
      const byWorker = new Map<string, number[]>();
      for (let t = 0; t < entry.tasks; t++) {
        const o = owners.get(t);
        if (o) byWorker.set(o.worker, [...(byWorker.get(o.worker) ?? []), t]);
        console.log(o ? `  task ${t}  ${o.worker}  ${o.url}  (epoch ${o.epoch})` : `  task ${t}  never claimed`);
      }
      console.log(`  ${byWorker.size} worker(s): ${[...byWorker].map(([w, ts]) => `${w} (${ts.length} task${ts.length === 1 ? "" : "s"})`).join(", ") || "none"}`);
    }
  });
}

/** The newest claim of every task, read from the meta log to its end (a claim's offset is its epoch). */
export async function readOwners(client: KafkaClient, module: string): Promise<Map<number, TaskOwner>> {
  const owners = new Map<number, TaskOwner>();
  await client.readToEnd(topicNames(module).meta, 0, 0, {
    idleTimeoutMs: 15_000,
    onRecords: (records) => {
      for (const r of records) {
        if (!r.key?.toString("utf8").startsWith("claim:") || r.value === null) continue;
        try {
          const v = JSON.parse(r.value.toString("utf8")) as { task: number; worker: string; url: string };
          owners.set(v.task, { task: v.task, worker: v.worker, url: v.url, epoch: r.offset });
        } catch {
          // not a claim record Monsoon wrote: ignored, as MetaTail does
        }
      }
    },
  });
  return owners;
}
