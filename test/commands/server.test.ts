import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runRows, startInProcess, type InProcess, type Row } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { until } from '../helpers/wait';
import { arity, bulk, err, int, NIL, OK, SYNTAX } from '../helpers/resp';
import type { Reply } from '../../lib/protocol/reply';

const test = suite('commands/server');

const DEBUG_DENIED = err('ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.');

let srv: InProcess;
let conn: RawConnection;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
});

test.after.each(() => srv.stop());

async function call(c: RawConnection, ...argv: string[]): Promise<Reply> {
  c.send(...argv);
  return c.read();
}
const items = (r: Reply) => (r as { items: Reply[] }).items;

test('DBSIZE FLUSHDB FLUSHALL SWAPDB', async () => {
  const rows: Row[] = [
    [['DBSIZE'], int(0)],
    [['SET', 'a', '1'], OK],
    [['SET', 'b', '2'], OK],
    [['DBSIZE'], int(2)],
    [['DBSIZE', 'x'], arity('dbsize')],
    [['SELECT', '1'], OK],
    [['SET', 'c', '3'], OK],
    [['FLUSHDB', 'NOW'], SYNTAX],
    [['FLUSHDB', 'ASYNC', 'SYNC'], SYNTAX],
    [['FLUSHDB', 'sync'], OK],
    [['DBSIZE'], int(0)],
    [['SELECT', '0'], OK],
    [['DBSIZE'], int(2)],
    [['SWAPDB', '0', '1'], OK],
    [['DBSIZE'], int(0)],
    [['SELECT', '1'], OK],
    [['GET', 'a'], bulk('1')],
    [['SWAPDB', '0', 'x'], err('ERR invalid second DB index')],
    [['SWAPDB', '-1', '0'], err('ERR DB index is out of range')],
    [['SWAPDB', '0', '16'], err('ERR DB index is out of range')],
    [['SWAPDB', '1.5', '0'], err('ERR invalid first DB index')],
    [['SWAPDB', '3', '3'], OK],
    [['SWAPDB', '0'], arity('swapdb')],
    [['FLUSHALL', 'ASYNC'], OK],
    [['DBSIZE'], int(0)],
    [['FLUSHALL', 'x'], SYNTAX],
  ];
  await runRows(conn, rows);
});

test('SWAPDB makes EXEC fail for a client watching a key in either db', async () => {
  const watcher = await srv.connect();
  try {
    await runRows(conn, [[['SELECT', '2'], OK], [['SET', 'k', 'v'], OK]]);
    await runRows(watcher, [[['WATCH', 'k'], OK], [['MULTI'], OK], [['PING'], '+QUEUED\r\n']]);
    await runRows(conn, [[['SWAPDB', '0', '2'], OK]]);
    await runRows(watcher, [[['EXEC'], '*-1\r\n']]);
  } finally {
    watcher.close();
  }
});

test('SWAPDB wakes a client blocked on a key the other db has', async () => {
  const blocked = await srv.connect();
  try {
    blocked.send('BLPOP', 'l', '0');
    await runRows(conn, [[['SELECT', '1'], OK], [['RPUSH', 'l', 'x'], ':1\r\n'], [['SWAPDB', '0', '1'], OK]]);
    assert.is(await blocked.readRaw(), '*2\r\n$1\r\nl\r\n$1\r\nx\r\n');
  } finally {
    blocked.close();
  }
});

test('TIME and LASTSAVE follow the server clock', async () => {
  srv.clock.ms = 1_700_000_123_456;
  await runRows(conn, [
    [['TIME'], `*2\r\n${bulk('1700000123')}${bulk('456000')}`],
    [['TIME', 'x'], arity('time')],
    [['LASTSAVE'], int(Math.floor(srv.server.startedAt / 1000))], // the start counts as a save
  ]);
});

