/**
 * List commands (t_list.c), the blocking ones included. Values are lib/store/list.ts deques; a list that loses its
 * last element is deleted. Blocked clients are parked with lib/server/blocking.ts and served after the command
 * that gave their key data, each served pop propagated as the plain command it amounts to (BLPOP → LPOP).
 */
import {
  ERR_COUNT_NOT_POSITIVE, ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_NOT_POSITIVE, ERR_NUMKEYS, ERR_SYNTAX, ERR_WRONGTYPE, errWrongArity, fail,
} from '../protocol/errors';
import {
  array, bulk, bulkArray, EMPTY_ARRAY, error, int, MINUS_ONE, NIL, NIL_ARRAY, OK, ZERO, type Reply,
} from '../protocol/reply';
import { List } from '../store/list';
import type { Db } from '../store/keyspace';
import { INT64_MIN, parseInteger } from '../store/numbers';
import { blockForKeys, blockTimeoutArg, mayBlock, type KeyWaiter } from '../server/blocking';
import { notifyKeyspaceEvent, replyWritten, NOTIFY_GENERIC, NOTIFY_LIST } from '../server/notify';
import { clampRange, keyword, longArg, type ArgCursor } from './args';
import { key, str, integer, dbl, tok, oneof } from './docs';
import { keyAt, range, keynum, countedKeys } from './keyspecs';
import { BLOCKED, type CommandContext, type CommandSpec, type Deferred } from './types';

const LIST = ['@list'] as const;
const PUSH_COMPLEXITY = 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.';
const MPOP_COMPLEXITY = 'O(N+M) where N is the number of provided keys and M is the number of elements returned.';

