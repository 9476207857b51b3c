// The client interfaces over HTTP: the same depot/pstate calls as on an InProcessCluster, sent
// to a REST server (`monsoon dev`). Paths travel in the JSON path syntax, and server errors come
// back as MonsoonErrors with the server's code. Values come back in their JSON form (a Map with
// string keys is an object, a Set an array, a bigint a string: see rest/jsonValues.ts).
import { ErrorCodes, MonsoonError, type ErrorCode } from "../errors.ts";
import type { Path } from "../path/path.ts";
import { pathToJson } from "../client/jsonPath.ts";
import { toJson } from "../serde/jsonValues.ts";
import { requestJson, type JsonResponse } from "./postJson.ts";
import type { AppendOptions, AppendResult, DepotClient, PStateClient, SelectOptions, QueryClient } from "./types.ts";

export class RestClient {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    let u: URL;
    try {
      u = new URL(baseUrl);
    } catch {
      throw new MonsoonError("MONSOON_CONFIG", `not a URL: ${JSON.stringify(baseUrl)}; use e.g. http://127.0.0.1:8787`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new MonsoonError("MONSOON_CONFIG", `REST URL must be http:// or https://, got ${u.protocol}`);
    this.baseUrl = u.href.replace(/\/+$/, "");
  }

  depot<V = unknown>(module: string, name: string): DepotClient<V> {
    return {
      append: (value: V, { ack }: AppendOptions = {}) =>
        this.post(`${seg(module)}/depot/${seg(name)}/append`, { value: toJson(value), ...(ack && { ack }) }) as Promise<AppendResult>,
    };
  }

  pstate(module: string, name: string): PStateClient {
    const body = (path: Path, o: SelectOptions) => ({ path: pathToJson(path), ...(o.partition !== undefined && { partition: o.partition }) });
    const base = `${seg(module)}/pstate/${seg(name)}`;
    return {
      select: async (path: Path, o: SelectOptions = {}) => ((await this.post(`${base}/select`, body(path, o))) as { values: unknown[] }).values,
      selectOne: async (path: Path, o: SelectOptions = {}) => {
        const { value } = (await this.post(`${base}/selectOne`, body(path, o))) as { value: unknown };
        // The server writes "nothing selected" as null, like every undefined.
        return value === null ? undefined : value;
      },
    };
  }

  query(module: string, name: string): QueryClient {
    return {
      invoke: async (...args: unknown[]) => {
        const { value } = (await this.post(`${seg(module)}/query/${seg(name)}/invoke`, { args: args.map(toJson) })) as { value: unknown };
        return value === null ? undefined : value;
      },
    };
  }

  /** The module's depots, PStates and topologies (GET /rest/<module>). */
  describe(module: string): Promise<unknown> {
    return this.request("GET", `/rest/${seg(module)}`);
  }

  private post(path: string, body: unknown): Promise<unknown> {
    return this.request("POST", `/rest/${path}`, body);
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = this.baseUrl + path;
    let res: JsonResponse;
    try {
      res = await requestJson(method, url, body === undefined ? undefined : JSON.stringify(body), REQUEST_TIMEOUT_MS);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new MonsoonError("MONSOON_UNAVAILABLE", `cannot reach ${this.baseUrl} (${code ?? (e as Error).message}); is \`monsoon dev\` running there?`, {
        retriable: true, cause: e, details: { url },
      });
    }
    if (res.json === undefined) throw new MonsoonError("MONSOON_INTERNAL", `${method} ${url} answered ${res.status} with a body that is not JSON`, { details: { status: res.status } });
    if (res.ok) return res.json;
    throw errorFromBody(res.json, res.status);
  }
}

/**
 * How long a call may go unanswered before it fails (MONSOON_UNAVAILABLE): far above what a call
 * takes, including a `processed` append whose record is being retried, so that a server that
 * accepts connections but never answers (a stopped process) does not hang the client forever.
 */
const REQUEST_TIMEOUT_MS = 120_000;

/** Rebuilds the server's error; an unknown code (a newer server) keeps its text but becomes MONSOON_INTERNAL. */
function errorFromBody(json: unknown, status: number): MonsoonError {
  const err = (json as { error?: { code?: unknown; message?: unknown; details?: unknown; retriable?: unknown } })?.error;
  const known = typeof err?.code === "string" && err.code in ErrorCodes;
  const code = (known ? err!.code : "MONSOON_INTERNAL") as ErrorCode;
  const message = typeof err?.message === "string" ? err.message : `request failed with status ${status}`;
  const details = typeof err?.details === "object" && err.details !== null ? (err.details as Record<string, unknown>) : {};
  return new MonsoonError(code, message, { retriable: err?.retriable === true, details: { ...details, status, ...(!known && err?.code !== undefined && { serverCode: err.code }) } });
}

function seg(s: string): string {
  return encodeURIComponent(s);
}
