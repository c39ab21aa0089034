import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { blockedClients, Propagated, runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { freePort, hasRedis } from '../helpers/servers';
import { until } from '../helpers/wait';
import { sameReplies, withRealRedis } from '../helpers/differential';
import { arr, bulk, err, int, NIL, OK } from '../helpers/resp';

const test = suite('commands/scripting');

let srv: InProcess;
let conn: RawConnection;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
});

test.after.each(() => srv.stop());

test('EVAL converts Lua values to replies and back', async () => {
  await runRows(conn, [
    [['EVAL', "return 'hello'", '0'], bulk('hello')],
    [['EVAL', 'return 100.5', '0'], int(100)],
    [['EVAL', 'return true', '0'], int(1)],
    [['EVAL', 'return false', '0'], NIL],
    [['EVAL', "return {ok='fine'}", '0'], '+fine\r\n'],
    [['EVAL', "return {err='ERR this is an error'}", '0'], err('ERR this is an error')],
    [['EVAL', "return {1,2,3,'ciao',{1,2}}", '0'], arr(int(1), int(2), int(3), bulk('ciao'), arr(int(1), int(2)))],
    [['EVAL', 'return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}', '2', 'a', 'b', 'c', 'd'], arr(bulk('a'), bulk('b'), bulk('c'), bulk('d'))],
    [['SET', 'x', '0'], OK],
    [['EVAL', "local foo = redis.pcall('incr',KEYS[1]) return {type(foo),foo}", '1', 'x'], arr(bulk('number'), int(1))],
    [['EVAL', "local foo = redis.pcall('get','nokey') return {type(foo),foo == false}", '0'], arr(bulk('boolean'), int(1))],
    [['EVAL', 'return tostring(10/2) .. tostring(1e15)', '0'], bulk('51e+15')],
  ]);
});

test('errors carry the script name and line as in 7.0', async () => {
  const sha = 'bbfcd1ececc90deec823f7fb730e4bfb2a4ba625';
  await runRows(conn, [
    [['EVAL', 'return a', '0'], err(`ERR user_script:1: Script attempted to access nonexistent global variable 'a' script: ${sha}, on @user_script:1.`)],
    [['EVAL', 'a=10', '0'], /^-ERR user_script:1: Attempt to modify a readonly table script: \w{40}, on @user_script:1\.\r\n$/],
    [['EVAL', "redis.call('nosuchcommand')", '0'], /^-ERR Unknown Redis command called from script script: \w{40}, on @user_script:1\.\r\n$/],
    [['EVAL', "redis.call('get','a','b')", '0'], /^-ERR Wrong number of args calling Redis command from script/],
    [['EVAL', 'return 1', '-1'], err("ERR Number of keys can't be negative")],
    [['EVAL', 'return 1', '2', 'a'], err("ERR Number of keys can't be greater than number of args")],
    [['EVALSHA', 'NotValidShaSUM', '0'], err('NOSCRIPT No matching script. Please use EVAL.')],
    [['EVAL_RO', "redis.call('del','x')", '0'], /^-ERR Write commands are not allowed from read-only scripts\./],
    [['EVAL', "return redis.pcall('blpop','x',0)", '0'], /not allowed from script/],
  ]);
});

test('SCRIPT LOAD / EXISTS / FLUSH and EVALSHA', async () => {
  await runRows(conn, [
    [['SCRIPT', 'LOAD', "return 'loaded'"], bulk('b534286061d4b9e4026607613b95c06c06015ae8')],
    [['EVALSHA', 'B534286061D4B9E4026607613B95C06C06015AE8', '0'], bulk('loaded')],
    [['SCRIPT', 'EXISTS', 'b534286061d4b9e4026607613b95c06c06015ae8', 'ffff'], arr(int(1), int(0))],
    [['SCRIPT', 'FLUSH'], OK],
    [['EVALSHA', 'b534286061d4b9e4026607613b95c06c06015ae8', '0'], err('NOSCRIPT No matching script. Please use EVAL.')],
    [['SCRIPT', 'KILL'], err('NOTBUSY No scripts in execution right now.')],
  ]);
});

