import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import { FakeClock } from '../helpers/clock';
import type { RawConnection } from '../helpers/raw';
import { tempDir } from '../helpers/servers';
import { infoFields } from '../helpers/info';
import { bulk, err, OK } from '../helpers/resp';
import { until } from '../helpers/wait';
import { Keyspace } from '../../lib/store/keyspace';
import { loadRdb } from '../../lib/rdb/load';
import { rdbBytes } from '../../lib/rdb/write';
import { FatalStartupError } from '../../lib/server/persistence';

const test = suite('server/persistence');

const IN_PROGRESS = err('ERR Background save already in progress');

const running: InProcess[] = [];

/** An in-process server on a directory of its own (no save points unless given). */
async function start(dir: string, config: [string, string][] = [], clock?: FakeClock): Promise<InProcess> {
  const srv = await startInProcess({ config: [['dir', dir], ['save', ''], ...config], ...(clock ? { clock } : {}) });
  running.push(srv);
  return srv;
}

test.after.each(async () => {
  for (const srv of running.splice(0)) await srv.stop();
});

const persistenceInfo = (conn: RawConnection) => infoFields(conn, 'persistence');

/** The keys of an RDB file: db → key → [value, expiresAt]. */
function readDump(file: string, clock = new FakeClock()): Map<number, Map<string, [string, number]>> {
  const ks = new Keyspace(clock);
  loadRdb(ks, readFileSync(file), { dropExpired: false });
  const out = new Map<number, Map<string, [string, number]>>();
  for (const db of ks.dbs) {
    if (!db.size) continue;
    const m = new Map<string, [string, number]>();
    for (const [k, e] of db.entries()) m.set(k, [e.value as string, e.expiresAt]);
    out.set(db.id, m);
  }
  return out;
}

test('SAVE writes dir/dbfilename through a temp file; LASTSAVE and INFO follow it', async () => {
  const dir = tempDir();
  const clock = new FakeClock(1_800_000_000_000);
  const srv = await start(dir, [['dbfilename', 'snap.rdb']], clock);
  const conn = await srv.connect();
  await runRows(conn, [
    [['SET', 'greeting', 'hello'], OK],
    [['SET', 'n', '12345'], OK],
    [['SET', 'ttl', 'v', 'PXAT', '1900000000123'], OK],
    [['SELECT', '5'], OK],
    [['SET', 'bin', '\x00\xff\r\n'], OK],
    [['SELECT', '0'], OK],
  ]);
  assert.is((await persistenceInfo(conn)).get('rdb_changes_since_last_save'), '4');
  clock.advance(5000);
  await runRows(conn, [[['SAVE'], OK], [['LASTSAVE'], ':1800000005\r\n']]);
  const info = await persistenceInfo(conn);
  assert.is(info.get('rdb_changes_since_last_save'), '0');
  assert.is(info.get('rdb_last_save_time'), '1800000005');
  assert.is(info.get('rdb_saves'), '1');
  assert.is(info.get('rdb_bgsave_in_progress'), '0');
  assert.equal(readdirSync(dir), ['snap.rdb']); // no temp-<pid>.rdb left behind
  const dump = readDump(path.join(dir, 'snap.rdb'));
  assert.equal([...dump.keys()], [0, 5]);
  assert.equal(dump.get(0)!.get('greeting'), ['hello', 0]);
  assert.equal(dump.get(0)!.get('n'), ['12345', 0]);
  assert.equal(dump.get(0)!.get('ttl'), ['v', 1900000000123]);
  assert.equal(dump.get(5)!.get('bin'), ['\x00\xff\r\n', 0]);
  assert.ok(srv.logs.some((l) => l.endsWith('* DB saved on disk')));
});

