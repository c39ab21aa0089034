import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  align52, boundingBox, cellScoreRange, decodeWGS84, distance, distanceWithin, encodeWGS84, estimateStepsByRadius,
  geohashString, isZeroHash, latDistance, neighbours, pointScore, scoreBits, scoreToLonLat, searchAreas, GEO_LAT_MAX,
  GEO_LAT_MIN, type GeoShape,
} from '../../lib/store/geohash';
import { lcg } from '../helpers/random';

const test = suite('store/geohash');

test('a point becomes the 52-bit hash Redis stores as its score, and decodes to its cell centre', () => {
  // what Redis 7.0 stores and prints for the documentation's example points
  assert.is(pointScore(13.361389, 38.115556), 3479099956230698);
  assert.is(pointScore(15.087269, 37.502669), 3479447370796909);
  assert.is(pointScore(0, 0), 2 ** 51 + 2 ** 50); // the middle cell: top bit of each coordinate set
  assert.is(pointScore(-180, GEO_LAT_MIN), 0);
  assert.is(pointScore(180, GEO_LAT_MAX), 2 ** 53 + 2 ** 52); // offsets of exactly 2^26 spill past 52 bits
  assert.equal(scoreToLonLat(3479099956230698), [Number('13.36138933897018433'), Number('38.11555639549629859')]);
  assert.equal(scoreToLonLat(3479447370796909), [Number('15.08726745843887329'), Number('37.50266842333162032')]);
  assert.equal(scoreToLonLat(0), [Number('-179.99999731779098511'), Number('-85.05112751263942528')]);
  // decoding a point's own score lands within half a cell of it
  const next = lcg(1);
  for (let i = 0; i < 1000; i++) {
    const lon = next() * 360 - 180, lat = next() * (GEO_LAT_MAX - GEO_LAT_MIN) + GEO_LAT_MIN;
    const [dlon, dlat] = scoreToLonLat(pointScore(lon, lat));
    assert.ok(Math.abs(dlon - lon) <= 360 / 2 ** 27 && Math.abs(dlat - lat) <= 171 / 2 ** 27, `${lon},${lat}`);
  }
  assert.is(encodeWGS84(0, 90, 26), null);
  assert.is(encodeWGS84(180.1, 0, 26), null);
});

test('scores GEOADD never writes convert to 64 bits as x86-64 code does', () => {
  assert.equal(scoreBits(1.5), [0, 1]); // truncated
  assert.equal(scoreBits(2 ** 40 + 7), [2 ** 8, 7]);
  assert.equal(scoreBits(-1), [0xffffffff, 0xffffffff]); // a negative wraps
  assert.equal(scoreBits(-0.5), [0, 0]);
  assert.equal(scoreBits(2 ** 63), [0x80000000, 0]);
  assert.equal(scoreBits(-(2 ** 63)), [0x80000000, 0]);
  assert.equal(scoreBits(-1e30), [0x80000000, 0]); // below int64: the "indefinite" value
  assert.equal(scoreBits(-Infinity), [0x80000000, 0]);
  assert.equal(scoreBits(2 ** 64), [0, 0]); // at and above 2^64: what the subtract-and-flip path leaves
  assert.equal(scoreBits(Infinity), [0, 0]);
  // all ones: the latitude cell index + 1 wraps to 0, so the centre is far past the pole and clamped
  assert.equal(scoreToLonLat(-1), [180, GEO_LAT_MAX]);
});

test('GEOHASH strings: re-encoded over ±90° latitude, 5 bits a character, the 11th always 0', () => {
  assert.is(geohashString(3479099956230698), 'sqc8b49rny0');
  assert.is(geohashString(3479447370796909), 'sqdtr74hyu0');
  assert.is(geohashString(0), '00bh0hbj200');
  assert.is(geohashString(-1), 'bp05b5048p0');
});

test('distances: haversine on Redis\'s sphere, the meridian shortcut, and the box test along the parallel', () => {
  const [plon, plat] = scoreToLonLat(3479099956230698);
  const [clon, clat] = scoreToLonLat(3479447370796909);
  assert.is(distance(plon, plat, clon, clat) / 1000, 166.27415156960032); // Redis's STOREDIST in km
  assert.is(distance(plon, plat, plon, plat), 0);
  assert.is(distance(10, 0, 10, 1), latDistance(0, 1)); // same longitude: no trigonometry
  assert.is(latDistance(0, 1), 6372797.560856 * (Math.PI / 180));
  const circle: GeoShape = { type: 'circle', lon: 15, lat: 37, radius: 100, conversion: 1000 };
  assert.is(distanceWithin(circle, clon, clat), distance(15, 37, clon, clat));
  assert.is(distanceWithin(circle, plon, plat), null);
  const box: GeoShape = { type: 'box', lon: 15, lat: 37, width: 400, height: 200, conversion: 1000 };
  assert.ok(distanceWithin(box, clon, clat) !== null);
  assert.is(distanceWithin(box, plon, plat), null); // 124 km north of the centre: outside a box 200 km high
  assert.is(distanceWithin({ ...box, height: 400 }, plon, plat), distance(15, 37, plon, plat));
});

