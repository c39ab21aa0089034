import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadRdb, RdbLoader } from '../../lib/rdb/load';
import { RdbError } from '../../lib/rdb/parse';
import { Logger } from '../../lib/server/log';
import { Keyspace, NO_EXPIRY, type Db } from '../../lib/store/keyspace';
import type { SetValue } from '../../lib/store/set';
import type { List } from '../../lib/store/list';
import type { HashValue } from '../../lib/store/hash';
import type { ZsetValue } from '../../lib/store/zset';
import type { Value } from '../../lib/store/types';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FakeClock } from '../helpers/clock';
import { startInProcess } from '../helpers/inprocess';
import { infoFields } from '../helpers/info';
import { RawConnection } from '../helpers/raw';
import { savedRdb, withRedisClient, type RedisClient } from '../helpers/real-rdb';
import { ask } from '../helpers/resp';
import { hasRedis, tempDir } from '../helpers/servers';
import { until } from '../helpers/wait';
import { cat, entry, f64le, i64le, intset, len, listpack, rdbFile, str } from './rdb-bytes';

const test = suite('rdb/load');
const withRedis = hasRedis ? test : test.skip;

const NOW = 1_700_000_000_000;

function setup() {
  const clock = new FakeClock(NOW);
  const ks = new Keyspace(clock);
  const lines: string[] = [];
  const log = new Logger();
  log.sink = (line) => lines.push(line.replace(/^\d+:M \d\d \w{3} \d{4} [\d:.]+ /, ''));
  return { clock, ks, log, lines };
}

const expireMs = (ms: number) => cat([0xfc], i64le(ms));
/** A value in a form that compares by content (a sorted set's skip list has random levels inside). */
const content = (v: Value): unknown =>
  typeof v === 'string' ? v :
  v.type === 'zset' ? [...(v as ZsetValue).entries()] :
  v.type === 'list' ? (v as List).toArray() :
  v.type === 'set' ? (v as SetValue).members().sort() :
  v.type === 'hash' ? (v as HashValue).entries().sort() : v;
const dump = (db: Db) => [...db.entries()].map(([k, e]) => [k, content(e.value), e.expiresAt]);

const mixedFile = rdbFile([
  cat([0xfa], str('redis-ver'), str('7.0.15')),
  cat([0xfa], str('repl-id'), str('8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb')),
  cat([0xf5], str('#!lua name=lib\nredis.register_function("f", function() return 1 end)')),
  cat([0xfe], len(0), [0xfb], len(9), len(2)),
  entry(0, 'plain', str('v')),
  cat(expireMs(NOW + 60000), entry(0, 'future', str('f'))),
  cat(expireMs(NOW - 1), entry(0, 'past', str('p'))),
  entry(18, 'list1', cat(len(1), len(2), str(listpack(['a', 'b'])))),
  entry(1, 'list2', cat(len(1), str('x'))),
  entry(11, 'set', str(intset(2, [1, 2]))),
  entry(5, 'zset', cat(len(1), str('m'), f64le(1))),
  entry(16, 'hash', str(listpack(['f', 'v']))),
  entry(1, 'empty', len(0)),
  cat([0xfe], len(3)),
  entry(0, 'in3', str('three')),
]);

test('every type lands in its db with its TTL; expired and empty keys are dropped', () => {
  const { ks, log, lines } = setup();
  const stats = loadRdb(ks, mixedFile, { dropExpired: true, log });
  const collections = new Set(['set', 'list1', 'list2', 'hash', 'zset']);
  assert.equal(dump(ks.dbs[0]).filter(([k]) => !collections.has(k as string)), [['plain', 'v', NO_EXPIRY], ['future', 'f', NOW + 60000]]);
  assert.equal((ks.dbs[0].peek('set')?.value as SetValue).members(), ['1', '2']);
  assert.equal((ks.dbs[0].peek('list1')?.value as List).toArray(), ['a', 'b']);
  assert.equal((ks.dbs[0].peek('list2')?.value as List).toArray(), ['x']);
  assert.equal((ks.dbs[0].peek('hash')?.value as HashValue).entries(), [['f', 'v']]);
  assert.is((ks.dbs[0].peek('zset')?.value as ZsetValue).score('m'), 1);
  assert.equal(dump(ks.dbs[3]), [['in3', 'three', NO_EXPIRY]]);
  assert.equal(stats.version, 10);
  assert.is(stats.keysLoaded, 8);
  assert.is(stats.expiredDropped, 1);
  assert.is(stats.emptySkipped, 1);
  assert.equal(stats.skipped, {});
  assert.is(stats.aux['repl-id'], '8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb');
  assert.is(stats.functions.length, 1);
  assert.ok(stats.durationMs >= 0);
  const warnings = lines.filter((l) => l.startsWith('# '));
  assert.equal(warnings, [
    '# rdbLoadObject skipping empty key: empty',
    '# Skipping 1 function libraries: this load does not install them',
  ]);
  assert.ok(lines.includes('* Loading RDB produced by version 7.0.15'));
  assert.ok(lines.includes('* Done loading RDB, keys loaded: 8, keys expired: 1, empty keys skipped: 1.'));
});

