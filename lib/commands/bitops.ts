/**
 * Bit commands on string values (bitops.c): GETBIT, SETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.
 * Bit 0 is the most significant bit of byte 0. Values stay latin1 strings; writes go through a byte mirror
 * (see editBitmap) so that a write costs one copy of the string, the new immutable value itself.
 */
import { ERR_STRING_TOO_LONG, ERR_SYNTAX, ERR_WRONGTYPE, fail } from '../protocol/errors';
import { array, int, NIL, ONE, ZERO, type Reply } from '../protocol/reply';
import { markRawString, NO_EXPIRY, type Db, type Entry } from '../store/keyspace';
import { parseInteger } from '../store/numbers';
import { keyword, type ArgCursor } from './args';
import { getString } from './string';
import { key, str, integer, tok, oneof, block } from './docs';
import { keyAt, range, bitfieldKeys } from './keyspecs';
import type { CommandContext, CommandSpec } from './types';
import { notifyKeyspaceEvent, replyWritten, NOTIFY_GENERIC, NOTIFY_STRING } from '../server/notify';

const BIT = ['@bitmap'] as const;

export const bitopsCommands: readonly CommandSpec[] = [
  { name: 'SETBIT', arity: 4, flags: ['write', 'denyoom'], group: 'bitmap', since: '2.2.0', summary: 'Set or clear one bit of the string at a key.', complexity: 'O(1)', acl: BIT, run: setbitCommand,
    keySpecs: [keyAt(1, 'RW access update')], args: [key('key'), integer('offset'), integer('value')] },
  { name: 'GETBIT', arity: 3, flags: ['readonly', 'fast'], group: 'bitmap', since: '2.2.0', summary: 'Read one bit of the string at a key.', complexity: 'O(1)', acl: BIT, run: getbitCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), integer('offset')] },
  { name: 'BITCOUNT', arity: -2, flags: ['readonly'], group: 'bitmap', since: '2.6.0', summary: 'Count the bits set to 1 in a string, or in part of it.', complexity: 'O(N)', acl: BIT, run: bitcountCommand,
    keySpecs: [keyAt(1, 'RO access')],
    args: [key('key'), block('index', integer('start'), integer('end'), oneof('index_unit', tok('BYTE'), tok('BIT')).opt.since('7.0.0')).opt],
    history: [['7.0.0', 'BYTE and BIT choose the unit of the range.']] },
  { name: 'BITPOS', arity: -3, flags: ['readonly'], group: 'bitmap', since: '2.8.7', summary: 'Find the first bit set to 0 or 1 in a string, or in part of it.', complexity: 'O(N)', acl: BIT, run: bitposCommand,
    keySpecs: [keyAt(1, 'RO access')],
    args: [key('key'), integer('bit'),
      block('index', integer('start'), block('end_index', integer('end'), oneof('index_unit', tok('BYTE'), tok('BIT')).opt.since('7.0.0')).opt).opt],
    history: [['7.0.0', 'BYTE and BIT choose the unit of the range.']] },
  { name: 'BITOP', arity: -4, flags: ['write', 'denyoom'], group: 'bitmap', since: '2.6.0', summary: 'Combine strings bit by bit (AND, OR, XOR, NOT) into a destination key.', complexity: 'O(N)', acl: BIT, run: bitopCommand,
    keySpecs: [keyAt(2, 'OW update'), keyAt(3, 'RO access', range(-1))], args: [str('operation'), key('destkey'), key('key', 1).many] },
  { name: 'BITFIELD', arity: -2, flags: ['write', 'denyoom'], group: 'bitmap', since: '3.2.0', summary: 'Read, write and increment integers of any width at any bit offset of a string.', complexity: 'O(1) for each subcommand specified', acl: BIT, run: (ctx, args) => bitfieldGeneric(ctx, args, false),
    keySpecs: [keyAt(1, 'RW update access variable_flags', range(), 'This command allows both access and modification of the key')], getKeys: bitfieldKeys,
    args: [key('key'),
      oneof('operation',
        block('encoding_offset', str('encoding'), integer('offset')).token('GET'),
        block('write',
          oneof('wrap_sat_fail', tok('WRAP'), tok('SAT'), tok('FAIL')).token('OVERFLOW').opt,
          oneof('write_operation',
            block('encoding_offset_value', str('encoding'), integer('offset'), integer('value')).token('SET'),
            block('encoding_offset_increment', str('encoding'), integer('offset'), integer('increment')).token('INCRBY')
          )
        )
      ).opt.many] },
  { name: 'BITFIELD_RO', arity: -2, flags: ['readonly', 'fast'], group: 'bitmap', since: '6.0.0', summary: 'Read integers of any width at any bit offset of a string (the read-only BITFIELD).', complexity: 'O(1) for each subcommand specified', acl: BIT, run: (ctx, args) => bitfieldGeneric(ctx, args, true),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), block('encoding_offset', str('encoding'), integer('offset')).token('GET').opt.manyTokens] },
];

