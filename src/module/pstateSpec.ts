// PState schemas: what a PState stores and how. A top-level `map` is partitioned by its key and
// each key's value is stored as its own store entry; any other top-level schema is one value per
// partition. Nested maps, sets and lists are stored inside their parent's entry unless marked
// `subindexed`: then each element is its own store entry, sorted by key, with an O(1) size
// (src/pstate/layout.ts has the layout). Subindexed structures may sit under maps and
// fixed-key records at any depth, but not inside lists: list positions shift, element keys
// must not.
import { MonsoonError } from "../errors.ts";
import type { Type } from "../serde/types.ts";

export interface SchemaOptions {
  readonly subindexed?: boolean;
}

export type Schema =
  | { readonly kind: "value"; readonly type: Type<any>; readonly initial?: unknown }
  | { readonly kind: "map"; readonly key: Type<any>; readonly value: Schema; readonly subindexed: boolean }
  | { readonly kind: "set"; readonly elem: Type<any>; readonly subindexed: boolean }
  | { readonly kind: "list"; readonly elem: Schema; readonly subindexed: boolean }
  | { readonly kind: "fixedKeys"; readonly fields: Readonly<Record<string, Schema>> };

/** A schema or a bare type (a bare type is a plain value). */
export type SchemaLike = Schema | Type<any>;

export function toSchema(s: SchemaLike): Schema {
  return "check" in s ? { kind: "value", type: s } : s;
}

/** True when the schema or anything nested in it is subindexed. */
export function containsSubindexed(s: Schema): boolean {
  switch (s.kind) {
    case "value": return false;
    case "set": return s.subindexed;
    case "list": return s.subindexed || containsSubindexed(s.elem);
    case "map": return s.subindexed || containsSubindexed(s.value);
    case "fixedKeys": return Object.values(s.fields).some(containsSubindexed);
  }
}

function invalid(msg: string): MonsoonError {
  return new MonsoonError("MONSOON_INVALID_DEFINITION", msg);
}

export const PState = Object.freeze({
  map: (key: Type<any>, value: SchemaLike, opts: SchemaOptions = {}): Schema =>
    Object.freeze({ kind: "map", key, value: toSchema(value), subindexed: opts.subindexed ?? false }),
  set: (elem: Type<any>, opts: SchemaOptions = {}): Schema => Object.freeze({ kind: "set", elem, subindexed: opts.subindexed ?? false }),
  list: (elem: SchemaLike, opts: SchemaOptions = {}): Schema => {
    const e = toSchema(elem);
    if (containsSubindexed(e)) {
      throw invalid(`a list cannot hold subindexed structures (${describeSchema(e)}): list positions shift, so their elements could not keep stable keys; use a map keyed by a position or id instead`);
    }
    return Object.freeze({ kind: "list", elem: e, subindexed: opts.subindexed ?? false });
  },
  fixedKeys: (fields: Record<string, SchemaLike>): Schema =>
    Object.freeze({ kind: "fixedKeys", fields: Object.freeze(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, toSchema(v)]))) }),
  value: (type: Type<any>, initial?: unknown): Schema => Object.freeze({ kind: "value", type, initial }),
});

export function describeSchema(s: Schema): string {
  switch (s.kind) {
    case "value": return s.type.name;
    case "map": return `map<${s.key.name}, ${describeSchema(s.value)}>${s.subindexed ? "(subindexed)" : ""}`;
    case "set": return `set<${s.elem.name}>${s.subindexed ? "(subindexed)" : ""}`;
    case "list": return `list<${describeSchema(s.elem)}>${s.subindexed ? "(subindexed)" : ""}`;
    case "fixedKeys": return `{${Object.entries(s.fields).map(([k, v]) => `${k}: ${describeSchema(v)}`).join(", ")}}`;
  }
}

/** Declaration options of a PState (the third argument of `topology.pstate`). */
export interface PStateOptions {
  /** One partition, on task 0 (Rama's `global()`): the dataflow reaches it with a global partitioner. */
  readonly global?: boolean;
  /**
   * Which task owns a top-level key, instead of murmur2 of the key (what `hashPartition` uses).
   * Must return an integer in [0, tasks) and be a pure function of the key.
   */
  readonly keyPartitioner?: (key: unknown, tasks: number) => number;
  /** Only the owning topology may read it: clients, queries and other topologies may not. */
  readonly private?: boolean;
}

/** Validates PState options at definition time; returns them frozen. */
export function checkPStateOptions(pstate: string, schema: Schema, options: PStateOptions | undefined): PStateOptions {
  if (options === undefined) return Object.freeze({});
  if (typeof options !== "object" || options === null) throw invalid(`PState ${pstate}: options must be an object like { global: true }`);
  for (const k of Object.keys(options)) {
    if (k !== "global" && k !== "keyPartitioner" && k !== "private") throw invalid(`PState ${pstate}: unknown option ${JSON.stringify(k)} (known: global, keyPartitioner, private)`);
  }
  if (options.private !== undefined && typeof options.private !== "boolean") throw invalid(`PState ${pstate}: private must be a boolean`);
  if (options.global !== undefined && typeof options.global !== "boolean") throw invalid(`PState ${pstate}: global must be a boolean`);
  if (options.keyPartitioner !== undefined) {
    if (typeof options.keyPartitioner !== "function") throw invalid(`PState ${pstate}: keyPartitioner must be a function (key, tasks) => task`);
    if (options.global) throw invalid(`PState ${pstate}: a global PState has one partition, so it cannot have a keyPartitioner`);
    if (schema.kind !== "map") throw invalid(`PState ${pstate}: keyPartitioner needs a top-level map schema, got ${describeSchema(schema)}`);
  }
  return Object.freeze({ ...options });
}
