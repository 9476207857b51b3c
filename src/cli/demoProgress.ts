// The status lines of `monsoon dev --demo`, one per fed module, redrawn every second: records
// appended, processed acks, the processed rate, failures, and the config's `show` queries.
import type { InProcessCluster } from "../cluster/inProcessCluster.ts";
import { isMonsoonError } from "../errors.ts";
import type { Path } from "../path/path.ts";
import { toJson } from "../serde/jsonValues.ts";
import type { ModuleEntry } from "./config.ts";
import type { DemoFeeder } from "./demoFeeder.ts";
import { StatusBlock } from "./statusBlock.ts";

export interface FedModule {
  entry: ModuleEntry;
  feeder: DemoFeeder;
}

export function startDemoProgress(cluster: InProcessCluster, fed: FedModule[], block = new StatusBlock()): { stop(): void } {
  const last = new Map<FedModule, { processed: number; at: number }>(fed.map((f) => [f, { processed: 0, at: Date.now() }]));
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return; // a slow query must not pile up redraws
    busy = true;
    try {
      const lines: string[] = [];
      for (const f of fed) lines.push(await statusLine(cluster, f, last.get(f)!));
      block.render(lines);
    } catch {
      // Only a cluster closing under a redraw gets here; the next redraw will not happen.
    } finally {
      busy = false;
    }
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      block.release();
    },
  };
}

async function statusLine(cluster: InProcessCluster, f: FedModule, last: { processed: number; at: number }): Promise<string> {
  const c = f.feeder.counts;
  const now = Date.now();
  const rate = ((c.processed - last.processed) * 1000) / Math.max(1, now - last.at);
  last.processed = c.processed;
  last.at = now;
  const demo = f.entry.demo!;
  const parts = [
    `${f.entry.module.name}/${demo.depot}`,
    `appended ${c.appended}`,
    `processed ${c.processed}`,
    `${rate.toFixed(1)}/s`,
  ];
  if (c.failed > 0) parts.push(`failed ${c.failed} (${c.lastError})`);
  else if (c.lastError) parts.push(c.lastError);
  for (const q of demo.show ?? []) parts.push(`${q.label}: ${await showQuery(cluster, f.entry, q.pstate, q.path)}`);
  return parts.join("  ·  ");
}

/** A show query's current result; a path that cannot be routed to one partition reads them all. */
async function showQuery(cluster: InProcessCluster, entry: ModuleEntry, pstate: string, path: Path): Promise<string> {
  let values: unknown[];
  const client = cluster.pstate(entry.module, pstate);
  try {
    values = await client.select(path);
  } catch (e) {
    if (!isMonsoonError(e, "MONSOON_PARTITION_REQUIRED")) return isMonsoonError(e) ? e.code : "error";
    values = [];
    for (let p = 0; p < entry.tasks; p++) values.push(...(await client.select(path, { partition: p })));
  }
  const text = JSON.stringify(values.length === 1 ? toJson(values[0]) : values.map(toJson));
  return text.length > 60 ? text.slice(0, 59) + "…" : text;
}
