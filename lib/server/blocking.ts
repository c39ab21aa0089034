/**
 * Clients blocked on keys (blocked.c): BLPOP & co. park here until a key they wait for holds data. A write that
 * gives a waited-for key a value of a type that can serve marks it ready; after the command (or the whole EXEC)
 * that did it, handleClientsBlockedOnKeys serves the waiting clients, longest-waiting first. The type families
 * say how a client is served (KeyWaiter.serve); this module keeps who waits for what, timeouts and clean-up.
 */
import type { Subscription } from 'xstate';
import { commandTable } from '../commands';
import { error, type Reply } from '../protocol/reply';
import { ERR_TIMEOUT_NEGATIVE, ERR_UNBLOCKED, fail } from '../protocol/errors';
import { parseLongDouble } from '../store/long-double';
import { INT64_MAX } from '../store/numbers';
import type { Db } from '../store/keyspace';
import { typeName, type TypeName, type Value } from '../store/types';
import type { Client } from './client';
import type { Server } from './server';

/** What a client blocked on keys waits for, and how to serve it. */
export interface KeyWaiter {
  readonly client: Client;
  readonly db: Db;
  /** The keys it waits on, in the order given, without repeats. */
  readonly keys: readonly string[];
  /** The value type that can serve it (Redis's BLOCKED_LIST / BLOCKED_ZSET / BLOCKED_STREAM). */
  readonly type: Exclude<TypeName, 'string' | 'hash' | 'set'>;
  /** Absolute unix ms when it gives up, or 0 to wait forever. */
  readonly deadline: number;
  /** The reply when the deadline passes (or CLIENT UNBLOCK … TIMEOUT). */
  readonly timeoutReply: Reply;
  /**
   * Serve from `key`, which now holds a value of `type`: do the pop (propagating what replicas must apply)
   * and return the reply, or undefined to go on waiting.
   */
  serve(key: string): Reply | undefined;
  /**
   * The key was signalled but holds no value of `type` any more (deleted, flushed, overwritten with another
   * type): the reply that ends the wait, or undefined to go on waiting. Absent: wait on (BLPOP, XREAD do).
   */
  keyLost?(key: string): Reply | undefined;
}

interface Parked {
  waiter: KeyWaiter;
  timer: NodeJS.Timeout | null;
  watching: Subscription;
}

/** setTimeout's longest delay; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const BLOCKABLE: ReadonlySet<TypeName> = new Set(['list', 'zset', 'stream']);

/** One per server: the keys clients wait on, per db, and the keys made ready by the command running now. */
class BlockedKeys {
  /** db → key → waiters in the order they blocked (a Set keeps insertion order and deletes in O(1)). */
  private waiting = new Map<Db, Map<string, Set<KeyWaiter>>>();
  private parked = new Map<Client, Parked>();
  /** Keys signalled since the last serving round, in signal order (server.ready_keys), and a set to dedupe. */
  private ready: { db: Db; key: string }[] = [];
  private readySet = new Map<Db, Set<string>>();
  /** The value each waited-for key held when last seen, to tell a new value from one changed in place. */
  private seen = new Map<Db, Map<string, Value | undefined>>();
  private serving = false;

  constructor(private readonly server: Server) {
    // Every creation path (LPUSH, RENAME, MOVE, COPY, RESTORE…) goes through the keyspace's modified hook, as
    // every one goes through dbAdd() in Redis: following it signals keys whatever command gave them a value.
    const ks = server.keyspace;
    const hooks = ks.hooks;
    ks.hooks = {
      ...hooks,
      modified: (db, key) => {
        hooks.modified(db, key);
        this.keyModified(db, key);
      },
      flushed: (db) => {
        hooks.flushed(db);
        this.dbFlushed(db);
      },
    };
  }

  get blockedClients(): number {
    return this.parked.size;
  }

  isBlocked(client: Client): boolean {
    return this.parked.has(client);
  }

