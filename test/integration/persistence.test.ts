/**
 * Persistence end to end with the built server: stop and restart, RDB files and AOF directories carried between
 * toyredis and real Redis 7.0 in both directions (compared key by key), bad files at start, and the crash test of
 * appendfsync always (kill -9 while a client writes; every acknowledged write must be there after the restart).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasRedis, startRedis, startToyredis, tempDir, TOYREDIS, type RunningServer } from '../helpers/servers';
import { RawConnection } from '../helpers/raw';
import type { Reply } from '../../lib/protocol/reply';

const test = suite('integration/persistence');

const running: RunningServer[] = [];
const conns: RawConnection[] = [];

async function toyredis(dir: string, args: string[] = []): Promise<RunningServer> {
  const s = await startToyredis(['--bind', '127.0.0.1', '--dir', dir, ...args]);
  running.push(s);
  return s;
}

async function realRedis(dir: string, args: string[] = []): Promise<RunningServer> {
  const s = await startRedis(['--dir', dir, ...args]);
  running.push(s);
  return s;
}

async function connect(s: RunningServer): Promise<RawConnection> {
  const c = await RawConnection.connect(s.port);
  conns.push(c);
  return c;
}

test.after.each(async () => {
  for (const c of conns.splice(0)) c.close();
  for (const s of running.splice(0)) await s.stop();
});

/** Send a command and return its reply. */
async function cmd(c: RawConnection, ...argv: string[]): Promise<Reply> {
  c.send(...argv);
  return c.read();
}

const text = (r: Reply): string => {
  if (r.kind === 'bulk') return typeof r.value === 'string' ? r.value : r.value.toString('latin1');
  if (r.kind === 'simple' || r.kind === 'error') return r.text;
  if (r.kind === 'int') return String(r.value);
  if (r.kind === 'null') return '(nil)';
  throw new Error(`unexpected reply ${JSON.stringify(r)}`);
};
const items = (r: Reply): Reply[] => {
  if (r.kind !== 'array' && r.kind !== 'set') throw new Error(`not an array: ${JSON.stringify(r)}`);
  return r.items;
};

/** The process exits (after SHUTDOWN or a signal); resolves with its exit code. */
function exited(s: RunningServer): Promise<number | null> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return Promise.resolve(s.proc.exitCode);
  return new Promise((resolve) => s.proc.once('exit', (code) => resolve(code)));
}

/** Stop the way a user does: SIGTERM, then wait for the process to end. */
async function terminate(s: RunningServer): Promise<number | null> {
  const done = exited(s);
  s.proc.kill('SIGTERM');
  return done;
}

/** Wait until INFO persistence says nothing runs in the background. */
async function idle(c: RawConnection): Promise<void> {
  for (let i = 0; i < 4000; i++) {
    const info = text(await cmd(c, 'INFO', 'persistence'));
    if (/\r\nrdb_bgsave_in_progress:0\r\n/.test(info) && /\r\naof_rewrite_in_progress:0\r\n/.test(info) && /\r\naof_rewrite_scheduled:0\r\n/.test(info)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.unreachable('background persistence did not finish');
}

/**
 * Every key of every db, as `db/key` → `type:value|expiry`, read through the protocol so the same function reads
 * both servers. Sets are compared as sorted members; the expiry is PEXPIRETIME (absolute, so it does not drift).
 */
async function dataset(c: RawConnection): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let db = 0; db < 16; db++) {
    await cmd(c, 'SELECT', String(db));
    const keys = items(await cmd(c, 'KEYS', '*')).map(text);
    for (const k of keys) c.send('TYPE', k); // pipelined: thousands of keys in a few round trips
    const types: string[] = [];
    for (const _ of keys) types.push(text(await c.read()));
    keys.forEach((k, i) => {
      if (types[i] === 'string') c.send('GET', k);
      else if (types[i] === 'set') c.send('SMEMBERS', k);
      else throw new Error(`no comparison for type ${types[i]}`);
      c.send('PEXPIRETIME', k);
    });
    for (let i = 0; i < keys.length; i++) {
      const v = await c.read();
      const value = types[i] === 'set' ? items(v).map(text).sort().join(',') : text(v);
      out.set(`${db}/${keys[i]}`, `${types[i]}:${value}|${text(await c.read())}`);
    }
  }
  await cmd(c, 'SELECT', '0');
  return out;
}

