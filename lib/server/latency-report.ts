/**
 * What LATENCY GRAPH and LATENCY DOCTOR print (latency.c, sparkline.c): an ASCII sparkline of one event's
 * samples, and a report of every event with advice. The graph keeps Redis's layout (tools and Redis's tests read
 * its header line); the doctor's prose is toyredis's own.
 */
import type { LatencyEvent } from './latency';

const GRAPH_COLS = 80;
const GRAPH_ROWS = 4;
/** One row of the graph is three steps high; a full step below fills the column with '|'. */
const STEP_CHARS = '_o#';
/** Blank lines between the graph and the labels under it. */
const LABEL_MARGIN = 1;

/** How long ago a sample was, as a short label: 12s, 5m, 3h, 2d. */
function ago(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.trunc(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.trunc(seconds / 3600)}h`;
  return `${Math.trunc(seconds / 86400)}d`;
}

interface Point {
  value: number;
  label: string;
}

/**
 * Columns of samples drawn GRAPH_ROWS high between the lowest and highest value, filled below the top, with each
 * sample's label written downwards under its column.
 */
function sparkline(points: Point[], min: number, max: number): string {
  const range = max - min || 1;
  const steps = STEP_CHARS.length * GRAPH_ROWS;
  const heights = points.map((p) => {
    // the step is truncated twice, as sparkline.c's (int) cast then integer assignment does
    const step = Math.trunc(Math.trunc((p.value - min) * steps) / range);
    return Math.min(steps - 1, Math.max(0, step));
  });
  const lines: string[] = [];
  for (let row = 0; row < GRAPH_ROWS; row++) {
    let line = '';
    for (const h of heights) {
      const i = h - (GRAPH_ROWS - row - 1) * STEP_CHARS.length;
      line += i >= STEP_CHARS.length ? '|' : i >= 0 ? STEP_CHARS[i] : ' ';
    }
    lines.push(line);
  }
  const labelled = points.some((p) => p.label !== '');
  if (labelled) {
    for (let m = 0; m < LABEL_MARGIN; m++) lines.push(' '.repeat(points.length));
    const longest = Math.max(...points.map((p) => p.label.length));
    for (let c = 0; c < longest; c++) lines.push(points.map((p) => p.label[c] ?? ' ').join(''));
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** LATENCY GRAPH <event>: the header line, a rule, then the samples 80 to a block, oldest first. */
export function latencyGraph(name: string, event: LatencyEvent, nowSec: number): string {
  const values = event.samples.map((s) => s.latency);
  const low = values.length ? Math.min(...values) : 0;
  const high = values.length ? Math.max(...values) : 0;
  const points = event.samples.map((s) => ({ value: s.latency, label: ago(nowSec - s.time) }));
  let out = `${name} - high ${high} ms, low ${low} ms (all time high ${event.max} ms)\n${'-'.repeat(GRAPH_COLS)}\n`;
  for (let i = 0; i < points.length; i += GRAPH_COLS) {
    if (i > 0) out += '\n';
    out += sparkline(points.slice(i, i + GRAPH_COLS), low, high);
  }
  return out;
}

/** What the doctor reads besides the events: the settings its advice depends on. */
export interface DoctorFacts {
  events: ReadonlyMap<string, LatencyEvent>;
  nowSec: number;
  thresholdMs: number;
  slowlogSlowerThanUs: number;
  slowlogMaxLen: number;
  hz: number;
}

/** analyzeLatencyForEvent(): sample count, integer mean, mean absolute deviation, seconds per sample. */
function analyze(event: LatencyEvent, nowSec: number) {
  const n = event.samples.length;
  if (n === 0) return { n, avg: 0, mad: 0, period: 0 };
  const avg = Math.floor(event.samples.reduce((sum, s) => sum + s.latency, 0) / n);
  const mad = Math.floor(event.samples.reduce((sum, s) => sum + Math.abs(avg - s.latency), 0) / n);
  const oldest = Math.min(...event.samples.map((s) => s.time));
  return { n, avg, mad, period: Math.max(1, nowSec - oldest) / n };
}

/** LATENCY DOCTOR: one line per event (the figures Redis gives), then advice for the kinds of events seen. */
export function latencyDoctor(facts: DoctorFacts): string {
  if (facts.events.size === 0) {
    if (facts.thresholdMs === 0) {
      return 'Latency monitoring is off, and no latency event was ever recorded. Turn it on with ' +
        "'CONFIG SET latency-monitor-threshold <milliseconds>': events that take at least that long are then recorded " +
        'and reported here (https://redis.io/docs/management/optimization/latency-monitor/).\n';
    }
    return `No latency spike of ${facts.thresholdMs} ms or more has been recorded since the server started (or since the last LATENCY RESET).\n`;
  }
  const advice = new Set<string>();
  const lines: string[] = [];
  let i = 0;
  for (const [name, event] of facts.events) {
    const a = analyze(event, facts.nowSec);
    lines.push(
      `${++i}. ${name}: ${a.n} latency spikes (average ${a.avg}ms, mean deviation ${a.mad}ms, period ${a.period.toFixed(2)} sec). ` +
        `Worst all time event ${event.max}ms.`,
    );
    switch (name) {
      case 'command': {
        const wantUs = facts.thresholdMs * 1000;
        if (facts.slowlogSlowerThanUs < 0 || facts.slowlogMaxLen === 0) {
          advice.add(`- Slow commands caused spikes, but the slow log is off. Turn it on with 'CONFIG SET slowlog-log-slower-than ${wantUs}' (and a slowlog-max-len above 0) to see which commands, with their arguments.`);
        } else if (facts.slowlogSlowerThanUs / 1000 > facts.thresholdMs) {
          advice.add(`- The slow log records only commands slower than ${facts.slowlogSlowerThanUs} us, longer than the latency threshold, so it misses some of these spikes: 'CONFIG SET slowlog-log-slower-than ${wantUs}'.`);
        }
        advice.add('- SLOWLOG GET shows the slowest recent commands. Commands over whole large keys (KEYS, SMEMBERS, HGETALL, SORT, LRANGE 0 -1...) run in one go; SCAN, SSCAN, HSCAN and ZSCAN walk them in steps.');
        advice.add(LARGE_KEYS);
        break;
      }
      case 'fast-command':
        advice.add('- A command that should take microseconds took milliseconds: the process did not get the CPU (a loaded machine, a noisy neighbour) or was paused by garbage collection. Give toyredis a core of its own, and measure the machine with \'redis-cli --intrinsic-latency 100\'.');
        break;
      case 'expire-cycle':
        if (facts.hz < 100) advice.add(`- Expiring keys runs hz times a second (now ${facts.hz}); 'CONFIG SET hz 100' makes each run smaller.`);
        advice.add(LARGE_KEYS);
        break;
      case 'eviction-cycle':
        advice.add('- Evicting many keys at once follows a sudden drop of maxmemory or a burst of large writes: lower maxmemory in steps, and keep headroom for the largest writes.');
        break;
      case 'eviction-gc':
        advice.add('- Eviction had to run a full garbage collection to measure the memory it freed: keep used memory further below maxmemory, or raise maxmemory.');
        break;
    }
  }
  let out = `Latency spikes of ${facts.thresholdMs} ms or more were recorded, by event:\n\n${lines.join('\n')}\n`;
  if (advice.size === 0) out += '\nNone of these events has a known easy fix; the LATENCY HISTORY of each shows when they happened.\n';
  else out += `\nWhat may help:\n\n${[...advice].map((a) => `${a}\n`).join('')}`;
  return out;
}

const LARGE_KEYS = '- Deleting, expiring or evicting a very large key frees it all at once; UNLINK and the lazyfree-lazy-* settings free it in the background, and splitting big collections keeps each step short.';