const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
const ERR_BIT_ARGUMENT = 'ERR The bit argument must be 1 or 0.';
const ERR_BITOP_NOT = 'ERR BITOP NOT must be called with a single source key.';
const ERR_BITFIELD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
const ERR_OVERFLOW_TYPE = 'ERR Invalid OVERFLOW type specified';
const ERR_BITFIELD_RO = 'ERR BITFIELD_RO only supports the GET subcommand';

const MAX_STRING_LENGTH = (1 << 29) - 24; // V8's longest one-byte string: Redis could go on, we cannot

/**
 * getBitOffsetFromArgument(): a bit offset, or with `bits` (BITFIELD) also `#n`, meaning n * bits. The product
 * wraps at 64 bits as it does in C. Beyond proto-max-bulk-len bytes it is refused, except from our master.
 */
function bitOffset(ctx: CommandContext, arg: string, bits = 0): number {
  const byIndex = bits > 0 && arg.charCodeAt(0) === 35; // '#'
  const v = parseInteger(byIndex ? arg.slice(1) : arg);
  if (v === null) fail(ERR_BIT_OFFSET);
  const offset = byIndex ? BigInt.asIntN(64, BigInt(v!) * BigInt(bits)) : v!;
  if (offset < 0) fail(ERR_BIT_OFFSET);
  if (!ctx.client.isMaster) {
    const maxBulkLen = ctx.server.limits.maxBulkLen;
    const byte = typeof offset === 'number' ? Math.floor(offset / 8) : offset >> 3n;
    if (byte >= maxBulkLen) fail(ERR_BIT_OFFSET);
  }
  return Number(offset); // only inexact past 2^53 bits, far beyond any string we can hold
}

/** The entry at key for a write (lookupKeyWrite), or WRONGTYPE. */
function stringEntry(db: Db, key: string): Entry | undefined {
  const e = db.lookup(key);
  if (e !== undefined && typeof e.value !== 'string') fail(ERR_WRONGTYPE);
  return e;
}

// ---------------------------------------------------------------------------------------------------------
// Writing: strings are immutable, so each write builds a new one. The bytes of the last value written are
// kept, so the next write to that same value edits them in place and copies once (to the new string) instead
// of encoding the old string first: SETBIT in a loop over a 1 MB bitmap stays at one copy per call.

/** Mirrors above this size are not kept between commands: a bitmap that large is not worth holding twice. */
const MIRROR_MAX = 64 * 1024 * 1024;

interface Bitmap {
  bytes: Buffer; // capacity may exceed length; bytes past length are zero
  length: number;
}

let lastWritten: (Bitmap & { value: string }) | undefined;

/**
 * Writable bytes of `value`, zero-padded to at least `minLength` (lookupStringForBitCommand's sdsgrowzero).
 * Growth reserves room like sdsMakeRoomFor, so a bitmap built by SETBIT at rising offsets is not re-copied
 * on every call.
 */
function editBitmap(value: string, minLength: number): Bitmap {
  const length = Math.max(value.length, minLength);
  let bytes: Buffer;
  // `===` compares content: an equal string, even another object, has exactly these bytes.
  if (lastWritten !== undefined && lastWritten.value === value) {
    bytes = lastWritten.bytes;
    if (length > bytes.length) {
      const grown = Buffer.alloc(roomFor(length));
      bytes.copy(grown, 0, 0, value.length);
      bytes = grown;
    } else {
      bytes.fill(0, value.length, length);
    }
  } else {
    bytes = Buffer.alloc(length > value.length ? roomFor(length) : length);
    bytes.latin1Write(value, 0);
  }
  lastWritten = undefined; // taken: its bytes are about to change
  return { bytes, length };
}

