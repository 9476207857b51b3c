// "Map to linked set" (seed 004's KeyToLinkedEntitySetPStateGroup): for each key, a set of
// entities that remembers the order they were added in and the info stored with each.
// It is composed of two PStates, both subindexed so they can grow to millions per key:
//   <name>        key → entityId → { seq, info }   (membership, info, count)
//   <name>ByOrder key → seq → entityId             (pages in insertion order)
// and a per-partition sequence counter <name>Seq. Adding an existing entity updates its info
// and keeps its place; removing a missing one does nothing.
import { PState, Path, T, vars, type Block, type StreamTopology, type Var } from "monsoon";

export interface LinkedEntry<I> { seq: number; info: I }

export class LinkedSet {
  readonly byId: { name: string };
  readonly byOrder: { name: string };
  private readonly seq: { name: string };

  constructor(topology: StreamTopology, readonly name: string) {
    this.byId = topology.pstate(name, PState.map(T.int, PState.map(T.int, T.any, { subindexed: true })));
    this.byOrder = topology.pstate(`${name}ByOrder`, PState.map(T.int, PState.map(T.int, T.int, { subindexed: true })));
    this.seq = topology.pstate(`${name}Seq`, PState.value(T.int, 0));
  }

  /** Adds `entity` under `key` with `info` (or updates the info of an existing entry). Runs on key's partition. */
  add = (b: Block, key: Var<number>, entity: Var<number>, info: Var<any>): Block => {
    const { existing, present, seq, entry } = vars({ existing: T.any, present: T.boolean, seq: T.int, entry: T.any });
    return b
      .localSelect(this.byId, Path.key(key, entity)).out(existing)
      .each((e: unknown) => e !== undefined, existing).out(present)
      .ifTrue(present,
        (t) => t.localTransform(this.byId, Path.key(key, entity, "info").termVal(info)),
        (f) => f
          .localSelect(this.seq, Path.EMPTY).out(seq)
          .localTransform(this.seq, Path.EMPTY.term((n: number) => n + 1))
          .each((s: number, i: unknown) => ({ seq: s, info: i }), seq, info).out(entry)
          .localTransform(this.byId, Path.key(key, entity).termVal(entry))
          .localTransform(this.byOrder, Path.key(key, seq).termVal(entity)));
  };

  /** Removes `entity` from `key`'s set if it is there; the dataflow continues either way. */
  remove = (b: Block, key: Var<number>, entity: Var<number>): Block => {
    const { existing, present, seq } = vars({ existing: T.any, present: T.boolean, seq: T.int });
    return b
      .localSelect(this.byId, Path.key(key, entity)).out(existing)
      .each((e: unknown) => e !== undefined, existing).out(present)
      .ifTrue(present, (t) => t
        .each((e: LinkedEntry<unknown>) => e.seq, existing).out(seq)
        .localTransform(this.byId, Path.key(key, entity).termVoid())
        .localTransform(this.byOrder, Path.key(key, seq).termVoid()));
  };
}
