/**
 * The RDB writer (rdbSaveRio in rdb.c): a keyspace as an RDB version 10 file, which Redis 7.0 loads, in the
 * order and encodings 7.0 uses: aux fields, function libraries, SELECTDB + RESIZEDB per non-empty db, then each
 * key with its expiry; EOF and the CRC64. A generator of chunks, so the caller can do other work in between.
 */
import type { Keyspace } from '../store/keyspace';
import { Snapshot } from '../store/snapshot';
import { intsetBlob, type SetValue } from '../store/set';
import type { HashValue } from '../store/hash';
import type { ZsetValue } from '../store/zset';
import { idMs, idSeq, rawId, type StreamId, type StreamValue } from '../store/stream';
import { formatDouble } from '../protocol/reply';
import { encodeListpack, listpackEntrySize, LISTPACK_EMPTY_SIZE } from './listpack';
import { NO_EXPIRY } from '../store/keyspace';
import type { TypeName, Value } from '../store/types';
import type { List } from '../store/list';
import { update as crcUpdate } from './crc64';
import { lzfCompress } from './lzf';
import * as op from './opcodes';

export interface WriteOptions {
  /** The redis-ver aux field. */
  redisVersion?: string;
  /** The ctime aux field, unix seconds (default: now). */
  ctime?: number;
  /** The used-mem aux field, bytes (default: this process's heap in use). */
  usedMem?: number;
  /** Replication info, written as repl-stream-db / repl-id / repl-offset (every RDB sent to a replica has it). */
  repl?: { streamDb: number; replId: string; offset: number };
  /** The aof-base aux field: true inside an AOF. */
  aofBase?: boolean;
  /** Function library sources, one FUNCTION2 opcode each. */
  functions?: string[];
  /** rdbcompression: LZF-compress strings over 20 bytes when that saves at least 4 bytes (default true). */
  compression?: boolean;
  /** rdbchecksum: write the real CRC64 rather than 0 (default true). */
  checksum?: boolean;
  /** Roughly how many bytes each yielded chunk holds (default 64 KB); a big value may make one chunk larger. */
  chunkBytes?: number;
}

const DEFAULT_CHUNK = 64 * 1024;

/** Collects bytes into chunks of about `chunkBytes`; a big payload becomes a chunk of its own, uncopied. */
class ChunkWriter {
  private parts: Buffer[] = [];
  private cur: Buffer;
  private pos = 0;
  /** Bytes written and not yet taken. */
  pending = 0;

  constructor(private readonly chunkBytes: number) {
    this.cur = Buffer.allocUnsafe(chunkBytes);
  }

  private room(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.close();
    this.cur = Buffer.allocUnsafe(Math.max(this.chunkBytes, n));
  }

  private close(): void {
    if (this.pos) this.parts.push(this.cur.subarray(0, this.pos));
    this.cur = this.cur.subarray(this.pos);
    this.pos = 0;
  }

  u8(b: number): void {
    this.room(1);
    this.cur[this.pos++] = b;
    this.pending++;
  }

  bytes(b: Uint8Array): void {
    if (b.length >= this.chunkBytes / 4) {
      this.close();
      this.parts.push(Buffer.from(b.buffer, b.byteOffset, b.length));
    } else {
      this.room(b.length);
      this.cur.set(b, this.pos);
      this.pos += b.length;
    }
    this.pending += b.length;
  }

  latin1(s: string): void {
    if (s.length >= this.chunkBytes / 4) return this.bytes(Buffer.from(s, 'latin1'));
    this.room(s.length);
    this.pos += this.cur.latin1Write(s, this.pos);
    this.pending += s.length;
  }

  /** rdbSaveBinaryDoubleValue: the IEEE 754 bytes, little-endian. */
  float64le(v: number): void {
    this.room(8);
    this.cur.writeDoubleLE(v, this.pos);
    this.pos += 8;
    this.pending += 8;
  }

  int64le(v: number): void {
    this.room(8);
    this.cur.writeBigInt64LE(BigInt(v), this.pos);
    this.pos += 8;
    this.pending += 8;
  }

