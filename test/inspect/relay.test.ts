import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { createActor, setup } from 'xstate';
import { createInspector, createWebSocketInspector, createWebSocketReceiver } from '@statelyai/inspect';
import { startRelay, type Relay } from '../../lib/inspect/relay';
import { createInspectionSource } from '../../lib/inspect/source';
import { PROTOCOL_VERSION, type InspectionMessage } from '../../lib/inspect/messages';
import { stuckViewer, Viewer } from './viewer';
import { until } from '../helpers/wait';

const test = suite('inspect/relay');

const relays: Relay[] = [];
async function relay(options: Partial<Parameters<typeof startRelay>[0]> = {}): Promise<Relay> {
  const r = await startRelay({ port: 0, page: '<!DOCTYPE html><title>live</title>', ...options });
  relays.push(r);
  return r;
}
test.after.each(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

const base = (sessionId: string) => ({ sessionId, _version: PROTOCOL_VERSION, createdAt: String(Date.now()), id: null });
const actorMsg = (sessionId: string, name: string): InspectionMessage => ({
  type: '@xstate.actor', ...base(sessionId), name, definition: JSON.stringify({ id: 'client' }), snapshot: { status: 'active' },
});
const snapMsg = (sessionId: string, value: string, status = 'active'): InspectionMessage => ({
  type: '@xstate.snapshot', ...base(sessionId), event: { type: `to.${value}` }, snapshot: { status, value },
});
const eventMsg = (sessionId: string, type: string): InspectionMessage => ({ type: '@xstate.event', ...base(sessionId), event: { type } });
const publish = (r: Relay, m: InspectionMessage) => r.publish(JSON.stringify(m), m);

test('every message goes to every viewer', async () => {
  const r = await relay();
  const a = await Viewer.open(r.port);
  const b = await Viewer.open(r.port);
  publish(r, actorMsg('s/1', 'client-1'));
  publish(r, eventMsg('s/1', 'command.multi'));
  for (const v of [a, b]) await v.until(() => v.messages.length === 2, 'two messages');
  assert.equal(a.messages.map((m) => m.type), ['@xstate.actor', '@xstate.event']);
  assert.equal(a.raw, b.raw);
  a.close();
  b.close();
});

test('a late viewer gets the live actors in their current state, then the last N messages', async () => {
  const r = await relay({ replay: 3 });
  publish(r, actorMsg('s/1', 'client-1'));
  publish(r, snapMsg('s/1', 'normal'));
  publish(r, actorMsg('s/2', 'client-2'));
  publish(r, snapMsg('s/2', 'normal'));
  publish(r, snapMsg('s/2', 'closed', 'done')); // client-2 is over: not a live actor any more
  publish(r, eventMsg('s/1', 'command.multi'));
  publish(r, snapMsg('s/1', 'multi'));
  const late = await Viewer.open(r.port);
  await late.until(() => late.messages.length === 5, 'the replay');
  const seen = late.messages.map((m) => `${m.type} ${m.sessionId} ${m.snapshot?.value ?? m.event?.type ?? ''}`);
  assert.equal(seen, [
    // live actors first: client-1 only, as it is now
    '@xstate.actor s/1 ',
    '@xstate.snapshot s/1 multi',
    // then the last 3 messages, in order
    '@xstate.snapshot s/2 closed',
    '@xstate.event s/1 command.multi',
    '@xstate.snapshot s/1 multi',
  ]);
  late.close();
});

test('a peer (another server, createWebSocketInspector) is relayed to the others, not echoed', async () => {
  const r = await relay();
  const peer = await Viewer.open(r.port);
  const viewer = await Viewer.open(r.port);
  peer.send(JSON.stringify(actorMsg('p/1', 'replica')));
  await viewer.until(() => viewer.messages.length === 1, 'the peer message');
  assert.is(viewer.messages[0].name, 'replica');
  publish(r, eventMsg('s/1', 'x'));
  await peer.until(() => peer.messages.length === 1, 'our message at the peer');
  assert.is(peer.messages[0].type, '@xstate.event'); // its own message did not come back
  peer.close();
  viewer.close();
});

test('malformed messages from a viewer are ignored and the viewer stays connected', async () => {
  const r = await relay();
  const sender = await Viewer.open(r.port);
  const viewer = await Viewer.open(r.port);
  for (const junk of ['not json', '{"type":"@xstate.actor"}', '[1,2]', '"x"', '{"type":"hello","sessionId":"a"}', '{"type":"@xstate.event","sessionId":"a","event":7}']) {
    sender.send(junk);
  }
  sender.send(Buffer.from([1, 2, 3]));
  sender.send(JSON.stringify(eventMsg('p/1', 'after.junk')));
  await viewer.until(() => viewer.messages.length === 1, 'the one valid message');
  assert.is(viewer.messages[0].event.type, 'after.junk');
  assert.is(r.stats.ignoredMessages, 7);
  assert.not.ok(sender.closed);
  // and a late viewer's replay holds no junk either
  const late = await Viewer.open(r.port);
  await late.until(() => late.messages.length === 1, 'the replay');
  assert.is(late.messages[0].event.type, 'after.junk');
  for (const v of [sender, viewer, late]) v.close();
});

test('when a peer goes away its live actors are reported stopped', async () => {
  const r = await relay();
  const viewer = await Viewer.open(r.port);
  const peer = await Viewer.open(r.port);
  peer.send(JSON.stringify(actorMsg('p/1', 'replica')));
  peer.send(JSON.stringify(actorMsg('p/2', 'link')));
  peer.send(JSON.stringify(snapMsg('p/2', 'x', 'stopped')));
  await viewer.until(() => viewer.messages.length === 3, 'the peer messages');
  peer.close();
  await viewer.until(() => viewer.messages.length === 4, 'the stop');
  assert.equal(viewer.messages[3].type, '@xstate.snapshot');
  assert.equal(viewer.messages[3].sessionId, 'p/1');
  assert.equal(viewer.messages[3].snapshot.status, 'stopped');
  viewer.close();
});

test('a viewer that stops reading is dropped; the others keep getting everything', async () => {
  const r = await relay({ maxViewerBuffer: 256 * 1024 });
  const stuck = await stuckViewer(r.port);
  const good = await Viewer.open(r.port);
  await until(() => r.viewers === 2, 'two viewers');
  const big = 'x'.repeat(64 * 1024);
  let sent = 0;
  // The stuck socket's kernel buffers fill first; after that its unsent bytes grow until the relay gives up.
  while (r.stats.droppedViewers === 0 && sent < 2000) {
    publish(r, eventMsg('s/1', `e${sent++}:${big}`));
    await new Promise((resolve) => setImmediate(resolve)); // let the good viewer read
  }
  assert.is(r.stats.droppedViewers, 1, `dropped after ${sent} messages of 64 KiB`);
  await until(() => r.viewers === 1, 'the stuck viewer gone');
  await good.until(() => good.messages.length === sent, 'every message at the good viewer');
  stuck.destroy();
  good.close();
});

test('the relay binds to loopback by default and to --inspect-bind when given', async () => {
  const r = await relay();
  assert.is(r.host, '127.0.0.1');
  assert.is(r.url, `http://127.0.0.1:${r.port}/`);
  const other = await relay({ host: '127.0.0.2' });
  assert.is(other.host, '127.0.0.2');
  const v = await Viewer.open(other.port, '127.0.0.2');
  v.close();
  const refused = await new Promise<string>((resolve) => {
    const s = net.connect(other.port, '127.0.0.1', () => (s.destroy(), resolve('connected')));
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
  assert.is(refused, 'ECONNREFUSED');
});

test('a port in use is a clear error', async () => {
  const r = await relay();
  try {
    await startRelay({ port: r.port, page: '' });
    assert.unreachable('second relay on the same port');
  } catch (e) {
    assert.is((e as Error).name, 'RelayListenError');
    assert.match((e as Error).message, `Could not start the inspector on 127.0.0.1:${r.port}: address already in use`);
  }
});

test('HTTP: / is the live view, /stately the bridge to the hosted inspector, the rest 404', async () => {
  const r = await relay({ page: '<!DOCTYPE html><title>the live view</title>' });
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${r.port}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), csp: res.headers.get('content-security-policy'), body: await res.text() };
  };
  const root = await get('/');
  assert.is(root.status, 200);
  assert.is(root.body, '<!DOCTYPE html><title>the live view</title>');
  assert.match(root.csp!, "default-src 'none'");
  const bridge = await get('/stately');
  assert.is(bridge.status, 200);
  assert.match(bridge.body, '<iframe id="inspector" src="https://stately.ai/inspect">');
  assert.match(bridge.body, "new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host)");
  assert.is((await get('/other')).status, 404);
  assert.is((await fetch(`http://127.0.0.1:${r.port}/`, { method: 'POST' })).status, 405);
});

