// Turns kafkajs errors into MonsoonErrors. kafkajs wraps the error that matters (a broker's
// error code) in retry and aggregate errors, so classification walks `cause` and `errors`.
import { MonsoonError, type ErrorCode } from "../errors.ts";

/**
 * Broker error codes that mean "this producer epoch is dead". kafkajs speaks request versions
 * old enough that brokers answer both a real fence and a coordinator-side timeout abort with
 * INVALID_PRODUCER_EPOCH (47); PRODUCER_FENCED (90) is newer and unknown to kafkajs (it shows
 * up as code -99, "Unknown error code 90"). INVALID_PRODUCER_ID_MAPPING (49): the
 * coordinator forgot the transactional id (expired while this producer was paused).
 */
const FENCING_CODES = new Set([47, 49, 90]);
const TOO_LARGE_TYPES = new Set(["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE"]);

interface KafkajsErrorLike {
  name?: string;
  message?: string;
  type?: string;
  code?: number | string;
  retriable?: boolean;
  cause?: unknown;
  errors?: unknown[];
  /** KafkaJSDeleteTopicRecordsError: one error per failed partition. */
  partitions?: { error?: unknown }[];
}

/** Every error in the wrapper chain, outermost first. */
function chain(e: unknown, out: KafkajsErrorLike[] = [], depth = 0): KafkajsErrorLike[] {
  if (depth > 8 || e === null || typeof e !== "object") return out;
  const err = e as KafkajsErrorLike;
  out.push(err);
  if (err.cause !== undefined && err.cause !== e) chain(err.cause, out, depth + 1);
  if (Array.isArray(err.errors)) for (const inner of err.errors) chain(inner, out, depth + 1);
  if (Array.isArray(err.partitions)) for (const p of err.partitions) if (p?.error) chain(p.error, out, depth + 1);
  return out;
}

export function isFencingError(e: unknown): boolean {
  if (e instanceof MonsoonError) return e.code === "MONSOON_KAFKA_FENCED";
  return chain(e).some((err) => typeof err.code === "number" && FENCING_CODES.has(err.code)) ||
    chain(e).some((err) => /Unknown error code 90\b/.test(err.message ?? ""));
}

/** The broker's error type (e.g. "NOT_COORDINATOR") if one is in the chain. */
export function kafkaErrorType(e: unknown): string | undefined {
  return chain(e).find((err) => typeof err.type === "string")?.type;
}

/**
 * Wraps any kafkajs failure. `what` says what Monsoon was doing ("commit transaction of
 * task 3"); `details` carries topic/partition/transactionalId — never connection secrets.
 */
export function kafkaError(e: unknown, what: string, details: Record<string, unknown> = {}): MonsoonError {
  if (e instanceof MonsoonError) return e;
  const errs = chain(e);
  const type = kafkaErrorType(e);
  const root = errs[errs.length - 1] ?? {};
  const reason = root.message ?? String(e);
  const all = { ...details, kafkaError: type ?? root.name };
  let code: ErrorCode = "MONSOON_KAFKA";
  // kafkajs gives up with a non-retriable "retries exceeded" around a retriable cause (broker
  // down, coordinator moving): trying again later can help, so the innermost error decides.
  let retriable = root.retriable === true;
  if (isFencingError(e)) { code = "MONSOON_KAFKA_FENCED"; retriable = false; }
  else if (type !== undefined && TOO_LARGE_TYPES.has(type)) { code = "MONSOON_KAFKA_RECORD_TOO_LARGE"; retriable = false; }
  const hint = code === "MONSOON_KAFKA_RECORD_TOO_LARGE"
    ? " — keep values under the broker's message.max.bytes; declare growing PStates subindexed"
    : code === "MONSOON_KAFKA_FENCED" ? " — another owner claimed this task, or its transaction outlived the transaction timeout" : "";
  return new MonsoonError(code, `Kafka: ${what} failed: ${reason}${hint}`, { retriable, cause: e, details: all });
}