export const listCommands: readonly CommandSpec[] = [
  { name: 'LPUSH', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'list', since: '1.0.0', summary: 'Insert elements at the head of a list.', complexity: PUSH_COMPLEXITY, acl: LIST, run: (ctx, args) => pushGeneric(ctx, args, 'head', false),
    keySpecs: [keyAt(1, 'RW insert')], args: [key('key'), str('element').many],
    history: [['2.4.0', 'Takes several elements.']] },
  { name: 'RPUSH', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'list', since: '1.0.0', summary: 'Insert elements at the tail of a list.', complexity: PUSH_COMPLEXITY, acl: LIST, run: (ctx, args) => pushGeneric(ctx, args, 'tail', false),
    keySpecs: [keyAt(1, 'RW insert')], args: [key('key'), str('element').many],
    history: [['2.4.0', 'Takes several elements.']] },
  { name: 'LPUSHX', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'list', since: '2.2.0', summary: 'Insert elements at the head of a list, if the list exists.', complexity: PUSH_COMPLEXITY, acl: LIST, run: (ctx, args) => pushGeneric(ctx, args, 'head', true),
    keySpecs: [keyAt(1, 'RW insert')], args: [key('key'), str('element').many],
    history: [['4.0.0', 'Takes several elements.']] },
  { name: 'RPUSHX', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'list', since: '2.2.0', summary: 'Insert elements at the tail of a list, if the list exists.', complexity: PUSH_COMPLEXITY, acl: LIST, run: (ctx, args) => pushGeneric(ctx, args, 'tail', true),
    keySpecs: [keyAt(1, 'RW insert')], args: [key('key'), str('element').many],
    history: [['4.0.0', 'Takes several elements.']] },
  { name: 'LPOP', arity: -2, flags: ['write', 'fast'], group: 'list', since: '1.0.0', summary: 'Remove elements from the head of a list and return them.', complexity: 'O(N) where N is the number of elements returned', acl: LIST, run: (ctx, args) => popGeneric(ctx, args, 'head'),
    keySpecs: [keyAt(1, 'RW access delete')], args: [key('key'), integer('count').opt.since('6.2.0')],
    history: [['6.2.0', 'count asks for several elements.']] },
  { name: 'RPOP', arity: -2, flags: ['write', 'fast'], group: 'list', since: '1.0.0', summary: 'Remove elements from the tail of a list and return them.', complexity: 'O(N) where N is the number of elements returned', acl: LIST, run: (ctx, args) => popGeneric(ctx, args, 'tail'),
    keySpecs: [keyAt(1, 'RW access delete')], args: [key('key'), integer('count').opt.since('6.2.0')],
    history: [['6.2.0', 'count asks for several elements.']] },
  { name: 'LLEN', arity: 2, flags: ['readonly', 'fast'], group: 'list', since: '1.0.0', summary: 'Count the elements of a list.', complexity: 'O(1)', acl: LIST, run: llenCommand,
    keySpecs: [keyAt(1, 'RO')], args: [key('key')] },
  { name: 'LINDEX', arity: 3, flags: ['readonly'], group: 'list', since: '1.0.0', summary: 'The element at an index of a list.', complexity: 'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).', acl: LIST, run: lindexCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), integer('index')] },
  { name: 'LSET', arity: 4, flags: ['write', 'denyoom'], group: 'list', since: '1.0.0', summary: 'Replace the element at an index of a list.', complexity: 'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).', acl: LIST, run: lsetCommand,
    keySpecs: [keyAt(1, 'RW update')], args: [key('key'), integer('index'), str('element')] },
  { name: 'LRANGE', arity: 4, flags: ['readonly'], group: 'list', since: '1.0.0', summary: 'The elements of a list between two indexes.', complexity: 'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.', acl: LIST, run: lrangeCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), integer('start'), integer('stop')] },
  { name: 'LTRIM', arity: 4, flags: ['write'], group: 'list', since: '1.0.0', summary: 'Keep only the elements of a list between two indexes.', complexity: 'O(N) where N is the number of elements to be removed by the operation.', acl: LIST, run: ltrimCommand,
    keySpecs: [keyAt(1, 'RW delete')], args: [key('key'), integer('start'), integer('stop')] },
  { name: 'LREM', arity: 4, flags: ['write'], group: 'list', since: '1.0.0', summary: 'Remove occurrences of an element from a list.', complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.', acl: LIST, run: lremCommand,
    keySpecs: [keyAt(1, 'RW delete')], args: [key('key'), integer('count'), str('element')] },
  { name: 'LINSERT', arity: 5, flags: ['write', 'denyoom'], group: 'list', since: '2.2.0', summary: 'Insert an element next to a pivot element of a list.', complexity: 'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).', acl: LIST, run: linsertCommand,
    keySpecs: [keyAt(1, 'RW insert')], args: [key('key'), oneof('where', tok('BEFORE'), tok('AFTER')), str('pivot'), str('element')] },
  { name: 'LPOS', arity: -3, flags: ['readonly'], group: 'list', since: '6.0.6', summary: 'Indexes at which an element occurs in a list.', complexity: 'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.', acl: LIST, run: lposCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('element'), integer('rank', 'RANK').opt, integer('num-matches', 'COUNT').opt, integer('len', 'MAXLEN').opt] },
  { name: 'RPOPLPUSH', arity: 3, flags: ['write', 'denyoom'], group: 'list', since: '1.2.0', summary: 'Move the tail element of a list to the head of another, and return it.', complexity: 'O(1)', acl: LIST, run: (ctx, args) => lmoveGeneric(ctx, args.nextKey(), args.nextKey(), 'tail', 'head'),
    keySpecs: [keyAt(1, 'RW access delete'), keyAt(2, 'RW insert')], args: [key('source'), key('destination', 1)],
    docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`LMOVE` with the `RIGHT` and `LEFT` arguments' },
  { name: 'LMOVE', arity: 5, flags: ['write', 'denyoom'], group: 'list', since: '6.2.0', summary: 'Move an element from one end of a list to an end of another, and return it.', complexity: 'O(1)', acl: LIST, run: lmoveCommand,
    keySpecs: [keyAt(1, 'RW access delete'), keyAt(2, 'RW insert')],
    args: [key('source'), key('destination', 1), oneof('wherefrom', tok('LEFT'), tok('RIGHT')), oneof('whereto', tok('LEFT'), tok('RIGHT'))] },
  { name: 'LMPOP', arity: -4, flags: ['write'], group: 'list', since: '7.0.0', summary: 'Pop elements from the first non-empty list of several.', complexity: MPOP_COMPLEXITY, acl: LIST, run: (ctx) => lmpopGeneric(ctx, 1, false),
    keySpecs: [keyAt(1, 'RW access delete', keynum())], getKeys: countedKeys(0, 1, 2),
    args: [integer('numkeys'), key('key').many, oneof('where', tok('LEFT'), tok('RIGHT')), integer('count', 'COUNT').opt] },
  { name: 'BLPOP', arity: -3, flags: ['write', 'noscript', 'blocking'], group: 'list', since: '2.0.0', summary: 'Pop the head element of the first non-empty list of several, waiting for one if all are empty.', complexity: 'O(N) where N is the number of provided keys.', acl: LIST, run: (ctx) => bpopCommand(ctx, 'head'),
    keySpecs: [keyAt(1, 'RW access delete', range(-2))], args: [key('key').many, dbl('timeout')],
    history: [['6.0.0', 'timeout may have a fraction of a second.']] },
  { name: 'BRPOP', arity: -3, flags: ['write', 'noscript', 'blocking'], group: 'list', since: '2.0.0', summary: 'Pop the tail element of the first non-empty list of several, waiting for one if all are empty.', complexity: 'O(N) where N is the number of provided keys.', acl: LIST, run: (ctx) => bpopCommand(ctx, 'tail'),
    keySpecs: [keyAt(1, 'RW access delete', range(-2))], args: [key('key').many, dbl('timeout')],
    history: [['6.0.0', 'timeout may have a fraction of a second.']] },
  { name: 'BRPOPLPUSH', arity: 4, flags: ['write', 'denyoom', 'noscript', 'blocking'], group: 'list', since: '2.2.0', summary: 'RPOPLPUSH that waits for an element when the source list is empty.', complexity: 'O(1)', acl: LIST, run: brpoplpushCommand,
    keySpecs: [keyAt(1, 'RW access delete'), keyAt(2, 'RW insert')], args: [key('source'), key('destination', 1), dbl('timeout')],
    docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`BLMOVE` with the `RIGHT` and `LEFT` arguments',
    history: [['6.0.0', 'timeout may have a fraction of a second.']] },
  { name: 'BLMOVE', arity: 6, flags: ['write', 'denyoom', 'noscript', 'blocking'], group: 'list', since: '6.2.0', summary: 'LMOVE that waits for an element when the source list is empty.', complexity: 'O(1)', acl: LIST, run: blmoveCommand,
    keySpecs: [keyAt(1, 'RW access delete'), keyAt(2, 'RW insert')],
    args: [key('source'), key('destination', 1), oneof('wherefrom', tok('LEFT'), tok('RIGHT')), oneof('whereto', tok('LEFT'), tok('RIGHT')), dbl('timeout')] },
  { name: 'BLMPOP', arity: -5, flags: ['write', 'blocking'], group: 'list', since: '7.0.0', summary: 'LMPOP that waits for an element when every list is empty.', complexity: MPOP_COMPLEXITY, acl: LIST, run: (ctx) => lmpopGeneric(ctx, 2, true),
    keySpecs: [keyAt(2, 'RW access delete', keynum())], getKeys: countedKeys(0, 2, 3),
    args: [dbl('timeout'), integer('numkeys'), key('key').many, oneof('where', tok('LEFT'), tok('RIGHT')), integer('count', 'COUNT').opt] },
];

