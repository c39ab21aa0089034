/**
 * Decoders for the compact blobs an RDB value may hold as one string: listpack (listpack.c), ziplist
 * (ziplist.c), intset (intset.c) and zipmap (zipmap.c). Each checks every bound, so a corrupt blob is an
 * RdbError with Redis's integrity-check wording, never an out-of-range read.
 */
import { RdbError } from './errors';

/** One packed element: a latin1 string, or an integer (bigint only when beyond 2^53). */
export type PackedValue = string | number | bigint;

/** An element as Redis would hand it to a client: integers in decimal. */
export function packedString(v: PackedValue): string {
  return typeof v === 'string' ? v : String(v);
}

/** An element read as an integer (stream metadata); null when it is a string. */
export function packedInteger(v: PackedValue): bigint | null {
  return typeof v === 'string' ? null : BigInt(v);
}

function int64(b: Buffer, at: number): number | bigint {
  const v = b.readBigInt64LE(at);
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Entry byte size -> bytes of the backlen that follows it (lpEncodeBacklen). */
function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/**
 * Listpack: total bytes u32 LE, element count u16 LE (65535 = not known), entries each followed by their
 * backlen, then 0xFF. `what` names the value in the error, as Redis's messages do ("Hash listpack ...").
 */
export function decodeListpack(b: Buffer, what = 'Listpack'): PackedValue[] {
  const bad = () => new RdbError(`${what} integrity check failed.`);
  if (b.length < 7 || b.readUInt32LE(0) !== b.length || b[b.length - 1] !== 0xff) throw bad();
  const declared = b.readUInt16LE(4);
  const out: PackedValue[] = [];
  const end = b.length - 1;
  let p = 6;
  while (p < end) {
    const c = b[p];
    let size: number; // encoding + data
    let v: PackedValue;
    if (c < 0x80) {
      size = 1;
      v = c;
    } else if (c < 0xc0) {
      const n = c & 0x3f;
      size = 1 + n;
      if (p + size > end) throw bad();
      v = b.latin1Slice(p + 1, p + size);
    } else if (c < 0xe0) {
      size = 2;
      if (p + 2 > end) throw bad();
      const u = ((c & 0x1f) << 8) | b[p + 1];
      v = u >= 4096 ? u - 8192 : u;
    } else if (c < 0xf0) {
      if (p + 2 > end) throw bad();
      const n = ((c & 0x0f) << 8) | b[p + 1];
      size = 2 + n;
      if (p + size > end) throw bad();
      v = b.latin1Slice(p + 2, p + size);
    } else if (c === 0xf0) {
      if (p + 5 > end) throw bad();
      const n = b.readUInt32LE(p + 1);
      size = 5 + n;
      if (p + size > end) throw bad();
      v = b.latin1Slice(p + 5, p + size);
    } else if (c === 0xf1) {
      size = 3;
      if (p + size > end) throw bad();
      v = b.readInt16LE(p + 1);
    } else if (c === 0xf2) {
      size = 4;
      if (p + size > end) throw bad();
      v = b.readIntLE(p + 1, 3);
    } else if (c === 0xf3) {
      size = 5;
      if (p + size > end) throw bad();
      v = b.readInt32LE(p + 1);
    } else if (c === 0xf4) {
      size = 9;
      if (p + size > end) throw bad();
      v = int64(b, p + 1);
    } else {
      throw bad(); // 0xf5..0xfe are unused, 0xff only ends the listpack
    }
    p += size + backlenSize(size);
    if (p > end) throw bad();
    out.push(v);
  }
  if (declared !== 65535 && declared !== out.length) throw bad();
  return out;
}

/**
 * Ziplist (read only: Redis 7 converts it to a listpack on load): zlbytes u32 LE, zltail u32 LE, zllen u16 LE,
 * entries `<prevlen 1|5 bytes><encoding><data>`, then 0xFF.
 */
export function decodeZiplist(b: Buffer, what = 'Ziplist'): PackedValue[] {
  const bad = () => new RdbError(`${what} integrity check failed.`);
  if (b.length < 11 || b.readUInt32LE(0) !== b.length || b[b.length - 1] !== 0xff) throw bad();
  const declared = b.readUInt16LE(8);
  const out: PackedValue[] = [];
  const end = b.length - 1;
  let p = 10;
  while (p < end) {
    p += b[p] === 0xfe ? 5 : 1; // prevlen
    if (p >= end) throw bad();
    const c = b[p];
    let v: PackedValue;
    const need = (n: number) => {
      if (p + n > end) throw bad();
    };
    if (c < 0x40) {
      need(1 + c);
      v = b.latin1Slice(p + 1, p + 1 + c);
      p += 1 + c;
    } else if (c < 0x80) {
      need(2);
      const n = ((c & 0x3f) << 8) | b[p + 1];
      need(2 + n);
      v = b.latin1Slice(p + 2, p + 2 + n);
      p += 2 + n;
    } else if (c === 0x80) {
      need(5);
      const n = b.readUInt32BE(p + 1);
      need(5 + n);
      v = b.latin1Slice(p + 5, p + 5 + n);
      p += 5 + n;
    } else if (c === 0xc0) {
      need(3);
      v = b.readInt16LE(p + 1);
      p += 3;
    } else if (c === 0xd0) {
      need(5);
      v = b.readInt32LE(p + 1);
      p += 5;
    } else if (c === 0xe0) {
      need(9);
      v = int64(b, p + 1);
      p += 9;
    } else if (c === 0xf0) {
      need(4);
      v = b.readIntLE(p + 1, 3);
      p += 4;
    } else if (c === 0xfe) {
      need(2);
      v = b.readInt8(p + 1);
      p += 2;
    } else if (c >= 0xf1 && c <= 0xfd) {
      v = (c & 0x0f) - 1;
      p += 1;
    } else {
      throw bad();
    }
    out.push(v);
  }
  if (p !== end || (declared !== 65535 && declared !== out.length)) throw bad();
  return out;
}

/** Intset: encoding u32 LE (2, 4 or 8 bytes per member), count u32 LE, sorted members LE. */
export function decodeIntset(b: Buffer): string[] {
  const bad = () => new RdbError('Intset integrity check failed.');
  if (b.length < 8) throw bad();
  const width = b.readUInt32LE(0), count = b.readUInt32LE(4);
  if ((width !== 2 && width !== 4 && width !== 8) || 8 + count * width !== b.length || count === 0) throw bad();
  const out: string[] = new Array(count);
  for (let i = 0, p = 8; i < count; i++, p += width) {
    out[i] = width === 2 ? String(b.readInt16LE(p)) : width === 4 ? String(b.readInt32LE(p)) : String(b.readBigInt64LE(p));
  }
  return out;
}

/**
 * Zipmap (Redis 2.4 hashes): zmlen byte, then `<len>key<len><free>value<free bytes>` pairs, then 0xFF.
 * A length is one byte below 254, or 254 followed by a u32 LE.
 */
export function decodeZipmap(b: Buffer): [string, string][] {
  const bad = () => new RdbError('Zipmap integrity check failed.');
  const out: [string, string][] = [];
  let p = 1;
  const len = (): number => {
    if (p >= b.length) throw bad();
    const c = b[p];
    if (c < 254) {
      p += 1;
      return c;
    }
    if (c === 255 || p + 5 > b.length) throw bad();
    const n = b.readUInt32LE(p + 1);
    p += 5;
    return n;
  };
  for (;;) {
    if (p >= b.length) throw bad();
    if (b[p] === 0xff) break;
    const klen = len();
    if (p + klen > b.length) throw bad();
    const key = b.latin1Slice(p, p + klen);
    p += klen;
    const vlen = len();
    if (p >= b.length) throw bad();
    const free = b[p++];
    if (p + vlen + free > b.length) throw bad();
    const value = b.latin1Slice(p, p + vlen);
    p += vlen + free;
    out.push([key, value]);
  }
  if (p !== b.length - 1) throw bad();
  return out;
}
