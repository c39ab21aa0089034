import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Propagated, runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { hasRedis, startRedis, type RunningServer } from '../helpers/servers';
import { mulberry32 } from '../helpers/random';
import { arity, arr, bulk, bulks, EMPTY, err, int, NIL, NIL_ARRAY, NOT_FLOAT, NOT_INT, NULL3, OK, SYNTAX, WRONGTYPE } from '../helpers/resp';
import { ZsetValue } from '../../lib/store/zset';

const test = suite('commands/geo');

const dbl3 = (s: string) => `,${s}\r\n`;
const UNIT = err('ERR unsupported unit provided. please use M, KM, FT, MI');
const NO_MEMBER = err('ERR could not decode requested zset member');

// The Redis documentation's example points, with what 7.0 prints for them.
const SICILY = ['GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'];
const PALERMO = { hash: '3479099956230698', lon: '13.36138933897018433', lat: '38.11555639549629859' };
const CATANIA = { hash: '3479447370796909', lon: '15.08726745843887329', lat: '37.50266842333162032' };

let srv: InProcess;
let conn: RawConnection;
let propagated: Propagated;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
  propagated = new Propagated(srv);
  await runRows(conn, [[['SET', 'str', 'x'], OK], [SICILY, int(2)]]);
});

test.after.each(() => srv.stop());

const zsetAt = (key: string) => srv.server.keyspace.dbs[0].peek(key)?.value as ZsetValue | undefined;
/** Send one command; return what it propagated to replicas and the AOF. */
const propagation = (...argv: string[]) => propagated.of(conn, ...argv);

test('GEOADD: options as ZADD takes them, coordinates checked first, replies counting adds (or changes with CH)', async () => {
  await runRows(conn, [
    [['GEOADD', 'g', '1', '2'], arity('geoadd')],
    [['GEOADD', 'g', '1', '2', 'a', '3'], SYNTAX],
    [['GEOADD', 'g', 'NX', 'XX', '1', '2', 'a'], SYNTAX],
    [['GEOADD', 'g', 'GT', '1', '2', 'a'], SYNTAX], // not an option here: four arguments left
    [['GEOADD', 'g', 'GT', '1', 'a'], NOT_FLOAT],
    [['GEOADD', 'g', 'CH', 'CH', 'CH'], SYNTAX], // no pairs at all: ZADD refuses
    [['GEOADD', 'g', 'x', '2', 'a'], NOT_FLOAT],
    [['GEOADD', 'g', '1', 'nan', 'a'], NOT_FLOAT],
    [['GEOADD', 'g', '1e400', '2', 'a'], NOT_FLOAT],
    [['GEOADD', 'g', '180.000001', '0', 'a'], err('ERR invalid longitude,latitude pair 180.000001,0.000000')],
    [['GEOADD', 'g', '0', '-85.05112879', 'a'], err('ERR invalid longitude,latitude pair 0.000000,-85.051129')],
    [['GEOADD', 'g', '-0', '1e30', 'a'], err('ERR invalid longitude,latitude pair -0.000000,1000000000000000019884624838656.000000')],
    [['GEOADD', 'g', 'inf', '0', 'a'], err('ERR invalid longitude,latitude pair inf,0.000000')],
    [['GEOADD', 'g', '1', '2', 'ok', '200', '0', 'bad'], err('ERR invalid longitude,latitude pair 200.000000,0.000000')],
    [['EXISTS', 'g'], int(0)], // all or nothing
    [['GEOADD', 'str', '200', '0', 'a'], err('ERR invalid longitude,latitude pair 200.000000,0.000000')],
    [['GEOADD', 'str', '1', '2', 'a'], WRONGTYPE],
    [['GEOADD', 'g', 'XX', '1', '2', 'a'], int(0)],
    [['EXISTS', 'g'], int(0)],
    [['GEOADD', 'g', '180', '85.05112878', 'ne', '-180', '-85.05112878', 'sw', '0', '0', 'o'], int(3)],
    [['GEOADD', 'g', '0', '0', 'o', '1', '1', 'o'], int(0)], // the same member twice: the last position wins
    [['GEOADD', 'g', 'CH', '1', '1', 'o', '2', '2', 'p'], int(1)], // p is new; o did not move
    [['GEOADD', 'g', 'ch', '3', '3', 'o', '2', '2', 'p'], int(1)],
    [['GEOADD', 'g', 'NX', 'CH', '9', '9', 'o', '4', '4', 'q'], int(1)],
    [['GEOADD', 'g', 'xx', 'CH', '5', '5', 'o', '5', '5', 'nothere'], int(1)],
    [['ZCARD', 'g'], int(5)],
    [['GEOADD', 'g', 'NX', 'xx', '1', '1', 'z'], SYNTAX],
  ]);
});

