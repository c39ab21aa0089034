/**
 * DUMP and RESTORE (cluster.c): a value as Redis's serialized payload — its RDB encoding (lib/rdb/write.ts), the
 * RDB version and a CRC64 of both — and back through the RDB reader's value parsers and the loader's builders.
 * Every payload is validated fully, as Redis does under sanitize-dump-payload yes: that setting is accepted, not read.
 */
import { ERR_NOT_INTEGER, ERR_SYNTAX, fail } from '../protocol/errors';
import { bulk, NIL, OK, type Reply } from '../protocol/reply';
import { crc64 } from '../rdb/crc64';
import { RdbError } from '../rdb/errors';
import { build, isEmpty, loadLimitsOf, type LoadLimits } from '../rdb/load';
import * as op from '../rdb/opcodes';
import { parseValue } from '../rdb/parse';
import { encodeObject, type ObjectOptions } from '../rdb/write';
import { NO_EXPIRY } from '../store/keyspace';
import { parseInteger } from '../store/numbers';
import type { Value } from '../store/types';
import type { Server } from '../server/server';
import type { ArgCursor } from './args';
import { integer, key, str, tok } from './docs';
import { keyAt } from './keyspecs';
import type { CommandContext, CommandSpec } from './types';
import { notifyKeyspaceEvent, NOTIFY_GENERIC } from '../server/notify';