test('a page of another site cannot open the stream; the live view and tools can', async () => {
  const r = await relay();
  try {
    await Viewer.open(r.port, '127.0.0.1', { Origin: 'http://evil.example' });
    assert.unreachable('foreign origin accepted');
  } catch (e) {
    assert.match((e as Error).message, 'HTTP 401');
  }
  const same = await Viewer.open(r.port, '127.0.0.1', { Origin: `http://127.0.0.1:${r.port}` });
  same.close();
});

const toggle = setup({}).createMachine({
  id: 'toggle',
  initial: 'off',
  states: { off: { on: { flip: 'on' } }, on: { on: { flip: 'off' } } },
});

test("@statelyai/inspect's createWebSocketInspector can produce into the relay", async () => {
  const r = await relay();
  const viewer = await Viewer.open(r.port);
  const inspector = createWebSocketInspector({ url: `ws://127.0.0.1:${r.port}` });
  const actor = createActor(toggle, { inspect: inspector.inspect }).start();
  actor.send({ type: 'flip' });
  await viewer.until(() => viewer.messages.some((m) => m.type === '@xstate.snapshot' && m.snapshot.value === 'on'), 'the toggle turned on');
  assert.ok(viewer.messages.some((m) => m.type === '@xstate.actor' && m.name === 'toggle'));
  actor.stop();
  inspector.stop();
  viewer.close();
});

