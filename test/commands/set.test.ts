import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Propagated, runRows, startInProcess, type InProcess, type Row } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { arity, arr, ask, bulk, bulks, EMPTY, err, int, NIL, NOT_INT, OK, SYNTAX, WRONGTYPE } from '../helpers/resp';
import { Snapshot } from '../../lib/store/snapshot';
import { SetValue } from '../../lib/store/set';

const test = suite('commands/set');

const resp3Set = (...items: string[]) => `~${items.length}\r\n${items.map(bulk).join('')}`;
const NOT_POSITIVE = err('ERR value is out of range, must be positive');
const scanReply = (cursor: string, ...members: string[]) => arr(bulk(cursor), bulks(...members));

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
const setAt = (key: string) => db().peek(key)?.value as SetValue;
const cmd = (...argv: string[]) => ask(conn, ...argv);
/** Send one command; return what it propagated to replicas. */
const propagation = (...argv: string[]) => propagated.of(conn, ...argv);

const sorted = (xs: string[]) => [...xs].sort();

test('SADD SCARD SISMEMBER SMISMEMBER SMEMBERS SREM', async () => {
  const rows: Row[] = [
    [['SADD', 's'], arity('sadd')],
    [['SADD', 's', 'a', 'b', 'a'], int(2)],
    [['SADD', 's', 'b', 'c', '', 'c'], int(2)],
    [['SADD', 's', 'a'], int(0)],
    [['SADD', 'str', 'a'], WRONGTYPE],
    [['SCARD', 's'], int(4)],
    [['SCARD', 'nokey'], int(0)],
    [['SCARD', 'str'], WRONGTYPE],
    [['SCARD', 's', 'x'], arity('scard')],
    [['SISMEMBER', 's', 'a'], int(1)],
    [['SISMEMBER', 's', ''], int(1)],
    [['SISMEMBER', 's', 'z'], int(0)],
    [['SISMEMBER', 'nokey', 'a'], int(0)],
    [['SISMEMBER', 'str', 'a'], WRONGTYPE],
    [['SISMEMBER', 's'], arity('sismember')],
    [['SMISMEMBER', 's', 'a', 'z', 'b'], arr(int(1), int(0), int(1))],
    [['SMISMEMBER', 'nokey', 'a', 'b'], arr(int(0), int(0))],
    [['SMISMEMBER', 'str', 'a'], WRONGTYPE],
    [['SMISMEMBER', 's'], arity('smismember')],
    [['SMEMBERS', 'nokey'], EMPTY],
    [['SMEMBERS', 'str'], WRONGTYPE],
    [['SMEMBERS', 's', 'x'], arity('smembers')],
    [['SREM', 's'], arity('srem')],
    [['SREM', 'nokey', 'a'], int(0)],
    [['SREM', 'str', 'a'], WRONGTYPE],
    [['SREM', 's', 'z', 'y'], int(0)],
    [['SREM', 's', 'a', 'z', 'a', ''], int(2)],
    [['SMEMBERS', 's'], bulks('b', 'c')],
    [['SREM', 's', 'b', 'c', 'd'], int(2)],
    [['EXISTS', 's'], int(0)], // an emptied set is deleted
    // binary-safe members
    [['SADD', 'bin', '\0\r\n\xff', 'a\0b'], int(2)],
    [['SISMEMBER', 'bin', 'a\0b'], int(1)],
    [['SISMEMBER', 'bin', 'a'], int(0)],
    [['SMEMBERS', 'bin'], bulks('\0\r\n\xff', 'a\0b')],
    // an intset lists its members in numeric order
    [['SADD', 'ints', '10', '-3', '2', '9223372036854775807', '-9223372036854775808', '0'], int(6)],
    [['SMEMBERS', 'ints'], bulks('-9223372036854775808', '-3', '0', '2', '10', '9223372036854775807')],
  ];
  await runRows(conn, rows);
});

test('OBJECT ENCODING follows set-max-intset-entries; a converted set stays a hash table', async () => {
  await runRows(conn, [
    [['SADD', 'i', '1', '2', '3'], int(3)],
    [['OBJECT', 'ENCODING', 'i'], bulk('intset')],
    [['SADD', 'i', 'a'], int(1)],
    [['OBJECT', 'ENCODING', 'i'], bulk('hashtable')],
    [['SREM', 'i', 'a'], int(1)],
    [['OBJECT', 'ENCODING', 'i'], bulk('hashtable')],
    [['SADD', 'big', '213244124402402314402033402'], int(1)],
    [['OBJECT', 'ENCODING', 'big'], bulk('hashtable')],
    [['CONFIG', 'SET', 'set-max-intset-entries', '3'], OK],
    [['SADD', 'n', '1', '2', '3'], int(3)],
    [['OBJECT', 'ENCODING', 'n'], bulk('intset')],
    [['SADD', 'n', '4'], int(1)],
    [['OBJECT', 'ENCODING', 'n'], bulk('hashtable')],
  ]);
});

