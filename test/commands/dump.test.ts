import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Propagated, runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { freePort, hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { arity, ask, bulk, bulks, err, int, NIL, NOT_INT, OK, SYNTAX } from '../helpers/resp';
import { crc64 } from '../../lib/rdb/crc64';
import { blockedOnKeysCount } from '../../lib/server/blocking';

const test = suite('commands/dump');
const withRedis = hasRedis ? test : test.skip;

const BUSYKEY = err('BUSYKEY Target key name already exists.');
const BAD_PAYLOAD = err('ERR DUMP payload version or checksum are wrong');
const BAD_DATA = err('ERR Bad data format');

/** A payload around an RDB value body: version (LE 16) and CRC64 (LE 64) of everything before it. */
function payload(body: string, version = 10): string {
  const head = Buffer.concat([Buffer.from(body, 'latin1'), Buffer.from([version & 0xff, version >> 8])]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(head));
  return Buffer.concat([head, crc]).toString('latin1');
}

/** The payload Redis 7.0 gives for SET k hello, byte for byte. */
const HELLO = payload('\x00\x05hello');

let srv: InProcess;
let conn: RawConnection;
let propagated: Propagated;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
  propagated = new Propagated(srv);
});

test.after.each(() => srv.stop());

const cmd = (...argv: string[]) => ask(conn, ...argv);
/** Send one command; return what it propagated to replicas. */
const propagation = (...argv: string[]) => propagated.of(conn, ...argv);

test('DUMP: nil for a missing key, the exact payload for a string', async () => {
  await runRows(conn, [
    [['DUMP'], arity('dump')],
    [['DUMP', 'a', 'b'], arity('dump')],
    [['DUMP', 'nokey'], NIL],
    [['SET', 'k', 'hello'], OK],
    [['DUMP', 'k'], bulk(HELLO)],
    [['SET', 'n', '-300'], OK],
    [['DUMP', 'n'], bulk(payload('\x00\xc1\xd4\xfe'))], // an int16-encoded string
  ]);
});

test('RESTORE: option, BUSYKEY, TTL and payload errors, in Redis order', async () => {
  await runRows(conn, [
    [['RESTORE', 'k', '0'], arity('restore')],
    [['SET', 'busy', 'x'], OK],
    [['RESTORE', 'busy', '0', '...', 'invalid-option'], SYNTAX],
    [['RESTORE', 'busy', 'x', '...', 'IDLETIME'], SYNTAX],
    [['RESTORE', 'busy', 'x', '...', 'IDLETIME', 'x'], NOT_INT],
    [['RESTORE', 'busy', 'x', '...', 'IDLETIME', '-1'], err('ERR Invalid IDLETIME value, must be >= 0')],
    [['RESTORE', 'busy', 'x', '...', 'FREQ', '256'], err('ERR Invalid FREQ value, must be >= 0 and <= 255')],
    [['RESTORE', 'busy', 'x', '...', 'FREQ', '-1'], err('ERR Invalid FREQ value, must be >= 0 and <= 255')],
    [['RESTORE', 'busy', 'x', '...', 'IDLETIME', '1', 'FREQ', '1'], SYNTAX],
    [['RESTORE', 'busy', 'x', '...', 'FREQ', '1', 'IDLETIME', '1'], SYNTAX],
    [['RESTORE', 'busy', 'x', '...'], BUSYKEY],
    [['RESTORE', 'busy', '0', HELLO], BUSYKEY],
    [['RESTORE', 'k', 'x', '...'], NOT_INT],
    [['RESTORE', 'k', '-1', HELLO], err('ERR Invalid TTL value, must be >= 0')],
    [['RESTORE', 'busy', '-1', '...', 'REPLACE'], err('ERR Invalid TTL value, must be >= 0')],
    [['RESTORE', 'k', '0', '...'], BAD_PAYLOAD],
    [['RESTORE', 'k', '0', ''], BAD_PAYLOAD],
    [['RESTORE', 'k', '0', HELLO.slice(0, -1) + '\x00'], BAD_PAYLOAD],
    [['RESTORE', 'k', '0', payload('\x00\x05hello', 11)], BAD_PAYLOAD], // 7.2's RDB 11
    [['RESTORE', 'k', '0', payload('\x08\x05hello')], BAD_DATA], // no type 8
    [['RESTORE', 'k', '0', payload('\x14\x05hello')], BAD_DATA], // 7.2's set listpack
    [['RESTORE', 'k', '0', payload('\x02\x00')], BAD_DATA], // an empty set
    [['RESTORE', 'k', '0', payload('\x02\x02\x01a\x01a')], BAD_DATA], // a repeated member
    [['RESTORE', 'k', '0', payload('\x00\x40')], BAD_DATA], // a string longer than the payload
    [['RESTORE', 'k', '0', payload('\x07\x81\x00\x00\x00\x00\x00\x00\x04\x01')], BAD_DATA], // module data
    [['EXISTS', 'k'], int(0)],
    [['RESTORE', 'k', '0', HELLO, 'replace', 'ABSTTL'], OK],
    [['GET', 'k'], bulk('hello')],
    [['RESTORE', 'k\0', '0', HELLO, 'REPLACE\0junk'], OK], // options are C strings
    [['GET', 'k\0'], bulk('hello')],
  ]);
});

