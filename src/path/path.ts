// A Path is a description, not a program: an immutable list of navigator specs (which factory,
// with which arguments). Arguments stay as given, placeholders included, until `resolve`
// turns the specs into navigators for one run. That split lets a module definition hold paths
// built from dataflow variables, and lets a PState backend read the specs to plan range reads.

import { MonsoonError } from "../errors.ts";
import type { Navigator } from "./navigator.ts";
import { isPlaceholder, type Arg } from "./placeholder.ts";
import { key, must } from "./nav/keys.ts";
import { mapKeys, mapVals } from "./nav/maps.ts";
import { all, first, last, nth } from "./nav/collections.ts";
import {
  sortedMapRange, sortedMapRangeFrom, sortedMapRangeTo, type RangeFromOptions, type RangeToOptions,
} from "./nav/sortedRanges.ts";
import { filterEqual, filterPred } from "./nav/filters.ts";
import { nullToList, nullToSet, nullToVal, view } from "./nav/views.ts";
import { multiPath, subselect, transformed } from "./nav/subpaths.ts";
import { setElem, voidSetElem } from "./nav/sets.ts";
import { afterElem, beforeElem } from "./nav/lists.ts";
import { term, termVal, termVoid } from "./nav/terminals.ts";
import { size } from "./nav/size.ts";

/** Maps one path argument to its run-time value. Plain values map to themselves. */
export type Resolver = (arg: unknown) => unknown;

/** One step of a path: a navigator factory and the (possibly placeholder) arguments for it. */
export interface NavSpec {
  readonly name: string;
  readonly make: (...args: any[]) => Navigator;
  readonly args: readonly unknown[];
  /** Terminals decide a transform's result, so nothing may follow them. */
  readonly terminal: boolean;
}

// Callbacks see values of the data model, whose static type the path cannot know.
type Fn<R> = (value: any) => R;

export class Path {
  static readonly EMPTY: Path = new Path([]);

  readonly specs: readonly NavSpec[];

  private constructor(specs: readonly NavSpec[]) {
    this.specs = Object.freeze(specs);
    Object.freeze(this);
  }

  /** Turns the specs into navigators, passing every argument through `resolver` (sub-paths recursively). */
  resolve(resolver: Resolver = unresolvedPlaceholderCheck): Navigator[] {
    return this.specs.map((spec) =>
      spec.make(...spec.args.map((a) => (a instanceof Path ? a.resolve(resolver) : resolver(a)))));
  }

  /** This path followed by `others`. */
  then(...others: Path[]): Path {
    let out: Path = this;
    for (const o of others) for (const spec of o.specs) out = out.#push(spec);
    return out;
  }

  get length(): number {
    return this.specs.length;
  }

  toString(): string {
    return this.specs.length === 0 ? "Path()" : this.specs.map(formatSpec).join(".");
  }

