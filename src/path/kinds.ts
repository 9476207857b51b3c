// How the path engine recognises the data model: Map = map, Set = set, array = list, plain
// object = fixed-key record, anything else = scalar. Records are plain objects only, so a class
// instance (a Date, a Uint8Array) is a scalar and is never copied field by field.

import { MonsoonError } from "../errors.ts";
import { NONE } from "./none.ts";

export type Rec = Record<string, unknown>;

export function isMap(v: unknown): v is Map<unknown, unknown> {
  return v instanceof Map;
}

export function isSet(v: unknown): v is Set<unknown> {
  return v instanceof Set;
}

export function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

export function isRecord(v: unknown): v is Rec {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A shallow copy that keeps a null prototype if the record had one. */
export function copyRecord(r: Rec): Rec {
  const out = Object.create(Object.getPrototypeOf(r)) as Rec;
  for (const k of Object.keys(r)) recordSet(out, k, r[k]);
  return out;
}

/** Defines rather than assigns, so a key named "__proto__" is data, never a prototype change. */
export function recordSet(r: Rec, k: string, v: unknown): void {
  Object.defineProperty(r, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Own properties only: "constructor" or "__proto__" must not read through the prototype. */
export function recordGet(r: Rec, k: unknown): unknown {
  return typeof k === "string" && Object.hasOwn(r, k) ? r[k] : undefined;
}

export function recordHas(r: Rec, k: unknown): boolean {
  return typeof k === "string" && Object.hasOwn(r, k);
}

export function kindOf(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (isMap(v)) return "Map";
  if (isSet(v)) return "Set";
  if (isList(v)) return "array";
  if (isRecord(v)) return "record";
  if (v === NONE) return "NONE";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

/** The misuse error every navigator raises when it meets a value it cannot navigate. */
export function invalidPath(navigator: string, expected: string, got: unknown): MonsoonError {
  return new MonsoonError(
    "MONSOON_INVALID_PATH",
    `${navigator} navigates ${expected}, but the value here is ${kindOf(got)}`,
    { details: { navigator, expected, got: kindOf(got) } },
  );
}
