/**
 * Error replies exactly as Redis 7.0 sends them (server.c createSharedObjects, t_*.c). Fixed texts are ERR_*
 * constants, formatted ones err*() functions. Handlers throw ReplyError; dispatch turns it into the reply.
 */

/** A command's answer is this error line (without the leading '-'); the connection stays open. */
export class ReplyError extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

export const fail = (text: string): never => {
  throw new ReplyError(text);
};

export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_NO_SUCH_KEY = 'ERR no such key';
export const ERR_DB_INDEX = 'ERR DB index is out of range';
export const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
export const ERR_INVALID_EXPIRE = (cmd: string) => `ERR invalid expire time in '${cmd}' command`;
export const ERR_READONLY = "READONLY You can't write against a read only replica.";
export const ERR_LOADING = 'LOADING Redis is loading the dataset in memory';
export const ERR_MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
/** A write refused while fewer replicas than min-replicas-to-write acknowledged recently. */
export const ERR_NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';
/** Over maxmemory with nothing left to evict, a command that may grow memory is refused. */
export const ERR_OOM = "OOM command not allowed when used memory > 'maxmemory'.";
export const ERR_MULTI_NESTED = 'ERR MULTI calls can not be nested';
export const ERR_EXEC_WITHOUT_MULTI = 'ERR EXEC without MULTI';
export const ERR_DISCARD_WITHOUT_MULTI = 'ERR DISCARD without MULTI';
export const ERR_EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
export const ERR_WATCH_IN_MULTI = 'ERR WATCH inside MULTI is not allowed';
export const ERR_NOT_IN_MULTI = 'ERR Command not allowed inside a transaction';
export const ERR_NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';
export const ERR_STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
export const ERR_OFFSET_RANGE = 'ERR offset is out of range';
export const ERR_NOAUTH = 'NOAUTH Authentication required.';
export const ERR_CLUSTER_DISABLED = 'ERR This instance has cluster support disabled';

// Texts several families send (shared objects in server.c, or the same reply written in several t_*.c files).
export const ERR_DECR_OVERFLOW = 'ERR decrement would overflow';
export const ERR_INCR_NAN_OR_INFINITY = 'ERR increment would produce NaN or Infinity';
export const ERR_OUT_OF_RANGE = 'ERR value is out of range';
export const ERR_NOT_POSITIVE = 'ERR value is out of range, must be positive';
/** HRANDFIELD, SRANDMEMBER and ZRANDMEMBER: a negative count must have a positive counterpart. */
export const ERR_RANDOM_COUNT_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';
export const ERR_NUMKEYS = 'ERR numkeys should be greater than 0';
export const ERR_COUNT_NOT_POSITIVE = 'ERR count should be greater than 0';
export const ERR_LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
export const ERR_SAME_OBJECT = 'ERR source and destination objects are the same';
export const ERR_TIMEOUT_NOT_INTEGER = 'ERR timeout is not an integer or out of range';
export const ERR_TIMEOUT_NEGATIVE = 'ERR timeout is negative';
/** A blocked client released by CLIENT UNBLOCK … ERROR. */
export const ERR_UNBLOCKED = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';
export const ERR_LCS_TOO_BIG = 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len';
export const ERR_LCS_ALLOC = 'ERR Insufficient memory, failed allocating transient memory for LCS';

/** `%.128s` and `%.*s` in Redis stop at a NUL byte and cut at 128 bytes. */
function cString(s: string, max: number): string {
  const nul = s.indexOf('\0');
  const t = nul >= 0 ? s.slice(0, nul) : s;
  return t.length > max ? t.slice(0, max) : t;
}

/** commandCheckExistence(): the args are quoted until 128 bytes of them have been printed. */
export function errUnknownCommand(argv: readonly string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${cString(argv[i], 128 - args.length)}' `;
  return `ERR unknown command '${cString(argv[0], 128)}', with args beginning with: ${args}`;
}

/** `fullname` is lowercase, with `|` before a subcommand: 'get', 'config|set'. */
export const errWrongArity = (fullname: string) => `ERR wrong number of arguments for '${fullname}' command`;

/** An unknown subcommand of a container command (CONFIG, CLIENT, OBJECT, …). */
export const errUnknownSubcommand = (sub: string, container: string) =>
  `ERR unknown subcommand '${cString(sub, 128)}'. Try ${container.toUpperCase()} HELP.`;