type End = 'head' | 'tail';

// ---- lookups and shared helpers ----

/**
 * The list at `key`, undefined if absent; WRONGTYPE for another type. `read` lookups count keyspace hits and
 * misses (lookupKeyRead), write lookups do not (lookupKeyWrite).
 */
function listAt(db: Db, key: string, read = false): List | undefined {
  const e = read ? db.lookupRead(key) : db.lookup(key);
  if (e === undefined) return undefined;
  if (!(e.value instanceof List)) fail(ERR_WRONGTYPE);
  return e.value as List;
}

/** getListPositionFromObjectOrReply(): LEFT is the head, RIGHT the tail. */
function endArg(arg: string): End {
  const k = keyword(arg);
  if (k === 'LEFT') return 'head';
  if (k === 'RIGHT') return 'tail';
  return fail(ERR_SYNTAX);
}

/** A list event (the `l` class) on `key` of `db`. */
function notifyList(ctx: CommandContext, db: Db, event: string, key: string): void {
  notifyKeyspaceEvent(ctx.server, NOTIFY_LIST, event, key, db.id);
}

/**
 * After popping or removing (listElementsRemoved): the command's event, then an emptied list is deleted (a `del`
 * event), otherwise the in-place write is counted. Every in-place change starts with Db.beforeInPlaceChange, so
 * a snapshot in progress keeps the old version.
 */
