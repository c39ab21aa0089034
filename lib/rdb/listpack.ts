/**
 * The listpack blob writer (listpack.c's lpAppend, byte for byte): what RDB types 16 (hash) and 17 (zset) carry
 * as one string. The reader is decodeListpack in encodings.ts.
 */
import { parseInteger } from '../store/numbers';

/** lpEncodeBacklen(): the entry's size, 7 bits per byte, most significant first, high bit on all but the first. */
function backlen(l: number): number[] {
  if (l <= 127) return [l];
  const out: number[] = [];
  const n = l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
  for (let i = n - 1; i >= 0; i--) {
    const bits = Math.floor(l / 2 ** (7 * i)) & 127;
    out.push(i === n - 1 ? bits : bits | 128);
  }
  return out;
}

/** One element's encoding and data: the smallest integer form when lpStringToInt64 accepts it, else a string. */
function entry(s: string): Buffer {
  const parsed = parseInteger(s); // lpStringToInt64 accepts exactly what string2ll does
  if (parsed !== null) {
    const v = BigInt(parsed);
    if (v >= 0n && v <= 127n) return Buffer.from([Number(v)]);
    if (v >= -4096n && v <= 4095n) {
      const u = Number(v < 0n ? v + 8192n : v);
      return Buffer.from([0xc0 | (u >> 8), u & 0xff]);
    }
    if (v >= -32768n && v <= 32767n) {
      const b = Buffer.alloc(3, 0xf1);
      b.writeInt16LE(Number(v), 1);
      return b;
    }
    if (v >= -8388608n && v <= 8388607n) {
      const b = Buffer.alloc(4, 0xf2);
      b.writeIntLE(Number(v), 1, 3);
      return b;
    }
    if (v >= -2147483648n && v <= 2147483647n) {
      const b = Buffer.alloc(5, 0xf3);
      b.writeInt32LE(Number(v), 1);
      return b;
    }
    const b = Buffer.alloc(9, 0xf4);
    b.writeBigInt64LE(v, 1);
    return b;
  }
  const n = s.length;
  let head: Buffer;
  if (n < 64) {
    head = Buffer.from([0x80 | n]);
  } else if (n < 4096) {
    head = Buffer.from([0xe0 | (n >> 8), n & 0xff]);
  } else {
    head = Buffer.alloc(5, 0xf0);
    head.writeUInt32LE(n, 1);
  }
  return Buffer.concat([head, Buffer.from(s, 'latin1')]);
}

/** The bytes lpAppend grows a listpack by for `s`: its entry and backlen (how a quicklist node's size is tracked). */
export function listpackEntrySize(s: string): number {
  const n = entry(s).length;
  return n + backlen(n).length;
}

/** An empty listpack's bytes: the 6-byte header and the end byte. */
export const LISTPACK_EMPTY_SIZE = 7;

/**
 * A listpack holding `items` in order: total bytes u32 LE, element count u16 LE (65535 when it does not fit),
 * each entry followed by its backlen, then 0xFF.
 */
export function encodeListpack(items: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  let total = 6 + 1;
  for (const s of items) {
    const e = entry(s);
    const back = Buffer.from(backlen(e.length));
    parts.push(e, back);
    total += e.length + back.length;
  }
  const head = Buffer.alloc(6);
  head.writeUInt32LE(total, 0);
  head.writeUInt16LE(items.length < 65535 ? items.length : 65535, 4);
  return Buffer.concat([head, ...parts, Buffer.from([0xff])], total);
}
