/**
 * Set commands (t_set.c) and SSCAN. The value lives in lib/store/set.ts; here are lookups, replies and
 * propagation: SPOP goes out as SREM (several, in one MULTI, when it pops a count), a whole-set SPOP as DEL.
 */
import { ERR_LIMIT_NEGATIVE, ERR_NOT_POSITIVE, ERR_NUMKEYS, ERR_RANDOM_COUNT_RANGE, ERR_SYNTAX, ERR_WRONGTYPE, fail } from '../protocol/errors';
import { array, bulk, int, NIL, ONE, set, ZERO, type Reply } from '../protocol/reply';
import type { Db, Entry } from '../store/keyspace';
import { SetValue } from '../store/set';
import { keyword, type ArgCursor } from './args';
import { key, str, integer, pattern } from './docs';
import { keyAt, range, keynum, countedKeys } from './keyspecs';
import { EMPTY_SCAN, parseScanCursor, scanCollection } from './scan';
import type { CommandContext, CommandSpec } from './types';
import { notifyKeyspaceEvent, replyWritten, NOTIFY_GENERIC, NOTIFY_SET } from '../server/notify';

const SET = ['@set'] as const;

export const setCommands: readonly CommandSpec[] = [
  { name: 'SADD', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'set', since: '1.0.0', summary: 'Add members to a set.', complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', acl: SET, run: saddCommand,
    keySpecs: [keyAt(1, 'RW insert')], args: [key('key'), str('member').many],
    history: [['2.4.0', 'Takes several members.']] },
  { name: 'SREM', arity: -3, flags: ['write', 'fast'], group: 'set', since: '1.0.0', summary: 'Remove members from a set.', complexity: 'O(N) where N is the number of members to be removed.', acl: SET, run: sremCommand,
    keySpecs: [keyAt(1, 'RW delete')], args: [key('key'), str('member').many],
    history: [['2.4.0', 'Takes several members.']] },
  { name: 'SCARD', arity: 2, flags: ['readonly', 'fast'], group: 'set', since: '1.0.0', summary: 'Count the members of a set.', complexity: 'O(1)', acl: SET, run: scardCommand,
    keySpecs: [keyAt(1, 'RO')], args: [key('key')] },
  { name: 'SISMEMBER', arity: 3, flags: ['readonly', 'fast'], group: 'set', since: '1.0.0', summary: 'Whether a value belongs to a set.', complexity: 'O(1)', acl: SET, run: sismemberCommand,
    keySpecs: [keyAt(1, 'RO')], args: [key('key'), str('member')] },
  { name: 'SMISMEMBER', arity: -3, flags: ['readonly', 'fast'], group: 'set', since: '6.2.0', summary: 'Whether each of several values belongs to a set.', complexity: 'O(N) where N is the number of elements being checked for membership', acl: SET, run: smismemberCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('member').many] },
  { name: 'SMEMBERS', arity: 2, flags: ['readonly'], group: 'set', since: '1.0.0', summary: 'Every member of a set.', complexity: 'O(N) where N is the set cardinality.', acl: SET, tips: ['nondeterministic_output_order'], run: smembersCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key')] },
  { name: 'SRANDMEMBER', arity: -2, flags: ['readonly'], group: 'set', since: '1.0.0', summary: 'Members of a set picked at random, without removing them.', complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.', acl: SET, tips: ['nondeterministic_output'], run: srandmemberCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), integer('count').opt.since('2.6.0')],
    history: [['2.6.0', 'count asks for several members.']] },
  { name: 'SPOP', arity: -2, flags: ['write', 'fast'], group: 'set', since: '1.0.0', summary: 'Remove members picked at random from a set and return them.', complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.', acl: SET, tips: ['nondeterministic_output'], run: spopCommand,
    keySpecs: [keyAt(1, 'RW access delete')], args: [key('key'), integer('count').opt.since('3.2.0')],
    history: [['3.2.0', 'count asks for several members.']] },
  { name: 'SMOVE', arity: 4, flags: ['write', 'fast'], group: 'set', since: '1.0.0', summary: 'Move a member from one set to another.', complexity: 'O(1)', acl: SET, run: smoveCommand,
    keySpecs: [keyAt(1, 'RW access delete'), keyAt(2, 'RW insert')], args: [key('source'), key('destination', 1), str('member')] },
  { name: 'SINTER', arity: -2, flags: ['readonly'], group: 'set', since: '1.0.0', summary: 'Members common to all the given sets.', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', acl: SET, tips: ['nondeterministic_output_order'], run: sinterCommand,
    keySpecs: [keyAt(1, 'RO access', range(-1))], args: [key('key').many] },
  { name: 'SINTERCARD', arity: -3, flags: ['readonly'], group: 'set', since: '7.0.0', summary: 'How many members all the given sets share.', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', acl: SET, run: sintercardCommand,
    keySpecs: [keyAt(1, 'RO access', keynum())], getKeys: countedKeys(0, 1, 2), args: [integer('numkeys'), key('key').many, integer('limit', 'LIMIT').opt] },
  { name: 'SINTERSTORE', arity: -3, flags: ['write', 'denyoom'], group: 'set', since: '1.0.0', summary: 'Store the members common to the given sets in a destination key.', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', acl: SET, run: sinterstoreCommand,
    keySpecs: [keyAt(1, 'RW update'), keyAt(2, 'RO access', range(-1))], args: [key('destination'), key('key', 1).many] },
  { name: 'SUNION', arity: -2, flags: ['readonly'], group: 'set', since: '1.0.0', summary: 'Members of any of the given sets.', complexity: 'O(N) where N is the total number of elements in all given sets.', acl: SET, tips: ['nondeterministic_output_order'], run: (ctx, args) => sunionDiffCommand(ctx, args, 'union'),
    keySpecs: [keyAt(1, 'RO access', range(-1))], args: [key('key').many] },
  { name: 'SUNIONSTORE', arity: -3, flags: ['write', 'denyoom'], group: 'set', since: '1.0.0', summary: 'Store the members of any of the given sets in a destination key.', complexity: 'O(N) where N is the total number of elements in all given sets.', acl: SET, run: (ctx, args) => sunionDiffStoreCommand(ctx, args, 'union'),
    keySpecs: [keyAt(1, 'OW update'), keyAt(2, 'RO access', range(-1))], args: [key('destination'), key('key', 1).many] },
  { name: 'SDIFF', arity: -2, flags: ['readonly'], group: 'set', since: '1.0.0', summary: 'Members of the first set that no other given set has.', complexity: 'O(N) where N is the total number of elements in all given sets.', acl: SET, tips: ['nondeterministic_output_order'], run: (ctx, args) => sunionDiffCommand(ctx, args, 'diff'),
    keySpecs: [keyAt(1, 'RO access', range(-1))], args: [key('key').many] },
  { name: 'SDIFFSTORE', arity: -3, flags: ['write', 'denyoom'], group: 'set', since: '1.0.0', summary: 'Store the members of the first set that no other given set has in a destination key.', complexity: 'O(N) where N is the total number of elements in all given sets.', acl: SET, run: (ctx, args) => sunionDiffStoreCommand(ctx, args, 'diff'),
    keySpecs: [keyAt(1, 'OW update'), keyAt(2, 'RO access', range(-1))], args: [key('destination'), key('key', 1).many] },
  { name: 'SSCAN', arity: -3, flags: ['readonly'], group: 'set', since: '2.8.0', summary: 'Walk the members of a set a cursor step at a time.', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', acl: SET, tips: ['nondeterministic_output'], run: sscanCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), integer('cursor'), pattern('pattern', 'MATCH').opt, integer('count', 'COUNT').opt] },
];

const ERR_TOO_MANY_NUMKEYS = "ERR Number of keys can't be greater than number of args";
/** LONG_MAX: SRANDMEMBER refuses -2^63, whose absolute value a long cannot hold. */
const LONG_MAX = 9223372036854775807n;

/** The set at `key`, undefined if absent; WRONGTYPE if the key holds another type. `read` counts hits/misses. */
export function getSet(db: Db, key: string, read = true): SetValue | undefined {
  const e = read ? db.lookupRead(key) : db.lookup(key);
  return e === undefined ? undefined : setOf(e);
}

function setOf(e: Entry): SetValue {
  if (!(e.value instanceof SetValue)) fail(ERR_WRONGTYPE);
  return e.value as SetValue;
}

/** set-max-intset-entries, read at each write so CONFIG SET takes effect at once. */
const maxIntset = (ctx: CommandContext): number => ctx.server.config.getNumber('set-max-intset-entries');

/**
 * Redis counts one change per member (server.dirty += added); the keyspace counted one already for the key
 * (set, delete or signalModified), so `n - 1` more. rdb_changes_since_last_save and save points see it.
 */
function countChanges(ctx: CommandContext, n: number): void {
  if (n > 1) ctx.server.keyspace.dirty += n - 1;
}

const bulks = (values: readonly string[]): Reply[] => values.map((m) => bulk(m));

/** A set event (the `s` class) on `key` of the command's db. */
function notifySet(ctx: CommandContext, event: string, key: string): void {
  notifyKeyspaceEvent(ctx.server, NOTIFY_SET, event, key, ctx.db.id);
}

function notifyDel(ctx: CommandContext, key: string): void {
  notifyKeyspaceEvent(ctx.server, NOTIFY_GENERIC, 'del', key, ctx.db.id);
}

// SADD key member [member ...]
function saddCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), toAdd = args.rest();
  const db = ctx.db, max = maxIntset(ctx);
  const existing = getSet(db, key, false);
  if (existing === undefined) {
    const s = new SetValue();
    for (const m of toAdd) s.add(m, max);
    db.set(key, s);
    notifySet(ctx, 'sadd', key);
    countChanges(ctx, s.size);
    return int(s.size);
  }
  if (toAdd.every((m) => existing.has(m))) return ZERO;
  db.beforeInPlaceChange(key);
  let added = 0;
  for (const m of toAdd) if (existing.add(m, max)) added++;
  db.signalModified(key);
  notifySet(ctx, 'sadd', key);
  countChanges(ctx, added);
  return int(added);
}

