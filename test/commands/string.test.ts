import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runRows, startInProcess, type InProcess, type Row } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { arity, bulk, err, int, NIL, NOT_FLOAT, NOT_INT, OK, SYNTAX, WRONGTYPE } from '../helpers/resp';
import { NO_EXPIRY } from '../../lib/store/keyspace';
import type { Collection } from '../../lib/store/types';

const test = suite('commands/string');

const TOO_LONG = err('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
const badExpire = (cmd: string) => err(`ERR invalid expire time in '${cmd}' command`);

let srv: InProcess;
let conn: RawConnection;

/** A key of another type: a stand-in list planted in db 0, so WRONGTYPE is testable before lists exist. */
function plantList(key: string): void {
  const list: Collection = { type: 'list', encoding: () => 'quicklist', clone: () => list };
  srv.server.keyspace.dbs[0].set(key, list);
}

const expiresAt = (key: string) => srv.server.keyspace.dbs[0].peek(key)?.expiresAt;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
  plantList('alist');
});

test.after.each(() => srv.stop());

test('GET SET SETNX SETEX PSETEX', async () => {
  const rows: Row[] = [
    [['GET'], arity('get')],
    [['GET', 'a', 'b'], arity('get')],
    [['GET', 'nokey'], NIL],
    [['SET', 'foo', 'bar'], OK],
    [['GET', 'foo'], bulk('bar')],
    [['GET', 'alist'], WRONGTYPE],
    [['SET', 'bin', 'a\0\r\n\xff'], OK],
    [['GET', 'bin'], bulk('a\0\r\n\xff')],
    [['SET', 'empty', ''], OK],
    [['GET', 'empty'], bulk('')],
    [['SET', 'foo'], arity('set')],
    // NX / XX / GET
    [['SET', 'n', '1', 'NX'], OK],
    [['SET', 'n', '2', 'nx'], NIL],
    [['GET', 'n'], bulk('1')],
    [['SET', 'n', '3', 'XX'], OK],
    [['SET', 'x', '3', 'XX'], NIL],
    [['SET', 'n', '4', 'NX', 'XX'], SYNTAX],
    [['SET', 'n', '4', 'XX', 'NX'], SYNTAX],
    [['SET', 'n', '4', 'NX', 'NX'], NIL],
    [['SET', 'n', '5', 'GET'], bulk('3')],
    [['SET', 'n', '6', 'NX', 'GET'], bulk('5')], // aborted by NX: replies the old value, sets nothing
    [['GET', 'n'], bulk('5')],
    [['SET', 'g', '1', 'XX', 'GET'], NIL],
    [['SET', 'g', '1', 'GET'], NIL],
    [['SET', 'g', '2', 'GET', 'GET'], bulk('1')],
    [['SET', 'alist', 'v', 'GET'], WRONGTYPE],
    [['SET', 'n', '7', 'NX\0junk'], NIL], // options compare as C strings, as in Redis
    [['SET', 'n', '7', 'FOO'], SYNTAX],
    // expiry options
    [['SET', 'e', 'v', 'EX'], SYNTAX],
    [['SET', 'e', 'v', 'EX', '10', 'PX', '100'], SYNTAX],
    [['SET', 'e', 'v', 'EX', '10', 'EX', '20'], OK],
    [['SET', 'e', 'v', 'KEEPTTL', 'EX', '10'], SYNTAX],
    [['SET', 'e', 'v', 'PXAT', '10', 'KEEPTTL'], SYNTAX],
    [['SET', 'e', 'v', 'EXAT', '10', 'PXAT', '10'], SYNTAX],
    [['SET', 'e', 'v', 'PERSIST'], SYNTAX],
    [['SET', 'e', 'v', 'EX', '0'], badExpire('set')],
    [['SET', 'e', 'v', 'PX', '-1'], badExpire('set')],
    [['SET', 'e', 'v', 'EX', 'abc'], NOT_INT],
    [['SET', 'e', 'v', 'EX', '1.5'], NOT_INT],
    [['SET', 'e', 'v', 'EX', '9223372036854775807'], badExpire('set')],
    [['SET', 'e', 'v', 'PX', '9223372036854775807'], badExpire('set')],
    [['SET', 'e', 'v', 'EX', '9223372036854775'], badExpire('set')],
    [['SET', 'e', 'v', 'EXAT', '9223372036854775'], OK],
    [['SET', 'e', 'v', 'EXAT', '9223372036854776'], badExpire('set')],
    [['SET', 'e', 'v', 'EX', '0', 'GET'], badExpire('set')], // the expiry is checked before GET reads
    [['SET', 'alist', 'v', 'EX', 'x', 'GET'], NOT_INT],
    // SETNX / SETEX / PSETEX
    [['SETNX', 'sn', 'a'], int(1)],
    [['SETNX', 'sn', 'b'], int(0)],
    [['SETNX', 'sn'], arity('setnx')],
    [['SETNX', 'alist', 'b'], int(0)],
    [['SETEX', 'se', '10', 'v'], OK],
    [['SETEX', 'se', '0', 'v'], badExpire('setex')],
    [['SETEX', 'se', '-5', 'v'], badExpire('setex')],
    [['SETEX', 'se', 'ten', 'v'], NOT_INT],
    [['SETEX', 'se', '10'], arity('setex')],
    [['PSETEX', 'pse', '100', 'v'], OK],
    [['PSETEX', 'pse', '0', 'v'], badExpire('psetex')],
    [['PSETEX', 'pse', '1e3', 'v'], NOT_INT],
    [['PSETEX', 'pse', '100'], arity('psetex')],
    [['SETEX', 'alist', '10', 'v'], OK], // SET-family writes replace any type
    [['GET', 'alist'], bulk('v')],
  ];
  await runRows(conn, rows);
});

