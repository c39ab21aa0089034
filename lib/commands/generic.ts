/**
 * Keyspace commands, whatever the type: existence, deletion, renaming, moving and copying keys, iterating them
 * (KEYS, SCAN, RANDOMKEY), their TTLs and OBJECT introspection. Mirrors db.c, expire.c and object.c.
 */
import { ERR_INVALID_EXPIRE, ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SAME_OBJECT, ERR_SYNTAX, fail } from '../protocol/errors';
import {
  array, bulk, int, MINUS_ONE, MINUS_TWO, NIL, OK, ONE, simple, ZERO, type Reply,
} from '../protocol/reply';
import { compileGlob } from '../store/glob';
import { isRawString, markRawString, NO_EXPIRY, type Entry } from '../store/keyspace';
import { INT64_MAX, INT64_MIN, parseInteger } from '../store/numbers';
import { typeName, type Value } from '../store/types';
import { cText, keyword, type ArgCursor } from './args';
import { dbArgument } from './connection';
import { parseScanCursor, parseScanOptions, scanReply } from './scan';
import type { CommandContext, CommandSpec } from './types';
import { key, str, integer, pattern, unixTime, tok, oneof } from './docs';
import { keyAt, range } from './keyspecs';
import { notifyKeyspaceEvent, replyWritten, NOTIFY_GENERIC, NOTIFY_NEW } from '../server/notify';

const KS = ['@keyspace'] as const;

/** A generic event (the `g` class) on `key` of db `dbid`. */
function notifyGeneric(ctx: CommandContext, event: string, key: string, dbid = ctx.db.id): void {
  notifyKeyspaceEvent(ctx.server, NOTIFY_GENERIC, event, key, dbid);
}

