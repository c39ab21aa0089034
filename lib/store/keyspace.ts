/**
 * The keyspace: 16 (configurable) databases of typed values with millisecond expiry, lazy on access and
 * sampled actively like db.c and expire.c. It knows nothing of commands or sockets; what changes is reported
 * through hooks, so WATCH, propagation and persistence can follow without the store knowing them.
 */
import type { Value } from './types';
import { BigMap, BigSet } from './big-map';

/** Where time comes from; tests inject a fake one so that expiry needs no sleeping. */
export interface Clock {
  now(): number; // unix time in ms
}
export const systemClock: Clock = { now: () => Date.now() };

/** A new key's LFU counter, so that it is not evicted before it had a chance to be used (evict.c). */
const LFU_INIT_VAL = 5;

/** No TTL. Stored expiries are always > 0: a master's PEXPIREAT in the distant past is clamped to 1 ms. */
export const NO_EXPIRY = 0;

/**
 * One key's value and metadata. `slot` is the key's fixed place in its database's scan order, so that SCAN's
 * cursor is just a slot number and every key present for a whole scan is returned (see Db.scan).
 */
export class Entry {
  constructor(
    public value: Value,
    public expiresAt: number,
    public slot: number,
    /** Seconds clock of the last access (OBJECT IDLETIME); under an LFU policy, Redis's minutes << 8 | counter. */
    public lru: number,
  ) {}
}

/**
 * Strings Redis would hold raw (an sds of their own) whatever their length or content: changed in place by APPEND,
 * SETRANGE or the bit commands, or made by BITOP. OBJECT ENCODING reports them so; any other write of the key
 * forgets it. A side table, so that entries carry no extra field for what only OBJECT ENCODING asks.
 */
const rawStrings = new WeakSet<Entry>();
let anyRawString = false;

export function markRawString(e: Entry | undefined): void {
  if (e === undefined) return;
  rawStrings.add(e);
  anyRawString = true;
}

export const isRawString = (e: Entry): boolean => anyRawString && rawStrings.has(e);

/** What the rest of the server wants to hear about keyspace changes. */
export interface KeyspaceHooks {
  /** A key was written, deleted or expired (WATCH invalidation, client-side caching, …). */
  modified(db: Db, key: string): void;
  /** A key's TTL passed and it was removed: a master propagates `DEL key` to replicas and the AOF. */
  expired(db: Db, key: string): void;
  /** Every key of the db is about to go (FLUSHDB, FLUSHALL, a replica loading a new dataset). */
  flushed(db: Db): void;
  /** A key was added (dbAdd): called only while Keyspace.reportCreated is set. */
  created?(db: Db, key: string): void;
  /** A read found no key (a keyspace miss): called only while Keyspace.reportMisses is set. */
  missed?(db: Db, key: string): void;
  /** A key was evicted to free memory (maxmemory): a master propagates `DEL key`, as for an expired key. */
  evicted?(db: Db, key: string): void;
  /** A key is being deleted or expired, with its entry: called only while Keyspace.reportRemoved is set. */
  removed?(db: Db, key: string, e: Entry): void;
}

const noHooks: KeyspaceHooks = { modified() {}, expired() {}, flushed() {} };

export class Db {
  private dict = new BigMap<string, Entry>();
  /** Keys by slot; deleted slots hold undefined until reused. */
  private slots: (string | undefined)[] = [];
  private freeSlots: number[] = [];
  /** Keys that have a TTL (db->expires), walked by the active expire cycle. */
  volatile = new BigSet<string>();
  private expireCursor: Iterator<string> | null = null;
  /** Where sampling for volatile-* eviction goes on from (sampleKeys). */
  private evictCursor: Iterator<string> | null = null;
  avgTtl = 0;

  constructor(
    readonly id: number,
    private readonly ks: Keyspace,
  ) {}

  get size(): number {
    return this.dict.size;
  }

  /** The entry if the key exists and is not logically expired. Deletes it when expired (unless a replica). */
  lookup(key: string): Entry | undefined {
    const e = this.find(key);
    if (e !== undefined) e.lru = this.ks.lfu ? this.ks.lfuTouched(e.lru) : this.ks.lruClock;
    return e;
  }

