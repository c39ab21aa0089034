import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Propagated, runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { arity, arr, bulk, bulks, EMPTY, err, int, NIL, NOT_INT, OK, QUEUED, SYNTAX, WRONGTYPE } from '../helpers/resp';
import { sortScore } from '../../lib/commands/sort';
import { blockedOnKeysCount } from '../../lib/server/blocking';

const test = suite('commands/sort');

const BAD_DOUBLE = err("ERR One or more scores can't be converted into double");

let srv: InProcess;
let conn: RawConnection;
let propagated: Propagated;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
  propagated = new Propagated(srv);
});

test.after.each(() => srv.stop());

/** Send one command; return what it propagated to replicas. */
const propagation = (...argv: string[]) => propagated.of(conn, ...argv);

test('sortScore: strtod over the whole C string, refusing NaN and what is out of range', () => {
  const cases: [string, number | null][] = [
    ['12', 12], ['-1.5', -1.5], ['', 0], [' \t12', 12], ['12 ', null], ['  ', null], ['+3', 3], ['.5', 0.5], ['5.', 5],
    ['1e3', 1000], ['1E-2', 0.01], ['1e', null], ['e5', null], ['.', null], ['+', null], ['-0', -0],
    ['inf', Infinity], ['-Infinity', -Infinity], ['+INF', Infinity], ['infinit', null], ['nan', null], ['-nan', null],
    ['1e309', null], ['-1e309', null], ['1e-400', null], ['0e-400', 0], ['1e-310', null], ['2.2250738585072014e-308', 2.2250738585072014e-308],
    ['0x10', 16], ['0x1.8p1', 3], ['-0x.8', -0.5], ['0x1p-1074', 5e-324], ['0x3p-1075', null], ['0x1p1024', null], ['0x', null], ['0x1p', null],
    ['12\0abc', 12], ['\0', 0], ['1_0', null], ['0b11', null], ['0o7', null], ['1,5', null],
  ];
  for (const [text, want] of cases) assert.is(sortScore(text), want, JSON.stringify(text));
});

test('numeric and ALPHA sorts of lists, sets and sorted sets; ASC DESC LIMIT', async () => {
  await runRows(conn, [
    [['SORT'], arity('sort')],
    [['SORT', 'nokey'], EMPTY],
    [['RPUSH', 'l', '3', '1', '2', '10', '-1.5', '1e1'], int(6)],
    [['SORT', 'l'], bulks('-1.5', '1', '2', '3', '10', '1e1')], // equal scores sort by their bytes
    [['SORT', 'l', 'DESC'], bulks('1e1', '10', '3', '2', '1', '-1.5')],
    [['SORT', 'l', 'ALPHA'], bulks('-1.5', '1', '10', '1e1', '2', '3')],
    [['SORT', 'l', 'alpha', 'desc'], bulks('3', '2', '1e1', '10', '1', '-1.5')],
    [['SORT', 'l', 'LIMIT', '1', '2'], bulks('1', '2')],
    [['SORT', 'l', 'LIMIT', '-5', '2'], bulks('-1.5', '1')],
    [['SORT', 'l', 'LIMIT', '4', '100'], bulks('10', '1e1')],
    [['SORT', 'l', 'LIMIT', '6', '1'], EMPTY],
    [['SORT', 'l', 'LIMIT', '2', '0'], EMPTY],
    [['SORT', 'l', 'LIMIT', '2', '-1'], bulks('2', '3', '10', '1e1')],
    [['SORT', 'l', 'LIMIT', '2', '9223372036854775807'], bulks('2', '3', '10', '1e1')],
    [['SORT', 'l', 'DESC', 'ASC'], bulks('-1.5', '1', '2', '3', '10', '1e1')],
    [['SADD', 's', '5', '-2', '30'], int(3)],
    [['SORT', 's'], bulks('-2', '5', '30')],
    [['SORT', 's', 'ALPHA'], bulks('-2', '30', '5')],
    [['ZADD', 'z', '1', 'b', '2', 'a', '3', 'c'], int(3)],
    [['SORT', 'z', 'ALPHA'], bulks('a', 'b', 'c')],
    [['SORT', 'z'], BAD_DOUBLE],
    [['RPUSH', 'bad', '1', 'x', '2'], int(3)],
    [['SORT', 'bad'], BAD_DOUBLE],
    [['SORT', 'bad', 'ALPHA'], bulks('1', '2', 'x')],
  ]);
});

