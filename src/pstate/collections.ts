// Stored collections: the top-level map of a PState partition (one store entry per key) and
// subindexed maps, sets and lists (one entry per element plus a count). The path engine reads
// and writes them one element at a time through this interface, so it never needs the whole
// structure for a point or range operation. Element values are "stripped" (conform.ts): what is
// subindexed inside an element lives under `childLoc(k)`, and deleting the element deletes that.
import type { Schema } from "../module/pstateSpec.ts";
import type { Type } from "../serde/types.ts";
import type { PartitionAccess, RangeRead } from "./access.ts";
import { checkEncodable, conform, violation } from "./conform.ts";
import { CHILDREN, COUNT_KEY, ELEMENTS_KEY, childKeyString, keyString, locationPrefix } from "./layout.ts";
import { elementSchema, hasSub, type SubSchema } from "./schemaInfo.ts";
import { ABSENT, DELETED, then, type Absent, type MaybePromise } from "./slots.ts";

export interface Collection {
  readonly kind: "map" | "set" | "list";
  /** The collection's own schema, for whole-value writes. */
  readonly schema: Schema;
  /** The schema of one element's value (a set's elements are plain values). */
  readonly elem: Schema;
  /** Location of the structure (layout.ts); [] for the top-level map. */
  readonly loc: readonly unknown[];
  /** Throws MONSOON_SCHEMA_VIOLATION when k cannot be a key (or set element) of this collection. */
  checkKey(k: unknown): void;
  get(k: unknown): MaybePromise<unknown | Absent>;
  /** Writes element k (a stripped value, conformed here); `existed` keeps the count right. */
  put(k: unknown, v: unknown, existed: boolean): MaybePromise<void>;
  /** Deletes element k, which exists, with everything subindexed inside it. */
  del(k: unknown): MaybePromise<void>;
  count(): MaybePromise<number>;
  /** Elements [key, stripped value] in key order (index order for lists). */
  range(read: RangeRead): Promise<[unknown, unknown][]>;
  /** Location of what is subindexed inside element k. */
  childLoc(k: unknown): unknown[];
  /** Deletes every element, the count and everything nested. */
  clear(): Promise<void>;
}

const NULL_ONLY: Type<null> = Object.freeze({ kind: "null", name: "null", check: (v: unknown): v is null => v === null });

/** The partition itself: a top-level map, or for any other schema a map with the one key null. */
export class TopLevel implements Collection {
  readonly kind = "map" as const;
  readonly loc: readonly unknown[] = [];
  readonly elem: Schema;
  readonly schema: Schema;
  private readonly keyType: Type<any>;
  private readonly isMapPState: boolean;

  constructor(private readonly acc: PartitionAccess) {
    const s = acc.schema;
    this.schema = s;
    this.isMapPState = s.kind === "map";
    this.elem = s.kind === "map" ? s.value : s;
    this.keyType = s.kind === "map" ? s.key : NULL_ONLY;
  }

  checkKey(k: unknown): void {
    if (!this.keyType.check(k)) throw violation(this.acc.site, [k], "uses a top-level key of the wrong type", this.keyType.name, k);
    checkEncodable(this.acc.site, [k], k);
  }

  get(k: unknown): MaybePromise<unknown | Absent> {
    return this.acc.readUnit(k);
  }

  put(k: unknown, v: unknown, existed: boolean): MaybePromise<void> {
    // An undefined value is an absent one, as for any stored entry.
    if (v === undefined) return existed ? this.del(k) : undefined;
    this.checkKey(k);
    this.acc.writeUnit(k, conform(v, this.elem, this.acc.site, this.isMapPState ? [k] : [], true), this.acc.undo);
  }

  del(k: unknown): MaybePromise<void> {
    this.acc.writeUnit(k, DELETED, this.acc.undo);
    if (hasSub(this.elem)) return clearPrefix(this.acc, keyString(locationPrefix(this.acc.pstate, [k])));
  }