  /** lookup() for read commands: also counts keyspace_hits / keyspace_misses. */
  lookupRead(key: string): Entry | undefined {
    return this.countHit(key, this.lookup(key), true);
  }

  /**
   * lookupRead() that leaves the access time alone (LOOKUP_NOTOUCH): EXISTS, TYPE, TTL and OBJECT look at a key
   * without making it look recently used. OBJECT's misses are counted but not reported (LOOKUP_NONOTIFY).
   */
  lookupReadNoTouch(key: string, reportMiss = true): Entry | undefined {
    return this.countHit(key, this.find(key), reportMiss);
  }

  /**
   * Is the key's TTL past? A pure time check that deletes nothing (KEYS filters with it). Strictly past, as
   * keyIsExpired's `now > when`: a key due at this very millisecond still lives.
   */
  isExpired(e: Entry): boolean {
    return e.expiresAt !== NO_EXPIRY && e.expiresAt < this.ks.now;
  }

  /**
   * expireIfNeeded(): true if the key is logically expired, deleting it on a master. A key that does not exist
   * is not "expired".
   */
  expireIfNeeded(key: string): boolean {
    const e = this.dict.get(key);
    return e !== undefined && this.isExpired(e) && this.expireEntry(key, e);
  }

  private find(key: string): Entry | undefined {
    const e = this.dict.get(key);
    if (e === undefined) return undefined;
    if (this.isExpired(e) && this.expireEntry(key, e)) return undefined;
    return e;
  }

  private countHit(key: string, e: Entry | undefined, reportMiss: boolean): Entry | undefined {
    if (e === undefined) {
      this.ks.stats.misses++;
      if (this.ks.reportMisses && reportMiss) this.ks.hooks.missed?.(this, key);
    } else {
      this.ks.stats.hits++;
    }
    return e;
  }

  /** The entry regardless of expiry, without touching it (DEBUG, OBJECT, persistence). */
  peek(key: string): Entry | undefined {
    return this.dict.get(key);
  }

