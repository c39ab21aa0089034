/** String commands. Mirrors t_string.c; the SET family shares setGeneric, the INCR family incrDecrGeneric. */
import {
  ERR_DECR_OVERFLOW, ERR_INCR_NAN_OR_INFINITY, ERR_INVALID_EXPIRE, ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_OFFSET_RANGE, ERR_OVERFLOW,
  ERR_STRING_TOO_LONG, ERR_SYNTAX, ERR_WRONGTYPE, errWrongArity, fail,
} from '../protocol/errors';
import { bulk, int, NIL, OK, ONE, ZERO, array, type Reply } from '../protocol/reply';
import { markRawString, NO_EXPIRY, type Db, type Entry } from '../store/keyspace';
import { INT64_MAX, INT64_MIN, int64, parseInteger } from '../store/numbers';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../store/long-double';
import { lcs } from '../store/lcs';
import { notifyKeyspaceEvent, replyWritten, NOTIFY_GENERIC, NOTIFY_STRING } from '../server/notify';
import type { ArgCursor } from './args';
import type { CommandContext, CommandSpec } from './types';
import { key, str, integer, dbl, unixTime, tok, oneof, block } from './docs';
import { keyAt, range, setKeys } from './keyspecs';

const STR = ['@string'] as const;

/** A string event (the `$` class) on `key` of the command's db. */
function notifyString(ctx: CommandContext, event: string, key: string): void {
  notifyKeyspaceEvent(ctx.server, NOTIFY_STRING, event, key, ctx.db.id);
}

function notifyGeneric(ctx: CommandContext, event: string, key: string): void {
  notifyKeyspaceEvent(ctx.server, NOTIFY_GENERIC, event, key, ctx.db.id);
}

