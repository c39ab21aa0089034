import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Propagated, runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import { tempDir } from '../helpers/servers';
import { arr, bulk, err, int, OK, request } from '../helpers/resp';
import { until } from '../helpers/wait';
import { infoFields } from '../helpers/info';
import { parseRdb } from '../../lib/rdb/parse';
import { rdbBytes } from '../../lib/rdb/write';
import { Keyspace } from '../../lib/store/keyspace';
import { FakeClock } from '../helpers/clock';
import { FatalStartupError } from '../../lib/server/persistence';
import { librarySources, restoreLibraries } from '../../lib/scripting/functions';

const test = suite('scripting/functions');

const running: InProcess[] = [];

async function start(config: [string, string][] = []): Promise<InProcess> {
  const srv = await startInProcess({ config });
  running.push(srv);
  return srv;
}

test.after.each(async () => {
  for (const srv of running.splice(0)) await srv.stop();
});

/** A library named `name` with one function `<name>_f` returning `value`. */
const lib = (name: string, value = name) => `#!lua name=${name}\nredis.register_function('${name}_f', function() return '${value}' end)`;

const libraryNames = (srv: InProcess) => librarySources(srv.server).map((code) => /name=(\w+)/.exec(code)![1]);

test('restoreLibraries: flush swaps the set, append refuses a known library, replace swaps same-named ones', async () => {
  const srv = await start();
  const server = srv.server;
  assert.is(restoreLibraries(server, [lib('a'), lib('b')], 'append'), null);
  assert.equal(libraryNames(srv), ['a', 'b']);
  assert.is(restoreLibraries(server, [lib('b', 'again'), lib('c')], 'append'), 'Library b already exists');
  assert.equal(libraryNames(srv), ['a', 'b'], 'a refused restore changes nothing');
  assert.is(restoreLibraries(server, [lib('b', 'new'), lib('c')], 'replace'), null);
  assert.equal(libraryNames(srv), ['a', 'b', 'c']);
  const collides = "#!lua name=d\nredis.register_function('a_f', function() return 1 end)";
  assert.is(restoreLibraries(server, [collides], 'replace'), 'Function a_f already exists');
  assert.is(restoreLibraries(server, [lib('x'), lib('x')], 'flush'), "Library 'x' already exists");
  assert.equal(libraryNames(srv), ['a', 'b', 'c']);
  assert.is(restoreLibraries(server, [lib('z')], 'flush'), null);
  assert.equal(libraryNames(srv), ['z']);
  const conn = await srv.connect();
  await runRows(conn, [
    [['FCALL', 'z_f', '0'], bulk('z')],
    [['FCALL', 'a_f', '0'], err('ERR Function not found')],
  ]);
});

test('FUNCTION LOAD, DELETE, FLUSH and RESTORE propagate as they were sent; refused ones do not', async () => {
  const srv = await start();
  const conn = await srv.connect();
  const propagated = new Propagated(srv);
  assert.equal(await propagated.of(conn, 'FUNCTION', 'LOAD', lib('a')), [['FUNCTION', 'LOAD', lib('a')]]);
  assert.equal(await propagated.of(conn, 'FUNCTION', 'LOAD', 'REPLACE', lib('a', 'v2')), [['FUNCTION', 'LOAD', 'REPLACE', lib('a', 'v2')]]);
  assert.equal(await propagated.of(conn, 'FUNCTION', 'LOAD', lib('a')), []);
  assert.equal(await propagated.of(conn, 'FCALL', 'a_f', '0'), []);
  conn.send('FUNCTION', 'DUMP');
  const dump = await conn.readRaw();
  const payload = dump.slice(dump.indexOf('\r\n') + 2, -2);
  assert.equal(await propagated.of(conn, 'FUNCTION', 'DELETE', 'a'), [['FUNCTION', 'DELETE', 'a']]);
  assert.equal(await propagated.of(conn, 'FUNCTION', 'DELETE', 'a'), []);
  assert.equal(await propagated.of(conn, 'FUNCTION', 'RESTORE', payload, 'APPEND'), [['FUNCTION', 'RESTORE', payload, 'APPEND']]);
  assert.equal(await propagated.of(conn, 'FUNCTION', 'RESTORE', payload), []);
  assert.equal(await propagated.of(conn, 'FUNCTION', 'FLUSH', 'ASYNC'), [['FUNCTION', 'FLUSH', 'ASYNC']]);
  assert.equal(await propagated.of(conn, 'FUNCTION', 'DUMP'), []);
});

