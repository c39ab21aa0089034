import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Propagated, runRows, startInProcess, type InProcess, type Row } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { label, withRealRedis } from '../helpers/differential';
import { arity, arr, bulk, err, int, NIL, NOT_INT, OK, status, SYNTAX } from '../helpers/resp';
import { systemClock } from '../../lib/store/keyspace';
import type { Collection } from '../../lib/store/types';
import type { Reply } from '../../lib/protocol/reply';

const test = suite('commands/generic');

const keys = (...names: string[]) => arr(...names.map(bulk));
const badExpire = (cmd: string) => err(`ERR invalid expire time in '${cmd}' command`);
const SAME = err('ERR source and destination objects are the same');
const DB_RANGE = err('ERR DB index is out of range');

const T0 = 1_700_000_000_000; // FakeClock's start

/** A stand-in collection, so that type-generic commands can be tested before the collection types exist. */
class FakeList implements Collection {
  readonly type = 'list';
  constructor(readonly items: string[]) {}
  encoding(): string {
    return 'quicklist';
  }
  clone(): FakeList {
    return new FakeList([...this.items]);
  }
}

let srv: InProcess;
let conn: RawConnection;
let propagated: Propagated;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
  propagated = new Propagated(srv);
});

test.after.each(() => srv.stop());

const db = (i = 0) => srv.server.keyspace.dbs[i];
/** Send one command; return what it propagated to replicas. */
const propagation = (...argv: string[]) => propagated.of(conn, ...argv);

test('DEL UNLINK EXISTS TYPE', async () => {
  db().set('alist', new FakeList(['a']));
  const rows: Row[] = [
    [['DEL'], arity('del')],
    [['UNLINK'], arity('unlink')],
    [['EXISTS'], arity('exists')],
    [['TYPE'], arity('type')],
    [['TYPE', 'a', 'b'], arity('type')],
    [['MSET', 'a', '1', 'b', '2', 'c', '3', '', 'empty'], OK],
    [['EXISTS', 'a'], int(1)],
    [['EXISTS', 'a', 'a', 'nokey', 'b', 'a'], int(4)], // repeats count
    [['EXISTS', ''], int(1)],
    [['TYPE', 'a'], status('string')],
    [['TYPE', 'alist'], status('list')],
    [['TYPE', 'nokey'], status('none')],
    [['DEL', 'a', 'a', 'nokey'], int(1)],
    [['DEL', 'a'], int(0)],
    [['UNLINK', 'b', 'c', 'alist'], int(3)],
    [['EXISTS', 'a', 'b', 'c', 'alist'], int(0)],
    [['DEL', ''], int(1)],
    [['DBSIZE'], int(0)],
  ];
  await runRows(conn, rows);
});

test('an expired key is gone for DEL, EXISTS, TYPE', async () => {
  await runRows(conn, [
    [['SET', 'k', 'v', 'PX', '100'], OK],
    [['SET', 'k2', 'v', 'PX', '100'], OK],
  ]);
  srv.clock.advance(101);
  await runRows(conn, [
    [['EXISTS', 'k'], int(0)],
    [['TYPE', 'k'], status('none')],
    [['DEL', 'k2'], int(0)],
  ]);
});

test('KEYS', async () => {
  db().set('alist', new FakeList([]));
  await runRows(conn, [
    [['KEYS'], arity('keys')],
    [['KEYS', 'a', 'b'], arity('keys')],
    [['KEYS', '*'], keys('alist')],
    [['DEL', 'alist'], int(1)],
    [['KEYS', '*'], arr()],
    [['MSET', 'foo', '1', 'foobar', '2', 'fo', '3', 'f[o]', '4', 'hello', '5', 'hallo', '6', 'h\xe9llo', '7', '', '8'], OK],
    [['KEYS', '*'], keys('foo', 'foobar', 'fo', 'f[o]', 'hello', 'hallo', 'h\xe9llo', '')],
    [['KEYS', 'fo*'], keys('foo', 'foobar', 'fo')],
    [['KEYS', 'f?o'], keys('foo')],
    [['KEYS', 'f[o]'], keys('fo')],
    [['KEYS', 'f\\[o]'], keys('f[o]')],
    [['KEYS', 'h[^e]llo'], keys('hallo', 'h\xe9llo')],
    [['KEYS', 'h[a-z]llo'], keys('hello', 'hallo')],
    [['KEYS', '**'], keys('foo', 'foobar', 'fo', 'f[o]', 'hello', 'hallo', 'h\xe9llo')], // only "*" matches ""
    [['KEYS', ''], keys('')],
    [['KEYS', 'nothing*'], arr()],
  ]);
});

test('KEYS hides expired keys', async () => {
  await runRows(conn, [
    [['SET', 'short', 'v', 'PX', '100'], OK],
    [['SET', 'long', 'v', 'PX', '1000'], OK],
    [['SET', 'forever', 'v'], OK],
  ]);
  srv.clock.advance(100);
  await runRows(conn, [[['KEYS', '*'], keys('short', 'long', 'forever')]]); // due this millisecond: still alive
  srv.clock.advance(1);
  await runRows(conn, [[['KEYS', '*'], keys('long', 'forever')]]);
});

