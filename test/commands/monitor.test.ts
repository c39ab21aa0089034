import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { hasRedis, startRedis } from '../helpers/servers';
import { err, OK, QUEUED } from '../helpers/resp';
import { monitorLine, quoted } from '../../lib/commands/monitor';
import { redactedArgv as redacted } from '../../lib/server/redact';

const test = suite('commands/monitor');

let srv: InProcess;
let conns: RawConnection[] = [];

test.before.each(async () => {
  srv = await startInProcess();
});

test.after.each(async () => {
  for (const c of conns.splice(0)) c.close();
  await srv.close();
});

async function connect(server: { connect(): Promise<RawConnection> } = srv): Promise<RawConnection> {
  const c = await server.connect();
  conns.push(c);
  return c;
}

/** A connection's address as the server names it. */
const addrOf = (c: RawConnection) => `${c.socket.localAddress}:${c.socket.localPort}`;
/** The line a monitor gets at the fake clock's time (its microseconds are zero). */
const line = (db: number, c: RawConnection, ...args: string[]) => `+1700000000.000000 [${db} ${addrOf(c)}] ${args.map(quoted).join(' ')}\r\n`;

async function monitor(): Promise<RawConnection> {
  const m = await connect();
  await runRows(m, [[['MONITOR'], OK]]);
  return m;
}

