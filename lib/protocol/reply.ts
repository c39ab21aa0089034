/**
 * Replies as values, and the one encoder that writes them as RESP2 or RESP3 (networking.c's addReply* family).
 * Handlers build Reply values and never see a socket; the connection encodes all replies of one input chunk
 * into one buffer and writes it once.
 */

export type Reply =
  | { kind: 'simple'; text: string }
  // the whole line after '-', e.g. "ERR syntax error"; `counted`: already in the error stats (a script passing on
  // the error of a command it ran: ERR_REPLY_FLAG_NO_STATS_UPDATE)
  | { kind: 'error'; text: string; counted?: true }
  | { kind: 'int'; value: number | bigint }
  | { kind: 'bulk'; value: string | Buffer } // a latin1 string is one char per byte
  | { kind: 'null' } // RESP2 `$-1`, RESP3 `_`
  | { kind: 'nullArray' } // RESP2 `*-1`, RESP3 `_`
  | { kind: 'array'; items: Reply[] }
  | { kind: 'map'; items: Reply[] } // key, value, key, value… ; RESP2 sends a flat array
  | { kind: 'set'; items: Reply[] } // RESP2 sends an array
  | { kind: 'push'; items: Reply[] } // RESP2 sends an array
  | { kind: 'double'; value: number } // RESP2 sends a bulk string
  | { kind: 'bool'; value: boolean } // RESP2 sends 1 or 0
  | { kind: 'bignum'; text: string } // RESP2 sends a bulk string
  | { kind: 'verbatim'; format: string; text: string } // RESP2 sends the text as a bulk string
  | { kind: 'raw'; bytes: Buffer } // already encoded, sent as is (the replication stream, MONITOR lines)
  // Several top-level replies in a row: SUBSCRIBE's one confirmation per channel, a message pushed to the
  // publisher itself before PUBLISH's count. Inside EXEC's array they stay in line, as Redis writes them.
  | { kind: 'sequence'; items: Reply[] };

export type Protocol = 2 | 3;

// Constructors and the replies every command family shares.
export const simple = (text: string): Reply => ({ kind: 'simple', text });
export const int = (value: number | bigint): Reply => ({ kind: 'int', value });
export const bulk = (value: string | Buffer): Reply => ({ kind: 'bulk', value });
export const array = (items: Reply[]): Reply => ({ kind: 'array', items });
export const map = (items: Reply[]): Reply => ({ kind: 'map', items });
export const set = (items: Reply[]): Reply => ({ kind: 'set', items });
export const double = (value: number): Reply => ({ kind: 'double', value });
export const verbatim = (text: string, format = 'txt'): Reply => ({ kind: 'verbatim', format, text });
export const push = (items: Reply[]): Reply => ({ kind: 'push', items });
export const raw = (bytes: Buffer): Reply => ({ kind: 'raw', bytes });
export const sequence = (items: Reply[]): Reply => ({ kind: 'sequence', items });
export const bulkArray = (values: readonly (string | null | undefined)[]): Reply =>
  array(values.map((v) => (v == null ? NIL : bulk(v))));
/** An error line; Redis turns newlines into spaces so the reply stays one line (addReplyErrorLength). */
export const error = (text: string): Reply => ({ kind: 'error', text: /[\r\n]/.test(text) ? text.replace(/[\r\n]/g, ' ') : text });
/** An error the command that raised it already counted: the failure counts again, the error stats do not. */
export const countedError = (text: string): Reply => ({ ...(error(text) as { kind: 'error'; text: string }), counted: true });

export const OK: Reply = simple('OK');
export const PONG: Reply = simple('PONG');
export const QUEUED: Reply = simple('QUEUED');
export const NIL: Reply = { kind: 'null' };
export const NIL_ARRAY: Reply = { kind: 'nullArray' };
export const EMPTY_ARRAY: Reply = array([]);
export const ZERO: Reply = int(0);
export const ONE: Reply = int(1);
export const MINUS_ONE: Reply = int(-1);
export const MINUS_TWO: Reply = int(-2);

