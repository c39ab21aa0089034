/**
 * Real clients against the built server (dist/toyredis.js): ioredis (commands, transactions, a 10,000-command
 * pipeline, 200 concurrent connections, binary-safe Buffers, expiry, clients that vanish mid-command) and
 * redis-cli (one-shot commands, --pipe with 10,000 commands, INFO, a session fed on stdin).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import Redis from 'ioredis';
import { redisCli, redisCliPath, startToyredis, type RunningServer } from '../helpers/servers';
import { until } from '../helpers/wait';
import { rejects } from '../helpers/rejects';

const test = suite('integration/clients');

let server: RunningServer;
const opened: Redis[] = [];

/** An ioredis client that fails fast instead of retrying forever, closed in after(). */
function client(): Redis {
  const r = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  opened.push(r);
  return r;
}

function assertAlive() {
  assert.ok(server.proc.exitCode === null && server.proc.signalCode === null, `toyredis exited:\n${server.output()}`);
}

test.before(async () => {
  server = await startToyredis(['--bind', '127.0.0.1']);
});

test.after(async () => {
  for (const r of opened) r.disconnect();
  await server?.stop();
});

test('ioredis: SET/GET/INCR/MSET/MGET/DEL', async () => {
  const r = client();
  assert.is(await r.ping(), 'PONG');
  assert.is(await r.set('greeting', 'hello'), 'OK');
  assert.is(await r.get('greeting'), 'hello');
  assert.is(await r.get('no-such-key'), null);
  assert.is(await r.incr('counter'), 1);
  assert.is(await r.incrby('counter', 41), 42);
  assert.is(await r.decr('counter'), 41);
  assert.is(await r.incrbyfloat('float', '2.5'), '2.5');
  assert.is(await r.mset('m1', 'a', 'm2', 'b', 'm3', 'c'), 'OK');
  assert.equal(await r.mget('m1', 'nope', 'm3'), ['a', null, 'c']);
  assert.is(await r.append('m1', 'xyz'), 4);
  assert.is(await r.strlen('m1'), 4);
  assert.is(await r.getrange('m1', 1, 2), 'xy');
  assert.is(await r.exists('m1', 'm2', 'nope'), 2);
  assert.is(await r.del('m1', 'm2', 'm3'), 3);
  assert.is(await r.type('greeting'), 'string');
  await rejects(r.incr('greeting'), /ERR value is not an integer or out of range/);
  await rejects(r.call('NOSUCHCOMMAND', 'x'), /ERR unknown command 'NOSUCHCOMMAND'/);
});

test('ioredis: SET PX, then the key disappears', async () => {
  const r = client();
  // SET and the reads in one transaction, so how long the reads take cannot matter
  const [[, set], [, value], [, pttl]] = (await r.multi().set('short-lived', 'v', 'PX', 100).get('short-lived').pttl('short-lived').exec())!;
  assert.equal([set, value], ['OK', 'v']);
  assert.ok((pttl as number) > 0 && (pttl as number) <= 100, `PTTL ${pttl}`);
  await until(async () => (await r.exists('short-lived')) === 0, 'short-lived to expire');
  assert.is(await r.get('short-lived'), null);
  // and one nobody reads: the active expiry cycle must remove it (DBSIZE does not touch keys)
  await r.select(5);
  assert.equal(await r.multi().set('unread', 'v', 'PX', 50).dbsize().exec(), [[null, 'OK'], [null, 1]]);
  await until(async () => (await r.dbsize()) === 0, 'active expiry of an unread key');
  await r.select(0);
});

test('ioredis: MULTI/EXEC and DISCARD', async () => {
  const r = client();
  const res = await r.multi().set('tx', '10').incr('tx').incrby('tx', 5).get('tx').exec();
  assert.equal(res, [[null, 'OK'], [null, 11], [null, 16], [null, '16']]);
  const errRes = await r.multi().set('tx2', 'x').incr('tx2').get('tx2').exec();
  assert.is(errRes![0][1], 'OK');
  assert.match(String(errRes![1][0]), /ERR value is not an integer/);
  assert.is(errRes![2][1], 'x');
  await r.multi().set('tx3', 'never').discard();
  assert.is(await r.get('tx3'), null);
  await rejects(r.multi().set('tx4', 'v').call('NOSUCHCOMMAND').exec(), /EXECABORT/);
  assert.is(await r.get('tx4'), null);
});

