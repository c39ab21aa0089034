/**
 * maxmemory end to end with the built server: eviction under each kind of policy keeps writes going, noeviction
 * and exhausted volatile-* policies answer OOM, evictions are notified and reach a replica as DELs; the OOM
 * refusals (commands, MULTI, EXEC, scripts) compared byte for byte with real Redis 7.0.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Redis from 'ioredis';
import { hasRedis } from '../helpers/servers';
import { RawConnection } from '../helpers/raw';
import { infoField } from '../helpers/info';
import { until } from '../helpers/wait';
import { serverScope } from '../helpers/scope';
import { rejects } from '../helpers/rejects';
import { sameReplies, withRealRedis } from '../helpers/differential';

const test = suite('integration/maxmemory');

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";

const { toyredis, client, stop } = serverScope();
test.after.each(stop);

const usedMemory = async (c: Redis) => Number(infoField(await c.info('memory'), 'used_memory'));
const stat = async (c: Redis, field: string) => Number(infoField(await c.info('stats'), field));

/** SET `count` keys `prefix<i>` of `size` bytes in pipelines; the errors the writes got, by text. */
async function fill(c: Redis, prefix: string, count: number, size: number, ex?: number): Promise<Map<string, number>> {
  const errors = new Map<string, number>();
  const value = 'v'.repeat(size);
  for (let i = 0; i < count; i += 500) {
    const p = c.pipeline();
    for (let j = i; j < Math.min(count, i + 500); j++) {
      if (ex) p.set(`${prefix}${j}`, value, 'EX', ex);
      else p.set(`${prefix}${j}`, value);
    }
    for (const [err] of (await p.exec())!) {
      if (err) errors.set(err.message, (errors.get(err.message) ?? 0) + 1);
    }
  }
  return errors;
}

test('allkeys-lru: writing far more than fits keeps succeeding, evicting the least recently used keys', async () => {
  const s = await toyredis();
  const c = client(s.port);
  await fill(c, 'old:', 4000, 2000);
  await new Promise((r) => setTimeout(r, 2100)); // the LRU clock counts seconds
  for (let i = 0; i < 2000; i++) await c.get(`old:${i}`); // the first half was just read
  await c.config('SET', 'maxmemory-policy', 'allkeys-lru', 'maxmemory-samples', '10');
  await c.config('SET', 'maxmemory', String((await usedMemory(c)) + 16 * 1024 * 1024));
  // write until the first evictions: the untouched keys should go first (the measurement counts new data in steps,
  // as V8 promotes it, so one round of evictions may free a few MB)
  let written = 0;
  while ((await stat(c, 'evicted_keys')) === 0 && written < 80000) {
    assert.equal([...(await fill(c, `new${written}:`, 500, 1000))], []);
    written += 500;
  }
  const survived = async (from: number) => {
    const p = c.pipeline();
    for (let i = from; i < from + 2000; i++) p.exists(`old:${i}`);
    return (await p.exec())!.reduce((n, [, v]) => n + Number(v), 0);
  };
  const [read, untouched] = [await survived(0), await survived(2000)];
  assert.ok(read > untouched, `recently read keys survived: ${read}, untouched: ${untouched}`);
  // then far more than fits: 80 MB over a 16 MB margin
  assert.equal([...(await fill(c, 'new:', 80000 - written, 1000))], []);
  // read together: the eviction may go on from the event loop between two commands
  const [[, size], [, stats]] = (await c.multi().dbsize().info('stats').exec()) as [null, number][] & [null, string][];
  // 16 MB of 1 KB values is some 16,000 keys; V8 counts new data only as it promotes it, so allow a wide margin
  assert.ok(size > 1000 && size < 40000, `dbsize ${size}`);
  assert.is(Number(infoField(stats as unknown as string, 'evicted_keys')), 80000 + 4000 - (size as number));
  assert.is(infoField(await c.info('memory'), 'maxmemory_policy'), 'allkeys-lru');
});

