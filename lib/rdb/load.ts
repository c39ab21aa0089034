/**
 * Loading an RDB into a Keyspace (the keyspace half of rdbLoadRio in rdb.c). Items go into the dbs of a fresh
 * Keyspace and replace the live data only once the whole file has loaded, so a bad or cut-off file leaves the
 * old dataset untouched. Types toyredis does not hold yet are counted and skipped with one warning per type.
 */
import type { Logger } from '../server/log';
import { Keyspace, NO_EXPIRY } from '../store/keyspace';
import { DEFAULT_MAX_INTSET_ENTRIES, SetValue } from '../store/set';
import type { Value } from '../store/types';
import { DEFAULT_HASH_LIMITS, HashValue, type HashLimits } from '../store/hash';
import { List } from '../store/list';
import { DEFAULT_ZSET_LIMITS, ZsetValue, type ZsetLimits } from '../store/zset';
import { makeId, StreamValue, type Nack } from '../store/stream';
import { RdbError } from './errors';
import * as op from './opcodes';
import { RdbReader, type RdbEntry, type RdbItem, type RdbStream, type RdbValue, type StreamId } from './parse';

/**
 * The encoding limits a loaded collection is judged against: the server's hash-max-listpack-*,
 * zset-max-listpack-* and set-max-intset-entries at load time, as rdbLoadObject reads them.
 */
export interface LoadLimits {
  hash: HashLimits;
  zset: ZsetLimits;
  maxIntsetEntries: number;
}

/** Redis's defaults, for a load with no server behind it. */
export const DEFAULT_LOAD_LIMITS: LoadLimits = {
  hash: DEFAULT_HASH_LIMITS,
  zset: DEFAULT_ZSET_LIMITS,
  maxIntsetEntries: DEFAULT_MAX_INTSET_ENTRIES,
};

/** The limits a server's configuration sets now (read at each load, so CONFIG SET counts). */
export function loadLimitsOf(config: { getNumber(name: string): number }): LoadLimits {
  return {
    hash: { maxEntries: config.getNumber('hash-max-listpack-entries'), maxValue: config.getNumber('hash-max-listpack-value') },
    zset: { maxEntries: config.getNumber('zset-max-listpack-entries'), maxValue: config.getNumber('zset-max-listpack-value') },
    maxIntsetEntries: config.getNumber('set-max-intset-entries'),
  };
}

export interface LoadOptions {
  /** Drop keys whose TTL has passed: a master loading its file does; a replica keeps them for its master's DEL. */
  dropExpired: boolean;
  log?: Logger;
  /** The instant expiry is judged against, unix ms (default: the target keyspace's clock). */
  now?: number;
  /** Check the CRC64 at EOF (rdbchecksum yes; default true). */
  verifyChecksum?: boolean;
  /** The server's encoding limits (default: Redis's defaults). */
  limits?: LoadLimits;
  /**
   * Install the file's function libraries in place of the server's (rdbFunctionLoad into a cleared library
   * context); returns an error text, which fails the load. Called before the keys are swapped in, so a library
   * that does not compile leaves the old dataset and libraries untouched. Without it libraries are skipped.
   */
  functions?: (sources: string[]) => string | null;
  /**
   * Keep the keys already there and add the file's (DEBUG RELOAD NOFLUSH): a key in both fails the load, unless
   * `allowDuplicates` (MERGE, RDBFLAGS_ALLOW_DUP), when the file's value replaces the one in memory.
   */
  keepExisting?: boolean;
  allowDuplicates?: boolean;
}

export interface LoadStats {
  version: number;
  keysLoaded: number;
  expiredDropped: number;
  /** Collections with no elements, which Redis skips too. */
  emptySkipped: number;
  /** Keys of types toyredis does not hold yet, by type. */
  skipped: Partial<Record<Parsed['type'], number>>;
  /** Aux fields by name (redis-ver, ctime, repl-id, ...). */
  aux: Record<string, string>;
  /** Function library sources (`#!lua name=...`), in file order. */
  functions: string[];
  durationMs: number;
}

const PLURAL: Record<keyof LoadStats['skipped'], string> = {
  list: 'lists', set: 'sets', zset: 'sorted sets', hash: 'hashes', stream: 'streams',
};

type Parsed = Exclude<RdbValue, string>;