/** sdsMakeRoomFor's greedy growth: double while small, then a megabyte at a time. */
function roomFor(length: number): number {
  return length < 1024 * 1024 ? length * 2 : length + 1024 * 1024;
}

/** The new string value for an edited bitmap; its bytes are kept for the next write. */
function bitmapValue(b: Bitmap): string {
  const value = b.bytes.latin1Slice(0, b.length);
  keepMirror(b, value);
  return value;
}

/** An edited bitmap whose content did not change still mirrors the value it came from. */
function keepMirror(b: Bitmap, value: string): void {
  lastWritten = b.length <= MIRROR_MAX ? { bytes: b.bytes, length: b.length, value } : undefined;
}

/** A write may grow a string up to the offset checks (proto-max-bulk-len), and never past V8's limit. */
function checkGrowth(minLength: number): void {
  if (minLength > MAX_STRING_LENGTH) fail(ERR_STRING_TOO_LONG);
}

// ---------------------------------------------------------------------------------------------------------
// Reading: scans copy the string through a small scratch buffer, 64 KB at a time, to read it as 32-bit words.

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

const CHUNK = 64 * 1024;
const scratch = Buffer.allocUnsafeSlow(CHUNK);
const scratchWords = new Int32Array(scratch.buffer, scratch.byteOffset, CHUNK / 4);
const ZERO_RUN = '\0'.repeat(CHUNK);
const ONE_RUN = '\xff'.repeat(CHUNK);