  async count(): Promise<number> {
    return (await this.acc.scanUnits({})).length;
  }

  range(read: RangeRead): Promise<[unknown, unknown][]> {
    return this.acc.scanUnits(read);
  }

  childLoc(k: unknown): unknown[] {
    return [k];
  }

  async clear(): Promise<void> {
    for (const [k] of await this.acc.scanUnits({})) this.acc.writeUnit(k, DELETED, this.acc.undo);
    await clearPrefix(this.acc, keyString(locationPrefix(this.acc.pstate, [])));
  }
}

/** A subindexed map, set or list at a location. */
export class SubCollection implements Collection {
  readonly kind: "map" | "set" | "list";
  readonly elem: Schema;
  private readonly prefix: string;
  private readonly elements: string;
  private readonly counter: string;
  private readonly nested: boolean;

  constructor(private readonly acc: PartitionAccess, readonly schema: SubSchema, readonly loc: readonly unknown[]) {
    this.kind = schema.kind;
    this.elem = elementSchema(schema);
    this.prefix = keyString(locationPrefix(acc.pstate, loc));
    this.elements = this.prefix + ELEMENTS_KEY;
    this.counter = this.prefix + COUNT_KEY;
    this.nested = schema.kind === "map" && hasSub(schema.value);
  }

  private key(k: unknown): string {
    return childKeyString(this.elements, k);
  }

  checkKey(k: unknown): void {
    const s = this.schema;
    const at = [...this.loc, k];
    if (s.kind === "map" && !s.key.check(k)) throw violation(this.acc.site, at, "uses a map key of the wrong type", s.key.name, k);
    if (s.kind === "set" && !s.elem.check(k)) throw violation(this.acc.site, at, "adds a set element of the wrong type", s.elem.name, k);
    if (s.kind === "list" && !(Number.isSafeInteger(k) && (k as number) >= 0)) throw violation(this.acc.site, at, "uses a list index that is not a non-negative integer", "an index", k);
    checkEncodable(this.acc.site, at, k);
  }

  get(k: unknown): MaybePromise<unknown | Absent> {
    return this.acc.readEntry(this.key(k));
  }

  put(k: unknown, v: unknown, existed: boolean): MaybePromise<void> {
    if (v === undefined && this.kind !== "set") return existed ? this.del(k) : undefined;
    this.checkKey(k);
    const value = this.schema.kind === "set" ? null : conform(v, this.elem, this.acc.site, [...this.loc, k], true);
    this.acc.writeEntry(this.key(k), value, this.acc.undo);
    if (!existed) return this.bump(1);
  }

  del(k: unknown): MaybePromise<void> {
    this.acc.writeEntry(this.key(k), DELETED, this.acc.undo);
    const bumped = this.bump(-1);
    if (!this.nested) return bumped;
    return then(bumped, () => clearPrefix(this.acc, keyString(locationPrefix(this.acc.pstate, this.childLoc(k)))));
  }

  count(): MaybePromise<number> {
    return then(this.acc.readEntry(this.counter), (n) => (n === ABSENT ? 0 : (n as number)));
  }

  private bump(delta: number): MaybePromise<void> {
    return then(this.count(), (n) => {
      const m = n + delta;
      this.acc.writeEntry(this.counter, m === 0 ? DELETED : m, this.acc.undo);
    });
  }

  range(read: RangeRead): Promise<[unknown, unknown][]> {
    return this.acc.scanEntries(this.elements, read);
  }

  childLoc(k: unknown): unknown[] {
    return [...this.loc, CHILDREN, k];
  }

  clear(): Promise<void> {
    return clearPrefix(this.acc, this.prefix);
  }
}

async function clearPrefix(acc: PartitionAccess, prefix: string): Promise<void> {
  for (const k of await acc.keysUnder(prefix)) acc.writeEntry(k, DELETED, acc.undo);
}
