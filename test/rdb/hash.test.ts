import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadRdb } from '../../lib/rdb/load';
import { RdbError } from '../../lib/rdb/errors';
import { decodeListpack, packedString } from '../../lib/rdb/encodings';
import { encodeListpack } from '../../lib/rdb/listpack';
import { rdbBytes } from '../../lib/rdb/write';
import { Keyspace, NO_EXPIRY } from '../../lib/store/keyspace';
import { DEFAULT_HASH_LIMITS, HashValue } from '../../lib/store/hash';
import { FakeClock } from '../helpers/clock';
import { hasRedis } from '../helpers/servers';
import { checkRdb, redisCheckRdbPath, savedRdb, withRedisClient, withRedisLoading } from '../helpers/real-rdb';
import { cat, entry, len, listpack, rdbFile, str, ziplist, zipmap } from './rdb-bytes';

// Hashes in RDB files: the listpack (type 16) and plain (type 4) encodings both ways, against real redis-server.
const test = suite('rdb/hash');
const withRedis = hasRedis ? test : test.skip;

const NOW = 1_700_000_000_000;
const LIMITS = DEFAULT_HASH_LIMITS;

/**
 * Hashes of every kind the tests store: each listpack integer width and string length class, binary and
 * odd-looking values, past the value limit, past the entry limit.
 */
function sampleHashes(): [string, [string, string][]][] {
  return [
    ['ints', [['i7', '127'], ['i13', '-4096'], ['i16', '32767'], ['i24', '-8388608'], ['i32', '2147483647'], ['i64', '-9223372036854775808'], ['imm', '0'], ['neg', '-1']]],
    ['not-canonical', [['a', '01'], ['b', '-0'], ['c', '+5'], ['d', '9223372036854775808'], ['e', ' 1'], ['f', '1.5']]],
    ['strings', [['', 'empty field'], ['s63', 'x'.repeat(63)], ['f', '']]],
    ['binary', [['\0\r\n\xff', '\x80$-1'], ['k\0', 'v\0']]],
    ['long-value', [['f', 'y'.repeat(65)], ['g', 'z'.repeat(5000)]]],
    ['many', Array.from({ length: 600 }, (_, i) => [`field:${i}`, String(i * 7 - 1000)] as [string, string])],
    ['compressible', [[`${'ab'.repeat(20)}1`, 'cd'.repeat(30)], [`${'ab'.repeat(20)}2`, 'cd'.repeat(30)]]],
  ];
}

/** [f1, v1, f2, v2, …] as pairs sorted by field. */
const sortedPairs = (flat: string[]) => {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
};
const sortPairs = (pairs: [string, string][]) => sortedPairs(pairs.flat());

test('encodeListpack: each integer width and string class, read back by decodeListpack', () => {
  const items = [
    '0', '127', '128', '-1', '4095', '-4096', '4096', '32767', '-32768', '32768', '8388607', '-8388608', '8388608',
    '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808', '9223372036854775808',
    '', 'a', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(4095), 'x'.repeat(4096), '01', '-0', '+1', '\0\xff',
  ];
  const blob = encodeListpack(items);
  assert.is(blob.readUInt32LE(0), blob.length);
  assert.is(blob.readUInt16LE(4), items.length);
  assert.is(blob[blob.length - 1], 0xff);
  assert.equal(decodeListpack(blob).map(packedString), items);
  assert.equal(blob, listpack(items.map((s) => (/^(0|-?[1-9][0-9]*)$/.test(s) && BigInt(s) >= -(2n ** 63n) && BigInt(s) < 2n ** 63n ? BigInt(s) : s))));
  assert.equal(encodeListpack([]), Buffer.from([7, 0, 0, 0, 0, 0, 0xff]));
  // an entry of 128+ bytes needs a two-byte backlen; 65535 elements or more are counted as "unknown"
  const many = Array.from({ length: 70000 }, (_, i) => String(i));
  const big = encodeListpack(many);
  assert.is(big.readUInt16LE(4), 65535);
  assert.equal(decodeListpack(big).map(packedString), many);
});

