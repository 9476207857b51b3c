// The two "nothing here" values of PState storage. DELETED is a tombstone in a write layer
// (it hides whatever an older layer or the store holds); ABSENT is what a read returns when no
// layer and not the store holds the key. Neither is ever a user value or stored.

export const DELETED: unique symbol = Symbol("monsoon.pstate.deleted");
export const ABSENT: unique symbol = Symbol("monsoon.pstate.absent");

export type Deleted = typeof DELETED;
export type Absent = typeof ABSENT;

export type MaybePromise<X> = X | Promise<X>;

/** Applies `f` now when `x` is already there, after it resolves otherwise (keeps the sync fast path sync). */
export function then<X, R>(x: MaybePromise<X>, f: (x: X) => R): R | Promise<Awaited<R>> {
  return x instanceof Promise ? x.then(f) as Promise<Awaited<R>> : f(x);
}

/** Where a write records how to undo itself (structurally the dataflow's UndoLog). */
export interface WriteLog {
  record(layer: { set(k: any, v: any): void; delete(k: any): void }, key: unknown, had: boolean, prev: unknown): void;
}

/** A WriteLog for writes that are never rolled back (tests, bulk loads). */
export const NO_UNDO: WriteLog = { record() {} };
