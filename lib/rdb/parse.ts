/**
 * The RDB reader (rdbLoadRio and rdbLoadObject in rdb.c): RDB bytes in, plain items out. The grammar is arcsecond
 * parsers with byte-level leaves, as in lib/protocol/bytes.ts. A file and each value are generator "programs"
 * that yield the parser they need next, so RdbReader can stop between chunks and parse every byte once, even
 * inside a list of a million elements. Loading items into a keyspace is load.ts; writing is write.ts.
 */
import { Parser, sequenceOf } from 'arcsecond';
import {
  byFirstByte, bytesOf, DEFAULT_LIMITS, malformed, needBytes, runAt, succeed, viewOf, type ByteParser, type State,
} from '../protocol/bytes';
import { FrameDecoder, NEED_MORE, ProtocolError } from '../protocol/decoder';
import { update as crcUpdate } from './crc64';
import { decodeIntset, decodeListpack, decodeZiplist, decodeZipmap, packedString, type PackedValue } from './encodings';
import { RdbError } from './errors';
import { lzfDecompress } from './lzf';
import * as op from './opcodes';

export { RdbError } from './errors';

// ---------------------------------------------------------------------------------------------------------------
// What the reader produces

/** A stream entry ID: two unsigned 64-bit numbers. */
export interface StreamId {
  ms: bigint;
  seq: bigint;
}

export interface RdbList {
  type: 'list';
  items: string[];
}
export interface RdbSet {
  type: 'set';
  members: string[];
}
export interface RdbZset {
  type: 'zset';
  entries: [member: string, score: number][]; // in file order (RDB_TYPE_ZSET_2 writes highest score first)
}
export interface RdbHash {
  type: 'hash';
  fields: [field: string, value: string][];
}
export interface StreamEntry {
  id: StreamId;
  fields: [field: string, value: string][];
}
/** An entry as its node's listpack holds it: a tombstone too, and whether it shares the master entry's fields. */
export interface StreamNodeEntry extends StreamEntry {
  deleted: boolean;
  sameFields: boolean; // STREAM_ITEM_FLAG_SAMEFIELDS: stored as values only, the names being the master's
}
/**
 * One listpack node of the radix tree, as saved: its key (the master ID the entries' IDs are deltas from), the
 * master entry's field names, and its entries in ID order, tombstones included.
 */
export interface StreamNode {
  masterId: StreamId;
  masterFields: string[];
  entries: StreamNodeEntry[];
}
export interface StreamPendingEntry {
  id: StreamId;
  deliveryTime: number; // unix ms of the last delivery
  deliveryCount: number;
  consumer: string | null; // the consumer whose PEL holds it (null only in a corrupt file)
}
export interface StreamConsumer {
  name: string;
  seenTime: number; // unix ms
  activeTime: number; // unix ms; RDB 11 stores it, older files get seenTime (as 7.2 does)
  pending: StreamId[];
}
export interface StreamGroup {
  name: string;
  lastId: StreamId;
  entriesRead: number; // -1 when unknown (SCG_INVALID_ENTRIES_READ)
  pending: StreamPendingEntry[]; // the group's global PEL, in ID order
  consumers: StreamConsumer[];
}
export interface RdbStream {
  type: 'stream';
  nodes: StreamNode[]; // in key order, as Redis walks its radix tree to save them
  length: number;
  lastId: StreamId;
  firstId: StreamId;
  maxDeletedId: StreamId;
  entriesAdded: number;
  groups: StreamGroup[];
}

/** A value as read: a string is a latin1 JS string (like the keyspace), a collection is plain data. */
export type RdbValue = string | RdbList | RdbSet | RdbZset | RdbHash | RdbStream;

export interface RdbEntry {
  kind: 'entry';
  db: number; // the last SELECTDB (0 before any)
  key: string;
  value: RdbValue;
  rdbType: number; // the RDB_TYPE_* the value was stored as
  expiresAt: number | null; // unix ms
  lru?: number; // IDLE: seconds since last access
  lfu?: number; // FREQ: the LFU counter
}

export type RdbItem =
  | { kind: 'aux'; key: string; value: string }
  | { kind: 'selectdb'; db: number }
  | { kind: 'resizedb'; dbSize: number; expiresSize: number }
  | { kind: 'function'; code: string } // a library's source, `#!lua name=...`
  | RdbEntry
  | { kind: 'eof'; checksum: bigint | null }; // null: RDB < 5 has none; 0n: saved without one

// ---------------------------------------------------------------------------------------------------------------
// Leaves

type Program<T> = Generator<ByteParser<any>, T, any>;

const at = (s: State, index: number): State => succeed(s, null, index);

/** A custom leaf parser: arcsecond's Parser over the byte State of lib/protocol/bytes.ts. */
function leaf<T>(fn: (s: State) => State<any>): ByteParser<T> {
  return new Parser(fn) as unknown as ByteParser<T>;
}

/** arcsecond's sequenceOf, typed for byte parsers (its own typings assume string errors). */
function seq<A extends unknown[]>(...parsers: { [K in keyof A]: ByteParser<A[K]> }): ByteParser<A> {
  return sequenceOf(parsers as any) as unknown as ByteParser<A>;
}