  has(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  /**
   * Store a value (setKey in db.c). The TTL is dropped unless `expiresAt` is given; pass the old entry's
   * expiry to keep it (KEEPTTL, or a command that rewrites a value in place).
   */
  set(key: string, value: Value, expiresAt: number = NO_EXPIRY): void {
    let e = this.dict.get(key);
    if (e !== undefined && this.isExpired(e)) {
      // setKey() looks the key up first: one past its TTL is expired (and reported) before the new value is added
      this.expireEntry(key, e);
      e = this.dict.get(key);
    }
    let hadTtl = false;
    if (e === undefined) {
      this.adopt(key, new Entry(value, expiresAt, 0, this.ks.newLru()));
    } else {
      if (this.ks.snapshots.length) this.beforeChange(key, e);
      hadTtl = e.expiresAt !== NO_EXPIRY;
      if (anyRawString) rawStrings.delete(e);
      e.value = value;
      e.expiresAt = expiresAt;
      if (!this.ks.lfu) e.lru = this.ks.lruClock; // an LFU counter survives an overwrite, as in dbOverwrite()
      if (expiresAt !== NO_EXPIRY) this.volatile.add(key);
      else if (hadTtl) this.volatile.delete(key);
    }
    this.changed(key);
  }

  /**
   * RENAME: `to` takes over `from`'s value, TTL and access time, replacing what `to` held; one write. `to` is a
   * new key to SCAN (a fresh slot). Returns false if `from` does not exist or is `to`.
   */
  rename(from: string, to: string): boolean {
    const e = this.dict.get(from);
    if (e === undefined || from === to) return false;
    const old = this.dict.get(to);
    if (old !== undefined) this.remove(to, old);
    this.remove(from, e);
    this.adopt(to, e);
    this.ks.dirty++;
    this.ks.hooks.modified(this, from);
    this.ks.hooks.modified(this, to);
    return true;
  }

  /** MOVE: the key with its value, TTL and access time goes to `dst`, which must not hold it; one write. */
  moveTo(key: string, dst: Db): boolean {
    const e = this.dict.get(key);
    if (e === undefined || dst === this || dst.dict.has(key)) return false;
    this.remove(key, e);
    dst.adopt(key, e);
    this.ks.dirty++;
    this.ks.hooks.modified(this, key);
    this.ks.hooks.modified(dst, key);
    return true;
  }

  delete(key: string): boolean {
    const e = this.dict.get(key);
    if (e === undefined) return false;
    if (this.ks.reportRemoved) this.ks.hooks.removed?.(this, key, e);
    this.remove(key, e);
    this.changed(key);
    return true;
  }

  /**
   * Evict a key to free memory (performEvictions in evict.c): deleted, reported as evicted, then as modified
   * (WATCH, client-side caching). Not a write of any client's: `dirty` stays, as for an expired key.
   */
  evict(key: string): boolean {
    const e = this.dict.get(key);
    if (e === undefined) return false;
    this.remove(key, e);
    this.ks.hooks.evicted?.(this, key);
    this.ks.hooks.modified(this, key);
    return true;
  }

  /**
   * Up to `count` keys for eviction to look at (dictGetSomeKeys): consecutive slots from a random one, or with
   * `volatileOnly` the next keys with a TTL in a walk that goes on where the last call stopped. Keys may be
   * logically expired; nothing is touched. At least one key is found when the db holds any.
   */
  sampleKeys(count: number, volatileOnly: boolean, out: string[]): void {
    if (volatileOnly) {
      let wrapped = false;
      for (let n = 0; n < count && this.volatile.size; ) {
        if (this.evictCursor === null) this.evictCursor = this.volatile.values();
        const r = this.evictCursor.next();
        if (r.done) {
          this.evictCursor = null;
          if (wrapped) return;
          wrapped = true;
          continue;
        }
        out.push(r.value);
        n++;
      }
      return;
    }
    if (this.dict.size === 0) return;
    const slots = this.slots, len = slots.length;
    const found = out.length;
    let i = Math.floor(Math.random() * len);
    for (let stepped = 0, n = 0; n < count && stepped < len && stepped < count * 10; stepped++, i = i + 1 === len ? 0 : i + 1) {
      const key = slots[i];
      if (key !== undefined) {
        out.push(key);
        n++;
      }
    }
    if (out.length > found) return;
    // a sparse slot table: take the first keys instead
    for (const key of this.dict.keys()) {
      out.push(key);
      if (out.length - found >= count) break;
    }
  }

  /** Set or clear a key's TTL; returns false if the key does not exist. */
  setExpire(key: string, at: number): boolean {
    const e = this.dict.get(key);
    if (e === undefined) return false;
    if (this.ks.snapshots.length) this.beforeChange(key, e);
    e.expiresAt = at <= 0 && at !== NO_EXPIRY ? 1 : at;
    if (at === NO_EXPIRY) this.volatile.delete(key);
    else this.volatile.add(key);
    this.changed(key);
    return true;
  }

  /** A value was changed in place (a list pushed to): count it as a write. */
  signalModified(key: string): void {
    this.changed(key);
  }

  /** Call before changing a value in place, so a snapshot in progress can keep a copy of the old one. */
  beforeInPlaceChange(key: string): void {
    const e = this.dict.get(key);
    if (e !== undefined && this.ks.snapshots.length) this.beforeChange(key, e);
  }

  /** Remove every key. Returns how many there were. */
  clear(): number {
    const n = this.dict.size;
    this.ks.hooks.flushed(this);
    for (const s of this.ks.snapshots) s.beforeBulkChange(this);
    this.dict = new BigMap();
    this.slots = [];
    this.freeSlots = [];
    this.volatile = new BigSet();
    this.expireCursor = this.evictCursor = null;
    this.avgTtl = 0;
    if (n) this.ks.dirty += n;
    return n;
  }

  /** Exchange contents with another Db (SWAPDB swaps the data; each Db keeps its index). */
  swapWith(other: Db): void {
    for (const s of this.ks.snapshots) {
      s.beforeBulkChange(this);
      s.beforeBulkChange(other);
    }
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.slots, other.slots] = [other.slots, this.slots];
    [this.freeSlots, other.freeSlots] = [other.freeSlots, this.freeSlots];
    [this.volatile, other.volatile] = [other.volatile, this.volatile];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
    this.expireCursor = other.expireCursor = null;
    this.evictCursor = other.evictCursor = null;
  }