/** Set bits in bytes [from, to) of s. */
function popcount(s: string, from: number, to: number): number {
  let count = 0;
  if (to - from < 64) {
    for (let i = from; i < to; i++) count += POPCOUNT[s.charCodeAt(i)];
    return count;
  }
  for (let pos = from; pos < to; pos += CHUNK) {
    const n = Math.min(CHUNK, to - pos);
    scratch.latin1Write(s.slice(pos, pos + n), 0);
    const words = n >> 2;
    for (let w = 0; w < words; w++) {
      let v = scratchWords[w];
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      count += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    for (let j = words << 2; j < n; j++) count += POPCOUNT[scratch[j]];
  }
  return count;
}

/** Index of the first byte in [from, to) of s that is not `skip`, or -1. */
function firstByteNot(s: string, from: number, to: number, skip: number): number {
  if (to - from < 64) {
    for (let i = from; i < to; i++) if (s.charCodeAt(i) !== skip) return i;
    return -1;
  }
  const skipWord = skip === 0 ? 0 : -1;
  const run = skip === 0 ? ZERO_RUN : ONE_RUN;
  for (let pos = from; pos < to; pos += CHUNK) {
    const n = Math.min(CHUNK, to - pos);
    const piece = s.slice(pos, pos + n);
    if (piece === (n === CHUNK ? run : run.slice(0, n))) continue; // V8 compares strings natively, with no copy
    scratch.latin1Write(piece, 0);
    const words = n >> 2;
    let w = 0;
    while (w < words && scratchWords[w] === skipWord) w++;
    for (let j = w << 2; j < n; j++) if (scratch[j] !== skip) return pos + j;
  }
  return -1;
}

/** Bits of byte `fromBit >> 3` before fromBit, and of byte `toBit >> 3` after toBit. */
const headMask = (fromBit: number) => (0xff00 >> fromBit % 8) & 0xff;
const tailMask = (toBit: number) => (1 << (7 - (toBit % 8))) - 1;

/** Set bits at bit positions fromBit..toBit (inclusive) of s. */
function countBits(s: string, fromBit: number, toBit: number): number {
  const first = Math.floor(fromBit / 8), last = Math.floor(toBit / 8);
  const outside = POPCOUNT[s.charCodeAt(first) & headMask(fromBit)] + POPCOUNT[s.charCodeAt(last) & tailMask(toBit)];
  return popcount(s, first, last + 1) - outside;
}

/** The first position in fromBit..toBit (inclusive) of s holding `bit`, or -1. */
function findBit(s: string, fromBit: number, toBit: number, bit: number): number {
  const first = Math.floor(fromBit / 8), last = Math.floor(toBit / 8);
  const skip = bit ? 0 : 0xff;
  // Bits outside the range are forced to the value not sought, so they never match.
  const edge = (i: number) => {
    let mask = 0;
    if (i === first) mask |= headMask(fromBit);
    if (i === last) mask |= tailMask(toBit);
    return bit ? s.charCodeAt(i) & ~mask : s.charCodeAt(i) | mask;
  };
  let at = -1, byte = 0;
  if ((byte = edge(first)) !== skip) at = first;
  else if (last - first > 1 && (at = firstByteNot(s, first + 1, last, skip)) >= 0) byte = s.charCodeAt(at);
  else if (last > first && (byte = edge(last)) !== skip) at = last;
  if (at < 0) return -1;
  let bitInByte = 0;
  while (((byte >> (7 - bitInByte)) & 1) !== bit) bitInByte++;
  return at * 8 + bitInByte;
}

/** BYTE or BIT, the unit of BITCOUNT's and BITPOS's range. */
function indexUnit(arg: string): 'byte' | 'bit' {
  const k = keyword(arg);
  if (k === 'BIT') return 'bit';
  if (k !== 'BYTE') fail(ERR_SYNTAX);
  return 'byte';
}

/**
 * start..end (inclusive, negative counting from the end) in a value of `len` bytes, as bit positions; null when
 * the range is empty once clamped to the value.
 */
function bitRange(start: number | bigint, end: number | bigint, len: number, unit: 'byte' | 'bit'): [number, number] | null {
  const total = unit === 'bit' ? len * 8 : len;
  let s = Number(start), e = Number(end);
  if (s < 0) s += total;
  if (e < 0) e += total;
  if (s < 0) s = 0;
  if (e < 0) e = 0;
  if (e >= total) e = total - 1;
  if (s > e) return null;
  return unit === 'bit' ? [s, e] : [s * 8, e * 8 + 7];
}

// SETBIT key offset value
function setbitCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const offset = bitOffset(ctx, args.next());
  const on = parseInteger(args.next());
  if (on !== 0 && on !== 1) fail(ERR_BIT_VALUE);
  const e = stringEntry(ctx.db, key);
  const current = (e?.value as string | undefined) ?? '';
  const byte = Math.floor(offset / 8), mask = 1 << (7 - (offset % 8));
  const old = byte < current.length && current.charCodeAt(byte) & mask ? 1 : 0;
  // Written when created, grown, or the bit flips; otherwise nothing changed and nothing propagates.
  if (e === undefined || byte >= current.length || old !== on) {
    checkGrowth(byte + 1);
    const b = editBitmap(current, byte + 1);
    b.bytes[byte] = on ? b.bytes[byte] | mask : b.bytes[byte] & ~mask;
    ctx.db.set(key, bitmapValue(b), e?.expiresAt ?? NO_EXPIRY);
    notifyKeyspaceEvent(ctx.server, NOTIFY_STRING, 'setbit', key, ctx.db.id);
  }
  markRawString(ctx.db.peek(key)); // dbUnshareStringValue(): raw even when no bit changed
  return old ? ONE : ZERO;
}

// GETBIT key offset
function getbitCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const offset = bitOffset(ctx, args.next());
  const s = getString(ctx.db, key);
  if (s === undefined) return ZERO;
  const byte = Math.floor(offset / 8);
  return byte < s.length && s.charCodeAt(byte) & (1 << (7 - (offset % 8))) ? ONE : ZERO;
}

// BITCOUNT key [start end [BYTE|BIT]]
function bitcountCommand(ctx: CommandContext, args: ArgCursor): Reply {
  // The key is read before the arguments: a missing key answers 0 whatever follows.
  const s = getString(ctx.db, args.nextKey());
  if (s === undefined) return ZERO;
  const n = args.remaining;
  if (n === 0) return int(popcount(s, 0, s.length));
  if (n !== 2 && n !== 3) fail(ERR_SYNTAX);
  const start = args.nextInt64(), end = args.nextInt64();
  if (start < 0 && end < 0 && start > end) return ZERO; // checked before the unit is even read
  const range = bitRange(start, end, s.length, n === 3 ? indexUnit(args.next()) : 'byte');
  return range === null ? ZERO : int(countBits(s, range[0], range[1]));
}

