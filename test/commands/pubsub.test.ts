import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { hasRedis, startRedis } from '../helpers/servers';
import { label } from '../helpers/differential';
import { arity, arr, bulk, bulks, err, int, OK, QUEUED } from '../helpers/resp';

const test = suite('commands/pubsub');

/** A pub/sub frame: an array in RESP2, a push (`>`) in RESP3; null stands for a missing channel name. */
const frame = (proto: 2 | 3, ...items: (string | number | null)[]) =>
  `${proto === 3 ? '>' : '*'}${items.length}\r\n${items
    .map((i) => (i === null ? (proto === 3 ? '_\r\n' : '$-1\r\n') : typeof i === 'number' ? int(i) : bulk(i)))
    .join('')}`;
const notAllowed = (cmd: string) =>
  err(`ERR Can't execute '${cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);

let srv: InProcess;

test.before.each(async () => {
  srv = await startInProcess();
});

test.after.each(() => srv.stop());

async function connect(proto: 2 | 3 = 2): Promise<RawConnection> {
  const c = await srv.connect();
  if (proto === 3) {
    c.send('HELLO', '3');
    await c.readRaw();
  }
  return c;
}

/** Send one command and expect exactly these frames back, in order. */
async function expectFrames(c: RawConnection, argv: string[], ...frames: string[]): Promise<void> {
  c.send(...argv);
  const got: string[] = [];
  for (let i = 0; i < frames.length; i++) got.push(await c.readRaw());
  assert.equal(got, frames, argv.join(' '));
}

/** Nothing more arrived: a PING's reply is the very next frame. */
async function expectNothingPending(c: RawConnection, pong = '+PONG\r\n'): Promise<void> {
  c.send('PING');
  assert.is(await c.readRaw(), pong);
}

for (const proto of [2, 3] as const) {
  test(`RESP${proto}: (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE confirm every name with the running count`, async () => {
    const c = await connect(proto);
    const f = (...items: (string | number | null)[]) => frame(proto, ...items);
    await expectFrames(c, ['SUBSCRIBE', 'a', 'b', 'a'], f('subscribe', 'a', 1), f('subscribe', 'b', 2), f('subscribe', 'a', 2));
    await expectFrames(c, ['PSUBSCRIBE', 'a*', 'a*'], f('psubscribe', 'a*', 3), f('psubscribe', 'a*', 3));
    // shard channels count on their own
    await expectFrames(c, ['SSUBSCRIBE', 's1', 's2'], f('ssubscribe', 's1', 1), f('ssubscribe', 's2', 2));
    await expectFrames(c, ['UNSUBSCRIBE', 'b', 'zz'], f('unsubscribe', 'b', 2), f('unsubscribe', 'zz', 2));
    await expectFrames(c, ['PUNSUBSCRIBE'], f('punsubscribe', 'a*', 1));
    await expectFrames(c, ['PUNSUBSCRIBE'], f('punsubscribe', null, 1));
    await expectFrames(c, ['SUNSUBSCRIBE'], f('sunsubscribe', 's1', 1), f('sunsubscribe', 's2', 0));
    await expectFrames(c, ['SUNSUBSCRIBE'], f('sunsubscribe', null, 0));
    await expectFrames(c, ['UNSUBSCRIBE'], f('unsubscribe', 'a', 0));
    await expectFrames(c, ['UNSUBSCRIBE', 'x'], f('unsubscribe', 'x', 0));
    // back in normal mode: plain PONG and any command
    await expectFrames(c, ['PING'], '+PONG\r\n');
    await expectFrames(c, ['GET', 'k'], proto === 3 ? '_\r\n' : '$-1\r\n');
  });

  test(`RESP${proto}: PUBLISH reaches channel subscribers, then pattern subscribers, and counts them`, async () => {
    const [sub1, sub2, psub, pub] = [await connect(proto), await connect(2), await connect(proto), await connect(2)];
    const f = (...items: (string | number | null)[]) => frame(proto, ...items);
    await expectFrames(sub1, ['SUBSCRIBE', 'news.tech'], f('subscribe', 'news.tech', 1));
    await expectFrames(sub2, ['SUBSCRIBE', 'news.tech', 'other'], frame(2, 'subscribe', 'news.tech', 1), frame(2, 'subscribe', 'other', 2));
    await expectFrames(psub, ['PSUBSCRIBE', 'news.*', 'n?ws.[st]ech', 'sport.*'],
      f('psubscribe', 'news.*', 1), f('psubscribe', 'n?ws.[st]ech', 2), f('psubscribe', 'sport.*', 3));
    await runRows(pub, [
      [['PUBLISH', 'news.tech', 'hello'], int(4)],
      [['PUBLISH', 'news.art', 'x\r\ny\0'], int(1)],
      [['PUBLISH', 'nothing', 'lost'], int(0)],
      [['SPUBLISH', 'news.tech', 'shard'], int(0)], // shard channels are a separate namespace, without patterns
    ]);
    assert.is(await sub1.readRaw(), f('message', 'news.tech', 'hello'));
    assert.is(await sub2.readRaw(), frame(2, 'message', 'news.tech', 'hello'));
    assert.is(await psub.readRaw(), f('pmessage', 'news.*', 'news.tech', 'hello'));
    assert.is(await psub.readRaw(), f('pmessage', 'n?ws.[st]ech', 'news.tech', 'hello'));
    assert.is(await psub.readRaw(), f('pmessage', 'news.*', 'news.art', 'x\r\ny\0'));
    for (const c of [sub1, psub]) await expectNothingPending(c, proto === 3 ? '+PONG\r\n' : bulks('pong', ''));
  });

  test(`RESP${proto}: SPUBLISH reaches shard subscribers only`, async () => {
    const [sub, psub, pub] = [await connect(proto), await connect(proto), await connect(2)];
    await expectFrames(sub, ['SSUBSCRIBE', 'orders'], frame(proto, 'ssubscribe', 'orders', 1));
    await expectFrames(psub, ['PSUBSCRIBE', '*'], frame(proto, 'psubscribe', '*', 1));
    await runRows(pub, [[['SPUBLISH', 'orders', 'o1'], int(1)], [['PUBLISH', 'orders', 'o2'], int(1)]]);
    assert.is(await sub.readRaw(), frame(proto, 'smessage', 'orders', 'o1'));
    assert.is(await psub.readRaw(), frame(proto, 'pmessage', '*', 'orders', 'o2'));
  });
}

test('RESP2 subscribed mode: only (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET run; PING answers as a message', async () => {
  const c = await connect();
  await expectFrames(c, ['SSUBSCRIBE', 'only-shard'], frame(2, 'ssubscribe', 'only-shard', 1));
  await runRows(c, [
    [['GET', 'k'], notAllowed('get')],
    [['CLIENT', 'LIST'], notAllowed('client|list')],
    [['MULTI'], notAllowed('multi')],
    [['MONITOR'], notAllowed('monitor')],
    [['PUBLISH', 'a', 'b'], notAllowed('publish')],
    // a refused EXEC always answers as an aborted transaction, without the ERR code of the reason
    [['EXEC'], err("EXECABORT Transaction discarded because of: Can't execute 'exec': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")],
    // the checks before it still come first
    [['NOSUCH'], err("ERR unknown command 'NOSUCH', with args beginning with: ")],
    [['GET'], arity('get')],
    [['PING'], bulks('pong', '')],
    [['PING', 'hi'], bulks('pong', 'hi')],
    [['PING', 'a', 'b'], arity('ping')],
  ]);
  await expectFrames(c, ['SUBSCRIBE', 'a'], frame(2, 'subscribe', 'a', 1));
  await expectFrames(c, ['SUNSUBSCRIBE'], frame(2, 'sunsubscribe', 'only-shard', 0));
  await runRows(c, [[['GET', 'k'], notAllowed('get')]]); // still subscribed to 'a'
  await expectFrames(c, ['UNSUBSCRIBE'], frame(2, 'unsubscribe', 'a', 0));
  await runRows(c, [[['GET', 'k'], '$-1\r\n'], [['PING'], '+PONG\r\n']]);
  await expectFrames(c, ['SUBSCRIBE', 'b'], frame(2, 'subscribe', 'b', 1));
  await runRows(c, [[['QUIT'], OK]]);
  assert.ok(await c.waitClosed());
});

test('RESET leaves subscribed mode without confirmations and drops every subscription', async () => {
  const [c, pub] = [await connect(), await connect()];
  c.send('CLIENT', 'ID');
  const id = Number((await c.readRaw()).slice(1));
  await expectFrames(c, ['SUBSCRIBE', 'a'], frame(2, 'subscribe', 'a', 1));
  await expectFrames(c, ['PSUBSCRIBE', 'p*'], frame(2, 'psubscribe', 'p*', 2));
  await expectFrames(c, ['SSUBSCRIBE', 's'], frame(2, 'ssubscribe', 's', 1));
  await runRows(c, [[['RESET'], '+RESET\r\n'], [['GET', 'k'], '$-1\r\n']]);
  await runRows(pub, [
    [['PUBLISH', 'a', 'x'], int(0)],
    [['PUBLISH', 'pa', 'x'], int(0)],
    [['SPUBLISH', 's', 'x'], int(0)],
    [['PUBSUB', 'NUMPAT'], int(0)],
    [['PUBSUB', 'CHANNELS'], '*0\r\n'],
  ]);
  assert.is(srv.server.clients.get(id)!.mode, 'normal');
});

test('RESP3: a subscriber may run any command, and gets its own messages before PUBLISH\'s count', async () => {
  const c = await connect(3);
  await expectFrames(c, ['SUBSCRIBE', 'me'], frame(3, 'subscribe', 'me', 1));
  await expectFrames(c, ['PSUBSCRIBE', 'm*'], frame(3, 'psubscribe', 'm*', 2));
  await runRows(c, [[['SET', 'k', 'v'], OK], [['GET', 'k'], bulk('v')], [['PING'], '+PONG\r\n']]);
  await expectFrames(c, ['PUBLISH', 'me', 'hi'], frame(3, 'message', 'me', 'hi'), frame(3, 'pmessage', 'm*', 'me', 'hi'), int(2));
  // inside a transaction too, in line with EXEC's array
  await runRows(c, [[['MULTI'], OK], [['PUBLISH', 'me', 'tx'], QUEUED], [['SET', 'k', 'w'], QUEUED]]);
  // EXEC's array has two elements, yet three replies come: its first element is the message, its second the
  // pmessage, and PUBLISH's count and SET's OK follow it (as Redis writes them)
  await expectFrames(c, ['EXEC'], `*2\r\n${frame(3, 'message', 'me', 'tx')}${frame(3, 'pmessage', 'm*', 'me', 'tx')}`, int(2), OK);
  assert.is(srv.server.clients.size, 1);
  assert.is([...srv.server.clients.values()][0].mode, 'subscribed', 'back to subscribed after EXEC');
});

test('SUBSCRIBE inside MULTI runs at EXEC (its confirmations inside the array); SSUBSCRIBE may not', async () => {
  const [c, pub] = [await connect(), await connect()];
  await runRows(c, [[['MULTI'], OK], [['SSUBSCRIBE', 's'], QUEUED], [['SUBSCRIBE', 'a', 'b'], QUEUED], [['ECHO', 'e'], QUEUED]]);
  // Redis counts commands, not replies, in EXEC's header: SUBSCRIBE's second confirmation pushes ECHO's reply out
  await expectFrames(c, ['EXEC'],
    `*3\r\n${err("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")}${frame(2, 'subscribe', 'a', 1)}${frame(2, 'subscribe', 'b', 2)}`,
    bulk('e'));
  await runRows(c, [[['GET', 'k'], notAllowed('get')]]);
  await runRows(pub, [[['PUBLISH', 'b', 'm'], int(1)]]);
  assert.is(await c.readRaw(), frame(2, 'message', 'b', 'm'));
});

test('CLIENT REPLY OFF and SKIP silence replies but not confirmations or messages', async () => {
  const [c, pub] = [await connect(), await connect()];
  c.send('CLIENT', 'REPLY', 'OFF');
  await expectFrames(c, ['SUBSCRIBE', 'a', 'b'], frame(2, 'subscribe', 'a', 1), frame(2, 'subscribe', 'b', 2));
  await expectFrames(c, ['PSUBSCRIBE', 'a*'], frame(2, 'psubscribe', 'a*', 3));
  await runRows(pub, [[['PUBLISH', 'a', 'x'], int(2)]]);
  assert.is(await c.readRaw(), frame(2, 'message', 'a', 'x'));
  assert.is(await c.readRaw(), frame(2, 'pmessage', 'a*', 'a', 'x'));
  c.send('PING'); // silenced
  c.send('CLIENT', 'REPLY', 'ON'); // refused in RESP2 subscribed mode, silently
  c.send('GET', 'k');
  await runRows(c, [[['RESET'], '+RESET\r\n']]); // RESET turns replies back on
  // RESP3 may change CLIENT REPLY while subscribed
  const r3 = await connect(3);
  await expectFrames(r3, ['SUBSCRIBE', 'self'], frame(3, 'subscribe', 'self', 1));
  r3.send('CLIENT', 'REPLY', 'SKIP');
  await expectFrames(r3, ['SUBSCRIBE', 'other'], frame(3, 'subscribe', 'other', 2));
  await runRows(r3, [[['PING', 'after'], bulk('after')]]);
  // publishing to itself with replies off: the message comes, the count does not
  r3.send('CLIENT', 'REPLY', 'OFF');
  await expectFrames(r3, ['PUBLISH', 'self', 'm'], frame(3, 'message', 'self', 'm'));
  await runRows(r3, [[['CLIENT', 'REPLY', 'ON'], OK], [['PING'], '+PONG\r\n']]);
});

test('PUBSUB CHANNELS, NUMSUB, NUMPAT, SHARDCHANNELS, SHARDNUMSUB, HELP', async () => {
  const [a, b, q] = [await connect(), await connect(), await connect()];
  await expectFrames(a, ['SUBSCRIBE', 'news', 'sport'], frame(2, 'subscribe', 'news', 1), frame(2, 'subscribe', 'sport', 2));
  await expectFrames(b, ['SUBSCRIBE', 'news'], frame(2, 'subscribe', 'news', 1));
  await expectFrames(b, ['PSUBSCRIBE', 'n*', 'x'], frame(2, 'psubscribe', 'n*', 2), frame(2, 'psubscribe', 'x', 3));
  await expectFrames(a, ['PSUBSCRIBE', 'n*'], frame(2, 'psubscribe', 'n*', 3));
  await expectFrames(a, ['SSUBSCRIBE', 'sh1', 'sh2'], frame(2, 'ssubscribe', 'sh1', 1), frame(2, 'ssubscribe', 'sh2', 2));
  await runRows(q, [
    [['PUBSUB', 'CHANNELS'], bulks('news', 'sport')],
    [['PUBSUB', 'channels', 'n*'], bulks('news')],
    [['PUBSUB', 'CHANNELS', '[st]*'], bulks('sport')],
    [['PUBSUB', 'CHANNELS', 'none*'], '*0\r\n'],
    [['PUBSUB', 'NUMSUB'], '*0\r\n'],
    [['PUBSUB', 'NUMSUB', 'news', 'sport', 'n*', 'news'], arr(bulk('news'), int(2), bulk('sport'), int(1), bulk('n*'), int(0), bulk('news'), int(2))],
    [['PUBSUB', 'NUMPAT'], int(2)], // unique patterns, however many subscribers
    [['PUBSUB', 'SHARDCHANNELS'], bulks('sh1', 'sh2')],
    [['PUBSUB', 'SHARDCHANNELS', '*2'], bulks('sh2')],
    [['PUBSUB', 'SHARDNUMSUB', 'sh1', 'news'], arr(bulk('sh1'), int(1), bulk('news'), int(0))],
    [['PUBSUB', 'CHANNELS', 'a', 'b'], err("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.")],
    [['PUBSUB', 'shardchannels', 'a', 'b'], err("ERR unknown subcommand or wrong number of arguments for 'shardchannels'. Try PUBSUB HELP.")],
    [['PUBSUB', 'NUMPAT', 'x'], arity('pubsub|numpat')],
    [['PUBSUB', 'HELP', 'x'], arity('pubsub|help')],
    [['PUBSUB', 'FOO'], err("ERR unknown subcommand 'FOO'. Try PUBSUB HELP.")],
    [['PUBSUB'], arity('pubsub')],
    [['PUBLISH', 'a'], arity('publish')],
    [['SUBSCRIBE'], arity('subscribe')],
    [['SPUBLISH', 'a', 'b', 'c'], arity('spublish')],
  ]);
  q.send('PUBSUB', 'HELP');
  const help = await q.readRaw();
  assert.ok(help.startsWith('*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CHANNELS [<pattern>]\r\n'));
  assert.ok(help.endsWith('+HELP\r\n+    Prints this help.\r\n'));
  // the last subscriber leaving forgets the channel
  await expectFrames(b, ['UNSUBSCRIBE', 'news'], frame(2, 'unsubscribe', 'news', 2));
  await expectFrames(a, ['UNSUBSCRIBE', 'news'], frame(2, 'unsubscribe', 'news', 2));
  await runRows(q, [[['PUBSUB', 'CHANNELS'], bulks('sport')], [['PUBSUB', 'NUMSUB', 'news'], arr(bulk('news'), int(0))]]);
});

test('PUBLISH goes to replicas whether or not anyone listens, and never to the AOF', async () => {
  const fed: [number, string[]][] = [];
  const aofSide: string[][] = [];
  srv.server.replication.feedCommand = (db, argv) => void fed.push([db, argv]);
  // what the AOF takes: the sink contract it follows (replicas-only commands are not for it)
  srv.server.propagation.sinks.push((_db, argv, target) => void (target === 'all' && aofSide.push(argv)));
  const c = await connect();
  await runRows(c, [
    [['SELECT', '3'], OK],
    [['PUBLISH', 'ch', 'm'], int(0)],
    [['SPUBLISH', 'sh', 'n'], int(0)],
    [['SET', 'k', 'v'], OK],
  ]);
  assert.equal(fed.slice(0, 3), [[3, ['PUBLISH', 'ch', 'm']], [3, ['SPUBLISH', 'sh', 'n']], [3, ['SET', 'k', 'v']]]);
  assert.equal(aofSide, [['SET', 'k', 'v']]);
  // inside EXEC a PUBLISH keeps its place among the transaction's writes (it used to go out before the MULTI)
  fed.length = 0;
  aofSide.length = 0;
  await runRows(c, [
    [['MULTI'], OK], [['SET', 'a', '1'], '+QUEUED\r\n'], [['PUBLISH', 'ch', 'x'], '+QUEUED\r\n'], [['SET', 'b', '2'], '+QUEUED\r\n'],
    [['EXEC'], '*3\r\n+OK\r\n:0\r\n+OK\r\n'],
  ]);
  assert.equal(fed.map(([, argv]) => argv[0]), ['MULTI', 'SET', 'PUBLISH', 'SET', 'EXEC']);
  assert.equal(aofSide.map((argv) => argv[0]), ['MULTI', 'SET', 'SET', 'EXEC']);
});

/** Rows for one subscriber connection and one publisher, compared byte for byte with real Redis. */
const differential: [who: 'sub' | 'pub', argv: string[], frames: number][] = [
  ['sub', ['SUBSCRIBE', 'c1', 'c2', 'c1'], 3],
  ['sub', ['PSUBSCRIBE', 'c*', '[ab]?', 'x\\*y'], 3],
  ['sub', ['SSUBSCRIBE', 'shard'], 1],
  ['sub', ['PING'], 1],
  ['sub', ['PING', 'msg'], 1],
  ['sub', ['SET', 'k', 'v'], 1],
  ['sub', ['CLIENT', 'ID'], 1],
  ['sub', ['EXEC'], 1],
  ['sub', ['UNSUBSCRIBE', 'c2', 'never'], 2],
  ['pub', ['PUBLISH', 'c1', 'hello'], 1],
  ['sub', ['PING'], 3], // the two messages, then the pong
  ['pub', ['PUBLISH', 'x*y', 'star'], 1], // each publish matches one pattern at most: Redis tries them in hash order
  ['sub', ['PING'], 2],
  ['pub', ['PUBLISH', 'ab', '\x00\xff'], 1],
  ['pub', ['SPUBLISH', 'shard', 'sm'], 1],
  ['sub', ['PING'], 3],
  ['pub', ['PUBSUB', 'NUMSUB', 'c1', 'c2', 'shard'], 1],
  ['pub', ['PUBSUB', 'SHARDNUMSUB', 'shard', 'c1'], 1],
  ['pub', ['PUBSUB', 'NUMPAT'], 1],
  ['pub', ['PUBSUB', 'CHANNELS', 'c?'], 1],
  ['pub', ['PUBSUB', 'SHARDCHANNELS'], 1],
  ['sub', ['PUNSUBSCRIBE', '[ab]?'], 1],
  ['sub', ['SUNSUBSCRIBE'], 1],
  ['sub', ['SUNSUBSCRIBE'], 1],
  ['sub', ['UNSUBSCRIBE', 'c1'], 1],
  ['sub', ['PING'], 1],
  ['sub', ['PUNSUBSCRIBE', 'c*'], 1],
  ['sub', ['PUNSUBSCRIBE'], 1],
  ['sub', ['PING'], 1],
  ['sub', ['HELLO', '3'], 1],
  ['sub', ['SUBSCRIBE', 'r3'], 1],
  ['sub', ['GET', 'k'], 1],
  ['sub', ['PUBLISH', 'r3', 'self'], 2],
  ['pub', ['PUBLISH', 'r3', 'other'], 1],
  ['sub', ['PING'], 2],
  ['sub', ['UNSUBSCRIBE'], 1],
  ['sub', ['UNSUBSCRIBE'], 1],
  ['sub', ['MULTI'], 1],
  ['sub', ['SUBSCRIBE', 'tx'], 1],
  ['sub', ['EXEC'], 1],
  ['sub', ['RESET'], 1],
  ['sub', ['PUNSUBSCRIBE'], 1],
];

test('differential: the same subscriber and publisher against real redis-server', async () => {
  if (!hasRedis) return;
  const redis = await startRedis();
  const theirs = { sub: await RawConnection.connect(redis.port), pub: await RawConnection.connect(redis.port) };
  const mine = { sub: await connect(), pub: await connect() };
  try {
    for (const [who, argv, frames] of differential) {
      const what = `${who}: ${label(argv)}`;
      for (const side of [mine, theirs]) side[who].send(...argv);
      for (let i = 0; i < frames; i++) {
        const [a, b] = [await mine[who].readRaw(), await theirs[who].readRaw()];
        if (argv[0] === 'HELLO') continue; // server identity and client ids differ
        assert.is(a, b, what);
      }
    }
  } finally {
    theirs.sub.close();
    theirs.pub.close();
    await redis.stop();
  }
});

test.run();
