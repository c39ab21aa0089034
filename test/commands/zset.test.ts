import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { blockedClients, Propagated, runRows, startInProcess, type InProcess, type Row } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { arity, arr, ask, bulk, bulks, EMPTY, err, int, NIL, NIL_ARRAY, NOT_FLOAT, NOT_INT, OK, SYNTAX, WRONGTYPE } from '../helpers/resp';
import { until } from '../helpers/wait';
import { ZsetValue } from '../../lib/store/zset';

const test = suite('commands/zset');

const NAN = err('ERR resulting score is not a number (NaN)');
const RANGE = err('ERR min or max is not a float');
const LEX = err('ERR min or max not valid string range item');

let srv: InProcess;
let conn: RawConnection;
let propagated: Propagated;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
  propagated = new Propagated(srv);
  await runRows(conn, [[['SET', 'str', 'x'], OK]]);
});

test.after.each(() => srv.stop());

const db = () => srv.server.keyspace.dbs[0];
const zsetAt = (key: string) => db().peek(key)?.value as ZsetValue;
const cmd = (...argv: string[]) => ask(conn, ...argv);
/** Send one command; return what it propagated to replicas. */
const propagation = (...argv: string[]) => propagated.of(conn, ...argv);

test('ZADD options, ZINCRBY, ZSCORE, ZMSCORE, ZCARD, ZREM', async () => {
  const rows: Row[] = [
    [['ZADD', 'z'], arity('zadd')],
    [['ZADD', 'z', '1'], arity('zadd')],
    [['ZADD', 'z', '1', 'a', '2'], SYNTAX],
    [['ZADD', 'z', 'NX', '1'], SYNTAX],
    [['ZADD', 'z', 'x', 'a'], NOT_FLOAT],
    [['ZADD', 'z', '1', 'a', 'nan', 'b'], NOT_FLOAT],
    [['ZADD', 'z', '1e400', 'a'], NOT_FLOAT], // overflow (ERANGE) is refused
    [['ZADD', 'z', ' 1', 'a'], NOT_FLOAT],
    [['ZADD', 'z', 'NX', 'XX', '1', 'a'], err('ERR XX and NX options at the same time are not compatible')],
    [['ZADD', 'z', 'GT', 'LT', '1', 'a'], err('ERR GT, LT, and/or NX options at the same time are not compatible')],
    [['ZADD', 'z', 'NX', 'GT', '1', 'a'], err('ERR GT, LT, and/or NX options at the same time are not compatible')],
    [['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'], err('ERR INCR option supports a single increment-element pair')],
    [['ZADD', 'str', '1', 'a'], WRONGTYPE],
    [['ZADD', 'z', 'XX', '1', 'a'], int(0)],
    [['EXISTS', 'z'], int(0)],
    [['ZADD', 'z', 'XX', 'INCR', '1', 'a'], NIL],
    [['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '1', 'a'], int(3)],
    [['ZCARD', 'z'], int(3)],
    [['ZADD', 'z', 'CH', '5', 'a', '2', 'b', '9', 'new'], int(2)],
    [['ZADD', 'z', 'NX', '100', 'a', '4', 'd'], int(1)],
    [['ZSCORE', 'z', 'a'], bulk('5')],
    [['ZADD', 'z', 'GT', 'CH', '1', 'a', '6', 'b'], int(1)],
    [['ZADD', 'z', 'LT', 'CH', '1', 'a', '7', 'b'], int(1)],
    [['ZADD', 'z', 'XX', 'CH', '2', 'a', '3', 'nothere'], int(1)],
    [['ZADD', 'z', 'NX', 'INCR', '1', 'a'], NIL],
    [['ZADD', 'z', 'INCR', '1.5', 'a'], bulk('3.5')],
    [['ZADD', 'z', 'GT', 'INCR', '-1', 'a'], NIL],
    [['ZINCRBY', 'z', '-0.5', 'a'], bulk('3')],
    [['ZINCRBY', 'z', 'x', 'a'], NOT_FLOAT],
    [['ZINCRBY', 'z', '1'], arity('zincrby')],
    [['ZINCRBY', 'str', '1', 'a'], WRONGTYPE],
    [['ZINCRBY', 'z', 'inf', 'a'], bulk('inf')],
    [['ZINCRBY', 'z', '-inf', 'a'], NAN],
    [['ZSCORE', 'z', 'a'], bulk('inf')],
    [['ZADD', 'z', '0.1', 'f'], int(1)],
    [['ZSCORE', 'z', 'f'], bulk('0.10000000000000001')],
    [['ZSCORE', 'z', 'nope'], NIL],
    [['ZSCORE', 'nokey', 'a'], NIL],
    [['ZSCORE', 'str', 'a'], WRONGTYPE],
    [['ZMSCORE', 'z', 'f', 'nope', 'b'], arr(bulk('0.10000000000000001'), NIL, bulk('6'))],
    [['ZMSCORE', 'nokey', 'a', 'b'], arr(NIL, NIL)],
    [['ZMSCORE', 'str', 'a'], WRONGTYPE],
    [['ZCARD', 'nokey'], int(0)],
    [['ZCARD', 'str'], WRONGTYPE],
    [['ZREM', 'z'], arity('zrem')],
    [['ZREM', 'nokey', 'a'], int(0)],
    [['ZREM', 'str', 'a'], WRONGTYPE],
    [['ZREM', 'z', 'nope', 'a', 'a', 'b'], int(2)],
    [['ZREM', 'z', 'c', 'd', 'f', 'new'], int(4)],
    [['EXISTS', 'z'], int(0)], // an emptied sorted set is deleted
    [['ZADD', 'neg', '-0', 'a'], int(1)],
    [['ZSCORE', 'neg', 'a'], bulk('0')], // a listpack keeps an integral score as an integer: no -0
    [['ZADD', 'bin', '1', '\0\xff', '2', ''], int(2)],
    [['ZSCORE', 'bin', '\0\xff'], bulk('1')],
  ];
  await runRows(conn, rows);
});

test('ZADD propagates as sent, only when something changed; INCR and ZINCRBY too', async () => {
  assert.equal(await propagation('ZADD', 'z', '1', 'a'), [['ZADD', 'z', '1', 'a']]);
  assert.equal(await propagation('ZADD', 'z', '1', 'a'), []);
  assert.equal(await propagation('ZADD', 'z', 'NX', '5', 'a'), []);
  assert.equal(await propagation('ZADD', 'z', 'INCR', '2', 'a'), [['ZADD', 'z', 'INCR', '2', 'a']]);
  assert.equal(await propagation('ZINCRBY', 'z', '2', 'a'), [['ZINCRBY', 'z', '2', 'a']]);
  assert.equal(await propagation('ZREM', 'z', 'zz'), []);
  assert.equal(await propagation('ZREM', 'z', 'a'), [['ZREM', 'z', 'a']]);
  const dirty = srv.server.keyspace.dirty;
  await cmd('ZADD', 'y', '1', 'a', '2', 'b', '3', 'c');
  assert.is(srv.server.keyspace.dirty - dirty, 3); // one change per member, as Redis counts
});

test('encodings follow zset-max-listpack-entries / -value (and the ziplist aliases) as 7.0 converts', async () => {
  await cmd('CONFIG', 'SET', 'zset-max-ziplist-entries', '3');
  await cmd('CONFIG', 'SET', 'zset-max-listpack-value', '5');
  await cmd('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  assert.is(zsetAt('z').encoding(), 'listpack');
  await cmd('ZADD', 'z', '4', 'd');
  assert.is(zsetAt('z').encoding(), 'skiplist');
  await cmd('ZREM', 'z', 'a', 'b', 'c');
  assert.is(zsetAt('z').encoding(), 'skiplist'); // never converted back by removals
  await cmd('ZADD', 'long', '1', 'abcdef');
  assert.is(zsetAt('long').encoding(), 'skiplist');
  await cmd('ZADD', 'neg', '-0', 'abcdef');
  assert.is(await cmd('ZSCORE', 'neg', 'abcdef'), '-0'); // a skip list keeps -0
  await cmd('ZUNIONSTORE', 'small', '1', 'z');
  assert.is(zsetAt('small').encoding(), 'listpack'); // a stored result is compacted when small
  assert.is(await cmd('OBJECT', 'ENCODING', 'small'), 'listpack');
  await cmd('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
  await cmd('ZADD', 'none', '1', 'a');
  assert.is(zsetAt('none').encoding(), 'skiplist');
});

test('ranges: by rank, score and lex, REV, LIMIT, WITHSCORES, and their errors', async () => {
  await cmd('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
  await cmd('ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c', '0', 'd');
  const rows: Row[] = [
    [['ZRANGE', 'z', '0', '-1'], bulks('a', 'b', 'c', 'd', 'e')],
    [['ZRANGE', 'z', '-2', '100', 'WITHSCORES'], bulks('d', '4', 'e', '5')],
    [['ZRANGE', 'z', '3', '1'], EMPTY],
    [['ZRANGE', 'z', '0', '1', 'REV'], bulks('e', 'd')],
    [['ZREVRANGE', 'z', '0', '1', 'WITHSCORES'], bulks('e', '5', 'd', '4')],
    [['ZREVRANGE', 'z', '0', '1', 'REV'], SYNTAX],
    [['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'], err('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX')],
    [['ZRANGE', 'z', 'a', '1'], NOT_INT],
    [['ZRANGE', 'z', '(1', '3', 'BYSCORE'], bulks('b', 'c')],
    [['ZRANGE', 'z', '(3', '1', 'BYSCORE', 'REV', 'WITHSCORES'], bulks('b', '2', 'a', '1')],
    [['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '1', '2'], bulks('b', 'c')],
    [['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '-1', '2'], EMPTY],
    [['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '3', '-1'], bulks('d', 'e')],
    [['ZRANGEBYSCORE', 'z', '2', '(4', 'WITHSCORES'], bulks('b', '2', 'c', '3')],
    [['ZRANGEBYSCORE', 'z', 'x', '4'], RANGE],
    [['ZRANGEBYSCORE', 'z', '(', '2'], bulks('a', 'b')], // strtod of "" is 0
    [['ZRANGEBYSCORE', 'z', ' 2', '2'], bulks('b')], // strtod skips leading space
    [['ZRANGEBYSCORE', 'z', 'nan', '2'], RANGE],
    [['ZRANGEBYSCORE', 'z', '1', '2', 'BYSCORE'], SYNTAX],
    [['ZREVRANGEBYSCORE', 'z', '+inf', '4'], bulks('e', 'd')],
    [['ZRANGE', 'lex', '[b', '(d', 'BYLEX'], bulks('b', 'c')],
    [['ZRANGE', 'lex', '+', '-', 'BYLEX', 'REV', 'LIMIT', '1', '2'], bulks('c', 'b')],
    [['ZRANGE', 'lex', '-', '+', 'BYLEX', 'WITHSCORES'], err('ERR syntax error, WITHSCORES not supported in combination with BYLEX')],
    [['ZRANGEBYLEX', 'lex', 'b', '+'], LEX],
    [['ZRANGEBYLEX', 'lex', '-', '+x'], LEX],
    [['ZRANGEBYLEX', 'lex', '-', '-'], EMPTY],
    [['ZREVRANGEBYLEX', 'lex', '(c', '-'], bulks('b', 'a')],
    [['ZRANGE', 'nokey', '0', '-1'], EMPTY],
    [['ZRANGE', 'str', '0', '-1'], WRONGTYPE],
    [['ZRANGE', 'z', '0'], arity('zrange')],
    [['ZCOUNT', 'z', '(1', '3'], int(2)],
    [['ZCOUNT', 'z', '3', '1'], int(0)],
    [['ZCOUNT', 'z', 'x', '1'], RANGE],
    [['ZCOUNT', 'nokey', '0', '1'], int(0)],
    [['ZLEXCOUNT', 'lex', '(a', '+'], int(3)],
    [['ZLEXCOUNT', 'lex', 'a', '+'], LEX],
    [['ZRANK', 'z', 'c'], int(2)],
    [['ZREVRANK', 'z', 'c'], int(2)],
    [['ZREVRANK', 'z', 'e'], int(0)],
    [['ZRANK', 'z', 'nope'], NIL],
    [['ZRANK', 'nokey', 'a'], NIL],
    [['ZRANK', 'str', 'a'], WRONGTYPE],
  ];
  await runRows(conn, rows);
});

test('ZRANGESTORE and the ZREMRANGEBY* commands', async () => {
  await cmd('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
  await cmd('SET', 'dst', 'x', 'EX', '100');
  const rows: Row[] = [
    [['ZRANGESTORE', 'dst', 'z', '1', '3', 'BYSCORE', 'LIMIT', '1', '5'], int(2)],
    [['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], bulks('b', '2', 'c', '3')],
    [['TTL', 'dst'], int(-1)],
    [['ZRANGESTORE', 'dst', 'z', '0', '-1', 'WITHSCORES'], SYNTAX],
    [['ZRANGESTORE', 'dst', 'nokey', '0', '-1'], int(0)],
    [['EXISTS', 'dst'], int(0)],
    [['ZRANGESTORE', 'dst', 'str', '0', '-1'], WRONGTYPE],
    [['ZREMRANGEBYRANK', 'z', '0', 'x'], NOT_INT],
    [['ZREMRANGEBYRANK', 'z', '-1', '-1'], int(1)],
    [['ZREMRANGEBYSCORE', 'z', '(1', 'x'], RANGE],
    [['ZREMRANGEBYSCORE', 'z', '(1', '2'], int(1)],
    [['ZREMRANGEBYLEX', 'z', 'a', '+'], LEX],
    [['ZREMRANGEBYLEX', 'z', '-', '[a'], int(1)],
    [['ZRANGE', 'z', '0', '-1'], bulks('c', 'd')],
    [['ZREMRANGEBYRANK', 'nokey', '0', '1'], int(0)],
    [['ZREMRANGEBYRANK', 'str', '0', '1'], WRONGTYPE],
    [['ZREMRANGEBYSCORE', 'z', '-inf', '+inf'], int(2)],
    [['EXISTS', 'z'], int(0)],
  ];
  await runRows(conn, rows);
  assert.equal(await propagation('ZREMRANGEBYRANK', 'nokey', '0', '1'), []);
});

test('pops: ZPOPMIN/ZPOPMAX, ZMPOP, propagated as ZPOPMIN/ZPOPMAX key n', async () => {
  await cmd('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
  const rows: Row[] = [
    [['ZPOPMIN', 'z', '-1'], err('ERR value is out of range, must be positive')],
    [['ZPOPMIN', 'z', '1', '2'], SYNTAX],
    [['ZPOPMIN', 'nokey'], EMPTY],
    [['ZPOPMIN', 'str'], WRONGTYPE],
    [['ZPOPMIN', 'z', '0'], EMPTY],
    [['ZMPOP', '0', 'z', 'MIN'], err('ERR numkeys should be greater than 0')],
    [['ZMPOP', '2', 'z', 'MIN'], SYNTAX],
    [['ZMPOP', '1', 'z', 'MID'], SYNTAX],
    [['ZMPOP', '1', 'z', 'MIN', 'COUNT', '0'], err('ERR count should be greater than 0')],
    [['ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '1'], SYNTAX],
    [['ZMPOP', '1', 'nokey', 'MIN'], NIL_ARRAY],
  ];
  await runRows(conn, rows);
  assert.equal(await propagation('ZPOPMIN', 'z'), [['ZPOPMIN', 'z']]);
  assert.equal(await propagation('ZPOPMAX', 'z', '1'), [['ZPOPMAX', 'z', '1']]);
  assert.equal(await propagation('ZMPOP', '2', 'nokey', 'z', 'MAX', 'COUNT', '10'), [['ZPOPMAX', 'z', '2']]);
  assert.is(await cmd('EXISTS', 'z'), 0);
  await cmd('ZADD', 'z', '1', 'a', '2', 'b');
  await runRows(conn, [
    [['ZPOPMAX', 'z'], bulks('b', '2')],
    [['ZMPOP', '1', 'z', 'MIN', 'COUNT', '5'], arr(bulk('z'), arr(bulks('a', '1')))],
  ]);
});

test('blocking pops: served after the write that fills the key, in blocking order, or timed out', async () => {
  const other = await srv.connect();
  const third = await srv.connect();
  try {
    other.send('BZPOPMIN', 'nokey', 'z', '0');
    third.send('BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '5');
    await until(() => blockedClients(srv) === 2, 'two blocked clients');
    propagated.list = [];
    await runRows(conn, [[['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], int(3)]]);
    assert.is(await other.readRaw(), arr(bulk('z'), bulk('a'), bulk('1')));
    assert.is(await third.readRaw(), arr(bulk('z'), arr(bulks('c', '3'), bulks('b', '2'))));
    assert.equal(propagated.list, [['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z', '2']]);
    assert.is(await cmd('EXISTS', 'z'), 0);
    other.send('BZPOPMAX', 'z', '0.01');
    assert.is(await other.readRaw(), NIL_ARRAY);
    other.send('BZPOPMAX', 'z', '-1');
    assert.is(await other.readRaw(), err('ERR timeout is negative'));
    other.send('BZPOPMAX', 'z', 'x');
    assert.is(await other.readRaw(), err('ERR timeout is not a float or out of range'));
    await runRows(conn, [
      [['ZADD', 'z', '5', 'e'], int(1)],
      [['BZPOPMAX', 'str', 'z', '0'], WRONGTYPE],
      [['BZPOPMAX', 'nokey', 'z', '0'], arr(bulk('z'), bulk('e'), bulk('5'))],
      [['MULTI'], OK],
      [['BZPOPMIN', 'z', '0'], '+QUEUED\r\n'],
      [['BZMPOP', '0', '1', 'z', 'MIN'], '+QUEUED\r\n'],
      [['EXEC'], arr(NIL_ARRAY, NIL_ARRAY)], // inside MULTI an empty key answers as a timeout
    ]);
  } finally {
    other.close();
    third.close();
  }
});

test('ZUNION ZINTER ZDIFF and their STORE forms, ZINTERCARD; sets count with score 1', async () => {
  await cmd('ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c');
  await cmd('ZADD', 'z2', '10', 'b', '20', 'c', '30', 'd');
  await cmd('SADD', 's', 'c', 'd', 'e');
  const rows: Row[] = [
    [['ZUNION', '2', 'z1', 'z2', 'WITHSCORES'], bulks('a', '1', 'b', '12', 'c', '23', 'd', '30')],
    [['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '2', '0.5', 'AGGREGATE', 'MAX'], bulks('a', 'b', 'c', 'd')],
    [['ZINTER', '3', 'z1', 'z2', 's', 'WITHSCORES'], bulks('c', '24')],
    [['ZINTER', '2', 'z1', 'z2', 'AGGREGATE', 'MIN', 'WITHSCORES'], bulks('b', '2', 'c', '3')],
    [['ZDIFF', '2', 'z1', 'z2', 'WITHSCORES'], bulks('a', '1')],
    [['ZDIFF', '2', 'z1', 'z1'], EMPTY],
    [['ZDIFF', '1', 'z1', 'WEIGHTS', '1'], SYNTAX],
    [['ZINTERCARD', '2', 'z1', 'z2'], int(2)],
    [['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '1'], int(1)],
    [['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '-1'], err("ERR LIMIT can't be negative")],
    [['ZINTERCARD', '0', 'z1'], err("ERR at least 1 input key is needed for 'zintercard' command")],
    [['ZUNION', '0', 'z1'], err("ERR at least 1 input key is needed for 'zunion' command")],
    [['ZUNION', '3', 'z1', 'z2'], SYNTAX],
    [['ZUNION', 'x', 'z1'], NOT_INT],
    [['ZUNION', '2', 'z1', 'str', 'BAD'], WRONGTYPE],
    [['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1', 'x'], err('ERR weight value is not a float')],
    [['ZUNION', '2', 'z1', 'z2', 'AGGREGATE', 'AVG'], SYNTAX],
    [['ZUNIONSTORE', 'dst', '2', 'z1', 'z2', 'WITHSCORES'], SYNTAX],
    [['ZUNIONSTORE', 'dst', '2', 'z1', 'z2'], int(4)],
    [['ZINTERSTORE', 'dst', '2', 'z1', 'nokey'], int(0)],
    [['EXISTS', 'dst'], int(0)],
    [['ZDIFFSTORE', 'dst', '2', 'z2', 's'], int(1)],
    [['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], bulks('b', '10')],
    [['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', 'inf', '-inf', 'WITHSCORES'], bulks('d', '-inf', 'b', '0', 'c', '0', 'a', 'inf')],
  ];
  await runRows(conn, rows);
});

test('ZRANDMEMBER: counts, repeats, the whole set highest first', async () => {
  await cmd('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  await runRows(conn, [
    [['ZRANDMEMBER', 'nokey'], NIL],
    [['ZRANDMEMBER', 'nokey', '3'], EMPTY],
    [['ZRANDMEMBER', 'str'], WRONGTYPE],
    [['ZRANDMEMBER', 'z', '0'], EMPTY],
    [['ZRANDMEMBER', 'z', '10', 'WITHSCORES'], bulks('c', '3', 'b', '2', 'a', '1')],
    [['ZRANDMEMBER', 'z', '1', 'WITHSCORE'], SYNTAX],
    [['ZRANDMEMBER', 'z', '-9223372036854775808'], err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807')],
    [['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'], err('ERR value is out of range')],
  ]);
  const many: string[] = await cmd('ZRANDMEMBER', 'z', '-20');
  assert.is(many.length, 20);
  assert.ok(many.every((m) => ['a', 'b', 'c'].includes(m)));
  const two: string[] = await cmd('ZRANDMEMBER', 'z', '2');
  assert.is(new Set(two).size, 2);
  for (let i = 0; i < 200; i++) await cmd('ZADD', 'big', String(i), `m${i}`);
  for (const count of ['10', '150']) {
    const got: string[] = await cmd('ZRANDMEMBER', 'big', count, 'WITHSCORES');
    assert.is(got.length, Number(count) * 2);
    const members = got.filter((_, i) => i % 2 === 0);
    assert.is(new Set(members).size, Number(count));
    for (let i = 0; i < got.length; i += 2) assert.is(got[i], `m${got[i + 1]}`);
  }
});

test('ZSCAN: a listpack whole with cursor 0, a skip list by slot cursor until 0', async () => {
  await cmd('ZADD', 'small', '1', 'a', '2.5', 'b');
  await runRows(conn, [
    [['ZSCAN', 'small', '0'], arr(bulk('0'), bulks('a', '1', 'b', '2.5'))],
    [['ZSCAN', 'small', '0', 'MATCH', 'b*'], arr(bulk('0'), bulks('b', '2.5'))],
    [['ZSCAN', 'nokey', '0', 'BAD'], arr(bulk('0'), EMPTY)],
    [['ZSCAN', 'small', 'x'], err('ERR invalid cursor')],
    [['ZSCAN', 'str', '0'], WRONGTYPE],
  ]);
  for (let i = 0; i < 300; i++) await cmd('ZADD', 'big', String(i), `m${i}`);
  const seen = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, items] = await cmd('ZSCAN', 'big', cursor, 'COUNT', '7');
    for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
    cursor = next;
  } while (cursor !== '0');
  assert.is(seen.size, 300);
  assert.is(seen.get('m42'), '42');
});

test('RESP3: doubles, WITHSCORES as [member, score] pairs, nested pops', async () => {
  await cmd('ZADD', 'z', '1', 'a', '2.5', 'b');
  await cmd('HELLO', '3');
  const pair = (m: string, s: string) => arr(bulk(m), `,${s}\r\n`);
  await runRows(conn, [
    [['ZSCORE', 'z', 'b'], ',2.5\r\n'],
    [['ZSCORE', 'z', 'nope'], '_\r\n'],
    [['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], arr(pair('a', '1'), pair('b', '2.5'))],
    [['ZRANGE', 'z', '0', '-1'], bulks('a', 'b')],
    [['ZINCRBY', 'z', '1', 'a'], ',2\r\n'],
    [['ZPOPMIN', 'z'], arr(bulk('a'), ',2\r\n')],
    [['ZPOPMIN', 'z', '1'], arr(pair('b', '2.5'))],
    [['ZMPOP', '1', 'z', 'MIN'], '_\r\n'],
  ]);
});

// Deterministic in Redis too: listpack and skip-list orders, scores, counts and errors. Sent to toyredis and to
// real redis-server, compared byte for byte.
const differential: string[][] = [
  ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '3', 'bb', '-inf', 'ninf', '+inf', 'pinf', '0.1', 'tenth', '1e20', 'big', '-0', 'nz'],
  ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZSCORE', 'z', 'nz'], ['ZSCORE', 'z', 'big'], ['ZRANK', 'z', 'bb'], ['ZREVRANK', 'z', 'bb'],
  ['ZADD', 'z', 'INCR', '1e-17', 'tenth'], ['ZADD', 'z', 'INCR', '-0', 'new'], ['ZADD', 'z', '1.5e300', 'x', '4.9e-324', 'y'], ['ZADD', 'z', '1e-400', 'q'],
  ['ZADD', 'z', '0x10', 'hex'], ['ZADD', 'z', '1.', 'dot'], ['ZADD', 'z', '.5', 'half'], ['ZADD', 'z', '5e', 'e'], ['ZADD', 'z', 'Infinity', 'inf2'],
  ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZSCAN', 'z', '0'],
  ['ZRANGEBYSCORE', 'z', '(1', '3', 'WITHSCORES', 'LIMIT', '1', '2'], ['ZRANGEBYSCORE', 'z', '-inf', '(0'], ['ZRANGEBYSCORE', 'z', '(-inf', '(+inf'],
  ['ZRANGEBYSCORE', 'z', '3', '3'], ['ZRANGEBYSCORE', 'z', '(3', '3'], ['ZRANGEBYSCORE', 'z', '1e400', '+inf'], ['ZRANGEBYSCORE', 'z', '0x1p0', '0X2'],
  ['ZRANGEBYSCORE', 'z', '1\0x', '2'], ['ZRANGEBYSCORE', 'z', '', '1'], ['ZRANGEBYSCORE', 'z', '  ', '1'], ['ZRANGEBYSCORE', 'z', '1 ', '2'],
  ['ZREVRANGEBYSCORE', 'z', '3', '1', 'LIMIT', '0', '2', 'WITHSCORES'], ['ZREVRANGEBYSCORE', 'z', '(3', '(1'],
  ['ZRANGE', 'z', '2', '4', 'REV', 'WITHSCORES'], ['ZRANGE', 'z', '-100', '100'], ['ZRANGE', 'z', '5', '-100'],
  ['ZRANGE', 'z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '2', '3'], ['ZRANGE', 'z', '0', '-1', 'withscores', 'rev', 'byscore'],
  ['ZRANGE', 'z', '0', '-1', 'BYSCORE', 'BYLEX'], ['ZRANGE', 'z', '0', '-1', 'LIMIT', '1'], ['ZRANGE', 'z', '0', '-1', 'LIMIT', '1', 'x', 'BYSCORE'],
  ['ZCOUNT', 'z', '-inf', '+inf'], ['ZCOUNT', 'z', '(1', '(3'], ['ZCOUNT', 'z', '3', '(3'],
  ['ZADD', 'lex', '0', 'alpha', '0', 'bar', '0', 'cool', '0', 'down', '0', 'elephant', '0', 'foo', '0', 'great', '0', 'hill', '0', 'omega', '0', ''],
  ['ZRANGEBYLEX', 'lex', '-', '+'], ['ZRANGEBYLEX', 'lex', '[bar', '(foo'], ['ZRANGEBYLEX', 'lex', '(bar', '[foo', 'LIMIT', '1', '2'],
  ['ZRANGEBYLEX', 'lex', '[', '[a'], ['ZRANGEBYLEX', 'lex', '(', '(a'], ['ZRANGEBYLEX', 'lex', '+', '+'], ['ZRANGEBYLEX', 'lex', '-', '-'],
  ['ZRANGEBYLEX', 'lex', '[hill', '[elephant'], ['ZREVRANGEBYLEX', 'lex', '[hill', '[elephant'], ['ZREVRANGEBYLEX', 'lex', '+', '(g', 'LIMIT', '0', '1'],
  ['ZLEXCOUNT', 'lex', '-', '+'], ['ZLEXCOUNT', 'lex', '[cool', '(great'], ['ZLEXCOUNT', 'lex', '+', '-'], ['ZRANGEBYLEX', 'lex', '-\0', '+'],
  ['ZRANGEBYLEX', 'lex', '-x', '+'], ['ZRANGEBYLEX', 'lex', '', '+'],
  ['ZREMRANGEBYLEX', 'lex', '[a', '(c'], ['ZREMRANGEBYLEX', 'lex', '(omega', '+'], ['ZRANGE', 'lex', '0', '-1'],
  ['ZREMRANGEBYRANK', 'z', '1', '2'], ['ZREMRANGEBYRANK', 'z', '-3', '-2'], ['ZREMRANGEBYRANK', 'z', '100', '200'],
  ['ZREMRANGEBYSCORE', 'z', '(2', '3'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
  ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z', '2'], ['ZPOPMIN', 'z', 'x'], ['ZPOPMIN', 'z', '0'], ['ZMPOP', '2', 'nope', 'z', 'MIN', 'COUNT', '2'],
  ['ZMPOP', '1', 'z', 'max'], ['ZMPOP', 'x', 'z', 'MAX'], ['ZMPOP', '1', 'z', 'MAX', 'COUNT'], ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '-1'],
  ['ZADD', 'u1', '1', 'a', '2', 'b', '3', 'c'], ['ZADD', 'u2', '4', 'b', '5', 'c', '6', 'd'], ['SADD', 'us', 'a', 'd', 'x'], ['SADD', 'ui', '1', '2'],
  ['ZUNION', '3', 'u1', 'u2', 'us', 'WITHSCORES'], ['ZUNION', '2', 'u1', 'u2', 'WEIGHTS', '2', '3', 'AGGREGATE', 'min', 'WITHSCORES'],
  ['ZUNION', '2', 'u1', 'u2', 'AGGREGATE', 'max', 'WEIGHTS', '-1', '1', 'WITHSCORES'], ['ZUNION', '2', 'u1', 'ui', 'WITHSCORES'],
  ['ZINTER', '2', 'u1', 'u2', 'WITHSCORES'], ['ZINTER', '2', 'u1', 'u1', 'WITHSCORES'], ['ZINTER', '2', 'u1', 'us'], ['ZINTER', '2', 'u1', 'nokey'],
  ['ZDIFF', '2', 'u1', 'u2', 'WITHSCORES'], ['ZDIFF', '3', 'u2', 'us', 'u1'], ['ZDIFF', '1', 'nokey'], ['ZDIFF', '2', 'u1', 'u2', 'AGGREGATE', 'SUM'],
  ['ZUNIONSTORE', 'd', '2', 'u1', 'u2'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', 'd'],
  ['ZINTERSTORE', 'd', '2', 'u1', 'u2', 'WEIGHTS', '0.5', '0.25'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZDIFFSTORE', 'd', '2', 'u1', 'u1'], ['EXISTS', 'd'],
  ['ZINTERCARD', '2', 'u1', 'u2', 'LIMIT', '0'], ['ZINTERCARD', '2', 'u1', 'u2', 'LIMIT'], ['ZINTERCARD', '1', 'u1', 'WITHSCORES'],
  ['ZUNION', '2', 'u1', 'u2', 'WEIGHTS', '1'], ['ZUNION', '-1', 'u1'], ['ZUNIONSTORE', 'd', '0', 'u1'], ['ZUNION', '1', 'u1', 'WITHSCORES', 'WITHSCORES'],
  ['ZRANGESTORE', 'rs', 'u2', '0', '1'], ['ZRANGE', 'rs', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'rs', 'lex', '[d', '+', 'BYLEX', 'REV', 'LIMIT', '0', '2'],
  ['ZRANGE', 'rs', '0', '-1'], ['ZRANGESTORE', 'rs', 'u2', '5', '1', 'BYSCORE'], ['EXISTS', 'rs'],
  ['ZRANDMEMBER', 'u1', '5'], ['ZRANDMEMBER', 'u1', '3', 'WITHSCORES'], ['ZRANDMEMBER', 'u1', 'x'], ['ZRANDMEMBER', 'u1', '1', 'x'],
  ['ZADD', 'z', 'NX', 'XX', '1', 'a'], ['ZADD', 'z', 'LT', 'GT', '1', 'a'], ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'], ['ZADD', 'z', 'CH'],
  ['ZADD', 'z', 'ch', 'gt', 'xx', '1', 'nope'], ['ZINCRBY', 'z', 'nx', 'a'], ['ZADD', 'inc', '1', 'a'], ['ZADD', 'inc', 'INCR', '+inf', 'a'],
  ['ZADD', 'inc', 'INCR', '-inf', 'a'], ['ZINCRBY', 'inc', '-inf', 'a'], ['ZSCORE', 'inc', 'a'],
  ['ZSCAN', 'u1', '0', 'MATCH', '[ab]', 'COUNT', '1'], ['ZSCAN', 'u1', '0', 'COUNT', '0'], ['ZSCAN', 'u1', '-1'],
  ['SET', 'str', 'v'], ['ZADD', 'str', '1', 'a'], ['ZSCORE', 'str', 'a'], ['ZRANGE', 'str', '0', '1'], ['ZRANGEBYSCORE', 'str', 'x', '1'],
  ['ZCOUNT', 'str', 'x', '1'], ['ZCOUNT', 'str', '0', '1'], ['ZPOPMIN', 'str'], ['ZMPOP', '2', 'nokey', 'str', 'MIN'], ['ZUNION', '1', 'str'],
  ['ZRANDMEMBER', 'str', '1'], ['ZSCAN', 'str', '0'], ['ZREM', 'str', 'a'], ['ZINCRBY', 'str', 'x', 'a'], ['ZREMRANGEBYRANK', 'str', 'x', '1'],
  ['CONFIG', 'SET', 'zset-max-ziplist-entries', '2'], ['ZADD', 'enc', '1', 'a', '2', 'b'], ['OBJECT', 'ENCODING', 'enc'],
  ['ZADD', 'enc', '3', 'c'], ['OBJECT', 'ENCODING', 'enc'], ['ZADD', 'enc', '-0', 'n'], ['ZSCORE', 'enc', 'n'], ['ZRANGE', 'enc', '0', '-1', 'WITHSCORES'],
  ['ZUNIONSTORE', 'enc2', '1', 'enc'], ['OBJECT', 'ENCODING', 'enc2'], ['ZREMRANGEBYRANK', 'enc', '0', '1'], ['ZUNIONSTORE', 'enc3', '1', 'enc'],
  ['OBJECT', 'ENCODING', 'enc3'], ['ZRANGESTORE', 'enc4', 'enc', '0', '-1'], ['OBJECT', 'ENCODING', 'enc4'],
  ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'], ['CONFIG', 'SET', 'zset-max-ziplist-value', '3'], ['ZADD', 'v', '1', 'abcd'],
  ['OBJECT', 'ENCODING', 'v'], ['ZADD', 'v2', '1', 'abc'], ['OBJECT', 'ENCODING', 'v2'], ['CONFIG', 'SET', 'zset-max-listpack-value', '64'],
  // lex ranges over members of different scores are undefined in Redis, but must count and remove as it does
  ['ZADD', 'mixed', '1', 'a', '2', 'b', '3', 'c', '0', 'x', '0', 'y'], ['ZLEXCOUNT', 'mixed', '[b', '[c'], ['ZLEXCOUNT', 'mixed', '[x', '[y'],
  ['ZRANGEBYLEX', 'mixed', '[b', '[c'], ['ZADD', 'yx', '1', 'x', '0', 'y'], ['ZREMRANGEBYLEX', 'yx', '[y', '+'],
  ['CONFIG', 'SET', 'zset-max-listpack-entries', '1'], ['ZADD', 'sk', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '0', 'aa', '0', 'ab'],
  // Lex ranges with bounds over members of different scores are undefined: their result depends on the skip
  // list's random levels, in Redis as here, so only the unbounded range is compared.
  ['ZRANGEBYSCORE', 'sk', '(1', '4', 'LIMIT', '2', '5', 'WITHSCORES'],
  ['ZREVRANGEBYSCORE', 'sk', '+inf', '-inf', 'LIMIT', '3', '2'], ['ZRANGEBYLEX', 'sk', '-', '+', 'LIMIT', '1', '2'],
  ['ZRANDMEMBER', 'sk', '100', 'WITHSCORES'], ['ZRANGE', 'sk', '1', '3', 'REV'],
  ['ZREM', 'sk', 'aa', 'ab'], ['ZREMRANGEBYRANK', 'sk', '1', '1'], ['ZRANGE', 'sk', '0', '-1', 'WITHSCORES'],
  ['ZUNIONSTORE', 'sk2', '2', 'sk', 'mixed'], ['OBJECT', 'ENCODING', 'sk2'], ['ZRANGE', 'sk2', '0', '-1', 'WITHSCORES'],
  ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
  ['HELLO', '3'], ['ZRANGE', 'u1', '0', '-1', 'WITHSCORES'], ['ZSCORE', 'u1', 'a'], ['ZMSCORE', 'u1', 'a', 'nope'], ['ZUNION', '2', 'u1', 'u2', 'WITHSCORES'],
  ['ZRANDMEMBER', 'u1', '5', 'WITHSCORES'], ['ZPOPMIN', 'u1'], ['ZPOPMIN', 'u1', '1'], ['ZPOPMAX', 'u1', '0'], ['ZMPOP', '1', 'u2', 'MIN'],
  ['ZADD', 'u1', 'INCR', '1', 'a'], ['ZINCRBY', 'u1', '1', 'a'], ['ZRANGEBYSCORE', 'u2', '-inf', '+inf', 'WITHSCORES'], ['ZRANK', 'u2', 'nope'],
  ['ZSCAN', 'u2', '0'], ['ZRANDMEMBER', 'nokey'], ['ZMPOP', '1', 'nokey', 'MIN'], ['ZADD', 'u1', 'XX', 'INCR', '1', 'zz'],
];

test('differential: the same commands against real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    await runRows(conn, [[['DEL', 'str'], int(1)]]);
    await sameReplies(conn, real, differential);
  });
});

test.run();
