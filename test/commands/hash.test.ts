import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Propagated, runRows, startInProcess, type InProcess, type Row } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { arity, arr, ask, bulk, bulks, EMPTY, err, int, NIL, NOT_FLOAT, NOT_INT, OK, SYNTAX, WRONGTYPE } from '../helpers/resp';
import { Snapshot } from '../../lib/store/snapshot';
import { HashValue } from '../../lib/store/hash';

const test = suite('commands/hash');

const resp3Map = (...items: string[]) => `%${items.length / 2}\r\n${items.map(bulk).join('')}`;
const scanReply = (cursor: string, ...items: string[]) => arr(bulk(cursor), bulks(...items));

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
const hashAt = (key: string) => db().peek(key)?.value as HashValue;
const cmd = (...argv: string[]) => ask(conn, ...argv);
/** Send one command; return what it propagated to replicas. */
const propagation = (...argv: string[]) => propagated.of(conn, ...argv);

/** [f1, v1, f2, v2, …] → a Map. */
const pairs = (flat: string[]) => {
  const m = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i], flat[i + 1]);
  return m;
};
const sorted = (xs: string[]) => [...xs].sort();

test('HSET HMSET HSETNX HGET HMGET HLEN HSTRLEN HEXISTS HDEL', async () => {
  const rows: Row[] = [
    [['HSET', 'h'], arity('hset')],
    [['HSET', 'h', 'a'], arity('hset')],
    [['HSET', 'h', 'a', '1', 'b'], arity('hset')],
    [['HMSET', 'h', 'a', '1', 'b'], arity('hmset')],
    [['HSET', 'str', 'a', '1', 'b'], arity('hset')], // the pair count is checked before the key's type
    [['HSET', 'str', 'a', '1'], WRONGTYPE],
    [['HSET', 'h', 'a', '1', 'b', '2', 'a', '3'], int(2)],
    [['HGET', 'h', 'a'], bulk('3')],
    [['HSET', 'h', 'a', '4', 'c', ''], int(1)],
    [['HMSET', 'h', 'd', '5'], OK],
    [['HMSET', 'str', 'd', '5'], WRONGTYPE],
    [['HLEN', 'h'], int(4)],
    [['HLEN', 'nokey'], int(0)],
    [['HLEN', 'str'], WRONGTYPE],
    [['HLEN', 'h', 'x'], arity('hlen')],
    [['HGET', 'h', 'c'], bulk('')],
    [['HGET', 'h', 'zz'], NIL],
    [['HGET', 'nokey', 'a'], NIL],
    [['HGET', 'str', 'a'], WRONGTYPE],
    [['HGET', 'h'], arity('hget')],
    [['HMGET', 'h', 'a', 'zz', 'b'], arr(bulk('4'), NIL, bulk('2'))],
    [['HMGET', 'nokey', 'a', 'b'], arr(NIL, NIL)],
    [['HMGET', 'str', 'a'], WRONGTYPE],
    [['HMGET', 'h'], arity('hmget')],
    [['HSETNX', 'h', 'a', 'new'], int(0)],
    [['HSETNX', 'h', 'e', 'new'], int(1)],
    [['HSETNX', 'fresh', 'f', 'v'], int(1)],
    [['HSETNX', 'str', 'f', 'v'], WRONGTYPE],
    [['HSETNX', 'h', 'f'], arity('hsetnx')],
    [['HSTRLEN', 'h', 'e'], int(3)],
    [['HSTRLEN', 'h', 'c'], int(0)],
    [['HSTRLEN', 'h', 'zz'], int(0)],
    [['HSTRLEN', 'nokey', 'a'], int(0)],
    [['HSTRLEN', 'str', 'a'], WRONGTYPE],
    [['HEXISTS', 'h', 'a'], int(1)],
    [['HEXISTS', 'h', 'zz'], int(0)],
    [['HEXISTS', 'nokey', 'a'], int(0)],
    [['HEXISTS', 'str', 'a'], WRONGTYPE],
    [['HEXISTS', 'h'], arity('hexists')],
    [['HDEL', 'h'], arity('hdel')],
    [['HDEL', 'nokey', 'a'], int(0)],
    [['HDEL', 'str', 'a'], WRONGTYPE],
    [['HDEL', 'h', 'zz', 'yy'], int(0)],
    [['HDEL', 'h', 'a', 'zz', 'a', 'b'], int(2)],
    [['HGETALL', 'h'], bulks('c', '', 'd', '5', 'e', 'new')],
    [['HDEL', 'h', 'c', 'd', 'e', 'f'], int(3)],
    [['EXISTS', 'h'], int(0)], // an emptied hash is deleted
    // binary-safe fields and values
    [['HSET', 'bin', '\0\r\n\xff', 'a\0b', '', '\x80'], int(2)],
    [['HGET', 'bin', '\0\r\n\xff'], bulk('a\0b')],
    [['HGET', 'bin', ''], bulk('\x80')],
    [['HEXISTS', 'bin', '\0'], int(0)],
    [['HSTRLEN', 'bin', '\0\r\n\xff'], int(3)],
  ];
  await runRows(conn, rows);
});

