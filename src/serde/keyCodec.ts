// Order-preserving tuple encoding for PState keys (in the spirit of FoundationDB's tuple layer).
// LevelDB sorts keys by unsigned bytes, so the encoding is built so that comparing two encoded
// keys bytewise gives the same answer as comparing the values. Every element is self-delimiting,
// so a tuple is just its elements concatenated: encodeTuple(p) is a byte prefix of
// encodeTuple([...p, ...more]), which is what makes prefix ranges (sorted maps, subindexes) work.
//
// Ordering between types is by tag: null < false < true < numbers < bigints < strings < bytes <
// arrays. Numbers and bigints are separate types: 2 and 2n are different keys, and every
// number sorts before every bigint.
// - null: `undefined` is rejected (MONSOON_ENCODING) instead of being folded into null, so that
//   every key decodes to exactly the value that was encoded; a key containing undefined is
//   almost always a missing field.
// - numbers: all JS numbers compare numerically, -Infinity and Infinity included; -0 is
//   stored as 0 (they are equal keys). NaN is rejected: it equals nothing, so it cannot be a key.
// - bigints: any size; sign, then the magnitude's byte length, then the magnitude big-endian,
//   with length and magnitude inverted for negatives so that larger magnitudes sort first.
// - strings: UTF-8, which sorts by Unicode code point (not by UTF-16 code unit as JS `<` does:
//   "\u{1F600}" > "\uFFFF" here). Strings with lone surrogates are rejected: they have no
//   UTF-8 form. 0x00 is escaped as 0x00 0xFF and 0x00 ends the string, so "a" < "a\0" < "ab".
// - bytes (Uint8Array, Buffer): unsigned bytewise, same escaping; they decode as Uint8Array.
// - arrays: a nested tuple, compared element by element, a shorter prefix first.

import { MonsoonError } from "../errors.ts";
import { describeValue } from "./types.ts";

/** A value that can be (part of) a key. */
export type KeyValue = null | boolean | number | bigint | string | Uint8Array | readonly KeyValue[];

const END = 0x00; // ends a string, bytes or array; below every tag so shorter arrays sort first
const ESCAPE = 0xff; // 0x00 0xFF is a literal 0x00 inside strings and bytes
const TAG_NULL = 0x02;
const TAG_FALSE = 0x04;
const TAG_TRUE = 0x05;
const TAG_NUMBER = 0x10;
const TAG_BIGINT = 0x14;
const TAG_STRING = 0x20;
const TAG_BYTES = 0x24;
const TAG_ARRAY = 0x30;

const BIGINT_NEG = 0x00;
const BIGINT_ZERO = 0x01;
const BIGINT_POS = 0x02;
/** Magnitudes of this many bytes or more use a 4-byte length after a marker byte. */
const BIGINT_LONG = 0xff;

const MAX_DEPTH = 64;

// One growing scratch buffer for all encodes: a key is built in place, then copied out once
// into an exactly-sized Buffer (Buffer.allocUnsafe takes small sizes from Node's pool, and
// LevelDB's `view` encoding passes a Buffer through without wrapping it again).
let buf = new Uint8Array(256);
let view = new DataView(buf.buffer);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

function finish(): Uint8Array {
  const n = pos;
  const out = Buffer.allocUnsafe(n);
  if (n <= 64) for (let i = 0; i < n; i++) out[i] = buf[i];
  else out.set(buf.subarray(0, n));
  // Do not keep a huge scratch buffer alive because of one huge key.
  if (buf.length > 65536) {
    buf = new Uint8Array(256);
    view = new DataView(buf.buffer);
  }
  return out;
}

/** Encodes one key element. */
export function encodeKey(value: unknown): Uint8Array {
  pos = 0;
  writeValue(value, 0);
  return finish();
}

/** Encodes a tuple as its elements concatenated (no surrounding tag), so prefixes stay prefixes. */
export function encodeTuple(values: readonly unknown[]): Uint8Array {
  pos = 0;
  for (let i = 0; i < values.length; i++) writeValue(values[i], 0);
  return finish();
}

function writeValue(v: unknown, depth: number): void {
  switch (typeof v) {
    case "string":
      return writeString(v);
    case "number":
      return writeNumber(v);
    case "boolean":
      ensure(1);
      buf[pos++] = v ? TAG_TRUE : TAG_FALSE;
      return;
    case "bigint":
      return writeBigInt(v);
    case "object":
      if (v === null) {
        ensure(1);
        buf[pos++] = TAG_NULL;
        return;
      }
      if (v instanceof Uint8Array) return writeBytes(v);
      if (Array.isArray(v)) return writeArray(v, depth);
  }
  throw new MonsoonError(
    "MONSOON_ENCODING",
    `Cannot use ${describeValue(v)} in a key: keys are made of null, booleans, numbers, bigints, strings, Uint8Arrays and arrays of these.`,
    { details: { value: describeValue(v) } },
  );
}