/** `n` raw bytes, as a view into the input. */
function fixed(n: number): ByteParser<Buffer> {
  return leaf((s) => {
    if (s.isError) return s;
    const b = bytesOf(s.dataView), end = s.index + n;
    return end <= b.length ? succeed(s, b.subarray(s.index, end), end) : needBytes(s, end);
  });
}

/** An `n`-byte number read in place. */
function fixedNumber(n: number, read: (b: Buffer, i: number) => number): ByteParser<number> {
  return leaf((s) => {
    if (s.isError) return s;
    const b = bytesOf(s.dataView), end = s.index + n;
    return end <= b.length ? succeed(s, read(b, s.index), end) : needBytes(s, end);
  });
}

const u8 = fixedNumber(1, (b, i) => b[i]);
const int32le = fixedNumber(4, (b, i) => b.readInt32LE(i));
const int64le = fixedNumber(8, (b, i) => Number(b.readBigInt64LE(i))); // unix ms: exact below 2^53
const float64le = fixedNumber(8, (b, i) => b.readDoubleLE(i));

const NEED = -1, BAD = -2;
// Set by readLength: where the length it decoded ends (or, on NEED, the index that must be reached), and
// whether its first byte was 11xxxxxx, which in a string position announces a special encoding.
let lengthEnd = 0;
let lengthEncoded = false;

/** rdbLoadLen: 6-bit, 14-bit, 32-bit BE or 64-bit BE length at `i`; NEED or BAD instead of a length. */
function readLength(b: Buffer, i: number): number {
  if (i >= b.length) return (lengthEnd = i + 1), NEED;
  const c = b[i], kind = c >> 6;
  lengthEncoded = kind === op.RDB_ENCVAL;
  // Like Redis, a plain length whose top bits are 11 is read as its low six bits.
  if (kind === op.RDB_6BITLEN || kind === op.RDB_ENCVAL) return (lengthEnd = i + 1), c & 0x3f;
  if (kind === op.RDB_14BITLEN) {
    lengthEnd = i + 2;
    return lengthEnd > b.length ? NEED : ((c & 0x3f) << 8) | b[i + 1];
  }
  if (c === op.RDB_32BITLEN) {
    lengthEnd = i + 5;
    return lengthEnd > b.length ? NEED : b.readUInt32BE(i + 1);
  }
  if (c === op.RDB_64BITLEN) {
    lengthEnd = i + 9;
    return lengthEnd > b.length ? NEED : Number(b.readBigUInt64BE(i + 1)); // counts this big never fit anyway
  }
  return BAD;
}

const badLength = (s: State, b: Buffer) => malformed(s, `Unknown length encoding ${b[s.index] >> 6} in rdbLoadLen()`);

/** A length (element count, db index, ...). */
const length: ByteParser<number> = leaf((s) => {
  if (s.isError) return s;
  const b = bytesOf(s.dataView);
  const n = readLength(b, s.index);
  if (n === NEED) return needBytes(s, lengthEnd);
  if (n === BAD) return badLength(s, b);
  return succeed(s, n, lengthEnd);
});

/** A length kept exact to 64 bits: stream IDs and counters are stored as lengths. */
const length64: ByteParser<bigint> = leaf((s) => {
  if (s.isError) return s;
  const b = bytesOf(s.dataView), i = s.index;
  if (i < b.length && b[i] === op.RDB_64BITLEN) {
    return i + 9 <= b.length ? succeed(s, b.readBigUInt64BE(i + 1), i + 9) : needBytes(s, i + 9);
  }
  const n = readLength(b, i);
  if (n === NEED) return needBytes(s, lengthEnd);
  if (n === BAD) return badLength(s, b);
  return succeed(s, BigInt(n), lengthEnd);
});

// LZF output is at most 264 bytes per 3-byte back reference: a larger claimed size is a corrupt header, not
// something to allocate.
const LZF_MAX_RATIO = 88;

/**
 * An RDB string (rdbGenericLoadStringObject): a length and raw bytes, an 8/16/32-bit integer (its decimal
 * text), or LZF-compressed bytes. `slice` makes the result from raw bytes in place; `copy` from a new Buffer.
 */