test('ALPHA compares as strcoll in the C locale (to a NUL byte) unless STOREd, when whole strings are compared', async () => {
  await runRows(conn, [
    [['RPUSH', 'l', 'a\0c', 'B', 'a\0b', '\xff', 'a'], int(5)],
    // a\0c, a\0b and a are equal up to their NUL: they keep their order
    [['SORT', 'l', 'ALPHA'], bulks('B', 'a\0c', 'a\0b', 'a', '\xff')],
    [['SORT', 'l', 'ALPHA', 'STORE', 'dst'], int(5)],
    [['LRANGE', 'dst', '0', '-1'], bulks('B', 'a', 'a\0b', 'a\0c', '\xff')],
  ]);
});

test('BY: string keys, hash fields, missing weights, constants (nosort) and their native orders', async () => {
  await runRows(conn, [
    [['RPUSH', 'l', 'a', 'b', 'c', 'd'], int(4)],
    [['MSET', 'w_a', '3', 'w_b', '1', 'w_c', '2'], OK],
    [['HSET', 'h_a', 'f', 'z'], int(1)],
    [['HSET', 'h_b', 'f', 'y'], int(1)],
    [['HSET', 'h_d', 'f', 'x'], int(1)],
    [['SORT', 'l', 'BY', 'w_*'], bulks('d', 'b', 'c', 'a')], // d has no weight: 0
    [['SORT', 'l', 'BY', 'w_*', 'DESC'], bulks('a', 'c', 'b', 'd')],
    [['SORT', 'l', 'BY', 'h_*->f', 'ALPHA'], bulks('c', 'd', 'b', 'a')], // c has no field: first
    [['SORT', 'l', 'BY', 'h_*->f', 'ALPHA', 'DESC'], bulks('a', 'b', 'd', 'c')],
    [['SORT', 'l', 'BY', 'h_*->f'], BAD_DOUBLE],
    [['SORT', 'l', 'BY', 'h_*->nofield'], bulks('a', 'b', 'c', 'd')],
    [['SORT', 'l', 'BY', 'w_*', 'LIMIT', '1', '2'], bulks('b', 'c')],
    [['SORT', 'l', 'BY', 'nosort'], bulks('a', 'b', 'c', 'd')],
    [['SORT', 'l', 'BY', 'nosort', 'DESC'], bulks('d', 'c', 'b', 'a')],
    [['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'], bulks('c', 'b')],
    [['SORT', 'l', 'BY', 'nosort', 'LIMIT', '3', '5'], bulks('d')],
    // once a constant BY was seen, a later pattern does not bring sorting back
    [['SORT', 'l', 'BY', 'nosort', 'BY', 'w_*'], bulks('a', 'b', 'c', 'd')],
    [['SORT', 'l', 'BY', 'w_\0*'], bulks('a', 'b', 'c', 'd')], // the '*' after a NUL is not seen
    [['ZADD', 'z', '1', 'a', '5', 'b', '2', 'c', '10', 'd', '3', 'e'], int(5)],
    [['SORT', 'z', 'BY', 'nosort'], bulks('a', 'c', 'e', 'b', 'd')],
    [['SORT', 'z', 'BY', 'nosort', 'DESC'], bulks('d', 'b', 'e', 'c', 'a')],
    [['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'], bulks('b', 'e')],
    [['SORT', 'z', 'BY', 'nosort', 'LIMIT', '5', '10'], EMPTY],
    [['SORT', 'z', 'BY', 'nosort', 'LIMIT', '-10', '100'], bulks('a', 'c', 'e', 'b', 'd')],
    [['SORT', 'z', 'ALPHA', 'DESC'], bulks('e', 'd', 'c', 'b', 'a')],
  ]);
});

test('GET: #, string keys, hash fields, constants; a bare trailing -> is part of the key name', async () => {
  await runRows(conn, [
    [['RPUSH', 'l', '2', '1', '3'], int(3)],
    [['MSET', 'v_1', 'one', 'v_2', 'two', 'x:1->', 'arrow'], OK],
    [['HSET', 'h_3', 'f', 'three'], int(1)],
    [['SORT', 'l', 'GET', '#'], bulks('1', '2', '3')],
    [['SORT', 'l', 'GET', 'v_*'], arr(bulk('one'), bulk('two'), NIL)],
    [['SORT', 'l', 'GET', '#', 'GET', 'h_*->f'], arr(bulk('1'), NIL, bulk('2'), NIL, bulk('3'), bulk('three'))],
    [['SORT', 'l', 'GET', 'const'], arr(NIL, NIL, NIL)],
    [['SORT', 'l', 'GET', 'x:*->'], arr(bulk('arrow'), NIL, NIL)],
    [['SORT', 'l', 'GET', 'h_*->f', 'LIMIT', '2', '1', 'DESC'], arr(NIL)],
    [['SORT', 'l', 'GET', 'v_*->f'], arr(NIL, NIL, NIL)], // a string key has no fields
    [['SORT', 'l', 'GET', 'h_*'], arr(NIL, NIL, NIL)], // a hash is not a string
    [['SORT', 'l', 'GET', '#\0junk'], bulks('1', '2', '3')],
  ]);
});

