import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, fromCallback, SimulatedClock, waitFor } from 'xstate';
import { replicaMachine, roleState, type LinkCommand, type LinkEvent } from '../../machines/replica';

const test = suite('machines/replica');

/** A fake master link: records what the machine sends; the test answers by sending link events. */
function harness(opts: { auth?: boolean; psync?: { replid: string; offset: number } } = {}) {
  const sent: string[][] = [];
  const starts: number[] = [];
  let started = 0;
  const link = fromCallback<LinkCommand, any, LinkEvent>(({ receive }) => {
    starts.push(++started);
    receive((cmd) => {
      if (cmd.type === 'send') sent.push(cmd.argv);
    });
    return () => {};
  });
  const clock = new SimulatedClock();
  const actor = createActor(replicaMachine.provide({ actors: { masterLink: link } }), {
    clock,
    input: {
      master: { host: '127.0.0.1', port: 6379 },
      listeningPort: 6380,
      auth: opts.auth ? { password: 'secret' } : undefined,
      psync: () => opts.psync ?? { replid: '?', offset: -1 },
      replTimeoutMs: 60_000,
    },
  });
  const emitted: string[] = [];
  for (const t of ['fullresync', 'continued', 'synced', 'linkDown'] as const) actor.on(t, () => emitted.push(t));
  actor.start();
  const value = () => actor.getSnapshot().value;
  const send = (e: LinkEvent) => actor.send(e);
  const ok = { type: 'link.reply', reply: { kind: 'simple', text: 'OK' } } as const;
  return { actor, clock, sent, starts, emitted, value, send, ok };
}

test('the handshake: PING, REPLCONF listening-port, REPLCONF capa, PSYNC ? -1, then transfer and connected', () => {
  const h = harness();
  assert.equal(h.value(), { linked: 'connecting' });
  assert.is(roleState(h.value()), 'connecting');
  h.send({ type: 'link.connected' });
  assert.equal(h.value(), { linked: { handshake: 'receivePingReply' } });
  assert.is(roleState(h.value()), 'handshake');
  h.send({ type: 'link.reply', reply: { kind: 'simple', text: 'PONG' } });
  assert.equal(h.value(), { linked: { handshake: 'receivePortReply' } });
  h.send(h.ok);
  assert.equal(h.value(), { linked: { handshake: 'receiveCapaReply' } });
  h.send(h.ok);
  assert.equal(h.value(), { linked: { handshake: 'receivePsyncReply' } });
  h.send({ type: 'link.fullresync', replid: 'a'.repeat(40), offset: 0 });
  assert.equal(h.value(), { linked: 'transfer' });
  assert.is(roleState(h.value()), 'sync');
  h.send({ type: 'link.rdbLoaded', keys: 3 });
  assert.equal(h.value(), { linked: 'connected' });
  assert.is(roleState(h.value()), 'connected');
  assert.equal(h.sent, [
    ['PING'],
    ['REPLCONF', 'listening-port', '6380'],
    ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'],
    ['PSYNC', '?', '-1'],
  ]);
  assert.equal(h.emitted, ['fullresync', 'synced']);
});

test('with masterauth the replica sends AUTH after a NOAUTH answer to PING', () => {
  const h = harness({ auth: true });
  h.send({ type: 'link.connected' });
  h.send({ type: 'link.reply', reply: { kind: 'error', text: 'NOAUTH Authentication required.' } });
  assert.equal(h.value(), { linked: { handshake: 'receiveAuthReply' } });
  h.send(h.ok);
  assert.equal(h.value(), { linked: { handshake: 'receivePortReply' } });
  assert.equal(h.sent.slice(0, 2), [['PING'], ['AUTH', 'secret']]);
});

test('a partial resync asks for the cached history and goes straight to connected', () => {
  const h = harness({ psync: { replid: 'b'.repeat(40), offset: 1197 } });
  h.send({ type: 'link.connected' });
  h.send({ type: 'link.reply', reply: { kind: 'simple', text: 'PONG' } });
  h.send(h.ok);
  h.send(h.ok);
  assert.equal(h.sent.at(-1), ['PSYNC', 'b'.repeat(40), '1197']);
  h.send({ type: 'link.continue', replid: null });
  assert.equal(h.value(), { linked: 'connected' });
  assert.equal(h.emitted, ['continued']);
});

test('an error to PING or PSYNC drops the link and reconnects after one second', () => {
  const h = harness();
  h.send({ type: 'link.connected' });
  h.send({ type: 'link.reply', reply: { kind: 'error', text: 'ERR nope' } });
  assert.is(h.value(), 'connect');
  assert.equal(h.emitted, ['linkDown']);
  assert.is(h.actor.getSnapshot().context.lastError, 'unexpected reply: ERR nope');
  h.clock.increment(999);
  assert.is(h.value(), 'connect');
  h.clock.increment(1);
  assert.equal(h.value(), { linked: 'connecting' });
  assert.is(h.starts.length, 2, 'a new link actor was started');
  h.send({ type: 'link.connected' });
  h.send({ type: 'link.reply', reply: { kind: 'simple', text: 'PONG' } });
  h.send(h.ok);
  h.send(h.ok);
  h.send({ type: 'link.reply', reply: { kind: 'error', text: "NOMASTERLINK Can't SYNC while not connected with my master" } });
  assert.is(h.value(), 'connect');
});

test('repl-timeout on a handshake step', () => {
  const h = harness();
  h.send({ type: 'link.connected' });
  h.clock.increment(59_999);
  assert.equal(h.value(), { linked: { handshake: 'receivePingReply' } });
  h.clock.increment(1);
  assert.is(h.value(), 'connect');
  assert.is(h.actor.getSnapshot().context.lastError, 'timeout');
});

test('a link closed while connected goes back to connect; a failed RDB load too', () => {
  const h = harness();
  h.send({ type: 'link.connected' });
  h.send({ type: 'link.reply', reply: { kind: 'simple', text: 'PONG' } });
  h.send(h.ok);
  h.send(h.ok);
  h.send({ type: 'link.fullresync', replid: 'c'.repeat(40), offset: 5 });
  h.send({ type: 'link.rdbFailed', error: 'Wrong RDB checksum' });
  assert.is(h.value(), 'connect');
  assert.match(h.actor.getSnapshot().context.lastError, /Wrong RDB checksum/);
  h.clock.increment(1000);
  h.send({ type: 'link.closed', reason: 'connection lost' });
  assert.is(h.value(), 'connect');
});

test('replica.stop ends the machine from any state', async () => {
  const h = harness();
  h.send({ type: 'link.connected' });
  h.actor.send({ type: 'replica.stop' });
  await waitFor(h.actor, (s) => s.status === 'done');
  assert.is(h.value(), 'stopped');
});

test.run();
