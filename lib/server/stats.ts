/**
 * Server-wide counters behind INFO stats and INFO errorstats (server.stat_* in server.h), plus the slow log and
 * the latency data that call() feeds, with the thresholds they follow from the configuration.
 */
import type { Config } from './config';
import { LatencyHistogram, LatencyMonitor } from './latency';
import { SlowLog } from './slowlog';

const SAMPLES = 16; // STATS_METRIC_SAMPLES: instantaneous_* are averages over the last 16 cron samples

class Metric {
  private samples = new Array<number>(SAMPLES).fill(0);
  private idx = 0;
  private lastTime = 0;
  private lastValue = 0;

  /** trackInstantaneousMetric(): per-second rate since the previous sample. */
  sample(now: number, value: number): void {
    if (this.lastTime) {
      const dt = now - this.lastTime;
      if (dt > 0) this.samples[this.idx++ % SAMPLES] = ((value - this.lastValue) * 1000) / dt;
    }
    this.lastTime = now;
    this.lastValue = value;
  }

  get value(): number {
    return this.samples.reduce((a, b) => a + b, 0) / SAMPLES;
  }
}

export class ServerStats {
  commands = 0;
  connectionsReceived = 0;
  rejectedConnections = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  netReplInputBytes = 0;
  netReplOutputBytes = 0;
  errorReplies = 0;
  /** errorstat_<CODE>: the first word of each error reply. */
  readonly errors = new Map<string, number>();
  /** total_reads_processed / total_writes_processed: socket reads handled and reply writes made. */
  readsProcessed = 0;
  writesProcessed = 0;
  /** Unix seconds of the last successful save; null: never saved (Redis counts the start as a save). */
  lastSave: number | null = null;
  /** used_memory when the server was created (used_memory_startup). */
  readonly startupMemory = process.memoryUsage().heapUsed + process.memoryUsage().external;
  readonly slowlog = new SlowLog();
  readonly latency = new LatencyTracker();
  /**
   * call() checks one number on its hot path: the smallest duration (µs) that the slow log or the latency
   * monitor wants to hear about; Infinity when both are off.
   */
  slowThresholdUs = 10000;
  slowlogThresholdUs = 10000;
  readonly opsPerSec = new Metric();
  readonly inputKbps = new Metric();
  readonly outputKbps = new Metric();
  private lastSample = 0;

  countError(text: string): void {
    this.errorReplies++;
    const space = text.indexOf(' ');
    const code = space < 0 ? text : text.slice(0, space);
    // Redis stops tracking new codes past 128 (ERROR_STATS_NUMBER) so a client cannot grow this without bound.
    if (this.errors.has(code) || this.errors.size < 128) this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Called from the cron; samples at most every 100 ms like Redis's run_with_period(100). */
  sample(now: number): void {
    if (now - this.lastSample < 100) return;
    this.lastSample = now;
    this.opsPerSec.sample(now, this.commands);
    this.inputKbps.sample(now, this.netInputBytes);
    this.outputKbps.sample(now, this.netOutputBytes);
  }

  /** Follow the parameters behind the slow log and the latency monitor. */
  follow(config: Config): void {
    const update = () => {
      const slow = Number(config.get('slowlog-log-slower-than'));
      const monitorMs = Number(config.get('latency-monitor-threshold'));
      this.slowlogThresholdUs = slow < 0 ? Infinity : slow;
      this.latency.monitorThresholdUs = monitorMs > 0 ? monitorMs * 1000 : Infinity;
      this.slowThresholdUs = Math.min(this.slowlogThresholdUs, this.latency.monitorThresholdUs);
    };
    config.watch('slowlog-log-slower-than', update);
    config.watch('latency-monitor-threshold', update);
    config.watch('slowlog-max-len', (v) => {
      this.slowlog.maxLen = Number(v);
      this.slowlog.trim();
    });
    config.watch('latency-tracking', (v) => (this.latency.tracking = v === 'yes'));
  }

  reset(): void {
    this.commands = 0;
    this.connectionsReceived = 0;
    this.rejectedConnections = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.netReplInputBytes = 0;
    this.netReplOutputBytes = 0;
    this.errorReplies = 0;
    this.readsProcessed = 0;
    this.writesProcessed = 0;
    this.errors.clear();
  }
}

/** Per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM) and the latency monitor's events. */
export class LatencyTracker {
  private histograms = new Map<object, LatencyHistogram>();
  readonly monitor = new LatencyMonitor();
  /** latency-tracking: keep a histogram per command. */
  tracking = true;
  monitorThresholdUs = Infinity;

  /** A command's run time in µs (Redis records µs × 1000 in a nanosecond histogram). */
  record(command: object, usec: number): void {
    let h = this.histograms.get(command);
    if (!h) this.histograms.set(command, (h = new LatencyHistogram()));
    h.record(usec * 1000);
  }

  histogram(command: object): LatencyHistogram | undefined {
    return this.histograms.get(command);
  }

  /** CONFIG RESETSTAT drops every command's histogram. */
  resetHistograms(): void {
    this.histograms.clear();
  }
}