test('KEYS with patterns that are exponential to a naive matcher', async () => {
  await runRows(conn, [
    [['SET', 'a'.repeat(40), '1'], OK],
    [['KEYS', 'a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b'], arr()],
    [['SET', 'a'.repeat(10000), '1'], OK],
    [['KEYS', '*a'.repeat(2000) + 'b'], arr()],
    [['KEYS', '*a'.repeat(2000) + '*'], keys('a'.repeat(10000))],
    [['KEYS', '*a'.repeat(40) + '*'], keys('a'.repeat(40), 'a'.repeat(10000))],
  ]);
});

test('SCAN: arguments and errors', async () => {
  await runRows(conn, [
    [['SCAN'], arity('scan')],
    [['SCAN', 'x'], err('ERR invalid cursor')],
    [['SCAN', '0x1'], err('ERR invalid cursor')],
    [['SCAN', ' 1'], err('ERR invalid cursor')],
    [['SCAN', '1 '], err('ERR invalid cursor')],
    [['SCAN', '18446744073709551616'], err('ERR invalid cursor')],
    [['SCAN', 'x', 'COUNT', 'x'], err('ERR invalid cursor')], // the cursor is parsed first
    // strtoul(): empty is 0, signs are accepted, -1 wraps; a NUL byte ends the C string
    [['SCAN', ''], arr(bulk('0'), arr())],
    [['SCAN', '+0'], arr(bulk('0'), arr())],
    [['SCAN', '-1'], arr(bulk('0'), arr())],
    [['SCAN', '18446744073709551615'], arr(bulk('0'), arr())],
    [['SCAN', '0\0junk'], arr(bulk('0'), arr())],
    [['SCAN', '0', 'COUNT'], SYNTAX],
    [['SCAN', '0', 'COUNT', '0'], SYNTAX],
    [['SCAN', '0', 'COUNT', '-1'], SYNTAX],
    [['SCAN', '0', 'COUNT', 'x'], NOT_INT],
    [['SCAN', '0', 'COUNT', 'x', 'FOO'], NOT_INT],
    [['SCAN', '0', 'FOO', 'COUNT', 'x'], SYNTAX],
    [['SCAN', '0', 'MATCH'], SYNTAX],
    [['SCAN', '0', 'TYPE'], SYNTAX],
    [['SCAN', '0', 'foo', 'bar'], SYNTAX],
    [['SCAN', '0', 'count', '5', 'match', '*', 'type', 'string', 'COUNT\0x', '10'], arr(bulk('0'), arr())],
  ]);
});

test('SCAN: MATCH, TYPE, expired keys', async () => {
  db().set('alist', new FakeList([]));
  await runRows(conn, [
    [['MSET', 'foo', '1', 'foobar', '2', 'fo', '3', 'bar', '4'], OK],
    [['SET', 'gone', 'v', 'PX', '10'], OK],
    [['SCAN', '0', 'COUNT', '100'], keysReply('alist', 'foo', 'foobar', 'fo', 'bar', 'gone')],
  ]);
  srv.clock.advance(11);
  await runRows(conn, [
    [['SCAN', '0', 'COUNT', '100'], keysReply('alist', 'foo', 'foobar', 'fo', 'bar')],
    [['SCAN', '0', 'COUNT', '100', 'MATCH', 'fo*'], keysReply('foo', 'foobar', 'fo')],
    [['SCAN', '0', 'COUNT', '100', 'MATCH', '*'], keysReply('alist', 'foo', 'foobar', 'fo', 'bar')],
    [['SCAN', '0', 'COUNT', '100', 'TYPE', 'LIST'], keysReply('alist')],
    [['SCAN', '0', 'COUNT', '100', 'type', 'string', 'match', '*bar'], keysReply('foobar', 'bar')],
    [['SCAN', '0', 'COUNT', '100', 'TYPE', 'hash'], keysReply()],
    [['SCAN', '0', 'COUNT', '100', 'TYPE', 'string\0junk', 'MATCH', 'f?'], keysReply('fo')],
  ]);
  assert.is(db().size, 5, 'SCAN deleted the expired key');
});

/** A complete SCAN reply (cursor 0) listing these keys in slot order. */
function keysReply(...names: string[]): string {
  return arr(bulk('0'), keys(...names));
}

