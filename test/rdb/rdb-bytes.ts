/**
 * Hand-made RDB bytes for the reader tests, written from the layouts in shared/notes/rdb-format.md rather than
 * with lib/rdb's writer, so the two are checked against each other and against the legacy encodings Redis 7
 * no longer writes (zipmap, ziplists, quicklist v1) and the 7.2 types (set listpack, stream v3).
 */
import { crc64 } from '../../lib/rdb/crc64';

export const B = (s: string) => Buffer.from(s, 'latin1');
export const cat = (...parts: (Buffer | number[] | string)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? B(p) : Array.isArray(p) ? Buffer.from(p) : p)));

/** The shortest RDB length encoding. */
export function len(n: number | bigint): Buffer {
  const v = BigInt(n);
  if (v < 64n) return Buffer.from([Number(v)]);
  if (v < 16384n) return Buffer.from([0x40 | Number(v >> 8n), Number(v & 0xffn)]);
  if (v <= 0xffffffffn) {
    const b = Buffer.alloc(5);
    b[0] = 0x80;
    b.writeUInt32BE(Number(v), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0x81;
  b.writeBigUInt64BE(v, 1);
  return b;
}

/** A raw RDB string. */
export const str = (s: string | Buffer) => {
  const b = typeof s === 'string' ? B(s) : s;
  return cat(len(b.length), b);
};

export const u32le = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
export const i64le = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(n));
  return b;
};
export const f64le = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return b;
};
/** A 16-byte big-endian stream ID. */
export const rawId = (ms: number | bigint, seq: number | bigint) => {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(BigInt(ms), 0);
  b.writeBigUInt64BE(BigInt(seq), 8);
  return b;
};

/** header + body + FF + CRC64 (or 8 zero bytes with `crc: false`; nothing at all before RDB 5). */
export function rdbFile(body: Buffer[], opts: { version?: number; crc?: boolean } = {}): Buffer {
  const version = opts.version ?? 10;
  const head = cat(`REDIS${String(version).padStart(4, '0')}`, ...body, [0xff]);
  if (version < 5) return head;
  const tail = Buffer.alloc(8);
  if (opts.crc ?? true) tail.writeBigUInt64LE(crc64(head));
  return cat(head, tail);
}

/** An entry: type byte, key, value bytes. */
export const entry = (type: number, key: string, value: Buffer) => cat([type], str(key), value);

// ---- listpack -------------------------------------------------------------------------------------------------

function backlen(l: number): Buffer {
  if (l <= 127) return Buffer.from([l]);
  const out: number[] = [];
  let v = l;
  const digits: number[] = [];
  while (v > 0) {
    digits.unshift(v & 127);
    v = Math.floor(v / 128);
  }
  for (let i = 0; i < digits.length; i++) out.push(i === 0 ? digits[i] : digits[i] | 128);
  return Buffer.from(out);
}

/** One listpack entry; an integer in its smallest int encoding, a string in its smallest string encoding. */
export function lpEntry(v: string | number | bigint): Buffer {
  let enc: Buffer;
  if (typeof v !== 'string') {
    const n = BigInt(v);
    if (n >= 0n && n <= 127n) enc = Buffer.from([Number(n)]);
    else if (n >= -4096n && n <= 4095n) {
      const u = Number(n < 0n ? n + 8192n : n);
      enc = Buffer.from([0xc0 | (u >> 8), u & 0xff]);
    } else if (n >= -32768n && n <= 32767n) {
      enc = Buffer.alloc(3);
      enc[0] = 0xf1;
      enc.writeInt16LE(Number(n), 1);
    } else if (n >= -8388608n && n <= 8388607n) {
      enc = Buffer.alloc(4);
      enc[0] = 0xf2;
      enc.writeIntLE(Number(n), 1, 3);
    } else if (n >= -2147483648n && n <= 2147483647n) {
      enc = Buffer.alloc(5);
      enc[0] = 0xf3;
      enc.writeInt32LE(Number(n), 1);
    } else {
      enc = Buffer.alloc(9);
      enc[0] = 0xf4;
      enc.writeBigInt64LE(n, 1);
    }
  } else {
    const b = B(v);
    if (b.length < 64) enc = cat([0x80 | b.length], b);
    else if (b.length < 4096) enc = cat([0xe0 | (b.length >> 8), b.length & 0xff], b);
    else enc = cat([0xf0], u32le(b.length), b);
  }
  return cat(enc, backlen(enc.length));
}