test('a script propagates the writes it made, wrapped in MULTI/EXEC when there are several', async () => {
  const propagated = new Propagated(srv);
  assert.equal(await propagated.of(conn, 'EVAL', "redis.call('set','a','1') redis.call('incr','a')", '0'),
    [['MULTI'], ['set', 'a', '1'], ['incr', 'a'], ['EXEC']]);
  assert.equal(await propagated.of(conn, 'EVAL', "return redis.call('get','a')", '0'), []);
  assert.equal(await propagated.of(conn, 'EVAL', "return redis.call('incr','a')", '0'), [['incr', 'a']]);
});

test('a timed-out script lets other clients in with -BUSY until SCRIPT KILL stops it', async () => {
  await runRows(conn, [[['CONFIG', 'SET', 'busy-reply-threshold', '50'], OK]]);
  const other = await srv.connect();
  conn.send('EVAL', 'while true do end', '0');
  for (;;) {
    other.send('PING');
    const r = await other.readRaw();
    if (r.startsWith('-BUSY')) {
      assert.is(r, err('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'));
      break;
    }
    assert.is(r, '+PONG\r\n');
  }
  await runRows(other, [[['SCRIPT', 'KILL'], OK]]);
  assert.match(await conn.readRaw(), /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: \w{40}, on @user_script:1\.\r\n$/);
  await runRows(other, [[['PING'], '+PONG\r\n']]);
});

test('SCRIPT KILL stops a script that catches errors with pcall or xpcall in a loop', async () => {
  await runRows(conn, [[['CONFIG', 'SET', 'busy-reply-threshold', '10'], OK]]);
  const other = await srv.connect();
  const loops = [
    "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end",
    'local f = function() while 1 do end end while 1 do xpcall(f, function(e) return e end) end',
  ];
  for (const script of loops) {
    conn.send('EVAL', script, '0');
    await until(async () => {
      other.send('PING');
      return (await other.readRaw()).startsWith('-BUSY');
    });
    await runRows(other, [[['SCRIPT', 'KILL'], OK]]);
    assert.match(await conn.readRaw(), /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: \w{40}, on @user_script:1\.\r\n$/);
    await runRows(other, [[['PING'], '+PONG\r\n']]);
  }
});

test('a script that wrote cannot be killed', async () => {
  await runRows(conn, [[['CONFIG', 'SET', 'busy-reply-threshold', '50'], OK]]);
  const other = await srv.connect();
  conn.send('EVAL', "redis.call('set','k','v') local i = 0 while i < 3000000 do i = i + 1 end return i", '0');
  for (;;) {
    other.send('SCRIPT', 'KILL');
    const r = await other.readRaw();
    if (r.startsWith('-UNKILLABLE')) break;
    assert.is(r, err('NOTBUSY No scripts in execution right now.'));
  }
  assert.is(await conn.readRaw(), int(3000000));
});

test('FUNCTION LOAD, FCALL, LIST, DELETE, DUMP and RESTORE', async () => {
  const lib = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n" +
    "redis.register_function{function_name='ro', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}";
  await runRows(conn, [
    [['FUNCTION', 'LOAD', lib], bulk('mylib')],
    [['FUNCTION', 'LOAD', lib], err("ERR Library 'mylib' already exists")],
    [['FCALL', 'myfunc', '1', 'k', 'v'], OK],
    [['FCALL_RO', 'ro', '1', 'k'], bulk('v')],
    [['FCALL_RO', 'myfunc', '1', 'k', 'v'], err('ERR Can not execute a script with write flag using *_ro command.')],
    [['FCALL', 'nosuch', '0'], err('ERR Function not found')],
    [['FUNCTION', 'LIST'], arr(arr(bulk('library_name'), bulk('mylib'), bulk('engine'), bulk('LUA'), bulk('functions'),
      arr(arr(bulk('name'), bulk('myfunc'), bulk('description'), NIL, bulk('flags'), arr()),
        arr(bulk('name'), bulk('ro'), bulk('description'), bulk('reads'), bulk('flags'), arr('+no-writes\r\n')))))],
    [['FUNCTION', 'LOAD', '#!lua name=bad\nreturn 1'], err('ERR No functions registered')],
    [['FUNCTION', 'LOAD', "#!lua name=bad\nredis.call('ping')"], /^-ERR Error registering functions: /],
  ]);
  conn.send('FUNCTION', 'DUMP');
  const dump = await conn.readRaw();
  const payload = dump.slice(dump.indexOf('\r\n') + 2, -2);
  await runRows(conn, [
    [['FUNCTION', 'DELETE', 'mylib'], OK],
    [['FUNCTION', 'DELETE', 'mylib'], err('ERR Library not found')],
    [['FUNCTION', 'RESTORE', payload], OK],
    [['FCALL_RO', 'ro', '1', 'k'], bulk('v')],
    [['FUNCTION', 'RESTORE', payload], err('ERR Library mylib already exists')],
    [['FUNCTION', 'RESTORE', payload, 'REPLACE'], OK],
    [['FUNCTION', 'FLUSH'], OK],
    [['FUNCTION', 'LIST'], arr()],
  ]);
});

