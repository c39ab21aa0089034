import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs, { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import { FakeClock } from '../helpers/clock';
import type { RawConnection } from '../helpers/raw';
import { tempDir } from '../helpers/servers';
import { infoFields } from '../helpers/info';
import { bulk, err, OK, request } from '../helpers/resp';
import { until } from '../helpers/wait';
import { AofManifest, ManifestError } from '../../lib/server/aof';
import { FatalStartupError } from '../../lib/server/persistence';
import { Keyspace } from '../../lib/store/keyspace';
import { rdbBytes } from '../../lib/rdb/write';

const test = suite('server/aof');

const MANIFEST = 'appendonly.aof.manifest';

const running: InProcess[] = [];

async function start(dir: string, config: [string, string][] = [], clock?: FakeClock): Promise<InProcess> {
  const srv = await startInProcess({ config: [['dir', dir], ['save', ''], ['appendonly', 'yes'], ...config], ...(clock ? { clock } : {}) });
  running.push(srv);
  return srv;
}

/** Start expecting failure: the error and the log lines. */
async function startFails(dir: string, config: [string, string][] = []): Promise<{ error: unknown; logs: string[] }> {
  const logs: string[] = [];
  try {
    const srv = await startInProcess({ config: [['dir', dir], ['save', ''], ['appendonly', 'yes'], ...config], logSink: (l) => logs.push(l) });
    running.push(srv);
    return { error: null, logs };
  } catch (e) {
    return { error: e, logs };
  }
}

test.after.each(async () => {
  for (const srv of running.splice(0)) await srv.stop();
});

const persistenceInfo = (conn: RawConnection) => infoFields(conn, 'persistence');

const aofDir = (dir: string) => path.join(dir, 'appendonlydir');
const read = (dir: string, name: string) => readFileSync(path.join(aofDir(dir), name), 'latin1');
const hasLog = (srv: { logs: string[] }, re: RegExp) => srv.logs.some((l) => re.test(l));

// ---- the manifest ----

test('manifest: the lines Redis 7.0 writes, parsed and written back the same', () => {
  const text =
    'file appendonly.aof.2.base.rdb seq 2 type b\n' +
    'file appendonly.aof.1.incr.aof seq 1 type h\n' +
    'file appendonly.aof.3.incr.aof seq 3 type i\n' +
    'file appendonly.aof.4.incr.aof seq 4 type i\n';
  const m = AofManifest.parse(text);
  assert.equal(m.base, { name: 'appendonly.aof.2.base.rdb', seq: 2, type: 'b' });
  assert.equal(m.history.map((h) => h.name), ['appendonly.aof.1.incr.aof']);
  assert.equal(m.incr.map((i) => i.seq), [3, 4]);
  assert.is(m.baseSeq, 2);
  assert.is(m.incrSeq, 4);
  assert.is(m.toString(), text);
  // comments are skipped; keys are case-insensitive, in any order, and unknown pairs are allowed
  const m2 = AofManifest.parse('# made by hand\nSEQ 1 TYPE b FILE x.1.base.aof future yes\n');
  assert.equal(m2.base, { name: 'x.1.base.aof', seq: 1, type: 'b' });
  // names that need quoting are written as sdscatrepr does and read back
  const m3 = new AofManifest();
  m3.base = { name: 'my file.aof', seq: 1, type: 'b' };
  assert.is(m3.toString(), 'file "my file.aof" seq 1 type b\n');
  assert.equal(AofManifest.parse(m3.toString()).base!.name, 'my file.aof');
});

test('manifest: new base and incr names, and rewritten incr files becoming history', () => {
  const m = AofManifest.parse('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  assert.is(m.newIncr('appendonly.aof'), 'appendonly.aof.2.incr.aof');
  assert.is(m.newBase('appendonly.aof', false), 'appendonly.aof.2.base.aof');
  m.markRewrittenIncrAsHistory(true);
  assert.is(
    m.toString(),
    'file appendonly.aof.2.base.aof seq 2 type b\n' +
      'file appendonly.aof.1.incr.aof seq 1 type h\n' +
      'file appendonly.aof.1.base.rdb seq 1 type h\n' +
      'file appendonly.aof.2.incr.aof seq 2 type i\n',
  );
});

test('manifest: malformed ones are refused with Redis\'s reasons', () => {
  const cases: [string, string][] = [
    ['', 'Found an empty AOF manifest'],
    ['\n', 'Invalid AOF manifest file format'],
    ['file a seq 1\n', 'Invalid AOF manifest file format'],
    ['file a seq 1 type b extra\n', 'Invalid AOF manifest file format'],
    ['file a seq 0 type b\n', 'Invalid AOF manifest file format'],
    ['file a seq 1 type b', 'The AOF manifest file contains too long line'],
    [`file ${'x'.repeat(1100)} seq 1 type b\n`, 'The AOF manifest file contains too long line'],
    ['file dir/a seq 1 type b\n', "File can't be a path, just a filename"],
    ['file a seq 1 type b\nfile b seq 2 type b\n', 'Found duplicate base file information'],
    ['file a seq 2 type i\nfile b seq 2 type i\n', 'Found a non-monotonic sequence number'],
    ['file a seq 1 type x\n', 'Unknown AOF file type'],
    ['file "a seq 1 type b\n', 'Invalid AOF manifest file format'],
  ];
  for (const [text, message] of cases) {
    try {
      AofManifest.parse(text);
      assert.unreachable(JSON.stringify(text));
    } catch (e) {
      assert.instance(e, ManifestError, JSON.stringify(text));
      assert.is((e as Error).message, message, JSON.stringify(text));
    }
  }
});

// ---- writing ----

test('appendonly yes on an empty dir: base and incr files and the manifest, as Redis 7.0 names them', async () => {
  const dir = tempDir();
  const srv = await start(dir);
  assert.equal(readdirSync(aofDir(dir)).sort(), ['appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', MANIFEST]);
  assert.is(read(dir, MANIFEST), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  assert.is(read(dir, 'appendonly.aof.1.base.rdb').slice(0, 9), 'REDIS0010');
  assert.ok(read(dir, 'appendonly.aof.1.base.rdb').includes('aof-base\xc0\x01')); // the aof-base aux field is 1
  assert.is(read(dir, 'appendonly.aof.1.incr.aof'), '');
  assert.ok(hasLog(srv, /\* Creating AOF base file appendonly\.aof\.1\.base\.rdb on server start$/));
  assert.ok(hasLog(srv, /\* Creating AOF incr file appendonly\.aof\.1\.incr\.aof on server start$/));
  const info = await persistenceInfo(await srv.connect());
  assert.is(info.get('aof_enabled'), '1');
  assert.is(info.get('aof_current_size'), '0');
  assert.is(info.get('aof_buffer_length'), '0');
  assert.equal([...info.keys()].slice(-6), ['aof_current_size', 'aof_base_size', 'aof_pending_rewrite', 'aof_buffer_length', 'aof_pending_bio_fsync', 'aof_delayed_fsync']);
});

test('writes are appended as propagated: SELECT first, absolute expiries, MULTI/EXEC; no reads, no failed or no-op writes', async () => {
  const dir = tempDir();
  const clock = new FakeClock(1_800_000_000_000);
  const srv = await start(dir, [], clock);
  const conn = await srv.connect();
  await runRows(conn, [
    [['set', 'a', '1'], OK],
    [['GET', 'a'], bulk('1')],
    [['SET', 'b', 'x', 'EX', '100'], OK],
    [['SET', 'a', 'no', 'NX'], '$-1\r\n'],
    [['INCR', 'b'], err('ERR value is not an integer or out of range')],
    [['DEL', 'nosuch'], ':0\r\n'],
    [['SELECT', '3'], OK],
    [['INCR', 'n'], ':1\r\n'],
    [['MULTI'], OK],
    [['SET', 'c', 'y'], '+QUEUED\r\n'],
    [['SELECT', '0'], '+QUEUED\r\n'],
    [['DEL', 'a'], '+QUEUED\r\n'],
    [['EXEC'], '*3\r\n+OK\r\n+OK\r\n:1\r\n'],
  ]);
  assert.is(
    read(dir, 'appendonly.aof.1.incr.aof'),
    request('SELECT', '0') + request('set', 'a', '1') + request('SET', 'b', 'x', 'PXAT', '1800000100000') +
      request('SELECT', '3') + request('INCR', 'n') +
      request('MULTI') + request('SET', 'c', 'y') + request('SELECT', '0') + request('DEL', 'a') + request('EXEC'),
  );
  const info = await persistenceInfo(conn);
  assert.is(info.get('aof_current_size'), String(read(dir, 'appendonly.aof.1.incr.aof').length));
});

test('appendfsync always: each reply is written to its socket only after its command was written and fsynced', async () => {
  const dir = tempDir();
  const srv = await start(dir, [['appendfsync', 'always']]);
  const conn = await srv.connect();
  await runRows(conn, [[['PING'], '+PONG\r\n']]);
  const file = path.join(aofDir(dir), 'appendonly.aof.1.incr.aof');
  // watch, in the server, the order of fsyncs and reply writes, and what the file holds at each reply
  const events: string[] = [];
  const realFsync = fs.fdatasyncSync;
  const serverSide = [...srv.server.clients.values()][0].socket;
  const realWrite = serverSide.write.bind(serverSide);
  (fs as { fdatasyncSync: typeof fs.fdatasyncSync }).fdatasyncSync = (fd) => {
    events.push('fsync');
    return realFsync(fd);
  };
  serverSide.write = ((chunk: unknown, ...rest: unknown[]) => {
    events.push(`reply with ${readFileSync(file, 'latin1').split('\r\n').filter((l) => l === 'SET').length} SETs in the file`);
    return (realWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof serverSide.write;
  try {
    for (let i = 0; i < 3; i++) await runRows(conn, [[['SET', `k${i}`, `v${i}`], OK]]);
    conn.write(request('SET', 'p1', 'x') + request('SET', 'p2', 'x')); // a pipeline: one write and one fsync before both replies
    await conn.readRaw();
    await conn.readRaw();
    await runRows(conn, [[['GET', 'k0'], bulk('v0')]]);
  } finally {
    (fs as { fdatasyncSync: typeof fs.fdatasyncSync }).fdatasyncSync = realFsync;
    serverSide.write = realWrite as typeof serverSide.write;
  }
  assert.equal(events, [
    'fsync', 'reply with 1 SETs in the file',
    'fsync', 'reply with 2 SETs in the file',
    'fsync', 'reply with 3 SETs in the file',
    'fsync', 'reply with 5 SETs in the file',
    'reply with 5 SETs in the file', // a read: nothing to write, nothing to fsync
  ]);
});

test('appendfsync everysec fsyncs in the background once a second, and no never does; the write is there either way', async () => {
  for (const policy of ['everysec', 'no']) {
    const dir = tempDir();
    const clock = new FakeClock();
    const srv = await start(dir, [['appendfsync', policy]], clock);
    const conn = await srv.connect();
    const fsyncs: string[] = [];
    const realSync = fs.fdatasyncSync, realAsync = fs.fdatasync;
    const mutable = fs as { fdatasyncSync: typeof fs.fdatasyncSync; fdatasync: typeof fs.fdatasync };
    mutable.fdatasyncSync = (fd) => (fsyncs.push('sync'), realSync(fd));
    mutable.fdatasync = ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => (fsyncs.push('background'), realAsync(fd, cb))) as typeof fs.fdatasync;
    try {
      await runRows(conn, [[['SET', 'k', 'v'], OK]]);
      assert.is(read(dir, 'appendonly.aof.1.incr.aof'), request('SELECT', '0') + request('SET', 'k', 'v'), policy);
      assert.equal(fsyncs, [], `${policy}: no fsync within the same second`);
      clock.advance(1000);
      srv.server.persistence.cron();
      await runRows(conn, [[['SET', 'k2', 'v'], OK]]);
      assert.equal(fsyncs, policy === 'everysec' ? ['background'] : [], policy);
    } finally {
      mutable.fdatasyncSync = realSync;
      mutable.fdatasync = realAsync;
    }
    assert.is((await persistenceInfo(conn)).get('aof_last_write_status'), 'ok');
  }
});

// ---- loading ----

test('restart: the base and incr files are replayed; history is ignored and removed', async () => {
  const dir = tempDir();
  const clock = new FakeClock(1_800_000_000_000);
  let srv = await start(dir, [], clock);
  let conn = await srv.connect();
  await runRows(conn, [
    [['SET', 'a', '1'], OK],
    [['SET', 'ttl', 'x', 'PX', '5000'], OK],
    [['SELECT', '2'], OK],
    [['INCRBY', 'n', '40'], ':40\r\n'],
    [['INCRBY', 'n', '2'], ':42\r\n'],
    [['MULTI'], OK],
    [['SET', 'm', '1'], '+QUEUED\r\n'],
    [['SET', 'm2', '2'], '+QUEUED\r\n'],
    [['EXEC'], '*2\r\n+OK\r\n+OK\r\n'],
  ]);
  conn.close();
  await srv.close();
  running.splice(running.indexOf(srv), 1);
  clock.advance(1000);
  srv = await start(dir, [], clock);
  conn = await srv.connect();
  await runRows(conn, [
    [['GET', 'a'], bulk('1')],
    [['PTTL', 'ttl'], ':4000\r\n'],
    [['SELECT', '2'], OK],
    [['GET', 'n'], bulk('42')],
    [['MGET', 'm', 'm2'], '*2\r\n$1\r\n1\r\n$1\r\n2\r\n'],
    [['SET', 'after', 'restart'], OK],
  ]);
  assert.ok(hasLog(srv, /\* DB loaded from base file appendonly\.aof\.1\.base\.rdb: \d+\.\d{3} seconds$/));
  assert.ok(hasLog(srv, /\* DB loaded from incr file appendonly\.aof\.1\.incr\.aof: \d+\.\d{3} seconds$/));
  assert.ok(hasLog(srv, /\* DB loaded from append only file: \d+\.\d{3} seconds$/));
  assert.ok(hasLog(srv, /\* Opening AOF incr file appendonly\.aof\.1\.incr\.aof on server start$/));
  // appending after a restart starts with a SELECT again
  assert.ok(read(dir, 'appendonly.aof.1.incr.aof').endsWith(request('SELECT', '2') + request('SET', 'after', 'restart')));
});

test('restart: a command cut off at the end of the last file is dropped with a warning and cut from the file', async () => {
  const dir = tempDir();
  let srv = await start(dir);
  let conn = await srv.connect();
  await runRows(conn, [[['SET', 'a', '1'], OK], [['SET', 'b', '2'], OK]]);
  await srv.close();
  running.splice(running.indexOf(srv), 1);
  const incr = path.join(aofDir(dir), 'appendonly.aof.1.incr.aof');
  const whole = readFileSync(incr, 'latin1');
  appendFileSync(incr, '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhel');
  srv = await start(dir);
  conn = await srv.connect();
  await runRows(conn, [[['MGET', 'a', 'b', 'c'], '*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n']]);
  assert.ok(hasLog(srv, /# !!! Warning: short read while loading the AOF file appendonly\.aof\.1\.incr\.aof!!!$/));
  assert.ok(hasLog(srv, new RegExp(`# !!! Truncating the AOF appendonly\\.aof\\.1\\.incr\\.aof at offset ${whole.length} !!!$`)));
  assert.ok(hasLog(srv, /# AOF appendonly\.aof\.1\.incr\.aof loaded anyway because aof-load-truncated is enabled$/));
  assert.is(readFileSync(incr, 'latin1'), whole);
});

test('restart: a transaction cut off by the end of the file is reverted', async () => {
  const dir = tempDir();
  let srv = await start(dir);
  await srv.close();
  running.splice(running.indexOf(srv), 1);
  const incr = path.join(aofDir(dir), 'appendonly.aof.1.incr.aof');
  const before = request('SELECT', '0') + request('SET', 'a', '1');
  writeFileSync(incr, before + request('MULTI') + request('SET', 'b', '2') + request('SET', 'c', '3'));
  srv = await start(dir);
  const conn = await srv.connect();
  await runRows(conn, [[['MGET', 'a', 'b', 'c'], '*3\r\n$1\r\n1\r\n$-1\r\n$-1\r\n']]);
  assert.ok(hasLog(srv, /# Revert incomplete MULTI\/EXEC transaction in AOF file appendonly\.aof\.1\.incr\.aof$/));
  assert.is(readFileSync(incr, 'latin1'), before);
});

test('restart: cut-off files with aof-load-truncated no, bad format, unknown commands, missing files and bad manifests are fatal', async () => {
  const prepare = async (mutate: (dir: string) => void): Promise<string> => {
    const dir = tempDir();
    const srv = await start(dir);
    await srv.close();
    running.splice(running.indexOf(srv), 1);
    mutate(dir);
    return dir;
  };
  const incr = (dir: string) => path.join(aofDir(dir), 'appendonly.aof.1.incr.aof');
  const cases: [string, (dir: string) => void, [string, string][], RegExp][] = [
    ['truncated, aof-load-truncated no', (d) => writeFileSync(incr(d), request('SET', 'a', '1') + '*3\r\n$3\r\nSET'), [['aof-load-truncated', 'no']],
      /# Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof\. You can: 1\) Make a backup of your AOF file, then use \.\/redis-check-aof --fix <filename\.manifest>\. 2\) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server\.$/],
    ['bad format', (d) => writeFileSync(incr(d), request('SET', 'a', '1') + 'SET b 2\r\n'), [],
      /# Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof: make a backup of your AOF file, then use \.\/redis-check-aof --fix <filename\.manifest>$/],
    ['unknown command', (d) => writeFileSync(incr(d), request('NOSUCHCOMMAND', 'a')), [],
      /# Unknown command 'NOSUCHCOMMAND' reading the append only file appendonly\.aof\.1\.incr\.aof$/],
    ['missing file', (d) => writeFileSync(path.join(aofDir(d), MANIFEST), read(d, MANIFEST) + 'file appendonly.aof.2.incr.aof seq 2 type i\n'), [],
      /# Unable to obtain the AOF file appendonly\.aof\.2\.incr\.aof length\. stat: No such file or directory$/],
    ['bad manifest', (d) => writeFileSync(path.join(aofDir(d), MANIFEST), 'file appendonly.aof.1.base.rdb seq 1 type z\n'), [],
      /# Unknown AOF file type$/],
    ['corrupt base', (d) => writeFileSync(path.join(aofDir(d), 'appendonly.aof.1.base.rdb'), 'REDIS0010\xfa\x09redis'), [],
      /# Error reading the RDB base file appendonly\.aof\.1\.base\.rdb, AOF loading aborted$/],
    ['truncated file that is not the last', (d) => {
      writeFileSync(incr(d), request('SET', 'a', '1') + '*2\r\n');
      writeFileSync(path.join(aofDir(d), 'appendonly.aof.2.incr.aof'), request('SET', 'b', '1'));
      writeFileSync(path.join(aofDir(d), MANIFEST), read(d, MANIFEST) + 'file appendonly.aof.2.incr.aof seq 2 type i\n');
    }, [], /# Fatal error: the truncated file is not the last file$/],
  ];
  for (const [what, mutate, config, line] of cases) {
    const dir = await prepare(mutate);
    const { error, logs } = await startFails(dir, config);
    assert.instance(error, FatalStartupError, what);
    assert.ok(logs.some((l) => line.test(l)), `${what}:\n${logs.join('\n')}`);
  }
  // the manifest error is reported with its line, as Redis does
  const dir = await prepare((d) => writeFileSync(path.join(aofDir(d), MANIFEST), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile x seq 1\n'));
  const { logs } = await startFails(dir);
  const at = logs.findIndex((l) => l.endsWith('# *** FATAL AOF MANIFEST FILE ERROR ***'));
  assert.ok(at >= 0, logs.join('\n'));
  assert.match(logs[at + 1], /# Reading the manifest file, at line 2$/);
  assert.match(logs[at + 2], /# >>> 'file x seq 1'$/);
  assert.match(logs[at + 3], /# Invalid AOF manifest file format$/);
});

test('restart: a base of commands, #TS annotations, and an old-style appendonly.aof with an RDB preamble', async () => {
  // a base written as commands, and an incr file with timestamp annotations
  const dir = tempDir();
  mkdirSync(aofDir(dir));
  writeFileSync(path.join(aofDir(dir), MANIFEST), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  writeFileSync(path.join(aofDir(dir), 'appendonly.aof.1.base.aof'), '#TS:1700000000\r\n' + request('SELECT', '0') + request('SET', 'a', '1') + request('PEXPIREAT', 'a', '99999999999999'));
  writeFileSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof'), '#TS:1700000001\r\n' + request('SELECT', '0') + request('APPEND', 'a', '2'));
  let srv = await start(dir);
  let conn = await srv.connect();
  await runRows(conn, [[['GET', 'a'], bulk('12')], [['PEXPIRETIME', 'a'], ':99999999999999\r\n']]);
  await srv.close();
  running.splice(running.indexOf(srv), 1);

  // Redis 6 and older: one appendonly.aof in `dir`, an RDB preamble then commands; it moves into the new layout
  const old = tempDir();
  const ks = new Keyspace();
  ks.dbs[0].set('from-rdb', 'yes');
  writeFileSync(path.join(old, 'appendonly.aof'), Buffer.concat([rdbBytes(ks, { aofBase: true }), Buffer.from(request('SELECT', '0') + request('SET', 'from-tail', 'yes'))]));
  srv = await start(old);
  conn = await srv.connect();
  await runRows(conn, [[['MGET', 'from-rdb', 'from-tail'], '*2\r\n$3\r\nyes\r\n$3\r\nyes\r\n']]);
  assert.ok(hasLog(srv, /\* Successfully migrated an old-style AOF file \(appendonly\.aof\) into the AOF directory \(appendonlydir\)\.$/));
  assert.ok(hasLog(srv, /\* Reading RDB preamble from AOF file\.\.\.$/));
  assert.ok(hasLog(srv, /\* Reading the remaining AOF tail\.\.\.$/));
  assert.not.ok(existsSync(path.join(old, 'appendonly.aof')));
  assert.is(read(old, MANIFEST), 'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
});

test('with appendonly yes the dump file is not loaded; with appendonly no the AOF is not', async () => {
  const dir = tempDir();
  const ks = new Keyspace();
  ks.dbs[0].set('from', 'dump');
  writeFileSync(path.join(dir, 'dump.rdb'), rdbBytes(ks));
  const srv = await start(dir);
  const conn = await srv.connect();
  await runRows(conn, [[['DBSIZE'], ':0\r\n'], [['SET', 'from', 'aof'], OK]]);
  await srv.close();
  running.splice(running.indexOf(srv), 1);
  const plain = await start(dir, [['appendonly', 'no']]);
  await runRows(await plain.connect(), [[['GET', 'from'], bulk('dump')]]);
});

// ---- rewriting ----

test('BGREWRITEAOF: a new base from a snapshot, a new incr file, the manifest swapped and old files removed', async () => {
  const dir = tempDir();
  const srv = await start(dir);
  const conn = await srv.connect();
  for (let i = 0; i < 5000; i++) conn.send('SET', `k${i}`, `v${i}`);
  for (let i = 0; i < 5000; i++) await conn.readRaw();
  // in the same turn as the rewrite starts: these must end up in the new incr file, not in the base
  conn.send('BGREWRITEAOF');
  conn.send('SET', 'k1', 'changed');
  conn.send('SET', 'new', 'key');
  conn.send('BGREWRITEAOF');
  conn.send('INFO', 'persistence');
  assert.is(await conn.readRaw(), '+Background append only file rewriting started\r\n');
  assert.is(await conn.readRaw(), OK);
  assert.is(await conn.readRaw(), OK);
  assert.is(await conn.readRaw(), err('ERR Background append only file rewriting already in progress'));
  assert.match(await conn.readRaw(), /\r\naof_rewrite_in_progress:1\r\n/);
  await until(async () => (await persistenceInfo(conn)).get('aof_rewrite_in_progress') === '0', 'the rewrite');
  assert.equal(readdirSync(aofDir(dir)).sort(), ['appendonly.aof.2.base.rdb', 'appendonly.aof.2.incr.aof', MANIFEST]);
  assert.is(read(dir, MANIFEST), 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
  assert.is(read(dir, 'appendonly.aof.2.incr.aof'), request('SELECT', '0') + request('SET', 'k1', 'changed') + request('SET', 'new', 'key'));
  const info = await persistenceInfo(conn);
  assert.is(info.get('aof_rewrites'), '1');
  assert.is(info.get('aof_last_bgrewrite_status'), 'ok');
  assert.is(info.get('aof_base_size'), String(readFileSync(path.join(aofDir(dir), 'appendonly.aof.2.base.rdb')).length + read(dir, 'appendonly.aof.2.incr.aof').length));
  assert.ok(hasLog(srv, /\* Removing the history file appendonly\.aof\.1\.incr\.aof in the background$/));
  assert.ok(hasLog(srv, /\* Background AOF rewrite finished successfully$/));
  assert.equal(readdirSync(dir).sort(), ['appendonlydir']); // no temp-rewriteaof-bg-<pid>.aof left
  // the base holds the dataset of the BGREWRITEAOF instant; base + incr together hold everything
  await srv.close();
  running.splice(running.indexOf(srv), 1);
  const again = await start(dir);
  await runRows(await again.connect(), [[['DBSIZE'], ':5001\r\n'], [['GET', 'k1'], bulk('changed')], [['GET', 'k4999'], bulk('v4999')]]);
});

test('BGREWRITEAOF with aof-use-rdb-preamble no writes a base of commands', async () => {
  const dir = tempDir();
  const clock = new FakeClock(1_800_000_000_000);
  const srv = await start(dir, [['aof-use-rdb-preamble', 'no']], clock);
  const conn = await srv.connect();
  assert.is(read(dir, MANIFEST), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  assert.is(read(dir, 'appendonly.aof.1.base.aof'), '');
  await runRows(conn, [[['SET', 'a', '1'], OK], [['SET', 't', 'x', 'PXAT', '1800000005000'], OK], [['SELECT', '4'], OK], [['SET', 'b', '2'], OK], [['BGREWRITEAOF'], '+Background append only file rewriting started\r\n']]);
  await until(async () => (await persistenceInfo(conn)).get('aof_rewrite_in_progress') === '0', 'the rewrite');
  const base = read(dir, 'appendonly.aof.2.base.aof');
  assert.ok(base.startsWith(request('SELECT', '0')));
  assert.ok(base.includes(request('SET', 'a', '1')));
  assert.ok(base.includes(request('SET', 't', 'x') + request('PEXPIREAT', 't', '1800000005000')));
  assert.ok(base.endsWith(request('SELECT', '4') + request('SET', 'b', '2')));
});

test('a base of commands rebuilds a set with SADD, at most 64 members a command', async () => {
  const dir = tempDir();
  const srv = await start(dir, [['aof-use-rdb-preamble', 'no']]);
  const conn = await srv.connect();
  const members = Array.from({ length: 100 }, (_, i) => `m${i}`);
  await runRows(conn, [[['SADD', 's', ...members], ':100\r\n'], [['BGREWRITEAOF'], '+Background append only file rewriting started\r\n']]);
  await until(async () => (await persistenceInfo(conn)).get('aof_rewrite_in_progress') === '0', 'the rewrite');
  const base = read(dir, 'appendonly.aof.2.base.aof');
  assert.is(base.split('\r\nSADD\r\n').length - 1, 2);
  assert.ok(base.includes('*66\r\n$4\r\nSADD\r\n$1\r\ns\r\n'));
  assert.ok(base.includes('*38\r\n$4\r\nSADD\r\n$1\r\ns\r\n'));
  await srv.close();
  running.splice(running.indexOf(srv), 1);
  const again = await start(dir, [['aof-use-rdb-preamble', 'no']]);
  await runRows(await again.connect(), [[['SCARD', 's'], ':100\r\n'], [['SISMEMBER', 's', 'm99'], ':1\r\n']]);
});

test('a base of commands rebuilds lists with RPUSH and hashes with HMSET, 64 items a command', async () => {
  const dir = tempDir();
  const srv = await start(dir, [['aof-use-rdb-preamble', 'no']]);
  const conn = await srv.connect();
  const items = Array.from({ length: 70 }, (_, i) => `i${i}`);
  const pairs = items.flatMap((f, i) => [f, `v${i}`]);
  await runRows(conn, [
    [['RPUSH', 'l', ...items], ':70\r\n'],
    [['HSET', 'h', ...pairs], ':70\r\n'],
    [['BGREWRITEAOF'], '+Background append only file rewriting started\r\n'],
  ]);
  await until(async () => (await persistenceInfo(conn)).get('aof_rewrite_in_progress') === '0', 'the rewrite');
  const base = read(dir, 'appendonly.aof.2.base.aof');
  assert.ok(base.includes('*66\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n') && base.includes('*8\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n'));
  assert.ok(base.includes('*130\r\n$5\r\nHMSET\r\n$1\r\nh\r\n') && base.includes('*14\r\n$5\r\nHMSET\r\n$1\r\nh\r\n'));
  await srv.close();
  running.splice(running.indexOf(srv), 1);
  const again = await start(dir, [['aof-use-rdb-preamble', 'no']]);
  await runRows(await again.connect(), [
    [['LRANGE', 'l', '68', '-1'], '*2\r\n$3\r\ni68\r\n$3\r\ni69\r\n'],
    [['HLEN', 'h'], ':70\r\n'],
    [['HGET', 'h', 'i69'], '$3\r\nv69\r\n'],
  ]);
});

test('CONFIG SET appendonly yes at run time rewrites first; writes meanwhile are kept; no turns it off', async () => {
  const dir = tempDir();
  const srv = await start(dir, [['appendonly', 'no']]);
  const conn = await srv.connect();
  await runRows(conn, [[['SET', 'before', '1'], OK]]);
  assert.not.ok(existsSync(aofDir(dir)));
  conn.send('CONFIG', 'SET', 'appendonly', 'yes');
  conn.send('SET', 'during', '2');
  conn.send('INFO', 'persistence');
  assert.is(await conn.readRaw(), OK);
  assert.is(await conn.readRaw(), OK);
  const during = await conn.readRaw();
  assert.match(during, /\r\naof_enabled:1\r\n/);
  assert.match(during, /\r\naof_rewrite_in_progress:1\r\n/);
  await until(async () => (await persistenceInfo(conn)).get('aof_rewrite_in_progress') === '0', 'the first rewrite');
  assert.equal(readdirSync(aofDir(dir)).sort(), ['appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', MANIFEST]);
  assert.is(read(dir, 'appendonly.aof.1.incr.aof'), request('SELECT', '0') + request('SET', 'during', '2'));
  assert.ok(hasLog(srv, /\* Creating AOF incr file temp-appendonly\.aof\.incr on background rewrite$/));
  assert.ok(hasLog(srv, /\* Successfully renamed the temporary AOF incr file temp-appendonly\.aof\.incr into appendonly\.aof\.1\.incr\.aof$/));
  await runRows(conn, [[['SET', 'after', '3'], OK], [['CONFIG', 'SET', 'appendonly', 'no'], OK], [['SET', 'off', '4'], OK]]);
  assert.is(read(dir, 'appendonly.aof.1.incr.aof'), request('SELECT', '0') + request('SET', 'during', '2') + request('SET', 'after', '3'));
  assert.is((await persistenceInfo(conn)).get('aof_enabled'), '0');
  await srv.close();
  running.splice(running.indexOf(srv), 1);
  const again = await start(dir);
  await runRows(await again.connect(), [[['MGET', 'before', 'during', 'after', 'off'], '*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$-1\r\n']]);
});

test('SHUTDOWN while the first AOF is being written is refused unless FORCE; BGREWRITEAOF during BGSAVE is scheduled', async () => {
  const dir = tempDir();
  const srv = await start(dir, [['appendonly', 'no']]);
  const conn = await srv.connect();
  for (let i = 0; i < 2000; i++) conn.send('SET', `k${i}`, 'v');
  for (let i = 0; i < 2000; i++) await conn.readRaw();
  conn.send('CONFIG', 'SET', 'appendonly', 'yes');
  conn.send('SHUTDOWN', 'NOSAVE');
  assert.is(await conn.readRaw(), OK);
  assert.is(await conn.readRaw(), err('ERR Errors trying to SHUTDOWN. Check logs.'));
  assert.ok(hasLog(srv, /# Writing initial AOF, can't exit\.$/));
  await until(async () => (await persistenceInfo(conn)).get('aof_rewrite_in_progress') === '0', 'the first rewrite');
  conn.send('BGSAVE');
  conn.send('BGREWRITEAOF');
  conn.send('BGREWRITEAOF');
  assert.is(await conn.readRaw(), '+Background saving started\r\n');
  assert.is(await conn.readRaw(), '+Background append only file rewriting scheduled\r\n');
  assert.is(await conn.readRaw(), '+Background append only file rewriting scheduled\r\n');
  await until(async () => (await persistenceInfo(conn)).get('aof_rewrites') === '2', 'the scheduled rewrite');
  await until(async () => (await persistenceInfo(conn)).get('aof_rewrite_in_progress') === '0', 'the scheduled rewrite to finish');
  assert.is(read(dir, MANIFEST), 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
});

test('the automatic rewrite starts when the AOF has grown by auto-aof-rewrite-percentage', async () => {
  const dir = tempDir();
  const srv = await start(dir, [['auto-aof-rewrite-min-size', '1000'], ['auto-aof-rewrite-percentage', '100']]);
  const conn = await srv.connect();
  await runRows(conn, [[['SET', 'big', 'x'.repeat(2000)], OK]]);
  srv.server.persistence.cron();
  await until(() => hasLog(srv, /\* Starting automatic rewriting of AOF on \d+% growth$/), 'the automatic rewrite');
  await until(async () => (await persistenceInfo(conn)).get('aof_rewrite_in_progress') === '0', 'the rewrite');
  assert.is((await persistenceInfo(conn)).get('aof_rewrites'), '1');
});

test('aof-timestamp-enabled writes #TS annotations when the second changes', async () => {
  const dir = tempDir();
  const clock = new FakeClock(1_800_000_000_000);
  const srv = await start(dir, [['aof-timestamp-enabled', 'yes']], clock);
  const conn = await srv.connect();
  await runRows(conn, [[['SET', 'a', '1'], OK], [['SET', 'b', '2'], OK]]);
  clock.advance(1000);
  await runRows(conn, [[['SET', 'c', '3'], OK]]);
  assert.is(
    read(dir, 'appendonly.aof.1.incr.aof'),
    '#TS:1800000000\r\n' + request('SELECT', '0') + request('SET', 'a', '1') + request('SET', 'b', '2') + '#TS:1800000001\r\n' + request('SET', 'c', '3'),
  );
});

test.run();