test('DEBUG is refused unless enable-debug-command allows it', async () => {
  await runRows(conn, [[['DEBUG', 'LOG', 'hello'], DEBUG_DENIED], [['DEBUG', 'HELP'], DEBUG_DENIED], [['DEBUG'], arity('debug')]]);
  conn.close();
  await srv.close();
  srv = await startInProcess({ config: [['enable-debug-command', 'local']] });
  conn = await srv.connect();
  await runRows(conn, [
    [['DEBUG', 'LOG', 'hello world'], OK],
    [['DEBUG', 'SLEEP'], err("ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.")],
    [['DEBUG', 'SLEEP', '0'], OK],
    [['DEBUG', 'SLEEP', 'x'], OK], // strtod: no number is 0
    [['DEBUG', 'SLEEP', '-1'], OK],
    [['debug', 'log'], err("ERR unknown subcommand or wrong number of arguments for 'log'. Try DEBUG HELP.")],
    [['DEBUG', 'CONFIG-REWRITE-FORCE-ALL'], err('ERR CONFIG-REWRITE-FORCE-ALL failed: The server is running without a config file')],
    [['DEBUG', 'HELP'], /^\*50\r\n\+DEBUG <subcommand> /],
    [['CONFIG', 'SET', 'latency-monitor-threshold', '40'], OK],
  ]);
  assert.ok(srv.logs.some((l) => l.endsWith('# DEBUG LOG: hello world')));
  // DEBUG SLEEP stops the whole server: the command is a latency spike of at least that long
  await runRows(conn, [[['DEBUG', 'SLEEP', '0.05'], OK]]);
  const latest = items(await call(conn, 'LATENCY', 'LATEST'));
  assert.is(latest.length, 1);
  const [name, , latency] = items(latest[0]) as { value: unknown }[];
  assert.is(name.value, 'command');
  assert.ok((latency.value as number) >= 50, `latency ${latency.value}`);
});