test('GETSET GETDEL GETEX', async () => {
  await runRows(conn, [
    [['GETSET', 'k', 'a'], NIL],
    [['GETSET', 'k', 'b'], bulk('a')],
    [['GETSET', 'k'], arity('getset')],
    [['GETSET', 'alist', 'x'], WRONGTYPE],
    [['GETDEL', 'k'], bulk('b')],
    [['GETDEL', 'k'], NIL],
    [['GETDEL', 'alist'], WRONGTYPE],
    [['GETDEL'], arity('getdel')],
    [['SET', 'k', 'v'], OK],
    [['GETEX', 'k'], bulk('v')],
    [['GETEX'], arity('getex')],
    [['GETEX', 'nokey', 'EX', '10'], NIL],
    [['GETEX', 'nokey', 'EX', 'abc'], NIL], // the number is read only once the key is found
    [['GETEX', 'k', 'EX', 'abc'], NOT_INT],
    [['GETEX', 'k', 'EX', '0'], badExpire('getex')],
    [['GETEX', 'k', 'PX', '-1'], badExpire('getex')],
    [['GETEX', 'k', 'EX', '10', 'PERSIST'], SYNTAX],
    [['GETEX', 'k', 'PERSIST', 'PX', '10'], SYNTAX],
    [['GETEX', 'k', 'NX'], SYNTAX],
    [['GETEX', 'k', 'GET'], SYNTAX],
    [['GETEX', 'k', 'KEEPTTL'], SYNTAX],
    [['GETEX', 'k', 'EX'], SYNTAX],
    [['GETEX', 'nokey', 'BAD'], SYNTAX], // syntax is checked before the lookup
    [['GETEX', 'alist'], WRONGTYPE],
    [['GETEX', 'alist', 'EX', 'abc'], WRONGTYPE],
    [['GETEX', 'k', 'PERSIST'], bulk('v')],
    [['GETEX', 'k', 'EXAT', '1'], bulk('v')], // an absolute time in the past deletes the key
    [['EXISTS', 'k'], int(0)],
  ]);
});