test("@statelyai/inspect's createWebSocketReceiver reads what toyredis's actors send", async () => {
  const r = await relay();
  const source = createInspectionSource({ publish: r.publish, tag: () => '6380' });
  const received: any[] = [];
  createWebSocketReceiver({ server: `ws://127.0.0.1:${r.port}` }).subscribe((ev: any) => received.push(ev));
  await until(() => r.viewers === 1, 'the receiver connected');
  const actor = createActor(toggle, { inspect: source.inspect }).start();
  actor.send({ type: 'flip' });
  await until(() => received.some((m) => m.type === '@xstate.snapshot' && m.snapshot.value === 'on'), 'the receiver saw the toggle on');
  assert.equal(
    received.map((m) => m.type),
    ['@xstate.actor', '@xstate.event', '@xstate.snapshot', '@xstate.event', '@xstate.snapshot'],
  );
  assert.match(received[0].sessionId, /^6380\/x:\d+$/);
  actor.stop();
  // the library offers no way to close a receiver; the relay's close() ends its socket
});

test('createInspector (the library core) and our source describe an actor the same way', async () => {
  const theirs: any[] = [];
  const stately = createInspector({ send: (ev: any) => theirs.push(JSON.parse(JSON.stringify(ev))), start() {}, stop() {} } as any);
  const ours: any[] = [];
  const source = createInspectionSource({ publish: (json) => ours.push(JSON.parse(json)), tag: () => 't' });
  const actor = createActor(toggle, {
    inspect: (ev) => {
      source.inspect(ev);
      stately.inspect.next?.(ev);
    },
  }).start();
  actor.send({ type: 'flip' });
  await until(() => theirs.length === 5, 'the library caught up');
  source.flush();
  assert.is(ours.length, theirs.length);
  const comparable = (m: any, prefix: string) => {
    const { createdAt, sessionId, rootId, definition, ...rest } = m;
    return { ...rest, sessionId: sessionId.slice(prefix.length), rootId: rootId?.slice(prefix.length), definition: definition && JSON.parse(definition) };
  };
  for (let i = 0; i < ours.length; i++) {
    assert.equal(comparable(ours[i], 't/'), comparable(theirs[i], ''), `message ${i} (${theirs[i].type})`);
  }
  actor.stop();
});

test.run();
