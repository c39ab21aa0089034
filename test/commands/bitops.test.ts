import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Propagated, runRows, startInProcess, type InProcess, type Row } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { mulberry32 } from '../helpers/random';
import { arity, bulk, err, int, NIL, NOT_INT, OK, SYNTAX, WRONGTYPE } from '../helpers/resp';
import type { Collection } from '../../lib/store/types';

const test = suite('commands/bitops');

const ints = (...items: (number | bigint | null)[]) => `*${items.length}\r\n${items.map((n) => (n === null ? NIL : int(n))).join('')}`;
const BAD_OFFSET = err('ERR bit offset is not an integer or out of range');
const BAD_BIT = err('ERR bit is not an integer or out of range');
const BAD_TYPE = err('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');

let srv: InProcess;
let conn: RawConnection;
let propagated: Propagated;

/** A key of another type: a stand-in list planted in db 0, so WRONGTYPE is testable without lists. */
function plantList(key: string): void {
  const list: Collection = { type: 'list', encoding: () => 'quicklist', clone: () => list };
  srv.server.keyspace.dbs[0].set(key, list);
}

const value = (key: string) => srv.server.keyspace.dbs[0].peek(key)?.value;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
  plantList('alist');
  propagated = new Propagated(srv);
});

test.after.each(() => srv.stop());

/** Send one command; return its reply and what it propagated, and how much the dirty counter moved. */
async function sent(...argv: string[]): Promise<{ reply: string; propagated: string[][]; dirty: number }> {
  const before = srv.server.keyspace.dirty;
  propagated.list = [];
  conn.send(...argv);
  const reply = await conn.readRaw();
  return { reply, propagated: propagated.list, dirty: srv.server.keyspace.dirty - before };
}

test('SETBIT GETBIT', async () => {
  const rows: Row[] = [
    [['SETBIT', 'k', '7'], arity('setbit')],
    [['GETBIT', 'k'], arity('getbit')],
    [['GETBIT', 'nokey', '0'], int(0)],
    [['GETBIT', 'nokey', 'x'], BAD_OFFSET], // the offset is checked before the key
    [['SETBIT', 'k', '7', '1'], int(0)],
    [['GET', 'k'], bulk('\x01')],
    [['SETBIT', 'k', '7', '1'], int(1)],
    [['SETBIT', 'k', '0', '1'], int(0)],
    [['GET', 'k'], bulk('\x81')],
    [['SETBIT', 'k', '7', '0'], int(1)],
    [['GET', 'k'], bulk('\x80')],
    [['SETBIT', 'k', '23', '1'], int(0)], // grows with zero bytes
    [['GET', 'k'], bulk('\x80\x00\x01')],
    [['GETBIT', 'k', '0'], int(1)],
    [['GETBIT', 'k', '1'], int(0)],
    [['GETBIT', 'k', '23'], int(1)],
    [['GETBIT', 'k', '24'], int(0)], // past the end
    [['GETBIT', 'k', '4294967295'], int(0)],
    [['SETBIT', 'k', '-1', '1'], BAD_OFFSET],
    [['SETBIT', 'k', '4294967296', '1'], BAD_OFFSET], // 512 MB: proto-max-bulk-len
    [['GETBIT', 'k', '4294967296'], BAD_OFFSET],
    [['SETBIT', 'k', '#1', '1'], BAD_OFFSET], // '#' is BITFIELD's
    [['SETBIT', 'k', '1.5', '1'], BAD_OFFSET],
    [['SETBIT', 'k', ' 1', '1'], BAD_OFFSET],
    [['SETBIT', 'k', '01', '1'], BAD_OFFSET],
    [['SETBIT', 'k', '1', '2'], BAD_BIT],
    [['SETBIT', 'k', '1', '-1'], BAD_BIT],
    [['SETBIT', 'k', '1', 'x'], BAD_BIT],
    [['SETBIT', 'k', '1', ''], BAD_BIT],
    [['SETBIT', 'k', 'x', 'x'], BAD_OFFSET], // offset first
    [['SETBIT', 'alist', '1', '1'], WRONGTYPE],
    [['SETBIT', 'alist', '1', '2'], BAD_BIT], // arguments before the type
    [['GETBIT', 'alist', '0'], WRONGTYPE],
    [['SET', 's', '1'], OK], // "1" is 0x31 = 00110001
    [['GETBIT', 's', '2'], int(1)],
    [['GETBIT', 's', '7'], int(1)],
    [['GETBIT', 's', '1'], int(0)],
    [['SETBIT', 's', '6', '1'], int(0)],
    [['GET', 's'], bulk('3')],
    [['SETBIT', 'z', '0', '0'], int(0)], // creates a zero byte
    [['GET', 'z'], bulk('\0')],
  ];
  await runRows(conn, rows);
});