  /** rdbSaveLen: the shortest of the 6-bit, 14-bit, 32-bit and 64-bit forms (a bigint for 64-bit values). */
  length(n: number | bigint): void {
    if (typeof n === 'bigint') {
      if (n <= 0xffffffffn) return this.length(Number(n));
      this.room(9);
      this.cur[this.pos] = op.RDB_64BITLEN;
      this.cur.writeBigUInt64BE(n, this.pos + 1);
      this.pos += 9;
      this.pending += 9;
      return;
    }
    if (n < 1 << 6) return this.u8(n);
    if (n < 1 << 14) {
      this.u8((op.RDB_14BITLEN << 6) | (n >> 8));
      return this.u8(n & 0xff);
    }
    this.room(9);
    if (n <= 0xffffffff) {
      this.cur[this.pos] = op.RDB_32BITLEN;
      this.cur.writeUInt32BE(n, this.pos + 1);
      this.pos += 5;
      this.pending += 5;
    } else {
      this.cur[this.pos] = op.RDB_64BITLEN;
      this.cur.writeBigUInt64BE(BigInt(n), this.pos + 1);
      this.pos += 9;
      this.pending += 9;
    }
  }

  /**
   * rdbSaveRawString: a canonical decimal that fits in 32 bits as an integer encoding, else LZF when asked and
   * worth it, else length + bytes.
   */
  string(s: string, compress: boolean): void {
    const n = s.length;
    if (n <= 11) {
      const v = canonicalInt32(s);
      if (v !== null) return this.int(v);
    }
    if (compress && n > 20) {
      const raw = Buffer.from(s, 'latin1');
      const packed = lzfCompress(raw, n - 4);
      if (packed) {
        this.u8((op.RDB_ENCVAL << 6) | op.RDB_ENC_LZF);
        this.length(packed.length);
        this.length(n);
        return this.bytes(packed);
      }
      this.length(n);
      return this.bytes(raw);
    }
    this.length(n);
    this.latin1(s);
  }

  /** rdbSaveLzfBlob: bytes already LZF-compressed (a compressed quicklist node), with their raw length. */
  lzfBlob(packed: Buffer, rawLength: number): void {
    this.u8((op.RDB_ENCVAL << 6) | op.RDB_ENC_LZF);
    this.length(packed.length);
    this.length(rawLength);
    this.bytes(packed);
  }

  private int(v: number): void {
    this.room(5);
    const b = this.cur;
    let at = this.pos;
    if (v >= -128 && v <= 127) {
      b[at++] = (op.RDB_ENCVAL << 6) | op.RDB_ENC_INT8;
      b.writeInt8(v, at);
      at += 1;
    } else if (v >= -32768 && v <= 32767) {
      b[at++] = (op.RDB_ENCVAL << 6) | op.RDB_ENC_INT16;
      b.writeInt16LE(v, at);
      at += 2;
    } else {
      b[at++] = (op.RDB_ENCVAL << 6) | op.RDB_ENC_INT32;
      b.writeInt32LE(v, at);
      at += 4;
    }
    this.pending += at - this.pos;
    this.pos = at;
  }

  /** The chunks written so far, in order. */
  take(): Buffer[] {
    this.close();
    const out = this.parts;
    this.parts = [];
    this.pending = 0;
    return out;
  }
}

/** string2ll's accepted forms (no sign but '-', no leading zero, no "-0") within int32, else null. */
function canonicalInt32(s: string): number | null {
  if (!/^(?:0|-?[1-9][0-9]*)$/.test(s)) return null;
  const v = Number(s);
  return v >= -2147483648 && v <= 2147483647 ? v : null;
}

/**
 * How each value type is written: the type byte and the value after the key. Each type toyredis learns to
 * hold adds its row here, in the plain encodings every Redis version loads (list 1, set 2, hash 4, zset 5).
 */
interface ValueEncoder {
  /** The type byte, or how to pick it when it follows the value's encoding (an intset set is type 11). */
  rdbType: number | ((value: Value) => number);
  write(w: ChunkWriter, value: Value, compress: boolean): void;
}

function encoderOf(value: Value): ValueEncoder {
  const type: TypeName = typeof value === 'string' ? 'string' : value.type;
  const encoder = valueEncoders[type];
  if (!encoder) throw new Error(`no RDB encoder for values of type ${type}`);
  return encoder;
}