test('RESTORE reads the value from the start and leaves the bytes after it, as Redis does', async () => {
  await runRows(conn, [
    [['RESTORE', 'k', '0', payload('\x00\x02hi and then some')], OK],
    [['GET', 'k'], bulk('hi')],
    // a value that runs into the footer is read from it, when the checksum still matches
    [['RESTORE', 'k2', '0', payload('\x00\x03a')], OK],
    [['STRLEN', 'k2'], int(3)],
  ]);
});

test('TTL: relative and ABSTTL, propagated as an absolute time; a master drops a key already past it', async () => {
  const now = srv.clock.ms;
  await runRows(conn, [
    [['RESTORE', 'k', '5000', HELLO], OK],
    [['PTTL', 'k'], int(5000)],
    [['RESTORE', 'k2', '2569591501', HELLO], OK],
    [['PTTL', 'k2'], int(2569591501)],
    [['RESTORE', 'k3', String(now + 3000), HELLO, 'ABSTTL'], OK],
    [['PTTL', 'k3'], int(3000)],
    [['RESTORE', 'k4', String(now), HELLO, 'ABSTTL'], OK],
    [['EXISTS', 'k4'], int(0)],
  ]);
  assert.equal(await propagation('RESTORE', 'a', '100', HELLO, 'REPLACE'), [['RESTORE', 'a', String(now + 100), HELLO, 'REPLACE', 'ABSTTL']]);
  assert.equal(await propagation('RESTORE', 'b', String(now + 100), HELLO, 'ABSTTL'), [['RESTORE', 'b', String(now + 100), HELLO, 'ABSTTL']]);
  assert.equal(await propagation('RESTORE', 'c', '0', HELLO), [['RESTORE', 'c', '0', HELLO]]);
  assert.equal(await propagation('RESTORE', 'd', '1', HELLO, 'ABSTTL'), [], 'nothing created, nothing to say');
  assert.equal(await propagation('RESTORE', 'a', '1', HELLO, 'ABSTTL', 'REPLACE'), [['DEL', 'a']], 'the replaced key is deleted');
  await runRows(conn, [[['EXISTS', 'a'], int(0)]]);
  // a TTL that overflows int64 when added to now wraps negative, as in C: already expired
  await runRows(conn, [[['RESTORE', 'e', '9223372036854775807', HELLO], OK], [['EXISTS', 'e'], int(0)]]);
});

test('a replica creates a key already past its TTL and leaves it to its master', async () => {
  const masterPort = await freePort(); // nothing listens: the replica keeps trying in the background
  await runRows(conn, [
    [['CONFIG', 'SET', 'replica-read-only', 'no'], OK],
    [['REPLICAOF', '127.0.0.1', String(masterPort)], OK],
    [['RESTORE', 'k', '1', HELLO, 'ABSTTL'], OK],
    [['EXISTS', 'k'], int(0)],
  ]);
  assert.ok(srv.server.keyspace.dbs[0].peek('k'), 'held until the master says DEL');
  await runRows(conn, [[['REPLICAOF', 'NO', 'ONE'], OK]]);
});