function afterRemoval(ctx: CommandContext, db: Db, key: string, list: List, event: string): void {
  notifyList(ctx, db, event, key);
  if (list.length === 0) {
    db.delete(key);
    notifyKeyspaceEvent(ctx.server, NOTIFY_GENERIC, 'del', key, db.id);
  } else {
    db.signalModified(key);
  }
}

/** Push onto the list at `key`, creating it when absent (the creation is what wakes clients blocked on it). */
function pushTo(db: Db, key: string, list: List | undefined, values: readonly string[], where: End): List {
  const fresh = list === undefined;
  const target = list ?? new List(values.length);
  if (!fresh) db.beforeInPlaceChange(key);
  for (const v of values) {
    if (where === 'head') target.pushHead(v);
    else target.pushTail(v);
  }
  if (fresh) db.set(key, target);
  else db.signalModified(key);
  return target;
}

/** Pop up to `count` elements from one end, in pop order (the tail's come last element first). */
function popRange(list: List, where: End, count: number): string[] {
  const n = Math.min(count, list.length);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = (where === 'head' ? list.popHead() : list.popTail())!;
  return out;
}

const popName = (where: End) => (where === 'head' ? 'LPOP' : 'RPOP');
const popEvent = (where: End) => (where === 'head' ? 'lpop' : 'rpop');
const pushEvent = (where: End) => (where === 'head' ? 'lpush' : 'rpush');

// ---- pushes and pops ----

// LPUSH key element [element ...] / RPUSH … / LPUSHX … / RPUSHX …
function pushGeneric(ctx: CommandContext, args: ArgCursor, where: End, onlyIfExists: boolean): Reply {
  const key = args.nextKey();
  const list = listAt(ctx.db, key);
  if (list === undefined && onlyIfExists) return ZERO;
  const length = pushTo(ctx.db, key, list, args.rest(), where).length;
  replyWritten(ctx.server); // Redis replies with the length before it notifies
  notifyList(ctx, ctx.db, pushEvent(where), key);
  return int(length);
}

// LPOP key [count] / RPOP key [count]
function popGeneric(ctx: CommandContext, args: ArgCursor, where: End): Reply {
  if (ctx.argv.length > 3) fail(errWrongArity(ctx.command.fullname));
  const key = args.nextKey();
  const hasCount = args.hasMore;
  const count = hasCount ? longArg(args.next(), 0, ERR_NOT_POSITIVE) : 0;
  const list = listAt(ctx.db, key);
  if (list === undefined) return hasCount ? NIL_ARRAY : NIL;
  if (hasCount && count === 0) return EMPTY_ARRAY;
  ctx.db.beforeInPlaceChange(key);
  const popped = popRange(list, where, hasCount ? count : 1);
  replyWritten(ctx.server);
  afterRemoval(ctx, ctx.db, key, list, popEvent(where));
  return hasCount ? bulkArray(popped) : bulk(popped[0]);
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
function lmpopGeneric(ctx: CommandContext, numkeysIdx: number, blocking: boolean): Reply | Deferred {
  const argv = ctx.argv;
  const numkeys = longArg(argv[numkeysIdx], 1, ERR_NUMKEYS);
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) fail(ERR_SYNTAX);
  const where = endArg(argv[whereIdx]);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const moreArgs = argv.length - 1 - j;
    if (count === -1 && keyword(argv[j]) === 'COUNT' && moreArgs) {
      count = longArg(argv[++j], 1, ERR_COUNT_NOT_POSITIVE);
    } else {
      fail(ERR_SYNTAX);
    }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, whereIdx);
  if (blocking) return blockingPop(ctx, keys, where, argv[1], count);
  for (const key of keys) {
    const list = listAt(ctx.db, key);
    if (list === undefined) continue;
    return popWithKey(ctx, key, list, where, count);
  }
  return NIL_ARRAY;
}

