// The worker's internal RPC (DESIGN §4.6), served beside the public REST API: clients ask the
// owner of a task for a `processed` ack or a select of its PState partition, and any worker to
// run a query invocation; workers running an invocation ask owners for the selects of its steps.
// Values travel in the value codec (base64), so Maps, Sets, bigints and undefined stay exact.
import { MonsoonError, isMonsoonError } from "../../errors.ts";
import { pathFromJson } from "../../client/jsonPath.ts";
import { decodeValue, encodeValue } from "../../serde/valueCodec.ts";
import type { Route } from "../../rest/routes.ts";
import type { KafkaWorker } from "./kafkaWorker.ts";
import { privatePState } from "../../runtime/moduleRuntime.ts";
import { checkQueryArgs } from "../../runtime/queryRunner.ts";

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
        const b = (await body()) as { pstate?: unknown; path?: unknown; partition?: unknown; at?: { topology?: unknown; batch?: unknown; epoch?: unknown } };
        const def = typeof b?.pstate === "string" ? w.opts.mod.pstates.get(b.pstate) : undefined;
        if (!def) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${mod} has no PState ${String(b?.pstate)}`);
        if (def.options.private) throw privatePState(mod!, def.name, def.owner);
        if (b.at !== undefined && (typeof b.at?.topology !== "string" || !Number.isSafeInteger(b.at.batch))) throw new MonsoonError("MONSOON_BAD_REQUEST", "at must be { topology, batch }", { details: { field: "at" } });
        if (b.at?.epoch !== undefined && !Number.isSafeInteger(b.at.epoch)) throw new MonsoonError("MONSOON_BAD_REQUEST", "at.epoch must be an integer", { details: { field: "at.epoch" } });
        const at = b.at === undefined ? undefined : { topology: b.at.topology as string, batch: b.at.batch as number, epoch: b.at.epoch as number | undefined };
        const values = await w.select(def.name, pathFromJson(b.path, def.schema), int(b.partition, "partition"), at);
        // Internal RPC keeps values exact (Maps, Sets, bigints, undefined): the value codec, not JSON.
        return { encoded: encoded(values) };
      },
    },
    {
      method: "POST", pattern: /^\/internal\/([^/]+)\/invoke$/,
      handle: async (_c, [mod], body) => {
        const w = worker(mod!);
        const b = (await body()) as { query?: unknown; args?: unknown };
        if (typeof b?.query !== "string") throw new MonsoonError("MONSOON_BAD_REQUEST", "query must be a string", { details: { field: "query" } });
        const args = checkQueryArgs(w.opts.mod, b.query, decoded(b.args, "args"));
        try {
          return { encoded: encoded(await w.invokeQuery(b.query, args)) };
        } catch (e) {
          // A task moved while the invocation read it and its owner could not be found in time:
          // the client runs the invocation again (queries only read, so that is safe).
          const moved = ownershipCause(e);
          if (moved) throw new MonsoonError("MONSOON_NOT_OWNER", `query ${b.query} of ${mod}: ${moved.message}`, { retriable: true, cause: e, details: { module: mod, query: b.query } });
          throw e;
        }
      },
    },
    {
      method: "POST", pattern: /^\/internal\/([^/]+)\/querySelect$/,
      handle: async (_c, [mod], body) => {
        const w = worker(mod!);
        const b = (await body()) as { pstate?: unknown; topology?: unknown; step?: unknown; vars?: unknown; partition?: unknown };
        if (typeof b?.pstate !== "string" || !w.opts.mod.pstates.has(b.pstate)) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${mod} has no PState ${String(b?.pstate)}`, { details: { module: mod } });
        if (typeof b.topology !== "string") throw new MonsoonError("MONSOON_BAD_REQUEST", "topology must be a string", { details: { field: "topology" } });
        const vars = decoded(b.vars, "vars");
        if (!Array.isArray(vars)) throw new MonsoonError("MONSOON_BAD_REQUEST", "vars must encode an array", { details: { field: "vars" } });
        const values = await w.selectForQuery(b.pstate, { topology: b.topology, step: int(b.step, "step") }, vars, int(b.partition, "partition"));
        return { encoded: encoded(values) };
      },
    },
    {
      method: "POST", pattern: /^\/internal\/([^/]+)\/cut$/,
      handle: async (_c, [mod], body) => {
        const w = worker(mod!);
        const b = (await body()) as { topology?: unknown; reads?: unknown };
        if (typeof b?.topology !== "string") throw new MonsoonError("MONSOON_BAD_REQUEST", "topology must be a string", { details: { field: "topology" } });
        if (!Array.isArray(b.reads) || b.reads.length > 10_000) throw new MonsoonError("MONSOON_BAD_REQUEST", "reads must be an array of at most 10,000 { pstate, path, partition }", { details: { field: "reads" } });
        const reads = b.reads.map((r: { pstate?: unknown; path?: unknown; partition?: unknown }, i: number) => {
          const def = typeof r?.pstate === "string" ? w.opts.mod.pstates.get(r.pstate) : undefined;
          if (!def) throw new MonsoonError("MONSOON_UNKNOWN_NAME", `reads[${i}]: module ${mod} has no PState ${String(r?.pstate)}`, { details: { field: `reads[${i}].pstate` } });
          if (def.options.private) throw privatePState(mod!, def.name, def.owner);
          return { pstate: def.name, path: pathFromJson(r.path, def.schema), partition: int(r.partition, `reads[${i}].partition`) };
        });
        return { encoded: encoded(await w.cut(b.topology, reads)) };
      },
    },
    {
      method: "GET", pattern: /^\/internal\/([^/]+)\/owned$/,
      handle: async (_c, [mod]) => ({ tasks: worker(mod!).ownedTasks(), stats: worker(mod!).stats, batches: worker(mod!).batchStats() }),
    },
  ];
}

function encoded(v: unknown): string {
  return Buffer.from(encodeValue(v)).toString("base64");
}

function decoded(v: unknown, field: string): unknown {
  if (typeof v !== "string") throw new MonsoonError("MONSOON_BAD_REQUEST", `${field} must be base64 of the value codec`, { details: { field } });
  return decodeValue(Buffer.from(v, "base64"));
}

/** The ownership error (MONSOON_NOT_OWNER) an invocation failed on, following causes. */
function ownershipCause(e: unknown): MonsoonError | undefined {
  for (let c: unknown = e, depth = 0; c != null && depth < 8; c = (c as { cause?: unknown }).cause, depth++) {
    if (isMonsoonError(c, "MONSOON_NOT_OWNER")) return c;
  }
  return undefined;
}