test('SETBIT keeps the TTL, writes only what changed, propagates only a change', async () => {
  await runRows(conn, [[['SET', 'k', 'a', 'PX', '100000'], OK]]);
  let r = await sent('SETBIT', 'k', '7', '0');
  assert.equal([r.reply, r.dirty, r.propagated], [int(1), 1, [['SETBIT', 'k', '7', '0']]]);
  assert.is(value('k'), '`');
  r = await sent('SETBIT', 'k', '7', '0');
  assert.equal([r.reply, r.dirty, r.propagated], [int(0), 0, []]);
  r = await sent('SETBIT', 'k', '15', '0'); // grows: a change even though the bit is already 0
  assert.equal([r.reply, r.dirty, r.propagated], [int(0), 1, [['SETBIT', 'k', '15', '0']]]);
  assert.is(value('k'), '`\0');
  await runRows(conn, [[['PTTL', 'k'], int(100000)]]);
  r = await sent('SETBIT', 'k', 'x', '1');
  assert.equal([r.dirty, r.propagated], [0, []]);
});

test('SETBIT past what V8 can hold is refused, not attempted', async () => {
  await runRows(conn, [
    [['CONFIG', 'SET', 'proto-max-bulk-len', '1000000000'], OK],
    [['SETBIT', 'big', String(8 * 600_000_000), '1'], err('ERR string exceeds maximum allowed size (proto-max-bulk-len)')],
    [['EXISTS', 'big'], int(0)],
    [['BITFIELD', 'big', 'SET', 'u8', String(8 * 600_000_000), '1'], err('ERR string exceeds maximum allowed size (proto-max-bulk-len)')],
    [['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'], OK],
    [['SETBIT', 'k', '8388607', '1'], int(0)],
    [['SETBIT', 'k', '8388608', '1'], BAD_OFFSET],
    [['BITFIELD', 'k', 'GET', 'u8', '8388608'], BAD_OFFSET],
    [['BITFIELD', 'k', 'GET', 'u8', '#1048575'], ints(1)],
    [['BITFIELD', 'k', 'GET', 'u8', '#1048576'], BAD_OFFSET],
    [['BITFIELD', 'k', 'GET', 'u4', '8388604', 'SET', 'u4', '8388605', '0'], ints(1, 2)], // only the start is checked
    [['STRLEN', 'k'], int(1048577)],
  ]);
});

test('offsets past proto-max-bulk-len are accepted from our master', async () => {
  await runRows(conn, [[['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'], OK]]);
  const [client] = srv.server.clients.values();
  client.isMaster = true; // the link a replica applies its master's stream on: mustObeyClient() in Redis
  await runRows(conn, [
    [['SETBIT', 'k', '8388608', '1'], int(0)],
    [['STRLEN', 'k'], int(1048577)],
    [['GETBIT', 'k', '8388608'], int(1)],
    [['BITFIELD', 'k', 'SET', 'u8', '#1048577', '255', 'GET', 'u8', '#1048577'], ints(0, 255)],
    [['SETBIT', 'k', '-1', '1'], BAD_OFFSET],
  ]);
  client.isMaster = false;
  await runRows(conn, [[['GETBIT', 'k', '8388608'], BAD_OFFSET]]);
});

test('BITCOUNT', async () => {
  const rows: Row[] = [
    [['BITCOUNT'], arity('bitcount')],
    [['BITCOUNT', 'nokey'], int(0)],
    [['BITCOUNT', 'nokey', '0'], int(0)], // a missing key answers before the arguments are read
    [['BITCOUNT', 'nokey', 'a', 'b', 'c', 'd'], int(0)],
    [['SET', 's', 'foobar'], OK],
    [['BITCOUNT', 's'], int(26)],
    [['BITCOUNT', 's', '0', '0'], int(4)],
    [['BITCOUNT', 's', '1', '1'], int(6)],
    [['BITCOUNT', 's', '1', '-2'], int(18)],
    [['BITCOUNT', 's', '-2', '1'], int(0)],
    [['BITCOUNT', 's', '0', '1000'], int(26)],
    [['BITCOUNT', 's', '-1000', '-1'], int(26)],
    [['BITCOUNT', 's', '5', '30', 'BIT'], int(17)],
    [['BITCOUNT', 's', '5', '30', 'bit'], int(17)],
    [['BITCOUNT', 's', '1', '1', 'BYTE'], int(6)],
    [['BITCOUNT', 's', '0', '-1', 'BIT'], int(26)],
    [['BITCOUNT', 's', '10', '-34', 'BIT'], int(4)],
    [['BITCOUNT', 's', '3', '3', 'BIT'], int(0)],
    [['BITCOUNT', 's', '1', '1', 'BIT'], int(1)],
    [['BITCOUNT', 's', '47', '1000', 'BIT'], int(0)],
    [['BITCOUNT', 's', '-6', '-7'], int(0)],
    [['BITCOUNT', 's', '-6', '-7', 'FOO'], int(0)], // an empty negative range answers before the unit is read
    [['BITCOUNT', 's', '0'], SYNTAX],
    [['BITCOUNT', 's', '0', '1', 'hello'], SYNTAX],
    [['BITCOUNT', 's', '0', '1', 'BIT', 'x'], SYNTAX],
    [['BITCOUNT', 's', 'a', '1'], NOT_INT],
    [['BITCOUNT', 's', '0', '1.0'], NOT_INT],
    [['BITCOUNT', 's', '0', '4294967296'], int(26)],
    [['BITCOUNT', 's', '-9223372036854775808', '9223372036854775807', 'BIT'], int(26)],
    [['BITCOUNT', 's', '0', '9223372036854775808'], NOT_INT],
    [['BITCOUNT', 'alist'], WRONGTYPE],
    [['BITCOUNT', 'alist', 'x'], WRONGTYPE],
    [['SET', 'e', ''], OK],
    [['BITCOUNT', 'e'], int(0)],
    [['BITCOUNT', 'e', '0', '-1', 'BIT'], int(0)],
    [['SET', 'n', '123'], OK],
    [['BITCOUNT', 'n'], int(10)],
  ];
  await runRows(conn, rows);
});

