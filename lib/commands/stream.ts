/**
 * Stream commands (t_stream.c): XADD and trims, ranges, XREAD/XREADGROUP (blocking through blocking.ts), groups,
 * pending entries, claims, XINFO, XSETID, with 7.0's replies, errors and propagation (auto IDs and approximate
 * trims sent as explicit values, group reads as XCLAIM / XGROUP). The value lives in lib/store/stream.ts.
 */
import { ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SYNTAX, ERR_TIMEOUT_NEGATIVE, ERR_TIMEOUT_NOT_INTEGER, ERR_WRONGTYPE, errWrongArity, fail } from '../protocol/errors';
import { cText, keyword } from './args';
import { array, bulk, EMPTY_ARRAY, error, int, map, NIL, NIL_ARRAY, OK, ONE, ZERO, type Reply } from '../protocol/reply';
import type { Db } from '../store/keyspace';
import { INT64_MAX, parseInteger } from '../store/numbers';
import {
  ENTRIES_READ_INVALID, formatId, ID_MAX, idMs, idSeq, LISTPACK_MAX_SIZE, makeId, StreamValue, type Consumer,
  type ConsumerGroup, type Nack, type StreamEntry, type StreamId, type TrimStrategy,
} from '../store/stream';
import { blockForKeys, mayBlock, signalKeyAsReady, type KeyWaiter } from '../server/blocking';
import type { Client } from '../server/client';
import { block, integer, key, oneof, str, tok, unixTime } from './docs';
import { afterKeyword, keyAt, range } from './keyspecs';
import { helpReply, subcommandSyntaxError } from './server';
import { BLOCKED, type CommandContext, type CommandSpec, type Deferred, type KeyRef } from './types';
import { isScriptClient } from '../scripting/engine';
import { notifyKeyspaceEvent, replyWritten, NOTIFY_STREAM } from '../server/notify';

const STREAM = ['@stream'] as const;
const NONDETERMINISTIC = ['nondeterministic_output'];
const SEQ_MAX = (1n << 64n) - 1n;
/** XREAD BLOCK without COUNT: what a served client gets at most (XREAD_BLOCKED_DEFAULT_COUNT). */
const BLOCKED_DEFAULT_COUNT = 1000;

const trimArgs = block('trim',
  oneof('strategy', tok('MAXLEN'), tok('MINID').since('6.2.0')),
  oneof('operator', tok('=', 'equal'), tok('~', 'approximately')).opt,
  str('threshold'),
  integer('count', 'LIMIT').opt.since('6.2.0'));
const streamsArg = block('streams', key('key').many, str('id').many).token('STREAMS');

