import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Redis from 'ioredis';
import { LatencyHistogram, LatencyMonitor } from '../../lib/server/latency';
import { latencyDoctor, latencyGraph } from '../../lib/server/latency-report';
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

test('LATENCY GRAPH draws the samples as Redis does, byte for byte', () => {
  // Redis 7.0 after DEBUG SLEEP 0.3, 0.5 and 0.4 a second apart, asked one second after the last
  const event = { samples: [{ time: 97, latency: 300 }, { time: 99, latency: 500 }, { time: 100, latency: 400 }], max: 500 };
  assert.is(
    latencyGraph('command', event, 100),
    'command - high 500 ms, low 300 ms (all time high 500 ms)\n' + '-'.repeat(80) + '\n' +
      ' # \n |_\n ||\n_||\n   \n310\nsss\n',
  );
  // one sample: no range, one low column; labels of minutes, hours and days, written downwards
  const one = { samples: [{ time: 0, latency: 7 }], max: 9 };
  assert.is(latencyGraph('x', one, 90000), 'x - high 7 ms, low 7 ms (all time high 9 ms)\n' + '-'.repeat(80) + '\n \n \n \n_\n \n1\nd\n');
  assert.match(latencyGraph('x', one, 125), /\n2\nm\n$/);
  assert.match(latencyGraph('x', one, 7200), /\n2\nh\n$/);
  // more than 80 samples: blocks of 80 columns, a blank line between them
  const many = { samples: Array.from({ length: 100 }, (_, i) => ({ time: i, latency: i })), max: 99 };
  const blocks = latencyGraph('e', many, 100).split('\n\n');
  assert.is(blocks.length, 2);
  assert.ok(blocks[0].split('\n').slice(2, 6).every((row) => row.length === 80));
  assert.ok(blocks[1].split('\n').slice(0, 4).every((row) => row.length === 20));
  assert.is(blocks[1].split('\n')[3], '||||||||||||||||||||'); // the top 20 values fill the bottom row
});

test('LATENCY DOCTOR: per-event figures as Redis computes them, and advice that depends on the settings', () => {
  const facts = { nowSec: 100, thresholdMs: 10, slowlogSlowerThanUs: 10000, slowlogMaxLen: 128, hz: 10 };
  const events = new Map([
    ['command', { samples: [{ time: 90, latency: 10 }, { time: 95, latency: 20 }, { time: 96, latency: 40 }], max: 55 }],
    ['expire-cycle', { samples: [{ time: 99, latency: 12 }], max: 12 }],
  ]);
  const report = latencyDoctor({ ...facts, events });
  // avg = floor(70 / 3) = 23; MAD = (13 + 3 + 17) / 3 = 11; period = (100 - 90) / 3 s
  assert.match(report, '1. command: 3 latency spikes (average 23ms, mean deviation 11ms, period 3.33 sec). Worst all time event 55ms.\n');
  assert.match(report, '2. expire-cycle: 1 latency spikes (average 12ms, mean deviation 0ms, period 1.00 sec). Worst all time event 12ms.\n');
  assert.match(report, "'CONFIG SET hz 100'");
  assert.not.match(report, 'slowlog-log-slower-than'); // the slow log already catches these
  assert.match(latencyDoctor({ ...facts, events, slowlogSlowerThanUs: -1 }), "'CONFIG SET slowlog-log-slower-than 10000'");
  assert.match(latencyDoctor({ ...facts, events, slowlogSlowerThanUs: 50000 }), 'slower than 50000 us');
  assert.not.match(latencyDoctor({ ...facts, events, hz: 100 }), 'CONFIG SET hz');
  assert.match(latencyDoctor({ ...facts, events: new Map(), thresholdMs: 0 }), /^Latency monitoring is off/);
  assert.match(latencyDoctor({ ...facts, events: new Map() }), /^No latency spike of 10 ms or more/);
  const unknown = latencyDoctor({ ...facts, events: new Map([['aof-fstat', { samples: [{ time: 99, latency: 11 }], max: 11 }]]) });
  assert.match(unknown, 'None of these events has a known easy fix');
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