/**
 * How a parsed collection becomes a keyspace value, encoded as rdbLoadObject leaves it under `limits`: each type
 * toyredis learns to hold adds its row here (and its encoder in write.ts). `rdbType` is how the file stored it.
 * A type with no row is counted and skipped.
 */
type Builder<T extends Parsed['type']> = (v: Extract<Parsed, { type: T }>, rdbType: number, limits: LoadLimits) => Value;
const builders: { [T in Parsed['type']]?: Builder<T> } = {
  set: (v, _rdbType, limits) => buildSet(v.members, limits.maxIntsetEntries),
  hash: (v, rdbType, limits) => buildHash(v.fields, rdbType, limits.hash),
  list: (v) => List.from(v.items),
  zset: (v, rdbType, limits) => buildZset(v.entries, rdbType, limits.zset),
  stream: (v) => buildStream(v),
};

/**
 * A stream as saved: each node rebuilt as the file holds it (master ID and fields, entries with their flags,
 * tombstones included), so node sizes, XTRIM ~ and XINFO's radix-tree figures are those of the server that wrote
 * it; the counters and IDs the file stores; the groups with PELs shared between a group and the consumer that
 * holds each entry.
 */
function buildStream(v: RdbStream): StreamValue {
  const s = new StreamValue();
  const id = (i: StreamId) => makeId(i.ms, i.seq);
  for (const n of v.nodes) {
    const node = s.addStoredNode(id(n.masterId), n.masterFields);
    for (const e of n.entries) {
      node.appendStored(id(e.id), e.fields.map(([f]) => f), e.fields.map(([, value]) => value), e.sameFields, e.deleted);
    }
  }
  s.length = v.length;
  s.lastId = id(v.lastId);
  s.firstId = id(v.firstId);
  s.maxDeletedId = id(v.maxDeletedId);
  s.entriesAdded = BigInt(v.entriesAdded);
  for (const g of v.groups) {
    const group = s.createGroup(g.name, id(g.lastId), BigInt(g.entriesRead))!;
    const nacks = new Map<bigint, Nack>();
    for (const p of g.pending) {
      const nack: Nack = { deliveryTime: p.deliveryTime, deliveryCount: p.deliveryCount, consumer: null };
      nacks.set(id(p.id), nack);
      group.pel.set(id(p.id), nack);
    }
    for (const c of g.consumers) {
      const consumer = group.createConsumer(c.name, c.seenTime)!;
      for (const pid of c.pending) group.assign(id(pid), nacks.get(id(pid))!, consumer);
    }
    // Redis checks this only under deep sanitization, then crashes on such an entry later: refuse it at once
    for (const nack of nacks.values()) if (nack.consumer === null) throw new RdbError('Stream CG PEL entry without consumer');
  }
  return s;
}

/** The RDB types holding a listpack (or a ziplist Redis turns into one) that Redis keeps as it is on load. */
const PACKED_ZSETS: ReadonlySet<number> = new Set([op.RDB_TYPE_ZSET_ZIPLIST, op.RDB_TYPE_ZSET_LISTPACK]);
const PACKED_HASHES: ReadonlySet<number> = new Set([op.RDB_TYPE_HASH_ZIPLIST, op.RDB_TYPE_HASH_LISTPACK]);

/**
 * A sorted set encoded as Redis 7.0 leaves it after loading. Stored as a skip list: a listpack when within both
 * limits. Stored as a listpack (or ziplist): kept one unless it has more members than zset-max-listpack-entries,
 * whatever their lengths (Redis skips that O(N) check). A repeated member is corruption.
 */
function buildZset(entries: readonly (readonly [string, number])[], rdbType: number, limits: ZsetLimits): ZsetValue {
  const z = ZsetValue.build(entries);
  if (z === null) throw new RdbError('Duplicate zset fields detected');
  z.compactIfSmall(PACKED_ZSETS.has(rdbType) ? { maxEntries: limits.maxEntries, maxValue: Infinity } : limits);
  return z;
}

/**
 * A set encoded as Redis 7.0 leaves it after loading: an intset while all its members are integers and there are
 * no more than set-max-intset-entries, else a hash table. A repeated member is corruption.
 */
