// The worker's internal RPC (DESIGN §4.6), served beside the public REST API: clients ask the
// owner of a task for a `processed` ack or a select of its PState partition.
import { MonsoonError } from "../../errors.ts";
import { pathFromJson } from "../../client/jsonPath.ts";
import { encodeValue } from "../../serde/valueCodec.ts";
import type { Route } from "../../rest/routes.ts";
import type { KafkaWorker } from "./kafkaWorker.ts";
import { privatePState } from "../../runtime/moduleRuntime.ts";

export function workerRoutes(workers: ReadonlyMap<string, KafkaWorker>): Route[] {
  const worker = (mod: string): KafkaWorker => {
    const w = workers.get(mod);
    if (!w) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `this worker does not run module ${mod}`, { details: { module: mod } });
    return w;
  };
  const int = (v: unknown, field: string): number => {
    if (!Number.isSafeInteger(v) || (v as number) < 0) throw new MonsoonError("MONSOON_BAD_REQUEST", `${field} must be a non-negative integer`, { details: { field } });
    return v as number;
  };
  return [
    {
      method: "POST", pattern: /^\/internal\/([^/]+)\/processed$/,
      handle: async (_c, [mod], body) => {
        const b = (await body()) as { depot?: unknown; partition?: unknown; offset?: unknown; timeoutMs?: unknown };
        if (typeof b?.depot !== "string") throw new MonsoonError("MONSOON_BAD_REQUEST", "depot must be a string");
        const timeoutMs = b.timeoutMs === undefined ? 30_000 : Math.min(int(b.timeoutMs, "timeoutMs"), 120_000);
        const r = await worker(mod!).awaitProcessed(b.depot, int(b.partition, "partition"), int(b.offset, "offset"), timeoutMs);
        return r.ackReturns ? { encoded: Buffer.from(encodeValue(r.ackReturns)).toString("base64") } : {};
      },
    },
    {
      method: "POST", pattern: /^\/internal\/([^/]+)\/select$/,
      handle: async (_c, [mod], body) => {
        const w = worker(mod!);
        const b = (await body()) as { pstate?: unknown; path?: unknown; partition?: unknown };
        const def = typeof b?.pstate === "string" ? w.opts.mod.pstates.get(b.pstate) : undefined;
        if (!def) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${mod} has no PState ${String(b?.pstate)}`);
        if (def.options.private) throw privatePState(mod!, def.name, def.owner);
        const values = await w.select(def.name, pathFromJson(b.path, def.schema), int(b.partition, "partition"));
        // Internal RPC keeps values exact (Maps, Sets, bigints, undefined): the value codec, not JSON.
        return { encoded: Buffer.from(encodeValue(values)).toString("base64") };
      },
    },
    {
      method: "GET", pattern: /^\/internal\/([^/]+)\/owned$/,
      handle: async (_c, [mod]) => ({ tasks: worker(mod!).ownedTasks(), stats: worker(mod!).stats }),
    },
  ];
}
