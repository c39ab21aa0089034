// Benchmark: redis-benchmark against the built toyredis and (when installed) real redis-server, in the same run,
// on free loopback ports. Throughput of SET/GET/INCR with 50 clients, 50 clients pipelining 16, and 1 client;
// then memory per key after loading 1,000,000 16-byte keys with 32-byte values; then persistence with the same
// 1,000,000 keys in both: SAVE, loading the file at start, and the longest PING stall while BGSAVE runs; then
// replication: a fresh replica's full sync from each, holding the same keys, the longest PING stall meanwhile, and
// SET -P 16 on each master before and after the replica is attached.
// Prints a table, or JSON (--json). Options: --json, --seconds S (target duration of a row, default 2), --keys N
// (memory test keys, default 1000000), --persist-keys N (persistence keys, default 1000000), --only a,b (sections
// to run: throughput, memory, persistence, replication; default all).
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOYREDIS = path.join(ROOT, 'dist/toyredis.js');
const which = (name) => ['/usr/bin', '/usr/local/bin'].map((d) => path.join(d, name)).find((p) => existsSync(p));
const REDIS_SERVER = which('redis-server');
const REDIS_BENCHMARK = which('redis-benchmark');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!(v > 0)) throw new Error(`${name} needs a positive number`);
  return v;
};
const asJson = args.includes('--json');
const rowSeconds = option('--seconds', 2);
const memoryKeys = Math.round(option('--keys', 1_000_000));
const persistKeys = Math.round(option('--persist-keys', 1_000_000));
const onlyAt = args.indexOf('--only');
const sections = new Set(onlyAt >= 0 ? String(args[onlyAt + 1]).split(',') : ['throughput', 'memory', 'persistence', 'replication']);
const log = (...a) => (asJson ? console.error(...a) : console.log(...a));

const MODES = [
  { name: '-c 50', flags: ['-c', '50'] },
  { name: '-c 50 -P 16', flags: ['-c', '50', '-P', '16'] },
  { name: '-c 1', flags: ['-c', '1'] },
];
const TESTS = ['SET', 'GET', 'INCR'];

// ---- processes: every server started here is killed on exit, error or signal ----

const children = new Set();
const tempDirs = [];
function killAll() {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (killAll(), process.exit(130)));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, proc, output) {
  const deadline = Date.now() + 10000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${output()}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`server did not listen on ${port}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function launch(name, cmd, cmdArgs, port) {
  const proc = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  await waitForPort(port, proc, () => out);
  return { name, port, proc, output: () => out };
}

async function startToyredis() {
  if (!existsSync(TOYREDIS)) throw new Error(`${TOYREDIS} is missing: run \`node build.mjs\` first`);
  const port = await freePort();
  return launch('toyredis', process.execPath, [TOYREDIS, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], port);
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
  tempDirs.push(dir);
  return launch('redis', REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], port);
}

// ---- talking to a server ----