test('SRANDMEMBER: one member, counts, negative counts, errors', async () => {
  await runRows(conn, [
    [['SRANDMEMBER', 'nokey'], NIL],
    [['SRANDMEMBER', 'nokey', '5'], EMPTY],
    [['SRANDMEMBER', 'nokey', '-5'], EMPTY],
    [['SRANDMEMBER', 'str'], WRONGTYPE],
    [['SRANDMEMBER', 'str', '2'], WRONGTYPE],
    [['SRANDMEMBER', 'str', 'x'], NOT_INT], // the count is read first
    [['SRANDMEMBER', 's', '1', '2'], SYNTAX],
    [['SRANDMEMBER'], arity('srandmember')],
    [['SADD', 's', 'a'], int(1)],
    [['SRANDMEMBER', 's', '0'], EMPTY],
    [['SRANDMEMBER', 's', '-9223372036854775808'], err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807')],
    [['SRANDMEMBER', 's', '9223372036854775808'], NOT_INT],
    [['SRANDMEMBER', 's'], bulk('a')],
    [['SRANDMEMBER', 's', '3'], bulks('a')],
    [['SRANDMEMBER', 's', '-3'], bulks('a', 'a', 'a')],
  ]);
  const members = Array.from({ length: 50 }, (_, i) => `m${i}`);
  await cmd('SADD', 'big', ...members);
  for (const count of [100, 50, 45, 5]) {
    const got: string[] = await cmd('SRANDMEMBER', 'big', String(count));
    assert.is(got.length, Math.min(count, 50));
    assert.is(new Set(got).size, got.length, 'distinct');
    for (const m of got) assert.ok(members.includes(m));
  }
  const repeated: string[] = await cmd('SRANDMEMBER', 'big', '-200');
  assert.is(repeated.length, 200);
  for (const m of repeated) assert.ok(members.includes(m));
  await cmd('SADD', 'ints', '3', '1', '2');
  assert.equal(await cmd('SRANDMEMBER', 'ints', '10'), ['1', '2', '3'], 'the whole intset, in its order');
  assert.equal(await propagation('SRANDMEMBER', 'big', '3'), [], 'a read');
});

test('SPOP: one member, counts, the whole set, errors', async () => {
  await runRows(conn, [
    [['SPOP', 'nokey'], NIL],
    [['SPOP', 'nokey', '3'], EMPTY],
    [['SPOP', 'nokey', 'x'], NOT_POSITIVE],
    [['SPOP', 'nokey', '-1'], NOT_POSITIVE],
    [['SPOP', 'str'], WRONGTYPE],
    [['SPOP', 'str', '0'], WRONGTYPE],
    [['SPOP', 's', '1', '2'], SYNTAX],
    [['SPOP'], arity('spop')],
    [['SADD', 's', 'a'], int(1)],
    [['SPOP', 's', '0'], EMPTY],
    [['SPOP', 's'], bulk('a')],
    [['EXISTS', 's'], int(0)],
    [['SADD', 'i', '3', '1', '2'], int(3)],
    [['SPOP', 'i', '5'], bulks('1', '2', '3')],
    [['EXISTS', 'i'], int(0)],
  ]);
  const members = Array.from({ length: 20 }, (_, i) => String(i + 1));
  for (const count of [2, 18, 19]) {
    // 2: popped one by one; 18 and 19: the few that stay are drawn instead
    await cmd('DEL', 's');
    await cmd('SADD', 's', ...members);
    const popped: string[] = await cmd('SPOP', 's', String(count));
    assert.is(popped.length, count);
    const rest: string[] = await cmd('SMEMBERS', 's');
    assert.is(rest.length, 20 - count);
    assert.equal(sorted([...popped, ...rest]), sorted(members), `count ${count}`);
  }
  await cmd('DEL', 's');
  await cmd('SADD', 's', ...members, 'x'); // a hash table of integers and one string
  await cmd('SREM', 's', 'x');
  assert.equal(await cmd('OBJECT', 'ENCODING', 's'), 'hashtable');
  await cmd('SPOP', 's', '18');
  assert.equal(await cmd('OBJECT', 'ENCODING', 's'), 'intset', 'what stays is a new set, encoded afresh');
});

test('SPOP keeps the TTL of what stays', async () => {
  await cmd('SADD', 's', ...Array.from({ length: 20 }, (_, i) => `m${i}`));
  await cmd('EXPIRE', 's', '100');
  await cmd('SPOP', 's', '2');
  await cmd('SPOP', 's', '17');
  await cmd('SPOP', 's');
  assert.is(await cmd('SCARD', 's'), 0);
  await cmd('SADD', 's', ...Array.from({ length: 20 }, (_, i) => `m${i}`));
  await cmd('EXPIRE', 's', '100');
  await cmd('SPOP', 's', '18');
  assert.is(await cmd('TTL', 's'), 100);
  await cmd('SPOP', 's', '1');
  assert.is(await cmd('TTL', 's'), 100);
});

test('SMOVE', async () => {
  await runRows(conn, [
    [['SADD', 'a', '1', 'x', 'y'], int(3)],
    [['SADD', 'b', '2', '3'], int(2)],
    [['SMOVE', 'a', 'b'], arity('smove')],
    [['SMOVE', 'a', 'b', 'x'], int(1)],
    [['OBJECT', 'ENCODING', 'b'], bulk('hashtable')],
    [['SMOVE', 'a', 'b', 'x'], int(0)],
    [['SMOVE', 'nokey', 'b', 'x'], int(0)],
    [['SMOVE', 'nokey', 'str', 'x'], int(0)], // no source: the destination's type is not looked at
    [['SMOVE', 'str', 'b', 'x'], WRONGTYPE],
    [['SMOVE', 'a', 'str', 'x'], WRONGTYPE],
    [['SMOVE', 'a', 'str', 'nomember'], WRONGTYPE],
    [['SMOVE', 'a', 'a', 'y'], int(1)],
    [['SMOVE', 'a', 'a', 'z'], int(0)],
    [['SMOVE', 'a', 'new', '1'], int(1)],
    [['OBJECT', 'ENCODING', 'new'], bulk('intset')],
    [['SMOVE', 'a', 'new', 'y'], int(1)],
    [['EXISTS', 'a'], int(0)],
    [['SMEMBERS', 'new'], bulks('1', 'y')],
    [['SADD', 'c', 'y'], int(1)],
    [['SMOVE', 'c', 'new', 'y'], int(1)], // already there: only removed from the source
    [['EXISTS', 'c'], int(0)],
    [['SCARD', 'new'], int(2)],
  ]);
});

test('SMOVE leaves a WATCHed destination alone when the member was already there', async () => {
  await cmd('SADD', 'src', 'a', 'b');
  await cmd('SADD', 'dst', 'a');
  const other = await srv.connect();
  try {
    await runRows(other, [[['WATCH', 'dst'], OK], [['MULTI'], OK], [['SADD', 'dst', 'c'], '+QUEUED\r\n']]);
    await runRows(conn, [[['SMOVE', 'src', 'dst', 'a'], int(1)]]);
    await runRows(other, [[['EXEC'], arr(int(1))]]);
    await runRows(other, [[['WATCH', 'dst'], OK], [['MULTI'], OK], [['SADD', 'dst', 'd'], '+QUEUED\r\n']]);
    await runRows(conn, [[['SADD', 'dst', 'a'], int(0)]]); // no change: WATCH holds
    await runRows(other, [[['EXEC'], arr(int(1))]]);
    await runRows(other, [[['WATCH', 'src'], OK], [['MULTI'], OK], [['SCARD', 'src'], '+QUEUED\r\n']]);
    await runRows(conn, [[['SMOVE', 'src', 'dst', 'b'], int(1)]]);
    await runRows(other, [[['EXEC'], '*-1\r\n']]);
  } finally {
    other.close();
  }
});

test('SINTER SINTERCARD SINTERSTORE', async () => {
  await cmd('SADD', 'a', '1', '2', '3', '4', '5');
  await cmd('SADD', 'b', '5', '3', '1', '7');
  await cmd('SADD', 'c', 'x', '1', '3');
  await runRows(conn, [
    [['SINTER'], arity('sinter')],
    [['SINTER', 'a', 'b'], bulks('1', '3', '5')],
    [['SINTER', 'b', 'a'], bulks('1', '3', '5')],
    [['SINTER', 'c', 'a'], bulks('1', '3')], // the smallest set's order (c, an insertion-ordered hash table)
    [['SINTER', 'a', 'nokey'], EMPTY],
    [['SINTER', 'nokey', 'str'], WRONGTYPE],
    [['SINTER', 'str', 'nokey'], WRONGTYPE],
    [['SINTER', 'a', 'a', 'a'], bulks('1', '2', '3', '4', '5')],
    [['SINTERCARD', '2', 'a', 'b'], int(3)],
    [['SINTERCARD', '2', 'a', 'b', 'LIMIT', '2'], int(2)],
    [['SINTERCARD', '2', 'a', 'b', 'limit', '0'], int(3)],
    [['SINTERCARD', '3', 'a', 'b', 'c', 'LIMIT', '10'], int(2)],
    [['SINTERCARD', '1', 'nokey'], int(0)],
    [['SINTERCARD', '2', 'a', 'nokey', 'LIMIT', '1'], int(0)],
    [['SINTERCARD', '1'], arity('sintercard')],
    [['SINTERCARD', '0', 'a'], err('ERR numkeys should be greater than 0')],
    [['SINTERCARD', 'x', 'a'], err('ERR numkeys should be greater than 0')],
    [['SINTERCARD', '3', 'a', 'b'], err("ERR Number of keys can't be greater than number of args")],
    [['SINTERCARD', '1', 'a', 'b'], SYNTAX],
    [['SINTERCARD', '1', 'a', 'LIMIT'], SYNTAX],
    [['SINTERCARD', '1', 'a', 'LIMIT', '-1'], err("ERR LIMIT can't be negative")],
    [['SINTERCARD', '1', 'a', 'LIMIT', 'x'], err("ERR LIMIT can't be negative")],
    [['SINTERCARD', '1', 'a', 'LIMIT\0x', '1'], int(1)], // keywords compare as C strings
    [['SINTERCARD', '2', 'str', 'a'], WRONGTYPE],
    [['SINTERSTORE', 'd'], arity('sinterstore')],
    [['SINTERSTORE', 'd', 'a', 'b'], int(3)],
    [['SMEMBERS', 'd'], bulks('1', '3', '5')],
    [['OBJECT', 'ENCODING', 'd'], bulk('intset')],
    [['SINTERSTORE', 'd', 'a', 'nokey'], int(0)],
    [['EXISTS', 'd'], int(0)],
    [['SINTERSTORE', 'str', 'a', 'b'], int(3)], // the destination is replaced whatever it held
    [['TYPE', 'str'], '+set\r\n'],
    [['SET', 'str', 'x'], OK],
    [['SINTERSTORE', 'd', 'str', 'a'], WRONGTYPE],
  ]);
});

test('SUNION SUNIONSTORE SDIFF SDIFFSTORE', async () => {
  await cmd('SADD', 'a', '5', '1', '3');
  await cmd('SADD', 'b', '3', '4');
  await cmd('SADD', 'h', 'x', '1', 'y');
  await runRows(conn, [
    [['SUNION'], arity('sunion')],
    [['SUNION', 'a', 'b', 'nokey'], bulks('1', '3', '4', '5')],
    [['SUNION', 'h', 'a'], bulks('x', '1', 'y', '3', '5')], // a hash table: the order members were added in
    [['SUNION', 'nokey'], EMPTY],
    [['SUNION', 'a', 'str'], WRONGTYPE],
    [['SDIFF', 'a', 'b'], bulks('1', '5')],
    [['SDIFF', 'a', 'nokey', 'h'], bulks('3', '5')],
    [['SDIFF', 'nokey', 'a'], EMPTY],
    [['SDIFF', 'a', 'a'], EMPTY],
    [['SDIFF', 'a', 'b', 'a'], EMPTY],
    [['SDIFF', 'h', 'a'], bulks('x', 'y')],
    [['SDIFF', 'nokey', 'str'], WRONGTYPE],
    [['SUNIONSTORE', 'u', 'a', 'b'], int(4)],
    [['SMEMBERS', 'u'], bulks('1', '3', '4', '5')],
    [['SUNIONSTORE', 'u', 'nokey'], int(0)],
    [['EXISTS', 'u'], int(0)],
    [['SDIFFSTORE', 'd', 'a', 'b'], int(2)],
    [['SMEMBERS', 'd'], bulks('1', '5')],
    [['SDIFFSTORE', 'd', 'a', 'a'], int(0)],
    [['EXISTS', 'd'], int(0)],
    [['SDIFFSTORE', 'd', 'str', 'a'], WRONGTYPE],
  ]);
});

test('SDIFFSTORE keeps an intset result of an intset an intset, by either algorithm', async () => {
  const many = Array.from({ length: 200 }, (_, i) => String(i));
  await cmd('SADD', 'a', ...many);
  await cmd('SADD', 'b', ...many.slice(5));
  await cmd('SADD', 'c', '0');
  assert.is(await cmd('SDIFFSTORE', 'd', 'a', 'b', 'c'), 4);
  assert.equal(await cmd('OBJECT', 'ENCODING', 'd'), 'intset');
  assert.equal(await cmd('SMEMBERS', 'd'), ['1', '2', '3', '4']);
  assert.is(await cmd('SDIFFSTORE', 'd', 'c', 'a'), 0);
});

test('SSCAN: cursor, MATCH, COUNT, an intset in one call, errors', async () => {
  await cmd('SADD', 'ints', '3', '1', '2', '10');
  await runRows(conn, [
    [['SSCAN', 'nokey', '0'], scanReply('0')],
    [['SSCAN', 'nokey', '0', 'COUNT', '0'], scanReply('0')], // a missing key: options are not parsed
    [['SSCAN', 'nokey', 'x'], err('ERR invalid cursor')],
    [['SSCAN', 'str', '0'], WRONGTYPE],
    [['SSCAN', 'ints'], arity('sscan')],
    [['SSCAN', 'ints', '0'], scanReply('0', '1', '2', '3', '10')],
    [['SSCAN', 'ints', '77', 'COUNT', '1'], scanReply('0', '1', '2', '3', '10')],
    [['SSCAN', 'ints', '0', 'MATCH', '1*'], scanReply('0', '1', '10')],
    [['SSCAN', 'ints', '0', 'COUNT', '0'], SYNTAX],
    [['SSCAN', 'ints', '0', 'COUNT', 'x'], NOT_INT],
    [['SSCAN', 'ints', '0', 'COUNT'], SYNTAX],
    [['SSCAN', 'ints', '0', 'TYPE', 'set'], SYNTAX],
    [['SSCAN', 'ints', '0', 'FOO', 'bar'], SYNTAX],
    [['SSCAN', 'ints', '-1'], scanReply('0', '1', '2', '3', '10')],
    [['SSCAN', 'ints', '18446744073709551616'], err('ERR invalid cursor')],
    [['SADD', 'mixed', '1', 'a', 'fab', 'foo', 'foobar'], int(5)],
    [['SSCAN', 'mixed', '0', 'MATCH', 'foo*', 'COUNT', '100'], scanReply('0', 'foo', 'foobar')],
    [['SSCAN', 'mixed', '0', 'MATCH', '*1*', 'COUNT', '100'], scanReply('0', '1')],
    [['SSCAN', 'mixed', '0', 'COUNT', '2'], scanReply('2', '1', 'a')],
    [['SSCAN', 'mixed', '2', 'COUNT', '2', 'MATCH', 'x*'], scanReply('4')], // filtered after counting
    [['SSCAN', 'mixed', '4', 'count', '2'], scanReply('0', 'foobar')],
  ]);
});

test('SSCAN: a full scan returns every member present throughout, with writes in between', async () => {
  for (let round = 0; round < 5; round++) {
    await cmd('DEL', 's');
    await cmd('SADD', 's', 'x');
    const churn = Array.from({ length: 100 + round * 200 }, (_, i) => String(i + 100));
    const stable = Array.from({ length: 100 }, (_, i) => String(i));
    await cmd('SADD', 's', ...stable, ...churn);
    const found = new Set<string>();
    let cursor = '0', calls = 0;
    do {
      const [next, items] = await cmd('SSCAN', 's', cursor);
      cursor = next;
      for (const m of items) found.add(m);
      if (++calls === round + 1) await cmd('SREM', 's', ...churn);
      await cmd('SADD', 's', `new${calls}`);
    } while (cursor !== '0');
    for (const m of stable) assert.ok(found.has(m), `round ${round}: ${m} missing`);
  }
});

test('RESP3: set replies where Redis sends sets, arrays elsewhere', async () => {
  await cmd('SADD', 'a', '1', '2');
  await cmd('SADD', 'b', '2', '3');
  conn.send('HELLO', '3');
  await conn.readRaw();
  await runRows(conn, [
    [['SMEMBERS', 'a'], resp3Set('1', '2')],
    [['SMEMBERS', 'nokey'], '~0\r\n'],
    [['SINTER', 'a', 'b'], resp3Set('2')],
    [['SINTER', 'a', 'nokey'], '~0\r\n'],
    [['SUNION', 'a', 'b'], resp3Set('1', '2', '3')],
    [['SDIFF', 'a', 'b'], resp3Set('1')],
    [['SRANDMEMBER', 'a', '5'], bulks('1', '2')],
    [['SRANDMEMBER', 'nokey', '5'], EMPTY],
    [['SRANDMEMBER', 'nokey'], '_\r\n'],
    [['SPOP', 'nokey'], '_\r\n'],
    [['SPOP', 'nokey', '2'], '~0\r\n'],
    [['SPOP', 'a', '0'], '~0\r\n'],
    [['SPOP', 'a', '5'], resp3Set('1', '2')],
    [['SMISMEMBER', 'b', '2', '9'], arr(int(1), int(0))],
    [['SSCAN', 'b', '0'], scanReply('0', '2', '3')],
  ]);
  await cmd('SADD', 'c', ...Array.from({ length: 20 }, (_, i) => String(i)));
  conn.send('SPOP', 'c', '3');
  assert.match(await conn.readRaw(), /^~3\r\n/);
});

test('propagation: SPOP as SREM (in MULTI when several), a whole-set SPOP as DEL, no-ops not at all', async () => {
  await cmd('SADD', 's', 'a');
  assert.equal(await propagation('SADD', 's', 'a'), []);
  assert.equal(await propagation('SADD', 's', 'b', 'c'), [['SADD', 's', 'b', 'c']]);
  assert.equal(await propagation('SREM', 's', 'zz'), []);
  assert.equal(await propagation('SREM', 's', 'c', 'zz'), [['SREM', 's', 'c', 'zz']]);
  const one = await propagation('SPOP', 's');
  assert.is(one.length, 1);
  assert.equal(one[0].slice(0, 2), ['SREM', 's']);
  assert.equal(await propagation('SPOP', 's', '5'), [['DEL', 's']]);
  assert.equal(await propagation('SPOP', 's', '5'), []);
  assert.equal(await propagation('SPOP', 's'), []);

  for (const count of [1, 3, 18]) {
    await cmd('DEL', 's');
    await cmd('SADD', 's', ...Array.from({ length: 20 }, (_, i) => `m${i}`));
    propagated.list = [];
    const popped: string[] = await cmd('SPOP', 's', String(count));
    const srems = popped.map((m) => ['SREM', 's', m]);
    assert.equal(propagated.list, count === 1 ? srems : [['MULTI'], ...srems, ['EXEC']], `count ${count}`);
  }

  await cmd('SADD', 'x', '1', '2');
  assert.equal(await propagation('SINTERSTORE', 'd', 'x', 'nokey'), [], 'nothing to delete');
  assert.equal(await propagation('SINTERSTORE', 'd', 'x', 'x'), [['SINTERSTORE', 'd', 'x', 'x']]);
  assert.equal(await propagation('SDIFFSTORE', 'd', 'x', 'x'), [['SDIFFSTORE', 'd', 'x', 'x']], 'deletes d');
  assert.equal(await propagation('SUNIONSTORE', 'd', 'x'), [['SUNIONSTORE', 'd', 'x']]);
  assert.equal(await propagation('SMOVE', 'x', 'd', 'nope'), []);
  assert.equal(await propagation('SMOVE', 'x', 'd', '1'), [['SMOVE', 'x', 'd', '1']]);
  assert.equal(await propagation('SRANDMEMBER', 'x'), []);
  assert.equal(await propagation('SSCAN', 'x', '0'), []);

  // Inside MULTI, SPOP's SREMs join the transaction's own batch.
  await cmd('SADD', 'm', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j');
  await runRows(conn, [[['MULTI'], OK], [['SADD', 'm', 'k'], '+QUEUED\r\n'], [['SPOP', 'm', '2'], '+QUEUED\r\n']]);
  propagated.list = [];
  const [, popped] = await cmd('EXEC');
  assert.equal(propagated.list, [['MULTI'], ['SADD', 'm', 'k'], ...popped.map((m: string) => ['SREM', 'm', m]), ['EXEC']]);
});

test('writes count one change per member, as server.dirty does', async () => {
  const ks = srv.server.keyspace;
  const dirty = async (...argv: string[]) => {
    const before = ks.dirty;
    await cmd(...argv);
    return ks.dirty - before;
  };
  assert.is(await dirty('SADD', 's', 'a', 'b', 'c'), 3);
  assert.is(await dirty('SADD', 's', 'a', 'd'), 1);
  assert.is(await dirty('SADD', 's', 'a'), 0);
  assert.is(await dirty('SREM', 's', 'a', 'b', 'x'), 2);
  assert.is(await dirty('SPOP', 's'), 1);
  assert.is(await dirty('SPOP', 's', '10'), 1);
  await cmd('SADD', 's', ...Array.from({ length: 10 }, (_, i) => `m${i}`));
  assert.is(await dirty('SPOP', 's', '3'), 3);
  assert.is(await dirty('SPOP', 's', '9'), 7);
});

test('copy-on-write: a snapshot in progress keeps the set as it was', async () => {
  await cmd('SADD', 's', 'a', 'b');
  await cmd('SADD', 't', '1', '2');
  await cmd('SADD', 'u', 'x', 'y');
  const snap = new Snapshot(srv.server.keyspace);
  try {
    await cmd('SADD', 's', 'c');
    await cmd('SREM', 't', '1');
    await cmd('SPOP', 'u', '1');
    await cmd('SMOVE', 's', 't', 'a');
    const seen = new Map<string, string[]>();
    const walk = snap.walk(db(), 100, (records) => {
      for (const r of records) if (r.value instanceof SetValue) seen.set(r.key, r.value.members());
    });
    while (!walk.next().done);
    assert.equal(sorted(seen.get('s')!), ['a', 'b']);
    assert.equal(seen.get('t'), ['1', '2']);
    assert.equal(sorted(seen.get('u')!), ['x', 'y']);
  } finally {
    snap.finish();
  }
  assert.equal(sorted(setAt('s').members()), ['b', 'c']);
  assert.equal(sorted(setAt('t').members()), ['2', 'a']);
});

test('COPY, RENAME and TYPE see a set', async () => {
  await runRows(conn, [
    [['SADD', 's', 'a', 'b'], int(2)],
    [['TYPE', 's'], '+set\r\n'],
    [['COPY', 's', 'c'], int(1)],
    [['SADD', 'c', 'z'], int(1)],
    [['SCARD', 's'], int(2)],
    [['RENAME', 'c', 'r'], OK],
    [['SCARD', 'r'], int(3)],
  ]);
});

// Commands whose replies are deterministic in Redis too: intsets (numeric order), single members, counts and
// errors. Sent to toyredis and to real redis-server, compared byte for byte.
const differential: string[][] = [
  ['SADD', 'i', '5', '-1', '3', '100', '7'], ['SADD', 'i', '3', '4'], ['SMEMBERS', 'i'], ['SCARD', 'i'], ['SISMEMBER', 'i', '3'],
  ['SISMEMBER', 'i', '03'], ['SMISMEMBER', 'i', '3', '9', '-1'], ['SMISMEMBER', 'nokey', 'a'], ['SMEMBERS', 'nokey'],
  ['SADD', 'i2', '3', '4', '200'], ['SINTER', 'i', 'i2'], ['SINTER', 'i2', 'i'], ['SINTER', 'i', 'nokey'], ['SUNION', 'i', 'i2'],
  ['SDIFF', 'i', 'i2'], ['SDIFF', 'i2', 'i'], ['SDIFF', 'i', 'i'], ['SINTERCARD', '2', 'i', 'i2'], ['SINTERCARD', '2', 'i', 'i2', 'LIMIT', '1'],
  ['SINTERSTORE', 'd', 'i', 'i2'], ['SMEMBERS', 'd'], ['OBJECT', 'ENCODING', 'd'], ['SUNIONSTORE', 'd', 'i', 'i2'], ['SMEMBERS', 'd'],
  ['SDIFFSTORE', 'd', 'i', 'i2'], ['SMEMBERS', 'd'], ['SDIFFSTORE', 'd', 'i', 'i'], ['EXISTS', 'd'],
  ['SADD', 's', 'only'], ['SRANDMEMBER', 's'], ['SRANDMEMBER', 's', '2'], ['SRANDMEMBER', 's', '-2'], ['SRANDMEMBER', 'i', '100'],
  ['SRANDMEMBER', 'i', '0'], ['SRANDMEMBER', 'nokey'], ['SRANDMEMBER', 'nokey', '3'], ['SRANDMEMBER', 'i', 'x'],
  ['SRANDMEMBER', 'i', '-9223372036854775808'], ['SRANDMEMBER', 'i', '1', '2'],
  ['SPOP', 's'], ['SPOP', 's'], ['SPOP', 'nokey', '2'], ['SPOP', 'nokey', '-2'], ['SPOP', 'i', 'x'], ['SPOP', 'i', '0'],
  ['SADD', 'p', '9', '8', '7'], ['SPOP', 'p', '3'], ['EXISTS', 'p'], ['SPOP', 'p', '1', '2'],
  ['SREM', 'i', '5', 'nope', '5'], ['SMEMBERS', 'i'], ['SREM', 'nokey', 'a'],
  ['SMOVE', 'i', 'i2', '-1'], ['SMOVE', 'i', 'i2', '-1'], ['SMEMBERS', 'i2'], ['SMOVE', 'i', 'i', '3'], ['SMOVE', 'nokey', 'i', '3'],
  ['SMOVE', 'i', 'fresh', '3'], ['OBJECT', 'ENCODING', 'fresh'], ['SMOVE', 'i', 'fresh', 'no'],
  ['SSCAN', 'i', '0'], ['SSCAN', 'i', '0', 'MATCH', '1*', 'COUNT', '1'], ['SSCAN', 'nokey', '0'], ['SSCAN', 'i', 'abc'],
  ['SSCAN', 'i', '0', 'COUNT', '0'], ['SSCAN', 'i', '0', 'TYPE', 'set'], ['SSCAN', 'i', '0', 'count'], ['SSCAN', 'i', '-5'],
  ['SADD', 'h', 'a', '1'], ['OBJECT', 'ENCODING', 'h'], ['SADD', 'h2', '1', 'a'], ['OBJECT', 'ENCODING', 'h2'],
  ['SADD', 'h3', '99999999999999999999'], ['OBJECT', 'ENCODING', 'h3'], ['SADD', 'h4', '-0'], ['OBJECT', 'ENCODING', 'h4'],
  ['SET', 'str', 'v'], ['SADD', 'str', 'a'], ['SREM', 'str', 'a'], ['SCARD', 'str'], ['SISMEMBER', 'str', 'a'], ['SMISMEMBER', 'str', 'a'],
  ['SMEMBERS', 'str'], ['SRANDMEMBER', 'str'], ['SPOP', 'str'], ['SMOVE', 'str', 'i', 'a'], ['SMOVE', 'i', 'str', '3'],
  ['SINTER', 'str'], ['SINTERCARD', '1', 'str'], ['SINTERSTORE', 'x', 'str'], ['SUNION', 'nokey', 'str'], ['SDIFF', 'nokey', 'str'],
  ['SSCAN', 'str', '0'], ['SUNIONSTORE', 'str', 'i'], ['TYPE', 'str'],
  ['SINTERCARD', '0', 'i'], ['SINTERCARD', '-1', 'i'], ['SINTERCARD', '5', 'i'], ['SINTERCARD', '1', 'i', 'LIMIT'],
  ['SINTERCARD', '1', 'i', 'LIMIT', '-3'], ['SINTERCARD', '1', 'i', 'foo'], ['SINTERCARD', '1'],
  ['SADD', 'i'], ['SREM', 'i'], ['SCARD'], ['SMEMBERS'], ['SINTERSTORE', 'x'], ['SSCAN', 'i'],
  ['CONFIG', 'SET', 'set-max-intset-entries', '2'], ['SADD', 'lim', '1', '2'], ['OBJECT', 'ENCODING', 'lim'], ['SADD', 'lim', '3'],
  ['OBJECT', 'ENCODING', 'lim'], ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
  ['HELLO', '3'], ['SMEMBERS', 'i2'], ['SINTER', 'i', 'i2'], ['SUNION', 'i2'], ['SDIFF', 'i2', 'nokey'], ['SPOP', 'nokey', '1'],
  ['SRANDMEMBER', 'i2', '10'], ['SMEMBERS', 'nokey'], ['SSCAN', 'i2', '0'], ['SPOP', 'i2', '50'],
];

test('differential: the same commands against real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    await runRows(conn, [[['DEL', 'str'], int(1)]]);
    await sameReplies(conn, real, differential);
  });
});

test.run();