test('FUNCTION FLUSH and LIST: options and their errors', async () => {
  await runRows(conn, [
    [['FUNCTION', 'FLUSH'], OK],
    [['FUNCTION', 'FLUSH', 'ASYNC'], OK],
    [['FUNCTION', 'FLUSH', 'sync'], OK],
    [['FUNCTION', 'FLUSH', 'LATER'], err('ERR FUNCTION FLUSH only supports SYNC|ASYNC option')],
    [['FUNCTION', 'FLUSH', 'SYNC', 'x'], err("ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.")],
    [['FUNCTION', 'LIST'], '*0\r\n'],
    [['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'x*'], '*0\r\n'],
    [['FUNCTION', 'LIST', 'LIBRARYNAME'], err('ERR library name argument was not given')],
    [['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'], err('ERR Unknown argument WITHCODE')],
    [['FUNCTION', 'LOAD', 'x'], err('ERR Missing library metadata')],
    [['FUNCTION', 'LOAD', "#!lua name=x1\nredis.register_function('f1', function() return 1 end)"], bulk('x1')],
    [['FUNCTION', 'LIST', 'LIBRARYNAME', 'y*'], '*0\r\n'],
    [['FUNCTION', 'FLUSH', 'SYNC'], OK],
    [['FCALL', 'f1', '0'], err('ERR Function not found')],
  ]);
});

/** On a read-only replica: a script's declared flags decide whether it is a write, as getCommandFlags does. */
const ON_REPLICA: string[][] = [
  ['EVAL', 'return 1', '0'],
  ['EVAL', "return redis.call('set', 'k', 'v')", '0'],
  ['EVAL', '#!lua\nreturn 1', '0'],
  ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'],
  ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'k')", '0'],
  ['EVAL_RO', '#!lua\nreturn 1', '0'],
  ['SCRIPT', 'LOAD', '#!lua\nreturn 2'],
  ['EVALSHA', '327e60b78547ebb77ec450ead371d5bd10cbdd69', '0'],
  ['MULTI'],
  ['EVAL', '#!lua\nreturn 1', '0'],
  ['EXEC'],
  ['FCALL', 'nosuch', '0'],
];

test('on a read-only replica a script that may write is refused before it runs, one with no-writes runs', async () => {
  const port = await freePort();
  await runRows(conn, [
    [['REPLICAOF', '127.0.0.1', String(port)], OK],
    [['EVAL', '#!lua\nreturn 1', '0'], err("READONLY You can't write against a read only replica.")],
    [['EVAL', '#!lua flags=no-writes\nreturn 1', '0'], int(1)],
    [['EVAL', 'return 1', '0'], int(1)],
    [['EVAL', "return redis.call('set', 'k', 'v')", '0'], /^-READONLY You can't write against a read only replica\. script: \w{40}, on @user_script:1\.\r\n$/],
  ]);
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    real.send('REPLICAOF', '127.0.0.1', String(port));
    assert.is(await real.readRaw(), OK);
    await sameReplies(conn, real, ON_REPLICA);
  });
});