test('ioredis: a pipeline of 10,000 commands, every reply checked', async () => {
  const r = client();
  const p = r.pipeline();
  const expected: unknown[] = [];
  for (let i = 0; i < 10000; i++) {
    switch (i % 5) {
      case 0: p.set(`pipe:${i}`, `value-${i}`); expected.push('OK'); break;
      case 1: p.get(`pipe:${i - 1}`); expected.push(`value-${i - 1}`); break;
      case 2: p.incr('pipe:counter'); expected.push(Math.floor(i / 5) + 1); break;
      case 3: p.echo(`echo-${i}`); expected.push(`echo-${i}`); break;
      case 4: p.get(`pipe:missing:${i}`); expected.push(null); break;
    }
  }
  const results = await p.exec();
  assert.is(results!.length, 10000);
  for (let i = 0; i < 10000; i++) {
    const [err, value] = results![i];
    if (err || value !== expected[i]) assert.unreachable(`reply ${i}: got ${err ?? JSON.stringify(value)}, want ${JSON.stringify(expected[i])}`);
  }
  assert.is(await r.get('pipe:counter'), '2000');
});

test('ioredis: 200 concurrent clients, a few hundred commands each', async () => {
  const clients = Array.from({ length: 200 }, () => client());
  await Promise.all(clients.map((r) => r.ping()));
  const rounds = 60;
  const failures: string[] = [];
  await Promise.all(
    clients.map(async (r, c) => {
      for (let round = 0; round < rounds; round++) {
        const key = `conc:${c}:${round % 7}`;
        const value = `c${c}-r${round}-${'x'.repeat(round % 13)}`;
        // four commands in flight on this connection at once, interleaved with the other 199 connections
        const [set, got, mine, shared] = await Promise.all([
          r.set(key, value), r.get(key), r.incr(`conc:own:${c}`), r.incr('conc:shared'),
        ]);
        if (set !== 'OK' || got !== value || mine !== round + 1 || !(shared >= 1)) {
          failures.push(`client ${c} round ${round}: ${set} ${got} ${mine} ${shared}`);
        }
      }
      const own = await r.get(`conc:own:${c}`);
      if (own !== String(rounds)) failures.push(`client ${c}: own counter ${own}`);
    }),
  );
  assert.equal(failures.slice(0, 10), [], `${failures.length} failures`);
  assert.is(await clients[0].get('conc:shared'), String(200 * rounds), 'every INCR of the shared counter counted once');
  for (const r of clients) r.disconnect();
});

test('ioredis: binary keys and values round-trip exactly', async () => {
  const r = client();
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const awkward = [all, Buffer.from('\r\n'), Buffer.from([0]), Buffer.from('a\0b\r\nc'), Buffer.from('*1\r\n$4\r\nPING\r\n'), Buffer.alloc(0)];
  for (const [i, value] of awkward.entries()) {
    const key = Buffer.concat([Buffer.from(`bin:${i}:`), value, Buffer.from([0xff, 0x00, 0x0d, 0x0a])]);
    assert.is(await r.set(key, value), 'OK');
    const back = await r.getBuffer(key);
    assert.ok(back && back.equals(value), `value ${i} round-trips`);
    assert.is(await r.strlen(key), value.length);
    assert.is(await r.exists(key), 1, `binary key ${i} exists`);
  }
  // every byte as a one-byte key, and a value appended one byte at a time
  const p = r.pipeline();
  for (let b = 0; b < 256; b++) p.set(Buffer.from([b]), Buffer.from([b, b]));
  for (let b = 0; b < 256; b++) p.append('bin:appended', Buffer.from([b]));
  await p.exec();
  for (let b = 0; b < 256; b += 17) assert.ok((await r.getBuffer(Buffer.from([b])))!.equals(Buffer.from([b, b])), `key byte ${b}`);
  assert.ok((await r.getBuffer('bin:appended'))!.equals(all), 'APPEND kept every byte');
  assert.ok((await r.getrangeBuffer('bin:appended', 10, 13)).equals(all.subarray(10, 14)), 'GETRANGE of binary');
  const mget = await r.mgetBuffer(Buffer.from([0]), Buffer.from([13]), Buffer.from([255]));
  assert.ok(mget[0]!.equals(Buffer.from([0, 0])) && mget[1]!.equals(Buffer.from([13, 13])) && mget[2]!.equals(Buffer.from([255, 255])));
});

test('ioredis: a 10 MB value with a pattern', async () => {
  const r = client();
  const size = 10 * 1024 * 1024;
  const big = Buffer.alloc(size);
  for (let i = 0; i < size; i++) big[i] = (i * 31 + (i >> 16)) & 0xff;
  assert.is(await r.set('bin:big', big), 'OK');
  const back = await r.getBuffer('bin:big');
  assert.is(back!.length, size);
  assert.ok(back!.equals(big), '10 MB value round-trips byte for byte');
  assert.is(await r.strlen('bin:big'), size);
  assert.ok((await r.getrangeBuffer('bin:big', 5_000_000, 5_000_099)).equals(big.subarray(5_000_000, 5_000_100)));
  assert.is(await r.del('bin:big'), 1);
});