export const stringCommands: readonly CommandSpec[] = [
  { name: 'GET', arity: 2, flags: ['readonly', 'fast'], group: 'string', since: '1.0.0', summary: 'Return the string value of a key.', complexity: 'O(1)', acl: STR, run: getCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key')] },
  { name: 'SET', arity: -3, flags: ['write', 'denyoom'], group: 'string', since: '1.0.0', summary: 'Set the string value of a key, with optional conditions and expiry.', complexity: 'O(1)', acl: STR, run: setCommand,
    keySpecs: [keyAt(1, 'RW access update variable_flags', range(), 'RW and ACCESS due to the optional `GET` argument')], getKeys: setKeys,
    args: [key('key'), str('value'), oneof('condition', tok('NX'), tok('XX')).opt.since('2.6.12'), tok('GET').opt.since('6.2.0'),
      oneof('expiration',
        integer('seconds', 'EX').since('2.6.12'), integer('milliseconds', 'PX').since('2.6.12'), unixTime('unix-time-seconds', 'EXAT').since('6.2.0'),
        unixTime('unix-time-milliseconds', 'PXAT').since('6.2.0'), tok('KEEPTTL').since('6.0.0')
      ).opt],
    history: [['2.6.12', 'EX, PX, NX and XX options.'], ['6.0.0', 'KEEPTTL option.'], ['6.2.0', 'GET, EXAT and PXAT options.'], ['7.0.0', 'NX and GET may be combined.']] },
  { name: 'SETNX', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', since: '1.0.0', summary: 'Set a key only if it does not exist.', complexity: 'O(1)', acl: STR, run: setnxCommand,
    keySpecs: [keyAt(1, 'OW insert')], args: [key('key'), str('value')] },
  { name: 'SETEX', arity: 4, flags: ['write', 'denyoom'], group: 'string', since: '2.0.0', summary: 'Set a key and its time to live in seconds.', complexity: 'O(1)', acl: STR, run: setexCommand,
    keySpecs: [keyAt(1, 'OW update')], args: [key('key'), integer('seconds'), str('value')] },
  { name: 'PSETEX', arity: 4, flags: ['write', 'denyoom'], group: 'string', since: '2.6.0', summary: 'Set a key and its time to live in milliseconds.', complexity: 'O(1)', acl: STR, run: psetexCommand,
    keySpecs: [keyAt(1, 'OW update')], args: [key('key'), integer('milliseconds'), str('value')] },
  { name: 'GETSET', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', since: '1.0.0', summary: 'Set a key and return its old value.', complexity: 'O(1)', acl: STR, run: getsetCommand,
    keySpecs: [keyAt(1, 'RW access update')], args: [key('key'), str('value')],
    docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`SET` with the `!GET` argument' },
  { name: 'GETDEL', arity: 2, flags: ['write', 'fast'], group: 'string', since: '6.2.0', summary: 'Return the value of a key and delete it.', complexity: 'O(1)', acl: STR, run: getdelCommand,
    keySpecs: [keyAt(1, 'RW access delete')], args: [key('key')] },
  { name: 'GETEX', arity: -2, flags: ['write', 'fast'], group: 'string', since: '6.2.0', summary: 'Return the value of a key and optionally change its expiry.', complexity: 'O(1)', acl: STR, run: getexCommand,
    keySpecs: [keyAt(1, 'RW access update', range(), 'RW and UPDATE because it changes the TTL')],
    args: [key('key'),
      oneof('expiration',
        integer('seconds', 'EX'), integer('milliseconds', 'PX'), unixTime('unix-time-seconds', 'EXAT'), unixTime('unix-time-milliseconds', 'PXAT'),
        tok('PERSIST')
      ).opt] },
  { name: 'MGET', arity: -2, flags: ['readonly', 'fast'], group: 'string', since: '1.0.0', summary: 'Return the values of several keys.', complexity: 'O(N) where N is the number of keys', acl: STR, tips: ['request_policy:multi_shard'], run: mgetCommand,
    keySpecs: [keyAt(1, 'RO access', range(-1))], args: [key('key').many] },
  { name: 'MSET', arity: -3, flags: ['write', 'denyoom'], group: 'string', since: '1.0.1', summary: 'Set several keys at once.', complexity: 'O(N) where N is the number of keys', acl: STR, tips: ['request_policy:multi_shard', 'response_policy:all_succeeded'], run: (ctx, args) => msetGeneric(ctx, args, false),
    keySpecs: [keyAt(1, 'OW update', range(-1, 2))], args: [block('key_value', key('key'), str('value')).many] },
  { name: 'MSETNX', arity: -3, flags: ['write', 'denyoom'], group: 'string', since: '1.0.1', summary: 'Set several keys, only if none of them exists.', complexity: 'O(N) where N is the number of keys', acl: STR, tips: ['request_policy:multi_shard', 'response_policy:agg_min'], run: (ctx, args) => msetGeneric(ctx, args, true),
    keySpecs: [keyAt(1, 'OW insert', range(-1, 2))], args: [block('key_value', key('key'), str('value')).many] },
  { name: 'APPEND', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', since: '2.0.0', summary: 'Append to the value of a key.', complexity: 'O(1)', acl: STR, run: appendCommand,
    keySpecs: [keyAt(1, 'RW insert')], args: [key('key'), str('value')] },
  { name: 'STRLEN', arity: 2, flags: ['readonly', 'fast'], group: 'string', since: '2.2.0', summary: 'Return the length of the value of a key.', complexity: 'O(1)', acl: STR, run: strlenCommand,
    keySpecs: [keyAt(1, 'RO')], args: [key('key')] },
  { name: 'GETRANGE', arity: 4, flags: ['readonly'], group: 'string', since: '2.4.0', summary: 'Return a substring of the value of a key.', complexity: 'O(N) where N is the length of the returned string', acl: STR, run: getrangeCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), integer('start'), integer('end')] },
  { name: 'SUBSTR', arity: 4, flags: ['readonly'], group: 'string', since: '1.0.0', summary: 'Return a substring of the value of a key (deprecated alias of GETRANGE).', complexity: 'O(N) where N is the length of the returned string', acl: STR, run: getrangeCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), integer('start'), integer('end')],
    docFlags: ['deprecated'], deprecatedSince: '2.0.0', replacedBy: '`GETRANGE`' },
  { name: 'SETRANGE', arity: 4, flags: ['write', 'denyoom'], group: 'string', since: '2.2.0', summary: 'Overwrite part of the value of a key, padding with zero bytes.', complexity: 'O(1), not counting the time to copy the new string', acl: STR, run: setrangeCommand,
    keySpecs: [keyAt(1, 'RW update')], args: [key('key'), integer('offset'), str('value')] },
  { name: 'INCR', arity: 2, flags: ['write', 'denyoom', 'fast'], group: 'string', since: '1.0.0', summary: 'Add one to the integer stored at a key.', complexity: 'O(1)', acl: STR, run: (ctx) => incrDecrGeneric(ctx, 1),
    keySpecs: [keyAt(1, 'RW access update')], args: [key('key')] },
  { name: 'DECR', arity: 2, flags: ['write', 'denyoom', 'fast'], group: 'string', since: '1.0.0', summary: 'Subtract one from the integer stored at a key.', complexity: 'O(1)', acl: STR, run: (ctx) => incrDecrGeneric(ctx, -1),
    keySpecs: [keyAt(1, 'RW access update')], args: [key('key')] },
  { name: 'INCRBY', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', since: '1.0.0', summary: 'Increment the integer value of a key by an amount.', complexity: 'O(1)', acl: STR, run: incrbyCommand,
    keySpecs: [keyAt(1, 'RW access update')], args: [key('key'), integer('increment')] },
  { name: 'DECRBY', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', since: '1.0.0', summary: 'Decrement the integer value of a key by an amount.', complexity: 'O(1)', acl: STR, run: decrbyCommand,
    keySpecs: [keyAt(1, 'RW access update')], args: [key('key'), integer('decrement')] },
  { name: 'INCRBYFLOAT', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', since: '2.6.0', summary: 'Increment the floating point value of a key by an amount.', complexity: 'O(1)', acl: STR, run: incrbyfloatCommand,
    keySpecs: [keyAt(1, 'RW access update')], args: [key('key'), dbl('increment')] },
  { name: 'LCS', arity: -3, flags: ['readonly'], group: 'string', since: '7.0.0', summary: 'Longest common subsequence of two strings.', complexity: 'O(N*M) where N and M are the lengths of the strings', acl: STR, run: lcsCommand,
    keySpecs: [keyAt(1, 'RO access', range(1))],
    args: [key('key1'), key('key2'), tok('LEN').opt, tok('IDX').opt, integer('len', 'MINMATCHLEN').opt, tok('WITHMATCHLEN').opt] },
];