export const streamCommands: readonly CommandSpec[] = [
  { name: 'XADD', arity: -5, flags: ['write', 'denyoom', 'fast'], group: 'stream', since: '5.0.0', summary: 'Append an entry to a stream, creating it if needed.', complexity: 'O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.', acl: STREAM, tips: NONDETERMINISTIC, run: xaddCommand,
    keySpecs: [keyAt(1, 'RW update', range(), 'UPDATE instead of INSERT because of the optional trimming feature')],
    args: [key('key'), tok('NOMKSTREAM').opt.since('6.2.0'), trimArgs.opt, oneof('id_or_auto', tok('*', 'auto_id'), str('id')), block('field_value', str('field'), str('value')).many],
    history: [['6.2.0', 'NOMKSTREAM, the MINID strategy and LIMIT.'], ['7.0.0', 'IDs of the form <ms>-*.']] },
  { name: 'XTRIM', arity: -4, flags: ['write'], group: 'stream', since: '5.0.0', summary: 'Remove the oldest entries of a stream, exactly or by whole nodes.', complexity: 'O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.', acl: STREAM, tips: NONDETERMINISTIC, run: xtrimCommand,
    keySpecs: [keyAt(1, 'RW delete')], args: [key('key'), trimArgs],
    history: [['6.2.0', 'The MINID strategy and LIMIT.']] },
  { name: 'XDEL', arity: -3, flags: ['write', 'fast'], group: 'stream', since: '5.0.0', summary: 'Delete entries of a stream by ID; answers how many existed.', complexity: 'O(1) for each single item to delete in the stream, regardless of the stream size.', acl: STREAM, run: xdelCommand,
    keySpecs: [keyAt(1, 'RW delete')], args: [key('key'), str('id').many] },
  { name: 'XLEN', arity: 2, flags: ['readonly', 'fast'], group: 'stream', since: '5.0.0', summary: 'How many entries a stream holds.', complexity: 'O(1)', acl: STREAM, run: xlenCommand,
    keySpecs: [keyAt(1, 'RO')], args: [key('key')] },
  { name: 'XRANGE', arity: -4, flags: ['readonly'], group: 'stream', since: '5.0.0', summary: 'The entries of a stream between two IDs, oldest first.', complexity: 'O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).', acl: STREAM, run: (ctx) => xrangeGeneric(ctx, false),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('start'), str('end'), integer('count', 'COUNT').opt],
    history: [['6.2.0', 'Exclusive ranges with (.']] },
  { name: 'XREVRANGE', arity: -4, flags: ['readonly'], group: 'stream', since: '5.0.0', summary: 'The entries of a stream between two IDs, newest first.', complexity: 'O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).', acl: STREAM, run: (ctx) => xrangeGeneric(ctx, true),
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('end'), str('start'), integer('count', 'COUNT').opt],
    history: [['6.2.0', 'Exclusive ranges with (.']] },
  { name: 'XREAD', arity: -4, flags: ['blocking', 'readonly'], group: 'stream', since: '5.0.0', summary: 'Entries newer than the given IDs from one or more streams, optionally waiting for some.', complexity: 'For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.', acl: STREAM, run: (ctx) => xreadGeneric(ctx, false),
    keySpecs: [keyAt(afterKeyword('STREAMS', 1), 'RO access', range(-1, 1, 2))], getKeys: xreadKeys,
    args: [integer('count', 'COUNT').opt, integer('milliseconds', 'BLOCK').opt, streamsArg] },
  { name: 'XREADGROUP', arity: -7, flags: ['blocking', 'write'], group: 'stream', since: '5.0.0', summary: 'Read entries as a consumer of a group: new ones (>) or its own pending history, optionally waiting.', complexity: 'For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.', acl: STREAM, run: (ctx) => xreadGeneric(ctx, true),
    keySpecs: [keyAt(afterKeyword('STREAMS', 4), 'RO access', range(-1, 1, 2))], getKeys: xreadKeys,
    args: [block('group_consumer', str('group'), str('consumer')).token('GROUP'), integer('count', 'COUNT').opt, integer('milliseconds', 'BLOCK').opt, tok('NOACK').opt, streamsArg] },
  {
    name: 'XGROUP', arity: -2, flags: [], group: 'stream', since: '5.0.0', summary: 'Subcommands that manage consumer groups.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'CREATE', arity: -5, flags: ['write', 'denyoom'], group: 'stream', since: '5.0.0', summary: 'Create a consumer group, optionally with its stream.', complexity: 'O(1)', acl: STREAM, run: (ctx) => xgroupGeneric(ctx, 'CREATE'),
        keySpecs: [keyAt(2, 'RW insert')], args: [key('key'), str('groupname'), oneof('id', str('id'), tok('$', 'new_id')), tok('MKSTREAM').opt, integer('entries_read', 'ENTRIESREAD').opt],
        history: [['7.0.0', 'ENTRIESREAD.']] },
      { name: 'SETID', arity: -5, flags: ['write'], group: 'stream', since: '5.0.0', summary: 'Move a consumer group\'s last delivered ID.', complexity: 'O(1)', acl: STREAM, run: (ctx) => xgroupGeneric(ctx, 'SETID'),
        keySpecs: [keyAt(2, 'RW update')], args: [key('key'), str('groupname'), oneof('id', str('id'), tok('$', 'new_id')), integer('entries_read', 'ENTRIESREAD').opt],
        history: [['7.0.0', 'ENTRIESREAD.']] },
      { name: 'DESTROY', arity: 4, flags: ['write'], group: 'stream', since: '5.0.0', summary: 'Delete a consumer group with its consumers and pending entries.', complexity: 'O(N) where N is the number of entries in the group\'s pending entries list (PEL).', acl: STREAM, run: (ctx) => xgroupGeneric(ctx, 'DESTROY'),
        keySpecs: [keyAt(2, 'RW delete')], args: [key('key'), str('groupname')] },
      { name: 'CREATECONSUMER', arity: 5, flags: ['write', 'denyoom'], group: 'stream', since: '6.2.0', summary: 'Add a consumer to a group.', complexity: 'O(1)', acl: STREAM, run: (ctx) => xgroupGeneric(ctx, 'CREATECONSUMER'),
        keySpecs: [keyAt(2, 'RW insert')], args: [key('key'), str('groupname'), str('consumername')] },
      { name: 'DELCONSUMER', arity: 5, flags: ['write'], group: 'stream', since: '5.0.0', summary: 'Remove a consumer from a group; answers how many entries it had pending.', complexity: 'O(1)', acl: STREAM, run: (ctx) => xgroupGeneric(ctx, 'DELCONSUMER'),
        keySpecs: [keyAt(2, 'RW delete')], args: [key('key'), str('groupname'), str('consumername')] },
      { name: 'HELP', arity: 2, flags: ['loading', 'stale'], group: 'stream', since: '5.0.0', summary: 'List the XGROUP subcommands.', complexity: 'O(1)', acl: STREAM, run: (ctx) => helpReply(ctx.argv[0], XGROUP_HELP) },
    ],
  },
  {
    name: 'XINFO', arity: -2, flags: [], group: 'stream', since: '5.0.0', summary: 'Subcommands that describe streams, groups and consumers.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'CONSUMERS', arity: 4, flags: ['readonly'], group: 'stream', since: '5.0.0', summary: 'The consumers of a group.', complexity: 'O(1)', acl: STREAM, tips: NONDETERMINISTIC, run: xinfoConsumersCommand,
        keySpecs: [keyAt(2, 'RO access')], args: [key('key'), str('groupname')] },
      { name: 'GROUPS', arity: 3, flags: ['readonly'], group: 'stream', since: '5.0.0', summary: 'The consumer groups of a stream.', complexity: 'O(1)', acl: STREAM, run: xinfoGroupsCommand,
        keySpecs: [keyAt(2, 'RO access')], args: [key('key')],
        history: [['7.0.0', 'The entries-read and lag fields.']] },
      { name: 'STREAM', arity: -3, flags: ['readonly'], group: 'stream', since: '5.0.0', summary: 'Describe a stream, or with FULL everything it holds.', complexity: 'O(1)', acl: STREAM, run: xinfoStreamCommand,
        keySpecs: [keyAt(2, 'RO access')], args: [key('key'), block('full', integer('count', 'COUNT').opt).token('FULL').opt],
        history: [['6.0.0', 'FULL.'], ['7.0.0', 'The max-deleted-entry-id, entries-added, recorded-first-entry-id, entries-read and lag fields.']] },
      { name: 'HELP', arity: 2, flags: ['loading', 'stale'], group: 'stream', since: '5.0.0', summary: 'List the XINFO subcommands.', complexity: 'O(1)', acl: STREAM, run: (ctx) => helpReply(ctx.argv[0], XINFO_HELP) },
    ],
  },
  { name: 'XACK', arity: -4, flags: ['write', 'fast'], group: 'stream', since: '5.0.0', summary: 'Acknowledge entries of a group: they leave its pending entries list.', complexity: 'O(1) for each message ID processed.', acl: STREAM, run: xackCommand,
    keySpecs: [keyAt(1, 'RW update')], args: [key('key'), str('group'), str('id').many] },
  { name: 'XPENDING', arity: -3, flags: ['readonly'], group: 'stream', since: '5.0.0', summary: 'A group\'s pending entries: a summary, or the entries in an ID range.', complexity: 'O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.', acl: STREAM, tips: NONDETERMINISTIC, run: xpendingCommand,
    keySpecs: [keyAt(1, 'RO access')],
    args: [key('key'), str('group'), block('filters', integer('min-idle-time', 'IDLE').opt.since('6.2.0'), str('start'), str('end'), integer('count'), str('consumer').opt).opt],
    history: [['6.2.0', 'IDLE and exclusive ranges.']] },
  { name: 'XCLAIM', arity: -6, flags: ['write', 'fast'], group: 'stream', since: '5.0.0', summary: 'Give pending entries of a group to another consumer.', complexity: 'O(log N) with N being the number of messages in the PEL of the consumer group.', acl: STREAM, tips: NONDETERMINISTIC, run: xclaimCommand,
    keySpecs: [keyAt(1, 'RW update')],
    args: [key('key'), str('group'), str('consumer'), str('min-idle-time'), str('id').many, integer('ms', 'IDLE').opt, unixTime('unix-time-milliseconds', 'TIME').opt, integer('count', 'RETRYCOUNT').opt, tok('FORCE').opt, tok('JUSTID').opt, str('id', 'LASTID').opt] },
  { name: 'XAUTOCLAIM', arity: -6, flags: ['write', 'fast'], group: 'stream', since: '6.2.0', summary: 'Give pending entries idle long enough to another consumer, scanning from a cursor.', complexity: 'O(1) if COUNT is small.', acl: STREAM, tips: NONDETERMINISTIC, run: xautoclaimCommand,
    keySpecs: [keyAt(1, 'RW delete')],
    args: [key('key'), str('group'), str('consumer'), str('min-idle-time'), str('start'), integer('count', 'COUNT').opt, tok('JUSTID').opt],
    history: [['7.0.0', 'A third reply element: the deleted entries cleared from the PEL.']] },
  { name: 'XSETID', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'stream', since: '5.0.0', summary: 'Set a stream\'s last ID and counters (how replicas and the AOF rebuild it).', complexity: 'O(1)', acl: STREAM, run: xsetidCommand,
    keySpecs: [keyAt(1, 'RW update')],
    args: [key('key'), str('last-id'), integer('entries_added', 'ENTRIESADDED').opt.since('7.0.0'), str('max_deleted_entry_id', 'MAXDELETEDID').opt.since('7.0.0')],
    history: [['7.0.0', 'ENTRIESADDED and MAXDELETEDID.']] },
];

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
const ERR_XADD_SMALLER = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';
const ERR_START_ID = 'ERR invalid start ID for the interval';
const ERR_END_ID = 'ERR invalid end ID for the interval';

// ---- arguments ----

/** getLongLongFromObjectOrReply(): a whole int64, or `message` (default: not an integer). */
function llArg(text: string, message = ERR_NOT_INTEGER): bigint {
  const v = parseInteger(text);
  if (v === null) fail(message);
  return BigInt(v!);
}

/** Redis must apply what its master or its AOF says, LIMIT or not (mustObeyClient). */
const mustObey = (client: Client) => client.isMaster || client.fixedAddr === 'aof';

/**
 * string2ull(): string2ll's strict form first (a negative one is refused), then strtoull's looser one: leading
 * white space, a sign (a '-' negates modulo 2^64), digits to the end, no overflow.
 */