test('HKEYS HVALS HGETALL: iteration order, missing keys, errors', async () => {
  await runRows(conn, [
    [['HSET', 'h', 'z', '1', 'a', '2', 'm', '3'], int(3)],
    [['HKEYS', 'h'], bulks('z', 'a', 'm')],
    [['HVALS', 'h'], bulks('1', '2', '3')],
    [['HGETALL', 'h'], bulks('z', '1', 'a', '2', 'm', '3')],
    [['HKEYS', 'nokey'], EMPTY],
    [['HVALS', 'nokey'], EMPTY],
    [['HGETALL', 'nokey'], EMPTY],
    [['HKEYS', 'str'], WRONGTYPE],
    [['HVALS', 'str'], WRONGTYPE],
    [['HGETALL', 'str'], WRONGTYPE],
    [['HGETALL', 'h', 'x'], arity('hgetall')],
  ]);
});

test('HINCRBY: new keys and fields, overflow, values that are not integers, errors', async () => {
  await runRows(conn, [
    [['HINCRBY', 'h', 'n', '5'], int(5)],
    [['HINCRBY', 'h', 'n', '-7'], int(-2)],
    [['HINCRBY', 'h', 'm', '9223372036854775807'], int(9223372036854775807n)],
    [['HINCRBY', 'h', 'm', '1'], err('ERR increment or decrement would overflow')],
    [['HINCRBY', 'h', 'm', '-9223372036854775807'], int(0)],
    [['HINCRBY', 'h', 'm', '-9223372036854775808'], int(-9223372036854775808n)],
    [['HINCRBY', 'h', 'm', '-1'], err('ERR increment or decrement would overflow')],
    [['HGET', 'h', 'm'], bulk('-9223372036854775808')],
    [['HINCRBY', 'h', 'n', '9223372036854775808'], NOT_INT],
    [['HINCRBY', 'h', 'n', '1.5'], NOT_INT],
    [['HINCRBY', 'h', 'n', ' 1'], NOT_INT],
    [['HSET', 'h', 's', ' 11', 't', '11 ', 'u', '1.0', 'v', '', 'w', '007'], int(5)],
    [['HINCRBY', 'h', 's', '1'], err('ERR hash value is not an integer')],
    [['HINCRBY', 'h', 't', '1'], err('ERR hash value is not an integer')],
    [['HINCRBY', 'h', 'u', '1'], err('ERR hash value is not an integer')],
    [['HINCRBY', 'h', 'v', '1'], err('ERR hash value is not an integer')],
    [['HINCRBY', 'h', 'w', '1'], err('ERR hash value is not an integer')],
    [['HINCRBY', 'str', 'f', 'x'], NOT_INT], // the increment is checked before the key's type
    [['HINCRBY', 'str', 'f', '1'], WRONGTYPE],
    [['HINCRBY', 'h', 'f'], arity('hincrby')],
    [['HINCRBY', 'fresh', 'f', '0'], int(0)],
    [['HGETALL', 'fresh'], bulks('f', '0')],
  ]);
});