// BITPOS key bit [start [end [BYTE|BIT]]]
function bitposCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const arg = args.nextInt64();
  if (arg !== 0 && arg !== 1) fail(ERR_BIT_ARGUMENT);
  const bit = arg as 0 | 1;
  const s = getString(ctx.db, key);
  // A missing key is an endless run of zeros.
  if (s === undefined) return bit ? int(-1) : ZERO;
  const n = args.remaining;
  if (n > 3) fail(ERR_SYNTAX);
  let range: [number, number] | null;
  if (n === 0) {
    range = s.length ? [0, s.length * 8 - 1] : null;
  } else {
    const start = args.nextInt64();
    const unit = n === 3 ? indexUnit(args.argv[args.position + 1]) : 'byte'; // Redis reads the unit before end
    const end = n >= 2 ? args.nextInt64() : -1;
    range = bitRange(start, end, s.length, unit);
  }
  if (range === null) return int(-1);
  const pos = findBit(s, range[0], range[1], bit);
  if (pos >= 0 || bit === 1) return int(pos);
  // No clear bit: without an explicit end the string continues with zeros right after the range.
  return int(n >= 2 ? -1 : range[1] + 1);
}

// BITOP <AND|OR|XOR|NOT> destkey key [key ...]
function bitopCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const op = keyword(args.next()) as BitOp;
  if (op !== 'AND' && op !== 'OR' && op !== 'XOR' && op !== 'NOT') fail(ERR_SYNTAX);
  const dest = args.nextKey();
  if (op === 'NOT' && args.remaining !== 1) fail(ERR_BITOP_NOT);
  const sources: string[] = [];
  let maxlen = 0;
  while (args.hasMore) {
    const value = getString(ctx.db, args.nextKey()) ?? ''; // a missing key is an empty string
    sources.push(value);
    maxlen = Math.max(maxlen, value.length);
  }
  if (maxlen === 0) {
    if (ctx.db.delete(dest)) notifyKeyspaceEvent(ctx.server, NOTIFY_GENERIC, 'del', dest, ctx.db.id);
    return ZERO;
  }
  ctx.db.set(dest, bitop(op, sources, maxlen).latin1Slice(0, maxlen));
  markRawString(ctx.db.peek(dest));
  notifyKeyspaceEvent(ctx.server, NOTIFY_STRING, 'set', dest, ctx.db.id); // BITOP stores like SET does
  return int(maxlen);
}

type BitOp = 'AND' | 'OR' | 'XOR' | 'NOT';

/** The result of `op` over the sources, each zero-padded to maxlen, 32 bits at a time. */
function bitop(op: BitOp, sources: string[], maxlen: number): Buffer {
  const res = Buffer.from(new ArrayBuffer(maxlen)); // zeroed, and aligned for the word view
  const resWords = new Int32Array(res.buffer, 0, maxlen >> 2);
  res.latin1Write(sources[0], 0);
  if (op === 'NOT') {
    for (let w = 0; w < resWords.length; w++) resWords[w] = ~resWords[w];
    for (let i = resWords.length * 4; i < maxlen; i++) res[i] = ~res[i];
    return res;
  }
  for (let k = 1; k < sources.length; k++) {
    const src = sources[k];
    for (let pos = 0; pos < src.length; pos += CHUNK) {
      const n = Math.min(CHUNK, src.length - pos);
      scratch.latin1Write(src.slice(pos, pos + n), 0);
      const base = pos >> 2, words = n >> 2;
      let w = 0, i = words * 4;
      if (op === 'AND') {
        for (; w < words; w++) resWords[base + w] &= scratchWords[w];
        for (; i < n; i++) res[pos + i] &= scratch[i];
      } else if (op === 'OR') {
        for (; w < words; w++) resWords[base + w] |= scratchWords[w];
        for (; i < n; i++) res[pos + i] |= scratch[i];
      } else {
        for (; w < words; w++) resWords[base + w] ^= scratchWords[w];
        for (; i < n; i++) res[pos + i] ^= scratch[i];
      }
    }
    if (op === 'AND') res.fill(0, src.length); // past its end a source is zeros
  }
  return res;
}