test('a replica (dropExpired: false) keeps keys whose TTL has passed', () => {
  const { ks } = setup();
  const stats = loadRdb(ks, mixedFile, { dropExpired: false });
  assert.equal(ks.dbs[0].peek('past')?.expiresAt, NOW - 1);
  assert.is(stats.expiredDropped, 0);
  assert.is(stats.keysLoaded, 9);
});

test('expiry is judged strictly before now, against the clock or the given instant', () => {
  const file = rdbFile([cat(expireMs(NOW), entry(0, 'now', str('1'))), cat(expireMs(NOW - 10), entry(0, 'then', str('2')))]);
  const { ks } = setup();
  loadRdb(ks, file, { dropExpired: true });
  assert.equal(dump(ks.dbs[0]), [['now', '1', NOW]]);
  const other = setup();
  loadRdb(other.ks, file, { dropExpired: true, now: NOW - 100 });
  assert.is(other.ks.dbs[0].size, 2);
});

test('the dataset replaces the old one: old keys go, the flushed hook hears of every db that changes', () => {
  const { ks } = setup();
  ks.dbs[0].set('old', 'x');
  ks.dbs[7].set('gone', 'y');
  const flushed: number[] = [];
  ks.hooks = { modified() {}, expired() {}, flushed: (db) => flushed.push(db.id) };
  loadRdb(ks, mixedFile, { dropExpired: true });
  assert.is(ks.dbs[0].peek('old'), undefined);
  assert.is(ks.dbs[7].size, 0);
  assert.equal(flushed, [0, 3, 7]);
  // The loaded keys belong to the target's dbs: lookups and expiry work through them.
  assert.is(ks.dbs[0].lookup('plain')?.value, 'v');
  ks.dbs[0].set('new', 'z');
  assert.is(ks.dbs[0].size, 8);
});

test('a file that fails half-way leaves the old dataset untouched', () => {
  const bad: [string, Buffer, RegExp][] = [
    ['truncated', mixedFile.subarray(0, mixedFile.length - 30), /^Short read or OOM loading DB/],
    ['db index out of range', rdbFile([entry(0, 'a', str('1')), cat([0xfe], len(16)), entry(0, 'b', str('2'))]),
      /^FATAL: Data file was created with a Redis server configured to handle more than 16 databases\.$/],
    ['duplicate key', rdbFile([entry(0, 'a', str('1')), entry(0, 'a', str('2'))]), /^RDB has duplicated key 'a' in DB 0$/],
    ['bad checksum', Buffer.concat([mixedFile.subarray(0, -1), Buffer.from([mixedFile[mixedFile.length - 1] ^ 1])]), /^Wrong RDB checksum/],
    ['corrupt value', rdbFile([entry(0, 'a', str('1')), entry(16, 'h', str(Buffer.from('not a listpack')))]), /^Hash listpack integrity check failed\.$/],
  ];
  for (const [name, file, message] of bad) {
    const { ks } = setup();
    ks.dbs[0].set('old', 'x', NOW + 5);
    const loader = new RdbLoader(ks, { dropExpired: true });
    try {
      for (let at = 0; at < file.length; at += 7) loader.feed(file.subarray(at, at + 7));
      loader.end();
      assert.unreachable(`${name}: loaded`);
    } catch (e) {
      assert.instance(e, RdbError, name);
      assert.match((e as Error).message, message, name);
    }
    assert.equal(dump(ks.dbs[0]), [['old', 'x', NOW + 5]], name);
    assert.is(ks.keyCount, 1, name);
  }
});

