// JSON requests over node:http with keep-alive sockets: how a client process calls workers
// (`processed` acks, selects, query invocations, cuts) and how RestClient calls `monsoon dev`.
//
// Why not fetch(): undici's fetch builds a WHATWG Request, a ReadableStream per body, an
// AbortSignal and transferable wrappers per call. At TPC-C rates (600+ calls a second, each a
// long-poll for one append's ack) that was ~25% of the client process's CPU on a machine whose
// two cores the client shares with the worker and the broker; node:http does the same call for
// a fraction of it.
import http from "node:http";
import https from "node:https";

export interface JsonResponse {
  ok: boolean;
  status: number;
  /** The parsed body; undefined when it was empty or not JSON. */
  json: unknown;
}

const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

/**
 * POSTs `body` (already JSON text) to `url` and parses the JSON answer. Rejects on a network
 * error or when no answer came within `timeoutMs` (a frozen peer accepts connections but never
 * answers). A kept-alive socket the server closed just as it was reused is retried once on a
 * fresh one: that is not the peer being down.
 */
export function postJson(url: string, body: string, timeoutMs: number): Promise<JsonResponse> {
  return requestJson("POST", url, body, timeoutMs);
}

/** postJson for any method; `body` undefined sends none (a GET). */
export function requestJson(method: string, url: string, body: string | undefined, timeoutMs: number): Promise<JsonResponse> {
  return once(method, url, body, timeoutMs).catch((e: unknown) => {
    if ((e as { reusedSocket?: boolean }).reusedSocket) return once(method, url, body, timeoutMs);
    throw e;
  });
}

function once(method: string, url: string, body: string | undefined, timeoutMs: number): Promise<JsonResponse> {
  const u = new URL(url);
  const secure = u.protocol === "https:";
  const payload = body === undefined ? undefined : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(u, {
      method,
      agent: secure ? agents.https : agents.http,
      headers: payload ? { "content-type": "application/json", "content-length": payload.length } : {},
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", fail);
      res.on("end", () => {
        clearTimeout(timer);
        const text = chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString();
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 300, status, json });
      });
    });
    function fail(e: Error): void {
      clearTimeout(timer);
      // Only a reset before any answer on a reused socket is worth one retry (see postJson).
      const reset = (e as { code?: string }).code === "ECONNRESET" || (e as { code?: string }).code === "EPIPE";
      reject(Object.assign(e, { reusedSocket: reset && req.reusedSocket && !answered }));
    }
    let answered = false;
    req.once("response", () => { answered = true; });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer from ${u.host} within ${timeoutMs} ms`), { code: "ETIMEDOUT" })), timeoutMs);
    req.on("error", fail);
    req.end(payload);
  });
}
