/**
 * Geospatial commands (geo.c) over sorted sets whose scores are 52-bit geohashes (lib/store/geohash.ts). GEOADD
 * is a ZADD in disguise and propagates as one; searches scan the nine cells around the centre in Redis's order,
 * sort as glibc's stable qsort or Redis's partial pqsort would, and print distances and coordinates as Redis does.
 */
import { ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, fail } from '../protocol/errors';
import { array, bulk, EMPTY_ARRAY, int, NIL, NIL_ARRAY, raw, ZERO, type Reply } from '../protocol/reply';
import {
  cellScoreRange, distance, distanceWithin, GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, geohashString,
  isZeroHash, pointBits, scoreToLonLat, searchAreas, type GeoShape,
} from '../store/geohash';
import type { Db } from '../store/keyspace';
import { parseInteger } from '../store/numbers';
import { pqsort } from '../store/pqsort';
import { ZsetValue, type ZsetLimits } from '../store/zset';
import { doubleArg } from './args';
import { block, dbl, integer, key, oneof, str, tok } from './docs';
import { afterKeyword, keyAt } from './keyspecs';
import type { CommandContext, CommandSpec, KeyRef } from './types';
import { notifyKeyspaceEvent, replyWritten, NOTIFY_GENERIC, NOTIFY_ZSET } from '../server/notify';

const GEO = ['@geo'] as const;
const SEARCH_COMPLEXITY = 'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.';
const SHAPE_COMPLEXITY = 'O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape';

// ---- argument trees shared by the search commands ----

const unit = oneof('unit', tok('M', 'm'), tok('KM', 'km'), tok('FT', 'ft'), tok('MI', 'mi'));
const withFlags = [tok('WITHCOORD').opt, tok('WITHDIST').opt, tok('WITHHASH').opt];
const order = oneof('order', tok('ASC'), tok('DESC')).opt;
const countBlock = (anySince?: string) =>
  block('count', integer('count', 'COUNT'), anySince ? tok('ANY').opt.since(anySince) : tok('ANY').opt).opt;
const from = oneof('from', str('member', 'FROMMEMBER'), block('longitude_latitude', dbl('longitude'), dbl('latitude')).token('FROMLONLAT'));
const by = oneof('by', block('circle', dbl('radius', 'BYRADIUS'), unit), block('box', dbl('width', 'BYBOX'), dbl('height'), unit));
const storeKeys = [key('key', 1).token('STORE').opt, key('key', 2).token('STOREDIST').opt];
const radiusSpecs = (startfrom: number) => [
  keyAt(1, 'RO access'), keyAt(afterKeyword('STORE', startfrom), 'OW update'), keyAt(afterKeyword('STOREDIST', startfrom), 'OW update'),
];
const UPPERCASE_UNITS = ['7.0.0', 'Added support for uppercase unit names.'] as const;
const ANY_OPTION = ['6.2.0', 'Added the `ANY` option for `COUNT`.'] as const;