test('GEOADD propagates as ZADD with the options as typed and the 52-bit scores', async () => {
  assert.equal(await propagation('GEOADD', 'p', 'CH', 'nx', '13.361389', '38.115556', 'Palermo', '0', '0', 'zero'),
    [['zadd', 'p', 'CH', 'nx', PALERMO.hash, 'Palermo', '3377699720527872', 'zero']]);
  assert.equal(await propagation('GEOADD', 'p', 'NX', '1', '1', 'zero'), []); // nothing changed
  assert.equal(await propagation('GEOADD', 'p', '180', '85.05112878', 'corner'), [['zadd', 'p', '13510798882111488', 'corner']]);
  assert.equal(zsetAt('p')?.score('corner'), 2 ** 53 + 2 ** 52); // both offsets at 2^26: past 52 bits
  // at longitude 180 the hash passes 2^53: replicas get the exact integer (as sdsfromlonglong writes it), not the double
  const latCell = BigInt(Math.trunc(((10 - -85.05112878) / (85.05112878 * 2)) * 2 ** 26));
  let bits = 1n << 53n;
  for (let i = 0n; i < 26n; i++) bits |= ((latCell >> i) & 1n) << (2n * i);
  assert.ok(BigInt(Number(bits)) !== bits); // no double holds it
  assert.equal(await propagation('GEOADD', 'p', '180', '10', 'edge'), [['zadd', 'p', bits.toString(), 'edge']]);
  assert.equal(zsetAt('p')?.score('edge'), Number(bits));
});

test('GEOPOS, GEOHASH and GEODIST: decoded positions, 11-character hashes, distances in each unit', async () => {
  await runRows(conn, [
    [['GEOPOS', 'Sicily', 'Palermo', 'nope', 'Catania'], arr(bulks(PALERMO.lon, PALERMO.lat), NIL_ARRAY, bulks(CATANIA.lon, CATANIA.lat))],
    [['GEOPOS', 'Sicily'], EMPTY],
    [['GEOPOS', 'nokey', 'a', 'b'], arr(NIL_ARRAY, NIL_ARRAY)],
    [['GEOPOS', 'str', 'a'], WRONGTYPE],
    [['GEOPOS'], arity('geopos')],
    [['GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nope'], arr(bulk('sqc8b49rny0'), bulk('sqdtr74hyu0'), NIL)],
    [['GEOHASH', 'nokey', 'a'], arr(NIL)],
    [['GEOHASH', 'str'], WRONGTYPE],
    [['GEODIST', 'Sicily', 'Palermo', 'Catania'], bulk('166274.1516')],
    [['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'], bulk('166.2742')],
    [['GEODIST', 'Sicily', 'Palermo', 'Catania', 'MI'], bulk('103.3182')],
    [['GEODIST', 'Sicily', 'Palermo', 'Catania', 'Ft'], bulk('545518.8700')],
    [['GEODIST', 'Sicily', 'Palermo', 'Palermo'], bulk('0.0000')],
    [['GEODIST', 'Sicily', 'Palermo', 'nope'], NIL],
    [['GEODIST', 'nokey', 'a', 'b'], NIL],
    [['GEODIST', 'Sicily', 'Palermo', 'Catania', 'yards'], UNIT],
    [['GEODIST', 'Sicily', 'Palermo', 'Catania', 'm\0x'], bulk('166274.1516')], // strcasecmp stops at the NUL
    [['GEODIST', 'nokey', 'a', 'b', 'yards'], UNIT], // the unit is checked before the key
    [['GEODIST', 'str', 'a', 'b', 'km', 'x'], SYNTAX],
    [['GEODIST', 'str', 'a', 'b'], WRONGTYPE],
    // a score GEOADD would never write still decodes, as Redis's integer conversion does it
    [['ZADD', 'odd', '-1', 'neg', '1e30', 'huge', '-inf', 'ninf'], int(3)],
    [['GEOPOS', 'odd', 'neg', 'huge', 'ninf'], arr(bulks('180', '85.0511287799999991'), bulks('-179.99999731779098511', '-85.05112751263942528'), bulks('180', '-85.05112751263942528'))],
    [['GEOHASH', 'odd', 'neg', 'huge'], bulks('bp05b5048p0', '00bh0hbj200')],
    [['HELLO', '3'], /^%/],
    [['GEOPOS', 'Sicily', 'Palermo', 'nope'], arr(arr(dbl3(PALERMO.lon), dbl3(PALERMO.lat)), NULL3)],
    [['GEOHASH', 'Sicily', 'nope'], arr(NULL3)],
    [['GEODIST', 'Sicily', 'Palermo', 'Catania'], bulk('166274.1516')],
    [['GEODIST', 'nokey', 'a', 'b'], NULL3],
  ]);
});