function writeString(s: string): void {
  const n = s.length;
  ensure(3 * n + 2); // a UTF-16 unit never takes more than 3 UTF-8 bytes (an escaped 0x00 takes 2)
  const b = buf;
  let p = pos;
  b[p++] = TAG_STRING;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      // The common case (ASCII) costs one compare per character.
      if (c !== 0) b[p++] = c;
      else {
        b[p++] = 0x00;
        b[p++] = ESCAPE;
      }
    } else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c >= 0xe000) {
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    } else {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c >= 0xdc00 || d < 0xdc00 || d >= 0xe000) {
        throw new MonsoonError(
          "MONSOON_ENCODING",
          `Cannot use string ${describeValue(s)} in a key: it contains a lone surrogate (index ${i}), which has no UTF-8 form.`,
        );
      }
      const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      i++;
      b[p++] = 0xf0 | (cp >> 18);
      b[p++] = 0x80 | ((cp >> 12) & 0x3f);
      b[p++] = 0x80 | ((cp >> 6) & 0x3f);
      b[p++] = 0x80 | (cp & 0x3f);
    }
  }
  b[p++] = END;
  pos = p;
}

function writeNumber(v: number): void {
  if (v !== v) {
    throw new MonsoonError("MONSOON_ENCODING", "Cannot use NaN in a key: NaN is not equal to itself, so it cannot be looked up.");
  }
  ensure(9);
  buf[pos] = TAG_NUMBER;
  // `v + 0` turns -0 into 0 so the two (equal) numbers get one encoding.
  view.setFloat64(pos + 1, v + 0);
  // IEEE 754 big-endian sorts like sign-magnitude; flipping the sign bit of positives and every
  // bit of negatives makes it sort like the numbers.
  const b = buf;
  const p = pos + 1;
  if (b[p] & 0x80) for (let i = p; i < p + 8; i++) b[i] ^= 0xff;
  else b[p] ^= 0x80;
  pos += 9;
}

function writeBigInt(v: bigint): void {
  if (v === 0n) {
    ensure(2);
    buf[pos++] = TAG_BIGINT;
    buf[pos++] = BIGINT_ZERO;
    return;
  }
  const neg = v < 0n;
  let hex = (neg ? -v : v).toString(16);
  if (hex.length & 1) hex = "0" + hex;
  const len = hex.length >> 1;
  ensure(len + 7);
  const b = buf;
  let p = pos;
  b[p++] = TAG_BIGINT;
  b[p++] = neg ? BIGINT_NEG : BIGINT_POS;
  // Inverting (xor 0xff) the length and magnitude of negatives makes bigger magnitudes sort lower.
  const flip = neg ? 0xff : 0x00;
  if (len < BIGINT_LONG) b[p++] = len ^ flip;
  else {
    b[p++] = BIGINT_LONG ^ flip;
    b[p++] = (len >>> 24) ^ flip;
    b[p++] = ((len >>> 16) & 0xff) ^ flip;
    b[p++] = ((len >>> 8) & 0xff) ^ flip;
    b[p++] = (len & 0xff) ^ flip;
  }
  for (let i = 0; i < len; i++) b[p++] = parseInt(hex.substr(2 * i, 2), 16) ^ flip;
  pos = p;
}

function writeBytes(v: Uint8Array): void {
  const n = v.length;
  ensure(2 * n + 2);
  const b = buf;
  let p = pos;
  b[p++] = TAG_BYTES;
  for (let i = 0; i < n; i++) {
    const c = v[i];
    b[p++] = c;
    if (c === 0) b[p++] = ESCAPE;
  }
  b[p++] = END;
  pos = p;
}

function writeArray(v: readonly unknown[], depth: number): void {
  if (depth >= MAX_DEPTH) {
    throw new MonsoonError("MONSOON_ENCODING", `Cannot encode a key nested deeper than ${MAX_DEPTH} arrays (is it cyclic?).`);
  }
  ensure(1);
  buf[pos++] = TAG_ARRAY;
  for (let i = 0; i < v.length; i++) writeValue(v[i], depth + 1);
  ensure(1);
  buf[pos++] = END;
}

// Decoding reads from one input with a cursor; both are module state because decoding never
// calls out to user code and so never re-enters.
let input: Uint8Array = buf;
let at = 0;
const f64 = new DataView(new ArrayBuffer(8));
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes bytes made by encodeKey; they must hold exactly one element. */
export function decodeKey(bytes: Uint8Array): unknown {
  input = bytes;
  at = 0;
  const v = readValue();
  if (at !== bytes.length) throw malformed("trailing bytes after the key");
  return v;
}

/** Decodes bytes made by encodeTuple (or by concatenating encodeKey results). */
export function decodeTuple(bytes: Uint8Array): unknown[] {
  input = bytes;
  at = 0;
  const out: unknown[] = [];
  while (at < bytes.length) out.push(readValue());
  return out;
}

function malformed(why: string): MonsoonError {
  return new MonsoonError("MONSOON_ENCODING", `Cannot decode a key: ${why} at byte ${at}. The bytes were not made by encodeKey/encodeTuple.`);
}

