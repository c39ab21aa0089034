import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connectToRelay } from '../../lib/inspect/remote';
import { startRelay } from '../../lib/inspect/relay';
import { PROTOCOL_VERSION, type InspectionMessage } from '../../lib/inspect/messages';
import { freePort } from '../helpers/servers';
import { Viewer } from './viewer';
import { until } from '../helpers/wait';

const test = suite('inspect/remote');

const base = (sessionId: string) => ({ sessionId, _version: PROTOCOL_VERSION, createdAt: String(Date.now()), id: null });
const send = (link: ReturnType<typeof connectToRelay>, m: InspectionMessage) => link.publish(JSON.stringify(m), m);

test('messages wait (bounded) while the relay is unreachable, and arrive once it is up, live actors first', async () => {
  const port = await freePort();
  const link = connectToRelay(`ws://127.0.0.1:${port}`, { retryMs: 20, maxQueued: 3 });
  try {
    send(link, { type: '@xstate.actor', ...base('r/1'), name: 'replica', snapshot: { status: 'active' } });
    for (let i = 0; i < 5; i++) send(link, { type: '@xstate.event', ...base('r/1'), event: { type: `e${i}` } });
    send(link, { type: '@xstate.snapshot', ...base('r/1'), event: { type: 'e4' }, snapshot: { status: 'active', value: 'connect' } });
    assert.not.ok(link.connected);
    assert.is(link.dropped, 4, 'only the last 3 of 7 wait');
    const relay = await startRelay({ port, page: '' });
    try {
      await until(() => relay.stats.messages === 5, 'the relay got what the link sent');
      // A viewer now gets the relay's live actors, then the last messages: those the link sent.
      const viewer = await Viewer.open(relay.port);
      await viewer.until(() => viewer.messages.length === 7, 'the replay');
      assert.equal(
        viewer.messages.slice(2).map((m) => m.type + ' ' + (m.event?.type ?? m.name)),
        [
          '@xstate.actor replica', // re-announced: the relay never saw it (it was dropped from the queue)
          '@xstate.snapshot e4',
          '@xstate.event e3',
          '@xstate.event e4',
          '@xstate.snapshot e4',
        ],
      );
      viewer.close();
    } finally {
      await relay.close();
    }
  } finally {
    link.close();
  }
});

test('after the relay restarts, the link reconnects and re-announces what is alive', async () => {
  const port = await freePort();
  let relay = await startRelay({ port, page: '' });
  const link = connectToRelay(`ws://127.0.0.1:${port}`, { retryMs: 20 });
  try {
    await until(() => link.connected, 'connected');
    send(link, { type: '@xstate.actor', ...base('r/1'), name: 'replica', snapshot: { status: 'active' } });
    send(link, { type: '@xstate.snapshot', ...base('r/1'), event: { type: 'x' }, snapshot: { status: 'active', value: 'connect' } });
    send(link, { type: '@xstate.actor', ...base('r/2'), name: 'link', snapshot: { status: 'active' } });
    send(link, { type: '@xstate.snapshot', ...base('r/2'), event: { type: 'xstate.stop' }, snapshot: { status: 'stopped' } });
    await relay.close();
    await until(() => !link.connected, 'the link noticed');
    const restarted = await startRelay({ port, page: '' });
    relay = restarted;
    await until(() => restarted.stats.messages === 2, 'the re-announcement');
    const viewer = await Viewer.open(restarted.port);
    await viewer.until(() => viewer.messages.length === 4, 'the replay');
    // live actors, then the recent messages: the same two (the stopped child is not re-announced)
    assert.equal(viewer.messages.map((m) => `${m.type} ${m.sessionId}`), ['@xstate.actor r/1', '@xstate.snapshot r/1', '@xstate.actor r/1', '@xstate.snapshot r/1']);
    viewer.close();
  } finally {
    link.close();
    await relay.close();
  }
});

test.run();