test('searches: option errors in the order Redis meets them', async () => {
  const notCompatible = err('ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options');
  await runRows(conn, [
    [['GEORADIUS', 'Sicily', '15', '37', '200'], arity('georadius')],
    [['GEORADIUS', 'str', 'x', '37', '200', 'km'], WRONGTYPE], // the key's type before anything else
    [['GEORADIUS', 'Sicily', 'x', '37', '200', 'km'], NOT_FLOAT],
    [['GEORADIUS', 'Sicily', '15', '90', '200', 'km'], err('ERR invalid longitude,latitude pair 15.000000,90.000000')],
    [['GEORADIUS', 'Sicily', '15', '37', 'far', 'km'], err('ERR need numeric radius')],
    [['GEORADIUS', 'Sicily', '15', '37', '-1', 'km'], err('ERR radius cannot be negative')],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'yd'], UNIT],
    [['GEORADIUS', 'nokey', '15', '37', '200', 'yd'], UNIT], // a missing key still checks the centre and radius
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT'], SYNTAX],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', 'x'], NOT_INT],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '0'], err('ERR COUNT must be > 0')],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'ANY'], err('ERR the ANY argument requires COUNT argument')],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE'], SYNTAX],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd', 'WITHDIST'], notCompatible],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHHASH', 'STOREDIST', 'd'], notCompatible],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'FROMMEMBER', 'Palermo'], SYNTAX],
    [['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd'], SYNTAX],
    [['GEORADIUSBYMEMBER', 'Sicily', 'nope', '200', 'km'], NO_MEMBER],
    [['GEORADIUSBYMEMBER', 'Sicily', 'nope', 'x', 'yd'], NO_MEMBER],
    [['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', 'x', 'km'], err('ERR need numeric radius')],
    [['GEORADIUSBYMEMBER', 'nokey', 'nope', 'x', 'yd'], EMPTY], // no key: nothing to decode, no radius parsed
    [['GEORADIUSBYMEMBER', 'nokey', 'nope', 'x', 'yd', 'bogus'], SYNTAX],
    [['GEORADIUSBYMEMBER_RO', 'Sicily', 'Palermo', '1', 'km', 'STOREDIST', 'd'], SYNTAX],
    [['GEOSEARCH', 'Sicily', 'BYRADIUS', '10', 'km', 'ASC', 'WITHDIST'], err('ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH')],
    [['geosearch', 'Sicily', 'FROMMEMBER', 'Palermo', 'ASC', 'WITHHASH', 'WITHDIST'], err('ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch')],
    [['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'm'], SYNTAX],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '2', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'm'], SYNTAX],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '2', 'BYBOX', '1', '1', 'm', 'BYRADIUS', '1', 'm'], SYNTAX],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'm', 'BYBOX', '1', '1', 'm'], SYNTAX],
    [['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'nope', 'BYRADIUS', '1', 'm'], NO_MEMBER],
    [['GEOSEARCH', 'nokey', 'FROMMEMBER', 'nope', 'BYRADIUS', '1', 'm'], EMPTY],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '2', 'BYBOX', 'w', '1', 'm'], err('ERR need numeric width')],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '2', 'BYBOX', '1', 'h', 'm'], err('ERR need numeric height')],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '2', 'BYBOX', '1', '-1', 'm'], err('ERR height or width cannot be negative')],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '2', 'BYBOX', '1', '1', 'mm'], UNIT],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '2', 'BYBOX', '1', '1'], SYNTAX], // too few values: not an option
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'm', 'STORE', 'd'], SYNTAX],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'm', 'STOREDIST'], SYNTAX],
    [['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'm', 'WITHCOORD'],
      err('ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options')],
    [['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'm', 'STORE', 'x'], SYNTAX],
    [['GEOSEARCHSTORE', 'd', 'str', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'm'], WRONGTYPE],
  ]);
});

