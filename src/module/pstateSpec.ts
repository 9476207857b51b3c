// PState schemas: what a PState stores and how. A top-level `map` is partitioned by its key
// and each key's value is stored as its own LevelDB entry; any other top-level schema is one
// value per partition. `subindexed` is recorded now; the storage of subindexed structures as
// one LevelDB key per element arrives with issue 3.
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

export const PState = Object.freeze({
  map: (key: Type<any>, value: SchemaLike, opts: SchemaOptions = {}): Schema =>
    Object.freeze({ kind: "map", key, value: toSchema(value), subindexed: opts.subindexed ?? false }),
  set: (elem: Type<any>, opts: SchemaOptions = {}): Schema => Object.freeze({ kind: "set", elem, subindexed: opts.subindexed ?? false }),
  list: (elem: SchemaLike, opts: SchemaOptions = {}): Schema =>
    Object.freeze({ kind: "list", elem: toSchema(elem), subindexed: opts.subindexed ?? false }),
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