test('the line format: time with microseconds, db, origin, quoted arguments (sdscatrepr)', () => {
  assert.is(monitorLine(1700000000123456, 0, '127.0.0.1:5000', ['set', 'k', 'v']), '+1700000000.123456 [0 127.0.0.1:5000] "set" "k" "v"\r\n');
  assert.is(monitorLine(1700000000000042, 15, 'lua', ['GET']), '+1700000000.000042 [15 lua] "GET"\r\n');
  const rows: [string, string][] = [
    ['plain', '"plain"'],
    ['', '""'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['\n\r\t\x07\x08', '"\\n\\r\\t\\a\\b"'],
    ['\x00\x01\x1f\x7f\x80\xff', '"\\x00\\x01\\x1f\\x7f\\x80\\xff"'],
    [' ~', '" ~"'],
    ['\x0b\x0c', '"\\x0b\\x0c"'],
  ];
  for (const [input, output] of rows) assert.is(quoted(input), output, JSON.stringify(input));
});

test('other clients\' commands reach every monitor, in order, with the db they ran in', async () => {
  const [m1, m2] = [await monitor(), await monitor()];
  const c = await connect();
  await runRows(c, [
    [['SET', 'k', 'a b"\n'], OK],
    [['SELECT', '5'], OK],
    [['GET', 'k'], '$-1\r\n'],
    [['NOSUCH', 'x'], /^-ERR unknown command/], // refused before running: not shown
    [['GET'], /^-ERR wrong number/],
    [['INCR', 'k'], ':1\r\n'],
    [['INCR', 'k'], ':2\r\n'],
  ]);
  const expected = [
    line(0, c, 'SET', 'k', 'a b"\n'),
    line(5, c, 'SELECT', '5'), // after the command: SELECT shows the db it selected
    line(5, c, 'GET', 'k'),
    line(5, c, 'INCR', 'k'),
    line(5, c, 'INCR', 'k'),
  ];
  for (const m of [m1, m2]) for (const l of expected) assert.is(await m.readRaw(), l);
});

test('admin commands are never shown; CLIENT INFO (not admin) is', async () => {
  const m = await monitor();
  const c = await connect();
  await runRows(c, [
    [['CONFIG', 'GET', 'port'], /^\*2/],
    [['CLIENT', 'LIST'], /^\$/],
    [['MONITOR'], OK], // the second monitor's MONITOR is admin too
    [['CLIENT', 'INFO'], /^\$/],
  ]);
  assert.is(await m.readRaw(), line(0, c, 'CLIENT', 'INFO'));
});

test('AUTH and HELLO passwords are redacted as far as the command read them', async () => {
  const m = await monitor();
  const c = await connect();
  await runRows(c, [
    [['AUTH', 'secret'], /^-ERR AUTH <password> called without any password/],
    [['AUTH', 'user', 'secret'], /^-WRONGPASS/],
    [['AUTH', 'a', 'b', 'c'], err('ERR syntax error')],
    [['HELLO', '2', 'AUTH', 'u', 'p', 'SETNAME', 'nm', 'AUTH', 'u2', 'p2'], /^-WRONGPASS/],
    [['HELLO', '2', 'AUTH', 'default', 'any', 'AUTH', 'u2', 'p2'], /^-WRONGPASS/],
    [['HELLO', '4', 'AUTH', 'u', 'p'], /^-NOPROTO/],
    [['HELLO', '2', 'SETNAME', 'ab', 'AUTH', 'default', 'x'], /^\*14/],
  ]);
  const expected = [
    line(0, c, 'AUTH', '(redacted)'),
    line(0, c, 'AUTH', '(redacted)', '(redacted)'),
    line(0, c, 'AUTH', 'a', 'b', 'c'),
    line(0, c, 'HELLO', '2', 'AUTH', '(redacted)', '(redacted)', 'SETNAME', 'nm', 'AUTH', 'u2', 'p2'), // stops at the failed AUTH
    line(0, c, 'HELLO', '2', 'AUTH', '(redacted)', '(redacted)', 'AUTH', '(redacted)', '(redacted)'), // the default user has no password
    line(0, c, 'HELLO', '4', 'AUTH', 'u', 'p'),
    line(0, c, 'HELLO', '2', 'SETNAME', 'ab', 'AUTH', '(redacted)', '(redacted)'),
  ];
  for (const l of expected) assert.is(await m.readRaw(), l);
  // with a password set, a wrong one stops HELLO's parsing
  const cfg = (p: string) => srv.server.config.set('requirepass', p);
  cfg('sesame');
  assert.equal(redacted(srv.server, ['hello', '3', 'auth', 'default', 'nope', 'auth', 'x', 'y']), ['hello', '3', 'auth', '(redacted)', '(redacted)', 'auth', 'x', 'y']);
  assert.equal(redacted(srv.server, ['hello', '3', 'auth', 'default', 'sesame', 'auth', 'x', 'y']), ['hello', '3', 'auth', '(redacted)', '(redacted)', 'auth', '(redacted)', '(redacted)']);
  assert.equal(redacted(srv.server, ['hello', '3', 'setname', 'a b', 'auth', 'x', 'y']), ['hello', '3', 'setname', 'a b', 'auth', 'x', 'y']);
  assert.equal(redacted(srv.server, ['hello', '3', 'auth', 'x']), ['hello', '3', 'auth', 'x']);
  assert.equal(redacted(srv.server, ['get', 'k']), ['get', 'k']);
  cfg('');
});

test('MULTI/EXEC: multi, then the queued commands as EXEC runs them, then exec; an aborted EXEC still shows', async () => {
  const m = await monitor();
  const c = await connect();
  await runRows(c, [
    [['MULTI'], OK], [['SET', 'foo', 'bar'], QUEUED], [['EXEC'], '*1\r\n+OK\r\n'],
    [['MULTI'], OK], [['SYNTAX', 'ERROR'], /^-ERR unknown command/], [['EXEC'], /^-EXECABORT/],
    [['EXEC', 'x'], err("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")],
  ]);
  for (const l of [
    line(0, c, 'MULTI'), line(0, c, 'SET', 'foo', 'bar'), line(0, c, 'EXEC'),
    line(0, c, 'MULTI'), line(0, c, 'EXEC'),
    line(0, c, 'EXEC', 'x'),
  ]) assert.is(await m.readRaw(), l);
});

test('a monitor sees its own commands after their reply, may not touch the keyspace, and RESET ends it', async () => {
  const m = await monitor();
  const c = await connect();
  m.send('PING');
  assert.is(await m.readRaw(), '+PONG\r\n');
  assert.is(await m.readRaw(), line(0, m, 'PING'));
  await runRows(m, [[['GET', 'k'], err("ERR Replica can't interact with the keyspace")]]);
  await runRows(m, [[['PUBLISH', 'ch', 'x'], err("ERR Replica can't interact with the keyspace")]]);
  // a second MONITOR gets no reply at all: the next reply is ECHO's
  m.send('MONITOR');
  await runRows(m, [[['ECHO', 'e'], '$1\r\ne\r\n']]);
  assert.is(await m.readRaw(), line(0, m, 'ECHO', 'e'));
  m.send('CLIENT', 'INFO');
  assert.match(await m.readRaw(), / flags=O db=0 /);
  await m.readRaw();
  await runRows(m, [[['RESET'], '+RESET\r\n']]);
  await runRows(c, [[['SET', 'k', 'v'], OK]]);
  await runRows(m, [[['GET', 'k'], '$1\r\nv\r\n']]); // a normal client again: nothing else came
  assert.is(srv.server.clients.size, 2);
});

test('MONITOR inside MULTI is refused at EXEC; CLIENT REPLY OFF mutes the lines', async () => {
  const c = await connect();
  await runRows(c, [[['MULTI'], OK], [['MONITOR'], QUEUED], [['EXEC'], `*1\r\n${err("ERR MONITOR isn't allowed for DENY BLOCKING client")}`]]);
  const m = await monitor();
  m.send('CLIENT', 'REPLY', 'OFF');
  await runRows(c, [[['SET', 'muted', '1'], OK]]);
  await runRows(m, [[['CLIENT', 'REPLY', 'ON'], OK]]);
  assert.is(await m.readRaw(), line(0, m, 'CLIENT', 'REPLY', 'ON')); // its own, once replies are back on
  await runRows(c, [[['SET', 'heard', '1'], OK]]);
  assert.is(await m.readRaw(), line(0, c, 'SET', 'heard', '1'));
});

test('the machine: MONITOR enters monitor, which survives MULTI and ends at RESET', async () => {
  const m = await connect();
  m.send('CLIENT', 'ID');
  const me = srv.server.clients.get(Number((await m.readRaw()).slice(1)))!;
  await runRows(m, [[['MONITOR'], OK]]);
  assert.is(me.mode, 'monitor');
  await runRows(m, [[['MULTI'], OK]]);
  assert.is(await m.readRaw(), line(0, m, 'MULTI'));
  assert.is(me.mode, 'multi');
  await runRows(m, [[['EXEC'], '*0\r\n']]);
  assert.is(await m.readRaw(), line(0, m, 'EXEC'));
  assert.is(me.mode, 'monitor');
  m.send('RESET');
  assert.is(await m.readRaw(), '+RESET\r\n');
  assert.is(me.mode, 'normal');
});

test('differential: the lines real Redis sends, with time and port masked', async () => {
  if (!hasRedis) return;
  const redis = await startRedis();
  const mask = (s: string) => s.replace(/^\+\d{10}\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]/, '+T [$1 ADDR]');
  const script: string[][] = [
    ['SET', 'k', '\x00\xff\t"\\ é'], ['SELECT', '2'], ['PING'], ['AUTH', 'pw'], ['HELLO', '2', 'AUTH', 'default', 'x'],
    ['MULTI'], ['INCR', 'n'], ['EXEC'], ['CLIENT', 'INFO'], ['PUBLISH', 'c', 'm'], ['SUBSCRIBE', 'c'], ['UNSUBSCRIBE'],
  ];
  const replies: Record<string, number> = { SUBSCRIBE: 1, UNSUBSCRIBE: 1 };
  try {
    const sides = [srv, { connect: () => RawConnection.connect(redis.port) }];
    const lines: string[][] = [];
    for (const side of sides) {
      const m = await connect(side);
      const c = await connect(side);
      await runRows(m, [[['MONITOR'], OK]]);
      for (const argv of script) {
        c.send(...argv);
        for (let i = 0; i < (replies[argv[0]] ?? 1); i++) await c.readRaw();
      }
      const got: string[] = [];
      for (let i = 0; i < script.length; i++) got.push(mask(await m.readRaw()));
      lines.push(got);
    }
    assert.equal(lines[0], lines[1]);
  } finally {
    await redis.stop();
  }
});

test.run();