test('search replies: plain members, the WITH* fields nested in a fixed order, RESP3 coordinates as doubles', async () => {
  const palermo = (d: string) => arr(bulk('Palermo'), bulk(d), int(PALERMO.hash), bulks(PALERMO.lon, PALERMO.lat));
  const catania = (d: string) => arr(bulk('Catania'), bulk(d), int(CATANIA.hash), bulks(CATANIA.lon, CATANIA.lat));
  await runRows(conn, [
    [['GEORADIUS', 'Sicily', '15', '37', '100', 'km'], bulks('Catania')],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'ASC'], bulks('Catania', 'Palermo')],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'DESC'], bulks('Palermo', 'Catania')],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHCOORD', 'WITHHASH', 'WITHDIST', 'DESC'], arr(palermo('190.4424'), catania('56.4413'))],
    [['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'KM', 'withdist', 'COUNT', '1'], arr(arr(bulk('Catania'), bulk('56.4413')))],
    [['GEORADIUS', 'Sicily', '15', '37', '1', 'km'], EMPTY],
    [['GEORADIUS', 'nokey', '15', '37', '1', 'km'], EMPTY],
    [['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'WITHDIST', 'ASC'], arr(arr(bulk('Palermo'), bulk('0.0000')), arr(bulk('Catania'), bulk('166.2742')))],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'ASC', 'WITHDIST'], arr(arr(bulk('Catania'), bulk('56.4413')), arr(bulk('Palermo'), bulk('190.4424')))],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '200', '400', 'mi', 'DESC'], bulks('Palermo', 'Catania')],
    [['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500000', 'ft', 'WITHHASH'], arr(arr(bulk('Palermo'), int(PALERMO.hash)))],
    [['HELLO', '3'], /^%/],
    [['GEORADIUS', 'Sicily', '15', '37', '100', 'km', 'WITHCOORD', 'WITHDIST'],
      arr(arr(bulk('Catania'), bulk('56.4413'), arr(dbl3(CATANIA.lon), dbl3(CATANIA.lat))))],
  ]);
});

test('COUNT sorts by distance (nearest first unless DESC); COUNT ANY stops at the first ones found', async () => {
  await runRows(conn, [
    [['GEOADD', 'line', '0', '0', 'a', '0.001', '0', 'b', '0.002', '0', 'c', '0.003', '0', 'd'], int(4)],
    [['GEOSEARCH', 'line', 'FROMLONLAT', '0.0031', '0', 'BYRADIUS', '1', 'km', 'COUNT', '2'], bulks('d', 'c')],
    [['GEOSEARCH', 'line', 'FROMLONLAT', '0.0031', '0', 'BYRADIUS', '1', 'km', 'COUNT', '2', 'DESC'], bulks('a', 'b')],
    [['GEOSEARCH', 'line', 'FROMLONLAT', '0.0031', '0', 'BYRADIUS', '1', 'km', 'COUNT', '2', 'ANY'], bulks('a', 'b')], // score order
    [['GEOSEARCH', 'line', 'FROMLONLAT', '0.0031', '0', 'BYRADIUS', '1', 'km', 'COUNT', '2', 'ANY', 'ASC'], bulks('b', 'a')],
    [['GEOSEARCH', 'line', 'FROMLONLAT', '0.0031', '0', 'BYRADIUS', '1', 'km', 'COUNT', '99'], bulks('d', 'c', 'b', 'a')],
    [['GEOSEARCH', 'line', 'FROMLONLAT', '0.0031', '0', 'BYRADIUS', '1', 'km'], bulks('a', 'b', 'c', 'd')],
  ]);
});