test('MGET MSET MSETNX', async () => {
  await runRows(conn, [
    [['MSET', 'a', '1', 'b', '2'], OK],
    [['MGET', 'a', 'b', 'nokey', 'alist', 'a'], '*5\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n$-1\r\n$1\r\n1\r\n'],
    [['MGET'], arity('mget')],
    [['MSET', 'a'], arity('mset')],
    [['MSET', 'a', '1', 'b'], arity('mset')],
    [['MSETNX', 'a', '1', 'b'], arity('msetnx')],
    [['MSETNX', 'c', '3', 'a', 'x'], int(0)],
    [['MGET', 'c', 'a'], '*2\r\n$-1\r\n$1\r\n1\r\n'],
    [['MSETNX', 'c', '3', 'd', '4'], int(1)],
    [['MSETNX', 'e', '5', 'alist', 'x'], int(0)], // a key of any type counts as existing
    [['MSET', 'a', 'x', 'a', 'y'], OK], // the last pair wins
    [['GET', 'a'], bulk('y')],
    [['MSET', 'alist', 'now-a-string'], OK],
    [['GET', 'alist'], bulk('now-a-string')],
  ]);
});

test('APPEND STRLEN GETRANGE SUBSTR SETRANGE', async () => {
  await runRows(conn, [
    [['APPEND', 'k', 'Hello'], int(5)],
    [['APPEND', 'k', ' World'], int(11)],
    [['APPEND', 'k', ''], int(11)],
    [['APPEND', 'alist', 'x'], WRONGTYPE],
    [['APPEND', 'k'], arity('append')],
    [['APPEND', 'n', '\0\xff'], int(2)],
    [['STRLEN', 'k'], int(11)],
    [['STRLEN', 'n'], int(2)],
    [['STRLEN', 'nokey'], int(0)],
    [['STRLEN', 'alist'], WRONGTYPE],
    [['STRLEN'], arity('strlen')],
    [['GETRANGE', 'k', '0', '4'], bulk('Hello')],
    [['GETRANGE', 'k', '-5', '-1'], bulk('World')],
    [['GETRANGE', 'k', '0', '-1'], bulk('Hello World')],
    [['GETRANGE', 'k', '6', '1000'], bulk('World')],
    [['GETRANGE', 'k', '-100', '2'], bulk('Hel')],
    [['GETRANGE', 'k', '5', '3'], bulk('')],
    [['GETRANGE', 'k', '-1', '-5'], bulk('')],
    [['GETRANGE', 'k', '-1', '-1'], bulk('d')],
    [['GETRANGE', 'k', '20', '30'], bulk('')],
    [['GETRANGE', 'k', '-9223372036854775808', '9223372036854775807'], bulk('Hello World')],
    [['GETRANGE', 'k', 'a', '1'], NOT_INT],
    [['GETRANGE', 'k', '0', '1.0'], NOT_INT],
    [['GETRANGE', 'k', '0', '9223372036854775808'], NOT_INT],
    [['GETRANGE', 'nokey', '0', '-1'], bulk('')],
    [['GETRANGE', 'alist', '0', '-1'], WRONGTYPE],
    [['GETRANGE', 'alist', 'x', '-1'], NOT_INT], // the indexes are read before the key
    [['GETRANGE', 'k', '0'], arity('getrange')],
    [['SET', 'num', '12345'], OK],
    [['GETRANGE', 'num', '1', '2'], bulk('23')],
    [['SUBSTR', 'k', '0', '4'], bulk('Hello')],
    [['SUBSTR', 'k', '0'], arity('substr')],
    [['SETRANGE', 'k', '6', 'Redis'], int(11)],
    [['GET', 'k'], bulk('Hello Redis')],
    [['SETRANGE', 'k', '11', '!!'], int(13)],
    [['SETRANGE', 'pad', '3', 'x'], int(4)],
    [['GET', 'pad'], bulk('\0\0\0x')],
    [['SETRANGE', 'pad', '0', ''], int(4)],
    [['SETRANGE', 'nokey', '5', ''], int(0)],
    [['EXISTS', 'nokey'], int(0)],
    [['SETRANGE', 'k', '-1', 'x'], err('ERR offset is out of range')],
    [['SETRANGE', 'k', '-1', ''], err('ERR offset is out of range')],
    [['SETRANGE', 'k', 'x', 'x'], NOT_INT],
    [['SETRANGE', 'alist', '0', 'x'], WRONGTYPE],
    [['SETRANGE', 'alist', '0', ''], WRONGTYPE],
    [['SETRANGE', 'k', '9223372036854775807', 'x'], TOO_LONG],
    [['SETRANGE', 'k', '536870912', 'x'], TOO_LONG],
    [['SETRANGE', 'k', '0'], arity('setrange')],
  ]);
});