test('step estimate: finer cells for smaller radii, coarser towards the poles, within 1..26', () => {
  assert.is(estimateStepsByRadius(0, 0), 26);
  assert.is(estimateStepsByRadius(200000, 37), 6);
  assert.is(estimateStepsByRadius(200000, 70), 5);
  assert.is(estimateStepsByRadius(200000, -85), 4);
  assert.is(estimateStepsByRadius(1, 0), 24);
  assert.is(estimateStepsByRadius(0.001, 0), 26);
  assert.is(estimateStepsByRadius(5e7, 0), 1);
  assert.is(estimateStepsByRadius(Infinity, 0), 1);
});

test('neighbours: one cell in each direction, wrapping around the edges of the grid', () => {
  const h = encodeWGS84(15, 37, 4)!;
  const n = neighbours(h);
  assert.equal(neighbours(n.east).west, h);
  assert.equal(neighbours(n.north).south, h);
  assert.equal(neighbours(n.northEast).southWest, h);
  assert.equal(neighbours(n.southEast).northWest, h);
  const area = decodeWGS84(h)!, east = decodeWGS84(n.east)!, north = decodeWGS84(n.north)!;
  assert.is(east.longitude.min, area.longitude.max);
  assert.is(east.latitude.min, area.latitude.min);
  assert.is(north.latitude.min, area.latitude.max);
  // the last column's east neighbour is the first column
  const edge = encodeWGS84(179.9, 0, 3)!;
  assert.is(decodeWGS84(neighbours(edge).east)!.longitude.min, -180);
  assert.is(decodeWGS84(neighbours(encodeWGS84(0, 85, 3)!).north)!.latitude.min, GEO_LAT_MIN);
});

test('cell score ranges: the hash aligned to 52 bits, up to the next one', () => {
  const h = encodeWGS84(15, 37, 3)!;
  assert.is(h.bits, 0b110001n);
  assert.is(align52(h), 0b110001n << 46n);
  assert.equal(cellScoreRange(h), [Number(0b110001n << 46n), Number(0b110010n << 46n)]);
  assert.equal(cellScoreRange({ bits: 63n, step: 3 }), [Number(63n << 46n), 2 ** 52]);
});

test('search areas: every point of the shape lies in one of the cells searched', () => {
  const next = lcg(7);
  for (let i = 0; i < 300; i++) {
    const lon = next() * 360 - 180, lat = next() * 140 - 70;
    const radius = Math.exp(next() * Math.log(2e6));
    const shape: GeoShape = next() < 0.5
      ? { type: 'circle', lon, lat, radius, conversion: 1 }
      : { type: 'box', lon, lat, width: radius * 2 * next(), height: radius * 2 * next(), conversion: 1 };
    const { cells } = searchAreas(shape);
    const ranges = cells.filter((c) => !isZeroHash(c)).map(cellScoreRange);
    const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
    for (let j = 0; j < 50; j++) {
      const plon = minLon + next() * (maxLon - minLon), plat = minLat + next() * (maxLat - minLat);
      if (plon < -180 || plon > 180 || plat < GEO_LAT_MIN || plat > GEO_LAT_MAX) continue;
      const score = pointScore(plon, plat);
      const [dlon, dlat] = scoreToLonLat(score);
      if (distanceWithin(shape, dlon, dlat) === null) continue;
      assert.ok(ranges.some(([min, max]) => score >= min && score < max), `${JSON.stringify(shape)}: ${plon},${plat}`);
    }
  }
});

test('search areas: neighbours beyond the bounding box are dropped, the centre never', () => {
  const small: GeoShape = { type: 'circle', lon: 15.0001, lat: 37.0001, radius: 1, conversion: 1 };
  const { hash, cells } = searchAreas(small);
  assert.equal(cells[0], hash);
  assert.ok(cells.slice(1).some(isZeroHash));
  const huge = searchAreas({ type: 'circle', lon: 0, lat: 0, radius: 1e8, conversion: 1 });
  assert.is(huge.hash.step, 1);
  assert.ok(huge.cells.every((c) => !isZeroHash(c))); // step 1 keeps all nine
});

test.run();