test('SAVE writes a FUNCTION2 record per library before the data; a restart loads them back', async () => {
  const dir = tempDir();
  const srv = await start([['dir', dir]]);
  const conn = await srv.connect();
  await runRows(conn, [
    [['FUNCTION', 'LOAD', lib('one')], bulk('one')],
    [['FUNCTION', 'LOAD', lib('two', 'x'.repeat(200))], bulk('two')], // LZF-compressed in the file
    [['SET', 'k', 'v'], OK],
    [['SAVE'], OK],
  ]);
  const items = parseRdb(readFileSync(path.join(dir, 'dump.rdb'))).items;
  assert.equal(items.filter((i) => i.kind === 'function').map((i) => (i as { code: string }).code), [lib('one'), lib('two', 'x'.repeat(200))]);
  assert.ok(items.findIndex((i) => i.kind === 'function') < items.findIndex((i) => i.kind === 'selectdb'));
  await srv.stop();
  running.splice(running.indexOf(srv), 1);

  const again = await start([['dir', dir]]);
  const c2 = await again.connect();
  await runRows(c2, [
    [['FCALL', 'one_f', '0'], bulk('one')],
    [['FCALL', 'two_f', '0'], bulk('x'.repeat(200))],
    [['GET', 'k'], bulk('v')],
  ]);
  assert.not.ok(again.logs.some((l) => l.includes('Skipping')), again.logs.join('\n'));
});

test('BGSAVE takes the libraries of its instant', async () => {
  const dir = tempDir();
  const srv = await start([['dir', dir]]);
  const conn = await srv.connect();
  await runRows(conn, [[['FUNCTION', 'LOAD', lib('before')], bulk('before')]]);
  conn.send('BGSAVE');
  conn.send('FUNCTION', 'LOAD', lib('after'));
  assert.is(await conn.readRaw(), '+Background saving started\r\n');
  assert.is(await conn.readRaw(), bulk('after'));
  await until(async () => (await infoFields(conn, 'persistence')).get('rdb_bgsave_in_progress') === '0', 'the BGSAVE to end');
  const items = parseRdb(readFileSync(path.join(dir, 'dump.rdb'))).items;
  assert.equal(items.filter((i) => i.kind === 'function').map((i) => (i as { code: string }).code), [lib('before')]);
});

test('a dump file whose library does not compile stops the start, as Redis fails the load', async () => {
  const dir = tempDir();
  const ks = new Keyspace(new FakeClock());
  writeFileSync(path.join(dir, 'dump.rdb'), rdbBytes(ks, { functions: ['#!lua name=bad\nthis is not lua'] }));
  const logs: string[] = [];
  let error: unknown = null;
  try {
    running.push(await startInProcess({ config: [['dir', dir]], logSink: (l) => logs.push(l) }));
  } catch (e) {
    error = e;
  }
  assert.instance(error, FatalStartupError);
  assert.ok(logs.some((l) => l.includes("Failed loading library, Error compiling function: user_function:2: syntax error near 'is'")), logs.join('\n'));
});