// SREM key member [member ...]
function sremCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), toRemove = args.rest();
  const db = ctx.db;
  const s = getSet(db, key, false);
  if (s === undefined || !toRemove.some((m) => s.has(m))) return ZERO;
  db.beforeInPlaceChange(key);
  let deleted = 0;
  for (const m of toRemove) {
    if (s.delete(m)) deleted++;
    if (s.size === 0) break;
  }
  if (s.size === 0) db.delete(key);
  else db.signalModified(key);
  notifySet(ctx, 'srem', key);
  if (s.size === 0) notifyDel(ctx, key);
  countChanges(ctx, deleted);
  return int(deleted);
}

// SCARD key
function scardCommand({ db }: CommandContext, args: ArgCursor): Reply {
  return int(getSet(db, args.nextKey())?.size ?? 0);
}

// SISMEMBER key member
function sismemberCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const s = getSet(db, args.nextKey());
  return s?.has(args.next()) ? ONE : ZERO;
}

// SMISMEMBER key member [member ...]
function smismemberCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const s = getSet(db, args.nextKey());
  return array(args.rest().map((m) => (s?.has(m) ? ONE : ZERO))); // no key: an empty set, all zeros
}

// SMEMBERS key
function smembersCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const s = getSet(db, args.nextKey());
  return set(s ? bulks(s.members()) : []);
}

