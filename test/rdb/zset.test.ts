import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadRdb } from '../../lib/rdb/load';
import { RdbError } from '../../lib/rdb/errors';
import { encodeListpack } from '../../lib/rdb/listpack';
import { rdbBytes } from '../../lib/rdb/write';
import { Keyspace } from '../../lib/store/keyspace';
import { DEFAULT_ZSET_LIMITS, ZsetValue } from '../../lib/store/zset';
import { formatDouble } from '../../lib/protocol/reply';
import { FakeClock } from '../helpers/clock';
import { hasRedis } from '../helpers/servers';
import { savedRdb, withRedisClient, withRedisLoading } from '../helpers/real-rdb';
import { cat, entry, len, listpack, rdbFile, str } from './rdb-bytes';

// Sorted sets in RDB files: the listpack (type 17) and skip-list (type 5) encodings both ways, against real
// redis-server.
const test = suite('rdb/zset');
const withRedis = hasRedis ? test : test.skip;

const NOW = 1_700_000_000_000;

/** Sorted sets of every kind the tests store: integer and fractional scores, infinities, edge integers, binary. */
function sampleZsets(): [string, [string, number][]][] {
  return [
    ['ints', [['a', 0], ['b', 127], ['c', -4096], ['d', 2147483647], ['e', -9007199254740991], ['f', 4611686018427387904], ['g', -4611686018427387904]]],
    ['fractions', [['tenth', 0.1], ['third', 1 / 3], ['tiny', 5e-324], ['big', 1.5e300], ['neg', -2.5]]],
    ['infinities', [['lo', -Infinity], ['hi', Infinity], ['zero', 0]]],
    ['ties', [['b', 1], ['a', 1], ['', 1], ['\0\xff', 1], ['c\r\n', 1]]],
    ['long-member', [['m'.repeat(65), 1], ['short', 2]]],
    ['many', Array.from({ length: 300 }, (_, i) => [`member:${i}`, (i * 37) % 101 - 50.5] as [string, number])],
    ['compressible', [[`${'ab'.repeat(20)}1`, 1], [`${'ab'.repeat(20)}2`, 2]]],
  ];
}

const build = (pairs: [string, number][]) => {
  const z = new ZsetValue();
  for (const [m, s] of pairs) z.add(m, s, {}, DEFAULT_ZSET_LIMITS);
  return z;
};

/** ZRANGE key 0 -1 WITHSCORES as toyredis would print it. */
const flat = (z: ZsetValue) => [...z.entries()].flatMap(([m, s]) => [m, formatDouble(s)]);

test('load: listpack, ziplist and skip-list zsets become sorted sets, encoded as Redis would after loading', () => {
  const many = Array.from({ length: 200 }, (_, i) => [`m${i}`, i] as const);
  const binaryScore = (d: number) => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(d);
    return b;
  };
  const file = rdbFile([
    cat([0xfe], len(0)),
    entry(17, 'lp', str(listpack(['a', 1, 'b', '2.5', 'c', '-inf']))),
    entry(5, 'plain', cat(len(3), str('z'), binaryScore(3), str('y'), binaryScore(-0), str('x'), binaryScore(1))),
    entry(5, 'plain-many', cat(len(200), ...many.flatMap(([m, s]) => [str(m), binaryScore(s)]))),
  ]);
  const ks = new Keyspace(new FakeClock(NOW));
  assert.is(loadRdb(ks, file, { dropExpired: true }).keysLoaded, 3);
  const at = (k: string) => ks.dbs[0].peek(k)!.value as ZsetValue;
  assert.equal(flat(at('lp')), ['c', '-inf', 'a', '1', 'b', '2.5']);
  assert.is(at('lp').encoding(), 'listpack');
  assert.equal(flat(at('plain')), ['y', '0', 'x', '1', 'z', '3'], 'a small type-5 set is a listpack, where -0 is 0');
  assert.is(at('plain').encoding(), 'listpack');
  assert.is(at('plain-many').encoding(), 'skiplist');
  assert.is(at('plain-many').rank('m150'), 150);
});

test('load: a repeated member is a corrupt file; an empty sorted set is skipped', () => {
  for (const body of [entry(5, 'dup', cat(len(2), str('a'), Buffer.alloc(8), str('a'), Buffer.alloc(8))), entry(17, 'dup', str(listpack(['a', 1, 'a', 2])))]) {
    const ks = new Keyspace(new FakeClock(NOW));
    assert.throws(() => loadRdb(ks, rdbFile([cat([0xfe], len(0)), body]), { dropExpired: true }), (e: unknown) => e instanceof RdbError);
    assert.is(ks.keyCount, 0);
  }
  const ks = new Keyspace(new FakeClock(NOW));
  const stats = loadRdb(ks, rdbFile([cat([0xfe], len(0)), entry(5, 'e', len(0)), entry(17, 'e2', str(listpack([])))]), { dropExpired: true });
  assert.is(stats.emptySkipped, 2);
});

