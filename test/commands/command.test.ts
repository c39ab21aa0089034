import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commandTable } from '../../lib/commands';
import { aclCategories } from '../../lib/commands/command';
import { runRows, startInProcess, type InProcess, type Row } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { bulk, err } from '../helpers/resp';
import type { Reply } from '../../lib/protocol/reply';

const test = suite('commands/command');

test('every registered command: documented, subcommands named container|sub', () => {
  for (const c of commandTable.everything()) {
    assert.ok(c.summary && c.since && c.group, c.fullname);
    if (c.parent) assert.is(c.fullname, `${c.parent.fullname}|${c.name.toLowerCase()}`);
  }
  assert.equal(aclCategories({ name: 'X', arity: 1, flags: ['write', 'admin'], group: 'server', since: '1', summary: 's', acl: ['@keyspace'] }), ['keyspace', 'write', 'admin', 'slow', 'dangerous']);
  assert.equal(aclCategories({ name: 'X', arity: 1, flags: ['readonly', 'fast'], group: 'string', since: '1', summary: 's', acl: ['@string'] }), ['read', 'string', 'fast']);
});

let srv: InProcess;
let conn: RawConnection;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
});

test.after.each(() => srv.stop());

async function call(...argv: string[]): Promise<Reply> {
  conn.send(...argv);
  return conn.read();
}
const items = (r: Reply) => (r as { items: Reply[] }).items;
const value = (r: Reply) => (r as { value: string | number }).value;

test('COMMAND, COUNT, INFO, LIST', async () => {
  const top = commandTable.all().length;
  await runRows(conn, [[['COMMAND', 'COUNT'], `:${top}\r\n`]]);
  assert.is(items(await call('COMMAND')).length, top);
  assert.is(items(await call('COMMAND', 'INFO')).length, top);
  await runRows(conn, [
    // byte for byte what Redis 7.0.15 answers
    [['COMMAND', 'INFO', 'get'],
      '*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n' +
      '$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n' +
      '$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n'],
    [['COMMAND', 'INFO', 'nosuch', 'config|nosuch', 'a|b|c'], '*3\r\n$-1\r\n$-1\r\n$-1\r\n'],
    [['COMMAND', 'INFO', 'CONFIG|GET'], /^\*1\r\n\*10\r\n\$10\r\nconfig\|get\r\n:-3\r\n\*4\r\n\+admin\r\n\+noscript\r\n\+loading\r\n\+stale\r\n:0\r\n:0\r\n:0\r\n\*3\r\n\+@admin\r\n\+@slow\r\n\+@dangerous\r\n/],
    [['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config|*'], /^\*5\r\n(\$\d+\r\nconfig\|(get|set|resetstat|rewrite|help)\r\n){5}$/],
    [['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x'], '*0\r\n'],
    [['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuchcat'], '*0\r\n'],
    [['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT'], err('ERR syntax error')],
    [['COMMAND', 'LIST', 'FILTERBY', 'COLOR', 'red'], err('ERR syntax error')],
    [['COMMAND', 'LIST', 'bogus'], err('ERR syntax error')],
    [['COMMAND', 'NOSUCH'], err("ERR unknown subcommand 'NOSUCH'. Try COMMAND HELP.")],
    [['COMMAND', 'HELP'], /^\*21\r\n\+COMMAND <subcommand> /],
  ]);
  conn.send('HELLO', '3');
  await conn.read();
  await runRows(conn, [[['COMMAND', 'INFO', 'dbsize'], /~2\r\n\$25\r\nrequest_policy:all_shards\r\n\$23\r\nresponse_policy:agg_sum\r\n~0\r\n~0\r\n$/]]);
  conn.send('HELLO', '2');
  await conn.read();
  const listed = items(await call('COMMAND', 'LIST')).map(value);
  assert.is(listed.length, [...commandTable.everything()].length);
  assert.ok(listed.includes('client|list') && listed.includes('get'));
  const dangerous = items(await call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'dangerous')).map(value);
  assert.ok(dangerous.includes('flushall') && dangerous.includes('config|set') && !dangerous.includes('get'));
});

