/**
 * Sorted set commands (t_zset.c), the blocking pops and ZSCAN. The value lives in lib/store/zset.ts; here are
 * argument parsing with Redis's exact errors, replies (WITHSCORES flat in RESP2, [member, score] pairs in RESP3),
 * encoding limits read from the config at each write, and propagation: pops go out as ZPOPMIN/ZPOPMAX key n.
 */
import {
  ERR_COUNT_NOT_POSITIVE, ERR_LIMIT_NEGATIVE, ERR_NOT_INTEGER, ERR_NOT_POSITIVE, ERR_NUMKEYS, ERR_OUT_OF_RANGE, ERR_RANDOM_COUNT_RANGE, ERR_SYNTAX,
  ERR_WRONGTYPE, fail,
} from '../protocol/errors';
import {
  array, bulk, double, EMPTY_ARRAY, formatDouble, int, NIL, NIL_ARRAY, ZERO, type Reply,
} from '../protocol/reply';
import type { Db, Entry } from '../store/keyspace';
import { parseInteger } from '../store/numbers';
import { SetValue } from '../store/set';
import {
  scoreGteMin, scoreLteMax, lexGteMin, lexLteMax, ZsetValue, type AddOptions, type LexBound, type LexRange,
  type ScoreRange, type ZNode, type ZsetLimits,
} from '../store/zset';
import { blockForKeys, blockTimeoutArg, mayBlock, type KeyWaiter } from '../server/blocking';
import { clampRange, cText, doubleArg, keyword, longArg, type ArgCursor } from './args';
import { key, str, integer, dbl, pattern, tok, oneof, block } from './docs';
import { keyAt, range, keynum, countedKeys } from './keyspecs';
import { EMPTY_SCAN, parseScanCursor, scanCollection } from './scan';
import { BLOCKED, type CommandContext, type CommandSpec, type Deferred } from './types';
import { notifyKeyspaceEvent, replyWritten, NOTIFY_GENERIC, NOTIFY_ZSET } from '../server/notify';

const ZSET = ['@sortedset'] as const;
const KEY1 = { first: 1, last: 1, step: 1 };
const RANGE_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).';
const REMRANGE_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.';
const MPOP_COMPLEXITY = 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.';
const POP_COMPLEXITY = 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.';
const INTER_COMPLEXITY = 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.';
const DIFF_COMPLEXITY = 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.';
const POP_KEYS = ['RW', 'access', 'delete'] as const;
const STORE_KEYS = ['OW', 'update'] as const;