test('BITCOUNT over long strings, counted a word at a time', async () => {
  const bytes = Array.from({ length: 200_000 }, (_, i) => String.fromCharCode((i * 2654435761) >>> 24)).join('');
  const bits = (s: string) => [...s].reduce((n, c) => n + c.charCodeAt(0).toString(2).replace(/0/g, '').length, 0);
  await runRows(conn, [
    [['SET', 'big', bytes], OK],
    [['BITCOUNT', 'big'], int(bits(bytes))],
    [['BITCOUNT', 'big', '3', '-5'], int(bits(bytes.slice(3, -4)))],
    [['BITCOUNT', 'big', '70000', '70000'], int(bits(bytes[70000]))],
    [['BITCOUNT', 'big', '13', String(8 * 150_001 + 2), 'BIT'], int(bits(bytes.slice(2, 150_001)) + bits(String.fromCharCode(bytes.charCodeAt(1) & 7)) + bits(String.fromCharCode(bytes.charCodeAt(150_001) >> 5)))],
  ]);
});

test('BITPOS', async () => {
  const rows: Row[] = [
    [['BITPOS', 'k'], arity('bitpos')],
    [['BITPOS', 'nokey', '0'], int(0)],
    [['BITPOS', 'nokey', '1'], int(-1)],
    [['BITPOS', 'nokey', '1', 'a', 'b', 'c', 'd'], int(-1)],
    [['BITPOS', 'nokey', '2'], err('ERR The bit argument must be 1 or 0.')], // the bit is checked first
    [['BITPOS', 'nokey', 'x'], NOT_INT],
    [['BITPOS', 'alist', '1'], WRONGTYPE],
    [['SET', 'e', ''], OK],
    [['BITPOS', 'e', '0'], int(-1)], // an existing empty string has no bit at all
    [['BITPOS', 'e', '1'], int(-1)],
    [['SET', 'ff', '\xff\xff\xff'], OK],
    [['BITPOS', 'ff', '0'], int(24)], // no end given: the zeros right after the string
    [['BITPOS', 'ff', '0', '0'], int(24)],
    [['BITPOS', 'ff', '0', '0', '-1'], int(-1)], // an end given: only inside the range
    [['BITPOS', 'ff', '0', '0', '-1', 'BIT'], int(-1)],
    [['BITPOS', 'ff', '0', '3', '-1', 'BIT'], int(-1)],
    [['BITPOS', 'ff', '1', '1', '1'], int(8)],
    [['BITPOS', 'ff', '1', '5', '6', 'BIT'], int(5)],
    [['BITPOS', 'ff', '0', '5', 'BIT'], NOT_INT], // the unit only comes after an end
    [['SET', 's', '\x00\xff\xf0'], OK],
    [['BITPOS', 's', '1'], int(8)],
    [['BITPOS', 's', '1', '0'], int(8)],
    [['BITPOS', 's', '1', '2', '-1'], int(16)],
    [['BITPOS', 's', '0'], int(0)],
    [['BITPOS', 's', '0', '1'], int(20)],
    [['BITPOS', 's', '0', '1', '-1'], int(20)],
    [['BITPOS', 's', '0', '8', '19', 'BIT'], int(-1)],
    [['BITPOS', 's', '0', '8', '20', 'bit'], int(20)],
    [['BITPOS', 's', '1', '3', '7', 'BIT'], int(-1)],
    [['BITPOS', 's', '1', '7', '9', 'BIT'], int(8)],
    [['BITPOS', 's', '1', '-9', '-1', 'BIT'], int(15)],
    [['BITPOS', 's', '1', '10', '5'], int(-1)],
    [['BITPOS', 's', '1', '10'], int(-1)],
    [['BITPOS', 's', '0', '10'], int(-1)],
    [['BITPOS', 's', '1', '0', '-1', 'BYTE'], int(8)],
    [['BITPOS', 's', '1', '0', '-1', 'bits'], SYNTAX],
    [['BITPOS', 's', '1', '0', 'x', 'bits'], SYNTAX], // the unit is read before the end
    [['BITPOS', 's', '1', 'x', '1', 'bits'], NOT_INT],
    [['BITPOS', 's', '1', '0', 'x'], NOT_INT],
    [['BITPOS', 's', '1', '0', '1', 'BIT', 'x'], SYNTAX],
    [['BITPOS', 's', '2'], err('ERR The bit argument must be 1 or 0.')],
    [['BITPOS', 's', '01'], NOT_INT],
  ];
  await runRows(conn, rows);
});