export const genericCommands: readonly CommandSpec[] = [
  { name: 'DEL', arity: -2, flags: ['write'], group: 'generic', since: '1.0.0', summary: 'Remove keys.', complexity: 'O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).', acl: KS, tips: ['request_policy:multi_shard', 'response_policy:agg_sum'], run: delCommand,
    keySpecs: [keyAt(1, 'RM delete', range(-1))], args: [key('key').many] },
  { name: 'UNLINK', arity: -2, flags: ['write', 'fast'], group: 'generic', since: '4.0.0', summary: 'Remove keys, freeing their memory in the background.', complexity: 'O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.', acl: KS, tips: ['request_policy:multi_shard', 'response_policy:agg_sum'], run: delCommand,
    keySpecs: [keyAt(1, 'RM delete', range(-1))], args: [key('key').many] },
  { name: 'EXISTS', arity: -2, flags: ['readonly', 'fast'], group: 'generic', since: '1.0.0', summary: 'Count how many of the given keys exist.', complexity: 'O(N) where N is the number of keys to check.', acl: KS, tips: ['request_policy:multi_shard', 'response_policy:agg_sum'], run: existsCommand,
    keySpecs: [keyAt(1, 'RO', range(-1))], args: [key('key').many],
    history: [['3.0.3', 'Takes several keys.']] },
  { name: 'TYPE', arity: 2, flags: ['readonly', 'fast'], group: 'generic', since: '1.0.0', summary: 'Name the type of the value at a key.', complexity: 'O(1)', acl: KS, run: typeCommand,
    keySpecs: [keyAt(1, 'RO')], args: [key('key')] },
  { name: 'KEYS', arity: 2, flags: ['readonly'], group: 'generic', since: '1.0.0', summary: 'List the keys that match a glob pattern.', complexity: 'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.', acl: [...KS, '@dangerous'], tips: ['request_policy:all_shards', 'nondeterministic_output_order'], run: keysCommand,
    args: [pattern('pattern')] },
  { name: 'SCAN', arity: -2, flags: ['readonly'], group: 'generic', since: '2.8.0', summary: 'Walk the keyspace a cursor step at a time.', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.', acl: KS, tips: ['nondeterministic_output', 'request_policy:special'], run: scanCommand,
    args: [integer('cursor'), pattern('pattern', 'MATCH').opt, integer('count', 'COUNT').opt, str('type', 'TYPE').opt.since('6.0.0')],
    history: [['6.0.0', 'TYPE filters by value type.']] },
  { name: 'RANDOMKEY', arity: 1, flags: ['readonly'], group: 'generic', since: '1.0.0', summary: 'Return a key picked at random.', complexity: 'O(1)', acl: KS, tips: ['request_policy:all_shards', 'nondeterministic_output'], run: randomkeyCommand },
  { name: 'RENAME', arity: 3, flags: ['write'], group: 'generic', since: '1.0.0', summary: 'Give a key a new name, replacing any key already there.', complexity: 'O(1)', acl: KS, run: (ctx, args) => renameGeneric(ctx, args, false),
    keySpecs: [keyAt(1, 'RW access delete'), keyAt(2, 'OW update')], args: [key('key'), key('newkey', 1)] },
  { name: 'RENAMENX', arity: 3, flags: ['write', 'fast'], group: 'generic', since: '1.0.0', summary: 'Give a key a new name unless that name is taken.', complexity: 'O(1)', acl: KS, run: (ctx, args) => renameGeneric(ctx, args, true),
    keySpecs: [keyAt(1, 'RW access delete'), keyAt(2, 'OW insert')], args: [key('key'), key('newkey', 1)],
    history: [['3.2.0', 'Renaming a key to its own name is no longer an error.']] },
  { name: 'COPY', arity: -3, flags: ['write', 'denyoom'], group: 'generic', since: '6.2.0', summary: 'Duplicate the value of a key under another key, in this or another database.', complexity: 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.', acl: KS, run: copyCommand,
    keySpecs: [keyAt(1, 'RO access'), keyAt(2, 'OW update')], args: [key('source'), key('destination', 1), integer('destination-db', 'DB').opt, tok('REPLACE').opt] },
  { name: 'MOVE', arity: 3, flags: ['write', 'fast'], group: 'generic', since: '1.0.0', summary: 'Move a key to another database.', complexity: 'O(1)', acl: KS, run: moveCommand,
    keySpecs: [keyAt(1, 'RW access update')], args: [key('key'), integer('db')] },
  { name: 'EXPIRE', arity: -3, flags: ['write', 'fast'], group: 'generic', since: '1.0.0', summary: 'Make a key expire after a number of seconds.', complexity: 'O(1)', acl: KS, run: (ctx, args) => expireGeneric(ctx, args, ctx.server.keyspace.now, 'seconds'),
    keySpecs: [keyAt(1, 'RW update')], args: [key('key'), integer('seconds'), oneof('condition', tok('NX'), tok('XX'), tok('GT'), tok('LT')).opt.since('7.0.0')],
    history: [['7.0.0', 'NX, XX, GT and LT make the change conditional.']] },
  { name: 'PEXPIRE', arity: -3, flags: ['write', 'fast'], group: 'generic', since: '2.6.0', summary: 'Make a key expire after a number of milliseconds.', complexity: 'O(1)', acl: KS, run: (ctx, args) => expireGeneric(ctx, args, ctx.server.keyspace.now, 'ms'),
    keySpecs: [keyAt(1, 'RW update')], args: [key('key'), integer('milliseconds'), oneof('condition', tok('NX'), tok('XX'), tok('GT'), tok('LT')).opt.since('7.0.0')],
    history: [['7.0.0', 'NX, XX, GT and LT make the change conditional.']] },
  { name: 'EXPIREAT', arity: -3, flags: ['write', 'fast'], group: 'generic', since: '1.2.0', summary: 'Make a key expire at a Unix time in seconds.', complexity: 'O(1)', acl: KS, run: (ctx, args) => expireGeneric(ctx, args, 0, 'seconds'),
    keySpecs: [keyAt(1, 'RW update')],
    args: [key('key'), unixTime('unix-time-seconds'), oneof('condition', tok('NX'), tok('XX'), tok('GT'), tok('LT')).opt.since('7.0.0')],
    history: [['7.0.0', 'NX, XX, GT and LT make the change conditional.']] },
  { name: 'PEXPIREAT', arity: -3, flags: ['write', 'fast'], group: 'generic', since: '2.6.0', summary: 'Make a key expire at a Unix time in milliseconds.', complexity: 'O(1)', acl: KS, run: (ctx, args) => expireGeneric(ctx, args, 0, 'ms'),
    keySpecs: [keyAt(1, 'RW update')],
    args: [key('key'), unixTime('unix-time-milliseconds'), oneof('condition', tok('NX'), tok('XX'), tok('GT'), tok('LT')).opt.since('7.0.0')],
    history: [['7.0.0', 'NX, XX, GT and LT make the change conditional.']] },
  { name: 'TTL', arity: 2, flags: ['readonly', 'fast'], group: 'generic', since: '1.0.0', summary: 'Seconds left before a key expires.', complexity: 'O(1)', acl: KS, tips: ['nondeterministic_output'], run: (ctx, args) => ttlGeneric(ctx, args, false, false),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key')],
    history: [['2.8.0', 'A missing key answers -2 (and a key without expiry -1).']] },
  { name: 'PTTL', arity: 2, flags: ['readonly', 'fast'], group: 'generic', since: '2.6.0', summary: 'Milliseconds left before a key expires.', complexity: 'O(1)', acl: KS, tips: ['nondeterministic_output'], run: (ctx, args) => ttlGeneric(ctx, args, true, false),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key')],
    history: [['2.8.0', 'A missing key answers -2 (and a key without expiry -1).']] },
  { name: 'EXPIRETIME', arity: 2, flags: ['readonly', 'fast'], group: 'generic', since: '7.0.0', summary: 'The Unix time in seconds at which a key expires.', complexity: 'O(1)', acl: KS, run: (ctx, args) => ttlGeneric(ctx, args, false, true),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key')] },
  { name: 'PEXPIRETIME', arity: 2, flags: ['readonly', 'fast'], group: 'generic', since: '7.0.0', summary: 'The Unix time in milliseconds at which a key expires.', complexity: 'O(1)', acl: KS, run: (ctx, args) => ttlGeneric(ctx, args, true, true),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key')] },
  { name: 'PERSIST', arity: 2, flags: ['write', 'fast'], group: 'generic', since: '2.2.0', summary: 'Drop the expiry of a key, so it lives forever.', complexity: 'O(1)', acl: KS, run: persistCommand,
    keySpecs: [keyAt(1, 'RW update')], args: [key('key')] },
  { name: 'TOUCH', arity: -2, flags: ['readonly', 'fast'], group: 'generic', since: '3.2.1', summary: 'Mark keys as just accessed; answer how many exist.', complexity: 'O(N) where N is the number of keys that will be touched.', acl: KS, tips: ['request_policy:multi_shard', 'response_policy:agg_sum'], run: touchCommand,
    keySpecs: [keyAt(1, 'RO', range(-1))], args: [key('key').many] },
  {
    name: 'OBJECT', arity: -2, flags: [], group: 'generic', since: '2.2.3', summary: 'Subcommands that inspect the value stored at a key.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'ENCODING', arity: 3, flags: ['readonly'], group: 'generic', since: '2.2.3', summary: 'Name the internal encoding of the value at a key.', complexity: 'O(1)', acl: KS, tips: ['nondeterministic_output'], run: objectEncodingCommand,
        keySpecs: [keyAt(2, 'RO')], args: [key('key')] },
      { name: 'FREQ', arity: 3, flags: ['readonly'], group: 'generic', since: '4.0.0', summary: 'The LFU access-frequency counter of a key.', complexity: 'O(1)', acl: KS, tips: ['nondeterministic_output'], run: objectFreqCommand,
        keySpecs: [keyAt(2, 'RO')], args: [key('key')] },
      { name: 'IDLETIME', arity: 3, flags: ['readonly'], group: 'generic', since: '2.2.3', summary: 'Seconds since the value at a key was last read or written.', complexity: 'O(1)', acl: KS, tips: ['nondeterministic_output'], run: objectIdletimeCommand,
        keySpecs: [keyAt(2, 'RO')], args: [key('key')] },
      { name: 'REFCOUNT', arity: 3, flags: ['readonly'], group: 'generic', since: '2.2.3', summary: 'How many references the value at a key has.', complexity: 'O(1)', acl: KS, tips: ['nondeterministic_output'], run: objectRefcountCommand,
        keySpecs: [keyAt(2, 'RO')], args: [key('key')] },
      { name: 'HELP', arity: 2, flags: ['loading', 'stale'], group: 'generic', since: '6.2.0', summary: 'List the OBJECT subcommands.', complexity: 'O(1)', acl: KS, run: objectHelpCommand },
    ],
  },
];