/** printf("%.17g"): how Redis 7.0 prints a double (addReplyDouble, ZSCORE, INFO). */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const [mantissa, expText] = d.toExponential(16).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 17) {
    const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const fixed = d.toFixed(16 - exp);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/**
 * Encodes replies into one growing buffer. One writer serves the whole server: the event loop handles one
 * connection's chunk at a time, and `take()` hands the bytes to that connection's socket in a single write.
 */
export class ReplyWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private len = 0;
  proto: Protocol = 2;

  get length(): number {
    return this.len;
  }

  /** The bytes written since the last take, in a Buffer the caller now owns. */
  take(): Buffer | null {
    if (this.len === 0) return null;
    let out: Buffer;
    if (this.len >= 32 * 1024) {
      out = this.buf.subarray(0, this.len); // hand the big buffer over instead of copying it
      this.buf = Buffer.allocUnsafe(64 * 1024);
    } else {
      out = Buffer.allocUnsafe(this.len);
      this.buf.copy(out, 0, 0, this.len);
    }
    this.len = 0;
    return out;
  }

  /** Drop what was written after `mark` (a reply abandoned half way, as when a connection closes). */
  truncate(mark: number): void {
    this.len = mark;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private ascii(text: string): void {
    this.room(text.length);
    this.len += this.buf.latin1Write(text, this.len);
  }

  private header(prefix: string, n: number | bigint): void {
    this.ascii(`${prefix}${n}\r\n`);
  }

  private blob(prefix: string, value: string | Buffer): void {
    const n = value.length;
    this.room(n + 24);
    this.len += this.buf.latin1Write(`${prefix}${n}\r\n`, this.len);
    if (typeof value === 'string') this.len += this.buf.latin1Write(value, this.len);
    else this.len += value.copy(this.buf, this.len);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  /**
   * One reply into the buffer. Containers recurse while shallow (the common case, and the fastest); past
   * DEEP_REPLY their elements go through an explicit stack instead, so a script's reply nested thousands deep
   * (as deep as Lua's stack allows) cannot exhaust the JavaScript stack.
   */
  write(r: Reply, depth = 0): void {
    const items = this.open(r);
    if (items === null) return;
    if (depth < DEEP_REPLY) {
      for (const item of items) this.write(item, depth + 1);
      return;
    }
    const frames: { items: readonly Reply[]; next: number }[] = [{ items, next: 0 }];
    while (frames.length > 0) {
      const f = frames[frames.length - 1];
      if (f.next === f.items.length) {
        frames.pop();
        continue;
      }
      const inner = this.open(f.items[f.next++]);
      if (inner !== null) frames.push({ items: inner, next: 0 });
    }
  }

  /** Write a leaf reply whole, or a container's header, returning the container's elements still to write. */
  private open(r: Reply): readonly Reply[] | null {
    const resp3 = this.proto === 3;
    switch (r.kind) {
      case 'simple':
        this.ascii(`+${r.text}\r\n`);
        return null;
      case 'error':
        this.ascii(`-${r.text}\r\n`);
        return null;
      case 'int':
        this.header(':', r.value);
        return null;
      case 'bulk':
        this.blob('$', r.value);
        return null;
      case 'null':
        this.ascii(resp3 ? '_\r\n' : '$-1\r\n');
        return null;
      case 'nullArray':
        this.ascii(resp3 ? '_\r\n' : '*-1\r\n');
        return null;
      case 'array':
        this.header('*', r.items.length);
        return r.items;
      case 'map':
        this.header(resp3 ? '%' : '*', resp3 ? r.items.length / 2 : r.items.length);
        return r.items;
      case 'set':
        this.header(resp3 ? '~' : '*', r.items.length);
        return r.items;
      case 'push':
        this.header(resp3 ? '>' : '*', r.items.length);
        return r.items;
      case 'double':
        if (resp3) this.ascii(`,${formatDouble(r.value)}\r\n`);
        else this.blob('$', formatDouble(r.value));
        return null;
      case 'bool':
        this.ascii(resp3 ? (r.value ? '#t\r\n' : '#f\r\n') : r.value ? ':1\r\n' : ':0\r\n');
        return null;
      case 'bignum':
        if (resp3) this.ascii(`(${r.text}\r\n`);
        else this.blob('$', r.text);
        return null;
      case 'verbatim':
        if (resp3) this.blob('=', `${r.format}:${r.text}`);
        else this.blob('$', r.text);
        return null;
      case 'raw':
        this.room(r.bytes.length);
        this.len += r.bytes.copy(this.buf, this.len);
        return null;
      case 'sequence':
        return r.items;
    }
  }
}

/** Nesting past which the writer stops recursing (far below V8's stack, far above any command's own replies). */
const DEEP_REPLY = 64;

/** A command as a RESP multibulk request: how the replication stream and the AOF carry it. */
export function encodeCommand(argv: readonly string[]): Buffer {
  let size = 16;
  for (const a of argv) size += a.length + 16;
  const out = Buffer.allocUnsafe(size);
  out[0] = 42; // *
  let n = writeDecimal(out, 1, argv.length);
  out[n++] = 13;
  out[n++] = 10;
  for (const a of argv) {
    out[n++] = 36; // $
    n = writeDecimal(out, n, a.length);
    out[n++] = 13;
    out[n++] = 10;
    // every write propagated goes through here: short arguments are copied in JavaScript, which beats a native
    // call per argument; long ones by latin1Write
    if (a.length < 64) for (let i = 0; i < a.length; i++) out[n++] = a.charCodeAt(i);
    else n += out.latin1Write(a, n);
    out[n++] = 13;
    out[n++] = 10;
  }
  return out.subarray(0, n);
}

/** A non-negative integer's decimal digits at `n`; the offset after them. */
function writeDecimal(out: Buffer, n: number, v: number): number {
  if (v < 10) {
    out[n++] = 48 + v;
    return n;
  }
  const digits = String(v);
  for (let i = 0; i < digits.length; i++) out[n++] = digits.charCodeAt(i);
  return n;
}

/** Encode one reply on its own (tests, pushes to other clients, MULTI's queued results). */
export function encode(r: Reply, proto: Protocol = 2): Buffer {
  const w = new ReplyWriter();
  w.proto = proto;
  w.write(r);
  return w.take() ?? Buffer.alloc(0);
}
