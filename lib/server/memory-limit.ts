/**
 * maxmemory (evict.c): the used-memory figure eviction goes by, the pool of eviction candidates, and
 * performEvictions(), which dispatch runs before each command while maxmemory is set. The OOM refusals themselves
 * are dispatch's (lib/commands/index.ts) and the scripts' (lib/commands/scripting.ts, lib/scripting/engine.ts).
 * V8 frees memory only when it collects garbage, so the figure is the last heap measurement less an estimate of
 * the keys deleted since (their MEMORY USAGE), and when the heap grew much since the last full collection,
 * performEvictions() collects before it evicts or refuses.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { NO_EXPIRY, type Db, type Entry, type Keyspace } from '../store/keyspace';
import { busyError } from '../scripting/engine';
import type { Server } from './server';

/**
 * The JS heap in use outside the young generation. Between two scavenges the young generation is mostly the garbage
 * of the commands just run (arguments, replies): megabytes that come and go many times a second. What lives on is
 * promoted by the next scavenge and counted from then on. ~0.5 µs.
 */
export function heapOutsideYoung(): number {
  let used = 0;
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.space_name !== 'new_space' && space.space_name !== 'new_large_object_space') used += space.space_used_size;
  }
  return used;
}

/** Memory held outside the heap (Buffers): read buffers until the next scavenge, output buffers, the backlog. */
export const externalMemory = () => v8.getHeapStatistics().external_memory;

/**
 * A full garbage collection now; false if V8 would not give us its gc() (we ask for it with --expose-gc the first
 * time: the flag only makes the function available, it changes nothing else).
 */
let gcFunction: (() => void) | null | undefined;
export function collectGarbage(): boolean {
  if (gcFunction === undefined) {
    try {
      const exposed = (globalThis as { gc?: () => void }).gc;
      if (exposed) gcFunction = exposed;
      else {
        v8.setFlagsFromString('--expose-gc');
        gcFunction = vm.runInNewContext('gc') as () => void;
      }
    } catch {
      gcFunction = null;
    }
  }
  gcFunction?.();
  return gcFunction !== null;
}

// ---- the size of a key ----

/** V8's one-byte string: a 16-byte header and the bytes, in 8-byte steps. */
const stringBytes = (s: string) => 16 + Math.ceil(s.length / 8) * 8;
/** A key's bookkeeping: its Map slot (key, value, chain), the Entry object, its scan slot, a TTL set entry. */
const ENTRY_OVERHEAD = 24 + 56 + 8;

/** What a value may report about itself; a collection without it is counted as its header only. */
interface SizedValue {
  memoryUsage?(samples: number): number;
}

/** MEMORY USAGE's estimate of a key with its value, nested values sampled up to `samples` times. */
export function entryMemoryUsage(key: string, e: Entry, samples = 5): number {
  let size = ENTRY_OVERHEAD + stringBytes(key) + (e.expiresAt ? 24 : 0);
  if (typeof e.value === 'string') size += stringBytes(e.value);
  else size += (e.value as SizedValue).memoryUsage?.(samples) ?? 64;
  return size;
}

/** A whole db's size, from the average of a few keys (a flush frees it all at once). */
function estimateDbBytes(db: Db): number {
  const sample: string[] = [];
  db.sampleKeys(16, false, sample);
  let sum = 0, n = 0;
  for (const key of sample) {
    const e = db.peek(key);
    if (e !== undefined) {
      sum += entryMemoryUsage(key, e);
      n++;
    }
  }
  return n ? Math.round((sum / n) * db.size) : 0;
}

// ---- accounting ----

/**
 * Used memory as eviction sees it: the last measurement less the bytes of keys deleted since, which stay in the
 * heap until a full (mark-sweep) collection frees them. The heap outside the young generation shrinks only then:
 * by as much as it shrank, what was deleted is no longer counted (less, if garbage that was not data went too).
 */
export class MemoryAccounting {
  private heap = 0;
  private measured = 0;
  /** Estimated bytes of keys deleted and not yet collected: measured, but no longer data. */
  private freed = 0;
  /** The measurement is out of date: taken in an earlier event-loop turn, or before a collection. */
  stale = true;

  /** `measure` gives [heap outside the young generation, memory outside the heap]. */
  constructor(private readonly measure: () => readonly [number, number]) {}

