import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, fromPromise, waitFor } from 'xstate';
import { replicaSyncMachine, replstateName } from '../../machines/replica-sync';

const test = suite('machines/replica-sync');

function start(mode: 'full' | 'partial', snapshot: () => Promise<Buffer[]>) {
  const actor = createActor(replicaSyncMachine.provide({ actors: { snapshotBuilder: fromPromise(snapshot) } }), {
    input: { replicaId: 7, addr: '127.0.0.1:5000', mode },
  });
  const emitted: string[] = [];
  let bulk: { rdb: Buffer[]; length: number } | null = null;
  actor.on('sendBulk', (e) => ((bulk = e), emitted.push('sendBulk')));
  for (const t of ['goOnline', 'disconnect', 'released'] as const) actor.on(t, () => emitted.push(t));
  actor.start();
  return { actor, emitted, bulk: () => bulk };
}

test('full resync: waitBgsave → sendBulk → online', async () => {
  let finish!: (b: Buffer[]) => void;
  const h = start('full', () => new Promise((r) => (finish = r)));
  assert.is(h.actor.getSnapshot().value, 'waitBgsave');
  assert.is(replstateName('waitBgsave'), 'wait_bgsave');
  finish([Buffer.from('REDIS'), Buffer.from('0010')]);
  await waitFor(h.actor, (s) => s.value === 'sendBulk');
  assert.equal(h.bulk()!.length, 9);
  assert.is(h.actor.getSnapshot().context.rdbBytes, 9);
  h.actor.send({ type: 'bulk.sent' });
  assert.is(h.actor.getSnapshot().value, 'online');
  assert.equal(h.emitted, ['sendBulk', 'goOnline']);
});

test('partial resync goes online at once', () => {
  const h = start('partial', () => new Promise(() => {}));
  assert.is(h.actor.getSnapshot().value, 'online');
  assert.equal(h.emitted, ['goOnline']);
});

test('a replica that disconnects in any state is released', async () => {
  for (const at of ['waitBgsave', 'sendBulk', 'online'] as const) {
    const h = start('full', async () => [Buffer.from('x')]);
    if (at !== 'waitBgsave') await waitFor(h.actor, (s) => s.value === 'sendBulk');
    if (at === 'online') h.actor.send({ type: 'bulk.sent' });
    h.actor.send({ type: 'socket.closed' });
    assert.is(h.actor.getSnapshot().status, 'done', at);
    assert.is(h.emitted.at(-1), 'released', at);
  }
});

test('a failed snapshot disconnects the replica', async () => {
  const h = start('full', async () => {
    throw new Error('disk full');
  });
  await waitFor(h.actor, (s) => s.status === 'done');
  assert.equal(h.emitted, ['disconnect', 'released']);
});

test('replica.drop (output buffer limit) disconnects and releases', () => {
  const h = start('partial', async () => []);
  h.actor.send({ type: 'replica.drop', reason: 'output buffer limit' });
  assert.equal(h.emitted, ['goOnline', 'disconnect', 'released']);
});

test.run();