export const zsetCommands: readonly CommandSpec[] = [
  { name: 'ZADD', arity: -4, flags: ['write', 'denyoom', 'fast'], group: 'sorted-set', since: '1.2.0', summary: 'Add members with scores to a sorted set, or change the scores of members already there.', complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.', acl: ZSET, run: (ctx) => zaddGeneric(ctx, false),
    keySpecs: [keyAt(1, 'RW update')],
    args: [key('key'), oneof('condition', tok('NX'), tok('XX')).opt.since('3.0.2'), oneof('comparison', tok('GT'), tok('LT')).opt.since('6.2.0'),
      tok('CH', 'change').opt.since('3.0.2'), tok('INCR', 'increment').opt.since('3.0.2'), block('score_member', dbl('score'), str('member')).many],
    history: [['2.4.0', 'Takes several score/member pairs.'], ['3.0.2', 'XX, NX, CH and INCR options.'], ['6.2.0', 'GT and LT options.']] },
  { name: 'ZINCRBY', arity: 4, flags: ['write', 'denyoom', 'fast'], group: 'sorted-set', since: '1.2.0', summary: 'Add to the score of a member of a sorted set.', complexity: 'O(log(N)) where N is the number of elements in the sorted set.', acl: ZSET, run: (ctx) => zaddGeneric(ctx, true),
    keySpecs: [keyAt(1, 'RW access update')], args: [key('key'), integer('increment'), str('member')] },
  { name: 'ZREM', arity: -3, flags: ['write', 'fast'], group: 'sorted-set', since: '1.2.0', summary: 'Remove members from a sorted set.', complexity: 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.', acl: ZSET, run: zremCommand,
    keySpecs: [keyAt(1, 'RW delete')], args: [key('key'), str('member').many],
    history: [['2.4.0', 'Takes several members.']] },
  { name: 'ZCARD', arity: 2, flags: ['readonly', 'fast'], group: 'sorted-set', since: '1.2.0', summary: 'Count the members of a sorted set.', complexity: 'O(1)', acl: ZSET, run: zcardCommand,
    keySpecs: [keyAt(1, 'RO')], args: [key('key')] },
  { name: 'ZSCORE', arity: 3, flags: ['readonly', 'fast'], group: 'sorted-set', since: '1.2.0', summary: 'The score of a member of a sorted set.', complexity: 'O(1)', acl: ZSET, run: zscoreCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('member')] },
  { name: 'ZMSCORE', arity: -3, flags: ['readonly', 'fast'], group: 'sorted-set', since: '6.2.0', summary: 'The scores of several members of a sorted set.', complexity: 'O(N) where N is the number of members being requested.', acl: ZSET, run: zmscoreCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('member').many] },
  { name: 'ZRANK', arity: 3, flags: ['readonly', 'fast'], group: 'sorted-set', since: '2.0.0', summary: 'The rank of a member, counted from the lowest score.', complexity: 'O(log(N))', acl: ZSET, run: (ctx) => zrankGeneric(ctx, false),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('member')] },
  { name: 'ZREVRANK', arity: 3, flags: ['readonly', 'fast'], group: 'sorted-set', since: '2.0.0', summary: 'The rank of a member, counted from the highest score.', complexity: 'O(log(N))', acl: ZSET, run: (ctx) => zrankGeneric(ctx, true),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('member')] },
  { name: 'ZCOUNT', arity: 4, flags: ['readonly', 'fast'], group: 'sorted-set', since: '2.0.0', summary: 'Count the members whose scores lie in a range.', complexity: 'O(log(N)) with N being the number of elements in the sorted set.', acl: ZSET, run: zcountCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), dbl('min'), dbl('max')] },
  { name: 'ZLEXCOUNT', arity: 4, flags: ['readonly', 'fast'], group: 'sorted-set', since: '2.8.9', summary: 'Count the members between two lexicographical bounds.', complexity: 'O(log(N)) with N being the number of elements in the sorted set.', acl: ZSET, run: zlexcountCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('min'), str('max')] },
  { name: 'ZRANGE', arity: -4, flags: ['readonly'], group: 'sorted-set', since: '1.2.0', summary: 'Members of a sorted set by rank, score or lexicographical range, in either order.', complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.', acl: ZSET, run: (ctx) => zrangeGeneric(ctx, 1, false, 'auto', 'auto'),
    keySpecs: [keyAt(1, 'RO access')],
    args: [key('key'), str('start'), str('stop'), oneof('sortby', tok('BYSCORE'), tok('BYLEX')).opt.since('6.2.0'), tok('REV').opt.since('6.2.0'),
      block('offset_count', integer('offset'), integer('count')).token('LIMIT').opt.since('6.2.0'), tok('WITHSCORES').opt],
    history: [['6.2.0', 'REV, BYSCORE, BYLEX and LIMIT options.']] },
  { name: 'ZRANGESTORE', arity: -5, flags: ['write', 'denyoom'], group: 'sorted-set', since: '6.2.0', summary: 'Store a ZRANGE selection in a destination key.', complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.', acl: ZSET, run: (ctx) => zrangeGeneric(ctx, 2, true, 'auto', 'auto'),
    keySpecs: [keyAt(1, 'OW update'), keyAt(2, 'RO access')],
    args: [key('dst'), key('src', 1), str('min'), str('max'), oneof('sortby', tok('BYSCORE'), tok('BYLEX')).opt, tok('REV').opt,
      block('offset_count', integer('offset'), integer('count')).token('LIMIT').opt] },
  { name: 'ZREVRANGE', arity: -4, flags: ['readonly'], group: 'sorted-set', since: '1.2.0', summary: 'Members by rank, highest score first.', complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.', acl: ZSET, run: (ctx) => zrangeGeneric(ctx, 1, false, 'rank', 'reverse'),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), integer('start'), integer('stop'), tok('WITHSCORES').opt],
    docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `REV` argument' },
  { name: 'ZRANGEBYSCORE', arity: -4, flags: ['readonly'], group: 'sorted-set', since: '1.0.5', summary: 'Members whose scores lie in a range.', complexity: RANGE_COMPLEXITY, acl: ZSET, run: (ctx) => zrangeGeneric(ctx, 1, false, 'score', 'forward'),
    keySpecs: [keyAt(1, 'RO access')],
    args: [key('key'), dbl('min'), dbl('max'), tok('WITHSCORES').opt.since('2.0.0'), block('offset_count', integer('offset'), integer('count')).token('LIMIT').opt],
    docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `BYSCORE` argument',
    history: [['2.0.0', 'WITHSCORES option.']] },
  { name: 'ZREVRANGEBYSCORE', arity: -4, flags: ['readonly'], group: 'sorted-set', since: '2.2.0', summary: 'Members whose scores lie in a range, highest score first.', complexity: RANGE_COMPLEXITY, acl: ZSET, run: (ctx) => zrangeGeneric(ctx, 1, false, 'score', 'reverse'),
    keySpecs: [keyAt(1, 'RO access')],
    args: [key('key'), dbl('max'), dbl('min'), tok('WITHSCORES').opt, block('offset_count', integer('offset'), integer('count')).token('LIMIT').opt],
    docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `REV` and `BYSCORE` arguments',
    history: [['2.1.6', 'min and max may be exclusive bounds.']] },
  { name: 'ZRANGEBYLEX', arity: -4, flags: ['readonly'], group: 'sorted-set', since: '2.8.9', summary: 'Members between two lexicographical bounds.', complexity: RANGE_COMPLEXITY, acl: ZSET, run: (ctx) => zrangeGeneric(ctx, 1, false, 'lex', 'forward'),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('min'), str('max'), block('offset_count', integer('offset'), integer('count')).token('LIMIT').opt],
    docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `BYLEX` argument' },
  { name: 'ZREVRANGEBYLEX', arity: -4, flags: ['readonly'], group: 'sorted-set', since: '2.8.9', summary: 'Members between two lexicographical bounds, in reverse order.', complexity: RANGE_COMPLEXITY, acl: ZSET, run: (ctx) => zrangeGeneric(ctx, 1, false, 'lex', 'reverse'),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('max'), str('min'), block('offset_count', integer('offset'), integer('count')).token('LIMIT').opt],
    docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `REV` and `BYLEX` arguments' },
  { name: 'ZREMRANGEBYRANK', arity: 4, flags: ['write'], group: 'sorted-set', since: '2.0.0', summary: 'Remove the members whose ranks lie in a range.', complexity: REMRANGE_COMPLEXITY, acl: ZSET, run: (ctx) => zremrangeGeneric(ctx, 'rank'),
    keySpecs: [keyAt(1, 'RW delete')], args: [key('key'), integer('start'), integer('stop')] },
  { name: 'ZREMRANGEBYSCORE', arity: 4, flags: ['write'], group: 'sorted-set', since: '1.2.0', summary: 'Remove the members whose scores lie in a range.', complexity: REMRANGE_COMPLEXITY, acl: ZSET, run: (ctx) => zremrangeGeneric(ctx, 'score'),
    keySpecs: [keyAt(1, 'RW delete')], args: [key('key'), dbl('min'), dbl('max')] },
  { name: 'ZREMRANGEBYLEX', arity: 4, flags: ['write'], group: 'sorted-set', since: '2.8.9', summary: 'Remove the members between two lexicographical bounds.', complexity: REMRANGE_COMPLEXITY, acl: ZSET, run: (ctx) => zremrangeGeneric(ctx, 'lex'),
    keySpecs: [keyAt(1, 'RW delete')], args: [key('key'), str('min'), str('max')] },
  { name: 'ZPOPMIN', arity: -2, flags: ['write', 'fast'], group: 'sorted-set', since: '5.0.0', summary: 'Remove the members with the lowest scores and return them.', complexity: POP_COMPLEXITY, acl: ZSET, run: (ctx) => zpopMinMax(ctx, 'min'),
    keySpecs: [keyAt(1, 'RW access delete')], args: [key('key'), integer('count').opt] },
  { name: 'ZPOPMAX', arity: -2, flags: ['write', 'fast'], group: 'sorted-set', since: '5.0.0', summary: 'Remove the members with the highest scores and return them.', complexity: POP_COMPLEXITY, acl: ZSET, run: (ctx) => zpopMinMax(ctx, 'max'),
    keySpecs: [keyAt(1, 'RW access delete')], args: [key('key'), integer('count').opt] },
  { name: 'ZMPOP', arity: -4, flags: ['write'], group: 'sorted-set', since: '7.0.0', summary: 'Pop members from the first non-empty sorted set of several.', complexity: MPOP_COMPLEXITY, acl: ZSET, run: (ctx) => zmpopGeneric(ctx, 1, false),
    keySpecs: [keyAt(1, 'RW access delete', keynum())], getKeys: countedKeys(0, 1, 2),
    args: [integer('numkeys'), key('key').many, oneof('where', tok('MIN'), tok('MAX')), integer('count', 'COUNT').opt] },
  { name: 'BZPOPMIN', arity: -3, flags: ['write', 'noscript', 'fast', 'blocking'], group: 'sorted-set', since: '5.0.0', summary: 'Pop the lowest-scored member of the first non-empty sorted set of several, waiting for one if all are empty.', complexity: 'O(log(N)) with N being the number of elements in the sorted set.', acl: ZSET, run: (ctx) => bzpopMinMax(ctx, 'min'),
    keySpecs: [keyAt(1, 'RW access delete', range(-2))], args: [key('key').many, dbl('timeout')],
    history: [['6.0.0', 'timeout may have a fraction of a second.']] },
  { name: 'BZPOPMAX', arity: -3, flags: ['write', 'noscript', 'fast', 'blocking'], group: 'sorted-set', since: '5.0.0', summary: 'Pop the highest-scored member of the first non-empty sorted set of several, waiting for one if all are empty.', complexity: 'O(log(N)) with N being the number of elements in the sorted set.', acl: ZSET, run: (ctx) => bzpopMinMax(ctx, 'max'),
    keySpecs: [keyAt(1, 'RW access delete', range(-2))], args: [key('key').many, dbl('timeout')],
    history: [['6.0.0', 'timeout may have a fraction of a second.']] },
  { name: 'BZMPOP', arity: -5, flags: ['write', 'blocking'], group: 'sorted-set', since: '7.0.0', summary: 'ZMPOP that waits for a member when every sorted set is empty.', complexity: MPOP_COMPLEXITY, acl: ZSET, run: (ctx) => zmpopGeneric(ctx, 2, true),
    keySpecs: [keyAt(2, 'RW access delete', keynum())], getKeys: countedKeys(0, 2, 3),
    args: [dbl('timeout'), integer('numkeys'), key('key').many, oneof('where', tok('MIN'), tok('MAX')), integer('count', 'COUNT').opt] },
  { name: 'ZRANDMEMBER', arity: -2, flags: ['readonly'], group: 'sorted-set', since: '6.2.0', summary: 'Members of a sorted set picked at random, optionally with their scores.', complexity: 'O(N) where N is the number of elements returned', acl: ZSET, tips: ['nondeterministic_output'], run: zrandmemberCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), block('options', integer('count'), tok('WITHSCORES').opt).opt] },
  { name: 'ZUNION', arity: -3, flags: ['readonly'], group: 'sorted-set', since: '6.2.0', summary: 'Members of any of the given sorted sets, with combined scores.', complexity: 'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.', acl: ZSET, run: (ctx) => zsetOperation(ctx, 'union', 1, false),
    keySpecs: [keyAt(1, 'RO access', keynum())], getKeys: countedKeys(0, 1, 2),
    args: [integer('numkeys'), key('key').many, integer('weight', 'WEIGHTS').opt.many,
      oneof('aggregate', tok('SUM'), tok('MIN'), tok('MAX')).token('AGGREGATE').opt, tok('WITHSCORES').opt] },
  { name: 'ZINTER', arity: -3, flags: ['readonly'], group: 'sorted-set', since: '6.2.0', summary: 'Members common to all the given sorted sets, with combined scores.', complexity: INTER_COMPLEXITY, acl: ZSET, run: (ctx) => zsetOperation(ctx, 'inter', 1, false),
    keySpecs: [keyAt(1, 'RO access', keynum())], getKeys: countedKeys(0, 1, 2),
    args: [integer('numkeys'), key('key').many, integer('weight', 'WEIGHTS').opt.many,
      oneof('aggregate', tok('SUM'), tok('MIN'), tok('MAX')).token('AGGREGATE').opt, tok('WITHSCORES').opt] },
  { name: 'ZDIFF', arity: -3, flags: ['readonly'], group: 'sorted-set', since: '6.2.0', summary: 'Members of the first sorted set that no other given set has.', complexity: DIFF_COMPLEXITY, acl: ZSET, run: (ctx) => zsetOperation(ctx, 'diff', 1, false),
    keySpecs: [keyAt(1, 'RO access', keynum())], getKeys: countedKeys(0, 1, 2), args: [integer('numkeys'), key('key').many, tok('WITHSCORES').opt] },
  { name: 'ZUNIONSTORE', arity: -4, flags: ['write', 'denyoom'], group: 'sorted-set', since: '2.0.0', summary: 'Store the union of sorted sets in a destination key.', complexity: 'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.', acl: ZSET, run: (ctx) => zsetOperation(ctx, 'union', 2, false),
    keySpecs: [keyAt(1, 'OW update'), keyAt(2, 'RO access', keynum())], getKeys: countedKeys(1, 2, 3),
    args: [key('destination'), integer('numkeys'), key('key', 1).many, integer('weight', 'WEIGHTS').opt.many,
      oneof('aggregate', tok('SUM'), tok('MIN'), tok('MAX')).token('AGGREGATE').opt] },
  { name: 'ZINTERSTORE', arity: -4, flags: ['write', 'denyoom'], group: 'sorted-set', since: '2.0.0', summary: 'Store the intersection of sorted sets in a destination key.', complexity: INTER_COMPLEXITY, acl: ZSET, run: (ctx) => zsetOperation(ctx, 'inter', 2, false),
    keySpecs: [keyAt(1, 'OW update'), keyAt(2, 'RO access', keynum())], getKeys: countedKeys(1, 2, 3),
    args: [key('destination'), integer('numkeys'), key('key', 1).many, integer('weight', 'WEIGHTS').opt.many,
      oneof('aggregate', tok('SUM'), tok('MIN'), tok('MAX')).token('AGGREGATE').opt] },
  { name: 'ZDIFFSTORE', arity: -4, flags: ['write', 'denyoom'], group: 'sorted-set', since: '6.2.0', summary: 'Store the difference of sorted sets in a destination key.', complexity: DIFF_COMPLEXITY, acl: ZSET, run: (ctx) => zsetOperation(ctx, 'diff', 2, false),
    keySpecs: [keyAt(1, 'OW update'), keyAt(2, 'RO access', keynum())], getKeys: countedKeys(1, 2, 3), args: [key('destination'), integer('numkeys'), key('key', 1).many] },
  { name: 'ZINTERCARD', arity: -3, flags: ['readonly'], group: 'sorted-set', since: '7.0.0', summary: 'How many members all the given sorted sets share.', complexity: 'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.', acl: ZSET, run: (ctx) => zsetOperation(ctx, 'inter', 1, true),
    keySpecs: [keyAt(1, 'RO access', keynum())], getKeys: countedKeys(0, 1, 2), args: [integer('numkeys'), key('key').many, integer('limit', 'LIMIT').opt] },
  { name: 'ZSCAN', arity: -3, flags: ['readonly'], group: 'sorted-set', since: '2.8.0', summary: 'Walk the members and scores of a sorted set a cursor step at a time.', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', acl: ZSET, tips: ['nondeterministic_output'], run: zscanCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), integer('cursor'), pattern('pattern', 'MATCH').opt, integer('count', 'COUNT').opt] },
];