  /** All keys, including logically expired ones not yet removed (callers filter). */
  keys(): IterableIterator<string> {
    return this.dict.keys();
  }

  entries(): IterableIterator<[string, Entry]> {
    return this.dict.entries();
  }

  /** A random live key, or undefined when the db is empty (RANDOMKEY). */
  randomKey(): string | undefined {
    for (let tries = 0; tries < 100 && this.dict.size; tries++) {
      let key: string | undefined;
      for (let probe = 0; probe < 64 && key === undefined; probe++) {
        key = this.slots[Math.floor(Math.random() * this.slots.length)];
      }
      if (key === undefined) {
        // Mostly empty slot table: pick by position among the live keys instead.
        let i = Math.floor(Math.random() * this.dict.size);
        for (const k of this.dict.keys()) if (i-- === 0) { key = k; break; }
      }
      if (key !== undefined && this.find(key) !== undefined) return key; // expires what it draws, touches nothing
    }
    return undefined;
  }

  /**
   * Visit slots from `cursor` on, until `count` keys were seen or the end; returns the next cursor (0 = done).
   * A key keeps its slot for life and freed slots are only reused by new keys, so every key present for the
   * whole scan is visited exactly once: the guarantee Redis's SCAN gives.
   */
  scan(cursor: number, count: number, visit: (key: string) => void): number {
    const slots = this.slots;
    let i = cursor, seen = 0;
    const limit = Math.max(count, 1) * 10; // bound the work on a sparse slot table, like Redis's empty-bucket limit
    for (let stepped = 0; i < slots.length && seen < count && stepped < limit; i++, stepped++) {
      const key = slots[i];
      if (key !== undefined) {
        seen++;
        visit(key);
      }
    }
    return i >= slots.length ? 0 : i;
  }

  /**
   * One round of active expiry over this db: walk the keys with a TTL from where the last round stopped and
   * delete the expired ones. Returns [sampled, expired] so the cycle can decide whether to go on.
   */
  expireSample(max: number): [number, number] {
    let sampled = 0, expired = 0;
    if (this.volatile.size === 0) return [0, 0];
    if (this.expireCursor === null) this.expireCursor = this.volatile.values();
    let ttlSum = 0, ttlSamples = 0;
    while (sampled < max) {
      const r = this.expireCursor.next();
      if (r.done) {
        this.expireCursor = null;
        break;
      }
      sampled++;
      const e = this.dict.get(r.value);
      if (e === undefined || e.expiresAt === NO_EXPIRY) continue;
      if (e.expiresAt < this.ks.now) {
        if (this.expireEntry(r.value, e)) expired++;
      } else {
        ttlSum += e.expiresAt - this.ks.now;
        ttlSamples++;
      }
    }
    if (ttlSamples) this.avgTtl = this.avgTtl ? (this.avgTtl / 50) * 49 + ttlSum / ttlSamples / 50 : ttlSum / ttlSamples;
    return [sampled, expired];
  }

  /** Delete an expired key (a master), or only report it as absent (a replica waits for the master's DEL). */
  private expireEntry(key: string, e: Entry): boolean {
    if (this.ks.replicaMode !== 'master') return this.ks.replicaMode === 'replica-read';
    if (this.ks.expiryPaused) return true; // CLIENT PAUSE WRITE: expired, but deleting it would be a write
    if (this.ks.reportRemoved) this.ks.hooks.removed?.(this, key, e);
    this.remove(key, e);
    this.ks.stats.expiredKeys++;
    this.ks.hooks.expired(this, key);
    this.ks.hooks.modified(this, key);
    return true;
  }

