import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runRows, startInProcess, type InProcess, type Row } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { hasRedis, startRedis, tempDir } from '../helpers/servers';
import type { Reply } from '../../lib/protocol/reply';

const test = suite('commands/stream');

const OK = '+OK\r\n';
const NIL = '$-1\r\n';
const NIL_ARRAY = '*-1\r\n';
const EMPTY = '*0\r\n';
const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
const int = (n: number | bigint) => `:${n}\r\n`;
const err = (text: string) => `-${text}\r\n`;
const arr = (...items: string[]) => `*${items.length}\r\n${items.join('')}`;
const bulks = (...items: string[]) => arr(...items.map(bulk));
/** An entry as replies carry it: [id, [field, value, …]]. */
const entry = (id: string, ...pairs: string[]) => arr(bulk(id), bulks(...pairs));
const arity = (cmd: string) => err(`ERR wrong number of arguments for '${cmd}' command`);
const SYNTAX = err('ERR syntax error');
const NOT_INT = err('ERR value is not an integer or out of range');
const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');
const BAD_ID = err('ERR Invalid stream ID specified as stream command argument');
const SMALLER = err('ERR The ID specified in XADD is equal or smaller than the target stream top item');

const NOW = 1_700_000_000_000;

let srv: InProcess;
let conn: RawConnection;
let propagated: string[][] = [];

test.before.each(async () => {
  srv = await startInProcess();
  srv.clock.ms = NOW;
  conn = await srv.connect();
  propagated = [];
  srv.server.propagation.sinks.push((_db, argv) => propagated.push(argv));
  await runRows(conn, [[['SET', 'str', 'x'], OK]]);
});

test.after.each(async () => {
  conn.close();
  await srv.close();
});

/** A reply as plain data: bulk → string, int → number, arrays and maps → arrays, nils → null. */
function plain(r: Reply): any {
  switch (r.kind) {
    case 'bulk':
      return typeof r.value === 'string' ? r.value : r.value.toString('latin1');
    case 'int':
      return Number(r.value);
    case 'null':
    case 'nullArray':
      return null;
    case 'array':
    case 'map':
      return r.items.map(plain);
    case 'simple':
      return r.text;
    case 'error':
      throw new Error(r.text);
    default:
      throw new Error(`unexpected reply ${r.kind}`);
  }
}

async function cmd(...argv: string[]): Promise<any> {
  conn.send(...argv);
  return plain(await conn.read());
}

/** Send one command; return what it propagated to replicas and the AOF. */
async function propagation(...argv: string[]): Promise<string[][]> {
  propagated = [];
  conn.send(...argv);
  await conn.readRaw();
  return propagated;
}

/** A flat [name, value, …] reply as an object. */
function fields(flat: any[]): Record<string, any> {
  const out: Record<string, any> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

function blockedCount(): number {
  let n = 0;
  for (const c of srv.server.clients.values()) if (c.mode === 'blocked') n++;
  return n;
}

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
}

