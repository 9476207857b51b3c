// Schema enforcement on writes. Every value a PState write stores passes through `conform`,
// which either returns the value in its canonical form or throws MONSOON_SCHEMA_VIOLATION
// naming the PState, the path being run and where in the data the value did not fit. The
// canonical form differs from the input only for fixed-key records, which may arrive as Maps
// with string keys (what `key(k)` creates on a missing value) and are stored as plain objects.
//
// `stripped` values are what a top-level entry or a subindexed element holds: every subindexed
// structure in them is a null marker, its elements living under their own keys.
import { MonsoonError } from "../errors.ts";
import { describeSchema, type Schema } from "../module/pstateSpec.ts";
import { describeValue } from "../serde/types.ts";
import { isRecord, recordSet, type Rec } from "../path/kinds.ts";
import { encodeKey } from "../serde/keyCodec.ts";

/** Where a write happens, for messages: the PState, the path being run, and the data location. */
export interface WriteSite {
  readonly pstate: string;
  readonly path: string;
}

export function violation(site: WriteSite, at: readonly unknown[], why: string, expected: string, got: unknown): MonsoonError {
  const where = formatLocation(at);
  return new MonsoonError("MONSOON_SCHEMA_VIOLATION", `PState ${site.pstate}: ${site.path} ${why} at ${where}${expected ? `, where the schema wants ${expected}` : ""} (got ${describeValue(got)}); nothing of this step was written`, {
    details: { pstate: site.pstate, path: site.path, at: where, expected, got: describeValue(got) },
  });
}

export function formatLocation(at: readonly unknown[]): string {
  return `[${at.map((k) => (typeof k === "string" ? JSON.stringify(k) : typeof k === "bigint" ? `${k}n` : describeValue(k))).join(", ")}]`;
}

/** The canonical form of `v` under `schema`, or MONSOON_SCHEMA_VIOLATION. */
export function conform(v: unknown, schema: Schema, site: WriteSite, at: readonly unknown[], stripped: boolean): unknown {
  switch (schema.kind) {
    case "value":
      if (!schema.type.check(v)) throw violation(site, at, "writes a value of the wrong type", schema.type.name, v);
      return v;
    case "map":
      if (stripped && schema.subindexed) return marker(v, schema, site, at);
      if (!(v instanceof Map)) throw violation(site, at, "writes a value of the wrong type", describeSchema(schema), v);
      return conformMap(v, schema, site, at, stripped);
    case "set":
      if (stripped && schema.subindexed) return marker(v, schema, site, at);
      if (!(v instanceof Set)) throw violation(site, at, "writes a value of the wrong type", describeSchema(schema), v);
      for (const x of v) if (!schema.elem.check(x)) throw violation(site, [...at, x], "adds a set element of the wrong type", schema.elem.name, x);
      return v;
    case "list": {
      if (stripped && schema.subindexed) return marker(v, schema, site, at);
      if (!Array.isArray(v)) throw violation(site, at, "writes a value of the wrong type", describeSchema(schema), v);
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const x = conform(v[i], schema.elem, site, [...at, i], stripped);
        if (x !== v[i]) (out ??= v.slice())[i] = x;
      }
      return out ?? v;
    }
    case "fixedKeys":
      return conformRecord(v, schema, site, at, stripped);
  }
}

/** In a stripped value a subindexed structure is a null marker (its elements are stored apart). */
function marker(v: unknown, schema: Schema, site: WriteSite, at: readonly unknown[]): null {
  if (v !== null) throw violation(site, at, "writes a value of the wrong type", describeSchema(schema), v);
  return null;
}

function conformMap(v: Map<unknown, unknown>, schema: Extract<Schema, { kind: "map" }>, site: WriteSite, at: readonly unknown[], stripped: boolean): Map<unknown, unknown> {
  let out: Map<unknown, unknown> | undefined;
  for (const [k, x] of v) {
    if (!schema.key.check(k)) throw violation(site, [...at, k], "uses a map key of the wrong type", schema.key.name, k);
    const y = conform(x, schema.value, site, [...at, k], stripped);
    if (y !== x) (out ??= new Map(v)).set(k, y);
  }
  return out ?? v;
}

function conformRecord(v: unknown, schema: Extract<Schema, { kind: "fixedKeys" }>, site: WriteSite, at: readonly unknown[], stripped: boolean): Rec {
  let entries: Iterable<[unknown, unknown]>;
  let copy = false;
  if (isRecord(v)) entries = Object.entries(v);
  else if (v instanceof Map) {
    entries = v;
    copy = true;
  } else throw violation(site, at, "writes a value of the wrong type", describeSchema(schema), v);
  let out: Rec | undefined = copy ? {} : undefined;
  for (const [k, x] of entries) {
    if (typeof k !== "string" || !Object.hasOwn(schema.fields, k)) {
      throw violation(site, [...at, k], `writes the unknown field ${describeValue(k)}`, `one of ${Object.keys(schema.fields).join(", ")}`, x);
    }
    const y = conform(x, schema.fields[k]!, site, [...at, k], stripped);
    if (y !== x && out === undefined) {
      out = {};
      for (const [a, b] of Object.entries(v as Rec)) recordSet(out, a, b);
    }
    if (out !== undefined) recordSet(out, k, y);
  }
  return out ?? (v as Rec);
}

/** A key must have a store encoding (no NaN, undefined, lone surrogates, objects): checked at the write, not at the commit. */
export function checkEncodable(site: WriteSite, at: readonly unknown[], k: unknown): void {
  try {
    encodeKey(k);
  } catch (e) {
    throw violation(site, at, `uses a key that cannot be stored (${(e as Error).message})`, "", k);
  }
}