test('BITPOS over long runs', async () => {
  const zeros = '\0'.repeat(300_000), ones = '\xff'.repeat(300_000);
  await runRows(conn, [
    [['SET', 'z', zeros + '\x10' + zeros], OK],
    [['BITPOS', 'z', '1'], int(300_000 * 8 + 3)],
    [['BITPOS', 'z', '1', '1', '-1', 'BIT'], int(300_000 * 8 + 3)],
    [['BITPOS', 'z', '1', '300001'], int(-1)],
    [['BITPOS', 'z', '0', '5'], int(40)],
    [['SET', 'o', ones + '\xfe' + ones], OK],
    [['BITPOS', 'o', '0'], int(300_000 * 8 + 7)],
    [['BITPOS', 'o', '0', '300001'], int(600_001 * 8)],
    [['BITPOS', 'o', '0', '300001', '-1'], int(-1)],
    [['BITPOS', 'o', '0', '3', String(300_000 * 8 + 6), 'BIT'], int(-1)],
    [['BITPOS', 'o', '0', '3', String(300_000 * 8 + 7), 'BIT'], int(300_000 * 8 + 7)],
  ]);
});

test('BITOP', async () => {
  const rows: Row[] = [
    [['BITOP', 'AND', 'd'], arity('bitop')],
    [['MSET', 'a', '\xf0\x0f\xaa', 'b', '\xff\x01', 'c', 'x'], OK],
    [['BITOP', 'AND', 'd', 'a', 'b'], int(3)],
    [['GET', 'd'], bulk('\xf0\x01\x00')], // the shorter source is padded with zeros
    [['BITOP', 'or', 'd', 'a', 'b'], int(3)],
    [['GET', 'd'], bulk('\xff\x0f\xaa')],
    [['BITOP', 'Xor', 'd', 'a', 'b', 'a'], int(3)],
    [['GET', 'd'], bulk('\xff\x01\x00')],
    [['BITOP', 'NOT', 'd', 'a'], int(3)],
    [['GET', 'd'], bulk('\x0f\xf0\x55')],
    [['BITOP', 'NOT', 'd', 'a', 'b'], err('ERR BITOP NOT must be called with a single source key.')],
    [['BITOP', 'NAND', 'd', 'a', 'b'], SYNTAX],
    [['BITOP', 'AND\0', 'd', 'a'], int(3)], // a C string comparison
    [['BITOP', 'AND', 'd', 'a', 'nokey'], int(3)], // a missing key is all zeros
    [['GET', 'd'], bulk('\0\0\0')],
    [['BITOP', 'OR', 'd', 'nokey', 'c'], int(1)],
    [['GET', 'd'], bulk('x')],
    [['BITOP', 'AND', 'd', 'a', 'alist'], WRONGTYPE],
    [['GET', 'd'], bulk('x')],
    [['BITOP', 'AND', 'alist', 'a'], int(3)], // the destination is overwritten whatever it held
    [['GET', 'alist'], bulk('\xf0\x0f\xaa')],
    [['BITOP', 'AND', 'a', 'a', 'b'], int(3)], // destination among the sources
    [['GET', 'a'], bulk('\xf0\x01\x00')],
    [['SET', 'e', ''], OK],
    [['BITOP', 'NOT', 'd', 'e'], int(0)], // an empty result deletes the destination
    [['EXISTS', 'd'], int(0)],
    [['BITOP', 'OR', 'd', 'nokey', 'nokey2'], int(0)],
    [['SET', 'n', '12'], OK],
    [['BITOP', 'NOT', 'd', 'n'], int(2)],
    [['GET', 'd'], bulk('\xce\xcd')],
  ];
  await runRows(conn, rows);
  await runRows(conn, [[['SET', 'ttl', 'v', 'EX', '100'], OK], [['BITOP', 'NOT', 'ttl', 'n'], int(2)], [['TTL', 'ttl'], int(-1)]]);
  let r = await sent('BITOP', 'OR', 'gone', 'nokey');
  assert.equal([r.reply, r.dirty, r.propagated], [int(0), 0, []]);
  r = await sent('BITOP', 'NOT', 'ttl', 'e');
  assert.equal([r.reply, r.dirty, r.propagated], [int(0), 1, [['BITOP', 'NOT', 'ttl', 'e']]]);
});

test('BITOP over long strings, 32 bits at a time', async () => {
  // longer than the 64 KB chunk the sources are read through, and not a multiple of it nor of 4
  const a = Array.from({ length: 150_001 }, (_, i) => String.fromCharCode((i * 7) & 255)).join('');
  const b = Array.from({ length: 70_003 }, (_, i) => String.fromCharCode((i * 13 + 5) & 255)).join('');
  const combine = (f: (x: number, y: number) => number) =>
    Array.from({ length: a.length }, (_, i) => String.fromCharCode(f(a.charCodeAt(i), i < b.length ? b.charCodeAt(i) : 0) & 255)).join('');
  await runRows(conn, [
    [['MSET', 'a', a, 'b', b], OK],
    [['BITOP', 'AND', 'd', 'a', 'b'], int(a.length)],
    [['GET', 'd'], bulk(combine((x, y) => x & y))],
    [['BITOP', 'OR', 'd', 'b', 'a'], int(a.length)],
    [['GET', 'd'], bulk(combine((x, y) => x | y))],
    [['BITOP', 'XOR', 'd', 'a', 'b'], int(a.length)],
    [['GET', 'd'], bulk(combine((x, y) => x ^ y))],
    [['BITOP', 'NOT', 'd', 'a'], int(a.length)],
    [['GET', 'd'], bulk(combine((x) => ~x))],
  ]);
});