  timeoutReplyOf(client: Client): Reply | undefined {
    return this.parked.get(client)?.waiter.timeoutReply;
  }

  block(w: KeyWaiter): void {
    const { client } = w;
    for (const key of w.keys) {
      let byKey = this.waiting.get(w.db);
      if (!byKey) this.waiting.set(w.db, (byKey = new Map()));
      let set = byKey.get(key);
      if (!set) {
        byKey.set(key, (set = new Set()));
        let seen = this.seen.get(w.db);
        if (!seen) this.seen.set(w.db, (seen = new Map()));
        seen.set(key, w.db.peek(key)?.value);
      }
      set.add(w);
    }
    client.send({ type: 'client.block', reason: w.type });
    // Whoever ends the blocked state (a timeout, CLIENT KILL, the socket closing, a forced unblock when this
    // server becomes a replica) leaves it through the client machine, so following it is the one clean-up path.
    const watching = client.actor.subscribe({
      next: (snapshot) => {
        if (snapshot.value !== 'blocked') this.forget(client);
      },
      complete: () => this.forget(client),
      error: () => this.forget(client),
    });
    const parked: Parked = { waiter: w, timer: null, watching };
    this.parked.set(client, parked);
    if (w.deadline !== 0) this.armTimer(parked);
  }

  private armTimer(p: Parked): void {
    const left = p.waiter.deadline - this.server.clock.now();
    if (left <= 0) {
      // on a timer all the same: the handler that blocked has not even returned BLOCKED to dispatch yet
      p.timer = setTimeout(() => this.timedOut(p.waiter.client), 0);
      return;
    }
    p.timer = setTimeout(() => {
      if (p.waiter.deadline - this.server.clock.now() > 0 && left > MAX_TIMER_MS) this.armTimer(p);
      else this.timedOut(p.waiter.client);
    }, Math.min(left, MAX_TIMER_MS));
  }

  private timedOut(client: Client): void {
    const p = this.parked.get(client);
    if (!p) return;
    this.finish(client, p.waiter.timeoutReply);
  }

  /** Answer a parked client and let it run again. */
  finish(client: Client, reply: Reply): void {
    this.forget(client);
    if (reply.kind === 'error') {
      this.server.stats.countError(reply.text); // as addReplyError counts it
      // updateStatsOnUnblock(): the parked command (the client's last, it ran nothing since) failed after all
      const command = commandTable.get(client.lastCommand);
      if (command) command.stats.failed++;
    }
    this.server.unblock(client, reply);
  }

  /** Drop a client's bookkeeping (idempotent). */
  private forget(client: Client): void {
    const p = this.parked.get(client);
    if (!p) return;
    this.parked.delete(client);
    if (p.timer) clearTimeout(p.timer);
    p.watching.unsubscribe();
    const w = p.waiter;
    const byKey = this.waiting.get(w.db);
    if (!byKey) return;
    const seen = this.seen.get(w.db);
    for (const key of w.keys) {
      const set = byKey.get(key);
      if (!set) continue;
      set.delete(w);
      if (set.size === 0) {
        byKey.delete(key);
        seen?.delete(key);
      }
    }
    if (byKey.size === 0) {
      this.waiting.delete(w.db);
      this.seen.delete(w.db);
    }
  }

  /**
   * Redis signals a key when it is added with a type some client can block on (dbAdd → signalKeyAsReady), and
   * when a stream is deleted or overwritten (dbGenericDelete, dbOverwrite), so that XREADGROUP waiters learn it.
   * A stream changed in place is signalled by the command itself (XADD, XGROUP DESTROY) and nothing else: an
   * XSETID or XGROUP SETID must not serve anybody.
   */
  private keyModified(db: Db, key: string): void {
    if (!this.waiting.get(db)?.has(key)) return;
    const seen = this.seen.get(db)!;
    const before = seen.get(key);
    const now = db.peek(key)?.value;
    seen.set(key, now);
    const replaced = now !== before;
    if (replaced && before !== undefined && typeName(before) === 'stream') this.signal(db, key);
    else if (now !== undefined && BLOCKABLE.has(typeName(now)) && (replaced || typeName(now) !== 'stream')) this.signal(db, key);
  }