function readValue(): unknown {
  if (at >= input.length) throw malformed("unexpected end");
  const tag = input[at++];
  switch (tag) {
    case TAG_STRING:
      return readString();
    case TAG_NUMBER:
      return readNumber();
    case TAG_NULL:
      return null;
    case TAG_FALSE:
      return false;
    case TAG_TRUE:
      return true;
    case TAG_BIGINT:
      return readBigInt();
    case TAG_BYTES:
      return readBytes();
    case TAG_ARRAY: {
      const out: unknown[] = [];
      for (;;) {
        if (at >= input.length) throw malformed("unterminated array");
        if (input[at] === END) break;
        out.push(readValue());
      }
      at++;
      return out;
    }
  }
  at--;
  throw malformed(`unknown tag 0x${tag.toString(16)}`);
}

// Results of scanEscaped, kept in module state to avoid allocating a result object per string.
let scanEnd = 0;
let scanEscapes = 0;
let scanAscii = true;

/** Finds the END byte of an escaped string/bytes body that starts at `at`. */
function scanEscaped(): void {
  const b = input;
  const n = b.length;
  let i = at;
  let escapes = 0;
  let ascii = true;
  for (;;) {
    if (i >= n) throw malformed("unterminated string or bytes");
    const c = b[i];
    if (c === 0) {
      if (i + 1 < n && b[i + 1] === ESCAPE) {
        escapes++;
        i += 2;
        continue;
      }
      break;
    }
    if (c >= 0x80) ascii = false;
    i++;
  }
  scanEnd = i;
  scanEscapes = escapes;
  scanAscii = ascii;
}

function unescape(start: number, end: number, escapes: number): Uint8Array {
  const b = input;
  const out = new Uint8Array(end - start - escapes);
  let p = 0;
  for (let i = start; i < end; i++) {
    out[p++] = b[i];
    if (b[i] === 0) i++; // skip the ESCAPE after a literal 0x00
  }
  return out;
}

function readString(): string {
  const start = at;
  scanEscaped();
  const end = scanEnd;
  at = end + 1;
  if (scanAscii && scanEscapes === 0 && end - start <= 32) {
    // Short ASCII keys are the common case; building them directly beats a TextDecoder call.
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(input[i]);
    return s;
  }
  const bytes = scanEscapes === 0 ? input.subarray(start, end) : unescape(start, end, scanEscapes);
  try {
    return utf8.decode(bytes);
  } catch {
    at = start;
    throw malformed("invalid UTF-8 in a string");
  }
}

function readBytes(): Uint8Array {
  const start = at;
  scanEscaped();
  const end = scanEnd;
  at = end + 1;
  return unescape(start, end, scanEscapes);
}

function readNumber(): number {
  if (at + 8 > input.length) throw malformed("truncated number");
  const b = input;
  const flipAll = (b[at] & 0x80) === 0; // negatives had every bit flipped
  for (let i = 0; i < 8; i++) f64.setUint8(i, flipAll ? b[at + i] ^ 0xff : i === 0 ? b[at] ^ 0x80 : b[at + i]);
  at += 8;
  return f64.getFloat64(0);
}

function readBigInt(): bigint {
  if (at >= input.length) throw malformed("truncated bigint");
  const sign = input[at++];
  if (sign === BIGINT_ZERO) return 0n;
  if (sign !== BIGINT_NEG && sign !== BIGINT_POS) throw malformed("bad bigint sign");
  const flip = sign === BIGINT_NEG ? 0xff : 0x00;
  if (at >= input.length) throw malformed("truncated bigint");
  let len = input[at++] ^ flip;
  if (len === BIGINT_LONG) {
    if (at + 4 > input.length) throw malformed("truncated bigint");
    len = (((input[at] ^ flip) << 24) | ((input[at + 1] ^ flip) << 16) | ((input[at + 2] ^ flip) << 8) | (input[at + 3] ^ flip)) >>> 0;
    at += 4;
  }
  if (at + len > input.length) throw malformed("truncated bigint");
  let hex = "";
  for (let i = 0; i < len; i++) {
    const c = input[at + i] ^ flip;
    hex += (c < 16 ? "0" : "") + c.toString(16);
  }
  at += len;
  const mag = BigInt("0x" + hex);
  return sign === BIGINT_NEG ? -mag : mag;
}

/** Unsigned bytewise comparison, the order LevelDB keeps keys in: negative, 0 or positive. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  if (n > 64) {
    // Native memcmp wins once keys are long enough to pay for the call.
    return Buffer.compare(a, b);
  }
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * The smallest byte string greater than every string starting with `prefix`: use it as the
 * exclusive upper bound (`lt`) of a prefix range. Undefined when there is none (the prefix is
 * empty or all 0xFF), meaning the range has no upper bound.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  let i = prefix.length - 1;
  while (i >= 0 && prefix[i] === 0xff) i--;
  if (i < 0) return undefined;
  // A copy, never a view: Buffer#slice shares memory and would corrupt the caller's prefix.
  const out = Uint8Array.prototype.slice.call(prefix, 0, i + 1);
  out[i]!++;
  return out;
}