test('proto-max-bulk-len bounds APPEND, SETRANGE and LCS', async () => {
  await runRows(conn, [
    [['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'], OK],
    [['SETRANGE', 'big', '1048575', 'x'], int(1048576)],
    [['SETRANGE', 'big', '1048576', 'x'], TOO_LONG],
    [['SETRANGE', 'new', '1048576', 'x'], TOO_LONG],
    [['APPEND', 'big', 'y'], TOO_LONG],
    [['APPEND', 'big', ''], int(1048576)],
    [['STRLEN', 'big'], int(1048576)],
    [['SET', 'a', 'x'.repeat(600)], OK],
    [['SET', 'b', 'x'.repeat(400)], OK],
    [['LCS', 'a', 'b', 'LEN'], int(400)], // 601 × 401 × 4 bytes fits in 1 MB
    [['SET', 'b', 'x'.repeat(600)], OK],
    [['LCS', 'a', 'b', 'LEN'], err('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len')],
    [['LCS', 'a', 'b'], err('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len')],
    [['CONFIG', 'SET', 'proto-max-bulk-len', '512mb'], OK],
    [['LCS', 'a', 'b', 'LEN'], int(600)],
    [['APPEND', 'big', 'y'], int(1048577)],
  ]);
});

test('INCR DECR INCRBY DECRBY', async () => {
  await runRows(conn, [
    [['INCR', 'n'], int(1)],
    [['INCR', 'n'], int(2)],
    [['DECR', 'n'], int(1)],
    [['DECR', 'm'], int(-1)],
    [['INCRBY', 'n', '100'], int(101)],
    [['INCRBY', 'n', '-200'], int(-99)],
    [['DECRBY', 'n', '1'], int(-100)],
    [['DECRBY', 'n', '-100'], int(0)],
    [['INCR'], arity('incr')],
    [['INCRBY', 'n'], arity('incrby')],
    [['INCRBY', 'n', 'x'], NOT_INT],
    [['INCRBY', 'n', '1.5'], NOT_INT],
    [['INCRBY', 'n', '9223372036854775808'], NOT_INT],
    [['INCRBY', 'alist', 'x'], NOT_INT], // the increment is read before the key
    [['INCR', 'alist'], WRONGTYPE],
    [['DECRBY', 'alist', '1'], WRONGTYPE],
    [['SET', 's', 'abc'], OK],
    [['INCR', 's'], NOT_INT],
    [['SET', 's', ' 1'], OK],
    [['INCR', 's'], NOT_INT],
    [['SET', 's', '1 '], OK],
    [['INCR', 's'], NOT_INT],
    [['SET', 's', '01'], OK],
    [['INCR', 's'], NOT_INT],
    [['SET', 's', '+1'], OK],
    [['INCR', 's'], NOT_INT],
    [['SET', 's', '-0'], OK],
    [['INCR', 's'], NOT_INT],
    [['SET', 's', '1.0'], OK],
    [['INCR', 's'], NOT_INT],
    [['SET', 's', ''], OK],
    [['INCR', 's'], NOT_INT],
    [['SET', 's', '9223372036854775806'], OK],
    [['INCR', 's'], int('9223372036854775807')],
    [['INCR', 's'], err('ERR increment or decrement would overflow')],
    [['GET', 's'], bulk('9223372036854775807')],
    [['SET', 's', '-9223372036854775807'], OK],
    [['DECR', 's'], int('-9223372036854775808')],
    [['DECR', 's'], err('ERR increment or decrement would overflow')],
    [['INCRBY', 's', '9223372036854775807'], int(-1)],
    [['DECRBY', 's', '-9223372036854775808'], err('ERR decrement would overflow')],
    [['DECRBY', 'alist', '-9223372036854775808'], err('ERR decrement would overflow')],
    [['SET', 's', '9007199254740991'], OK],
    [['INCRBY', 's', '2'], int('9007199254740993')], // exact past 2^53
    [['INCRBY', 's', '-9007199254740993'], int(0)],
  ]);
});

