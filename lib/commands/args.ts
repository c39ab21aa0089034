/**
 * A cursor over a command's arguments (after the name), in the manner of mini-redis's Parse: handlers pull
 * what they expect and the cursor throws Redis's error when an argument is missing or malformed.
 */
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError } from '../protocol/errors';
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
    const v = parseDouble(this.next());
    if (v === null) throw new ReplyError(error);
    return v;
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