export function listpack(values: (string | number | bigint)[], count = values.length): Buffer {
  const body = cat(...values.map(lpEntry));
  const total = 6 + body.length + 1;
  const head = Buffer.alloc(6);
  head.writeUInt32LE(total, 0);
  head.writeUInt16LE(count, 4);
  return cat(head, body, [0xff]);
}

// ---- ziplist ---------------------------------------------------------------------------------------------------

function zlEncode(v: string | number | bigint): Buffer {
  if (typeof v === 'string') {
    const b = B(v);
    if (b.length < 64) return cat([b.length], b);
    if (b.length < 16384) return cat([0x40 | (b.length >> 8), b.length & 0xff], b);
    const h = Buffer.alloc(5);
    h[0] = 0x80;
    h.writeUInt32BE(b.length, 1);
    return cat(h, b);
  }
  const n = BigInt(v);
  if (n >= 0n && n <= 12n) return Buffer.from([0xf1 + Number(n)]);
  if (n >= -128n && n <= 127n) return Buffer.from([0xfe, Number(n) & 0xff]);
  if (n >= -32768n && n <= 32767n) {
    const b = Buffer.alloc(3);
    b[0] = 0xc0;
    b.writeInt16LE(Number(n), 1);
    return b;
  }
  if (n >= -8388608n && n <= 8388607n) {
    const b = Buffer.alloc(4);
    b[0] = 0xf0;
    b.writeIntLE(Number(n), 1, 3);
    return b;
  }
  if (n >= -2147483648n && n <= 2147483647n) {
    const b = Buffer.alloc(5);
    b[0] = 0xd0;
    b.writeInt32LE(Number(n), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xe0;
  b.writeBigInt64LE(n, 1);
  return b;
}

export function ziplist(values: (string | number | bigint)[]): Buffer {
  const entries: Buffer[] = [];
  let prev = 0, tail = 10;
  for (const v of values) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : cat([0xfe], u32le(prev));
    const e = cat(prevlen, zlEncode(v));
    tail = 10 + entries.reduce((a, x) => a + x.length, 0);
    entries.push(e);
    prev = e.length;
  }
  const body = cat(...entries);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + body.length + 1, 0);
  head.writeUInt32LE(tail, 4);
  head.writeUInt16LE(values.length, 8);
  return cat(head, body, [0xff]);
}

// ---- intset, zipmap ----------------------------------------------------------------------------------------------

export function intset(width: 2 | 4 | 8, values: (number | bigint)[]): Buffer {
  const body = Buffer.alloc(values.length * width);
  values.forEach((v, i) => {
    if (width === 2) body.writeInt16LE(Number(v), i * 2);
    else if (width === 4) body.writeInt32LE(Number(v), i * 4);
    else body.writeBigInt64LE(BigInt(v), i * 8);
  });
  return cat(u32le(width), u32le(values.length), body);
}

export function zipmap(pairs: [string, string, number?][]): Buffer {
  const zlen = (n: number) => (n < 254 ? Buffer.from([n]) : cat([254], u32le(n)));
  const parts: Buffer[] = [Buffer.from([Math.min(pairs.length, 254)])];
  for (const [k, v, free = 0] of pairs) parts.push(zlen(k.length), B(k), zlen(v.length), Buffer.from([free]), B(v), Buffer.alloc(free));
  return cat(...parts, [0xff]);
}