test('function libraries go to the functions option before the keys are swapped in; its error fails the load', () => {
  const { ks, log, lines } = setup();
  ks.dbs[0].set('old', 'kept', NO_EXPIRY);
  const seen: string[][] = [];
  assert.throws(() => loadRdb(ks, mixedFile, {
    dropExpired: true, log,
    functions: (sources) => {
      seen.push(sources);
      assert.ok(ks.dbs[0].peek('old'), 'the old keys are still there while libraries install');
      return "Library 'lib' already exists";
    },
  }), (e: Error) => e instanceof RdbError && e.message === "Failed loading library, Library 'lib' already exists");
  assert.equal(seen, [['#!lua name=lib\nredis.register_function("f", function() return 1 end)']]);
  assert.equal(dump(ks.dbs[0]), [['old', 'kept', NO_EXPIRY]]);
  const stats = loadRdb(ks, mixedFile, { dropExpired: true, log, functions: () => null });
  assert.is(stats.keysLoaded, 8);
  assert.not.ok(ks.dbs[0].peek('old'));
  assert.not.ok(lines.some((l) => l.includes('Skipping 1 function')), 'no warning when the libraries are installed');
});

test('streaming: chunk by chunk gives the same keyspace as the whole buffer', () => {
  const whole = setup();
  loadRdb(whole.ks, mixedFile, { dropExpired: true });
  for (const size of [1, 5, 64]) {
    const { ks } = setup();
    const loader = new RdbLoader(ks, { dropExpired: true });
    for (let at = 0; at < mixedFile.length; at += size) loader.feed(mixedFile.subarray(at, at + size));
    const stats = loader.end();
    assert.is(stats.keysLoaded, 8);
    assert.equal(ks.dbs.map(dump), whole.ks.dbs.map(dump), `${size}-byte chunks`);
    assert.is(loader.end(), stats, 'end() twice does not swap twice');
    assert.is(ks.keyCount, 8);
  }
});

test("expiry sentinels: a stored -1 is no TTL (Redis's loader sentinel), 0 is clamped to 1 ms on a replica", () => {
  const file = rdbFile([cat(expireMs(-1), entry(0, 'minus-one', str('a'))), cat(expireMs(0), entry(0, 'zero', str('b')))]);
  const { ks } = setup();
  loadRdb(ks, file, { dropExpired: false });
  assert.equal(dump(ks.dbs[0]), [['minus-one', 'a', NO_EXPIRY], ['zero', 'b', 1]]);
  assert.ok(ks.dbs[0].volatile.has('zero'));
});

test('IDLE sets the key as last used that many seconds ago', () => {
  const file = rdbFile([cat([0xf8], len(120), entry(0, 'idle', str('a')))]);
  const { ks } = setup();
  loadRdb(ks, file, { dropExpired: true });
  assert.is(ks.dbs[0].peek('idle')!.lru, Math.floor(NOW / 1000) - 120);
});

test('a keyspace with fewer dbs refuses a SELECTDB beyond them', () => {
  const ks = new Keyspace(new FakeClock(NOW), 4);
  assert.throws(() => loadRdb(ks, rdbFile([cat([0xfe], len(4)), entry(0, 'a', str('1'))]), { dropExpired: true }),
    /configured to handle more than 4 databases/);
  loadRdb(ks, rdbFile([cat([0xfe], len(3)), entry(0, 'a', str('1'))]), { dropExpired: true });
  assert.is(ks.dbs[3].peek('a')?.value, '1');
});

// ---- encodings after loading, under the server's limits, against real redis-server --------------------------

/** Roomy limits for the server that writes the file: small collections stay listpacks and intsets. */
const WRITER_LIMITS = [
  '--hash-max-listpack-entries', '1000', '--hash-max-listpack-value', '1000',
  '--zset-max-listpack-entries', '1000', '--zset-max-listpack-value', '1000', '--set-max-intset-entries', '2000',
];
/** Tight limits for the servers that load it. */
const READER_LIMITS: [string, string][] = [
  ['hash-max-listpack-entries', '6'], ['hash-max-listpack-value', '10'],
  ['zset-max-listpack-entries', '6'], ['zset-max-listpack-value', '10'], ['set-max-intset-entries', '6'],
];
const readerArgs = READER_LIMITS.flatMap(([k, v]) => [`--${k}`, v]);

