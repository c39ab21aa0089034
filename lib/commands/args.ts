/**
 * A cursor over a command's arguments (after the name), in the manner of mini-redis's Parse: handlers pull
 * what they expect and the cursor throws Redis's error when an argument is missing or malformed. Below it, the
 * argument readers several families share: an argument as C's string functions see it, keywords, numbers.
 */
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, fail, ReplyError } from '../protocol/errors';
import { parseDouble, parseInteger } from '../store/numbers';

export class ArgCursor {
  private i: number;

  /** `start` is the index of the first argument after the command (and subcommand) name. */
  constructor(
    readonly argv: readonly string[],
    start = 1,
  ) {
    this.i = start;
  }

  get remaining(): number {
    return this.argv.length - this.i;
  }

  get hasMore(): boolean {
    return this.i < this.argv.length;
  }

  /** Index of the next argument in argv. */
  get position(): number {
    return this.i;
  }

  /** The next argument as bytes; a missing one is a syntax error. */
  next(): string {
    if (this.i >= this.argv.length) throw new ReplyError(ERR_SYNTAX);
    return this.argv[this.i++];
  }

  /** Keys are arguments like any other; the name documents intent at the call site. */
  nextKey(): string {
    return this.next();
  }

  peek(): string | undefined {
    return this.argv[this.i];
  }

  /** The next argument upper-cased, for matching option keywords (NX, EX, MATCH, …). */
  nextUpper(): string {
    return this.next().toUpperCase();
  }

  /** A 64-bit integer as a JS number (exact up to 2^53); `error` replaces the default text. */
  nextInt(error = ERR_NOT_INTEGER): number {
    const v = parseInteger(this.next());
    if (v === null) throw new ReplyError(error);
    return Number(v);
  }

  /** A 64-bit integer kept exact (number while safe, bigint beyond). */
  nextInt64(error = ERR_NOT_INTEGER): number | bigint {
    const v = parseInteger(this.next());
    if (v === null) throw new ReplyError(error);
    return v;
  }

  nextFloat(error = ERR_NOT_FLOAT): number {
    return doubleArg(this.next(), error);
  }

  /** Every argument not consumed yet. */
  rest(): string[] {
    const out = this.argv.slice(this.i);
    this.i = this.argv.length;
    return out;
  }

  /** Anything left over is a syntax error. */
  finish(): void {
    if (this.i < this.argv.length) throw new ReplyError(ERR_SYNTAX);
  }
}

/** An argument as C's string functions see it (strcasecmp, strtod, strtoul, `%s`): up to its first NUL byte. */
export function cText(arg: string): string {
  const nul = arg.indexOf('\0');
  return nul < 0 ? arg : arg.slice(0, nul);
}

/** An option keyword as strcasecmp() compares it: ASCII letters upper-cased only, and a NUL byte ends it. */
export function keyword(arg: string): string {
  return cText(arg).replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/**
 * getLongFromObjectOrReply(), or with `min` getRangeLongFromObjectOrReply() with one message for both kinds of
 * failure: an int64 as a number (exact to 2^53, which no count or index reaches).
 */
export function longArg(text: string, min = -Infinity, message = ERR_NOT_INTEGER): number {
  const v = parseInteger(text);
  if (v === null || Number(v) < min) fail(message);
  return Number(v);
}

/** C's atoi() as glibc does it: strtol (clamped to 64 bits) cut to an int; 0 when there are no digits. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  if (!m) return 0;
  const v = BigInt(m[1]);
  const clamped = v > INT64_MAX ? INT64_MAX : v < -INT64_MAX - 1n ? -INT64_MAX - 1n : v;
  return Number(BigInt.asIntN(32, clamped));
}
const INT64_MAX = 2n ** 63n - 1n;

/**
 * getDoubleFromObject(): strtod over the whole argument, no leading space, no NaN, and no overflow to infinity or
 * underflow to zero from digits (ERANGE); "inf" itself is fine.
 */
export function doubleArg(text: string, message = ERR_NOT_FLOAT): number {
  const v = parseDouble(text);
  if (v === null) return fail(message);
  if (!Number.isFinite(v) && !/^[+-]?inf(inity)?$/i.test(text)) fail(message);
  if (v === 0 && /[1-9]/.test(text.replace(/[eEpP].*$/, '').replace(/^[+-]?0[xX]/, ''))) fail(message);
  return v;
}

/**
 * Start and stop indexes (LRANGE, ZRANGE by rank): negative ones count from the end, then both are clamped to
 * the length. [start, stop] inclusive, or null for an empty range.
 */
export function clampRange(length: number, start: number, stop: number): [number, number] | null {
  if (start < 0) start = length + start;
  if (stop < 0) stop = length + stop;
  if (start < 0) start = 0;
  if (start > stop || start >= length) return null;
  return [start, Math.min(stop, length - 1)];
}
