import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadRdb } from '../../lib/rdb/load';
import { RdbError } from '../../lib/rdb/errors';
import { rdbBytes } from '../../lib/rdb/write';
import { Keyspace, NO_EXPIRY } from '../../lib/store/keyspace';
import { DEFAULT_MAX_INTSET_ENTRIES, SetValue } from '../../lib/store/set';
import { FakeClock } from '../helpers/clock';
import { hasRedis } from '../helpers/servers';
import { checkRdb, redisCheckRdbPath, savedRdb, withRedisClient, withRedisLoading } from '../helpers/real-rdb';
import { cat, entry, intset, len, rdbFile, str } from './rdb-bytes';

// Sets in RDB files: the intset (type 11) and plain (type 2) encodings both ways, against real redis-server.
const test = suite('rdb/set');
const withRedis = hasRedis ? test : test.skip;

const NOW = 1_700_000_000_000;
const MAX = DEFAULT_MAX_INTSET_ENTRIES;

/** The sets of every kind the tests store: small and large intsets, hash tables, binary and odd members. */
function sampleSets(): [string, string[]][] {
  return [
    ['small-ints', ['3', '-1', '100', '0']],
    ['wide-ints', ['-9223372036854775808', '9223372036854775807', '1']],
    ['i32', ['70000', '-70000']],
    ['strings', ['a', 'b', 'hello world', '']],
    ['binary', ['\0\r\n\xff', '\x80$-1', 'x'.repeat(300)]],
    ['mixed', ['1', 'a', '2']],
    ['not-canonical', ['01', '-0', '+5']],
    ['big-ints', Array.from({ length: 600 }, (_, i) => String(i * 7 - 1000))],
    ['compressible', [`${'ab'.repeat(40)}1`, `${'ab'.repeat(40)}2`]],
  ];
}

const sorted = (xs: string[]) => [...xs].sort();

test('load: an intset blob and a plain set become sets, encoded as Redis would after loading', () => {
  const file = rdbFile([
    cat([0xfe], len(0)),
    entry(11, 'is', str(intset(2, [-5, 1, 300]))),
    entry(11, 'is64', str(intset(8, [-(2n ** 63n), 2n ** 63n - 1n]))),
    entry(2, 'plain-ints', cat(len(3), str('9'), str('7'), str('8'))),
    entry(2, 'plain', cat(len(2), str('b'), str('a'))),
    entry(2, 'many', cat(len(600), ...Array.from({ length: 600 }, (_, i) => str(String(i))))),
    cat([0xfc], Buffer.from(new BigUint64Array([BigInt(NOW + 5000)]).buffer), entry(2, 'ttl', cat(len(1), str('x')))),
  ]);
  const ks = new Keyspace(new FakeClock(NOW));
  const stats = loadRdb(ks, file, { dropExpired: true });
  assert.is(stats.keysLoaded, 6);
  const at = (k: string) => ks.dbs[0].peek(k)!.value as SetValue;
  assert.equal(at('is').members(), ['-5', '1', '300']);
  assert.is(at('is').encoding(), 'intset');
  assert.equal(at('is64').members(), ['-9223372036854775808', '9223372036854775807']);
  assert.equal(at('plain-ints').members(), ['7', '8', '9']);
  assert.is(at('plain-ints').encoding(), 'intset', 'a plain set of few integers loads as an intset');
  assert.equal(at('plain').members(), ['b', 'a']);
  assert.is(at('plain').encoding(), 'hashtable');
  assert.is(at('many').encoding(), 'hashtable', 'more than set-max-intset-entries');
  assert.is(at('many').size, 600);
  assert.is(ks.dbs[0].peek('ttl')!.expiresAt, NOW + 5000);
});

test('load: a repeated member is a corrupt file', () => {
  for (const body of [entry(2, 'dup', cat(len(2), str('a'), str('a'))), entry(2, 'dup', cat(len(2), str('1'), str('1')))]) {
    const ks = new Keyspace(new FakeClock(NOW));
    assert.throws(() => loadRdb(ks, rdbFile([cat([0xfe], len(0)), body]), { dropExpired: true }), (e: unknown) => {
      return e instanceof RdbError && e.message === 'Duplicate set members detected';
    });
    assert.is(ks.keyCount, 0);
  }
});