type Where = 'min' | 'max';

const ERR_NAN = 'ERR resulting score is not a number (NaN)';
const ERR_SCORE_RANGE = 'ERR min or max is not a float';
const ERR_LEX_RANGE = 'ERR min or max not valid string range item';
/** LONG_MAX: ZRANDMEMBER refuses -2^63, whose absolute value a long cannot hold. */
const LONG_MAX = 9223372036854775807n;

// ---- lookups, arguments and replies ----

/** The sorted set at `key`, undefined if absent; WRONGTYPE for another type. `read` counts hits and misses. */
export function getZset(db: Db, key: string, read = true): ZsetValue | undefined {
  const e = read ? db.lookupRead(key) : db.lookup(key);
  return e === undefined ? undefined : zsetOf(e);
}

function zsetOf(e: Entry): ZsetValue {
  if (!(e.value instanceof ZsetValue)) fail(ERR_WRONGTYPE);
  return e.value as ZsetValue;
}

/** zset-max-listpack-entries and -value, read at each write so CONFIG SET takes effect at once. */
function limits(ctx: CommandContext): ZsetLimits {
  const config = ctx.server.config;
  return { maxEntries: config.getNumber('zset-max-listpack-entries'), maxValue: config.getNumber('zset-max-listpack-value') };
}