test('HINCRBYFLOAT: long double arithmetic and format, errors, NaN and infinity refused', async () => {
  await runRows(conn, [
    [['HINCRBYFLOAT', 'h', 'f', '1.23'], bulk('1.23')],
    [['HINCRBYFLOAT', 'h', 'f', '0.77'], bulk('2')],
    [['HINCRBYFLOAT', 'h', 'f', '-0.1'], bulk('1.9')],
    [['HINCRBYFLOAT', 'h', 'g', '10.5e3'], bulk('10500')],
    [['HINCRBYFLOAT', 'h', 'g', '0x10'], bulk('10516')],
    [['HINCRBYFLOAT', 'h', 'i', '1e-20'], bulk('0')],
    [['HSET', 'h', 'n', '17179869184'], int(1)],
    [['HINCRBYFLOAT', 'h', 'n', '17179869184'], bulk('34359738368')],
    [['HINCRBYFLOAT', 'h', 'n', '1.5'], bulk('34359738369.5')],
    [['HSET', 'h', 's', ' 1', 't', '1 ', 'u', '1\x002', 'v', 'abc'], int(4)],
    [['HINCRBYFLOAT', 'h', 's', '1'], err('ERR hash value is not a float')],
    [['HINCRBYFLOAT', 'h', 't', '1'], err('ERR hash value is not a float')],
    [['HINCRBYFLOAT', 'h', 'u', '1'], err('ERR hash value is not a float')],
    [['HINCRBYFLOAT', 'h', 'v', '1'], err('ERR hash value is not a float')],
    [['HINCRBYFLOAT', 'h', 'f', 'abc'], NOT_FLOAT],
    [['HINCRBYFLOAT', 'h', 'f', ''], NOT_FLOAT],
    [['HINCRBYFLOAT', 'h', 'f', '1e5000'], NOT_FLOAT],
    [['HINCRBYFLOAT', 'h', 'f', 'nan'], NOT_FLOAT],
    [['HINCRBYFLOAT', 'hfoo', 'f', '+inf'], err('ERR value is NaN or Infinity')],
    [['HINCRBYFLOAT', 'hfoo', 'f', '-inf'], err('ERR value is NaN or Infinity')],
    [['EXISTS', 'hfoo'], int(0)],
    [['HSET', 'h', 'big', '1e4932'], int(1)],
    [['HINCRBYFLOAT', 'h', 'big', '1e4932'], err('ERR increment would produce NaN or Infinity')],
    [['HINCRBYFLOAT', 'str', 'f', 'x'], NOT_FLOAT], // the increment is checked before the key's type
    [['HINCRBYFLOAT', 'str', 'f', '1'], WRONGTYPE],
    [['HINCRBYFLOAT', 'h', 'f'], arity('hincrbyfloat')],
  ]);
});

