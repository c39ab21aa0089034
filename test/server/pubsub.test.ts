import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { bulk, int } from '../helpers/resp';
import { until } from '../helpers/wait';
import { pubsubOf, subscriptionCounts } from '../../lib/server/pubsub';
import type { Client } from '../../lib/server/client';
import type { Reply } from '../../lib/protocol/reply';

const test = suite('server/pubsub');

let srv: InProcess;
let conns: RawConnection[] = [];
const servers: InProcess[] = [];

test.before.each(async () => {
  srv = await startInProcess();
});

test.after.each(async () => {
  for (const c of conns.splice(0)) c.close();
  await srv.close();
  for (const s of servers.splice(0)) await s.close();
});

async function connect(server: InProcess = srv): Promise<RawConnection> {
  const c = await server.connect();
  conns.push(c);
  return c;
}

/** Send a command and read `n` frames (a SUBSCRIBE's confirmations). */
async function call(c: RawConnection, argv: string[], n = 1): Promise<string[]> {
  c.send(...argv);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await c.readRaw());
  return out;
}

/** The server-side client of a connection, found by its id. */
async function clientOf(c: RawConnection): Promise<Client> {
  const [id] = await call(c, ['CLIENT', 'ID']);
  return srv.server.clients.get(Number(id.slice(1)))!;
}

const infoField = async (c: RawConnection, field: string) => {
  const text = (await c.read()) as Extract<Reply, { kind: 'bulk' }>;
  return String(text.value).split('\r\n').find((l) => l.startsWith(`${field}:`))?.slice(field.length + 1);
};

async function info(c: RawConnection, section: string, field: string): Promise<string | undefined> {
  c.send('INFO', section);
  return infoField(c, field);
}

test('INFO stats counts channels, patterns and shard channels that have subscribers', async () => {
  const [a, b, q] = [await connect(), await connect(), await connect()];
  const counts = async () => [
    await info(q, 'stats', 'pubsub_channels'), await info(q, 'stats', 'pubsub_patterns'), await info(q, 'stats', 'pubsubshard_channels'),
  ];
  assert.equal(await counts(), ['0', '0', '0']);
  await call(a, ['SUBSCRIBE', 'x', 'y'], 2);
  await call(b, ['SUBSCRIBE', 'x'], 1);
  await call(b, ['PSUBSCRIBE', 'p*', 'q*'], 2);
  await call(a, ['PSUBSCRIBE', 'p*'], 1);
  await call(a, ['SSUBSCRIBE', 's'], 1);
  assert.equal(await counts(), ['2', '2', '1']);
  await call(b, ['UNSUBSCRIBE'], 1);
  assert.equal(await counts(), ['2', '2', '1'], 'x still has a subscriber');
  a.close();
  await until(async () => (await counts()).join() === '0,2,0', 'a closed connection drops its subscriptions');
});

test('CLIENT LIST shows sub, psub, ssub and the P flag; TYPE pubsub finds subscribers', async () => {
  const [a, q] = [await connect(), await connect()];
  const me = await clientOf(a);
  await call(a, ['SUBSCRIBE', 'c1', 'c2'], 2);
  await call(a, ['PSUBSCRIBE', 'p*'], 1);
  await call(a, ['SSUBSCRIBE', 's1', 's2', 's3'], 3);
  assert.equal(subscriptionCounts(me), { channels: 2, patterns: 1, shards: 3 });
  q.send('CLIENT', 'LIST', 'TYPE', 'pubsub');
  const list = String(((await q.read()) as Extract<Reply, { kind: 'bulk' }>).value);
  assert.is(list.trim().split('\n').length, 1);
  assert.match(list, new RegExp(`^id=${me.id} .* flags=P db=0 sub=2 psub=1 ssub=3 multi=-1 `));
  assert.is(me.mode, 'subscribed');
  await call(a, ['UNSUBSCRIBE'], 2);
  await call(a, ['PUNSUBSCRIBE'], 1);
  assert.is(me.mode, 'subscribed', 'shard channels still count');
  await call(a, ['SUNSUBSCRIBE'], 3);
  assert.is(me.mode, 'normal');
  q.send('CLIENT', 'LIST', 'TYPE', 'pubsub');
  assert.is(await q.readRaw(), bulk(''));
  // CLIENT KILL TYPE pubsub takes subscribers only
  await call(a, ['SUBSCRIBE', 'again'], 1);
  await runRows(q, [[['CLIENT', 'KILL', 'TYPE', 'pubsub'], int(1)]]);
  assert.ok(await a.waitClosed());
});

test('many subscribers: every one gets each message once, in subscription order', async () => {
  const subs: RawConnection[] = [];
  for (let i = 0; i < 150; i++) subs.push(await connect());
  for (const [i, s] of subs.entries()) await call(s, i % 3 === 0 ? ['PSUBSCRIBE', 'room.*'] : ['SUBSCRIBE', 'room.1'], 1);
  const pub = await connect();
  await runRows(pub, [[['PUBLISH', 'room.1', 'm1'], int(150)], [['PUBLISH', 'room.2', 'm2'], int(50)]]);
  for (const [i, s] of subs.entries()) {
    if (i % 3 === 0) {
      assert.is(await s.readRaw(), `*4\r\n${bulk('pmessage')}${bulk('room.*')}${bulk('room.1')}${bulk('m1')}`);
      assert.is(await s.readRaw(), `*4\r\n${bulk('pmessage')}${bulk('room.*')}${bulk('room.2')}${bulk('m2')}`);
    } else {
      assert.is(await s.readRaw(), `*3\r\n${bulk('message')}${bulk('room.1')}${bulk('m1')}`);
    }
  }
  const order = [...pubsubOf(srv.server).channels.get('room.1')!].map((c) => c.id);
  assert.equal(order, [...order].sort((x, y) => x - y), 'subscribers kept in subscription order');
});