test('STORE, STOREDIST and GEOSEARCHSTORE: a new sorted set (hash or distance scores), empty results delete', async () => {
  await runRows(conn, [
    [['SET', 'dst', 'old', 'EX', '100'], OK],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst'], int(2)],
    [['TTL', 'dst'], int(-1)],
    [['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], bulks('Palermo', PALERMO.hash, 'Catania', CATANIA.hash)],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'x', 'STOREDIST', 'dst', 'DESC', 'COUNT', '1'], int(1)],
    [['EXISTS', 'x'], int(0)], // the last STORE/STOREDIST wins
    [['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], bulks('Palermo', '190.44242984775784')],
    [['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'STOREDIST', 'dst'], int(2)],
    [['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], bulks('Palermo', '0', 'Catania', '166.27415156960032')],
    [['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '100', 'km', 'STOREDIST'], int(1)],
    [['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], bulks('Catania', '56.441257870158204')],
    [['GEOSEARCHSTORE', 'Sicily', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '100', 'km'], int(1)],
    [['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'], bulks('Catania', CATANIA.hash)],
    [['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'], int(0)],
    [['EXISTS', 'dst'], int(0)],
    [['SET', 'dst', 'x'], OK],
    [['GEOSEARCHSTORE', 'dst', 'nokey', 'FROMMEMBER', 'nope', 'BYRADIUS', '1', 'km'], int(0)],
    [['EXISTS', 'dst'], int(0)],
    [['GEORADIUSBYMEMBER', 'nokey', 'nope', '1', 'km', 'STORE', 'dst'], int(0)],
  ]);
});

test('propagation: GEORADIUS STORE and GEOSEARCHSTORE go out as they came, only when they wrote', async () => {
  const store = ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst'];
  assert.equal(await propagation(...store), [store]);
  const search = ['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'];
  assert.equal(await propagation(...search), [search]); // deleted dst
  assert.equal(await propagation(...search), []); // nothing left to delete
  assert.equal(await propagation('GEORADIUS', 'Sicily', '15', '37', '200', 'km'), []);
  assert.equal(await propagation('GEORADIUS', 'nokey', '15', '37', '200', 'km', 'STORE', 'none'), []);
});

test('a stored result takes the listpack encoding when small enough, as ZUNIONSTORE & co. do', async () => {
  await runRows(conn, [
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst'], int(2)],
    [['OBJECT', 'ENCODING', 'dst'], bulk('listpack')],
    [['CONFIG', 'SET', 'zset-max-listpack-entries', '1'], OK],
    [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst'], int(2)],
    [['OBJECT', 'ENCODING', 'dst'], bulk('skiplist')],
  ]);
});

// ---- differential: random points and searches against real redis-server, byte for byte ----

/** Commands for one seed: points clustered, spread, duplicated and on the limits, then many searches. */
function scenario(seed: number): string[][] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const between = (lo: number, hi: number) => lo + rnd() * (hi - lo);
  const coord = (x: number, digits = 6) => x.toFixed(digits);
  const clampLat = (lat: number) => Math.max(-85.05112878, Math.min(85.05112878, lat));
  const wrapLon = (lon: number) => (lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon);
  const centres = Array.from({ length: 4 }, () => [between(-180, 180), between(-80, 80)]);
  centres.push([179.9, between(-60, 60)], [between(-180, 180), 84.9]);
  const out: string[][] = [];
  const members: string[] = [];
  const points: [number, number][] = [];

  for (const key of ['pts', 'small']) {
    const n = key === 'pts' ? 300 : 40;
    let batch: string[] = [];
    for (let i = 0; i < n; i++) {
      let lon: number, lat: number;
      const kind = rnd();
      if (kind < 0.6) {
        const [clon, clat] = pick(centres);
        const spread = pick([0.01, 0.1, 1, 5]);
        lon = wrapLon(clon + between(-spread, spread));
        lat = clampLat(clat + between(-spread, spread));
      } else if (kind < 0.8) {
        lon = between(-180, 180);
        lat = between(-85.05112878, 85.05112878);
      } else if (kind < 0.95 && points.length) {
        [lon, lat] = pick(points); // the same place under another name: equal distances
      } else {
        lon = pick([-180, 180, 0, between(-180, 180)]);
        lat = pick([-85.05112878, 85.05112878, 0, between(-85, 85)]);
      }
      const member = `${key}:${i}`;
      points.push([lon, lat]);
      if (key === 'pts') members.push(member);
      batch.push(coord(lon, 7), coord(lat, 7), member);
      if (batch.length >= 3 * 25 || i === n - 1) {
        out.push(['GEOADD', key, ...(rnd() < 0.2 ? ['CH'] : []), ...batch]);
        batch = [];
      }
    }
  }
  out.push(['GEOADD', 'pts', 'XX', 'CH', '1', '1', members[0], '2', '2', 'absent'], ['GEOADD', 'pts', 'NX', '3', '3', members[1], '4', '4', 'fresh']);

  const units = ['m', 'km', 'ft', 'mi', 'KM', 'Mi'];
  const meters: Record<string, number> = { m: 1, km: 1000, ft: 0.3048, mi: 1609.34 };
  const distanceIn = (u: string) => {
    const m = Math.exp(between(Math.log(1), Math.log(2e7)));
    return (m / meters[u.toLowerCase()]).toPrecision(pick([3, 6, 10]));
  };
  const options = (store: boolean): string[] => {
    const opts: string[][] = [];
    if (!store) for (const w of ['WITHDIST', 'WITHHASH', 'WITHCOORD']) if (rnd() < 0.4) opts.push([w]);
    if (rnd() < 0.5) opts.push([pick(['ASC', 'DESC'])]);
    if (rnd() < 0.5) opts.push(['COUNT', String(1 + Math.floor(rnd() * pick([3, 20, 80]))), ...(rnd() < 0.3 ? ['ANY'] : [])]);
    for (let i = opts.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [opts[i], opts[j]] = [opts[j], opts[i]];
    }
    return opts.flat();
  };
  const centre = (): [string, string] => {
    const [lon, lat] = rnd() < 0.7 ? pick(centres) : [between(-180, 180), between(-85, 85)];
    return [coord(wrapLon(lon + between(-0.5, 0.5)), 5), coord(clampLat(lat + between(-0.5, 0.5)), 5)];
  };
  const shape = (): string[] => {
    const u = pick(units);
    return rnd() < 0.5 ? ['BYRADIUS', distanceIn(u), u] : ['BYBOX', distanceIn(u), distanceIn(u), u];
  };

  for (let i = 0; i < 250; i++) {
    const key = rnd() < 0.85 ? 'pts' : 'small';
    const u = pick(units);
    const r = rnd();
    if (r < 0.2) {
      out.push([pick(['GEORADIUS', 'GEORADIUS_RO']), key, ...centre(), distanceIn(u), u, ...options(false)]);
    } else if (r < 0.35) {
      out.push([pick(['GEORADIUSBYMEMBER', 'GEORADIUSBYMEMBER_RO']), key, pick(members), distanceIn(u), u, ...options(false)]);
    } else if (r < 0.7) {
      const from = rnd() < 0.3 ? ['FROMMEMBER', pick(members)] : ['FROMLONLAT', ...centre()];
      out.push(['GEOSEARCH', key, ...from, ...shape(), ...options(false)]);
    } else if (r < 0.8) {
      const from = rnd() < 0.3 ? ['FROMMEMBER', pick(members)] : ['FROMLONLAT', ...centre()];
      out.push(['GEOSEARCHSTORE', 'dst', key, ...from, ...shape(), ...options(true), ...(rnd() < 0.5 ? ['STOREDIST'] : [])]);
      out.push(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', 'dst']);
    } else if (r < 0.88) {
      out.push(['GEORADIUS', key, ...centre(), distanceIn(u), u, ...options(true), pick(['STORE', 'STOREDIST']), 'dst']);
      out.push(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']);
    } else if (r < 0.93) {
      out.push(['GEODIST', 'pts', pick(members), pick(members), ...(rnd() < 0.5 ? [pick(units)] : [])]);
    } else if (r < 0.97) {
      out.push(['GEOPOS', 'pts', pick(members), pick(members), 'nope']);
    } else {
      out.push(['GEOHASH', 'pts', pick(members), pick(members), 'nope']);
    }
  }
  return out;
}

/** Edge cases worth checking against Redis whatever the random draw. */
const EDGES: string[][] = [
  ['GEOADD', 'edge', '180', '85.05112878', 'ne', '-180', '-85.05112878', 'sw', '180', '-85.05112878', 'se', '-180', '85.05112878', 'nw', '0', '0', 'o'],
  ['GEOPOS', 'edge', 'ne', 'sw', 'se', 'nw', 'o'], ['GEOHASH', 'edge', 'ne', 'sw', 'se', 'nw', 'o'],
  ['GEORADIUS', 'edge', '0', '0', '0', 'm', 'WITHDIST', 'WITHCOORD', 'WITHHASH'],
  ['GEORADIUS', 'edge', '180', '85', '50000', 'km', 'WITHDIST', 'ASC'],
  ['GEORADIUS', 'edge', '0', '0', 'inf', 'm', 'WITHDIST'],
  ['GEOSEARCH', 'edge', 'FROMLONLAT', '0', '0', 'BYBOX', 'inf', '1', 'km'],
  ['GEOSEARCH', 'edge', 'FROMMEMBER', 'ne', 'BYBOX', '40000', '40000', 'km', 'DESC', 'WITHDIST'],
  ['GEOSEARCH', 'edge', 'FROMLONLAT', '-180', '0', 'BYRADIUS', '20037', 'km', 'WITHDIST'],
  ['GEODIST', 'edge', 'ne', 'sw'], ['GEODIST', 'edge', 'ne', 'nw', 'km'], ['GEODIST', 'edge', 'o', 'o'],
  ['GEOADD', 'edge', '1e-300', '-1e-300', 'tiny', '0x1p-3', '0x10', 'hex'],
  ['GEOPOS', 'edge', 'tiny', 'hex'],
  ['GEOADD', 'edge', '181', '0', 'x'], ['GEOADD', 'edge', '1e300', '-1e-7', 'x'], ['GEOADD', 'edge', '-inf', '0', 'x'],
  ['GEOADD', 'edge', '0.1234567', '-90', 'x'], ['GEOADD', 'edge', '-180.0000001', '1', 'x'],
  ['ZADD', 'weird', '-1', 'neg', '1.5', 'frac', '1e30', 'huge', '18446744073709551616', 'p64', '9223372036854775808', 'p63',
    '-9223372036854775808', 'm63', '-1e30', 'nhuge', 'inf', 'pinf', '-inf', 'ninf', '4503599627370495.5', 'x52', '18014398509481983', 'big'],
  ['GEOPOS', 'weird', 'neg', 'frac', 'huge', 'p64', 'p63', 'm63', 'nhuge', 'pinf', 'ninf', 'x52', 'big'],
  ['GEOHASH', 'weird', 'neg', 'frac', 'huge', 'p64', 'p63', 'm63', 'nhuge', 'pinf', 'ninf', 'x52', 'big'],
  ['GEODIST', 'weird', 'neg', 'frac'], ['GEODIST', 'weird', 'p63', 'big', 'km'],
  ['GEORADIUS', 'weird', '0', '0', '25000', 'km', 'WITHHASH', 'WITHCOORD', 'WITHDIST'],
  ['GEOSEARCH', 'weird', 'FROMMEMBER', 'neg', 'BYRADIUS', '1', 'km', 'WITHHASH', 'WITHCOORD'],
];

/** The two replies around where they first differ. */
function firstDifference(theirs: string, mine: string): string {
  let i = 0;
  while (theirs[i] === mine[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 120), i + 120));
  return `  at byte ${i}\n  redis: ${around(theirs)}\n  ours:  ${around(mine)}`;
}

/** How many doubles lie between a and b (0: the same double). */
function ulpsApart(a: number, b: number): number {
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, a);
  view.setFloat64(8, b);
  return Math.abs(Number(view.getBigInt64(0) - view.getBigInt64(8)));
}

/**
 * Stored distances printed in full (ZRANGE … WITHSCORES of a STOREDIST result) where the two replies differ only in
 * scores a few doubles apart: the count of such scores, or -1 if anything else differs. glibc's asin/sin/cos are
 * not always correctly rounded (about 1 call in 1000 is one unit off) and ours are, so the last bits can differ
 * (one unit in asin becomes two after scaling to the unit).
 */
function lastBitDifferences(theirs: string, mine: string): number {
  const lines = (s: string) => s.split('\r\n').filter((l) => !l.startsWith('$'));
  const [a, b] = [lines(theirs), lines(mine)];
  if (a.length !== b.length) return -1;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const [x, y] = [Number(a[i].replace(/^,/, '')), Number(b[i].replace(/^,/, ''))];
    if (a[i][0] !== b[i][0] || Number.isNaN(x) || ulpsApart(x, y) > 4) return -1;
    n++;
  }
  return n;
}

/** Every command on both servers and both protocols; replies must be the same bytes (see lastBitDifferences). */
async function differential(commands: string[][]): Promise<void> {
  const redis: RunningServer = await startRedis();
  const conns: RawConnection[] = [];
  try {
    const pairs: [RawConnection, RawConnection][] = [];
    for (const proto of ['2', '3']) {
      const real = await RawConnection.connect(redis.port);
      const ours = await srv.connect();
      conns.push(real, ours);
      for (const c of [real, ours]) {
        c.send('HELLO', proto);
        await c.readRaw();
      }
      pairs.push([real, ours]);
    }
    await runRows(pairs[0][1], [[['FLUSHALL'], OK]]);
    const diffs: string[] = [];
    let lastBits = 0, storedDistances = 0;
    let previous: string[] = [];
    let dstHoldsDistances = false; // the last store that succeeded was a STOREDIST
    for (const argv of commands) {
      const distances = argv[0] === 'ZRANGE' && dstHoldsDistances;
      const isStore = argv.some((a) => /^(STORE|STOREDIST)$/i.test(a)) || argv[0] === 'GEOSEARCHSTORE';
      for (const [real, ours] of pairs) {
        real.send(...argv);
        ours.send(...argv);
        const [theirs, mine] = [await real.readRaw(), await ours.readRaw()];
        if (isStore && theirs.startsWith(':')) dstHoldsDistances = argv.some((a) => /^STOREDIST$/i.test(a));
        if (distances) storedDistances += (theirs.match(/\r\n/g)?.length ?? 0) / 4;
        if (theirs === mine) continue;
        const n = distances ? lastBitDifferences(theirs, mine) : -1;
        if (n > 0) lastBits += n;
        else diffs.push(`${argv.join(' ')} (after ${previous.join(' ')})\n${firstDifference(theirs, mine)}`);
      }
      previous = argv;
    }
    assert.ok(diffs.length === 0, `${diffs.length} of ${commands.length * 2} replies differ:\n${diffs.slice(0, 4).join('\n')}`);
    // points in the same place repeat a difference, hence the margin over glibc's ~0.2% of distances
    assert.ok(lastBits <= Math.max(4, storedDistances * 0.03), `${lastBits} of ~${storedDistances} stored distances a few doubles apart`);
  } finally {
    for (const c of conns) c.close();
    await redis.stop();
  }
}

test('differential: edge positions, odd scores, huge and infinite radii against real redis-server', async () => {
  if (!hasRedis) return;
  await differential(EDGES);
});

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`differential: random points and searches against real redis-server, byte for byte (seed ${seed})`, async () => {
    if (!hasRedis) return;
    await differential(scenario(seed));
  });
}

test.run();