const long = 'L'.repeat(50);
const n = (count: number, f: (i: number) => string[]) => Array.from({ length: count }, (_, i) => f(i)).flat();
/** Keys the writer builds, the encoding each has there, and the one Redis 7.0 gives it loading it under READER_LIMITS. */
const ENCODED: [key: string, build: string[][], written: string, afterLoad: string][] = [
  // Stored as a listpack: only the count is checked on load, so long values stay in the listpack.
  ['h-long', [['HSET', 'h-long', 'a', long, 'b', '1', long, 'c']], 'listpack', 'listpack'],
  ['h-many', [['HSET', 'h-many', ...n(10, (i) => [`f${i}`, 'v'])]], 'listpack', 'hashtable'],
  // Stored as a hash table (written while the writer's entry limit was 0): both limits are checked.
  ['h-plain-small', [['HSET', 'h-plain-small', 'a', '1', 'b', 'short']], 'hashtable', 'listpack'],
  ['h-plain-long', [['HSET', 'h-plain-long', 'a', '1', 'b', 'elevenchars']], 'hashtable', 'hashtable'],
  ['z-long', [['ZADD', 'z-long', '1', long, '2', 'b']], 'listpack', 'listpack'],
  ['z-many', [['ZADD', 'z-many', ...n(10, (i) => [String(i), `m${i}`])]], 'listpack', 'skiplist'],
  ['z-plain-small', [['ZADD', 'z-plain-small', '1', 'a', '2', 'b']], 'skiplist', 'listpack'],
  ['z-plain-long', [['ZADD', 'z-plain-long', '1', 'a', '2', 'elevenchars']], 'skiplist', 'skiplist'],
  ['s-ints', [['SADD', 's-ints', '1', '2', '3', '-4', '5']], 'intset', 'intset'],
  ['s-many-ints', [['SADD', 's-many-ints', ...n(10, (i) => [String(i * 7)])]], 'intset', 'hashtable'],
  // A hash-table set of integers (it once held a string): loaded back as an intset when few enough.
  ['s-plain-ints', [['SADD', 's-plain-ints', '1', '2', 'x'], ['SREM', 's-plain-ints', 'x']], 'hashtable', 'intset'],
  ['s-strings', [['SADD', 's-strings', 'a', 'b']], 'hashtable', 'hashtable'],
];
const PLAIN_WHILE_WRITING = new Set(['h-plain-small', 'h-plain-long', 'z-plain-small', 'z-plain-long']);

/** Build every ENCODED key on the writer; the "plain" ones while its listpack entry limits are 0. */
async function buildEncoded(cmd: RedisClient['cmd']): Promise<void> {
  for (const [key, build] of ENCODED) {
    const plain = PLAIN_WHILE_WRITING.has(key);
    if (plain) await cmd('CONFIG', 'SET', 'hash-max-listpack-entries', '0', 'zset-max-listpack-entries', '0');
    for (const argv of build) await cmd(...argv);
    if (plain) await cmd('CONFIG', 'SET', 'hash-max-listpack-entries', '1000', 'zset-max-listpack-entries', '1000');
  }
  for (const [key, , written] of ENCODED) assert.is(await cmd('OBJECT', 'ENCODING', key), written, `${key} as written`);
}

async function encodingsOn(port: number): Promise<Record<string, string>> {
  const c = await RawConnection.connect(port);
  try {
    const out: Record<string, string> = {};
    for (const [key] of ENCODED) out[key] = await ask(c, 'OBJECT', 'ENCODING', key);
    return out;
  } finally {
    c.close();
  }
}

const expectedEncodings = () => Object.fromEntries(ENCODED.map(([key, , , enc]) => [key, enc]));