test('write: a listpack as type 17 with the listpack blob, a skip list as type 5 highest first; read back the same', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  for (const [k, pairs] of sampleZsets()) ks.dbs[0].set(k, build(pairs));
  ks.dbs[1].set('with-ttl', build([['m', 1]]), NOW + 60000);
  for (const compression of [true, false]) {
    const back = new Keyspace(new FakeClock(NOW));
    loadRdb(back, rdbBytes(ks, { compression }), { dropExpired: true });
    for (const [k] of sampleZsets()) {
      const orig = ks.dbs[0].peek(k)!.value as ZsetValue;
      const got = back.dbs[0].peek(k)!.value as ZsetValue;
      assert.equal(flat(got), flat(orig), k);
      assert.is(got.encoding(), orig.encoding(), k);
    }
    assert.is(back.dbs[1].peek('with-ttl')!.expiresAt, NOW + 60000);
  }
  // The byte layouts: integral scores within ±2^62 as listpack integers, others as %.17g text.
  const one = new Keyspace(new FakeClock(NOW));
  one.dbs[0].set('k', build([['a', 1], ['b', 0.5], ['c', 2 ** 62], ['d', 2 ** 63]]));
  const blob = encodeListpack(['b', '0.5', 'a', '1', 'c', '4611686018427387904', 'd', '9.2233720368547758e+18']);
  assert.ok(rdbBytes(one, { compression: false }).includes(cat([17], str('k'), str(blob))));
  const skip = new Keyspace(new FakeClock(NOW));
  const z = new ZsetValue();
  z.add('x', 1, {}, { maxEntries: 0, maxValue: 64 });
  z.add('y', 2, {}, { maxEntries: 0, maxValue: 64 });
  skip.dbs[0].set('k', z);
  const score = (d: number) => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(d);
    return b;
  };
  assert.ok(rdbBytes(skip, { compression: false }).includes(cat([5], str('k'), len(2), str('y'), score(2), str('x'), score(1))));
});

withRedis('real redis-server writes zsets that toyredis loads with the same members, scores and encodings', async () => {
  await withRedisClient(async ({ cmd }) => {
    for (const [k, pairs] of sampleZsets()) await cmd('ZADD', k, ...pairs.flatMap(([m, s]) => [formatDouble(s), m]));
    await cmd('ZADD', 'ttl', '1', 'a');
    await cmd('PEXPIREAT', 'ttl', String(Date.now() + 3_600_000));
    await cmd('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    await cmd('ZADD', 'negzero', '-0', 'a', '1', 'b'); // a skip list keeps -0
    await cmd('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    const expected = new Map<string, { flat: string[]; encoding: string }>();
    for (const k of [...sampleZsets().map(([k]) => k), 'ttl']) {
      expected.set(k, { flat: await cmd('ZRANGE', k, '0', '-1', 'WITHSCORES'), encoding: await cmd('OBJECT', 'ENCODING', k) });
    }
    for (const compression of ['yes', 'no']) {
      await cmd('CONFIG', 'SET', 'rdbcompression', compression);
      const file = await savedRdb(cmd);
      const ks = new Keyspace();
      const stats = loadRdb(ks, file, { dropExpired: true });
      assert.is(stats.keysLoaded, expected.size + 1);
      for (const [k, want] of expected) {
        const got = ks.dbs[0].peek(k)!.value as ZsetValue;
        assert.equal(flat(got), want.flat, k);
        assert.is(got.encoding(), want.encoding, `${k} encoding`);
      }
      // a two-member type-5 set loads as a listpack, in Redis as here, and -0 becomes 0 on the way
      assert.equal(flat(ks.dbs[0].peek('negzero')!.value as ZsetValue), ['a', '0', 'b', '1']);
      if (compression === 'no') {
        // Byte for byte: what toyredis writes for a listpack zset is what Redis wrote.
        for (const [k, pairs] of sampleZsets()) {
          if (expected.get(k)!.encoding !== 'listpack') continue;
          const mine = new Keyspace();
          mine.dbs[0].set(k, build(pairs));
          const ours = rdbBytes(mine, { compression: false });
          const record = ours.subarray(ours.indexOf(cat([17], str(k))), ours.length - 9); // up to EOF and checksum
          assert.ok(file.includes(record), `${k}: the same listpack bytes`);
        }
      }
    }
  });
});

withRedis('real redis-server loads toyredis zsets: the same members, scores, encodings and TTLs', async () => {
  const ks = new Keyspace();
  for (const [k, pairs] of sampleZsets()) ks.dbs[0].set(k, build(pairs));
  const negzero = new ZsetValue();
  negzero.add('a', -0, {}, { maxEntries: 0, maxValue: 64 });
  ks.dbs[0].set('negzero', negzero);
  const at = Date.now() + 3_600_000;
  ks.dbs[2].set('ttl', build([['f', 5]]), at);
  await withRedisLoading(rdbBytes(ks), async ({ cmd }) => {
    assert.is(await cmd('DBSIZE'), sampleZsets().length + 1);
    for (const [k] of sampleZsets()) {
      const z = ks.dbs[0].peek(k)!.value as ZsetValue;
      assert.equal(await cmd('ZRANGE', k, '0', '-1', 'WITHSCORES'), flat(z), k);
      assert.is(await cmd('OBJECT', 'ENCODING', k), z.encoding(), `${k} encoding`);
    }
    assert.equal(await cmd('ZRANGE', 'negzero', '0', '-1', 'WITHSCORES'), ['a', '0']); // loaded as a listpack
    await cmd('SELECT', '2');
    assert.equal(await cmd('ZRANGE', 'ttl', '0', '-1', 'WITHSCORES'), ['f', '5']);
    assert.is(await cmd('PEXPIRETIME', 'ttl'), at);
  });
});

test.run();