/** One command over a fresh connection; resolves with the raw reply text. */
function command(port, ...argv) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('connect', () => s.write(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    s.on('data', (d) => {
      got += d.toString('latin1');
      const m = /^\$(\d+)\r\n/.exec(got);
      if ((m && got.length >= m[0].length + Number(m[1]) + 2) || (!m && got.endsWith('\r\n') && got[0] !== '$')) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
}

async function dbsize(port) {
  return Number(/^:(\d+)/.exec(await command(port, 'DBSIZE'))[1]);
}

/** Resident memory: real Redis reports its own; for toyredis, the kernel's VmRSS of the node process. */
async function rssBytes(server) {
  if (server.name === 'redis') {
    const info = await command(server.port, 'INFO', 'memory');
    return Number(/used_memory_rss:(\d+)/.exec(info)[1]);
  }
  const status = readFileSync(`/proc/${server.proc.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

function benchmark(port, benchArgs) {
  return new Promise((resolve, reject) => {
    execFile(REDIS_BENCHMARK, ['-h', '127.0.0.1', '-p', String(port), '--csv', ...benchArgs], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`redis-benchmark ${benchArgs.join(' ')} failed: ${err.message}\n${stderr}`));
      const rows = {};
      for (const line of stdout.split('\n')) {
        const cells = line.split('","').map((c) => c.replace(/^"|"$/g, ''));
        if (cells.length >= 5 && cells[0] !== 'test') rows[cells[0]] = { rps: Number(cells[1]), p50: Number(cells[4]) };
      }
      resolve(rows);
    });
  });
}

/**
 * Requests for a row of about `rowSeconds`: a probe measures this server in this mode first. The probe is long
 * enough (a few tenths of a second) to warm up toyredis's JIT, so the estimate is not the cold start's.
 */
async function requestsFor(server, mode) {
  const probeRequests = mode.flags.includes('-P') ? 300_000 : mode.flags.includes('50') ? 30_000 : 10_000;
  const probe = await benchmark(server.port, ['-t', 'set', '-n', String(probeRequests), ...mode.flags]);
  const n = Math.round((probe.SET.rps * rowSeconds) / 1000) * 1000;
  return Math.max(n, 5000);
}

// ---- persistence: the same 1,000,000 keys in both servers ----

/** xorshift32: the same pseudo-random values in every run and in both servers. */
function valueMaker() {
  let x = 2463534242;
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/';
  return () => {
    let v = '';
    for (let i = 0; i < 32; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      v += chars[(x >>> 0) & 63];
    }
    return v;
  };
}

/** Write `n` keys `key:<12 digits>` with 32-byte values, pipelined in batches, waiting for every +OK. */
function fillKeys(port, n) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const next = valueMaker();
    const batch = 10_000;
    let written = 0, expectedBytes = 0, received = 0;
    const sendBatch = () => {
      const parts = [];
      const end = Math.min(n, written + batch);
      for (; written < end; written++) {
        const key = `key:${String(written).padStart(12, '0')}`;
        parts.push(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$32\r\n${next()}\r\n`);
      }
      expectedBytes += parts.length * 5; // +OK\r\n
      s.write(parts.join(''));
    };
    s.on('connect', sendBatch);
    s.on('data', (d) => {
      received += d.length;
      if (received < expectedBytes) return;
      if (written < n) return sendBatch();
      s.destroy();
      resolve();
    });
    s.on('error', reject);
  });
}

/** One persistent connection answering request() in order (PING timing, INFO polling). */
function lineClient(port) {
  const s = net.connect(port, '127.0.0.1');
  let buf = '';
  const waiting = [];
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (;;) {
      const w = waiting[0];
      if (!w) return;
      const m = /^\$(\d+)\r\n/.exec(buf);
      const size = m ? m[0].length + Number(m[1]) + 2 : buf.indexOf('\r\n') + 2;
      if (size < 2 || buf.length < size) return;
      waiting.shift();
      w(buf.slice(0, size));
      buf = buf.slice(size);
    }
  });
  const ready = new Promise((resolve, reject) => (s.once('connect', resolve), s.once('error', reject)));
  return {
    async request(...argv) {
      await ready;
      return new Promise((resolve) => {
        waiting.push(resolve);
        s.write(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
      });
    },
    close: () => s.destroy(),
  };
}

/**
 * BGSAVE while one client PINGs in a loop (one PING in flight, each timed) and another polls INFO until the save
 * is done. The longest PING round trip is the longest the server stopped answering because of the save.
 */
async function bgsaveStall(port) {
  const watcher = lineClient(port);
  let started = 0;
  const stall = await pingWhile(port, async () => {
    started = performance.now();
    const reply = await watcher.request('BGSAVE');
    if (!reply.startsWith('+Background saving started')) throw new Error(`BGSAVE: ${reply}`);
    await waitForInfo(watcher, 'persistence', 'rdb_bgsave_in_progress:0');
  });
  const total = performance.now() - started;
  watcher.close();
  return { bgsave_ms: total, ...stall };
}

/**
 * PING `port` in a loop, one PING in flight and each timed, while `work` runs (started once the connection is
 * warm, so the first timed PING is not a cold one): the longest round trip is the longest the server stopped
 * answering because of that work.
 */
