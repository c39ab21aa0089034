/**
 * Hash commands (t_hash.c) and HSCAN. The value lives in lib/store/hash.ts; here are lookups, replies, the
 * encoding limits read from the config at each write, and propagation: HINCRBYFLOAT goes out as HSET of its
 * result. A hash that loses its last field is deleted.
 */
import {
  ERR_INCR_NAN_OR_INFINITY, ERR_NOT_FLOAT, ERR_OUT_OF_RANGE, ERR_OVERFLOW, ERR_RANDOM_COUNT_RANGE, ERR_SYNTAX, ERR_WRONGTYPE, errWrongArity, fail,
} from '../protocol/errors';
import { array, bulk, int, map, NIL, OK, ONE, ZERO, type Reply } from '../protocol/reply';
import { HashValue, type HashLimits } from '../store/hash';
import type { Db, Entry } from '../store/keyspace';
import { addLongDouble, formatLongDouble, isInfinite, parseLongDouble } from '../store/long-double';
import { INT64_MAX, INT64_MIN, int64, parseInteger } from '../store/numbers';
import { keyword, type ArgCursor } from './args';
import { key, str, integer, dbl, pattern, tok, block } from './docs';
import { keyAt } from './keyspecs';
import { EMPTY_SCAN, parseScanCursor, scanCollection } from './scan';
import type { CommandContext, CommandSpec } from './types';
import { notifyKeyspaceEvent, replyWritten, NOTIFY_GENERIC, NOTIFY_HASH } from '../server/notify';

const HASH = ['@hash'] as const;
const ALL_OF = 'O(N) where N is the size of the hash.';

