// Benchmark: redis-benchmark against the built toyredis and (when installed) real redis-server, in the same run,
// on free loopback ports. Throughput of SET/GET/INCR with 50 clients, 50 clients pipelining 16, and 1 client;
// then memory per key after loading 1,000,000 16-byte keys with 32-byte values. Prints a table, or JSON (--json).
// Options: --json, --seconds S (target duration of a row, default 2), --keys N (memory test keys, default 1000000).
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  return { name, port, proc };
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

// ---- the run ----

async function main() {
  if (!REDIS_BENCHMARK) throw new Error('redis-benchmark is not installed');
  const servers = [await startToyredis()];
  if (REDIS_SERVER) servers.push(await startRedis());
  else log('redis-server is not installed: toyredis only');

  const rows = [];
  for (const mode of MODES) {
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
  for (const server of servers) {
    await command(server.port, 'FLUSHALL');
    const before = await rssBytes(server);
    log(`${server.name}: loading ${memoryKeys} keys`);
    await benchmark(server.port, ['-t', 'set', '-n', String(memoryKeys), '-r', '100000000000', '-d', '32', '-P', '16', '-c', '50']);
    const keys = await dbsize(server.port);
    await new Promise((r) => setTimeout(r, 500)); // Redis refreshes used_memory_rss in its cron (every 100 ms)
    const after = await rssBytes(server);
    memory[server.name] = { keys, rss_before: before, rss_after: after, bytes_per_key: (after - before) / keys };
  }
  const memoryRatio = memory.redis ? memory.toyredis.bytes_per_key / memory.redis.bytes_per_key : null;

  if (asJson) {
    console.log(JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rows, memory, memory_ratio: memoryRatio }, null, 2));
    return;
  }
  const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
  const table = [['row', 'toyredis rps', 'redis rps', 'ratio', 'p50 toy ms', 'p50 redis ms']];
  for (const r of rows) table.push([r.row, fmt(r.toyredis.rps), fmt(r.redis?.rps), fmt(r.ratio, 2), fmt(r.toyredis.p50_ms, 3), fmt(r.redis?.p50_ms, 3)]);
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  console.log();
  for (const row of table) console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  console.log();
  for (const [name, m] of Object.entries(memory)) {
    console.log(`${name.padEnd(8)}  ${fmt(m.keys)} keys, RSS ${fmt(m.rss_before / 1048576, 1)} MB -> ${fmt(m.rss_after / 1048576, 1)} MB: ${fmt(m.bytes_per_key)} bytes per key`);
  }
  if (memoryRatio !== null) console.log(`memory ratio toyredis/redis: ${fmt(memoryRatio, 2)}`);
}

main()
  .catch((e) => {
    console.error(`bench failed: ${e.stack ?? e}`);
    process.exitCode = 1;
  })
  .finally(killAll);
