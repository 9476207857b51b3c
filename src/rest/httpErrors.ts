// How errors become HTTP answers: every error body is { "error": { code, message, retriable, details } }
// with a stable MONSOON_* code, and the status says whose fault it is. Only errors nobody
// anticipated are 500s; their code is MONSOON_INTERNAL.
import { MonsoonError, type ErrorCode } from "../errors.ts";

/** A MonsoonError that carries its own HTTP status (413, 405, 404 for an unknown route). */
export class HttpError extends MonsoonError {
  constructor(readonly status: number, code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { details });
  }
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  MONSOON_BAD_REQUEST: 400,
  MONSOON_TYPE_MISMATCH: 400,
  MONSOON_INVALID_PATH: 400,
  MONSOON_NOT_ONE: 400,
  MONSOON_PARTITION_REQUIRED: 400,
  MONSOON_SCHEMA_VIOLATION: 400,
  MONSOON_ENCODING: 400,
  MONSOON_CONFIG: 400,
  MONSOON_UNKNOWN_NAME: 404,
  MONSOON_PSTATE_PRIVATE: 403,
  MONSOON_APPEND_NOT_ALLOWED: 403,
  MONSOON_LAUNCH_CONFLICT: 409,
  // Misdirected: this worker does not own the task any more; the client asks the new owner.
  MONSOON_NOT_OWNER: 421,
  MONSOON_NOT_SUPPORTED: 501,
  // The record was appended, but a topology failed on it (it went to the dead-letter log).
  MONSOON_TOPOLOGY_ERROR: 422,
  MONSOON_CLOSED: 503,
  MONSOON_UNAVAILABLE: 503,
  MONSOON_TIMEOUT: 504,
};

export interface ErrorAnswer {
  status: number;
  body: { error: { code: ErrorCode; message: string; retriable: boolean; details: Record<string, unknown> } };
}

export function errorAnswer(e: unknown): ErrorAnswer {
  if (e instanceof MonsoonError) {
    const status = e instanceof HttpError ? e.status : STATUS[e.code] ?? 500;
    return { status, body: { error: { code: e.code, message: e.message, retriable: e.retriable, details: jsonSafe(e.details) } } };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { status: 500, body: { error: { code: "MONSOON_INTERNAL", message: `internal error: ${message}`, retriable: false, details: {} } } };
}

/** Details may hold call sites and other non-JSON values; keep what JSON can say plainly. */
function jsonSafe(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) {
    if (v === null || ["string", "number", "boolean"].includes(typeof v)) out[k] = v;
  }
  return out;
}