function buildSet(members: readonly string[], maxIntset: number): SetValue {
  const s = new SetValue();
  for (const m of members) {
    if (!s.add(m, maxIntset)) throw new RdbError('Duplicate set members detected');
  }
  return s;
}

/**
 * A hash encoded as Redis 7.0 leaves it after loading. Stored as a hash table (or a zipmap): a listpack while
 * within both limits. Stored as a listpack (or ziplist): kept one unless it has more fields than
 * hash-max-listpack-entries, whatever their lengths. A repeated field is corruption.
 */
function buildHash(fields: readonly (readonly [string, string])[], rdbType: number, limits: HashLimits): HashValue {
  const kept = PACKED_HASHES.has(rdbType) ? { maxEntries: limits.maxEntries, maxValue: Infinity } : limits;
  const h = new HashValue();
  for (const [f, v] of fields) {
    if (!h.set(f, v, kept)) throw new RdbError('Duplicate hash fields detected');
  }
  return h;
}

/**
 * A parsed collection as the keyspace holds it (RESTORE builds with this too), given the RDB type it was stored
 * as and the limits to encode it under; undefined for a type not held yet.
 */
export function build(v: Parsed, rdbType: number, limits: LoadLimits = DEFAULT_LOAD_LIMITS): Value | undefined {
  const make = builders[v.type] as Builder<Parsed['type']> | undefined;
  return make?.(v as never, rdbType, limits);
}

export function isEmpty(v: Parsed): boolean {
  switch (v.type) {
    case 'list':
      return v.items.length === 0;
    case 'set':
      return v.members.length === 0;
    case 'zset':
      return v.entries.length === 0;
    case 'hash':
      return v.fields.length === 0;
    case 'stream':
      return false; // an empty stream is a valid key (XADD then XDEL, or MKSTREAM)
  }
}

/** Streams an RDB into `target`: feed() chunks as they arrive, then end(). */
export class RdbLoader {
  private readonly reader: RdbReader;
  private readonly staging: Keyspace;
  private readonly now: number;
  private readonly limits: LoadLimits;
  private readonly started = performance.now();
  private ended = false;
  private readonly stats: LoadStats = {
    version: 0, keysLoaded: 0, expiredDropped: 0, emptySkipped: 0, skipped: {},
    aux: Object.create(null), functions: [], durationMs: 0,
  };

  constructor(
    private readonly target: Keyspace,
    private readonly opts: LoadOptions,
  ) {
    this.reader = new RdbReader({ verifyChecksum: opts.verifyChecksum });
    this.staging = new Keyspace(target.clock, target.dbs.length);
    this.now = opts.now ?? target.clock.now();
    this.limits = opts.limits ?? DEFAULT_LOAD_LIMITS;
  }

  /** True once the whole file (EOF and checksum) has been read; end() may then swap it in. */
  get done(): boolean {
    return this.reader.done;
  }

  /** Bytes of input the RDB took so far (anything fed after its checksum is not part of it). */
  get consumed(): number {
    return this.reader.consumed;
  }

  /** Parse and stage what `chunk` completes. Throws RdbError; the target is untouched until end(). */
  feed(chunk: Buffer): void {
    for (const item of this.reader.feed(chunk)) this.apply(item);
  }

  /** The input is complete: swap the loaded dataset in (throws RdbError if the file was cut short). */
  end(): LoadStats {
    if (this.ended) return this.stats;
    this.reader.end();
    this.ended = true;
    this.stats.version = this.reader.version;
    const installed = this.opts.functions?.(this.stats.functions) ?? null;
    if (installed !== null) throw new RdbError(`Failed loading library, ${installed}`, this.reader.consumed);
    if (this.opts.keepExisting) this.mergeIntoTarget();
    else {
      for (let i = 0; i < this.target.dbs.length; i++) {
        const live = this.target.dbs[i], loaded = this.staging.dbs[i];
        if (live.size || loaded.size) this.target.hooks.flushed(live);
        live.swapWith(loaded);
      }
    }
    this.stats.durationMs = performance.now() - this.started;
    this.report();
    return this.stats;
  }