const valueEncoders: Partial<Record<TypeName, ValueEncoder>> = {
  string: { rdbType: op.RDB_TYPE_STRING, write: (w, v, compress) => w.string(v as string, compress) },
  list: { rdbType: op.RDB_TYPE_LIST, write: (w, v, compress) => writeList(w, v as List, compress) },
  // As 7.0 writes them: an intset as its blob (type 11), any other set as a count and its members (type 2).
  set: {
    rdbType: (v) => ((v as SetValue).isIntset ? op.RDB_TYPE_SET_INTSET : op.RDB_TYPE_SET),
    write: (w, v, compress) => {
      const s = v as SetValue;
      if (s.isIntset) return w.string(intsetBlob(s).toString('latin1'), compress);
      w.length(s.size);
      for (const m of s.members()) w.string(m, compress);
    },
  },
  // As 7.0 writes them: a listpack as its blob (type 16), a hash table as a count and its pairs (type 4).
  hash: {
    rdbType: (v) => ((v as HashValue).isListpack ? op.RDB_TYPE_HASH_LISTPACK : op.RDB_TYPE_HASH),
    write: (w, v, compress) => {
      const h = v as HashValue;
      if (h.isListpack) return w.string(encodeListpack(h.entries().flat()).latin1Slice(), compress);
      w.length(h.size);
      for (const [f, value] of h.entries()) {
        w.string(f, compress);
        w.string(value, compress);
      }
    },
  },
  stream: { rdbType: op.RDB_TYPE_STREAM_LISTPACKS_2, write: (w, v, compress) => writeStream(w, v as StreamValue, compress) },
  // As 7.0 writes them: a listpack as its blob (type 17), a skip list as a count and its pairs, highest score
  // first, each score as 8 binary bytes (type 5).
  zset: {
    rdbType: (v) => ((v as ZsetValue).isListpack ? op.RDB_TYPE_ZSET_LISTPACK : op.RDB_TYPE_ZSET_2),
    write: (w, v, compress) => {
      const z = v as ZsetValue;
      if (z.isListpack) {
        const items = [...z.entries()].flatMap(([m, score]) => [m, listpackScore(score)]);
        return w.string(encodeListpack(items).latin1Slice(), compress);
      }
      w.length(z.size);
      for (const [m, score] of z.entriesDescending()) {
        w.string(m, compress);
        w.float64le(score);
      }
    },
  },
};

/**
 * RDB_TYPE_STREAM_LISTPACKS_2, as 7.0 writes it: each node's master ID (16 big-endian bytes) and listpack, the
 * length, the last, first and maximal deleted IDs, the entries added, then each group (name order): name, last ID,
 * read counter, its PEL (raw ID, delivery time, count) and its consumers with their seen time and pending IDs.
 */
function writeStream(w: ChunkWriter, s: StreamValue, compress: boolean): void {
  const id = (v: StreamId) => {
    w.length(idMs(v));
    w.length(idSeq(v));
  };
  w.length(s.nodes.size);
  for (const [master, node] of s.nodes.entries()) {
    w.string(rawId(master), compress);
    w.string(encodeListpack(node.listpackItems()).latin1Slice(), compress);
  }
  w.length(s.length);
  id(s.lastId);
  id(s.firstId);
  id(s.maxDeletedId);
  w.length(s.entriesAdded);
  const groups = s.sortedGroups();
  w.length(groups.length);
  for (const [name, g] of groups) {
    w.string(name, compress);
    id(g.lastId);
    w.length(BigInt.asUintN(64, g.entriesRead)); // -1 (unknown) is stored as 2^64-1
    w.length(g.pel.size);
    for (const [pid, nack] of g.pel.entries()) {
      w.latin1(rawId(pid));
      w.int64le(nack.deliveryTime);
      w.length(nack.deliveryCount);
    }
    const consumers = g.sortedConsumers();
    w.length(consumers.length);
    for (const c of consumers) {
      w.string(c.name, compress);
      w.int64le(c.seenTime);
      w.length(c.pel.size);
      for (const pid of c.pel.keys()) w.latin1(rawId(pid));
    }
  }
}

/** LLONG_MAX / 2 as a double: zzlInsertAt stores a score within it that has no fraction as an integer (double2ll). */
const LISTPACK_INT_SCORE_MAX = 4611686018427387903;

/**
 * A score as a zset listpack holds it: an integral one within ±LLONG_MAX/2 as its decimal (which the listpack
 * then encodes as an integer), any other as d2string's %.17g.
 */
function listpackScore(score: number): string {
  if (Number.isInteger(score) && score >= -LISTPACK_INT_SCORE_MAX && score <= LISTPACK_INT_SCORE_MAX) return BigInt(score).toString();
  return formatDouble(score);
}

/** RDB_TYPE_LIST: the length, then each element as a string (7.0 loads it into a quicklist of its own shape). */
function writeList(w: ChunkWriter, list: List, compress: boolean): void {
  const n = list.length;
  w.length(n);
  for (let i = 0; i < n; i++) w.string(list.at(i)!, compress);
}

/** list-max-listpack-size and list-compress-depth: how a quicklist cuts and compresses its nodes. */
export interface QuicklistShape {
  fill: number;
  compressDepth: number;
  /** An element of at least this many bytes is a plain node of its own (packed_threshold, 1 GB unless DEBUG sets it). */
  packedThreshold?: number;
}

