/**
 * DEBUG's subcommands that Redis's own test suite leans on: RELOAD, LOADAOF, OBJECT, PROTOCOL, SET-ACTIVE-EXPIRE,
 * QUICKLIST-PACKED-THRESHOLD, POPULATE, CHANGE-REPL-ID; byte for byte against real redis-server where its answer
 * does not depend on the process (addresses and clocks are masked).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { hasRedis, startToyredis } from '../helpers/servers';
import { label, withRealRedis } from '../helpers/differential';
import { bulk, err, int, OK } from '../helpers/resp';

const test = suite('commands/debug');

let srv: InProcess;
let conn: RawConnection;
test.before.each(async () => {
  srv = await startInProcess({ config: [['enable-debug-command', 'yes']] });
  conn = await srv.connect();
});
test.after.each(async () => {
  await srv.stop();
});

/** A dataset of every type, with TTLs, in two databases. */
const DATASET: string[][] = [
  ['SET', 's', 'plain'], ['SET', 'n', '12345'], ['SET', 'bin', 'a\0\xff\r\n'], ['SET', 'ttl', 'v', 'PX', '100000000'],
  ['RPUSH', 'l', 'a', 'b', '3', 'x'.repeat(100)], ['SADD', 'si', '1', '2', '3'], ['SADD', 'ss', 'a', 'b'],
  ['ZADD', 'z', '1.5', 'a', '-inf', 'b', '3', 'c'], ['HSET', 'h', 'f', 'v', 'g', 'w'],
  ['XADD', 'x', '1-1', 'a', '1'], ['XADD', 'x', '2-0', 'b', '2'], ['SELECT', '3'], ['SET', 'in3', 'v'], ['SELECT', '0'],
];

test('DEBUG RELOAD saves and loads back the same dataset; NOSAVE, NOFLUSH and MERGE as Redis has them', async () => {
  for (const argv of DATASET) await conn.exchange(...argv);
  const before = await conn.exchange('DEBUG', 'DIGEST');
  assert.not.equal(before, '+0000000000000000000000000000000000000000\r\n');
  await runRows(conn, [[['DEBUG', 'RELOAD'], OK], [["DEBUG", "DIGEST"], before], [["DBSIZE"], int(10)]]);
  assert.ok(srv.logs.some((l) => l.endsWith('# DB reloaded by DEBUG RELOAD')));
  // NOSAVE: the file as it is; keys written since are gone
  await runRows(conn, [[['SET', 'later', '1'], OK], [['DEBUG', 'RELOAD', 'NOSAVE'], OK], [['EXISTS', 'later'], int(0)], [['DEBUG', 'DIGEST'], before]]);
  // NOFLUSH keeps what is in memory; a key in both is an error without MERGE (and nothing changes), the file's
  // value with it
  await runRows(conn, [
    [['SET', 'later', '1'], OK],
    [['DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH'], err('ERR Error trying to load the RDB dump')],
    [['DEL', 's', 'n', 'bin', 'ttl', 'l', 'si', 'ss', 'z', 'h', 'x'], int(10)],
    [['SET', 's', 'changed'], OK],
    [['DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'], OK],
    [['GET', 's'], bulk('plain')],
    [['GET', 'later'], bulk('1')],
    [['DEBUG', 'RELOAD', 'NOSAVE', 'NOPE'], err('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.')],
  ]);
  assert.ok(Number(/\d+/.exec(await conn.exchange('TTL', 'ttl'))![0]) > 99000);
});

test('DEBUG LOADAOF empties the dataset and replays the append only file', async () => {
  // no AOF to load: refused, and nothing is lost (Redis exits here)
  await runRows(conn, [[['SET', 'kept', '1'], OK], [['DEBUG', 'LOADAOF'], err('ERR Error trying to load the append only files')], [['GET', 'kept'], bulk('1')]]);
  await runRows(conn, [[['CONFIG', 'SET', 'appendonly', 'yes'], OK]]);
  // the rewrite that turning the AOF on starts has to finish first
  for (let i = 0; i < 1000 && /aof_rewrite_in_progress:1/.test(await conn.exchange('INFO', 'persistence')); i++) await new Promise((r) => setTimeout(r, 10));
  for (const argv of DATASET) await conn.exchange(...argv);
  const before = await conn.exchange('DEBUG', 'DIGEST');
  // a key that is not in the AOF (written behind its back) disappears
  srv.server.keyspace.dbs[0].set('ghost', 'x');
  await runRows(conn, [[['DEBUG', 'LOADAOF'], OK], [['DEBUG', 'DIGEST'], before], [['EXISTS', 'ghost'], int(0)]]);
  assert.ok(srv.logs.some((l) => l.endsWith('# Append Only File loaded by DEBUG LOADAOF')));
});

