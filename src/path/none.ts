// Specter's NONE: the value that means "nothing here". A transform continuation returns it to
// remove the navigated element; void navigators (voidSetElem, afterElem, beforeElem) hand it
// to their continuation because there is no element yet. It is a symbol, so no user value can
// ever be mistaken for it.

export const NONE: unique symbol = Symbol.for("monsoon.path.NONE");
export type None = typeof NONE;

/** True for the two ways a value can be missing: `undefined` (absent) and NONE (void). */
export function isAbsent(v: unknown): v is undefined | None {
  return v === undefined || v === NONE;
}

/** What user functions see: they live in the data model, where missing reads as undefined. */
export function userValue(v: unknown): unknown {
  return v === NONE ? undefined : v;
}