  /** Give an entry a key and a fresh slot in this db. */
  private adopt(key: string, e: Entry): void {
    const slot = this.freeSlots.length ? this.freeSlots.pop()! : this.slots.length;
    this.slots[slot] = key;
    e.slot = slot;
    this.dict.set(key, e);
    if (e.expiresAt !== NO_EXPIRY) this.volatile.add(key);
    if (this.ks.snapshots.length) for (const s of this.ks.snapshots) s.created(this, key);
    if (this.ks.reportCreated) this.ks.hooks.created?.(this, key);
  }

  private remove(key: string, e: Entry): void {
    if (this.ks.snapshots.length) this.beforeChange(key, e);
    this.dict.delete(key);
    if (e.expiresAt !== NO_EXPIRY) this.volatile.delete(key);
    this.slots[e.slot] = undefined;
    if (e.slot === this.slots.length - 1) this.slots.length = e.slot;
    else this.freeSlots.push(e.slot);
  }

  /** Copy-on-write for snapshots in progress: they keep the old version of a key they have not reached. */
  private beforeChange(key: string, e: Entry): void {
    for (const s of this.ks.snapshots) s.beforeChange(this, key, e);
  }

  /** Slots in use or free, for walks in slot order (snapshots). */
  get slotCount(): number {
    return this.slots.length;
  }

  keyAtSlot(i: number): string | undefined {
    return this.slots[i];
  }

  private changed(key: string): void {
    this.ks.dirty++;
    this.ks.hooks.modified(this, key);
  }
}

/**
 * A snapshot in progress: told before a key changes (its old entry), after a key is created, and before a db's
 * whole content is replaced (FLUSHDB, SWAPDB, a replica's new dataset). Collections changed in place must call
 * Db.signalModified only after Db.beforeInPlaceChange (see there) so the snapshot keeps the old copy.
 */
export interface SnapshotObserver {
  beforeChange(db: Db, key: string, e: Entry): void;
  created(db: Db, key: string): void;
  beforeBulkChange(db: Db): void;
}

export interface KeyspaceStats {
  hits: number;
  misses: number;
  expiredKeys: number;
  expiredStalePerc: number;
  expiredTimeCapReached: number;
  expireCycleCpuMs: number;
}

export class Keyspace {
  readonly dbs: Db[];
  /** Time of the command being run, in ms: one snapshot per command, so a command sees one instant. */
  now: number;
  /** Seconds clock for Entry.lru. */
  lruClock = 0;
  /** Writes since the last save (server.dirty): RDB save points and INFO read it, propagation compares it. */
  dirty = 0;
  readonly stats: KeyspaceStats = { hits: 0, misses: 0, expiredKeys: 0, expiredStalePerc: 0, expiredTimeCapReached: 0, expireCycleCpuMs: 0 };
  hooks: KeyspaceHooks = noHooks;
  /** Point-in-time snapshots being taken (lib/server/snapshot.ts); told about every change before it happens. */
  readonly snapshots: SnapshotObserver[] = [];
  /**
   * How expired keys are treated. A master deletes them. A replica leaves deletion to its master: ordinary
   * clients see them as absent ('replica-read'), the master's own stream still sees them ('replica-master').
   */
  replicaMode: 'master' | 'replica-read' | 'replica-master' = 'master';
  /** Clients are paused (CLIENT PAUSE): expired keys read as absent but are not deleted, nothing is propagated. */
  expiryPaused = false;
  /**
   * While a script runs, time stands at its start for everything it does (scriptTimeSnapshot): a key does not
   * expire between two of its calls however long it runs.
   */
  timeFrozen = false;
  /** server.active_expire_enabled (DEBUG SET-ACTIVE-EXPIRE 0 turns the cron's expiry off; lazy expiry stays). */
  activeExpireEnabled = true;
  /**
   * Call hooks.created for every key added and hooks.missed for every read miss: set while keyspace
   * notifications want them (the `n` and `m` classes), so that without them they cost one test.
   */
  reportCreated = false;
  reportMisses = false;
  /** Call hooks.removed for every key deleted or expired: set while maxmemory is, to account for freed memory. */
  reportRemoved = false;
  /**
   * maxmemory-policy is an LFU one: Entry.lru then holds Redis's access counter (minutes << 8 | log counter)
   * instead of an access time. The server sets it, with the lfu-* knobs, from its config.
   */
  lfu = false;
  lfuLogFactor = 10;
  lfuDecayTime = 1;