test('CONFIG SET maxmemory below the usage evicts at once, without waiting for a command: a subscriber hears the evicted event', async () => {
  const s = await toyredis();
  const c = client(s.port);
  const sub = await RawConnection.connect(s.port);
  sub.send('PSUBSCRIBE', '*');
  await sub.readRaw();
  await c.config('SET', 'notify-keyspace-events', 'Ee', 'maxmemory-policy', 'allkeys-lru');
  await c.select(9);
  await c.set('foo', 'bar');
  await c.config('SET', 'maxmemory', '1');
  // no other command is sent until the event has arrived
  assert.is(await sub.readRaw(), '*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$22\r\n__keyevent@9__:evicted\r\n$3\r\nfoo\r\n');
  await c.config('SET', 'maxmemory', '0');
  assert.match(s.output(), /WARNING: the new maxmemory value set via CONFIG SET \(1\) is smaller than the current memory usage/);
  sub.close();
});

test('volatile-lru evicts only keys with a TTL, then answers OOM', async () => {
  const s = await toyredis();
  const c = client(s.port);
  await fill(c, 'persistent:', 1000, 100);
  await fill(c, 'volatile:', 1000, 100, 1000);
  await c.config('SET', 'maxmemory-policy', 'volatile-lru');
  await c.config('SET', 'maxmemory', String((await usedMemory(c)) + 4 * 1024 * 1024));
  let errors = new Map<string, number>();
  for (let round = 0; round < 40 && errors.size === 0; round++) errors = await fill(c, `more${round}:`, 1000, 1000);
  assert.equal([...errors.keys()], [OOM]);
  assert.match(infoField(await c.info('keyspace'), 'db0') ?? '', /,expires=0,/);
  assert.is(await c.exists(...Array.from({ length: 1000 }, (_, i) => `persistent:${i}`)), 1000);
  assert.ok((await stat(c, 'evicted_keys')) >= 1000);
  assert.ok((await stat(c, 'total_eviction_exceeded_time')) >= 0);
});

test('noeviction answers OOM to writes that may grow memory; reads and DEL still work', async () => {
  const s = await toyredis();
  const c = client(s.port);
  await c.set('a', '1');
  await c.set('b', '2');
  await c.config('SET', 'maxmemory', '1');
  await rejects(c.set('c', '3'), /^OOM command not allowed when used memory > 'maxmemory'\.$/);
  await rejects(c.rpush('l', 'x'), /^OOM /);
  assert.is(await c.get('a'), '1');
  assert.is(await c.del('a'), 1);
  assert.is(await c.expire('b', 100), 1); // not denyoom
  assert.is(await stat(c, 'evicted_keys'), 0);
  const info = await c.info('memory');
  assert.is(infoField(info, 'maxmemory'), '1');
  assert.is(infoField(info, 'maxmemory_policy'), 'noeviction');
  assert.is(infoField(info, 'mem_not_counted_for_evict'), '0');
  assert.ok(Number(infoField(await c.info('stats'), 'current_eviction_exceeded_time')) >= 0);
  await c.config('SET', 'maxmemory', '0');
  assert.is(await c.set('c', '3'), 'OK');
});