function assertSameData(a: Map<string, string>, b: Map<string, string>, what: string): void {
  assert.is(a.size, b.size, `${what}: key count`);
  for (const [k, v] of a) assert.is(b.get(k), v, `${what}: ${k}`);
}

/** Writes covering the RDB string encodings (int, raw, LZF), binary values, expiries in ms, several dbs, sets. */
async function fill(c: RawConnection): Promise<void> {
  const binary = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  const far = Date.now() + 3_600_000 + 123; // an expiry with milliseconds, far enough not to pass during the test
  const rows: string[][] = [
    ['SET', 'int8', '-7'], ['SET', 'int16', '1234'], ['SET', 'int32', '70000'], ['SET', 'not-int', '12345678901'],
    ['SET', 'leading-zero', '007'], ['SET', 'empty', ''], ['SET', 'binary', binary], ['SET', 'crlf', 'a\r\nb'],
    ['SET', 'compressible', 'a'.repeat(60) + 'bcdef'.repeat(300)], ['SET', 'ttl', 'soon', 'PXAT', String(far)],
    ['SADD', 'intset', '1', '2', '3', '-5', '5000000000'], ['SADD', 'strset', 'a', 'b', 'c'],
    ['SELECT', '3'], ['SET', 'three', '3'], ['SET', 'ttl3', 'x', 'PXAT', String(far + 1)],
    ['SELECT', '15'], ['SET', 'fifteen', 'last db'], ['SELECT', '0'],
  ];
  const big: string[] = ['SADD', 'bigset'];
  for (let i = 0; i < 600; i++) big.push(`member-${i}`);
  rows.push(big);
  for (const r of rows) c.send(...r);
  for (const r of rows) assert.not.equal((await c.read()).kind, 'error', r.join(' '));
  for (let i = 0; i < 3000; i++) c.send('SET', `key:${i}`, `value:${i}:${'x'.repeat(i % 50)}`);
  for (let i = 0; i < 3000; i++) await c.read();
}

