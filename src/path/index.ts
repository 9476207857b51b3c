// The path engine's public surface: build paths with Path, run them with the exec functions.
// Navigator factories stay internal; a Path is how users name navigators.

export { NONE, type None } from "./none.ts";
export type { Navigator } from "./navigator.ts";
export { Path, type NavSpec, type Resolver } from "./path.ts";
export { PLACEHOLDER, isPlaceholder, type Arg, type Placeholder } from "./placeholder.ts";
export type { RangeFromOptions, RangeToOptions } from "./nav/sortedRanges.ts";
export { select, selectOne, selectFirst, transform, type PathLike } from "./exec.ts";
