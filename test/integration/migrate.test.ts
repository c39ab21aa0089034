/**
 * MIGRATE between servers: toyredis → real Redis and real Redis → toyredis give the same replies and leave the same
 * data as Redis → Redis; the source keeps nothing it moved (unless COPY) and propagates a DEL; errors from the
 * target, a refused connection and a migration to itself answer as Redis does.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RawConnection } from '../helpers/raw';
import { freePort, hasRedis } from '../helpers/servers';
import { serverScope } from '../helpers/scope';
import { label } from '../helpers/differential';
import { Propagated, startInProcess } from '../helpers/inprocess';

const test = suite('integration/migrate');
const { toyredis, realRedis, stop } = serverScope();
test.after.each(stop);

/** The same MIGRATE session from `source` to `target`: the replies, then what the target holds in db 3. */
async function session(source: number, target: number): Promise<string[]> {
  const s = await RawConnection.connect(source);
  const t = await RawConnection.connect(target);
  const out: string[] = [];
  const run = async (c: RawConnection, ...argv: string[]) => out.push(`${label(argv)} -> ${JSON.stringify(await c.exchange(...argv))}`);
  try {
    await s.exchange('FLUSHALL');
    await t.exchange('FLUSHALL');
    for (const argv of [['SET', 'a', '1'], ['RPUSH', 'l', 'x', 'y', 'z'], ['SET', 't', 'v', 'PX', '100000000'], ['HSET', 'h', 'f', 'v'], ['ZADD', 'z', '1.5', 'm']]) {
      await s.exchange(...argv);
    }
    const host = '127.0.0.1', port = String(target);
    await run(s, 'MIGRATE', host, port, 'a', '3', '1000');
    await run(s, 'MIGRATE', host, port, 'nokey', '3', '1000');
    await run(s, 'MIGRATE', host, port, '', '3', '1000', 'COPY', 'KEYS', 'l', 't', 'nokey');
    await run(s, 'MIGRATE', host, port, '', '3', '1000', 'KEYS', 'l', 'h');
    await run(s, 'MIGRATE', host, port, '', '3', '1000', 'REPLACE', 'KEYS', 'l', 'z');
    await run(s, 'MIGRATE', host, port, 'l', '3', '1000', 'KEYS', 'z');
    await run(s, 'MIGRATE', host, port, 't', '3', '1000', 'AUTH');
    await run(s, 'MIGRATE', host, port, 't', '3', '1000', 'NOPE');
    await run(s, 'MIGRATE', host, port, 't', 'x', '1000');
    await run(s, 'MIGRATE', host, port, 't', '3', '1000', 'AUTH', 'secret');
    await run(s, 'MIGRATE', host, port, 't', '3', '1000', 'AUTH2', 'user', 'secret');
    await run(s, 'DBSIZE');
    await run(s, 'EXISTS', 't');
    await run(t, 'SELECT', '3');
    await run(t, 'DBSIZE');
    for (const k of ['a', 'l', 't', 'h', 'z']) await run(t, 'DUMP', k);
    t.send('PTTL', 't');
    out.push(`PTTL t > 99990000: ${Number((await t.readRaw()).slice(1)) > 99_990_000}`);
  } finally {
    s.close();
    t.close();
  }
  return out;
}

test('MIGRATE toyredis → Redis and Redis → toyredis answer and move data as Redis → Redis does', async () => {
  const mine = await toyredis();
  const other = await toyredis();
  const got = await session(mine.port, other.port);
  assert.ok(got.includes('"MIGRATE" "127.0.0.1" "' + other.port + '" "nokey" "3" "1000" -> "+NOKEY\\r\\n"'), got.join('\n'));
  if (!hasRedis) return;
  const [r1, r2] = [await realRedis(), await realRedis()];
  const want = await session(r1.port, r2.port);
  const portless = (lines: string[]) => lines.map((l) => l.replace(/"127\.0\.0\.1" "\d+"/, 'HOST PORT'));
  assert.equal(portless(got), portless(want), 'toyredis → toyredis');
  assert.equal(portless(await session(mine.port, r2.port)), portless(want), 'toyredis → Redis');
  assert.equal(portless(await session(r1.port, mine.port)), portless(want), 'Redis → toyredis');
});

test('MIGRATE that fails to connect, or to itself (the server is held, so the read times out), answers IOERR', async () => {
  const s = await toyredis();
  const c = await RawConnection.connect(s.port);
  await c.exchange('SET', 'k', 'v');
  const closed = await freePort();
  assert.is(await c.exchange('MIGRATE', '127.0.0.1', String(closed), 'k', '0', '200'), '-IOERR error or timeout writing to target instance\r\n');
  assert.is(await c.exchange('MIGRATE', '127.0.0.1', String(s.port), 'k', '0', '200'), '-IOERR error or timeout reading to target instance\r\n');
  assert.is(await c.exchange('GET', 'k'), '$1\r\nv\r\n'); // nothing acknowledged, nothing deleted
  c.close();
});

test('MIGRATE propagates the keys it moved as one DEL, nothing with COPY; MONITOR hides AUTH arguments', async () => {
  const target = await toyredis();
  const srv = await startInProcess();
  try {
    const c = await srv.connect();
    const monitor = await srv.connect();
    await monitor.exchange('MONITOR');
    const propagated = new Propagated(srv);
    for (const argv of [['SET', 'a', '1'], ['SET', 'b', '2']]) await c.exchange(...argv);
    const port = String(target.port);
    assert.equal(await propagated.of(c, 'MIGRATE', '127.0.0.1', port, '', '0', '1000', 'COPY', 'KEYS', 'a'), []);
    assert.equal(await propagated.of(c, 'MIGRATE', '127.0.0.1', port, '', '0', '1000', 'REPLACE', 'AUTH2', 'u', 'p', 'KEYS', 'a', 'b', 'nokey'), []);
    assert.equal(await propagated.of(c, 'SET', 'x', '1'), [['SET', 'x', '1']]);
    assert.equal(await propagated.of(c, 'MIGRATE', '127.0.0.1', port, '', '0', '1000', 'REPLACE', 'KEYS', 'a', 'b', 'nokey'), [['DEL', 'a', 'b']]);
    const lines: string[] = [];
    for (let i = 0; i < 6; i++) lines.push(await monitor.readRaw()); // SET, SET, three MIGRATEs and a SET
    assert.is(lines.filter((l) => /"AUTH2" "\(redacted\)" "\(redacted\)" "KEYS" "a" "b" "nokey"/.test(l)).length, 1, lines.join(''));
  } finally {
    await srv.stop();
  }
});

test.run();