/** The string at `key`, undefined if absent; WRONGTYPE if the key holds another type. */
export function getString(db: Db, key: string, read = true): string | undefined {
  const e = read ? db.lookupRead(key) : db.lookup(key);
  if (e === undefined) return undefined;
  if (typeof e.value !== 'string') fail(ERR_WRONGTYPE);
  return e.value as string;
}

function stringEntry(db: Db, key: string): Entry | undefined {
  const e = db.lookup(key);
  if (e !== undefined && typeof e.value !== 'string') fail(ERR_WRONGTYPE);
  return e;
}

/** checkStringLength(): a write may not grow a string past proto-max-bulk-len (nor past V8's string limit). */
function checkStringLength(ctx: CommandContext, size: number): void {
  if (ctx.client.isMaster) return;
  if (size > ctx.server.limits.maxBulkLen || size > MAX_STRING_LENGTH) fail(ERR_STRING_TOO_LONG);
}
const MAX_STRING_LENGTH = (1 << 29) - 24; // V8's longest one-byte string

/** An option keyword as Redis compares it: case-insensitively and as a C string, so a NUL byte ends it. */
function optionName(arg: string): string {
  const nul = arg.indexOf('\0');
  return (nul < 0 ? arg : arg.slice(0, nul)).toUpperCase();
}

// GET key
function getCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const value = getString(db, args.nextKey());
  return value === undefined ? NIL : bulk(value);
}

type Unit = 'seconds' | 'ms';
interface ExpireOption {
  kind: 'EX' | 'PX' | 'EXAT' | 'PXAT';
  text: string;
}

/**
 * getExpireMillisecondsOrReply(): an EX/PX/EXAT/PXAT argument as an absolute unix time in ms. Zero, negative
 * or overflowing values are "invalid expire time in '<command>' command".
 */