async function pingWhile(port, work) {
  const pinger = lineClient(port);
  for (let i = 0; i < 200; i++) await pinger.request('PING');
  let done = false;
  const working = work().finally(() => (done = true));
  let longest = 0, pings = 0;
  while (!done) {
    const t = performance.now();
    await pinger.request('PING');
    longest = Math.max(longest, performance.now() - t);
    pings++;
  }
  await working;
  pinger.close();
  return { ping_max_ms: longest, pings };
}

/** Ask `client` for INFO `section` every 10 ms until it holds `line`. */
async function waitForInfo(client, section, line) {
  while (!(await client.request('INFO', section)).includes(line)) await new Promise((r) => setTimeout(r, 10));
}

/** Start the server on `dir` (loading its dump.rdb if any): toyredis or redis-server, no save points, no AOF. */
async function startIn(name, dir, extra = []) {
  const port = await freePort();
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra];
  return name === 'toyredis' ? launch(name, process.execPath, [TOYREDIS, ...common], port) : launch(name, REDIS_SERVER, common, port);
}

function stopProcess(server) {
  return new Promise((resolve) => {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) return resolve();
    server.proc.once('exit', () => resolve());
    server.proc.kill('SIGKILL');
  });
}

/** SAVE, BGSAVE with the PING stall, then a restart on the saved file, for one kind of server. */
async function persistenceRun(name) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-persist-${name}-`));
  tempDirs.push(dir);
  const first = await startIn(name, dir);
  log(`${name}: writing ${persistKeys} keys for the persistence test`);
  await fillKeys(first.port, persistKeys);
  const keys = await dbsize(first.port);
  let t = performance.now();
  const saved = await command(first.port, 'SAVE');
  const saveMs = performance.now() - t;
  if (!saved.startsWith('+OK')) throw new Error(`${name} SAVE: ${saved}`);
  const fileBytes = statSync(path.join(dir, 'dump.rdb')).size;
  log(`${name}: BGSAVE with a PING loop`);
  const stall = await bgsaveStall(first.port);
  await stopProcess(first);
  t = performance.now();
  const second = await startIn(name, dir);
  // Redis listens before it loads (and answers -LOADING meanwhile), toyredis after: wait for the log line
  let loaded = null;
  for (let i = 0; i < 60_000 && !(loaded = /DB loaded from disk: ([\d.]+) seconds/.exec(second.output())); i++) {
    if (second.proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 1));
  }
  const readyMs = performance.now() - t;
  if (!loaded) throw new Error(`${name} did not log its load:\n${second.output()}`);
  const keysAfter = await dbsize(second.port);
  await stopProcess(second);
  if (keysAfter !== keys) throw new Error(`${name} loaded ${keysAfter} keys of ${keys}`);
  return { keys, file_bytes: fileBytes, save_ms: saveMs, load_ms: Number(loaded[1]) * 1000, start_to_ready_ms: readyMs, ...stall };
}

// ---- replication: a fresh replica's full sync from a master holding the same 1,000,000 keys ----

/**
 * Start a replica of `name` (the replica is real redis-server when installed, so both masters serve the same
 * peer) and time its full sync until its link is up, while one client PINGs the master: the longest PING round
 * trip is the longest the master stopped serving to produce and send the snapshot.
 */
async function replicationRun(name) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-repl-${name}-`));
  const replicaDir = mkdtempSync(path.join(os.tmpdir(), `bench-repl-replica-of-${name}-`));
  tempDirs.push(dir, replicaDir);
  // Redis waits repl-diskless-sync-delay (5 s) for more replicas before a diskless sync: not what is measured here
  const master = await startIn(name, dir, ['--repl-diskless-sync-delay', '0']);
  log(`${name}: writing ${persistKeys} keys for the replication test`);
  await fillKeys(master.port, persistKeys);
  log(`${name}: SET -P 16 without a replica`);
  const setAlone = (await benchmark(master.port, REPLICATED_SET)).SET.rps;
  const keys = await dbsize(master.port); // the fill, and the one key redis-benchmark's SET writes
  log(`${name}: full sync of a replica with a PING loop`);
  let started = 0, replica = null;
  const stall = await pingWhile(master.port, async () => {
    started = performance.now();
    replica = await startIn(REDIS_SERVER ? 'redis' : 'toyredis', replicaDir, ['--replicaof', `127.0.0.1 ${master.port}`]);
    const watcher = lineClient(replica.port);
    await waitForInfo(watcher, 'replication', 'master_link_status:up');
    watcher.close();
  });
  const syncMs = performance.now() - started;
  const replicaKeys = await dbsize(replica.port);
  log(`${name}: SET -P 16 with the replica attached`);
  const setWithReplica = (await benchmark(master.port, REPLICATED_SET)).SET.rps;
  await stopProcess(replica);
  await stopProcess(master);
  if (replicaKeys !== keys) throw new Error(`the replica of ${name} holds ${replicaKeys} keys of ${keys}`);
  return {
    keys, sync_ms: syncMs, ...stall,
    set_alone_rps: setAlone, set_with_replica_rps: setWithReplica, replica_factor: setWithReplica / setAlone,
  };
}