export const hashCommands: readonly CommandSpec[] = [
  { name: 'HSET', arity: -4, flags: ['write', 'denyoom', 'fast'], group: 'hash', since: '2.0.0', summary: 'Set fields of a hash.', complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.', acl: HASH, run: (ctx, args) => hsetGeneric(ctx, args, 'HSET'),
    keySpecs: [keyAt(1, 'RW update')], args: [key('key'), block('field_value', str('field'), str('value')).many],
    history: [['4.0.0', 'Takes several field/value pairs.']] },
  { name: 'HSETNX', arity: 4, flags: ['write', 'denyoom', 'fast'], group: 'hash', since: '2.0.0', summary: 'Set a field of a hash unless the field exists.', complexity: 'O(1)', acl: HASH, run: hsetnxCommand,
    keySpecs: [keyAt(1, 'RW insert')], args: [key('key'), str('field'), str('value')] },
  { name: 'HMSET', arity: -4, flags: ['write', 'denyoom', 'fast'], group: 'hash', since: '2.0.0', summary: 'Set fields of a hash (the old form of HSET).', complexity: 'O(N) where N is the number of fields being set.', acl: HASH, run: (ctx, args) => hsetGeneric(ctx, args, 'HMSET'),
    keySpecs: [keyAt(1, 'RW update')], args: [key('key'), block('field_value', str('field'), str('value')).many],
    docFlags: ['deprecated'], deprecatedSince: '4.0.0', replacedBy: '`HSET` with multiple field-value pairs' },
  { name: 'HGET', arity: 3, flags: ['readonly', 'fast'], group: 'hash', since: '2.0.0', summary: 'The value of a field of a hash.', complexity: 'O(1)', acl: HASH, run: hgetCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('field')] },
  { name: 'HMGET', arity: -3, flags: ['readonly', 'fast'], group: 'hash', since: '2.0.0', summary: 'The values of several fields of a hash.', complexity: 'O(N) where N is the number of fields being requested.', acl: HASH, run: hmgetCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('field').many] },
  { name: 'HDEL', arity: -3, flags: ['write', 'fast'], group: 'hash', since: '2.0.0', summary: 'Remove fields from a hash.', complexity: 'O(N) where N is the number of fields to be removed.', acl: HASH, run: hdelCommand,
    keySpecs: [keyAt(1, 'RW delete')], args: [key('key'), str('field').many],
    history: [['2.4.0', 'Takes several fields.']] },
  { name: 'HLEN', arity: 2, flags: ['readonly', 'fast'], group: 'hash', since: '2.0.0', summary: 'Count the fields of a hash.', complexity: 'O(1)', acl: HASH, run: hlenCommand,
    keySpecs: [keyAt(1, 'RO')], args: [key('key')] },
  { name: 'HSTRLEN', arity: 3, flags: ['readonly', 'fast'], group: 'hash', since: '3.2.0', summary: 'The length of the value of a field of a hash.', complexity: 'O(1)', acl: HASH, run: hstrlenCommand,
    keySpecs: [keyAt(1, 'RO')], args: [key('key'), str('field')] },
  { name: 'HEXISTS', arity: 3, flags: ['readonly', 'fast'], group: 'hash', since: '2.0.0', summary: 'Whether a hash has a field.', complexity: 'O(1)', acl: HASH, run: hexistsCommand,
    keySpecs: [keyAt(1, 'RO')], args: [key('key'), str('field')] },
  { name: 'HINCRBY', arity: 4, flags: ['write', 'denyoom', 'fast'], group: 'hash', since: '2.0.0', summary: 'Add an integer to the integer value of a field of a hash.', complexity: 'O(1)', acl: HASH, run: hincrbyCommand,
    keySpecs: [keyAt(1, 'RW access update')], args: [key('key'), str('field'), integer('increment')] },
  { name: 'HINCRBYFLOAT', arity: 4, flags: ['write', 'denyoom', 'fast'], group: 'hash', since: '2.6.0', summary: 'Add a number to the floating point value of a field of a hash.', complexity: 'O(1)', acl: HASH, run: hincrbyfloatCommand,
    keySpecs: [keyAt(1, 'RW access update')], args: [key('key'), str('field'), dbl('increment')] },
  { name: 'HKEYS', arity: 2, flags: ['readonly'], group: 'hash', since: '2.0.0', summary: 'Every field name of a hash.', complexity: ALL_OF, acl: HASH, tips: ['nondeterministic_output_order'], run: (ctx, args) => hgetallGeneric(ctx, args, 'keys'),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key')] },
  { name: 'HVALS', arity: 2, flags: ['readonly'], group: 'hash', since: '2.0.0', summary: 'Every value of a hash.', complexity: ALL_OF, acl: HASH, tips: ['nondeterministic_output_order'], run: (ctx, args) => hgetallGeneric(ctx, args, 'values'),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key')] },
  { name: 'HGETALL', arity: 2, flags: ['readonly'], group: 'hash', since: '2.0.0', summary: 'Every field and value of a hash.', complexity: ALL_OF, acl: HASH, tips: ['nondeterministic_output_order'], run: (ctx, args) => hgetallGeneric(ctx, args, 'both'),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key')] },
  { name: 'HRANDFIELD', arity: -2, flags: ['readonly'], group: 'hash', since: '6.2.0', summary: 'Fields of a hash picked at random, optionally with their values.', complexity: 'O(N) where N is the number of fields returned', acl: HASH, tips: ['nondeterministic_output'], run: hrandfieldCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), block('options', integer('count'), tok('WITHVALUES').opt).opt] },
  { name: 'HSCAN', arity: -3, flags: ['readonly'], group: 'hash', since: '2.8.0', summary: 'Walk the fields and values of a hash a cursor step at a time.', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', acl: HASH, tips: ['nondeterministic_output'], run: hscanCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), integer('cursor'), pattern('pattern', 'MATCH').opt, integer('count', 'COUNT').opt] },
];

const ERR_HASH_NOT_INTEGER = 'ERR hash value is not an integer';
const ERR_HASH_NOT_FLOAT = 'ERR hash value is not a float';
const ERR_NAN_OR_INFINITY = 'ERR value is NaN or Infinity';
/** LONG_MAX: HRANDFIELD refuses -2^63, whose absolute value a long cannot hold. */
const LONG_MAX = 9223372036854775807n;
/** With WITHVALUES the reply holds two items per field, so the count must stay within LONG_MAX / 2. */
const HALF_LONG_MAX = LONG_MAX / 2n;

/** The hash at `key`, undefined if absent; WRONGTYPE if the key holds another type. `read` counts hits/misses. */
export function getHash(db: Db, key: string, read = true): HashValue | undefined {
  const e = read ? db.lookupRead(key) : db.lookup(key);
  return e === undefined ? undefined : hashOf(e);
}

function hashOf(e: Entry): HashValue {
  if (!(e.value instanceof HashValue)) fail(ERR_WRONGTYPE);
  return e.value as HashValue;
}

/** hash-max-listpack-entries and -value, read at each write so CONFIG SET takes effect at once. */
function limits(ctx: CommandContext): HashLimits {
  const config = ctx.server.config;
  return { maxEntries: config.getNumber('hash-max-listpack-entries'), maxValue: config.getNumber('hash-max-listpack-value') };
}

/**
 * hashTypeLookupWriteOrCreate() then the change: `change` runs on the hash at `key` (a new one if absent, stored
 * only if the change left it non-empty), with the copy-on-write and modified signals around an in-place change.
 * WRONGTYPE comes before anything is changed.
 */
function writeHash<T>(ctx: CommandContext, key: string, change: (h: HashValue) => T): T {
  const db = ctx.db;
  const existing = getHash(db, key, false);
  if (existing === undefined) {
    const h = new HashValue();
    const result = change(h);
    if (h.size) db.set(key, h);
    return result;
  }
  db.beforeInPlaceChange(key);
  const result = change(existing);
  db.signalModified(key);
  return result;
}

/** A hash event (the `h` class) on `key`, which Redis sends after the command's reply. */
function notifyHash(ctx: CommandContext, event: string, key: string): void {
  replyWritten(ctx.server);
  notifyKeyspaceEvent(ctx.server, NOTIFY_HASH, event, key, ctx.db.id);
}

/**
 * Redis counts one change per field (server.dirty += n); the keyspace counted one already for the key (set,
 * delete or signalModified), so `n - 1` more.
 */
function countChanges(ctx: CommandContext, n: number): void {
  if (n > 1) ctx.server.keyspace.dirty += n - 1;
}

// HSET key field value [field value ...] / HMSET key field value [field value ...]
function hsetGeneric(ctx: CommandContext, args: ArgCursor, name: 'HSET' | 'HMSET'): Reply {
  if (ctx.argv.length % 2 === 1) fail(errWrongArity(ctx.command.fullname)); // a field without its value
  const key = args.nextKey(), pairs = args.rest();
  const lim = limits(ctx);
  const created = writeHash(ctx, key, (h) => {
    let n = 0;
    for (let i = 0; i < pairs.length; i += 2) if (h.set(pairs[i], pairs[i + 1], lim)) n++;
    return n;
  });
  countChanges(ctx, pairs.length / 2); // every pair counts, a value replaced by itself too
  notifyHash(ctx, 'hset', key); // HMSET too
  return name === 'HSET' ? int(created) : OK;
}

// HSETNX key field value
function hsetnxCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), field = args.next(), value = args.next();
  const existing = getHash(ctx.db, key, false);
  if (existing?.has(field)) return ZERO;
  writeHash(ctx, key, (h) => h.set(field, value, limits(ctx)));
  notifyHash(ctx, 'hset', key);
  return ONE;
}

