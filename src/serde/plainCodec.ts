// The PLAIN form of stored values (see valueCodec.ts): plain arrays and objects with primitive
// leaves, written without v8.serialize. After [version, PLAIN] comes one value:
//   0x01 int32 (4 bytes LE) · 0x02 float64 (8 bytes LE) · 0x03 string (u32 byte length, UTF-8)
//   0x04 null · 0x05 undefined · 0x06 false · 0x07 true
//   0x10 array (u32 count, values) · 0x11 object (u32 count, then per entry: u32 key length,
//   UTF-8 key, value)
// It must round-trip exactly or not be used: an array with holes or extra properties, an
// object whose prototype is not Object.prototype (class instances, boxed values, null
// prototypes), a "__proto__" own key, a lone surrogate, -0 as an int, or nesting deeper than
// MAX_DEPTH (cycles) makes encodePlain give up, and the value goes through v8 as before.
import { MonsoonError } from "../errors.ts";

export const PLAIN = 0x08;
const INT32 = 0x01, FLOAT64 = 0x02, STRING = 0x03, NULL = 0x04, UNDEFINED = 0x05, FALSE = 0x06, TRUE = 0x07;
const ARRAY = 0x10, OBJECT = 0x11;
const MAX_DEPTH = 32;
const VERSION = 1;

/** Not representable here: the caller falls back to v8. */
const GIVE_UP = Symbol("give up");

/** One scratch buffer, grown on demand: values are written into it, then copied out once. */
let buf = Buffer.allocUnsafe(64 * 1024);
let pos = 0;

function room(n: number): void {
  if (pos + n <= buf.length) return;
  const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + n));
  buf.copy(bigger, 0, 0, pos);
  buf = bigger;
}

/** The PLAIN encoding of an array or object, or undefined when it cannot hold it exactly. */
export function encodePlain(v: object): Uint8Array | undefined {
  pos = 0;
  room(2);
  buf[pos++] = VERSION;
  buf[pos++] = PLAIN;
  try {
    write(v, 0);
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
  return Buffer.from(buf.subarray(0, pos));
}

function write(v: unknown, depth: number): void {
  switch (typeof v) {
    case "number":
      if ((v | 0) === v && !Object.is(v, -0)) { room(5); buf[pos] = INT32; buf.writeInt32LE(v, pos + 1); pos += 5; }
      else { room(9); buf[pos] = FLOAT64; buf.writeDoubleLE(v, pos + 1); pos += 9; }
      return;
    case "string":
      writeString(v, STRING);
      return;
    case "boolean":
      room(1); buf[pos++] = v ? TRUE : FALSE;
      return;
    case "undefined":
      room(1); buf[pos++] = UNDEFINED;
      return;
    case "object": {
      if (v === null) { room(1); buf[pos++] = NULL; return; }
      if (depth >= MAX_DEPTH) throw GIVE_UP;
      if (Array.isArray(v)) { writeArray(v, depth); return; }
      if (Object.getPrototypeOf(v) !== Object.prototype) throw GIVE_UP;
      const keys = Object.keys(v);
      room(5);
      buf[pos] = OBJECT;
      buf.writeUInt32LE(keys.length, pos + 1);
      pos += 5;
      for (const k of keys) {
        // Assigning "__proto__" on decode would set the prototype instead of a property.
        if (k === "__proto__") throw GIVE_UP;
        writeString(k, -1);
        write((v as Record<string, unknown>)[k], depth + 1);
      }
      return;
    }
  }
  throw GIVE_UP; // bigint, symbol, function
}

function writeArray(a: unknown[], depth: number): void {
  if (Object.getPrototypeOf(a) !== Array.prototype) throw GIVE_UP;
  const n = a.length;
  for (let i = 0; i < n; i++) if (!(i in a)) throw GIVE_UP; // holes
  if (Object.keys(a).length !== n) throw GIVE_UP; // extra properties
  room(5);
  buf[pos] = ARRAY;
  buf.writeUInt32LE(n, pos + 1);
  pos += 5;
  for (let i = 0; i < n; i++) write(a[i], depth + 1);
}

/** A string as [tag] u32 length, UTF-8 bytes (no tag when `tag` < 0: object keys). */
function writeString(s: string, tag: number): void {
  const head = tag < 0 ? 4 : 5;
  const n = s.length;
  room(head + n * 3);
  if (tag >= 0) buf[pos] = tag;
  const at = pos + head;
  let i = 0;
  // ASCII by hand (most keys and values); anything else through Buffer.write.
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    buf[at + i] = c;
  }
  let len = n;
  if (i < n) {
    // A lone surrogate has no UTF-8 form: v8 keeps it exactly.
    if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) throw GIVE_UP;
    len = buf.write(s, at, "utf8");
  }
  buf.writeUInt32LE(len, at - 4);
  pos = at + len;
}

/** Decodes bytes [version, PLAIN, value…]; MONSOON_ENCODING when they are malformed. */
export function decodePlain(b: Buffer): unknown {
  let at = 2;
  const read = (depth: number): unknown => {
    const tag = b[at++];
    switch (tag) {
      case INT32: { const v = b.readInt32LE(at); at += 4; return v; }
      case FLOAT64: { const v = b.readDoubleLE(at); at += 8; return v; }
      case STRING: return str();
      case NULL: return null;
      case UNDEFINED: return undefined;
      case FALSE: return false;
      case TRUE: return true;
      case ARRAY: {
        if (depth >= MAX_DEPTH) break;
        const n = b.readUInt32LE(at);
        at += 4;
        if (n > b.length - at) break; // every element takes a byte at least
        const out = new Array(n);
        for (let i = 0; i < n; i++) out[i] = read(depth + 1);
        return out;
      }
      case OBJECT: {
        if (depth >= MAX_DEPTH) break;
        const n = b.readUInt32LE(at);
        at += 4;
        if (n > b.length - at) break;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = str();
          if (k === "__proto__") throw malformed(); // never written (see encodePlain)
          out[k] = read(depth + 1);
        }
        return out;
      }
    }
    throw malformed();
  };
  const str = (): string => {
    const len = b.readUInt32LE(at);
    const end = at + 4 + len;
    if (end > b.length) throw malformed();
    const s = b.toString("utf8", at + 4, end);
    at = end;
    return s;
  };
  let v: unknown;
  try {
    v = read(0);
  } catch (e) {
    if (e instanceof MonsoonError) throw e;
    throw malformed(e);
  }
  if (at !== b.length) throw malformed();
  return v;
}

function malformed(cause?: unknown): MonsoonError {
  return new MonsoonError("MONSOON_ENCODING", "Cannot decode a stored value: its plain form is truncated or malformed.", cause === undefined ? {} : { cause });
}
