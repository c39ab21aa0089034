/**
 * Geohashes as Redis computes them (geohash.c, geohash_helper.c): 52 interleaved bits over the Web Mercator band,
 * the nine cells covering a search shape, haversine distances on Redis's sphere. Redis's operation order throughout
 * and correctly rounded sin/cos/asin (trig.ts) make the doubles match. Commands live in lib/commands/geo.ts.
 */
import { asin, cos, sin } from './trig';

/** GEO_STEP_MAX: 26 bits per coordinate, 52 in all, so a hash fits a double's significand. */
export const GEO_STEP_MAX = 26;
/** EPSG:900913 limits: nothing can be indexed nearer the poles. */
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;

const degRad = (ang: number) => ang * D_R;
const radDeg = (ang: number) => ang / D_R;

/** A hash of `step` bits per coordinate: latitude bits at even positions, longitude bits at odd ones (uint64). */
export interface GeoHash {
  bits: bigint;
  step: number;
}

export interface GeoRange {
  min: number;
  max: number;
}

/** The cell a hash stands for. */
export interface GeoArea {
  longitude: GeoRange;
  latitude: GeoRange;
}

const WGS84_LONG: GeoRange = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
const WGS84_LAT: GeoRange = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };
/** The standard geohash ranges GEOHASH re-encodes to (Redis's own latitude band is narrower). */
const STANDARD_LAT: GeoRange = { min: -90, max: 90 };

const U64 = (1n << 64n) - 1n;
const TWO32 = 2 ** 32;
const ZERO_HASH: GeoHash = { bits: 0n, step: 0 };

export const isZeroHash = (h: GeoHash) => h.bits === 0n && h.step === 0;

// ---- bit interleaving on 32-bit halves ----

/** The 16 low bits of v spread to the even positions of a 32-bit word. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v >>> 0;
}

/** The even bits of a 32-bit word gathered into 16 bits. */
function compact16(w: number): number {
  w &= 0x55555555;
  w = (w | (w >>> 1)) & 0x33333333;
  w = (w | (w >>> 2)) & 0x0f0f0f0f;
  w = (w | (w >>> 4)) & 0x00ff00ff;
  w = (w | (w >>> 8)) & 0x0000ffff;
  return w;
}

/** interleave64() in two uint32 halves: x (latitude) to the even bits, y (longitude) to the odd ones. */
function interleaveHalves(x: number, y: number): [hi: number, lo: number] {
  const lo = (spread16(x) | (spread16(y) << 1)) >>> 0;
  const hi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
  return [hi, lo];
}

