import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor } from 'xstate';
import { clientMachine, type ClientEvent } from '../../machines/client';

const test = suite('machines/client');

function start() {
  const actor = createActor(clientMachine, { input: { id: 1, addr: '127.0.0.1:1' } });
  const emitted: string[] = [];
  for (const t of ['transactionDiscarded', 'closeAfterReply', 'released', 'connectionReset'] as const) actor.on(t, () => emitted.push(t));
  actor.start();
  return { actor, emitted, value: () => actor.getSnapshot().value, send: (e: ClientEvent) => actor.send(e) };
}

test('MULTI, EXEC and DISCARD move between normal and multi', () => {
  const c = start();
  assert.is(c.value(), 'normal');
  c.send({ type: 'command.multi' });
  assert.is(c.value(), 'multi');
  c.send({ type: 'command.exec' });
  assert.is(c.value(), 'normal');
  c.send({ type: 'command.multi' });
  c.send({ type: 'command.discard' });
  assert.is(c.value(), 'normal');
  assert.equal(c.emitted, ['transactionDiscarded']);
});

test('commands meaningless in a mode change nothing (EXEC in normal, MULTI in multi)', () => {
  const c = start();
  c.send({ type: 'command.exec' });
  assert.is(c.value(), 'normal');
  c.send({ type: 'command.multi' });
  c.send({ type: 'command.multi' });
  assert.is(c.value(), 'multi');
});

test('blocked until unblocked; subscribed until the last unsubscribe; PSYNC makes a replica', () => {
  const c = start();
  c.send({ type: 'client.block', reason: 'wait' });
  assert.is(c.value(), 'blocked');
  c.send({ type: 'command.multi' });
  assert.is(c.value(), 'blocked');
  c.send({ type: 'client.unblock' });
  assert.is(c.value(), 'normal');
  c.send({ type: 'command.subscribe' });
  assert.is(c.value(), 'subscribed');
  c.send({ type: 'command.unsubscribedAll' });
  assert.is(c.value(), 'normal');
  c.send({ type: 'command.psync' });
  assert.is(c.value(), 'replica');
});

test('a SUBSCRIBE run by EXEC leaves the transaction subscribed; unsubscribing inside it leaves it normal', () => {
  const c = start();
  c.send({ type: 'command.multi' });
  c.send({ type: 'command.subscribe' });
  assert.is(c.value(), 'multi');
  c.send({ type: 'command.exec' });
  assert.is(c.value(), 'subscribed');
  c.send({ type: 'command.multi' }); // RESP3: a subscriber may start a transaction
  c.send({ type: 'command.unsubscribedAll' });
  c.send({ type: 'command.exec' });
  assert.is(c.value(), 'normal');
});

test('a subscriber returns to subscribed after DISCARD and after a block', () => {
  const c = start();
  c.send({ type: 'command.subscribe' });
  c.send({ type: 'command.multi' });
  c.send({ type: 'command.discard' });
  assert.is(c.value(), 'subscribed');
  assert.equal(c.emitted, ['transactionDiscarded']);
  c.send({ type: 'client.block', reason: 'blpop' });
  assert.is(c.value(), 'blocked');
  c.send({ type: 'client.unblock' });
  assert.is(c.value(), 'subscribed');
});

test('MONITOR: monitor until RESET, through MULTI and a block; subscribing does not leave it', () => {
  const c = start();
  c.send({ type: 'command.monitor' });
  assert.is(c.value(), 'monitor');
  assert.is(c.actor.getSnapshot().context.monitor, true);
  c.send({ type: 'command.subscribe' });
  assert.is(c.value(), 'monitor');
  c.send({ type: 'command.multi' });
  c.send({ type: 'command.exec' });
  assert.is(c.value(), 'monitor');
  c.send({ type: 'client.block', reason: 'wait' });
  c.send({ type: 'client.unblock' });
  assert.is(c.value(), 'monitor');
  c.send({ type: 'command.reset' });
  assert.is(c.value(), 'normal');
  assert.equal(c.actor.getSnapshot().context, { id: 1, addr: '127.0.0.1:1', subscribed: false, monitor: false, blockedInMulti: false });
  assert.equal(c.emitted, ['connectionReset']);
});

test('RESET ends subscriptions and transactions, announcing it from every mode a command can run in', () => {
  for (const setup of [[], [{ type: 'command.subscribe' }], [{ type: 'command.multi' }], [{ type: 'command.subscribe' }, { type: 'command.multi' }], [{ type: 'command.monitor' }]] as ClientEvent[][]) {
    const c = start();
    for (const e of setup) c.send(e);
    c.send({ type: 'command.reset' });
    assert.is(c.value(), 'normal');
    assert.is(c.actor.getSnapshot().context.subscribed, false);
    assert.is(c.emitted.at(-1), 'connectionReset');
    c.send({ type: 'command.multi' });
    c.send({ type: 'command.exec' });
    assert.is(c.value(), 'normal', 'nothing to return to after RESET');
  }
});

test('a subscriber can become a monitor (RESP3); a monitor cannot be subscribed into the subscribed state', () => {
  const c = start();
  c.send({ type: 'command.subscribe' });
  c.send({ type: 'command.monitor' });
  assert.is(c.value(), 'monitor');
  c.send({ type: 'command.unsubscribedAll' });
  assert.is(c.value(), 'monitor');
  assert.is(c.actor.getSnapshot().context.subscribed, false);
});

test('close from any mode: closing (close after reply), then closed on socket close', () => {
  for (const setup of [[], [{ type: 'command.multi' }], [{ type: 'client.block', reason: 'wait' }], [{ type: 'command.psync' }], [{ type: 'command.subscribe' }], [{ type: 'command.monitor' }]] as ClientEvent[][]) {
    const c = start();
    for (const e of setup) c.send(e);
    c.send({ type: 'client.close', reason: 'quit' });
    assert.is(c.value(), 'closing');
    c.send({ type: 'client.close', reason: 'killed' });
    c.send({ type: 'socket.closed' });
    assert.is(c.value(), 'closed');
    assert.is(c.actor.getSnapshot().status, 'done');
    assert.equal(c.emitted.slice(-2), ['closeAfterReply', 'released']);
  }
});

test('a socket that closes without QUIT goes straight to closed', () => {
  const c = start();
  c.send({ type: 'socket.closed' });
  assert.is(c.value(), 'closed');
  assert.equal(c.emitted, ['released']);
});

test('a client paused while queueing a transaction resumes in multi', () => {
  const c = start();
  c.send({ type: 'command.multi' });
  c.send({ type: 'client.block', reason: 'pause' });
  assert.is(c.value(), 'blocked');
  c.send({ type: 'client.unblock' });
  assert.is(c.value(), 'multi');
  c.send({ type: 'command.exec' });
  c.send({ type: 'client.block', reason: 'wait' });
  c.send({ type: 'client.unblock' });
  assert.is(c.value(), 'normal', 'an ordinary block afterwards goes back to normal');
});

test.run();