test('load: listpack, ziplist, zipmap and plain hashes become hashes, encoded as Redis would after loading', () => {
  const many = Array.from({ length: 600 }, (_, i) => [`f${i}`, String(i)] as [string, string]);
  const file = rdbFile([
    cat([0xfe], len(0)),
    entry(16, 'lp', str(listpack(['f', 'v', 'n', 42, 'neg', -70000]))),
    entry(13, 'zl', str(ziplist(['a', 1, 'b', 'two']))),
    entry(9, 'zm', str(zipmap([['k', 'v'], ['k2', 'v2', 2]]))),
    entry(4, 'plain', cat(len(2), str('b'), str('1'), str('a'), str('2'))),
    entry(4, 'plain-long', cat(len(2), str('f'), str('v'), str('long'), str('x'.repeat(65)))),
    entry(4, 'plain-many', cat(len(600), ...many.flatMap(([f, v]) => [str(f), str(v)]))),
    cat([0xfc], Buffer.from(new BigUint64Array([BigInt(NOW + 5000)]).buffer), entry(16, 'ttl', str(listpack(['x', 'y'])))),
  ]);
  const ks = new Keyspace(new FakeClock(NOW));
  const stats = loadRdb(ks, file, { dropExpired: true });
  assert.is(stats.keysLoaded, 7);
  const at = (k: string) => ks.dbs[0].peek(k)!.value as HashValue;
  assert.equal(at('lp').entries(), [['f', 'v'], ['n', '42'], ['neg', '-70000']]);
  assert.is(at('lp').encoding(), 'listpack');
  assert.equal(at('zl').entries(), [['a', '1'], ['b', 'two']]);
  assert.equal(at('zm').entries(), [['k', 'v'], ['k2', 'v2']]);
  assert.equal(at('plain').entries(), [['b', '1'], ['a', '2']]);
  assert.is(at('plain').encoding(), 'listpack', 'a small plain hash loads as a listpack');
  assert.is(at('plain-long').encoding(), 'hashtable', 'a value past hash-max-listpack-value');
  assert.is(at('plain-long').get('long'), 'x'.repeat(65));
  assert.is(at('plain-many').encoding(), 'hashtable', 'more than hash-max-listpack-entries');
  assert.is(at('plain-many').size, 600);
  assert.is(at('plain-many').get('f599'), '599');
  assert.is(ks.dbs[0].peek('ttl')!.expiresAt, NOW + 5000);
});

test('load: a repeated field is a corrupt file; an empty hash is skipped', () => {
  for (const body of [entry(4, 'dup', cat(len(2), str('a'), str('1'), str('a'), str('2'))), entry(16, 'dup', str(listpack(['a', 1, 'a', 2])))]) {
    const ks = new Keyspace(new FakeClock(NOW));
    assert.throws(() => loadRdb(ks, rdbFile([cat([0xfe], len(0)), body]), { dropExpired: true }), (e: unknown) => {
      return e instanceof RdbError && e.message === 'Duplicate hash fields detected';
    });
    assert.is(ks.keyCount, 0);
  }
  const ks = new Keyspace(new FakeClock(NOW));
  const stats = loadRdb(ks, rdbFile([cat([0xfe], len(0)), entry(4, 'e', len(0)), entry(16, 'e2', str(listpack([])))]), { dropExpired: true });
  assert.is(stats.emptySkipped, 2);
  assert.is(ks.keyCount, 0);
});

test('write: a listpack as type 16 with the listpack blob, a hash table as type 4; read back the same', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  for (const [k, pairs] of sampleHashes()) ks.dbs[0].set(k, HashValue.of(pairs, LIMITS));
  ks.dbs[1].set('with-ttl', HashValue.of([['f', '1']], LIMITS), NOW + 60000);
  for (const compression of [true, false]) {
    const file = rdbBytes(ks, { compression });
    const back = new Keyspace(new FakeClock(NOW));
    loadRdb(back, file, { dropExpired: true });
    for (const [k, pairs] of sampleHashes()) {
      const orig = ks.dbs[0].peek(k)!.value as HashValue;
      const got = back.dbs[0].peek(k)!.value as HashValue;
      assert.equal(got.entries(), orig.entries(), k);
      assert.equal(sortPairs(got.entries()), sortPairs(pairs), k);
      assert.is(got.encoding(), orig.encoding(), k);
    }
    assert.is(back.dbs[1].peek('with-ttl')!.expiresAt, NOW + 60000);
  }
  // The byte layout of one small listpack hash: type 16, the key, the blob as a string.
  const one = new Keyspace(new FakeClock(NOW));
  one.dbs[0].set('k', HashValue.of([['f', '1'], ['g', 'v']], LIMITS));
  const blob = cat([18, 0, 0, 0, 4, 0], [0x81, 0x66, 2], [1, 1], [0x81, 0x67, 2], [0x81, 0x76, 2], [0xff]);
  assert.ok(rdbBytes(one, { compression: false }).includes(cat([16], str('k'), str(blob))));
  const h = new Keyspace(new FakeClock(NOW));
  h.dbs[0].set('k', HashValue.of([['x', 'one']], { maxEntries: 0, maxValue: 64 }));
  assert.ok(rdbBytes(h, { compression: false }).includes(cat([4], str('k'), len(1), str('x'), str('one'))));
});

