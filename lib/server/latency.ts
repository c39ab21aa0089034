/**
 * Latency data (latency.c and the per-command histograms of server.c): an HDR-style histogram of each command's
 * run time behind INFO latencystats and LATENCY HISTOGRAM, and the latency monitor's per-event samples behind
 * LATENCY LATEST / HISTORY / RESET, recorded when an event takes at least latency-monitor-threshold ms.
 */

// hdr_init(1 ns, 1 s, 2 significant figures), as Redis sets up its command histograms
const SUB_BUCKET_HALF_MAGNITUDE = 7;
const SUB_BUCKET_HALF = 1 << SUB_BUCKET_HALF_MAGNITUDE; // 128
const SUB_BUCKET_MASK = 255;
const BUCKETS = 23; // enough for 1e9 with 256 sub-buckets
const COUNTS_LEN = (BUCKETS + 1) * SUB_BUCKET_HALF;
const MIN_VALUE = 1;
const MAX_VALUE = 1_000_000_000;

const bitLength = (v: number) => (v >= 2 ** 31 ? Math.floor(Math.log2(v)) + 1 : 32 - Math.clz32(v));

function bucketIndex(v: number): number {
  return bitLength(v | SUB_BUCKET_MASK) - (SUB_BUCKET_HALF_MAGNITUDE + 1);
}

function countsIndex(v: number): number {
  const b = bucketIndex(v);
  const sub = Math.floor(v / 2 ** b);
  return ((b + 1) << SUB_BUCKET_HALF_MAGNITUDE) + (sub - SUB_BUCKET_HALF);
}

/** The lowest value counted at a counts index. */
function valueAtIndex(i: number): number {
  let b = (i >> SUB_BUCKET_HALF_MAGNITUDE) - 1;
  let sub = (i & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF;
  if (b < 0) {
    sub -= SUB_BUCKET_HALF;
    b = 0;
  }
  return sub * 2 ** b;
}

/** The highest value that falls in the same bucket as `v` (what HDR reports for a percentile). */
function highestEquivalent(v: number): number {
  const b = bucketIndex(v);
  const sub = Math.floor(v / 2 ** b);
  const lowest = sub * 2 ** b;
  const size = 2 ** (sub >= 2 * SUB_BUCKET_HALF ? b + 1 : b);
  return lowest + size - 1;
}

function lowestEquivalent(v: number): number {
  const b = bucketIndex(v);
  return Math.floor(v / 2 ** b) * 2 ** b;
}

/** Nanosecond latencies with 2 significant digits between 1 ns and 1 s. */
export class LatencyHistogram {
  private counts = new Float64Array(COUNTS_LEN);
  total = 0;

  record(ns: number): void {
    const v = Math.min(MAX_VALUE, Math.max(MIN_VALUE, Math.floor(ns)));
    this.counts[countsIndex(v)]++;
    this.total++;
  }

  /** hdr_value_at_percentile(). */
  valueAtPercentile(percentile: number): number {
    const p = Math.min(percentile, 100);
    const target = Math.max(1, Math.floor((p / 100) * this.total + 0.5));
    let seen = 0;
    let value = 0;
    for (let i = 0; i < COUNTS_LEN; i++) {
      seen += this.counts[i];
      if (seen >= target) {
        value = valueAtIndex(i);
        break;
      }
    }
    return percentile === 0 ? lowestEquivalent(value) : highestEquivalent(value);
  }

  /**
   * LATENCY HISTOGRAM's cumulative distribution: [usec, calls so far] at 1024 ns, 2048 ns, … (a logarithmic HDR
   * iteration), keeping only the steps where the count grew.
   */
  cdf(): [number, number][] {
    const out: [number, number][] = [];
    if (this.total === 0) return out;
    let level = 1024;
    let cumulative = 0, previous = 0;
    for (let i = 0; i < COUNTS_LEN && previous < this.total; i++) {
      cumulative += this.counts[i];
      const value = valueAtIndex(i);
      while (value >= lowestEquivalent(level)) {
        if (cumulative > previous) out.push([Math.floor(highestEquivalent(value) / 1000), cumulative]);
        previous = cumulative;
        level *= 2;
      }
    }
    return out;
  }
}

/** One latency monitor event: the last samples (one per second at most) and the all-time maximum. */
export interface LatencyEvent {
  samples: { time: number; latency: number }[];
  max: number;
}

const LATENCY_TS_LEN = 160;

export class LatencyMonitor {
  readonly events = new Map<string, LatencyEvent>();

  /** latencyAddSample(): samples within the same second keep the larger latency. */
  addSample(event: string, ms: number, nowSec: number): void {
    let e = this.events.get(event);
    if (!e) this.events.set(event, (e = { samples: [], max: 0 }));
    if (ms > e.max) e.max = ms;
    const last = e.samples[e.samples.length - 1];
    if (last && last.time === nowSec) {
      if (ms > last.latency) last.latency = ms;
      return;
    }
    e.samples.push({ time: nowSec, latency: ms });
    if (e.samples.length > LATENCY_TS_LEN) e.samples.shift();
  }

  /** LATENCY RESET [event ...]: how many event series were dropped. */
  reset(events: readonly string[]): number {
    if (events.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const e of events) if (this.events.delete(e)) n++;
    return n;
  }
}