// DEL key [key ...] / UNLINK key [key ...]
function delCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const { db } = ctx;
  let n = 0;
  while (args.hasMore) {
    const key = args.nextKey();
    db.expireIfNeeded(key); // an expired key goes as an expiry (its own DEL propagated), not as this command's
    if (db.delete(key)) {
      notifyGeneric(ctx, 'del', key);
      n++;
    }
  }
  return int(n);
}

// EXISTS key [key ...]
function existsCommand({ db }: CommandContext, args: ArgCursor): Reply {
  let n = 0;
  while (args.hasMore) if (db.lookupReadNoTouch(args.nextKey()) !== undefined) n++;
  return int(n);
}

// TYPE key
function typeCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const e = db.lookupReadNoTouch(args.nextKey());
  return simple(e === undefined ? 'none' : typeName(e.value));
}

// KEYS pattern
function keysCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const pattern = args.next();
  const glob = pattern === '*' ? null : compileGlob(pattern);
  const out: Reply[] = [];
  // Like Redis, KEYS only hides expired keys: it deletes nothing (SCAN does).
  for (const [key, e] of db.entries()) {
    if ((glob === null || glob.test(key)) && !db.isExpired(e)) out.push(bulk(key));
  }
  return array(out);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
function scanCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const cursor = parseScanCursor(args.next());
  const { count, match, type } = parseScanOptions(args, true);
  const keys: string[] = [];
  const next = db.scan(cursor, count, (key) => keys.push(key));
  const out: Reply[] = [];
  for (const key of keys) {
    if (match !== null && !match.test(key)) continue;
    if (type !== null) {
      const e = db.lookupReadNoTouch(key);
      if ((e === undefined ? 'NONE' : typeName(e.value).toUpperCase()) !== type) continue;
    }
    if (db.expireIfNeeded(key)) continue;
    out.push(bulk(key));
  }
  return scanReply(next, out);
}

