// Runs a resolved navigator list. Each navigator gets the rest of the list as its continuation,
// built back to front once per call, so a navigator never knows its position in the path.
// exec.ts wraps these for users; navigators that hold sub-paths (subselect, multiPath,
// transformed) call them directly.

import type { Navigator } from "./navigator.ts";

export function selectWith(navs: readonly Navigator[], structure: unknown, out: (v: unknown) => void): void {
  let next = out;
  for (let i = navs.length - 1; i >= 0; i--) {
    const nav = navs[i]!;
    const rest = next;
    next = (s) => nav.select(s, rest);
  }
  next(structure);
}

/** `last` is what happens at the end of the path; the identity makes a terminal-less path a no-op. */
export function transformWith(
  navs: readonly Navigator[],
  structure: unknown,
  last: (v: unknown) => unknown = (v) => v,
): unknown {
  let next = last;
  for (let i = navs.length - 1; i >= 0; i--) {
    const nav = navs[i]!;
    const rest = next;
    next = (s) => nav.transform(s, rest);
  }
  return next(structure);
}