test('clients that vanish mid-command do not hurt the server', async () => {
  const r = client();
  // half a request, then the socket is destroyed
  for (const cut of ['*3\r\n$3\r\nSET\r\n$4\r\ngone\r\n$100\r\nabc', '*2\r\n$3\r\nGET', 'PIN']) {
    const s = net.connect(server.port, '127.0.0.1');
    await new Promise((resolve) => s.once('connect', resolve));
    s.write(cut);
    await new Promise((resolve) => setImmediate(resolve));
    s.destroy();
  }
  // an RST instead of a FIN, in the middle of a bulk
  const rst = net.connect(server.port, '127.0.0.1');
  await new Promise((resolve) => rst.once('connect', resolve));
  rst.write('*3\r\n$3\r\nSET\r\n$4\r\ngone\r\n$10\r\n12345');
  await new Promise((resolve) => setImmediate(resolve));
  rst.resetAndDestroy();
  // a big pipeline whose replies are never read: the server writes into a closed socket
  await r.set('fat', 'y'.repeat(100_000));
  const greedy = net.connect(server.port, '127.0.0.1');
  greedy.on('error', () => {});
  await new Promise((resolve) => greedy.once('connect', resolve));
  const answering = new Promise((resolve) => greedy.once('data', resolve));
  greedy.write('*2\r\n$3\r\nGET\r\n$3\r\nfat\r\n'.repeat(300)); // 30 MB of replies
  await answering;
  greedy.resetAndDestroy();
  // the server goes on: same client, then a new one
  assert.is(await r.ping(), 'PONG');
  assert.is(await r.exists('gone'), 0, 'the half-sent SET was never run');
  const fresh = client();
  assert.is(await fresh.set('after-resets', 'ok'), 'OK');
  assert.is(await fresh.get('after-resets'), 'ok');
  assertAlive();
});

test('redis-cli: PING, SET/GET, INFO', () => {
  if (!redisCliPath) return;
  assert.is(redisCli(server.port, ['ping']).stdout, 'PONG\n');
  assert.is(redisCli(server.port, ['set', 'cli:key', 'hello world']).stdout, 'OK\n');
  assert.is(redisCli(server.port, ['get', 'cli:key']).stdout, 'hello world\n');
  assert.is(redisCli(server.port, ['incrby', 'cli:n', '7']).stdout, '7\n');
  assert.is(redisCli(server.port, ['get', 'cli:nope']).stdout, '\n');
  const info = redisCli(server.port, ['info']);
  assert.is(info.status, 0);
  assert.match(info.stdout, /^# Server\r?\n/);
  assert.match(info.stdout, /\nredis_version:7\.0\.15\r?\n/);
  assert.match(info.stdout, /\n# Keyspace\r?\ndb0:keys=\d+,expires=\d+,avg_ttl=\d+/);
});

test('redis-cli --pipe: 10,000 commands', () => {
  if (!redisCliPath) return;
  let input = '';
  for (let i = 0; i < 10000; i++) {
    const argv = i % 2 ? ['INCR', 'cli:pipe:counter'] : ['SET', `cli:pipe:${i}`, `v${i}`];
    input += `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
  }
  const out = redisCli(server.port, ['--pipe'], input);
  assert.match(out.stdout, /errors: 0, replies: 10000/);
  assert.is(out.status, 0);
  assert.is(redisCli(server.port, ['get', 'cli:pipe:counter']).stdout, '5000\n');
  assert.is(redisCli(server.port, ['get', 'cli:pipe:9998']).stdout, 'v9998\n');
});

test('redis-cli: an interactive-like session fed on stdin', () => {
  if (!redisCliPath) return;
  const session = ['select 3', 'set session:a 1', 'incr session:a', 'get session:a', 'mget session:a session:none',
    'set "session:b c" "two words"', 'get "session:b c"', 'dbsize', 'ping "hi there"', 'nosuchcmd', 'del session:a', 'get session:a'];
  const out = redisCli(server.port, [], session.join('\n') + '\n');
  assert.is(out.status, 0);
  assert.is(
    out.stdout,
    ['OK', 'OK', '2', '2', '2', '', 'OK', 'two words', '2', 'hi there',
      "ERR unknown command 'nosuchcmd', with args beginning with: ", '', '1', '', ''].join('\n'), // an error gets an empty line after it
  );
});

test.run();
