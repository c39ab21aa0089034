/**
 * HyperLogLog commands (the command half of hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST. An HLL is
 * a string value in Redis's own format (lib/store/hyperloglog.ts); each change stores a new string and keeps the TTL.
 */
import { ERR_WRONGTYPE, fail } from '../protocol/errors';
import { array, bulk, int, OK, ONE, simple, ZERO, type Reply } from '../protocol/reply';
import { NO_EXPIRY, type Entry } from '../store/keyspace';
import { notifyKeyspaceEvent, NOTIFY_STRING } from '../server/notify';
import {
  cardinalityReplyValue, hllSelfTest, HLL_DENSE, HLL_REGISTERS, HLL_SPARSE, HyperLogLog, isHllValue,
  rawHistogram, estimate,
} from '../store/hyperloglog';
import type { ArgCursor } from './args';
import { key, str } from './docs';
import { keyAt, range } from './keyspecs';
import type { CommandContext, CommandSpec } from './types';

const HLL = ['@hyperloglog'] as const;

export const hyperloglogCommands: readonly CommandSpec[] = [
  { name: 'PFADD', arity: -2, flags: ['write', 'denyoom', 'fast'], group: 'hyperloglog', since: '2.8.9', summary: 'Add elements to a HyperLogLog.', complexity: 'O(1) to add every element.', acl: HLL, run: pfaddCommand,
    keySpecs: [keyAt(1, 'RW insert')], args: [key('key'), str('element').opt.many] },
  { name: 'PFCOUNT', arity: -2, flags: ['readonly', 'may_replicate'], group: 'hyperloglog', since: '2.8.9', summary: 'The approximate number of distinct elements seen by one HyperLogLog, or by the union of several.', complexity: 'O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.', acl: HLL, run: pfcountCommand,
    keySpecs: [keyAt(1, 'RW access', range(-1), 'RW because it may change the internal representation of the key, and propagate to replicas')], args: [key('key').many] },
  { name: 'PFMERGE', arity: -2, flags: ['write', 'denyoom'], group: 'hyperloglog', since: '2.8.9', summary: 'Merge HyperLogLogs into a destination key.', complexity: 'O(N) to merge N HyperLogLogs, but with high constant times.', acl: HLL, run: pfmergeCommand,
    keySpecs: [keyAt(1, 'RW access insert'), keyAt(2, 'RO access', range(-1))], args: [key('destkey'), key('sourcekey', 1).many] },
  { name: 'PFDEBUG', arity: 3, flags: ['write', 'denyoom', 'admin'], group: 'hyperloglog', since: '2.8.9', summary: 'Internal commands to inspect HyperLogLog values.', complexity: 'N/A', acl: HLL, run: pfdebugCommand,
    keySpecs: [keyAt(2, 'RW access')], args: [str('subcommand'), key('key')], docFlags: ['syscmd'] },
  { name: 'PFSELFTEST', arity: 1, flags: ['admin'], group: 'hyperloglog', since: '2.8.9', summary: 'An internal self test of the HyperLogLog implementation.', complexity: 'N/A', acl: HLL, run: pfselftestCommand,
    docFlags: ['syscmd'] },
];

// Both are sent with their own error code: addReplyError() keeps a leading '-…' code instead of adding ERR.
const ERR_INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';
const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

const sparseMaxBytes = (ctx: CommandContext) => ctx.server.config.getNumber('hll-sparse-max-bytes');

/** isHLLObjectOrReply(): the key's value as an HLL; WRONGTYPE for another type or a string that is not an HLL. */
function hllAt(ctx: CommandContext, e: Entry): HyperLogLog {
  if (typeof e.value !== 'string') fail(ERR_WRONGTYPE);
  const value = e.value as string;
  if (!isHllValue(value)) fail(ERR_NOT_HLL);
  return HyperLogLog.from(value, sparseMaxBytes(ctx));
}

/**
 * Store a changed HLL the way hyperloglog.c leaves a value it changed in place without signalModifiedKey (a
 * PFADD stopped by corruption, PFDEBUG's conversions): same TTL, no WATCH invalidation, `dirty` bumps apart.
 */
function replaceQuietly(ctx: CommandContext, key: string, e: Entry, hll: HyperLogLog, dirty: number): void {
  ctx.db.beforeInPlaceChange(key);
  e.value = hll.toString();
  ctx.server.keyspace.dirty += dirty;
}