test('stop and start again: SHUTDOWN and SIGTERM save (save points are on by default), SHUTDOWN NOSAVE does not', async () => {
  const dir = tempDir();
  let s = await toyredis(dir);
  let c = await connect(s);
  await fill(c);
  const before = await dataset(c);
  c.send('SHUTDOWN');
  assert.is(await exited(s), 0);
  assert.match(s.output(), /\* Saving the final RDB snapshot before exiting\.\n/);
  s = await toyredis(dir);
  c = await connect(s);
  assertSameData(before, await dataset(c), 'after SHUTDOWN');
  assert.match(s.output(), /\* DB loaded from disk: \d+\.\d{3} seconds\n/);
  assert.match(s.output(), /\* Done loading RDB, keys loaded: 3016, keys expired: 0\.\n/);
  await cmd(c, 'SET', 'added', 'then SIGTERM');
  assert.is(await terminate(s), 0);
  assert.match(s.output(), /# Received SIGTERM scheduling shutdown\.\.\.\n/);
  s = await toyredis(dir);
  c = await connect(s);
  assert.is(text(await cmd(c, 'GET', 'added')), 'then SIGTERM');
  await cmd(c, 'SET', 'lost', 'on purpose');
  c.send('SHUTDOWN', 'NOSAVE');
  assert.is(await exited(s), 0);
  s = await toyredis(dir, ['--shutdown-on-sigterm', 'nosave']);
  c = await connect(s);
  assert.is(text(await cmd(c, 'GET', 'lost')), '(nil)');
  await cmd(c, 'SET', 'lost', 'again');
  assert.is(await terminate(s), 0);
  s = await toyredis(dir);
  c = await connect(s);
  assert.is(text(await cmd(c, 'GET', 'lost')), '(nil)');
});

test('RDB toyredis → Redis 7.0: redis-check-rdb accepts the file and redis-server holds the same keys', async () => {
  if (!hasRedis) return;
  const dir = tempDir();
  const s = await toyredis(dir, ['--save', '']);
  const c = await connect(s);
  await fill(c);
  const ours = await dataset(c);
  assert.is(text(await cmd(c, 'SAVE')), 'OK');
  const bg = await cmd(c, 'BGSAVE');
  assert.is(text(bg), 'Background saving started');
  await idle(c);
  const check = spawnSync('redis-check-rdb', [path.join(dir, 'dump.rdb')], { encoding: 'latin1' });
  assert.is(check.status, 0, check.stdout);
  assert.match(check.stdout, /RDB looks OK!/);
  const real = await realRedis(dir);
  assertSameData(ours, await dataset(await connect(real)), 'redis-server on our dump.rdb');
});

test('RDB Redis 7.0 → toyredis: int-encoded and LZF strings, ms expiries, several dbs and sets load the same', async () => {
  if (!hasRedis) return;
  const dir = tempDir();
  const real = await realRedis(dir);
  const rc = await connect(real);
  await fill(rc);
  const theirs = await dataset(rc);
  assert.is(text(await cmd(rc, 'SAVE')), 'OK');
  await real.stop();
  const s = await toyredis(dir, ['--save', '']);
  assertSameData(theirs, await dataset(await connect(s)), 'toyredis on redis-server\'s dump.rdb');
  assert.match(s.output(), /\* Loading RDB produced by version 7\.0\.15\n/);
});

test('AOF directory toyredis → Redis 7.0: base, incremental files after a rewrite, and the manifest load in redis-server', async () => {
  if (!hasRedis) return;
  for (const preamble of ['yes', 'no']) {
    const dir = tempDir();
    const s = await toyredis(dir, ['--save', '', '--appendonly', 'yes', '--aof-use-rdb-preamble', preamble]);
    const c = await connect(s);
    await cmd(c, 'SET', 'before', 'rewrite');
    await cmd(c, 'SADD', 'set-before', 'x', 'y');
    assert.is(text(await cmd(c, 'BGREWRITEAOF')), 'Background append only file rewriting started');
    await fill(c);
    await idle(c);
    c.send('MULTI');
    c.send('SET', 'tx1', 'a');
    c.send('SELECT', '7');
    c.send('SET', 'tx2', 'b');
    c.send('EXEC');
    for (let i = 0; i < 5; i++) await c.read();
    await cmd(c, 'SELECT', '0');
    await cmd(c, 'DEL', 'key:0', 'key:1');
    await cmd(c, 'EXPIRE', 'key:2', '1000');
    await cmd(c, 'INCR', 'int16');
    const ours = await dataset(c);
    assert.is(await terminate(s), 0);
    const files = readdirSync(path.join(dir, 'appendonlydir')).sort();
    assert.equal(files, [`appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'}`, 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest'], preamble);
    const check = spawnSync('redis-check-aof', [path.join(dir, 'appendonlydir', 'appendonly.aof.manifest')], { encoding: 'latin1' });
    assert.is(check.status, 0, check.stdout);
    assert.match(check.stdout, /All AOF files and manifest are valid/);
    const real = await realRedis(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', preamble]);
    assertSameData(ours, await dataset(await connect(real)), `redis-server on our AOF (preamble ${preamble})`);
    await real.stop();
  }
});

test('AOF directory Redis 7.0 → toyredis: its base (RDB or commands) and incremental files replay the same', async () => {
  if (!hasRedis) return;
  for (const preamble of ['yes', 'no']) {
    const dir = tempDir();
    const real = await realRedis(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', preamble]);
    const rc = await connect(real);
    await fill(rc);
    assert.is(text(await cmd(rc, 'BGREWRITEAOF')), 'Background append only file rewriting started');
    await idle(rc);
    await cmd(rc, 'SET', 'after', 'rewrite');
    rc.send('MULTI');
    rc.send('SADD', 'strset', 'd');
    rc.send('SELECT', '9');
    rc.send('SET', 'nine', '9', 'EX', '5000');
    rc.send('EXEC');
    for (let i = 0; i < 5; i++) await rc.read();
    await cmd(rc, 'SELECT', '0');
    await cmd(rc, 'DEL', 'key:7');
    const theirs = await dataset(rc);
    rc.send('SHUTDOWN', 'NOSAVE');
    assert.is(await exited(real), 0);
    const s = await toyredis(dir, ['--save', '', '--appendonly', 'yes']);
    assertSameData(theirs, await dataset(await connect(s)), `toyredis on redis-server's AOF (preamble ${preamble})`);
    assert.match(s.output(), /\* DB loaded from append only file: \d+\.\d{3} seconds\n/);
  }
});

/** Run the built server to its end: for files it must refuse at start. */
function runToEnd(dir: string, args: string[] = []): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [TOYREDIS, '--port', '0', '--bind', '127.0.0.1', '--dir', dir, ...args], { encoding: 'latin1', timeout: 20000 });
  return { status: r.status, output: r.stdout + r.stderr };
}

test('bad files at start: exit 1 with the reason logged, never a server with half the data', async () => {
  const dir = tempDir();
  const s = await toyredis(dir, ['--save', '']);
  const c = await connect(s);
  await fill(c);
  assert.is(text(await cmd(c, 'SAVE')), 'OK');
  await s.stop();
  const good = readFileSync(path.join(dir, 'dump.rdb'));
  writeFileSync(path.join(dir, 'dump.rdb'), good.subarray(0, Math.floor(good.length / 2)));
  let r = runToEnd(dir);
  assert.is(r.status, 1, r.output);
  assert.match(r.output, /# Short read or OOM loading DB\. Unrecoverable error, aborting now\.\n/);
  assert.match(r.output, /# Terminating server after rdb file reading failure\.\n/);
  assert.not.match(r.output, /Ready to accept connections/);
  const corrupt = Buffer.from(good);
  corrupt[100] ^= 0x55;
  writeFileSync(path.join(dir, 'dump.rdb'), corrupt);
  r = runToEnd(dir);
  assert.is(r.status, 1, r.output);
  assert.not.match(r.output, /Ready to accept connections/);

  // an AOF whose last command was cut off: loaded without it (aof-load-truncated yes), or refused (no)
  const aofDir = tempDir();
  const t = await toyredis(aofDir, ['--save', '', '--appendonly', 'yes']);
  const tc = await connect(t);
  await cmd(tc, 'SET', 'kept', '1');
  await t.stop();
  appendFileSync(path.join(aofDir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), '*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$1');
  r = runToEnd(aofDir, ['--appendonly', 'yes', '--aof-load-truncated', 'no']);
  assert.is(r.status, 1, r.output);
  assert.match(r.output, /# Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof\./);
  const again = await toyredis(aofDir, ['--save', '', '--appendonly', 'yes']);
  const ac = await connect(again);
  assert.equal([text(await cmd(ac, 'GET', 'kept')), text(await cmd(ac, 'GET', 'lost'))], ['1', '(nil)']);
  assert.match(again.output(), /# !!! Warning: short read while loading the AOF file appendonly\.aof\.1\.incr\.aof!!!\n/);
});

test('crash test: 10,000 writes with appendfsync always, kill -9 at a random moment, every acknowledged write is there', async () => {
  const dir = tempDir();
  const s = await toyredis(dir, ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']);
  const c = await connect(s);
  const total = 10_000;
  const killAt = 1000 + Math.floor(Math.random() * 8000); // how many acknowledgements before the kill
  const window = 64; // writes in flight: the kill lands while the server is in the middle of some of them
  const acked: number[] = [];
  let sent = 0;
  const send = () => c.send('SET', `crash:${sent}`, `value-${sent}-${'v'.repeat(sent % 40)}`);
  while (sent < Math.min(window, total)) send(), sent++;
  let killed = false;
  for (let i = 0; i < total; i++) {
    let r: Reply;
    try {
      r = await c.read(10_000);
    } catch {
      break; // the connection died with the server
    }
    assert.is(text(r), 'OK');
    acked.push(i);
    if (acked.length === killAt) {
      s.proc.kill('SIGKILL');
      killed = true;
    }
    if (sent < total) send(), sent++;
  }
  assert.ok(killed, 'the server was killed during the writes');
  await exited(s);
  assert.ok(acked.length >= killAt);
  const after = await toyredis(dir, ['--save', '', '--appendonly', 'yes']);
  const ac = await connect(after);
  for (let start = 0; start < acked.length; start += 500) {
    const keys = acked.slice(start, start + 500).map((i) => `crash:${i}`);
    const values = items(await cmd(ac, 'MGET', ...keys)).map(text);
    values.forEach((v, j) => {
      const i = acked[start + j];
      assert.is(v, `value-${i}-${'v'.repeat(i % 40)}`, `acknowledged write crash:${i} (killed after ${killAt} acks)`);
    });
  }
  // writes past the last acknowledgement may or may not be there, but nothing else is
  const size = Number(text(await cmd(ac, 'DBSIZE')));
  assert.ok(size >= acked.length && size <= sent, `${size} keys for ${acked.length} acknowledged and ${sent} sent`);
});

test.run();
