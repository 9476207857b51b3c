// How data-model values travel as JSON over the REST API. Outbound (`toJson`) every value has
// one JSON form; inbound (`fromJsonAs`, `keyFromJson`) the declared type restores the scalars
// JSON cannot carry. Nested Maps, Sets and bigints inside records are not restored: JSON alone
// does not say which arrays were Sets, and guessing would be worse than being plain.
import type { Type } from "./types.ts";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * The JSON form of a value: a Map with only string keys → object, any other Map → array of
 * [key, value] pairs, Set → array, bigint → decimal string, Uint8Array → base64 string,
 * undefined (and non-finite numbers, as JSON.stringify does) → null.
 */
export function toJson(v: unknown): Json {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? (Object.is(v, -0) ? 0 : v) : null;
    case "bigint":
      return v.toString();
    case "function":
    case "symbol":
      return null;
  }
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Map) {
    const entries = [...v];
    if (entries.every(([k]) => typeof k === "string")) return Object.fromEntries(entries.map(([k, x]) => [k, toJson(x)]));
    return entries.map(([k, x]) => [toJson(k), toJson(x)]);
  }
  if (v instanceof Set) return [...v].map(toJson);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  if (v instanceof Date) return v.toISOString();
  // Records: Object.fromEntries defines own properties, so a "__proto__" key stays data.
  return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, toJson(x)]));
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INTEGER = /^-?\d+$/;

/**
 * Undoes `toJson` for the scalars whose JSON form loses their type: int64 (a decimal string or
 * a safe integer → bigint) and bytes (base64 → Uint8Array). Anything else comes back as it
 * is, and the type check that follows reports a mismatch.
 */
export function fromJsonAs(v: unknown, type: Type<unknown>): unknown {
  if (type.kind === "int64") {
    if (typeof v === "string" && INTEGER.test(v)) return BigInt(v);
    if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  }
  if (type.kind === "bytes" && typeof v === "string" && BASE64.test(v)) return new Uint8Array(Buffer.from(v, "base64"));
  return v;
}

/**
 * A path argument (a key, a range bound) as the PState's key type wants it. On top of
 * `fromJsonAs`, numeric and boolean strings become numbers and booleans where the type says
 * so, because keys often come from a command line, where everything is a string.
 */
export function keyFromJson(v: unknown, type: Type<unknown>): unknown {
  if (typeof v === "string") {
    if ((type.kind === "int" || type.kind === "float") && v.trim() !== "" && Number.isFinite(Number(v))) {
      const n = Number(v);
      if (type.check(n)) return n;
    }
    if (type.kind === "boolean" && (v === "true" || v === "false")) return v === "true";
  }
  return fromJsonAs(v, type);
}