(redisCheckRdbPath ? test : test.skip)('redis-check-rdb accepts a file of hashes', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  for (const [k, pairs] of sampleHashes()) ks.dbs[0].set(k, HashValue.of(pairs, LIMITS));
  const r = checkRdb(rdbBytes(ks));
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`${sampleHashes().length} keys read`));
});

withRedis('real redis-server writes hashes that toyredis loads with the same pairs, order and encodings', async () => {
  await withRedisClient(async ({ cmd }) => {
    for (const [k, pairs] of sampleHashes()) await cmd('HSET', k, ...pairs.flat());
    await cmd('HSET', 'ttl', 'a', '1');
    await cmd('PEXPIREAT', 'ttl', String(Date.now() + 3_600_000));
    await cmd('HSET', 'edited', 'a', '1', 'b', '2', 'c', '3');
    await cmd('HDEL', 'edited', 'b');
    await cmd('HSET', 'edited', 'd', '4', 'a', 'one');
    await cmd('SELECT', '4');
    await cmd('HSET', 'in-db-4', 'f', '42');
    await cmd('SELECT', '0');
    const expected = new Map<string, { pairs: [string, string][]; flat: string[]; encoding: string }>();
    for (const k of [...sampleHashes().map(([k]) => k), 'ttl', 'edited']) {
      const flat: string[] = await cmd('HGETALL', k);
      expected.set(k, { pairs: sortedPairs(flat), flat, encoding: await cmd('OBJECT', 'ENCODING', k) });
    }
    const ttl = await cmd('PEXPIRETIME', 'ttl');
    for (const compression of ['yes', 'no']) {
      await cmd('CONFIG', 'SET', 'rdbcompression', compression);
      const file = await savedRdb(cmd);
      const ks = new Keyspace();
      const stats = loadRdb(ks, file, { dropExpired: true });
      assert.is(stats.keysLoaded, expected.size + 1);
      for (const [k, want] of expected) {
        const got = ks.dbs[0].peek(k)!.value as HashValue;
        assert.equal(sortPairs(got.entries()), want.pairs, k);
        assert.is(got.encoding(), want.encoding, `${k} encoding`);
        if (want.encoding === 'listpack') assert.equal(got.entries().flat(), want.flat, `${k}: a listpack keeps its order`);
      }
      assert.is(ks.dbs[0].peek('ttl')!.expiresAt, ttl);
      assert.equal((ks.dbs[4].peek('in-db-4')!.value as HashValue).entries(), [['f', '42']]);
      assert.is(ks.dbs[0].peek('strings')!.expiresAt, NO_EXPIRY);
      if (compression === 'no') {
        // Byte for byte: what toyredis writes for a listpack hash is what Redis wrote.
        for (const [k, want] of expected) {
          if (want.encoding !== 'listpack') continue;
          const record = cat([16], str(k), str(encodeListpack(want.flat)));
          assert.ok(file.includes(record), `${k}: the same listpack bytes`);
        }
      }
    }
  });
});

withRedis('real redis-server loads toyredis hashes: the same pairs, order, encodings and TTLs', async () => {
  const ks = new Keyspace();
  for (const [k, pairs] of sampleHashes()) ks.dbs[0].set(k, HashValue.of(pairs, LIMITS));
  const edited = HashValue.of([['a', '1'], ['b', '2'], ['c', '3']], LIMITS);
  edited.delete('b');
  edited.set('d', '4', LIMITS);
  ks.dbs[0].set('edited', edited);
  const at = Date.now() + 3_600_000;
  ks.dbs[2].set('ttl', HashValue.of([['f', '5']], LIMITS), at);
  await withRedisLoading(rdbBytes(ks), async ({ cmd }) => {
    assert.is(await cmd('DBSIZE'), sampleHashes().length + 1);
    for (const [k, pairs] of sampleHashes()) {
      const h = ks.dbs[0].peek(k)!.value as HashValue;
      const flat: string[] = await cmd('HGETALL', k);
      assert.equal(sortedPairs(flat), sortPairs(pairs), k);
      assert.is(await cmd('OBJECT', 'ENCODING', k), h.encoding(), `${k} encoding`);
      if (h.isListpack) assert.equal(flat, h.entries().flat(), `${k}: a listpack keeps its order`);
    }
    assert.equal(await cmd('HGETALL', 'edited'), ['a', '1', 'c', '3', 'd', '4']);
    await cmd('SELECT', '2');
    assert.equal(await cmd('HGETALL', 'ttl'), ['f', '5']);
    assert.is(await cmd('PEXPIRETIME', 'ttl'), at);
  });
});

test.run();