/**
 * strtod() as zslParseRange calls it: leading white space skipped, the number must run to the end of the C
 * string, and an empty string is 0. NaN (which strtod accepts) is refused by the caller. Null: not a number.
 */
function strtodWhole(text: string): number | null {
  const s = cText(text);
  if (s === '') return 0; // no conversion, and the end pointer sits on the terminating NUL
  const t = s.replace(/^[ \t\n\v\f\r]+/, '');
  if (/^[+-]?(inf|infinity|nan(\([0-9a-z_]*\))?)$/i.test(t)) {
    if (/nan/i.test(t)) return NaN;
    return t[0] === '-' ? -Infinity : Infinity;
  }
  const hex = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?[0-9]+))?$/i.exec(t);
  if (hex && (hex[2] !== '' || (hex[3] ?? '') !== '')) {
    const digits = hex[2] + (hex[3] ?? '');
    const scale = 4 * (hex[3] ?? '').length - Number(hex[4] ?? 0);
    const v = Number(BigInt(`0x${digits || '0'}`)) / 2 ** scale;
    return hex[1] === '-' ? -v : v;
  }
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(t)) return null;
  return Number(t);
}

/** zslParseRange(): "(" makes an end open; anything strtod cannot read whole, or NaN, is an error. */
function parseScoreRange(minText: string, maxText: string): ScoreRange | null {
  const end = (text: string): [number, boolean] | null => {
    const open = text[0] === '(';
    const v = strtodWhole(open ? text.slice(1) : text);
    return v === null || Number.isNaN(v) ? null : [v, open];
  };
  const min = end(minText), max = end(maxText);
  if (min === null || max === null) return null;
  return { min: min[0], minex: min[1], max: max[0], maxex: max[1] };
}

/** zslParseLexRangeItem(): "-" and "+" alone, or a member after "(" (open) or "[" (closed). */
function lexBound(text: string): LexBound | null {
  const c = text[0];
  if (c === '+' || c === '-') {
    if (text.length > 1 && text[1] !== '\0') return null;
    return { kind: c === '+' ? 'max' : 'min' };
  }
  if (c === '(' || c === '[') return { kind: 'value', value: text.slice(1), ex: c === '(' };
  return null;
}

function parseLexRange(minText: string, maxText: string): LexRange | null {
  const min = lexBound(minText), max = lexBound(maxText);
  return min === null || max === null ? null : { min, max };
}

/** Redis counts one change per element; the keyspace counted one for the key already. */
function countChanges(ctx: CommandContext, n: number): void {
  if (n > 1) ctx.server.keyspace.dirty += n - 1;
}

/** After removals: an emptied set is deleted, otherwise the in-place write is counted. */
function afterRemoval(db: Db, key: string, z: ZsetValue): void {
  if (z.size === 0) db.delete(key);
  else db.signalModified(key);
}

/** A sorted set event (the `z` class) on `key` of `db`, then `del` if the removal emptied it. */
function notifyZset(ctx: CommandContext, db: Db, event: string, key: string, emptied = false): void {
  notifyKeyspaceEvent(ctx.server, NOTIFY_ZSET, event, key, db.id);
  if (emptied) notifyKeyspaceEvent(ctx.server, NOTIFY_GENERIC, 'del', key, db.id);
}

/**
 * A *STORE command's result (zrangeResultFinalizeStore, zunionInterDiffGenericCommand): `dst` replaced by the set,
 * or deleted when the result is empty; Redis answers with the count before it notifies `event` or `del`.
 */
function storeResult(ctx: CommandContext, dst: string, z: ZsetValue | null, event: string): Reply {
  const db = ctx.db;
  if (z === null) {
    replyWritten(ctx.server);
    if (db.delete(dst)) notifyKeyspaceEvent(ctx.server, NOTIFY_GENERIC, 'del', dst, db.id);
    return ZERO;
  }
  db.set(dst, z);
  replyWritten(ctx.server);
  notifyZset(ctx, db, event, dst);
  return int(z.size);
}

/**
 * Members, with their scores when asked: a flat array in RESP2, and in RESP3 an array of [member, score] pairs
 * (an array, not a map, so that clients keep the order).
 */