test('COMMAND DOCS: maps of summary, since, group, complexity, arguments, subcommands', async () => {
  await runRows(conn, [
    [['COMMAND', 'DOCS', 'nosuch'], '*0\r\n'],
    [['COMMAND', 'DOCS', 'dbsize'],
      '*2\r\n$6\r\ndbsize\r\n*8\r\n$7\r\nsummary\r\n$40\r\nCount the keys in the selected database.\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n' +
      '$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n'],
  ]);
  const all = items(await call('COMMAND', 'DOCS'));
  assert.is(all.length, commandTable.all().length * 2);
  conn.send('HELLO', '3');
  await conn.read();
  conn.send('COMMAND', 'DOCS', 'client');
  const raw = await conn.readRaw();
  assert.match(raw, /^%1\r\n\$6\r\nclient\r\n%5\r\n/); // RESP3 maps
  assert.match(raw, /\$11\r\nclient\|kill\r\n%6\r\n/); // with its history
  // the old single-address form: a string deprecated since 2.8.12, inside the oneof of filters
  assert.match(raw, /%3\r\n\$4\r\nname\r\n\$7\r\nip:port\r\n\$4\r\ntype\r\n\$6\r\nstring\r\n\$16\r\ndeprecated_since\r\n\$6\r\n2\.8\.12\r\n/);
});

test('COMMAND GETKEYS and GETKEYSANDFLAGS', async () => {
  const rows: Row[] = [
    [['COMMAND', 'GETKEYS', 'SET', 'k', 'v'], `*1\r\n${bulk('k')}`],
    [['COMMAND', 'GETKEYS', 'MGET', 'a', 'b', 'c'], `*3\r\n${bulk('a')}${bulk('b')}${bulk('c')}`],
    [['COMMAND', 'GETKEYS', 'MEMORY', 'USAGE', 'key'], `*1\r\n${bulk('key')}`],
    [['COMMAND', 'GETKEYS', 'GET'], err("ERR wrong number of arguments for 'command|getkeys' command")],
    [['COMMAND', 'GETKEYS', 'NOSUCH', 'x'], err('ERR Invalid command specified')],
    [['COMMAND', 'GETKEYS', 'CONFIG', 'NOSUCH'], err('ERR Invalid command specified')],
    [['COMMAND', 'GETKEYS', 'PING', 'x'], err('ERR The command has no key arguments')],
    [['COMMAND', 'GETKEYS', 'GET', 'a', 'b'], err('ERR Invalid number of arguments specified for command')],
    [['COMMAND', 'GETKEYSANDFLAGS', 'MEMORY', 'USAGE', 'key'], `*1\r\n*2\r\n${bulk('key')}*1\r\n+RO\r\n`],
    [['COMMAND', 'GETKEYSANDFLAGS', 'GET', 'k'], `*1\r\n*2\r\n${bulk('k')}*2\r\n+RO\r\n+access\r\n`],
  ];
  await runRows(conn, rows);
});

test('differential: COMMAND INFO and GETKEYS against real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    // rows whose metadata is copied from Redis's command table
    const argvs: string[][] = [
      ['COMMAND', 'INFO', 'get', 'echo', 'dbsize', 'info', 'time', 'lastsave', 'swapdb', 'flushall', 'flushdb', 'select', 'multi', 'exec'],
      ['COMMAND', 'INFO', 'config|get', 'config|set', 'config|resetstat', 'client|id', 'client|list', 'client|info', 'command|count'],
      ['COMMAND', 'INFO', 'slowlog|get', 'slowlog|len', 'latency|latest', 'latency|histogram', 'memory|usage', 'function|flush', 'shutdown', 'debug'],
      ['COMMAND', 'INFO', 'hello', 'auth', 'quit', 'reset', 'nosuch'],
      ['COMMAND', 'GETKEYS', 'memory', 'usage', 'k'], ['COMMAND', 'GETKEYS', 'nosuch'], ['COMMAND', 'GETKEYS', 'ping', 'x'],
      ['COMMAND', 'GETKEYS', 'get', 'a', 'b'], ['COMMAND', 'GETKEYS', 'mget', 'a', 'b'], ['COMMAND', 'LIST', 'FILTERBY', 'module', 'm'],
      ['COMMAND', 'LIST', 'FILTERBY', 'x', 'y'], ['COMMAND', 'DOCS', 'nosuch'], ['COMMAND', 'bogus'],
    ];
    await sameReplies(conn, real, argvs);
  });
});

test.run();