// RANDOMKEY
function randomkeyCommand({ db }: CommandContext): Reply {
  const key = db.randomKey();
  return key === undefined ? NIL : bulk(key);
}

// RENAME key newkey / RENAMENX key newkey
function renameGeneric(ctx: CommandContext, args: ArgCursor, nx: boolean): Reply {
  const { db } = ctx;
  const from = args.nextKey(), to = args.nextKey();
  if (db.lookup(from) === undefined) fail(ERR_NO_SUCH_KEY);
  if (from === to) return nx ? ZERO : OK;
  if (db.lookup(to) !== undefined && nx) return ZERO;
  db.rename(from, to);
  notifyGeneric(ctx, 'rename_from', from);
  notifyGeneric(ctx, 'rename_to', to);
  return nx ? ONE : OK;
}

/**
 * MOVE's and COPY's db argument: getIntFromObjectOrReply() (an integer, then a C int, each with its own error
 * text) and then selectDb() (an existing db).
 */
// MOVE key db
function moveCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const dst = dbArgument(ctx, args.next());
  const src = ctx.db;
  if (dst === src) fail(ERR_SAME_OBJECT);
  if (src.lookup(key) === undefined) return ZERO;
  if (dst.lookup(key) !== undefined) return ZERO;
  src.moveTo(key, dst);
  notifyGeneric(ctx, 'move_from', key, src.id);
  notifyGeneric(ctx, 'move_to', key, dst.id);
  return ONE;
}

// COPY source destination [DB destination-db] [REPLACE]
function copyCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), newkey = args.nextKey();
  let dst = ctx.db, replace = false;
  while (args.hasMore) {
    const opt = keyword(args.next());
    if (opt === 'REPLACE') replace = true;
    else if (opt === 'DB' && args.hasMore) dst = dbArgument(ctx, args.next());
    else fail(ERR_SYNTAX);
  }
  if (dst === ctx.db && key === newkey) fail(ERR_SAME_OBJECT);
  const e = ctx.db.lookupRead(key);
  if (e === undefined) return ZERO;
  const replaced = dst.lookup(newkey) !== undefined;
  if (replaced && !replace) return ZERO;
  dst.set(newkey, duplicate(e.value), e.expiresAt);
  if (isRawString(e)) markRawString(dst.peek(newkey)); // dupStringObject() keeps the encoding
  // Redis deletes the old key and adds the copy (dbAdd), so even a replaced key is reported new
  if (replaced) notifyKeyspaceEvent(ctx.server, NOTIFY_NEW, 'new', newkey, dst.id);
  notifyGeneric(ctx, 'copy_to', newkey, dst.id);
  return ONE;
}

