/**
 * What SCAN, SSCAN, HSCAN and ZSCAN share (parseScanCursorOrReply and scanGenericCommand in db.c): the cursor,
 * the MATCH / COUNT / TYPE options and the [cursor, elements] reply. Each command walks its own structure; the
 * keyspace walk and its TYPE and expiry filters stay with SCAN in generic.ts.
 */
import { ERR_NOT_INTEGER, ERR_SYNTAX, fail } from '../protocol/errors';
import { array, bulk, type Reply } from '../protocol/reply';
import { compileGlob, type Glob } from '../store/glob';
import { cText, keyword, type ArgCursor } from './args';

export interface ScanOptions {
  /** COUNT: how much work one call does (default 10). */
  count: number;
  /** MATCH, compiled; null when absent or exactly "*" (which Redis treats as no pattern at all). */
  match: Glob | null;
  /** TYPE, upper-cased as a C string (SCAN only). */
  type: string | null;
}

const U64_MAX = 2n ** 64n - 1n;
const ERR_INVALID_CURSOR = 'ERR invalid cursor';

/**
 * parseScanCursorOrReply(): strtoul() in base 10 over the whole argument, no leading space. So "" is 0, a sign
 * is accepted and "-1" wraps to 2^64-1; only a value past 2^64-1 or stray characters are refused. Cursors past
 * 2^53 lose precision, which is harmless: no table has that many slots, so such a cursor ends the scan.
 */
export function parseScanCursor(text: string): number {
  text = cText(text);
  if (text === '') return 0;
  if (!/^[+-]?[0-9]+$/.test(text)) fail(ERR_INVALID_CURSOR);
  const negative = text[0] === '-';
  const magnitude = BigInt(negative || text[0] === '+' ? text.slice(1) : text);
  if (magnitude > U64_MAX) fail(ERR_INVALID_CURSOR);
  return Number(negative && magnitude !== 0n ? U64_MAX + 1n - magnitude : magnitude);
}

/** Step 1 of scanGenericCommand(): the options, in any order, the last of each winning. TYPE only for SCAN. */
export function parseScanOptions(args: ArgCursor, allowType: boolean): ScanOptions {
  const opts: ScanOptions = { count: 10, match: null, type: null };
  while (args.hasMore) {
    const opt = keyword(args.next());
    if (opt === 'COUNT' && args.hasMore) {
      opts.count = args.nextInt(ERR_NOT_INTEGER);
      if (opts.count < 1) fail(ERR_SYNTAX);
    } else if (opt === 'MATCH' && args.hasMore) {
      const pattern = args.next();
      opts.match = pattern === '*' ? null : compileGlob(pattern);
    } else if (opt === 'TYPE' && allowType && args.hasMore) {
      opts.type = keyword(args.next());
    } else {
      fail(ERR_SYNTAX);
    }
  }
  return opts;
}

/** The reply: the next cursor as a bulk string, then the elements. */
export function scanReply(cursor: number, elements: Reply[]): Reply {
  return array([bulk(String(cursor)), array(elements)]);
}

/** What SSCAN, HSCAN and ZSCAN answer for a key that does not exist (shared.emptyscan). */
export const EMPTY_SCAN: Reply = scanReply(0, []);

/**
 * A collection's walk: visit elements from `cursor` on, about `count` of them, and return the next cursor (0 when
 * done). A compact encoding (intset, listpack) visits everything and returns 0, as Redis does. An element is a
 * member alone (sets) or a pair (hash field and value, zset member and score).
 */
export type ScanWalk = (cursor: number, count: number, visit: (element: string, paired?: string) => void) => number;

/**
 * SSCAN / HSCAN / ZSCAN once the key was found; the options are parsed only then (a missing key answers the empty
 * scan whatever follows). MATCH tests the element, and a pair goes or stays whole.
 */
export function scanCollection(args: ArgCursor, cursor: number, walk: ScanWalk): Reply {
  const { count, match } = parseScanOptions(args, false);
  const out: Reply[] = [];
  const next = walk(cursor, count, (element, paired) => {
    if (match !== null && !match.test(element)) return;
    out.push(bulk(element));
    if (paired !== undefined) out.push(bulk(paired));
  });
  return scanReply(next, out);
}
