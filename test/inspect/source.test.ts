import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, fromCallback, fromPromise, type InspectionEvent } from 'xstate';
import { createInspectionSource } from '../../lib/inspect/source';
import { sanitize } from '../../lib/inspect/sanitize';
import { replicaSyncMachine } from '../../machines/replica-sync';
import { replicaMachine } from '../../machines/replica';
import { startInProcess } from '../helpers/inprocess';
import { until } from '../helpers/wait';

const test = suite('inspect/source');

function collect(options: { maxPending?: number; batch?: number } = {}) {
  const messages: any[] = [];
  const source = createInspectionSource({ publish: (json) => messages.push(JSON.parse(json)), tag: () => '7000', ...options });
  return { source, messages };
}

test('a client connection on a real server: its actor, MULTI and EXEC as events and snapshots', async () => {
  const { source, messages } = collect();
  const server = await startInProcess({ inspect: source.inspect });
  try {
    const conn = await server.connect();
    conn.send('MULTI');
    assert.is(await conn.readRaw(), '+OK\r\n');
    conn.send('SET', 'k', 'v');
    assert.is(await conn.readRaw(), '+QUEUED\r\n');
    conn.send('EXEC');
    assert.is(await conn.readRaw(), '*1\r\n+OK\r\n');
    await until(() => messages.some((m) => m.type === '@xstate.event' && m.event.type === 'command.exec'), 'EXEC inspected');
    source.flush();
    const actor = messages.find((m) => m.type === '@xstate.actor');
    assert.is(actor.name, 'client-1');
    assert.match(actor.sessionId, /^7000\/x:\d+$/);
    assert.is(JSON.parse(actor.definition).id, 'client');
    const states = messages.filter((m) => m.type === '@xstate.snapshot').map((m) => `${m.event.type} -> ${m.snapshot.value}`);
    assert.equal(states, ['xstate.init -> normal', 'command.multi -> multi', 'command.exec -> normal']);
    assert.ok(messages.every((m) => m._version === '0.7.2' && m.id === null && /^\d+$/.test(m.createdAt)));
    conn.close();
  } finally {
    await server.close();
  }
});

test('the snapshot builder hands over the RDB as Buffers: inspected as their sizes', async () => {
  const { source, messages } = collect();
  const rdb: Buffer[] = [Buffer.alloc(100_000, 1), Buffer.from('tail')];
  const actor = createActor(
    replicaSyncMachine.provide({ actors: { snapshotBuilder: fromPromise(async () => rdb) } }),
    { input: { replicaId: 7, addr: '127.0.0.1:5000', mode: 'full' }, inspect: source.inspect },
  );
  actor.start();
  await until(() => actor.getSnapshot().value === 'sendBulk', 'sendBulk');
  source.flush();
  const done = messages.find((m) => m.type === '@xstate.event' && m.event.type === 'xstate.done.actor.snapshot');
  assert.equal(done.event.output, ['[Buffer 100000 bytes]', '[Buffer 4 bytes]']);
  const json = JSON.stringify(messages);
  assert.ok(json.length < 20_000, `inspection stayed small (${json.length} bytes)`);
  const child = messages.find((m) => m.type === '@xstate.actor' && m.name === 'snapshot');
  assert.ok(child.parentId, 'the invoked snapshot builder names its parent');
  actor.stop();
});

test('masterauth never leaves the process: AUTH arguments and password fields are hidden', () => {
  const { source, messages } = collect();
  const link = fromCallback(() => () => {});
  const actor = createActor(replicaMachine.provide({ actors: { masterLink: link as any } }), {
    input: {
      master: { host: '127.0.0.1', port: 6379 },
      listeningPort: 6380,
      auth: { user: 'repl', password: 's3cret' },
      psync: () => ({ replid: '?', offset: -1 }),
      replTimeoutMs: 60_000,
    },
    inspect: source.inspect,
  });
  actor.start();
  actor.send({ type: 'link.connected' });
  actor.send({ type: 'link.reply', reply: { kind: 'error', text: 'NOAUTH Authentication required.' } });
  source.flush();
  const json = JSON.stringify(messages);
  assert.not.match(json, 's3cret');
  const auth = messages.find((m) => m.type === '@xstate.event' && m.event.type === 'send' && m.event.argv[0] === 'AUTH');
  assert.equal(auth.event.argv, ['AUTH', '(hidden)', '(hidden)']);
  actor.stop();
});

