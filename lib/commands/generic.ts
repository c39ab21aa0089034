/**
 * Keyspace commands, whatever the type: existence, deletion, renaming, moving and copying keys, iterating them
 * (KEYS, SCAN, RANDOMKEY), their TTLs and OBJECT introspection. Mirrors db.c, expire.c and object.c.
 */
import { ERR_DB_INDEX, ERR_INVALID_EXPIRE, ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SYNTAX, fail } from '../protocol/errors';
import {
  array, bulk, int, MINUS_ONE, MINUS_TWO, NIL, OK, ONE, simple, ZERO, type Reply,
} from '../protocol/reply';
import { compileGlob } from '../store/glob';
import { NO_EXPIRY, type Db, type Entry } from '../store/keyspace';
import { INT64_MAX, INT64_MIN, parseInteger } from '../store/numbers';
import { typeName, type Value } from '../store/types';
import type { ArgCursor } from './args';
import { dbArgument } from './connection';
import { parseScanCursor, parseScanOptions, scanReply } from './scan';
import type { CommandContext, CommandSpec } from './types';

const KS = ['@keyspace'] as const;
const KEY1 = { first: 1, last: 1, step: 1 };
const KEY2 = { first: 1, last: 2, step: 1 };
const ALL_KEYS = { first: 1, last: -1, step: 1 };
const OBJECT_KEY = { first: 2, last: 2, step: 1 };

const EXPIRE_OPTIONS = '[NX | XX | GT | LT]';

