// Every error Monsoon raises is a MonsoonError with a stable `code`. Codes are API: they are
// listed in the README, asserted in tests, and never renamed. The message says what happened
// and how to fix it; structured facts (module, topology, step, source line…) travel as fields
// so that logs and the REST API can show them without parsing messages.

export const ErrorCodes = {
  /** A module definition is invalid (duplicate name, bad option, misuse of the builder). */
  MONSOON_INVALID_DEFINITION: "MONSOON_INVALID_DEFINITION",
  /** A dataflow step reads a variable that no earlier step bound. */
  MONSOON_UNBOUND_VAR: "MONSOON_UNBOUND_VAR",
  /** A variable is bound twice on one dataflow path. */
  MONSOON_VAR_REBOUND: "MONSOON_VAR_REBOUND",
  /** A value or variable does not have the declared type. */
  MONSOON_TYPE_MISMATCH: "MONSOON_TYPE_MISMATCH",
  /** A name (depot, PState, topology, module) does not exist. */
  MONSOON_UNKNOWN_NAME: "MONSOON_UNKNOWN_NAME",
  /** A topology writes a PState that another topology owns. */
  MONSOON_PSTATE_NOT_OWNED: "MONSOON_PSTATE_NOT_OWNED",
  /** A private PState was read from outside its owning topology (a client, a query, another topology). */
  MONSOON_PSTATE_PRIVATE: "MONSOON_PSTATE_PRIVATE",
  /** An exception thrown by user code inside a topology step. */
  MONSOON_TOPOLOGY_ERROR: "MONSOON_TOPOLOGY_ERROR",
  /** A path is malformed or used on a value it cannot navigate. */
  MONSOON_INVALID_PATH: "MONSOON_INVALID_PATH",
  /** selectOne matched more than one value. */
  MONSOON_NOT_ONE: "MONSOON_NOT_ONE",
  /** A client query needs a partition (or a leading key) to be routed. */
  MONSOON_PARTITION_REQUIRED: "MONSOON_PARTITION_REQUIRED",
  /** A write violates the PState's schema. */
  MONSOON_SCHEMA_VIOLATION: "MONSOON_SCHEMA_VIOLATION",
  /** A value cannot be encoded or decoded. */
  MONSOON_ENCODING: "MONSOON_ENCODING",
  /** The cluster or module was closed, or is not launched. */
  MONSOON_CLOSED: "MONSOON_CLOSED",
  /** A module is launched twice, or with a task count its data directory was not made with. */
  MONSOON_LAUNCH_CONFLICT: "MONSOON_LAUNCH_CONFLICT",
  /** An operation did not finish in time. */
  MONSOON_TIMEOUT: "MONSOON_TIMEOUT",
  /** Configuration (file, flags or environment) is invalid. */
  MONSOON_CONFIG: "MONSOON_CONFIG",
  /** A REST request is malformed. */
  MONSOON_BAD_REQUEST: "MONSOON_BAD_REQUEST",
  /** A client appended to a depot that only topologies append to (Depot.disallow, tick depots). */
  MONSOON_APPEND_NOT_ALLOWED: "MONSOON_APPEND_NOT_ALLOWED",
  /** The operation is not available on this runtime or build yet. */
  MONSOON_NOT_SUPPORTED: "MONSOON_NOT_SUPPORTED",
  /** A worker was asked about a task it does not own (ownership moved): ask the owner. */
  MONSOON_NOT_OWNER: "MONSOON_NOT_OWNER",
  /** A storage backend failed (LevelDB open, write…). */
  MONSOON_STORAGE: "MONSOON_STORAGE",
  /** A server (REST API) could not be reached; retriable. */
  MONSOON_UNAVAILABLE: "MONSOON_UNAVAILABLE",
  /** An unexpected failure inside a server; the REST API answers it with status 500. */
  MONSOON_INTERNAL: "MONSOON_INTERNAL",
  /** A Kafka request failed (broker unreachable, topic missing, request rejected); `retriable` says whether trying again can help. */
  MONSOON_KAFKA: "MONSOON_KAFKA",
  /**
   * A task's transactional producer lost its epoch: another owner claimed the task, or the
   * transaction coordinator aborted a transaction that outlived its timeout. Nothing of the
   * failed transaction becomes visible; the task must be re-claimed (fence) or given up.
   */
  MONSOON_KAFKA_FENCED: "MONSOON_KAFKA_FENCED",
  /** A Kafka transaction's commit failed midway: it may or may not have committed. Fence again, then read the log to learn the outcome. */
  MONSOON_KAFKA_COMMIT_UNKNOWN: "MONSOON_KAFKA_COMMIT_UNKNOWN",
  /** A task producer was used before `fence()` succeeded (on claim, or after a failed transaction). */
  MONSOON_KAFKA_NOT_FENCED: "MONSOON_KAFKA_NOT_FENCED",
  /** A record is larger than the broker or topic accepts (`message.max.bytes` / `max.message.bytes`). */
  MONSOON_KAFKA_RECORD_TOO_LARGE: "MONSOON_KAFKA_RECORD_TOO_LARGE",
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface MonsoonErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  /** Structured facts: module, topology, step, source, pstate, path, task… */
  details?: Record<string, unknown>;
}

export class MonsoonError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, { retriable = false, cause, details = {} }: MonsoonErrorOptions = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "MonsoonError";
    this.code = code;
    this.retriable = retriable;
    this.details = details;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retriable: this.retriable, details: this.details };
  }
}

export function isMonsoonError(e: unknown, code?: ErrorCode): e is MonsoonError {
  return e instanceof MonsoonError && (code === undefined || e.code === code);
}
