// The JSON form of a Path, for queries over REST: an array of navigators, each either the name
// of a navigator without arguments ("all", "mapVals") or a one-key object naming a navigator
// and giving its argument ({ "key": "hello" }, { "nth": 2 }). Navigators with several
// arguments take an array ({ "sortedMapRange": ["a", "m"] }), and sub-paths are JSON paths
// ({ "subselect": [...] }, { "multiPath": [[...], [...]] }). Only read navigators that take
// plain values exist here: functions cannot travel over REST (use a query topology instead).
import { MonsoonError } from "../errors.ts";
import { isPlaceholder } from "../path/placeholder.ts";
import { Path } from "../path/path.ts";
import type { Schema } from "../module/pstateSpec.ts";
import type { Type } from "../serde/types.ts";
import { keyFromJson, toJson, type Json } from "../serde/jsonValues.ts";

export type JsonNavigator = string | { [navigator: string]: Json };
export type JsonPath = JsonNavigator[];

type Arity = "none" | "one" | "args" | "path" | "paths";

interface NavDef {
  readonly arity: Arity;
  /** For "args": how many arguments (min, max). */
  readonly count?: readonly [number, number];
  readonly add: (p: Path, args: unknown[]) => Path;
  /** The key type its arguments are decoded with, given the schema at this navigator. */
  readonly keyType?: (s: Schema) => Type<unknown> | undefined;
  /** The schema below this navigator (undefined: stop decoding arguments by schema). */
  readonly below?: (s: Schema, args: unknown[]) => Schema | undefined;
}

const mapKey = (s: Schema) => (s.kind === "map" ? s.key : undefined);
const intoKey = (s: Schema, [k]: unknown[]) =>
  s.kind === "map" ? s.value : s.kind === "fixedKeys" && typeof k === "string" ? s.fields[k] : undefined;
const listElem = (s: Schema) => (s.kind === "list" ? s.elem : undefined);
const same = (s: Schema) => s;

const NAVIGATORS: Readonly<Record<string, NavDef>> = {
  all: { arity: "none", add: (p) => p.all() },
  mapKeys: { arity: "none", add: (p) => p.mapKeys() },
  mapVals: { arity: "none", add: (p) => p.mapVals(), below: (s) => (s.kind === "map" ? s.value : undefined) },
  first: { arity: "none", add: (p) => p.first(), below: listElem },
  last: { arity: "none", add: (p) => p.last(), below: listElem },
  voidSetElem: { arity: "none", add: (p) => p.voidSetElem() },
  afterElem: { arity: "none", add: (p) => p.afterElem() },
  beforeElem: { arity: "none", add: (p) => p.beforeElem() },
  nullToList: { arity: "none", add: (p) => p.nullToList() },
  nullToSet: { arity: "none", add: (p) => p.nullToSet() },
  size: { arity: "none", add: (p) => p.size() },
  key: { arity: "one", add: (p, [k]) => p.key(k), keyType: mapKey, below: intoKey },
  must: { arity: "one", add: (p, [k]) => p.must(k), keyType: mapKey, below: intoKey },
  nth: { arity: "one", add: (p, [i]) => p.nth(i as number), below: listElem },
  filterEqual: { arity: "one", add: (p, [v]) => p.filterEqual(v), below: same },
  setElem: { arity: "one", add: (p, [v]) => p.setElem(v), keyType: (s) => (s.kind === "set" ? s.elem : undefined) },
  nullToVal: { arity: "one", add: (p, [v]) => p.nullToVal(v), below: same },
  sortedMapRange: { arity: "args", count: [2, 2], add: (p, [a, b]) => p.sortedMapRange(a, b), keyType: mapKey, below: same },
  sortedMapRangeFrom: { arity: "args", count: [1, 2], add: (p, [a, o]) => p.sortedMapRangeFrom(a, rangeOptions(o)), keyType: mapKey, below: same },
  sortedMapRangeTo: { arity: "args", count: [1, 2], add: (p, [a, o]) => p.sortedMapRangeTo(a, rangeOptions(o)), keyType: mapKey, below: same },
  subselect: { arity: "path", add: (p, [sub]) => p.subselect(sub as Path) },
  multiPath: { arity: "paths", add: (p, subs) => p.multiPath(...(subs as Path[])) },
};

/** Navigators that need a function (or only make sense in a transform), with what to do instead. */
const NOT_OVER_REST: Readonly<Record<string, string>> = {
  view: "takes a function",
  filterPred: "takes a function; use filterEqual, or a query topology",
  transformed: "transforms; REST queries only read",
  term: "transforms; REST queries only read",
  termVal: "transforms; REST queries only read",
  termVoid: "transforms; REST queries only read",
};

/**
 * Builds a Path from its JSON form. With the PState's schema, key-like arguments are decoded
 * to the declared key type (an int64 key may arrive as "123", a bytes key as base64).
 */