function rdbStringAs<T>(slice: (b: Buffer, start: number, end: number) => T, copy: (b: Buffer) => T): ByteParser<T> {
  const int = (s: State, text: string, end: number) => succeed(s, copy(Buffer.from(text, 'latin1')), end);
  return leaf((s) => {
    if (s.isError) return s;
    const b = bytesOf(s.dataView);
    const n = readLength(b, s.index);
    if (n === NEED) return needBytes(s, lengthEnd);
    if (n === BAD) return badLength(s, b);
    const i = lengthEnd;
    if (!lengthEncoded) return i + n <= b.length ? succeed(s, slice(b, i, i + n), i + n) : needBytes(s, i + n);
    switch (n) {
      case op.RDB_ENC_INT8:
        return i + 1 <= b.length ? int(s, String(b.readInt8(i)), i + 1) : needBytes(s, i + 1);
      case op.RDB_ENC_INT16:
        return i + 2 <= b.length ? int(s, String(b.readInt16LE(i)), i + 2) : needBytes(s, i + 2);
      case op.RDB_ENC_INT32:
        return i + 4 <= b.length ? int(s, String(b.readInt32LE(i)), i + 4) : needBytes(s, i + 4);
      case op.RDB_ENC_LZF: {
        const clen = readLength(b, i);
        if (clen === NEED) return needBytes(s, lengthEnd);
        if (clen === BAD) return badLength(at(s, i), b);
        const j = lengthEnd;
        const ulen = readLength(b, j);
        if (ulen === NEED) return needBytes(s, lengthEnd);
        if (ulen === BAD) return badLength(at(s, j), b);
        const start = lengthEnd, end = start + clen;
        if (ulen > clen * LZF_MAX_RATIO) return malformed(s, 'Invalid LZF compressed string');
        if (end > b.length) return needBytes(s, end);
        const out = lzfDecompress(b.subarray(start, end), ulen);
        return out ? succeed(s, copy(out), end) : malformed(s, 'Invalid LZF compressed string');
      }
      default:
        return malformed(s, `Unknown RDB string encoding type ${n}`);
    }
  });
}

/** A string as a latin1 JS string (keys, values, members). */
const rdbString: ByteParser<string> = rdbStringAs((b, s, e) => b.latin1Slice(s, e), (b) => b.latin1Slice());
/** A string as bytes (listpack, ziplist and intset blobs); a view into the input, decode it at once. */
const rdbBlob: ByteParser<Buffer> = rdbStringAs((b, s, e) => b.subarray(s, e), (b) => b);

/** strtod() as far as Redis's own output goes: decimal and exponent forms, inf, infinity and nan in any case. */
export function parseDouble(text: string): number | null {
  const t = text.trim();
  const m = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (m) return m[2].toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
  const v = parseFloat(t);
  return Number.isNaN(v) ? null : v;
}

/** The RDB_TYPE_ZSET score: a length byte then ASCII, with 253/254/255 standing for nan/+inf/-inf. */
const textDouble: ByteParser<number> = leaf((s) => {
  if (s.isError) return s;
  const b = bytesOf(s.dataView), i = s.index;
  if (i >= b.length) return needBytes(s, i + 1);
  const n = b[i];
  if (n === 253) return succeed(s, NaN, i + 1);
  if (n === 254) return succeed(s, Infinity, i + 1);
  if (n === 255) return succeed(s, -Infinity, i + 1);
  if (i + 1 + n > b.length) return needBytes(s, i + 1 + n);
  const v = parseDouble(b.latin1Slice(i + 1, i + 1 + n));
  return v === null ? malformed(s, 'Invalid double value in RDB') : succeed(s, v, i + 1 + n);
});

const idOf = (raw: Buffer): StreamId => ({ ms: raw.readBigUInt64BE(0), seq: raw.readBigUInt64BE(8) });
/** A stream ID as two lengths (last id, group id). */
const idAsLengths: ByteParser<StreamId> = seq(length64, length64).map(([ms, sq]) => ({ ms, seq: sq }));
/** A stream ID as 16 raw bytes, big-endian (PEL entries). */
const rawId: ByteParser<StreamId> = fixed(16).map(idOf);

/**
 * Up to `max` items, as many as the input holds (at least one): a value's elements are taken in batches of
 * whatever has arrived, so a huge collection is never re-parsed from its start when the next chunk comes.
 */
function upTo<T>(item: ByteParser<T>, max: number): ByteParser<T[]> {
  return leaf((s) => {
    if (s.isError) return s;
    const out: T[] = [];
    let st: State<any> = s;
    while (out.length < max) {
      const r = item.p(st);
      if (r.isError) {
        if (r.error.kind === 'incomplete' && out.length) break;
        return r;
      }
      out.push(r.result);
      st = r;
    }
    return succeed(st, out, st.index);
  });
}

/** `n` items, handed to `each` in order. */
function* repeat<T>(n: number, item: ByteParser<T>, each: (x: T) => void): Program<void> {
  for (let left = n; left > 0; ) {
    const batch: T[] = yield upTo(item, left);
    for (const x of batch) each(x);
    left -= batch.length;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Records: one opcode and its payload, or a key (with its value when that is a plain string)

type RecordOf =
  | { op: 'expire'; at: number }
  | { op: 'idle'; seconds: number }
  | { op: 'freq'; counter: number }
  | { op: 'selectdb'; db: number }
  | { op: 'resizedb'; dbSize: number; expiresSize: number }
  | { op: 'aux'; key: string; value: string }
  | { op: 'function'; code: string }
  | { op: 'moduleAux'; moduleId: bigint }
  | { op: 'eof' }
  | { op: 'key'; type: number; key: string; value: string | null };

/** Skip the opcode byte (byFirstByte has seen it), then parse its payload. */
function afterOpcode<T>(p: ByteParser<T>): ByteParser<T> {
  return leaf((s) => (s.isError ? s : p.p(at(s, s.index + 1))));
}

// 7.0 release candidates wrote name, engine, optional description and code; 7.0 turns that into a library source.
const functionPreGa: ByteParser<RecordOf> = seq(rdbString, rdbString, length)
  .chain((r) => {
    const [name, engine, hasDesc] = r!;
    const code = hasDesc ? seq(rdbString, rdbString).map(([, blob]) => blob) : rdbString;
    return code.map((blob): RecordOf => ({ op: 'function', code: `#!${engine} name=${name}\n${blob}` }));
  }) as ByteParser<RecordOf>;

function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 21);
}