  get used(): number {
    if (this.stale) this.refresh();
    return this.measured > this.freed ? this.measured - this.freed : 0;
  }

  get freedSinceGc(): number {
    return this.freed;
  }

  refresh(): void {
    const [heap, external] = this.measure();
    if (heap < this.heap) this.freed = Math.max(0, this.freed - (this.heap - heap));
    this.heap = heap;
    this.measured = heap + external;
    this.stale = false;
  }

  /** The last measurement, without what was deleted since. */
  get lastMeasured(): number {
    return this.measured;
  }

  /** Keys of about `bytes` were deleted. */
  released(bytes: number): void {
    this.freed += bytes;
  }

  /** V8 collected garbage: measure again; after a full collection that we asked for, nothing deleted is counted. */
  collected(full: boolean): void {
    if (full) this.freed = 0;
    this.stale = true;
  }
}

// ---- choosing what to evict ----

/** maxmemory-policy's values (config-values.ts MAXMEMORY_POLICY_ENUM is what CONFIG SET accepts). */
export type MaxmemoryPolicy =
  | 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl'
  | 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'noeviction';

/** The pool's size (EVPOOL_SIZE): the best candidates seen so far, kept from one eviction to the next. */
export const EVPOOL_SIZE = 16;

export interface Candidate {
  /** Higher is a better candidate: idle seconds, 255 - LFU counter, or sooner expiry. */
  score: number;
  key: string;
  db: number;
}

/** evictionPoolEntry[]: candidates in ascending score order; the best is the last. */
export class EvictionPool {
  readonly items: Candidate[] = [];

  /** evictionPoolPopulate()'s insertion: a candidate worse than all of a full pool is dropped. */
  offer(score: number, key: string, db: number): void {
    const items = this.items;
    if (items.length === EVPOOL_SIZE && score <= items[0].score) return;
    const same = items.findIndex((c) => c.key === key && c.db === db);
    if (same >= 0) items.splice(same, 1);
    let k = 0;
    while (k < items.length && items[k].score < score) k++;
    items.splice(k, 0, { score, key, db });
    if (items.length > EVPOOL_SIZE) items.shift();
  }

  pop(): Candidate | undefined {
    return this.items.pop();
  }

  clear(): void {
    this.items.length = 0;
  }
}

/** The pool's score of a key under an LRU, LFU or TTL policy. */
export function evictionScore(policy: MaxmemoryPolicy, e: Entry, ks: Keyspace): number {
  if (policy.endsWith('-lru')) return Math.max(0, ks.lruClock - e.lru);
  if (policy.endsWith('-lfu')) return 255 - ks.lfuCounter(e.lru);
  return -e.expiresAt; // volatile-ttl: the sooner it expires, the better
}

/** Where the random policies start their round of the dbs (evict.c's static next_db). */
export interface VictimState {
  nextDb: number;
}

/**
 * The key to evict next under `policy` (performEvictions' choice), or undefined when nothing is evictable: for
 * LRU, LFU and TTL, `samples` keys from every db go through the pool and its best live key wins; for the random
 * policies, a key of the next db that has one.
 */
export function pickVictim(
  ks: Keyspace, policy: MaxmemoryPolicy, samples: number, pool: EvictionPool, state: VictimState,
): [Db, string] | undefined {
  if (policy === 'noeviction') return undefined;
  const allkeys = policy.startsWith('allkeys-');
  const dbs = ks.dbs;
  const sample: string[] = [];
  if (policy.endsWith('-random')) {
    for (let i = 0; i < dbs.length; i++) {
      state.nextDb = (state.nextDb + 1) % dbs.length;
      const db = dbs[state.nextDb];
      if ((allkeys ? db.size : db.volatile.size) === 0) continue;
      db.sampleKeys(1, !allkeys, sample);
      if (sample.length) return [db, sample[0]];
    }
    return undefined;
  }
  // a bounded number of rounds: a pool of ghosts (keys gone since) is refilled and tried again
  for (let round = 0; round < 64; round++) {
    let total = 0;
    for (const db of dbs) {
      const n = allkeys ? db.size : db.volatile.size;
      if (n === 0) continue;
      total += n;
      sample.length = 0;
      db.sampleKeys(samples, !allkeys, sample);
      for (const key of sample) {
        const e = db.peek(key);
        if (e !== undefined) pool.offer(evictionScore(policy, e, ks), key, db.id);
      }
    }
    if (total === 0) return undefined;
    for (let c = pool.pop(); c !== undefined; c = pool.pop()) {
      const db = dbs[c.db];
      const e = db?.peek(c.key);
      if (e !== undefined && (allkeys || e.expiresAt !== NO_EXPIRY)) return [db, c.key];
    }
  }
  return undefined;
}