/** quicklist.c's default packed_threshold. */
export const DEFAULT_PACKED_THRESHOLD = 1 << 30;

/** What DUMP's encoding follows: rdbcompression and the quicklist settings. */
export interface ObjectOptions {
  compression: boolean;
  quicklist: QuicklistShape;
}

/**
 * One value as DUMP carries it (rdbSaveObjectType + rdbSaveObject): the type byte, then the value in the encodings
 * 7.0 writes. Lists are written as 7.0 holds them, a quicklist of listpack nodes (type 18), not the plain type 1
 * of RDB files: a payload compares equal to Redis's own. The nodes are cut where tail pushes would cut them, the
 * shape of any list that fits in one node whatever its history; a longer list built otherwise may be cut elsewhere
 * in Redis, which loads either shape.
 */
export function encodeObject(value: Value, opts: ObjectOptions): Buffer {
  const w = new ChunkWriter(DEFAULT_CHUNK);
  if (typeof value !== 'string' && value.type === 'list') {
    w.u8(op.RDB_TYPE_LIST_QUICKLIST_2);
    writeQuicklist(w, value as List, opts.quicklist, opts.compression);
  } else {
    const encoder = encoderOf(value);
    w.u8(typeof encoder.rdbType === 'number' ? encoder.rdbType : encoder.rdbType(value));
    encoder.write(w, value, opts.compression);
  }
  return Buffer.concat(w.take());
}

// quicklist.c: the node size limits for fill -1..-5, the hard cap for count-limited nodes, the per-entry
// overestimate, and when a node is worth compressing.
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_IMPROVE = 8;
const FILL_MAX = 32767;