test('XADD: IDs explicit, partial, <ms>-* and automatic; options; the ID errors', async () => {
  const rows: Row[] = [
    [['XADD', 's'], arity('xadd')],
    [['XADD', 's', '*'], arity('xadd')],
    [['XADD', 's', '*', 'f'], arity('xadd')],
    [['XADD', 's', '1-1', 'f', 'v', 'g'], arity('xadd')],
    [['XADD', 's', 'MAXLEN', '1'], arity('xadd')],
    [['XADD', 's', '0-0', 'f', 'v'], err('ERR The ID specified in XADD must be greater than 0-0')],
    [['XADD', 's', '0', 'f', 'v'], err('ERR The ID specified in XADD must be greater than 0-0')],
    [['EXISTS', 's'], int(0)],
    [['XADD', 's', '1-1', 'f', 'v'], bulk('1-1')],
    [['XADD', 's', '1-1', 'f', 'v'], SMALLER],
    [['XADD', 's', '1-*', 'f', 'v'], bulk('1-2')],
    [['XADD', 's', '2', 'f', 'v'], bulk('2-0')],
    [['XADD', 's', '5-*', 'f', 'v'], bulk('5-0')],
    [['XADD', 's', '*', 'f', 'v'], bulk(`${NOW}-0`)],
    [['XADD', 's', '*', 'f', 'v'], bulk(`${NOW}-1`)],
    [['XADD', 's', '3-*', 'f', 'v'], SMALLER],
    [['XADD', 's', '-', 'f', 'v'], BAD_ID],
    [['XADD', 's', '+', 'f', 'v'], BAD_ID],
    [['XADD', 's', '1-x', 'f', 'v'], BAD_ID],
    [['XADD', 's', '-5', 'f', 'v'], BAD_ID],
    [['XADD', 's', '1-2-3', 'f', 'v'], BAD_ID],
    [['XADD', 's', 'x'.repeat(128), 'f', 'v'], BAD_ID],
    [['XADD', 'str', '*', 'f', 'v'], WRONGTYPE],
    [['XADD', 'n', 'NOMKSTREAM', '*', 'f', 'v'], NIL],
    [['EXISTS', 'n'], int(0)],
    [['XADD', 's', 'NOMKSTREAM', `${NOW + 1}-0`, 'f', 'v'], bulk(`${NOW + 1}-0`)],
    // strtoull's leniency after string2ll: spaces, '+', leading zeros; a NUL byte ends the ID
    [['XADD', 'lax', ' 5-3', 'f', 'v'], bulk('5-3')],
    [['XADD', 'lax', '+6', 'f', 'v'], bulk('6-0')],
    [['XADD', 'lax', '007-5', 'f', 'v'], bulk('7-5')],
    [['XADD', 'lax', '10\0-5', 'f', 'v'], bulk('10-0')],
    [['XADD', 'top', '1-18446744073709551615', 'f', 'v'], bulk('1-18446744073709551615')],
    [['XADD', 'top', '1-*', 'f', 'v'], err('ERR Elements are too large to be stored')],
    [['XADD', 'top', '18446744073709551615-18446744073709551615', 'f', 'v'], bulk('18446744073709551615-18446744073709551615')],
    [['XADD', 'top', '*', 'f', 'v'], err('ERR The stream has exhausted the last possible ID, unable to add more items')],
    // options
    [['XADD', 's', 'MAXLEN', 'x', '*', 'f', 'v'], NOT_INT],
    [['XADD', 's', 'MAXLEN', '-1', '*', 'f', 'v'], err('ERR The MAXLEN argument must be >= 0.')],
    [['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '*', 'f', 'v'], err('ERR syntax error, MAXLEN and MINID options at the same time are not compatible')],
    [['XADD', 's', 'MINID', 'bad', '*', 'f', 'v'], BAD_ID],
    [['XADD', 's', 'LIMIT', '5', '*', 'f', 'v'], err('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy')],
    [['XADD', 's', 'MAXLEN', '5', 'LIMIT', '5', '*', 'f', 'v'], err('ERR syntax error, LIMIT cannot be used without the special ~ option')],
    [['XADD', 's', 'MAXLEN', '~', '5', 'LIMIT', '-1', '*', 'f', 'v'], err('ERR The LIMIT argument must be >= 0.')],
    [['XADD', 's', 'maxlen', '=', '3', `${NOW + 2}-0`, 'f', 'v'], bulk(`${NOW + 2}-0`)],
    [['XLEN', 's'], int(3)],
    [['XADD', 'empty', 'MAXLEN', '0', '7-7', 'f', 'v'], bulk('7-7')],
    [['XLEN', 'empty'], int(0)],
    [['EXISTS', 'empty'], int(1)],
  ];
  await runRows(conn, rows);
});

test('XRANGE and XREVRANGE: inclusive and exclusive bounds, partial IDs, COUNT; XLEN; XDEL', async () => {
  for (const id of ['1-0', '1-5', '2-0', '3-7', '18446744073709551615-0']) await cmd('XADD', 's', id, 'f', id);
  const rows: Row[] = [
    [['XRANGE', 's', '-', '+', 'COUNT', '2'], arr(entry('1-0', 'f', '1-0'), entry('1-5', 'f', '1-5'))],
    [['XRANGE', 's', '1', '1'], arr(entry('1-0', 'f', '1-0'), entry('1-5', 'f', '1-5'))],
    [['XRANGE', 's', '(1-0', '(2-0'], arr(entry('1-5', 'f', '1-5'))],
    [['XRANGE', 's', '(1', '(3'], arr(entry('1-5', 'f', '1-5'), entry('2-0', 'f', '2-0'), entry('3-7', 'f', '3-7'))], // (3 is before 3-18446744073709551615
    [['XREVRANGE', 's', '+', '-', 'COUNT', '1'], arr(entry('18446744073709551615-0', 'f', '18446744073709551615-0'))],
    [['XREVRANGE', 's', '3', '(1-5'], arr(entry('3-7', 'f', '3-7'), entry('2-0', 'f', '2-0'))],
    [['XRANGE', 's', '-', '+', 'COUNT', '0'], NIL_ARRAY],
    [['XRANGE', 's', '3', '2'], EMPTY],
    [['XRANGE', 'nokey', '-', '+'], EMPTY],
    [['XRANGE', 's', '(-', '+'], BAD_ID],
    [['XRANGE', 's', '-', '(+'], BAD_ID],
    [['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'], err('ERR invalid start ID for the interval')],
    [['XRANGE', 's', '-', '(0-0'], err('ERR invalid end ID for the interval')],
    [['XRANGE', 's', '-', '+', 'COUNT'], SYNTAX],
    [['XRANGE', 's', '-', '+', 'COUNT', 'x'], NOT_INT],
    [['XRANGE', 'str', '-', '+'], WRONGTYPE],
    [['XRANGE', 'str', 'bad', '+'], BAD_ID], // the IDs are checked before the key
    [['XLEN', 's'], int(5)],
    [['XLEN', 'nokey'], int(0)],
    [['XLEN', 'str'], WRONGTYPE],
    [['XDEL', 's', '1-5', '9-9', '1-5'], int(1)],
    [['XDEL', 's', '2-0', 'bad'], BAD_ID],
    [['XDEL', 'nokey', 'bad'], int(0)],
    [['XDEL', 'str', '1'], WRONGTYPE],
    [['XLEN', 's'], int(4)],
    [['XDEL', 's', '1-0', '2-0', '3-7', '18446744073709551615-0'], int(4)],
    [['XLEN', 's'], int(0)],
    [['EXISTS', 's'], int(1)],
  ];
  await runRows(conn, rows);
  const info = fields(await cmd('XINFO', 'STREAM', 's'));
  assert.equal([info['max-deleted-entry-id'], info['recorded-first-entry-id'], info['last-generated-id'], info['entries-added']], ['18446744073709551615-0', '0-0', '18446744073709551615-0', 5]);
});

test('XTRIM: MAXLEN and MINID, exact or by whole nodes, LIMIT; its errors', async () => {
  await cmd('CONFIG', 'SET', 'stream-node-max-entries', '10');
  for (let i = 1; i <= 100; i++) await cmd('XADD', 's', `${i}-0`, 'f', 'v');
  const rows: Row[] = [
    [['XTRIM', 's'], arity('xtrim')],
    [['XTRIM', 's', 'FOO', '1'], SYNTAX],
    [['XTRIM', 's', 'LIMIT', '1'], err('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy')],
    [['XTRIM', 's', 'LIMIT', '1', 'MAXLEN', '1'], err('ERR syntax error, LIMIT cannot be used without the special ~ option')],
    [['XTRIM', 's', 'MAXLEN', '1', 'LIMIT', '30'], err('ERR syntax error, LIMIT cannot be used without the special ~ option')],
    [['XTRIM', 'nokey', 'MAXLEN', '1'], int(0)],
    [['XTRIM', 'str', 'MAXLEN', '1'], WRONGTYPE],
    [['XTRIM', 's', 'MAXLEN', '~', '85'], int(10)],
    [['XTRIM', 's', 'MAXLEN', '~', '55', 'LIMIT', '30'], int(30)],
    [['XTRIM', 's', 'MAXLEN', '57'], int(3)],
    [['XTRIM', 's', 'MINID', '~', '70'], int(17)], // the nodes of 41…50 (three tombstones in it) and 51…60
    [['XTRIM', 's', 'MINID', '=', '75'], int(14)],
    [['XLEN', 's'], int(26)],
    [['XRANGE', 's', '-', '+', 'COUNT', '1'], arr(entry('75-0', 'f', 'v'))],
  ];
  await runRows(conn, rows);
});

test('propagation: auto IDs and approximate trims go out as explicit values; XADD NOMKSTREAM on nothing, none', async () => {
  assert.equal(await propagation('XADD', 's', '*', 'f', 'v'), [['XADD', 's', `${NOW}-0`, 'f', 'v']]);
  assert.equal(await propagation('XADD', 's', `${NOW}-*`, 'f', 'v'), [['XADD', 's', `${NOW}-1`, 'f', 'v']]);
  assert.equal(await propagation('XADD', 's', '9999999999999-3', 'f', 'v'), [['XADD', 's', '9999999999999-3', 'f', 'v']]);
  await cmd('CONFIG', 'SET', 'stream-node-max-entries', '2');
  // the first node (three entries) goes whole; what is left is sent as the exact threshold
  assert.equal(await propagation('XADD', 's', 'MAXLEN', '~', '1', '*', 'f', 'v'), [['XADD', 's', 'MAXLEN', '=', '1', '9999999999999-4', 'f', 'v']]);
  // nothing trimmed: MINID goes out as the first entry's ID, LIMIT as it was (a replica ignores it)
  assert.equal(await propagation('XADD', 's', 'MINID', '~', '0', 'LIMIT', '5', '*', 'f', 'v'), [['XADD', 's', 'MINID', '=', '9999999999999-4', 'LIMIT', '5', '9999999999999-5', 'f', 'v']]);
  assert.equal(await propagation('XTRIM', 's', 'MAXLEN', '~', '0'), [['XTRIM', 's', 'MAXLEN', '=', '0']]);
  assert.equal(await propagation('XTRIM', 's', 'MAXLEN', '~', '0'), [], 'nothing trimmed, nothing sent');
  await cmd('XADD', 's', '*', 'f', 'v');
  assert.equal(await propagation('XTRIM', 's', 'MAXLEN', '0'), [['XTRIM', 's', 'MAXLEN', '0']]);
  assert.equal(await propagation('XADD', 'n', 'NOMKSTREAM', '*', 'f', 'v'), []);
  assert.equal(await propagation('XADD', 's', '1-0', 'f', 'v'), []);
  assert.equal(await propagation('XDEL', 's', '1-0'), []);
  assert.equal(await propagation('XSETID', 's', '99999999999999-0'), [['XSETID', 's', '99999999999999-0']]);
});

test('consumer groups: XGROUP subcommands, XINFO GROUPS and CONSUMERS, their errors', async () => {
  for (const id of ['1-0', '2-0', '3-0']) await cmd('XADD', 's', id, 'f', id);
  const rows: Row[] = [
    [['XGROUP', 'CREATE', 's', 'g', '0'], OK],
    [['XGROUP', 'CREATE', 's', 'g', '0'], err('BUSYGROUP Consumer Group name already exists')],
    [['XGROUP', 'CREATE', 'nokey', 'g', '0'], err('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.')],
    [['XGROUP', 'CREATE', 'mk', 'g', '$', 'MKSTREAM', 'ENTRIESREAD', '0'], OK],
    [['XGROUP', 'CREATE', 's', 'h', '$', 'FOO'], err("ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.")],
    [['XGROUP', 'CREATE', 's', 'h', '$', 'ENTRIESREAD', '-2'], err('ERR value for ENTRIESREAD must be positive or -1')],
    [['XGROUP', 'CREATE', 's', 'h', '+'], BAD_ID],
    [['XGROUP', 'CREATE', 'str', 'h', '$'], WRONGTYPE],
    [['XGROUP', 'CREATE', 's', 'h', '$', 'ENTRIESREAD', '2'], OK],
    [['XGROUP', 'SETID', 's', 'nog', '0'], err("NOGROUP No such consumer group 'nog' for key name 's'")],
    [['XGROUP', 'SETID', 's', 'h', '-', 'ENTRIESREAD', '0'], OK],
    [['XGROUP', 'SETID', 's', 'h', '0', 'MKSTREAM'], err("ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP.")],
    [['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'], int(1)],
    [['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'], int(0)],
    [['XGROUP', 'CREATECONSUMER', 's', 'nog', 'alice'], err("NOGROUP No such consumer group 'nog' for key name 's'")],
    [['XGROUP', 'DELCONSUMER', 's', 'g', 'nobody'], int(0)],
    [['XGROUP', 'DESTROY', 's', 'nog'], int(0)],
    [['XGROUP', 'DESTROY', 's', 'h'], int(1)],
    [['XGROUP', 'NOSUCH', 's', 'g'], err("ERR unknown subcommand 'NOSUCH'. Try XGROUP HELP.")],
    [['XGROUP', 'HELP', 'x'], arity('xgroup|help')],
    [['XINFO', 'HELP', 'x'], arity('xinfo|help')],
    [['XINFO', 'GROUPS', 'nokey'], err('ERR no such key')],
    [['XINFO', 'GROUPS', 'str'], WRONGTYPE],
    [['XINFO', 'CONSUMERS', 's', 'nog'], err("NOGROUP No such consumer group 'nog' for key name 's'")],
    [['XINFO', 'STREAM', 's', 'FULL', 'COUNT'], err("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.")],
    [['XINFO', 'GROUPS', 'mk'], arr(arr(bulk('name'), bulk('g'), bulk('consumers'), int(0), bulk('pending'), int(0), bulk('last-delivered-id'), bulk('0-0'), bulk('entries-read'), int(0), bulk('lag'), int(0)))],
  ];
  await runRows(conn, rows);
  const groups = (await cmd('XINFO', 'GROUPS', 's')).map(fields);
  assert.equal(groups, [{ name: 'g', consumers: 1, pending: 0, 'last-delivered-id': '0-0', 'entries-read': null, lag: 3 }]);
  srv.clock.advance(250);
  assert.equal((await cmd('XINFO', 'CONSUMERS', 's', 'g')).map(fields), [{ name: 'alice', pending: 0, idle: 250 }]);
  const help = await cmd('XGROUP', 'HELP');
  assert.is(help[0], 'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  assert.is(help.length, 17);
});

test('XREADGROUP: new entries enter the PEL and go out as XCLAIM; history; NOACK; XACK and XPENDING', async () => {
  for (const id of ['1-0', '2-0', '3-0', '4-0']) await cmd('XADD', 's', id, 'f', id);
  await cmd('XGROUP', 'CREATE', 's', 'g', '0');
  const claim = (consumer: string, id: string, count: number, last: string) =>
    ['XCLAIM', 's', 'g', consumer, '0', id, 'TIME', String(NOW), 'RETRYCOUNT', String(count), 'FORCE', 'JUSTID', 'LASTID', last];
  assert.equal(await propagation('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'),
    [['MULTI'], claim('alice', '1-0', 1, '1-0'), claim('alice', '2-0', 1, '2-0'), ['EXEC']]);
  assert.equal(await propagation('XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'COUNT', '1', 'STREAMS', 's', '>'),
    [['MULTI'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'bob'], ['XGROUP', 'SETID', 's', 'g', '3-0', 'ENTRIESREAD', '3'], ['EXEC']]);
  assert.equal(await propagation('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'), [], 'reading history propagates nothing');
  await runRows(conn, [
    [['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '(1'], BAD_ID],
    [['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '1'], arr(arr(bulk('s'), arr(entry('2-0', 'f', '2-0'))))],
    [['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '0'], arr(arr(bulk('s'), EMPTY))],
    [['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '$'], err('ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.')],
    [['XREADGROUP', 'GROUP', 'nog', 'carol', 'STREAMS', 's', '>'], err("NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option")],
    [['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 'nokey', '>'], err("NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option")],
    [['XREADGROUP', 'COUNT', '1', 'STREAMS', 's', 's', '>', '>'], err('ERR Missing GROUP option for XREADGROUP')],
    [['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'], err('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.')],
    [['XREAD', 'NOACK', 'STREAMS', 's', '0'], err('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.')],
    [['XREAD', 'STREAMS', 's', '>'], err('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.')],
    [['XREAD', 'STREAMS', 's', 's', '0'], err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")],
    [['XACK', 's', 'g', '1-0', '9-0'], int(1)],
    [['XACK', 's', 'g', '2-0', 'bad'], BAD_ID],
    [['XACK', 's', 'nog', '2-0'], int(0)],
    [['XACK', 'nokey', 'g', '2-0'], int(0)],
    [['XPENDING', 's', 'g'], arr(int(1), bulk('2-0'), bulk('2-0'), arr(bulks('alice', '1')))],
    [['XPENDING', 's', 'g', '-', '+', '10', 'nobody'], EMPTY],
    [['XPENDING', 's', 'g', '-', '+'], SYNTAX],
    [['XPENDING', 's', 'g', 'IDLE', '5', '-', '+'], SYNTAX],
    [['XPENDING', 's', 'nog'], err("NOGROUP No such key 's' or consumer group 'nog'")],
  ]);
  srv.clock.advance(100);
  assert.equal(await cmd('XPENDING', 's', 'g', '-', '+', '10'), [['2-0', 'alice', 100, 3]], 'each history read counts as a delivery');
  assert.equal(await cmd('XPENDING', 's', 'g', 'IDLE', '101', '-', '+', '10'), []);
  assert.equal(await cmd('XPENDING', 's', 'g', '(2-0', '+', '10'), []);
  assert.equal(await propagation('XACK', 's', 'g', '2-0'), [['XACK', 's', 'g', '2-0']]);
  const g = fields((await cmd('XINFO', 'GROUPS', 's'))[0]);
  assert.equal([g['last-delivered-id'], g['entries-read'], g.lag, g.pending], ['3-0', 3, 1, 0]);
});

test('XCLAIM and XAUTOCLAIM: idle filters, options, deleted entries leave the PEL; each claim propagated', async () => {
  for (const id of ['1-0', '2-0', '3-0']) await cmd('XADD', 's', id, 'f', id);
  await cmd('XGROUP', 'CREATE', 's', 'g', '0');
  await cmd('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
  srv.clock.advance(1000);
  const t = String(NOW + 1000);
  await runRows(conn, [
    [['XCLAIM', 's', 'nog', 'bob', '0', '1-0'], err("NOGROUP No such key 's' or consumer group 'nog'")],
    [['XCLAIM', 's', 'g', 'bob', 'x', '1-0'], err('ERR Invalid min-idle-time argument for XCLAIM')],
    [['XCLAIM', 's', 'g', 'bob', '0', '1-0', 'FOO'], err("ERR Unrecognized XCLAIM option 'FOO'")],
    [['XCLAIM', 's', 'g', 'bob', '0', '1-0', 'IDLE', 'x'], err('ERR Invalid IDLE option argument for XCLAIM')],
    [['XCLAIM', 's', 'g', 'bob', '0', '1-0', 'RETRYCOUNT', 'x'], err('ERR Invalid RETRYCOUNT option argument for XCLAIM')],
    [['XCLAIM', 's', 'g', 'bob', '2000', '1-0'], EMPTY],
  ]);
  assert.equal(await propagation('XCLAIM', 's', 'g', 'bob', '500', '1', 'JUSTID'),
    [['XCLAIM', 's', 'g', 'bob', '0', '1', 'TIME', t, 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '3-0']], 'the ID as typed');
  assert.equal(await propagation('XCLAIM', 's', 'g', 'bob', '0', '2-0', 'IDLE', '300', 'RETRYCOUNT', '7'),
    [['XCLAIM', 's', 'g', 'bob', '0', '2-0', 'TIME', String(NOW + 700), 'RETRYCOUNT', '7', 'FORCE', 'JUSTID', 'LASTID', '3-0']]);
  assert.equal(await propagation('XCLAIM', 's', 'g', 'bob', '0', 'LASTID', '5-0'), [['XGROUP', 'SETID', 's', 'g', '5-0', 'ENTRIESREAD', '3']]);
  await cmd('XDEL', 's', '3-0');
  assert.equal(await propagation('XCLAIM', 's', 'g', 'bob', '0', '3-0'),
    [['XCLAIM', 's', 'g', 'alice', '0', '3-0', 'TIME', String(NOW), 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '5-0']], 'a deleted entry leaves the PEL on the replica too');
  assert.equal(await cmd('XPENDING', 's', 'g', '-', '+', '10'), [['1-0', 'bob', 0, 1], ['2-0', 'bob', 300, 7]]);
  // FORCE creates a pending entry for an entry the group never delivered; without JUSTID the count goes to 2
  await cmd('XADD', 's', '6-0', 'f', '6-0');
  assert.equal(await cmd('XCLAIM', 's', 'g', 'carol', '0', '6-0', 'FORCE'), [['6-0', ['f', '6-0']]]);
  assert.equal((await cmd('XPENDING', 's', 'g', '6', '6', '1'))[0][3], 2);
  // XAUTOCLAIM: COUNT bounds the reply, deleted entries are reported and cleared, the cursor continues
  await runRows(conn, [
    [['XAUTOCLAIM', 's', 'g', 'dave', '0', '-', 'COUNT', '0'], err('ERR COUNT must be > 0')],
    [['XAUTOCLAIM', 's', 'g', 'dave', '0', '-', 'COUNT', '8070450532247928833'], err('ERR COUNT must be > 0')],
    [['XAUTOCLAIM', 's', 'g', 'dave', 'x', '-'], err('ERR Invalid min-idle-time argument for XAUTOCLAIM')],
    [['XAUTOCLAIM', 's', 'g', 'dave', '0', '-', 'FOO'], SYNTAX],
    [['XAUTOCLAIM', 's', 'nog', 'dave', '0', '-'], err("NOGROUP No such key 's' or consumer group 'nog'")],
  ]);
  await cmd('XDEL', 's', '1-0');
  assert.equal(await cmd('XAUTOCLAIM', 's', 'g', 'dave', '0', '-', 'COUNT', '1'), ['2-0', [], ['1-0']]);
  assert.equal(await propagation('XAUTOCLAIM', 's', 'g', 'dave', '0', '2-0', 'COUNT', '1', 'JUSTID'),
    [['XCLAIM', 's', 'g', 'dave', '0', '2-0', 'TIME', t, 'RETRYCOUNT', '7', 'FORCE', 'JUSTID', 'LASTID', '5-0']]);
  assert.equal(await cmd('XAUTOCLAIM', 's', 'g', 'dave', '0', '(2-0'), ['0-0', [['6-0', ['f', '6-0']]], []]);
});

test('XREAD: served at once from any stream with newer entries; BLOCK waits, $ means from now on', async () => {
  await cmd('XADD', 'a', '1-0', 'f', 'a1');
  await runRows(conn, [
    [['XREAD', 'STREAMS', 'a', 'nokey', '0', '0'], arr(arr(bulk('a'), arr(entry('1-0', 'f', 'a1'))))],
    [['XREAD', 'STREAMS', 'a', '1-0'], NIL_ARRAY],
    [['XREAD', 'STREAMS', 'str', '0'], WRONGTYPE],
    [['XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'], err('ERR timeout is negative')],
    [['XREAD', 'BLOCK', '1.5', 'STREAMS', 'a', '0'], err('ERR timeout is not an integer or out of range')],
    [['XREAD', 'COUNT', '1', 'STREAMS', 'a', 'bad'], BAD_ID],
    [['XREAD', 'STREAMS'], arity('xread')],
    [['XREAD', 'FOO', 'STREAMS', 'a', '0'], SYNTAX],
    [['MULTI'], OK],
    [['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '$'], '+QUEUED\r\n'],
    [['EXEC'], arr(NIL_ARRAY)],
  ]);
  const reader = await srv.connect();
  const second = await srv.connect();
  try {
    reader.send('XREAD', 'BLOCK', '0', 'STREAMS', 'a', 'b', '$', '$');
    second.send('XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 'b', '0');
    await waitFor(() => blockedCount() === 2);
    // XSETID moves the last ID without an entry: nobody is served
    await cmd('XSETID', 'a', '5-0');
    await cmd('XADD', 'b', '1-0', 'f', 'b1');
    assert.is(await reader.readRaw(), arr(arr(bulk('b'), arr(entry('1-0', 'f', 'b1')))));
    assert.is(await second.readRaw(), arr(arr(bulk('b'), arr(entry('1-0', 'f', 'b1')))));
    // the key deleted and made again: an XREAD reader just waits on
    reader.send('XREAD', 'BLOCK', '0', 'STREAMS', 'b', '1-0');
    await waitFor(() => blockedCount() === 1);
    await runRows(conn, [[['MULTI'], OK], [['XADD', 'b', '2-0', 'f', 'old'], '+QUEUED\r\n'], [['DEL', 'b'], '+QUEUED\r\n'], [['EXEC'], arr(bulk('2-0'), int(1))]]);
    await cmd('XADD', 'b', '3-0', 'f', 'new');
    assert.is(await reader.readRaw(), arr(arr(bulk('b'), arr(entry('3-0', 'f', 'new')))));
    reader.send('XREAD', 'BLOCK', '5', 'STREAMS', 'b', '$');
    assert.is(await reader.readRaw(), NIL_ARRAY);
    reader.send('HELLO', '3');
    await reader.read();
    reader.send('XREAD', 'BLOCK', '0', 'STREAMS', 'b', '$');
    await waitFor(() => blockedCount() === 1);
    await cmd('XADD', 'b', '4-0', 'f', 'v');
    assert.is(await reader.readRaw(), `%1\r\n${bulk('b')}${arr(entry('4-0', 'f', 'v'))}`);
  } finally {
    reader.close();
    second.close();
  }
});

/** failed_calls of XREADGROUP in INFO commandstats (the command table, and so its counters, outlive a server). */
async function failedReadgroups(): Promise<number> {
  const stats: string = await cmd('INFO', 'commandstats');
  return Number(/cmdstat_xreadgroup:.*failed_calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

test('blocked XREADGROUP: served with the group\'s new entries and propagated; NOGROUP and UNBLOCKED endings', async () => {
  const failedBefore = await failedReadgroups();
  await cmd('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  const a = await srv.connect();
  const b = await srv.connect();
  try {
    a.send('XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
    b.send('XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>');
    await waitFor(() => blockedCount() === 2);
    propagated = [];
    await cmd('XADD', 's', '1-0', 'f', 'v');
    assert.is(await a.readRaw(), arr(arr(bulk('s'), arr(entry('1-0', 'f', 'v')))));
    assert.equal(propagated, [['XADD', 's', '1-0', 'f', 'v'], ['XCLAIM', 's', 'g', 'alice', '0', '1-0', 'TIME', String(NOW), 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '1-0']]);
    assert.is(blockedCount(), 1, 'bob waits on: alice took the only new entry');
    await cmd('XGROUP', 'DESTROY', 's', 'g');
    assert.is(await b.readRaw(), err('NOGROUP the consumer group this client was blocked on no longer exists'));
    await cmd('XGROUP', 'CREATE', 's', 'g', '$');
    for (const change of [['DEL', 's'], ['SET', 's', 'x'], ['FLUSHALL']]) {
      await cmd('DEL', 's');
      await cmd('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      a.send('XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
      await waitFor(() => blockedCount() === 1);
      await cmd(...change);
      assert.is(await a.readRaw(), err('UNBLOCKED the stream key no longer exists'), change.join(' '));
    }
    // an explicit ID reads history at once, BLOCK or not
    await cmd('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
    a.send('XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '0');
    assert.is(await a.readRaw(), arr(arr(bulk('s'), EMPTY)));
    // the group's last ID moved back by XGROUP SETID serves nobody until the next XADD
    await cmd('XADD', 's', '1-0', 'f', 'v');
    a.send('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '5', 'BLOCK', '0', 'NOACK', 'STREAMS', 's', '>');
    assert.is(await a.readRaw(), arr(arr(bulk('s'), arr(entry('1-0', 'f', 'v')))));
    a.send('XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'NOACK', 'STREAMS', 's', '>');
    await waitFor(() => blockedCount() === 1);
    await cmd('XGROUP', 'SETID', 's', 'g', '0');
    propagated = [];
    await cmd('XADD', 's', '2-0', 'f', 'w');
    assert.is(await a.readRaw(), arr(arr(bulk('s'), arr(entry('1-0', 'f', 'v'), entry('2-0', 'f', 'w')))));
    assert.equal(propagated, [['XADD', 's', '2-0', 'f', 'w'], ['XGROUP', 'SETID', 's', 'g', '2-0', 'ENTRIESREAD', '2']]);
  } finally {
    a.close();
    b.close();
  }
  assert.is(await failedReadgroups() - failedBefore, 4, 'a blocked command answered with an error failed');
});

test('XINFO STREAM and FULL: counters, nodes, first and last entries, groups with PELs and consumers; RESP3 maps', async () => {
  await cmd('CONFIG', 'SET', 'stream-node-max-entries', '2');
  for (const id of ['100-0', '101-0', '102-0', '103-0', '104-0']) await cmd('XADD', 'x', id, 'f', id);
  await cmd('XGROUP', 'CREATE', 'x', 'g1', '0');
  await cmd('XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '2', 'STREAMS', 'x', '>');
  await cmd('XDEL', 'x', '103-0');
  const info = fields(await cmd('XINFO', 'STREAM', 'x'));
  assert.equal(info, {
    length: 4, 'radix-tree-keys': 3, 'radix-tree-nodes': 8, 'last-generated-id': '104-0', 'max-deleted-entry-id': '103-0',
    'entries-added': 5, 'recorded-first-entry-id': '100-0', groups: 1, 'first-entry': ['100-0', ['f', '100-0']], 'last-entry': ['104-0', ['f', '104-0']],
  });
  const full = fields(await cmd('XINFO', 'STREAM', 'x', 'FULL', 'COUNT', '1'));
  assert.equal(full.entries, [['100-0', ['f', '100-0']]]);
  const g = fields(full.groups[0]);
  assert.equal([g.name, g['last-delivered-id'], g['entries-read'], g.lag, g['pel-count'], g.pending], ['g1', '101-0', 2, null, 2, [['100-0', 'alice', NOW, 1]]]);
  assert.equal(fields(g.consumers[0]), { name: 'alice', 'seen-time': NOW, 'pel-count': 2, pending: [['100-0', NOW, 1]] });
  conn.send('HELLO', '3');
  await conn.read();
  conn.send('XINFO', 'STREAM', 'x');
  assert.match(await conn.readRaw(), /^%10\r\n\$6\r\nlength\r\n:4\r\n/);
  conn.send('XINFO', 'STREAM', 'nokey');
  assert.is(await conn.readRaw(), err('ERR no such key'));
  conn.send('XREAD', 'COUNT', '1', 'STREAMS', 'x', 'x', '103', '100');
  assert.is(await conn.readRaw(), `%2\r\n${bulk('x')}${arr(entry('104-0', 'f', '104-0'))}${bulk('x')}${arr(entry('101-0', 'f', '101-0'))}`);
  conn.send('XPENDING', 'x', 'g2');
  assert.is(await conn.readRaw(), err("NOGROUP No such key 'x' or consumer group 'g2'"));
  await cmd('XGROUP', 'CREATE', 'x', 'g2', '$');
  conn.send('XPENDING', 'x', 'g2');
  assert.is(await conn.readRaw(), '*4\r\n:0\r\n_\r\n_\r\n_\r\n');
});

test('WATCH: XADD, XDEL and XTRIM touch the key; group bookkeeping and XSETID do not, as in Redis 7.0', async () => {
  await cmd('XADD', 's', '1-0', 'f', 'v');
  await cmd('XGROUP', 'CREATE', 's', 'g', '0');
  const other = await srv.connect();
  try {
    const changes = [
      [['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'], false], [['XACK', 's', 'g', '1-0'], false],
      [['XGROUP', 'CREATECONSUMER', 's', 'g', 'x'], false], [['XSETID', 's', '5-0'], false],
      [['XCLAIM', 's', 'g', 'y', '0', '1-0', 'FORCE'], false], [['XGROUP', 'DESTROY', 's', 'g'], false],
      [['XADD', 's', '6-0', 'f', 'v'], true], [['XDEL', 's', '6-0'], true], [['XTRIM', 's', 'MAXLEN', '0'], true],
    ] as const;
    for (const [argv, touches] of changes) {
      await runRows(conn, [[['WATCH', 's'], OK], [['MULTI'], OK], [['PING'], '+QUEUED\r\n']]);
      other.send(...argv);
      await other.readRaw();
      await runRows(conn, [[['EXEC'], touches ? NIL_ARRAY : arr('+PONG\r\n')]]);
    }
  } finally {
    other.close();
  }
});

test('COPY takes a stream with its groups, independent of the original; TYPE and OBJECT ENCODING', async () => {
  await cmd('XADD', 's', '1-0', 'f', 'v');
  await cmd('XGROUP', 'CREATE', 's', 'g', '0');
  await cmd('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>');
  await runRows(conn, [[['COPY', 's', 't'], int(1)], [['XACK', 't', 'g', '1-0'], int(1)], [['TYPE', 't'], '+stream\r\n'], [['OBJECT', 'ENCODING', 't'], bulk('stream')]]);
  assert.equal(await cmd('XPENDING', 's', 'g', '-', '+', '5'), [['1-0', 'c', 0, 1]]);
  assert.equal(await cmd('XPENDING', 't', 'g', '-', '+', '5'), []);
});

test('AOF: a base of commands rebuilds streams with their groups, consumers and pending entries', async () => {
  conn.close();
  await srv.close();
  const dir = tempDir();
  srv = await startInProcess({ config: [['dir', dir], ['appendonly', 'yes'], ['aof-use-rdb-preamble', 'no']] });
  srv.clock.ms = NOW;
  conn = await srv.connect();
  for (const id of ['1-1', '2-2', '3-3']) await cmd('XADD', 's', id, 'f', id, 'g', 'x');
  await cmd('XDEL', 's', '3-3');
  await cmd('XGROUP', 'CREATE', 's', 'g', '0');
  await cmd('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>');
  await cmd('XGROUP', 'CREATECONSUMER', 's', 'g', 'idle');
  await cmd('XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM');
  const probe = [['XINFO', 'STREAM', 's', 'FULL'], ['XINFO', 'STREAM', 'e', 'FULL']];
  const before = [];
  for (const p of probe) before.push(await cmd(...p));
  await cmd('BGREWRITEAOF');
  const base = path.join(dir, 'appendonlydir', 'appendonly.aof.2.base.aof');
  for (let i = 0; i < 2000; i++) {
    const info = await cmd('INFO', 'persistence');
    if (info.includes('aof_rewrite_in_progress:0') && readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1').includes('2.base')) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const text = readFileSync(base, 'latin1');
  const resp = (...argv: string[]) => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
  assert.ok(text.includes(resp('XADD', 's', '2-2', 'f', '2-2', 'g', 'x') + resp('XSETID', 's', '3-3', 'ENTRIESADDED', '3', 'MAXDELETEDID', '3-3')));
  assert.ok(text.includes(resp('XGROUP', 'CREATE', 's', 'g', '1-1', 'ENTRIESREAD', '-1')));
  assert.ok(text.includes(resp('XCLAIM', 's', 'g', 'alice', '0', '1-1', 'TIME', String(NOW), 'RETRYCOUNT', '1', 'JUSTID', 'FORCE')));
  assert.ok(text.includes(resp('XGROUP', 'CREATECONSUMER', 's', 'g', 'idle')));
  assert.ok(text.includes(resp('XADD', 'e', 'MAXLEN', '0', '0-1', 'x', 'y') + resp('XSETID', 'e', '0-0', 'ENTRIESADDED', '0', 'MAXDELETEDID', '0-0')));
  conn.close();
  await srv.close();
  srv = await startInProcess({ config: [['dir', dir], ['appendonly', 'yes']] });
  srv.clock.ms = NOW;
  conn = await srv.connect();
  for (let i = 0; i < probe.length; i++) {
    const after = await cmd(...probe[i]);
    // a consumer created by the replay was seen when the replay ran: compare all but the seen times
    const scrub = (v: any) => JSON.stringify(v).replace(/"seen-time",\d+/g, '"seen-time",0');
    assert.is(scrub(after), scrub(before[i]), probe[i].join(' '));
  }
});

test('AOF replay applies approximate trims whole, whatever the node limits of the server replaying them', async () => {
  conn.close();
  await srv.close();
  const dir = tempDir();
  srv = await startInProcess({ config: [['dir', dir], ['appendonly', 'yes'], ['stream-node-max-entries', '10']] });
  conn = await srv.connect();
  for (let i = 1; i <= 100; i++) await cmd('XADD', 's', `${i}-0`, 'f', 'v');
  await runRows(conn, [
    [['XADD', 's', 'MAXLEN', '~', '55', 'LIMIT', '30', '101-0', 'f', 'v'], bulk('101-0')],
    [['XLEN', 's'], int(71)],
    [['XTRIM', 's', 'MINID', '~', '45'], int(10)],
    [['XLEN', 's'], int(61)],
  ]);
  conn.close();
  await srv.close();
  srv = await startInProcess({ config: [['dir', dir], ['appendonly', 'yes'], ['stream-node-max-entries', '1']] });
  conn = await srv.connect();
  await runRows(conn, [[['XLEN', 's'], int(61)], [['XRANGE', 's', '-', '+', 'COUNT', '1'], arr(entry('41-0', 'f', 'v'))]]);
});

/** What the replication tests compare: every group detail, times aside (each master stamps its own). */
const REPLICATED = [['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0'], ['XINFO', 'STREAM', 'e', 'FULL'], ['XINFO', 'STREAM', 't']];
const scrubTimes = (raw: string) => raw.replace(/:1\d{12}\r\n/g, ':T\r\n');

/** A workload with trims, group reads (NOACK too), claims, acknowledgements, and a blocked reader served. */
async function replicatedWorkload(port: number): Promise<void> {
  const c = await RawConnection.connect(port);
  const reader = await RawConnection.connect(port);
  const run = async (...argv: string[]) => {
    c.send(...argv);
    return c.readRaw();
  };
  try {
    for (let i = 1; i <= 120; i++) await run('XADD', 's', `${i}-1`, 'f', String(i));
    await run('XADD', 's', 'MAXLEN', '~', '90', 'LIMIT', '20', '121-0', 'f', 'v');
    await run('XTRIM', 's', 'MINID', '~', '60');
    await run('XDEL', 's', '70-1', '71-1');
    await run('XGROUP', 'CREATE', 's', 'g', '0');
    await run('XGROUP', 'CREATE', 's', 'h', '$', 'ENTRIESREAD', '3');
    await run('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '5', 'STREAMS', 's', '>');
    await run('XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'COUNT', '3', 'STREAMS', 's', '>');
    await run('XACK', 's', 'g', '6-1');
    await run('XCLAIM', 's', 'g', 'carol', '0', '4-1', 'TIME', '1600000000000', 'RETRYCOUNT', '4');
    await run('XDEL', 's', '3-1');
    await run('XAUTOCLAIM', 's', 'g', 'dave', '0', '-', 'COUNT', '2');
    await run('XGROUP', 'CREATECONSUMER', 's', 'h', 'erin');
    reader.send('XREADGROUP', 'GROUP', 'h', 'frank', 'BLOCK', '0', 'STREAMS', 's', '>');
    for (;;) {
      const info = await run('INFO', 'clients');
      if (/blocked_clients:1/.test(info)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await run('XADD', 's', '200-0', 'f', 'new');
    await reader.readRaw();
    await run('XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM');
    await run('XSETID', 'e', '5-5', 'ENTRIESADDED', '9', 'MAXDELETEDID', '4-0');
    await run('CONFIG', 'SET', 'stream-node-max-entries', '3');
    for (let i = 1; i <= 20; i++) await run('XADD', 't', `${i}-0`, 'n', String(i));
    await run('XADD', 't', 'MAXLEN', '~', '10', '21-0', 'n', 'last');
  } finally {
    c.close();
    reader.close();
  }
}

async function replies(port: number, cmds: string[][]): Promise<string[]> {
  const c = await RawConnection.connect(port);
  try {
    const out: string[] = [];
    for (const argv of cmds) {
      c.send(...argv);
      out.push(scrubTimes(await c.readRaw()));
    }
    return out;
  } finally {
    c.close();
  }
}

async function waitAcked(port: number, replicas: number): Promise<void> {
  const c = await RawConnection.connect(port);
  c.send('WAIT', String(replicas), '5000');
  assert.is(await c.readRaw(), int(replicas));
  c.close();
}

test('replication: replicas of toyredis and of real Redis, real or toyredis, end with the same streams', async () => {
  if (!hasRedis) return;
  // The replicas cut nodes at every entry: what the masters trimmed by nodes must reach them as exact trims.
  const master = await startRedis();
  const realReplica = await startRedis(['--replicaof', '127.0.0.1', String(master.port), '--stream-node-max-entries', '1']);
  const toyReplica = await startInProcess({ config: [['replicaof', `127.0.0.1 ${master.port}`], ['stream-node-max-entries', '1']] });
  const ofToy = await startRedis(['--replicaof', '127.0.0.1', String(srv.port), '--stream-node-max-entries', '1']);
  try {
    for (const port of [realReplica.port, toyReplica.port, ofToy.port]) await waitForLink(port);
    await replicatedWorkload(master.port);
    await replicatedWorkload(srv.port);
    await waitAcked(master.port, 2);
    await waitAcked(srv.port, 1);
    const reference = await replies(realReplica.port, REPLICATED);
    assert.equal(await replies(toyReplica.port, REPLICATED), reference, 'toyredis replica of real Redis');
    assert.equal(await replies(ofToy.port, REPLICATED), reference, 'real Redis replica of toyredis');
  } finally {
    await toyReplica.close();
    for (const s of [ofToy, realReplica, master]) await s.stop();
  }
});

async function waitForLink(port: number): Promise<void> {
  const c = await RawConnection.connect(port);
  try {
    for (;;) {
      c.send('INFO', 'replication');
      if ((await c.readRaw()).includes('master_link_status:up')) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    c.close();
  }
}

// ---- against real Redis ----

/** Deterministic command lines (explicit IDs, no idle times) whose replies must equal Redis's byte for byte. */
function differentialLines(): string[][] {
  const lines: string[][] = [];
  const add = (...argv: string[]) => lines.push(argv);
  // node shapes: sizes, same-field compression, deltas, node limits by entries and bytes, trimming by nodes
  let ms = 1000, x = 7;
  const rand = (n: number) => ((x = (x * 1103515245 + 12345) % 2147483648), x % n);
  for (let i = 0; i < 1200; i++) {
    ms += [0, 0, 1, 3, 250, 70000][rand(6)];
    const argv = ['XADD', 's', `${ms}-*`];
    for (let j = 0, n = 1 + rand(3); j < n; j++) argv.push(['a', 'b', 'field', '123', '-5', 'x'.repeat(70)][rand(6)], ['1', 'hello', '0', '-4096', '9999999999', 'y'.repeat(rand(300)), '007'][rand(7)]);
    lines.push(argv);
    if (i % 300 === 299) add('XINFO', 'STREAM', 's');
  }
  for (const spec of [['MAXLEN', '~', '1100'], ['MAXLEN', '~', '900', 'LIMIT', '150'], ['MINID', '~', String(ms - 1000000)], ['MAXLEN', '700'], ['MAXLEN', '~', '500']]) {
    add('XTRIM', 's', ...spec);
    add('XINFO', 'STREAM', 's');
  }
  add('XRANGE', 's', '-', '+', 'COUNT', '3');
  add('XREVRANGE', 's', '+', '-', 'COUNT', '3');
  add('CONFIG', 'SET', 'stream-node-max-entries', '7');
  add('CONFIG', 'SET', 'stream-node-max-bytes', '300');
  for (let i = 1; i <= 200; i++) add('XADD', 't', `${i}-1`, 'f', String(i).repeat(1 + rand(30)));
  add('XDEL', 't', '5-1', '6-1', '7-1', '100-1');
  add('XINFO', 'STREAM', 't');
  add('XTRIM', 't', 'MAXLEN', '~', '100');
  add('XINFO', 'STREAM', 't');
  add('CONFIG', 'SET', 'rdbcompression', 'no');
  add('DUMP', 't');
  add('XGROUP', 'CREATE', 't', 'g', '0');
  add('XGROUP', 'CREATE', 't', '123', '$', 'ENTRIESREAD', '7');
  add('DUMP', 't');
  add('CONFIG', 'SET', 'stream-node-max-bytes', '4096');
  add('CONFIG', 'SET', 'stream-node-max-entries', '100');
  // groups, reads, acknowledgements and their errors
  for (const id of ['1-0', '2-0', '3-0', '4-0', '5-0']) add('XADD', 'q', id, 'f', id);
  const more = `XGROUP CREATE q g1 0
XGROUP CREATE q g2 $
XGROUP CREATE q g3 3-0 ENTRIESREAD 3
XGROUP CREATE q g4 3-0 ENTRIESREAD x
XGROUP SETID q g2 -
XGROUP SETID q g2 1-0 ENTRIESREAD 1
XGROUP SETID q g2 1-0 ENTRIESREAD 1 ENTRIESREAD 2
XREADGROUP GROUP g1 bob COUNT 2 STREAMS q >
XREADGROUP GROUP g1 bob COUNT 2 STREAMS q 0
XREADGROUP GROUP g1 carol NOACK COUNT 1 STREAMS q >
XREADGROUP GROUP g1 carol STREAMS q >
XREADGROUP GROUP g1 carol STREAMS q >
XREADGROUP GROUP g1 carol STREAMS q s >
XREAD COUNT 2 STREAMS q nokey 0 0
XREAD COUNT 2 STREAMS nokey q 0 2
XINFO GROUPS q
XACK q g1 1-0 2-0 9-0
XPENDING q g1
XPENDING q g3
XPENDING q g1 - + 10 nobody
XPENDING q g1 (3-0 + 0 carol
XDEL q 3-0
XINFO GROUPS q
XGROUP DELCONSUMER q g1 bob
XREADGROUP GROUP g3 x STREAMS q >
XTRIM q MINID 5
XINFO GROUPS q
XCLAIM q g1 dave 0 4-0 JUSTID RETRYCOUNT 5 TIME 1600000000000
XCLAIM q g1 dave 0 4-0 9-0 FORCE JUSTID
XAUTOCLAIM q g1 erin 0 - JUSTID
XSETID q 4-0
XSETID q 9-0 ENTRIESADDED 1
XSETID q 9-0 ENTRIESADDED 100 MAXDELETEDID 10-0
XSETID q 9-0 ENTRIESADDED 100 MAXDELETEDID 8-0
XINFO STREAM q
XINFO HELP
XGROUP HELP`;
  for (const l of more.split('\n')) lines.push(l.split(' '));
  return lines;
}

test('differential: the same commands against real redis-server', async () => {
  if (!hasRedis) return;
  const redis = await startRedis();
  const real = await RawConnection.connect(redis.port);
  try {
    const diffs: string[] = [];
    for (const argv of differentialLines()) {
      real.send(...argv);
      conn.send(...argv);
      const [r, o] = [await real.readRaw(10000), await conn.readRaw(10000)];
      if (r !== o) diffs.push(`${argv.join(' ').slice(0, 200)}\n  redis: ${JSON.stringify(r).slice(0, 300)}\n  ours:  ${JSON.stringify(o).slice(0, 300)}`);
    }
    assert.ok(diffs.length === 0, `${diffs.length} differ:\n${diffs.slice(0, 5).join('\n')}`);
  } finally {
    real.close();
    await redis.stop();
  }
});

test.run();