test('CLIENT PAUSE WRITE holds a script that may write and lets a no-writes one run', async () => {
  const other = await srv.connect();
  await runRows(conn, [
    [['CLIENT', 'PAUSE', '100000', 'WRITE'], OK],
    [['EVAL', '#!lua flags=no-writes\nreturn 1', '0'], int(1)],
  ]);
  other.send('EVAL', '#!lua\nreturn 2', '0');
  other.send('EVAL', 'return 3', '0');
  await until(() => blockedClients(srv) === 1, 'the writing script to wait');
  await runRows(conn, [[['CLIENT', 'UNPAUSE'], OK]]);
  assert.is(await other.readRaw(), int(2));
  assert.is(await other.readRaw(), int(3));
});

/** Scripts failing, or replying with errors, in every way that counts differently. */
const ERROR_STATS: string[][] = [
  ['SET', 'str', 'abc'],
  ['EVAL', "return redis.call('incr', 'str')", '0'],
  ['EVAL', "return redis.call('incr', 'a', 'b')", '0'],
  ['EVAL', "return redis.call('nosuch')", '0'],
  ['EVAL', "return redis.pcall('incr', 'str')", '0'],
  ['EVAL', "redis.pcall('xgroup', 'createconsumer', 's1', 'g', 'c') return 1", '0'],
  ['EVAL', "return {1, redis.pcall('incr', 'str'), redis.pcall('incr', 'str')}", '0'],
  ['EVAL', "return {1, {err='NESTED one'}, {err='NESTED two'}}", '0'],
  ['EVAL', "return {err='MINE own'}", '0'],
  ['EVAL', "error('plain')", '0'],
  ['EVAL', "return redis.error_reply('REPLY x')", '0'],
  ['EVAL', 'a'],
  ['EVAL', 'return', '0'],
  ['EVALSHA', 'NotValidShaSUM', '0'],
  ['FUNCTION', 'LOAD', "#!lua name=errs\nredis.register_function('fails', function() return redis.call('incr', 'str') end)"],
  ['FCALL', 'fails', '0'],
  ['XREAD', 'COUNT', '1', 'STREAMS', 's', '0'],
  ['EVAL', "return redis.call('xread', 'BLOCK', '0', 'STREAMS', 's', '$')", '0'],
  ['EVAL', "return redis.pcall('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', 's', '>')", '0'],
];

/** The error counters INFO shows: total_error_replies, every errorstat, and each command's failed and rejected calls. */
async function errorCounters(c: RawConnection): Promise<string[]> {
  c.send('INFO', 'everything');
  const info = await c.readRaw();
  return info.split('\r\n').filter((l) => /^(total_error_replies|errorstat_)/.test(l) || l.startsWith('cmdstat_'))
    .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
    .filter((l) => !l.startsWith('cmdstat_info') && !l.startsWith('cmdstat_config'))
    .sort();
}

test('a script error a command already counted is not counted again; the script still fails (XREAD BLOCK refused too)', async () => {
  await runRows(conn, [
    [['CONFIG', 'RESETSTAT'], OK],
    [['SET', 'str', 'abc'], OK],
    [['EVAL', "return redis.call('incr', 'str')", '0'], /^-ERR value is not an integer or out of range script: \w{40}, on @user_script:1\.\r\n$/],
    [['EVAL', "return {1, {err='NESTED one'}, redis.pcall('incr', 'str')}", '0'], arr(int(1), err('NESTED one'), err('ERR value is not an integer or out of range'))],
    [['EVAL', "return redis.call('xread', 'BLOCK', '0', 'STREAMS', 's', '$')", '0'], /^-ERR xread command is not allowed with BLOCK option from scripts script: \w{40}, on @user_script:1\.\r\n$/],
  ]);
  const counters = await errorCounters(conn);
  assert.ok(counters.includes('total_error_replies:4'), counters.join('\n')); // two INCRs, XREAD, NESTED
  assert.ok(counters.includes('errorstat_ERR:count=3') && counters.includes('errorstat_NESTED:count=1'), counters.join('\n'));
  assert.ok(counters.includes('cmdstat_eval:calls=3,rejected_calls=0,failed_calls=4'), counters.join('\n'));
  assert.ok(counters.includes('cmdstat_incr:calls=2,rejected_calls=0,failed_calls=2'), counters.join('\n'));
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    await sameReplies(conn, real, [['CONFIG', 'RESETSTAT'], ...ERROR_STATS]);
    assert.equal(await errorCounters(conn), await errorCounters(real));
  });
});

