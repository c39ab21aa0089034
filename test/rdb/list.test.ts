import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadRdb } from '../../lib/rdb/load';
import { rdbBytes } from '../../lib/rdb/write';
import { Keyspace, NO_EXPIRY } from '../../lib/store/keyspace';
import { List } from '../../lib/store/list';
import { FakeClock } from '../helpers/clock';
import { hasRedis } from '../helpers/servers';
import { checkRdb, redisCheckRdbPath, savedRdb, withRedisClient, withRedisLoading } from '../helpers/real-rdb';
import { cat, len, str } from './rdb-bytes';

// Lists in RDB files: toyredis writes the plain list type (1), and loads what real redis-server 7.0 writes
// (quicklist 2: listpack nodes, plain nodes for big elements, LZF-compressed nodes).
const test = suite('rdb/list');
const withRedis = hasRedis ? test : test.skip;

const NOW = 1_700_000_000_000;

/** Lists of every shape the tests store: integers of each width, binary, empty and long elements, many nodes. */
function sampleLists(): [string, string[]][] {
  return [
    ['small', ['a', 'b', 'c']],
    ['ints', ['0', '-1', '127', '-128', '32767', '70000', '-2147483648', '2147483648', '-9223372036854775808', '9223372036854775807']],
    ['not-canonical', ['007', '-0', '+1', '1.5', ' 1']],
    ['binary', ['\0\r\n\xff', '', '\x80$-1']],
    ['compressible', ['ab'.repeat(100), 'ab'.repeat(100) + 'x']],
    ['big-element', ['y'.repeat(70000), 'z']],
    ['many', Array.from({ length: 5000 }, (_, i) => (i % 3 ? `item-${i}` : String(i * 977)))],
  ];
}

const listAt = (ks: Keyspace, db: number, key: string) => (ks.dbs[db].peek(key)!.value as List).toArray();

test('write: type 1, the length, then each element as an RDB string (integers in their short forms)', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  ks.dbs[0].set('k', List.from(['x', '12', '-300', '']));
  const file = rdbBytes(ks, { compression: false });
  const body = cat([1], str('k'), len(4), str('x'), [0xc0, 12], [0xc1], Buffer.from([0xd4, 0xfe]), str(''));
  assert.ok(file.includes(body), file.toString('hex'));
});

test('write then load: the same elements in order, with TTLs and dbs, compressed or not', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  for (const [k, items] of sampleLists()) ks.dbs[0].set(k, List.from(items));
  const rotated = new List();
  for (let i = 0; i < 20; i++) rotated.pushHead(String(i)); // a ring that wrapped
  ks.dbs[0].set('rotated', rotated);
  ks.dbs[3].set('ttl', List.from(['t']), NOW + 60000);
  for (const compression of [true, false]) {
    const back = new Keyspace(new FakeClock(NOW));
    const stats = loadRdb(back, rdbBytes(ks, { compression }), { dropExpired: true });
    assert.is(stats.keysLoaded, sampleLists().length + 2);
    for (const [k, items] of sampleLists()) assert.equal(listAt(back, 0, k), items, k);
    assert.equal(listAt(back, 0, 'rotated'), rotated.toArray());
    assert.equal(listAt(back, 3, 'ttl'), ['t']);
    assert.is(back.dbs[3].peek('ttl')!.expiresAt, NOW + 60000);
    assert.is(back.dbs[0].peek('small')!.expiresAt, NO_EXPIRY);
    assert.is((back.dbs[0].peek('small')!.value as List).encoding(), 'quicklist');
  }
});

(redisCheckRdbPath ? test : test.skip)('redis-check-rdb accepts a file of lists', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  for (const [k, items] of sampleLists()) ks.dbs[0].set(k, List.from(items));
  const r = checkRdb(rdbBytes(ks));
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`${sampleLists().length} keys read`));
});

withRedis('real redis-server loads toyredis lists: the same elements and TTLs', async () => {
  const ks = new Keyspace();
  for (const [k, items] of sampleLists()) ks.dbs[0].set(k, List.from(items));
  const at = Date.now() + 3_600_000;
  ks.dbs[2].set('ttl', List.from(['5', 'x']), at);
  await withRedisLoading(rdbBytes(ks), async ({ cmd }) => {
    assert.is(await cmd('DBSIZE'), sampleLists().length);
    for (const [k, items] of sampleLists()) {
      assert.equal(await cmd('LRANGE', k, '0', '-1'), items, k);
      assert.is(await cmd('OBJECT', 'ENCODING', k), 'quicklist');
    }
    await cmd('SELECT', '2');
    assert.equal(await cmd('LRANGE', 'ttl', '0', '-1'), ['5', 'x']);
    assert.is(await cmd('PEXPIRETIME', 'ttl'), at);
  });
});

withRedis('real redis-server writes lists (listpack, plain and compressed nodes) that toyredis loads', async () => {
  await withRedisClient(async ({ cmd }) => {
    // small nodes so 'many' spans hundreds of them; depth 1 compresses every node but the two ends
    await cmd('CONFIG', 'SET', 'list-max-listpack-size', '4');
    await cmd('CONFIG', 'SET', 'list-compress-depth', '1');
    for (const [k, items] of sampleLists()) await cmd('RPUSH', k, ...items);
    await cmd('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100'); // elements over 100 bytes go into plain nodes
    await cmd('RPUSH', 'plain', 'small', 'p'.repeat(500), 'tail');
    await cmd('LPUSH', 'plain', 'q'.repeat(300));
    await cmd('RPUSH', 'ttl', 'a', 'b');
    await cmd('PEXPIREAT', 'ttl', String(Date.now() + 3_600_000));
    await cmd('SELECT', '7');
    await cmd('LPUSH', 'in-db-7', '3', '2', '1');
    await cmd('SELECT', '0');
    const keys = [...sampleLists().map(([k]) => k), 'plain', 'ttl'];
    const expected = new Map<string, string[]>();
    for (const k of keys) expected.set(k, await cmd('LRANGE', k, '0', '-1'));
    const ttl = await cmd('PEXPIRETIME', 'ttl');
    for (const compression of ['yes', 'no']) {
      await cmd('CONFIG', 'SET', 'rdbcompression', compression);
      const file = await savedRdb(cmd);
      assert.ok(file.includes(Buffer.from([18])), 'quicklist 2 in the file');
      const ks = new Keyspace();
      const stats = loadRdb(ks, file, { dropExpired: true });
      assert.is(stats.keysLoaded, keys.length + 1);
      for (const [k, items] of expected) assert.equal(listAt(ks, 0, k), items, k);
      assert.equal(listAt(ks, 0, 'plain'), ['q'.repeat(300), 'small', 'p'.repeat(500), 'tail']);
      assert.is(ks.dbs[0].peek('ttl')!.expiresAt, ttl);
      assert.equal(listAt(ks, 7, 'in-db-7'), ['1', '2', '3']);
    }
  }, ['--enable-debug-command', 'yes']);
});

test.run();