export const genericCommands: readonly CommandSpec[] = [
  { name: 'DEL', arity: -2, flags: ['write'], keys: ALL_KEYS, group: 'generic', since: '1.0.0', summary: 'Delete a key', syntax: 'key [key ...]', complexity: 'O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).', acl: KS, run: delCommand },
  { name: 'UNLINK', arity: -2, flags: ['write', 'fast'], keys: ALL_KEYS, group: 'generic', since: '4.0.0', summary: 'Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.', syntax: 'key [key ...]', complexity: 'O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.', acl: KS, run: delCommand },
  { name: 'EXISTS', arity: -2, flags: ['readonly', 'fast'], keys: ALL_KEYS, group: 'generic', since: '1.0.0', summary: 'Determine if a key exists', syntax: 'key [key ...]', complexity: 'O(N) where N is the number of keys to check.', acl: KS, run: existsCommand },
  { name: 'TYPE', arity: 2, flags: ['readonly', 'fast'], keys: KEY1, group: 'generic', since: '1.0.0', summary: 'Determine the type stored at key', syntax: 'key', complexity: 'O(1)', acl: KS, run: typeCommand },
  { name: 'KEYS', arity: 2, flags: ['readonly'], group: 'generic', since: '1.0.0', summary: 'Find all keys matching the given pattern', syntax: 'pattern', complexity: 'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.', acl: [...KS, '@dangerous'], run: keysCommand },
  { name: 'SCAN', arity: -2, flags: ['readonly'], group: 'generic', since: '2.8.0', summary: 'Incrementally iterate the keys space', syntax: 'cursor [MATCH pattern] [COUNT count] [TYPE type]', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.', acl: KS, run: scanCommand },
  { name: 'RANDOMKEY', arity: 1, flags: ['readonly'], group: 'generic', since: '1.0.0', summary: 'Return a random key from the keyspace', complexity: 'O(1)', acl: KS, run: randomkeyCommand },
  { name: 'RENAME', arity: 3, flags: ['write'], keys: KEY2, group: 'generic', since: '1.0.0', summary: 'Rename a key', syntax: 'key newkey', complexity: 'O(1)', acl: KS, run: (ctx, args) => renameGeneric(ctx, args, false) },
  { name: 'RENAMENX', arity: 3, flags: ['write', 'fast'], keys: KEY2, group: 'generic', since: '1.0.0', summary: 'Rename a key, only if the new key does not exist', syntax: 'key newkey', complexity: 'O(1)', acl: KS, run: (ctx, args) => renameGeneric(ctx, args, true) },
  { name: 'COPY', arity: -3, flags: ['write', 'denyoom'], keys: KEY2, group: 'generic', since: '6.2.0', summary: 'Copy a key', syntax: 'source destination [DB destination-db] [REPLACE]', complexity: 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.', acl: KS, run: copyCommand },
  { name: 'MOVE', arity: 3, flags: ['write', 'fast'], keys: KEY1, group: 'generic', since: '1.0.0', summary: 'Move a key to another database', syntax: 'key db', complexity: 'O(1)', acl: KS, run: moveCommand },
  { name: 'EXPIRE', arity: -3, flags: ['write', 'fast'], keys: KEY1, group: 'generic', since: '1.0.0', summary: "Set a key's time to live in seconds", syntax: `key seconds ${EXPIRE_OPTIONS}`, complexity: 'O(1)', acl: KS, run: (ctx, args) => expireGeneric(ctx, args, ctx.server.keyspace.now, 'seconds') },
  { name: 'PEXPIRE', arity: -3, flags: ['write', 'fast'], keys: KEY1, group: 'generic', since: '2.6.0', summary: "Set a key's time to live in milliseconds", syntax: `key milliseconds ${EXPIRE_OPTIONS}`, complexity: 'O(1)', acl: KS, run: (ctx, args) => expireGeneric(ctx, args, ctx.server.keyspace.now, 'ms') },
  { name: 'EXPIREAT', arity: -3, flags: ['write', 'fast'], keys: KEY1, group: 'generic', since: '1.2.0', summary: 'Set the expiration for a key as a UNIX timestamp', syntax: `key unix-time-seconds ${EXPIRE_OPTIONS}`, complexity: 'O(1)', acl: KS, run: (ctx, args) => expireGeneric(ctx, args, 0, 'seconds') },
  { name: 'PEXPIREAT', arity: -3, flags: ['write', 'fast'], keys: KEY1, group: 'generic', since: '2.6.0', summary: 'Set the expiration for a key as a UNIX timestamp specified in milliseconds', syntax: `key unix-time-milliseconds ${EXPIRE_OPTIONS}`, complexity: 'O(1)', acl: KS, run: (ctx, args) => expireGeneric(ctx, args, 0, 'ms') },
  { name: 'TTL', arity: 2, flags: ['readonly', 'fast'], keys: KEY1, group: 'generic', since: '1.0.0', summary: 'Get the time to live for a key in seconds', syntax: 'key', complexity: 'O(1)', acl: KS, run: (ctx, args) => ttlGeneric(ctx, args, false, false) },
  { name: 'PTTL', arity: 2, flags: ['readonly', 'fast'], keys: KEY1, group: 'generic', since: '2.6.0', summary: 'Get the time to live for a key in milliseconds', syntax: 'key', complexity: 'O(1)', acl: KS, run: (ctx, args) => ttlGeneric(ctx, args, true, false) },
  { name: 'EXPIRETIME', arity: 2, flags: ['readonly', 'fast'], keys: KEY1, group: 'generic', since: '7.0.0', summary: 'Get the expiration Unix timestamp for a key', syntax: 'key', complexity: 'O(1)', acl: KS, run: (ctx, args) => ttlGeneric(ctx, args, false, true) },
  { name: 'PEXPIRETIME', arity: 2, flags: ['readonly', 'fast'], keys: KEY1, group: 'generic', since: '7.0.0', summary: 'Get the expiration Unix timestamp for a key in milliseconds', syntax: 'key', complexity: 'O(1)', acl: KS, run: (ctx, args) => ttlGeneric(ctx, args, true, true) },
  { name: 'PERSIST', arity: 2, flags: ['write', 'fast'], keys: KEY1, group: 'generic', since: '2.2.0', summary: 'Remove the expiration from a key', syntax: 'key', complexity: 'O(1)', acl: KS, run: persistCommand },
  { name: 'TOUCH', arity: -2, flags: ['readonly', 'fast'], keys: ALL_KEYS, group: 'generic', since: '3.2.1', summary: 'Alters the last access time of a key(s). Returns the number of existing keys specified.', syntax: 'key [key ...]', complexity: 'O(N) where N is the number of keys that will be touched.', acl: KS, run: touchCommand },
  {
    name: 'OBJECT', arity: -2, flags: [], group: 'generic', since: '2.2.3', summary: 'A container for object introspection commands', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'ENCODING', arity: 3, flags: ['readonly'], keys: OBJECT_KEY, group: 'generic', since: '2.2.3', summary: 'Inspect the internal encoding of a Redis object', syntax: 'key', complexity: 'O(1)', acl: KS, run: objectEncodingCommand },
      { name: 'FREQ', arity: 3, flags: ['readonly'], keys: OBJECT_KEY, group: 'generic', since: '4.0.0', summary: 'Get the logarithmic access frequency counter of a Redis object', syntax: 'key', complexity: 'O(1)', acl: KS, run: objectFreqCommand },
      { name: 'IDLETIME', arity: 3, flags: ['readonly'], keys: OBJECT_KEY, group: 'generic', since: '2.2.3', summary: 'Get the time since a Redis object was last accessed', syntax: 'key', complexity: 'O(1)', acl: KS, run: objectIdletimeCommand },
      { name: 'REFCOUNT', arity: 3, flags: ['readonly'], keys: OBJECT_KEY, group: 'generic', since: '2.2.3', summary: 'Get the number of references to the value of the key', syntax: 'key', complexity: 'O(1)', acl: KS, run: objectRefcountCommand },
      { name: 'HELP', arity: 2, flags: ['loading', 'stale'], group: 'generic', since: '6.2.0', summary: 'Show helpful text about the different subcommands', complexity: 'O(1)', acl: KS, run: objectHelpCommand },
    ],
  },
];