function expireAt(ctx: CommandContext, opt: ExpireOption): number {
  const v = parseInteger(opt.text);
  if (v === null) fail(ERR_NOT_INTEGER);
  let ms = BigInt(v!);
  const unit: Unit = opt.kind === 'EX' || opt.kind === 'EXAT' ? 'seconds' : 'ms';
  if (ms <= 0n || (unit === 'seconds' && ms > INT64_MAX / 1000n)) fail(ERR_INVALID_EXPIRE(ctx.command.fullname));
  if (unit === 'seconds') ms *= 1000n;
  if (opt.kind === 'EX' || opt.kind === 'PX') ms += BigInt(ctx.server.keyspace.now);
  if (ms <= 0n || ms > INT64_MAX) fail(ERR_INVALID_EXPIRE(ctx.command.fullname));
  return Number(ms);
}

interface SetFlags {
  nx?: boolean;
  xx?: boolean;
  get?: boolean;
  keepTtl?: boolean;
  persist?: boolean;
  expire?: ExpireOption;
}

/**
 * parseExtendedStringArgumentsOrReply(): SET's and GETEX's options. The rules of which may combine are
 * Redis's: NX/XX exclusive, one expiry form, KEEPTTL/PERSIST with no expiry; anything else is a syntax error.
 */
function parseExtendedOptions(args: ArgCursor, command: 'set' | 'get'): SetFlags {
  const f: SetFlags = {};
  const isSet = command === 'set';
  while (args.hasMore) {
    const opt = optionName(args.next());
    const hasNext = args.hasMore;
    const noExpiry = !f.expire && !f.keepTtl && !f.persist;
    if (opt === 'NX' && isSet && !f.xx) f.nx = true;
    else if (opt === 'XX' && isSet && !f.nx) f.xx = true;
    else if (opt === 'GET' && isSet) f.get = true;
    else if (opt === 'KEEPTTL' && isSet && !f.persist && !f.expire) f.keepTtl = true;
    else if (opt === 'PERSIST' && !isSet && !f.expire && !f.keepTtl) f.persist = true;
    else if ((opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') && hasNext && (noExpiry || f.expire?.kind === opt)) {
      f.expire = { kind: opt, text: args.next() };
    } else fail(ERR_SYNTAX);
  }
  return f;
}

/** setGenericCommand(): SET and its variants. Replies OK / the old value (GET) / `aborted` when NX/XX stop it. */
function setGeneric(ctx: CommandContext, key: string, value: string, f: SetFlags, okReply: Reply, abortReply: Reply): Reply {
  const db = ctx.db;
  const at = f.expire ? expireAt(ctx, f.expire) : NO_EXPIRY;
  let old: Reply | undefined;
  if (f.get) {
    const v = getString(db, key);
    old = v === undefined ? NIL : bulk(v);
  }
  const existing = db.lookup(key);
  if ((f.nx && existing) || (f.xx && !existing)) return old ?? abortReply;
  if (f.get) replyWritten(ctx.server); // GET answered with the old value before anything was set
  db.set(key, value, f.keepTtl && existing ? existing.expiresAt : at);
  notifyString(ctx, 'set', key);
  if (f.expire) {
    notifyGeneric(ctx, 'expire', key);
    ctx.rewrite = ['SET', key, value, 'PXAT', String(at)]; // replicas get an absolute time
  } else if (f.get) {
    ctx.rewrite = ctx.argv.filter((a, i) => i < 3 || optionName(a) !== 'GET');
  }
  return old ?? okReply;
}

// SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]
function setCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), value = args.next();
  return setGeneric(ctx, key, value, parseExtendedOptions(args, 'set'), OK, NIL);
}

// SETNX key value
function setnxCommand(ctx: CommandContext, args: ArgCursor): Reply {
  return setGeneric(ctx, args.nextKey(), args.next(), { nx: true }, ONE, ZERO);
}

// SETEX key seconds value
function setexCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), seconds = args.next();
  return setGeneric(ctx, key, args.next(), { expire: { kind: 'EX', text: seconds } }, OK, NIL);
}

// PSETEX key milliseconds value
function psetexCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), ms = args.next();
  return setGeneric(ctx, key, args.next(), { expire: { kind: 'PX', text: ms } }, OK, NIL);
}