// HGET key field
function hgetCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const h = getHash(db, args.nextKey());
  const v = h?.get(args.next());
  return v === undefined ? NIL : bulk(v);
}

// HMGET key field [field ...]
function hmgetCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const h = getHash(db, args.nextKey()); // a missing key is an empty hash: all nils
  return array(args.rest().map((f) => {
    const v = h?.get(f);
    return v === undefined ? NIL : bulk(v);
  }));
}

// HDEL key field [field ...]
function hdelCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), fields = args.rest();
  const db = ctx.db;
  const h = getHash(db, key, false);
  if (h === undefined || !fields.some((f) => h.has(f))) return ZERO;
  db.beforeInPlaceChange(key);
  let deleted = 0;
  for (const f of fields) {
    if (h.delete(f)) deleted++;
    if (h.size === 0) break;
  }
  if (h.size === 0) db.delete(key);
  else db.signalModified(key);
  notifyKeyspaceEvent(ctx.server, NOTIFY_HASH, 'hdel', key, db.id);
  if (h.size === 0) notifyKeyspaceEvent(ctx.server, NOTIFY_GENERIC, 'del', key, db.id);
  countChanges(ctx, deleted);
  return int(deleted);
}

// HLEN key
function hlenCommand({ db }: CommandContext, args: ArgCursor): Reply {
  return int(getHash(db, args.nextKey())?.size ?? 0);
}

// HSTRLEN key field
function hstrlenCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const h = getHash(db, args.nextKey());
  return int(h?.get(args.next())?.length ?? 0);
}

// HEXISTS key field
function hexistsCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const h = getHash(db, args.nextKey());
  return h?.has(args.next()) ? ONE : ZERO;
}

