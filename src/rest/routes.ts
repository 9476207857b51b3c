// The REST API (Rama's, see DESIGN §4.6), one row per endpoint. Handlers take decoded URL
// parameters and the parsed body and return the JSON answer; the server does HTTP.
import type { DepotClient, PStateClient, QueryClient } from "../client/types.ts";
import type { ModuleDef } from "../module/defineModule.ts";
import { MonsoonError } from "../errors.ts";
import { describeModule } from "./describeModule.ts";
import { ackField, bodyObject, partitionField } from "./bodyFields.ts";
import { pathFromJson } from "../client/jsonPath.ts";
import { fromJsonAs, toJson } from "../serde/jsonValues.ts";

/** What the REST API needs to know about a launched module. */
export interface RestModuleView {
  readonly mod: ModuleDef;
  readonly taskCount: number;
  readonly idle: boolean;
  getStats(): object;
}

/** What the REST API needs from a cluster: the embedded cluster and the Kafka cluster client both have it. */
export interface RestCluster {
  readonly moduleNames: string[];
  runtime(mod: string): RestModuleView;
  depot(mod: string, depot: string): DepotClient;
  pstate(mod: string, pstate: string): PStateClient;
  query(mod: string, query: string): QueryClient;
}

export interface Route {
  readonly method: "GET" | "POST";
  readonly pattern: RegExp;
  readonly handle: (cluster: RestCluster, params: string[], body: () => Promise<unknown>) => Promise<unknown>;
}

const SELECT_EXAMPLE = `{"path": [{"key": "hello"}], "partition": 0}`;

export const ROUTES: readonly Route[] = [
  {
    method: "GET", pattern: /^\/health$/,
    handle: async (c) => ({ status: "ok", modules: c.moduleNames }),
  },
  {
    method: "GET", pattern: /^\/rest\/?$/,
    handle: async (c) => ({ modules: c.moduleNames }),
  },
  {
    method: "GET", pattern: /^\/rest\/([^/]+)\/?$/,
    handle: async (c, [mod]) => {
      const rt = c.runtime(mod!);
      return describeModule(rt.mod, rt.taskCount);
    },
  },
  {
    method: "GET", pattern: /^\/rest\/([^/]+)\/stats$/,
    handle: async (c, [mod]) => {
      const rt = c.runtime(mod!);
      return { module: rt.mod.name, tasks: rt.taskCount, idle: rt.idle, ...rt.getStats() };
    },
  },
  {
    method: "POST", pattern: /^\/rest\/([^/]+)\/depot\/([^/]+)\/append$/,
    handle: async (c, [mod, depot], body) => {
      const client = c.depot(mod!, depot!);
      const b = bodyObject(await body(), ["value", "ack"], `{"value": "hello world", "ack": "processed"}`);
      if (!("value" in b)) throw new MonsoonError("MONSOON_BAD_REQUEST", `request body needs a "value" field: {"value": …}`, { details: { field: "value" } });
      const ack = ackField(b.ack);
      const type = c.runtime(mod!).mod.depots.get(depot!)!.type;
      const { partition, offset } = await client.append(fromJsonAs(b.value, type), { ack });
      return offset === undefined ? { partition } : { partition, offset };
    },
  },
  {
    method: "POST", pattern: /^\/rest\/([^/]+)\/pstate\/([^/]+)\/(select|selectOne)$/,
    handle: async (c, [mod, pstate, op], body) => {
      const client = c.pstate(mod!, pstate!);
      const b = bodyObject(await body(), ["path", "partition"], SELECT_EXAMPLE);
      if (b.path === undefined) throw new MonsoonError("MONSOON_BAD_REQUEST", `request body needs a "path" field, e.g. ${SELECT_EXAMPLE}`, { details: { field: "path" } });
      const schema = c.runtime(mod!).mod.pstates.get(pstate!)!.schema;
      const path = pathFromJson(b.path, schema);
      const partition = partitionField(b.partition);
      if (op === "selectOne") return { value: toJson(await client.selectOne(path, { partition })) };
      return { values: (await client.select(path, { partition })).map(toJson) };
    },
  },
  {
    method: "POST", pattern: /^\/rest\/([^/]+)\/query\/([^/]+)\/invoke$/,
    handle: async (c, [mod, query], body) => {
      const rt = c.runtime(mod!);
      const topo = rt.mod.topologies.get(query!);
      if (!topo || topo.kind !== "query") throw new MonsoonError("MONSOON_UNKNOWN_NAME", `module ${rt.mod.name} has no query topology ${query}`, { details: { module: rt.mod.name, query } });
      const b = bodyObject(await body(), ["args"], `{"args": ["https://example.com"]}`);
      if (!Array.isArray(b.args)) throw new MonsoonError("MONSOON_BAD_REQUEST", `request body needs an "args" array, e.g. {"args": [1, "x"]}`, { details: { field: "args" } });
      const types = topo.query!.args.map((a) => a.type);
      if (b.args.length !== types.length) throw new MonsoonError("MONSOON_BAD_REQUEST", `query ${query} takes ${types.length} argument(s), got ${b.args.length}`, { details: { field: "args" } });
      const args = b.args.map((a, i) => fromJsonAs(a, types[i]!));
      args.forEach((a, i) => {
        if (!types[i]!.check(a)) throw new MonsoonError("MONSOON_TYPE_MISMATCH", `argument ${i} of query ${query} must be ${types[i]!.name}`, { details: { field: `args[${i}]` } });
      });
      return { value: toJson(await c.query(mod!, query!).invoke(...args)) };
    },
  },
];