/** listPopRangeAndReplyWithKey(): [key, [elements]], propagated as `LPOP key n` with the n actually popped. */
function popWithKey(ctx: CommandContext, key: string, list: List, where: End, count: number): Reply {
  ctx.db.beforeInPlaceChange(key);
  const popped = popRange(list, where, count);
  replyWritten(ctx.server);
  afterRemoval(ctx, ctx.db, key, list, popEvent(where));
  ctx.rewrite = [popName(where), key, String(popped.length)];
  return array([bulk(key), bulkArray(popped)]);
}

// LLEN key
function llenCommand({ db }: CommandContext, args: ArgCursor): Reply {
  return int(listAt(db, args.nextKey(), true)?.length ?? 0);
}

/** A possibly negative index (from the tail) as an offset from the head, or -1 when outside the list. */
function offsetOf(list: List, index: number): number {
  const i = index < 0 ? list.length + index : index;
  return i >= 0 && i < list.length ? i : -1;
}

// LINDEX key index
function lindexCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const list = listAt(db, args.nextKey(), true);
  if (list === undefined) return NIL; // before the index is even parsed, as Redis does
  const i = offsetOf(list, longArg(args.next()));
  return i < 0 ? NIL : bulk(list.at(i)!);
}

// LSET key index element
function lsetCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const { db } = ctx;
  const key = args.nextKey();
  const list = listAt(db, key);
  if (list === undefined) fail(ERR_NO_SUCH_KEY);
  const i = offsetOf(list!, longArg(args.next()));
  if (i < 0) fail('ERR index out of range');
  db.beforeInPlaceChange(key);
  list!.set(i, args.next());
  db.signalModified(key);
  replyWritten(ctx.server);
  notifyList(ctx, db, 'lset', key);
  return OK;
}

// LRANGE key start stop
function lrangeCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const start = longArg(args.next()), stop = longArg(args.next());
  const list = listAt(db, key, true);
  if (list === undefined) return EMPTY_ARRAY;
  const range = clampRange(list.length, start, stop);
  return range ? bulkArray(list.slice(range[0], range[1])) : EMPTY_ARRAY;
}

// LTRIM key start stop
function ltrimCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const { db } = ctx;
  const key = args.nextKey();
  const start = longArg(args.next()), stop = longArg(args.next());
  const list = listAt(db, key);
  if (list === undefined) return OK;
  const range = clampRange(list.length, start, stop);
  const fromHead = range ? range[0] : list.length;
  const fromTail = range ? list.length - range[1] - 1 : 0;
  if (fromHead + fromTail === 0) {
    notifyList(ctx, db, 'ltrim', key); // notified all the same
    db.signalModified(key); // Redis still touches WATCHers, but nothing changed, so nothing is propagated
    ctx.rewrite = null;
    return OK;
  }
  db.beforeInPlaceChange(key);
  list.dropHead(fromHead);
  list.dropTail(fromTail);
  afterRemoval(ctx, db, key, list, 'ltrim');
  return OK;
}

// LREM key count element
function lremCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const { db } = ctx;
  const key = args.nextKey();
  const count = longArg(args.next());
  const element = args.next();
  const list = listAt(db, key);
  if (list === undefined) return ZERO;
  db.beforeInPlaceChange(key);
  const removed = list.removeMatching(element, Math.abs(count), count < 0);
  if (removed) afterRemoval(ctx, db, key, list, 'lrem');
  return int(removed);
}