/** A value type byte and the key; a plain string's value comes in the same record, the common case. */
const keyRecord: ByteParser<RecordOf> = leaf((s) => {
  if (s.isError) return s;
  const type = bytesOf(s.dataView)[s.index];
  if (!isObjectType(type)) return malformed(s, `Unknown RDB encoding type ${type}`);
  const k = rdbString.p(at(s, s.index + 1));
  if (k.isError) return k;
  if (type !== op.RDB_TYPE_STRING) return succeed(k, { op: 'key', type, key: k.result, value: null }, k.index);
  const v = rdbString.p(k);
  if (v.isError) return v;
  return succeed(v, { op: 'key', type, key: k.result, value: v.result }, v.index);
});

const opcodeKey = (code: number) => String.fromCharCode(code);

const record: ByteParser<RecordOf> = byFirstByte<RecordOf>(
  {
    [opcodeKey(op.RDB_OPCODE_EXPIRETIME)]: afterOpcode(int32le).map((sec): RecordOf => ({ op: 'expire', at: sec * 1000 })),
    [opcodeKey(op.RDB_OPCODE_EXPIRETIME_MS)]: afterOpcode(int64le).map((ms): RecordOf => ({ op: 'expire', at: ms })),
    [opcodeKey(op.RDB_OPCODE_IDLE)]: afterOpcode(length).map((seconds): RecordOf => ({ op: 'idle', seconds })),
    [opcodeKey(op.RDB_OPCODE_FREQ)]: afterOpcode(u8).map((counter): RecordOf => ({ op: 'freq', counter })),
    [opcodeKey(op.RDB_OPCODE_SELECTDB)]: afterOpcode(length).map((db): RecordOf => ({ op: 'selectdb', db })),
    [opcodeKey(op.RDB_OPCODE_RESIZEDB)]: afterOpcode(seq(length, length)).map(([dbSize, expiresSize]): RecordOf => ({
      op: 'resizedb', dbSize, expiresSize,
    })),
    [opcodeKey(op.RDB_OPCODE_AUX)]: afterOpcode(seq(rdbString, rdbString)).map(([key, value]): RecordOf => ({
      op: 'aux', key, value,
    })),
    [opcodeKey(op.RDB_OPCODE_FUNCTION2)]: afterOpcode(rdbString).map((code): RecordOf => ({ op: 'function', code })),
    [opcodeKey(op.RDB_OPCODE_FUNCTION)]: afterOpcode(functionPreGa),
    [opcodeKey(op.RDB_OPCODE_MODULE_AUX)]: afterOpcode(length64).map((moduleId): RecordOf => ({ op: 'moduleAux', moduleId })),
    [opcodeKey(op.RDB_OPCODE_EOF)]: leaf<RecordOf>((s) => (s.isError ? s : succeed(s, { op: 'eof' }, s.index + 1))),
  },
  keyRecord,
);

// ---------------------------------------------------------------------------------------------------------------
// Values

const MODULE_NAME_CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The 9-character module type name packed into a module id above its 10-bit encoding version. */
export function moduleTypeName(id: bigint): string {
  let v = id >> 10n, name = '';
  for (let j = 0; j < 9; j++, v >>= 6n) name = MODULE_NAME_CHARSET[Number(v & 63n)] + name;
  return name;
}

function pairsOf(flat: PackedValue[], what: string): [string, string][] {
  if (flat.length % 2) throw new RdbError(`${what} integrity check failed.`);
  const out: [string, string][] = new Array(flat.length / 2);
  for (let i = 0; i < flat.length; i += 2) out[i / 2] = [packedString(flat[i]), packedString(flat[i + 1])];
  return out;
}

function scoredOf(flat: PackedValue[], what: string): [string, number][] {
  if (flat.length % 2) throw new RdbError(`${what} integrity check failed.`);
  const out: [string, number][] = new Array(flat.length / 2);
  for (let i = 0; i < flat.length; i += 2) {
    const s = flat[i + 1];
    const score = typeof s === 'string' ? parseDouble(s) : Number(s);
    if (score === null || Number.isNaN(score)) throw new RdbError(`${what} integrity check failed.`);
    out[i / 2] = [packedString(flat[i]), score];
  }
  return out;
}

function pushAll<T>(into: T[], from: T[]): void {
  for (const x of from) into.push(x);
}