// PFADD key [element [element ...]]
function pfaddCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  const e = ctx.db.lookup(key);
  const hll = e === undefined ? HyperLogLog.create(sparseMaxBytes(ctx)) : hllAt(ctx, e);
  let updated = e === undefined ? 1 : 0; // creating the key counts as a change
  while (args.hasMore) {
    const r = hll.add(args.next());
    if (r === 1) updated++;
    else if (r === -1) {
      // only an existing (corrupt sparse) value gets here; what was added before stays, unannounced
      if (updated) replaceQuietly(ctx, key, e!, hll, 0);
      fail(ERR_INVALID_HLL);
    }
  }
  if (updated === 0) return ZERO;
  hll.invalidateCache();
  ctx.db.set(key, hll.toString(), e?.expiresAt ?? NO_EXPIRY);
  ctx.server.keyspace.dirty += updated - 1; // server.dirty += updated; set() counted one
  notifyKeyspaceEvent(ctx.server, NOTIFY_STRING, 'pfadd', key, ctx.db.id);
  return ONE;
}

// PFCOUNT key [key ...]
function pfcountCommand(ctx: CommandContext, args: ArgCursor): Reply {
  if (args.remaining > 1) {
    // the cardinality of the union: merge into byte registers, count those
    const max = new Uint8Array(HLL_REGISTERS);
    while (args.hasMore) {
      const e = ctx.db.lookupRead(args.nextKey());
      if (e === undefined) continue; // a missing key is an empty HLL
      if (!hllAt(ctx, e).mergeInto(max)) fail(ERR_INVALID_HLL);
    }
    return int(cardinalityReplyValue(estimate(rawHistogram(max))));
  }
  const key = args.nextKey();
  const e = ctx.db.lookupRead(key);
  if (e === undefined) return ZERO;
  const hll = hllAt(ctx, e);
  const cached = hll.cachedCard;
  if (cached !== null) return int(cardinalityReplyValue(cached));
  const card = hll.count();
  if (card === null) fail(ERR_INVALID_HLL);
  // A read command that writes: the cache lives in the value, so the change is signalled and propagated.
  hll.cachedCard = card;
  ctx.db.set(key, hll.toString(), e.expiresAt);
  return int(cardinalityReplyValue(card!));
}

// PFMERGE destkey [sourcekey [sourcekey ...]]
function pfmergeCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  // The destination takes part in the union too: every key, destkey first, is read and checked before any write.
  const destKey = args.peek()!;
  while (args.hasMore) {
    const e = ctx.db.lookupRead(args.nextKey());
    if (e === undefined) continue;
    const hll = hllAt(ctx, e);
    if (hll.encoding === HLL_DENSE) useDense = true;
    if (!hll.mergeInto(max)) fail(ERR_INVALID_HLL);
  }
  const e = ctx.db.lookup(destKey);
  const dest = e === undefined ? HyperLogLog.create(sparseMaxBytes(ctx)) : hllAt(ctx, e);
  if (useDense && !dest.toDense()) fail(ERR_INVALID_HLL);
  dest.raiseTo(max);
  dest.invalidateCache();
  ctx.db.set(destKey, dest.toString(), e?.expiresAt ?? NO_EXPIRY);
  notifyKeyspaceEvent(ctx.server, NOTIFY_STRING, 'pfadd', destKey, ctx.db.id); // a merge is a mass add
  return OK;
}

/** A subcommand name as strcasecmp() sees it: a C string, so a NUL byte ends it. */
const cString = (s: string) => {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
};

// PFDEBUG <GETREG|DECODE|ENCODING|TODENSE> key
function pfdebugCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const sub = cString(args.next());
  const key = args.nextKey();
  const e = ctx.db.lookup(key);
  if (e === undefined) fail('ERR The specified key does not exist');
  const hll = hllAt(ctx, e!);
  switch (sub.toLowerCase()) {
    case 'getreg':
      if (hll.encoding === HLL_SPARSE) {
        if (!hll.toDense()) fail(ERR_INVALID_HLL);
        replaceQuietly(ctx, key, e!, hll, 1); // dirty, so the conversion reaches replicas
      }
      return array(hll.registers().map((v) => int(v)));
    case 'decode':
      if (hll.encoding !== HLL_SPARSE) fail('ERR HLL encoding is not sparse');
      return bulk(hll.decode());
    case 'encoding':
      return simple(hll.encoding === HLL_DENSE ? 'dense' : 'sparse');
    case 'todense':
      if (hll.encoding !== HLL_SPARSE) return ZERO;
      if (!hll.toDense()) fail(ERR_INVALID_HLL);
      replaceQuietly(ctx, key, e!, hll, 1);
      return ONE;
    default:
      return fail(`ERR Unknown PFDEBUG subcommand '${sub}'`);
  }
}

// PFSELFTEST
function pfselftestCommand(ctx: CommandContext): Reply {
  const failure = hllSelfTest(sparseMaxBytes(ctx));
  return failure === null ? OK : fail(`ERR ${failure}`);
}