// SRANDMEMBER key [count]
function srandmemberCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  if (args.remaining > 1) fail(ERR_SYNTAX);
  if (!args.hasMore) {
    const s = getSet(db, key);
    return s ? bulk(s.random()) : NIL;
  }
  const n = args.nextInt64();
  if (n < -LONG_MAX) fail(ERR_RANDOM_COUNT_RANGE);
  const count = Number(n); // exact up to 2^53, and any set is smaller than that
  const s = getSet(db, key);
  if (s === undefined || count === 0) return array([]);
  // A negative count may repeat members: draw each one independently, in random order.
  if (count < 0 || count === 1) {
    const draws = Math.abs(count);
    const out: Reply[] = new Array(draws);
    for (let i = 0; i < draws; i++) out[i] = bulk(s.random());
    return array(out);
  }
  if (count >= s.size) return array(bulks(s.members()));
  return array(bulks(s.randomDistinct(count)));
}

// SPOP key [count]
function spopCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  if (args.remaining > 1) fail(ERR_SYNTAX);
  if (args.hasMore) return spopWithCount(ctx, key, Number(args.nextInt64(ERR_NOT_POSITIVE)));
  const db = ctx.db;
  const s = getSet(db, key, false);
  if (s === undefined) return NIL;
  const m = s.random();
  db.beforeInPlaceChange(key);
  s.delete(m);
  notifySet(ctx, 'spop', key);
  replyWritten(ctx.server); // the member is the reply, given before an emptied set goes
  if (s.size === 0) {
    db.delete(key);
    notifyDel(ctx, key);
  } else {
    db.signalModified(key);
  }
  ctx.rewrite = ['SREM', key, m];
  return bulk(m);
}

