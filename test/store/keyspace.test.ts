/** The keyspace without a server: lookups and expiry, RENAME/MOVE moves, the LFU counter. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyspace, NO_EXPIRY, type Db, type KeyspaceHooks } from '../../lib/store/keyspace';
import { FakeClock } from '../helpers/clock';

const test = suite('store/keyspace');

let clock: FakeClock;
let ks: Keyspace;
let db: Db;
let events: string[];

test.before.each(() => {
  clock = new FakeClock();
  ks = new Keyspace(clock);
  db = ks.dbs[0];
  events = [];
  const hooks: KeyspaceHooks = {
    modified: (d, key) => events.push(`modified ${d.id} ${key}`),
    expired: (d, key) => events.push(`expired ${d.id} ${key}`),
    flushed: (d) => events.push(`flushed ${d.id}`),
  };
  ks.hooks = hooks;
});

/** What a command sees: the time snapshot is taken per command. */
function advance(ms: number): void {
  clock.advance(ms);
  ks.tick();
}

test('a key expires strictly after its time, as keyIsExpired (now > when)', () => {
  db.set('k', 'v', clock.now() + 100);
  advance(100);
  assert.ok(db.lookup('k'), 'due this millisecond: alive');
  assert.not.ok(db.isExpired(db.peek('k')!));
  advance(1);
  assert.ok(db.isExpired(db.peek('k')!), 'isExpired is a pure check');
  assert.ok(db.peek('k'), 'and deletes nothing');
  assert.is(db.lookup('k'), undefined);
  assert.is(db.peek('k'), undefined, 'lookup deleted it');
  assert.equal(events.slice(-2), ['expired 0 k', 'modified 0 k']);
  assert.is(ks.stats.expiredKeys, 1);
});

test('expireIfNeeded: deletes on a master, only reports on a replica', () => {
  db.set('a', 'v', clock.now() + 10);
  db.set('b', 'v', clock.now() + 10);
  db.set('c', 'v');
  advance(11);
  assert.not.ok(db.expireIfNeeded('c'));
  assert.not.ok(db.expireIfNeeded('missing'));
  assert.ok(db.expireIfNeeded('a'));
  assert.is(db.peek('a'), undefined);
  ks.replicaMode = 'replica-read';
  assert.ok(db.expireIfNeeded('b'), 'logically expired for a replica client');
  assert.ok(db.peek('b'), 'but kept until the master says DEL');
  ks.replicaMode = 'replica-master';
  assert.not.ok(db.expireIfNeeded('b'), 'the master stream still sees it');
});

test('lookupReadNoTouch counts hits and misses but keeps the access time', () => {
  db.set('k', 'v');
  const before = db.peek('k')!.lru;
  advance(5000);
  assert.ok(db.lookupReadNoTouch('k'));
  assert.is(db.peek('k')!.lru, before);
  assert.is(db.lookupReadNoTouch('nokey'), undefined);
  assert.is(ks.stats.hits, 1);
  assert.is(ks.stats.misses, 1);
  db.lookup('k');
  assert.is(db.peek('k')!.lru, before + 5);
  assert.is(ks.stats.hits, 1, 'lookup() counts nothing');
});

test('rename: value, TTL and access time move to a new slot; the target is replaced; one write', () => {
  db.set('a', 'va', clock.now() + 1000);
  db.set('b', 'vb', clock.now() + 5000);
  const lru = db.peek('a')!.lru;
  advance(3000);
  const dirty = ks.dirty;
  events = [];
  assert.ok(db.rename('a', 'b'));
  assert.is(ks.dirty, dirty + 1);
  assert.equal(events, ['modified 0 a', 'modified 0 b']);
  assert.is(db.peek('a'), undefined);
  const e = db.peek('b')!;
  assert.is(e.value, 'va');
  assert.is(e.expiresAt, clock.now() - 3000 + 1000);
  assert.is(e.lru, lru);
  assert.is(db.size, 1);
  assert.ok(db.volatile.has('b'));
  assert.not.ok(db.volatile.has('a'));
  assert.not.ok(db.rename('b', 'b'));
  assert.not.ok(db.rename('nokey', 'x'));
  db.set('plain', 'p');
  db.rename('plain', 'c');
  assert.not.ok(db.volatile.has('c'));
  assert.is(db.peek('c')!.expiresAt, NO_EXPIRY);
});

test('moveTo: to another db with its TTL; refused when the target holds the key', () => {
  const other = ks.dbs[3];
  db.set('k', 'v', clock.now() + 1000);
  other.set('taken', 'x');
  db.set('taken', 'y');
  const dirty = ks.dirty;
  events = [];
  assert.ok(db.moveTo('k', other));
  assert.is(ks.dirty, dirty + 1);
  assert.equal(events, ['modified 0 k', 'modified 3 k']);
  assert.is(db.peek('k'), undefined);
  assert.is(other.peek('k')!.expiresAt, clock.now() + 1000);
  assert.ok(other.volatile.has('k'));
  assert.not.ok(db.volatile.has('k'));
  assert.not.ok(db.moveTo('taken', other));
  assert.is(db.peek('taken')!.value, 'y');
  assert.not.ok(db.moveTo('k', db));
  assert.not.ok(db.moveTo('nokey', other));
});

test('scan still visits every key that stayed, across renames and moves of others', () => {
  for (let i = 0; i < 100; i++) db.set(`k${i}`, 'v');
  const seen = new Set<string>();
  let cursor = 0, round = 0;
  do {
    cursor = db.scan(cursor, 5, (k) => seen.add(k));
    round++;
    db.rename(`k${90 + (round % 10)}`, `renamed${round}`);
    db.moveTo(`k${80 + (round % 10)}`, ks.dbs[1]);
  } while (cursor !== 0);
  for (let i = 0; i < 80; i++) assert.ok(seen.has(`k${i}`), `k${i}`);
});

test('LFU: counters start at 5, decay per idle minute, grow on access', () => {
  ks.lfu = true;
  db.set('k', 'v');
  assert.is(ks.lfuCounter(db.peek('k')!.lru), 5);
  advance(2 * 60_000);
  assert.is(ks.lfuCounter(db.peek('k')!.lru), 3);
  db.lookup('k'); // decays to 3, then an access below the initial value always counts
  assert.is(ks.lfuCounter(db.peek('k')!.lru), 4);
  for (let i = 0; i < 2000; i++) db.lookup('k');
  const counter = ks.lfuCounter(db.peek('k')!.lru);
  assert.ok(counter > 5 && counter < 255, `logarithmic growth, got ${counter}`);
  advance(300 * 60_000);
  assert.is(ks.lfuCounter(db.peek('k')!.lru), 0);
});

test('LFU: the 16-bit minutes clock wraps', () => {
  ks.lfu = true;
  clock.ms = 65535 * 60_000 - 60_000; // minute 65534
  ks.tick();
  db.set('k', 'v');
  advance(3 * 60_000); // minute 65537 & 65535 = 1
  assert.is(ks.lfuCounter(db.peek('k')!.lru), 3); // LFUTimeElapsed() counts 65535 - 65534 + 1 = 2 minutes

});

test('randomKey skips expired keys and touches nothing', () => {
  db.set('gone', 'v', clock.now() + 1);
  db.set('stay', 'v');
  const lru = db.peek('stay')!.lru;
  advance(10_000);
  for (let i = 0; i < 20; i++) assert.is(db.randomKey(), 'stay');
  assert.is(db.peek('stay')!.lru, lru);
  assert.is(db.peek('gone'), undefined);
});

test.run();