// HINCRBY key field increment
function hincrbyCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), field = args.next();
  const incr = BigInt(args.nextInt64()); // refused before the key is even looked at
  const current = getHash(ctx.db, key, false)?.get(field);
  let value = 0n;
  if (current !== undefined) {
    const parsed = parseInteger(current);
    if (parsed === null) fail(ERR_HASH_NOT_INTEGER);
    value = BigInt(parsed!);
  }
  const sum = value + incr;
  if (sum > INT64_MAX || sum < INT64_MIN) fail(ERR_OVERFLOW);
  const text = sum.toString();
  writeHash(ctx, key, (h) => h.set(field, text, limits(ctx)));
  notifyHash(ctx, 'hincrby', key);
  return int(int64(sum));
}

// HINCRBYFLOAT key field increment
function hincrbyfloatCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), field = args.next();
  const incr = parseLongDouble(args.next());
  if (incr === null) fail(ERR_NOT_FLOAT);
  if (isInfinite(incr!)) fail(ERR_NAN_OR_INFINITY);
  const current = getHash(ctx.db, key, false)?.get(field);
  const value = parseLongDouble(current ?? '0');
  if (value === null) fail(ERR_HASH_NOT_FLOAT);
  const sum = addLongDouble(value!, incr!);
  if (sum === null) fail(ERR_INCR_NAN_OR_INFINITY);
  const text = formatLongDouble(sum!);
  writeHash(ctx, key, (h) => h.set(field, text, limits(ctx)));
  notifyHash(ctx, 'hincrbyfloat', key);
  ctx.rewrite = ['HSET', key, field, text]; // float arithmetic may differ on replicas: send the result
  return bulk(text);
}

type Part = 'keys' | 'values' | 'both';

// HKEYS key / HVALS key / HGETALL key
function hgetallGeneric({ db }: CommandContext, args: ArgCursor, part: Part): Reply {
  const h = getHash(db, args.nextKey());
  if (part === 'both') {
    // a map in RESP3 (an empty one for a missing key), a flat array in RESP2
    const items: Reply[] = [];
    if (h) for (const [f, v] of h.entries()) items.push(bulk(f), bulk(v));
    return map(items);
  }
  if (h === undefined) return array([]);
  return array((part === 'keys' ? h.fields() : h.values()).map((s) => bulk(s)));
}

// HRANDFIELD key [count [WITHVALUES]]
function hrandfieldCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  if (!args.hasMore) {
    const h = getHash(ctx.db, key);
    return h ? bulk(h.random()[0]) : NIL;
  }
  const n = BigInt(args.nextInt64());
  if (n < -LONG_MAX) fail(ERR_RANDOM_COUNT_RANGE);
  if (args.remaining > 1 || (args.hasMore && keyword(args.peek()!) !== 'WITHVALUES')) fail(ERR_SYNTAX);
  const withValues = args.hasMore;
  if (withValues && (n < -HALF_LONG_MAX || n > HALF_LONG_MAX)) fail(ERR_OUT_OF_RANGE);
  return hrandfieldWithCount(ctx, key, Number(n), withValues);
}

/**
 * hrandfieldWithCountCommand(): a negative count may repeat fields and draws each independently; a positive one
 * gives distinct fields, the whole hash when it asks for as many or more. With values, RESP2 flattens the pairs
 * and RESP3 nests each as a two-element array.
 */
function hrandfieldWithCount(ctx: CommandContext, key: string, count: number, withValues: boolean): Reply {
  const h = getHash(ctx.db, key);
  if (h === undefined || count === 0) return array([]);
  const nested = ctx.client.proto === 3;
  const out: Reply[] = [];
  const add = (f: string, v: string) => {
    if (!withValues) out.push(bulk(f));
    else if (nested) out.push(array([bulk(f), bulk(v)]));
    else out.push(bulk(f), bulk(v));
  };
  if (count < 0 || count === 1) {
    for (let i = Math.abs(count); i > 0; i--) add(...h.random());
  } else if (count >= h.size) {
    for (const [f, v] of h.entries()) add(f, v);
  } else {
    for (const [f, v] of h.randomDistinct(count)) add(f, v);
  }
  return array(out);
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
function hscanCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const cursor = parseScanCursor(args.next());
  const h = getHash(db, key);
  if (h === undefined) return EMPTY_SCAN;
  return scanCollection(args, cursor, (from, count, visit) => {
    if (!h.isListpack) return h.scan(from, count, visit);
    for (const [f, v] of h.entries()) visit(f, v); // a listpack is returned whole, with cursor 0
    return 0;
  });
}
