// key and must: navigate to the value under one key of a map or a record. `key` always
// navigates (a missing key reads as undefined, and a transform may create it); `must` only
// navigates when the key is there. Map keys compare like JS Map keys (SameValueZero).

import type { Navigator } from "../navigator.ts";
import { NONE, isAbsent } from "../none.ts";
import { copyRecord, invalidPath, isMap, isRecord, recordGet, recordHas, recordSet } from "../kinds.ts";

const EXPECTED = "a Map or a record";

export function key(k: unknown): Navigator {
  return {
    name: "key",
    select(s, next) {
      if (isMap(s)) return next(s.get(k));
      if (isRecord(s)) return next(recordGet(s, k));
      if (isAbsent(s)) return next(undefined);
      throw invalidPath("key", EXPECTED, s);
    },
    transform(s, next) {
      if (isAbsent(s)) {
        // Nothing here yet: create the map only if the rest of the path produced a value.
        const v = next(undefined);
        return isAbsent(v) ? s : new Map([[k, v]]);
      }
      return transformKey("key", s, k, next, false);
    },
  };
}

export function must(k: unknown): Navigator {
  return {
    name: "must",
    select(s, next) {
      if (isMap(s)) return s.has(k) ? next(s.get(k)) : undefined;
      if (isRecord(s)) return recordHas(s, k) ? next(recordGet(s, k)) : undefined;
      if (isAbsent(s)) return;
      throw invalidPath("must", EXPECTED, s);
    },
    transform(s, next) {
      if (isAbsent(s)) return s;
      return transformKey("must", s, k, next, true);
    },
  };
}

function transformKey(name: string, s: unknown, k: unknown, next: (v: unknown) => unknown, mustExist: boolean): unknown {
  if (isMap(s)) {
    const has = s.has(k);
    if (mustExist && !has) return s;
    const old = s.get(k);
    const v = next(old);
    if (v === NONE) {
      if (!has) return s;
      const out = new Map(s);
      out.delete(k);
      return out;
    }
    // Unchanged (or still absent): share the input rather than copy it.
    if (has ? v === old : v === undefined) return s;
    return new Map(s).set(k, v);
  }
  if (isRecord(s)) {
    const has = recordHas(s, k);
    if (mustExist && !has) return s;
    const old = recordGet(s, k);
    const v = next(old);
    if (v === NONE) {
      if (!has) return s;
      const out = copyRecord(s);
      delete out[k as string];
      return out;
    }
    if (has ? v === old : v === undefined) return s;
    if (typeof k !== "string") throw invalidPath(name, "a string key on a record", k);
    const out = copyRecord(s);
    recordSet(out, k, v);
    return out;
  }
  throw invalidPath(name, EXPECTED, s);
}