test('BITFIELD GET SET INCRBY, types and # offsets', async () => {
  const rows: Row[] = [
    [['BITFIELD'], arity('bitfield')],
    [['BITFIELD', 'nokey'], '*0\r\n'],
    [['BITFIELD', 'nokey', 'GET', 'u8', '0', 'GET', 'i64', '100'], ints(0, 0)],
    [['EXISTS', 'nokey'], int(0)],
    [['BITFIELD', 'k', 'SET', 'i8', '0', '-100', 'GET', 'i8', '0', 'GET', 'u8', '0'], ints(0, -100, 156)],
    [['BITFIELD', 'k', 'SET', 'u8', '0', '255', 'GET', 'u8', '0'], ints(156, 255)],
    [['BITFIELD', 'k', 'SET', 'u8', '0', '256', 'GET', 'u8', '0'], ints(255, 0)], // wraps by default
    [['BITFIELD', 'k', 'SET', 'u2', '#3', '3', 'GET', 'u8', '0', 'GET', 'u2', '6'], ints(0, 3, 3)],
    [['BITFIELD', 'k', 'SET', 'i5', '3', '-1', 'GET', 'u8', '0'], ints(3, 31)],
    [['BITFIELD', 'k', 'INCRBY', 'u4', '4', '1', 'INCRBY', 'u4', '4', '-2'], ints(0, 14)],
    [['BITFIELD', 'k', 'GET', 'i64', '0'], ints(BigInt.asIntN(64, 0x1en << 56n))],
    [['BITFIELD', 'j', 'SET', 'i64', '0', '-9223372036854775808', 'GET', 'i64', '0', 'GET', 'u63', '1'], ints(0, -9223372036854775808n, 0)],
    [['BITFIELD', 'j', 'SET', 'u63', '1', '9223372036854775807', 'GET', 'u63', '1', 'GET', 'i64', '0'], ints(0, 9223372036854775807n, -1)],
    [['BITFIELD', 'j', 'INCRBY', 'i64', '0', '1'], ints(0)],
    [['BITFIELD', 'j', 'GET', 'u8', '#1000'], ints(0)],
    [['BITFIELD', 'j', 'get', 'i3', '#2'], ints(0)],
    [['STRLEN', 'j'], int(8)],
    [['BITFIELD', 'k', 'GET', 'u64', '0'], BAD_TYPE],
    [['BITFIELD', 'k', 'GET', 'i65', '0'], BAD_TYPE],
    [['BITFIELD', 'k', 'GET', 'i0', '0'], BAD_TYPE],
    [['BITFIELD', 'k', 'GET', 'I8', '0'], BAD_TYPE],
    [['BITFIELD', 'k', 'GET', 'u', '0'], BAD_TYPE],
    [['BITFIELD', 'k', 'GET', '', '0'], BAD_TYPE],
    [['BITFIELD', 'k', 'GET', 'u8\0junk', '0'], ints(30)], // the width is read as a C string
    [['BITFIELD', 'k', 'GET', 'u08', '0'], BAD_TYPE],
    [['BITFIELD', 'k', 'GET', 'u8', '-1'], BAD_OFFSET],
    [['BITFIELD', 'k', 'GET', 'u8', '#-1'], BAD_OFFSET],
    [['BITFIELD', 'k', 'GET', 'u8', '#'], BAD_OFFSET],
    [['BITFIELD', 'k', 'GET', 'u8', '##1'], BAD_OFFSET],
    [['BITFIELD', 'k', 'GET', 'u8', '#2305843009213693953'], ints(0)], // 8 * n wraps to 8 as in C
    [['BITFIELD', 'k', 'SET', 'u8', '0', 'x'], NOT_INT],
    [['BITFIELD', 'k', 'SET', 'u8', '0', '1.5'], NOT_INT],
    [['BITFIELD', 'k', 'INCRBY', 'u8', '0', '9223372036854775808'], NOT_INT],
    [['BITFIELD', 'k', 'GET', 'u8'], SYNTAX],
    [['BITFIELD', 'k', 'SET', 'u8', '0'], SYNTAX],
    [['BITFIELD', 'k', 'INCRBY', 'u8', '0'], SYNTAX],
    [['BITFIELD', 'k', 'FOO', 'u8', '0'], SYNTAX],
    [['BITFIELD', 'k', 'OVERFLOW'], SYNTAX],
    [['BITFIELD', 'k', 'OVERFLOW', 'FOO'], err('ERR Invalid OVERFLOW type specified')],
    [['BITFIELD', 'k', 'OVERFLOW', 'sat', 'GET', 'u8', '0'], ints(30)],
    [['BITFIELD', 'k', 'OVERFLOW', 'sat'], '*0\r\n'],
    [['BITFIELD', 'k', 'SET', 'u8', '0', '1', 'GET', 'u64', '0'], BAD_TYPE], // all parsed before any runs
    [['GET', 'k'], bulk('\x1e')],
    [['BITFIELD', 'alist', 'GET', 'u8', '0'], WRONGTYPE],
    [['BITFIELD', 'alist', 'SET', 'u8', '0', '1'], WRONGTYPE],
    [['BITFIELD', 'alist', 'GET', 'u64', '0'], BAD_TYPE], // arguments before the type
    [['BITFIELD', 'alist'], WRONGTYPE],
  ];
  await runRows(conn, rows);
});