function membersReply(nodes: readonly (readonly [string, number])[], withScores: boolean, proto: number): Reply {
  const out: Reply[] = [];
  for (const [member, score] of nodes) {
    if (!withScores) out.push(bulk(member));
    else if (proto === 3) out.push(array([bulk(member), double(score)]));
    else out.push(bulk(member), double(score));
  }
  return array(out);
}

const pairOf = (n: ZNode): [string, number] => [n.member, n.score];

// ---- adding and removing ----

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] / ZINCRBY key increment member
function zaddGeneric(ctx: CommandContext, incrCommand: boolean): Reply {
  const argv = ctx.argv, key = argv[1];
  const opts: AddOptions = { incr: incrCommand };
  let ch = false, i = 2;
  for (; i < argv.length; i++) {
    const opt = keyword(argv[i]);
    if (opt === 'NX') opts.nx = true;
    else if (opt === 'XX') opts.xx = true;
    else if (opt === 'CH') ch = true;
    else if (opt === 'INCR') opts.incr = true;
    else if (opt === 'GT') opts.gt = true;
    else if (opt === 'LT') opts.lt = true;
    else break;
  }
  const elements = argv.length - i;
  if (elements % 2 !== 0 || elements === 0) fail(ERR_SYNTAX);
  if (opts.nx && opts.xx) fail('ERR XX and NX options at the same time are not compatible');
  if ((opts.gt && opts.nx) || (opts.lt && opts.nx) || (opts.gt && opts.lt)) {
    fail('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (opts.incr && elements > 2) fail('ERR INCR option supports a single increment-element pair');
  // every score is checked before anything changes: the command applies whole or not at all
  const scores: number[] = [];
  for (let j = i; j < argv.length; j += 2) scores.push(doubleArg(argv[j]));

  const db = ctx.db;
  let z = getZset(db, key, false);
  const fresh = z === undefined;
  if (z === undefined) {
    if (opts.xx) return opts.incr ? NIL : ZERO;
    z = new ZsetValue();
  } else {
    db.beforeInPlaceChange(key);
  }
  const lim = limits(ctx);
  let added = 0, updated = 0, processed = 0, score = 0;
  let failed = false;
  for (let j = 0; j < scores.length; j++) {
    const r = z.add(argv[i + 1 + 2 * j], scores[j], opts, lim);
    if (r.kind === 'nan') {
      failed = true;
      break;
    }
    if (r.kind === 'added') added++;
    else if (r.kind === 'updated') updated++;
    if (r.kind !== 'nop') processed++;
    score = r.score;
  }
  if (added + updated > 0) {
    if (fresh) db.set(key, z);
    else db.signalModified(key);
    countChanges(ctx, added + updated);
    replyWritten(ctx.server); // Redis notifies last, after the reply (or the NaN error)
    notifyZset(ctx, db, opts.incr ? 'zincr' : 'zadd', key);
  }
  if (failed) fail(ERR_NAN);
  if (opts.incr) return processed ? double(score) : NIL;
  return int(ch ? added + updated : added);
}

// ZREM key member [member ...]
function zremCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey(), members = args.rest();
  const db = ctx.db;
  const z = getZset(db, key, false);
  if (z === undefined || !members.some((m) => z.has(m))) return ZERO;
  db.beforeInPlaceChange(key);
  let deleted = 0;
  for (const m of members) {
    if (z.delete(m)) deleted++;
    if (z.size === 0) break;
  }
  afterRemoval(db, key, z);
  notifyZset(ctx, db, 'zrem', key, z.size === 0);
  countChanges(ctx, deleted);
  return int(deleted);
}

// ZREMRANGEBYRANK key start stop / ZREMRANGEBYSCORE key min max / ZREMRANGEBYLEX key min max
function zremrangeGeneric(ctx: CommandContext, by: 'rank' | 'score' | 'lex'): Reply {
  const [, key, a, b] = ctx.argv;
  let remove: (z: ZsetValue) => number;
  if (by === 'rank') {
    const start = longArg(a), end = longArg(b);
    remove = (z) => {
      const range = clampRange(z.size, start, end);
      return range ? z.deleteRangeByRank(range[0], range[1]) : 0;
    };
  } else if (by === 'score') {
    const range = parseScoreRange(a, b) ?? fail(ERR_SCORE_RANGE);
    remove = (z) => z.deleteRangeByScore(range);
  } else {
    const range = parseLexRange(a, b) ?? fail(ERR_LEX_RANGE);
    remove = (z) => z.deleteRangeByLex(range);
  }
  const db = ctx.db;
  const z = getZset(db, key, false);
  if (z === undefined) return ZERO;
  db.beforeInPlaceChange(key);
  const deleted = remove(z);
  if (deleted) {
    afterRemoval(db, key, z);
    notifyZset(ctx, db, `zremrangeby${by}`, key, z.size === 0);
    countChanges(ctx, deleted);
  }
  return int(deleted);
}

// ---- reading ----

// ZCARD key
function zcardCommand({ db }: CommandContext, args: ArgCursor): Reply {
  return int(getZset(db, args.nextKey())?.size ?? 0);
}

// ZSCORE key member
function zscoreCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const z = getZset(db, args.nextKey());
  const score = z?.score(args.next());
  return score === undefined ? NIL : double(score);
}

// ZMSCORE key member [member ...]
function zmscoreCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const z = getZset(db, args.nextKey()); // a missing key is an empty set: all nils
  return array(args.rest().map((m) => {
    const score = z?.score(m);
    return score === undefined ? NIL : double(score);
  }));
}

// ZRANK key member / ZREVRANK key member
function zrankGeneric({ db, argv }: CommandContext, reverse: boolean): Reply {
  const z = getZset(db, argv[1]);
  if (z === undefined) return NIL;
  const rank = z.rank(argv[2], reverse);
  return rank < 0 ? NIL : int(rank);
}

// ZCOUNT key min max
function zcountCommand({ db, argv }: CommandContext): Reply {
  const range = parseScoreRange(argv[2], argv[3]) ?? fail(ERR_SCORE_RANGE);
  const z = getZset(db, argv[1]);
  return int(z?.countInRange(range) ?? 0);
}

// ZLEXCOUNT key min max
function zlexcountCommand({ db, argv }: CommandContext): Reply {
  const range = parseLexRange(argv[2], argv[3]) ?? fail(ERR_LEX_RANGE);
  const z = getZset(db, argv[1]);
  return int(z?.countInLexRange(range) ?? 0);
}

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'forward' | 'reverse';

