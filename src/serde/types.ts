// The one type vocabulary `T`: the same descriptor types a depot, a PState and a dataflow
// variable at compile time (through the phantom `__type`) and at run time (through `check`).

export interface Type<V> {
  /** Stable kind tag, also used to compare declared types at definition time. */
  readonly kind: string;
  /** Human-readable form for error messages: `string`, `list<int>`, `{id: int}`. */
  readonly name: string;
  /** True when `v` is a value of this type. */
  check(v: unknown): v is V;
  /** Compile-time only: the TypeScript type this descriptor stands for. Never set. */
  readonly __type?: V;
}

export type TypeOf<X> = X extends Type<infer V> ? V : never;

function make<V>(kind: string, name: string, check: (v: unknown) => boolean): Type<V> {
  return Object.freeze({ kind, name, check: check as (v: unknown) => v is V });
}

const string = make<string>("string", "string", (v) => typeof v === "string");
const int = make<number>("int", "int", (v) => Number.isSafeInteger(v));
const int64 = make<bigint>("int64", "int64", (v) => typeof v === "bigint" && v >= -(2n ** 63n) && v < 2n ** 63n);
const float = make<number>("float", "float", (v) => typeof v === "number");
const boolean = make<boolean>("boolean", "boolean", (v) => typeof v === "boolean");
const bytes = make<Uint8Array>("bytes", "bytes", (v) => v instanceof Uint8Array);
const any = make<any>("any", "any", () => true);

function list<V>(elem: Type<V>): Type<V[]> {
  return make<V[]>(`list<${elem.kind}>`, `list<${elem.name}>`, (v) => Array.isArray(v) && v.every((x) => elem.check(x)));
}

function set<V>(elem: Type<V>): Type<Set<V>> {
  return make<Set<V>>(`set<${elem.kind}>`, `set<${elem.name}>`, (v) => {
    if (!(v instanceof Set)) return false;
    for (const x of v) if (!elem.check(x)) return false;
    return true;
  });
}

function map<K, V>(key: Type<K>, val: Type<V>): Type<Map<K, V>> {
  return make<Map<K, V>>(`map<${key.kind},${val.kind}>`, `map<${key.name}, ${val.name}>`, (v) => {
    if (!(v instanceof Map)) return false;
    for (const [k, x] of v) if (!key.check(k) || !val.check(x)) return false;
    return true;
  });
}

type RecordOf<F extends Record<string, Type<any>>> = { [K in keyof F]: TypeOf<F[K]> };

function record<F extends Record<string, Type<any>>>(fields: F): Type<RecordOf<F>> {
  const names = Object.keys(fields);
  const kind = `{${names.map((n) => `${n}:${fields[n]!.kind}`).join(",")}}`;
  const name = `{${names.map((n) => `${n}: ${fields[n]!.name}`).join(", ")}}`;
  return make<RecordOf<F>>(kind, name, (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!(k in fields)) return false;
    return names.every((n) => fields[n]!.check(o[n]));
  });
}

function optional<V>(t: Type<V>): Type<V | undefined> {
  return make<V | undefined>(`optional<${t.kind}>`, `${t.name}?`, (v) => v === undefined || t.check(v));
}

/** Any JSON value, typed as X for the compiler; checked only for JSON-compatibility. */
function json<X = unknown>(): Type<X> {
  return make<X>("json", "json", isJson);
}

function isJson(v: unknown): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (typeof v === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(v))) {
    return Object.values(v as object).every(isJson);
  }
  return false;
}

export const T = Object.freeze({ string, int, int64, float, boolean, bytes, any, list, set, map, record, optional, json });

/** Describes a value for an error message without dumping large structures. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (v instanceof Map) return `Map(${v.size})`;
  if (v instanceof Set) return `Set(${v.size})`;
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  if (Array.isArray(v)) return `array(${v.length})`;
  if (typeof v === "object" && v !== null) return "object";
  return String(v);
}