/** A value stored under a second key: strings are immutable and shared; a collection copies itself. */
function duplicate(v: Value): Value {
  return typeof v === 'string' ? v : v.clone();
}

type ExpireFlag = 'NX' | 'XX' | 'GT' | 'LT';

/**
 * parseExtendedExpireArgumentsOrReply(): NX, XX, GT, LT in any case and number; anything else is refused by
 * name. NX excludes the others, and GT excludes LT.
 */
function parseExpireFlags(args: ArgCursor): Set<ExpireFlag> {
  const flags = new Set<ExpireFlag>();
  while (args.hasMore) {
    const text = args.next();
    const opt = keyword(text);
    if (opt === 'NX' || opt === 'XX' || opt === 'GT' || opt === 'LT') flags.add(opt);
    else fail(`ERR Unsupported option ${cText(text)}`);
  }
  if (flags.has('NX') && (flags.has('XX') || flags.has('GT') || flags.has('LT'))) {
    fail('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags.has('GT') && flags.has('LT')) fail('ERR GT and LT options at the same time are not compatible');
  return flags;
}

const INT64_MAX_DIV_1000 = INT64_MAX / 1000n; // C division: truncated toward zero
const INT64_MIN_DIV_1000 = INT64_MIN / 1000n;

/**
 * expireGenericCommand(): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT. `basetime` is now for the relative forms, 0 for
 * the absolute ones. Negative times are allowed (they delete the key); only int64 overflow is an error. Replicas
 * get PEXPIREAT with the absolute time, or DEL when the key went at once.
 */
function expireGeneric(ctx: CommandContext, args: ArgCursor, basetime: number, unit: 'seconds' | 'ms'): Reply {
  const key = args.nextKey();
  const timeText = args.next();
  const flags = parseExpireFlags(args);
  const parsed = parseInteger(timeText);
  if (parsed === null) fail(ERR_NOT_INTEGER);
  let when = BigInt(parsed!);
  if (unit === 'seconds') {
    if (when > INT64_MAX_DIV_1000 || when < INT64_MIN_DIV_1000) fail(ERR_INVALID_EXPIRE(ctx.command.fullname));
    when *= 1000n;
  }
  if (when > INT64_MAX - BigInt(basetime)) fail(ERR_INVALID_EXPIRE(ctx.command.fullname));
  when += BigInt(basetime);

  const db = ctx.db;
  const e = db.lookup(key);
  if (e === undefined) return ZERO;
  const whenMs = Number(when);
  if (flags.size) {
    const current = e.expiresAt === NO_EXPIRY ? -1 : e.expiresAt;
    if (flags.has('NX') && current !== -1) return ZERO;
    if (flags.has('XX') && current === -1) return ZERO;
    if (flags.has('GT') && (current === -1 || whenMs <= current)) return ZERO; // no TTL counts as infinite
    if (flags.has('LT') && current !== -1 && whenMs >= current) return ZERO;
  }
  const ks = ctx.server.keyspace;
  if (whenMs <= ks.now && ks.replicaMode === 'master' && !ctx.server.loading) {
    db.delete(key); // checkAlreadyExpired(): a master deletes at once; a replica waits for its master's DEL
    notifyGeneric(ctx, 'del', key);
    ctx.rewrite = ['DEL', key];
    return ONE;
  }
  db.setExpire(key, whenMs > 0 ? whenMs : 1); // a replica keeps a past time; 0 would read as "no TTL"
  replyWritten(ctx.server);
  notifyGeneric(ctx, 'expire', key);
  if (ctx.command.name !== 'PEXPIREAT') ctx.rewrite = ['PEXPIREAT', key, when.toString(), ...ctx.argv.slice(3)];
  return ONE;
}

/** ttlGenericCommand(): TTL, PTTL, EXPIRETIME, PEXPIRETIME. -2: no such key; -1: no TTL. Seconds are rounded. */
function ttlGeneric(ctx: CommandContext, args: ArgCursor, ms: boolean, absolute: boolean): Reply {
  const e = ctx.db.lookupReadNoTouch(args.nextKey());
  if (e === undefined) return MINUS_TWO;
  if (e.expiresAt === NO_EXPIRY) return MINUS_ONE;
  const t = Math.max(0, absolute ? e.expiresAt : e.expiresAt - ctx.server.keyspace.now);
  return int(ms ? t : Math.floor((t + 500) / 1000));
}

// PERSIST key
function persistCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const { db } = ctx;
  const key = args.nextKey();
  const e = db.lookup(key);
  if (e === undefined || e.expiresAt === NO_EXPIRY) return ZERO;
  db.setExpire(key, NO_EXPIRY);
  notifyGeneric(ctx, 'persist', key);
  return ONE;
}

// TOUCH key [key ...]
function touchCommand({ db }: CommandContext, args: ArgCursor): Reply {
  let n = 0;
  while (args.hasMore) if (db.lookupRead(args.nextKey()) !== undefined) n++;
  return int(n);
}

/**
 * objectCommandLookup(): the key without touching it; OBJECT's subcommands answer nil for a missing key, which
 * counts as a miss but is no keymiss event (LOOKUP_NONOTIFY).
 */
function objectEntry({ db }: CommandContext, args: ArgCursor): Entry | undefined {
  return db.lookupReadNoTouch(args.nextKey(), false);
}

// OBJECT ENCODING key
function objectEncodingCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const e = objectEntry(ctx, args);
  if (e === undefined) return NIL;
  return bulk(encodingOf(e));
}

