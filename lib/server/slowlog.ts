/**
 * The slow log (slowlog.c): commands that ran for at least slowlog-log-slower-than microseconds, newest first,
 * at most slowlog-max-len of them. Entries keep at most 32 arguments of at most 128 bytes each, and never the
 * secrets of AUTH, HELLO AUTH, MIGRATE AUTH or CONFIG SET of a sensitive parameter.
 */

const MAX_ARGC = 32; // SLOWLOG_ENTRY_MAX_ARGC
const MAX_STRING = 128; // SLOWLOG_ENTRY_MAX_STRING

export interface SlowlogEntry {
  id: number;
  time: number; // unix seconds
  duration: number; // microseconds
  argv: string[];
  peer: string;
  name: string;
}

export class SlowLog {
  entries: SlowlogEntry[] = [];
  private nextId = 0;
  maxLen = 128;

  /** `redacted`: the arguments as redactedArgv() (lib/server/redact.ts) shows them. */
  push(redacted: readonly string[], duration: number, timeSec: number, peer: string, name: string): void {
    const argc = Math.min(redacted.length, MAX_ARGC);
    const kept: string[] = [];
    for (let j = 0; j < argc; j++) {
      if (argc !== redacted.length && j === argc - 1) {
        kept.push(`... (${redacted.length - argc + 1} more arguments)`);
      } else {
        const a = redacted[j];
        kept.push(a.length > MAX_STRING ? `${a.slice(0, MAX_STRING)}... (${a.length - MAX_STRING} more bytes)` : a);
      }
    }
    this.entries.unshift({ id: this.nextId++, time: timeSec, duration, argv: kept, peer, name });
    this.trim();
  }

  trim(): void {
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}

