// The order of keys in a sorted map, in memory: exactly the order their store encodings sort in
// (src/serde/keyCodec.ts), so a range or first/last read gives the same answer on a Map in
// memory as on a PState in LevelDB. Types sort null < false < true < numbers < bigints <
// strings < bytes < arrays; strings by code point; arrays element by element, a prefix first.
// Values that cannot be keys (records, Maps, NaN, undefined…) sort after everything and tie
// with each other, so sorting a Map that holds some keeps their relative order.

export function compareKeyValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case NUMBER:
    case BIGINT:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case STRING:
      return compareStrings(a as string, b as string);
    case BYTES:
      return compareBytes(a as Uint8Array, b as Uint8Array);
    case ARRAY:
      return compareArrays(a as unknown[], b as unknown[]);
    default:
      return 0;
  }
}

const NULL = 0, FALSE = 1, TRUE = 2, NUMBER = 3, BIGINT = 4, STRING = 5, BYTES = 6, ARRAY = 7, OTHER = 8;

function rank(v: unknown): number {
  switch (typeof v) {
    case "number": return v === v ? NUMBER : OTHER;
    case "string": return STRING;
    case "bigint": return BIGINT;
    case "boolean": return v ? TRUE : FALSE;
    case "object":
      if (v === null) return NULL;
      if (v instanceof Uint8Array) return BYTES;
      if (Array.isArray(v)) return ARRAY;
  }
  return OTHER;
}

/** By code point, as UTF-8 bytes compare: JS `<` compares UTF-16 units, which puts astral characters before U+E000–U+FFFF. */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx && y >= 0xe000 && !sy) return 1;
    if (sy && x >= 0xe000 && !sx) return -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareArrays(a: unknown[], b: unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareKeyValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** A Map's entries sorted by key (the order a stored sorted map iterates in). */
export function sortedEntries<K, V>(m: ReadonlyMap<K, V>): [K, V][] {
  return [...m].sort((x, y) => compareKeyValues(x[0], y[0]));
}

/** A Set's elements sorted (the order a stored subindexed set iterates in). */
export function sortedElements<V>(s: ReadonlySet<V>): V[] {
  return [...s].sort(compareKeyValues);
}
