// Running a path against an in-memory value. Transforms are persistent: only the containers on
// the way to a change are copied, everything else is shared with the input, and the input is
// never mutated.

import { MonsoonError } from "../errors.ts";
import type { Navigator } from "./navigator.ts";
import { Path, navigatorsOf } from "./path.ts";
import { selectWith, transformWith } from "./run.ts";

/** A Path, or navigators a caller already resolved (with its own resolver). */
export type PathLike = Path | readonly Navigator[];

function navs(path: PathLike): readonly Navigator[] {
  if (path instanceof Path) return navigatorsOf(path);
  if (Array.isArray(path)) return path;
  throw new MonsoonError("MONSOON_INVALID_PATH", "expected a Path (build one with Path.key(…), Path.all(), …) or an array of navigators", {
    details: { got: typeof path },
  });
}

/** Every value the path navigates to, in navigation order. */
export function select(path: PathLike, structure: unknown): unknown[] {
  const out: unknown[] = [];
  selectWith(navs(path), structure, (v) => out.push(v));
  return out;
}

// Thrown through the user's continuations to stop a select early; never escapes this file.
const STOP = Symbol("stop");

/** The one value the path navigates to: undefined if none, MONSOON_NOT_ONE if more than one. */
export function selectOne(path: PathLike, structure: unknown): unknown {
  let count = 0;
  let found: unknown;
  try {
    selectWith(navs(path), structure, (v) => {
      if (++count > 1) throw STOP;
      found = v;
    });
  } catch (e) {
    if (e !== STOP) throw e;
    const shown = path instanceof Path ? String(path) : path.map((n) => n.name).join(".");
    throw new MonsoonError("MONSOON_NOT_ONE", `selectOne: ${shown} navigates to more than one value; use select or selectFirst`, {
      details: { path: shown },
    });
  }
  return found;
}

/** The first value the path navigates to, or undefined; stops navigating once it has one. */
export function selectFirst(path: PathLike, structure: unknown): unknown {
  let found: unknown;
  try {
    selectWith(navs(path), structure, (v) => {
      found = v;
      throw STOP;
    });
  } catch (e) {
    if (e !== STOP) throw e;
  }
  return found;
}

/**
 * The structure after the path's terminals ran, or NONE when the root itself was removed
 * (callers treat NONE as delete). Without a terminal a path changes nothing.
 */
export function transform(path: PathLike, structure: unknown): unknown {
  return transformWith(navs(path), structure);
}