// GETSET key value
function getsetCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), value = args.next();
  const old = getString(ctx.db, key);
  replyWritten(ctx.server); // the old value is the reply, given before the write
  ctx.db.set(key, value);
  notifyString(ctx, 'set', key);
  ctx.rewrite = ['SET', key, value];
  return old === undefined ? NIL : bulk(old);
}

// GETDEL key
function getdelCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const value = getString(ctx.db, key);
  if (value === undefined) return NIL;
  replyWritten(ctx.server);
  ctx.db.delete(key);
  notifyGeneric(ctx, 'del', key);
  ctx.rewrite = ['DEL', key];
  return bulk(value);
}

// GETEX key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]
function getexCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const f = parseExtendedOptions(args, 'get');
  const value = getString(ctx.db, key);
  if (value === undefined) return NIL;
  const at = f.expire ? expireAt(ctx, f.expire) : NO_EXPIRY;
  const absolute = f.expire?.kind === 'EXAT' || f.expire?.kind === 'PXAT';
  replyWritten(ctx.server); // the value is the reply, given before the key is expired or deleted
  if (absolute && at <= ctx.server.keyspace.now && ctx.server.keyspace.replicaMode === 'master') {
    ctx.db.delete(key); // checkAlreadyExpired(): an absolute time in the past deletes the key
    notifyGeneric(ctx, 'del', key);
    ctx.rewrite = ['DEL', key];
  } else if (f.expire) {
    ctx.db.setExpire(key, at);
    notifyGeneric(ctx, 'expire', key);
    ctx.rewrite = ['PEXPIREAT', key, String(at)];
  } else if (f.persist) {
    const e = ctx.db.peek(key)!;
    if (e.expiresAt !== NO_EXPIRY) {
      ctx.db.setExpire(key, NO_EXPIRY);
      notifyGeneric(ctx, 'persist', key);
      ctx.rewrite = ['PERSIST', key];
    }
  }
  return bulk(value);
}

// MGET key [key ...]
function mgetCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const out: Reply[] = [];
  while (args.hasMore) {
    const e = db.lookupRead(args.nextKey());
    out.push(e !== undefined && typeof e.value === 'string' ? bulk(e.value) : NIL);
  }
  return array(out);
}

// MSET key value [key value ...] / MSETNX key value [key value ...]
function msetGeneric(ctx: CommandContext, args: ArgCursor, nx: boolean): Reply {
  if (args.remaining % 2 !== 0) fail(errWrongArity(ctx.command.fullname));
  const pairs = args.rest();
  if (nx) {
    for (let i = 0; i < pairs.length; i += 2) if (ctx.db.lookup(pairs[i]) !== undefined) return ZERO;
  }
  for (let i = 0; i < pairs.length; i += 2) {
    ctx.db.set(pairs[i], pairs[i + 1]);
    notifyString(ctx, 'set', pairs[i]);
  }
  return nx ? ONE : OK;
}

// APPEND key value
function appendCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), suffix = args.next();
  const e = stringEntry(ctx.db, key);
  if (e === undefined) {
    ctx.db.set(key, suffix);
    notifyString(ctx, 'append', key);
    return int(suffix.length);
  }
  const current = e.value as string;
  checkStringLength(ctx, current.length + suffix.length);
  const next = current + suffix;
  ctx.db.set(key, next, e.expiresAt);
  markRawString(ctx.db.peek(key)); // appended in place: a raw sds from now on
  notifyString(ctx, 'append', key);
  return int(next.length);
}

// STRLEN key
function strlenCommand({ db }: CommandContext, args: ArgCursor): Reply {
  return int(getString(db, args.nextKey())?.length ?? 0);
}

// GETRANGE key start end
function getrangeCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  let start = args.nextInt(), end = args.nextInt();
  const s = getString(db, key);
  if (s === undefined) return bulk('');
  const len = s.length;
  if (start < 0 && end < 0 && start > end) return bulk('');
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return bulk('');
  return bulk(s.slice(start, end + 1));
}

