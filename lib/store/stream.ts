/**
 * The stream value (the low level half of t_stream.c): entries kept in nodes shaped like Redis's listpack nodes
 * (a master entry, delta-encoded IDs, tombstones, node sizes counted in listpack bytes) so that node boundaries,
 * XTRIM ~ and the RDB layout come out as in Redis 7.0; consumer groups with their pending entries lists. Commands
 * (lib/commands/stream.ts) own argument parsing, replies and propagation.
 */
import type { Collection } from './types';

/** A stream ID as the 128-bit number Redis sorts by: ms in the high 64 bits, seq in the low 64. */
export type StreamId = bigint;

const U64 = 1n << 64n;
const SEQ_MASK = U64 - 1n;
export const ID_MIN: StreamId = 0n;
export const ID_MAX: StreamId = (1n << 128n) - 1n;
/** Redis's SCG_INVALID_ENTRIES_READ: a group's read counter is unknown. */
export const ENTRIES_READ_INVALID = -1n;

export const makeId = (ms: bigint, seq: bigint): StreamId => (ms << 64n) | seq;
export const idMs = (id: StreamId): bigint => id >> 64n;
export const idSeq = (id: StreamId): bigint => id & SEQ_MASK;
/** "<ms>-<seq>", as replies and propagated commands spell an ID. */
export const formatId = (id: StreamId): string => `${id >> 64n}-${id & SEQ_MASK}`;

/** The 16 big-endian bytes of an ID (a rax key, a PEL entry in an RDB), as a latin1 string. */
export function rawId(id: StreamId): string {
  let s = '';
  for (let shift = 120n; shift >= 0n; shift -= 8n) s += String.fromCharCode(Number((id >> shift) & 0xffn));
  return s;
}

// ---- an ordered map keyed by ID ----

/** Keys per chunk before it splits: inserts and deletes move at most this many. */
const CHUNK_MAX = 256;

interface Chunk<V> {
  keys: StreamId[];
  vals: V[];
}