  /** NOFLUSH: the loaded keys join those in memory (checked for duplicates first, so a refusal changes nothing). */
  private mergeIntoTarget(): void {
    const { target, staging } = this;
    if (!this.opts.allowDuplicates) {
      staging.dbs.forEach((loaded, i) => {
        for (const key of loaded.keys()) {
          if (target.dbs[i].peek(key) !== undefined) throw new RdbError(`RDB has duplicated key '${key}' in DB ${i}`, this.reader.consumed);
        }
      });
    }
    staging.dbs.forEach((loaded, i) => {
      const live = target.dbs[i];
      for (const [key, e] of loaded.entries()) {
        live.delete(key);
        live.set(key, e.value, e.expiresAt);
      }
    });
  }

  private apply(item: RdbItem): void {
    switch (item.kind) {
      case 'aux':
        this.stats.aux[item.key] = item.value;
        this.logAux(item.key, item.value);
        return;
      case 'selectdb':
        if (item.db >= this.staging.dbs.length) {
          throw new RdbError(
            `FATAL: Data file was created with a Redis server configured to handle more than ${this.staging.dbs.length} databases.`,
            this.reader.consumed,
          );
        }
        return;
      case 'function':
        this.stats.functions.push(item.code);
        return;
      case 'entry':
        return this.applyEntry(item);
      case 'resizedb': // a sizing hint for hash tables; a Map needs none
      case 'eof':
        return;
    }
  }

  private applyEntry(e: RdbEntry): void {
    let value: Value | undefined;
    if (typeof e.value === 'string') {
      value = e.value;
    } else if (isEmpty(e.value)) {
      // Redis skips empty collections too (old versions could write them, see rdbLoadRio)
      if (this.stats.emptySkipped++ < 10) this.opts.log?.warning(`rdbLoadObject skipping empty key: ${e.key}`);
      return;
    } else if ((value = build(e.value, e.rdbType, this.limits)) === undefined) {
      this.stats.skipped[e.value.type] = (this.stats.skipped[e.value.type] ?? 0) + 1;
      return;
    }
    // -1 is Redis's "no expiry" sentinel in the loader; a stored -1 therefore means no TTL.
    const ttl = e.expiresAt !== null && e.expiresAt !== -1;
    if (ttl && this.opts.dropExpired && e.expiresAt! < this.now) {
      this.stats.expiredDropped++;
      return;
    }
    const db = this.staging.dbs[e.db];
    if (db.peek(e.key) !== undefined) throw new RdbError(`RDB has duplicated key '${e.key}' in DB ${e.db}`, this.reader.consumed);
    db.set(e.key, value, ttl ? Math.max(e.expiresAt!, 1) : NO_EXPIRY);
    if (e.lru !== undefined) db.peek(e.key)!.lru = this.staging.lruClock - e.lru;
    this.stats.keysLoaded++;
  }

  private logAux(key: string, value: string): void {
    const log = this.opts.log;
    if (!log) return;
    if (key.startsWith('%')) log.notice(`RDB '${key}': ${value}`);
    else if (key === 'redis-ver') log.notice(`Loading RDB produced by version ${value}`);
    else if (key === 'ctime') log.notice(`RDB age ${Math.max(0, Math.floor(this.now / 1000) - (parseInt(value, 10) || 0))} seconds`);
    else if (key === 'used-mem') log.notice(`RDB memory usage when created ${((parseInt(value, 10) || 0) / (1024 * 1024)).toFixed(2)} Mb`);
    else if (key === 'aof-base' && parseInt(value, 10)) log.notice('RDB is base AOF');
  }

  private report(): void {
    const log = this.opts.log;
    if (!log) return;
    const s = this.stats;
    for (const [type, n] of Object.entries(s.skipped) as [keyof LoadStats['skipped'], number][]) {
      log.warning(`Skipping ${n} keys of type ${type}: toyredis does not hold ${PLURAL[type]} yet`);
    }
    if (s.functions.length && !this.opts.functions) log.warning(`Skipping ${s.functions.length} function libraries: this load does not install them`);
    const empty = s.emptySkipped ? `, empty keys skipped: ${s.emptySkipped}` : '';
    log.notice(`Done loading RDB, keys loaded: ${s.keysLoaded}, keys expired: ${s.expiredDropped}${empty}.`);
  }
}

/** Load a whole RDB file held in memory into `target`. */
export function loadRdb(target: Keyspace, bytes: Buffer, opts: LoadOptions): LoadStats {
  const loader = new RdbLoader(target, opts);
  loader.feed(bytes);
  return loader.end();
}