// LINSERT key BEFORE|AFTER pivot element
function linsertCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const { db } = ctx;
  const key = args.nextKey();
  const where = keyword(args.next());
  if (where !== 'BEFORE' && where !== 'AFTER') fail(ERR_SYNTAX);
  const pivot = args.next(), element = args.next();
  const list = listAt(db, key);
  if (list === undefined) return ZERO;
  const at = list.indexOf(pivot);
  if (at < 0) return MINUS_ONE;
  db.beforeInPlaceChange(key);
  list.insertAt(where === 'BEFORE' ? at : at + 1, element);
  db.signalModified(key);
  notifyList(ctx, db, 'linsert', key);
  return int(list.length);
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
function lposCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const element = args.next();
  let rank = 1, count = -1, maxlen = 0; // count -1: no COUNT option
  /** RANK -2^63 cannot be negated in C: every match then counts, from the tail, and COUNT never stops it. */
  let rankMin = false;
  while (args.hasMore) {
    const opt = keyword(args.next());
    if (opt === 'RANK' && args.hasMore) {
      const v = parseInteger(args.next());
      if (v === null) fail(ERR_NOT_INTEGER);
      if (v === 0) fail("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
      rankMin = v === INT64_MIN;
      rank = Number(v);
    } else if (opt === 'COUNT' && args.hasMore) {
      count = longArg(args.next(), 0, "ERR COUNT can't be negative");
    } else if (opt === 'MAXLEN' && args.hasMore) {
      maxlen = longArg(args.next(), 0, "ERR MAXLEN can't be negative");
    } else {
      fail(ERR_SYNTAX);
    }
  }
  const fromTail = rank < 0;
  if (fromTail) rank = -rank;
  const list = listAt(db, key, true);
  if (list === undefined) return count !== -1 ? EMPTY_ARRAY : NIL;
  const n = list.length;
  const found: Reply[] = [];
  let matches = 0;
  for (let step = 0; step < n && (maxlen === 0 || step < maxlen); step++) {
    const i = fromTail ? n - 1 - step : step;
    if (list.at(i) !== element) continue;
    matches++;
    if (matches < rank && !rankMin) continue;
    if (count === -1) return int(i);
    found.push(int(i));
    if (count !== 0 && !rankMin && matches - rank + 1 >= count) break;
  }
  return count === -1 ? NIL : array(found);
}

// ---- moving between lists ----

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
function lmoveCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const src = args.nextKey(), dst = args.nextKey();
  const from = endArg(args.next()), to = endArg(args.next());
  return lmoveGeneric(ctx, src, dst, from, to);
}

// RPOPLPUSH source destination (LMOVE source destination RIGHT LEFT)
/** lmoveGenericCommand(): pop from `src`, push onto `dst` (created if need be), reply with the element. */
function lmoveGeneric(ctx: CommandContext, src: string, dst: string, from: End, to: End): Reply {
  const { db } = ctx;
  const source = listAt(db, src);
  if (source === undefined) return NIL;
  const target = listAt(db, dst);
  return bulk(moveOne(ctx, db, src, source, dst, target, from, to));
}

/**
 * The move itself, once both types are known to be right: source first, so RPOPLPUSH k k rotates. Notified as
 * Redis does: the push (answered with the element), then the pop, then the source's `del` if it emptied.
 */
function moveOne(ctx: CommandContext, db: Db, src: string, source: List, dst: string, target: List | undefined, from: End, to: End): string {
  db.beforeInPlaceChange(src);
  const value = (from === 'head' ? source.popHead() : source.popTail())!;
  if (src === dst) {
    if (to === 'head') source.pushHead(value);
    else source.pushTail(value);
    db.signalModified(src);
    notifyList(ctx, db, pushEvent(to), dst);
    replyWritten(ctx.server);
    notifyList(ctx, db, popEvent(from), src);
    return value;
  }
  pushTo(db, dst, target, [value], to);
  notifyList(ctx, db, pushEvent(to), dst);
  replyWritten(ctx.server);
  afterRemoval(ctx, db, src, source, popEvent(from));
  return value;
}

// ---- blocking variants ----

// BLPOP key [key ...] timeout / BRPOP key [key ...] timeout
function bpopCommand(ctx: CommandContext, where: End): Reply | Deferred {
  const argv = ctx.argv;
  return blockingPop(ctx, argv.slice(1, -1), where, argv[argv.length - 1], -1);
}

/**
 * blockingPopGenericCommand(): pop from the first non-empty list at once, else block on all the keys. `count` is
 * -1 for BLPOP/BRPOP (reply [key, element]) or BLMPOP's count (reply [key, [elements]]).
 */