/** First index in sorted `keys` whose key is >= id. */
function lowerBound(keys: readonly StreamId[], id: StreamId): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What Redis keeps in radix trees keyed by 128-bit IDs (the stream's nodes, the PELs): sorted chunks of keys,
 * so lookups, inserts and deletes anywhere cost O(log n + chunk) and walks go in key order.
 */
export class IdMap<V> {
  private chunks: Chunk<V>[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The chunk whose key range holds `id`: the last one starting at or before it (else the first). */
  private chunkFor(id: StreamId): number {
    const chunks = this.chunks;
    let lo = 0, hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (chunks[mid].keys[0] <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  get(id: StreamId): V | undefined {
    if (this.count === 0) return undefined;
    const c = this.chunks[this.chunkFor(id)];
    const i = lowerBound(c.keys, id);
    return i < c.keys.length && c.keys[i] === id ? c.vals[i] : undefined;
  }

  has(id: StreamId): boolean {
    return this.get(id) !== undefined;
  }

  /** Insert or replace; true when the key is new. */
  set(id: StreamId, v: V): boolean {
    if (this.count === 0) {
      this.chunks = [{ keys: [id], vals: [v] }];
      this.count = 1;
      return true;
    }
    const ci = this.chunkFor(id);
    const c = this.chunks[ci];
    const keys = c.keys;
    if (keys[keys.length - 1] < id) {
      keys.push(id);
      c.vals.push(v);
    } else {
      const i = lowerBound(keys, id);
      if (keys[i] === id) {
        c.vals[i] = v;
        return false;
      }
      keys.splice(i, 0, id);
      c.vals.splice(i, 0, v);
    }
    this.count++;
    if (keys.length > CHUNK_MAX) {
      const half = keys.length >>> 1;
      this.chunks.splice(ci + 1, 0, { keys: keys.splice(half), vals: c.vals.splice(half) });
    }
    return true;
  }

  /** Remove a key; returns its value, undefined when absent. */
  delete(id: StreamId): V | undefined {
    if (this.count === 0) return undefined;
    const ci = this.chunkFor(id);
    const c = this.chunks[ci];
    const i = lowerBound(c.keys, id);
    if (i >= c.keys.length || c.keys[i] !== id) return undefined;
    const v = c.vals[i];
    if (i === 0 && c.keys.length === 1) {
      this.chunks.splice(ci, 1);
    } else {
      c.keys.splice(i, 1);
      c.vals.splice(i, 1);
    }
    this.count--;
    return v;
  }

  first(): [StreamId, V] | undefined {
    const c = this.chunks[0];
    return c ? [c.keys[0], c.vals[0]] : undefined;
  }

  last(): [StreamId, V] | undefined {
    const c = this.chunks[this.chunks.length - 1];
    return c ? [c.keys[c.keys.length - 1], c.vals[c.vals.length - 1]] : undefined;
  }

  /** The entry with the smallest key >= id (raxSeek ">="). */
  ceiling(id: StreamId): [StreamId, V] | undefined {
    if (this.count === 0) return undefined;
    let ci = this.chunkFor(id);
    let c = this.chunks[ci];
    const i = lowerBound(c.keys, id);
    if (i < c.keys.length) return [c.keys[i], c.vals[i]];
    c = this.chunks[++ci];
    return c ? [c.keys[0], c.vals[0]] : undefined;
  }

  /** The entry with the largest key <= id (raxSeek "<="). */
  floor(id: StreamId): [StreamId, V] | undefined {
    if (this.count === 0) return undefined;
    const ci = this.chunkFor(id);
    const c = this.chunks[ci];
    const i = lowerBound(c.keys, id);
    if (i < c.keys.length && c.keys[i] === id) return [id, c.vals[i]];
    if (i > 0) return [c.keys[i - 1], c.vals[i - 1]];
    return undefined; // chunkFor found the first chunk and id is below its first key
  }

  /** Every entry in key order (the map must not change during the walk). */
  *entries(): Generator<[StreamId, V]> {
    for (const c of this.chunks) for (let i = 0; i < c.keys.length; i++) yield [c.keys[i], c.vals[i]];
  }

  keys(): StreamId[] {
    const out: StreamId[] = [];
    for (const c of this.chunks) for (const k of c.keys) out.push(k);
    return out;
  }
}

// ---- listpack sizes ----

/** lpEncodeBacklen's size for an entry of `l` bytes. */
function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** Bytes an integer takes in a listpack, backlen included (7-bit, 13-bit, 16, 24, 32 or 64-bit encodings). */
function intSize(v: number | bigint): number {
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** lpStringToInt64(): string2ll's canonical decimals are stored as integers. Null for any other string. */
function asListpackInt(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    i = 1;
  }
  const d = s.charCodeAt(i);
  if (d === 48) return n === 1 ? 0 : null;
  if (d < 49 || d > 57) return null;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  if (n - i <= 15) return Number(s);
  const big = BigInt(s);
  return big > 9223372036854775807n || big < -9223372036854775808n ? null : big;
}

/** Bytes lpAppend() grows a listpack by for `s`. */
function stringSize(s: string): number {
  const v = asListpackInt(s);
  if (v !== null) return intSize(v);
  const n = s.length;
  const enc = (n < 64 ? 1 : n < 4096 ? 2 : 5) + n;
  return enc + backlenSize(enc);
}

// ---- entries and nodes ----

/** Entry flags as stored in the listpack (STREAM_ITEM_FLAG_*). */
export const FLAG_DELETED = 1;
export const FLAG_SAMEFIELDS = 2;

export interface StreamEntry {
  readonly id: StreamId;
  /** The field names: the node's master fields array itself when they are the same (SAMEFIELDS). */
  readonly fields: readonly string[];
  readonly values: readonly string[];
  /** A tombstone: XDEL or XTRIM removed it, the node still holds it. */
  deleted: boolean;
}

/** The 64-bit two's complement delta lpAppendInteger() stores for an ID part. */
const delta = (v: bigint, base: bigint): bigint => BigInt.asIntN(64, v - base);

/**
 * One listpack node: the master entry (its ID is the node's key, its fields compress the entries that repeat
 * them), then entries in ID order, tombstones included. Its size in listpack bytes decides when XADD opens a
 * new node, as stream-node-max-bytes says.
 */
export class StreamNode {
  readonly entries: StreamEntry[] = [];
  /** Entries not deleted (the master entry's count). */
  live = 0;
  /** Listpack bytes of everything but the header, end byte and the two counters. */
  private body: number;

  constructor(
    readonly master: StreamId,
    readonly masterFields: readonly string[],
  ) {
    let body = intSize(masterFields.length) + 2; // num-fields, then the zero terminator of the master entry
    for (const f of masterFields) body += stringSize(f);
    this.body = body;
  }

  get deletedCount(): number {
    return this.entries.length - this.live;
  }

  /** lpBytes(): the 6-byte header, the counters, the rest, the end byte. */
  get bytes(): number {
    return 7 + intSize(this.live) + intSize(this.deletedCount) + this.body;
  }

  get lastId(): StreamId {
    return this.entries[this.entries.length - 1].id;
  }

  isSameFields(e: StreamEntry): boolean {
    return e.fields === this.masterFields;
  }

  /** Append an entry (its fields replaced by the master's when equal). */
  append(id: StreamId, fields: readonly string[], values: readonly string[]): StreamEntry {
    const same = fields === this.masterFields || sameStrings(fields, this.masterFields);
    return this.push({ id, fields: same ? this.masterFields : fields, values, deleted: false });
  }

  /**
   * Append an entry as a saved listpack holds it: sharing the master's field names only when its SAMEFIELDS flag
   * says so (names stored with the entry stay its own, equal or not), a tombstone when its DELETED flag is set.
   */
  appendStored(id: StreamId, fields: readonly string[], values: readonly string[], sameFields: boolean, deleted: boolean): StreamEntry {
    const entry = this.push({ id, fields: sameFields ? this.masterFields : fields, values, deleted });
    if (deleted) this.live--;
    return entry;
  }

  /** Count the entry's listpack bytes (a tombstone takes as many as when it was live) and add it at the end, live. */
  private push(entry: StreamEntry): StreamEntry {
    const { id, fields, values } = entry;
    const same = fields === this.masterFields;
    let size = 2 + intSize(delta(idMs(id), idMs(this.master))) + intSize(delta(idSeq(id), idSeq(this.master)));
    if (!same) {
      size += intSize(fields.length);
      for (const f of fields) size += stringSize(f);
    }
    for (const v of values) size += stringSize(v);
    const lpCount = 3 + values.length + (same ? 0 : fields.length + 1);
    size += intSize(lpCount);
    this.body += size;
    this.entries.push(entry);
    this.live++;
    return entry;
  }

  /** Index of the first entry with an ID >= id. */
  lowerBound(id: StreamId): number {
    const es = this.entries;
    let lo = 0, hi = es.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (es[mid].id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The node as its listpack holds it, element by element (integers as decimals): count, deleted, the master
   * fields, 0, then per entry flags, ms and seq deltas, [num-fields, field, value…] or [value…], lp-count.
   */
  listpackItems(): string[] {
    const out: string[] = [String(this.live), String(this.deletedCount), String(this.masterFields.length), ...this.masterFields, '0'];
    const ms = idMs(this.master), seq = idSeq(this.master);
    for (const e of this.entries) {
      const same = this.isSameFields(e);
      out.push(String((e.deleted ? FLAG_DELETED : 0) | (same ? FLAG_SAMEFIELDS : 0)));
      out.push(delta(idMs(e.id), ms).toString(), delta(idSeq(e.id), seq).toString());
      if (same) {
        for (const v of e.values) out.push(v);
      } else {
        out.push(String(e.fields.length));
        for (let i = 0; i < e.values.length; i++) out.push(e.fields[i], e.values[i]);
      }
      out.push(String(3 + e.values.length + (same ? 0 : e.fields.length + 1)));
    }
    return out;
  }

  clone(): StreamNode {
    const c = new StreamNode(this.master, this.masterFields);
    c.body = this.body;
    c.live = this.live;
    for (const e of this.entries) c.entries.push({ id: e.id, fields: e.fields, values: e.values, deleted: e.deleted });
    return c;
  }
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---- consumer groups ----

/** A pending entry (streamNACK): delivered, not acknowledged yet. */
export interface Nack {
  deliveryTime: number;
  deliveryCount: number;
  /** The consumer whose PEL holds it; null only between XCLAIM FORCE creating it and assigning it. */
  consumer: Consumer | null;
}

export class Consumer {
  readonly pel = new IdMap<Nack>();

  constructor(
    readonly name: string,
    public seenTime: number,
  ) {}
}

export class ConsumerGroup {
  readonly pel = new IdMap<Nack>();
  readonly consumers = new Map<string, Consumer>();

  constructor(
    public lastId: StreamId,
    /** The logical read counter, ENTRIES_READ_INVALID when unknown. */
    public entriesRead: bigint,
  ) {}

  /** Consumers in name order, as Redis's rax walks them. */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** streamCreateConsumer(): null when the name is taken. */
  createConsumer(name: string, now: number): Consumer | null {
    if (this.consumers.has(name)) return null;
    const c = new Consumer(name, now);
    this.consumers.set(name, c);
    return c;
  }

  /** streamDelConsumer(): its pending entries leave the group PEL too. Returns how many there were. */
  deleteConsumer(c: Consumer): number {
    const pending = c.pel.size;
    for (const id of c.pel.keys()) this.pel.delete(id);
    this.consumers.delete(c.name);
    return pending;
  }

  /** Drop a pending entry from the group and its consumer (XACK, a claim of a deleted entry). */
  acknowledge(id: StreamId): boolean {
    const nack = this.pel.delete(id);
    if (nack === undefined) return false;
    nack.consumer?.pel.delete(id);
    return true;
  }

  /** The pending entry goes to `to` (and leaves its previous owner's PEL). */
  assign(id: StreamId, nack: Nack, to: Consumer): void {
    if (nack.consumer === to) return;
    nack.consumer?.pel.delete(id);
    to.pel.set(id, nack);
    nack.consumer = to;
  }
}

/** Node limits read from the config at each XADD (stream-node-max-bytes, stream-node-max-entries). */
export interface NodeLimits {
  maxBytes: number;
  maxEntries: number;
}

/** Listpacks may not grow past this whatever the config says (STREAM_LISTPACK_MAX_SIZE). */
export const LISTPACK_MAX_SIZE = 1 << 30;

export type TrimStrategy = { kind: 'maxlen'; maxlen: number } | { kind: 'minid'; minid: StreamId };

/** Per-node bookkeeping MEMORY USAGE adds to the listpack bytes (rax node, pointers), and per pending entry. */
const NODE_OVERHEAD = 64;
const NACK_OVERHEAD = 96;
const STREAM_OVERHEAD = 128;

export class StreamValue implements Collection {
  readonly type = 'stream' as const;
  /** Listpack nodes by master ID. */
  readonly nodes = new IdMap<StreamNode>();
  length = 0;
  lastId: StreamId = 0n;
  /** The first entry that is not a tombstone, 0-0 when empty. */
  firstId: StreamId = 0n;
  maxDeletedId: StreamId = 0n;
  /** Every entry ever added (XSETID may set it). */
  entriesAdded = 0n;
  /** Created on demand, as Redis does. */
  groups: Map<string, ConsumerGroup> | null = null;

  encoding(): string {
    return 'stream';
  }

  // ---- adding ----

  /**
   * streamAppendItem()'s storage part: the entry goes into the tail node, or a new node when the tail has
   * reached stream-node-max-bytes (counting the new field and value bytes) or stream-node-max-entries (live and
   * deleted). The caller has checked the ID is above lastId.
   */
  append(id: StreamId, fields: readonly string[], values: readonly string[], limits: NodeLimits): void {
    let totalBytes = 0;
    for (let i = 0; i < fields.length; i++) totalBytes += fields[i].length + values[i].length;
    let node = this.nodes.last()?.[1];
    if (node !== undefined) {
      let maxBytes = limits.maxBytes;
      if (maxBytes === 0 || maxBytes > LISTPACK_MAX_SIZE) maxBytes = LISTPACK_MAX_SIZE;
      if (node.bytes + totalBytes >= maxBytes) node = undefined;
      else if (limits.maxEntries && node.entries.length >= limits.maxEntries) node = undefined;
    }
    if (node === undefined) {
      node = new StreamNode(id, fields);
      this.nodes.set(id, node);
    }
    node.append(id, fields, values);
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /**
   * A node as an RDB file holds it (rdbLoadObject inserts each listpack whole): keyed by its master ID, headed by
   * the master entry's field names. The loader appends its entries with appendStored() and sets the stream's
   * length, IDs and counters from the file, so nodes, tombstones and sizes are the saved stream's.
   */
  addStoredNode(master: StreamId, masterFields: readonly string[]): StreamNode {
    const node = new StreamNode(master, masterFields);
    this.nodes.set(master, node);
    return node;
  }

  // ---- reading ----

  /** Live entries with start <= ID <= end, ascending, or descending when `rev` (streamIteratorGetID). */
  *range(start: StreamId, end: StreamId, rev = false): Generator<StreamEntry> {
    if (start > end) return;
    if (!rev) {
      let at = this.nodes.floor(start) ?? this.nodes.first();
      while (at !== undefined) {
        const node = at[1];
        const es = node.entries;
        for (let i = node.lowerBound(start); i < es.length; i++) {
          const e = es[i];
          if (e.id > end) return;
          if (!e.deleted) yield e;
        }
        at = this.nodes.ceiling(node.master + 1n);
      }
    } else {
      let at = this.nodes.floor(end);
      while (at !== undefined) {
        const node = at[1];
        const es = node.entries;
        for (let i = node.lowerBound(end + 1n) - 1; i >= 0; i--) {
          const e = es[i];
          if (e.id < start) return;
          if (!e.deleted) yield e;
        }
        at = node.master === 0n ? undefined : this.nodes.floor(node.master - 1n);
      }
    }
  }

  /** The live entry with this ID (streamEntryExists), or undefined. */
  get(id: StreamId): StreamEntry | undefined {
    const at = this.nodes.floor(id);
    if (at === undefined) return undefined;
    const node = at[1];
    const i = node.lowerBound(id);
    const e = node.entries[i];
    return e !== undefined && e.id === id && !e.deleted ? e : undefined;
  }

  /** streamLastValidID(): the greatest live ID, 0-0 when there is none. */
  lastLiveId(): StreamId {
    for (const e of this.range(ID_MIN, ID_MAX, true)) return e.id;
    return 0n;
  }

  /**
   * streamGetEdgeID(first): the first (or last) entry, tombstones skipped or not; when there is none, the
   * maximal ID for the first edge and 0-0 for the last, as Redis answers.
   */
  edgeId(first: boolean, skipTombstones: boolean): StreamId {
    if (skipTombstones) {
      for (const e of this.range(ID_MIN, ID_MAX, !first)) return e.id;
    } else {
      const at = first ? this.nodes.first() : this.nodes.last();
      if (at !== undefined) {
        const es = at[1].entries;
        return first ? es[0].id : es[es.length - 1].id;
      }
    }
    return first ? ID_MAX : ID_MIN;
  }

  // ---- removing ----

  /**
   * streamDeleteItem(): make a live entry a tombstone; a node left with no live entry goes away. The caller keeps
   * firstId and maxDeletedId. False when there is no such live entry.
   */
  delete(id: StreamId): boolean {
    const at = this.nodes.floor(id);
    if (at === undefined) return false;
    const node = at[1];
    const e = node.entries[node.lowerBound(id)];
    if (e === undefined || e.id !== id || e.deleted) return false;
    if (node.live === 1) {
      this.nodes.delete(node.master);
    } else {
      e.deleted = true;
      node.live--;
    }
    this.length--;
    return true;
  }

  /**
   * streamTrim(): drop whole nodes from the head while the strategy allows, then (unless `approx`) mark entries
   * of the next node deleted until it is satisfied. `limit` (0: none) caps the entries removed; a node that would
   * pass it is left whole. Returns how many entries went.
   */
  trim(strategy: TrimStrategy, approx: boolean, limit: number): number {
    let deleted = 0;
    for (;;) {
      const at = this.nodes.first();
      if (at === undefined) break;
      if (strategy.kind === 'maxlen' && this.length <= strategy.maxlen) break;
      const node = at[1];
      const entries = node.live;
      if (limit && deleted + entries > limit) break;
      const removeNode = strategy.kind === 'maxlen'
        ? this.length - entries >= strategy.maxlen
        : node.lastId < strategy.minid;
      if (removeNode) {
        this.nodes.delete(node.master);
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      for (const e of node.entries) {
        const stop = strategy.kind === 'maxlen' ? this.length <= strategy.maxlen : e.id >= strategy.minid;
        if (stop) break;
        if (!e.deleted) {
          e.deleted = true;
          node.live--;
          this.length--;
          deleted++;
        }
      }
      break; // the node had enough to delete: no need to look further
    }
    if (this.length === 0) this.firstId = 0n;
    else if (deleted) this.firstId = this.edgeId(true, true);
    return deleted;
  }

  // ---- consumer groups and lag ----

  group(name: string): ConsumerGroup | undefined {
    return this.groups?.get(name);
  }

  /** streamCreateCG(): null when the name is taken. */
  createGroup(name: string, lastId: StreamId, entriesRead: bigint): ConsumerGroup | null {
    if (this.groups === null) this.groups = new Map();
    if (this.groups.has(name)) return null;
    const g = new ConsumerGroup(lastId, entriesRead);
    this.groups.set(name, g);
    return g;
  }

  destroyGroup(name: string): boolean {
    return this.groups?.delete(name) ?? false;
  }

  /** Groups in name order, as Redis's rax walks them. */
  sortedGroups(): [string, ConsumerGroup][] {
    if (this.groups === null) return [];
    return [...this.groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** streamRangeHasTombstones(): could a deleted entry lie within [start, end]? Only the maximal one is known. */
  rangeHasTombstones(start: StreamId, end: StreamId = ID_MAX): boolean {
    if (this.length === 0 || this.maxDeletedId === 0n) return false;
    if (this.firstId > this.maxDeletedId) return false;
    return start <= this.maxDeletedId && this.maxDeletedId <= end;
  }

  /**
   * streamEstimateDistanceFromFirstEverEntry(): the read counter an ID stands for, when it can be known (the last
   * ID, the first entry or before it with no tombstone ahead, a stream never written); ENTRIES_READ_INVALID else.
   */
  estimateDistance(id: StreamId): bigint {
    if (this.entriesAdded === 0n) return 0n;
    if (this.length === 0 && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return ENTRIES_READ_INVALID;
    if (this.maxDeletedId === 0n || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return this.entriesAdded - BigInt(this.length);
      if (id === this.firstId) return this.entriesAdded - BigInt(this.length) + 1n;
    }
    return ENTRIES_READ_INVALID;
  }

  /** streamReplyWithCGLag()'s value: entries not yet delivered to the group, null when it cannot be known. */
  lag(g: ConsumerGroup): bigint | null {
    if (this.entriesAdded === 0n) return 0n;
    if (g.entriesRead !== ENTRIES_READ_INVALID && !this.rangeHasTombstones(g.lastId)) return this.entriesAdded - g.entriesRead;
    const read = this.estimateDistance(g.lastId);
    return read === ENTRIES_READ_INVALID ? null : this.entriesAdded - read;
  }

  /**
   * The group moves past `id` (delivered to it for the first time): its read counter follows when it is valid and
   * no tombstone lies ahead, otherwise it is re-estimated (streamReplyWithRange's group update).
   */
  advanceGroup(g: ConsumerGroup, id: StreamId): void {
    if (g.entriesRead !== ENTRIES_READ_INVALID && !this.rangeHasTombstones(id)) g.entriesRead++;
    else if (this.entriesAdded) g.entriesRead = this.estimateDistance(id);
    g.lastId = id;
  }

  // ---- introspection ----

  /**
   * The node count of the radix tree Redis keys the listpacks by (rax->numnodes): a compressed trie over the
   * 16-byte master IDs, where a chain of single-child bytes is one node, a fork is one node and each key ends in
   * an empty leaf. Computed from the sorted keys; an empty tree is its root alone.
   */
  radixTreeNodes(): number {
    const keys = this.nodes.keys().map(rawId);
    if (keys.length === 0) return 1;
    const count = (lo: number, hi: number, depth: number): number => {
      if (depth === 16) return 1;
      const a = keys[lo], b = keys[hi - 1];
      let common = depth;
      while (common < 16 && a.charCodeAt(common) === b.charCodeAt(common)) common++;
      if (common > depth) return 1 + count(lo, hi, common);
      let n = 1;
      for (let i = lo; i < hi; ) {
        const c = keys[i].charCodeAt(depth);
        let j = i + 1;
        while (j < hi && keys[j].charCodeAt(depth) === c) j++;
        n += count(i, j, depth + 1);
        i = j;
      }
      return n;
    };
    return count(0, keys.length, 0);
  }

  /** MEMORY USAGE's estimate: the listpack bytes of the first `samples` nodes scaled to all, plus groups. */
  memoryUsage(samples: number): number {
    let bytes = 0, sampled = 0;
    for (const [, node] of this.nodes.entries()) {
      if (sampled >= samples) break;
      bytes += node.bytes;
      sampled++;
    }
    const nodes = this.nodes.size;
    let size = STREAM_OVERHEAD + (sampled ? Math.round((bytes / sampled) * nodes) : 0) + nodes * NODE_OVERHEAD;
    for (const g of this.groups?.values() ?? []) {
      size += NODE_OVERHEAD + g.pel.size * NACK_OVERHEAD;
      for (const c of g.consumers.values()) size += NODE_OVERHEAD + c.name.length + c.pel.size * 16;
    }
    return size;
  }

  /** streamDup(): the same nodes, IDs, counters, groups, consumers and pending entries. */
  clone(): StreamValue {
    const s = new StreamValue();
    for (const [id, node] of this.nodes.entries()) s.nodes.set(id, node.clone());
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    if (this.groups !== null) {
      for (const [name, g] of this.groups) {
        const cg = s.createGroup(name, g.lastId, g.entriesRead)!;
        const nacks = new Map<Nack, Nack>();
        for (const [id, nack] of g.pel.entries()) {
          const copy: Nack = { deliveryTime: nack.deliveryTime, deliveryCount: nack.deliveryCount, consumer: null };
          nacks.set(nack, copy);
          cg.pel.set(id, copy);
        }
        for (const c of g.consumers.values()) {
          const cc = new Consumer(c.name, c.seenTime);
          cg.consumers.set(c.name, cc);
          for (const [id, nack] of c.pel.entries()) {
            const copy = nacks.get(nack)!;
            copy.consumer = cc;
            cc.pel.set(id, copy);
          }
        }
      }
    }
    return s;
  }
}
