/**
 * Real servers for tests: the built dist/toyredis.js and, when installed, real redis-server, each on a free
 * loopback port. Every process started here is killed when the test process exits, whatever happens.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';

export const ROOT = path.resolve(__dirname, '../..');
export const TOYREDIS = path.join(ROOT, 'dist/toyredis.js');

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
function killAll() {
  for (const c of children) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => (killAll(), process.exit(130)));

export function tempDir(prefix = 'toyredis-test-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** A port nothing listens on right now (bind to 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  port: number;
  proc: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Resolve once something accepts TCP on the port (or reject on exit / timeout). */
async function waitForPort(port: number, proc: ChildProcess, output: () => string, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`server did not listen on ${port}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function launch(cmd: string, args: string[], port: number, cwd?: string): Promise<RunningServer> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  children.add(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  proc.on('exit', () => children.delete(proc));
  const server: RunningServer = {
    port,
    proc,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
  };
  return waitForPort(port, proc, () => out).then(() => server, async (e) => {
    await server.stop();
    throw e;
  });
}

/**
 * node dist/toyredis.js on a free port, with extra command-line arguments. It runs in a fresh temp dir unless
 * told otherwise, so whatever it saves (dump.rdb on shutdown, an AOF) never lands in the checkout.
 */
export async function startToyredis(args: string[] = [], opts: { cwd?: string } = {}): Promise<RunningServer> {
  const port = await freePort();
  return launch(process.execPath, [TOYREDIS, '--port', String(port), ...args], port, opts.cwd ?? tempDir('toyredis-run-'));
}

export const redisServerPath = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
export const hasRedis = redisServerPath !== undefined;
export const redisCliPath = ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli'].find((p) => existsSync(p));

/** Real redis-server (when installed): loopback, no persistence, its own temp dir. */
export async function startRedis(args: string[] = []): Promise<RunningServer> {
  if (!redisServerPath) throw new Error('redis-server is not installed');
  const port = await freePort();
  const dir = tempDir('redis-real-');
  const server = await launch(redisServerPath, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args], port);
  // Redis listens before it loads its files and answers -LOADING meanwhile; a slow machine shows it.
  const deadline = Date.now() + 30000;
  while (/^-LOADING/.test(await pingOnce(port))) {
    if (Date.now() > deadline) throw new Error(`redis-server still loading after 30 s:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return server;
}

/** One PING on a fresh connection: the first line of the reply ('' if the connection fails). */
function pingOnce(port: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = net.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) (s.destroy(), resolve(got.slice(0, got.indexOf('\r\n'))));
    });
    s.on('error', () => resolve(''));
    s.on('close', () => resolve(got));
  });
}

/** Run redis-cli against a port; returns stdout. */
export function redisCli(port: number, args: string[], input?: string): { stdout: string; status: number | null } {
  if (!redisCliPath) throw new Error('redis-cli is not installed');
  const r = spawnSync(redisCliPath, ['-p', String(port), ...args], { input, encoding: 'latin1', timeout: 20000 });
  return { stdout: r.stdout, status: r.status };
}