function interleave(x: number, y: number): bigint {
  const [hi, lo] = interleaveHalves(x, y);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** deinterleave64() split in two: the even bits (latitude) and the odd bits (longitude), each a uint32. */
function deinterleave(hi: number, lo: number): [lat: number, lon: number] {
  const lat = (compact16(lo) | (compact16(hi) << 16)) >>> 0;
  const lon = (compact16(lo >>> 1) | (compact16(hi >>> 1) << 16)) >>> 0;
  return [lat, lon];
}

// ---- encoding and decoding ----

/** geohashEncode()'s fixed-point offsets, or null where Redis refuses (outside the limits or the given ranges). */
function offsets(lonRange: GeoRange, latRange: GeoRange, longitude: number, latitude: number, step: number): [lat: number, lon: number] | null {
  if (step > 32 || step === 0) return null;
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  if (latitude < latRange.min || latitude > latRange.max || longitude < lonRange.min || longitude > lonRange.max) return null;
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let longOffset = (longitude - lonRange.min) / (lonRange.max - lonRange.min);
  latOffset *= 2 ** step;
  longOffset *= 2 ** step;
  // the fixed-point conversion truncates to uint32 (an offset of exactly 2^step, at the upper edge, stays)
  return [Math.trunc(latOffset) >>> 0, Math.trunc(longOffset) >>> 0];
}

/** geohashEncode(): null where Redis refuses. */
export function encode(lonRange: GeoRange, latRange: GeoRange, longitude: number, latitude: number, step: number): GeoHash | null {
  const o = offsets(lonRange, latRange, longitude, latitude, step);
  return o === null ? null : { bits: interleave(o[0], o[1]), step };
}

export const encodeWGS84 = (longitude: number, latitude: number, step: number) =>
  encode(WGS84_LONG, WGS84_LAT, longitude, latitude, step);

/** geohashAlign52Bits(): the hash shifted up to 52 bits, the scale sorted set scores use. */
export function align52(h: GeoHash): bigint {
  return (h.bits << BigInt(52 - h.step * 2)) & U64;
}

/** GEOADD's hash for a point already checked to be within the limits: 52 bits (more at the upper edges), as uint32 halves. */
export function pointBits(longitude: number, latitude: number): [hi: number, lo: number] {
  const [lat, lon] = offsets(WGS84_LONG, WGS84_LAT, longitude, latitude, GEO_STEP_MAX)!;
  return interleaveHalves(lat, lon);
}

/**
 * The hash as the double a sorted set keeps: one rounding, as converting the uint64 does, when the upper edges
 * push it past 2^53.
 */
export function pointScore(longitude: number, latitude: number): number {
  const [hi, lo] = pointBits(longitude, latitude);
  return hi * TWO32 + lo;
}

/** The 64-bit word as two uint32 halves. */
const halves = (bits: bigint): [hi: number, lo: number] => [Number(bits >> 32n), Number(bits & 0xffffffffn)];

/** geohashDecode() from the two halves of the hash bits. */
function decodeHalves(lonRange: GeoRange, latRange: GeoRange, hi: number, lo: number, step: number): GeoArea {
  const [ilato, ilono] = deinterleave(hi, lo);
  const latScale = latRange.max - latRange.min;
  const longScale = lonRange.max - lonRange.min;
  const cells = 2 ** step;
  // ilato + 1 is uint32 arithmetic in C: the last cell wraps to 0
  return {
    latitude: {
      min: latRange.min + (ilato / cells) * latScale,
      max: latRange.min + (((ilato + 1) >>> 0) / cells) * latScale,
    },
    longitude: {
      min: lonRange.min + (ilono / cells) * longScale,
      max: lonRange.min + (((ilono + 1) >>> 0) / cells) * longScale,
    },
  };
}

/** geohashDecode() over the WGS84 ranges; null for the zero hash (an excluded neighbour). */
export function decodeWGS84(h: GeoHash): GeoArea | null {
  if (isZeroHash(h)) return null;
  const [hi, lo] = halves(h.bits);
  return decodeHalves(WGS84_LONG, WGS84_LAT, hi, lo, h.step);
}

/**
 * `(uint64_t)score` as x86-64 code computes it: truncation in range; below 2^63 through a signed conversion (a
 * negative value wraps, one beyond int64 gives 2^63); from 2^63 by subtracting it first (2^64 and beyond give 0).
 */
export function scoreBits(score: number): [hi: number, lo: number] {
  if (score >= 0 && score < 2 ** 64) {
    const t = Math.trunc(score);
    const hi = Math.floor(t / TWO32);
    return [hi, t - hi * TWO32];
  }
  if (score < 2 ** 63 && score >= -(2 ** 63)) {
    const wrapped = BigInt.asUintN(64, BigInt(Math.trunc(score)));
    return halves(wrapped);
  }
  return score < 2 ** 63 ? [0x80000000, 0] : [0, 0];
}

const LAT_SCALE = GEO_LAT_MAX - GEO_LAT_MIN;
const LONG_SCALE = GEO_LONG_MAX - GEO_LONG_MIN;
const CELLS = 2 ** GEO_STEP_MAX;

/**
 * geohashDecode() at step 26 over the WGS84 ranges, then geohashDecodeAreaToLongLat(): the cell's centre, clamped to
 * the limits. Written out without intermediate objects, as searches decode every candidate.
 */
function cellCentre(hi: number, lo: number): [lon: number, lat: number] {
  const ilato = (compact16(lo) | (compact16(hi) << 16)) >>> 0;
  const ilono = (compact16(lo >>> 1) | (compact16(hi >>> 1) << 16)) >>> 0;
  const latMin = GEO_LAT_MIN + (ilato / CELLS) * LAT_SCALE;
  const latMax = GEO_LAT_MIN + (((ilato + 1) >>> 0) / CELLS) * LAT_SCALE;
  const lonMin = GEO_LONG_MIN + (ilono / CELLS) * LONG_SCALE;
  const lonMax = GEO_LONG_MIN + (((ilono + 1) >>> 0) / CELLS) * LONG_SCALE;
  let lon = (lonMin + lonMax) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  let lat = (latMin + latMax) / 2;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  return [lon, lat];
}

/** decodeGeohash(): a sorted set score back to the centre of its 52-bit cell, [longitude, latitude]. */
export function scoreToLonLat(score: number): [lon: number, lat: number] {
  if (score >= 0 && score < 2 ** 64) {
    const t = Math.trunc(score);
    const hi = Math.floor(t / TWO32);
    return cellCentre(hi, t - hi * TWO32);
  }
  const [hi, lo] = scoreBits(score);
  return cellCentre(hi, lo);
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * GEOHASH's 11 characters: the point decoded from its score, re-encoded over the standard ±90° latitudes (Redis
 * indexes only ±85.05°), 5 bits a character; the 11th has no bits left and is always '0'.
 */
export function geohashString(score: number): string {
  const [lon, lat] = scoreToLonLat(score);
  const h = encode(WGS84_LONG, STANDARD_LAT, lon, lat, GEO_STEP_MAX)!;
  let out = '';
  for (let i = 0; i < 10; i++) out += GEOALPHABET[Number((h.bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn)];
  return out + '0';
}

// ---- neighbours ----

const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;

/** geohash_move_x / geohash_move_y: step one cell along the odd (longitude) or even (latitude) bits, wrapping. */
function move(h: GeoHash, own: bigint, other: bigint, d: number): GeoHash {
  if (d === 0) return h;
  const shift = BigInt(64 - h.step * 2);
  let x = h.bits & own;
  const y = h.bits & other;
  const zz = other >> shift; // every bit of the other coordinate: carries ripple through them
  if (d > 0) x = (x + (zz + 1n)) & U64;
  else x = ((x | zz) - (zz + 1n)) & U64;
  x &= own >> shift;
  return { bits: x | y, step: h.step };
}

const moveX = (h: GeoHash, d: number) => move(h, ODD, EVEN, d);
const moveY = (h: GeoHash, d: number) => move(h, EVEN, ODD, d);
const neighbour = (h: GeoHash, dx: number, dy: number) => moveY(moveX(h, dx), dy);

export interface Neighbours {
  north: GeoHash;
  south: GeoHash;
  east: GeoHash;
  west: GeoHash;
  northEast: GeoHash;
  northWest: GeoHash;
  southEast: GeoHash;
  southWest: GeoHash;
}

/** geohashNeighbors(): the eight cells around `h` at the same step. */
export function neighbours(h: GeoHash): Neighbours {
  return {
    east: neighbour(h, 1, 0),
    west: neighbour(h, -1, 0),
    south: neighbour(h, 0, -1),
    north: neighbour(h, 0, 1),
    northWest: neighbour(h, -1, 1),
    northEast: neighbour(h, 1, 1),
    southEast: neighbour(h, 1, -1),
    southWest: neighbour(h, -1, -1),
  };
}

// ---- search shapes ----

/** GeoShape: a circle (radius) or an axis-aligned box (width × height) around a centre, in `conversion` units. */
export type GeoShape = {
  lon: number;
  lat: number;
  /** Meters per unit: m 1, km 1000, ft 0.3048, mi 1609.34. */
  conversion: number;
} & ({ type: 'circle'; radius: number } | { type: 'box'; width: number; height: number });

/** The bounding box of a shape: [min lon, min lat, max lon, max lat]. */
export type Bounds = [number, number, number, number];

/** geohashEstimateStepsByRadius(): how coarse the nine cells can be and still cover the radius. */
export function estimateStepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2; // make sure the range is included in most of the base cases
  // cells are narrower towards the poles
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/**
 * geohashBoundingBox(): the shape's extent in degrees. Its sides bend with latitude, so the widest longitude span is
 * at the edge nearer the pole: the top in the northern hemisphere, the bottom in the southern.
 */
export function boundingBox(shape: GeoShape): Bounds {
  const { lon, lat } = shape;
  const height = shape.conversion * (shape.type === 'circle' ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.type === 'circle' ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / cos(degRad(lat + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / cos(degRad(lat - latDelta)));
  const southern = lat < 0;
  return [
    southern ? lon - longDeltaBottom : lon - longDeltaTop,
    lat - latDelta,
    southern ? lon + longDeltaBottom : lon + longDeltaTop,
    lat + latDelta,
  ];
}

/** The centre cell and its neighbours to search, in Redis's order; excluded ones are the zero hash. */
export interface SearchAreas {
  hash: GeoHash;
  /** centre, N, S, E, W, NE, NW, SE, SW: the order membersOfAllNeighbors() visits them in. */
  cells: GeoHash[];
}

/**
 * geohashCalculateAreasByShapeWGS84(): the cell holding the centre at the estimated step, one step coarser when a
 * neighbour does not reach the shape's bounding box, and the neighbours the box does not reach dropped.
 */
export function searchAreas(shape: GeoShape): SearchAreas {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const { lon, lat } = shape;
  let radiusMeters = shape.type === 'circle'
    ? shape.radius
    : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radiusMeters *= shape.conversion;

  let steps = estimateStepsByRadius(radiusMeters, lat);
  let hash = encodeWGS84(lon, lat, steps) ?? { bits: 0n, step: steps };
  let n = neighbours(hash);
  let area = decodeWGS84(hash)!;

  const north = decodeWGS84(n.north)!, south = decodeWGS84(n.south)!;
  const east = decodeWGS84(n.east)!, west = decodeWGS84(n.west)!;
  const decreaseStep = north.latitude.max < maxLat || south.latitude.min > minLat ||
    east.longitude.max < maxLon || west.longitude.min > minLon;
  if (steps > 1 && decreaseStep) {
    steps--;
    hash = encodeWGS84(lon, lat, steps) ?? { bits: 0n, step: steps };
    n = neighbours(hash);
    area = decodeWGS84(hash)!;
  }

  // drop the cells that cannot hold anything in the box
  if (steps >= 2) {
    if (area.latitude.min < minLat) n.south = n.southWest = n.southEast = ZERO_HASH;
    if (area.latitude.max > maxLat) n.north = n.northEast = n.northWest = ZERO_HASH;
    if (area.longitude.min < minLon) n.west = n.southWest = n.northWest = ZERO_HASH;
    if (area.longitude.max > maxLon) n.east = n.southEast = n.northEast = ZERO_HASH;
  }
  return { hash, cells: [hash, n.north, n.south, n.east, n.west, n.northEast, n.northWest, n.southEast, n.southWest] };
}

/** scoresOfGeoHashBox(): the score interval [min, max) of every point inside cell `h`, as doubles. */
export function cellScoreRange(h: GeoHash): [min: number, max: number] {
  return [Number(align52(h)), Number(align52({ bits: (h.bits + 1n) & U64, step: h.step }))];
}

// ---- distances ----

/** geohashGetLatDistance(): along a meridian, asin(sin(x)) being x. */
export function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** geohashGetDistance(): the haversine great-circle distance in meters. */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = degRad(lon1);
  const lon2r = degRad(lon2);
  const v = sin((lon2r - lon1r) / 2);
  // the same meridian: the cheaper formula, as Redis takes it
  if (v === 0) return latDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = sin((lat2r - lat1r) / 2);
  const a = u * u + cos(lat1r) * cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * asin(Math.sqrt(a));
}

/**
 * distance() in plain Math, for a quick verdict: within a relative 1e-14 of the exact one, except near the
 * antipode where asin is steep (NaN then: no verdict).
 */
function roughDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const v = Math.sin((degRad(lon2) - degRad(lon1)) / 2);
  const u = Math.sin((degRad(lat2) - degRad(lat1)) / 2);
  const a = u * u + Math.cos(degRad(lat1)) * Math.cos(degRad(lat2)) * v * v;
  return a > 0.98 ? NaN : 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

/** Clearly beyond `limit` by the rough distance: the exact one need not be computed. */
const clearlyBeyond = (lon1: number, lat1: number, lon2: number, lat2: number, limit: number) =>
  roughDistance(lon1, lat1, lon2, lat2) > limit * (1 + 1e-9);

/**
 * geoWithinShape() for a decoded point: its distance in meters from the shape's centre, or null when outside.
 * A box is checked on latitude first (cheapest), then along the point's parallel.
 */
export function distanceWithin(shape: GeoShape, lon: number, lat: number): number | null {
  if (shape.type === 'circle') {
    const limit = shape.radius * shape.conversion;
    if (clearlyBeyond(shape.lon, shape.lat, lon, lat, limit)) return null;
    const d = distance(shape.lon, shape.lat, lon, lat);
    return d > limit ? null : d;
  }
  const widthM = shape.width * shape.conversion, heightM = shape.height * shape.conversion;
  if (latDistance(lat, shape.lat) > heightM / 2) return null;
  if (clearlyBeyond(lon, lat, shape.lon, lat, widthM / 2) || distance(lon, lat, shape.lon, lat) > widthM / 2) return null;
  return distance(shape.lon, shape.lat, lon, lat);
}