test('sanitize: long strings, depth, breadth, cycles, functions and odd numbers', () => {
  const cyclic: any = { a: 1 };
  cyclic.self = cyclic;
  let deep: any = 'bottom';
  for (let i = 0; i < 15; i++) deep = { d: deep };
  const out = sanitize({
    long: 'y'.repeat(5000),
    list: Array.from({ length: 80 }, (_, i) => i),
    cyclic,
    deep,
    fn: function sendPing() {},
    big: 12n,
    nan: NaN,
    when: new Date(0),
    err: new Error('boom'),
    bytes: new Uint8Array(3),
  }) as any;
  assert.is(out.long, `${'y'.repeat(60)}… (5000 chars)`);
  assert.is(out.list.length, 51);
  assert.is(out.list[50], '… 30 more');
  assert.is(out.cyclic.self, '[Circular]');
  assert.match(JSON.stringify(out.deep), '[Object]');
  assert.equal(out.fn, { type: 'sendPing' });
  assert.is(out.big, '12');
  assert.is(out.nan, 'NaN');
  assert.is(out.when, '1970-01-01T00:00:00.000Z');
  assert.equal(out.err, { name: 'Error', message: 'boom' });
  assert.is(out.bytes, '[Buffer 3 bytes]');
});

test('the queue is bounded: past its size the oldest records are dropped and counted', () => {
  const { source, messages } = collect({ maxPending: 10 });
  const fake = (i: number) =>
    ({ type: '@xstate.event', actorRef: { sessionId: 'x:1' }, rootId: 'x:1', event: { type: `e${i}` } }) as unknown as InspectionEvent;
  for (let i = 0; i < 25; i++) source.inspect(fake(i));
  assert.is(source.pending, 10);
  assert.is(source.dropped, 15);
  source.flush();
  assert.equal(messages.map((m) => m.event.type), ['e15', 'e16', 'e17', 'e18', 'e19', 'e20', 'e21', 'e22', 'e23', 'e24']);
  assert.is(source.pending, 0);
});

test('records are serialised later, a batch per tick, never inside the actor', async () => {
  const { source, messages } = collect({ batch: 3 });
  const fake = (i: number) =>
    ({ type: '@xstate.event', actorRef: { sessionId: 'x:1' }, rootId: 'x:1', event: { type: `e${i}` } }) as unknown as InspectionEvent;
  for (let i = 0; i < 7; i++) source.inspect(fake(i));
  assert.is(messages.length, 0, 'nothing serialised synchronously');
  await new Promise((r) => setImmediate(r));
  assert.is(messages.length, 3, 'one batch on the next tick');
  await until(() => messages.length === 7, 'the rest on later ticks');
});

test('microsteps and actions are not forwarded; a value that cannot serialise costs only its message', () => {
  const published: string[] = [];
  const source = createInspectionSource({ publish: (json) => published.push(json), tag: () => 't' });
  source.inspect({ type: '@xstate.microstep' } as unknown as InspectionEvent);
  source.inspect({ type: '@xstate.action' } as unknown as InspectionEvent);
  const throwing = { get type() { throw new Error('no'); } };
  source.inspect({ type: '@xstate.event', actorRef: { sessionId: 'x:1' }, rootId: 'x:1', event: throwing } as unknown as InspectionEvent);
  source.inspect({ type: '@xstate.event', actorRef: { sessionId: 'x:1' }, rootId: 'x:1', event: { type: 'fine' } } as unknown as InspectionEvent);
  source.flush();
  assert.is(published.length, 1);
  assert.is(source.failed, 1);
});

test.run();