/**
 * zrangeGenericCommand(): ZRANGE and ZRANGESTORE with every option, and the older fixed-form commands (their
 * range type and direction given, so BYSCORE, REV & co. are syntax errors there). `start` is the source key's
 * index in argv.
 */
// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
// ZREVRANGE key start stop [WITHSCORES]
// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count] / ZREVRANGEBYSCORE key max min …
// ZRANGEBYLEX key min max [LIMIT offset count] / ZREVRANGEBYLEX key max min [LIMIT offset count]
function zrangeGeneric(ctx: CommandContext, start: number, store: boolean, type: RangeType, direction: Direction): Reply {
  const argv = ctx.argv;
  const key = argv[start];
  let minIdx = start + 1, maxIdx = start + 2;
  let withScores = false, offset = 0, limit = -1;
  for (let j = start + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = keyword(argv[j]);
    if (!store && opt === 'WITHSCORES') {
      withScores = true;
    } else if (opt === 'LIMIT' && left >= 2) {
      offset = longArg(argv[j + 1]);
      limit = longArg(argv[j + 2]);
      j += 2;
    } else if (direction === 'auto' && opt === 'REV') {
      direction = 'reverse';
    } else if (type === 'auto' && opt === 'BYLEX') {
      type = 'lex';
    } else if (type === 'auto' && opt === 'BYSCORE') {
      type = 'score';
    } else {
      fail(ERR_SYNTAX);
    }
  }
  if (direction === 'auto') direction = 'forward';
  if (type === 'auto') type = 'rank';
  if (limit !== -1 && type === 'rank') fail('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  if (withScores && type === 'lex') fail('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  const reverse = direction === 'reverse';
  if (reverse && type !== 'rank') [minIdx, maxIdx] = [maxIdx, minIdx]; // given as max, min

  let collect: (z: ZsetValue) => [string, number][];
  if (type === 'rank') {
    const first = longArg(argv[minIdx]), last = longArg(argv[maxIdx]);
    collect = (z) => rangeByRank(z, first, last, reverse);
  } else if (type === 'score') {
    const range = parseScoreRange(argv[minIdx], argv[maxIdx]) ?? fail(ERR_SCORE_RANGE);
    collect = (z) => walkRange(z, reverse ? z.lastInRange(range) : z.firstInRange(range), reverse, offset, limit, (n) => (reverse ? scoreGteMin(n.score, range) : scoreLteMax(n.score, range)));
  } else {
    const range = parseLexRange(argv[minIdx], argv[maxIdx]) ?? fail(ERR_LEX_RANGE);
    collect = (z) => walkRange(z, reverse ? z.lastInLexRange(range) : z.firstInLexRange(range), reverse, offset, limit, (n) => (reverse ? lexGteMin(n.member, range) : lexLteMax(n.member, range)));
  }

  const z = getZset(ctx.db, key);
  const found = z === undefined ? [] : collect(z);
  if (store) return storeRange(ctx, argv[1], found);
  return membersReply(found, withScores, ctx.client.proto);
}

/** genericZrangebyrankCommand(): ranks made absolute and clamped, then a walk from the first. */
function rangeByRank(z: ZsetValue, first: number, last: number, reverse: boolean): [string, number][] {
  const range = clampRange(z.size, first, last);
  if (range === null) return [];
  const out: [string, number][] = [];
  const [from, to] = range;
  let n = reverse ? z.at(z.size - 1 - from) : z.at(from);
  for (let i = from; i <= to && n !== null; i++, n = reverse ? n.backward : n.forward) out.push(pairOf(n));
  return out;
}

/**
 * The by-score and by-lex walk: from the first node in range, skip `offset` nodes (a negative offset walks off
 * the end, as Redis's loop does), then take up to `limit` (negative: no limit) while `inRange` holds.
 */
function walkRange(z: ZsetValue, n: ZNode | null, reverse: boolean, offset: number, limit: number, inRange: (n: ZNode) => boolean): [string, number][] {
  if (offset > 0 && offset >= z.size) return [];
  if (n !== null && offset !== 0) {
    if (offset < 0) return [];
    const r = z.rankOf(n) + (reverse ? -offset : offset);
    n = z.at(r);
  }
  const out: [string, number][] = [];
  for (; n !== null && limit !== 0 && inRange(n); n = reverse ? n.backward : n.forward, limit--) out.push(pairOf(n));
  return out;
}

/** zrangeResultFinalizeStore(): the range becomes `dst` (replacing it, TTL and all), or deletes it when empty. */
function storeRange(ctx: CommandContext, dst: string, found: [string, number][]): Reply {
  if (found.length === 0) return storeResult(ctx, dst, null, 'zrangestore');
  const z = new ZsetValue(), lim = limits(ctx);
  for (const [member, score] of found) z.add(member, score, {}, lim);
  return storeResult(ctx, dst, z, 'zrangestore');
}

// ---- pops ----

interface PopOptions {
  /** The reply starts with the key (the blocking pops and ZMPOP). */
  withKey: boolean;
  /** Pairs nested as [member, score] (RESP3 with a count; ZMPOP always). */
  nested: boolean;
}

/**
 * genericZpopCommand() once the key is chosen: pop up to `count` members (-1: a single pop) from one end of
 * the set at `key`, delete it when emptied, and shape the reply. Returns the reply and how many were popped.
 */
function popFrom(ctx: CommandContext, db: Db, key: string, z: ZsetValue, where: Where, count: number, opts: PopOptions): [Reply, number] {
  const n = Math.min(count === -1 ? 1 : count, z.size);
  db.beforeInPlaceChange(key);
  const items: Reply[] = [];
  for (let i = 0; i < n; i++) {
    const node = (where === 'max' ? z.last() : z.first())!;
    z.delete(node.member);
    if (opts.nested) items.push(array([bulk(node.member), double(node.score)]));
    else items.push(bulk(node.member), double(node.score));
  }
  // Redis notifies in the middle of its reply (after the first element's header); here it comes after
  replyWritten(ctx.server);
  afterRemoval(db, key, z);
  notifyZset(ctx, db, where === 'max' ? 'zpopmax' : 'zpopmin', key, z.size === 0);
  if (!opts.withKey) return [array(items), n];
  return [opts.nested ? array([bulk(key), array(items)]) : array([bulk(key), ...items]), n];
}

const popName = (where: Where) => (where === 'max' ? 'ZPOPMAX' : 'ZPOPMIN');

// ZPOPMIN key [count] / ZPOPMAX key [count]
function zpopMinMax(ctx: CommandContext, where: Where): Reply {
  const argv = ctx.argv;
  if (argv.length > 3) fail(ERR_SYNTAX);
  let count = -1;
  if (argv.length === 3) count = longArg(argv[2], 0, ERR_NOT_POSITIVE);
  const z = getZset(ctx.db, argv[1], false);
  if (z === undefined || count === 0) return EMPTY_ARRAY;
  const [reply, n] = popFrom(ctx, ctx.db, argv[1], z, where, count, { withKey: false, nested: ctx.client.proto === 3 && count !== -1 });
  countChanges(ctx, n);
  return reply;
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
function zmpopGeneric(ctx: CommandContext, numkeysIdx: number, blocking: boolean): Reply | Deferred {
  const argv = ctx.argv;
  const numkeys = longArg(argv[numkeysIdx], 1, ERR_NUMKEYS);
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) fail(ERR_SYNTAX);
  const w = keyword(argv[whereIdx]);
  if (w !== 'MIN' && w !== 'MAX') fail(ERR_SYNTAX);
  const where: Where = w === 'MIN' ? 'min' : 'max';
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && keyword(argv[j]) === 'COUNT' && j < argv.length - 1) {
      count = longArg(argv[++j], 1, ERR_COUNT_NOT_POSITIVE);
    } else {
      fail(ERR_SYNTAX);
    }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, whereIdx);
  if (blocking) return blockingPop(ctx, keys, where, argv[1], count, true);
  for (const key of keys) {
    const z = getZset(ctx.db, key, false);
    if (z === undefined) continue;
    const [reply, n] = popFrom(ctx, ctx.db, key, z, where, count, { withKey: true, nested: true });
    countChanges(ctx, n);
    ctx.rewrite = [popName(where), key, String(n)];
    return reply;
  }
  return NIL_ARRAY;
}

