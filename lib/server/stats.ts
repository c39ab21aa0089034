/** Server-wide counters behind INFO stats and INFO errorstats (server.stat_* in server.h). */

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

  reset(): void {
    this.commands = 0;
    this.connectionsReceived = 0;
    this.rejectedConnections = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.netReplInputBytes = 0;
    this.netReplOutputBytes = 0;
    this.errorReplies = 0;
    this.errors.clear();
  }
}
