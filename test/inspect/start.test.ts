import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, startToyredis, tempDir, TOYREDIS, type RunningServer } from '../helpers/servers';
import { RawConnection } from '../helpers/raw';
import { Viewer } from './viewer';
import { until } from '../helpers/wait';

const test = suite('inspect/start');

const children = new Set<ChildProcess>();
test.after.each(() => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
});

/**
 * dist/toyredis.js with a preload that answers SIGUSR2 with whether Node loaded its HTTP server or zlib: the
 * relay and `ws` need them, the server alone does not. Resolves once the server says it is ready.
 */
async function startProbed(args: string[]): Promise<{ proc: ChildProcess; output: () => string; loaded: () => Promise<string[]> }> {
  assert.ok(existsSync(TOYREDIS), 'dist/toyredis.js is built (node build.mjs)');
  const preload = path.join(tempDir(), 'probe.cjs');
  writeFileSync(preload, `process.on('SIGUSR2', () => console.log('LOADED ' + JSON.stringify(process.moduleLoadList.filter((m) => /_http_server|zlib/.test(m)))));\n`);
  const proc = spawn(process.execPath, ['-r', preload, TOYREDIS, '--port', String(await freePort()), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  await until(() => out.includes('Ready to accept connections') || proc.exitCode !== null, 'ready');
  assert.is(proc.exitCode, null, out);
  return {
    proc,
    output: () => out,
    loaded: async () => {
      proc.kill('SIGUSR2');
      await until(() => out.includes('LOADED '), 'the probe answered');
      return JSON.parse(/LOADED (.*)/.exec(out)![1]);
    },
  };
}

test('without --inspect no inspection code runs; with it, the relay starts and both URLs are logged', async () => {
  const plain = await startProbed([]);
  assert.equal(await plain.loaded(), [], 'no HTTP server, no ws');
  assert.not.match(plain.output(), 'Inspector');
  const port = await freePort();
  const inspected = await startProbed(['--inspect', String(port)]);
  assert.ok((await inspected.loaded()).includes('NativeModule _http_server'));
  assert.match(inspected.output(), `Inspector: live view (offline) http://127.0.0.1:${port}/`);
  assert.match(inspected.output(), `Inspector: Stately inspector (online) http://127.0.0.1:${port}/stately`);
  assert.match(inspected.output(), `Inspector: WebSocket stream for @statelyai/inspect receivers ws://127.0.0.1:${port}/`);
});

test('the bundled page carries the diagrams rendered at build time, and nothing from elsewhere', async () => {
  const port = await freePort();
  const server = await startToyredis(['--inspect', String(port)]);
  try {
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    for (const title of ['client.multi', 'replica.linked.connected', 'replicaSync.waitBgsave']) {
      assert.match(page, `\\u003ctitle>${title}\\u003c/title>`, title);
    }
    assert.not.match(page, /(src|href)="https?:/, 'no external scripts, styles or fonts');
    assert.not.match(page, /@import|url\(http/);
  } finally {
    await server.stop();
  }
});

test('an --inspect port in use ends with one line and exit status 1', async () => {
  const busy = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => busy.once('listening', r));
  const port = (busy.address() as net.AddressInfo).port;
  const r = spawnSync(process.execPath, [TOYREDIS, '--port', String(await freePort()), '--inspect', String(port)], { encoding: 'utf8', timeout: 20000 });
  busy.close();
  assert.is(r.status, 1);
  assert.is(r.stderr, `toyredis: Could not start the inspector on 127.0.0.1:${port}: address already in use\n`);
});

test('a replica sends its machines to its master\'s relay (--inspect ws://…), tagged with its own port', async () => {
  const relayPort = await freePort();
  const servers: RunningServer[] = [];
  try {
    const master = await startToyredis(['--inspect', String(relayPort)]);
    servers.push(master);
    const viewer = await Viewer.open(relayPort);
    const replica = await startToyredis(['--replicaof', `127.0.0.1 ${master.port}`, '--inspect', `ws://127.0.0.1:${relayPort}`]);
    servers.push(replica);
    // Follow the link actor's own session: the replica's client actors (the start-up probe) report on the same
    // port, in an order that depends on load.
    const linkSession = () =>
      viewer.messages.find((m) => m.type === '@xstate.actor' && m.name === 'replica' && m.sessionId.startsWith(`${replica.port}/`))?.sessionId;
    const linkState = () => viewer.messages.filter((m) => m.type === '@xstate.snapshot' && m.sessionId === linkSession()).pop()?.snapshot?.value;
    await viewer.until(() => JSON.stringify(linkState()) === '{"linked":"connected"}', 'the replica link connected');
    const replicaActor = viewer.messages.find((m) => m.type === '@xstate.actor' && m.name === 'replica');
    assert.match(replicaActor.sessionId, new RegExp(`^${replica.port}/x:\\d+$`));
    const sync = viewer.messages.find((m) => m.type === '@xstate.actor' && /^replica-sync-\d+$/.test(m.name));
    assert.match(sync.sessionId, new RegExp(`^${master.port}/`), 'the master side is tagged with the master port');
    // A viewer that comes later still sees the replica link, in its current state.
    const late = await Viewer.open(relayPort);
    await late.until(() => late.messages.some((m) => m.sessionId === replicaActor.sessionId && m.snapshot?.value?.linked === 'connected'), 'the late replay');
    // The replica goes away: its actors are reported stopped.
    await replica.stop();
    await viewer.until(
      () => viewer.messages.some((m) => m.sessionId === replicaActor.sessionId && m.snapshot?.status === 'stopped'),
      'the replica link reported stopped',
    );
    viewer.close();
    late.close();
  } finally {
    for (const s of servers) await s.stop();
  }
});

test('a client on the master shows up as it enters and leaves MULTI', async () => {
  const relayPort = await freePort();
  const master = await startToyredis(['--inspect', String(relayPort)]);
  try {
    const viewer = await Viewer.open(relayPort);
    const conn = await RawConnection.connect(master.port);
    conn.send('MULTI');
    assert.is(await conn.readRaw(), '+OK\r\n');
    conn.send('EXEC');
    assert.is(await conn.readRaw(), '*0\r\n');
    // Ours is the connection that sent MULTI (the launcher's readiness probe was a connection too).
    const ours = () => viewer.messages.find((m) => m.type === '@xstate.event' && m.event.type === 'command.multi')?.sessionId;
    const values = () => viewer.messages.filter((m) => m.type === '@xstate.snapshot' && m.sessionId === ours()).map((m) => m.snapshot.value);
    await viewer.until(() => values().join() === 'normal,multi,normal', 'normal → multi → normal');
    conn.close();
    await viewer.until(() => values().includes('closed'), 'the connection closed');
    viewer.close();
  } finally {
    await master.stop();
  }
});

test.run();
