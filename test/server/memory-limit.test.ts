/** maxmemory without a server: the used-memory accounting, the eviction pool and the choice of victim per policy. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyspace, NO_EXPIRY } from '../../lib/store/keyspace';
import {
  EvictionPool, EVPOOL_SIZE, MemoryAccounting, entryMemoryUsage, evictionTimeLimitUs, pickVictim, type MaxmemoryPolicy,
} from '../../lib/server/memory-limit';
import { FakeClock } from '../helpers/clock';

const test = suite('server/memory-limit');

// ---- accounting ----

test('accounting: the measurement less what was deleted since; measured once until stale', () => {
  let heap = 1000, measures = 0;
  const a = new MemoryAccounting(() => (measures++, [heap, 50]));
  assert.is(a.used, 1050);
  a.released(300);
  assert.is(a.used, 750);
  heap = 1200; // not measured again until stale (the next event-loop turn)
  assert.is(a.used, 750);
  assert.is(measures, 1);
  a.stale = true;
  assert.is(a.used, 950); // grew by 200, the deleted 300 still in the heap
  assert.is(measures, 2);
});

test('accounting: the heap shrinking means a full collection freed that much of what was deleted', () => {
  let heap = 1000, external = 100;
  const a = new MemoryAccounting(() => [heap, external]);
  assert.is(a.used, 1100);
  a.released(300);
  heap = 800; // 200 collected
  a.collected(false);
  assert.is(a.freedSinceGc, 300); // measured lazily
  assert.is(a.used, 800);
  assert.is(a.freedSinceGc, 100);
  external = 20; // Buffers going are not keys being collected
  a.stale = true;
  assert.is(a.used, 720);
  assert.is(a.freedSinceGc, 100);
  heap = 400; // freed more than was deleted: nothing deleted is counted any more
  a.stale = true;
  assert.is(a.used, 420);
  assert.is(a.freedSinceGc, 0);
});

test('accounting: after a full collection asked for, nothing deleted is counted, even when the heap grew meanwhile', () => {
  let heap = 1000;
  const a = new MemoryAccounting(() => [heap, 0]);
  assert.is(a.used, 1000);
  a.released(300);
  heap = 1050; // +350 written, -300 collected
  a.collected(true);
  assert.is(a.used, 1050);
  assert.is(a.freedSinceGc, 0);
});

test('accounting: never below zero', () => {
  const a = new MemoryAccounting(() => [100, 0]);
  a.released(500);
  assert.is(a.used, 0);
});

test('entryMemoryUsage: what MEMORY USAGE reports; a TTL and a longer value cost more', () => {
  const ks = new Keyspace(new FakeClock());
  const db = ks.dbs[0];
  db.set('k', 'v');
  db.set('t', 'v', ks.now + 10000);
  db.set('long', 'x'.repeat(1000));
  const small = entryMemoryUsage('k', db.peek('k')!);
  assert.ok(small > 100 && small < 200, String(small));
  assert.is(entryMemoryUsage('t', db.peek('t')!), small + 24);
  assert.ok(entryMemoryUsage('long', db.peek('long')!) > small + 980);
});

// ---- pool ----

test('pool: keeps the best EVPOOL_SIZE candidates in ascending order; pop gives the best', () => {
  const pool = new EvictionPool();
  for (let i = 0; i < 40; i++) pool.offer((i * 7) % 40, `k${i}`, 0);
  assert.is(pool.items.length, EVPOOL_SIZE);
  const scores = pool.items.map((c) => c.score);
  assert.equal(scores, [...scores].sort((a, b) => a - b));
  assert.is(scores[0], 24); // the 16 highest of 0..39
  assert.is(pool.pop()!.score, 39);
  pool.offer(1, 'low', 0); // room again, so even a poor candidate gets in
  assert.is(pool.items[0].key, 'low');
  pool.offer(0, 'lower', 0); // full, and worse than all: dropped
  assert.not.ok(pool.items.some((c) => c.key === 'lower'));
  pool.offer(100, 'k3', 0); // a key sampled again replaces its old place
  assert.is(pool.items.filter((c) => c.key === 'k3').length, 1);
  assert.is(pool.pop()!.key, 'k3');
});

// ---- victims ----

function fixture() {
  const clock = new FakeClock();
  const ks = new Keyspace(clock);
  return { clock, ks, db: ks.dbs[0] };
}

/** Evict with `policy` until nothing is left: the order keys went in. */
function evictionOrder(ks: Keyspace, policy: MaxmemoryPolicy, samples = 100): string[] {
  const pool = new EvictionPool();
  const state = { nextDb: 0 };
  const order: string[] = [];
  for (let v = pickVictim(ks, policy, samples, pool, state); v !== undefined; v = pickVictim(ks, policy, samples, pool, state)) {
    const [db, key] = v;
    db.evict(key);
    order.push(`${db.id}:${key}`);
  }
  return order;
}

test('allkeys-lru: the longest idle first; a key read later goes later', () => {
  const { clock, ks, db } = fixture();
  for (let i = 0; i < 5; i++) {
    db.set(`k${i}`, 'v');
    clock.advance(1000);
    ks.tick();
  }
  db.lookup('k0'); // k0 is now the most recently used
  assert.equal(evictionOrder(ks, 'allkeys-lru'), ['0:k1', '0:k2', '0:k3', '0:k4', '0:k0']);
});