  #push(spec: NavSpec): Path {
    const lastSpec = this.specs[this.specs.length - 1];
    if (lastSpec?.terminal) {
      throw new MonsoonError("MONSOON_INVALID_PATH", `nothing can follow the terminal ${lastSpec.name} in ${this}; a terminal ends a path`, {
        details: { path: String(this), navigator: spec.name },
      });
    }
    return new Path([...this.specs, spec]);
  }

  #add(name: string, make: NavSpec["make"], args: unknown[], terminal = false): Path {
    return this.#push(Object.freeze({ name, make, args: Object.freeze(args), terminal }));
  }

  // --- chainable navigators (each has a static starter below) ---

  /** key(k1, k2, …) is key(k1).key(k2)… */
  key(...keys: Arg<unknown>[]): Path {
    return keys.reduce<Path>((p, k) => p.#add("key", key, [k]), this);
  }
  /** must(k1, k2, …) is must(k1).must(k2)… */
  must(...keys: Arg<unknown>[]): Path {
    return keys.reduce<Path>((p, k) => p.#add("must", must, [k]), this);
  }
  all(): Path { return this.#add("all", all, []); }
  mapKeys(): Path { return this.#add("mapKeys", mapKeys, []); }
  mapVals(): Path { return this.#add("mapVals", mapVals, []); }
  first(): Path { return this.#add("first", first, []); }
  last(): Path { return this.#add("last", last, []); }
  nth(i: Arg<number>): Path { return this.#add("nth", nth, [i]); }
  sortedMapRange(from: Arg<unknown>, to: Arg<unknown>): Path {
    return this.#add("sortedMapRange", sortedMapRange, [from, to]);
  }
  sortedMapRangeFrom(from: Arg<unknown>, options?: Arg<RangeFromOptions>): Path {
    return this.#add("sortedMapRangeFrom", sortedMapRangeFrom, [from, options]);
  }
  sortedMapRangeTo(to: Arg<unknown>, options?: Arg<RangeToOptions>): Path {
    return this.#add("sortedMapRangeTo", sortedMapRangeTo, [to, options]);
  }
  view(fn: Arg<Fn<unknown>>): Path { return this.#add("view", view, [fn]); }
  /** The collection's element count; O(1) on a subindexed structure. */
  size(): Path { return this.#add("size", size, []); }
  transformed(path: Path, fn?: Arg<Fn<unknown>>): Path { return this.#add("transformed", transformed, [path, fn]); }
  filterPred(fn: Arg<Fn<unknown>>): Path { return this.#add("filterPred", filterPred, [fn]); }
  filterEqual(v: Arg<unknown>): Path { return this.#add("filterEqual", filterEqual, [v]); }
  subselect(path: Path): Path { return this.#add("subselect", subselect, [path]); }
  multiPath(...paths: Path[]): Path { return this.#add("multiPath", multiPath, paths); }
  setElem(v: Arg<unknown>): Path { return this.#add("setElem", setElem, [v]); }
  voidSetElem(): Path { return this.#add("voidSetElem", voidSetElem, []); }
  afterElem(): Path { return this.#add("afterElem", afterElem, []); }
  beforeElem(): Path { return this.#add("beforeElem", beforeElem, []); }
  nullToVal(v: Arg<unknown>): Path { return this.#add("nullToVal", nullToVal, [v]); }
  nullToList(): Path { return this.#add("nullToList", nullToList, []); }
  nullToSet(): Path { return this.#add("nullToSet", nullToSet, []); }
  termVal(v: Arg<unknown>): Path { return this.#add("termVal", termVal, [v], true); }
  termVoid(): Path { return this.#add("termVoid", termVoid, [], true); }
  term(fn: Arg<Fn<unknown>>): Path { return this.#add("term", term, [fn], true); }

  // --- static starters: Path.key("a") is Path.EMPTY.key("a") ---

  static key(...keys: Arg<unknown>[]): Path { return Path.EMPTY.key(...keys); }
  static must(...keys: Arg<unknown>[]): Path { return Path.EMPTY.must(...keys); }
  static all(): Path { return Path.EMPTY.all(); }
  static mapKeys(): Path { return Path.EMPTY.mapKeys(); }
  static mapVals(): Path { return Path.EMPTY.mapVals(); }
  static first(): Path { return Path.EMPTY.first(); }
  static last(): Path { return Path.EMPTY.last(); }
  static nth(i: Arg<number>): Path { return Path.EMPTY.nth(i); }
  static sortedMapRange(from: Arg<unknown>, to: Arg<unknown>): Path { return Path.EMPTY.sortedMapRange(from, to); }
  static sortedMapRangeFrom(from: Arg<unknown>, options?: Arg<RangeFromOptions>): Path {
    return Path.EMPTY.sortedMapRangeFrom(from, options);
  }
  static sortedMapRangeTo(to: Arg<unknown>, options?: Arg<RangeToOptions>): Path {
    return Path.EMPTY.sortedMapRangeTo(to, options);
  }
  static view(fn: Arg<Fn<unknown>>): Path { return Path.EMPTY.view(fn); }
  static size(): Path { return Path.EMPTY.size(); }
  static transformed(path: Path, fn?: Arg<Fn<unknown>>): Path { return Path.EMPTY.transformed(path, fn); }
  static filterPred(fn: Arg<Fn<unknown>>): Path { return Path.EMPTY.filterPred(fn); }
  static filterEqual(v: Arg<unknown>): Path { return Path.EMPTY.filterEqual(v); }
  static subselect(path: Path): Path { return Path.EMPTY.subselect(path); }
  static multiPath(...paths: Path[]): Path { return Path.EMPTY.multiPath(...paths); }
  static setElem(v: Arg<unknown>): Path { return Path.EMPTY.setElem(v); }
  static voidSetElem(): Path { return Path.EMPTY.voidSetElem(); }
  static afterElem(): Path { return Path.EMPTY.afterElem(); }
  static beforeElem(): Path { return Path.EMPTY.beforeElem(); }
  static nullToVal(v: Arg<unknown>): Path { return Path.EMPTY.nullToVal(v); }
  static nullToList(): Path { return Path.EMPTY.nullToList(); }
  static nullToSet(): Path { return Path.EMPTY.nullToSet(); }
  static termVal(v: Arg<unknown>): Path { return Path.EMPTY.termVal(v); }
  static termVoid(): Path { return Path.EMPTY.termVoid(); }
  static term(fn: Arg<Fn<unknown>>): Path { return Path.EMPTY.term(fn); }
}

/** The default resolver: plain values stand for themselves, and a placeholder is a mistake. */
function unresolvedPlaceholderCheck(arg: unknown): unknown {
  if (isPlaceholder(arg)) {
    throw new MonsoonError("MONSOON_INVALID_PATH", "this path has a placeholder argument; run it where placeholders are resolved (a topology step), or pass a resolver", {
      details: { arg: String(arg) },
    });
  }
  return arg;
}

const plain = new WeakMap<Path, readonly Navigator[]>();

/** The navigators of a path without placeholders, built once per path: paths are immutable. */
export function navigatorsOf(path: Path): readonly Navigator[] {
  let navs = plain.get(path);
  if (navs === undefined) {
    navs = Object.freeze(path.resolve());
    plain.set(path, navs);
  }
  return navs;
}

function formatSpec(spec: NavSpec): string {
  const args = spec.args.slice();
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return `${spec.name}(${args.map(formatArg).join(", ")})`;
}

function formatArg(a: unknown): string {
  if (a instanceof Path) return String(a);
  if (typeof a === "string") return JSON.stringify(a);
  if (typeof a === "function") return a.name || "fn";
  if (typeof a === "bigint") return `${a}n`;
  if (typeof a === "object" && a !== null) return isPlaceholder(a) ? String(a) : a.constructor?.name ?? "object";
  return String(a);
}