/** evictionTimeLimitUs(): how long one performEvictions() may go on, from maxmemory-eviction-tenacity. */
export function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return Math.floor(500 * 1.15 ** (tenacity - 10));
  return Infinity;
}

// ---- the server's side ----

export const EVICT_OK = 0;
export const EVICT_RUNNING = 1;
export const EVICT_FAIL = 2;
export type EvictResult = typeof EVICT_OK | typeof EVICT_RUNNING | typeof EVICT_FAIL;

/** Commands between two measurements inside one long batch (a pipeline): the heap grows while it runs. */
const COMMANDS_PER_MEASUREMENT = 32;
/** Growth since the last full collection below which collecting again is not worth it, at the least. */
const MIN_COLLECT_GROWTH = 1024 * 1024;

export class MemoryLimit {
  /** maxmemory in bytes; 0: no limit, and nothing here runs. */
  maxmemory = 0;
  policy: MaxmemoryPolicy = 'noeviction';
  samples = 5;
  private tenacity = 10;
  private replicaIgnores = true;
  /** performEvictions() found memory over the limit and nothing to evict before this command (pre_command_oom_state). */
  preCommandOom = false;
  /** stat_evictedkeys. */
  evictedKeys = 0;
  private exceededSince = 0;
  private totalExceededMs = 0;
  readonly accounting: MemoryAccounting;
  private readonly pool = new EvictionPool();
  private readonly victims: VictimState = { nextDb: 0 };
  private observer: PerformanceObserver | null = null;
  private turnEnd: NodeJS.Immediate | null = null;
  private evictionProc: NodeJS.Immediate | null = null;
  private procRunning = false;
  private commandsSinceMeasure = 0;
  /** The measurement just after the last full collection (-1: take it at the next measurement). */
  private afterFullGc = -1;
  /**
   * The least memory held in Buffers seen since the last collection: between two, the read buffers of the commands
   * run since are garbage, and V8 lets go of the memory of dead Buffers a while after the collection itself.
   */
  private externalFloor = 0;
  /** Bytes read from and written to sockets when the floor was last reset: the most read and write Buffers since. */
  private ioAtFloor = 0;

  constructor(private readonly server: Server, measure?: () => readonly [number, number]) {
    this.accounting = new MemoryAccounting(measure ?? (() => this.measureParts()));
    const config = server.config;
    const ks = server.keyspace;
    config.watch('maxmemory', (v) => {
      this.maxmemory = Number(v);
      ks.reportRemoved = this.maxmemory > 0;
      if (this.maxmemory > 0) this.observeGc();
      else this.stop();
    });
    config.watch('maxmemory-policy', (v) => {
      this.policy = v as MaxmemoryPolicy;
      this.pool.clear();
    });
    config.watch('maxmemory-samples', (v) => (this.samples = Number(v)));
    config.watch('maxmemory-eviction-tenacity', (v) => (this.tenacity = Number(v)));
    config.watch('replica-ignore-maxmemory', (v) => (this.replicaIgnores = v === 'yes'));
    // updateMaxmemory(): a lower limit set at run time starts evicting at once, not at the next command
    // (appliers run before the watchers: the new value is the argument, not yet this.maxmemory)
    config.onApply('maxmemory', (v) => {
      const maxmemory = Number(v);
      if (maxmemory === 0) return null;
      const used = this.accounting.used - this.notCounted();
      if (maxmemory < used) {
        server.log.warning(`WARNING: the new maxmemory value set via CONFIG SET (${maxmemory}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`);
      }
      this.startEvictionProc();
      return null;
    });
    const hooks = ks.hooks;
    ks.hooks = {
      ...hooks,
      removed: (db, key, e) => {
        hooks.removed?.(db, key, e);
        this.accounting.released(entryMemoryUsage(key, e));
      },
      flushed: (db) => {
        if (ks.reportRemoved && db.size) this.accounting.released(estimateDbBytes(db));
        hooks.flushed(db);
      },
    };
  }

