import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getShortestPaths } from '@xstate/graph';
import { createActor, fromCallback, fromPromise, SimulatedClock, waitFor, type AnyStateMachine } from 'xstate';
import { diagramOf } from '../../lib/inspect/diagram';
import { replicaMachine, type ReplicaInput } from '../../machines/replica';
import { replicaSyncMachine, type ReplicaSyncInput } from '../../machines/replica-sync';
import { clientMachine } from '../../machines/client';

const test = suite('inspect/paths');

/** The states an actor can rest in (eventless choices are passed through, never rested in), as value paths. */
function restingStates(machine: AnyStateMachine): string[] {
  return diagramOf(machine)
    .states.filter((s) => !s.children.length && !s.transient)
    .map((s) => s.id.slice(machine.id.length + 1));
}

function valuePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [k, v] = Object.entries(value as object)[0];
  return `${k}.${valuePath(v)}`;
}

/** Every delayed transition as the event xstate raises for it. */
function afterEvents(machine: AnyStateMachine) {
  return diagramOf(machine)
    .transitions.filter((t) => t.kind === 'after')
    .map((t) => ({ type: t.event }) as any);
}

const reply = (kind: 'simple' | 'error', text: string) => ({ type: 'link.reply', reply: { kind, text } }) as const;

// ---- replica side: the handshake ----

const replicaEvents = [
  { type: 'link.connected' },
  reply('simple', 'PONG'),
  reply('simple', 'OK'),
  reply('error', 'NOAUTH Authentication required.'),
  reply('error', 'ERR unknown command'),
  { type: 'link.fullresync', replid: 'a'.repeat(40), offset: 0 },
  { type: 'link.continue', replid: null },
  { type: 'link.rdbLoaded', keys: 1 },
  { type: 'link.rdbFailed', error: 'short read' },
  { type: 'link.closed', reason: 'connection lost' },
  { type: 'replica.stop' },
  ...afterEvents(replicaMachine),
] as any[];

function replicaInput(auth: boolean): ReplicaInput {
  return {
    master: { host: '127.0.0.1', port: 6379 },
    listeningPort: 6380,
    auth: auth ? { password: 'secret' } : undefined,
    psync: () => ({ replid: '?', offset: -1 }),
    replTimeoutMs: 60_000,
  };
}

const DELAYS: Record<string, number> = { replTimeout: 60_000, reconnectDelay: 1000 };

/** Runs a path on a real actor: events are sent, delays pass on a simulated clock. Returns what the link was told. */
function replayReplica(steps: { event: any }[], auth: boolean) {
  const sent: string[] = [];
  const link = fromCallback(({ receive }: any) => {
    receive((cmd: any) => cmd.type === 'send' && sent.push(cmd.argv.join(' ')));
    return () => {};
  });
  const clock = new SimulatedClock();
  const actor = createActor(replicaMachine.provide({ actors: { masterLink: link as any } }), { input: replicaInput(auth), clock });
  actor.start();
  for (const { event } of steps) {
    if (event.type === 'xstate.init') continue;
    const delay = /^xstate\.after\.(\w+)\./.exec(event.type)?.[1];
    if (delay) clock.increment(DELAYS[delay]);
    else actor.send(event);
  }
  const value = actor.getSnapshot().value;
  actor.stop();
  return { value, sent };
}

for (const auth of [false, true]) {
  test(`replica (${auth ? 'with' : 'without'} masterauth): a shortest path reaches each state, and replays on a real actor`, () => {
    const fakeLink = fromCallback(() => () => {});
    const paths = getShortestPaths(replicaMachine.provide({ actors: { masterLink: fakeLink as any } }), {
      input: replicaInput(auth),
      events: replicaEvents,
      serializeState: (s: any) => JSON.stringify(s.value), // attempts count up forever; the state is the value
    });
    const reached = new Set(paths.map((p) => valuePath(p.state.value)));
    const expected = restingStates(replicaMachine).filter((s) => auth || !s.endsWith('receiveAuthReply'));
    for (const s of expected) assert.ok(reached.has(s), `no path reaches ${s}`);
    if (!auth) assert.not.ok(reached.has('linked.handshake.receiveAuthReply'), 'AUTH only with masterauth');
    for (const p of paths) {
      const { value } = replayReplica(p.steps, auth);
      assert.equal(value, p.state.value, `replaying ${p.steps.map((s) => s.event.type).join(' → ')}`);
    }
  });
}