test('IDLETIME under an LRU policy, FREQ under an LFU one; each ignored under the other', async () => {
  const ks = srv.server.keyspace;
  await runRows(conn, [
    [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], OK],
    [['RESTORE', 'k', '0', HELLO, 'IDLETIME', '1000'], OK],
    [['OBJECT', 'IDLETIME', 'k'], int(1000)],
    [['RESTORE', 'k2', '0', HELLO, 'FREQ', '100'], OK],
    [['OBJECT', 'IDLETIME', 'k2'], int(0)],
    [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'], OK],
  ]);
  ks.lfu = true; // what an LFU maxmemory-policy means to the keyspace (the server does not wire it from the config yet)
  await runRows(conn, [
    [['RESTORE', 'k3', '0', HELLO, 'FREQ', '100'], OK],
    [['OBJECT', 'FREQ', 'k3'], int(100)],
    [['RESTORE', 'k4', '0', HELLO, 'IDLETIME', '100'], OK],
    [['OBJECT', 'FREQ', 'k4'], int(5)], // a new key's counter
  ]);
});

test('IDLETIME past the 24-bit LRU clock folds as in Redis', async () => {
  await runRows(conn, [
    [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], OK],
    // clock - (2^24 + 7) is negative: adding LRU_CLOCK_MAX (2^24 - 1) once leaves clock - 8
    [['RESTORE', 'k', '0', HELLO, 'IDLETIME', String(2 ** 24 + 7)], OK],
    [['OBJECT', 'IDLETIME', 'k'], int(8)],
    [['RESTORE', 'k2', '0', HELLO, 'IDLETIME', '1000000000000000'], OK], // idle * 1000 still fits in 64 bits
    [['OBJECT', 'IDLETIME', 'k2'], int(foldedIdle(1000000000000000n))],
  ]);
});

/** What Redis reports after IDLETIME `idle` at the fake clock's time (objectSetLRUOrLFU, estimateObjectIdleTime). */
function foldedIdle(idle: bigint): number {
  const max = (1n << 24n) - 1n;
  const clock = BigInt(Math.floor(srv.clock.ms / 1000)) & max;
  let abs = clock - idle;
  if (abs < 0n) abs += max;
  const lru = BigInt.asUintN(24, abs);
  return Number(clock >= lru ? clock - lru : clock + (max - lru));
}

test('RESTORE REPLACE over another type; a restored list wakes a blocked client', async () => {
  const listPayload = await (async () => {
    await cmd('RPUSH', 'src', 'a', 'b');
    return cmd('DUMP', 'src');
  })();
  await runRows(conn, [
    [['HSET', 'h', 'f', 'v'], int(1)],
    [['RESTORE', 'h', '0', listPayload], BUSYKEY],
    [['RESTORE', 'h', '0', listPayload, 'REPLACE'], OK],
    [['TYPE', 'h'], '+list\r\n'],
    [['LRANGE', 'h', '0', '-1'], bulks('a', 'b')],
  ]);
  const blocked = await srv.connect();
  try {
    blocked.send('BLPOP', 'dst', '0');
    while (blockedOnKeysCount(srv.server) === 0) await new Promise((r) => setImmediate(r));
    await runRows(conn, [[['RESTORE', 'dst', '0', listPayload], OK]]);
    assert.is(await blocked.readRaw(), bulks('dst', 'a'));
    await runRows(conn, [[['LRANGE', 'dst', '0', '-1'], bulks('b')]]);
  } finally {
    blocked.close();
  }
});

/** Commands that give keys of every type and encoding toyredis holds, small and big. */
function datasetCommands(): string[][] {
  const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
  return [
    ['SET', 'str', 'hello'], ['SET', 'int', '12345'], ['SET', 'bigint', '12345678901'], ['SET', 'bin', '\0\r\n\xff'],
    ['SET', 'long', 'abc'.repeat(50)], ['SET', 'empty', ''],
    ['RPUSH', 'list', 'a', '1', '-70000', '\xff', ''], ['RPUSH', 'biglist', ...many(3000, (i) => (i % 2 ? `el-${i}` : String(i)))],
    ['RPUSH', 'longel', 'x'.repeat(9000), 'y'],
    ['SADD', 'intset', '3', '-1', '70000', '5000000000'], ['SADD', 'set', 'a', 'b', 'c', '1'], ['SADD', 'bigset', ...many(600, String)],
    ['HSET', 'hash', 'f1', 'v1', 'f2', '2', 'n', '-3'], ['HSET', 'bighash', ...many(1200, (i) => `f${i >> 1}-${i}`)],
    ['HSET', 'longhash', 'f', 'v'.repeat(100)],
    ['ZADD', 'zset', '1', 'a', '2.5', 'b', '-inf', 'c', '1e300', 'd'], ['ZADD', 'bigzset', ...many(400, (i) => (i % 2 ? `m${i}` : String(i / 7)))],
  ];
}