function blockingPop(ctx: CommandContext, keys: readonly string[], where: End, timeoutText: string, count: number): Reply | Deferred {
  const deadline = blockTimeoutArg(ctx.server, timeoutText);
  const { db } = ctx;
  for (const key of keys) {
    const list = listAt(db, key);
    if (list === undefined) continue;
    if (count !== -1) return popWithKey(ctx, key, list, where, count);
    db.beforeInPlaceChange(key);
    const value = where === 'head' ? list.popHead()! : list.popTail()!;
    replyWritten(ctx.server);
    afterRemoval(ctx, db, key, list, popEvent(where));
    ctx.rewrite = [popName(where), key];
    return array([bulk(key), bulk(value)]);
  }
  if (!mayBlock(ctx.client)) return NIL_ARRAY;
  const waiter: KeyWaiter = {
    client: ctx.client, db, keys: [...new Set(keys)], type: 'list', deadline, timeoutReply: NIL_ARRAY,
    serve: (key) => servePop(ctx, db, key, where, count),
  };
  blockForKeys(ctx.server, waiter);
  return BLOCKED;
}

/** serveClientBlockedOnList() for pops: the reply the blocked client gets, its pop propagated as LPOP/RPOP. */
function servePop(ctx: CommandContext, db: Db, key: string, where: End, count: number): Reply {
  const list = db.peek(key)!.value as List;
  db.beforeInPlaceChange(key);
  const popped = popRange(list, where, count === -1 ? 1 : count);
  afterRemoval(ctx, db, key, list, popEvent(where));
  const argv = [popName(where), key];
  if (count !== -1) argv.push(String(popped.length));
  ctx.server.propagation.also(db.id, argv);
  return count === -1 ? array([bulk(key), bulk(popped[0])]) : array([bulk(key), bulkArray(popped)]);
}

// BRPOPLPUSH source destination timeout
function brpoplpushCommand(ctx: CommandContext, args: ArgCursor): Reply | Deferred {
  const src = args.nextKey(), dst = args.nextKey();
  const deadline = blockTimeoutArg(ctx.server, args.next());
  return blmoveGeneric(ctx, src, dst, 'tail', 'head', deadline, true);
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
function blmoveCommand(ctx: CommandContext, args: ArgCursor): Reply | Deferred {
  const src = args.nextKey(), dst = args.nextKey();
  const from = endArg(args.next()), to = endArg(args.next());
  const deadline = blockTimeoutArg(ctx.server, args.next());
  return blmoveGeneric(ctx, src, dst, from, to, deadline, false);
}

/** blmoveGenericCommand(): LMOVE at once when the source has elements, else block on the source alone. */
function blmoveGeneric(ctx: CommandContext, src: string, dst: string, from: End, to: End, deadline: number, rpoplpush: boolean): Reply | Deferred {
  const { db } = ctx;
  if (listAt(db, src) !== undefined) {
    const reply = lmoveGeneric(ctx, src, dst, from, to);
    const argv = ctx.argv;
    if (reply.kind === 'bulk') ctx.rewrite = rpoplpush ? ['RPOPLPUSH', src, dst] : ['LMOVE', src, dst, argv[3], argv[4]];
    return reply;
  }
  if (!mayBlock(ctx.client)) return NIL;
  const waiter: KeyWaiter = {
    client: ctx.client, db, keys: [src], type: 'list', deadline, timeoutReply: NIL_ARRAY,
    serve: () => serveMove(ctx, db, src, dst, from, to, rpoplpush),
  };
  blockForKeys(ctx.server, waiter);
  return BLOCKED;
}

/**
 * serveClientBlockedOnList() for BLMOVE: a destination of another type ends the wait with WRONGTYPE and leaves
 * the element where it is; otherwise the move, propagated as LMOVE (or RPOPLPUSH) with lower-case ends.
 */
function serveMove(ctx: CommandContext, db: Db, src: string, dst: string, from: End, to: End, rpoplpush: boolean): Reply {
  const source = db.peek(src)!.value as List;
  const e = db.lookup(dst);
  if (e !== undefined && !(e.value instanceof List)) return error(ERR_WRONGTYPE);
  const value = moveOne(ctx, db, src, source, dst, e?.value as List | undefined, from, to);
  const side = (end: End) => (end === 'head' ? 'left' : 'right');
  ctx.server.propagation.also(db.id, rpoplpush ? ['RPOPLPUSH', src, dst] : ['LMOVE', src, dst, side(from), side(to)]);
  return bulk(value);
}
