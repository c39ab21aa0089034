/**
 * SORT and SORT_RO (sort.c): the elements of a list, set or sorted set, sorted as numbers or (ALPHA) as bytes,
 * by themselves or by other keys' values (BY pattern, `*->field` for a hash field), cut by LIMIT, mapped through
 * GET patterns, and returned or STOREd as a list. Comparisons are the C locale's, as Redis runs by default.
 */
import { ERR_SYNTAX, ERR_WRONGTYPE, fail } from '../protocol/errors';
import { array, bulk, int, NIL, type Reply } from '../protocol/reply';
import type { HashValue } from '../store/hash';
import type { Db } from '../store/keyspace';
import { List } from '../store/list';
import { pqsort } from '../store/pqsort';
import { isScriptClient } from '../scripting/engine';
import { SetValue } from '../store/set';
import { ZsetValue, type ZNode } from '../store/zset';
import { cText, longArg, type ArgCursor } from './args';
import { Arg, block, integer, key, oneof, tok } from './docs';
import { keyAt, sortKeys, sortRoKeys, UNKNOWN } from './keyspecs';
import type { CommandContext, CommandSpec } from './types';
import { notifyKeyspaceEvent, NOTIFY_GENERIC, NOTIFY_LIST } from '../server/notify';
import { hasUnrestrictedKeyAccess } from '../server/acl';

const SORT_ACL = ['@set', '@sortedset', '@list', '@dangerous'] as const;
const COMPLEXITY = 'O(N+M*log(M)) where N is the number of elements to sort and M the number returned; O(N) when nothing is sorted.';
// Key spec notes, which COMMAND INFO shows as Redis words them.
const BY_GET_NOTE = "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort";
const STORE_NOTE = "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array";
const SORTED_KEY = keyAt(1, 'RO access');
const PATTERN_KEYS = keyAt(UNKNOWN, 'RO access', UNKNOWN, BY_GET_NOTE);
/** A BY or GET pattern names keys, found by the key spec for patterns. */
const patternArg = (token: string) => new Arg({ name: 'pattern', type: 'pattern', token, keySpecIndex: 1 });
const READ_ARGS = [
  key('key'), patternArg('BY').opt, block('offset_count', integer('offset'), integer('count')).token('LIMIT').opt,
  patternArg('GET').opt.manyTokens, oneof('order', tok('ASC'), tok('DESC')).opt, tok('ALPHA', 'sorting').opt,
];

export const sortCommands: readonly CommandSpec[] = [
  { name: 'SORT', arity: -2, flags: ['write', 'denyoom'], group: 'generic', since: '1.0.0', summary: 'Sort the elements of a list, set or sorted set, optionally storing the result.', complexity: COMPLEXITY, acl: SORT_ACL, run: (ctx, args) => sortGeneric(ctx, args, false),
    keySpecs: [SORTED_KEY, PATTERN_KEYS, keyAt(UNKNOWN, 'OW update', UNKNOWN, STORE_NOTE)], getKeys: sortKeys,
    args: [...READ_ARGS, key('destination', 2).token('STORE').opt] },
  { name: 'SORT_RO', arity: -2, flags: ['readonly'], group: 'generic', since: '7.0.0', summary: 'Sort the elements of a list, set or sorted set (the read-only form of SORT).', complexity: COMPLEXITY, acl: SORT_ACL, run: (ctx, args) => sortGeneric(ctx, args, true),
    keySpecs: [SORTED_KEY, PATTERN_KEYS], getKeys: sortRoKeys, args: READ_ARGS },
];

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  /** The BY pattern, or null to sort the elements by themselves. */
  by: string | null;
  /** A BY pattern without '*' (BY nosort): keep the value's own order. */
  dontSort: boolean;
  gets: string[];
  store: string | null;
}

/** The options after the key, read as sortCommandGeneric does: the last of a repeated option wins. */
function parseOptions(argv: readonly string[], readonly: boolean, fullKeyAccess: () => boolean): SortOptions {
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, by: null, dontSort: false, gets: [], store: null };
  for (let j = 2; j < argv.length; j++) {
    const opt = cText(argv[j]).toLowerCase();
    const left = argv.length - j - 1;
    if (opt === 'asc') o.desc = false;
    else if (opt === 'desc') o.desc = true;
    else if (opt === 'alpha') o.alpha = true;
    else if (opt === 'limit' && left >= 2) {
      o.limitStart = longArg(argv[++j]);
      o.limitCount = longArg(argv[++j]);
    } else if (opt === 'store' && left >= 1 && !readonly) {
      o.store = argv[++j];
    } else if (opt === 'by' && left >= 1) {
      o.by = argv[++j];
      // a constant pattern has no key to look up per element; once seen, a later BY does not turn sorting back on
      if (!cText(o.by).includes('*')) o.dontSort = true;
      // a real pattern reads keys no key spec names, so only a user who may read every key may use it
      else if (!fullKeyAccess()) fail('ERR BY option of SORT denied due to insufficient ACL permissions.');
    } else if (opt === 'get' && left >= 1) {
      if (!fullKeyAccess()) fail('ERR GET option of SORT denied due to insufficient ACL permissions.'); // even GET #
      o.gets.push(argv[++j]);
    } else {
      fail(ERR_SYNTAX);
    }
  }
  return o;
}