type Overflow = 'WRAP' | 'SAT' | 'FAIL';

interface FieldOp {
  kind: 'GET' | 'SET' | 'INCRBY';
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint; // SET's value or INCRBY's increment
  overflow: Overflow;
}

/** getBitfieldTypeFromArgument(): i1..i64 or u1..u63 (a u64 could not be replied as a signed integer). */
function fieldType(arg: string): { signed: boolean; bits: number } {
  const sign = arg.charCodeAt(0);
  if (sign !== 105 && sign !== 117) fail(ERR_BITFIELD_TYPE); // 'i', 'u'
  const nul = arg.indexOf('\0'); // the width is read as a C string
  const bits = parseInteger(arg.slice(1, nul < 0 ? undefined : nul));
  const signed = sign === 105;
  if (bits === null || bits < 1 || bits > (signed ? 64 : 63)) fail(ERR_BITFIELD_TYPE);
  return { signed, bits: Number(bits) };
}

// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...
// BITFIELD_RO key [GET type offset ...]
function bitfieldGeneric(ctx: CommandContext, args: ArgCursor, readOnlyCommand: boolean): Reply {
  const key = args.nextKey();
  const ops: FieldOp[] = [];
  let overflow: Overflow = 'WRAP';
  let highestWrite = -1;
  // Every operation is parsed before any runs: one bad argument and nothing happens.
  while (args.hasMore) {
    const sub = keyword(args.next());
    const left = args.remaining;
    if (sub === 'OVERFLOW' && left >= 1) {
      const type = keyword(args.next());
      if (type !== 'WRAP' && type !== 'SAT' && type !== 'FAIL') fail(ERR_OVERFLOW_TYPE);
      overflow = type as Overflow;
      continue;
    }
    if (!((sub === 'GET' && left >= 2) || ((sub === 'SET' || sub === 'INCRBY') && left >= 3))) fail(ERR_SYNTAX);
    const { signed, bits } = fieldType(args.next());
    const offset = bitOffset(ctx, args.next(), bits);
    let value = 0n;
    if (sub !== 'GET') {
      highestWrite = Math.max(highestWrite, offset + bits - 1);
      value = BigInt(args.nextInt64());
    }
    ops.push({ kind: sub as FieldOp['kind'], signed, bits, offset, value, overflow });
  }

  if (highestWrite < 0) {
    const s = getString(ctx.db, key) ?? '';
    return array(ops.map((op) => int(fieldReply(op, readWindow(s, op.offset), op.offset % 8))));
  }
  if (readOnlyCommand) fail(ERR_BITFIELD_RO);
  const e = stringEntry(ctx.db, key);
  const current = (e?.value as string | undefined) ?? '';
  const minLength = Math.floor(highestWrite / 8) + 1;
  checkGrowth(minLength);
  const b = editBitmap(current, minLength);
  const grown = e === undefined || b.length > current.length;
  let changes = 0;
  const replies = ops.map((op) => {
    if (op.kind === 'GET') return int(fieldReply(op, b.bytes, op.offset));
    const r = fieldWrite(op, b.bytes);
    if (r === null) return NIL;
    if (grown || r.changed) changes++;
    return int(r.reply);
  });
  if (changes === 0 && !grown) {
    keepMirror(b, current);
    return array(replies);
  }
  const ks = ctx.server.keyspace;
  ctx.db.set(key, bitmapValue(b), e?.expiresAt ?? NO_EXPIRY);
  markRawString(ctx.db.peek(key));
  if (changes === 0) {
    // Redis creates or pads the key before the operations run, but when every one of them failed under
    // OVERFLOW FAIL it counts no change: nothing is propagated and the dirty counter stays.
    ks.dirty--;
    ctx.rewrite = null;
  } else {
    ks.dirty += changes - 1; // server.dirty grows by one per field changed
    replyWritten(ctx.server); // Redis notifies after all the replies
    notifyKeyspaceEvent(ctx.server, NOTIFY_STRING, 'setbit', key, ctx.db.id);
  }
  return array(replies);
}