  /** scanDatabaseForDeletedStreams(): the waited-for streams of a db about to be emptied are going away. */
  private dbFlushed(db: Db): void {
    const byKey = this.waiting.get(db);
    if (!byKey) return;
    for (const key of byKey.keys()) {
      const e = db.peek(key);
      if (e !== undefined && typeName(e.value) === 'stream') this.signal(db, key);
    }
  }

  /** signalKeyAsReady(): queue a key with waiters, once, for the next serving round. */
  signal(db: Db, key: string): void {
    if (!this.waiting.get(db)?.has(key)) return;
    let set = this.readySet.get(db);
    if (!set) this.readySet.set(db, (set = new Set()));
    if (set.has(key)) return;
    set.add(key);
    this.ready.push({ db, key });
  }

  /** scanDatabaseForReadyKeys(): after SWAPDB, every waited-for key that now holds a value may serve. */
  dbReplaced(db: Db): void {
    const byKey = this.waiting.get(db);
    if (!byKey) return;
    for (const key of byKey.keys()) this.keyModified(db, key);
  }

  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  /**
   * handleClientsBlockedOnKeys(): serve the clients waiting on each ready key, in the order they blocked, until
   * the key is gone. Serving can make more keys ready (BLMOVE pushes), so it loops until none is left. Each
   * served client's writes go to replicas as a unit of their own, after the command that made the key ready.
   */
  serveReady(): void {
    if (this.serving) return;
    this.serving = true;
    const ks = this.server.keyspace;
    try {
      while (this.ready.length) {
        const round = this.ready;
        this.ready = [];
        for (const { db, key } of round) {
          this.readySet.get(db)?.delete(key);
          ks.tick();
          // lookup() expires a key whose TTL passed (propagating its DEL), so such a key serves nobody.
          const e = db.lookup(key);
          const waiters = this.waiting.get(db)?.get(key);
          if (!waiters) continue;
          const type = e === undefined ? undefined : typeName(e.value);
          if (type !== undefined) {
            for (const w of [...waiters]) {
              if (!waiters.has(w) || w.type !== type) continue;
              this.serveOne(w, key);
              if (db.peek(key) === undefined) break; // emptied and deleted: the rest keep waiting
            }
          }
          // unblockDeletedStreamReadgroupClients(): waiters the key can no longer serve may have to be told
          const left = db.peek(key);
          for (const w of [...waiters]) {
            if (!waiters.has(w) || !w.keyLost || (left !== undefined && typeName(left.value) === w.type)) continue;
            const reply = w.keyLost(key);
            if (reply !== undefined) this.finish(w.client, reply);
          }
        }
      }
    } finally {
      this.serving = false;
    }
  }

  private serveOne(w: KeyWaiter, key: string): void {
    const propagation = this.server.propagation;
    propagation.enter();
    let reply: Reply | undefined;
    try {
      reply = w.serve(key);
    } finally {
      propagation.exit();
    }
    if (reply !== undefined) this.finish(w.client, reply);
  }
}

const perServer = new WeakMap<Server, BlockedKeys>();

function blockedKeys(server: Server): BlockedKeys {
  let b = perServer.get(server);
  if (!b) perServer.set(server, (b = new BlockedKeys(server)));
  return b;
}

/**
 * blockForKeys(): park the client until one of the waiter's keys can serve it or its deadline passes. The caller
 * returns BLOCKED from its handler. Clients inside MULTI (or otherwise unable to block) must not get here.
 */
export function blockForKeys(server: Server, waiter: KeyWaiter): void {
  blockedKeys(server).block(waiter);
}