test('a subscriber that never reads is dropped at the pubsub hard limit; the others keep their messages', async () => {
  const [sleeper, reader, pub] = [await connect(), await connect(), await connect()];
  await runRows(pub, [[['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 0 0'], '+OK\r\n']]);
  await call(sleeper, ['SUBSCRIBE', 'firehose'], 1);
  await call(reader, ['SUBSCRIBE', 'firehose'], 1);
  sleeper.socket.pause(); // the kernel buffers fill, then the server's own output buffer grows
  const payload = 'x'.repeat(64 * 1024);
  let sent = 0;
  let receivers = 2;
  while (receivers === 2 && sent < 2000) {
    pub.send('PUBLISH', 'firehose', payload);
    receivers = Number((await pub.readRaw()).slice(1));
    sent++;
    await reader.readRaw();
  }
  assert.is(receivers, 1, 'the sleeper was dropped');
  assert.ok(sent > 16, 'not before its limit (1 MB of output) was reached');
  assert.ok(srv.logs.some((l) => /# Client id=\d+ addr=\S+ .* flags=P .* scheduled to be closed ASAP for overcoming of output buffer limits\./.test(l)));
  sleeper.socket.resume(); // read what reached it, then the end of the connection
  assert.ok(await sleeper.waitClosed(5000));
  await runRows(pub, [[['PUBSUB', 'NUMSUB', 'firehose'], `*2\r\n${bulk('firehose')}${int(1)}`]]);
});

test('the soft limit drops a subscriber only after it stayed over it longer than its seconds', async () => {
  const [sleeper, pub] = [await connect(), await connect()];
  const me = await clientOf(sleeper);
  await runRows(pub, [[['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 256kb 10'], '+OK\r\n']]);
  await call(sleeper, ['SUBSCRIBE', 'slow'], 1);
  sleeper.socket.pause();
  const payload = 'y'.repeat(64 * 1024);
  // fill until the server itself holds well over the soft limit for this client (the margin keeps it over while
  // the kernel takes a little more)
  for (let i = 0; i < 2000 && me.socket.writableLength < 512 * 1024; i++) await runRows(pub, [[['PUBLISH', 'slow', payload], int(1)]]);
  assert.ok(me.socket.writableLength >= 512 * 1024);
  await runRows(pub, [[['PUBLISH', 'slow', payload], int(1)]]);
  srv.clock.advance(10_000); // exactly the limit's seconds: not yet
  await runRows(pub, [[['PUBLISH', 'slow', payload], int(1)]]);
  assert.not.ok(me.socket.destroyed);
  srv.clock.advance(1_000);
  await runRows(pub, [[['PUBLISH', 'slow', payload], int(1)]]); // delivered, then over the limit for 11 s: dropped
  assert.ok(me.socket.destroyed);
  await runRows(pub, [[['PUBLISH', 'slow', payload], int(0)]]);
});

test('a monitor that never reads is dropped at the normal class limit', async () => {
  const [mon, other] = [await connect(), await connect()];
  await runRows(other, [[['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 64kb 0 0 pubsub 0 0 0'], '+OK\r\n']]);
  await runRows(mon, [[['MONITOR'], '+OK\r\n']]);
  mon.socket.pause();
  const big = 'z'.repeat(32 * 1024);
  for (let i = 0; i < 2000 && !mon.closed; i++) {
    await runRows(other, [[['ECHO', big], bulk(big)]]);
    if (srv.logs.some((l) => l.includes('overcoming of output buffer limits'))) break;
  }
  assert.ok(srv.logs.some((l) => /flags=O .* scheduled to be closed ASAP for overcoming of output buffer limits/.test(l)));
  mon.socket.resume();
  assert.ok(await mon.waitClosed(5000));
});

test('the client machine follows subscriptions: subscribed, back to normal, RESET, MULTI in RESP3', async () => {
  const c = await connect();
  const me = await clientOf(c);
  assert.is(me.mode, 'normal');
  await call(c, ['PSUBSCRIBE', 'a*'], 1);
  assert.is(me.mode, 'subscribed');
  await call(c, ['PUNSUBSCRIBE', 'a*'], 1);
  assert.is(me.mode, 'normal');
  await call(c, ['SUBSCRIBE', 'x'], 1);
  await call(c, ['RESET']);
  assert.is(me.mode, 'normal');
  assert.equal(subscriptionCounts(me), { channels: 0, patterns: 0, shards: 0 });
  await call(c, ['HELLO', '3']);
  await call(c, ['SUBSCRIBE', 'x'], 1);
  await call(c, ['MULTI']);
  assert.is(me.mode, 'multi');
  await call(c, ['UNSUBSCRIBE']); // queued
  await call(c, ['EXEC']);
  assert.is(me.mode, 'normal', 'the transaction unsubscribed it');
});

test('PUBLISH on a master reaches subscribers on its replica', async () => {
  const replica = await startInProcess({ config: [['replicaof', `127.0.0.1 ${srv.port}`]] });
  servers.push(replica);
  const q = await connect(replica);
  await until(async () => (await info(q, 'replication', 'master_link_status')) === 'up', 'replica link up');
  const sub = await connect(replica);
  await call(sub, ['SUBSCRIBE', 'events'], 1);
  const pub = await connect();
  await runRows(pub, [[['PUBLISH', 'events', 'from-master'], int(0)]]);
  assert.is(await sub.readRaw(), `*3\r\n${bulk('message')}${bulk('events')}${bulk('from-master')}`);
});

test.run();