/** Up to 9 bytes of s from the one holding `offset` (zeros past the end): room for any field from there. */
function readWindow(s: string, offset: number): Buffer {
  const w = Buffer.alloc(9);
  const first = Math.floor(offset / 8);
  if (first < s.length) w.latin1Write(s.slice(first, first + 9), 0);
  return w;
}

function fieldReply(op: FieldOp, bytes: Uint8Array, offset: number): bigint {
  const u = readField(bytes, offset, op.bits);
  return op.signed ? BigInt.asIntN(op.bits, u) : u;
}

/** The unsigned `bits`-wide field at bit `offset` of bytes (big-endian, bit 0 the top bit of byte 0). */
function readField(bytes: Uint8Array, offset: number, bits: number): bigint {
  const first = Math.floor(offset / 8), span = Math.ceil(((offset % 8) + bits) / 8);
  let v = 0n;
  for (let i = 0; i < span; i++) v = (v << 8n) | BigInt(bytes[first + i] ?? 0);
  return BigInt.asUintN(bits, v >> BigInt(span * 8 - (offset % 8) - bits));
}

function writeField(bytes: Uint8Array, offset: number, bits: number, value: bigint): void {
  const first = Math.floor(offset / 8), span = Math.ceil(((offset % 8) + bits) / 8);
  const shift = BigInt(span * 8 - (offset % 8) - bits);
  let v = 0n;
  for (let i = 0; i < span; i++) v = (v << 8n) | BigInt(bytes[first + i]);
  const mask = ((1n << BigInt(bits)) - 1n) << shift;
  v = (v & ~mask) | ((BigInt.asUintN(bits, value) << shift) & mask);
  for (let i = span - 1; i >= 0; i--, v >>= 8n) bytes[first + i] = Number(v & 0xffn);
}

/**
 * SET or INCRBY on a field. Returns what to reply (the old value for SET, the new one for INCRBY) and whether
 * the field changed, or null when OVERFLOW FAIL refused the write.
 */
function fieldWrite(op: FieldOp, bytes: Uint8Array): { reply: bigint; changed: boolean } | null {
  const raw = readField(bytes, op.offset, op.bits);
  const old = op.signed ? BigInt.asIntN(op.bits, raw) : raw;
  // SET checks its value as an increment of 0 from itself, as Redis does.
  const [value, incr] = op.kind === 'SET' ? [op.signed ? op.value : BigInt.asUintN(64, op.value), 0n] : [old, op.value];
  const check = op.signed ? checkSignedOverflow(value, incr, op.bits, op.overflow) : checkUnsignedOverflow(value, incr, op.bits, op.overflow);
  if (check !== null && op.overflow === 'FAIL') return null;
  const next = check ?? value + incr;
  writeField(bytes, op.offset, op.bits, next);
  return { reply: op.kind === 'SET' ? old : next, changed: next !== old };
}

/**
 * checkUnsignedBitfieldOverflow(): null when value + incr fits in `bits` unsigned bits, else the value to store
 * (wrapped, or saturated at the side the check picked). The arithmetic is C's: value is a uint64, incr an int64,
 * and the limits it compares with wrap at 64 bits.
 */
function checkUnsignedOverflow(value: bigint, incr: bigint, bits: number, overflow: Overflow): bigint | null {
  const max = (1n << BigInt(bits)) - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, -value);
  const wrapped = BigInt.asUintN(bits, value + incr);
  if (value > max || (incr > 0n && incr > maxIncr)) return overflow === 'SAT' ? max : wrapped;
  if (incr < 0n && incr < minIncr) return overflow === 'SAT' ? 0n : wrapped;
  return null;
}

/**
 * checkSignedBitfieldOverflow(), with the same C arithmetic: for a SET of a value far below the type's minimum,
 * max - value wraps negative and the value saturates to the maximum, which is what Redis stores too.
 */
function checkSignedOverflow(value: bigint, incr: bigint, bits: number, overflow: Overflow): bigint | null {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, min - value);
  const wrapped = BigInt.asIntN(bits, value + incr);
  const narrow = bits !== 64;
  if (value > max || (narrow && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) {
    return overflow === 'SAT' ? max : wrapped;
  }
  if (value < min || (narrow && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)) {
    return overflow === 'SAT' ? min : wrapped;
  }
  return null;
}