test('DEBUG SET-ACTIVE-EXPIRE 0 stops the expire cycle, not lazy expiry', async () => {
  await runRows(conn, [[['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], OK], [['SET', 'a', '1', 'PX', '100'], OK], [['SET', 'b', '1', 'PX', '100'], OK]]);
  srv.clock.ms += 1000;
  srv.server.keyspace.activeExpireCycle();
  await runRows(conn, [[['DBSIZE'], int(2)], [['GET', 'a'], '$-1\r\n'], [['DBSIZE'], int(1)], [['DEBUG', 'SET-ACTIVE-EXPIRE', '1'], OK]]);
  srv.server.keyspace.activeExpireCycle();
  await runRows(conn, [[['DBSIZE'], int(0)]]);
});

test('DEBUG OBJECT: one address for a value changed in place, encodings, lengths and the quicklist figures', async () => {
  await runRows(conn, [[['SET', 'foo', '20000'], OK]]);
  const first = await conn.exchange('DEBUG', 'OBJECT', 'foo');
  assert.match(first, /^\+Value at:0x[0-9a-f]+ refcount:1 encoding:int serializedlength:3 lru:\d+ lru_seconds_idle:0\r\n$/);
  await conn.exchange('INCR', 'foo');
  assert.is((await conn.exchange('DEBUG', 'OBJECT', 'foo')).split(' ')[1], first.split(' ')[1]);
  await runRows(conn, [
    [['DEBUG', 'OBJECT', 'nokey'], err('ERR no such key')],
    [['SET', 'small', '5'], OK],
    [['DEBUG', 'OBJECT', 'small'], /^\+Value at:0x[0-9a-f]+ refcount:2147483647 encoding:int /],
  ]);
});

test('differential: DEBUG replies against real redis-server (addresses and clocks masked)', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    const mask = (r: string) => r.replace(/at:0x[0-9a-f]+/, 'at:ADDR').replace(/ lru:\d+/, ' lru:N');
    const big = (c: string) => c.repeat(500);
    const argvs: string[][] = [
      ['DEBUG', 'PROTOCOL', 'nope'], ['DEBUG', 'PROTOCOL', 'push'], ['DEBUG', 'PROTOCOL'], ['DEBUG', 'OBJECT'],
      ...['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'verbatim', 'true', 'false'].map((t) => ['DEBUG', 'PROTOCOL', t]),
      ['HELLO', '3'],
      ...['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false'].map((t) => ['DEBUG', 'PROTOCOL', t]),
      ['HELLO', '2'],
      ['RPUSH', 'l', 'a', 'b', 'c', '12', big('x')], ['SET', 'n', '20000'], ['SET', 's', 'hello'], ['SET', 'r', big('r')],
      ['SADD', 'set', '1', '2'], ['ZADD', 'z', '1', 'a'], ['HSET', 'h', 'f', 'v'], ['XADD', 'x', '1-1', 'f', 'v'],
      ['DEBUG', 'OBJECT', 'l'], ['DEBUG', 'OBJECT', 'n'], ['DEBUG', 'OBJECT', 's'], ['DEBUG', 'OBJECT', 'r'], ['DEBUG', 'OBJECT', 'set'],
      ['DEBUG', 'OBJECT', 'z'], ['DEBUG', 'OBJECT', 'h'], ['DEBUG', 'OBJECT', 'nokey'],
      ['DEBUG', 'RELOAD', 'NOPE'],
      ['DEBUG', 'POPULATE', '3'], ['DEBUG', 'POPULATE', '2', 'p', '3'], ['DEBUG', 'POPULATE', '2', 'q', '12'], ['GET', 'key:2'], ['GET', 'p:1'], ['GET', 'q:1'],
      ['DEBUG', 'POPULATE', '-1'], ['DEBUG', 'POPULATE', 'x'], ['DEBUG', 'POPULATE', '1', 'p', 'x'], ['DEBUG', 'POPULATE', '1', 'a', 'b', 'c'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 'x'], ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5gb'], ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '-1'],
      // large elements become plain nodes: DUMP shows the quicklist Redis holds
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100b'],
      ['RPUSH', 'pl', 'a', big('b'), 'c', 'd', big('e'), big('f')], ['DUMP', 'pl'], ['DEBUG', 'OBJECT', 'pl'],
      // (a list keeps the nodes it was built with when the threshold changes again; toyredis cuts them anew)
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'],
      ['DEBUG', 'CHANGE-REPL-ID', 'x'], ['DEBUG', 'CHANGE-REPL-ID'],
      // scripts may call noscript commands while this is set
      ['EVAL', "return redis.call('debug', 'log', 'from a script')", '0'], ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'],
      ['EVAL', "return redis.call('debug', 'log', 'from a script')", '0'],
      // a script sees the reply after an attribute, not the attribute
      ['EVAL', "redis.setresp(3); return redis.call('debug', 'protocol', 'attrib')", '0'],
      ['EVAL', "redis.setresp(3); return redis.call('debug', 'protocol', 'bignum')", '0'],
      ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0'],
      ['EVAL', "return redis.call('debug', 'log', 'from a script')", '0'],
      // NOFLUSH keeps the function libraries in memory: one that the file has too is refused, unless MERGE
      ['FUNCTION', 'LOAD', "#!lua name=lib1\nredis.register_function('f1', function() return 'one' end)"], ['DEBUG', 'RELOAD'],
      ['DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH'], ['FCALL', 'f1', '0'],
      ['FUNCTION', 'LOAD', "#!lua name=lib2\nredis.register_function('f2', function() return 'two' end)"],
      ['FUNCTION', 'DELETE', 'lib1'], ['SET', 'only-in-memory', '1'],
      ['DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'], ['FCALL', 'f1', '0'], ['FCALL', 'f2', '0'], ['GET', 'only-in-memory'],
    ];
    const mine = await srv.connect();
    let resp3 = false;
    for (const argv of argvs) {
      mine.send(...argv);
      real.send(...argv);
      if (argv[0] === 'HELLO') resp3 = argv[1] === '3';
      // a push is followed by a real reply: two frames
      const frames = resp3 && argv[2] === 'push' ? 2 : 1;
      for (let i = 0; i < frames; i++) {
        const [got, want] = [await mine.readRaw(), await real.readRaw()];
        if (argv[0] !== 'HELLO') assert.is(mask(got), mask(want), label(argv));
      }
    }
  }, ['--enable-debug-command', 'yes']);
});

test('time stands still inside a script: a key set with PX 1 is still there after DEBUG SLEEP in the same script', async () => {
  const s = await startToyredis(['--enable-debug-command', 'yes']);
  try {
    const c = await RawConnection.connect(s.port);
    const script = "redis.call('SET', 'key', 'value', 'PX', '1'); redis.call('DEBUG', 'SLEEP', '0.01'); return redis.call('EXISTS', 'key')";
    await runRows(c, [
      [['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'], OK],
      [['EVAL', script, '0'], int(1)],
      [['EXISTS', 'key'], int(0)], // after the script, time moves on
      [['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0'], OK],
    ]);
    c.close();
  } finally {
    await s.stop();
  }
});

test('DEBUG CHANGE-REPL-ID takes a new replication id and forgets the previous one', async () => {
  const before = await conn.exchange('INFO', 'replication');
  await runRows(conn, [[['DEBUG', 'CHANGE-REPL-ID'], OK]]);
  const after = await conn.exchange('INFO', 'replication');
  const id = (info: string, field: string) => new RegExp(`${field}:([0-9a-f]{40})`).exec(info)![1];
  assert.is.not(id(after, 'master_replid'), id(before, 'master_replid'));
  assert.is(id(after, 'master_replid2'), '0'.repeat(40));
  assert.ok(srv.logs.some((l) => l.endsWith('# Changing replication IDs after receiving DEBUG change-repl-id')));
});

test.run();