test('INCRBYFLOAT', async () => {
  await runRows(conn, [
    [['SET', 'x', '12345.1'], OK],
    [['INCRBYFLOAT', 'x', '0.2'], bulk('12345.29999999999999982')],
    [['INCRBYFLOAT', 'x', '1e20'], bulk('100000000000000012344')],
    [['SET', 'y', '10.5'], OK],
    [['INCRBYFLOAT', 'y', '0.1'], bulk('10.6')],
    [['INCRBYFLOAT', 'y', '-10.6'], bulk('0')],
    [['INCRBYFLOAT', 'z', '3000'], bulk('3000')],
    [['INCRBYFLOAT', 'z', '1.23456789012345678901'], bulk('3001.23456789012345669')],
    [['INCRBYFLOAT', 'v', '5.0e-20'], bulk('0')],
    [['INCRBYFLOAT', 't', '0x10'], bulk('16')],
    [['INCRBYFLOAT', 't', '-0x1p2'], bulk('12')],
    [['INCRBYFLOAT', 't', 'abc'], NOT_FLOAT],
    [['INCRBYFLOAT', 't', ' 1'], NOT_FLOAT],
    [['INCRBYFLOAT', 't', 'nan'], NOT_FLOAT],
    [['INCRBYFLOAT', 't', ''], NOT_FLOAT],
    [['INCRBYFLOAT', 't', 'inf'], err('ERR increment would produce NaN or Infinity')],
    [['INCRBYFLOAT', 't', '1e4932'], /^\$4933\r\n1000000000000000000006018949387963891323837774254533114773785\d{4872}\r\n$/], // 12 is far below one ulp
    [['INCRBYFLOAT', 't', '1e4932'], err('ERR increment would produce NaN or Infinity')],
    [['SET', 's', 'abc'], OK],
    [['INCRBYFLOAT', 's', '1'], NOT_FLOAT],
    [['SET', 's', '1.5 '], OK],
    [['INCRBYFLOAT', 's', '1'], NOT_FLOAT],
    [['SET', 's', '1.5'], OK],
    [['INCRBYFLOAT', 's', '1'], bulk('2.5')],
    [['INCRBYFLOAT', 'alist', '1'], WRONGTYPE],
    [['INCRBYFLOAT', 'alist', 'x'], WRONGTYPE], // the key is checked before the increment
    [['INCRBYFLOAT', 's'], arity('incrbyfloat')],
  ]);
});