test('BITFIELD overflow: WRAP, SAT, FAIL, with C arithmetic at the int64 edges', async () => {
  const rows: Row[] = [
    [['BITFIELD', 'u', 'SET', 'u2', '0', '1', 'INCRBY', 'u2', '0', '1', 'INCRBY', 'u2', '0', '1', 'INCRBY', 'u2', '0', '1'], ints(0, 2, 3, 0)],
    [['BITFIELD', 'u', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '0', '5', 'INCRBY', 'u2', '0', '-9'], ints(3, 0)],
    [['BITFIELD', 'u', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '4', 'INCRBY', 'u2', '0', '3', 'INCRBY', 'u2', '0', '-1'], ints(null, 3, 2)],
    [['BITFIELD', 'u', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '4', 'OVERFLOW', 'WRAP', 'SET', 'u2', '0', '5', 'GET', 'u2', '0'], ints(null, 2, 1)],
    [['BITFIELD', 'u', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-1', 'GET', 'u8', '0'], ints(64, 255)], // a negative unsigned SET is huge
    [['BITFIELD', 'u', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '300', 'GET', 'u8', '0'], ints(255, 255)],
    [['BITFIELD', 'u', 'SET', 'u8', '0', '-1', 'GET', 'u8', '0'], ints(255, 255)],
    [['BITFIELD', 's', 'SET', 'i8', '0', '127', 'INCRBY', 'i8', '0', '1', 'INCRBY', 'i8', '0', '-1'], ints(0, -128, 127)],
    [['BITFIELD', 's', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '100', 'INCRBY', 'i8', '0', '-1000'], ints(127, -128)],
    [['BITFIELD', 's', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '-1', 'GET', 'i8', '0'], ints(null, -128)],
    [['BITFIELD', 's', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-129', 'GET', 'i8', '0'], ints(-128, -128)],
    [['BITFIELD', 's', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '200', 'GET', 'i8', '0'], ints(-128, 127)],
    // max - value wraps past int64 for values this far below the minimum: Redis saturates them to the maximum
    [['BITFIELD', 's', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-9223372036854775808', 'GET', 'i8', '0'], ints(127, 127)],
    [['BITFIELD', 's', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-9223372036854775681', 'GET', 'i8', '0'], ints(127, 127)],
    [['BITFIELD', 's', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-9223372036854775680', 'GET', 'i8', '0'], ints(127, -128)],
    [['BITFIELD', 's', 'SET', 'i8', '0', '-9223372036854775808', 'GET', 'i8', '0'], ints(-128, 0)],
    [['BITFIELD', 'w', 'SET', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '1'], ints(0, -9223372036854775808n)],
    [['BITFIELD', 'w', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1'], ints(-9223372036854775808n)],
    [['BITFIELD', 'w', 'OVERFLOW', 'SAT', 'SET', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '9223372036854775807'], ints(-9223372036854775808n, 9223372036854775807n)],
    [['BITFIELD', 'w', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '0', '1', 'INCRBY', 'i64', '0', '-9223372036854775808'], ints(null, -1)],
    [['BITFIELD', 'v', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '0', '9223372036854775807', 'INCRBY', 'u63', '0', '1', 'INCRBY', 'u63', '0', '-9223372036854775808'], ints(9223372036854775807n, 9223372036854775807n, 0)],
    [['BITFIELD', 'v', 'INCRBY', 'u63', '0', '-1'], ints(9223372036854775807n)],
  ];
  await runRows(conn, rows);
});

test('BITFIELD_RO, and what BITFIELD writes, counts and propagates', async () => {
  await runRows(conn, [
    [['BITFIELD_RO'], arity('bitfield_ro')],
    [['BITFIELD_RO', 'nokey'], '*0\r\n'],
    [['SET', 'k', '\x80'], OK],
    [['BITFIELD_RO', 'k', 'GET', 'u1', '0', 'get', 'i2', '0'], ints(1, -2)],
    [['BITFIELD_RO', 'k', 'GET', 'u1', '0', 'SET', 'u1', '0', '0'], err('ERR BITFIELD_RO only supports the GET subcommand')],
    [['BITFIELD_RO', 'k', 'INCRBY', 'u1', '0', 'x'], NOT_INT], // parsing comes first
    [['BITFIELD_RO', 'alist', 'GET', 'u1', '0'], WRONGTYPE],
    [['BITFIELD_RO', 'k', 'OVERFLOW', 'FAIL', 'GET', 'u1', '0'], ints(1)],
  ]);
  let r = await sent('BITFIELD', 'k', 'GET', 'u8', '0');
  assert.equal([r.reply, r.dirty, r.propagated], [ints(128), 0, []]);
  r = await sent('BITFIELD', 'k', 'SET', 'u8', '0', '128', 'GET', 'u8', '0');
  assert.equal([r.reply, r.dirty, r.propagated], [ints(128, 128), 0, []]);
  r = await sent('BITFIELD', 'k', 'SET', 'u8', '0', '1', 'SET', 'u8', '0', '2', 'GET', 'u8', '0');
  assert.equal([r.reply, r.dirty, r.propagated], [ints(128, 1, 2), 2, [['BITFIELD', 'k', 'SET', 'u8', '0', '1', 'SET', 'u8', '0', '2', 'GET', 'u8', '0']]]);
  r = await sent('BITFIELD', 'k', 'SET', 'u8', '8', '0', 'SET', 'u8', '0', '2'); // grown: each write counts
  assert.equal([r.reply, r.dirty], [ints(0, 2), 2]);
  assert.is(value('k'), '\x02\0');
  // Every write refused by OVERFLOW FAIL: the key is still created (or padded) but nothing counts or propagates.
  r = await sent('BITFIELD', 'new', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '10', '5');
  assert.equal([r.reply, r.dirty, r.propagated], [ints(null), 0, []]);
  assert.is(value('new'), '\0\0');
  r = await sent('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'SET', 'u2', '30', '5');
  assert.equal([r.reply, r.dirty, r.propagated], [ints(null), 0, []]);
  assert.is(value('k'), '\x02\0\0\0');
  await runRows(conn, [[['SET', 't', 'a', 'EX', '100'], OK], [['BITFIELD', 't', 'SET', 'u8', '8', '1'], ints(0)], [['TTL', 't'], int(100)]]);
});

test('writes after writes: the kept bytes follow the value, not the key', async () => {
  const rows: Row[] = [
    [['SETBIT', 'a', '7', '1'], int(0)],
    [['SET', 'b', '\x01'], OK], // equal content, another key
    [['SETBIT', 'b', '0', '1'], int(0)],
    [['SETBIT', 'a', '6', '1'], int(0)],
    [['MGET', 'a', 'b'], '*2\r\n$1\r\n\x03\r\n$1\r\n\x81\r\n'],
    [['SETBIT', 'a', '100', '1'], int(0)],
    [['SET', 'a', 'x'], OK], // replaced between two bit writes
    [['SETBIT', 'a', '15', '1'], int(0)],
    [['GET', 'a'], bulk('x\x01')],
    [['APPEND', 'a', 'yz'], int(4)],
    [['BITFIELD', 'a', 'INCRBY', 'u8', '#3', '1', 'GET', 'u8', '#1'], ints(123, 1)],
    [['GET', 'a'], bulk('x\x01y{')],
    [['SETBIT', 'a', '1000', '0'], int(0)],
    [['STRLEN', 'a'], int(126)],
    [['BITCOUNT', 'a'], int(16)],
    [['SETBIT', 'a', '2', '0'], int(1)],
    [['GETRANGE', 'a', '0', '4'], bulk('X\x01y{\0')],
  ];
  await runRows(conn, rows);
  // Growing one bit at a time stays consistent across the mirror's reserved room.
  let expected = '';
  for (let i = 0; i < 3000; i += 37) {
    conn.send('SETBIT', 'g', String(i), '1');
    await conn.readRaw();
    const byte = Math.floor(i / 8);
    expected = expected.padEnd(byte + 1, '\0');
    expected = expected.slice(0, byte) + String.fromCharCode(expected.charCodeAt(byte) | (128 >> i % 8)) + expected.slice(byte + 1);
  }
  assert.is(value('g'), expected);
});

/** Generated commands over a handful of keys: random bitmaps, ranges on both sides of the ends, field mixes. */
function generatedCases(seed: number, count: number): string[][] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const n = (max: number) => Math.floor(rnd() * max);
  const keys = ['b1', 'b2', 'b3', 'empty', 'nokey', 'alist'];
  const index = () => String(pick([n(40), -n(40), n(400), -n(400), 0, -1]));
  const type = () => (rnd() < 0.5 ? `i${1 + n(64)}` : `u${1 + n(63)}`);
  const offset = () => (rnd() < 0.2 ? `#${n(40)}` : String(pick([n(64), n(400), n(3000)])));
  const fieldValue = () => String(pick([n(300) - 150, n(1 << 20) - (1 << 19), -(2 ** 40), 2 ** 50, '9223372036854775807', '-9223372036854775808', rnd() < 0.5 ? 1 : -1]));
  const bytes = (len: number) => Array.from({ length: len }, () => String.fromCharCode(pick([0, 255, n(256)]))).join('');
  const out: string[][] = [['SET', 'empty', '']];
  for (const k of ['b1', 'b2', 'b3']) out.push(['SET', k, bytes(n(300))]);
  for (let i = 0; i < count; i++) {
    const key = pick(keys);
    const unit = pick([[], ['BYTE'], ['BIT'], ['bit']]);
    switch (n(9)) {
      case 0:
        out.push(['SETBIT', pick(['b1', 'b2', 'b3', 'nokey2']), String(pick([n(64), n(2600), n(5000)])), String(n(2))]);
        break;
      case 1:
        out.push(['GETBIT', key, String(pick([n(64), n(2600), n(5000)]))]);
        break;
      case 2:
        out.push(['BITCOUNT', key, ...(rnd() < 0.15 ? [] : [index(), index(), ...unit])]);
        break;
      case 3: {
        const args = [index(), index(), ...unit].slice(0, n(4));
        out.push(['BITPOS', key, String(n(2)), ...args]);
        break;
      }
      case 4: {
        const op = pick(['AND', 'OR', 'XOR', 'NOT']);
        const sources = op === 'NOT' ? [pick(keys)] : Array.from({ length: 1 + n(3) }, () => pick(keys.slice(0, 5)));
        out.push(['BITOP', op, pick(['d1', 'b3', 'b1']), ...sources], ['GET', 'd1']);
        break;
      }
      case 5:
      case 6: {
        const args: string[] = [];
        for (let j = 1 + n(4); j > 0; j--) {
          const sub = pick(['GET', 'SET', 'INCRBY', 'OVERFLOW', 'GET']);
          if (sub === 'OVERFLOW') args.push(sub, pick(['WRAP', 'SAT', 'FAIL']));
          else if (sub === 'GET') args.push(sub, type(), offset());
          else args.push(sub, type(), offset(), fieldValue());
        }
        out.push([pick(['BITFIELD', 'BITFIELD', 'BITFIELD_RO']), pick(['b1', 'b2', 'nokey3']), ...args]);
        break;
      }
      case 7:
        out.push(['GET', pick(['b1', 'b2', 'b3', 'nokey2', 'nokey3'])]);
        break;
      default:
        out.push(['SET', pick(['b1', 'b2']), bytes(n(80))]);
    }
  }
  return out;
}

// Hand-written edge cases, then generated ones; each is sent to toyredis and to real redis-server.
const differential: string[][] = [
  ['SETBIT', 'k', '7', '1'], ['SETBIT', 'k', '7'], ['SETBIT', 'k', '-1', '1'], ['SETBIT', 'k', '4294967296', '1'], ['SETBIT', 'k', '4294967295', '2'],
  ['SETBIT', 'k', '#8', '1'], ['SETBIT', 'k', '1', '01'], ['GETBIT', 'k', '4294967295'], ['GETBIT', 'k', '4294967296'], ['GETBIT', 'k', 'x'],
  ['SET', 'e', ''], ['BITPOS', 'e', '0'], ['BITPOS', 'e', '1'], ['BITPOS', 'e', '0', '0', '0', 'BIT'], ['BITCOUNT', 'e', '0', '0', 'BIT'],
  ['BITCOUNT', 'k', '0'], ['BITCOUNT', 'k', '-1', '-2', 'foo'], ['BITCOUNT', 'k', '0', '-1', 'foo'], ['BITCOUNT', 'nk', '0'], ['BITCOUNT', 'k', '9223372036854775807', '-9223372036854775808'],
  ['BITPOS', 'k', '1', 'a', 'b', 'c', 'd'], ['BITPOS', 'nk', '1', 'a', 'b', 'c', 'd'], ['BITPOS', 'k', '1', '0', 'x', 'foo'], ['BITPOS', 'k', '-1'], ['BITPOS', 'k', '1', '0', '-1', 'BIT\0'],
  ['BITOP', 'not', 'd', 'k', 'k'], ['BITOP', 'and', 'd'], ['BITOP', 'nor', 'd', 'k'], ['BITOP', 'OR', 'e', 'nk'], ['EXISTS', 'e'],
  ['BITFIELD', 'nk', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '5'], ['EXISTS', 'nk'], ['STRLEN', 'nk'],
  ['BITFIELD', 's', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-9223372036854775808', 'GET', 'i8', '0'],
  ['BITFIELD', 's', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-1', 'GET', 'u8', '#1', 'GET', 'u8', '#2305843009213693953'],
  ['BITFIELD', 's', 'SET', 'i64', '0', '-1', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-9223372036854775808', 'INCRBY', 'i64', '0', '-1'],
  ['BITFIELD', 's', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'u63', '1', '9223372036854775807'],
  ['BITFIELD', 's', 'GET', 'u64', '0'], ['BITFIELD', 's', 'GET', 'i8\0x', '0'], ['BITFIELD', 's', 'get\0', 'i8', '0'], ['BITFIELD', 's', 'OVERFLOW', 'sat\0x'],
  ['BITFIELD', 's', 'GET', 'i8', '#9223372036854775807'], ['BITFIELD', 's', 'GET', 'i8', '#1152921504606846976'], ['BITFIELD', 's', 'GET', 'i7', '#1317624576693539401'],
  ['BITFIELD_RO', 's', 'GET', 'i8', '0', 'INCRBY', 'i8', '0', '1'], ['BITFIELD_RO', 's', 'OVERFLOW', 'WRAP'], ['BITFIELD', 's'],
  ...generatedCases(20240607, 1200),
  ['HELLO', '3'], ['BITFIELD', 'nk', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '5', 'GET', 'u2', '0'], ['BITFIELD_RO', 'nk', 'GET', 'i8', '0'],
];

test('differential: the same commands against real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    real.send('RPUSH', 'alist', 'x');
    await real.readRaw();
    await sameReplies(conn, real, differential);
  });
});

test.run();