export const dumpCommands: readonly CommandSpec[] = [
  { name: 'DUMP', arity: 2, flags: ['readonly'], group: 'generic', since: '2.6.0', summary: 'Serialize the value at a key in the format RESTORE reads.', complexity: 'O(1) to find the key, then O(N*M) to serialize its N elements of average size M.', acl: ['@keyspace'], tips: ['nondeterministic_output'], run: dumpCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key')] },
  { name: 'RESTORE', arity: -4, flags: ['write', 'denyoom'], group: 'generic', since: '2.6.0', summary: 'Create a key from a value serialized by DUMP.', complexity: 'O(1) to create the key, then O(N*M) to rebuild its N elements of average size M (O(N*M*log(N)) for a sorted set).', acl: ['@keyspace', '@dangerous'], run: restoreCommand,
    keySpecs: [keyAt(1, 'OW update')],
    args: [
      key('key'), integer('ttl'), str('serialized-value'), tok('REPLACE').opt.since('3.0.0'), tok('ABSTTL').opt.since('5.0.0'),
      integer('seconds', 'IDLETIME').opt.since('5.0.0'), integer('frequency', 'FREQ').opt.since('5.0.0'),
    ],
    history: [['3.0.0', 'REPLACE overwrites an existing key.'], ['5.0.0', 'ABSTTL takes the TTL as a unix time in ms.'], ['5.0.0', 'IDLETIME and FREQ set the access data eviction uses.']] },
];

/** The footer: the RDB version (2 bytes) and the CRC64 (8 bytes), both little-endian. */
const FOOTER_BYTES = 10;

/** The last value type Redis 7.0 knows (rdbIsObjectType): 7.2's set listpack and stream v3 are refused. */
const LAST_7_0_TYPE = op.RDB_TYPE_STREAM_LISTPACKS_2;

/** What the server's configuration says about encoding a payload. */
export function objectOptions(server: Server): ObjectOptions {
  const config = server.config;
  return {
    compression: config.getBool('rdbcompression'),
    quicklist: {
      fill: config.getNumber('list-max-listpack-size'),
      compressDepth: config.getNumber('list-compress-depth'),
      packedThreshold: server.quicklistPackedThreshold,
    },
  };
}

/** createDumpPayload(): the value's type byte and encoding, then the RDB version and the CRC64 of all before it. */
export function dumpPayload(value: Value, opts: ObjectOptions): Buffer {
  const body = encodeObject(value, opts);
  const out = Buffer.allocUnsafe(body.length + FOOTER_BYTES);
  body.copy(out, 0);
  out.writeUInt16LE(op.RDB_VERSION_WRITTEN, body.length);
  out.writeBigUInt64LE(crc64(out.subarray(0, body.length + 2)), body.length + 2);
  return out;
}

/** verifyDumpPayload(): a footer is there, its RDB version is one 7.0 reads, and the CRC64 matches. */
function verifyPayload(p: Buffer): boolean {
  if (p.length < FOOTER_BYTES) return false;
  if (p.readUInt16LE(p.length - FOOTER_BYTES) > op.RDB_VERSION_WRITTEN) return false;
  return crc64(p.subarray(0, p.length - 8)) === p.readBigUInt64LE(p.length - 8);
}

/**
 * rdbLoadObjectType() + rdbLoadObject() over the payload (footer included, as Redis reads it): the value, or null
 * for what Redis calls "Bad data format" — an unknown type, a value that does not decode, a repeated member, an
 * empty collection. The value is encoded as loading it under the server's `limits` leaves it.
 */
function decodePayload(p: Buffer, limits: LoadLimits): Value | null {
  const type = p[0];
  if (type > LAST_7_0_TYPE) return null;
  try {
    const { value } = parseValue(type, p.subarray(1));
    if (typeof value === 'string') return value;
    if (isEmpty(value)) return null;
    return build(value, type, limits) ?? fail(`ERR Bad data format: toyredis does not hold values of type ${value.type} yet`);
  } catch (e) {
    if (e instanceof RdbError) return null;
    throw e;
  }
}

// DUMP key
function dumpCommand({ db, server }: CommandContext, args: ArgCursor): Reply {
  const e = db.lookupRead(args.nextKey());
  if (e === undefined) return NIL;
  return bulk(dumpPayload(e.value, objectOptions(server)));
}

/** An option keyword as strcasecmp() sees it: up to its first NUL byte, any case. */
function keyword(arg: string): string {
  const nul = arg.indexOf('\0');
  return (nul < 0 ? arg : arg.slice(0, nul)).toLowerCase();
}

function int64Argument(text: string): bigint {
  const v = parseInteger(text);
  if (v === null) fail(ERR_NOT_INTEGER);
  return BigInt(v!);
}

/** LRU_CLOCK_MAX: Redis keeps access times on a 24-bit seconds clock that wraps. */
const LRU_CLOCK_MAX = (1 << 24) - 1;

/**
 * The idle time OBJECT IDLETIME reports after RESTORE … IDLETIME `idle` (objectSetLRUOrLFU, then
 * estimateObjectIdleTime): the given seconds, except that Redis's 24-bit clock folds idle times past ~194 days.
 */
function restoredIdleSeconds(idle: bigint, nowSeconds: number): number {
  const clock = BigInt(nowSeconds & LRU_CLOCK_MAX);
  let abs = clock - BigInt.asIntN(64, idle * 1000n) / 1000n; // the C multiply wraps before it divides
  if (abs < 0n) abs += BigInt(LRU_CLOCK_MAX);
  const lru = BigInt.asUintN(24, abs);
  return Number(clock >= lru ? clock - lru : clock + (BigInt(LRU_CLOCK_MAX) - lru));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
function restoreCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const { db, server, argv } = ctx;
  const ks = server.keyspace;
  let replace = false, absttl = false;
  let idle: bigint | null = null, freq: number | null = null;
  for (let j = 4; j < argv.length; j++) {
    const opt = keyword(argv[j]);
    const more = argv.length - j - 1;
    if (opt === 'replace') replace = true;
    else if (opt === 'absttl') absttl = true;
    else if (opt === 'idletime' && more >= 1 && freq === null) {
      idle = int64Argument(argv[++j]);
      if (idle < 0n) fail('ERR Invalid IDLETIME value, must be >= 0');
    } else if (opt === 'freq' && more >= 1 && idle === null) {
      const f = int64Argument(argv[++j]);
      if (f < 0n || f > 255n) fail('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = Number(f);
    } else fail(ERR_SYNTAX);
  }

  const key = args.nextKey();
  if (!replace && db.lookup(key) !== undefined) fail('BUSYKEY Target key name already exists.');
  let ttl = int64Argument(argv[2]);
  if (ttl < 0n) fail('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3], 'latin1');
  if (!verifyPayload(payload)) fail('ERR DUMP payload version or checksum are wrong');
  const value = decodePayload(payload, loadLimitsOf(server.config)) ?? fail('ERR Bad data format');

  const deleted = replace && db.delete(key);
  const now = BigInt(ks.now);
  if (ttl !== 0n && !absttl) ttl = BigInt.asIntN(64, ttl + now); // as the C addition wraps
  // checkAlreadyExpired(): a master (not loading) does not create a key already past its TTL; a replica does,
  // and leaves its removal to its master's DEL.
  if (ttl !== 0n && ttl <= now && !server.loading && server.replicaRole === null) {
    if (deleted) {
      ctx.rewrite = ['DEL', key];
      notifyKeyspaceEvent(server, NOTIFY_GENERIC, 'del', key, db.id);
    }
    return OK;
  }
  db.set(key, value, ttl === 0n ? NO_EXPIRY : Math.max(1, Number(ttl)));
  notifyKeyspaceEvent(server, NOTIFY_GENERIC, 'restore', key, db.id);
  if (ttl !== 0n && !absttl) ctx.rewrite = [...argv.slice(0, 2), String(ttl), ...argv.slice(3), 'ABSTTL'];
  const e = db.peek(key)!;
  if (ks.lfu) {
    if (freq !== null) e.lru = (ks.newLru() & ~255) | freq; // this minute, with the given counter
  } else if (idle !== null) {
    e.lru = ks.lruClock - restoredIdleSeconds(idle, ks.lruClock);
  }
  return OK;
}