test('an evicted key is notified (evicted, class e), invalidated for tracking clients, and DELeted on a replica', async () => {
  const master = await toyredis();
  const replica = await toyredis(['--replicaof', `127.0.0.1 ${master.port}`]);
  const c = client(master.port);
  const r = client(replica.port);
  await fill(c, 'k', 50, 10);
  await until(async () => (await r.dbsize()) === 50, 'the replica in sync', 30000, 20);
  const sub = client(master.port);
  await c.config('SET', 'notify-keyspace-events', 'Ee');
  const evicted: string[] = [];
  sub.on('message', (_channel: string, key: string) => evicted.push(key));
  await sub.subscribe('__keyevent@0__:evicted');
  // a RESP3 client caching k0
  const tracker = await RawConnection.connect(master.port);
  tracker.send('HELLO', '3');
  await tracker.read();
  tracker.send('CLIENT', 'TRACKING', 'on');
  assert.is(await tracker.readRaw(), '+OK\r\n');
  tracker.send('GET', 'k0');
  assert.is(await tracker.readRaw(), '$10\r\nvvvvvvvvvv\r\n');
  await c.config('SET', 'maxmemory-policy', 'allkeys-random');
  await c.config('SET', 'maxmemory', '1'); // evicts everything, from the event loop
  await until(async () => (await c.dbsize()) === 0, 'every key evicted');
  await rejects(c.set('x', 'y'), /^OOM /);
  await until(() => evicted.length === 50, 'the evicted notifications');
  assert.equal([...evicted].sort(), Array.from({ length: 50 }, (_, i) => `k${i}`).sort());
  assert.match(await tracker.readRaw(), />2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$2\r\nk0\r\n/);
  tracker.close();
  await until(async () => (await r.dbsize()) === 0, 'the replica received the DELs', 30000, 20);
  assert.is(await stat(c, 'evicted_keys'), 50);
  assert.is(await stat(r, 'evicted_keys'), 0); // replica-ignore-maxmemory: the replica evicts nothing itself
});

test('differential: the OOM refusals of commands, MULTI, EXEC and scripts', async () => {
  if (!hasRedis) return;
  const toy = await toyredis();
  await withRealRedis(async (real, redis) => {
    const mine = await RawConnection.connect(toy.port);
    // a second connection to each, for CONFIG SET while the first is inside MULTI
    const [myAdmin, realAdmin] = await Promise.all([RawConnection.connect(toy.port), RawConnection.connect(redis.port)]);
    const limit = (bytes: string) => sameReplies(myAdmin, realAdmin, [['CONFIG', 'SET', 'maxmemory', bytes]]);
    try {
      // queued before the limit: EXEC of a queue holding a denyoom command is refused
      await sameReplies(mine, real, [['SET', 'a', '1'], ['MULTI'], ['SET', 'q', '1'], ['EVAL', '#!lua\nreturn 1', '0']]);
      await limit('1');
      await sameReplies(mine, real, [
        ['EXEC'],
        ['SET', 'b', '2'],
        ['GET', 'a'],
        ['INCR', 'a'],
        ['APPEND', 'a', 'x'],
        ['EXPIRE', 'a', '100'],
        ['PERSIST', 'a'],
        ['EVAL', "return redis.call('set','x','y')", '0'],
        ['EVAL', "return redis.pcall('set','x','y')", '0'],
        ['EVAL', "return redis.call('get','a')", '0'],
        ['EVAL', "redis.call('del','zz'); return redis.call('set','x','y')", '0'],
        ['EVAL', '#!lua\nreturn 1', '0'],
        ['EVAL', "#!lua flags=allow-oom\nreturn redis.call('set','x','y')", '0'],
        ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get','a')", '0'],
        ['GET', 'x'],
        ['MULTI'],
        ['SET', 'q', '1'],
        ['GET', 'a'],
        ['EXEC'],
        ['MULTI'],
        ['DISCARD'],
        ['DEL', 'a', 'x'],
      ]);
      // queued before the limit, without a denyoom command: EXEC runs, the script inside finds memory over the limit
      await limit('0');
      await sameReplies(mine, real, [['MULTI'], ['EVAL', "return redis.call('set','y','z')", '0'], ['GET', 'y']]);
      await limit('1');
      await sameReplies(mine, real, [['EXEC'], ['EXISTS', 'y']]);
      await limit('0');
      await sameReplies(mine, real, [['SET', 'a', '1'], ['GET', 'a']]);
    } finally {
      mine.close();
      myAdmin.close();
      realAdmin.close();
    }
  });
});

test.run();