/** The SET row of `-c 50 -P 16`, run on a master before and after its replica is attached. */
const REPLICATED_SET = ['-t', 'set', '-n', '1000000', '-c', '50', '-P', '16'];

// ---- the run ----

async function main() {
  if (!REDIS_BENCHMARK) throw new Error('redis-benchmark is not installed');
  const servers = [];
  if (sections.has('throughput') || sections.has('memory')) {
    servers.push(await startToyredis());
    if (REDIS_SERVER) servers.push(await startRedis());
    else log('redis-server is not installed: toyredis only');
  }

  const rows = [];
  for (const mode of sections.has('throughput') ? MODES : []) {
    const perServer = {};
    for (const server of servers) {
      const n = await requestsFor(server, mode);
      log(`${server.name} ${mode.name}: ${n} requests per test`);
      const result = await benchmark(server.port, ['-t', TESTS.join(',').toLowerCase(), '-n', String(n), ...mode.flags]);
      perServer[server.name] = { n, result };
    }
    for (const t of TESTS) {
      const toy = perServer.toyredis.result[t];
      const real = perServer.redis?.result[t];
      rows.push({
        row: `${t} ${mode.name}`,
        toyredis: { rps: toy.rps, p50_ms: toy.p50, requests: perServer.toyredis.n },
        redis: real ? { rps: real.rps, p50_ms: real.p50, requests: perServer.redis.n } : null,
        ratio: real ? toy.rps / real.rps : null,
      });
    }
  }

  const memory = {};
  for (const server of sections.has('memory') ? servers : []) {
    await command(server.port, 'FLUSHALL');
    const before = await rssBytes(server);
    log(`${server.name}: loading ${memoryKeys} keys`);
    await benchmark(server.port, ['-t', 'set', '-n', String(memoryKeys), '-r', '100000000000', '-d', '32', '-P', '16', '-c', '50']);
    const keys = await dbsize(server.port);
    await new Promise((r) => setTimeout(r, 500)); // Redis refreshes used_memory_rss in its cron (every 100 ms)
    const after = await rssBytes(server);
    memory[server.name] = { keys, rss_before: before, rss_after: after, bytes_per_key: (after - before) / keys };
  }
  const memoryRatio = memory.redis && memory.toyredis ? memory.toyredis.bytes_per_key / memory.redis.bytes_per_key : null;
  // the throughput/memory servers hold a million keys: free them before the persistence part starts its own
  for (const server of servers.splice(0)) await stopProcess(server);

  const persistence = {};
  if (sections.has('persistence')) {
    persistence.toyredis = await persistenceRun('toyredis');
    if (REDIS_SERVER) persistence.redis = await persistenceRun('redis');
  }
  const pRatio = (field) => (persistence.redis && persistence.toyredis ? persistence.toyredis[field] / persistence.redis[field] : null);

  const replication = {};
  if (sections.has('replication')) {
    replication.toyredis = await replicationRun('toyredis');
    if (REDIS_SERVER) replication.redis = await replicationRun('redis');
  }
  const rRatio = (field) => (replication.redis && replication.toyredis ? replication.toyredis[field] / replication.redis[field] : null);

  if (asJson) {
    console.log(JSON.stringify({
      date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rows, memory, memory_ratio: memoryRatio,
      persistence, persistence_ratios: { save: pRatio('save_ms'), load: pRatio('load_ms') },
      replication, replication_ratios: { sync: rRatio('sync_ms'), set_with_replica: rRatio('set_with_replica_rps') },
    }, null, 2));
    return;
  }
  const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
  const printTable = (table) => {
    const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
    console.log();
    for (const row of table) console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  };
  if (rows.length) {
    const table = [['row', 'toyredis rps', 'redis rps', 'ratio', 'p50 toy ms', 'p50 redis ms']];
    for (const r of rows) table.push([r.row, fmt(r.toyredis.rps), fmt(r.redis?.rps), fmt(r.ratio, 2), fmt(r.toyredis.p50_ms, 3), fmt(r.redis?.p50_ms, 3)]);
    printTable(table);
  }
  if (Object.keys(memory).length) {
    console.log();
    for (const [name, m] of Object.entries(memory)) {
      console.log(`${name.padEnd(8)}  ${fmt(m.keys)} keys, RSS ${fmt(m.rss_before / 1048576, 1)} MB -> ${fmt(m.rss_after / 1048576, 1)} MB: ${fmt(m.bytes_per_key)} bytes per key`);
    }
    if (memoryRatio !== null) console.log(`memory ratio toyredis/redis: ${fmt(memoryRatio, 2)}`);
  }
  if (persistence.toyredis) {
    const toy = persistence.toyredis, real = persistence.redis;
    const table = [[`persistence, ${fmt(toy.keys)} keys`, 'toyredis', 'redis', 'ratio']];
    const row = (label, field, d = 0) => table.push([label, fmt(toy[field], d), fmt(real?.[field], d), fmt(pRatio(field), 2)]);
    row('dump.rdb bytes', 'file_bytes');
    row('SAVE ms', 'save_ms');
    row('load at start ms (log)', 'load_ms');
    row('start to ready ms', 'start_to_ready_ms');
    row('BGSAVE ms', 'bgsave_ms');
    row('longest PING stall during BGSAVE ms', 'ping_max_ms', 1);
    row('PINGs answered during BGSAVE', 'pings');
    printTable(table);
    const verdict = (ok) => (ok ? 'met' : 'NOT met');
    const saveR = pRatio('save_ms'), loadR = pRatio('load_ms');
    console.log(`targets: SAVE <= 3x Redis: ${saveR === null ? '-' : verdict(saveR <= 3)}; load <= 3x Redis: ${loadR === null ? '-' : verdict(loadR <= 3)}; PING stall <= 50 ms: ${verdict(toy.ping_max_ms <= 50)}`);
  }
  if (replication.toyredis) {
    const toy = replication.toyredis, real = replication.redis;
    const table = [[`full sync of a ${REDIS_SERVER ? 'redis-server' : 'toyredis'} replica, ${fmt(toy.keys)} keys`, 'toyredis master', 'redis master', 'ratio']];
    const row = (label, field, d = 0) => table.push([label, fmt(toy[field], d), fmt(real?.[field], d), fmt(rRatio(field), 2)]);
    row('replica start to link up ms', 'sync_ms');
    row('longest PING stall of the master ms', 'ping_max_ms', 1);
    row('PINGs the master answered meanwhile', 'pings');
    row('SET -c 50 -P 16 rps, no replica', 'set_alone_rps');
    row('SET -c 50 -P 16 rps, one replica', 'set_with_replica_rps');
    row('with a replica / without', 'replica_factor', 2);
    printTable(table);
    const syncR = rRatio('sync_ms');
    console.log(`targets: full sync <= 3x Redis: ${syncR === null ? '-' : syncR <= 3 ? 'met' : 'NOT met'}; SET -P 16 with a replica >= 0.8x without: ${toy.replica_factor >= 0.8 ? 'met' : 'NOT met'}`);
  }
}

main()
  .catch((e) => {
    console.error(`bench failed: ${e.stack ?? e}`);
    process.exitCode = 1;
  })
  .finally(killAll);