// SETRANGE key offset value
function setrangeCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const offset = args.nextInt();
  const value = args.next();
  if (offset < 0) fail(ERR_OFFSET_RANGE);
  const e = stringEntry(ctx.db, key);
  const current = e === undefined ? '' : (e.value as string);
  if (value.length === 0) return int(current.length);
  checkStringLength(ctx, offset + value.length);
  const padded = current.length < offset ? current + '\0'.repeat(offset - current.length) : current;
  const next = padded.slice(0, offset) + value + padded.slice(offset + value.length);
  ctx.db.set(key, next, e?.expiresAt ?? NO_EXPIRY);
  markRawString(ctx.db.peek(key));
  notifyString(ctx, 'setrange', key);
  return int(next.length);
}

/** incrDecrCommand(): add `by` to the integer at key, keeping its TTL. */
function incrDecrGeneric(ctx: CommandContext, by: number | bigint): Reply {
  const key = ctx.argv[1];
  const e = stringEntry(ctx.db, key);
  const old = e === undefined ? 0 : parseInteger(e.value as string);
  if (old === null) fail(ERR_NOT_INTEGER);
  if (typeof old === 'number' && typeof by === 'number' && Number.isSafeInteger(old + by)) {
    const n = old + by; // the common case stays in plain numbers; bigints only near the int64 edges
    ctx.db.set(key, String(n), e?.expiresAt ?? NO_EXPIRY);
    notifyString(ctx, 'incrby', key); // INCR, DECR and DECRBY too
    return int(n);
  }
  const next = BigInt(old!) + BigInt(by);
  if (next > INT64_MAX || next < INT64_MIN) fail(ERR_OVERFLOW);
  ctx.db.set(key, next.toString(), e?.expiresAt ?? NO_EXPIRY);
  notifyString(ctx, 'incrby', key);
  return int(int64(next));
}

// INCRBY key increment
function incrbyCommand(ctx: CommandContext, args: ArgCursor): Reply {
  args.nextKey();
  return incrDecrGeneric(ctx, args.nextInt64());
}

// DECRBY key decrement
function decrbyCommand(ctx: CommandContext, args: ArgCursor): Reply {
  args.nextKey();
  const by = BigInt(args.nextInt64());
  if (by === INT64_MIN) fail(ERR_DECR_OVERFLOW); // -LLONG_MIN does not exist
  return incrDecrGeneric(ctx, -by);
}

// INCRBYFLOAT key increment
function incrbyfloatCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const incrText = args.next();
  const e = stringEntry(ctx.db, key);
  const current = e === undefined ? parseLongDouble('0') : parseLongDouble(e.value as string);
  const incr = parseLongDouble(incrText);
  if (current === null || incr === null) fail(ERR_NOT_FLOAT);
  const sum = addLongDouble(current!, incr!);
  if (sum === null) fail(ERR_INCR_NAN_OR_INFINITY);
  const text = formatLongDouble(sum!);
  ctx.db.set(key, text, e?.expiresAt ?? NO_EXPIRY);
  notifyString(ctx, 'incrbyfloat', key);
  ctx.rewrite = ['SET', key, text, 'KEEPTTL']; // float arithmetic may differ on replicas: send the result
  return bulk(text);
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
function lcsCommand(ctx: CommandContext, args: ArgCursor): Reply {
  // Redis looks both keys up and checks their types before it reads a single option.
  const ea = ctx.db.lookupRead(args.nextKey()), eb = ctx.db.lookupRead(args.nextKey());
  if ((ea && typeof ea.value !== 'string') || (eb && typeof eb.value !== 'string')) {
    fail('ERR The specified keys must contain string values');
  }
  let getLen = false, getIdx = false, withMatchLen = false, minMatchLen = 0;
  while (args.hasMore) {
    const opt = optionName(args.next());
    if (opt === 'IDX') getIdx = true;
    else if (opt === 'LEN') getLen = true;
    else if (opt === 'WITHMATCHLEN') withMatchLen = true;
    else if (opt === 'MINMATCHLEN' && args.hasMore) minMatchLen = Math.max(0, args.nextInt());
    else fail(ERR_SYNTAX);
  }
  if (getIdx && getLen) fail('ERR If you want both the length and indexes, please just use IDX.');
  const a = (ea?.value as string | undefined) ?? '', b = (eb?.value as string | undefined) ?? '';
  return lcs(a, b, { getLen, getIdx, withMatchLen, minMatchLen }, ctx.server.limits.maxBulkLen);
}
