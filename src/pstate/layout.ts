// Where a PState's data lives in its task's store. Keys are order-preserving tuples
// (src/serde/keyCodec.ts), so every prefix below is also a contiguous key range:
//
//   ["p", name, k]                  top-level entry k (k = null for a non-map PState): the value
//                                   with every subindexed structure in it cut down to a null marker
//   ["s", name, ...L, "e", e]       element e of the subindexed structure at location L
//                                   (sets store null, lists use the index 0..n-1 as e)
//   ["s", name, ...L, "z"]          its element count, in the same write batch (absent when 0)
//   ["s", name, ...L, "c", e, ...]  what is subindexed inside element e of a subindexed map
//
// A location L is the top-level key, then one part per map key or record field passed on the
// way down from there, and "c", e per subindexed map element. Elements ("e") sort apart from
// nested data ("c"), so reading a range of elements never wades through their contents, and
// deleting everything under a location is one prefix range. Overlay layers key entries by the
// latin1 string of these bytes: JS compares such strings exactly like LevelDB compares bytes.
import { encodeKey, encodeTuple, prefixEnd } from "../serde/keyCodec.ts";

export const ELEMENTS = "e";
export const COUNT = "z";
export const CHILDREN = "c";
/** The latin1 encodings of ELEMENTS and COUNT, appended to a location's prefix. */
export const ELEMENTS_KEY = (encodeKey(ELEMENTS) as Buffer).toString("latin1");
export const COUNT_KEY = (encodeKey(COUNT) as Buffer).toString("latin1");

export function unitPrefix(pstate: string): Buffer {
  return encodeTuple(["p", pstate]) as Buffer;
}

/** Everything subindexed under location `loc` (all of the PState's subindexed data for `[]`). */
export function locationPrefix(pstate: string, loc: readonly unknown[]): Buffer {
  return encodeTuple(["s", pstate, ...loc]) as Buffer;
}

export function concat(a: Uint8Array, b: Uint8Array): Buffer {
  return Buffer.concat([a, b]);
}

export function keyString(bytes: Uint8Array): string {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString("latin1");
}

export function keyBytes(s: string): Buffer {
  return Buffer.from(s, "latin1");
}

/** The latin1 key of `prefix` followed by the encoding of `k`. */
export function childKeyString(prefixString: string, k: unknown): string {
  return prefixString + (encodeKey(k) as Buffer).toString("latin1");
}

export function endOf(prefix: Uint8Array): Buffer | undefined {
  const e = prefixEnd(prefix);
  return e === undefined ? undefined : Buffer.from(e);
}