test('errors: options before the key type, LIMIT integers, SORT_RO refuses STORE', async () => {
  await runRows(conn, [
    [['SET', 'str', 'x'], OK],
    [['HSET', 'h', 'f', 'v'], int(1)],
    [['SORT', 'str'], WRONGTYPE],
    [['SORT', 'h'], WRONGTYPE],
    [['SORT', 'str', 'FOO'], SYNTAX],
    [['SORT', 'nokey', 'LIMIT', '1'], SYNTAX],
    [['SORT', 'nokey', 'LIMIT', 'x', '1'], NOT_INT],
    [['SORT', 'nokey', 'LIMIT', '1', '1.5'], NOT_INT],
    [['SORT', 'nokey', 'LIMIT', '1', '9223372036854775808'], NOT_INT],
    [['SORT', 'nokey', 'BY'], SYNTAX],
    [['SORT', 'nokey', 'GET'], SYNTAX],
    [['SORT', 'nokey', 'STORE'], SYNTAX],
    [['SORT', 'nokey', 'ALPHA\0x', 'desc'], EMPTY],
    [['SORT_RO'], arity('sort_ro')],
    [['SORT_RO', 'nokey', 'STORE', 'dst'], SYNTAX],
    [['SORT_RO', 'str'], WRONGTYPE],
    [['RPUSH', 'l', 'b', 'a'], int(2)],
    [['SORT_RO', 'l', 'ALPHA'], bulks('a', 'b')],
  ]);
});

test('STORE: a list replacing the destination (TTL dropped), an empty result deleting it; propagation', async () => {
  await runRows(conn, [
    [['RPUSH', 'l', '3', '1', '2'], int(3)],
    [['SET', 'dst', 'old', 'EX', '100'], OK],
    [['SORT', 'l', 'STORE', 'dst'], int(3)],
    [['TYPE', 'dst'], '+list\r\n'],
    [['TTL', 'dst'], int(-1)],
    [['LRANGE', 'dst', '0', '-1'], bulks('1', '2', '3')],
    [['SORT', 'l', 'GET', '#', 'GET', 'nokey_*', 'STORE', 'dst'], int(6)],
    [['LRANGE', 'dst', '0', '-1'], bulks('1', '', '2', '', '3', '')],
    [['SORT', 'l', 'LIMIT', '10', '10', 'STORE', 'dst'], int(0)],
    [['EXISTS', 'dst'], int(0)],
    [['SORT', 'nokey', 'STORE', 'dst'], int(0)],
    [['SORT', 'l', 'STORE', 'a', 'STORE', 'b'], int(3)],
    [['EXISTS', 'a', 'b'], int(1)],
    [['LRANGE', 'b', '0', '-1'], bulks('1', '2', '3')],
    [['SORT', 'l', 'STORE', 'l', 'DESC'], int(3)],
    [['LRANGE', 'l', '0', '-1'], bulks('3', '2', '1')],
    // a set left unsorted would store in hash-table order: Redis sorts it as bytes instead
    [['SADD', 's', 'b', 'c', 'a', '10', '9'], int(5)],
    [['SORT', 's', 'BY', 'nosort', 'STORE', 'dst'], int(5)],
    [['LRANGE', 'dst', '0', '-1'], bulks('10', '9', 'a', 'b', 'c')],
    [['SORT', 'nokey', 'STORE', 'dst'], int(0)],
    [['EXISTS', 'dst'], int(0)],
    [['SORT', 'l', 'STORE', 'dst'], int(3)],
    [['RPUSH', 'bad', 'x'], int(1)],
    [['SORT', 'bad', 'STORE', 'dst'], BAD_DOUBLE],
    [['LRANGE', 'dst', '0', '-1'], bulks('1', '2', '3')], // untouched
  ]);
  assert.equal(await propagation('SORT', 'l', 'STORE', 'dst'), [['SORT', 'l', 'STORE', 'dst']]);
  assert.equal(await propagation('SORT', 'l'), [], 'a read propagates nothing');
  assert.equal(await propagation('SORT', 'nokey', 'STORE', 'dst'), [['SORT', 'nokey', 'STORE', 'dst']], 'deleting the destination is a write');
  assert.equal(await propagation('SORT', 'nokey', 'STORE', 'dst'), [], 'nothing to delete: no write');
});