/** OBJECT ENCODING's answer for a key's value (strEncoding of its encoding). */
export function encodingOf(e: Entry): string {
  const value = e.value;
  if (typeof value !== 'string') return value.encoding();
  return isRawString(e) ? 'raw' : stringEncoding(value);
}

/**
 * How Redis would hold this string (tryObjectEncoding): `int` for a canonical integer of the long range,
 * `embstr` up to 44 bytes (object header and bytes in one allocation), `raw` beyond.
 */
function stringEncoding(s: string): 'int' | 'embstr' | 'raw' {
  if (s.length <= 20 && parseInteger(s) !== null) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
}

/** maxmemory-policy if the config knows it; without it Redis's default. */
function maxmemoryPolicy(ctx: CommandContext): string {
  const config = ctx.server.config;
  return config.spec('maxmemory-policy') ? config.get('maxmemory-policy') : 'noeviction';
}

// OBJECT FREQ key
function objectFreqCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const e = objectEntry(ctx, args);
  if (e === undefined) return NIL;
  const ks = ctx.server.keyspace;
  if (!ks.lfu) {
    fail('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
  }
  return int(ks.lfuCounter(e.lru));
}

// OBJECT IDLETIME key
function objectIdletimeCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const e = objectEntry(ctx, args);
  if (e === undefined) return NIL;
  const ks = ctx.server.keyspace;
  if (ks.lfu) {
    fail('ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
  }
  return int(Math.max(0, ks.lruClock - e.lru));
}

/** Integers 0..9999 are shared objects in Redis unless an LRU/LFU policy needs per-key access data. */
const SHARED_INTEGERS = 10000;
const SHARED_REFCOUNT = 2147483647; // OBJ_SHARED_REFCOUNT: INT_MAX, "never freed"

// OBJECT REFCOUNT key
function objectRefcountCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const e = objectEntry(ctx, args);
  if (e === undefined) return NIL;
  return int(refcountOf(ctx, e.value));
}

/** The refcount Redis would report: shared small integers are never freed, everything else has one owner. */
export function refcountOf(ctx: CommandContext, value: Value): number {
  if (typeof value === 'string' && stringEncoding(value) === 'int') {
    const n = Number(value);
    const policy = maxmemoryPolicy(ctx);
    const sharing = ctx.server.config.getNumber('maxmemory') === 0 || !/-(lru|lfu)$/.test(policy);
    if (sharing && n >= 0 && n < SHARED_INTEGERS) return SHARED_REFCOUNT;
  }
  return 1;
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

// OBJECT HELP
function objectHelpCommand(): Reply {
  return array(OBJECT_HELP.map(simple));
}