test('replica: the walks to connected are the handshake, then +CONTINUE or +FULLRESYNC and the RDB', () => {
  const fakeLink = fromCallback(() => () => {});
  const paths = getShortestPaths(replicaMachine.provide({ actors: { masterLink: fakeLink as any } }), {
    input: replicaInput(true),
    events: replicaEvents,
    serializeState: (s: any) => JSON.stringify(s.value),
  });
  const to = (value: string) => paths.find((p) => valuePath(p.state.value) === value)!;
  // A reply event stands for whichever answer passes (+PONG, +OK); its kind is what matters.
  const names = (steps: { event: any }[]) => steps.map((s) => s.event.type + (s.event.reply ? ` ${s.event.reply.kind}` : ''));
  const handshake = ['xstate.init', 'link.connected', 'link.reply simple', 'link.reply simple', 'link.reply simple', 'link.reply simple'];
  assert.equal(names(to('linked.connected').steps), [...handshake, 'link.continue']);
  assert.equal(names(to('linked.transfer').steps), [...handshake, 'link.fullresync']);
  const full = replayReplica([...to('linked.transfer').steps, { event: { type: 'link.rdbLoaded', keys: 1 } }], true);
  assert.equal(full.value, { linked: 'connected' });
  assert.equal(full.sent, ['PING', 'AUTH secret', 'REPLCONF listening-port 6380', 'REPLCONF capa eof capa psync2', 'PSYNC ? -1']);
});

// ---- master side: the per-replica sync ----

const syncEvents = [
  { type: 'bulk.sent' },
  { type: 'socket.closed' },
  { type: 'replica.drop', reason: 'output buffer limit' },
  { type: 'xstate.done.actor.snapshot', output: [Buffer.from('REDIS0010')] },
  { type: 'xstate.error.actor.snapshot', error: new Error('fork failed') },
] as any[];

async function replaySync(steps: { event: any }[], input: ReplicaSyncInput) {
  let settle: { resolve: (b: Buffer[]) => void; reject: (e: Error) => void } | null = null;
  const builder = fromPromise(() => new Promise<Buffer[]>((resolve, reject) => (settle = { resolve, reject })));
  const actor = createActor(replicaSyncMachine.provide({ actors: { snapshotBuilder: builder as any } }), { input });
  actor.subscribe({ error: () => {} });
  actor.start();
  for (const { event } of steps) {
    if (event.type === 'xstate.init') continue;
    const before = actor.getSnapshot().value;
    if (event.type === 'xstate.done.actor.snapshot') settle!.resolve(event.output);
    else if (event.type === 'xstate.error.actor.snapshot') settle!.reject(event.error);
    else {
      actor.send(event);
      continue;
    }
    await waitFor(actor, (s) => s.value !== before);
  }
  const value = actor.getSnapshot().value;
  actor.stop();
  return value;
}

for (const mode of ['full', 'partial'] as const) {
  test(`replicaSync (${mode} resync): a shortest path reaches each state, and replays on a real actor`, async () => {
    const input: ReplicaSyncInput = { replicaId: 3, addr: '127.0.0.1:6380', mode };
    const builder = fromPromise(() => new Promise<Buffer[]>(() => {}));
    const paths = getShortestPaths(replicaSyncMachine.provide({ actors: { snapshotBuilder: builder as any } }), { input, events: syncEvents });
    const reached = new Set(paths.map((p) => valuePath(p.state.value)));
    const expected = mode === 'full' ? restingStates(replicaSyncMachine) : ['online', 'closed'];
    for (const s of expected) assert.ok(reached.has(s), `no path reaches ${s}`);
    if (mode === 'partial') assert.not.ok(reached.has('waitBgsave'), 'a partial resync sends no snapshot');
    for (const p of paths) {
      assert.equal(await replaySync(p.steps, input), p.state.value, `replaying ${p.steps.map((s) => s.event.type).join(' → ')}`);
    }
  });
}

// ---- a client connection ----

test('client: a shortest path reaches each state, and replays on a real actor', () => {
  const events = [
    'command.multi', 'command.exec', 'command.discard', 'command.reset', 'command.subscribe', 'command.unsubscribedAll',
    'client.unblock', 'command.psync', 'command.monitor', 'socket.closed',
  ].map((type) => ({ type })) as any[];
  events.push({ type: 'client.block', reason: 'WAIT' }, { type: 'client.close', reason: 'quit' });
  const input = { id: 1, addr: '127.0.0.1:5000' };
  const paths = getShortestPaths(clientMachine, { input, events });
  const reached = new Set(paths.map((p) => valuePath(p.state.value)));
  for (const s of restingStates(clientMachine)) assert.ok(reached.has(s), `no path reaches ${s}`);
  for (const p of paths) {
    const actor = createActor(clientMachine, { input }).start();
    for (const { event } of p.steps.slice(1)) actor.send(event as any); // the first step is xstate.init
    assert.equal(actor.getSnapshot().value, p.state.value);
    actor.stop();
  }
});

test.run();
