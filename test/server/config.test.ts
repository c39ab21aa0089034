import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Config, ConfigError } from '../../lib/server/config';
import { CONFIG_PARAMS } from '../../lib/server/config-params';
import { memToU64, parseSave, quoteRepr, splitArgs } from '../../lib/server/config-values';
import { stringMatch } from '../../lib/store/glob';
import { runRows, startInProcess, type InProcess, type Row } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { freePort, hasRedis, tempDir } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { bulk, err, OK } from '../helpers/resp';
import type { Reply } from '../../lib/protocol/reply';

const test = suite('server/config');

const pair = (name: string, value: string) => `*2\r\n${bulk(name)}${bulk(value)}`;
const setFailed = (name: string, why: string) => err(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`);

const fresh = () => new Config(CONFIG_PARAMS);
const get = (c: Config, pattern: string) => new Map(c.lookup([pattern], (p, n) => stringMatch(p, n, true)));

/** A flat RESP array of bulks as [name, value] pairs. */
function pairsOf(r: Reply): [string, string][] {
  assert.ok(r.kind === 'array' || r.kind === 'map');
  const items = (r as { items: Reply[] }).items.map((i) => String((i as { value: string }).value));
  const out: [string, string][] = [];
  for (let i = 0; i < items.length; i += 2) out.push([items[i], items[i + 1]]);
  return out;
}

test('the table: unique names, every alias, defaults that parse back to themselves', () => {
  const names = new Set<string>();
  for (const spec of CONFIG_PARAMS) {
    for (const n of [spec.name, spec.alias].filter(Boolean) as string[]) {
      assert.not.ok(names.has(n), `duplicate ${n}`);
      names.add(n);
    }
  }
  for (const alias of ['slaveof', 'hash-max-ziplist-entries', 'hash-max-ziplist-value', 'zset-max-ziplist-entries',
    'zset-max-ziplist-value', 'list-max-ziplist-size', 'slave-read-only', 'slave-serve-stale-data', 'slave-priority',
    'slave-announce-ip', 'slave-announce-port', 'slave-lazy-flush', 'slave-ignore-maxmemory', 'min-slaves-to-write',
    'min-slaves-max-lag', 'repl-ping-slave-period', 'cluster-slave-no-failover', 'cluster-slave-validity-factor', 'lua-time-limit']) {
    assert.ok(names.has(alias), alias);
  }
  const c = fresh();
  for (const spec of CONFIG_PARAMS) {
    if (spec.flags.includes('immutable') || spec.name === 'dir' || spec.name === 'tls-port') continue;
    assert.is(c.setMany([[spec.name, spec.default]], { protectedAllowed: true }), null, spec.name);
    assert.is(c.get(spec.name), spec.default, spec.name);
  }
});

test('databases at startup sets how many SELECT reaches', async () => {
  const srv = await startInProcess({ config: [['databases', '4']] });
  try {
    const conn = await srv.connect();
    await runRows(conn, [
      [['SELECT', '3'], '+OK\r\n'],
      [['SELECT', '4'], '-ERR DB index is out of range\r\n'],
      [['CONFIG', 'GET', 'databases'], '*2\r\n$9\r\ndatabases\r\n$1\r\n4\r\n'],
    ]);
    conn.close();
  } finally {
    await srv.close();
  }
});

test('value syntaxes: memory units wrap like memtoull, save pairs, quoting', () => {
  assert.is(memToU64('1gb'), 1073741824n);
  assert.is(memToU64('1GB'), 1073741824n);
  assert.is(memToU64('5k'), 5000n);
  assert.is(memToU64(''), 0n); // an empty digit run is 0 in C too
  assert.is(memToU64('-1'), null);
  assert.is(memToU64('1x'), null);
  assert.is(memToU64('99999999999999999999999'), 18446744073709551615n); // strtoull saturates
  assert.is(memToU64('18446744073709551615kb'), 18446744073709550592n); // and the unit wraps modulo 2^64
  assert.equal(parseSave(['3600', '1', '300', '100']), { value: '3600 1 300 100' });
  assert.equal(parseSave(['']), { value: '' });
  assert.equal(parseSave(['0', '1']), { error: 'Invalid save parameters' });
  assert.equal(parseSave(['1']), { error: 'Invalid save parameters' });
  assert.is(quoteRepr('a "b"\n\x01'), '"a \\"b\\"\\n\\x01"');
});

test('CONFIG SET semantics: errors in Redis order, all or nothing, aliases, hz capped', () => {
  const c = fresh();
  assert.is(c.setMany([['maxmemory', '1mb'], ['maxmemory-policy', 'allkeys-lru']]), null);
  assert.is(c.get('maxmemory'), '1048576');
  // unknown wins over a later immutable error, but not over an earlier one
  assert.is(c.setMany([['nope', '1'], ['daemonize', 'yes']]), "ERR Unknown option or number of arguments for CONFIG SET - 'nope'");
  assert.is(c.setMany([['daemonize', 'yes'], ['nope', '1']]), "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config");
  assert.is(c.setMany([['dbfilename', 'x.rdb']]), "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config");
  assert.is(c.setMany([['maxmemory', '1'], ['MAXMEMORY', '2']]), "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter");
  assert.is(c.setMany([['dir', '/tmp']], { loading: true, protectedAllowed: true }), 'LOADING Redis is loading the dataset in memory');
  // a bad value anywhere rolls back the ones before it
  assert.is(
    c.setMany([['maxmemory', '5'], ['maxmemory-clients', '200%'], ['timeout', 'x']]),
    "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100",
  );
  assert.is(c.get('maxmemory'), '1048576');
  // an alias is a table entry of its own: not a duplicate, the last one wins
  assert.is(c.setMany([['hash-max-listpack-entries', '10'], ['hash-max-ziplist-entries', '20']]), null);
  assert.is(c.get('hash-max-listpack-entries'), '20');
  assert.is(c.setMany([['hz', '1000']]), null);
  assert.is(c.get('hz'), '500');
  assert.is(c.setMany([['hz', '0']]), null);
  assert.is(c.get('hz'), '1');
});

test('CONFIG SET value errors as config.c words them', () => {
  const c = fresh();
  const cases: [string, string, string][] = [
    ['maxmemory', '-1', 'argument must be a memory value'],
    ['maxclients', '-1', 'argument must be between 1 and 4294967295 inclusive'],
    ['maxclients', '0', 'argument must be between 1 and 4294967295 inclusive'],
    ['proto-max-bulk-len', '18446744073709551615', 'argument must be between 1048576 and 9223372036854775807 inclusive'],
    ['list-max-listpack-size', '3000000000', 'argument must be between -2147483648 and 2147483647 inclusive'],
    ['timeout', '00', "argument couldn't be parsed into an integer"],
    ['timeout', '+5', "argument couldn't be parsed into an integer"],
    ['appendonly', 'maybe', "argument must be 'yes' or 'no'"],
    ['loglevel', 'nothing', 'argument(s) must be one of the following: debug, verbose, notice, warning'],
    ['maxmemory-clients', '-5', 'argument must be a memory or percent value'],
    ['notify-keyspace-events', 'Q', "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."],
    ['save', '1 2 3', 'Invalid save parameters'],
    ['client-output-buffer-limit', 'master 0 0 0', 'Invalid client class specified in buffer limit configuration.'],
    ['client-output-buffer-limit', 'normal 0 0', 'Wrong number of arguments in buffer limit configuration.'],
    ['oom-score-adj-values', '0 0 3000', 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.'],
    ['shutdown-on-sigint', 'save nosave', "shutdown options SAVE and NOSAVE can't be used simultaneously"],
    ['latency-tracking-info-percentiles', '101', 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]'],
    ['proc-title-template', '{nope}', 'template format is invalid or contains unknown variables'],
  ];
  for (const [name, value, why] of cases) {
    assert.is(c.setMany([[name, value]]), `ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`, `${name} ${value}`);
  }
});

test('printed forms: enums lower case, memory in bytes, percent, octal, bit-flag enums, keyspace events', () => {
  const c = fresh();
  const set = (name: string, value: string) => assert.is(c.setMany([[name, value]]), null, `${name} ${value}`);
  set('loglevel', 'WARNING');
  assert.is(c.get('loglevel'), 'warning');
  set('oom-score-adj', 'relative');
  assert.is(c.get('oom-score-adj'), 'yes'); // the first name with that value
  set('maxmemory-clients', '10%');
  assert.is(c.get('maxmemory-clients'), '10%');
  set('maxmemory', '18446744073709551616');
  assert.is(c.get('maxmemory'), '18446744073709551615');
  set('shutdown-on-sigint', 'force now nosave');
  assert.is(c.get('shutdown-on-sigint'), 'nosave now force');
  set('notify-keyspace-events', 'KEA');
  assert.is(c.get('notify-keyspace-events'), 'AKE');
  set('notify-keyspace-events', 'Exg$');
  assert.is(c.get('notify-keyspace-events'), 'g$xE');
  set('client-output-buffer-limit', 'replica 1mb 2mb 30');
  assert.is(c.get('client-output-buffer-limit'), 'normal 0 0 0 slave 1048576 2097152 30 pubsub 33554432 8388608 60');
  set('save', '');
  assert.is(c.get('save'), '');
  set('latency-tracking-info-percentiles', '50.0 99.90 100');
  assert.is(c.get('latency-tracking-info-percentiles'), '50 99.9 100');
  c.setAtStartup('unixsocketperm', '700');
  assert.is(c.get('unixsocketperm'), '700');
  assert.throws(() => c.setAtStartup('unixsocketperm', '1000'), (e: Error) => e.message === 'argument must be between 0 and 777 inclusive');
  assert.throws(() => c.setAtStartup('unixsocketperm', '800'), (e: Error) => e.message === "argument couldn't be parsed as an octal number");
});

test('startup directives: immutable allowed, multi-word values split, save lines accumulate', () => {
  const c = fresh();
  c.setAtStartup('databases', '4');
  assert.is(c.get('databases'), '4');
  c.setAtStartup('save', '900 1');
  c.setAtStartup('save', '100 100');
  assert.is(c.get('save'), '900 1 100 100');
  c.setAtStartup('replicaof', '127.0.0.1 6380');
  assert.is(c.get('slaveof'), '127.0.0.1 6380');
  c.setAtStartup('list-max-ziplist-entries', '5'); // deprecated in 7.0: accepted and ignored
  assert.throws(() => c.setAtStartup('no-such-thing', 'x'), (e: Error) => e instanceof ConfigError && e.message === 'Bad directive or wrong number of arguments');
  assert.throws(() => c.setAtStartup('replicaof', 'host abc'), (e: Error) => e.message === 'Invalid master port');
  // what toyredis cannot do is refused at startup instead of being stored and ignored
  for (const [name, value] of [['daemonize', 'yes'], ['cluster-enabled', 'yes'], ['unixsocket', '/tmp/toy.sock']]) {
    assert.throws(() => c.setAtStartup(name, value), /not supported/, name);
  }
  c.setAtStartup('daemonize', 'no');
});

test('CONFIG GET: patterns list names and aliases, hidden ones only by exact name, names as asked', () => {
  const c = fresh();
  const mm = get(c, 'maxmemory*');
  assert.equal([...mm.keys()].sort(), ['maxmemory', 'maxmemory-clients', 'maxmemory-eviction-tenacity', 'maxmemory-policy', 'maxmemory-samples']);
  const of = get(c, '*of');
  assert.ok(of.has('replicaof') && of.has('slaveof'));
  assert.not.ok(get(c, '*').has('key-load-delay'));
  assert.equal([...get(c, 'key-load-delay')], [['key-load-delay', '0']]);
  assert.equal([...get(c, 'MaxMemory')], [['MaxMemory', '0']]);
  assert.equal(c.lookup(['maxmemory', 'MAXMEMORY', 'maxmemory*'], (p, n) => stringMatch(p, n, true)).filter(([n]) => n.toLowerCase() === 'maxmemory').length, 1);
  assert.is(get(c, '*').size, CONFIG_PARAMS.filter((s) => !s.flags.includes('hidden')).reduce((n, s) => n + (s.alias ? 2 : 1), 0));
});

test('CONFIG REWRITE: keeps comments and unknown lines, reuses lines, appends changes, blanks dropped lines', () => {
  const dir = tempDir();
  const file = path.join(dir, 'redis.conf');
  writeFileSync(file, '# my config\nport 6380\nsave 900 1\nsave 300 10\nhash-max-ziplist-entries 20\nnot-a-thing 1\n\nmaxmemory 1mb\n');
  const c = fresh();
  for (const line of readFileSync(file, 'latin1').split('\n')) {
    const [name, ...rest] = line.split(' ');
    if (name && !name.startsWith('#') && name !== 'not-a-thing') c.setAtStartup(name, rest.join(' '));
  }
  assert.is(c.setMany([['save', '60 5'], ['maxmemory', '2gb'], ['requirepass', 'se cret'], ['hash-max-listpack-entries', '100']]), null);
  c.rewrite(file, null);
  const text = readFileSync(file, 'latin1');
  assert.is(
    text,
    // the old file's final newline leaves an empty last line, kept before the appended part as Redis keeps it;
    // Redis 7.0 writes latency-tracking-info-percentiles even at its default
    '# my config\nport 6380\nsave 60 5\n\nhash-max-listpack-entries 100\n# ??? not-a-thing 1\n\nmaxmemory 2gb\n\n' +
      '# Generated by CONFIG REWRITE\n' + `requirepass "se cret"\ndir ${quoteRepr(process.cwd())}\nlatency-tracking-info-percentiles 50 99 99.9\n`,
  );
  // the rewritten file reads back to the same values
  const again = fresh();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, ...words] = splitArgs(line)!; // as redis.conf lines are read
    again.setAtStartup(name, words.join(' '));
  }
  for (const name of ['port', 'save', 'hash-max-listpack-entries', 'maxmemory', 'requirepass', 'dir']) assert.is(again.get(name), c.get(name), name);
});

let srv: InProcess;
let conn: RawConnection;

test('CONFIG commands over the wire', async () => {
  srv = await startInProcess();
  conn = await srv.connect();
  try {
    const rows: Row[] = [
      [['CONFIG', 'GET', 'maxmemory'], pair('maxmemory', '0')],
      [['CONFIG', 'GET', 'MAXMEMORY'], pair('MAXMEMORY', '0')],
      [['CONFIG', 'GET', 'nothing-like-it'], '*0\r\n'],
      [['CONFIG', 'GET'], err("ERR wrong number of arguments for 'config|get' command")],
      [['CONFIG', 'SET', 'maxmemory'], err("ERR wrong number of arguments for 'config|set' command")],
      [['CONFIG', 'SET', 'maxmemory', '1', '2'], err('ERR syntax error')],
      [['CONFIG', 'SET', 'foo', 'bar'], err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'")],
      [['CONFIG', 'SET', 'maxmemory', '10mb', 'save', '3000 5'], OK],
      [['CONFIG', 'GET', 'maxmemory'], pair('maxmemory', '10485760')],
      [['CONFIG', 'GET', 'save'], pair('save', '3000 5')],
      [['CONFIG', 'SET', 'daemonize', 'yes'], setFailed('daemonize', "can't set immutable config")],
      [['CONFIG', 'SET', 'dir', '/nonexistent-dir-for-test'], setFailed('dir', "can't set protected config")],
      [['CONFIG', 'FOO'], err("ERR unknown subcommand 'FOO'. Try CONFIG HELP.")],
      [['CONFIG', 'REWRITE'], err('ERR The server is running without a config file')],
      [['CONFIG', 'RESETSTAT'], OK],
      [['CONFIG', 'HELP'], /^\*11\r\n\+CONFIG <subcommand> \[<arg> \[value\] \[opt\] \.\.\.\]\. Subcommands are:\r\n\+GET <pattern>\r\n/],
    ];
    await runRows(conn, rows);
    // what the server acts on follows CONFIG SET
    await runRows(conn, [[['CONFIG', 'SET', 'proto-max-bulk-len', '2mb', 'maxclients', '5', 'loglevel', 'debug', 'timeout', '7'], OK]]);
    assert.is(srv.server.limits.maxBulkLen, 2 * 1024 * 1024);
    assert.is(srv.server.log.level, 'debug');
    await runRows(conn, [[['CONFIG', 'SET', 'maxclients', '1'], OK]]);
    const refused = await RawConnection.connect(srv.port);
    assert.is(await refused.readRaw(), err('ERR max number of clients reached'));
    refused.close();
    // timeout: the cron closes a client idle for longer (the fake clock stands in for the wait)
    await runRows(conn, [[['CONFIG', 'SET', 'timeout', '1', 'hz', '100'], OK]]);
    srv.clock.advance(2000);
    assert.ok(await conn.waitClosed(5000));
  } finally {
    conn.close();
    await srv.close();
  }
});

test('CONFIG SET port listens on the new port; a port in use changes nothing', async () => {
  srv = await startInProcess();
  conn = await srv.connect();
  const blocker = net.createServer();
  try {
    const used = await freePort();
    await new Promise<void>((r) => blocker.listen(used, '127.0.0.1', r));
    await runRows(conn, [
      [['CONFIG', 'SET', 'maxmemory', '123', 'port', String(used)], setFailed('port', 'Unable to listen on this port. Check server logs.')],
      [['CONFIG', 'GET', 'maxmemory'], pair('maxmemory', '0')],
    ]);
    const next = await freePort();
    await runRows(conn, [[['CONFIG', 'SET', 'port', String(next)], OK], [['CONFIG', 'GET', 'port'], pair('port', String(next))]]);
    const other = await RawConnection.connect(next);
    await runRows(other, [[['PING'], '+PONG\r\n']]);
    other.close();
    await runRows(conn, [[['CONFIG', 'SET', 'bind', '203.0.113.1'], setFailed('bind', 'Failed to bind to specified addresses.')]]);
    const again = await RawConnection.connect(next);
    await runRows(again, [[['PING'], '+PONG\r\n']]);
    again.close();
  } finally {
    blocker.close();
    conn.close();
    await srv.close();
  }
});

test('CONFIG REWRITE with a config file', async () => {
  const file = path.join(tempDir(), 'toy.conf');
  writeFileSync(file, '# toy\nmaxmemory 1mb\nuser zed on >x ~* +get\n');
  srv = await startInProcess({ configFile: file, config: [['maxmemory', '1mb'], ['user', 'zed on >x ~* +get']] });
  conn = await srv.connect();
  try {
    await runRows(conn, [
      [['CONFIG', 'SET', 'maxmemory', '2mb', 'maxmemory-policy', 'allkeys-lfu'], OK],
      [['ACL', 'SETUSER', 'alice', 'on', 'nopass', '~a*', '+@read'], OK],
      [['CONFIG', 'REWRITE'], OK],
    ]);
    let text = readFileSync(file, 'latin1');
    // every user is written, in name order, the first into the old `user` line's place (as real Redis 7.0 does)
    assert.match(text, /^# toy\nmaxmemory 2mb\nuser alice on nopass ~a\* resetchannels -@all \+@read\n\n# Generated by CONFIG REWRITE\n/);
    assert.match(text, /\nmaxmemory-policy allkeys-lfu\n/);
    assert.match(text, /\nport \d+\n/); // we listen on a picked port, not 6379
    assert.match(text, /\nuser default on nopass ~\* &\* \+@all\nuser zed on #2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 ~\* resetchannels -@all \+get\n$/);
    // with an ACL file the users live there: the config file loses its `user` lines
    srv.server.config.rewrite(file, null);
    text = readFileSync(file, 'latin1');
    assert.not.match(text, /^user /m);
    assert.match(text, /^# toy\nmaxmemory 2mb\n\n# Generated by CONFIG REWRITE\n/);
  } finally {
    conn.close();
    await srv.close();
  }
});

test('differential: CONFIG GET defaults and CONFIG SET errors against real redis-server', async () => {
  if (!hasRedis) return;
  srv = await startInProcess();
  conn = await srv.connect();
  await withRealRedis(async (real) => {
    real.send('CONFIG', 'GET', '*');
    conn.send('CONFIG', 'GET', '*');
    const theirs = new Map(pairsOf(await real.read()));
    const mine = new Map(pairsOf(await conn.read()));
    // the launch options differ on purpose: where to listen, where files go, no snapshots
    const launch = new Set(['bind', 'port', 'dir', 'save']);
    assert.equal([...mine.keys()].sort(), [...theirs.keys()].sort());
    for (const [name, value] of theirs) if (!launch.has(name)) assert.is(mine.get(name), value, name);
    const invalid: string[][] = [
      ['CONFIG', 'SET', 'maxmemory', '-1'], ['CONFIG', 'SET', 'maxclients', '-1'], ['CONFIG', 'SET', 'hz', 'x'],
      ['CONFIG', 'SET', 'timeout', '00'], ['CONFIG', 'SET', 'loglevel', 'loud'], ['CONFIG', 'SET', 'daemonize', 'yes'],
      ['CONFIG', 'SET', 'appendonly', 'maybe'], ['CONFIG', 'SET', 'maxmemory-clients', '101%'], ['CONFIG', 'SET', 'maxmemory', '1', 'maxmemory', '2'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'KEZ'], ['CONFIG', 'SET', 'save', '1 2 3'], ['CONFIG', 'SET', 'save', 'a b'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2'], ['CONFIG', 'SET', 'client-output-buffer-limit', 'bogus 1 2 3'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1x 2 3'], ['CONFIG', 'SET', 'oom-score-adj-values', '1 2'],
      ['CONFIG', 'SET', 'list-max-listpack-size', '3000000000'], ['CONFIG', 'SET', 'proto-max-bulk-len', '1k'],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'nosave save'], ['CONFIG', 'SET', 'shutdown-on-sigterm', 'later'],
      ['CONFIG', 'SET', 'unixsocketperm', '777'], ['CONFIG', 'SET', 'replicaof', 'no one'], ['CONFIG', 'SET', 'nope', '1', 'daemonize', 'yes'],
      ['CONFIG', 'SET', 'active-defrag-cycle-min', '0'], ['CONFIG', 'SET', 'maxmemory-policy', 'lru'], ['CONFIG', 'SET', 'dbfilename', 'a/b'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 x'], ['CONFIG', 'GET', 'MaxMemory'], ['CONFIG', 'GET', 'key-load-delay'],
      ['CONFIG', 'SET', 'maxmemory', '2GB', 'hash-max-ziplist-entries', '77'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'hash-max-listpack-entries'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 512kb 10'], ['CONFIG', 'GET', 'client-output-buffer-limit'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Kx$A'], ['CONFIG', 'GET', 'notify-keyspace-events'],
      ['CONFIG', 'SET', 'hz', '600'], ['CONFIG', 'GET', 'hz'], ['CONFIG', 'SET', 'hz', '10'],
    ];
    await sameReplies(conn, real, invalid);
  }).finally(() => srv.stop());
});

test.run();
