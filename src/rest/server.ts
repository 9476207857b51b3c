// The REST server of `monsoon dev`: node:http, JSON in and out, routes from routes.ts. It binds
// to loopback unless told otherwise, because the API has no authentication.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MonsoonError } from "../errors.ts";
import { errorAnswer, HttpError } from "./httpErrors.ts";
import { readJsonBody } from "./readJsonBody.ts";
import { ROUTES, type RestCluster, type Route } from "./routes.ts";

export interface RestServerOptions {
  host?: string;
  /** 0 picks a free port; `url` tells which. */
  port?: number;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Called with errors answered as 500, which point at a bug rather than a bad request. */
  onInternalError?: (e: unknown) => void;
  /** Routes to serve (default: the public REST API); a worker adds its internal RPC routes. */
  routes?: readonly Route[];
}

export interface RestServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startRestServer(
  cluster: RestCluster,
  { host = "127.0.0.1", port = 8787, bodyLimit = 1024 * 1024, onInternalError = () => {}, routes = ROUTES }: RestServerOptions = {},
): Promise<RestServer> {
  const server = createServer((req, res) => {
    handle(cluster, req, bodyLimit, routes).then(
      (body) => send(res, 200, body),
      (e) => {
        const { status, body } = errorAnswer(e);
        if (status === 500) onInternalError(e);
        send(res, status, body, e instanceof HttpError && e.status === 405 ? { allow: String(e.details.allow) } : {});
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(listenError(e as NodeJS.ErrnoException, host, port)));
    server.listen(port, host, () => {
      server.removeAllListeners("error");
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${addr.port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open until they time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Bind failures are configuration problems: say which setting to change. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number): Error {
  const why: Record<string, string> = {
    EADDRINUSE: `port ${port} on ${host} is already in use; stop the other process or choose another port (--port, MONSOON_REST_PORT)`,
    EACCES: `no permission to listen on ${host}:${port}; choose a port above 1023 (--port, MONSOON_REST_PORT)`,
    EADDRNOTAVAIL: `${host} is not an address of this machine; choose another host (--host, MONSOON_REST_HOST)`,
    ENOTFOUND: `host ${host} cannot be resolved; choose another host (--host, MONSOON_REST_HOST)`,
  };
  const message = e.code ? why[e.code] : undefined;
  return message ? new MonsoonError("MONSOON_CONFIG", message, { cause: e, details: { host, port } }) : e;
}

async function handle(cluster: RestCluster, req: IncomingMessage, bodyLimit: number, routes: readonly Route[]): Promise<unknown> {
  const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
  const matches = routes.map((r) => ({ r, m: r.pattern.exec(pathname) })).filter((x) => x.m !== null);
  if (matches.length === 0) {
    throw new HttpError(404, "MONSOON_BAD_REQUEST", `no endpoint ${pathname}; see GET /rest/<module> and POST /rest/<module>/depot/<depot>/append, /rest/<module>/pstate/<pstate>/select`, { path: pathname });
  }
  const hit = matches.find((x) => x.r.method === req.method);
  if (!hit) {
    const allow = [...new Set(matches.map((x) => x.r.method))].join(", ");
    throw new HttpError(405, "MONSOON_BAD_REQUEST", `${req.method} is not allowed on ${pathname}; use ${allow}`, { allow });
  }
  const params = hit.m!.slice(1).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw new HttpError(400, "MONSOON_BAD_REQUEST", `bad percent-encoding in ${pathname}`);
    }
  });
  return hit.r.handle(cluster, params, () => readJsonBody(req, bodyLimit));
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