test('allkeys-lfu: the least frequently used first', () => {
  const { ks, db } = fixture();
  ks.lfu = true;
  ks.lfuLogFactor = 0; // every access counts
  for (const [key, hits] of [['a', 30], ['b', 0], ['c', 10]] as const) {
    db.set(key, 'v');
    for (let i = 0; i < hits; i++) db.lookup(key);
  }
  assert.equal(evictionOrder(ks, 'allkeys-lfu'), ['0:b', '0:c', '0:a']);
});

test('volatile-ttl: the soonest expiry first, and keys without a TTL never', () => {
  const { ks, db } = fixture();
  db.set('late', 'v', ks.now + 30000);
  db.set('persistent', 'v');
  db.set('soon', 'v', ks.now + 1000);
  db.set('middle', 'v', ks.now + 5000);
  assert.equal(evictionOrder(ks, 'volatile-ttl'), ['0:soon', '0:middle', '0:late']);
  assert.ok(db.peek('persistent'));
});

test('volatile-lru, volatile-lfu, volatile-random: only keys with a TTL, in every db', () => {
  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random'] as const) {
    const { ks } = fixture();
    ks.lfu = policy === 'volatile-lfu';
    for (const db of [ks.dbs[0], ks.dbs[3]]) {
      for (let i = 0; i < 20; i++) db.set(`p${i}`, 'v');
      for (let i = 0; i < 10; i++) db.set(`t${i}`, 'v', ks.now + 60000);
    }
    const order = evictionOrder(ks, policy, 5);
    assert.is(order.length, 20, policy);
    assert.ok(order.every((k) => /^[03]:t\d$/.test(k)), policy);
    assert.is(ks.dbs[0].size + ks.dbs[3].size, 40, policy);
    assert.is(ks.dbs[0].volatile.size + ks.dbs[3].volatile.size, 0, policy);
  }
});

test('allkeys-random: every key eventually, from every db; noeviction: none', () => {
  const { ks } = fixture();
  for (let i = 0; i < 30; i++) ks.dbs[i % 3].set(`k${i}`, 'v');
  assert.is(pickVictim(ks, 'noeviction', 5, new EvictionPool(), { nextDb: 0 }), undefined);
  const order = evictionOrder(ks, 'allkeys-random');
  assert.is(order.length, 30);
  assert.is(new Set(order).size, 30);
  assert.is(ks.keyCount, 0);
});

test('sampling finds keys in a sparse slot table (most keys deleted)', () => {
  const { ks, db } = fixture();
  for (let i = 0; i < 5000; i++) db.set(`k${i}`, 'v');
  for (let i = 0; i < 4999; i++) db.delete(`k${i}`);
  const out: string[] = [];
  db.sampleKeys(5, false, out);
  assert.equal(out, ['k4999']);
  assert.equal(evictionOrder(ks, 'allkeys-lru', 5), ['0:k4999']);
});

test('a pool of keys deleted since (ghosts) is skipped', () => {
  const { ks, db } = fixture();
  for (let i = 0; i < 20; i++) db.set(`k${i}`, 'v');
  const pool = new EvictionPool();
  const state = { nextDb: 0 };
  const [, first] = pickVictim(ks, 'allkeys-lru', 20, pool, state)!;
  for (const c of pool.items) if (c.key !== 'k19') db.delete(c.key);
  db.delete(first);
  const [, next] = pickVictim(ks, 'allkeys-lru', 20, pool, state)!;
  assert.ok(db.peek(next), next);
});

test('evict: reported as evicted then modified, not as a write', () => {
  const { ks, db } = fixture();
  const events: string[] = [];
  ks.hooks = {
    modified: (d, key) => events.push(`modified ${key}`),
    expired: (d, key) => events.push(`expired ${key}`),
    flushed: () => {},
    evicted: (d, key) => events.push(`evicted ${key}`),
  };
  db.set('k', 'v', ks.now + 1000);
  events.length = 0;
  const dirty = ks.dirty;
  assert.ok(db.evict('k'));
  assert.not.ok(db.evict('k'));
  assert.equal(events, ['evicted k', 'modified k']);
  assert.is(ks.dirty, dirty);
  assert.is(db.volatile.size, 0);
  assert.is(db.peek('k')?.expiresAt ?? NO_EXPIRY, NO_EXPIRY);
});

test('removed hook: deletes and expiries report their entry while reportRemoved is set', () => {
  const { clock, ks, db } = fixture();
  const removed: string[] = [];
  ks.hooks = { modified() {}, expired() {}, flushed() {}, removed: (d, key, e) => removed.push(`${key}=${e.value}`) };
  db.set('a', '1');
  db.delete('a');
  assert.equal(removed, []); // off by default
  ks.reportRemoved = true;
  db.set('b', '2');
  db.set('c', '3', ks.now + 10);
  db.delete('b');
  clock.advance(20);
  ks.tick();
  assert.is(db.lookup('c'), undefined);
  assert.equal(removed, ['b=2', 'c=3']);
});

test('evictionTimeLimitUs: linear to 500 µs at tenacity 10, then 15% steps, unlimited at 100', () => {
  assert.is(evictionTimeLimitUs(0), 0);
  assert.is(evictionTimeLimitUs(10), 500);
  assert.is(evictionTimeLimitUs(11), 575);
  assert.ok(evictionTimeLimitUs(99) > 100e6 && evictionTimeLimitUs(99) < 150e6);
  assert.is(evictionTimeLimitUs(100), Infinity);
});

test.run();
