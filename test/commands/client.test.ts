import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { arity, bulk, err, int, NIL, OK, SYNTAX } from '../helpers/resp';
import { until } from '../helpers/wait';
import type { Reply } from '../../lib/protocol/reply';

const test = suite('commands/client');

let srv: InProcess;
let conn: RawConnection;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
});

test.after.each(() => srv.stop());

const text = (r: Reply) => String((r as { value: string }).value);

async function call(c: RawConnection, ...argv: string[]): Promise<Reply> {
  c.send(...argv);
  return c.read();
}

/** CLIENT LIST lines as field maps. */
function lines(s: string): Map<string, string>[] {
  return s.split('\n').filter(Boolean).map((l) => new Map(l.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
}

test('CLIENT LIST and CLIENT INFO: Redis 7.0 fields, in order, with real values', async () => {
  const FORMAT =
    /^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=\d+ events=r cmd=client\|list user=default redir=-1 resp=2\n$/;
  conn.send('CLIENT', 'LIST');
  const raw = await conn.readRaw();
  assert.match(raw, /^\$\d+\r\n/);
  assert.match(text(await call(conn, 'CLIENT', 'LIST')), FORMAT);
  assert.match(text(await call(conn, 'CLIENT', 'INFO')), new RegExp(FORMAT.source.replace('client\\|list', 'client\\|info')));
  const me = lines(text(await call(conn, 'CLIENT', 'INFO')))[0];
  assert.is(me.get('laddr'), `127.0.0.1:${srv.port}`);
  assert.is(me.get('addr'), `127.0.0.1:${conn.socket.localPort}`);
  assert.is(me.get('id'), String(((await call(conn, 'CLIENT', 'ID')) as { value: number }).value));

  const other = await srv.connect();
  try {
    await runRows(other, [[['SELECT', '5'], OK], [['CLIENT', 'SETNAME', 'worker'], OK], [['MULTI'], OK], [['SET', 'a', 'b'], '+QUEUED\r\n']]);
    srv.clock.advance(2500);
    const all = lines(text(await call(conn, 'CLIENT', 'LIST')));
    assert.is(all.length, 2);
    const w = all.find((l) => l.get('name') === 'worker')!;
    assert.is(w.get('db'), '5');
    assert.is(w.get('flags'), 'x');
    assert.is(w.get('multi'), '1');
    assert.is(w.get('multi-mem'), String(5 + 3 * 8)); // SET a b: argv bytes plus a pointer per argument
    assert.is(w.get('cmd'), 'multi');
    assert.is(w.get('qbuf'), '0');
    assert.is(w.get('age'), '2');
    assert.is(w.get('idle'), '2');
    assert.is(w.get('argv-mem'), '0');
    // inside EXEC a client still shows EXEC as its command
    await runRows(other, [[['CLIENT', 'INFO'], '+QUEUED\r\n']]);
    other.send('EXEC');
    const exec = await other.read();
    const inside = lines(text((exec as { items: Reply[] }).items[1]))[0];
    assert.is(inside.get('cmd'), 'exec');
    assert.is(inside.get('flags'), 'x');
    // filters
    const ids = lines(text(await call(conn, 'CLIENT', 'LIST', 'ID', w.get('id')!, '999', me.get('id')!)));
    assert.equal(ids.map((l) => l.get('id')), [w.get('id'), me.get('id')]);
    assert.is(lines(text(await call(conn, 'CLIENT', 'LIST', 'TYPE', 'normal'))).length, 2);
    assert.is(text(await call(conn, 'CLIENT', 'LIST', 'TYPE', 'replica')), '');
    assert.is(text(await call(conn, 'CLIENT', 'LIST', 'TYPE', 'MASTER')), '');
  } finally {
    other.close();
  }
  await runRows(conn, [
    [['CLIENT', 'LIST', 'TYPE', 'foo'], err("ERR Unknown client type 'foo'")],
    [['CLIENT', 'LIST', 'ID', '1', 'x'], err('ERR Invalid client ID')],
    [['CLIENT', 'LIST', 'ID'], SYNTAX],
    [['CLIENT', 'LIST', 'foo'], SYNTAX],
    [['CLIENT', 'LIST', 'TYPE', 'normal', 'x'], SYNTAX],
    [['CLIENT', 'INFO', 'x'], arity('client|info')],
  ]);
});

test('CLIENT ID, SETNAME, GETNAME', async () => {
  const id = (await call(conn, 'CLIENT', 'ID')) as { value: number };
  assert.is(id.value, [...srv.server.clients.keys()][0]);
  await runRows(conn, [
    [['CLIENT', 'GETNAME'], NIL],
    [['CLIENT', 'SETNAME', 'foo bar'], err('ERR Client names cannot contain spaces, newlines or special characters.')],
    [['CLIENT', 'SETNAME', 'caf\xe9'], err('ERR Client names cannot contain spaces, newlines or special characters.')],
    [['CLIENT', 'SETNAME', 'myname'], OK],
    [['CLIENT', 'GETNAME'], bulk('myname')],
    [['CLIENT', 'SETNAME', ''], OK],
    [['CLIENT', 'GETNAME'], NIL],
    [['CLIENT', 'SETNAME'], arity('client|setname')],
    [['CLIENT', 'ID', 'x'], arity('client|id')],
    [['CLIENT'], arity('client')],
    [['CLIENT', 'FOO'], err("ERR unknown subcommand 'FOO'. Try CLIENT HELP.")],
    [['CLIENT', 'TRACKING'], arity('client|tracking')],
    [['CLIENT', 'CACHING', 'yes'], err('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled')],
    [['CLIENT', 'GETREDIR'], int(-1)],
    [['CLIENT', 'TRACKINGINFO'], '*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n'],
    [['CLIENT', 'HELP'], /^\*\d+\r\n\+CLIENT <subcommand> \[<arg> \[value\] \[opt\] \.\.\.\]\. Subcommands are:\r\n/],
  ]);
});

test('CLIENT KILL: old and new forms, filters, errors, killing yourself', async () => {
  const a = await srv.connect();
  const b = await srv.connect();
  const info = async (c: RawConnection) => lines(text(await call(c, 'CLIENT', 'INFO')))[0];
  const [ia, ib, me] = [await info(a), await info(b), await info(conn)];
  await runRows(conn, [
    [['CLIENT', 'KILL'], arity('client|kill')],
    [['CLIENT', 'KILL', '1.2.3.4:5'], err('ERR No such client')],
    [['CLIENT', 'KILL', 'id', '10', 'wrong_arg'], SYNTAX],
    [['CLIENT', 'KILL', 'id', 'str'], err('ERR client-id should be greater than 0')],
    [['CLIENT', 'KILL', 'id', '0'], err('ERR client-id should be greater than 0')],
    [['CLIENT', 'KILL', 'type', 'wrong_type'], err("ERR Unknown client type 'wrong_type'")],
    [['CLIENT', 'KILL', 'user', 'wrong_user'], err("ERR No such user 'wrong_user'")],
    [['CLIENT', 'KILL', 'skipme', 'yes_or_no'], SYNTAX],
    [['CLIENT', 'KILL', 'ADDR', ia.get('addr')!, 'ID', ib.get('id')!], int(0)],
    [['CLIENT', 'KILL', ia.get('addr')!], OK],
  ]);
  assert.ok(await a.waitClosed());
  await runRows(conn, [[['CLIENT', 'KILL', 'LADDR', me.get('laddr')!, 'USER', 'default'], int(1)]]); // b; SKIPME yes spares us
  assert.ok(await b.waitClosed());
  await until(() => srv.server.clients.size === 1);
  const c = await srv.connect();
  await runRows(c, [[['PING'], '+PONG\r\n']]);
  // SKIPME NO kills the caller too, after its reply
  await runRows(conn, [[['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'no'], int(2)]]);
  assert.ok(await conn.waitClosed());
  assert.ok(await c.waitClosed());
});

test('CLIENT REPLY ON, OFF, SKIP', async () => {
  conn.send('CLIENT', 'REPLY', 'OFF');
  conn.send('PING', 'a');
  conn.send('CLIENT', 'REPLY', 'ON');
  conn.send('PING', 'b');
  assert.is(await conn.readRaw(), OK);
  assert.is(await conn.readRaw(), bulk('b'));
  conn.send('CLIENT', 'REPLY', 'SKIP');
  conn.send('PING', 'c');
  conn.send('PING', 'd');
  assert.is(await conn.readRaw(), bulk('d'));
  conn.send('CLIENT', 'REPLY', 'SKIP');
  conn.send('CLIENT', 'REPLY', 'ON');
  conn.send('PING');
  assert.is(await conn.readRaw(), OK);
  assert.is(await conn.readRaw(), '+PONG\r\n');
  await runRows(conn, [[['CLIENT', 'REPLY', 'MAYBE'], SYNTAX]]);
});

test('CLIENT NO-EVICT shows as flag e; a blocked client as b', async () => {
  await runRows(conn, [[['CLIENT', 'NO-EVICT', 'on'], OK]]);
  assert.is(lines(text(await call(conn, 'CLIENT', 'INFO')))[0].get('flags'), 'e');
  await runRows(conn, [[['CLIENT', 'NO-EVICT', 'off'], OK], [['CLIENT', 'NO-EVICT', 'maybe'], SYNTAX]]);
  assert.is(lines(text(await call(conn, 'CLIENT', 'INFO')))[0].get('flags'), 'N');
  const waiter = await srv.connect();
  try {
    waiter.send('WAIT', '1', '0'); // no replica will ever acknowledge: parked until killed
    await until(() => [...srv.server.clients.values()].some((c) => c.mode === 'blocked'));
    const blocked = lines(text(await call(conn, 'CLIENT', 'LIST'))).find((l) => l.get('cmd') === 'wait')!;
    assert.is(blocked.get('flags'), 'b');
  } finally {
    waiter.close();
  }
});

test('CLIENT UNBLOCK: a blocking pop answers as on timeout or with UNBLOCKED; WAIT with its count', async () => {
  const popper = await srv.connect();
  const waiter = await srv.connect();
  try {
    const idOf = async (c: RawConnection) => ((await call(c, 'CLIENT', 'ID')) as { value: number }).value;
    const [popId, waitId] = [await idOf(popper), await idOf(waiter)];
    const blocked = (id: number) => srv.server.clients.get(id)?.mode === 'blocked';
    await runRows(conn, [
      [['CLIENT', 'UNBLOCK', String(popId)], int(0)], // not blocked
      [['CLIENT', 'UNBLOCK', '999999'], int(0)],
      [['CLIENT', 'UNBLOCK', 'x'], err('ERR value is not an integer or out of range')],
      [['CLIENT', 'UNBLOCK', '1', 'LATER'], err('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR')],
      [['CLIENT', 'UNBLOCK', '1', 'ERROR', 'x'], err("ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.")],
    ]);
    popper.send('BLPOP', 'nolist', '0');
    await until(() => blocked(popId));
    await runRows(conn, [[['CLIENT', 'UNBLOCK', String(popId)], int(1)]]);
    assert.is(await popper.readRaw(), '*-1\r\n');
    popper.send('BLPOP', 'nolist', '0');
    await until(() => blocked(popId));
    await runRows(conn, [[['CLIENT', 'UNBLOCK', String(popId), 'error'], int(1)]]);
    assert.is(await popper.readRaw(), err('UNBLOCKED client unblocked via CLIENT UNBLOCK'));
    waiter.send('WAIT', '1', '0');
    await until(() => blocked(waitId));
    await runRows(conn, [[['CLIENT', 'UNBLOCK', String(waitId), 'TIMEOUT'], int(1)]]);
    assert.is(await waiter.readRaw(), int(0));
    await runRows(waiter, [[['PING'], '+PONG\r\n']]);
  } finally {
    popper.close();
    waiter.close();
  }
});

test('differential: CLIENT replies and errors against real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    const argvs: string[][] = [
      ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'a b'], ['CLIENT', 'SETNAME', 'x'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', ''],
      ['CLIENT', 'LIST', 'TYPE', 'nope'], ['CLIENT', 'LIST', 'ID', 'z'], ['CLIENT', 'LIST', 'ID'], ['CLIENT', 'LIST', 'x', 'y', 'z'],
      ['CLIENT', 'LIST', 'TYPE', 'pubsub'], ['CLIENT', 'LIST', 'ID', '12345'], ['CLIENT', 'KILL'], ['CLIENT', 'KILL', '1.1.1.1:1'],
      ['CLIENT', 'KILL', 'ID', '-1'], ['CLIENT', 'KILL', 'ID', '99999'], ['CLIENT', 'KILL', 'TYPE', 'master'], ['CLIENT', 'KILL', 'TYPE', 'slave'],
      ['CLIENT', 'KILL', 'USER', 'nobody'], ['CLIENT', 'KILL', 'SKIPME', 'perhaps'], ['CLIENT', 'KILL', 'ID', '1', 'TYPE'],
      ['CLIENT', 'KILL', 'ADDR', '1.1.1.1:1', 'SKIPME', 'no'], ['CLIENT', 'REPLY', 'nope'], ['CLIENT', 'NO-EVICT', 'nope'], ['CLIENT', 'NO-EVICT', 'off'],
      ['CLIENT', 'GETREDIR'], ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'bogus'], ['CLIENT'], ['CLIENT', 'ID', 'extra'], ['CLIENT', 'SETNAME'],
      ['CLIENT', 'UNBLOCK'], ['CLIENT', 'UNBLOCK', 'x'], ['CLIENT', 'UNBLOCK', '99999'], ['CLIENT', 'UNBLOCK', '1', 'maybe'],
      ['CLIENT', 'UNBLOCK', '1', 'error', 'x'], ['CLIENT', 'UNBLOCK', '99999', 'ERROR'],
    ];
    await sameReplies(conn, real, argvs);
  });
});

test.run();