test('SHUTDOWN: option errors, not inside MULTI, NOSAVE shuts down without a reply', async () => {
  await runRows(conn, [
    [['SHUTDOWN', 'LATER'], SYNTAX],
    [['SHUTDOWN', 'SAVE', 'NOSAVE'], SYNTAX],
    [['SHUTDOWN', 'ABORT', 'NOW'], SYNTAX],
    [['SHUTDOWN', 'ABORT'], err('ERR No shutdown in progress.')],
    [['MULTI'], OK],
    [['SHUTDOWN', 'NOSAVE'], err('ERR Command not allowed inside a transaction')],
    [['DISCARD'], OK],
  ]);
  let shutDown = false;
  srv.server.onShutdown = () => (shutDown = true);
  const before = conn.received().length;
  conn.send('SHUTDOWN', 'NOSAVE', 'NOW', 'FORCE');
  assert.ok(await conn.waitClosed());
  for (let i = 0; i < 100 && !shutDown; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(shutDown);
  assert.is(conn.received().length, before); // no reply: the server goes away
  const refused = await RawConnection.connect(srv.port).then((c) => (c.close(), false), () => true);
  assert.ok(refused, 'still listening after SHUTDOWN');
});

test('MEMORY USAGE: an estimate that grows with the data, nil for a missing key', async () => {
  await runRows(conn, [
    [['SET', 'small', 'x'], OK],
    [['SET', 'big', 'x'.repeat(10000)], OK],
    [['MEMORY', 'USAGE', 'nokey'], NIL],
    [['MEMORY', 'USAGE', 'small', 'SAMPLES'], SYNTAX],
    [['MEMORY', 'USAGE', 'small', 'SAMPLES', '-1'], SYNTAX],
    [['MEMORY', 'USAGE', 'small', 'SAMPLES', 'x'], err('ERR value is not an integer or out of range')],
    [['MEMORY', 'USAGE', 'small', 'FOO', '1'], SYNTAX],
    [['MEMORY', 'USAGE'], arity('memory|usage')],
    [['MEMORY', 'DOCTOR'], err("ERR unknown subcommand 'DOCTOR'. Try MEMORY HELP.")],
    [['MEMORY', 'HELP'], /^\*6\r\n\+MEMORY <subcommand> /],
  ]);
  const small = (await call(conn, 'MEMORY', 'USAGE', 'small', 'SAMPLES', '0')) as { value: number };
  const big = (await call(conn, 'MEMORY', 'USAGE', 'big')) as { value: number };
  assert.ok(small.value > 16 && small.value < 400);
  assert.ok(big.value > 10000 && big.value < 10400);
});

test('SLOWLOG: entries, order, limits, argument trimming and redaction', async () => {
  await runRows(conn, [[['SLOWLOG', 'GET'], '*0\r\n'], [['SLOWLOG', 'LEN'], int(0)]]);
  await runRows(conn, [[['CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '4'], OK]]);
  await runRows(conn, [
    [['CLIENT', 'SETNAME', 'slowpoke'], OK],
    [['SET', 'k', 'v'.repeat(200)], OK],
    [['CONFIG', 'SET', 'requirepass', 'secret', 'masterauth', 'also'], OK],
    [['AUTH', 'secret'], OK],
    [['SET', 'many', ...Array.from({ length: 40 }, (_, i) => String(i))], SYNTAX],
  ]);
  const entries = items(await call(conn, 'SLOWLOG', 'GET', '-1'));
  assert.is(entries.length, 4);
  const argv = (e: Reply) => items(items(e)[3]).map((a) => String((a as { value: string }).value));
  assert.equal(argv(entries[0]), ['SET', 'many', ...Array.from({ length: 29 }, (_, i) => String(i)), '... (11 more arguments)']);
  assert.equal(argv(entries[1]), ['AUTH', '(redacted)']);
  assert.equal(argv(entries[2]), ['CONFIG', 'SET', 'requirepass', '(redacted)', 'masterauth', '(redacted)']);
  assert.equal(argv(entries[3]), ['SET', 'k', `${'v'.repeat(128)}... (72 more bytes)`]);
  const [id, time, duration, , peer, name] = items(entries[3]).map((r) => (r as { value: unknown }).value);
  assert.ok((id as number) >= 1 && (duration as number) >= 0);
  assert.is(time, Math.floor(srv.clock.now() / 1000));
  assert.is(peer, `127.0.0.1:${conn.socket.localPort}`);
  assert.is(name, 'slowpoke');
  assert.is(items(await call(conn, 'SLOWLOG', 'GET', '1')).length, 1);
  await runRows(conn, [
    [['SLOWLOG', 'GET', '-2'], err('ERR count should be greater than or equal to -1')],
    [['SLOWLOG', 'GET', 'x'], err('ERR count should be greater than or equal to -1')],
    [['SLOWLOG', 'RESET'], OK],
    [['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'], OK],
    [['PING'], '+PONG\r\n'],
    [['SLOWLOG', 'LEN'], int(1)], // the CONFIG SET that turned it off was still logged
    [['SLOWLOG', 'HELP'], /^\*12\r\n\+SLOWLOG <subcommand> /],
  ]);
  // ACL SETUSER hides its user name and every rule, even a rejected one (as real Redis 7.0 logs it)
  await runRows(conn, [
    [['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], OK],
    [['SLOWLOG', 'RESET'], OK],
    [['ACL', 'SETUSER', 'bob', 'on', '>pw', '~*'], OK],
    [['ACL', 'SETUSER', 'bob', 'bad'], /^-ERR Error in ACL SETUSER modifier 'bad': Syntax error/],
  ]);
  const acl = items(await call(conn, 'SLOWLOG', 'GET', '2'));
  assert.equal(argv(acl[0]), ['ACL', 'SETUSER', '(redacted)', '(redacted)']);
  assert.equal(argv(acl[1]), ['ACL', 'SETUSER', '(redacted)', '(redacted)', '(redacted)', '(redacted)']);
});

test('SLOWLOG: a parked command is logged when it is answered, with the arguments it was called with; a timed-out script with its whole run', async () => {
  await runRows(conn, [[['CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'busy-reply-threshold', '20'], OK]]);
  const waiter = await srv.connect();
  waiter.send('BLPOP', 'l', '0');
  await until(() => srv.server.clients.size === 2 && [...srv.server.clients.values()].some((c) => c.mode === 'blocked'), 'the BLPOP parked');
  // served by EXEC after SLOWLOG RESET ran inside it (Redis's slowlog.tcl): the BLPOP is the newest entry
  await runRows(conn, [[['MULTI'], OK], [['LPUSH', 'l', 'foo'], '+QUEUED\r\n'], [['SLOWLOG', 'RESET'], '+QUEUED\r\n'], [['EXEC'], '*2\r\n:1\r\n+OK\r\n']]);
  assert.is(await waiter.readRaw(), '*2\r\n$1\r\nl\r\n$3\r\nfoo\r\n');
  const argv = (e: Reply) => items(items(e)[3]).map((a) => String((a as { value: string }).value));
  assert.equal(argv(items(await call(conn, 'SLOWLOG', 'GET', '1'))[0]), ['BLPOP', 'l', '0']);
  // a script past busy-reply-threshold: parked while it runs in slices, logged with its whole run when it ends
  await runRows(conn, [[['CONFIG', 'SET', 'slowlog-log-slower-than', '50000'], OK], [['SLOWLOG', 'RESET'], OK]]);
  const script = 'local i = 0 while i < 2000000 do i = i + 1 end return i'; // well over 50 ms (TIME is the test's clock)
  waiter.send('EVAL', script, '0');
  assert.is(await waiter.readRaw(), ':2000000\r\n');
  const [entry] = items(await call(conn, 'SLOWLOG', 'GET', '1'));
  assert.equal(argv(entry), ['EVAL', script, '0']);
  assert.ok(((items(entry)[2] as { value: number }).value) >= 50000, 'the whole run is its duration');
});

test('LATENCY: histograms per command, monitor events, reset', async () => {
  await runRows(conn, [[['SET', 'a', 'b'], OK], [['GET', 'a'], bulk('b')], [['GET', 'a'], bulk('b')]]);
  const h = items(await call(conn, 'LATENCY', 'HISTOGRAM', 'get', 'nosuch'));
  assert.is((h[0] as { value: string }).value, 'get');
  const detail = items(h[1]);
  assert.is((detail[1] as { value: number }).value, 2); // calls
  const cdf = items(detail[3]);
  assert.is((cdf[cdf.length - 1] as { value: number }).value, 2); // the last bucket holds every call
  const all = items(await call(conn, 'LATENCY', 'HISTOGRAM'));
  assert.ok(all.some((r) => (r as { value: string }).value === 'set'));
  assert.is(items(await call(conn, 'LATENCY', 'HISTOGRAM', 'config')).length, 0);
  // the monitor records only past latency-monitor-threshold (off by default)
  await runRows(conn, [[['LATENCY', 'LATEST'], '*0\r\n'], [['LATENCY', 'HISTORY', 'command'], '*0\r\n']]);
  const now = Math.floor(srv.clock.now() / 1000);
  srv.server.stats.latency.monitor.addSample('command', 12, now);
  srv.server.stats.latency.monitor.addSample('command', 7, now);
  srv.server.stats.latency.monitor.addSample('command', 30, now + 1);
  await runRows(conn, [
    [['LATENCY', 'LATEST'], `*1\r\n*4\r\n${bulk('command')}${int(now + 1)}${int(30)}${int(30)}`],
    [['LATENCY', 'GRAPH', 'command'], new RegExp(`^\\$\\d+\\r\\ncommand - high 30 ms, low 12 ms \\(all time high 30 ms\\)\\n-{80}\\n`)],
    [['LATENCY', 'DOCTOR'], /\n1\. command: 2 latency spikes \(average 21ms, mean deviation 9ms, period [\d.]+ sec\)\. Worst all time event 30ms\./],
    [['LATENCY', 'HISTORY', 'command'], `*2\r\n*2\r\n${int(now)}${int(12)}*2\r\n${int(now + 1)}${int(30)}`],
    [['LATENCY', 'RESET', 'nosuch'], int(0)],
    [['LATENCY', 'RESET'], int(1)],
    [['LATENCY', 'LATEST'], '*0\r\n'],
    [['LATENCY', 'GRAPH', 'command'], err("ERR No samples available for event 'command'")],
    [['LATENCY', 'DOCTOR', 'x'], arity('latency|doctor')],
    [['LATENCY', 'DOCTOR'], /^\$\d+\r\nLatency monitoring is off/],
    [['CONFIG', 'SET', 'latency-monitor-threshold', '100'], OK],
    [['LATENCY', 'DOCTOR'], /^\$\d+\r\nNo latency spike of 100 ms or more has been recorded/],
    [['CONFIG', 'SET', 'latency-monitor-threshold', '0'], OK],
    [['LATENCY', 'HELP'], /^\*17\r\n\+LATENCY <subcommand> /],
    [['CONFIG', 'SET', 'latency-tracking', 'no'], OK],
    [['CONFIG', 'RESETSTAT'], OK],
    [['GET', 'a'], bulk('b')],
    [['LATENCY', 'HISTOGRAM'], '*0\r\n'],
  ]);
});

test('differential: server command replies and errors against real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    const argvs: string[][] = [
      ['FLUSHALL'], ['DBSIZE'], ['SET', 'a', '1'], ['DBSIZE'], ['FLUSHDB', 'x'], ['FLUSHALL', 'SYNC', 'x'], ['SWAPDB', '0'],
      ['SWAPDB', 'a', 'b'], ['SWAPDB', '0', '99'], ['SWAPDB', '0', '1'], ['DBSIZE'], ['SWAPDB', '1', '0'], ['DBSIZE'],
      ['SWAPDB', '2147483648', '0'], ['TIME', 'x'], ['LASTSAVE', 'x'], ['DEBUG', 'LOG', 'x'], ['DEBUG'], ['SHUTDOWN', 'x'],
      ['SHUTDOWN', 'SAVE', 'NOSAVE'], ['SHUTDOWN', 'ABORT'], ['SHUTDOWN', 'ABORT', 'NOW'], ['FUNCTION', 'FLUSH', 'x'],
      ['FUNCTION', 'FLUSH', 'a', 'b'], ['FUNCTION', 'LIST'], ['FUNCTION', 'LIST', 'x'], ['FUNCTION', 'LIST', 'LIBRARYNAME'],
      ['FUNCTION', 'FLUSH'], ['MEMORY', 'USAGE', 'nokey'], ['MEMORY', 'USAGE', 'a', 'SAMPLES', '-1'], ['MEMORY', 'USAGE', 'a', 'x'],
      ['MEMORY'], ['SLOWLOG'], ['SLOWLOG', 'GET', '-5'], ['SLOWLOG', 'GET', '1', '2'], ['SLOWLOG', 'LEN', 'x'], ['SLOWLOG', 'RESET'],
      ['LATENCY', 'LATEST'], ['LATENCY', 'HISTORY', 'nosuch'], ['LATENCY', 'GRAPH', 'nosuch'], ['LATENCY', 'GRAPH'], ['LATENCY', 'DOCTOR', 'x'], ['LATENCY', 'RESET', 'nosuch'], ['LATENCY', 'HISTORY'],
      ['INFO', 'nosuch'], ['INFO', 'keyspace'], ['CONFIG', 'REWRITE'], ['CONFIG', 'RESETSTAT', 'x'], ['CONFIG'],
    ];
    await sameReplies(conn, real, argvs);
  });
});

test.run();
