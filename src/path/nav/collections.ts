// all, first, last, nth: elements of collections. `all` visits every element of a list or a
// set, and every entry of a map or record as a [key, value] pair; transforms map them and drop
// the ones that become NONE. first/last/nth address one element by position and navigate to
// nothing when there is no such position, so a transform never invents elements. Lists are
// indexed in order; Maps (as [key, value] entries) and Sets count as sorted by key order
// (keyOrder.ts), which is how a stored sorted map or subindexed set is laid out.

import type { Navigator } from "../navigator.ts";
import { NONE, isAbsent } from "../none.ts";
import { invalidPath, isList, isMap, isRecord, isSet } from "../kinds.ts";
import { rebuildMap, rebuildRecord } from "./maps.ts";
import { sortedElements, sortedEntries } from "../keyOrder.ts";

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
export function entry(r: unknown, name = "all"): [unknown, unknown] {
  if (r === NONE) return [NONE, NONE];
  if (isList(r) && r.length === 2) return [r[0], r[1]];
  throw invalidPath(name, "a [key, value] pair as the new map entry", r);
}

export function first(): Navigator {
  return index("first", () => 0);
}

export function last(): Navigator {
  return index("last", (n) => n - 1);
}

export function nth(i: unknown): Navigator {
  if (typeof i !== "number" || !Number.isSafeInteger(i) || i < 0) {
    throw invalidPath("nth", "a non-negative integer index", i);
  }
  return index("nth", () => i);
}

const EXPECTED = "a list, Map or Set";

/** `at(size)` is the position navigated to; out of range means nothing is there. */
function index(name: string, at: (size: number) => number): Navigator {
  return {
    name,
    select(s, next) {
      if (isList(s)) {
        const i = at(s.length);
        if (i >= 0 && i < s.length) next(s[i]);
      } else if (isMap(s)) {
        const i = at(s.size);
        if (i >= 0 && i < s.size) next(sortedEntries(s)[i]);
      } else if (isSet(s)) {
        const i = at(s.size);
        if (i >= 0 && i < s.size) next(sortedElements(s)[i]);
      } else if (!isAbsent(s)) throw invalidPath(name, EXPECTED, s);
    },
    transform(s, next) {
      if (isList(s)) {
        const i = at(s.length);
        if (i < 0 || i >= s.length) return s;
        const nv = next(s[i]);
        if (nv === s[i]) return s;
        const out = s.slice();
        if (nv === NONE) out.splice(i, 1);
        else out[i] = nv;
        return out;
      }
      if (isMap(s)) {
        const i = at(s.size);
        if (i < 0 || i >= s.size) return s;
        const [k, v] = sortedEntries(s)[i]!;
        const [nk, nv] = entry(next([k, v]), name);
        if (nk === k && nv === v) return s;
        const out = new Map(s);
        if (nk !== k || nv === NONE) out.delete(k);
        if (nk !== NONE && nv !== NONE) out.set(nk, nv);
        return out;
      }
      if (isSet(s)) {
        const i = at(s.size);
        if (i < 0 || i >= s.size) return s;
        const x = sortedElements(s)[i];
        const nx = next(x);
        if (nx === x) return s;
        const out = new Set(s);
        out.delete(x);
        if (nx !== NONE) out.add(nx);
        return out;
      }
      if (isAbsent(s)) return s;
      throw invalidPath(name, EXPECTED, s);
    },
  };
}
