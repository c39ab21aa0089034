/**
 * Log lines in Redis's format (serverLogRaw in server.c): `pid:R dd Mon yyyy hh:mm:ss.mmm L message`, where R is
 * the role (M master, S replica) and L the level (. debug, - verbose, * notice, # warning).
 */
import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';
const RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MARK: Record<Exclude<LogLevel, 'nothing'>, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class Logger {
  level: LogLevel = 'notice';
  /** '' writes to standard output, as Redis's `logfile ""`. */
  file = '';
  role: () => 'M' | 'S' = () => 'M';
  /** Tests capture lines instead of printing them. */
  sink: ((line: string) => void) | null = null;

  enabled(level: Exclude<LogLevel, 'nothing'>): boolean {
    return RANK[level] >= RANK[this.level];
  }

  log(level: Exclude<LogLevel, 'nothing'>, message: string): void {
    if (!this.enabled(level)) return;
    const line = `${process.pid}:${this.role()} ${timestamp(new Date())} ${MARK[level]} ${message}`;
    if (this.sink) return this.sink(line);
    if (this.file) {
      try {
        appendFileSync(this.file, line + '\n');
        return;
      } catch {
        // fall through to stdout: losing log lines silently would hide the very problem being logged
      }
    }
    process.stdout.write(line + '\n');
  }

  debug(m: string): void {
    this.log('debug', m);
  }
  verbose(m: string): void {
    this.log('verbose', m);
  }
  notice(m: string): void {
    this.log('notice', m);
  }
  warning(m: string): void {
    this.log('warning', m);
  }
}

function timestamp(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  return (
    `${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`
  );
}