/** The value after a key of type `type` (rdbLoadObject). */
function* valueOf(type: number): Program<RdbValue> {
  switch (type) {
    case op.RDB_TYPE_LIST: {
      const items: string[] = [];
      yield* repeat(yield length, rdbString, (x) => items.push(x));
      return { type: 'list', items };
    }
    case op.RDB_TYPE_SET: {
      const members: string[] = [];
      yield* repeat(yield length, rdbString, (x) => members.push(x));
      return { type: 'set', members };
    }
    case op.RDB_TYPE_ZSET:
    case op.RDB_TYPE_ZSET_2: {
      const entries: [string, number][] = [];
      const score = type === op.RDB_TYPE_ZSET ? textDouble : float64le;
      yield* repeat(yield length, seq<[string, number]>(rdbString, score), (e) => {
        if (Number.isNaN(e[1])) throw new RdbError('Zset with NAN score detected');
        entries.push(e);
      });
      return { type: 'zset', entries };
    }
    case op.RDB_TYPE_HASH: {
      const fields: [string, string][] = [];
      yield* repeat(yield length, seq(rdbString, rdbString), (f) => fields.push(f));
      return { type: 'hash', fields };
    }
    case op.RDB_TYPE_HASH_ZIPMAP:
      return { type: 'hash', fields: decodeZipmap(yield rdbBlob) };
    case op.RDB_TYPE_LIST_ZIPLIST:
      return { type: 'list', items: decodeZiplist(yield rdbBlob, 'List ziplist').map(packedString) };
    case op.RDB_TYPE_SET_INTSET:
      return { type: 'set', members: decodeIntset(yield rdbBlob) };
    case op.RDB_TYPE_SET_LISTPACK:
      return { type: 'set', members: decodeListpack(yield rdbBlob, 'Set listpack').map(packedString) };
    case op.RDB_TYPE_ZSET_ZIPLIST:
      return { type: 'zset', entries: scoredOf(decodeZiplist(yield rdbBlob, 'Zset ziplist'), 'Zset ziplist') };
    case op.RDB_TYPE_ZSET_LISTPACK:
      return { type: 'zset', entries: scoredOf(decodeListpack(yield rdbBlob, 'Zset listpack'), 'Zset listpack') };
    case op.RDB_TYPE_HASH_ZIPLIST:
      return { type: 'hash', fields: pairsOf(decodeZiplist(yield rdbBlob, 'Hash ziplist'), 'Hash ziplist') };
    case op.RDB_TYPE_HASH_LISTPACK:
      return { type: 'hash', fields: pairsOf(decodeListpack(yield rdbBlob, 'Hash listpack'), 'Hash listpack') };
    case op.RDB_TYPE_LIST_QUICKLIST: {
      const items: string[] = [];
      yield* repeat(yield length, rdbBlob, (zl) => pushAll(items, decodeZiplist(zl).map(packedString)));
      return { type: 'list', items };
    }
    case op.RDB_TYPE_LIST_QUICKLIST_2: {
      const items: string[] = [];
      yield* repeat(yield length, seq(length, rdbBlob), ([container, data]) => {
        if (data.length === 0) throw new RdbError('Quicklist integrity check failed.');
        if (container === op.QUICKLIST_NODE_CONTAINER_PLAIN) items.push(data.latin1Slice());
        else if (container === op.QUICKLIST_NODE_CONTAINER_PACKED) pushAll(items, decodeListpack(data).map(packedString));
        else throw new RdbError('Quicklist integrity check failed.');
      });
      return { type: 'list', items };
    }
    case op.RDB_TYPE_STREAM_LISTPACKS:
    case op.RDB_TYPE_STREAM_LISTPACKS_2:
    case op.RDB_TYPE_STREAM_LISTPACKS_3:
      return yield* streamOf(type);
    case op.RDB_TYPE_MODULE:
    case op.RDB_TYPE_MODULE_2: {
      const id: bigint = yield length64;
      throw new RdbError(
        `The RDB file contains module data I can't load: no matching module type '${moduleTypeName(id)}' (module id ${id})`,
      );
    }
    default:
      throw new RdbError(`Unknown RDB encoding type ${type}`);
  }
}

/**
 * One value of RDB type `type` from the start of `buf`, as DUMP's payload carries it after its type byte
 * (rdbLoadObject over a buffer). Bytes after the value are left alone; a value that runs past the end, or that
 * does not decode, throws RdbError. Returns the value and where it ended.
 */