test('SCAN returns every key present for the whole iteration', async () => {
  const stay: string[] = [];
  const args: string[] = [];
  for (let i = 0; i < 500; i++) {
    stay.push(`key:${i}`);
    args.push(`key:${i}`, String(i));
  }
  await runRows(conn, [[['MSET', ...args], OK]]);
  const seen = new Map<string, number>();
  let cursor = '0', calls = 0, added = 0;
  do {
    conn.send('SCAN', cursor, 'COUNT', '7');
    const reply = (await conn.read()) as Extract<Reply, { kind: 'array' }>;
    const [c, list] = reply.items as [Extract<Reply, { kind: 'bulk' }>, Extract<Reply, { kind: 'array' }>];
    cursor = String(c.value);
    for (const item of list.items) {
      const k = String((item as Extract<Reply, { kind: 'bulk' }>).value);
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    // churn while iterating: delete a key that is not part of `stay`'s guarantee, add new ones
    if (++calls % 5 === 0) {
      const victim = stay.splice(calls, 1)[0];
      if (victim) await runRows(conn, [[['DEL', victim], int(1)]]);
      await runRows(conn, [[['SET', `new:${added++}`, 'x'], OK]]);
    }
  } while (cursor !== '0');
  for (const k of stay) assert.is(seen.get(k), 1, `${k} returned once`);
  assert.ok(calls > 500 / 7, 'COUNT bounds each call');
});

test('RANDOMKEY', async () => {
  await runRows(conn, [
    [['RANDOMKEY', 'x'], arity('randomkey')],
    [['RANDOMKEY'], NIL],
    [['SET', 'only', 'v'], OK],
    [['RANDOMKEY'], bulk('only')],
    [['SET', 'gone', 'v', 'PX', '5'], OK],
  ]);
  srv.clock.advance(6);
  for (let i = 0; i < 20; i++) await runRows(conn, [[['RANDOMKEY'], bulk('only')]]);
  await runRows(conn, [
    [['DEL', 'only'], int(1)],
    [['RANDOMKEY'], NIL],
  ]);
});

test('RENAME RENAMENX', async () => {
  db().set('alist', new FakeList(['x']));
  await runRows(conn, [
    [['RENAME', 'a'], arity('rename')],
    [['RENAMENX', 'a', 'b', 'c'], arity('renamenx')],
    [['RENAME', 'nokey', 'b'], err('ERR no such key')],
    [['RENAMENX', 'nokey', 'b'], err('ERR no such key')],
    [['RENAME', 'nokey', 'nokey'], err('ERR no such key')],
    [['SET', 'a', '1'], OK],
    [['RENAME', 'a', 'a'], OK],
    [['RENAMENX', 'a', 'a'], int(0)],
    [['RENAME', 'a', 'b'], OK],
    [['EXISTS', 'a'], int(0)],
    [['GET', 'b'], bulk('1')],
    [['SET', 'c', '2'], OK],
    [['RENAMENX', 'b', 'c'], int(0)],
    [['RENAMENX', 'b', 'd'], int(1)],
    [['RENAME', 'd', 'c'], OK],
    [['GET', 'c'], bulk('1')],
    [['KEYS', '*'], keys('alist', 'c')],
    [['RENAME', 'alist', 'list2'], OK],
    [['TYPE', 'list2'], status('list')],
  ]);
});

test('RENAME keeps the TTL of the source, not of the target', async () => {
  await runRows(conn, [
    [['SET', 'v', 'x', 'EX', '100'], OK],
    [['RENAME', 'v', 'w'], OK],
    [['PTTL', 'w'], int(100000)],
    [['SET', 'target', 'y', 'EX', '500'], OK],
    [['SET', 'plain', 'z'], OK],
    [['RENAME', 'plain', 'target'], OK],
    [['TTL', 'target'], int(-1)],
    [['SET', 'soon', 'x', 'PX', '10'], OK],
  ]);
  srv.clock.advance(11);
  await runRows(conn, [[['RENAME', 'soon', 'later'], err('ERR no such key')]]);
});

test('MOVE', async () => {
  await runRows(conn, [
    [['MOVE', 'k'], arity('move')],
    [['SET', 'k', 'v', 'EX', '100'], OK],
    [['MOVE', 'k', 'x'], NOT_INT],
    [['MOVE', 'k', '2147483648'], err('ERR value is out of range, value must between -2147483648 and 2147483647')],
    [['MOVE', 'k', '-2147483648'], DB_RANGE],
    [['MOVE', 'k', '-1'], DB_RANGE],
    [['MOVE', 'k', '16'], DB_RANGE],
    [['MOVE', 'k', '0'], SAME],
    [['MOVE', 'nokey', '0'], SAME], // checked before the key
    [['MOVE', 'nokey', '1'], int(0)],
    [['MOVE', 'k', '1'], int(1)],
    [['EXISTS', 'k'], int(0)],
    [['SELECT', '1'], OK],
    [['GET', 'k'], bulk('v')],
    [['PTTL', 'k'], int(100000)],
    [['SET', 'k2', 'other'], OK],
    [['SELECT', '0'], OK],
    [['SET', 'k2', 'mine'], OK],
    [['MOVE', 'k2', '1'], int(0)], // exists in the target
    [['GET', 'k2'], bulk('mine')],
    [['SET', 'plain', 'p'], OK],
    [['MOVE', 'plain', '2'], int(1)],
    [['SELECT', '2'], OK],
    [['TTL', 'plain'], int(-1)],
  ]);
});

test('COPY', async () => {
  const list = new FakeList(['a', 'b']);
  db().set('alist', list);
  await runRows(conn, [
    [['COPY', 'a'], arity('copy')],
    [['SET', 'src', 'v', 'PX', '5000'], OK],
    [['COPY', 'src', 'src'], SAME],
    [['COPY', 'src', 'src', 'DB', '0'], SAME],
    [['COPY', 'nokey', 'nokey'], SAME],
    [['COPY', 'src', 'dst', 'DB'], SYNTAX],
    [['COPY', 'src', 'dst', 'DB', 'x'], NOT_INT],
    [['COPY', 'src', 'dst', 'DB', '99'], DB_RANGE],
    [['COPY', 'src', 'dst', 'FOO'], SYNTAX],
    [['COPY', 'src', 'dst', 'DB', '99', 'FOO'], DB_RANGE], // options are checked in order
    [['COPY', 'src', 'dst', 'FOO', 'DB', '99'], SYNTAX],
    [['COPY', 'nokey', 'dst'], int(0)],
    [['COPY', 'src', 'dst'], int(1)],
    [['GET', 'dst'], bulk('v')],
    [['PTTL', 'dst'], int(5000)],
    [['COPY', 'src', 'dst'], int(0)],
    [['SET', 'src', 'new'], OK],
    [['COPY', 'src', 'dst'], int(0)],
    [['GET', 'dst'], bulk('v')],
    [['COPY', 'src', 'dst', 'REPLACE'], int(1)],
    [['GET', 'dst'], bulk('new')],
    [['TTL', 'dst'], int(-1)], // a copy without TTL does not keep the replaced key's
    [['COPY', 'src', 'src', 'db', '3', 'replace'], int(1)],
    [['COPY', 'src', 'src', 'DB', '3'], int(0)],
    [['SELECT', '3'], OK],
    [['GET', 'src'], bulk('new')],
    [['SELECT', '0'], OK],
    [['COPY', 'alist', 'list2'], int(1)],
    [['TYPE', 'list2'], status('list')],
  ]);
  const copy = db().peek('list2')!.value as FakeList;
  assert.is.not(copy, list, 'a collection is duplicated, not shared');
  assert.equal(copy.items, ['a', 'b']);
});

test('EXPIRE PEXPIRE EXPIREAT PEXPIREAT and the TTL family', async () => {
  await runRows(conn, [
    [['EXPIRE', 'k'], arity('expire')],
    [['PEXPIREAT', 'k'], arity('pexpireat')],
    [['TTL'], arity('ttl')],
    [['PEXPIRETIME', 'a', 'b'], arity('pexpiretime')],
    [['EXPIRE', 'nokey', '100'], int(0)],
    [['TTL', 'nokey'], int(-2)],
    [['PTTL', 'nokey'], int(-2)],
    [['EXPIRETIME', 'nokey'], int(-2)],
    [['PEXPIRETIME', 'nokey'], int(-2)],
    [['SET', 'k', 'v'], OK],
    [['TTL', 'k'], int(-1)],
    [['PTTL', 'k'], int(-1)],
    [['EXPIRETIME', 'k'], int(-1)],
    [['PEXPIRETIME', 'k'], int(-1)],
    [['EXPIRE', 'k', 'abc'], NOT_INT],
    [['EXPIRE', 'k', ''], NOT_INT],
    [['EXPIRE', 'k', '1.5'], NOT_INT],
    [['EXPIRE', 'k', '100'], int(1)],
    [['TTL', 'k'], int(100)],
    [['PTTL', 'k'], int(100000)],
    [['EXPIRETIME', 'k'], int(T0 / 1000 + 100)],
    [['PEXPIRETIME', 'k'], int(T0 + 100000)],
    [['PEXPIRE', 'k', '1500'], int(1)],
    [['TTL', 'k'], int(2)], // rounded: (1500 + 500) / 1000
    [['PEXPIRE', 'k', '1499'], int(1)],
    [['TTL', 'k'], int(1)],
    [['EXPIREAT', 'k', String(T0 / 1000 + 50)], int(1)],
    [['PTTL', 'k'], int(50000)],
    [['PEXPIREAT', 'k', String(T0 + 1234)], int(1)],
    [['PEXPIRETIME', 'k'], int(T0 + 1234)],
    [['EXPIRETIME', 'k'], int(T0 / 1000 + 1)],
  ]);
  srv.clock.advance(1234);
  await runRows(conn, [
    [['PTTL', 'k'], int(0)], // due this very millisecond: still there
    [['TTL', 'k'], int(0)],
    [['GET', 'k'], bulk('v')],
  ]);
  srv.clock.advance(1);
  await runRows(conn, [
    [['PTTL', 'k'], int(-2)],
    [['GET', 'k'], NIL],
    [['EXPIRE', 'k', '100'], int(0)],
  ]);
});

test('EXPIRE in the past deletes the key', async () => {
  await runRows(conn, [
    [['SET', 'k', 'v'], OK],
    [['EXPIRE', 'k', '-1'], int(1)],
    [['EXISTS', 'k'], int(0)],
    [['SET', 'k', 'v'], OK],
    [['EXPIRE', 'k', '0'], int(1)],
    [['EXISTS', 'k'], int(0)],
    [['SET', 'k', 'v'], OK],
    [['PEXPIREAT', 'k', String(T0)], int(1)], // now is already past for an expire command (<=)
    [['EXISTS', 'k'], int(0)],
    [['SET', 'k', 'v'], OK],
    [['EXPIREAT', 'k', '1'], int(1)],
    [['EXISTS', 'k'], int(0)],
    [['SET', 'k', 'v'], OK],
    [['PEXPIREAT', 'k', '-9223372036854770000'], int(1)],
    [['TTL', 'k'], int(-2)],
  ]);
});

test('EXPIRE overflow checks', async () => {
  await runRows(conn, [
    [['SET', 'foo', 'bar'], OK],
    [['EXPIRE', 'foo', '9223370399119966'], badExpire('expire')], // when > LLONG_MAX - basetime
    [['EXPIRE', 'foo', '9223372036854776'], badExpire('expire')], // when > LLONG_MAX / 1000
    [['EXPIRE', 'foo', '10000000000000000'], badExpire('expire')],
    [['EXPIRE', 'foo', '18446744073709561'], badExpire('expire')],
    [['EXPIRE', 'foo', '-9223372036854776'], badExpire('expire')], // when < LLONG_MIN / 1000
    [['EXPIREAT', 'foo', '9223372036854776'], badExpire('expireat')],
    [['PEXPIRE', 'foo', '9223372036854770000'], badExpire('pexpire')],
    [['PEXPIRE', 'foo', '9223372036854775808'], NOT_INT],
    [['TTL', 'foo'], int(-1)],
    [['EXPIRE', 'foo', String((2n ** 63n - 1n - BigInt(T0)) / 1000n + 1n)], badExpire('expire')],
    [['EXPIRE', 'foo', String((2n ** 63n - 1n - BigInt(T0)) / 1000n)], int(1)], // the largest that fits
    [['PEXPIREAT', 'foo', '9223372036854770000'], int(1)],
    [['EXPIREAT', 'foo', '9223372036854775'], int(1)],
    [['EXISTS', 'foo'], int(1)],
    [['EXPIRE', 'nokey', '9223372036854776'], badExpire('expire')], // checked before the key
  ]);
});

test('EXPIRE NX XX GT LT', async () => {
  await runRows(conn, [
    [['SET', 'k', 'v'], OK],
    [['EXPIRE', 'k', '100', 'XX'], int(0)],
    [['EXPIRE', 'k', '100', 'GT'], int(0)], // no TTL counts as infinite
    [['EXPIRE', 'k', '100', 'LT'], int(1)],
    [['PERSIST', 'k'], int(1)],
    [['EXPIRE', 'k', '100', 'NX'], int(1)],
    [['EXPIRE', 'k', '200', 'NX'], int(0)],
    [['EXPIRE', 'k', '200', 'XX'], int(1)],
    [['EXPIRE', 'k', '200', 'GT'], int(0)],
    [['EXPIRE', 'k', '300', 'gt'], int(1)],
    [['EXPIRE', 'k', '300', 'LT'], int(0)],
    [['EXPIRE', 'k', '250', 'lt'], int(1)],
    [['TTL', 'k'], int(250)],
    [['EXPIRE', 'k', '100', 'XX', 'LT'], int(1)],
    [['EXPIRE', 'k', '150', 'XX', 'LT'], int(0)],
    [['EXPIRE', 'k', '150', 'LT', 'LT', 'xx'], int(0)],
    [['EXPIRE', 'k', '100', 'NX', 'XX'], err('ERR NX and XX, GT or LT options at the same time are not compatible')],
    [['EXPIRE', 'k', '100', 'NX', 'GT'], err('ERR NX and XX, GT or LT options at the same time are not compatible')],
    [['EXPIRE', 'k', '100', 'LT', 'NX'], err('ERR NX and XX, GT or LT options at the same time are not compatible')],
    [['EXPIRE', 'k', '100', 'GT', 'LT'], err('ERR GT and LT options at the same time are not compatible')],
    [['EXPIRE', 'k', '100', 'XX', 'GT', 'LT'], err('ERR GT and LT options at the same time are not compatible')],
    [['EXPIRE', 'k', '100', 'FOO'], err('ERR Unsupported option FOO')],
    [['EXPIRE', 'k', '100', 'NX', 'foo\0bar'], err('ERR Unsupported option foo')],
    [['EXPIRE', 'k', '100', 'NX\0junk'], int(0)], // keywords compare as C strings
    [['EXPIRE', 'k', 'abc', 'FOO'], err('ERR Unsupported option FOO')], // options before the number
    [['EXPIRE', 'k', 'abc', 'NX', 'XX'], err('ERR NX and XX, GT or LT options at the same time are not compatible')],
    [['EXPIRE', 'nokey', '100', 'XX'], int(0)],
    [['EXPIRE', 'k', '-5', 'GT'], int(0)],
    [['EXPIRE', 'k', '-5', 'LT'], int(1)], // passes LT, then deletes: it is in the past
    [['EXISTS', 'k'], int(0)],
  ]);
});

test('PERSIST and TOUCH', async () => {
  await runRows(conn, [
    [['PERSIST'], arity('persist')],
    [['TOUCH'], arity('touch')],
    [['PERSIST', 'nokey'], int(0)],
    [['SET', 'k', 'v'], OK],
    [['PERSIST', 'k'], int(0)],
    [['EXPIRE', 'k', '100'], int(1)],
    [['PERSIST', 'k'], int(1)],
    [['TTL', 'k'], int(-1)],
    [['PERSIST', 'k'], int(0)],
    [['TOUCH', 'k', 'nokey', 'k'], int(2)],
  ]);
});

test('OBJECT ENCODING and REFCOUNT', async () => {
  db().set('alist', new FakeList([]));
  const long = 'x'.repeat(45);
  await runRows(conn, [
    [['OBJECT'], arity('object')],
    [['OBJECT', 'ENCODING'], arity('object|encoding')],
    [['OBJECT', 'encoding', 'a', 'b'], arity('object|encoding')],
    [['OBJECT', 'FOO'], err("ERR unknown subcommand 'FOO'. Try OBJECT HELP.")],
    [['OBJECT', 'foo', 'k'], err("ERR unknown subcommand 'foo'. Try OBJECT HELP.")],
    [['OBJECT', 'ENCODING', 'nokey'], NIL],
    [['OBJECT', 'REFCOUNT', 'nokey'], NIL],
    [['OBJECT', 'IDLETIME', 'nokey'], NIL],
    [['OBJECT', 'FREQ', 'nokey'], NIL],
    [['MSET', 'i', '12345', 'neg', '-9223372036854775808', 'big', '9223372036854775808', 'zero', '0', 'lead', '0123', 'plus', '+1'], OK],
    [['MSET', 'e44', 'x'.repeat(44), 'raw', long, 'empty', ''], OK],
    [['OBJECT', 'ENCODING', 'i'], bulk('int')],
    [['OBJECT', 'ENCODING', 'neg'], bulk('int')],
    [['OBJECT', 'ENCODING', 'zero'], bulk('int')],
    [['OBJECT', 'ENCODING', 'big'], bulk('embstr')],
    [['OBJECT', 'ENCODING', 'lead'], bulk('embstr')],
    [['OBJECT', 'ENCODING', 'plus'], bulk('embstr')],
    [['OBJECT', 'ENCODING', 'e44'], bulk('embstr')],
    [['OBJECT', 'ENCODING', 'raw'], bulk('raw')],
    [['OBJECT', 'ENCODING', 'empty'], bulk('embstr')],
    [['OBJECT', 'ENCODING', 'alist'], bulk('quicklist')],
    [['OBJECT', 'REFCOUNT', 'zero'], int(2147483647)], // a shared integer
    [['SET', 'i', '9999'], OK],
    [['OBJECT', 'REFCOUNT', 'i'], int(2147483647)],
    [['SET', 'i', '10000'], OK],
    [['OBJECT', 'REFCOUNT', 'i'], int(1)],
    [['OBJECT', 'REFCOUNT', 'neg'], int(1)],
    [['OBJECT', 'REFCOUNT', 'raw'], int(1)],
    [['OBJECT', 'REFCOUNT', 'alist'], int(1)],
  ]);
});

test('OBJECT IDLETIME counts from the last touching access', async () => {
  await runRows(conn, [
    [['SET', 'k', 'v'], OK],
    [['OBJECT', 'IDLETIME', 'k'], int(0)],
  ]);
  srv.clock.advance(10_000);
  await runRows(conn, [
    // these look without touching (LOOKUP_NOTOUCH)
    [['OBJECT', 'IDLETIME', 'k'], int(10)],
    [['EXISTS', 'k'], int(1)],
    [['TYPE', 'k'], status('string')],
    [['TTL', 'k'], int(-1)],
    [['OBJECT', 'ENCODING', 'k'], bulk('embstr')],
    [['SCAN', '0', 'TYPE', 'string'], keysReply('k')],
    [['OBJECT', 'IDLETIME', 'k'], int(10)],
    [['TOUCH', 'k'], int(1)],
    [['OBJECT', 'IDLETIME', 'k'], int(0)],
  ]);
  srv.clock.advance(5_000);
  await runRows(conn, [
    [['GET', 'k'], bulk('v')],
    [['OBJECT', 'IDLETIME', 'k'], int(0)],
    [['RENAME', 'k', 'k2'], OK],
  ]);
  srv.clock.advance(3_000);
  await runRows(conn, [
    [['OBJECT', 'IDLETIME', 'k2'], int(3)], // RENAME keeps the object and its access time
    [['OBJECT', 'FREQ', 'k2'], err('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.')],
  ]);
});

test('OBJECT FREQ under an LFU policy', async () => {
  await runRows(conn, [
    [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'], OK],
    [['SET', 'k', 'v'], OK],
    [['OBJECT', 'FREQ', 'k'], int(5)], // LFU_INIT_VAL
    [['OBJECT', 'IDLETIME', 'k'], err('ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.')],
  ]);
  srv.clock.advance(3 * 60_000);
  await runRows(conn, [
    [['OBJECT', 'FREQ', 'k'], int(2)], // one point less per idle minute
    [['GET', 'k'], bulk('v')], // below LFU_INIT_VAL an access always counts
    [['OBJECT', 'FREQ', 'k'], int(3)],
    [['SET', 'k', 'w'], OK], // an overwrite keeps the counter
    [['OBJECT', 'FREQ', 'k'], int(4)],
  ]);
  srv.clock.advance(10 * 60_000);
  await runRows(conn, [[['OBJECT', 'FREQ', 'k'], int(0)]]);
});

test('OBJECT HELP', async () => {
  await runRows(conn, [
    [['OBJECT', 'HELP', 'x'], arity('object|help')],
    [['OBJECT', 'help'], arr(
      status('OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:'),
      status('ENCODING <key>'),
      status('    Return the kind of internal representation used in order to store the value'),
      status('    associated with a <key>.'),
      status('FREQ <key>'),
      status('    Return the access frequency index of the <key>. The returned integer is'),
      status('    proportional to the logarithm of the recent access frequency of the key.'),
      status('IDLETIME <key>'),
      status('    Return the idle time of the <key>, that is the approximated number of'),
      status('    seconds elapsed since the last access to the key.'),
      status('REFCOUNT <key>'),
      status('    Return the number of references of the value associated with the specified'),
      status('    <key>.'),
      status('HELP'),
      status('    Prints this help.'),
    )],
  ]);
});

test('propagation: expiry as absolute PEXPIREAT, DEL when already past, nothing when nothing changed', async () => {
  await runRows(conn, [[['SET', 'k', 'v'], OK]]);
  assert.equal(await propagation('EXPIRE', 'k', '100'), [['PEXPIREAT', 'k', String(T0 + 100_000)]]);
  assert.equal(await propagation('pexpire', 'k', '100', 'gt'), []);
  assert.equal(await propagation('pexpire', 'k', '200', 'lt'), [['PEXPIREAT', 'k', String(T0 + 200), 'lt']]);
  assert.equal(await propagation('EXPIREAT', 'k', String(T0 / 1000 + 7)), [['PEXPIREAT', 'k', String(T0 + 7000)]]);
  assert.equal(await propagation('pexpireat', 'k', String(T0 + 9)), [['pexpireat', 'k', String(T0 + 9)]]);
  assert.equal(await propagation('EXPIRE', 'k', '100', 'NX'), []);
  assert.equal(await propagation('EXPIRE', 'nokey', '100'), []);
  assert.equal(await propagation('EXPIRE', 'k', 'bad'), []);
  assert.equal(await propagation('PERSIST', 'k'), [['PERSIST', 'k']]);
  assert.equal(await propagation('PERSIST', 'k'), []);
  assert.equal(await propagation('EXPIRE', 'k', '-1'), [['DEL', 'k']]);
  assert.equal(await propagation('DEL', 'k'), []);
  await runRows(conn, [[['MSET', 'a', '1', 'b', '2', 'c', '3'], OK]]);
  assert.equal(await propagation('DEL', 'a', 'nokey'), [['DEL', 'a', 'nokey']]);
  assert.equal(await propagation('UNLINK', 'b'), [['UNLINK', 'b']]);
  assert.equal(await propagation('RENAME', 'c', 'd'), [['RENAME', 'c', 'd']]);
  assert.equal(await propagation('RENAME', 'd', 'd'), []);
  assert.equal(await propagation('RENAMENX', 'd', 'd'), []);
  assert.equal(await propagation('COPY', 'd', 'e'), [['COPY', 'd', 'e']]);
  assert.equal(await propagation('COPY', 'd', 'e'), []);
  assert.equal(await propagation('MOVE', 'e', '1'), [['MOVE', 'e', '1']]);
  assert.equal(await propagation('MOVE', 'e', '1'), []);
  assert.equal(await propagation('TOUCH', 'd'), []);
});

test('propagation: keys SCAN and RANDOMKEY expire on the way go out as single DELs, those of another command in MULTI/EXEC', async () => {
  const stale = async () => {
    await runRows(conn, [[['FLUSHALL'], OK], [['SET', 'foo1', 'v', 'PX', '1'], OK], [['SET', 'foo2', 'v', 'PX', '1'], OK]]);
    srv.clock.ms += 10;
  };
  const dels = [['DEL', 'foo1'], ['DEL', 'foo2']];
  await stale();
  assert.equal(await propagation('SCAN', '0'), dels);
  await stale();
  const random = await propagation('RANDOMKEY');
  assert.ok(random.every((argv) => argv[0] === 'DEL' && argv.length === 2), JSON.stringify(random));
  await stale();
  assert.equal(await propagation('MGET', 'foo1', 'foo2'), [['MULTI'], ...dels, ['EXEC']]);
});

test('a replica keeps a key its master expired in the past, waiting for the DEL', async () => {
  srv.server.keyspace.replicaMode = 'replica-master';
  await runRows(conn, [
    [['SET', 'k', 'v'], OK],
    [['EXPIRE', 'k', '-10'], int(1)],
  ]);
  assert.ok(db().peek('k') !== undefined, 'still stored');
  assert.ok(db().peek('k')!.expiresAt > 0, 'with an expiry in the past');
  await runRows(conn, [
    [['SET', 'z', 'v'], OK],
    [['PEXPIREAT', 'z', '0'], int(1)],
  ]);
  assert.is(db().peek('z')!.expiresAt, 1, 'time 0 is kept as a past time, not as "no TTL"');
});

/** Compare toyredis and real Redis on the same sequence, reply by reply; `norm` hides what legitimately differs. */
type Norm = (r: Reply) => unknown;
const exact: Norm = (r) => r;
const sortedKeys: Norm = (r) => (r.kind === 'array' ? r.items.map((i) => JSON.stringify(i)).sort() : r);
const scanKeys: Norm = (r) => (r.kind === 'array' && r.items[1]?.kind === 'array' ? sortedKeys(r.items[1]) : r);
const ttlSign: Norm = (r) => (r.kind === 'int' ? Math.sign(Number(r.value)) : r);

test('differential: the same commands against real redis-server', async () => {
  if (!hasRedis) return;
  const toy = await startInProcess({ clock: systemClock });
  await withRealRedis(async (a) => {
    const b = await toy.connect();
    const big = 'a'.repeat(60);
    const seq: [string[], Norm?][] = [
      [['FLUSHALL']],
      [['MSET', 'foo', '1', 'foobar', '2', 'fo', '3', 'f[o]', '4', 'hello', '5', 'hallo', '6', 'h\xe9llo', '7', '', '8', 'big', big]],
      [['KEYS', '*'], sortedKeys], [['KEYS', 'fo*'], sortedKeys], [['KEYS', 'f?o'], sortedKeys],
      [['KEYS', 'f[o]'], sortedKeys], [['KEYS', 'f\\[o]'], sortedKeys], [['KEYS', 'h[^e]llo'], sortedKeys],
      [['KEYS', 'h[a-\xff]llo'], sortedKeys], [['KEYS', '[\x80-z]*'], sortedKeys], [['KEYS', '**'], sortedKeys],
      [['KEYS', ''], sortedKeys], [['KEYS', '[a-'], sortedKeys], [['KEYS', 'h[\\'], sortedKeys],
      [['SCAN', '0', 'COUNT', '1000', 'MATCH', '*o*'], scanKeys], [['SCAN', '0', 'COUNT', '1000', 'TYPE', 'STRING'], scanKeys],
      [['SCAN', '0', 'COUNT', '1000', 'TYPE', 'list'], scanKeys], [['SCAN', '', 'COUNT', '1000'], scanKeys],
      [['SCAN', 'x']], [['SCAN', '0', 'COUNT', '0']], [['SCAN', '0', 'COUNT', 'x']], [['SCAN', '0', 'MATCH']],
      [['SCAN', '18446744073709551616']], [['SCAN', ' 1']],
      [['EXISTS', 'foo', 'foo', 'nokey', '']], [['TYPE', 'foo']], [['TYPE', 'nokey']], [['DEL', 'foo', 'foo', 'nokey']],
      [['UNLINK', 'foobar']], [['DEL']], [['EXISTS']], [['TYPE']], [['KEYS']],
      [['RENAME', 'fo', 'fo']], [['RENAMENX', 'fo', 'fo']], [['RENAME', 'nokey', 'x']], [['RENAMENX', 'nokey', 'x']],
      [['RENAME', 'fo', 'fo2']], [['RENAMENX', 'fo2', 'hello']], [['RENAMENX', 'fo2', 'fo3']], [['RENAME', 'fo3', 'hello']],
      [['GET', 'hello']], [['MOVE', 'hello', '1']], [['MOVE', 'hello', '1']], [['MOVE', 'hallo', '0']], [['MOVE', 'hallo', 'x']],
      [['MOVE', 'hallo', '16']], [['MOVE', 'hallo', '-1']], [['MOVE', 'hallo', '2147483648']], [['MOVE', 'hallo', '-2147483648']],
      [['COPY', 'hallo', 'hallo']], [['COPY', 'hallo', 'h2']], [['COPY', 'hallo', 'h2']], [['COPY', 'hallo', 'h2', 'REPLACE']],
      [['COPY', 'hallo', 'h2', 'DB']], [['COPY', 'hallo', 'h2', 'DB', '99']], [['COPY', 'hallo', 'h2', 'DB', '99', 'FOO']],
      [['COPY', 'hallo', 'h2', 'FOO', 'DB', '99']], [['COPY', 'hallo', 'h2', 'db', '5']], [['COPY', 'nokey', 'h2']],
      [['SET', 'k', 'v']], [['TTL', 'k']], [['PTTL', 'k']], [['EXPIRETIME', 'k']], [['PEXPIRETIME', 'k']],
      [['EXPIRE', 'k', '1000']], [['TTL', 'k'], ttlSign], [['PTTL', 'k'], ttlSign], [['EXPIRETIME', 'k'], ttlSign],
      [['EXPIRE', 'k', '1000', 'NX']], [['EXPIRE', 'k', '1000', 'XX']], [['EXPIRE', 'k', '2000', 'GT']], [['EXPIRE', 'k', '10', 'GT']],
      [['EXPIRE', 'k', '10', 'LT']], [['EXPIRE', 'k', '1000', 'LT']], [['EXPIRE', 'k', '1', 'NX', 'XX']], [['EXPIRE', 'k', '1', 'GT', 'LT']],
      [['EXPIRE', 'k', '1', 'FOO']], [['EXPIRE', 'k', 'abc']], [['EXPIRE', 'k', '']], [['EXPIRE', 'k', '9223370399119966']],
      [['EXPIRE', 'k', '9223372036854776']], [['EXPIRE', 'k', '-9223372036854776']], [['PEXPIRE', 'k', '9223372036854770000']],
      [['PEXPIREAT', 'k', '9223372036854770000']], [['EXPIREAT', 'k', '9223372036854775']], [['PERSIST', 'k']], [['PERSIST', 'k']], [['TTL', 'k']], [['EXPIRE', 'k', '10', 'GT']],
      [['EXPIRE', 'k', '10', 'LT']], [['TTL', 'k'], ttlSign], [['EXPIRE', 'k', '-1']], [['EXISTS', 'k']], [['EXPIRE', 'k', '10']],
      [['SET', 'k', 'v']], [['PEXPIREAT', 'k', '1']], [['EXISTS', 'k']], [['TOUCH', 'fo2', 'nokey', 'hallo']],
      [['MSET', 'n', '123', 'm', '-5', 'l', '9223372036854775808', 'z', '0123']],
      [['OBJECT', 'ENCODING', 'n']], [['OBJECT', 'ENCODING', 'm']], [['OBJECT', 'ENCODING', 'l']], [['OBJECT', 'ENCODING', 'z']],
      [['OBJECT', 'ENCODING', 'big']], [['OBJECT', 'ENCODING', 'hallo']], [['OBJECT', 'ENCODING', 'nokey']],
      [['OBJECT', 'REFCOUNT', 'n']], [['OBJECT', 'REFCOUNT', 'm']], [['OBJECT', 'REFCOUNT', 'big']], [['OBJECT', 'REFCOUNT', 'nokey']],
      [['OBJECT', 'FREQ', 'n']], [['OBJECT', 'IDLETIME', 'nokey']], [['OBJECT', 'HELP']], [['OBJECT', 'HELP', 'x']],
      [['OBJECT']], [['OBJECT', 'FOO']], [['OBJECT', 'ENCODING']], [['RANDOMKEY', 'x']], [['FLUSHALL']], [['RANDOMKEY']],
      [['SCAN', '0']], [['KEYS', '*']],
    ];
    for (const [argv, norm = exact] of seq) {
      a.send(...argv);
      b.send(...argv);
      if (norm === exact) assert.is(await b.readRaw(), await a.readRaw(), label(argv));
      else assert.equal(norm(await b.read()), norm(await a.read()), label(argv));
    }
  }).finally(() => toy.stop());
});

test.run();
