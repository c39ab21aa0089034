/**
 * The slow log (slowlog.c): commands that ran for at least slowlog-log-slower-than microseconds, newest first,
 * at most slowlog-max-len of them. Entries keep at most 32 arguments of at most 128 bytes each, and never the
 * secrets of AUTH, HELLO AUTH, MIGRATE AUTH or CONFIG SET of a sensitive parameter.
 */

const MAX_ARGC = 32; // SLOWLOG_ENTRY_MAX_ARGC
const MAX_STRING = 128; // SLOWLOG_ENTRY_MAX_STRING
const REDACTED = '(redacted)';

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

  push(argv: readonly string[], duration: number, timeSec: number, peer: string, name: string, isSensitive: (param: string) => boolean): void {
    const redacted = redact(argv, isSensitive);
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

/** redactClientCommandArgument() as the commands that hold secrets call it. */
function redact(argv: readonly string[], isSensitive: (param: string) => boolean): readonly string[] {
  const cmd = argv[0].toLowerCase();
  if (cmd === 'auth') return [argv[0], ...argv.slice(1).map(() => REDACTED)];
  if (cmd === 'hello' || cmd === 'migrate') {
    const out = [...argv];
    for (let i = 1; i < out.length; i++) {
      const opt = out[i].toLowerCase();
      if (cmd === 'hello' && opt === 'auth' && i + 2 < out.length) {
        out[i + 1] = out[i + 2] = REDACTED;
        i += 2;
      } else if (cmd === 'migrate' && opt === 'auth' && i + 1 < out.length) {
        out[++i] = REDACTED;
      } else if (cmd === 'migrate' && opt === 'auth2' && i + 2 < out.length) {
        out[i + 1] = out[i + 2] = REDACTED;
        i += 2;
      }
    }
    return out;
  }
  if (cmd === 'config' && argv.length > 2 && argv[1].toLowerCase() === 'set') {
    const out = [...argv];
    for (let i = 2; i + 1 < out.length; i += 2) if (isSensitive(out[i])) out[i + 1] = REDACTED;
    return out;
  }
  return argv;
}