/** Pop many: SPOP_MOVE_STRATEGY_MUL in t_set.c. When few members stay, draw those that stay instead. */
const MOVE_STRATEGY_MUL = 5;

// SPOP key count
function spopWithCount(ctx: CommandContext, key: string, count: number): Reply {
  if (count < 0) fail(ERR_NOT_POSITIVE);
  const db = ctx.db;
  const e = db.lookup(key);
  if (e === undefined) return set([]);
  const s = setOf(e);
  if (count === 0) return set([]);
  const size = s.size;
  notifySet(ctx, 'spop', key);
  if (count >= size) {
    // The whole set, as SUNION of it would list it; replicas just delete the key.
    const all = SetValue.of(s.members(), maxIntset(ctx)).members();
    replyWritten(ctx.server);
    db.delete(key);
    notifyDel(ctx, key);
    countChanges(ctx, size);
    ctx.rewrite = ['DEL', key];
    return set(bulks(all));
  }
  const remaining = size - count;
  let popped: string[];
  if (remaining * MOVE_STRATEGY_MUL > count) {
    popped = new Array(count);
    db.beforeInPlaceChange(key);
    for (let i = 0; i < count; i++) {
      popped[i] = s.random();
      s.delete(popped[i]);
    }
    db.signalModified(key);
  } else {
    // What stays becomes a new set (and may so return to an intset); the rest is popped in the old set's order.
    const kept = SetValue.of(s.randomDistinct(remaining), maxIntset(ctx));
    popped = s.members().filter((m) => !kept.has(m));
    db.set(key, kept, e.expiresAt);
  }
  countChanges(ctx, count);
  // Each popped member goes to replicas as its own SREM; several are wrapped in MULTI/EXEC (propagation.ts).
  ctx.rewrite = null;
  for (const m of popped) ctx.server.propagation.also(db.id, ['SREM', key, m]);
  return set(bulks(popped));
}

// SMOVE source destination member
function smoveCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const srcKey = args.nextKey(), dstKey = args.nextKey(), member = args.next();
  const db = ctx.db;
  const srcEntry = db.lookup(srcKey), dstEntry = db.lookup(dstKey);
  if (srcEntry === undefined) return ZERO;
  const src = setOf(srcEntry);
  const dst = dstEntry === undefined ? undefined : setOf(dstEntry);
  if (src === dst) return src.has(member) ? ONE : ZERO;
  if (!src.has(member)) return ZERO;
  db.beforeInPlaceChange(srcKey);
  src.delete(member);
  notifySet(ctx, 'srem', srcKey);
  if (src.size === 0) {
    db.delete(srcKey);
    notifyDel(ctx, srcKey);
  } else {
    db.signalModified(srcKey);
  }
  if (dst === undefined) {
    db.set(dstKey, SetValue.of([member], maxIntset(ctx)));
    notifySet(ctx, 'sadd', dstKey);
  } else if (!dst.has(member)) {
    // only a real addition touches the destination (its WATCHers stay valid otherwise)
    db.beforeInPlaceChange(dstKey);
    dst.add(member, maxIntset(ctx));
    db.signalModified(dstKey);
    notifySet(ctx, 'sadd', dstKey);
  }
  return ONE;
}

/**
 * The sets named by `keys` as read lookups: undefined for a missing key. WRONGTYPE if any holds another type,
 * checked for every key before any work.
 */
function lookupSets(db: Db, keys: readonly string[]): (SetValue | undefined)[] {
  return keys.map((k) => getSet(db, k));
}

/**
 * sinterGenericCommand(): the members of the smallest set that all the others hold, in the smallest set's
 * order. Sets of equal size keep their argument order (Redis's qsort leaves them so), which shows in replies.
 */
function* intersection(sets: readonly SetValue[]): Generator<string> {
  const [first, ...rest] = [...sets].sort((a, b) => a.size - b.size);
  const others = rest.filter((s) => s !== first);
  for (const m of first.members()) if (others.every((s) => s.has(m))) yield m;
}