test('write: an intset as type 11 with the intset blob, anything else as type 2; read back the same', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  for (const [k, members] of sampleSets()) ks.dbs[0].set(k, SetValue.of(members, MAX));
  ks.dbs[1].set('with-ttl', SetValue.of(['1'], MAX), NOW + 60000);
  for (const compression of [true, false]) {
    const file = rdbBytes(ks, { compression });
    const back = new Keyspace(new FakeClock(NOW));
    loadRdb(back, file, { dropExpired: true });
    for (const [k, members] of sampleSets()) {
      const orig = ks.dbs[0].peek(k)!.value as SetValue;
      const got = back.dbs[0].peek(k)!.value as SetValue;
      assert.equal(got.members(), orig.members(), k);
      assert.equal(sorted(got.members()), sorted(members), k);
      assert.is(got.encoding(), orig.encoding(), k);
    }
    assert.is(back.dbs[1].peek('with-ttl')!.expiresAt, NOW + 60000);
  }
  // The byte layout of one small intset: type 11, the key, the blob as a string.
  const one = new Keyspace(new FakeClock(NOW));
  one.dbs[0].set('k', SetValue.of(['2', '1'], MAX));
  const file = rdbBytes(one, { compression: false });
  const blob = cat([2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0]);
  assert.ok(file.includes(cat([11], str('k'), str(blob))), file.toString('hex'));
  const h = new Keyspace(new FakeClock(NOW));
  h.dbs[0].set('k', SetValue.of(['x', 'y'], MAX));
  assert.ok(rdbBytes(h, { compression: false }).includes(cat([2], str('k'), len(2), str('x'), str('y'))));
});

(redisCheckRdbPath ? test : test.skip)('redis-check-rdb accepts a file of sets', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  for (const [k, members] of sampleSets()) ks.dbs[0].set(k, SetValue.of(members, MAX));
  const r = checkRdb(rdbBytes(ks));
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`${sampleSets().length} keys read`));
});

withRedis('real redis-server writes sets that toyredis loads with the same members and encodings', async () => {
  await withRedisClient(async ({ cmd }) => {
    for (const [k, members] of sampleSets()) await cmd('SADD', k, ...members);
    await cmd('SADD', 'ttl', 'a', '1');
    await cmd('PEXPIREAT', 'ttl', String(Date.now() + 3_600_000));
    await cmd('SADD', 'shrunk', 'a', '1', '2');
    await cmd('SREM', 'shrunk', 'a'); // a hash table of integers only: written as a plain set
    await cmd('SELECT', '4');
    await cmd('SADD', 'in-db-4', '42');
    await cmd('SELECT', '0');
    const expected = new Map<string, { members: string[]; encoding: string }>();
    for (const k of [...sampleSets().map(([k]) => k), 'ttl', 'shrunk']) {
      expected.set(k, { members: sorted(await cmd('SMEMBERS', k)), encoding: await cmd('OBJECT', 'ENCODING', k) });
    }
    const ttl = await cmd('PEXPIRETIME', 'ttl');
    for (const compression of ['yes', 'no']) {
      await cmd('CONFIG', 'SET', 'rdbcompression', compression);
      const ks = new Keyspace();
      const stats = loadRdb(ks, await savedRdb(cmd), { dropExpired: true });
      assert.is(stats.keysLoaded, expected.size + 1);
      for (const [k, want] of expected) {
        const got = ks.dbs[0].peek(k)!.value as SetValue;
        assert.equal(sorted(got.members()), want.members, k);
        // 'shrunk' is a hash table in Redis only because it once held a string; a loaded copy is an intset again
        if (k !== 'shrunk') assert.is(got.encoding(), want.encoding, `${k} encoding`);
      }
      assert.is((ks.dbs[0].peek('shrunk')!.value as SetValue).encoding(), 'intset');
      assert.is(ks.dbs[0].peek('ttl')!.expiresAt, ttl);
      assert.equal((ks.dbs[4].peek('in-db-4')!.value as SetValue).members(), ['42']);
      assert.is(ks.dbs[0].peek('strings')!.expiresAt, NO_EXPIRY);
    }
  });
});

withRedis('real redis-server loads toyredis sets: the same members, encodings and TTLs', async () => {
  const ks = new Keyspace();
  for (const [k, members] of sampleSets()) ks.dbs[0].set(k, SetValue.of(members, MAX));
  const converted = SetValue.of(['1', 'x', '2'], MAX);
  converted.delete('x'); // a hash table of integers: a plain set in the file
  ks.dbs[0].set('converted', converted);
  const at = Date.now() + 3_600_000;
  ks.dbs[2].set('ttl', SetValue.of(['5'], MAX), at);
  await withRedisLoading(rdbBytes(ks), async ({ cmd }) => {
    assert.is(await cmd('DBSIZE'), sampleSets().length + 1);
    for (const [k, members] of sampleSets()) {
      assert.equal(sorted(await cmd('SMEMBERS', k)), sorted(members), k);
      assert.is(await cmd('OBJECT', 'ENCODING', k), (ks.dbs[0].peek(k)!.value as SetValue).encoding(), `${k} encoding`);
    }
    assert.equal(await cmd('SMEMBERS', 'converted'), ['1', '2']);
    assert.is(await cmd('OBJECT', 'ENCODING', 'converted'), 'intset', 'Redis too loads a plain set of integers as an intset');
    await cmd('SELECT', '2');
    assert.equal(await cmd('SMEMBERS', 'ttl'), ['5']);
    assert.is(await cmd('PEXPIRETIME', 'ttl'), at);
  });
});

test.run();
