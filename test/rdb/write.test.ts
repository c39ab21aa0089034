import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRdb, type RdbEntry, type RdbItem } from '../../lib/rdb/parse';
import { rdbBytes, writeRdb, type WriteOptions } from '../../lib/rdb/write';
import { Keyspace } from '../../lib/store/keyspace';
import type { Collection } from '../../lib/store/types';
import { FakeClock } from '../helpers/clock';
import { hasRedis } from '../helpers/servers';
import { checkRdb, redisCheckRdbPath, savedRdb, withRedisClient, withRedisLoading } from '../helpers/real-rdb';
import { B, cat, i64le, rdbFile, str } from './rdb-bytes';

const test = suite('rdb/write');
const withRedis = hasRedis ? test : test.skip;
const withCheck = redisCheckRdbPath ? test : test.skip;

const NOW = 1_700_000_000_000;
const FIXED: WriteOptions = { ctime: 1700000000, usedMem: 1000000 };
const entries = (items: RdbItem[]) => items.filter((i): i is RdbEntry => i.kind === 'entry');

/** Strings chosen to hit every encoding decision of rdbSaveRawString. */
const STRINGS: [string, string][] = [
  ['i8', '-5'], ['i8max', '127'], ['i16', '1234'], ['i16min', '-32768'], ['i32', '70000'], ['i32min', '-2147483648'],
  ['i32max', '2147483647'], ['over32', '2147483648'], ['eleven', '-1234567890'], ['twelve', '123456789012'],
  ['zero', '0'], ['zero-led', '007'], ['minus-zero', '-0'], ['plus', '+1'], ['space', ' 1'], ['empty', ''],
  ['binary', '\0\r\n\xff\x80$-1'], ['twenty', 'y'.repeat(20)], ['compressible', 'a'.repeat(100) + 'bcd'.repeat(30)],
  ['noise', 'q8Zr!0Lk#mW2@vN7$bX1%cY6^dT3&eS9'], ['1234', 'int-like key'], ['k'.repeat(50), 'long compressible key'],
];

function sampleKeyspace(): Keyspace {
  const ks = new Keyspace(new FakeClock(NOW));
  for (const [k, v] of STRINGS) ks.dbs[0].set(k, v);
  ks.dbs[0].set('ttl', 'soon', NOW + 3_600_000);
  ks.dbs[0].set('expired', 'stale', NOW - 1000); // logically expired, not yet removed
  ks.dbs[2].set('in-db-2', 'two', NOW + 7_200_000);
  ks.dbs[15].set('in-db-15', 'x'.repeat(5000));
  return ks;
}

test('byte layout: header, aux fields as 7.0 writes them, SELECTDB + RESIZEDB per db, FC expiry, EOF, CRC', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  ks.dbs[0].set('n', '1234');
  ks.dbs[0].set('s', 'hello', 1900000000000);
  ks.dbs[2].set('k', 'v');
  const expected = rdbFile([
    cat([0xfa], str('redis-ver'), str('7.0.15')),
    cat([0xfa], str('redis-bits'), [0xc0, 64]),
    cat([0xfa], str('ctime'), [0xc2], Buffer.from([0x00, 0xf1, 0x53, 0x65])), // 1700000000 LE
    cat([0xfa], str('used-mem'), [0xc2], Buffer.from([0x40, 0x42, 0x0f, 0x00])), // 1000000 LE
    cat([0xfa], str('aof-base'), [0xc0, 0]),
    Buffer.from([0xfe, 0, 0xfb, 2, 1]),
    cat([0], str('n'), [0xc1, 0xd2, 0x04]),
    cat([0xfc], i64le(1900000000000), [0], str('s'), str('hello')),
    Buffer.from([0xfe, 2, 0xfb, 1, 0]),
    cat([0], str('k'), str('v')),
  ]);
  assert.equal(rdbBytes(ks, FIXED), expected);
});

test('replication aux fields come before aof-base; functions follow the aux fields', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  const replId = '8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb';
  const code = '#!lua name=lib\nredis.register_function("f", function() return 1 end)';
  const file = rdbBytes(ks, { ...FIXED, repl: { streamDb: 3, replId, offset: 123456789 }, aofBase: true, functions: [code] });
  const { items } = parseRdb(file);
  assert.equal(items, [
    { kind: 'aux', key: 'redis-ver', value: '7.0.15' },
    { kind: 'aux', key: 'redis-bits', value: '64' },
    { kind: 'aux', key: 'ctime', value: '1700000000' },
    { kind: 'aux', key: 'used-mem', value: '1000000' },
    { kind: 'aux', key: 'repl-stream-db', value: '3' },
    { kind: 'aux', key: 'repl-id', value: replId },
    { kind: 'aux', key: 'repl-offset', value: '123456789' },
    { kind: 'aux', key: 'aof-base', value: '1' },
    { kind: 'function', code },
    { kind: 'eof', checksum: file.readBigUInt64LE(file.length - 8) },
  ]);
  assert.ok(file.includes(cat([0xfa], str('repl-offset'), [0xc2])), 'an int32 offset is int-encoded');
});