function string2ull(s: string): bigint | null {
  const strict = parseInteger(s);
  if (strict !== null) return strict < 0 ? null : BigInt(strict);
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s);
  if (!m) return null;
  const v = BigInt(m[2]);
  if (v > SEQ_MAX) return null;
  return m[1] === '-' ? BigInt.asUintN(64, -v) : v;
}

interface ParsedId {
  id: StreamId;
  /** False for the <ms>-* form (XADD only). */
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply(): "-" and "+" (unless strict), <ms>-<seq>, <ms> alone (seq `missingSeq`), and with
 * `seqStar` <ms>-*. The argument is read as a C string, at most 127 bytes. Null when invalid.
 */
function parseId(arg: string, missingSeq: bigint, strict: boolean, seqStar = false): ParsedId | null {
  if (arg.length > 127) return null;
  const s = cText(arg);
  if (s === '-' || s === '+') {
    if (strict) return null;
    return { id: s === '-' ? 0n : ID_MAX, seqGiven: true };
  }
  const dash = s.indexOf('-');
  const ms = string2ull(dash < 0 ? s : s.slice(0, dash));
  if (ms === null) return null;
  if (dash < 0) return { id: makeId(ms, missingSeq), seqGiven: true };
  const rest = s.slice(dash + 1);
  if (seqStar && rest === '*') return { id: makeId(ms, 0n), seqGiven: false };
  const seq = string2ull(rest);
  return seq === null ? null : { id: makeId(ms, seq), seqGiven: true };
}

function idArg(arg: string, missingSeq = 0n, strict = true): StreamId {
  const p = parseId(arg, missingSeq, strict);
  if (p === null) fail(ERR_INVALID_ID);
  return p!.id;
}

/** streamParseIntervalIDOrReply(): a "(" prefix makes the bound exclusive (and strict: no "-" or "+"). */
function intervalArg(arg: string, missingSeq: bigint): { id: StreamId; exclusive: boolean } {
  const exclusive = arg.length > 1 && arg[0] === '(';
  return { id: exclusive ? idArg(arg.slice(1), missingSeq, true) : idArg(arg, missingSeq, false), exclusive };
}

/** The start of a range: an exclusive one moves past its ID, which must not be the last possible one. */
function rangeStart(arg: string): StreamId {
  const { id, exclusive } = intervalArg(arg, 0n);
  if (!exclusive) return id;
  if (id === ID_MAX) fail(ERR_START_ID);
  return id + 1n;
}

function rangeEnd(arg: string): StreamId {
  const { id, exclusive } = intervalArg(arg, SEQ_MAX);
  if (!exclusive) return id;
  if (id === 0n) fail(ERR_END_ID);
  return id - 1n;
}

// ---- lookups and replies ----

/** The stream at `key` (lookupKeyRead with `read`, lookupKeyWrite without), undefined if absent; WRONGTYPE else. */
function streamAt(db: Db, key: string, read: boolean): StreamValue | undefined {
  const e = read ? db.lookupRead(key) : db.lookup(key);
  if (e === undefined) return undefined;
  if (!(e.value instanceof StreamValue)) fail(ERR_WRONGTYPE);
  return e.value as StreamValue;
}

const idReply = (id: StreamId): Reply => bulk(formatId(id));

/** An entry as every command sends it: [id, [field, value, …]]. */
function entryReply(e: StreamEntry): Reply {
  const pairs: Reply[] = new Array(e.values.length * 2);
  for (let i = 0; i < e.values.length; i++) {
    pairs[2 * i] = bulk(e.fields[i]);
    pairs[2 * i + 1] = bulk(e.values[i]);
  }
  return array([idReply(e.id), array(pairs)]);
}

/** Writes without signalModifiedKey in Redis (group bookkeeping) still count for save points and propagation. */
function countDirty(ctx: CommandContext, n = 1): void {
  ctx.server.keyspace.dirty += n;
}

/** alsoPropagate(): a command replicas and the AOF get besides (or instead of) the one that ran. */
function propagate(ctx: CommandContext, argv: string[]): void {
  ctx.server.propagation.also(ctx.db.id, argv);
}

/** streamPropagateXCLAIM(): an idempotent XCLAIM that recreates a pending entry as it is now. */
function propagateClaim(ctx: CommandContext, key: string, groupName: string, g: ConsumerGroup, id: string, nack: Nack): void {
  propagate(ctx, [
    'XCLAIM', key, groupName, nack.consumer!.name, '0', id, 'TIME', String(nack.deliveryTime),
    'RETRYCOUNT', String(nack.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', formatId(g.lastId),
  ]);
}

/** streamPropagateGroupID(): the group's last ID when no XCLAIM carried it (NOACK reads, LASTID alone). */
function propagateGroupId(ctx: CommandContext, key: string, groupName: string, g: ConsumerGroup): void {
  propagate(ctx, ['XGROUP', 'SETID', key, groupName, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
}

/** A stream event (the `t` class) on `key` of the command's db. */
function notifyStream(ctx: CommandContext, event: string, key: string): void {
  notifyKeyspaceEvent(ctx.server, NOTIFY_STREAM, event, key, ctx.db.id);
}

/**
 * streamLookupConsumer() refreshing its seen time, else streamCreateConsumer() (a write of its own, notified as
 * `xgroup-createconsumer` on the group's stream `key`).
 */
function consumerFor(ctx: CommandContext, g: ConsumerGroup, name: string, key: string): { consumer: Consumer; created: boolean } {
  const now = ctx.server.keyspace.now;
  const found = g.consumers.get(name);
  if (found !== undefined) {
    found.seenTime = now;
    return { consumer: found, created: false };
  }
  countDirty(ctx);
  const consumer = g.createConsumer(name, now)!;
  notifyStream(ctx, 'xgroup-createconsumer', key);
  return { consumer, created: true };
}

interface GroupRead {
  key: string;
  groupName: string;
  group: ConsumerGroup;
  consumer: Consumer;
  noack: boolean;
}

/**
 * streamReplyWithRange(): the live entries from start to end (at most `count`, 0 for all). With a group, each one
 * past the group's last ID advances it, and unless NOACK each one delivered enters the PEL of the group and the
 * consumer (taken from another consumer if it was there), propagated as XCLAIM; NOACK propagates the new last ID.
 */
function rangeReply(ctx: CommandContext, s: StreamValue, start: StreamId, end: StreamId, count: number, rev: boolean, read?: GroupRead): Reply[] {
  const items: Reply[] = [];
  if (start > end) return items;
  const now = ctx.server.keyspace.now;
  let propagateLastId = false;
  for (const e of s.range(start, end, rev)) {
    if (read && e.id > read.group.lastId) {
      s.advanceGroup(read.group, e.id);
      if (read.noack) propagateLastId = true;
    }
    items.push(entryReply(e));
    if (read && !read.noack) {
      const { group, consumer } = read;
      let nack = group.pel.get(e.id);
      if (nack === undefined) {
        nack = { deliveryTime: now, deliveryCount: 1, consumer: null };
        group.pel.set(e.id, nack);
      } else {
        nack.deliveryTime = now;
        nack.deliveryCount = 1;
      }
      group.assign(e.id, nack, consumer);
      propagateClaim(ctx, read.key, read.groupName, group, formatId(e.id), nack);
    }
    if (count && items.length === count) break;
  }
  if (read && propagateLastId) propagateGroupId(ctx, read.key, read.groupName, read.group);
  return items;
}

/**
 * streamReplyWithRangeFromConsumerPEL(): a consumer's own history from `start`: each pending entry counts as
 * delivered again; one deleted from the stream since comes as [id, nil].
 */
function historyReply(ctx: CommandContext, s: StreamValue, start: StreamId, count: number, consumer: Consumer): Reply[] {
  const items: Reply[] = [];
  const now = ctx.server.keyspace.now;
  for (let at = consumer.pel.ceiling(start); at !== undefined && (!count || items.length < count); at = consumer.pel.ceiling(at[0] + 1n)) {
    const [id, nack] = at;
    const e = s.get(id);
    if (e === undefined) {
      items.push(array([idReply(id), NIL_ARRAY]));
    } else {
      items.push(entryReply(e));
      nack.deliveryTime = now;
      nack.deliveryCount++;
    }
  }
  return items;
}

// ---- adding and trimming ----

interface AddTrimArgs {
  strategy: TrimStrategy | null;
  approx: boolean;
  /** Entries a trim may remove at most (0: no limit). */
  limit: number;
  /** Where the MAXLEN/MINID value is, to rewrite it for propagation. */
  thresholdPos: number;
  /** XADD: where the ID is (or where it would be). */
  idPos: number;
  noMkStream: boolean;
  id: ParsedId | null;
}

/** streamParseAddOrTrimArgsOrReply(): the options of XADD (up to its ID) or XTRIM. */
function parseAddOrTrim(ctx: CommandContext, xadd: boolean): AddTrimArgs {
  const argv = ctx.argv, argc = argv.length;
  const a: AddTrimArgs = { strategy: null, approx: false, limit: 0, thresholdPos: 0, idPos: 0, noMkStream: false, id: null };
  let limit = 0n, limitGiven = false;
  let i = 2;
  for (; i < argc; i++) {
    const more = argc - 1 - i;
    const opt = keyword(argv[i]);
    if (xadd && opt === '*') break; // the common case: an automatic ID
    if ((opt === 'MAXLEN' || opt === 'MINID') && more) {
      if (a.strategy !== null) fail('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      a.approx = false;
      const next = cText(argv[i + 1]);
      if (more >= 2 && next === '~') {
        a.approx = true;
        i++;
      } else if (more >= 2 && next === '=') {
        i++;
      }
      if (opt === 'MAXLEN') {
        const maxlen = llArg(argv[i + 1]);
        if (maxlen < 0n) fail('ERR The MAXLEN argument must be >= 0.');
        a.strategy = { kind: 'maxlen', maxlen: Number(maxlen) };
      } else {
        a.strategy = { kind: 'minid', minid: idArg(argv[i + 1]) };
      }
      i++;
      a.thresholdPos = i;
    } else if (opt === 'LIMIT' && more) {
      limit = llArg(argv[i + 1]);
      if (limit < 0n) fail('ERR The LIMIT argument must be >= 0.');
      limitGiven = true;
      i++;
    } else if (xadd && opt === 'NOMKSTREAM') {
      a.noMkStream = true;
    } else if (xadd) {
      const id = parseId(argv[i], 0n, true, true);
      if (id === null) fail(ERR_INVALID_ID);
      a.id = id;
      break;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  if (limit && a.strategy === null) fail('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && a.strategy === null) fail('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (mustObey(ctx.client)) {
    limit = 0n; // the trim value was rewritten to what the master did: apply it whole
  } else if (limitGiven) {
    if (!a.approx) fail('ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else if (a.approx) {
    // at most 100 nodes' worth by default, so an approximate trim stays cheap (the product wraps as in C)
    limit = BigInt.asIntN(64, 100n * BigInt(ctx.server.config.getNumber('stream-node-max-entries')));
    if (limit <= 0n) limit = 10000n;
    if (limit > 1000000n) limit = 1000000n;
  } else {
    limit = 0n;
  }
  a.limit = Number(limit);
  a.idPos = i;
  return a;
}

/** streamRewriteApproxSpecifier + streamRewriteTrimArgument: `~ n` goes out as `= <what is left>`. */
function rewriteApproxTrim(argv: string[], a: AddTrimArgs, s: StreamValue): void {
  argv[a.thresholdPos - 1] = '=';
  argv[a.thresholdPos] = a.strategy!.kind === 'maxlen' ? String(s.length) : formatId(s.edgeId(true, false));
}

// XADD key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]
function xaddCommand(ctx: CommandContext): Reply {
  const { argv, db } = ctx;
  const key = argv[1];
  const a = parseAddOrTrim(ctx, true);
  const fieldPos = a.idPos + 1;
  const pairs = argv.length - fieldPos;
  if (pairs < 2 || pairs % 2 === 1) fail(errWrongArity(ctx.command.fullname));
  if (a.id !== null && a.id.seqGiven && a.id.id === 0n) fail('ERR The ID specified in XADD must be greater than 0-0');

  let s = streamAt(db, key, false);
  const fresh = s === undefined;
  if (s === undefined) {
    if (a.noMkStream) return NIL;
    s = new StreamValue();
  }
  if (s.lastId === ID_MAX) fail('ERR The stream has exhausted the last possible ID, unable to add more items');

  // streamAppendItem(): the ID, then room for the entry
  const last = s.lastId;
  let id: StreamId | null;
  if (a.id === null) {
    const now = BigInt(ctx.server.keyspace.now);
    id = now > idMs(last) ? makeId(now, 0n) : last + 1n;
  } else if (a.id.seqGiven) {
    id = a.id.id;
  } else if (idMs(last) === idMs(a.id.id)) {
    id = idSeq(last) === SEQ_MAX ? null : last + 1n; // the sequence cannot move on within this millisecond
  } else {
    id = a.id.id;
  }
  let failure: string | null = null;
  if (id === null) failure = 'ERR Elements are too large to be stored';
  else if (id <= last) failure = ERR_XADD_SMALLER;
  const fields: string[] = [], values: string[] = [];
  let total = 0;
  for (let i = fieldPos; i < argv.length; i += 2) {
    fields.push(argv[i]);
    values.push(argv[i + 1]);
    total += argv[i].length + argv[i + 1].length;
  }
  if (failure === null && total > LISTPACK_MAX_SIZE) failure = 'ERR Elements are too large to be stored';
  if (failure !== null) {
    if (fresh) {
      // Redis created the key before the append failed: it stays, empty (a `new` event), and nothing is propagated
      db.set(key, s);
      ctx.rewrite = null;
    }
    return fail(failure);
  }

  if (!fresh) db.beforeInPlaceChange(key);
  const config = ctx.server.config;
  s.append(id!, fields, values, { maxBytes: config.getNumber('stream-node-max-bytes'), maxEntries: config.getNumber('stream-node-max-entries') });
  // what replicas and the AOF get: the ID actually used, and what an approximate trim left as an exact one
  let rewritten: string[] | undefined;
  let trimmed = 0;
  if (a.strategy !== null) {
    trimmed = s.trim(a.strategy, a.approx, a.limit);
    if (a.approx) rewriteApproxTrim((rewritten ??= [...argv]), a, s);
  }
  const idText = formatId(id!);
  if (a.id === null || !a.id.seqGiven) (rewritten ??= [...argv])[a.idPos] = idText;
  if (fresh) db.set(key, s);
  else db.signalModified(key);
  replyWritten(ctx.server); // the new ID is the reply, given before the notifications
  notifyStream(ctx, 'xadd', key);
  if (trimmed) notifyStream(ctx, 'xtrim', key);
  if (rewritten) ctx.rewrite = rewritten;
  signalKeyAsReady(ctx.server, db, key);
  return bulk(idText);
}

// XTRIM key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]
function xtrimCommand(ctx: CommandContext): Reply {
  const { argv, db } = ctx;
  const key = argv[1];
  const a = parseAddOrTrim(ctx, false);
  const s = streamAt(db, key, false);
  if (s === undefined) return ZERO;
  db.beforeInPlaceChange(key);
  const deleted = s.trim(a.strategy!, a.approx, a.limit);
  if (deleted) {
    notifyStream(ctx, 'xtrim', key);
    if (a.approx) {
      const rewritten = [...argv];
      rewriteApproxTrim(rewritten, a, s);
      ctx.rewrite = rewritten;
    }
    db.signalModified(key);
    countDirty(ctx, deleted - 1);
  }
  return int(deleted);
}

// XDEL key id [id ...]
function xdelCommand(ctx: CommandContext): Reply {
  const { argv, db } = ctx;
  const key = argv[1];
  const s = streamAt(db, key, false);
  if (s === undefined) return ZERO;
  // every ID is checked first: the command runs whole or not at all
  const ids = argv.slice(2).map((a) => idArg(a));
  db.beforeInPlaceChange(key);
  let deleted = 0, firstDeleted = false;
  for (const id of ids) {
    if (!s.delete(id)) continue;
    if (id === s.firstId) firstDeleted = true;
    if (id > s.maxDeletedId) s.maxDeletedId = id;
    deleted++;
  }
  if (deleted) {
    if (s.length === 0) s.firstId = 0n;
    else if (firstDeleted) s.firstId = s.edgeId(true, true);
    db.signalModified(key);
    notifyStream(ctx, 'xdel', key);
    countDirty(ctx, deleted - 1);
  }
  return int(deleted);
}

// ---- reading ----

// XLEN key
function xlenCommand(ctx: CommandContext): Reply {
  const s = streamAt(ctx.db, ctx.argv[1], true);
  return s === undefined ? ZERO : int(s.length);
}

// XRANGE key start end [COUNT count] / XREVRANGE key end start [COUNT count]
function xrangeGeneric(ctx: CommandContext, rev: boolean): Reply {
  const argv = ctx.argv;
  const start = rangeStart(rev ? argv[3] : argv[2]);
  const end = rangeEnd(rev ? argv[2] : argv[3]);
  let count = -1n;
  for (let j = 4; j < argv.length; j++) {
    if (keyword(argv[j]) === 'COUNT' && argv.length - j - 1 >= 1) {
      count = llArg(argv[++j]);
      if (count < 0n) count = 0n;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  const s = streamAt(ctx.db, argv[1], true);
  if (s === undefined) return EMPTY_ARRAY;
  if (count === 0n) return NIL_ARRAY;
  return array(rangeReply(ctx, s, start, end, count === -1n ? 0 : Number(count), rev));
}

/** xreadGetKeys(): the keys after the STREAMS that follows the options (half of what is left), flagged 0. */
function xreadKeys(argv: readonly string[]): KeyRef[] {
  let streamsPos = -1;
  for (let i = 1; i < argv.length; i++) {
    const opt = keyword(argv[i]);
    if (opt === 'BLOCK' || opt === 'COUNT') i++;
    else if (opt === 'GROUP') i += 2;
    else if (opt === 'NOACK') continue;
    else if (opt === 'STREAMS') {
      streamsPos = i;
      break;
    } else break;
  }
  const num = streamsPos === -1 ? 0 : argv.length - streamsPos - 1;
  if (streamsPos === -1 || num === 0 || num % 2 !== 0) return [];
  const keys: KeyRef[] = [];
  for (let i = streamsPos + 1; i < argv.length - num / 2; i++) keys.push({ pos: i, flags: [] });
  return keys;
}

/** getTimeoutFromObjectOrReply() in milliseconds: a whole int64, not negative; the deadline, 0 for forever. */
function msTimeoutArg(ctx: CommandContext, text: string): number {
  const v = parseInteger(text);
  if (v === null) fail(ERR_TIMEOUT_NOT_INTEGER);
  const ms = BigInt(v!);
  if (ms < 0n) fail(ERR_TIMEOUT_NEGATIVE);
  if (ms === 0n) return 0;
  const deadline = ms + BigInt(ctx.server.clock.now());
  return deadline > INT64_MAX ? 0 : Number(deadline); // past int64 Redis's timeout table never reaches it
}

// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
// XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]
function xreadGeneric(ctx: CommandContext, xreadgroup: boolean): Reply | Deferred {
  const { argv, db } = ctx;
  const argc = argv.length;
  ctx.rewrite = null; // what changed goes out as XCLAIM / XGROUP commands, never as the read itself
  let timeout = -1, count = 0, noack = false;
  let streamsPos = 0, streams = 0;
  let groupName: string | undefined, consumerName = '';
  for (let i = 1; i < argc; i++) {
    const more = argc - i - 1;
    const opt = keyword(argv[i]);
    if (opt === 'BLOCK' && more) {
      // a script's client never blocks, but rather than read this as a timeout Redis refuses it, as it always did
      if (isScriptClient(ctx.client)) fail(`ERR ${argv[0]} command is not allowed with BLOCK option from scripts`);
      timeout = msTimeoutArg(ctx, argv[++i]);
    } else if (opt === 'COUNT' && more) {
      const n = llArg(argv[++i]);
      count = n < 0n ? 0 : Number(n);
    } else if (opt === 'STREAMS' && more) {
      streamsPos = i + 1;
      streams = argc - streamsPos;
      if (streams % 2 !== 0) {
        fail("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      streams /= 2;
      break;
    } else if (opt === 'GROUP' && more >= 2) {
      if (!xreadgroup) fail('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      groupName = argv[i + 1];
      consumerName = argv[i + 2];
      i += 2;
    } else if (opt === 'NOACK') {
      if (!xreadgroup) fail('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      noack = true;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  if (streamsPos === 0) fail(ERR_SYNTAX);
  if (xreadgroup && groupName === undefined) fail('ERR Missing GROUP option for XREADGROUP');

  // the IDs, and the groups, which must exist
  const ids: StreamId[] = [];
  const groups: ConsumerGroup[] = [];
  for (let k = 0; k < streams; k++) {
    const key = argv[streamsPos + k];
    const idText = cText(argv[streamsPos + streams + k]);
    const s = streamAt(db, key, true);
    if (groupName !== undefined) {
      const g = s?.group(groupName);
      if (g === undefined) {
        fail(`NOGROUP No such key '${cText(key)}' or consumer group '${cText(groupName)}' in XREADGROUP with GROUP option`);
      }
      groups.push(g!);
    }
    if (idText === '$') {
      if (xreadgroup) {
        fail('ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.');
      }
      ids.push(s ? s.lastId : 0n);
    } else if (idText === '>') {
      if (!xreadgroup) fail('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      ids.push(ID_MAX); // stands for "after the group's last ID", resolved when served
    } else {
      ids.push(idArg(argv[streamsPos + streams + k]));
    }
  }

  // serve at once what can be served
  const served: Reply[] = [];
  for (let k = 0; k < streams; k++) {
    const key = argv[streamsPos + k];
    const s = streamAt(db, key, true);
    if (s === undefined) continue;
    let gt = ids[k];
    let now = false, history = false;
    if (groupName !== undefined) {
      if (gt !== ID_MAX) {
        // an explicit ID reads the consumer's own history, whatever the stream holds
        now = history = true;
      } else if (s.length && s.lastLiveId() > groups[k].lastId) {
        now = true;
        gt = groups[k].lastId;
      }
    } else if (s.length && s.lastLiveId() > gt) {
      now = true;
    }
    if (!now) continue;
    const start = (gt + 1n) & ID_MAX;
    let entries: Reply[];
    if (groupName !== undefined) {
      db.beforeInPlaceChange(key);
      const g = groups[k];
      const { consumer, created } = consumerFor(ctx, g, consumerName, key);
      if (created && noack) propagate(ctx, ['XGROUP', 'CREATECONSUMER', key, groupName, consumerName]);
      entries = history
        ? historyReply(ctx, s, start, count, consumer)
        : rangeReply(ctx, s, start, ID_MAX, count, false, { key, groupName, group: g, consumer, noack });
      countDirty(ctx);
    } else {
      entries = rangeReply(ctx, s, start, ID_MAX, count, false);
    }
    served.push(bulk(key), array(entries));
  }
  if (served.length) return readReply(ctx.client, served);

  if (timeout !== -1) {
    // a client that may not block (MULTI) gets what a timeout would give
    if (!mayBlock(ctx.client)) return NIL_ARRAY;
    const from = new Map<string, StreamId>();
    for (let k = 0; k < streams; k++) if (!from.has(argv[streamsPos + k])) from.set(argv[streamsPos + k], ids[k]);
    const read = { groupName, consumerName, noack, count: count || BLOCKED_DEFAULT_COUNT };
    const waiter: KeyWaiter = {
      client: ctx.client, db, keys: [...from.keys()], type: 'stream', deadline: timeout, timeoutReply: NIL_ARRAY,
      serve: (key) => serveBlocked(ctx, key, from.get(key)!, read),
      keyLost: groupName === undefined ? undefined : () => error('UNBLOCKED the stream key no longer exists'),
    };
    blockForKeys(ctx.server, waiter);
    return BLOCKED;
  }
  return NIL_ARRAY;
}

/** XREAD's reply: [key, entries] pairs, an array of them in RESP2 and a map in RESP3. */
function readReply(client: Client, served: Reply[]): Reply {
  if (client.proto !== 2) return map(served);
  const out: Reply[] = [];
  for (let i = 0; i < served.length; i += 2) out.push(array([served[i], served[i + 1]]));
  return array(out);
}

/**
 * serveClientsBlockedOnStreamKey(): a parked reader whose stream got an entry past what it waits for (its ID,
 * or its group's last ID) gets them; a group that was destroyed meanwhile ends the wait with NOGROUP.
 */
function serveBlocked(
  ctx: CommandContext, key: string, waitedId: StreamId,
  read: { groupName: string | undefined; consumerName: string; noack: boolean; count: number },
): Reply | undefined {
  const db = ctx.db;
  const s = db.peek(key)!.value as StreamValue;
  let gt = waitedId;
  let g: ConsumerGroup | undefined;
  if (read.groupName !== undefined) {
    g = s.group(read.groupName);
    if (g === undefined) return error('NOGROUP the consumer group this client was blocked on no longer exists');
    gt = g.lastId;
  }
  if (s.lastId <= gt) return undefined;
  const start = gt + 1n;
  let entries: Reply[];
  if (g !== undefined) {
    db.beforeInPlaceChange(key);
    const { consumer, created } = consumerFor(ctx, g, read.consumerName, key);
    if (created && read.noack) propagate(ctx, ['XGROUP', 'CREATECONSUMER', key, read.groupName!, read.consumerName]);
    entries = rangeReply(ctx, s, start, ID_MAX, read.count, false, { key, groupName: read.groupName!, group: g, consumer, noack: read.noack });
  } else {
    entries = rangeReply(ctx, s, start, ID_MAX, read.count, false);
  }
  return readReply(ctx.client, [bulk(key), array(entries)]);
}

// ---- consumer groups ----

type XgroupSub = 'CREATE' | 'SETID' | 'DESTROY' | 'CREATECONSUMER' | 'DELCONSUMER';

// XGROUP CREATE key group <id | $> [MKSTREAM] [ENTRIESREAD n] / SETID key group <id | $> [ENTRIESREAD n]
// XGROUP DESTROY key group / CREATECONSUMER key group consumer / DELCONSUMER key group consumer
function xgroupGeneric(ctx: CommandContext, sub: XgroupSub): Reply {
  const { argv, db } = ctx;
  const argc = argv.length, key = argv[2], groupName = argv[3];
  let mkstream = false, entriesRead = ENTRIES_READ_INVALID;
  for (let i = 5; i < argc; ) {
    const opt = keyword(argv[i]);
    if (sub === 'CREATE' && opt === 'MKSTREAM') {
      mkstream = true;
      i++;
    } else if ((sub === 'CREATE' || sub === 'SETID') && opt === 'ENTRIESREAD' && i + 1 < argc) {
      entriesRead = llArg(argv[i + 1]);
      if (entriesRead < 0n && entriesRead !== ENTRIES_READ_INVALID) fail('ERR value for ENTRIESREAD must be positive or -1');
      i += 2;
    } else {
      subcommandSyntaxError(argv);
    }
  }
  let s = streamAt(db, key, false);
  let g: ConsumerGroup | undefined;
  if (!mkstream) {
    if (s === undefined) {
      fail('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.');
    }
    g = s!.group(groupName);
    if (g === undefined && (sub === 'SETID' || sub === 'CREATECONSUMER' || sub === 'DELCONSUMER')) {
      fail(`NOGROUP No such consumer group '${cText(groupName)}' for key name '${cText(key)}'`);
    }
  }
  const now = ctx.server.keyspace.now;
  switch (sub) {
    case 'CREATE': {
      if (argc > 8) subcommandSyntaxError(argv);
      const id = cText(argv[4]) === '$' ? (s ? s.lastId : 0n) : idArg(argv[4]);
      const fresh = s === undefined;
      if (s === undefined) s = new StreamValue();
      else db.beforeInPlaceChange(key);
      if (s.createGroup(groupName, id, entriesRead) === null) fail('BUSYGROUP Consumer Group name already exists');
      if (fresh) db.set(key, s); // MKSTREAM: the new key is the write
      else countDirty(ctx);
      replyWritten(ctx.server);
      notifyStream(ctx, 'xgroup-create', key);
      return OK;
    }
    case 'SETID': {
      if (argc !== 5 && argc !== 7) subcommandSyntaxError(argv);
      const id = cText(argv[4]) === '$' ? s!.lastId : idArg(argv[4], 0n, false);
      db.beforeInPlaceChange(key);
      g!.lastId = id;
      g!.entriesRead = entriesRead;
      countDirty(ctx);
      replyWritten(ctx.server);
      notifyStream(ctx, 'xgroup-setid', key);
      return OK;
    }
    case 'DESTROY':
      if (g === undefined) return ZERO;
      db.beforeInPlaceChange(key);
      s!.destroyGroup(groupName);
      countDirty(ctx);
      replyWritten(ctx.server);
      notifyStream(ctx, 'xgroup-destroy', key);
      signalKeyAsReady(ctx.server, db, key); // its blocked readers get NOGROUP
      return ONE;
    case 'CREATECONSUMER': {
      db.beforeInPlaceChange(key);
      const created = g!.createConsumer(argv[4], now) !== null;
      if (created) {
        countDirty(ctx);
        notifyStream(ctx, 'xgroup-createconsumer', key);
      }
      return created ? ONE : ZERO;
    }
    case 'DELCONSUMER': {
      const consumer = g!.consumers.get(argv[4]);
      if (consumer === undefined) return ZERO;
      db.beforeInPlaceChange(key);
      const pending = g!.deleteConsumer(consumer);
      countDirty(ctx);
      notifyStream(ctx, 'xgroup-delconsumer', key);
      return int(pending);
    }
  }
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
function xsetidCommand(ctx: CommandContext): Reply {
  const { argv, db } = ctx;
  const argc = argv.length, key = argv[1];
  const id = idArg(argv[2]);
  let entriesAdded = -1n, maxDeleted = 0n;
  for (let i = 3; i < argc; ) {
    const more = argc - 1 - i;
    const opt = keyword(argv[i]);
    if (opt === 'ENTRIESADDED' && more) {
      entriesAdded = llArg(argv[i + 1]);
      if (entriesAdded < 0n) fail('ERR entries_added must be positive');
      i += 2;
    } else if (opt === 'MAXDELETEDID' && more) {
      maxDeleted = idArg(argv[i + 1]);
      if (id < maxDeleted) fail('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      i += 2;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  const s = streamAt(db, key, false);
  if (s === undefined) return fail(ERR_NO_SUCH_KEY);
  if (s.length > 0) {
    if (id < s.lastLiveId()) fail('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1n && BigInt(s.length) > entriesAdded) {
      fail('ERR The entries_added specified in XSETID is smaller than the target stream length');
    }
  }
  db.beforeInPlaceChange(key);
  s.lastId = id;
  if (entriesAdded !== -1n) s.entriesAdded = entriesAdded;
  if (maxDeleted !== 0n) s.maxDeletedId = maxDeleted;
  countDirty(ctx);
  replyWritten(ctx.server);
  notifyStream(ctx, 'xsetid', key);
  return OK;
}

/** The stream and group a PEL command works on, or Redis's NOGROUP error. */
function groupOrFail(ctx: CommandContext, key: string, groupName: string): [StreamValue, ConsumerGroup] {
  const s = streamAt(ctx.db, key, true);
  const g = s?.group(groupName);
  if (g === undefined) fail(`NOGROUP No such key '${cText(key)}' or consumer group '${cText(groupName)}'`);
  return [s!, g!];
}

// XACK key group id [id ...]
function xackCommand(ctx: CommandContext): Reply {
  const { argv, db } = ctx;
  const s = streamAt(db, argv[1], true);
  const g = s?.group(argv[2]);
  if (g === undefined) return ZERO;
  // every ID is checked first: once something is acknowledged the reply cannot be an error
  const ids = argv.slice(3).map((a) => idArg(a));
  db.beforeInPlaceChange(argv[1]);
  let acked = 0;
  for (const id of ids) if (g.acknowledge(id)) acked++;
  countDirty(ctx, acked);
  return int(acked);
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
function xpendingCommand(ctx: CommandContext): Reply {
  const argv = ctx.argv, argc = argv.length;
  if (argc !== 3 && (argc < 6 || argc > 9)) fail(ERR_SYNTAX);
  let start = 0n, end = 0n, count = 0n, minIdle = 0n;
  let consumerName: string | undefined;
  if (argc >= 6) {
    let at = 3;
    if (keyword(argv[3]) === 'IDLE') {
      minIdle = llArg(argv[4]);
      if (argc < 8) fail(ERR_SYNTAX);
      at += 2;
    }
    count = llArg(argv[at + 2]);
    if (count < 0n) count = 0n;
    start = rangeStart(argv[at]);
    end = rangeEnd(argv[at + 1]);
    if (at + 3 < argc) consumerName = argv[at + 3];
  }
  const [, g] = groupOrFail(ctx, argv[1], argv[2]);

  if (argc === 3) {
    const first = g.pel.first(), last = g.pel.last();
    if (first === undefined || last === undefined) return array([ZERO, NIL, NIL, NIL_ARRAY]);
    const owners: Reply[] = [];
    for (const c of g.sortedConsumers()) if (c.pel.size) owners.push(array([bulk(c.name), bulk(String(c.pel.size))]));
    return array([int(g.pel.size), idReply(first[0]), idReply(last[0]), array(owners)]);
  }

  let pel = g.pel;
  if (consumerName !== undefined) {
    const c = g.consumers.get(consumerName);
    if (c === undefined) return EMPTY_ARRAY;
    pel = c.pel;
  }
  const now = ctx.server.keyspace.now;
  const items: Reply[] = [];
  for (let at = pel.ceiling(start); count > 0n && at !== undefined && at[0] <= end; at = pel.ceiling(at[0] + 1n)) {
    const [id, nack] = at;
    if (minIdle && BigInt(now - nack.deliveryTime) < minIdle) continue;
    count--;
    items.push(array([idReply(id), bulk(nack.consumer!.name), int(Math.max(0, now - nack.deliveryTime)), int(nack.deliveryCount)]));
  }
  return array(items);
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-ms] [RETRYCOUNT count] [FORCE]
//   [JUSTID] [LASTID id]
function xclaimCommand(ctx: CommandContext): Reply {
  const { argv, db } = ctx;
  const argc = argv.length, key = argv[1], groupName = argv[2], name = argv[3];
  ctx.rewrite = null; // each claim goes out as an XCLAIM of its own, with explicit options
  const [s, g] = groupOrFail(ctx, key, groupName);
  let minIdle = llArg(argv[4], 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minIdle < 0n) minIdle = 0n;
  // the IDs run until the first argument that is not one: the options follow
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argc; j++) {
    const p = parseId(argv[j], 0n, true);
    if (p === null) break;
    ids.push(p.id);
  }
  const now = ctx.server.keyspace.now;
  let force = false, justid = false, retryCount = -1n, deliveryTime = -1n, lastId = 0n;
  for (; j < argc; j++) {
    const more = argc - 1 - j;
    const opt = keyword(argv[j]);
    if (opt === 'FORCE') force = true;
    else if (opt === 'JUSTID') justid = true;
    else if (opt === 'IDLE' && more) deliveryTime = BigInt(now) - llArg(argv[++j], 'ERR Invalid IDLE option argument for XCLAIM');
    else if (opt === 'TIME' && more) deliveryTime = llArg(argv[++j], 'ERR Invalid TIME option argument for XCLAIM');
    else if (opt === 'RETRYCOUNT' && more) retryCount = llArg(argv[++j], 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
    else if (opt === 'LASTID' && more) lastId = idArg(argv[++j]);
    else fail(`ERR Unrecognized XCLAIM option '${cText(argv[j])}'`);
  }

  db.beforeInPlaceChange(key);
  let propagateLastId = false;
  if (lastId > g.lastId) {
    g.lastId = lastId;
    propagateLastId = true;
  }
  // a delivery time in the future or before 1970 is taken as now: clients compute it from their own clocks
  const time = deliveryTime === -1n || deliveryTime < 0n || deliveryTime > BigInt(now) ? now : Number(deliveryTime);
  let consumer: Consumer | undefined;
  const items: Reply[] = [];
  ids.forEach((id, k) => {
    const idText = argv[5 + k];
    let nack = g.pel.get(id);
    const entry = s.get(id);
    if (entry === undefined) {
      // an entry deleted from the stream leaves the PEL when someone tries to claim it
      if (nack !== undefined) {
        propagateClaim(ctx, key, groupName, g, idText, nack);
        propagateLastId = false;
        countDirty(ctx);
        g.acknowledge(id);
      }
      return;
    }
    if (force && nack === undefined) {
      nack = { deliveryTime: now, deliveryCount: 1, consumer: null };
      g.pel.set(id, nack);
    }
    if (nack === undefined) return;
    if (nack.consumer !== null && minIdle && BigInt(now - nack.deliveryTime) < minIdle) return;
    consumer ??= consumerFor(ctx, g, name, key).consumer;
    nack.deliveryTime = time;
    if (retryCount >= 0n) nack.deliveryCount = Number(retryCount);
    else if (!justid) nack.deliveryCount++;
    g.assign(id, nack, consumer);
    items.push(justid ? idReply(id) : entryReply(entry));
    propagateClaim(ctx, key, groupName, g, idText, nack);
    propagateLastId = false;
    countDirty(ctx);
  });
  if (propagateLastId) {
    propagateGroupId(ctx, key, groupName, g);
    countDirty(ctx);
  }
  return array(items);
}

/** XAUTOCLAIM's COUNT ceiling: LONG_MAX / max(sizeof(streamID), attempts factor). */
const AUTOCLAIM_MAX_COUNT = 576460752303423487n;

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
function xautoclaimCommand(ctx: CommandContext): Reply {
  const { argv, db } = ctx;
  const argc = argv.length, key = argv[1], groupName = argv[2], name = argv[3];
  ctx.rewrite = null; // each claim goes out as an XCLAIM of its own
  let minIdle = llArg(argv[4], 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdle < 0n) minIdle = 0n;
  let cursor = rangeStart(argv[5]);
  let count = 100, justid = false;
  for (let j = 6; j < argc; j++) {
    const more = argc - 1 - j;
    const opt = keyword(argv[j]);
    if (opt === 'COUNT' && more) {
      const v = parseInteger(argv[++j]);
      if (v === null || BigInt(v) < 1n || BigInt(v) > AUTOCLAIM_MAX_COUNT) fail('ERR COUNT must be > 0');
      count = Number(v);
    } else if (opt === 'JUSTID') {
      justid = true;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  const [s, g] = groupOrFail(ctx, key, groupName);
  db.beforeInPlaceChange(key);
  const now = ctx.server.keyspace.now;
  let attempts = count * 10;
  let consumer: Consumer | undefined;
  const items: Reply[] = [];
  const deleted: Reply[] = [];
  while (attempts-- > 0 && count > 0) {
    const at = g.pel.ceiling(cursor);
    if (at === undefined) break;
    const [id, nack] = at;
    cursor = id + 1n;
    const entry = s.get(id);
    if (entry === undefined) {
      propagateClaim(ctx, key, groupName, g, formatId(id), nack);
      countDirty(ctx);
      g.acknowledge(id);
      deleted.push(idReply(id));
      count--; // deleted entries count against the reply size too
      continue;
    }
    if (minIdle && BigInt(now - nack.deliveryTime) < minIdle) continue;
    consumer ??= consumerFor(ctx, g, name, key).consumer;
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount++;
    g.assign(id, nack, consumer);
    items.push(justid ? idReply(id) : entryReply(entry));
    count--;
    propagateClaim(ctx, key, groupName, g, formatId(id), nack);
    countDirty(ctx);
  }
  // the cursor for the next call: the next pending entry, 0-0 when the scan reached the end
  const next = cursor > ID_MAX ? undefined : g.pel.ceiling(cursor);
  return array([idReply(next === undefined ? 0n : next[0]), array(items), array(deleted)]);
}

// ---- introspection ----

/** XINFO's common part: the stream, or "no such key". */
function infoStream(ctx: CommandContext): StreamValue {
  const s = streamAt(ctx.db, ctx.argv[2], true);
  if (s === undefined) fail(ERR_NO_SUCH_KEY);
  return s!;
}

const field = (name: string, value: Reply): Reply[] => [bulk(name), value];
const readCounter = (g: ConsumerGroup): Reply => (g.entriesRead === ENTRIES_READ_INVALID ? NIL : int(g.entriesRead));
const lagReply = (s: StreamValue, g: ConsumerGroup): Reply => {
  const lag = s.lag(g);
  return lag === null ? NIL : int(lag);
};

// XINFO CONSUMERS key group
function xinfoConsumersCommand(ctx: CommandContext): Reply {
  const argv = ctx.argv;
  const s = infoStream(ctx);
  const g = s.group(argv[3]);
  if (g === undefined) fail(`NOGROUP No such consumer group '${cText(argv[3])}' for key name '${cText(argv[2])}'`);
  const now = ctx.server.keyspace.now;
  return array(g!.sortedConsumers().map((c) => map([
    ...field('name', bulk(c.name)),
    ...field('pending', int(c.pel.size)),
    ...field('idle', int(Math.max(0, now - c.seenTime))),
  ])));
}

// XINFO GROUPS key
function xinfoGroupsCommand(ctx: CommandContext): Reply {
  const s = infoStream(ctx);
  return array(s.sortedGroups().map(([name, g]) => map([
    ...field('name', bulk(name)),
    ...field('consumers', int(g.consumers.size)),
    ...field('pending', int(g.pel.size)),
    ...field('last-delivered-id', idReply(g.lastId)),
    ...field('entries-read', readCounter(g)),
    ...field('lag', lagReply(s, g)),
  ])));
}

// XINFO STREAM key [FULL [COUNT count]]
function xinfoStreamCommand(ctx: CommandContext): Reply {
  const argv = ctx.argv;
  const s = infoStream(ctx);
  const options = argv.length - 3;
  let full = false, count = 10n;
  if (options > 0) {
    if (options !== 1 && options !== 3) subcommandSyntaxError(argv);
    if (keyword(argv[3]) !== 'FULL') subcommandSyntaxError(argv);
    if (options === 3) {
      if (keyword(argv[4]) !== 'COUNT') subcommandSyntaxError(argv);
      count = llArg(argv[5]);
      if (count < 0n) count = 10n;
    }
    full = true;
  }
  const head = [
    ...field('length', int(s.length)),
    ...field('radix-tree-keys', int(s.nodes.size)),
    ...field('radix-tree-nodes', int(s.radixTreeNodes())),
    ...field('last-generated-id', idReply(s.lastId)),
    ...field('max-deleted-entry-id', idReply(s.maxDeletedId)),
    ...field('entries-added', int(s.entriesAdded)),
    ...field('recorded-first-entry-id', idReply(s.firstId)),
  ];
  if (!full) {
    const first = rangeReply(ctx, s, 0n, ID_MAX, 1, false);
    const last = rangeReply(ctx, s, 0n, ID_MAX, 1, true);
    return map([
      ...head,
      ...field('groups', int(s.groups?.size ?? 0)),
      ...field('first-entry', first[0] ?? NIL),
      ...field('last-entry', last[0] ?? NIL),
    ]);
  }
  const n = count > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(count);
  const within = (i: number) => n === 0 || i < n;
  const groups = s.sortedGroups().map(([name, g]) => {
    const pending: Reply[] = [];
    for (const [id, nack] of g.pel.entries()) {
      if (!within(pending.length)) break;
      pending.push(array([idReply(id), bulk(nack.consumer!.name), int(nack.deliveryTime), int(nack.deliveryCount)]));
    }
    const consumers = g.sortedConsumers().map((c) => {
      const own: Reply[] = [];
      for (const [id, nack] of c.pel.entries()) {
        if (!within(own.length)) break;
        own.push(array([idReply(id), int(nack.deliveryTime), int(nack.deliveryCount)]));
      }
      return map([
        ...field('name', bulk(c.name)),
        ...field('seen-time', int(c.seenTime)),
        ...field('pel-count', int(c.pel.size)),
        ...field('pending', array(own)),
      ]);
    });
    return map([
      ...field('name', bulk(name)),
      ...field('last-delivered-id', idReply(g.lastId)),
      ...field('entries-read', readCounter(g)),
      ...field('lag', lagReply(s, g)),
      ...field('pel-count', int(g.pel.size)),
      ...field('pending', array(pending)),
      ...field('consumers', array(consumers)),
    ]);
  });
  return map([
    ...head,
    ...field('entries', array(rangeReply(ctx, s, 0n, ID_MAX, n, false))),
    ...field('groups', array(groups)),
  ]);
}