  /**
   * used_memory: the heap outside the young generation, plus Buffers (while maxmemory watches collections, the
   * least seen since the last one).
   */
  measure(): number {
    const [heap, external] = this.measureParts();
    return heap + external;
  }

  private measureParts(): [number, number] {
    const external = externalMemory();
    if (this.observer === null) return [heapOutsideYoung(), external];
    if (external < this.externalFloor) this.externalFloor = external;
    // Buffers grown since the floor beyond all the bytes sockets read and wrote since are data (a SETBIT's bitmap,
    // a large value): counted now, not at the next collection
    const io = this.ioBytes();
    if (io < this.ioAtFloor) this.ioAtFloor = io; // CONFIG RESETSTAT
    const data = external - (io - this.ioAtFloor);
    return [heapOutsideYoung(), Math.max(this.externalFloor, data)];
  }

  private ioBytes(): number {
    const stats = this.server.stats;
    return stats.netInputBytes + stats.netOutputBytes + stats.netReplInputBytes + stats.netReplOutputBytes;
  }

  /** A collection happened (or watching starts): Buffers in use now are the new floor. */
  private resetExternalFloor(): void {
    this.externalFloor = externalMemory();
    this.ioAtFloor = this.ioBytes();
  }

  /** Used memory as eviction counts it, measured at most once per event-loop turn (or per long batch). */
  usedMemory(): number {
    const a = this.accounting;
    if (a.stale) {
      this.commandsSinceMeasure = 0;
      if (this.afterFullGc < 0) {
        a.refresh();
        this.afterFullGc = a.lastMeasured;
      }
      if (this.turnEnd === null) {
        this.turnEnd = setImmediate(() => {
          this.turnEnd = null;
          a.stale = true;
        });
      }
    }
    return a.used;
  }

  /** freeMemoryGetNotCountedMemory(): replicas' output buffers, which eviction cannot shrink. */
  notCounted(): number {
    let n = 0;
    for (const c of this.server.clients.values()) {
      if (c.mode === 'replica' || c.replica) n += c.socket.writableLength ?? 0;
    }
    return n;
  }

  /** isSafeToPerformEvictions(). */
  private isSafe(): boolean {
    const server = this.server;
    if (busyError(server) !== null || server.loading) return false;
    if (server.replicaRole !== null && this.replicaIgnores) return false;
    return !server.pause.isPaused;
  }

  /**
   * performEvictions(): while used memory is over maxmemory, evict by the policy for a while (tenacity), going
   * on from the event loop when that was not enough. EVICT_FAIL: over the limit with nothing to evict.
   */
  performEvictions(): EvictResult {
    if (++this.commandsSinceMeasure >= COMMANDS_PER_MEASUREMENT) this.accounting.stale = true;
    let tofree = this.overLimit();
    if (tofree <= 0 && this.exceededSince === 0) return EVICT_OK; // the common case, first
    if (!this.isSafe()) return EVICT_OK;
    let result: EvictResult;
    // the heap grew much since the last full collection: part of that may be garbage, not data
    if (tofree > 0 && this.grownSinceFullGc() >= Math.max(MIN_COLLECT_GROWTH, this.maxmemory / 8)) tofree = this.collect();
    if (tofree <= 0) result = EVICT_OK;
    else if (this.policy === 'noeviction') result = EVICT_FAIL;
    else result = this.evict(tofree);
    // about to refuse: unless nothing grew since the last full collection (a client retrying refused writes), make
    // sure it is not garbage that holds the memory
    if (result === EVICT_FAIL && this.grownSinceFullGc() >= MIN_COLLECT_GROWTH && this.collect() <= 0) result = EVICT_OK;
    // stat_last_eviction_exceeded_time: how long memory stayed over the limit
    if (result !== EVICT_OK) {
      if (this.exceededSince === 0) this.exceededSince = performance.now();
    } else if (this.exceededSince !== 0) {
      this.totalExceededMs += performance.now() - this.exceededSince;
      this.exceededSince = 0;
    }
    return result;
  }