/** Scripts whose replies must be byte-identical on real Redis 7.0 (no multi-key maps: iteration order differs). */
const DIFFERENTIAL: string[][] = [
  // replies nested as deep as Lua's stack allows, and past it: the conversion and the writer must not recurse
  ['EVAL', 'local a = {} local t = a for i=1,7994 do t[1] = {} t = t[1] end return a', '0'],
  ['EVAL', 'local a = {} local t = a for i=1,7996 do t[1] = {} t = t[1] end return a', '0'],
  ['EVAL', "local a = {} local t = a for i=1,8200 do t[1] = {} t[2] = 'y' t = t[1] end return a", '0'],
  ['EVAL', 'redis.setresp(3) local a = {} local t = a for i=1,4000 do t.map = {x = {}} t = t.map.x end return a', '0'],
  ['EVAL', "return 'hello'", '0'],
  ['EVAL', 'return 3.99', '0'],
  ['EVAL', 'return -3.99', '0'],
  ['EVAL', 'return {1,2,nil,4}', '0'],
  ['EVAL', 'return {}', '0'],
  ['EVAL', 'return nil', '0'],
  ['EVAL', "return {ok='a\\r\\nb'}", '0'],
  ['EVAL', "return {err='My Error'}", '0'],
  ['EVAL', "return redis.error_reply('MY_ERR something')", '0'],
  ['EVAL', "return redis.error_reply('-X y')", '0'],
  ['EVAL', "return redis.status_reply('FINE')", '0'],
  ['EVAL', 'return tostring(3) .. tostring(3.0) .. tostring(-0.5) .. tostring(1/3) .. tostring(2^53) .. tostring(1e100)', '0'],
  ['EVAL', "return string.format('%d %5.2f %s %q', 42, 3.14159, 'x', 'a\\nb')", '0'],
  ['EVAL', 'return #{1,2,3}', '0'],
  ['EVAL', 'return {unpack({1,2,3})}', '0'],
  ['EVAL', "return loadstring('return 1+1')()", '0'],
  ['EVAL', 'return 2147483647 + 1', '0'],
  ['EVAL', 'return 9007199254740991', '0'],
  ['EVAL', "return tonumber('0x10') + tonumber('  12  ')", '0'],
  ['EVAL', "return math.floor(3.7) .. ',' .. math.max(1, 5, 3) .. ',' .. math.fmod(7, 3)", '0'],
  ['EVAL', "return table.concat({1, 'a', 2.5}, '-')", '0'],
  ['EVAL', "local t = {3,1,2} table.sort(t) return t", '0'],
  ['EVAL', "return string.rep('ab', 3) .. string.upper('x') .. string.sub('hello', 2, -2)", '0'],
  ['EVAL', "return {string.find('hello world', 'o w')}", '0'],
  ['EVAL', "return (string.gsub('hello', 'l', 'L'))", '0'],
  ['EVAL', "return {string.byte('ABC', 1, 3)}", '0'],
  ['EVAL', "return redis.sha1hex('')", '0'],
  ['EVAL', 'return redis.REDIS_VERSION .. redis.REDIS_VERSION_NUM', '0'],
  ['EVAL', "return cjson.encode({1,2,3,'x',{true,false}})", '0'],
  ['EVAL', "return cjson.encode({a='b/c'})", '0'],
  ['EVAL', "return cjson.encode('\\1\\t')", '0'],
  ['EVAL', 'return cjson.encode(0.1) .. cjson.encode(1e20) .. cjson.encode(-7)', '0'],
  ['EVAL', "return cjson.encode({[1]=1, [3]=3})", '0'],
  ['EVAL', "return cjson.decode('[1,\"a\",{\"k\":[true]}]')[3].k[1]", '0'],
  ['EVAL', "return cjson.decode('{\"a\":[1,2,3]}').a", '0'],
  ['EVAL', "return pcall(cjson.decode, '[1,')", '0'],
  ['EVAL', "return cjson.decode('null') == cjson.null", '0'],
  ['EVAL', "local h = '' for _, v in ipairs({cmsgpack.pack(1, -1, 200, -200, 70000, 'abc', 0.1, 1.5, true, {1,2}, {a=1})}) do h = h .. v end return h", '0'],
  ['EVAL', "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}, 5.5))}", '0'],
  ['EVAL', "return cmsgpack.pack(string.rep('x', 40))", '0'],
  ['EVAL', "return {struct.unpack('>I2i4', struct.pack('>I2i4', 513, -2))}", '0'],
  ['EVAL', "return struct.pack('<Hbc3', 258, -1, 'abc')", '0'],
  ['EVAL', "return struct.size('>iIhd')", '0'],
  ['EVAL', 'return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(3, 5), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.bnot(0), bit.tobit(2^32 + 5)}', '0'],
  ['EVAL', "return bit.tohex(255) .. bit.tohex(-1, -4) .. bit.tohex(65535, 2)", '0'],
  ['EVAL', 'return {bit.rol(1, 33), bit.ror(1, 1), bit.bswap(0x12345678)}', '0'],
  ['SET', 'k', 'v'],
  ['EVAL', "return redis.call('get', KEYS[1])", '1', 'k'],
  ['EVAL', "return redis.pcall('incr', KEYS[1])", '1', 'k'],
  ['EVAL', "return redis.pcall('lpush', KEYS[1], 'x')", '1', 'k'],
  ['EVAL', "redis.call('lpush', KEYS[1], 'x')", '1', 'k'],
  ['EVAL', 'return redis.call()', '0'],
  ['EVAL', "return redis.call('set', 'a', {})", '0'],
  ['EVAL', "return redis.call('set', 'n', 3.5) and redis.call('get', 'n')", '0'],
  ['EVAL', "return {pcall(redis.call, 'nosuch')}", '0'],
  ['EVAL', "return pcall(error, 'boom')", '0'],
  ['EVAL', "error('boom')", '0'],
  ['EVAL', "error({err='CUSTOM boom'})", '0'],
  ['EVAL', "local t = {} t.x.y = 1", '0'],
  ['EVAL', 'return 1 +', '0'],
  ['EVAL', "return redis.setresp(4)", '0'],
  ['EVAL', "redis.log(redis.LOG_WARNING, 'from a test') return 1", '0'],
  ['EVAL', 'return redis.log(9, "x")', '0'],
  ['EVAL', "return redis.call('ping')", '0'],
  ['EVAL', "return redis.call('echo', 'x')", '0'],
  ['HSET', 'h', 'f', 'v'],
  ['EVAL', "redis.setresp(3) return redis.call('hgetall', 'h')", '0'],
  ['EVAL', "redis.setresp(3) return redis.call('get', 'nokey')", '0'],
  ['EVAL', "return redis.call('hgetall', 'h')", '0'],
  ['EVAL', "return {double=3.5}", '0'],
  ['EVAL', "return {big_number='123456789012345678901234567890'}", '0'],
  ['EVAL', "return {verbatim_string={format='txt', string='hello'}}", '0'],
  ['EVAL', "return {map={a=1}}", '0'],
  ['EVAL', "return {set={a=true}}", '0'],
  ['HELLO', '3'],
  ['EVAL', "return {double=3.5}", '0'],
  ['EVAL', "return {big_number='123456789012345678901234567890'}", '0'],
  ['EVAL', "return {verbatim_string={format='txt', string='hello'}}", '0'],
  ['EVAL', "return {map={a=1}}", '0'],
  ['EVAL', "return {set={a=true}}", '0'],
  ['EVAL', 'return false', '0'],
  ['EVAL', "redis.setresp(3) return {true, false}", '0'],
  ['EVAL', "redis.setresp(3) return redis.call('hgetall', 'h')", '0'],
  ['EVAL', "redis.setresp(3) local r = redis.call('hgetall', 'h') return r.map.f", '0'],
  ['HELLO', '2'],
  ['EVAL', '#!lua flags=no-writes\nreturn redis.call("get", "k")', '0'],
  ['EVAL', '#!lua flags=no-writes\nreturn redis.call("set", "k", "w")', '0'],
  ['EVAL', '#!lua flags=bogus\nreturn 1', '0'],
  ['EVAL', '#!lua bogus=1\nreturn 1', '0'],
  ['EVAL', '#!perl\nreturn 1', '0'],
  ['EVAL', '#!lua', '0'],
  ['EVAL_RO', "return redis.call('set', 'k', 'w')", '0'],
  ['EVAL_RO', '#!lua\nreturn 1', '0'],
  ['EVAL', 'return 1', 'x'],
  ['SCRIPT', 'FLUSH', 'BAD'],
  ['SCRIPT', 'DEBUG', 'BAD'],
  ['SCRIPT', 'NOPE'],
  ['FUNCTION', 'LOAD', 'return 1'],
  ['FUNCTION', 'LOAD', '#!lua\nreturn 1'],
  ['FUNCTION', 'LOAD', '#!lua name=a-b\nreturn 1'],
  ['FUNCTION', 'LOAD', '#!js name=x\nreturn 1'],
  ['FUNCTION', 'LOAD', '#!lua name=x foo=bar\nreturn 1'],
  ['FUNCTION', 'LOAD', '#!lua name=x\nredis.register_function("f")'],
  ['FUNCTION', 'LOAD', '#!lua name=x\nredis.register_function("f", 1)'],
  ['FUNCTION', 'LOAD', '#!lua name=x\nredis.register_function{function_name="f", callback=function() end, flags={"bad"}}'],
  ['FUNCTION', 'LOAD', '#!lua name=x\nlocal a = string.len("x")'],
  ['FUNCTION', 'LOAD', '#!lua name=x\nredis.register_function("f", function() return string.len("abc") end)'],
  ['FCALL', 'f', '0'],
  ['FCALL', 'f', 'x'],
  ['FUNCTION', 'LOAD', 'REPLACE', '#!lua name=x\nredis.register_function("f", function(k, a) return {k[1], a[1], #k, #a} end)'],
  ['FCALL', 'f', '1', 'key', 'arg'],
  ['FUNCTION', 'LOAD', '#!lua name=y\nredis.register_function("f", function() return 1 end)'],
  ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'x'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME'],
  ['FUNCTION', 'LIST', 'BAD'],
  ['FUNCTION', 'RESTORE', 'garbage'],
  ['FUNCTION', 'RESTORE', 'x', 'BAD'],
  ['FUNCTION', 'DELETE', 'nope'],
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'KILL'],
  ['FUNCTION', 'FLUSH', 'LATER'],
  ['FUNCTION', 'FLUSH', 'SYNC', 'x'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME'],
  ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
  ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'x*'],
  // the shebang is split as sdssplitargs splits (quotes anywhere in a word); function names ignore case
  ['FUNCTION', 'LOAD', '#!lua name="quoted"\nredis.register_function("Hello", function() return 1 end)'],
  ['FUNCTION', 'LOAD', "#!lua name='single'\nredis.register_function('other', function() return 2 end)"],
  ['FUNCTION', 'LOAD', '#!lua name="ba"d"\nredis.register_function("x1", function() return 1 end)'],
  ['FUNCTION', 'LOAD', '#!lua name=x x="y"\nredis.register_function("x1", function() return 1 end)'],
  ['FUNCTION', 'LOAD', '#!lua name=clash\nredis.register_function("HELLO", function() return 1 end)'],
  ['FCALL', 'hello', '0'], ['FCALL', 'HELLO', '0'], ['FCALL_RO', 'OTHER', '0'], ['FUNCTION', 'DELETE', 'QUOTED'],
  ['FUNCTION', 'DELETE', 'quoted'], ['FCALL', 'hello', '0'], ['FUNCTION', 'FLUSH'],
  // SORT BY a constant keeps a set's hash order, which a script must not see: it gets the members sorted as bytes
  ['SADD', 'sortset', 'z', 'b', 'aa', 'a', 'azz', 'aaa', 'c', 'm', '10', '9'],
  ['EVAL', "return redis.call('sort', KEYS[1], 'by', '_')", '1', 'sortset'],
  ['EVAL', "return redis.call('sort', KEYS[1], 'by', '_', 'desc', 'limit', '1', '3')", '1', 'sortset'],
  ['DEL', 'sortset'],
];

test('replies match real redis-server byte for byte', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    await sameReplies(conn, real, DIFFERENTIAL);
  });
});

test.run();