test('SORT … STORE with an empty result fails the EXEC of a client watching the destination', async () => {
  const other = await srv.connect();
  try {
    await runRows(conn, [[['LPUSH', 'foo', 'bar'], int(1)], [['WATCH', 'foo'], OK]]);
    await runRows(other, [[['SORT', 'emptylist', 'STORE', 'foo'], int(0)]]);
    await runRows(conn, [[['MULTI'], OK], [['PING'], QUEUED], [['EXEC'], '*-1\r\n']]);
  } finally {
    other.close();
  }
});

test('SORT … STORE wakes a client blocked on the destination', async () => {
  const blocked = await srv.connect();
  try {
    await runRows(conn, [[['RPUSH', 'src', 'b', 'a'], int(2)]]);
    blocked.send('BLPOP', 'dst', '0');
    while (blockedOnKeysCount(srv.server) === 0) await new Promise((r) => setImmediate(r));
    await runRows(conn, [[['SORT', 'src', 'ALPHA', 'STORE', 'dst'], int(2)]]);
    assert.is(await blocked.readRaw(), bulks('dst', 'a'));
    await runRows(conn, [[['LRANGE', 'dst', '0', '-1'], bulks('b')]]);
  } finally {
    blocked.close();
  }
});

test('a sorted set SORT reads is converted to a skip list, as Redis converts it', async () => {
  await runRows(conn, [
    [['ZADD', 'z', '1', 'a', '2', 'b'], int(2)],
    [['OBJECT', 'ENCODING', 'z'], bulk('listpack')],
    [['SORT', 'z', 'BY', 'nosort'], bulks('a', 'b')],
    [['OBJECT', 'ENCODING', 'z'], bulk('skiplist')],
    [['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], bulks('a', '1', 'b', '2')],
  ]);
  assert.equal(await propagation('SORT', 'z', 'BY', 'nosort'), [], 'the conversion is not a write');
});

test('BY and GET lookups count as keyspace hits and misses', async () => {
  await runRows(conn, [[['RPUSH', 'l', '1', '2'], int(2)], [['SET', 'w_1', '5'], OK]]);
  const stats = srv.server.keyspace.stats;
  const [hits, misses] = [stats.hits, stats.misses];
  await runRows(conn, [[['SORT', 'l', 'BY', 'w_*', 'GET', 'w_*'], arr(NIL, bulk('5'))]]);
  assert.is(stats.hits - hits, 3, 'the list, then w_1 twice');
  assert.is(stats.misses - misses, 2, 'w_2 twice');
});

const differential: string[][] = [
  ['RPUSH', 'l', '3', '1', '2', '10', '-1.5', '1e1', ' 7', '0x10', '', '+4', '.5'],
  ['SORT', 'l'], ['SORT', 'l', 'DESC'], ['SORT', 'l', 'ALPHA'], ['SORT', 'l', 'ALPHA', 'DESC', 'LIMIT', '2', '3'],
  ['SORT', 'l', 'LIMIT', '-3', '4'], ['SORT', 'l', 'LIMIT', '0', '0'], ['SORT', 'l', 'LIMIT', '11', '1'], ['SORT', 'l', 'LIMIT', '10', '-7'],
  ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '3', '4'], ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '20', '4'],
  ['RPUSH', 'bad3', '12 '], ['SORT', 'bad3'], ['RPUSH', 'inf', 'inf', '-infinity', '0', 'INF'], ['SORT', 'inf'], ['RPUSH', 'nan', 'nan'], ['SORT', 'nan'],
  ['RPUSH', 'bin', 'a\0c', 'B', 'a\0b', '\xff', 'a', '\x80'], ['SORT', 'bin', 'ALPHA'], ['SORT', 'bin', 'ALPHA', 'STORE', 'bdst'],
  ['LRANGE', 'bdst', '0', '-1'],
  ['RPUSH', 'ids', 'a', 'b', 'c', 'd', 'e'], ['MSET', 'w_a', '3', 'w_b', '1', 'w_c', '2', 'w_e', '1'],
  ['HSET', 'h_a', 'f', 'z', 'n', '2'], ['HSET', 'h_b', 'f', 'y'], ['HSET', 'h_d', 'f', 'x', 'n', '-1'],
  ['SORT', 'ids', 'BY', 'w_*'], ['SORT', 'ids', 'BY', 'w_*', 'DESC'], ['SORT', 'ids', 'BY', 'h_*->f', 'ALPHA'],
  ['SORT', 'ids', 'BY', 'h_*->n'], ['SORT', 'ids', 'BY', 'h_*->f'], ['SORT', 'ids', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*', 'GET', 'h_*->f'],
  ['SORT', 'ids', 'BY', 'w_*', 'LIMIT', '1', '3', 'GET', 'h_*->n'], ['SORT', 'ids', 'GET', 'nothing'], ['SORT', 'ids', 'ALPHA', 'GET', 'h_*->'],
  ['SORT', 'ids', 'BY', 'nosort', 'BY', 'w_*'], ['SORT', 'ids', 'BY', 'w_*', 'BY', 'nosort'],
  ['SADD', 'iset', '5', '-2', '30', '7'], ['SORT', 'iset'], ['SORT', 'iset', 'BY', 'nosort'], ['SORT', 'iset', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'],
  ['SORT', 'iset', 'BY', 'nosort', 'STORE', 'sdst'], ['LRANGE', 'sdst', '0', '-1'],
  ['SADD', 'hset', 'b', 'c', 'a', '10', '9'], ['SORT', 'hset', 'ALPHA'], ['SORT', 'hset', 'BY', 'x', 'STORE', 'sdst'], ['LRANGE', 'sdst', '0', '-1'],
  ['ZADD', 'z', '1', 'a', '5', 'b', '2', 'c', '10', 'd', '3', 'e', '3', 'f'], ['SORT', 'z', 'BY', 'nosort'], ['SORT', 'z', 'BY', 'nosort', 'DESC'],
  ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '2', '3'], ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '6', '1'], ['SORT', 'z', 'ALPHA', 'DESC'],
  ['SORT', 'z'], ['SORT', 'z', 'BY', 'w_*'], ['OBJECT', 'ENCODING', 'z'],
  ['SORT', 'ids', 'BY', 'w_*', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'], ['SORT', 'ids', 'LIMIT', '9', '9', 'STORE', 'dst'], ['EXISTS', 'dst'],
  ['SORT', 'nokey', 'STORE', 'dst'], ['SORT', 'nokey'], ['SORT_RO', 'ids', 'ALPHA'], ['SORT_RO', 'ids', 'STORE', 'x'],
  ['SET', 'str', 'v'], ['SORT', 'str'], ['SORT', 'str', 'BAD'], ['SORT', 'h_a'], ['SORT', 'ids', 'LIMIT', '1'], ['SORT', 'ids', 'LIMIT', 'a', 'b'],
  ['SORT', 'ids', 'asc', 'ALPHA', 'desc'], ['SORT', 'ids', 'GET'], ['SORT'],
  ['HELLO', '3'], ['SORT', 'ids', 'ALPHA', 'GET', '#', 'GET', 'w_*'], ['SORT', 'ids', 'STORE', 'dst', 'ALPHA'],
  // Last: Redis reads strtod's ERANGE from errno without clearing it first, so after one of these a numeric SORT
  // on the same connection fails until some system call happens to reset errno.
  ['RPUSH', 'bad', '1', '1e400'], ['SORT', 'bad'], ['RPUSH', 'bad2', '1e-320'], ['SORT', 'bad2'], ['SORT', 'bad2', 'ALPHA'],
];

/**
 * Lists of 5 to 1000 elements whose ALPHA weights tie often (a few values, some missing), sorted BY them with and
 * without LIMIT: where Redis's partial quicksort leaves equal elements is only seen with ties.
 */
function tiesDifferential(): string[][] {
  let seed = 12345;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const out: string[][] = [];
  for (const size of [5, 7, 8, 41, 100, 1000]) {
    const key = `ties${size}`;
    const ids = Array.from({ length: size }, (_, i) => `${key}:${i}`);
    out.push(['RPUSH', key, ...ids]);
    const weights = ids.flatMap((id) => (random(4) ? [`wt_${id}`, 'abcd'[random(3)]] : []));
    out.push(['MSET', ...weights]);
    for (const [start, count] of [[0, 5], [3, 5], [0, 1], [size - 2, 10], [Math.floor(size / 2), 7], [1, size], [0, size]]) {
      out.push(['SORT', key, 'BY', 'wt_*', 'ALPHA', 'LIMIT', String(start), String(count)]);
      out.push(['SORT', key, 'BY', 'wt_*', 'ALPHA', 'DESC', 'LIMIT', String(start), String(count)]);
    }
    out.push(['SORT', key, 'BY', 'wt_*', 'ALPHA']);
    out.push(['SORT', key, 'BY', 'wt_*', 'LIMIT', '2', '9']);
  }
  return out;
}

test('differential: the same commands against real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    await sameReplies(conn, real, [...differential, ...tiesDifferential()]);
  });
});

test.run();