/** _quicklistNodeAllowInsert(): may a node of `bytes` and `count` entries take one more of `size` bytes? */
function nodeAllowsInsert(bytes: number, count: number, fill: number, size: number): boolean {
  const grown = bytes + size + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0 && grown <= OPTIMIZATION_LEVEL[-fill - 1]) return true;
  if (grown > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

/** A quicklist node: a listpack of elements, or one large element held as is (a plain node). */
type QuicklistNode = string[] & { plain?: true };

/** The elements of each node, as quicklistPushTail() fills them one element at a time. */
function quicklistNodes(list: List, fill: number, packedThreshold = DEFAULT_PACKED_THRESHOLD): QuicklistNode[] {
  fill = Math.max(-5, Math.min(FILL_MAX, fill)); // quicklistSetFill's clamp
  const nodes: QuicklistNode[] = [];
  let node: QuicklistNode | null = null;
  let bytes = 0;
  for (let i = 0; i < list.length; i++) {
    const item = list.at(i)!;
    if (item.length >= packedThreshold) {
      const plain: QuicklistNode = [item];
      plain.plain = true;
      nodes.push(plain);
      node = null;
      continue;
    }
    if (node === null || !nodeAllowsInsert(bytes, node.length, fill, item.length)) {
      nodes.push((node = []));
      bytes = LISTPACK_EMPTY_SIZE;
    }
    node.push(item);
    bytes += listpackEntrySize(item);
  }
  return nodes;
}

/** The quicklist Redis would hold for `list`: its node count and the bytes of its nodes uncompressed (DEBUG OBJECT). */
export function quicklistStats(list: List, shape: QuicklistShape): { nodes: number; bytes: number } {
  const nodes = quicklistNodes(list, shape.fill, shape.packedThreshold);
  let bytes = 0;
  for (const node of nodes) bytes += node.plain ? node[0].length : encodeListpack(node).length;
  return { nodes: nodes.length, bytes };
}

/**
 * RDB_TYPE_LIST_QUICKLIST_2: the node count, then each node's container (packed) and listpack. With a compress
 * depth, the nodes past that many from either end are held LZF-compressed (when that saves enough) and written
 * as such whatever rdbcompression says; the others are strings like any.
 */
function writeQuicklist(w: ChunkWriter, list: List, shape: QuicklistShape, compress: boolean): void {
  const nodes = quicklistNodes(list, shape.fill, shape.packedThreshold);
  const depth = shape.compressDepth;
  w.length(nodes.length);
  nodes.forEach((items, i) => {
    if (items.plain) {
      w.length(op.QUICKLIST_NODE_CONTAINER_PLAIN);
      return w.string(items[0], compress);
    }
    w.length(op.QUICKLIST_NODE_CONTAINER_PACKED);
    const lp = encodeListpack(items);
    if (depth > 0 && i >= depth && i < nodes.length - depth && lp.length >= MIN_COMPRESS_BYTES) {
      const packed = lzfCompress(lp, lp.length);
      if (packed && packed.length + MIN_COMPRESS_IMPROVE < lp.length) return w.lzfBlob(packed, lp.length);
    }
    w.string(lp.latin1Slice(), compress);
  });
}

function writeEntry(w: ChunkWriter, key: string, value: Value, expiresAt: number, compress: boolean): void {
  const encoder = encoderOf(value);
  if (expiresAt !== NO_EXPIRY) {
    w.u8(op.RDB_OPCODE_EXPIRETIME_MS);
    w.int64le(expiresAt);
  }
  w.u8(typeof encoder.rdbType === 'number' ? encoder.rdbType : encoder.rdbType(value));
  w.string(key, compress);
  encoder.write(w, value, compress);
}

function aux(w: ChunkWriter, key: string, value: string | number, compress: boolean): void {
  w.u8(op.RDB_OPCODE_AUX);
  w.string(key, compress);
  w.string(String(value), compress);
}

/**
 * The keyspace as RDB chunks, as it is when this is called (Redis gets that from fork()). A copy-on-write
 * Snapshot (lib/store/snapshot.ts) walks the keyspace as the chunks are pulled, and keeps the old version of
 * any key changed before the walk reaches it: writes the caller runs between chunks do not leak into the file,
 * which a replica would otherwise apply twice (once in the RDB, again from the backlog), and nothing is copied
 * up front. Keys logically expired but not yet removed are written with their TTL, as Redis does (a loading
 * master drops them). Abandoning the generator (return()) stops the snapshot.
 */
export function writeRdb(ks: Keyspace, opts: WriteOptions = {}): Generator<Buffer, void, undefined> {
  const snapshot = new Snapshot(ks); // taken now, not when the first chunk is pulled
  const ctime = opts.ctime ?? Math.floor(Date.now() / 1000);
  const usedMem = opts.usedMem ?? process.memoryUsage().heapUsed;
  return chunksOf(ks, snapshot, { ...opts, ctime, usedMem });
}

function* chunksOf(ks: Keyspace, snapshot: Snapshot, opts: WriteOptions & { ctime: number; usedMem: number }): Generator<Buffer, void, undefined> {
  const compress = opts.compression ?? true;
  const checksum = opts.checksum ?? true;
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK;
  const w = new ChunkWriter(chunkBytes);
  let crc = 0n;
  function* flush(): Generator<Buffer, void, undefined> {
    for (const part of w.take()) {
      if (checksum) crc = crcUpdate(crc, part);
      yield part;
    }
  }

  try {
    w.latin1(`REDIS${String(op.RDB_VERSION_WRITTEN).padStart(4, '0')}`);
    aux(w, 'redis-ver', opts.redisVersion ?? '7.0.15', compress);
    aux(w, 'redis-bits', 64, compress);
    aux(w, 'ctime', opts.ctime, compress);
    aux(w, 'used-mem', opts.usedMem, compress);
    if (opts.repl) {
      aux(w, 'repl-stream-db', opts.repl.streamDb, compress);
      aux(w, 'repl-id', opts.repl.replId, compress);
      aux(w, 'repl-offset', opts.repl.offset, compress);
    }
    aux(w, 'aof-base', opts.aofBase ? 1 : 0, compress);
    for (const code of opts.functions ?? []) {
      w.u8(op.RDB_OPCODE_FUNCTION2);
      w.string(code, compress);
    }

    for (const db of ks.dbs) {
      const { keys, expires } = snapshot.counts(db);
      if (keys === 0) continue;
      w.u8(op.RDB_OPCODE_SELECTDB);
      w.length(db.id);
      w.u8(op.RDB_OPCODE_RESIZEDB);
      w.length(keys);
      w.length(expires);
      const walk = snapshot.walk(db, 256, (records) => {
        for (const r of records) writeEntry(w, r.key, r.value, r.expiresAt, compress);
      });
      for (let step = walk.next(); ; step = walk.next()) {
        if (w.pending >= chunkBytes) yield* flush();
        if (step.done) break;
      }
    }

    w.u8(op.RDB_OPCODE_EOF);
    yield* flush(); // the checksum covers everything up to and including the EOF opcode
    const tail = Buffer.alloc(8);
    tail.writeBigUInt64LE(crc);
    yield tail;
  } finally {
    snapshot.finish();
  }
}

/** The whole RDB file in one Buffer. */
export function rdbBytes(ks: Keyspace, opts: WriteOptions = {}): Buffer {
  return Buffer.concat([...writeRdb(ks, opts)]);
}