test('HRANDFIELD: one field, counts, negative counts, WITHVALUES, errors', async () => {
  await cmd('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
  await cmd('HSET', 'one', 'only', 'v');
  await runRows(conn, [
    [['HRANDFIELD', 'nokey'], NIL],
    [['HRANDFIELD', 'str'], WRONGTYPE],
    [['HRANDFIELD', 'one'], bulk('only')],
    [['HRANDFIELD', 'one', '1'], bulks('only')],
    [['HRANDFIELD', 'one', '-3'], bulks('only', 'only', 'only')],
    [['HRANDFIELD', 'one', '-2', 'WITHVALUES'], bulks('only', 'v', 'only', 'v')],
    [['HRANDFIELD', 'one', '1', 'withvalues'], bulks('only', 'v')],
    [['HRANDFIELD', 'h', '0'], EMPTY],
    [['HRANDFIELD', 'h', '0', 'WITHVALUES'], EMPTY],
    [['HRANDFIELD', 'h', '3'], bulks('a', 'b', 'c')], // as many as there are: the whole hash, in order
    [['HRANDFIELD', 'h', '10', 'WITHVALUES'], bulks('a', '1', 'b', '2', 'c', '3')],
    [['HRANDFIELD', 'nokey', '5'], EMPTY],
    [['HRANDFIELD', 'nokey', '-5', 'WITHVALUES'], EMPTY],
    [['HRANDFIELD', 'str', '5'], WRONGTYPE],
    [['HRANDFIELD', 'h', 'x'], NOT_INT],
    [['HRANDFIELD', 'nokey', 'x'], NOT_INT],
    [['HRANDFIELD', 'h', '1', 'WITHVALUE'], SYNTAX],
    [['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'], SYNTAX],
    [['HRANDFIELD', 'h', '-9223372036854775808'], err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807')],
    [['HRANDFIELD', 'h', '-9223372036854775808', 'WITHVALUES'], err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807')],
    [['HRANDFIELD', 'h', '-9223372036854770000', 'WITHVALUES'], err('ERR value is out of range')],
    [['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'], err('ERR value is out of range')],
    [['HRANDFIELD', 'h', '9223372036854775808'], NOT_INT],
    [['HRANDFIELD', 'h', '-4611686018427387904', 'x'], SYNTAX], // the syntax before the WITHVALUES range
  ]);
  const fields = Array.from({ length: 10 }, (_, i) => `f${i}`);
  await cmd('HSET', 'ten', ...fields.flatMap((f) => [f, `v${f}`]));
  for (const count of [2, 8]) {
    // a positive count: distinct fields (both of Redis's strategies), with their own values
    for (let i = 0; i < 20; i++) {
      const picked: string[] = await cmd('HRANDFIELD', 'ten', String(count), 'WITHVALUES');
      assert.is(picked.length, count * 2);
      const m = pairs(picked);
      assert.is(m.size, count);
      for (const [f, v] of m) assert.is(v, `v${f}`);
    }
  }
  const drawn: string[] = await cmd('HRANDFIELD', 'ten', '-1000');
  assert.is(drawn.length, 1000);
  assert.equal(sorted([...new Set(drawn)]), sorted(fields), 'a negative count repeats fields; all come up');
});

test('HRANDFIELD is uniform and cheap on a big hash', async () => {
  const n = 20_000;
  for (let i = 0; i < n; i += 2000) {
    await cmd('HSET', 'big', ...Array.from({ length: 2000 }, (_, j) => [`f${i + j}`, String(i + j)]).flat());
  }
  await cmd('HDEL', 'big', ...Array.from({ length: n - 10 }, (_, i) => `f${i}`));
  assert.is(hashAt('big').encoding(), 'hashtable');
  const drawn: string[] = await cmd('HRANDFIELD', 'big', '-10000');
  const counts = new Map<string, number>();
  for (const f of drawn) counts.set(f, (counts.get(f) ?? 0) + 1);
  assert.is(counts.size, 10);
  let chi = 0;
  for (const c of counts.values()) chi += (c - 1000) ** 2 / 1000;
  assert.ok(chi < 40, `chi-square ${chi}`); // p < 0.00001 to fail by chance, as Redis's test
});

test('RESP3: HGETALL is a map, HRANDFIELD WITHVALUES nests each pair, nils are _', async () => {
  await cmd('HSET', 'h', 'a', '1', 'b', '2');
  await cmd('HSET', 'one', 'only', 'v');
  conn.send('HELLO', '3');
  await conn.readRaw();
  await runRows(conn, [
    [['HGETALL', 'h'], resp3Map('a', '1', 'b', '2')],
    [['HGETALL', 'nokey'], '%0\r\n'],
    [['HKEYS', 'h'], bulks('a', 'b')],
    [['HVALS', 'nokey'], EMPTY],
    [['HGET', 'h', 'zz'], '_\r\n'],
    [['HMGET', 'h', 'a', 'zz'], arr(bulk('1'), '_\r\n')],
    [['HRANDFIELD', 'nokey'], '_\r\n'],
    [['HRANDFIELD', 'h', '5', 'WITHVALUES'], arr(bulks('a', '1'), bulks('b', '2'))],
    [['HRANDFIELD', 'one', '-2', 'WITHVALUES'], arr(bulks('only', 'v'), bulks('only', 'v'))],
    [['HRANDFIELD', 'h', '5'], bulks('a', 'b')],
    [['HRANDFIELD', 'nokey', '5', 'WITHVALUES'], EMPTY],
    [['HSCAN', 'h', '0'], scanReply('0', 'a', '1', 'b', '2')],
  ]);
});

test('OBJECT ENCODING follows hash-max-listpack-entries / -value (and their ziplist aliases); never back', async () => {
  await runRows(conn, [
    [['CONFIG', 'SET', 'hash-max-ziplist-entries', '2'], OK],
    [['CONFIG', 'SET', 'hash-max-listpack-value', '4'], OK],
    [['HSET', 'h', 'a', '1', 'b', '2'], int(2)],
    [['OBJECT', 'ENCODING', 'h'], bulk('listpack')],
    [['HSET', 'h', 'c', '3'], int(1)],
    [['OBJECT', 'ENCODING', 'h'], bulk('hashtable')],
    [['HDEL', 'h', 'a', 'b'], int(2)],
    [['OBJECT', 'ENCODING', 'h'], bulk('hashtable')],
    [['HSET', 'v', 'f', '1234'], int(1)],
    [['OBJECT', 'ENCODING', 'v'], bulk('listpack')],
    [['HSET', 'v', 'f', '12345'], int(0)],
    [['OBJECT', 'ENCODING', 'v'], bulk('hashtable')],
    [['HSETNX', 'k', 'field', 'v'], int(1)],
    [['OBJECT', 'ENCODING', 'k'], bulk('hashtable')],
    [['HINCRBYFLOAT', 'f1', 'x', '0.25'], bulk('0.25')],
    [['OBJECT', 'ENCODING', 'f1'], bulk('listpack')],
    [['HINCRBYFLOAT', 'f2', 'x', '0.125'], bulk('0.125')],
    [['OBJECT', 'ENCODING', 'f2'], bulk('hashtable')],
    [['HINCRBY', 'i1', 'x', '1234'], int(1234)],
    [['OBJECT', 'ENCODING', 'i1'], bulk('listpack')],
    [['HINCRBY', 'i1', 'x', '10000'], int(11234)],
    [['OBJECT', 'ENCODING', 'i1'], bulk('hashtable')],
    [['CONFIG', 'SET', 'hash-max-listpack-entries', '0'], OK],
    [['HSET', 'z', 'a', '1'], int(1)],
    [['OBJECT', 'ENCODING', 'z'], bulk('hashtable')],
  ]);
});

test('HSCAN: cursor, MATCH on fields, COUNT, a listpack in one call, errors', async () => {
  await cmd('HSET', 'small', 'foo', '1', 'bar', 'foo', 'fab', '3');
  await runRows(conn, [
    [['HSCAN', 'nokey', '0'], scanReply('0')],
    [['HSCAN', 'nokey', '0', 'COUNT', '0'], scanReply('0')], // a missing key: options are not parsed
    [['HSCAN', 'nokey', 'x'], err('ERR invalid cursor')], // but the cursor is
    [['HSCAN', 'str', '0'], WRONGTYPE],
    [['HSCAN', 'small'], arity('hscan')],
    [['HSCAN', 'small', '0'], scanReply('0', 'foo', '1', 'bar', 'foo', 'fab', '3')],
    [['HSCAN', 'small', '77', 'COUNT', '1'], scanReply('0', 'foo', '1', 'bar', 'foo', 'fab', '3')],
    [['HSCAN', 'small', '0', 'MATCH', 'f*'], scanReply('0', 'foo', '1', 'fab', '3')], // values are not matched
    [['HSCAN', 'small', '0', 'MATCH', '*'], scanReply('0', 'foo', '1', 'bar', 'foo', 'fab', '3')],
    [['HSCAN', 'small', '0', 'match', 'x*', 'count', '5'], scanReply('0')],
    [['HSCAN', 'small', '0', 'COUNT', '0'], SYNTAX],
    [['HSCAN', 'small', '0', 'COUNT', 'x'], NOT_INT],
    [['HSCAN', 'small', '0', 'COUNT'], SYNTAX],
    [['HSCAN', 'small', '0', 'TYPE', 'hash'], SYNTAX],
    [['HSCAN', 'small', '0', 'NOVALUES'], SYNTAX], // 7.4's option, not 7.0's
    [['HSCAN', 'small', '-1'], scanReply('0', 'foo', '1', 'bar', 'foo', 'fab', '3')],
    [['HSCAN', 'small', '18446744073709551616'], err('ERR invalid cursor')],
    [['CONFIG', 'SET', 'hash-max-listpack-entries', '0'], OK],
    [['HSET', 'big', 'a', '1', 'b', '2', 'c', '3', 'ab', '4', 'd', '5'], int(5)],
    [['HSCAN', 'big', '0', 'COUNT', '2'], scanReply('2', 'a', '1', 'b', '2')],
    [['HSCAN', 'big', '2', 'COUNT', '2', 'MATCH', 'x*'], scanReply('4')], // filtered after counting
    [['HSCAN', 'big', '4', 'COUNT', '2'], scanReply('0', 'd', '5')],
    [['HSCAN', 'big', '0', 'MATCH', 'a*', 'COUNT', '100'], scanReply('0', 'a', '1', 'ab', '4')],
  ]);
});

test('HSCAN: a full scan returns every field present throughout, with its value, writes in between', async () => {
  await cmd('CONFIG', 'SET', 'hash-max-listpack-entries', '16');
  for (let round = 0; round < 4; round++) {
    await cmd('DEL', 'h');
    const stable = Array.from({ length: 100 }, (_, i) => `s${i}`);
    const churn = Array.from({ length: 100 + round * 200 }, (_, i) => `c${i}`);
    await cmd('HSET', 'h', ...[...stable, ...churn].flatMap((f) => [f, `v${f}`]));
    const found = new Map<string, string>();
    let cursor = '0', calls = 0;
    do {
      const [next, items] = await cmd('HSCAN', 'h', cursor);
      cursor = next;
      for (const [f, v] of pairs(items)) found.set(f, v);
      if (++calls === round + 1) await cmd('HDEL', 'h', ...churn);
      await cmd('HSET', 'h', `new${calls}`, 'x');
    } while (cursor !== '0');
    for (const f of stable) assert.is(found.get(f), `v${f}`, `round ${round}: ${f}`);
  }
});

test('propagation: HINCRBYFLOAT as HSET of its result; no-ops not at all', async () => {
  assert.equal(await propagation('HSET', 'h', 'a', '1'), [['HSET', 'h', 'a', '1']]);
  assert.equal(await propagation('HSET', 'h', 'a', '1'), [['HSET', 'h', 'a', '1']], 'an unchanged value still counts');
  assert.equal(await propagation('HMSET', 'h', 'b', '2'), [['HMSET', 'h', 'b', '2']]);
  assert.equal(await propagation('HSETNX', 'h', 'a', 'x'), []);
  assert.equal(await propagation('HSETNX', 'h', 'c', 'x'), [['HSETNX', 'h', 'c', 'x']]);
  assert.equal(await propagation('HINCRBYFLOAT', 'h', 'f', '1.5'), [['HSET', 'h', 'f', '1.5']]);
  assert.equal(await propagation('HINCRBYFLOAT', 'h', 'f', '0x1p-2'), [['HSET', 'h', 'f', '1.75']]);
  assert.equal(await propagation('HINCRBYFLOAT', 'h', 'a', 'nope'), []);
  assert.equal(await propagation('HINCRBY', 'h', 'n', '5'), [['HINCRBY', 'h', 'n', '5']]);
  assert.equal(await propagation('HINCRBY', 'h', 'f', '5'), [], 'a float value');
  assert.equal(await propagation('HDEL', 'h', 'zz'), []);
  assert.equal(await propagation('HDEL', 'h', 'a', 'zz'), [['HDEL', 'h', 'a', 'zz']]);
  assert.equal(await propagation('HDEL', 'nokey', 'a'), []);
  for (const read of [['HGET', 'h', 'b'], ['HGETALL', 'h'], ['HRANDFIELD', 'h', '-5'], ['HSCAN', 'h', '0'], ['HLEN', 'h']]) {
    assert.equal(await propagation(...read), [], read.join(' '));
  }
});

test('writes count one change per field, as server.dirty does', async () => {
  const ks = srv.server.keyspace;
  const dirty = async (...argv: string[]) => {
    const before = ks.dirty;
    await cmd(...argv);
    return ks.dirty - before;
  };
  assert.is(await dirty('HSET', 'h', 'a', '1', 'b', '2', 'c', '3'), 3);
  assert.is(await dirty('HSET', 'h', 'a', '1', 'd', '4'), 2);
  assert.is(await dirty('HSETNX', 'h', 'a', '1'), 0);
  assert.is(await dirty('HSETNX', 'h', 'e', '1'), 1);
  assert.is(await dirty('HDEL', 'h', 'a', 'b', 'x'), 2);
  assert.is(await dirty('HDEL', 'h', 'x'), 0);
  assert.is(await dirty('HINCRBY', 'h', 'n', '1'), 1);
  assert.is(await dirty('HINCRBYFLOAT', 'h', 'n', '1'), 1);
  assert.is(await dirty('HDEL', 'h', 'c', 'd', 'e', 'n'), 4);
  assert.is(await dirty('EXISTS', 'h'), 0);
});

test('WATCH: a change to the hash aborts EXEC, a no-op does not', async () => {
  await cmd('HSET', 'h', 'a', '1');
  const other = await srv.connect();
  try {
    await runRows(conn, [[['WATCH', 'h'], OK]]);
    other.send('HSETNX', 'h', 'a', '2');
    await other.readRaw();
    await runRows(conn, [[['MULTI'], OK], [['HGET', 'h', 'a'], '+QUEUED\r\n'], [['EXEC'], arr(bulk('1'))]]);
    await runRows(conn, [[['WATCH', 'h'], OK]]);
    other.send('HINCRBY', 'h', 'a', '1');
    await other.readRaw();
    await runRows(conn, [[['MULTI'], OK], [['HGET', 'h', 'a'], '+QUEUED\r\n'], [['EXEC'], '*-1\r\n']]);
  } finally {
    other.close();
  }
});

test('copy-on-write: a snapshot in progress keeps the hash as it was', async () => {
  await cmd('HSET', 'h', 'a', '1', 'b', '2');
  await cmd('HSET', 'i', 'n', '1');
  await cmd('HSET', 'j', 'x', '1', 'y', '2');
  await cmd('HSET', 'k', 'f', '1');
  const snap = new Snapshot(srv.server.keyspace);
  try {
    await cmd('HSET', 'h', 'a', 'changed', 'c', '3');
    await cmd('HINCRBY', 'i', 'n', '5');
    await cmd('HDEL', 'j', 'x');
    await cmd('HINCRBYFLOAT', 'k', 'f', '0.5');
    await cmd('HSETNX', 'k', 'g', '1');
    const seen = new Map<string, [string, string][]>();
    const walk = snap.walk(db(), 100, (records) => {
      for (const r of records) if (r.value instanceof HashValue) seen.set(r.key, r.value.entries());
    });
    while (!walk.next().done);
    assert.equal(seen.get('h'), [['a', '1'], ['b', '2']]);
    assert.equal(seen.get('i'), [['n', '1']]);
    assert.equal(seen.get('j'), [['x', '1'], ['y', '2']]);
    assert.equal(seen.get('k'), [['f', '1']]);
  } finally {
    snap.finish();
  }
  assert.equal(hashAt('h').entries(), [['a', 'changed'], ['b', '2'], ['c', '3']]);
  assert.equal(hashAt('k').entries(), [['f', '1.5'], ['g', '1']]);
});

test('COPY, RENAME, TYPE, SCAN TYPE, MEMORY USAGE and OBJECT see a hash', async () => {
  await runRows(conn, [
    [['HSET', 'h', 'a', '1', 'b', '2'], int(2)],
    [['TYPE', 'h'], '+hash\r\n'],
    [['SCAN', '0', 'TYPE', 'hash'], scanReply('0', 'h')],
    [['COPY', 'h', 'c'], int(1)],
    [['HSET', 'c', 'z', '9'], int(1)],
    [['HLEN', 'h'], int(2)],
    [['RENAME', 'c', 'r'], OK],
    [['HLEN', 'r'], int(3)],
    [['OBJECT', 'ENCODING', 'r'], bulk('listpack')],
    [['MEMORY', 'USAGE', 'h'], /^:\d+\r\n$/],
  ]);
  assert.ok(Number((await cmd('MEMORY', 'USAGE', 'h'))) > 0);
});

// Commands whose replies are deterministic in Redis too: listpacks (insertion order), single fields, counts and
// errors. Sent to toyredis and to real redis-server, compared byte for byte.
const differential: string[][] = [
  ['HSET', 'h', 'f1', 'v1', 'f2', '2', 'f3', '-3', 'f1', 'again'], ['HGETALL', 'h'], ['HKEYS', 'h'], ['HVALS', 'h'], ['HLEN', 'h'],
  ['HGET', 'h', 'f1'], ['HGET', 'h', 'nope'], ['HMGET', 'h', 'f2', 'nope', 'f3'], ['HMGET', 'nokey', 'a'], ['HSTRLEN', 'h', 'f3'],
  ['HSTRLEN', 'h', 'nope'], ['HEXISTS', 'h', 'f2'], ['HEXISTS', 'h', 'F2'], ['HSETNX', 'h', 'f2', 'x'], ['HSETNX', 'h', 'f4', 'x'],
  ['HMSET', 'h', 'f5', '5', 'f6', '6'], ['HDEL', 'h', 'f5', 'nope', 'f5'], ['HGETALL', 'h'],
  ['HSET', 'n', 'i', '9223372036854775806'], ['HINCRBY', 'n', 'i', '1'], ['HINCRBY', 'n', 'i', '1'], ['HINCRBY', 'n', 'i', '-1'],
  ['HINCRBY', 'n', 'j', '-9223372036854775808'], ['HINCRBY', 'n', 'j', '-1'], ['HINCRBY', 'n', 'k', 'abc'], ['HINCRBY', 'n', 'k', '1e3'],
  ['HSET', 'n', 'sp', ' 5'], ['HINCRBY', 'n', 'sp', '1'], ['HINCRBYFLOAT', 'n', 'sp', '1'], ['HINCRBYFLOAT', 'n', 'fl', '3.0e3'],
  ['HINCRBYFLOAT', 'n', 'fl', '0.1'], ['HINCRBYFLOAT', 'n', 'fl', '-3000.1'], ['HINCRBYFLOAT', 'n', 'g', '1.23'], ['HINCRBYFLOAT', 'n', 'g', '.77'],
  ['HINCRBYFLOAT', 'n', 'g', '5e-18'], ['HINCRBYFLOAT', 'n', 'h', '-1e-30'], ['HINCRBYFLOAT', 'n', 'h', '0X1P4'],
  ['HINCRBYFLOAT', 'n', 'h', 'inf'], ['HINCRBYFLOAT', 'n', 'h', '-Infinity'], ['HINCRBYFLOAT', 'n', 'h', 'nan'], ['HINCRBYFLOAT', 'n', 'h', ' 1'],
  ['HINCRBYFLOAT', 'n', 'i', '0.5'], ['HINCRBYFLOAT', 'huge', 'big', '1.1e4932'], ['HINCRBYFLOAT', 'huge', 'big', '1.1e4932'], ['HGET', 'huge', 'big'],
  ['HGETALL', 'n'], ['OBJECT', 'ENCODING', 'n'],
  ['HSET', 'one', 'only', 'val'], ['HRANDFIELD', 'one'], ['HRANDFIELD', 'one', '1'], ['HRANDFIELD', 'one', '-3'],
  ['HRANDFIELD', 'one', '-2', 'WITHVALUES'], ['HRANDFIELD', 'h', '100'], ['HRANDFIELD', 'h', '100', 'withvalues'], ['HRANDFIELD', 'h', '0'],
  ['HRANDFIELD', 'nokey'], ['HRANDFIELD', 'nokey', '3'], ['HRANDFIELD', 'nokey', '-3', 'WITHVALUES'], ['HRANDFIELD', 'h', 'x'],
  ['HRANDFIELD', 'h', '1', 'WITHVALUE'], ['HRANDFIELD', 'h', '1', 'WITHVALUES', '1'], ['HRANDFIELD', 'h', '-9223372036854775808'],
  ['HRANDFIELD', 'h', '-9223372036854775807', 'WITHVALUES'], ['HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES'],
  ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'], ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'],
  ['HSCAN', 'h', '0'], ['HSCAN', 'h', '0', 'MATCH', 'f[13]', 'COUNT', '1'], ['HSCAN', 'h', '0', 'MATCH', '*'], ['HSCAN', 'nokey', '0'],
  ['HSCAN', 'nokey', '0', 'BAD'], ['HSCAN', 'h', 'abc'], ['HSCAN', 'h', ' 0'], ['HSCAN', 'h', '+0'], ['HSCAN', 'h', '0', 'COUNT', '0'],
  ['HSCAN', 'h', '0', 'COUNT', '-1'], ['HSCAN', 'h', '0', 'TYPE', 'hash'], ['HSCAN', 'h', '0', 'count'], ['HSCAN', 'h', '-5'],
  ['HSCAN', 'h', '0', 'MATCH', 'nothing*'],
  ['HSET', 'bin', '\0\xff', 'x\r\ny', '', ''], ['HGETALL', 'bin'], ['HSTRLEN', 'bin', ''], ['HSCAN', 'bin', '0', 'MATCH', '\0*'],
  ['SET', 'str', 'v'], ['HSET', 'str', 'a', '1'], ['HSETNX', 'str', 'a', '1'], ['HMSET', 'str', 'a', '1'], ['HGET', 'str', 'a'],
  ['HMGET', 'str', 'a'], ['HDEL', 'str', 'a'], ['HLEN', 'str'], ['HSTRLEN', 'str', 'a'], ['HEXISTS', 'str', 'a'], ['HINCRBY', 'str', 'a', '1'],
  ['HINCRBY', 'str', 'a', 'x'], ['HINCRBYFLOAT', 'str', 'a', '1'], ['HINCRBYFLOAT', 'str', 'a', 'inf'], ['HKEYS', 'str'], ['HVALS', 'str'],
  ['HGETALL', 'str'], ['HRANDFIELD', 'str'], ['HRANDFIELD', 'str', '2'], ['HSCAN', 'str', '0'], ['TYPE', 'h'],
  ['HSET', 'h', 'odd'], ['HSET', 'h', 'a', '1', 'b'], ['HMSET', 'h', 'a'], ['HSETNX', 'h', 'a'], ['HGET', 'h'], ['HMGET', 'h'], ['HDEL', 'h'],
  ['HLEN'], ['HSTRLEN', 'h'], ['HEXISTS', 'h'], ['HINCRBY', 'h', 'a'], ['HINCRBYFLOAT', 'h', 'a'], ['HKEYS'], ['HVALS', 'h', 'x'],
  ['HGETALL'], ['HRANDFIELD'], ['HSCAN', 'h'],
  ['HDEL', 'h', 'f1', 'f2', 'f3', 'f4', 'f6', 'nope'], ['EXISTS', 'h'],
  ['CONFIG', 'SET', 'hash-max-ziplist-entries', '2'], ['HSET', 'lim', 'a', '1', 'b', '2'], ['OBJECT', 'ENCODING', 'lim'],
  ['HSET', 'lim', 'c', '3'], ['OBJECT', 'ENCODING', 'lim'], ['HDEL', 'lim', 'a', 'b'], ['OBJECT', 'ENCODING', 'lim'], ['HGETALL', 'lim'],
  ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'], ['CONFIG', 'SET', 'hash-max-ziplist-value', '3'],
  ['HSET', 'lv', 'abc', '123'], ['OBJECT', 'ENCODING', 'lv'], ['HINCRBY', 'lv', 'abc', '900'], ['OBJECT', 'ENCODING', 'lv'],
  ['HSET', 'lv2', 'abcd', '1'], ['OBJECT', 'ENCODING', 'lv2'], ['CONFIG', 'SET', 'hash-max-listpack-value', '64'],
  ['HELLO', '3'], ['HGETALL', 'n'], ['HGETALL', 'nokey'], ['HKEYS', 'n'], ['HGET', 'n', 'nope'], ['HMGET', 'n', 'g', 'nope'],
  ['HRANDFIELD', 'nokey'], ['HRANDFIELD', 'one', '-2', 'WITHVALUES'], ['HRANDFIELD', 'one', '1', 'WITHVALUES'], ['HRANDFIELD', 'n', '99'],
  ['HRANDFIELD', 'n', '99', 'WITHVALUES'], ['HRANDFIELD', 'nokey', '2', 'WITHVALUES'], ['HSCAN', 'n', '0'],
];

test('differential: the same commands against real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    await runRows(conn, [[['DEL', 'str'], int(1)]]);
    await sameReplies(conn, real, differential);
  });
});

test.run();