/** signalKeyAsReady() for writes the keyspace's modified hook does not see. */
export function signalKeyAsReady(server: Server, db: Db, key: string): void {
  perServer.get(server)?.signal(db, key);
}

/** After SWAPDB (or anything else that replaces a db's contents): waited-for keys that now hold data may serve. */
export function signalDbReplaced(server: Server, db: Db): void {
  perServer.get(server)?.dbReplaced(db);
}

/** Called by dispatch after each top-level command (and after EXEC as a whole): serve the keys it made ready. */
export function handleClientsBlockedOnKeys(server: Server): void {
  const b = perServer.get(server);
  if (b?.hasReady) b.serveReady();
}

/** Is this client parked here (as opposed to WAIT, or not blocked at all)? */
export function isBlockedOnKeys(server: Server, client: Client): boolean {
  return perServer.get(server)?.isBlocked(client) ?? false;
}

/**
 * CLIENT UNBLOCK: end a client's wait as if it timed out, or with Redis's UNBLOCKED error. False when the client
 * is not blocked on keys.
 */
export function unblockClientOnKeys(server: Server, client: Client, how: 'timeout' | 'error'): boolean {
  const b = perServer.get(server);
  if (!b?.isBlocked(client)) return false;
  const reply: Reply = how === 'timeout'
    ? b.timeoutReplyOf(client)!
    : error(ERR_UNBLOCKED);
  b.finish(client, reply);
  return true;
}

/** How many clients are blocked on keys (INFO's blocked_clients counts these with WAIT's). */
export function blockedOnKeysCount(server: Server): number {
  return perServer.get(server)?.blockedClients ?? 0;
}

/**
 * getTimeoutFromObjectOrReply() in seconds, the rule of BLPOP, BZPOPMIN and friends: a long double times 1000
 * rounded up (ceill), as a C long long, added to now. A value that does not fit wraps to LLONG_MIN, so "inf" and
 * 1e400 are "negative" as in Redis. Returns the deadline in ms, 0 to wait forever (so does -0.0001, whose
 * ceiling is 0); a deadline past int64 wraps negative in Redis and its timeout table never reaches it: forever too.
 */
export function blockTimeoutArg(server: Server, text: string): number {
  const v = parseLongDouble(text);
  if (v === null) return fail('ERR timeout is not a float or out of range');
  const ms = v.kind === 'inf' ? null : millisecondsCeil(v.neg, v.mant, v.exp);
  if (ms === null || ms >= 2n ** 63n || ms < 0n) fail(ERR_TIMEOUT_NEGATIVE);
  if (ms === 0n) return 0;
  const deadline = ms! + BigInt(server.clock.now());
  return deadline > INT64_MAX ? 0 : Number(deadline);
}

/**
 * ceill(x * 1000.0L) for x = ±mant × 2^exp, as the x87 computes it: the product rounded to a 64-bit significand
 * (ties to even), then rounded up to an integer.
 */
function millisecondsCeil(neg: boolean, mant: bigint, exp: number): bigint {
  let m = mant * 1000n, e = exp;
  const bits = m === 0n ? 0 : m.toString(2).length;
  if (bits > 64) {
    const shift = BigInt(bits - 64);
    const q = m >> shift, rest = m - (q << shift), half = 1n << (shift - 1n);
    m = rest > half || (rest === half && (q & 1n) === 1n) ? q + 1n : q;
    e += bits - 64;
  }
  if (e >= 0) return neg ? -(m << BigInt(e)) : m << BigInt(e);
  const d = 1n << BigInt(-e);
  return neg ? -(m / d) : (m + d - 1n) / d;
}

/**
 * Redis lets a client block except inside MULTI (and scripts, and its master's stream), where a blocking command
 * answers as if it timed out. A RESP3 subscriber or a monitor may block too.
 */
export function mayBlock(client: Client): boolean {
  const mode = client.mode;
  return (mode === 'normal' || mode === 'subscribed' || mode === 'monitor') && !client.isMaster;
}