/**
 * lookupKeyByPattern(): `#` is the element itself; otherwise the first '*' is replaced by the element and the
 * result names a string key, or with `->field` after the '*' a hash key and its field. Null when the pattern
 * has no '*', the key is missing or holds another type, or the field is missing.
 */
function lookupByPattern(db: Db, pattern: string, element: string): string | null {
  if (pattern[0] === '#' && (pattern.length === 1 || pattern[1] === '\0')) return element;
  const c = cText(pattern);
  const star = c.indexOf('*');
  if (star < 0) return null;
  const arrow = c.indexOf('->', star + 1);
  const hasField = arrow >= 0 && arrow + 2 < c.length; // a bare trailing "->" is part of the key name
  const key = pattern.slice(0, star) + element + (hasField ? pattern.slice(star + 1, arrow) : pattern.slice(star + 1));
  const e = db.lookupRead(key);
  if (e === undefined) return null;
  if (hasField) {
    if (typeof e.value === 'string' || e.value.type !== 'hash') return null;
    return (e.value as HashValue).get(pattern.slice(arrow + 2)) ?? null;
  }
  return typeof e.value === 'string' ? e.value : null;
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const DECIMAL = /^[+-]?(?:(\d+)\.?(\d*)|\.(\d+))(?:e[+-]?\d+)?$/i;
const HEX = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * The score SORT gives a value: strtod() over the C string, which must take all of it (leading white space is
 * fine, an empty string is 0). Null where Redis says the score can't be converted: trailing bytes, NaN, or a
 * result out of range (strtod's ERANGE: overflow, or an underflow to zero or to an inexact subnormal).
 */
export function sortScore(text: string): number | null {
  const s = cText(text);
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const t = s.slice(i);
  if (t === '') return i === 0 ? 0 : null; // nothing converted: only "" ends right where strtod stopped
  const inf = INFINITY.exec(t);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  const dec = DECIMAL.exec(t);
  if (dec) {
    const v = Number(t);
    if (!Number.isFinite(v)) return null;
    if (v === 0) return /[1-9]/.test((dec[1] ?? '') + (dec[2] ?? '') + (dec[3] ?? '')) ? null : v;
    return Math.abs(v) < MIN_NORMAL ? null : v; // a decimal subnormal is never exact
  }
  const hex = HEX.exec(t);
  if (hex && (hex[2] || hex[3])) {
    const frac = hex[3] ?? '';
    const v = scaled(BigInt(`0x${hex[2]}${frac}`), Number(hex[4] ?? 0) - 4 * frac.length);
    return v === null ? null : hex[1] === '-' ? -v : v;
  }
  return null;
}

/** m * 2^e rounded to a double (half to even); null when strtod would set ERANGE. */
function scaled(m: bigint, e: number): number | null {
  if (m === 0n) return 0;
  const bits = m.toString(2).length;
  const top = bits - 1 + e; // the exponent of the leading bit
  if (top > 1023) return null;
  const keep = top >= -1022 ? 53 : 53 - (-1022 - top); // fewer significant bits below the normal range
  const drop = bits - keep;
  let q = m, inexact = false;
  if (drop > 0) {
    const rest = m & ((1n << BigInt(drop)) - 1n), half = 1n << BigInt(drop - 1);
    q = m >> BigInt(drop);
    inexact = rest !== 0n;
    if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
  }
  const v = Number(q) * 2 ** (e + Math.max(drop, 0));
  if (!Number.isFinite(v) || (inexact && v < MIN_NORMAL)) return null;
  return v;
}

/** One element to sort and what it sorts by: a score, or (ALPHA) bytes, null when BY found nothing. */
interface SortItem {
  element: string;
  score: number;
  by: string | null;
}

/**
 * sortCompare(): numbers, ties broken by the elements' bytes so the result does not depend on the input order;
 * ALPHA compares bytes, as strcoll() in the C locale does (up to a NUL byte) unless the result is stored, when
 * the whole binary strings are compared. An element BY found nothing for sorts first.
 */
function comparator(o: SortOptions): (a: SortItem, b: SortItem) => number {
  const order = o.desc ? -1 : 1;
  const bytes = (a: string, b: string) => (a < b ? -order : a > b ? order : 0);
  if (!o.alpha) return (a, b) => (a.score > b.score ? order : a.score < b.score ? -order : bytes(a.element, b.element));
  if (o.by !== null) {
    return (a, b) => {
      if (a.by === null || b.by === null) return a.by === b.by ? 0 : a.by === null ? -order : order;
      return bytes(a.by, b.by);
    };
  }
  return (a, b) => bytes(a.by!, b.by!);
}

/** The elements of the sorted set from 0-based rank `start` on, `count` of them, in either direction. */
function zsetRange(z: ZsetValue, start: number, count: number, desc: boolean): string[] {
  const out: string[] = [];
  let n: ZNode | null = desc ? z.at(z.size - 1 - start) : z.at(start);
  for (; n !== null && out.length < count; n = desc ? n.backward : n.forward) out.push(n.member);
  return out;
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]
// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]
function sortGeneric(ctx: CommandContext, args: ArgCursor, readonly: boolean): Reply {
  const { db } = ctx;
  const key = args.nextKey();
  const user = ctx.client.user;
  let full: boolean | undefined;
  const fullKeyAccess = () => (full ??= user === null || user.unrestricted || hasUnrestrictedKeyAccess(user, ctx.command, ctx.argv, ['access']));
  const o = parseOptions(ctx.argv, readonly, fullKeyAccess);
  const entry = db.lookupRead(key);
  const value = entry?.value;
  if (value !== undefined && !(value instanceof List || value instanceof SetValue || value instanceof ZsetValue)) {
    fail(ERR_WRONGTYPE);
  }
  // A set has no order of its own: a stored result, or one a script sees (and may write with), must not depend on
  // the hash table, so it is sorted as bytes.
  if (o.dontSort && value instanceof SetValue && (o.store !== null || isScriptClient(ctx.client))) {
    o.dontSort = false;
    o.alpha = true;
    o.by = null;
  }
  let sortval = value as List | SetValue | ZsetValue | undefined;
  if (sortval instanceof ZsetValue && sortval.isListpack) {
    // Redis converts the sorted set for good (zsetConvert to a skip list). The members and scores are the same, so
    // this is no write, and a snapshot in progress may save either form.
    sortval = entry!.value = ZsetValue.build(sortval.entries())!;
  }

  // LIMIT, clamped to the value's size as Redis clamps it
  const size = sortval === undefined ? 0 : sortval instanceof List ? sortval.length : sortval.size;
  let start = Math.min(Math.max(o.limitStart, 0), size);
  const count = Math.min(Math.max(o.limitCount, -1), size);
  let end = count < 0 ? size - 1 : start + count - 1;
  if (start >= size) {
    start = size - 1;
    end = size - 2;
  }
  if (end >= size) end = size - 1;

  // The elements: an ordered value left unsorted is read for the LIMIT range only, in the requested direction.
  let elements: string[];
  if (sortval === undefined) {
    elements = [];
  } else if (o.dontSort && sortval instanceof List) {
    elements = [];
    if (end >= start) {
      const len = sortval.length;
      for (let i = 0; i <= end - start; i++) elements.push(sortval.at(o.desc ? len - 1 - start - i : start + i)!);
      end -= start;
      start = 0;
    }
  } else if (o.dontSort && sortval instanceof ZsetValue) {
    elements = zsetRange(sortval, start, end - start + 1, o.desc);
    end -= start;
    start = 0;
  } else if (sortval instanceof List) {
    elements = sortval.toArray();
  } else if (sortval instanceof ZsetValue) {
    elements = [...sortval.entries()].map(([m]) => m);
  } else {
    elements = sortval.members();
  }

  let badScore = false;
  if (!o.dontSort) {
    const items: SortItem[] = elements.map((element) => ({ element, score: 0, by: null }));
    for (const item of items) {
      const byValue = o.by !== null ? lookupByPattern(db, o.by, item.element) : item.element;
      if (byValue === null) continue;
      if (o.alpha) {
        // strcoll() in the C locale stops at a NUL byte; a stored result compares the whole binary strings
        item.by = o.store !== null ? byValue : cText(byValue);
      } else {
        const score = sortScore(byValue);
        if (score === null) badScore = true;
        else item.score = score;
      }
    }
    const cmp = comparator(o);
    if (o.by !== null && (start !== 0 || end !== items.length - 1)) pqsort(items, cmp, start, end);
    else items.sort(cmp); // stable, like glibc's qsort (a merge sort): ties keep the input order
    elements = items.map((item) => item.element);
  }
  if (badScore) fail("ERR One or more scores can't be converted into double");

  const picked = elements.slice(start, end + 1);
  if (o.store === null) {
    const out: Reply[] = [];
    for (const element of picked) {
      if (o.gets.length === 0) out.push(bulk(element));
      for (const pattern of o.gets) {
        const v = lookupByPattern(db, pattern, element);
        out.push(v === null ? NIL : bulk(v));
      }
    }
    return array(out);
  }

  const stored: string[] = [];
  for (const element of picked) {
    if (o.gets.length === 0) stored.push(element);
    for (const pattern of o.gets) stored.push(lookupByPattern(db, pattern, element) ?? '');
  }
  // The destination is replaced (TTL dropped) by a list, or deleted when the result is empty.
  if (stored.length) {
    db.set(o.store, List.from(stored));
    notifyKeyspaceEvent(ctx.server, NOTIFY_LIST, 'sortstore', o.store, db.id);
  } else if (db.delete(o.store)) {
    notifyKeyspaceEvent(ctx.server, NOTIFY_GENERIC, 'del', o.store, db.id);
  }
  return int(stored.length);
}
