import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Redis from 'ioredis';
import { LatencyHistogram, LatencyMonitor } from '../../lib/server/latency';
import { startToyredis } from '../helpers/servers';
import { until } from '../helpers/wait';

const test = suite('server/latency');

test('percentiles report the top of the HDR bucket, as Redis prints them (2 significant digits)', () => {
  const h = new LatencyHistogram();
  h.record(13000); // 13 µs, recorded as Redis does: µs × 1000
  assert.is(h.valueAtPercentile(50), 13055); // INFO latencystats: p50=13.055
  assert.is(h.valueAtPercentile(0), 12992);
  const one = new LatencyHistogram();
  one.record(1000);
  assert.is(one.valueAtPercentile(99.9), 1003); // 1 µs prints as 1.003
  const tiny = new LatencyHistogram();
  tiny.record(0); // clamped to 1 ns
  assert.is(tiny.valueAtPercentile(50), 1);
  const wide = new LatencyHistogram();
  for (let i = 1; i <= 100; i++) wide.record(i * 1000);
  assert.is(wide.total, 100);
  assert.is(wide.valueAtPercentile(50), 50175);
  assert.is(wide.valueAtPercentile(99), 99327);
  assert.is(wide.valueAtPercentile(100), 100351);
  const huge = new LatencyHistogram();
  huge.record(5e9); // capped at 1 s
  assert.ok(huge.valueAtPercentile(50) >= 1e9 && huge.valueAtPercentile(50) < 1.01e9);
});

test('the cumulative distribution of LATENCY HISTOGRAM: power-of-two µs steps where the count grew', () => {
  const h = new LatencyHistogram();
  assert.equal(h.cdf(), []);
  h.record(13000);
  assert.equal(h.cdf(), [[16, 1]]); // what Redis answers for one 13 µs SET
  h.record(1500);
  h.record(3000);
  h.record(3100);
  assert.equal(h.cdf(), [[2, 1], [4, 3], [16, 4]]);
});

test('the latency monitor keeps the worst sample per second, at most 160, and the all-time max', () => {
  const m = new LatencyMonitor();
  m.addSample('command', 5, 100);
  m.addSample('command', 9, 100);
  m.addSample('command', 3, 100);
  assert.equal(m.events.get('command')!.samples, [{ time: 100, latency: 9 }]);
  for (let t = 101; t < 400; t++) m.addSample('command', 1, t);
  assert.is(m.events.get('command')!.samples.length, 160);
  assert.is(m.events.get('command')!.max, 9);
  m.addSample('fast-command', 2, 5);
  assert.is(m.reset(['fast-command', 'nosuch']), 1);
  assert.is(m.reset([]), 1);
  assert.is(m.events.size, 0);
});

test('an active expire cycle that holds the server past latency-monitor-threshold is an expire-cycle event', async () => {
  const server = await startToyredis();
  const r = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  try {
    await r.config('SET', 'latency-monitor-threshold', '1');
    const p = r.pipeline();
    for (let i = 0; i < 200_000; i++) p.set(`k${i}`, 'v', 'PX', 20);
    await p.exec();
    await until(async () => (await r.dbsize()) === 0, 'every key expired', 20000, 50);
    const events = (await r.call('LATENCY', 'LATEST')) as [string, number, number, number][];
    const cycle = events.find((e) => e[0] === 'expire-cycle');
    assert.ok(cycle, JSON.stringify(events));
    assert.ok(cycle![2] >= 1 && cycle![3] >= cycle![2]);
  } finally {
    r.disconnect();
    await server.stop();
  }
});

test.run();