for (const preamble of ['yes', 'no']) {
  test(`AOF (aof-use-rdb-preamble ${preamble}): FUNCTION LOAD in the incr file, the libraries in the rewritten base, both replayed`, async () => {
    const dir = tempDir();
    const config: [string, string][] = [['dir', dir], ['appendonly', 'yes'], ['aof-use-rdb-preamble', preamble]];
    const srv = await start(config);
    const conn = await srv.connect();
    await runRows(conn, [
      [['FUNCTION', 'LOAD', lib('kept')], bulk('kept')],
      [['FUNCTION', 'LOAD', lib('gone')], bulk('gone')],
      [['FUNCTION', 'DELETE', 'gone'], OK],
      [['SET', 'k', 'v'], OK],
    ]);
    const aofDir = path.join(dir, 'appendonlydir');
    const incr = () => readdirSync(aofDir).find((f) => f.endsWith('.incr.aof'))!;
    await until(() => readFileSync(path.join(aofDir, incr()), 'latin1').includes('DELETE'), 'the incr file written');
    assert.ok(readFileSync(path.join(aofDir, incr()), 'latin1').startsWith(
      request('SELECT', '0') + request('FUNCTION', 'LOAD', lib('kept')) + request('FUNCTION', 'LOAD', lib('gone')) + request('FUNCTION', 'DELETE', 'gone')));

    // the incr file replayed
    await srv.stop();
    running.splice(running.indexOf(srv), 1);
    const second = await start(config);
    const c2 = await second.connect();
    await runRows(c2, [
      [['FCALL', 'kept_f', '0'], bulk('kept')],
      [['FCALL', 'gone_f', '0'], err('ERR Function not found')],
      [['BGREWRITEAOF'], '+Background append only file rewriting started\r\n'],
    ]);
    await until(async () => (await infoFields(c2, 'persistence')).get('aof_rewrite_in_progress') === '0', 'the rewrite to end');
    const base = readdirSync(aofDir).find((f) => f.includes('.base.'))!;
    const baseBytes = readFileSync(path.join(aofDir, base));
    if (preamble === 'yes') {
      assert.equal(parseRdb(baseBytes).items.filter((i) => i.kind === 'function').map((i) => (i as { code: string }).code), [lib('kept')]);
    } else {
      assert.ok(baseBytes.toString('latin1').startsWith(request('FUNCTION', 'LOAD', lib('kept')) + request('SELECT', '0')), baseBytes.toString('latin1'));
    }

    // the rewritten base replayed
    await second.stop();
    running.splice(running.indexOf(second), 1);
    const third = await start(config);
    const c3 = await third.connect();
    await runRows(c3, [
      [['FCALL', 'kept_f', '0'], bulk('kept')],
      [['FUNCTION', 'LIST'], /^\*1\r\n/],
      [['GET', 'k'], bulk('v')],
    ]);
  });
}

test('FUNCTION DUMP / RESTORE payloads carry every library and round-trip through a second server', async () => {
  const a = await start();
  const b = await start();
  const ca = await a.connect();
  const cb = await b.connect();
  await runRows(ca, [
    [['FUNCTION', 'LOAD', lib('p')], bulk('p')],
    [['FUNCTION', 'LOAD', lib('q')], bulk('q')],
  ]);
  ca.send('FUNCTION', 'DUMP');
  const dump = await ca.readRaw();
  const payload = dump.slice(dump.indexOf('\r\n') + 2, -2);
  await runRows(cb, [
    [['FUNCTION', 'LOAD', lib('r')], bulk('r')],
    [['FUNCTION', 'RESTORE', payload, 'FLUSH'], OK],
    [['FCALL', 'r_f', '0'], err('ERR Function not found')],
    [['EVAL', "return {redis.call('fcall', 'p_f', 0)}", '0'], /^-ERR This Redis command is not allowed from script script: \w{40}, on @user_script:1\.\r\n$/],
    [['FCALL', 'q_f', '0'], bulk('q')],
    [['FUNCTION', 'RESTORE', payload.slice(0, -1) + String.fromCharCode(payload.charCodeAt(payload.length - 1) ^ 1)], err('ERR DUMP payload version or checksum are wrong')],
    [['FUNCTION', 'STATS'], arr(bulk('running_script'), '$-1\r\n', bulk('engines'), arr(bulk('LUA'), arr(bulk('libraries_count'), int(2), bulk('functions_count'), int(2))))],
  ]);
});

test.run();