  constructor(
    readonly clock: Clock = systemClock,
    databases = 16,
  ) {
    this.now = clock.now();
    this.lruClock = Math.floor(this.now / 1000);
    this.dbs = Array.from({ length: databases }, (_, i) => new Db(i, this));
  }

  /** Take the time snapshot commands run against. */
  tick(): number {
    if (this.timeFrozen) return this.now;
    this.now = this.clock.now();
    this.lruClock = Math.floor(this.now / 1000);
    return this.now;
  }

  /** Entry.lru for a new value: now, or a fresh LFU counter (LFU_INIT_VAL). */
  newLru(): number {
    return this.lfu ? (this.lfuMinutes() << 8) | LFU_INIT_VAL : this.lruClock;
  }

  /** updateLFU(): decay the counter for the minutes since the last access, then maybe count this access. */
  lfuTouched(lru: number): number {
    let counter = this.lfuCounter(lru);
    if (counter < 255) {
      const base = Math.max(0, counter - LFU_INIT_VAL);
      if (Math.random() < 1 / (base * this.lfuLogFactor + 1)) counter++; // logarithmic: harder as it grows
    }
    return (this.lfuMinutes() << 8) | counter;
  }

  /** LFUDecrAndReturn(): the counter less one per lfu-decay-time minutes since the last access (OBJECT FREQ). */
  lfuCounter(lru: number): number {
    const counter = lru & 255;
    const then = lru >>> 8, now = this.lfuMinutes();
    const elapsed = now >= then ? now - then : 65535 - then + now; // the minutes clock wraps at 16 bits
    const periods = this.lfuDecayTime ? Math.floor(elapsed / this.lfuDecayTime) : 0;
    return periods > counter ? 0 : counter - periods;
  }

  private lfuMinutes(): number {
    return Math.floor(this.now / 60000) & 65535;
  }

  get keyCount(): number {
    let n = 0;
    for (const db of this.dbs) n += db.size;
    return n;
  }

  /**
   * The active expire cycle (activeExpireCycle in expire.c, "slow" mode): sample 20 keys with a TTL per db,
   * repeat while more than 10% of a sample had expired, and stop after `budgetMs`.
   */
  activeExpireCycle(budgetMs = 25): void {
    if (this.replicaMode !== 'master' || this.expiryPaused || !this.activeExpireEnabled) return;
    const start = this.clock.now();
    this.tick();
    let totalSampled = 0, totalExpired = 0;
    for (const db of this.dbs) {
      for (;;) {
        const [sampled, expired] = db.expireSample(20);
        totalSampled += sampled;
        totalExpired += expired;
        if (sampled === 0 || expired * 10 <= sampled) break;
        if (this.clock.now() - start > budgetMs) {
          this.stats.expiredTimeCapReached++;
          break;
        }
      }
    }
    const current = totalSampled ? totalExpired / totalSampled : 0;
    this.stats.expiredStalePerc = this.stats.expiredStalePerc * 0.95 + current * 0.05;
    this.stats.expireCycleCpuMs += this.clock.now() - start;
  }

  /** `databases` from the configuration, applied at startup before any key exists. */
  resize(count: number): void {
    const dbs = this.dbs as Db[];
    while (dbs.length < count) dbs.push(new Db(dbs.length, this));
    dbs.length = count;
  }

  addSnapshotObserver(o: SnapshotObserver): void {
    this.snapshots.push(o);
  }

  removeSnapshotObserver(o: SnapshotObserver): void {
    const i = this.snapshots.indexOf(o);
    if (i >= 0) this.snapshots.splice(i, 1);
  }

  flushAll(): number {
    let n = 0;
    for (const db of this.dbs) n += db.clear();
    return n;
  }
}