export function parseValue(type: number, buf: Buffer): { value: RdbValue; end: number } {
  if (!isObjectType(type)) throw new RdbError(`Unknown RDB encoding type ${type}`);
  const view = viewOf(buf);
  let index = 0;
  const run = <T>(p: ByteParser<T>): T => {
    const st = runAt(p, view, index, DEFAULT_LIMITS);
    if (st.isError) {
      throw new RdbError(st.error.kind === 'incomplete' ? 'Unexpected EOF reading the value' : st.error.message, index);
    }
    index = st.index;
    return st.result;
  };
  try {
    if (type === op.RDB_TYPE_STRING) return { value: run(rdbString), end: index };
    const program = valueOf(type);
    for (let step = program.next(); ; ) {
      if (step.done) return { value: step.value, end: index };
      step = program.next(run(step.value));
    }
  } catch (e) {
    throw asRdbError(e, index);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Streams (types 15, 19, 21)

const ZERO_ID: StreamId = { ms: 0n, seq: 0n };
const MAX_U64 = (1n << 64n) - 1n;
const idKey = (id: StreamId) => `${id.ms}-${id.seq}`;

function compareIds(a: StreamId, b: StreamId): number {
  return a.ms !== b.ms ? (a.ms < b.ms ? -1 : 1) : a.seq !== b.seq ? (a.seq < b.seq ? -1 : 1) : 0;
}

/** The live entries of a parsed stream in ID order (what XRANGE - + would list). */
export function streamEntries(s: RdbStream): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (const node of s.nodes) for (const e of node.entries) if (!e.deleted) out.push({ id: e.id, fields: e.fields });
  return out;
}

/**
 * One radix-tree node: the master ID (16 bytes, big-endian) and its listpack. The listpack starts with the
 * master entry `count, deleted, nfields, field..., 0`; each entry is `flags, ms-delta, seq-delta`, then either
 * `nfields, field, value...` or, with SAMEFIELDS, just the master fields' values, then its own element count.
 * The counters must agree with the entries' DELETED flags: the node is rebuilt from the entries.
 */
function decodeStreamNode(key: Buffer, lp: Buffer): StreamNode {
  if (key.length !== 16) throw new RdbError('Stream node key entry is not the size of a stream ID');
  const masterId = idOf(key);
  const e = decodeListpack(lp, 'Stream listpack');
  if (e.length === 0) throw new RdbError('Empty listpack inside stream');
  const bad = () => new RdbError('Stream listpack integrity check failed.');
  let p = 0;
  const int = (): bigint => {
    const v = e[p++];
    if (v === undefined || typeof v === 'string') throw bad();
    return BigInt(v);
  };
  const str = (): string => {
    if (p >= e.length) throw bad();
    return packedString(e[p++]);
  };
  const count = int(), deleted = int(), nMaster = Number(int());
  const masterFields: string[] = [];
  for (let k = 0; k < nMaster; k++) masterFields.push(str());
  if (int() !== 0n) throw bad();
  const entries: StreamNodeEntry[] = [];
  let tombstones = 0n;
  for (let k = 0n, total = count + deleted; k < total; k++) {
    const flags = Number(int());
    const id = { ms: BigInt.asUintN(64, masterId.ms + int()), seq: BigInt.asUintN(64, masterId.seq + int()) };
    const fields: [string, string][] = [];
    const sameFields = (flags & op.STREAM_ITEM_FLAG_SAMEFIELDS) !== 0;
    if (sameFields) {
      for (const f of masterFields) fields.push([f, str()]);
    } else {
      const n = Number(int());
      for (let j = 0; j < n; j++) fields.push([str(), str()]);
    }
    int(); // lp-count, only used to walk backwards
    const isTombstone = (flags & op.STREAM_ITEM_FLAG_DELETED) !== 0;
    if (isTombstone) tombstones++;
    entries.push({ id, fields, deleted: isTombstone, sameFields });
  }
  if (p !== e.length || tombstones !== deleted || entries.length === 0) throw bad();
  return { masterId, masterFields, entries };
}

/** streamGetEdgeID(first, skip tombstones): the first live entry's ID, null when there is none. */
function firstLiveId(nodes: readonly StreamNode[]): StreamId | null {
  for (const node of nodes) for (const e of node.entries) if (!e.deleted) return e.id;
  return null;
}

/** streamEstimateDistanceFromFirstEverEntry: what an RDB before v2 streams implies for a group's entries_read. */
function estimateEntriesRead(s: RdbStream, id: StreamId): number {
  if (!s.entriesAdded) return 0;
  if (!s.length && compareIds(id, s.lastId) < 1) return s.entriesAdded;
  const vsLast = compareIds(id, s.lastId);
  if (vsLast === 0) return s.entriesAdded;
  if (vsLast > 0) return -1;
  const vsFirst = compareIds(id, s.firstId);
  const noTombstoneAhead = (s.maxDeletedId.ms === 0n && s.maxDeletedId.seq === 0n) || compareIds(s.maxDeletedId, s.firstId) < 0;
  if (noTombstoneAhead) {
    if (vsFirst < 0) return s.entriesAdded - s.length;
    if (vsFirst === 0) return s.entriesAdded - s.length + 1;
  }
  return -1;
}

const pelEntry: ByteParser<StreamPendingEntry> = seq(rawId, int64le, length).map(([id, deliveryTime, deliveryCount]) => ({
  id, deliveryTime, deliveryCount, consumer: null,
}));

function* streamOf(type: number): Program<RdbStream> {
  const nodes: StreamNode[] = [];
  const keys = new Set<string>();
  yield* repeat(yield length, seq(rdbBlob, rdbBlob), ([key, lp]) => {
    const node = decodeStreamNode(key, lp);
    const k = idKey(node.masterId);
    if (keys.has(k)) throw new RdbError('Listpack re-added with existing key');
    keys.add(k);
    nodes.push(node);
  });
  // A radix tree walks its keys in order; a file's nodes come that way from Redis, but any order loads.
  for (let i = 1; i < nodes.length; i++) {
    if (compareIds(nodes[i - 1].masterId, nodes[i].masterId) > 0) {
      nodes.sort((a, b) => compareIds(a.masterId, b.masterId));
      break;
    }
  }
  const streamLength: number = yield length;
  const lastId: StreamId = yield idAsLengths;
  const s: RdbStream = { type: 'stream', nodes, length: streamLength, lastId, firstId: ZERO_ID, maxDeletedId: ZERO_ID, entriesAdded: 0, groups: [] };
  if (type === op.RDB_TYPE_STREAM_LISTPACKS) {
    // Before v2 streams these were not stored; derive them as Redis does on load.
    s.entriesAdded = s.length;
    const first = firstLiveId(nodes);
    s.firstId = first ?? { ms: MAX_U64, seq: MAX_U64 };
  } else {
    s.firstId = yield idAsLengths;
    s.maxDeletedId = yield idAsLengths;
    s.entriesAdded = Number(yield length64);
  }
  if (s.length && !nodes.length) throw new RdbError('Stream length inconsistent with rax entries');
  const groupCount: number = yield length;
  for (let g = 0; g < groupCount; g++) {
    const name: string = yield rdbString;
    const lastId: StreamId = yield idAsLengths;
    const entriesRead = type === op.RDB_TYPE_STREAM_LISTPACKS
      ? estimateEntriesRead(s, lastId)
      : Number(BigInt.asIntN(64, yield length64)); // -1 is stored as 2^64-1
    if (s.groups.some((x) => x.name === name)) throw new RdbError(`Duplicated consumer group name ${name}`);
    const group: StreamGroup = { name, lastId, entriesRead, pending: [], consumers: [] };
    const pel = new Map<string, StreamPendingEntry>();
    yield* repeat(yield length, pelEntry, (e) => {
      if (pel.has(idKey(e.id))) throw new RdbError('Duplicated global PEL entry loading stream consumer group');
      pel.set(idKey(e.id), e);
      group.pending.push(e);
    });
    const consumerCount: number = yield length;
    for (let c = 0; c < consumerCount; c++) {
      const cname: string = yield rdbString;
      const seenTime: number = yield int64le;
      const activeTime: number = type === op.RDB_TYPE_STREAM_LISTPACKS_3 ? yield int64le : seenTime;
      if (group.consumers.some((x) => x.name === cname)) throw new RdbError('Duplicate stream consumer detected.');
      const consumer: StreamConsumer = { name: cname, seenTime, activeTime, pending: [] };
      yield* repeat(yield length, rawId, (id) => {
        const nack = pel.get(idKey(id));
        if (!nack) throw new RdbError('Consumer entry not found in group global PEL');
        if (nack.consumer === cname) throw new RdbError('Duplicated consumer PEL entry loading a stream consumer group');
        nack.consumer = cname;
        consumer.pending.push(id);
      });
      group.consumers.push(consumer);
    }
    s.groups.push(group);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// The file

interface FileContext {
  setVersion(version: number): void;
  emit(item: RdbItem): void;
  /** The CRC of every byte consumed so far (the EOF opcode included when called right after it). */
  checksumSoFar(): bigint;
  verifyChecksum: boolean;
}

function* fileOf(ctx: FileContext): Program<void> {
  const magic: Buffer = yield fixed(9);
  if (magic.latin1Slice(0, 5) !== 'REDIS') throw new RdbError('Wrong signature trying to load DB from file');
  const digits = /^\d*/.exec(magic.latin1Slice(5, 9))![0]; // atoi(): leading digits only
  const version = digits ? parseInt(digits, 10) : 0;
  if (version < 1 || version > op.RDB_VERSION_MAX) throw new RdbError(`Can't handle RDB format version ${version}`);
  ctx.setVersion(version);

  let db = 0;
  // Set by the opcodes before a key, for that key only.
  let expiresAt: number | null = null, lru: number | undefined, lfu: number | undefined;
  for (;;) {
    const r: RecordOf = yield record;
    switch (r.op) {
      case 'expire':
        expiresAt = r.at;
        break;
      case 'idle':
        lru = r.seconds;
        break;
      case 'freq':
        lfu = r.counter;
        break;
      case 'selectdb':
        db = r.db;
        ctx.emit({ kind: 'selectdb', db });
        break;
      case 'resizedb':
        ctx.emit({ kind: 'resizedb', dbSize: r.dbSize, expiresSize: r.expiresSize });
        break;
      case 'aux':
        ctx.emit({ kind: 'aux', key: r.key, value: r.value });
        break;
      case 'function':
        ctx.emit({ kind: 'function', code: r.code });
        break;
      case 'moduleAux':
        throw new RdbError(
          `The RDB file contains AUX module data I can't load: no matching module '${moduleTypeName(r.moduleId)}' (module id ${r.moduleId})`,
        );
      case 'key': {
        const value: RdbValue = r.value ?? (yield* valueOf(r.type));
        const entry: RdbEntry = { kind: 'entry', db, key: r.key, value, rdbType: r.type, expiresAt };
        if (lru !== undefined) entry.lru = lru;
        if (lfu !== undefined) entry.lfu = lfu;
        ctx.emit(entry);
        expiresAt = null;
        lru = lfu = undefined;
        break;
      }
      case 'eof': {
        // RDB 5 added the checksum; it covers everything up to and including the EOF opcode.
        let stored: bigint | null = null;
        if (version >= 5) {
          const expected = ctx.checksumSoFar();
          stored = ((yield fixed(8)) as Buffer).readBigUInt64LE(0);
          if (ctx.verifyChecksum && stored !== 0n && stored !== expected) {
            throw new RdbError(`Wrong RDB checksum expected: (${expected.toString(16)}) but got (${stored.toString(16)})`);
          }
        }
        ctx.emit({ kind: 'eof', checksum: stored });
        return;
      }
    }
  }
}

export interface ReaderOptions {
  /** Check the CRC64 at EOF (rdbchecksum yes). A stored 0 means the writer did not compute one: never checked. */
  verifyChecksum?: boolean;
}

/**
 * Streaming reader: feed() chunks as they arrive and get back the items they completed. Only the current
 * incomplete item is buffered, and a frame that waits for N bytes is not looked at again until they are here.
 * Chunks are kept (not copied) until parsed, so a caller must not reuse them. Bytes after the EOF checksum are
 * ignored: `consumed` says where the RDB ended, for a caller that fed more (a diskless transfer's EOF mark and
 * the commands after it) and wants those bytes back.
 */
export class RdbReader {
  /** The file's RDB version, once the header is read (0 before). */
  version = 0;
  /** True once EOF (and the checksum) was read. */
  done = false;
  /** Bytes consumed as items so far. */
  consumed = 0;
  /** Frames parsed and waits for more input: a big value fed in N chunks costs about N waits, not N re-parses. */
  readonly stats = { frames: 0, waits: 0 };

  private decoder = new FrameDecoder(DEFAULT_LIMITS);
  private program: Program<void>;
  private waitingFor: ByteParser<any>;
  private out: RdbItem[] = [];
  private failed: RdbError | null = null;
  private readonly verifyChecksum: boolean;
  // CRC64 over consumed bytes: chunks are summed as the parser moves past them.
  private crc = 0n;
  private summed = 0; // absolute offset the CRC covers
  private unsummed: Buffer[] = [];
  private crcFrozen = false;

  constructor(opts: ReaderOptions = {}) {
    this.verifyChecksum = opts.verifyChecksum ?? true;
    this.program = fileOf({
      setVersion: (v) => (this.version = v),
      emit: (item) => this.out.push(item),
      checksumSoFar: () => {
        this.sumTo(this.consumed);
        this.crcFrozen = true;
        return this.crc;
      },
      verifyChecksum: this.verifyChecksum,
    });
    this.waitingFor = this.program.next().value as ByteParser<any>;
  }

  /** Parse what `chunk` completes. Throws RdbError on bad input (and on every call after that). */
  feed(chunk: Buffer): RdbItem[] {
    if (this.failed) throw this.failed;
    if (this.done) return [];
    if (this.verifyChecksum && chunk.length) this.unsummed.push(chunk);
    this.decoder.feed(chunk);
    try {
      while (!this.done) {
        const frame = this.decoder.next(this.waitingFor);
        if (frame === NEED_MORE) {
          this.stats.waits++;
          break;
        }
        this.stats.frames++;
        this.consumed += this.decoder.lastFrameBytes;
        const r = this.program.next(frame);
        if (r.done) this.done = true;
        else this.waitingFor = r.value;
      }
    } catch (e) {
      this.failed = asRdbError(e, this.consumed);
      this.unsummed = [];
      throw this.failed;
    }
    if (this.done) this.unsummed = [];
    else this.sumTo(this.consumed);
    const out = this.out;
    this.out = [];
    return out;
  }

  /** The input is over: throws RdbError unless the file was complete. */
  end(): void {
    if (this.failed) throw this.failed;
    if (!this.done) {
      this.failed = new RdbError('Short read or OOM loading DB. Unexpected EOF reading RDB file', this.consumed);
      throw this.failed;
    }
  }

  private sumTo(pos: number): void {
    if (!this.verifyChecksum || this.crcFrozen) return;
    while (this.summed < pos) {
      const c = this.unsummed[0];
      const n = Math.min(c.length, pos - this.summed);
      this.crc = crcUpdate(this.crc, n === c.length ? c : c.subarray(0, n));
      this.summed += n;
      if (n === c.length) this.unsummed.shift();
      else this.unsummed[0] = c.subarray(n);
    }
  }
}

function asRdbError(e: unknown, offset: number): RdbError {
  if (e instanceof RdbError) {
    e.offset ??= offset;
    return e;
  }
  if (e instanceof ProtocolError) return new RdbError(e.reason, offset);
  // A decoder bounds check we missed must still be a load error, not a crash.
  return new RdbError(`Corrupt RDB: ${(e as Error)?.message ?? String(e)}`, offset);
}

/** Parse a whole RDB file held in memory. */
export function parseRdb(buf: Buffer, opts: ReaderOptions = {}): { version: number; items: RdbItem[] } {
  const reader = new RdbReader(opts);
  const items = reader.feed(buf);
  reader.end();
  return { version: reader.version, items };
}