/** Each key's type and full content as plain data, in an order that does not depend on encodings. */
async function contents(c: RawConnection, key: string): Promise<unknown> {
  const type = await ask(c, 'TYPE', key);
  switch (type) {
    case 'string':
      return [type, await ask(c, 'GET', key)];
    case 'list':
      return [type, await ask(c, 'LRANGE', key, '0', '-1')];
    case 'set':
      return [type, (await ask(c, 'SMEMBERS', key)).sort()];
    case 'hash': {
      const flat: string[] = await ask(c, 'HGETALL', key);
      const pairs: string[] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
      return [type, pairs.sort()];
    }
    case 'zset':
      return [type, await ask(c, 'ZRANGE', key, '0', '-1', 'WITHSCORES')];
    default:
      return [type];
  }
}

const KEYS = ['str', 'int', 'bigint', 'bin', 'long', 'empty', 'list', 'biglist', 'longel', 'intset', 'set', 'bigset', 'hash', 'bighash', 'longhash', 'zset', 'bigzset'];

test('DUMP then RESTORE gives back every type and encoding, with its TTL', async () => {
  for (const argv of datasetCommands()) await cmd(...argv);
  for (const key of KEYS) {
    const dumped: string = await cmd('DUMP', key);
    assert.is(await cmd('RESTORE', `${key}:copy`, '60000', dumped), 'OK', key);
    assert.equal(await contents(conn, `${key}:copy`), await contents(conn, key), key);
    assert.is(await cmd('OBJECT', 'ENCODING', `${key}:copy`), await cmd('OBJECT', 'ENCODING', key), key);
    assert.is(await cmd('PTTL', `${key}:copy`), 60000);
    assert.is(await cmd('DUMP', `${key}:copy`), dumped, `${key}: the copy dumps the same`);
  }
});

withRedis('the same payload bytes as Redis 7.0 where the encoding decides them (no LZF: rdbcompression no)', async () => {
  await withRealRedis(async (real) => {
    const setup = [['CONFIG', 'SET', 'rdbcompression', 'no'], ...datasetCommands()];
    for (const argv of setup) {
      assert.is(await cmd(...argv), await ask(real, ...argv), argv.join(' ').slice(0, 60));
    }
    // a hash table (big set, big hash) iterates in an order of its own: compared by content below
    for (const key of KEYS.filter((k) => k !== 'set' && k !== 'bigset' && k !== 'bighash')) {
      assert.is(await cmd('DUMP', key), await ask(real, 'DUMP', key), key);
    }
    for (const fill of ['-1', '5', '0']) {
      await cmd('CONFIG', 'SET', 'list-max-listpack-size', fill);
      await ask(real, 'CONFIG', 'SET', 'list-max-listpack-size', fill);
      await ask(real, 'DEL', 'biglist');
      await ask(real, 'RPUSH', 'biglist', ...(await cmd('LRANGE', 'biglist', '0', '-1')));
      assert.is(await cmd('DUMP', 'biglist'), await ask(real, 'DUMP', 'biglist'), `list-max-listpack-size ${fill}`);
    }
  });
});

withRedis('with rdbcompression (the default), short values and strings LZF cannot shrink dump the same', async () => {
  await withRealRedis(async (real) => {
    for (const argv of [['SET', 'k', 'hello'], ['RPUSH', 'l', 'a', 'b', 'c'], ['SADD', 's', '1', '2'], ['HSET', 'h', 'f', 'v'], ['ZADD', 'z', '1', 'm'], ['SET', 'r', 'abcdefghijklmnopqrstuvwxyz0123456789']]) {
      await cmd(...argv);
      await ask(real, ...argv);
      assert.is(await cmd('DUMP', argv[1]), await ask(real, 'DUMP', argv[1]), argv[1]);
    }
  });
});