  /** Bytes over maxmemory, not counting what eviction cannot free (getMaxmemoryState); <= 0 when under. */
  private overLimit(): number {
    const used = this.usedMemory();
    if (used <= this.maxmemory) return 0;
    return used - this.notCounted() - this.maxmemory;
  }

  /**
   * How much the heap outside the young generation grew since the last full collection: garbage V8 has not
   * collected yet may be part of it.
   */
  private grownSinceFullGc(): number {
    return this.afterFullGc >= 0 ? this.accounting.lastMeasured - this.afterFullGc : 0;
  }

  /** A full collection now, for a true measurement; the bytes then over the limit. */
  private collect(): number {
    const started = performance.now();
    if (!collectGarbage()) return this.overLimit();
    this.resetExternalFloor();
    this.accounting.collected(true);
    this.afterFullGc = -1;
    const latency = this.server.stats.latency, ms = performance.now() - started;
    if (ms * 1000 >= latency.monitorThresholdUs) latency.monitor.addSample('eviction-gc', Math.floor(ms), Math.floor(this.server.clock.now() / 1000));
    return this.overLimit();
  }

  private evict(tofree: number): EvictResult {
    const server = this.server;
    const ks = server.keyspace;
    ks.tick();
    const limitUs = evictionTimeLimitUs(this.tenacity);
    const started = performance.now();
    let freed = 0, keys = 0;
    let result: EvictResult = EVICT_FAIL;
    for (;;) {
      if (freed >= tofree) {
        result = this.procRunning ? EVICT_RUNNING : EVICT_OK;
        break;
      }
      const victim = pickVictim(ks, this.policy, this.samples, this.pool, this.victims);
      if (victim === undefined) break;
      const [db, key] = victim;
      const size = entryMemoryUsage(key, db.peek(key)!);
      db.evict(key);
      this.accounting.released(size);
      freed += size;
      this.evictedKeys++;
      // now and then, see whether this went on long enough: the rest is done from the event loop
      if (++keys % 16 === 0 && (performance.now() - started) * 1000 > limitUs) {
        this.startEvictionProc();
        result = EVICT_RUNNING;
        break;
      }
    }
    const ms = performance.now() - started;
    const latency = server.stats.latency;
    if (ms * 1000 >= latency.monitorThresholdUs) {
      latency.monitor.addSample('eviction-cycle', Math.floor(ms), Math.floor(server.clock.now() / 1000));
    }
    return result;
  }

  /** startEvictionTimeProc(): keep evicting from the event loop until under the limit or nothing is left. */
  private startEvictionProc(): void {
    if (this.procRunning) return;
    this.procRunning = true;
    const step = () => {
      this.evictionProc = null;
      if (this.maxmemory > 0 && this.performEvictions() === EVICT_RUNNING) {
        this.evictionProc = setImmediate(step);
      } else {
        this.procRunning = false;
      }
    };
    this.evictionProc = setImmediate(step);
  }

  /** total_eviction_exceeded_time and current_eviction_exceeded_time, in ms. */
  exceededTimes(): [total: number, current: number] {
    const current = this.exceededSince ? performance.now() - this.exceededSince : 0;
    return [Math.floor(this.totalExceededMs + current), Math.floor(current)];
  }

  private observeGc(): void {
    if (this.observer !== null) return;
    this.resetExternalFloor();
    this.observer = new PerformanceObserver((list) => {
      this.resetExternalFloor();
      let full = false;
      for (const entry of list.getEntries()) {
        const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
        if (kind & perfConstants.NODE_PERFORMANCE_GC_MAJOR) full = true;
      }
      // V8's own full collections may have started marking before the last evictions, so those keys may still be
      // there: the measurement's drop tells what went (MemoryAccounting.refresh)
      this.accounting.collected(false);
      if (full) this.afterFullGc = -1;
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** maxmemory 0 or the server closing: no observer, no pending work. */
  stop(): void {
    this.observer?.disconnect();
    this.observer = null;
    if (this.turnEnd !== null) clearImmediate(this.turnEnd);
    if (this.evictionProc !== null) clearImmediate(this.evictionProc);
    this.turnEnd = this.evictionProc = null;
    this.procRunning = false;
  }
}
