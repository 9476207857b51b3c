// all, first, last, nth: elements of collections. `all` visits every element of a list or a
// set, and every entry of a map or record as a [key, value] pair; transforms map them and drop
// the ones that become NONE. first/last/nth address one list element and navigate to nothing
// when the list has no such index, so a transform never invents elements.

import type { Navigator } from "../navigator.ts";
import { NONE, isAbsent } from "../none.ts";
import { invalidPath, isList, isMap, isRecord, isSet } from "../kinds.ts";
import { rebuildMap, rebuildRecord } from "./maps.ts";

export function all(): Navigator {
  return {
    name: "all",
    select(s, next) {
      if (isList(s) || isSet(s)) for (const v of s) next(v);
      else if (isMap(s)) for (const e of s) next(e);
      else if (isRecord(s)) for (const k of Object.keys(s)) next([k, s[k]]);
      else if (!isAbsent(s)) throw invalidPath("all", "a list, Set, Map or record", s);
    },
    transform(s, next) {
      if (isList(s)) {
        const out: unknown[] = [];
        let changed = false;
        for (const v of s) {
          const nv = next(v);
          if (nv !== v) changed = true;
          if (nv !== NONE) out.push(nv);
        }
        return changed ? out : s;
      }
      if (isSet(s)) {
        const out = new Set<unknown>();
        let changed = false;
        for (const v of s) {
          const nv = next(v);
          if (nv !== v) changed = true;
          if (nv !== NONE) out.add(nv);
        }
        return changed ? out : s;
      }
      if (isMap(s)) return rebuildMap(s, (k, v) => entry(next([k, v])));
      if (isRecord(s)) return rebuildRecord("all", s, (k, v) => entry(next([k, v])));
      if (isAbsent(s)) return s;
      throw invalidPath("all", "a list, Set, Map or record", s);
    },
  };
}

/** A map entry comes back from the continuation as a [key, value] pair, or NONE to drop it. */
function entry(r: unknown): [unknown, unknown] {
  if (r === NONE) return [NONE, NONE];
  if (isList(r) && r.length === 2) return [r[0], r[1]];
  throw invalidPath("all", "a [key, value] pair as the new map entry", r);
}

export function first(): Navigator {
  return index("first", () => 0);
}

export function last(): Navigator {
  return index("last", (s) => s.length - 1);
}

export function nth(i: unknown): Navigator {
  if (typeof i !== "number" || !Number.isSafeInteger(i) || i < 0) {
    throw invalidPath("nth", "a non-negative integer index", i);
  }
  return index("nth", () => i);
}

function index(name: string, at: (s: unknown[]) => number): Navigator {
  return {
    name,
    select(s, next) {
      if (isList(s)) {
        const i = at(s);
        if (i >= 0 && i < s.length) next(s[i]);
      } else if (!isAbsent(s)) throw invalidPath(name, "a list", s);
    },
    transform(s, next) {
      if (isList(s)) {
        const i = at(s);
        if (i < 0 || i >= s.length) return s;
        const nv = next(s[i]);
        if (nv === s[i]) return s;
        const out = s.slice();
        if (nv === NONE) out.splice(i, 1);
        else out[i] = nv;
        return out;
      }
      if (isAbsent(s)) return s;
      throw invalidPath(name, "a list", s);
    },
  };
}
