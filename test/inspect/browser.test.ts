import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { definitionJson } from '../../lib/inspect/definition';
import { PROTOCOL_VERSION } from '../../lib/inspect/messages';
import { clientMachine } from '../../machines/client';
import { RawConnection } from '../helpers/raw';
import { freePort, ROOT, startToyredis, type RunningServer } from '../helpers/servers';
import { Viewer } from './viewer';

const test = suite('inspect/browser');

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = path.join(ROOT, 'test/artifacts');

let browser: Browser | null = null;
const servers: RunningServer[] = [];

test.before(async () => {
  assert.ok(CHROMIUM, 'Debian chromium is installed (apt-get install chromium)');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

test.after(async () => {
  await browser?.close();
  for (const s of servers.splice(0)) await s.stop();
});

/** A page that records every request it makes and every script error it hits. */
async function open(url: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1600, height: 1000 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, requests, errors };
}

/** The event log as a person reads it: actor, then the event line (type, detail, resulting state). */
async function logRows(page: Page): Promise<{ actor: string; event: string; text: string }[]> {
  return page.$$eval('#events .ev', (rows) =>
    rows.map((r) => ({ actor: (r as any).dataset.actor!, event: (r as any).dataset.event!, text: r.querySelector('.e')!.textContent! })),
  );
}

test('a master, its replica and a client in MULTI: the three machines live, and the handshake in the log', async () => {
  const relayPort = await freePort();
  const master = await startToyredis(['--inspect', String(relayPort)]);
  servers.push(master);
  const watcher = await Viewer.open(relayPort);
  const replica = await startToyredis(['--replicaof', `127.0.0.1 ${master.port}`, '--inspect', `ws://127.0.0.1:${relayPort}`]);
  servers.push(replica);
  await watcher.until(
    () => watcher.messages.some((m) => m.type === '@xstate.snapshot' && m.sessionId.startsWith(`${replica.port}/`) && m.snapshot.value?.linked === 'connected'),
    'the replica connected to its master',
  );
  watcher.close();
  const client = await RawConnection.connect(master.port);
  client.send('MULTI');
  assert.is(await client.readRaw(), '+OK\r\n');
  client.send('SET', 'greeting', 'hello');
  assert.is(await client.readRaw(), '+QUEUED\r\n');

  const { page, requests, errors } = await open(`http://127.0.0.1:${relayPort}/`);
  const card = (machine: string, state: string) => `section.group[data-machine="${machine}"] article.actor[data-state="${state}"]`;
  await page.waitForSelector(card('client', 'multi'));
  await page.waitForSelector(card('client', 'replica')); // the replica's own connection to the master
  await page.waitForSelector(card('replica', 'linked.connected'));
  await page.waitForSelector(card('replicaSync', 'online'));
  assert.equal(await page.$$eval('section.group', (gs) => gs.map((g) => (g as any).dataset.machine)), ['client', 'replica', 'replicaSync']);

  // The current state is highlighted in each diagram: the state itself and its enclosing states. Diagrams are
  // drawn as their cards come into view, as a person scrolls.
  for (const [machine, state] of [['client', 'replica'], ['client', 'multi'], ['replica', 'linked.connected'], ['replicaSync', 'online']]) {
    await page.locator(card(machine, state)).scrollIntoViewIfNeeded();
    await page.waitForSelector(`${card(machine, state)} svg g.node.active`);
  }
  await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
  const active = (machine: string, state: string) =>
    page.$$eval(`${card(machine, state)} svg g.active > title`, (ts) => ts.map((t) => t.textContent).sort());
  assert.equal(await active('replica', 'linked.connected'), ['cluster_replica.linked', 'replica.linked.connected']);
  assert.equal(await active('client', 'multi'), ['client.multi']);
  assert.equal(await active('replicaSync', 'online'), ['replicaSync.online']);
  assert.match((await page.textContent(card('replica', 'linked.connected')))!, `master 127.0.0.1:${master.port}`);

  // The handshake, in order, as the replica lived it (its machine and the link it drives). The relay replays
  // in order, and MULTI was the last event before the page opened: once its row is there, all are.
  await page.waitForSelector('#events .ev[data-event="command.multi"]');
  const rows = await logRows(page);
  const handshake = rows.filter((r) => /^replica( › link)?$/.test(r.actor) && !r.event.startsWith('xstate.')).map((r) => r.text);
  const expected = [
    /^link\.connected → linked\.handshake\.receivePingReply$/,
    /^send PING$/,
    /^link\.reply \+PONG → linked\.handshake\.receivePortReply$/,
    new RegExp(`^send REPLCONF listening-port ${replica.port}$`),
    /^link\.reply \+OK → linked\.handshake\.receiveCapaReply$/,
    /^send REPLCONF capa eof capa psync2$/,
    /^link\.reply \+OK → linked\.handshake\.receivePsyncReply$/,
    /^expectPsyncReply$/,
    /^send PSYNC \? -1$/,
    /^link\.fullresync \{"replid":"[0-9a-f]{40}","offset":\d+\} → linked\.transfer$/,
    /^link\.rdbLoaded \{"keys":\d+\} → linked\.connected$/,
  ];
  assert.is(handshake.length, expected.length, handshake.join('\n'));
  expected.forEach((re, i) => assert.match(handshake[i], re, `step ${i + 1}`));
  // ...and the master's side of it: the connection hands over to a sync that snapshots, sends, goes online.
  const master_ = rows.filter((r) => r.event === 'command.psync' || /^replica-sync-\d+$/.test(r.actor)).map((r) => r.text.split(' ')[0]);
  assert.equal(master_.filter((e) => !e.startsWith('xstate.init')), ['command.psync', 'xstate.done.actor.snapshot', 'bulk.sent']);

  await page.screenshot({ path: path.join(ARTIFACTS, 'inspect-live-view.png'), fullPage: true });

  // Live: EXEC takes the client back to normal, and the log says so.
  client.send('EXEC');
  assert.is(await client.readRaw(), '*1\r\n+OK\r\n');
  const multiCard = `section.group[data-machine="client"] article.actor[data-name]`;
  await page.waitForFunction(() => !(globalThis as any).document.querySelector('section.group[data-machine="client"] article.actor[data-state="multi"]'));
  assert.ok(await page.$(`${multiCard}[data-state="normal"]`));
  await page.waitForSelector('#events .ev[data-event="command.exec"] .to');
  assert.is(await page.textContent('#events .ev[data-event="command.exec"] .to'), ' → normal');

  // The log filtered to one actor.
  await page.fill('#filter', 'replica');
  const visible = await page.$$eval('#events .ev:not(.hidden)', (rs) => rs.map((r) => (r as any).dataset.actor!));
  assert.ok(visible.length >= expected.length && visible.every((a) => a.includes('replica')), visible.join(', '));
  await page.click(`section.group[data-machine="replica"] article.actor .name`);
  assert.is(await page.inputValue('#filter'), 'replica');
  const exact = await page.$$eval('#events .ev:not(.hidden)', (rs) => rs.map((r) => (r as any).dataset.actor!));
  assert.ok(exact.every((a) => a === 'replica' || a === 'replica › link'), exact.join(', '));

  // A client that leaves fades, its card reduced to a line.
  client.close();
  await page.waitForSelector('section.group[data-machine="client"] article.actor.stopped[data-state="closed"]');

  const origin = `127.0.0.1:${relayPort}`;
  assert.ok(requests.every((u) => u.startsWith(`http://${origin}/`) || u.startsWith(`ws://${origin}`)), `only the relay was asked: ${requests}`);
  assert.equal(errors, []);
  await page.close();
});

test('a thousand client actors: the group starts collapsed with counts, and expands a page at a time', async () => {
  const relayPort = await freePort();
  const server = await startToyredis(['--inspect', String(relayPort)]);
  servers.push(server);
  // Another server's thousand clients, sent into the relay as a peer would.
  const peer = await Viewer.open(relayPort);
  const definition = definitionJson(clientMachine.config);
  const now = Date.now();
  for (let i = 1; i <= 1000; i++) {
    const sessionId = `9999/x:${i}`;
    const base = { sessionId, _version: PROTOCOL_VERSION, createdAt: String(now + i), id: null, rootId: sessionId };
    const context = { id: i, addr: `127.0.0.1:${10000 + i}` };
    peer.send(JSON.stringify({ type: '@xstate.actor', ...base, name: `client-${i}`, definition, snapshot: { status: 'active' } }));
    peer.send(JSON.stringify({ type: '@xstate.event', ...base, event: { type: 'xstate.init' } }));
    peer.send(JSON.stringify({ type: '@xstate.snapshot', ...base, event: { type: 'xstate.init' }, snapshot: { status: 'active', value: i % 100 === 0 ? 'multi' : 'normal', context } }));
  }
  const { page, errors } = await open(`http://127.0.0.1:${relayPort}/`);
  const group = 'section.group[data-machine="client"]';
  await page.waitForFunction((g) => /1000 live/.test((globalThis as any).document.querySelector(g + ' .count')?.textContent ?? ''), group);
  assert.ok(await page.$(`${group}.collapsed`), 'collapsed');
  assert.is(await page.$$eval(`${group} article.actor`, (a) => a.length), 0);
  assert.equal(await page.$$eval(`${group} .chip`, (cs) => cs.map((c) => c.textContent)), ['multi 10', 'normal 990']);
  // One diagram for the whole group, each state marked with its number of actors.
  const badges = await page.$$eval(`${group} .overview svg g.node.active`, (ns) =>
    ns.map((n) => `${n.querySelector('title')!.textContent} ${n.querySelector('text.badge')!.textContent}`).sort(),
  );
  assert.equal(badges, ['client.multi 10', 'client.normal 990']);
  await page.screenshot({ path: path.join(ARTIFACTS, 'inspect-1000-clients.png') });
  await page.click(`${group} > header`);
  await page.waitForSelector(`${group}:not(.collapsed) article.actor`);
  assert.not.ok(await page.isVisible(`${group} .overview`), 'expanded: the cards instead of the overview');
  assert.is(await page.$$eval(`${group} article.actor`, (a) => a.length), 24);
  assert.is(await page.textContent(`${group} button.more`), 'show 96 more of 976');
  // Diagrams are drawn only for cards in view.
  const drawn = await page.$$eval(`${group} article.actor .diagram svg`, (s) => s.length);
  assert.ok(drawn > 0 && drawn < 24, `${drawn} diagrams drawn`);
  await page.click(`${group} button.more`);
  assert.is(await page.$$eval(`${group} article.actor`, (a) => a.length), 120);
  assert.equal(errors, []);
  peer.close();
  await page.close();
});

test('/stately frames the hosted inspector and forwards the stream into it once it says it is connected', async () => {
  const relayPort = await freePort();
  const server = await startToyredis(['--inspect', String(relayPort)]);
  servers.push(server);
  const client = await RawConnection.connect(server.port);
  client.send('MULTI');
  assert.is(await client.readRaw(), '+OK\r\n');
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // No test reaches the internet: the hosted inspector is stood in for by a frame that says it is connected
  // (as the real one does) and lists what it is sent.
  await page.route('https://stately.ai/**', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<body><script>
        const got = [];
        addEventListener('message', (e) => { got.push(e.data.type + ' ' + (e.data.name || (e.data.snapshot && e.data.snapshot.value) || '')); document.body.dataset.got = JSON.stringify(got); });
        parent.postMessage({ type: '@statelyai.connected' }, '*');
      </script></body>`,
    }),
  );
  await page.goto(`http://127.0.0.1:${relayPort}/stately`);
  assert.is(await page.getAttribute('iframe#inspector', 'src'), 'https://stately.ai/inspect');
  const frame = page.frames().find((f) => f.url().startsWith('https://stately.ai/'))!;
  await frame.waitForFunction(() => /multi/.test((globalThis as any).document.body.dataset.got ?? ''));
  const got: string[] = JSON.parse((await frame.getAttribute('body', 'data-got'))!);
  assert.ok(got.some((m) => /^@xstate\.actor client-\d+$/.test(m)), got.join(', '));
  assert.ok(got.includes('@xstate.snapshot multi'), got.join(', '));
  assert.equal(errors, []);
  client.close();
  await page.close();
});

test.run();
