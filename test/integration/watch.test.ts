/**
 * WATCH on keys that had already expired when watched (multi.c's `expired` flag): their deletion, a FLUSHDB or a
 * SWAPDB fails no EXEC unless something logically changed. The same script runs on the built server and on real
 * redis-server, with active expiry off so only the commands decide when a stale key goes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { serverScope } from '../helpers/scope';
import { label } from '../helpers/differential';

const test = suite('integration/watch');
const { toyredis, realRedis, stop } = serverScope();
test.after.each(stop);

/** A step: a command for the watching client `w`, for another client `o`, or a pause that lets PX 1 keys expire. */
type Step = ['w' | 'o', ...string[]] | ['pause'];

const SCENARIOS: Record<string, Step[]> = {
  'a stale key written again': [['o', 'SET', 'x', 'foo', 'PX', '1'], ['pause'], ['w', 'WATCH', 'x'], ['o', 'SET', 'x', 'bar'], ['w', 'MULTI'], ['w', 'PING'], ['w', 'EXEC']],
  'a stale key deleted by a lookup': [['o', 'SET', 'x', 'foo', 'PX', '1'], ['pause'], ['w', 'WATCH', 'x'], ['o', 'EXISTS', 'x'], ['w', 'MULTI'], ['w', 'PING'], ['w', 'EXEC']],
  'a stale key deleted, then set': [['o', 'SET', 'x', 'foo', 'PX', '1'], ['pause'], ['w', 'WATCH', 'x'], ['o', 'EXISTS', 'x'], ['o', 'SET', 'x', 'new'], ['w', 'MULTI'], ['w', 'PING'], ['w', 'EXEC']],
  'FLUSHDB over a stale key': [['o', 'SET', 'x', 'foo', 'PX', '1'], ['pause'], ['w', 'WATCH', 'x'], ['o', 'FLUSHDB'], ['w', 'MULTI'], ['w', 'PING'], ['w', 'EXEC']],
  'a live key that expires after WATCH': [['o', 'SET', 'x', 'foo', 'PX', '1'], ['w', 'WATCH', 'x'], ['pause'], ['w', 'MULTI'], ['w', 'PING'], ['w', 'EXEC']],
  'SWAPDB, stale key both sides': [
    ['o', 'SELECT', '1'], ['o', 'SET', 'x', 'one', 'PX', '1'], ['o', 'SELECT', '0'], ['o', 'SET', 'x', 'zero', 'PX', '1'], ['pause'],
    ['w', 'WATCH', 'x'], ['o', 'SWAPDB', '0', '1'], ['w', 'MULTI'], ['w', 'PING'], ['w', 'EXEC'],
  ],
  'SWAPDB, missing key replaced with a stale one': [
    ['o', 'SELECT', '1'], ['o', 'SET', 'x', 'one', 'PX', '1'], ['o', 'SELECT', '0'], ['pause'],
    ['w', 'WATCH', 'x'], ['o', 'SWAPDB', '0', '1'], ['w', 'MULTI'], ['w', 'PING'], ['w', 'EXEC'],
  ],
  'SWAPDB, stale key replaced with a live one': [
    ['o', 'SELECT', '1'], ['o', 'SET', 'x', 'one'], ['o', 'SELECT', '0'], ['o', 'SET', 'x', 'zero', 'PX', '1'], ['pause'],
    ['w', 'WATCH', 'x'], ['o', 'SWAPDB', '0', '1'], ['w', 'MULTI'], ['w', 'PING'], ['w', 'EXEC'],
  ],
};

async function run(port: number, steps: Step[]): Promise<string[]> {
  const w = await RawConnection.connect(port);
  const o = await RawConnection.connect(port);
  const out: string[] = [];
  try {
    await w.exchange('FLUSHALL');
    await w.exchange('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    for (const step of steps) {
      if (step[0] === 'pause') {
        await new Promise((r) => setTimeout(r, 20)); // PX 1 keys are past their time (not a timing assertion)
        continue;
      }
      const [who, ...argv] = step;
      out.push(`${who} ${label(argv)} -> ${JSON.stringify(await (who === 'w' ? w : o).exchange(...argv))}`);
    }
  } finally {
    w.close();
    o.close();
  }
  return out;
}

test('EXEC after WATCH of stale keys: the same outcome as Redis 7.0 in each case', async () => {
  const mine = await toyredis(['--enable-debug-command', 'yes']);
  const real = hasRedis ? await realRedis(['--enable-debug-command', 'yes']) : null;
  for (const [name, steps] of Object.entries(SCENARIOS)) {
    const got = await run(mine.port, steps);
    if (real) assert.equal(got, await run(real.port, steps), name);
    // the outcomes, also checked without redis-server: a stale key that comes back, or a live one that expires or
    // is swapped for a live one, fails EXEC; one that only goes away does not
    const fails = ['a stale key written again', 'a stale key deleted, then set', 'a live key that expires after WATCH', 'SWAPDB, stale key replaced with a live one'];
    assert.match(got[got.length - 1], fails.includes(name) ? /-> "\*-1\\r\\n"$/ : /-> "\*1\\r\\n\+PONG\\r\\n"$/, name);
  }
});

test.run();