// BZPOPMIN key [key ...] timeout / BZPOPMAX key [key ...] timeout
function bzpopMinMax(ctx: CommandContext, where: Where): Reply | Deferred {
  const argv = ctx.argv;
  return blockingPop(ctx, argv.slice(1, -1), where, argv[argv.length - 1], -1, false);
}

/**
 * blockingGenericZpopCommand(): pop from the first non-empty set at once (propagated as ZPOPMIN/ZPOPMAX), else
 * park the client on every key. `count` is -1 for BZPOPMIN/BZPOPMAX ([key, member, score]) or BZMPOP's count
 * ([key, [[member, score], …]]).
 */
function blockingPop(ctx: CommandContext, keys: readonly string[], where: Where, timeoutText: string, count: number, mpop: boolean): Reply | Deferred {
  const deadline = blockTimeoutArg(ctx.server, timeoutText);
  const { db } = ctx;
  for (const key of keys) {
    const z = getZset(db, key, false);
    if (z === undefined) continue;
    const [reply, n] = popFrom(ctx, db, key, z, where, count, { withKey: true, nested: mpop });
    countChanges(ctx, n);
    ctx.rewrite = count === -1 ? [popName(where), key] : [popName(where), key, String(n)];
    return reply;
  }
  if (!mayBlock(ctx.client)) return NIL_ARRAY;
  const waiter: KeyWaiter = {
    client: ctx.client, db, keys: [...new Set(keys)], type: 'zset', deadline, timeoutReply: NIL_ARRAY,
    serve: (key) => servePop(ctx, db, key, where, count, mpop),
  };
  blockForKeys(ctx.server, waiter);
  return BLOCKED;
}

/** serveClientsBlockedOnSortedSetKey(): the pop a parked client gets, propagated as ZPOPMIN/ZPOPMAX. */
function servePop(ctx: CommandContext, db: Db, key: string, where: Where, count: number, mpop: boolean): Reply {
  const z = db.peek(key)!.value as ZsetValue;
  const [reply, n] = popFrom(ctx, db, key, z, where, count, { withKey: true, nested: mpop });
  countChanges(ctx, n);
  const argv = [popName(where), key];
  if (count !== -1) argv.push(String(n));
  ctx.server.propagation.also(db.id, argv);
  return reply;
}


// ---- random members ----

// ZRANDMEMBER key [count [WITHSCORES]]
function zrandmemberCommand(ctx: CommandContext): Reply {
  const argv = ctx.argv;
  if (argv.length >= 3) {
    const v = parseInteger(argv[2]);
    if (v === null) fail(ERR_NOT_INTEGER);
    const n = BigInt(v!);
    if (n < -LONG_MAX) fail(ERR_RANDOM_COUNT_RANGE);
    if (argv.length > 4 || (argv.length === 4 && keyword(argv[3]) !== 'WITHSCORES')) fail(ERR_SYNTAX);
    const withScores = argv.length === 4;
    if (withScores && (n < -LONG_MAX / 2n || n > LONG_MAX / 2n)) fail(ERR_OUT_OF_RANGE);
    return zrandmemberWithCount(ctx, Number(n), withScores);
  }
  const z = getZset(ctx.db, argv[1]);
  return z === undefined ? NIL : bulk(z.random().member);
}

/**
 * zrandmemberWithCountCommand(): a negative count may repeat members, each drawn on its own; a positive one gives
 * distinct members: the whole set (highest score first, the order Redis reads it in) when it asks for as many or
 * more, else a random subset (a listpack's in set order, as lpRandomPairsUnique picks them).
 */
function zrandmemberWithCount(ctx: CommandContext, count: number, withScores: boolean): Reply {
  const z = getZset(ctx.db, ctx.argv[1]);
  if (z === undefined || count === 0) return EMPTY_ARRAY;
  const proto = ctx.client.proto;
  const picked: [string, number][] = [];
  if (count < 0 || count === 1) {
    for (let i = Math.abs(count); i > 0; i--) picked.push(pairOf(z.random()));
  } else if (count >= z.size) {
    for (const e of z.entriesDescending()) picked.push(e);
  } else if (z.isListpack && count * 3 <= z.size) {
    let left = count, index = 0;
    for (const e of z.entries()) {
      if (Math.random() * (z.size - index++) < left) {
        picked.push(e);
        if (--left === 0) break;
      }
    }
  } else {
    for (const n of z.randomDistinct(count)) picked.push(pairOf(n));
  }
  return membersReply(picked, withScores, proto);
}