/** An argument as C sees it (strcasecmp, strtoul, `%s`): up to its first NUL byte. */
function cText(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** An option keyword, compared as strcasecmp() does: ASCII case folded only, as a C string. */
const keyword = (arg: string): string => cText(arg).replace(/[a-z]+/g, (m) => m.toUpperCase());

// DEL key [key ...] / UNLINK key [key ...]
function delCommand({ db }: CommandContext, args: ArgCursor): Reply {
  let n = 0;
  while (args.hasMore) {
    const key = args.nextKey();
    db.expireIfNeeded(key); // an expired key goes as an expiry (its own DEL propagated), not as this command's
    if (db.delete(key)) n++;
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
function renameGeneric({ db }: CommandContext, args: ArgCursor, nx: boolean): Reply {
  const from = args.nextKey(), to = args.nextKey();
  if (db.lookup(from) === undefined) fail(ERR_NO_SUCH_KEY);
  if (from === to) return nx ? ZERO : OK;
  if (db.lookup(to) !== undefined && nx) return ZERO;
  db.rename(from, to);
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
  if (dst === src) fail('ERR source and destination objects are the same');
  if (src.lookup(key) === undefined) return ZERO;
  if (dst.lookup(key) !== undefined) return ZERO;
  src.moveTo(key, dst);
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
  if (dst === ctx.db && key === newkey) fail('ERR source and destination objects are the same');
  const e = ctx.db.lookupRead(key);
  if (e === undefined) return ZERO;
  if (dst.lookup(newkey) !== undefined && !replace) return ZERO;
  dst.set(newkey, duplicate(e.value), e.expiresAt);
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
    ctx.rewrite = ['DEL', key];
    return ONE;
  }
  db.setExpire(key, whenMs > 0 ? whenMs : 1); // a replica keeps a past time; 0 would read as "no TTL"
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
function persistCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const e = db.lookup(key);
  if (e === undefined || e.expiresAt === NO_EXPIRY) return ZERO;
  db.setExpire(key, NO_EXPIRY);
  return ONE;
}

// TOUCH key [key ...]
function touchCommand({ db }: CommandContext, args: ArgCursor): Reply {
  let n = 0;
  while (args.hasMore) if (db.lookupRead(args.nextKey()) !== undefined) n++;
  return int(n);
}

/** objectCommandLookup(): the key without touching it; OBJECT's subcommands answer nil for a missing key. */
function objectEntry({ db }: CommandContext, args: ArgCursor): Entry | undefined {
  return db.lookupReadNoTouch(args.nextKey());
}

// OBJECT ENCODING key
function objectEncodingCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const e = objectEntry(ctx, args);
  if (e === undefined) return NIL;
  return bulk(typeof e.value === 'string' ? stringEncoding(e.value) : e.value.encoding());
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
  if (typeof e.value === 'string' && stringEncoding(e.value) === 'int') {
    const n = Number(e.value);
    const policy = maxmemoryPolicy(ctx);
    const sharing = ctx.server.config.getNumber('maxmemory') === 0 || !/-(lru|lfu)$/.test(policy);
    if (sharing && n >= 0 && n < SHARED_INTEGERS) return int(SHARED_REFCOUNT);
  }
  return ONE;
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

