import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { blockedClients, runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { arity, arr, bulk, bulks, EMPTY, err, int, NIL, NIL_ARRAY, NOT_INT, OK, SYNTAX, WRONGTYPE } from '../helpers/resp';
import { until } from '../helpers/wait';
import { List } from '../../lib/store/list';
import { Snapshot } from '../../lib/store/snapshot';
import {
  blockedOnKeysCount, handleClientsBlockedOnKeys, isBlockedOnKeys, signalDbReplaced, unblockClientOnKeys,
} from '../../lib/server/blocking';

const test = suite('commands/list');

const POSITIVE = err('ERR value is out of range, must be positive');

let srv: InProcess;
let conn: RawConnection;
/** What the server propagated: the db (-1 for MULTI/EXEC), then the argv. */
let propagated: string[][];

const connect = () => srv.connect();
const blockedCount = () => blockedClients(srv);
const waitBlocked = (n: number) => until(() => blockedCount() === n, `${n} blocked clients`);
const db0 = () => srv.server.keyspace.dbs[0];

test.before.each(async () => {
  srv = await startInProcess();
  conn = await connect();
  propagated = [];
  srv.server.propagation.sinks.push((db, argv) => propagated.push([String(db), ...argv]));
  db0().set('str', 'text');
});

test.after.each(() => srv.stop());

test('LPUSH RPUSH LPUSHX RPUSHX LLEN', async () => {
  await runRows(conn, [
    [['LPUSH', 'l'], arity('lpush')],
    [['LPUSH', 'l', 'a', 'b'], int(2)],
    [['RPUSH', 'l', 'c', 'd'], int(4)],
    [['LRANGE', 'l', '0', '-1'], bulks('b', 'a', 'c', 'd')],
    [['LPUSH', 'str', 'x'], WRONGTYPE],
    [['RPUSH', 'str', 'x'], WRONGTYPE],
    [['LPUSHX', 'nol', 'x'], int(0)],
    [['RPUSHX', 'nol', 'x', 'y'], int(0)],
    [['EXISTS', 'nol'], int(0)],
    [['LPUSHX', 'l', 'x', 'y'], int(6)],
    [['RPUSHX', 'l', 'z'], int(7)],
    [['LPUSHX', 'str', 'x'], WRONGTYPE],
    [['LLEN', 'l'], int(7)],
    [['LLEN', 'nol'], int(0)],
    [['LLEN', 'str'], WRONGTYPE],
    [['LLEN'], arity('llen')],
    [['RPUSH', 'bin', '\0\r\n', '', '\xff'], int(3)],
    [['LRANGE', 'bin', '0', '-1'], bulks('\0\r\n', '', '\xff')],
    [['TYPE', 'l'], '+list\r\n'],
    [['OBJECT', 'ENCODING', 'l'], bulk('quicklist')], // 7.0 reports quicklist whatever the size
  ]);
});

test('LPOP RPOP with and without count', async () => {
  await runRows(conn, [
    [['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'], int(5)],
    [['LPOP', 'l'], bulk('a')],
    [['RPOP', 'l'], bulk('e')],
    [['LPOP', 'l', '0'], EMPTY],
    [['LPOP', 'l', '2'], bulks('b', 'c')],
    [['RPOP', 'l', '5'], bulks('d')],
    [['EXISTS', 'l'], int(0)], // emptied lists are deleted
    [['LPOP', 'l'], NIL],
    [['LPOP', 'l', '1'], NIL_ARRAY],
    [['LPOP', 'l', '0'], NIL_ARRAY],
    [['RPOP', 'l', '-1'], POSITIVE],
    [['RPOP', 'l', 'x'], POSITIVE],
    [['RPOP', 'l', '1', '2'], arity('rpop')],
    [['LPOP'], arity('lpop')],
    [['LPOP', 'str'], WRONGTYPE],
    [['LPOP', 'str', '0'], WRONGTYPE], // the type is checked before the empty count answers
    [['RPUSH', 'r', '1', '2', '3'], int(3)],
    [['RPOP', 'r', '2'], bulks('3', '2')],
  ]);
});

test('LINDEX LSET LRANGE', async () => {
  await runRows(conn, [
    [['RPUSH', 'l', 'a', 'b', 'c'], int(3)],
    [['LINDEX', 'l', '0'], bulk('a')],
    [['LINDEX', 'l', '-1'], bulk('c')],
    [['LINDEX', 'l', '-3'], bulk('a')],
    [['LINDEX', 'l', '-4'], NIL],
    [['LINDEX', 'l', '3'], NIL],
    [['LINDEX', 'l', 'x'], NOT_INT],
    [['LINDEX', 'nol', 'x'], NIL], // a missing key answers before the index is parsed
    [['LINDEX', 'str', '0'], WRONGTYPE],
    [['LINDEX', 'l', '-9223372036854775808'], NIL],
    [['LSET', 'l', '1', 'B'], OK],
    [['LSET', 'l', '-1', 'C'], OK],
    [['LSET', 'l', '3', 'x'], err('ERR index out of range')],
    [['LSET', 'l', '-4', 'x'], err('ERR index out of range')],
    [['LSET', 'l', 'x', 'x'], NOT_INT],
    [['LSET', 'nol', '0', 'x'], err('ERR no such key')],
    [['LSET', 'str', '0', 'x'], WRONGTYPE],
    [['LRANGE', 'l', '0', '-1'], bulks('a', 'B', 'C')],
    [['LRANGE', 'l', '1', '1'], bulks('B')],
    [['LRANGE', 'l', '-2', '10'], bulks('B', 'C')],
    [['LRANGE', 'l', '-100', '100'], bulks('a', 'B', 'C')],
    [['LRANGE', 'l', '2', '1'], EMPTY],
    [['LRANGE', 'l', '3', '5'], EMPTY],
    [['LRANGE', 'l', '0', '-4'], EMPTY],
    [['LRANGE', 'l', 'a', '1'], NOT_INT],
    [['LRANGE', 'nol', 'a', '1'], NOT_INT], // here the indexes come first
    [['LRANGE', 'nol', '0', '-1'], EMPTY],
    [['LRANGE', 'str', '0', '-1'], WRONGTYPE],
  ]);
});

test('LTRIM LREM LINSERT', async () => {
  await runRows(conn, [
    [['RPUSH', 'l', '1', '2', '3', '4', '5'], int(5)],
    [['LTRIM', 'l', '1', '-2'], OK],
    [['LRANGE', 'l', '0', '-1'], bulks('2', '3', '4')],
    [['LTRIM', 'l', '0', '100'], OK],
    [['LTRIM', 'l', '-1', '-1'], OK],
    [['LRANGE', 'l', '0', '-1'], bulks('4')],
    [['LTRIM', 'l', '5', '10'], OK],
    [['EXISTS', 'l'], int(0)],
    [['LTRIM', 'nol', 'x', '0'], NOT_INT],
    [['LTRIM', 'nol', '0', '1'], OK],
    [['LTRIM', 'str', '0', '1'], WRONGTYPE],
    [['RPUSH', 'r', 'x', 'a', 'x', 'b', 'x', 'c', 'x'], int(7)],
    [['LREM', 'r', '2', 'x'], int(2)],
    [['LRANGE', 'r', '0', '-1'], bulks('a', 'b', 'x', 'c', 'x')],
    [['LREM', 'r', '-1', 'x'], int(1)],
    [['LRANGE', 'r', '0', '-1'], bulks('a', 'b', 'x', 'c')],
    [['LREM', 'r', '0', 'zz'], int(0)],
    [['LREM', 'r', '0', 'x'], int(1)],
    [['LREM', 'r', 'one', 'x'], NOT_INT],
    [['LREM', 'nol', '0', 'x'], int(0)],
    [['LREM', 'str', '0', 'x'], WRONGTYPE],
    [['LREM', 'r', '0', 'a'], int(1)],
    [['LREM', 'r', '0', 'b'], int(1)],
    [['LREM', 'r', '0', 'c'], int(1)],
    [['EXISTS', 'r'], int(0)],
    [['RPUSH', 'i', 'a', 'c', 'a'], int(3)],
    [['LINSERT', 'i', 'BEFORE', 'c', 'b'], int(4)],
    [['LINSERT', 'i', 'after', 'a', 'A'], int(5)],
    [['LRANGE', 'i', '0', '-1'], bulks('a', 'A', 'b', 'c', 'a')],
    [['LINSERT', 'i', 'AFTER', 'zz', 'x'], int(-1)],
    [['LINSERT', 'i', 'MIDDLE', 'a', 'x'], SYNTAX],
    [['LINSERT', 'nol', 'MIDDLE', 'a', 'x'], SYNTAX],
    [['LINSERT', 'nol', 'BEFORE', 'a', 'x'], int(0)],
    [['LINSERT', 'str', 'BEFORE', 'a', 'x'], WRONGTYPE],
    [['LINSERT', 'i', 'before\0junk', 'c', 'x'], int(6)], // keywords compare as C strings
    [['LINSERT', 'i', 'BEFORE', 'a'], arity('linsert')],
  ]);
});

test('LPOS', async () => {
  await runRows(conn, [
    [['RPUSH', 'l', 'a', 'b', 'c', '1', '2', '3', 'c', 'c'], int(8)],
    [['LPOS', 'l', 'a'], int(0)],
    [['LPOS', 'l', 'c'], int(2)],
    [['LPOS', 'l', 'z'], NIL],
    [['LPOS', 'l', 'c', 'RANK', '2'], int(6)],
    [['LPOS', 'l', 'c', 'RANK', '-1'], int(7)],
    [['LPOS', 'l', 'c', 'RANK', '-3'], int(2)],
    [['LPOS', 'l', 'c', 'RANK', '4'], NIL],
    [['LPOS', 'l', 'c', 'COUNT', '0'], arr(int(2), int(6), int(7))],
    [['LPOS', 'l', 'c', 'COUNT', '2'], arr(int(2), int(6))],
    [['LPOS', 'l', 'c', 'COUNT', '2', 'RANK', '-1'], arr(int(7), int(6))],
    [['LPOS', 'l', 'c', 'COUNT', '2', 'RANK', '2'], arr(int(6), int(7))],
    [['LPOS', 'l', 'z', 'COUNT', '2'], EMPTY],
    [['LPOS', 'l', 'c', 'MAXLEN', '2'], NIL],
    [['LPOS', 'l', 'c', 'MAXLEN', '3'], int(2)],
    [['LPOS', 'l', 'c', 'COUNT', '0', 'MAXLEN', '7'], arr(int(2), int(6))],
    [['LPOS', 'l', 'c', 'RANK', '-1', 'MAXLEN', '1'], int(7)],
    [['LPOS', 'l', 'c', 'RANK', '0'], err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")],
    [['LPOS', 'l', 'c', 'RANK', 'x'], NOT_INT],
    [['LPOS', 'l', 'c', 'COUNT', '-1'], err("ERR COUNT can't be negative")],
    [['LPOS', 'l', 'c', 'COUNT', 'x'], err("ERR COUNT can't be negative")],
    [['LPOS', 'l', 'c', 'MAXLEN', '-1'], err("ERR MAXLEN can't be negative")],
    [['LPOS', 'l', 'c', 'RANK'], SYNTAX],
    [['LPOS', 'l', 'c', 'BOGUS', '1'], SYNTAX],
    // -2^63 cannot be negated in C: every match counts from the tail and COUNT never stops the scan
    [['LPOS', 'l', 'c', 'RANK', '-9223372036854775808'], int(7)],
    [['LPOS', 'l', 'c', 'RANK', '-9223372036854775808', 'COUNT', '1'], arr(int(7), int(6), int(2))],
    [['LPOS', 'nol', 'c'], NIL],
    [['LPOS', 'nol', 'c', 'COUNT', '1'], EMPTY],
    [['LPOS', 'nol', 'c', 'RANK', '0'], err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")],
    [['LPOS', 'str', 'c'], WRONGTYPE],
  ]);
});

test('RPOPLPUSH LMOVE', async () => {
  await runRows(conn, [
    [['RPUSH', 's', 'a', 'b', 'c'], int(3)],
    [['RPOPLPUSH', 's', 'd'], bulk('c')],
    [['LMOVE', 's', 'd', 'LEFT', 'RIGHT'], bulk('a')],
    [['LRANGE', 'd', '0', '-1'], bulks('c', 'a')],
    [['LMOVE', 's', 'd', 'right', 'left'], bulk('b')],
    [['EXISTS', 's'], int(0)],
    [['LMOVE', 's', 'd', 'LEFT', 'LEFT'], NIL],
    [['LMOVE', 's', 'str', 'LEFT', 'LEFT'], NIL], // no source: nil, whatever the destination is
    [['LMOVE', 'd', 'str', 'LEFT', 'LEFT'], WRONGTYPE],
    [['LMOVE', 'str', 'd', 'LEFT', 'LEFT'], WRONGTYPE],
    [['LMOVE', 'd', 'd', 'UP', 'LEFT'], SYNTAX],
    [['LMOVE', 'nol', 'd', 'LEFT', 'DOWN'], SYNTAX],
    [['LMOVE', 'd', 'd', 'LEFT', 'RIGHT'], bulk('b')], // rotate
    [['LRANGE', 'd', '0', '-1'], bulks('c', 'a', 'b')],
    [['RPOPLPUSH', 'd', 'd'], bulk('b')],
    [['LRANGE', 'd', '0', '-1'], bulks('b', 'c', 'a')],
    [['RPOPLPUSH', 'd'], arity('rpoplpush')],
    [['LMOVE', 'd', 'e', 'LEFT'], arity('lmove')],
  ]);
});

test('LMPOP', async () => {
  await runRows(conn, [
    [['RPUSH', 'b', '1', '2', '3'], int(3)],
    [['LMPOP', '2', 'a', 'b', 'LEFT'], arr(bulk('b'), bulks('1'))],
    [['LMPOP', '2', 'a', 'b', 'RIGHT', 'COUNT', '10'], arr(bulk('b'), bulks('3', '2'))],
    [['LMPOP', '2', 'a', 'b', 'LEFT'], NIL_ARRAY],
    [['LMPOP', '1', 'str', 'LEFT'], WRONGTYPE],
    [['LMPOP', '2', 'a', 'str', 'LEFT'], WRONGTYPE],
    [['LMPOP', '0', 'a', 'LEFT'], err('ERR numkeys should be greater than 0')],
    [['LMPOP', 'x', 'a', 'LEFT'], err('ERR numkeys should be greater than 0')],
    [['LMPOP', '3', 'a', 'LEFT'], SYNTAX],
    [['LMPOP', '1', 'a', 'UP'], SYNTAX],
    [['LMPOP', '1', 'a', 'LEFT', 'COUNT'], SYNTAX],
    [['LMPOP', '1', 'a', 'LEFT', 'COUNT', '0'], err('ERR count should be greater than 0')],
    [['LMPOP', '1', 'a', 'LEFT', 'COUNT', 'x'], err('ERR count should be greater than 0')],
    [['LMPOP', '1', 'a', 'LEFT', 'COUNT', '1', 'COUNT', '1'], SYNTAX],
    [['LMPOP', '9223372036854775807', 'a', 'LEFT'], SYNTAX],
    [['LMPOP', '1', 'a'], arity('lmpop')],
  ]);
});

test('blocking pops answer at once when a list has elements; errors and timeouts', async () => {
  await runRows(conn, [
    [['RPUSH', 'l', 'a', 'b', 'c'], int(3)],
    [['BLPOP', 'nol', 'l', '0'], bulks('l', 'a')],
    [['BRPOP', 'l', '0'], bulks('l', 'c')],
    [['BLMPOP', '0', '2', 'nol', 'l', 'LEFT', 'COUNT', '5'], arr(bulk('l'), bulks('b'))],
    [['RPUSH', 'l', 'x', 'y'], int(2)],
    [['BRPOPLPUSH', 'l', 'd', '0'], bulk('y')],
    [['BLMOVE', 'l', 'd', 'LEFT', 'LEFT', '0'], bulk('x')],
    [['LRANGE', 'd', '0', '-1'], bulks('x', 'y')],
    [['BLPOP', 'str', '0'], WRONGTYPE],
    [['BLPOP', 'nol', 'str', '0'], WRONGTYPE],
    [['BLMOVE', 'str', 'd', 'LEFT', 'LEFT', '0'], WRONGTYPE],
    [['BLMOVE', 'd', 'str', 'LEFT', 'LEFT', '0'], WRONGTYPE],
    [['BLPOP', 'nol', '-1'], err('ERR timeout is negative')],
    [['BLPOP', 'nol', 'inf'], err('ERR timeout is negative')], // LLONG_MIN once converted, as in Redis
    [['BLPOP', 'nol', '1e400'], err('ERR timeout is negative')],
    [['BLPOP', 'nol', '1e16'], err('ERR timeout is negative')],
    [['BLPOP', 'nol', 'nan'], err('ERR timeout is not a float or out of range')],
    [['BLPOP', 'nol', ' 1'], err('ERR timeout is not a float or out of range')],
    [['BLPOP', 'nol', 'abc'], err('ERR timeout is not a float or out of range')],
    [['BLPOP', 'str', 'abc'], err('ERR timeout is not a float or out of range')], // timeout first
    [['BRPOPLPUSH', 'nol', 'd', 'x'], err('ERR timeout is not a float or out of range')],
    [['BLMOVE', 'nol', 'd', 'UP', 'LEFT', 'x'], SYNTAX], // ends before the timeout
    [['BLMOVE', 'nol', 'd', 'LEFT', 'LEFT', 'x'], err('ERR timeout is not a float or out of range')],
    [['BLMPOP', 'x', '1', 'nol', 'LEFT'], err('ERR timeout is not a float or out of range')],
    [['BLMPOP', 'x', '0', 'nol', 'LEFT'], err('ERR numkeys should be greater than 0')], // numkeys before timeout
    [['BLMPOP', '0', '1', 'nol', 'UP'], SYNTAX],
    [['BLPOP', 'nol'], arity('blpop')],
    [['BLMPOP', '0', '1', 'nol'], arity('blmpop')],
    [['BLPOP', 'nol', '0.01'], NIL_ARRAY],
    [['BLPOP', 'nol', '0x0.01p0'], NIL_ARRAY], // strtold's hex floats are timeouts too
    [['BLMPOP', '0.01', '1', 'nol', 'LEFT'], NIL_ARRAY],
    [['BRPOPLPUSH', 'nol', 'd', '0.01'], NIL_ARRAY],
    [['BLMOVE', 'nol', 'd', 'LEFT', 'LEFT', '0.01'], NIL_ARRAY], // a timed-out BLMOVE is a null array too
  ]);
  assert.is(blockedCount(), 0);
});

test('inside MULTI blocking commands answer as if timed out', async () => {
  await runRows(conn, [
    [['RPUSH', 'l', 'a'], int(1)],
    [['MULTI'], OK],
    [['BLPOP', 'l', '0'], '+QUEUED\r\n'],
    [['BLPOP', 'l', '0'], '+QUEUED\r\n'],
    [['BLMOVE', 'l', 'd', 'LEFT', 'LEFT', '0'], '+QUEUED\r\n'],
    [['BRPOPLPUSH', 'l', 'd', '0'], '+QUEUED\r\n'],
    [['BLMPOP', '0', '1', 'l', 'LEFT'], '+QUEUED\r\n'],
    [['EXEC'], arr(bulks('l', 'a'), NIL_ARRAY, NIL, NIL, NIL_ARRAY)],
  ]);
  assert.is(blockedCount(), 0);
});

test('propagation: pops and moves as Redis rewrites them', async () => {
  await runRows(conn, [
    [['RPUSH', 'l', 'a', 'b', 'c', 'd'], int(4)],
    [['BLPOP', 'l', '0'], bulks('l', 'a')],
    [['BRPOP', 'l', '0'], bulks('l', 'd')],
    [['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '9'], arr(bulk('l'), bulks('b', 'c'))],
    [['RPUSH', 'l', 'a', 'b', 'c'], int(3)],
    [['LMPOP', '1', 'l', 'RIGHT'], arr(bulk('l'), bulks('c'))],
    [['BLMOVE', 'l', 'm', 'left', 'Right', '0'], bulk('a')],
    [['BRPOPLPUSH', 'l', 'm', '0'], bulk('b')],
    [['LPOP', 'nol'], NIL], // nothing changed: nothing propagated
    [['LTRIM', 'm', '0', '-1'], OK], // nothing trimmed: nothing propagated
    [['LREM', 'm', '0', 'zz'], int(0)],
    [['LPOP', 'm', '5'], bulks('b', 'a')],
  ]);
  assert.equal(propagated, [
    ['0', 'RPUSH', 'l', 'a', 'b', 'c', 'd'],
    ['0', 'LPOP', 'l'],
    ['0', 'RPOP', 'l'],
    ['0', 'LPOP', 'l', '2'],
    ['0', 'RPUSH', 'l', 'a', 'b', 'c'],
    ['0', 'RPOP', 'l', '1'],
    ['0', 'LMOVE', 'l', 'm', 'left', 'Right'],
    ['0', 'RPOPLPUSH', 'l', 'm'],
    ['0', 'LPOP', 'm', '5'],
  ]);
});

test('WATCH: list writes abort EXEC; a no-op LTRIM touches the key too', async () => {
  const other = await connect();
  await runRows(conn, [[['RPUSH', 'l', 'a', 'b'], int(2)]]);
  for (const write of [['LPUSH', 'l', 'x'], ['LSET', 'l', '0', 'y'], ['LTRIM', 'l', '0', '-1'], ['LINSERT', 'l', 'BEFORE', 'a', 'z']]) {
    await runRows(conn, [[['WATCH', 'l'], OK], [['MULTI'], OK], [['LLEN', 'l'], '+QUEUED\r\n']]);
    await runRows(other, [[write, /^[+:]/]]);
    await runRows(conn, [[['EXEC'], NIL_ARRAY]]);
  }
  await runRows(conn, [[['WATCH', 'l'], OK], [['MULTI'], OK], [['LLEN', 'l'], '+QUEUED\r\n']]);
  await runRows(other, [[['LREM', 'l', '0', 'nothing'], int(0)]]); // removed nothing: touches nothing
  await runRows(conn, [[['EXEC'], arr(int(4))]]);
});

test('a snapshot in progress keeps the list as it was before an in-place change', async () => {
  await runRows(conn, [[['RPUSH', 'l', 'a', 'b', 'c'], int(3)], [['RPUSH', 'm', 'x'], int(1)]]);
  const ks = srv.server.keyspace;
  const snap = new Snapshot(ks);
  await runRows(conn, [
    [['LPUSH', 'l', 'new'], int(4)],
    [['LSET', 'l', '1', 'A'], OK],
    [['LPOP', 'm'], bulk('x')], // deleted outright
  ]);
  const seen = new Map<string, string[]>();
  const walk = snap.walk(db0(), 100, (records) => {
    for (const r of records) if (r.value instanceof List) seen.set(r.key, r.value.toArray());
  });
  while (!walk.next().done);
  snap.finish();
  assert.equal(seen.get('l'), ['a', 'b', 'c']);
  assert.equal(seen.get('m'), ['x']);
  assert.equal((db0().peek('l')!.value as List).toArray(), ['new', 'A', 'b', 'c']);
});

// ---- blocking: real sockets, served after the command that gave the key data ----

test('a blocked BLPOP is served by a later push, and counted in INFO while blocked', async () => {
  const b = await connect();
  b.send('BLPOP', 'nol', 'q', '0');
  await waitBlocked(1);
  await runRows(conn, [[['INFO', 'clients'], /blocked_clients:1\r\n/]]);
  await runRows(conn, [[['RPUSH', 'q', 'x', 'y'], int(2)]]);
  assert.is(await b.readRaw(), bulks('q', 'x'));
  await runRows(conn, [[['LRANGE', 'q', '0', '-1'], bulks('y')], [['INFO', 'clients'], /blocked_clients:0\r\n/]]);
  assert.equal(propagated, [['0', 'RPUSH', 'q', 'x', 'y'], ['0', 'LPOP', 'q']]);
});

test('the longest-waiting client is served first, one element each, the rest keep waiting', async () => {
  const [b1, b2, b3] = [await connect(), await connect(), await connect()];
  b1.send('BRPOP', 'q', '0');
  await waitBlocked(1);
  b2.send('BLPOP', 'q', '0');
  await waitBlocked(2);
  b3.send('BLMPOP', '0', '1', 'q', 'LEFT', 'COUNT', '5');
  await waitBlocked(3);
  await runRows(conn, [[['RPUSH', 'q', 'a', 'b'], int(2)]]);
  assert.is(await b1.readRaw(), bulks('q', 'b'));
  assert.is(await b2.readRaw(), bulks('q', 'a'));
  assert.is(blockedCount(), 1);
  await runRows(conn, [[['RPUSH', 'q', 'c', 'd', 'e'], int(3)]]);
  assert.is(await b3.readRaw(), arr(bulk('q'), bulks('c', 'd', 'e')));
  await runRows(conn, [[['EXISTS', 'q'], int(0)]]);
  assert.equal(propagated, [
    ['0', 'RPUSH', 'q', 'a', 'b'], ['0', 'RPOP', 'q'], ['0', 'LPOP', 'q'],
    ['0', 'RPUSH', 'q', 'c', 'd', 'e'], ['0', 'LPOP', 'q', '3'],
  ]);
});

test('serving waits for the end of the command: a pipelined pop by the pusher comes after the blocked client', async () => {
  const b = await connect();
  b.send('BLPOP', 'q', '0');
  await waitBlocked(1);
  conn.write('*3\r\n$5\r\nRPUSH\r\n$1\r\nq\r\n$1\r\nv\r\n*2\r\n$4\r\nLPOP\r\n$1\r\nq\r\n');
  assert.is(await conn.readRaw(), int(1));
  assert.is(await conn.readRaw(), NIL);
  assert.is(await b.readRaw(), bulks('q', 'v'));
});

test('MULTI/EXEC: the blocked client sees the state after EXEC, not between its commands', async () => {
  const b = await connect();
  b.send('BLPOP', 'q', '0');
  await waitBlocked(1);
  await runRows(conn, [
    [['MULTI'], OK],
    [['LPUSH', 'q', 'a'], '+QUEUED\r\n'],
    [['DEL', 'q'], '+QUEUED\r\n'],
    [['SET', 'q', 'str'], '+QUEUED\r\n'],
    [['EXEC'], arr(int(1), int(1), OK)],
  ]);
  assert.is(blockedCount(), 1); // a string now: nobody served
  await runRows(conn, [
    [['DEL', 'q'], int(1)],
    [['MULTI'], OK],
    [['LPUSH', 'q', 'a'], '+QUEUED\r\n'],
    [['LPUSH', 'q', 'b'], '+QUEUED\r\n'],
    [['EXEC'], arr(int(1), int(2))],
  ]);
  assert.is(await b.readRaw(), bulks('q', 'b'));
  // the EXEC goes out as one MULTI/EXEC unit, the served pop after it
  assert.equal(propagated.slice(-5), [['0', 'MULTI'], ['0', 'LPUSH', 'q', 'a'], ['0', 'LPUSH', 'q', 'b'], ['-1', 'EXEC'], ['0', 'LPOP', 'q']]);
});

test('a client blocked on several keys is served by the key that got data first', async () => {
  const b = await connect();
  b.send('BLPOP', 'k1', 'k2', 'k2', 'k1', '0');
  await waitBlocked(1);
  await runRows(conn, [[['MULTI'], OK], [['RPUSH', 'k2', 'two'], '+QUEUED\r\n'], [['RPUSH', 'k1', 'one'], '+QUEUED\r\n'], [['EXEC'], arr(int(1), int(1))]]);
  assert.is(await b.readRaw(), bulks('k2', 'two'));
  await runRows(conn, [[['LRANGE', 'k1', '0', '-1'], bulks('one')]]);
  assert.is(blockedCount(), 0);
});

test('BLMOVE served later: pushes to the destination, which wakes a client blocked there', async () => {
  const [mover, popper] = [await connect(), await connect()];
  popper.send('BLPOP', 'dst', '0');
  await waitBlocked(1);
  mover.send('BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '0');
  await waitBlocked(2);
  await runRows(conn, [[['RPUSH', 'src', 'a', 'foo'], int(2)]]);
  assert.is(await mover.readRaw(), bulk('foo'));
  assert.is(await popper.readRaw(), bulks('dst', 'foo'));
  await runRows(conn, [[['EXISTS', 'dst'], int(0)], [['LRANGE', 'src', '0', '-1'], bulks('a')]]);
  assert.equal(propagated, [['0', 'RPUSH', 'src', 'a', 'foo'], ['0', 'LMOVE', 'src', 'dst', 'right', 'left'], ['0', 'LPOP', 'dst']]);
});

test('linked and circular BRPOPLPUSH', async () => {
  const [b1, b2] = [await connect(), await connect()];
  b1.send('BRPOPLPUSH', 'l1', 'l2', '0');
  await waitBlocked(1);
  b2.send('BRPOPLPUSH', 'l2', 'l1', '0');
  await waitBlocked(2);
  await runRows(conn, [[['RPUSH', 'l1', 'foo'], int(1)]]);
  assert.is(await b1.readRaw(), bulk('foo'));
  assert.is(await b2.readRaw(), bulk('foo'));
  await runRows(conn, [[['LRANGE', 'l1', '0', '-1'], bulks('foo')], [['LRANGE', 'l2', '0', '-1'], EMPTY]]);
  assert.equal(propagated.slice(1), [['0', 'RPOPLPUSH', 'l1', 'l2'], ['0', 'RPOPLPUSH', 'l2', 'l1']]);
  const self = await connect();
  self.send('BRPOPLPUSH', 'me', 'me', '0');
  await waitBlocked(1);
  await runRows(conn, [[['RPUSH', 'me', 'x'], int(1)]]);
  assert.is(await self.readRaw(), bulk('x'));
  await runRows(conn, [[['LRANGE', 'me', '0', '-1'], bulks('x')]]);
});

test('BRPOPLPUSH to a destination of another type: WRONGTYPE for that client, the element stays for the next', async () => {
  const [b1, b2] = [await connect(), await connect()];
  b1.send('BRPOPLPUSH', 'src', 'str', '0');
  await waitBlocked(1);
  b2.send('BRPOPLPUSH', 'src', 'ok', '0');
  await waitBlocked(2);
  await runRows(conn, [[['LPUSH', 'src', 'foo'], int(1)]]);
  assert.is(await b1.readRaw(), WRONGTYPE);
  assert.is(await b2.readRaw(), bulk('foo'));
  await runRows(conn, [[['LRANGE', 'ok', '0', '-1'], bulks('foo')], [['EXISTS', 'src'], int(0)]]);
});

test('a key renamed into place wakes its waiters, in the order the values are popped', async () => {
  const b = await connect();
  b.send('BLMPOP', '0', '1', 'foo', 'LEFT', 'COUNT', '1');
  await waitBlocked(1);
  await runRows(conn, [[['LPUSH', 'bob', 'abc', 'def', 'hij'], int(3)], [['RENAME', 'bob', 'foo'], OK]]);
  assert.is(await b.readRaw(), arr(bulk('foo'), bulks('hij')));
  const c = await connect();
  c.send('BLPOP', 'moved', '0');
  await waitBlocked(1);
  await runRows(conn, [[['SELECT', '1'], OK], [['RPUSH', 'moved', 'm'], int(1)], [['MOVE', 'moved', '0'], int(1)]]);
  assert.is(await c.readRaw(), bulks('moved', 'm'));
});

test('a blocked client in another db waits on its own db', async () => {
  const b = await connect();
  await runRows(b, [[['SELECT', '3'], OK]]);
  b.send('BLPOP', 'q', '0');
  await waitBlocked(1);
  await runRows(conn, [[['RPUSH', 'q', 'db0'], int(1)]]);
  assert.is(blockedCount(), 1);
  await runRows(conn, [[['SELECT', '3'], OK], [['RPUSH', 'q', 'db3'], int(1)]]);
  assert.is(await b.readRaw(), bulks('q', 'db3'));
  assert.equal(propagated.at(-1), ['3', 'LPOP', 'q']);
});

test('timeouts: a short one answers nil and unparks; what was pipelined behind runs afterwards', async () => {
  const b = await connect();
  b.send('BLPOP', 'q', '0.02');
  b.send('PING');
  assert.is(await b.readRaw(), NIL_ARRAY);
  assert.is(await b.readRaw(), '+PONG\r\n');
  assert.is(blockedCount(), 0);
  b.send('BLMOVE', 'q', 'd', 'LEFT', 'LEFT', '0.02');
  assert.is(await b.readRaw(), NIL_ARRAY);
  b.send('BLPOP', 'q', '-0.0001'); // ceil(-0.1 ms) is 0: forever
  await waitBlocked(1);
  await runRows(conn, [[['RPUSH', 'q', 'late'], int(1)]]);
  assert.is(await b.readRaw(), bulks('q', 'late'));
});

test('a blocked client that disconnects is forgotten; the next push stays in the list', async () => {
  const b = await connect();
  b.send('BLPOP', 'q', 'k', '0');
  await waitBlocked(1);
  b.close();
  await until(() => srv.server.clients.size === 1, 'the disconnect');
  await runRows(conn, [[['RPUSH', 'q', 'kept'], int(1)], [['LRANGE', 'q', '0', '-1'], bulks('kept')]]);
  const killed = await connect();
  killed.send('CLIENT', 'ID');
  const id = (await killed.readRaw()).slice(1, -2);
  killed.send('BLPOP', 'k', '0');
  await waitBlocked(1);
  await runRows(conn, [[['CLIENT', 'KILL', 'ID', id], int(1)]]);
  await until(() => blockedCount() === 0 && srv.server.clients.size === 1, 'the kill');
  await runRows(conn, [[['RPUSH', 'k', 'kept'], int(1)], [['LLEN', 'k'], int(1)]]);
});

test('a key that expired before it could be served serves nobody, and its DEL is propagated', async () => {
  const b = await connect();
  b.send('BRPOP', 'k', '0.05');
  await waitBlocked(1);
  // time passes between EXEC and the serving round, as DEBUG SLEEP inside the transaction makes it in Redis's test
  srv.server.propagation.sinks.push((_db, argv) => {
    if (argv[0] === 'EXEC') srv.clock.advance(200);
  });
  await runRows(conn, [
    [['MULTI'], OK],
    [['RPUSH', 'k', 'hello'], '+QUEUED\r\n'],
    [['PEXPIRE', 'k', '100'], '+QUEUED\r\n'],
    [['EXEC'], arr(int(1), int(1))],
  ]);
  assert.is(blockedCount(), 1);
  assert.equal(propagated.map((argv) => argv[1]), ['MULTI', 'RPUSH', 'PEXPIREAT', 'EXEC', 'DEL']);
  assert.is(await b.readRaw(), NIL_ARRAY);
});

test('timeouts beyond what setTimeout holds, or past the int64 range, keep the client waiting', async () => {
  const b = await connect();
  b.send('BLPOP', 'q', '3000000'); // ~35 days: more than setTimeout's 2^31-1 ms
  await waitBlocked(1);
  const c = await connect();
  c.send('BLPOP', 'q', '9223372036854775'); // the deadline wraps in Redis: never times out
  await waitBlocked(2);
  await new Promise((r) => setTimeout(r, 20)); // a timer that overflowed would have fired by now
  assert.is(blockedCount(), 2);
  await runRows(conn, [[['RPUSH', 'q', 'a', 'b'], int(2)]]);
  assert.is(await b.readRaw(), bulks('q', 'a'));
  assert.is(await c.readRaw(), bulks('q', 'b'));
});

test('the CLIENT UNBLOCK hook: a timeout reply or the UNBLOCKED error; false for a client not blocked on keys', async () => {
  const b = await connect();
  b.send('BLMPOP', '0', '1', 'q', 'LEFT');
  await waitBlocked(1);
  const client = [...srv.server.clients.values()].find((c) => c.mode === 'blocked')!;
  assert.ok(isBlockedOnKeys(srv.server, client));
  assert.is(blockedOnKeysCount(srv.server), 1);
  assert.ok(unblockClientOnKeys(srv.server, client, 'timeout'));
  assert.is(await b.readRaw(), NIL_ARRAY);
  assert.not.ok(unblockClientOnKeys(srv.server, client, 'timeout'));
  b.send('BLPOP', 'q', '0');
  await waitBlocked(1);
  assert.ok(unblockClientOnKeys(srv.server, client, 'error'));
  assert.is(await b.readRaw(), err('UNBLOCKED client unblocked via CLIENT UNBLOCK'));
  await runRows(conn, [[['RPUSH', 'q', 'x'], int(1)], [['LLEN', 'q'], int(1)]]); // nobody waits any more
  assert.is(blockedOnKeysCount(srv.server), 0);
});

test('turning into a replica force-unblocks clients blocked on keys, and forgets them', async () => {
  const b = await connect();
  b.send('BLPOP', 'q', '0');
  await waitBlocked(1);
  srv.server.becomeReplicaOf('127.0.0.1', 1); // nothing listens there: only the unblocking matters here
  try {
    assert.is(await b.readRaw(), err('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)'));
    assert.is(blockedOnKeysCount(srv.server), 0);
  } finally {
    srv.server.promoteToMaster();
  }
  await runRows(conn, [[['RPUSH', 'q', 'x'], int(1)], [['LLEN', 'q'], int(1)]]);
});

test('the SWAPDB hook: waited-for keys that hold a list after the swap are served', async () => {
  const b = await connect();
  await runRows(b, [[['SELECT', '9'], OK]]);
  b.send('BRPOP', 'k', '0');
  await waitBlocked(1);
  await runRows(conn, [[['SELECT', '1'], OK], [['RPUSH', 'k', 'hello'], int(1)]]);
  const dbs = srv.server.keyspace.dbs;
  dbs[1].swapWith(dbs[9]);
  signalDbReplaced(srv.server, dbs[9]);
  handleClientsBlockedOnKeys(srv.server);
  assert.is(await b.readRaw(), bulks('k', 'hello'));
});

// Commands whose replies do not depend on timing, sent to toyredis and to real redis-server, compared byte for byte.
const differential: string[][] = [
  ['SET', 'str', 'text'], ['LPUSH', 'l', 'a', 'b', 'c'], ['RPUSH', 'l', '1', '2', '3', '007', '-5', '9223372036854775808'],
  ['LRANGE', 'l', '0', '-1'], ['LRANGE', 'l', '-3', '2'], ['LRANGE', 'l', '-100', '-50'], ['LRANGE', 'l', '5', '-1'], ['LRANGE', 'l', '1.5', '2'],
  ['LRANGE', 'l', '0', '9223372036854775807'], ['LRANGE', 'l', '-9223372036854775808', '1'], ['LRANGE', 'l', '0', '9223372036854775808'],
  ['LLEN', 'l'], ['LLEN', 'str'], ['LINDEX', 'l', '4'], ['LINDEX', 'l', '-9'], ['LINDEX', 'l', '-10'], ['LINDEX', 'l', '1e2'], ['LINDEX', 'nokey', 'x'],
  ['LSET', 'l', '0', 'A'], ['LSET', 'l', '-9', 'first'], ['LSET', 'l', '9', 'x'], ['LSET', 'nokey', '0', 'x'], ['LSET', 'str', 'x', 'x'],
  ['LPUSHX', 'nokey', 'a'], ['RPUSHX', 'l', 'tail1', 'tail2'], ['LPUSHX', 'str', 'a'], ['LPUSH', 'str', 'a'], ['LPUSH', 'l'],
  ['LPOP', 'l'], ['RPOP', 'l'], ['LPOP', 'l', '2'], ['RPOP', 'l', '0'], ['LPOP', 'nokey', '0'], ['LPOP', 'nokey'], ['LPOP', 'l', '-2'],
  ['LPOP', 'l', '1', 'x'], ['LPOP', 'str', '0'], ['LPOP', 'l', '9223372036854775807'], ['EXISTS', 'l'],
  ['RPUSH', 'r', 'x', 'a', 'x', 'b', 'x', 'c', 'x', 'x'], ['LREM', 'r', '-2', 'x'], ['LREM', 'r', '1', 'x'], ['LREM', 'r', '0', 'nothing'], ['LRANGE', 'r', '0', '-1'],
  ['LREM', 'r', '-9223372036854775808', 'x'], ['LREM', 'str', '0', 'x'], ['LREM', 'r', 'x', 'x'],
  ['LINSERT', 'r', 'BEFORE', 'a', 'A0'], ['LINSERT', 'r', 'AFTER', 'c', 'C1'], ['LINSERT', 'r', 'after', 'zz', 'x'], ['LINSERT', 'r', 'around', 'a', 'x'],
  ['LINSERT', 'nokey', 'BEFORE', 'a', 'x'], ['LINSERT', 'str', 'BEFORE', 'a', 'x'], ['LRANGE', 'r', '0', '-1'],
  ['LTRIM', 'r', '1', '-2'], ['LRANGE', 'r', '0', '-1'], ['LTRIM', 'r', '-1', '-2'], ['EXISTS', 'r'], ['LTRIM', 'str', '0', '1'], ['LTRIM', 'nokey', 'a', 'b'],
  ['RPUSH', 'p', 'a', 'b', 'c', '1', '2', '3', 'c', 'c'], ['LPOS', 'p', 'c'], ['LPOS', 'p', 'c', 'RANK', '-2'], ['LPOS', 'p', 'c', 'COUNT', '0', 'RANK', '-1'],
  ['LPOS', 'p', 'c', 'COUNT', '2', 'MAXLEN', '7'], ['LPOS', 'p', 'c', 'MAXLEN', '0'], ['LPOS', 'p', 'c', 'rank', '9223372036854775807'],
  ['LPOS', 'p', 'c', 'RANK', '-9223372036854775808', 'COUNT', '2'], ['LPOS', 'p', 'c', 'RANK', '-9223372036854775808', 'MAXLEN', '2'],
  ['LPOS', 'p', 'c', 'COUNT', '1', 'COUNT', '2'], ['LPOS', 'p', 'c', 'COUNT'], ['LPOS', 'p', 'c', 'RANK', '1.5'], ['LPOS', 'p', 'c', 'MAXLEN', '-1'],
  ['LPOS', 'p', 'c', 'COUNT', '-1'], ['LPOS', 'p', 'c', 'RANK', '0'], ['LPOS', 'nokey', 'c', 'COUNT', '3'], ['LPOS', 'str', 'c'],
  ['RPOPLPUSH', 'p', 'p2'], ['LMOVE', 'p', 'p2', 'LEFT', 'RIGHT'], ['LMOVE', 'p', 'p', 'left', 'left'], ['LMOVE', 'p', 'p2', 'left\0x', 'RIGHT'],
  ['LMOVE', 'p', 'str', 'LEFT', 'LEFT'], ['LMOVE', 'nokey', 'str', 'LEFT', 'LEFT'], ['LMOVE', 'p', 'p2', 'MIDDLE', 'LEFT'], ['LRANGE', 'p2', '0', '-1'],
  ['LMPOP', '3', 'nokey', 'p', 'p2', 'RIGHT', 'COUNT', '2'], ['LMPOP', '1', 'p', 'left', 'count', '100'], ['LMPOP', '1', 'nokey', 'LEFT'],
  ['LMPOP', '1', 'str', 'LEFT'], ['LMPOP', '-1', 'p', 'LEFT'], ['LMPOP', '2', 'p', 'LEFT'], ['LMPOP', '1', 'p', 'LEFT', 'COUNT', '-1'],
  ['LMPOP', '1', 'p', 'LEFT', 'LIMIT', '1'], ['LMPOP', '1', 'p2', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
  ['RPUSH', 'b', 'x', 'y', 'z'], ['BLPOP', 'nokey', 'b', '0'], ['BRPOP', 'b', '1.5'], ['BLMPOP', '0', '1', 'b', 'RIGHT', 'COUNT', '3'],
  ['BLPOP', 'str', '0'], ['BLPOP', 'b', '-1'], ['BLPOP', 'b', 'inf'], ['BLPOP', 'b', '-inf'], ['BLPOP', 'b', '1e400'], ['BLPOP', 'b', 'x'],
  ['BLPOP', 'nokey', '9223372036854776'], ['BLPOP', 'nokey', '1e16'], ['BLPOP', 'nokey', '0x1p70'], ['BLPOP', 'nokey', '1e-5000'],
  ['BLPOP', 'b', '0.01'], ['BLMOVE', 'b', 'c', 'LEFT', 'LEFT', '0.01'], ['BRPOPLPUSH', 'b', 'c', '0.01'], ['BLMPOP', '0.01', '1', 'b', 'LEFT'],
  ['BLMPOP', '0', '0', 'b', 'LEFT'], ['BLMPOP', 'x', '1', 'b', 'LEFT'], ['BLMOVE', 'b', 'c', 'UP', 'LEFT', 'x'], ['BRPOPLPUSH', 'b', 'c', 'x'],
  ['MULTI'], ['BLPOP', 'b', '0'], ['BLMOVE', 'b', 'c', 'LEFT', 'LEFT', '0'], ['BLMPOP', '0', '1', 'b', 'LEFT'], ['EXEC'],
  ['HELLO', '3'], ['LPOP', 'nokey'], ['LPOP', 'nokey', '1'], ['LINDEX', 'nokey', '0'], ['LPOS', 'nokey', 'x'], ['LMPOP', '1', 'nokey', 'LEFT'],
  ['BLPOP', 'nokey', '0.01'], ['BLMOVE', 'nokey', 'c', 'LEFT', 'LEFT', '0.01'], ['RPUSH', 'h', 'a'], ['BLMPOP', '0', '1', 'h', 'LEFT'],
  ['MULTI'], ['BLMOVE', 'nokey', 'c', 'LEFT', 'LEFT', '0'], ['EXEC'], ['HELLO', '2'],
  ['COMMAND', 'INFO', 'lpush', 'rpush', 'lpushx', 'rpushx', 'lpop', 'rpop', 'llen', 'lindex', 'lset', 'lrange', 'ltrim', 'lrem', 'linsert', 'lpos', 'blpop', 'brpop'],
];

test('differential: the same commands against real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    const mine = await connect();
    await sameReplies(mine, real, differential);
  });
});

test.run();