test('LCS', async () => {
  await runRows(conn, [
    [['MSET', 'a', 'ohmytext', 'b', 'mynewtext'], OK],
    [['LCS', 'a', 'b'], bulk('mytext')],
    [['LCS', 'a', 'b', 'len'], int(6)],
    [['LCS', 'a', 'b', 'IDX'], '*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n'],
    [['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'], '*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n'],
    [['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '-3'], '*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n'],
    [['LCS', 'a', 'nokey'], bulk('')],
    [['LCS', 'nokey', 'nokey2', 'LEN'], int(0)],
    [['LCS', 'a', 'b', 'LEN', 'IDX'], err('ERR If you want both the length and indexes, please just use IDX.')],
    [['LCS', 'a', 'b', 'MINMATCHLEN'], SYNTAX],
    [['LCS', 'a', 'b', 'MINMATCHLEN', 'x'], NOT_INT],
    [['LCS', 'a', 'b', 'FOO'], SYNTAX],
    [['LCS', 'a', 'b', 'LEN\0x'], int(6)],
    [['LCS', 'a', 'alist'], err('ERR The specified keys must contain string values')],
    [['LCS', 'alist', 'b', 'FOO'], err('ERR The specified keys must contain string values')],
    [['LCS', 'a'], arity('lcs')],
  ]);
  conn.send('HELLO', '3');
  await conn.read();
  await runRows(conn, [
    [['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4'], '%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n'],
  ]);
});

test('expiry: EX PX EXAT PXAT, KEEPTTL, and which writes keep a TTL', async () => {
  const now = srv.clock.ms;
  await runRows(conn, [
    [['SET', 'ex', 'v', 'EX', '10'], OK],
    [['SET', 'px', 'v', 'PX', '1500'], OK],
    [['SET', 'exat', 'v', 'EXAT', String(Math.floor(now / 1000) + 100)], OK],
    [['SET', 'pxat', 'v', 'PXAT', String(now + 2000)], OK],
    [['SETEX', 'setex', '5', 'v'], OK],
    [['PSETEX', 'psetex', '700', 'v'], OK],
  ]);
  assert.is(expiresAt('ex'), now + 10_000);
  assert.is(expiresAt('px'), now + 1500);
  assert.is(expiresAt('exat'), (Math.floor(now / 1000) + 100) * 1000);
  assert.is(expiresAt('pxat'), now + 2000);
  assert.is(expiresAt('setex'), now + 5000);
  assert.is(expiresAt('psetex'), now + 700);

  await runRows(conn, [
    [['SET', 'ex', 'w', 'KEEPTTL'], OK],
    [['SET', 'px', 'w'], OK], // a plain SET drops the TTL
    [['SET', 'kt', 'w', 'KEEPTTL'], OK],
    [['APPEND', 'ex', 'x'], int(2)],
    [['SETRANGE', 'ex', '0', 'y'], int(2)],
    [['SET', 'n', '1', 'PX', '5000'], OK],
    [['INCR', 'n'], int(2)],
    [['INCRBYFLOAT', 'n', '0.5'], bulk('2.5')],
    [['SET', 'gs', '1', 'PX', '5000'], OK],
    [['GETSET', 'gs', '2'], bulk('1')],
  ]);
  assert.is(expiresAt('ex'), now + 10_000);
  assert.is(expiresAt('px'), NO_EXPIRY);
  assert.is(expiresAt('kt'), NO_EXPIRY);
  assert.is(expiresAt('n'), now + 5000);
  assert.is(expiresAt('gs'), NO_EXPIRY);

  await runRows(conn, [
    [['GETEX', 'gs', 'PX', '300'], bulk('2')],
    [['GETEX', 'pxat', 'PERSIST'], bulk('v')],
  ]);
  assert.is(expiresAt('gs'), now + 300);
  assert.is(expiresAt('pxat'), NO_EXPIRY);

  srv.clock.advance(700);
  await runRows(conn, [[['GET', 'psetex'], bulk('v')]]); // a key expires once the time is past its expiry
  srv.clock.advance(1);
  await runRows(conn, [
    [['GET', 'psetex'], NIL],
    [['GET', 'gs'], NIL],
    [['STRLEN', 'setex'], int(1)],
  ]);
  srv.clock.advance(4300);
  await runRows(conn, [
    [['STRLEN', 'setex'], int(0)],
    [['INCR', 'n'], int(1)], // expired at +5000: INCR starts from a fresh key without a TTL
  ]);
  assert.is(expiresAt('n'), NO_EXPIRY);
  srv.clock.advance(5000);
  await runRows(conn, [
    [['MGET', 'ex', 'px', 'exat'], '*3\r\n$-1\r\n$1\r\nw\r\n$1\r\nv\r\n'],
    [['SET', 'nx', 'v', 'NX', 'PX', '10'], OK],
    [['GETEX', 'nx', 'PXAT', String(srv.clock.ms)], bulk('v')], // PXAT now: already expired, deleted
    [['EXISTS', 'nx'], int(0)],
  ]);
});

// Commands whose replies do not depend on the clock, sent to toyredis and to real redis-server.
const differential: string[][] = [
  ['SET', 'a', 'hello'], ['GET', 'a'], ['GET', 'nokey'], ['GET'], ['SET', 'a'],
  ['SET', 'a', 'v', 'NX'], ['SET', 'a', 'v2', 'XX', 'GET'], ['SET', 'b', 'v', 'XX'], ['SET', 'a', 'v', 'NX', 'XX'],
  ['SET', 'a', 'v', 'nx\0zz'], ['SET', 'a', 'v', 'GET\0'], ['SET', 'a', 'v', 'EX', '10', 'PX', '10'], ['SET', 'a', 'v', 'EX', '10', 'EX', '5'],
  ['SET', 'a', 'v', 'KEEPTTL', 'PX', '1'], ['SET', 'a', 'v', 'PX', '1', 'KEEPTTL'], ['SET', 'a', 'v', 'PERSIST'], ['SET', 'a', 'v', 'EX'],
  ['SET', 'a', 'v', 'EX', '0'], ['SET', 'a', 'v', 'EX', '-1'], ['SET', 'a', 'v', 'PX', 'x'], ['SET', 'a', 'v', 'EX', '9223372036854775807'],
  ['SET', 'a', 'v', 'EX', '9223372036854776'], ['SET', 'a', 'v', 'EXAT', '9223372036854776'], ['SET', 'a', 'v', 'PX', '9223372036854775807'],
  ['SET', 'gone', 'v', 'EXAT', '1'], ['GET', 'gone'], ['SET', 'later', 'v', 'PXAT', '4102444800000'], ['GET', 'later'],
  ['SETNX', 'a', 'x'], ['SETNX', 'c', 'x'], ['SETEX', 'a', '0', 'x'], ['SETEX', 'a', 'z', 'x'], ['PSETEX', 'a', '-1', 'x'],
  ['GETSET', 'a', 'new'], ['GETSET', 'nokey2', 'x'], ['GETDEL', 'nokey2'], ['GETDEL', 'nokey2'],
  ['GETEX', 'a'], ['GETEX', 'a', 'PERSIST'], ['GETEX', 'a', 'EX', '0'], ['GETEX', 'a', 'EX', '1', 'PX', '1'], ['GETEX', 'a', 'FOO'],
  ['GETEX', 'missing', 'EX', 'x'], ['GETEX', 'a', 'EXAT', '1'], ['GET', 'a'],
  ['MSET', 'a', '1', 'b', '2', 'c', '3'], ['MGET', 'a', 'b', 'nokey', 'c'], ['MSET', 'a', '1', 'b'], ['MSETNX', 'x', '1', 'a', '2'], ['MSETNX', 'x', '1', 'y', '2'],
  ['APPEND', 'ap', 'abc'], ['APPEND', 'ap', '\0\xff'], ['STRLEN', 'ap'], ['STRLEN', 'nokey'],
  ['SET', 'r', 'This is a string'], ['GETRANGE', 'r', '0', '3'], ['GETRANGE', 'r', '-3', '-1'], ['GETRANGE', 'r', '0', '-1'],
  ['GETRANGE', 'r', '10', '100'], ['GETRANGE', 'r', '-1', '-5'], ['GETRANGE', 'r', '5', '2'], ['GETRANGE', 'r', '-100', '-90'], ['GETRANGE', 'r', '100', '101'],
  ['GETRANGE', 'r', '-100', '100'], ['GETRANGE', 'r', 'a', 'b'], ['SUBSTR', 'r', '0', '3'], ['GETRANGE', 'nokey', '0', '1'],
  ['SETRANGE', 'r', '5', 'XX'], ['GET', 'r'], ['SETRANGE', 'r', '20', 'end'], ['GET', 'r'], ['SETRANGE', 'new', '3', ''], ['EXISTS', 'new'],
  ['SETRANGE', 'new', '2', 'x'], ['GET', 'new'], ['SETRANGE', 'r', '-1', 'x'], ['SETRANGE', 'r', 'x', 'x'], ['SETRANGE', 'r', '536870912', 'x'],
  ['SET', 'i', '10'], ['INCR', 'i'], ['DECR', 'i'], ['INCRBY', 'i', '-25'], ['DECRBY', 'i', '-25'], ['INCRBY', 'i', 'x'], ['DECRBY', 'i', '-9223372036854775808'],
  ['SET', 'i', '9223372036854775807'], ['INCR', 'i'], ['DECRBY', 'i', '9223372036854775807'], ['DECRBY', 'i', '9223372036854775807'], ['DECRBY', 'i', '2'],
  ['SET', 'i', '1e3'], ['INCR', 'i'], ['SET', 'i', '00'], ['INCR', 'i'], ['INCR', 'fresh'], ['DECR', 'fresh2'],
  ['INCRBYFLOAT', 'f', '10.5'], ['INCRBYFLOAT', 'f', '0.1'], ['INCRBYFLOAT', 'f', '-5e-1'], ['INCRBYFLOAT', 'f', '1.1e-18'], ['INCRBYFLOAT', 'f', 'x'],
  ['INCRBYFLOAT', 'f', 'inf'], ['INCRBYFLOAT', 'f', '-Infinity'], ['INCRBYFLOAT', 'f', '0x1.8p1'], ['INCRBYFLOAT', 'f', '1e308'], ['GET', 'f'],
  ['SET', 'i', '12'], ['INCRBYFLOAT', 'i', '0'], ['INCRBYFLOAT', 'r', '1'],
  ['MSET', 'l1', 'ABCBDAB', 'l2', 'BDCABA'], ['LCS', 'l1', 'l2'], ['LCS', 'l1', 'l2', 'LEN'], ['LCS', 'l1', 'l2', 'IDX'],
  ['LCS', 'l1', 'l2', 'IDX', 'WITHMATCHLEN'], ['LCS', 'l1', 'l2', 'IDX', 'MINMATCHLEN', '2'], ['LCS', 'l1', 'l2', 'LEN', 'IDX'],
  ['LCS', 'l1', 'l2', 'MINMATCHLEN'], ['LCS', 'l1', 'l2', 'MINMATCHLEN', '1.5'], ['LCS', 'l1', 'l2', 'bogus'], ['LCS', 'l1', 'nokey'], ['LCS', 'l1'],
  ['HELLO', '3'], ['GET', 'nokey'], ['SET', 'a', 'v', 'XX', 'GET'], ['LCS', 'l1', 'l2', 'IDX', 'WITHMATCHLEN'], ['MGET', 'a', 'nokey'], ['GETEX', 'nokey'],
];

test('differential: OBJECT ENCODING after writes in place (APPEND, SETRANGE, the bit commands) is raw, as in Redis', async () => {
  if (!hasRedis) return;
  const enc = (key: string) => ['OBJECT', 'ENCODING', key];
  await withRealRedis(async (real) => {
    await sameReplies(conn, real, [
      ['SET', 'n', '1234'], enc('n'), ['SETRANGE', 'n', '0', '2'], enc('n'), ['GET', 'n'],
      ['SET', 'n', '1234'], ['SETRANGE', 'n', '0', ''], enc('n'), ['SETRANGE', 'n', '5', '2'], enc('n'),
      ['SETRANGE', 'fresh', '0', 'ab'], enc('fresh'), ['SETRANGE', 'none', '0', ''], enc('none'),
      ['SET', 'a', 'ab'], ['APPEND', 'a', 'c'], enc('a'), ['APPEND', 'new', '12'], enc('new'), ['APPEND', 'new', '3'], enc('new'),
      ['SET', 'a', 'ab'], enc('a'), ['INCR', 'new'], enc('new'),
      ['SETBIT', 'b', '3', '1'], enc('b'), ['SET', 'b', '5'], ['SETBIT', 'b', '0', '0'], enc('b'),
      ['BITFIELD', 'bf', 'SET', 'u8', '0', '49'], enc('bf'), ['SET', 'bf', '7'], ['BITFIELD', 'bf', 'GET', 'u8', '0'], enc('bf'),
      ['SET', 'x', '1'], ['BITOP', 'OR', 'dest', 'x'], enc('dest'),
      ['SET', 'r', 'v'], ['SETRANGE', 'r', '0', 'w'], ['RENAME', 'r', 'r2'], enc('r2'), ['COPY', 'r2', 'r3'], enc('r3'),
    ]);
  });
});

test('differential: the same commands against real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    await sameReplies(conn, real, differential);
  });
});

test.run();