// ---- set operations ----

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** One input of ZUNION & co.: a sorted set, or a plain set whose members all score 1. */
interface Source {
  value: ZsetValue | SetValue | undefined;
  weight: number;
}

const sizeOf = (s: Source) => s.value?.size ?? 0;

function scoreIn(s: Source, member: string): number | undefined {
  const v = s.value;
  if (v === undefined) return undefined;
  if (v instanceof ZsetValue) return v.score(member);
  return v.has(member) ? 1 : undefined;
}

/** The elements of an input with their scores, highest first for a sorted set (as Redis iterates them). */
function* elementsOf(s: Source): Generator<[string, number]> {
  const v = s.value;
  if (v === undefined) return;
  if (v instanceof ZsetValue) yield* v.entriesDescending();
  else for (const m of v.members()) yield [m, 1];
}

/** zunionInterAggregate(): a sum of +inf and -inf is 0, not NaN. */
function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === 'sum') {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === 'min') return value < target ? value : target;
  return value > target ? value : target;
}

/**
 * zunionInterDiffGenericCommand(): ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD. The inputs are looked
 * up (sets count, with score 1) before the options are read, so a wrong type wins over a syntax error.
 */
// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
// ZINTER … / ZDIFF numkeys key [key ...] [WITHSCORES] / ZINTERCARD numkeys key [key ...] [LIMIT limit]
// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] / ZINTERSTORE … / ZDIFFSTORE …
function zsetOperation(ctx: CommandContext, op: SetOp, numkeysIdx: number, cardinalityOnly: boolean): Reply {
  const argv = ctx.argv, db = ctx.db;
  const dst = numkeysIdx === 2 ? argv[1] : null;
  const setnum = longArg(argv[numkeysIdx]);
  if (setnum < 1) fail(`ERR at least 1 input key is needed for '${ctx.command.fullname}' command`);
  if (setnum > argv.length - (numkeysIdx + 1)) fail(ERR_SYNTAX);
  const sources: Source[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const e = db.lookupRead(argv[j]);
    if (e !== undefined && !(e.value instanceof ZsetValue) && !(e.value instanceof SetValue)) fail(ERR_WRONGTYPE);
    sources.push({ value: e?.value as ZsetValue | SetValue | undefined, weight: 1 });
  }
  let how: Aggregate = 'sum', withScores = false, limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const opt = keyword(argv[j]);
    if (op !== 'diff' && !cardinalityOnly && remaining >= setnum + 1 && opt === 'WEIGHTS') {
      j++;
      for (const s of sources) s.weight = doubleArg(argv[j++], 'ERR weight value is not a float');
    } else if (op !== 'diff' && !cardinalityOnly && remaining >= 2 && opt === 'AGGREGATE') {
      const a = keyword(argv[j + 1]);
      if (a !== 'SUM' && a !== 'MIN' && a !== 'MAX') fail(ERR_SYNTAX);
      how = a.toLowerCase() as Aggregate;
      j += 2;
    } else if (dst === null && !cardinalityOnly && opt === 'WITHSCORES') {
      withScores = true;
      j++;
    } else if (cardinalityOnly && remaining >= 2 && opt === 'LIMIT') {
      limit = longArg(argv[j + 1], 0, ERR_LIMIT_NEGATIVE);
      j += 2;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  // smallest first (a stable sort, as glibc's qsort is here): the order scores are aggregated in
  if (op !== 'diff') sources.sort((a, b) => sizeOf(a) - sizeOf(b));

  if (cardinalityOnly) return int(interCardinality(sources, limit));
  const result = new Map<string, number>();
  if (op === 'inter') intersect(sources, how, result);
  else if (op === 'union') unite(sources, how, result);
  else subtract(sources, result);

  const built = ZsetValue.build(result)!;
  if (dst === null) return membersReply([...built.entries()], withScores, ctx.client.proto);
  const event = op === 'union' ? 'zunionstore' : op === 'inter' ? 'zinterstore' : 'zdiffstore';
  if (built.size === 0) return storeResult(ctx, dst, null, event);
  built.compactIfSmall(limits(ctx));
  return storeResult(ctx, dst, built, event);
}

/** Every member of the smallest input that is in all the others, its scores weighted and aggregated. */
function intersect(sources: Source[], how: Aggregate, out: Map<string, number>): void {
  if (sizeOf(sources[0]) === 0) return;
  const [first, ...rest] = sources;
  next: for (const [member, s] of elementsOf(first)) {
    let score = first.weight * s;
    if (Number.isNaN(score)) score = 0;
    for (const other of rest) {
      // the same key given twice is read from the element at hand, as Redis does
      const found = other.value === first.value ? s : scoreIn(other, member);
      if (found === undefined) continue next;
      score = aggregate(score, found * other.weight, how);
    }
    out.set(member, score);
  }
}

function interCardinality(sources: Source[], limit: number): number {
  if (sizeOf(sources[0]) === 0) return 0;
  const [first, ...rest] = sources;
  let n = 0;
  for (const [member] of elementsOf(first)) {
    if (rest.every((o) => o.value === first.value || scoreIn(o, member) !== undefined) && ++n === limit) break;
  }
  return n;
}

function unite(sources: Source[], how: Aggregate, out: Map<string, number>): void {
  for (const src of sources) {
    for (const [member, s] of elementsOf(src)) {
      let score = src.weight * s;
      if (Number.isNaN(score)) score = 0;
      const seen = out.get(member);
      out.set(member, seen === undefined ? score : aggregate(seen, score, how));
    }
  }
}

/** The first input's members found in none of the others, with their own scores. */
function subtract(sources: Source[], out: Map<string, number>): void {
  const [first, ...rest] = sources;
  if (sizeOf(first) === 0 || rest.some((o) => o.value === first.value)) return;
  for (const [member, s] of elementsOf(first)) {
    if (rest.every((o) => scoreIn(o, member) === undefined)) out.set(member, s);
  }
}

// ---- ZSCAN ----

// ZSCAN key cursor [MATCH pattern] [COUNT count]
function zscanCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const cursor = parseScanCursor(args.next());
  const z = getZset(db, key);
  if (z === undefined) return EMPTY_SCAN;
  return scanCollection(args, cursor, (from, count, visit) => {
    if (!z.isListpack) return z.scan(from, count, (m, score) => visit(m, formatDouble(score)));
    for (const [m, score] of z.entries()) visit(m, formatDouble(score)); // a listpack is returned whole, cursor 0
    return 0;
  });
}