export const geoCommands: readonly CommandSpec[] = [
  { name: 'GEOADD', arity: -5, flags: ['write', 'denyoom'], group: 'geo', since: '3.2.0', summary: 'Add points, each a longitude, latitude and member, to a geospatial index.', complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.', acl: GEO, run: geoaddCommand,
    keySpecs: [keyAt(1, 'RW update')],
    args: [key('key'), oneof('condition', tok('NX'), tok('XX')).opt.since('6.2.0'), tok('CH', 'change').opt.since('6.2.0'),
      block('longitude_latitude_member', dbl('longitude'), dbl('latitude'), str('member')).many],
    history: [['6.2.0', 'CH, NX and XX options.']] },
  { name: 'GEODIST', arity: -4, flags: ['readonly'], group: 'geo', since: '3.2.0', summary: 'Distance between two members of a geospatial index.', complexity: 'O(log(N))', acl: GEO, run: geodistCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('member1'), str('member2'), unit.opt] },
  { name: 'GEOHASH', arity: -2, flags: ['readonly'], group: 'geo', since: '3.2.0', summary: 'Standard 11-character geohash strings of members of a geospatial index.', complexity: 'O(log(N)) for each member requested, where N is the number of elements in the sorted set.', acl: GEO, run: geohashCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('member').many] },
  { name: 'GEOPOS', arity: -2, flags: ['readonly'], group: 'geo', since: '3.2.0', summary: 'Longitude and latitude of members of a geospatial index.', complexity: 'O(N) where N is the number of members requested.', acl: GEO, run: geoposCommand,
    keySpecs: [keyAt(1, 'RO access')], args: [key('key'), str('member').many] },
  { name: 'GEORADIUS', arity: -6, flags: ['write', 'denyoom'], group: 'geo', since: '3.2.0', summary: 'Members of a geospatial index within a radius of a point, optionally stored.', complexity: SEARCH_COMPLEXITY, acl: GEO, run: (ctx) => georadiusGeneric(ctx, 1, { center: 'coords', store: true }),
    keySpecs: radiusSpecs(6), getKeys: georadiusKeys,
    args: [key('key'), dbl('longitude'), dbl('latitude'), dbl('radius'), unit, ...withFlags, countBlock('6.2.0'), order, ...storeKeys],
    history: [ANY_OPTION, UPPERCASE_UNITS], docFlags: ['deprecated'], deprecatedSince: '6.2.0',
    replacedBy: '`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument' },
  { name: 'GEORADIUS_RO', arity: -6, flags: ['readonly'], group: 'geo', since: '3.2.10', summary: 'Members of a geospatial index within a radius of a point (read-only GEORADIUS).', complexity: SEARCH_COMPLEXITY, acl: GEO, run: (ctx) => georadiusGeneric(ctx, 1, { center: 'coords', store: false }),
    keySpecs: [keyAt(1, 'RO access')],
    args: [key('key'), dbl('longitude'), dbl('latitude'), dbl('radius'), unit, ...withFlags, countBlock('6.2.0'), order],
    history: [ANY_OPTION], docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`GEOSEARCH` with the `BYRADIUS` argument' },
  { name: 'GEORADIUSBYMEMBER', arity: -5, flags: ['write', 'denyoom'], group: 'geo', since: '3.2.0', summary: 'Members of a geospatial index within a radius of one of its members, optionally stored.', complexity: SEARCH_COMPLEXITY, acl: GEO, run: (ctx) => georadiusGeneric(ctx, 1, { center: 'member', store: true }),
    keySpecs: radiusSpecs(5), getKeys: georadiusKeys,
    args: [key('key'), str('member'), dbl('radius'), unit, ...withFlags, countBlock(), order, ...storeKeys],
    history: [UPPERCASE_UNITS], docFlags: ['deprecated'], deprecatedSince: '6.2.0',
    replacedBy: '`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments' },
  { name: 'GEORADIUSBYMEMBER_RO', arity: -5, flags: ['readonly'], group: 'geo', since: '3.2.10', summary: 'Members of a geospatial index within a radius of one of its members (read-only GEORADIUSBYMEMBER).', complexity: SEARCH_COMPLEXITY, acl: GEO, run: (ctx) => georadiusGeneric(ctx, 1, { center: 'member', store: false }),
    keySpecs: [keyAt(1, 'RO access')],
    args: [key('key'), str('member'), dbl('radius'), unit, ...withFlags, countBlock(), order],
    docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments' },
  { name: 'GEOSEARCH', arity: -7, flags: ['readonly'], group: 'geo', since: '6.2.0', summary: 'Members of a geospatial index inside a circle or a box.', complexity: SHAPE_COMPLEXITY, acl: GEO, run: (ctx) => georadiusGeneric(ctx, 1, { center: 'search', store: false }),
    keySpecs: [keyAt(1, 'RO access')],
    args: [key('key'), from, by, order, countBlock(), ...withFlags],
    history: [UPPERCASE_UNITS] },
  { name: 'GEOSEARCHSTORE', arity: -8, flags: ['write', 'denyoom'], group: 'geo', since: '6.2.0', summary: 'Store the members of a geospatial index inside a circle or a box in another key.', complexity: SHAPE_COMPLEXITY, acl: GEO, run: (ctx) => georadiusGeneric(ctx, 2, { center: 'search', store: false, searchStore: true }),
    keySpecs: [keyAt(1, 'OW update'), keyAt(2, 'RO access')],
    args: [key('destination'), key('source', 1), from, by, order, countBlock(), tok('STOREDIST').opt],
    history: [UPPERCASE_UNITS] },
];

const ERR_DECODE_MEMBER = 'ERR could not decode requested zset member';
const ERR_UNIT = 'ERR unsupported unit provided. please use M, KM, FT, MI';
const ERR_ANY_WITHOUT_COUNT = 'ERR the ANY argument requires COUNT argument';

// ---- arguments ----

/** An argument as strcasecmp() sees it: up to its first NUL byte, ASCII letters folded. */
function keyword(arg: string): string {
  const nul = arg.indexOf('\0');
  return (nul < 0 ? arg : arg.slice(0, nul)).replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** extractLongLatOrReply(): both numbers parsed first, then the pair checked against the indexable limits. */
function lonLatArgs(lonText: string, latText: string): [lon: number, lat: number] {
  const lon = doubleArg(lonText), lat = doubleArg(latText);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    fail(`ERR invalid longitude,latitude pair ${printfFixed(lon, 6)},${printfFixed(lat, 6)}`);
  }
  return [lon, lat];
}

/** extractUnitOrReply(): meters per unit. */
function unitArg(text: string): number {
  switch (keyword(text)) {
    case 'm': return 1;
    case 'km': return 1000;
    case 'ft': return 0.3048;
    case 'mi': return 1609.34;
    default: return fail(ERR_UNIT);
  }
}

/** extractDistanceOrReply(): `radius unit`. */
function radiusArgs(radiusText: string, unitText: string): { radius: number; conversion: number } {
  const radius = doubleArg(radiusText, 'ERR need numeric radius');
  if (radius < 0) fail('ERR radius cannot be negative');
  return { radius, conversion: unitArg(unitText) };
}

/** extractBoxOrReply(): `width height unit`. */
function boxArgs(widthText: string, heightText: string, unitText: string): { width: number; height: number; conversion: number } {
  const width = doubleArg(widthText, 'ERR need numeric width');
  const height = doubleArg(heightText, 'ERR need numeric height');
  if (height < 0 || width < 0) fail('ERR height or width cannot be negative');
  return { width, height, conversion: unitArg(unitText) };
}

/** The sorted set at `key`, undefined if absent; WRONGTYPE for another type. */
function geoZset(db: Db, key: string, read: boolean): ZsetValue | undefined {
  const e = read ? db.lookupRead(key) : db.lookup(key);
  if (e === undefined) return undefined;
  if (!(e.value instanceof ZsetValue)) fail(ERR_WRONGTYPE);
  return e.value as ZsetValue;
}

/** longLatFromMember(): the decoded position of a member, or null when it is not in the set. */
function memberLonLat(z: ZsetValue, member: string): [number, number] | null {
  const score = z.score(member);
  return score === undefined ? null : scoreToLonLat(score);
}

/** zset-max-listpack-entries and -value, read at each write so CONFIG SET takes effect at once. */
function limits(ctx: CommandContext): ZsetLimits {
  const config = ctx.server.config;
  return { maxEntries: config.getNumber('zset-max-listpack-entries'), maxValue: config.getNumber('zset-max-listpack-value') };
}

// ---- number formatting ----

/** A double's exact value as sign, integer significand and binary exponent. */
function exactParts(d: number): { neg: boolean; mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const neg = bits >> 63n === 1n;
  return biased === 0 ? { neg, mant: fraction, exp: -1074 } : { neg, mant: fraction | (1n << 52n), exp: biased - 1075 };
}

/** printf("%.Nf") of a double as glibc prints it: the exact binary value rounded half to even, sign kept on zero. */
function printfFixed(d: number, digits: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (!Number.isFinite(d)) return d < 0 ? '-inf' : 'inf';
  const { neg, mant, exp } = exactParts(d);
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (exp >= 0) {
    q = (mant << BigInt(exp)) * scale;
  } else {
    const k = BigInt(-exp);
    const scaled = mant * scale;
    q = scaled >> k;
    const rest = scaled - (q << k);
    const half = 1n << (k - 1n);
    if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
  }
  const text = q.toString().padStart(digits + 1, '0');
  const body = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return neg ? `-${body}` : body;
}

/** ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a bare dot) dropped, "-0" printed as "0". */
function humanDouble(d: number): string {
  let s = printfFixed(d, 17);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/**
 * addReplyHumanLongDouble(): a bulk string in RESP2, a RESP3 double carrying the same text (which is not the
 * %.17g a plain double reply would print, hence the pre-encoded bytes).
 */
function coordinate(d: number, proto: number): Reply {
  const text = humanDouble(d);
  return proto === 3 ? raw(Buffer.from(`,${text}\r\n`, 'latin1')) : bulk(text);
}

/** llrint(): to the nearest integer, ties to even; x86 gives INT64_MIN for NaN and out-of-range values. */
function llrint(x: number): bigint {
  if (!(x >= -(2 ** 63) && x < 2 ** 63)) return -(2n ** 63n);
  let r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) r -= 1;
  return BigInt(r);
}

/** fixedpoint_d2string(d, 4) as addReplyDoubleDistance() sends it: llrint(d * 10^4) with the point put back. */
function distanceText(d: number): string {
  if (d === 0) return '0.0000';
  const v = llrint(d * 10000);
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(5, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

/** (long long)score for WITHHASH: truncation, INT64_MIN when out of range (cvttsd2si). */
function hashInteger(score: number): Reply {
  if (!(score >= -(2 ** 63) && score < 2 ** 63)) return int(-(2n ** 63n));
  const t = Math.trunc(score);
  return int(Number.isSafeInteger(t) ? t : BigInt(t));
}

// ---- GEOADD GEOPOS GEODIST GEOHASH ----

// GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]
function geoaddCommand(ctx: CommandContext): Reply {
  const argv = ctx.argv, key = argv[1];
  let nx = false, xx = false, ch = false, longIdx = 2;
  for (; longIdx < argv.length; longIdx++) {
    const opt = keyword(argv[longIdx]);
    if (opt === 'nx') nx = true;
    else if (opt === 'xx') xx = true;
    else if (opt === 'ch') ch = true;
    else break;
  }
  if ((argv.length - longIdx) % 3 !== 0 || (xx && nx)) fail(ERR_SYNTAX);

  // what ZADD gets (and replicas see): the options as typed, then score/member pairs
  const zadd = ['zadd', ...argv.slice(1, longIdx)];
  const points: [score: number, member: string][] = [];
  for (let i = longIdx; i < argv.length; i += 3) {
    const [lon, lat] = lonLatArgs(argv[i], argv[i + 1]);
    const [hi, lo] = pointBits(lon, lat);
    // the score as the exact integer, which ZADD then rounds to a double (only at the upper edges does it have to)
    const text = hi < 0x200000 ? String(hi * 2 ** 32 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
    points.push([Number(text), argv[i + 2]]);
    zadd.push(text, argv[i + 2]);
  }
  // ZADD itself refuses an empty list of pairs
  if (points.length === 0) fail(ERR_SYNTAX);

  const db = ctx.db;
  let z = geoZset(db, key, false);
  const fresh = z === undefined;
  if (z === undefined) {
    if (xx) return ZERO;
    z = new ZsetValue();
  } else {
    db.beforeInPlaceChange(key);
  }
  const lim = limits(ctx);
  let added = 0, updated = 0;
  for (const [score, member] of points) {
    const r = z.add(member, score, { nx, xx }, lim);
    if (r.kind === 'added') added++;
    else if (r.kind === 'updated') updated++;
  }
  if (added + updated > 0) {
    if (fresh) db.set(key, z);
    else db.signalModified(key);
    // Redis counts one change per element; the keyspace counted one for the key already
    ctx.server.keyspace.dirty += added + updated - 1;
    replyWritten(ctx.server); // GEOADD runs as ZADD, which notifies after its reply
    notifyKeyspaceEvent(ctx.server, NOTIFY_ZSET, 'zadd', key, db.id);
    ctx.rewrite = zadd;
  }
  return int(ch ? added + updated : added);
}

// GEOPOS key [member ...]
function geoposCommand(ctx: CommandContext): Reply {
  const argv = ctx.argv;
  const z = geoZset(ctx.db, argv[1], true);
  const out: Reply[] = [];
  for (let j = 2; j < argv.length; j++) {
    const at = z && memberLonLat(z, argv[j]);
    out.push(at ? array([coordinate(at[0], ctx.client.proto), coordinate(at[1], ctx.client.proto)]) : NIL_ARRAY);
  }
  return array(out);
}

// GEODIST key member1 member2 [M|KM|FT|MI]
function geodistCommand(ctx: CommandContext): Reply {
  const argv = ctx.argv;
  let toMeter = 1;
  if (argv.length === 5) toMeter = unitArg(argv[4]);
  else if (argv.length > 5) fail(ERR_SYNTAX);
  const z = geoZset(ctx.db, argv[1], true);
  if (z === undefined) return NIL;
  const a = memberLonLat(z, argv[2]), b = memberLonLat(z, argv[3]);
  if (a === null || b === null) return NIL;
  return bulk(distanceText(distance(a[0], a[1], b[0], b[1]) / toMeter));
}

// GEOHASH key [member ...]
function geohashCommand(ctx: CommandContext): Reply {
  const argv = ctx.argv;
  const z = geoZset(ctx.db, argv[1], true);
  const out: Reply[] = [];
  for (let j = 2; j < argv.length; j++) {
    const score = z?.score(argv[j]);
    out.push(score === undefined ? NIL : bulk(geohashString(score)));
  }
  return array(out);
}

// ---- searches ----

interface SearchKind {
  /** Where the centre comes from: fixed coordinates (GEORADIUS), a member (GEORADIUSBYMEMBER), or options (GEOSEARCH). */
  center: 'coords' | 'member' | 'search';
  /** STORE and STOREDIST key are accepted (not by the _RO variants nor GEOSEARCH). */
  store: boolean;
  /** GEOSEARCHSTORE: the destination is argv[1] and STOREDIST is a bare flag. */
  searchStore?: boolean;
}

interface GeoPoint {
  lon: number;
  lat: number;
  /** Meters while searching; in the reply's unit once it is sent or stored. */
  dist: number;
  score: number;
  member: string;
}

type Sort = 'none' | 'asc' | 'desc';

/**
 * georadiusGeneric(): parse as Redis does (the source key's type first, then the centre and shape, then options in
 * any order with their errors as met), search the nine cells, sort, and reply or store.
 *
 * GEORADIUS key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC] [STORE key] [STOREDIST key]
 * GEORADIUSBYMEMBER key member radius M|KM|FT|MI ... (the same options)
 * GEOSEARCH key FROMMEMBER member|FROMLONLAT longitude latitude BYRADIUS radius unit|BYBOX width height unit [ASC|DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
 * GEOSEARCHSTORE destination source FROMMEMBER ...|FROMLONLAT ... BYRADIUS ...|BYBOX ... [ASC|DESC] [COUNT count [ANY]] [STOREDIST]
 */
function georadiusGeneric(ctx: CommandContext, srcIndex: number, kind: SearchKind): Reply {
  const argv = ctx.argv, db = ctx.db;
  const z = geoZset(db, argv[srcIndex], true);

  let storeKey: string | null = null;
  let storeDist = false;
  let lon = 0, lat = 0, conversion = 0;
  let shape: { type: 'circle'; radius: number } | { type: 'box'; width: number; height: number } = { type: 'circle', radius: 0 };
  let baseArgs: number;
  if (kind.center === 'coords') {
    baseArgs = 6;
    [lon, lat] = lonLatArgs(argv[2], argv[3]);
    const r = radiusArgs(argv[4], argv[5]);
    shape = { type: 'circle', radius: r.radius };
    conversion = r.conversion;
  } else if (kind.center === 'member') {
    baseArgs = 5;
    // without a source key there is nothing to look up, but the options still decide the reply's form
    if (z !== undefined) {
      const at = memberLonLat(z, argv[2]);
      if (at === null) fail(ERR_DECODE_MEMBER);
      [lon, lat] = at!;
      const r = radiusArgs(argv[3], argv[4]);
      shape = { type: 'circle', radius: r.radius };
      conversion = r.conversion;
    }
  } else {
    baseArgs = 2;
    if (kind.searchStore) {
      baseArgs = 3;
      storeKey = argv[1];
    }
  }

  let withDist = false, withHash = false, withCoords = false;
  let fromMember = false, fromLoc = false, byRadius = false, byBox = false;
  let sort: Sort = 'none';
  let any = false;
  let count = 0;
  const isSearch = kind.center === 'search';
  const remaining = argv.length - baseArgs;
  for (let i = 0; i < remaining; i++) {
    const at = baseArgs + i;
    const arg = keyword(argv[at]);
    if (arg === 'withdist') withDist = true;
    else if (arg === 'withhash') withHash = true;
    else if (arg === 'withcoord') withCoords = true;
    else if (arg === 'any') any = true;
    else if (arg === 'asc') sort = 'asc';
    else if (arg === 'desc') sort = 'desc';
    else if (arg === 'count' && i + 1 < remaining) {
      const v = parseInteger(argv[at + 1]);
      if (v === null) fail(ERR_NOT_INTEGER);
      if (v! <= 0) fail('ERR COUNT must be > 0');
      count = Number(v);
      i++;
    } else if ((arg === 'store' || arg === 'storedist') && i + 1 < remaining && kind.store) {
      storeKey = argv[at + 1];
      storeDist = arg === 'storedist';
      i++;
    } else if (arg === 'storedist' && kind.searchStore) {
      storeDist = true;
    } else if (arg === 'frommember' && i + 1 < remaining && isSearch && !fromLoc) {
      // no source key: keep parsing, the reply is decided below
      if (z !== undefined) {
        const p = memberLonLat(z, argv[at + 1]);
        if (p === null) fail(ERR_DECODE_MEMBER);
        [lon, lat] = p!;
      }
      fromMember = true;
      i++;
    } else if (arg === 'fromlonlat' && i + 2 < remaining && isSearch && !fromMember) {
      [lon, lat] = lonLatArgs(argv[at + 1], argv[at + 2]);
      fromLoc = true;
      i += 2;
    } else if (arg === 'byradius' && i + 2 < remaining && isSearch && !byBox) {
      const r = radiusArgs(argv[at + 1], argv[at + 2]);
      shape = { type: 'circle', radius: r.radius };
      conversion = r.conversion;
      byRadius = true;
      i += 2;
    } else if (arg === 'bybox' && i + 3 < remaining && isSearch && !byRadius) {
      const b = boxArgs(argv[at + 1], argv[at + 2], argv[at + 3]);
      shape = { type: 'box', width: b.width, height: b.height };
      conversion = b.conversion;
      byBox = true;
      i += 3;
    } else {
      fail(ERR_SYNTAX);
    }
  }

  if (storeKey !== null && (withDist || withHash || withCoords)) {
    const what = kind.searchStore ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    fail(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  const name = cName(argv[0]); // the command as the client spelled it
  if (isSearch && !(fromMember || fromLoc)) fail(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${name}`);
  if (isSearch && !(byRadius || byBox)) fail(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${name}`);
  if (any && !count) fail(ERR_ANY_WITHOUT_COUNT);

  if (z === undefined) {
    if (storeKey === null) return EMPTY_ARRAY;
    if (db.delete(storeKey)) notifyKeyspaceEvent(ctx.server, NOTIFY_GENERIC, 'del', storeKey, db.id);
    return ZERO;
  }

  // COUNT without an order means the nearest ones (but ANY takes the first found)
  if (count !== 0 && sort === 'none' && !any) sort = 'asc';

  const geoShape: GeoShape = { lon, lat, conversion, ...shape };
  const found = pointsInShape(z, geoShape, any ? count : 0);
  if (found.length === 0 && storeKey === null) return EMPTY_ARRAY;

  const returned = count === 0 || found.length < count ? found.length : count;
  if (sort !== 'none') {
    const cmp = sort === 'asc' ? byDistance : (a: GeoPoint, b: GeoPoint) => -byDistance(a, b);
    // glibc's qsort is a stable merge sort; Redis's pqsort only orders what it will return
    if (returned === found.length) found.sort(cmp);
    else pqsort(found, cmp, 0, returned - 1);
  }

  if (storeKey === null) {
    const proto = ctx.client.proto;
    const out: Reply[] = [];
    for (let i = 0; i < returned; i++) {
      const p = found[i];
      p.dist /= conversion;
      if (!withDist && !withHash && !withCoords) {
        out.push(bulk(p.member));
        continue;
      }
      const item: Reply[] = [bulk(p.member)];
      if (withDist) item.push(bulk(distanceText(p.dist)));
      if (withHash) item.push(hashInteger(p.score));
      if (withCoords) item.push(array([coordinate(p.lon, proto), coordinate(p.lat, proto)]));
      out.push(array(item));
    }
    return array(out);
  }

  if (returned === 0) {
    if (db.delete(storeKey)) notifyKeyspaceEvent(ctx.server, NOTIFY_GENERIC, 'del', storeKey, db.id);
    return ZERO;
  }
  const entries: [string, number][] = [];
  for (let i = 0; i < returned; i++) {
    const p = found[i];
    p.dist /= conversion;
    entries.push([p.member, storeDist ? p.dist : p.score]);
  }
  // a member found twice (coinciding cells) would trip an assertion in Redis; keep its last score
  const stored = ZsetValue.build(entries) ?? ZsetValue.build(new Map(entries))!;
  stored.compactIfSmall(limits(ctx));
  db.set(storeKey, stored);
  notifyKeyspaceEvent(ctx.server, NOTIFY_ZSET, isSearch ? 'geosearchstore' : 'georadiusstore', storeKey, db.id);
  ctx.server.keyspace.dirty += returned - 1; // one change per element stored, as Redis counts
  return int(returned);
}

/** A C string as %s prints it: up to the first NUL byte. */
function cName(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** sort_gp_asc(): nearest first. */
function byDistance(a: GeoPoint, b: GeoPoint): number {
  return a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1;
}

/**
 * membersOfAllNeighbors(): the points of the nine cells that lie in the shape, cell by cell in Redis's order and by
 * score within a cell. A cell equal to the one searched just before is skipped (huge radii make neighbours
 * coincide); `limit` (COUNT with ANY) stops the search once that many are found.
 */
function pointsInShape(z: ZsetValue, shape: GeoShape, limit: number): GeoPoint[] {
  const found: GeoPoint[] = [];
  const full = () => found.length > 0 && limit !== 0 && found.length >= limit;
  const { cells } = searchAreas(shape);
  let lastProcessed = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (isZeroHash(cell)) continue;
    // index 0 (the centre) counts as "nothing processed yet", as in Redis
    const last = cells[lastProcessed];
    if (lastProcessed !== 0 && cell.bits === last.bits && cell.step === last.step) continue;
    if (full()) break;
    const [min, max] = cellScoreRange(cell);
    for (let n = z.firstInRange({ min, max, minex: false, maxex: true }); n !== null && n.score < max; n = n.forward) {
      const [lon, lat] = scoreToLonLat(n.score);
      const dist = distanceWithin(shape, lon, lat);
      if (dist !== null) found.push({ lon, lat, dist, score: n.score, member: n.member });
      if (full()) break;
    }
    lastProcessed = i;
  }
  return found;
}

/** georadiusGetKeys(): the source key and, after the last STORE or STOREDIST (from argv[5]), its destination. */
function georadiusKeys(argv: readonly string[]): KeyRef[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    const arg = keyword(argv[i]);
    if ((arg === 'store' || arg === 'storedist') && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  const keys: KeyRef[] = [{ pos: 1, flags: [] }];
  if (stored !== -1) keys.push({ pos: stored, flags: [] });
  return keys;
}