test('string encodings: int8/16/32 only for canonical int32 text, LZF only over 20 bytes when it pays', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  for (const [k, v] of STRINGS) ks.dbs[0].set(k, v);
  const record = (key: string, compression: boolean) => {
    const one = new Keyspace(new FakeClock(NOW));
    one.dbs[0].set(key, ks.dbs[0].peek(key)!.value);
    const f = rdbBytes(one, { ...FIXED, compression });
    const start = f.indexOf(Buffer.from([0xfe, 0, 0xfb, 1, 0])) + 5;
    return f.subarray(start, f.length - 9);
  };
  const valueBytes = (key: string, compression = true) => record(key, compression).subarray(1 + str(key).length);
  assert.equal(valueBytes('i8'), Buffer.from([0xc0, 0xfb]));
  assert.equal(valueBytes('i16'), Buffer.from([0xc1, 0xd2, 0x04]));
  assert.equal(valueBytes('i16min'), Buffer.from([0xc1, 0x00, 0x80]));
  assert.equal(valueBytes('i32'), Buffer.from([0xc2, 0x70, 0x11, 0x01, 0x00]));
  assert.equal(valueBytes('eleven'), cat([0xc2], Buffer.from([0x2e, 0xfd, 0x69, 0xb6])));
  assert.equal(valueBytes('zero'), Buffer.from([0xc0, 0x00]));
  for (const raw of ['over32', 'twelve', 'zero-led', 'minus-zero', 'plus', 'space', 'empty', 'binary', 'twenty', 'noise']) {
    assert.equal(valueBytes(raw), str(ks.dbs[0].peek(raw)!.value as string), raw);
  }
  assert.is(valueBytes('compressible')[0], 0xc3, 'LZF');
  assert.ok(valueBytes('compressible').length < 50);
  assert.equal(valueBytes('compressible', false), str(ks.dbs[0].peek('compressible')!.value as string), 'rdbcompression no');
  assert.equal(record('1234', true).subarray(0, 4), Buffer.from([0, 0xc1, 0xd2, 0x04]), 'keys are int-encoded too');
  assert.is(record('k'.repeat(50), true)[1], 0xc3, 'and compressed');
});

test('round trip: every key, value, db and TTL comes back; expired keys are written with their TTL', () => {
  const ks = sampleKeyspace();
  const file = rdbBytes(ks);
  const { version, items } = parseRdb(file);
  assert.is(version, 10);
  const got = entries(items).map((e) => [e.db, e.key, e.value, e.expiresAt]);
  const want = ks.dbs.flatMap((db) => [...db.entries()].map(([k, e]) => [db.id, k, e.value, e.expiresAt || null]));
  assert.equal(got, want);
  assert.ok(got.some(([, k]) => k === 'expired'));
  const resize = items.filter((i) => i.kind === 'resizedb');
  assert.equal(resize, [
    { kind: 'resizedb', dbSize: STRINGS.length + 2, expiresSize: 2 },
    { kind: 'resizedb', dbSize: 1, expiresSize: 1 },
    { kind: 'resizedb', dbSize: 1, expiresSize: 0 },
  ]);
});

test('without a checksum the last 8 bytes are zero, and the file still reads', () => {
  const file = rdbBytes(sampleKeyspace(), { checksum: false });
  assert.equal(file.subarray(-8), Buffer.alloc(8));
  assert.equal(parseRdb(file).items.at(-1), { kind: 'eof', checksum: 0n });
});

test('chunks: about chunkBytes each, a big value in a chunk of its own, the same bytes as rdbBytes', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  for (let i = 0; i < 3000; i++) ks.dbs[0].set(`key:${i}`, `value:${i}`);
  let seed = 1;
  const noise = Buffer.alloc(1 << 20);
  for (let i = 0; i < noise.length; i++) noise[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16;
  ks.dbs[1].set('big', noise.latin1Slice());
  const chunks = [...writeRdb(ks, { ...FIXED, chunkBytes: 4096 })];
  assert.equal(Buffer.concat(chunks), rdbBytes(ks, FIXED));
  assert.ok(chunks.length > 10, `${chunks.length} chunks`);
  const big = chunks.filter((c) => c.length > 8192);
  assert.is(big.length, 1);
  assert.is(big[0].length, noise.length, 'the incompressible value is its own chunk');
  assert.ok(chunks.every((c) => c.length <= 4096 + 64 || c === big[0]));
  const e = entries(parseRdb(Buffer.concat(chunks)).items).find((x) => x.key === 'big')!;
  assert.is(e.value, noise.latin1Slice());
});