withRedis('a file real Redis wrote under roomy limits loads with the encodings Redis gives it under the configured ones', async () => {
  const dir = tempDir('rdb-limits-');
  await withRedisClient(async ({ cmd }) => {
    await buildEncoded(cmd);
    writeFileSync(path.join(dir, 'dump.rdb'), await savedRdb(cmd));
  }, WRITER_LIMITS);
  // Real Redis, started on that file under the tight limits, is the reference; so is the table above.
  const want = await withRedisClient(async ({ conn }) => encodingsOn(conn.socket.remotePort!), ['--dir', dir, ...readerArgs]);
  assert.equal(want, expectedEncodings());
  const toy = await startInProcess({ config: [['dir', dir], ...READER_LIMITS] });
  try {
    assert.equal(await encodingsOn(toy.port), want);
  } finally {
    await toy.stop();
  }
  // The same file under the default limits: the 50-byte values are within them, the 10-element sets too.
  const toyDefaults = await startInProcess({ config: [['dir', dir]] });
  try {
    const got = await encodingsOn(toyDefaults.port);
    assert.equal(got, await withRedisClient(async ({ conn }) => encodingsOn(conn.socket.remotePort!), ['--dir', dir]));
    assert.is(got['h-many'], 'listpack');
  } finally {
    await toyDefaults.stop();
  }
});

withRedis('RESTORE encodes as loading does, under the configured limits', async () => {
  const payloads = await withRedisClient(async ({ cmd }) => {
    await buildEncoded(cmd);
    const out: [string, Buffer][] = [];
    for (const [key] of ENCODED) out.push([key, Buffer.from(await cmd('DUMP', key), 'latin1')]);
    return out;
  }, WRITER_LIMITS);
  const restoreAll = async (port: number) => {
    const c = await RawConnection.connect(port);
    try {
      for (const [key, payload] of payloads) assert.is(await ask(c, 'RESTORE', key, '0', payload), 'OK', key);
    } finally {
      c.close();
    }
    return encodingsOn(port);
  };
  const want = await withRedisClient(async ({ conn }) => restoreAll(conn.socket.remotePort!), readerArgs);
  assert.equal(want, expectedEncodings());
  const toy = await startInProcess({ config: READER_LIMITS });
  try {
    assert.equal(await restoreAll(toy.port), want);
  } finally {
    await toy.stop();
  }
});

withRedis('an AOF whose base is an RDB real Redis wrote loads under the configured limits', async () => {
  const dir = tempDir('aof-limits-');
  await withRedisClient(async ({ cmd, conn }) => {
    await buildEncoded(cmd);
    await cmd('BGREWRITEAOF');
    await until(async () => {
      const info = await infoFields(conn, 'persistence');
      return info.get('aof_rewrite_in_progress') === '0' && info.get('aof_rewrite_scheduled') === '0' && info.get('aof_last_bgrewrite_status') === 'ok';
    }, 'the AOF rewrite', 20000, 20);
    const from = path.join((await cmd('CONFIG', 'GET', 'dir'))[1], 'appendonlydir');
    mkdirSync(path.join(dir, 'appendonlydir'));
    for (const f of readdirSync(from)) copyFileSync(path.join(from, f), path.join(dir, 'appendonlydir', f));
  }, [...WRITER_LIMITS, '--appendonly', 'yes']);
  assert.ok(readdirSync(path.join(dir, 'appendonlydir')).some((f) => f.endsWith('.base.rdb')), 'the base is an RDB');
  const toy = await startInProcess({ config: [['dir', dir], ['appendonly', 'yes'], ...READER_LIMITS] });
  try {
    assert.equal(await encodingsOn(toy.port), expectedEncodings());
  } finally {
    await toy.stop();
  }
});

withRedis("a replica loads its master's RDB under its own limits", async () => {
  await withRedisClient(async ({ cmd, conn }) => {
    await buildEncoded(cmd);
    const toy = await startInProcess({ config: [['replicaof', `127.0.0.1 ${conn.socket.remotePort}`], ...READER_LIMITS] });
    try {
      const c = await toy.connect();
      await until(async () => (await infoFields(c, 'replication')).get('master_link_status') === 'up', 'the replica to sync', 20000, 20);
      assert.equal(await encodingsOn(toy.port), expectedEncodings());
    } finally {
      await toy.stop();
    }
  }, WRITER_LIMITS);
});

test.run();