// SINTER key [key ...]
function sinterCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const sets = lookupSets(db, args.rest());
  if (sets.includes(undefined)) return set([]); // intersecting with an empty set
  return set(bulks([...intersection(sets as SetValue[])]));
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
function sintercardCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const numkeys = args.nextInt64(ERR_NUMKEYS);
  if (numkeys < 1) fail(ERR_NUMKEYS);
  if (numkeys > args.remaining) fail(ERR_TOO_MANY_NUMKEYS);
  const keys: string[] = [];
  for (let i = Number(numkeys); i > 0; i--) keys.push(args.nextKey());
  let limit = 0; // no limit
  while (args.hasMore) {
    if (keyword(args.next()) === 'LIMIT' && args.hasMore) {
      const v = args.nextInt64(ERR_LIMIT_NEGATIVE);
      if (v < 0) fail(ERR_LIMIT_NEGATIVE);
      limit = Number(v);
    } else {
      fail(ERR_SYNTAX);
    }
  }
  const sets = lookupSets(db, keys);
  if (sets.includes(undefined)) return ZERO;
  let n = 0;
  for (const _ of intersection(sets as SetValue[])) if (++n === limit) break;
  return int(n);
}

// SINTERSTORE destination key [key ...]
function sinterstoreCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const dst = args.nextKey();
  const sets = lookupSets(ctx.db, args.rest());
  const result = new SetValue();
  if (sets.includes(undefined)) {
    // an empty input: Redis deletes the destination before it answers
    if (ctx.db.delete(dst)) notifyDel(ctx, dst);
    return ZERO;
  }
  const max = maxIntset(ctx);
  for (const m of intersection(sets as SetValue[])) result.add(m, max);
  return store(ctx, dst, result, 'sinterstore');
}

/**
 * The result of a *STORE command replaces `dst` (without its TTL), or deletes it when empty. Redis answers
 * before it notifies: `event` for a stored result, `del` for a destination that went.
 */
function store(ctx: CommandContext, dst: string, result: SetValue, event: string): Reply {
  if (result.size === 0) {
    replyWritten(ctx.server);
    if (ctx.db.delete(dst)) notifyDel(ctx, dst);
    return ZERO;
  }
  ctx.db.set(dst, result);
  replyWritten(ctx.server);
  notifySet(ctx, event, dst);
  return int(result.size);
}

type SetOp = 'union' | 'diff';

/**
 * sunionDiffGenericCommand(): the result is built as a new set (so an all-integer result is an intset, which
 * lists its members in numeric order). SDIFF picks Redis's algorithm by estimated work, because the two can
 * leave the stored result with different encodings.
 */
function unionDiff(ctx: CommandContext, keys: readonly string[], op: SetOp): SetValue {
  const sets = lookupSets(ctx.db, keys);
  const max = maxIntset(ctx);
  const result = new SetValue();
  if (op === 'union') {
    for (const s of sets) if (s) for (const m of s.members()) result.add(m, max);
    return result;
  }
  const [first, ...rest] = sets;
  if (first === undefined || rest.includes(first)) return result; // nothing to subtract from, or A - A
  const others = rest.filter((s): s is SetValue => s !== undefined);
  const oneWork = Math.floor((first.size * (others.length + 1)) / 2);
  const twoWork = others.reduce((n, s) => n + s.size, first.size);
  if (oneWork <= twoWork) {
    // Algorithm 1: each member of the first set that no other set holds (biggest sets are asked first).
    others.sort((a, b) => b.size - a.size);
    for (const m of first.members()) if (!others.some((s) => s.has(m))) result.add(m, max);
  } else {
    // Algorithm 2: the first set, less every member of the others.
    for (const m of first.members()) result.add(m, max);
    for (const s of others) {
      for (const m of s.members()) result.delete(m);
      if (result.size === 0) break;
    }
  }
  return result;
}

// SUNION key [key ...] / SDIFF key [key ...]
function sunionDiffCommand(ctx: CommandContext, args: ArgCursor, op: SetOp): Reply {
  return set(bulks(unionDiff(ctx, args.rest(), op).members()));
}

// SUNIONSTORE destination key [key ...] / SDIFFSTORE destination key [key ...]
function sunionDiffStoreCommand(ctx: CommandContext, args: ArgCursor, op: SetOp): Reply {
  const dst = args.nextKey();
  return store(ctx, dst, unionDiff(ctx, args.rest(), op), op === 'union' ? 'sunionstore' : 'sdiffstore');
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
function sscanCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const cursor = parseScanCursor(args.next());
  const s = getSet(db, key);
  if (s === undefined) return EMPTY_SCAN;
  return scanCollection(args, cursor, (from, count, visit) => {
    if (!s.isIntset) return s.scan(from, count, visit);
    for (const m of s.members()) visit(m); // a compact encoding is returned whole, with cursor 0
    return 0;
  });
}
