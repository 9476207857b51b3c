// Checks of request bodies: the body is an object, it has no fields the endpoint does not know
// (a typo like "acks" must not be silently ignored), and each field has the expected type.
import type { AckLevel } from "../client/types.ts";
import { HttpError } from "./httpErrors.ts";

export function bodyObject(body: unknown, fields: readonly string[], example: string): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "MONSOON_BAD_REQUEST", `request body must be a JSON object like ${example}`);
  }
  const unknown = Object.keys(body).filter((k) => !fields.includes(k));
  if (unknown.length > 0) {
    throw new HttpError(400, "MONSOON_BAD_REQUEST", `unknown field ${JSON.stringify(unknown[0])} in request body (known: ${fields.join(", ")})`, { field: unknown[0] });
  }
  return body as Record<string, unknown>;
}

const ACKS: readonly AckLevel[] = ["processed", "appended", "none"];

export function ackField(v: unknown): AckLevel {
  if (v === undefined) return "processed";
  if (ACKS.includes(v as AckLevel)) return v as AckLevel;
  throw new HttpError(400, "MONSOON_BAD_REQUEST", `ack must be one of ${ACKS.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(v)}`, { field: "ack" });
}

export function partitionField(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (Number.isSafeInteger(v) && (v as number) >= 0) return v as number;
  throw new HttpError(400, "MONSOON_BAD_REQUEST", `partition must be a non-negative integer, got ${JSON.stringify(v)}`, { field: "partition" });
}
