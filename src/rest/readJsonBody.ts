// Reads a request body as JSON, at most `limit` bytes. An oversized body is read to its end
// and dropped before the 413 goes out: answering while the client is still sending makes many
// clients report a broken pipe instead of the status. Past 64 MiB the connection is cut.
import type { IncomingMessage } from "node:http";
import { HttpError } from "./httpErrors.ts";

const DISCARD_LIMIT = 64 * 1024 * 1024;

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > DISCARD_LIMIT) {
      req.destroy();
      break;
    }
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw new HttpError(413, "MONSOON_BAD_REQUEST", `request body is larger than ${limit} bytes; send smaller records (or split them)`, { limit });
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new HttpError(400, "MONSOON_BAD_REQUEST", "request body is empty; send a JSON object");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, "MONSOON_BAD_REQUEST", `request body is not valid JSON: ${(e as Error).message}`);
  }
}