test('SAVE that cannot be written answers -ERR, logs why, and leaves the previous file as it was', async () => {
  const dir = tempDir();
  const srv = await start(dir);
  const conn = await srv.connect();
  await runRows(conn, [[['SET', 'a', '1'], OK], [['SAVE'], OK], [['SET', 'a', '2'], OK]]);
  const before = readFileSync(path.join(dir, 'dump.rdb'));
  // the temp file cannot be created: its name is taken by a directory
  mkdirSync(path.join(dir, `temp-${process.pid}.rdb`));
  await runRows(conn, [[['SAVE'], err('ERR')]]);
  assert.ok(srv.logs.some((l) => /# Failed opening the temp RDB file temp-\d+\.rdb \(in server root dir .*\) for saving: /.test(l)), srv.logs.join('\n'));
  assert.equal(readFileSync(path.join(dir, 'dump.rdb')), before);
  assert.is((await persistenceInfo(conn)).get('rdb_changes_since_last_save'), '1'); // nothing counts as saved
});

test('BGSAVE keeps serving and saves the dataset as it was at the BGSAVE, not as it is when the file is written', async () => {
  const dir = tempDir();
  const srv = await start(dir);
  const conn = await srv.connect();
  const pipeline: string[][] = [];
  for (let i = 0; i < 20000; i++) pipeline.push(['SET', `key:${i}`, `value:${i}`]);
  for (const argv of pipeline) conn.send(...argv);
  for (let i = 0; i < pipeline.length; i++) assert.is(await conn.readRaw(), OK);
  // one write: these all run in the same turn as BGSAVE, before any slice of the file is written
  conn.send('BGSAVE');
  conn.send('SET', 'key:1', 'changed');
  conn.send('DEL', 'key:2');
  conn.send('SET', 'born-later', 'x');
  conn.send('SET', 'key:19999', 'changed too');
  conn.send('BGSAVE');
  conn.send('BGSAVE', 'SCHEDULE');
  conn.send('SAVE');
  conn.send('INFO', 'persistence');
  assert.is(await conn.readRaw(), '+Background saving started\r\n');
  for (let i = 0; i < 4; i++) assert.match(await conn.readRaw(), /^(\+OK|:1)\r\n$/);
  assert.is(await conn.readRaw(), IN_PROGRESS);
  assert.is(await conn.readRaw(), IN_PROGRESS);
  assert.is(await conn.readRaw(), IN_PROGRESS);
  assert.match(await conn.readRaw(), /\r\nrdb_bgsave_in_progress:1\r\n.*rdb_current_bgsave_time_sec:0\r\n/s);
  await until(async () => (await persistenceInfo(conn)).get('rdb_bgsave_in_progress') === '0', 'the BGSAVE to finish');
  const info = await persistenceInfo(conn);
  assert.is(info.get('rdb_last_bgsave_status'), 'ok');
  assert.is(info.get('rdb_changes_since_last_save'), '4'); // the writes made during the save are still unsaved
  assert.is(info.get('rdb_saves'), '1');
  const dump = readDump(path.join(dir, 'dump.rdb')).get(0)!;
  assert.is(dump.size, 20000);
  assert.equal(dump.get('key:1'), ['value:1', 0]);
  assert.equal(dump.get('key:2'), ['value:2', 0]);
  assert.equal(dump.get('key:19999'), ['value:19999', 0]);
  assert.not.ok(dump.has('born-later'));
  assert.ok(srv.logs.some((l) => l.endsWith('* Background saving terminated with success')));
  assert.equal(readdirSync(dir), ['dump.rdb']);
});

test('BGSAVE: syntax, SCHEDULE while an AOF rewrite runs, and inside MULTI', async () => {
  const dir = tempDir();
  const srv = await start(dir);
  const conn = await srv.connect();
  await runRows(conn, [
    [['SET', 'a', '1'], OK],
    [['BGSAVE', 'NOW'], err('ERR syntax error')],
    [['BGSAVE', 'SCHEDULE', 'x'], err('ERR syntax error')],
    [['SAVE', 'x'], err("ERR wrong number of arguments for 'save' command")],
    [['BGREWRITEAOF', 'x'], err("ERR wrong number of arguments for 'bgrewriteaof' command")],
  ]);
  conn.send('BGREWRITEAOF');
  conn.send('BGSAVE');
  conn.send('BGSAVE', 'SCHEDULE');
  conn.send('INFO', 'persistence');
  assert.is(await conn.readRaw(), '+Background append only file rewriting started\r\n');
  assert.is(await conn.readRaw(), err("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."));
  assert.is(await conn.readRaw(), '+Background saving scheduled\r\n');
  assert.match(await conn.readRaw(), /\r\naof_rewrite_in_progress:1\r\n/);
  // the scheduled BGSAVE starts from the cron once the rewrite is done
  await until(() => existsSync(path.join(dir, 'dump.rdb')), 'the scheduled BGSAVE');
  await until(async () => (await persistenceInfo(conn)).get('rdb_bgsave_in_progress') === '0', 'the BGSAVE to finish');
  assert.is((await persistenceInfo(conn)).get('rdb_saves'), '1');
  await runRows(conn, [
    [['MULTI'], OK],
    [['SAVE'], err('ERR Command not allowed inside a transaction')],
    [['DISCARD'], OK],
    [['MULTI'], OK],
    [['BGSAVE'], '+QUEUED\r\n'],
    [['EXEC'], '*1\r\n+Background saving scheduled\r\n'],
  ]);
  await until(async () => (await persistenceInfo(conn)).get('rdb_saves') === '2', 'the BGSAVE scheduled by EXEC');
});

test('save points fire from the cron with the injected clock: changes and seconds both count', async () => {
  const dir = tempDir();
  const clock = new FakeClock();
  const srv = await start(dir, [['save', '100 2 10 5']], clock);
  const conn = await srv.connect();
  const persistence = srv.server.persistence;
  await runRows(conn, [[['SET', 'a', '1'], OK]]);
  clock.advance(101_000);
  persistence.cron(); // 1 change < 2, 4 < 5: nothing is due
  assert.not.ok(persistence.bgsaveInProgress);
  await runRows(conn, [[['SET', 'b', '2'], OK]]);
  clock.advance(1_000); // 2 changes in more than 100 seconds
  await until(() => srv.logs.some((l) => l.endsWith('* 2 changes in 100 seconds. Saving...')), 'the save point');
  await until(async () => (await persistenceInfo(conn)).get('rdb_bgsave_in_progress') === '0', 'the BGSAVE to finish');
  assert.equal([...readDump(path.join(dir, 'dump.rdb')).get(0)!.keys()].sort(), ['a', 'b']);
  const info = await persistenceInfo(conn);
  assert.is(info.get('rdb_changes_since_last_save'), '0');
  assert.is(info.get('rdb_last_save_time'), String(Math.floor(clock.ms / 1000)));
  assert.is(info.get('rdb_last_bgsave_time_sec'), '0');
  // 5 changes but only 10 seconds since that save: the second point waits for its time
  for (const k of ['c', 'd', 'e', 'f', 'g']) await runRows(conn, [[['SET', k, '1'], OK]]);
  clock.advance(10_000);
  persistence.cron();
  assert.not.ok(persistence.bgsaveInProgress);
  clock.advance(1_000);
  await until(() => srv.logs.some((l) => l.endsWith('* 5 changes in 10 seconds. Saving...')), 'the second save point');
});

test("the default save points are Redis 7's, and save \"\" turns them off", async () => {
  const clock = new FakeClock();
  const dir = tempDir();
  const srv = await startInProcess({ config: [['dir', dir]], clock });
  running.push(srv);
  const defaultSave = srv.server.config.spec('save')!.default;
  assert.is(defaultSave, '3600 1 300 100 60 10000');
  const conn = await srv.connect();
  await runRows(conn, [[['CONFIG', 'SET', 'save', defaultSave], OK], [['SET', 'a', '1'], OK]]);
  clock.advance(3600_000);
  srv.server.persistence.cron();
  assert.not.ok(srv.server.persistence.bgsaveInProgress); // "more than 3600 seconds"
  clock.advance(1000);
  await until(() => srv.logs.some((l) => l.endsWith('* 1 changes in 3600 seconds. Saving...')), 'the hourly save point');
  await until(() => existsSync(path.join(dir, 'dump.rdb')) && !srv.server.persistence.bgsaveInProgress, 'the save');

  const dir2 = tempDir();
  const off = await startInProcess({ config: [['dir', dir2], ['save', '']], clock });
  running.push(off);
  const c2 = await off.connect();
  for (let i = 0; i < 200; i++) c2.send('SET', `k${i}`, 'v');
  for (let i = 0; i < 200; i++) await c2.readRaw();
  clock.advance(86400_000);
  off.server.persistence.cron();
  assert.not.ok(off.server.persistence.bgsaveInProgress);
  assert.equal(readdirSync(dir2), []);
});

test('a failed BGSAVE is retried by the save points only after 5 seconds; INFO says err meanwhile', async () => {
  const dir = tempDir();
  const clock = new FakeClock();
  const srv = await start(dir, [['save', '1 1']], clock);
  const conn = await srv.connect();
  mkdirSync(path.join(dir, 'dump.rdb')); // the rename cannot replace a directory
  await runRows(conn, [[['SET', 'a', '1'], OK]]);
  clock.advance(2000);
  await until(() => srv.logs.some((l) => l.endsWith('# Background saving error')), 'the failed BGSAVE');
  assert.is((await persistenceInfo(conn)).get('rdb_last_bgsave_status'), 'err');
  const attempts = () => srv.logs.filter((l) => l.endsWith('Saving...')).length;
  assert.is(attempts(), 1);
  clock.advance(5000);
  srv.server.persistence.cron();
  assert.is(attempts(), 1);
  clock.advance(1000);
  await until(() => attempts() === 2, 'the retry');
  await until(() => srv.logs.filter((l) => l.endsWith('# Background saving error')).length === 2, 'the retry to fail');
  assert.equal(readdirSync(dir), ['dump.rdb']); // no temp file left behind
});

test('a failed BGSAVE with save points stops writes and PING with -MISCONF until a save succeeds', async () => {
  const dir = tempDir();
  const srv = await start(dir, [['save', '3600 1']]);
  const conn = await srv.connect();
  mkdirSync(path.join(dir, 'dump.rdb')); // the rename cannot replace a directory
  await runRows(conn, [[['SET', 'a', '1'], OK], [['BGSAVE'], '+Background saving started\r\n']]);
  await until(async () => (await persistenceInfo(conn)).get('rdb_last_bgsave_status') === 'err', 'the failed BGSAVE');
  const misconf = /^-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk\. .*stop-writes-on-bgsave-error option.*\r\n$/;
  await runRows(conn, [
    [['SET', 'b', '2'], misconf],
    [['PING'], misconf],
    [['GET', 'a'], bulk('1')], // reads still work
    [['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no'], OK],
    [['SET', 'b', '2'], OK],
    [['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes'], OK],
    [['SET', 'c', '3'], misconf],
  ]);
  rmSync(path.join(dir, 'dump.rdb'), { recursive: true });
  await runRows(conn, [[['BGSAVE'], '+Background saving started\r\n']]);
  await until(async () => (await persistenceInfo(conn)).get('rdb_last_bgsave_status') === 'ok', 'a good BGSAVE');
  await runRows(conn, [[['SET', 'c', '3'], OK], [['PING'], '+PONG\r\n']]);
});

test('SHUTDOWN saves when save points are set, NOSAVE does not, SAVE does even without them', async () => {
  for (const [save, args, saved] of [
    ['3600 1', [], true],
    ['3600 1', ['NOSAVE'], false],
    ['', [], false],
    ['', ['SAVE'], true],
  ] as [string, string[], boolean][]) {
    const dir = tempDir();
    const srv = await start(dir, [['save', save]]);
    const conn = await srv.connect();
    await runRows(conn, [[['SET', 'k', 'v'], OK]]);
    let down = false;
    srv.server.onShutdown = () => (down = true);
    conn.send('SHUTDOWN', ...args);
    assert.ok(await conn.waitClosed(), `SHUTDOWN ${args.join(' ')} closes`);
    await until(() => down, 'the shutdown');
    assert.is(existsSync(path.join(dir, 'dump.rdb')), saved, `save "${save}" SHUTDOWN ${args.join(' ')}`);
    if (saved) assert.equal(readDump(path.join(dir, 'dump.rdb')).get(0)!.get('k'), ['v', 0]);
    assert.is(srv.logs.some((l) => l.endsWith('* Saving the final RDB snapshot before exiting.')), saved);
  }
});

test('SHUTDOWN whose final save fails keeps serving and answers an error; FORCE exits anyway', async () => {
  const dir = tempDir();
  const srv = await start(dir, [['save', '3600 1']]);
  const conn = await srv.connect();
  mkdirSync(path.join(dir, 'dump.rdb'));
  await runRows(conn, [
    [['SET', 'k', 'v'], OK],
    [['SHUTDOWN'], err('ERR Errors trying to SHUTDOWN. Check logs.')],
    [['GET', 'k'], bulk('v')],
  ]);
  assert.ok(srv.logs.some((l) => l.endsWith("# Error trying to save the DB, can't exit.")));
  assert.ok(srv.logs.some((l) => l.endsWith('# Errors trying to shut down the server. Check the logs for more information.')));
  let down = false;
  srv.server.onShutdown = () => (down = true);
  conn.send('SHUTDOWN', 'FORCE');
  assert.ok(await conn.waitClosed());
  await until(() => down, 'the forced shutdown');
  assert.ok(srv.logs.some((l) => l.endsWith('# Error trying to save the DB. Exit anyway.')));
});

test('SHUTDOWN during a BGSAVE stops it (no temp file left) and saves synchronously', async () => {
  const dir = tempDir();
  const srv = await start(dir, [['save', '3600 1']]);
  const conn = await srv.connect();
  for (let i = 0; i < 5000; i++) conn.send('SET', `k${i}`, 'v');
  for (let i = 0; i < 5000; i++) await conn.readRaw();
  let down = false;
  srv.server.onShutdown = () => (down = true);
  // one write, so SHUTDOWN runs while the BGSAVE has not written anything yet (as in Redis, the replies to the
  // commands before SHUTDOWN in the same batch are never sent: the server goes away first)
  conn.send('BGSAVE');
  conn.send('SET', 'late', 'write');
  conn.send('SHUTDOWN');
  assert.ok(await conn.waitClosed());
  await until(() => down, 'the shutdown');
  assert.ok(srv.logs.some((l) => l.endsWith('# There is a child saving an .rdb. Killing it!')));
  // the final save has the write made after BGSAVE: it is a new save, not the stopped one
  const dump = readDump(path.join(dir, 'dump.rdb')).get(0)!;
  assert.is(dump.size, 5001);
  assert.ok(dump.has('late'));
  assert.equal(readdirSync(dir), ['dump.rdb']); // the stopped save's temp file is gone and is not created again
});

test('start: the dump file is loaded (expired keys dropped, counted in INFO), with Redis log lines', async () => {
  const dir = tempDir();
  const clock = new FakeClock(1_800_000_000_000);
  const src = new Keyspace(clock);
  src.dbs[0].set('plain', 'v');
  src.dbs[0].set('gone', 'x', 1_800_000_000_000 - 1);
  src.dbs[0].set('later', 'y', 1_800_000_100_000);
  src.dbs[9].set('nine', '9');
  writeFileSync(path.join(dir, 'dump.rdb'), rdbBytes(src));
  const srv = await start(dir, [], clock);
  const conn = await srv.connect();
  await runRows(conn, [
    [['DBSIZE'], ':2\r\n'],
    [['GET', 'plain'], bulk('v')],
    [['PTTL', 'later'], ':100000\r\n'],
    [['EXISTS', 'gone'], ':0\r\n'],
    [['SELECT', '9'], OK],
    [['GET', 'nine'], bulk('9')],
  ]);
  const info = await persistenceInfo(conn);
  assert.is(info.get('rdb_last_load_keys_loaded'), '3');
  assert.is(info.get('rdb_last_load_keys_expired'), '1');
  assert.is(info.get('rdb_changes_since_last_save'), '0');
  assert.is(info.get('loading'), '0');
  assert.ok(srv.logs.some((l) => l.endsWith('* Done loading RDB, keys loaded: 3, keys expired: 1.')));
  assert.ok(srv.logs.some((l) => /\* DB loaded from disk: \d+\.\d{3} seconds$/.test(l)));
});

test('start: a truncated, corrupt or foreign file is fatal with Redis-style lines, and nothing is served', async () => {
  const src = new Keyspace();
  for (let i = 0; i < 100; i++) src.dbs[0].set(`key${i}`, `value${i}`);
  const good = rdbBytes(src);
  const flipped = Buffer.from(good);
  flipped[good.length - 3] ^= 0xff;
  const cases: [string, Buffer, RegExp[]][] = [
    ['truncated', good.subarray(0, good.length - 40), [/# Short read or OOM loading DB\. Unrecoverable error, aborting now\.$/, /# Internal error in RDB reading offset \d+ -> Unexpected EOF reading RDB file$/, /# Terminating server after rdb file reading failure\.$/]],
    ['empty', Buffer.alloc(0), [/# Short read or OOM loading DB/]],
    ['bad checksum', flipped, [/# Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)\. Aborting now\.$/, /-> RDB CRC error$/, /# Terminating server after rdb file reading failure\.$/]],
    ['not an RDB', Buffer.from('HELLO WORLD'), [/# Wrong signature trying to load DB from file$/, /# Fatal error loading the DB: Invalid argument\. Exiting\.$/]],
    ['too new', Buffer.concat([Buffer.from('REDIS0099'), good.subarray(9)]), [/# Can't handle RDB format version 99$/]],
  ];
  for (const [what, bytes, lines] of cases) {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'dump.rdb'), bytes);
    const logs: string[] = [];
    let failure: unknown = null;
    try {
      const srv = await startInProcess({ config: [['dir', dir], ['save', '']], logSink: (l) => logs.push(l) });
      running.push(srv);
    } catch (e) {
      failure = e;
    }
    assert.instance(failure, FatalStartupError, what);
    for (const re of lines) assert.ok(logs.some((l) => re.test(l)), `${what}: ${re}\n${logs.join('\n')}`);
  }
  // a dump "file" that cannot be read at all
  const dir = tempDir();
  mkdirSync(path.join(dir, 'dump.rdb'));
  const logs: string[] = [];
  const failure = await startInProcess({ config: [['dir', dir]], logSink: (l) => logs.push(l) }).then((srv) => (running.push(srv), null), (e) => e);
  assert.instance(failure, FatalStartupError);
  assert.ok(logs.some((l) => l.endsWith('# Fatal error loading the DB: Is a directory. Exiting.')), logs.join('\n'));
});

test('INFO persistence has the rdb_* fields in Redis order', async () => {
  const srv = await start(tempDir());
  const conn = await srv.connect();
  const keys = [...(await persistenceInfo(conn)).keys()];
  assert.equal(keys, [
    'loading', 'async_loading', 'current_cow_peak', 'current_cow_size', 'current_cow_size_age', 'current_fork_perc',
    'current_save_keys_processed', 'current_save_keys_total', 'rdb_changes_since_last_save', 'rdb_bgsave_in_progress',
    'rdb_last_save_time', 'rdb_last_bgsave_status', 'rdb_last_bgsave_time_sec', 'rdb_current_bgsave_time_sec', 'rdb_saves',
    'rdb_last_cow_size', 'rdb_last_load_keys_expired', 'rdb_last_load_keys_loaded', 'aof_enabled', 'aof_rewrite_in_progress',
    'aof_rewrite_scheduled', 'aof_last_rewrite_time_sec', 'aof_current_rewrite_time_sec', 'aof_last_bgrewrite_status',
    'aof_rewrites', 'aof_rewrites_consecutive_failures', 'aof_last_write_status', 'aof_last_cow_size',
    'module_fork_in_progress', 'module_fork_last_cow_size',
  ]);
});

test.run();