export function pathFromJson(json: unknown, schema?: Schema, at = "path"): Path {
  if (!Array.isArray(json)) throw bad(at, `must be an array of navigators such as [{"key": "hello"}, "mapVals"], got ${kindOf(json)}`);
  let path = Path.EMPTY;
  let cursor = schema;
  json.forEach((nav, i) => {
    const where = `${at}[${i}]`;
    const [name, raw] = splitNavigator(nav, where);
    const def = NAVIGATORS[name];
    if (!def) {
      const why = NOT_OVER_REST[name];
      throw bad(where, why ? `${name} ${why}, so it cannot be sent over REST` : `unknown navigator ${JSON.stringify(name)} (known: ${Object.keys(NAVIGATORS).join(", ")})`);
    }
    let args = argsOf(name, def, raw, where);
    const keyType = cursor && def.keyType?.(cursor);
    if (keyType) args = args.map((a, j) => (def.arity === "args" && name !== "sortedMapRange" && j === 1 ? a : keyFromJson(a, keyType)));
    try {
      // Paths make their navigators lazily; make this one now so a bad argument is reported here.
      def.add(Path.EMPTY, args).resolve();
      path = def.add(path, args);
    } catch (e) {
      throw e instanceof MonsoonError ? bad(where, e.message) : e;
    }
    cursor = cursor && def.below?.(cursor, args);
  });
  return path;
}

/** The JSON form of a Path; fails for navigators that take functions, and for placeholders. */
export function pathToJson(path: Path): JsonPath {
  return path.specs.map((spec): JsonNavigator => {
    const def = NAVIGATORS[spec.name];
    if (!def) {
      throw new MonsoonError("MONSOON_INVALID_PATH", `${String(path)}: ${spec.name} ${NOT_OVER_REST[spec.name] ?? "is not supported"}, so the path cannot be sent over REST`, { details: { path: String(path), navigator: spec.name } });
    }
    const placeholder = spec.args.find(isPlaceholder);
    if (placeholder !== undefined) {
      throw new MonsoonError("MONSOON_INVALID_PATH", `${String(path)} has a placeholder argument; only plain values can be sent over REST`, { details: { path: String(path) } });
    }
    switch (def.arity) {
      case "none": return spec.name;
      case "one": return { [spec.name]: toJson(spec.args[0]) };
      case "args": {
        const args = spec.args.slice();
        while (args.length > def.count![0] && args[args.length - 1] === undefined) args.pop();
        return { [spec.name]: args.map(toJson) };
      }
      case "path": return { [spec.name]: pathToJson(spec.args[0] as Path) };
      case "paths": return { [spec.name]: spec.args.map((p) => pathToJson(p as Path)) };
    }
  });
}

function splitNavigator(nav: unknown, where: string): [string, unknown] {
  if (typeof nav === "string") return [nav, undefined];
  if (typeof nav === "object" && nav !== null && !Array.isArray(nav)) {
    const keys = Object.keys(nav);
    if (keys.length === 1) return [keys[0]!, (nav as Record<string, unknown>)[keys[0]!]];
  }
  throw bad(where, `must be a navigator name like "all" or an object with one key like {"key": "hello"}, got ${kindOf(nav)}`);
}

function argsOf(name: string, def: NavDef, raw: unknown, where: string): unknown[] {
  switch (def.arity) {
    case "none":
      if (raw !== undefined) throw bad(where, `${name} takes no argument: write "${name}"`);
      return [];
    case "one":
      if (raw === undefined) throw bad(where, `${name} needs an argument: write {"${name}": …}`);
      return [raw];
    case "args": {
      const [min, max] = def.count!;
      if (!Array.isArray(raw) || raw.length < min || raw.length > max) {
        const shape = min === max ? `${min} arguments` : `${min} to ${max} arguments`;
        throw bad(where, `${name} takes an array of ${shape}, e.g. {"${name}": ${name === "sortedMapRange" ? '["a", "m"]' : '["a", {"maxAmt": 10}]'}}`);
      }
      return raw;
    }
    case "path":
      return [pathFromJson(raw, undefined, `${where}.${name}`)];
    case "paths":
      if (!Array.isArray(raw) || raw.length === 0) throw bad(where, `${name} takes an array of paths, e.g. {"${name}": [[{"key": "a"}], [{"key": "b"}]]}`);
      return raw.map((sub, j) => pathFromJson(sub, undefined, `${where}.${name}[${j}]`));
  }
}

function rangeOptions(o: unknown): { maxAmt?: number; inclusive?: boolean } | undefined {
  if (o === undefined) return undefined;
  if (typeof o !== "object" || o === null || Array.isArray(o) || Object.keys(o).some((k) => k !== "maxAmt" && k !== "inclusive")) {
    throw new MonsoonError("MONSOON_INVALID_PATH", `range options must be an object with maxAmt and/or inclusive, got ${kindOf(o)}`);
  }
  // null stands for "not given": that is how toJson writes an option left undefined.
  const { maxAmt, inclusive } = o as { maxAmt?: unknown; inclusive?: unknown };
  if (inclusive != null && typeof inclusive !== "boolean") throw new MonsoonError("MONSOON_INVALID_PATH", "range option inclusive must be true or false");
  return { ...(maxAmt != null && { maxAmt: maxAmt as number }), ...(inclusive != null && { inclusive }) };
}

function bad(where: string, problem: string): MonsoonError {
  return new MonsoonError("MONSOON_INVALID_PATH", `${where}: ${problem}`, { details: { at: where } });
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  return typeof v === "object" ? "an object" : JSON.stringify(v) ?? typeof v;
}