withRedis('payloads cross both ways: Redis DUMP → toyredis RESTORE, toyredis DUMP → Redis RESTORE', async () => {
  await withRealRedis(async (real) => {
    // Redis compresses inner quicklist nodes with a compress depth: those payloads must load too
    await ask(real, 'CONFIG', 'SET', 'list-compress-depth', '1');
    for (const argv of datasetCommands()) {
      await cmd(...argv);
      await ask(real, ...argv);
    }
    for (const key of KEYS) {
      const theirs: string = await ask(real, 'DUMP', key);
      assert.is(await cmd('RESTORE', `${key}:from-redis`, '0', theirs), 'OK', `${key} from Redis`);
      assert.equal(await contents(conn, `${key}:from-redis`), await contents(real, key), `${key} from Redis`);
      const mine: string = await cmd('DUMP', key);
      assert.is(await ask(real, 'RESTORE', `${key}:from-toyredis`, '0', mine), 'OK', `${key} into Redis`);
      assert.equal(await contents(real, `${key}:from-toyredis`), await contents(conn, key), `${key} into Redis`);
    }
    // a stream from Redis restores too, entries and all
    await ask(real, 'XADD', 'stream', '1-1', 'f', 'v');
    assert.is(await cmd('RESTORE', 'stream', '0', await ask(real, 'DUMP', 'stream')), 'OK');
    assert.equal(await cmd('XRANGE', 'stream', '-', '+'), [['1-1', ['f', 'v']]]);
    // and with our own compress depth, Redis loads the compressed nodes we write
    await cmd('CONFIG', 'SET', 'list-compress-depth', '1');
    const mine: string = await cmd('DUMP', 'biglist');
    assert.is(await ask(real, 'RESTORE', 'depth', '0', mine), 'OK');
    assert.equal(await contents(real, 'depth'), await contents(conn, 'biglist'));
  });
});

withRedis('differential: RESTORE replies and errors against real redis-server', async () => {
  await withRealRedis(async (real) => {
    // toyredis always validates a payload fully: what Redis does with sanitize-dump-payload yes
    const rows: string[][] = [
      ['CONFIG', 'SET', 'sanitize-dump-payload', 'yes'], ['SET', 'busy', 'x'], ['RESTORE', 'busy', '0', HELLO], ['RESTORE', 'busy', '0', 'x', 'BAD'], ['RESTORE', 'k', '-5', HELLO],
      ['RESTORE', 'k', '0', 'short'], ['RESTORE', 'k', '0', payload('\x00\x05hello', 11)], ['RESTORE', 'k', '0', payload('\x15\x00')],
      ['RESTORE', 'k', '0', payload('\x02\x00')], ['RESTORE', 'k', '0', payload('\x0b\x00')], ['RESTORE', 'k', '0', payload('\x04\x02\x01a\x01b\x01a\x01c')],
      ['RESTORE', 'k', '0', payload('\x00\x03a')], ['GET', 'k'], ['DEL', 'k'],
      ['RESTORE', 'k', '0', payload('\x01\x02\x01a')], ['RESTORE', 'k', '0', payload('\x00\x02hi and then some')], ['GET', 'k'],
      ['RESTORE', 'k', '0', HELLO, 'IDLETIME', '5', 'IDLETIME', '6', 'REPLACE'], ['RESTORE', 'k', '0', HELLO, 'FREQ', '300'],
      ['RESTORE', 'k', '0', HELLO, 'FREQ'], ['RESTORE', 'k', '1', HELLO, 'ABSTTL', 'REPLACE'], ['EXISTS', 'k'], ['DUMP', 'k'],
      ['RESTORE', 'l', '0', payload('\x12\x01\x02\x0a\x0a\x00\x00\x00\x01\x00\x81a\x02\xff')], ['LRANGE', 'l', '0', '-1'],
      ['RESTORE', 'l2', '0', payload('\x12\x01\x03\x0a\x0a\x00\x00\x00\x01\x00\x81a\x02\xff')],
      ['RESTORE', 'l3', '0', payload('\x12\x01\x02\x0a\x0b\x00\x00\x00\x01\x00\x81a\x02\xff')],
    ];
    await sameReplies(conn, real, rows);
  });
});

test.run();