test('work between chunks does not leak into the file: it is the keyspace as it was when writeRdb() was called', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  for (let i = 0; i < 2000; i++) ks.dbs[0].set(`k${i}`, 'v'.repeat(50), i % 2 ? NOW + i : 0);
  const before = rdbBytes(ks, { ...FIXED, chunkBytes: 2048, compression: false });
  const out: Buffer[] = [];
  let step = 0;
  for (const chunk of writeRdb(ks, { ...FIXED, chunkBytes: 2048, compression: false })) {
    out.push(chunk);
    if (step++ === 2) {
      ks.dbs[0].delete('k1999'); // not written yet
      ks.dbs[0].delete('k0'); // already written, then re-created
      ks.dbs[0].set('k0', 'again');
      ks.dbs[0].set('k1500', 'changed'); // not written yet
      ks.dbs[0].setExpire('k1498', NOW + 1);
      ks.dbs[0].set('fresh', 'x');
      ks.dbs[4].set('new-db', 'y');
    }
  }
  assert.ok(step > 5, `${step} chunks`);
  // Keys changed before the walk reached them come at the end of their db (their old versions), so compare
  // contents, not byte order.
  const contents = (b: Buffer) =>
    entries(parseRdb(b).items).map((e) => `${e.db}/${e.key}=${e.value}|${e.expiresAt}`).sort();
  assert.equal(contents(Buffer.concat(out)), contents(before));
  assert.is(contents(before).length, 2000);
});

test('a type without an encoder is a clear error, not a silently missing key, and releases the snapshot', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  // a type name no encoder row will ever have, so the test outlives each type family landing its row
  const odd: Collection = { type: 'module' as Collection['type'], encoding: () => 'raw', clone: () => odd };
  ks.dbs[0].set('m', odd);
  assert.throws(() => [...writeRdb(ks)], /no RDB encoder for values of type module/);
  assert.is(ks.snapshots.length, 0, 'the copy-on-write snapshot stopped observing');
});

withCheck('redis-check-rdb accepts the file, with and without compression and checksum', () => {
  for (const opts of [{}, { compression: false }, { checksum: false }, { repl: { streamDb: 0, replId: 'a'.repeat(40), offset: 5 } }]) {
    const r = checkRdb(rdbBytes(sampleKeyspace(), opts));
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /RDB looks OK/);
    assert.match(r.stdout, new RegExp(`${STRINGS.length + 4} keys read`));
  }
});

withRedis('real redis-server loads the file: the same keys, values and TTLs, the expired key dropped', async () => {
  const ks = sampleKeyspace();
  // Real time here: Redis judges expiry against its own clock.
  const now = Date.now();
  ks.dbs[0].set('ttl', 'soon', now + 3_600_000);
  ks.dbs[0].set('expired', 'stale', now - 1000);
  ks.dbs[2].set('in-db-2', 'two', now + 7_200_000);
  await withRedisLoading(rdbBytes(ks), async ({ conn }) => {
    // replies compared as Reply values, not plain data
    const cmd = async (...argv: string[]) => {
      conn.send(...argv);
      return conn.read();
    };
    for (const db of ks.dbs) {
      assert.equal(await cmd('SELECT', String(db.id)), { kind: 'simple', text: 'OK' });
      const live = [...db.entries()].filter(([k]) => k !== 'expired');
      assert.equal(await cmd('DBSIZE'), { kind: 'int', value: live.length }, `db ${db.id}`);
      for (const [key, e] of live) {
        assert.equal(await cmd('GET', key), { kind: 'bulk', value: e.value as string }, key);
        assert.equal(await cmd('PEXPIRETIME', key), { kind: 'int', value: e.expiresAt || -1 }, `${key} TTL`);
      }
    }
    assert.equal(await cmd('EXISTS', 'expired'), { kind: 'int', value: 0 });
  });
});

withRedis("each value is encoded byte for byte as Redis encodes it (rdbcompression no)", async () => {
  await withRedisClient(async ({ cmd }) => {
    await cmd('CONFIG', 'SET', 'rdbcompression', 'no');
    for (const [k, v] of STRINGS) await cmd('SET', k, v);
    const theirs = await savedRdb(cmd);
    for (const [k, v] of STRINGS) {
      const one = new Keyspace(new FakeClock(NOW));
      one.dbs[0].set(k, v);
      const f = rdbBytes(one, { ...FIXED, compression: false });
      const mine = f.subarray(f.indexOf(Buffer.from([0xfe, 0, 0xfb, 1, 0])) + 5, f.length - 9);
      assert.ok(theirs.includes(mine), `${k}: ${mine.toString('hex')} not in Redis's file`);
    }
  });
});

test('byte layout of a key uses the shortest length forms', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  ks.dbs[0].set('k'.repeat(63), 'a');
  ks.dbs[0].set('m'.repeat(64), 'b');
  ks.dbs[0].set('n'.repeat(16384), 'c');
  const file = rdbBytes(ks, { ...FIXED, compression: false });
  assert.ok(file.includes(cat([0], [63], B('k'.repeat(63)))));
  assert.ok(file.includes(cat([0], [0x40, 64], B('m'.repeat(64)))));
  assert.ok(file.includes(cat([0], [0x80, 0, 0, 0x40, 0], B('n'.repeat(16384)))));
  assert.is(entries(parseRdb(file).items).length, 3);
});

test.run();
