import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { asin, cos, sin } from '../../lib/store/trig';
import { lcg } from '../helpers/random';

const test = suite('store/trig');

// ---- a reference: fixed point with 256 fractional bits, in BigInt ----

const BITS = 256n;
const ONE = 1n << BITS;

/** A double's exact value in fixed point (exact for the magnitudes used here). */
function fixed(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const raw = view.getBigUint64(0);
  const biased = Number((raw >> 52n) & 0x7ffn);
  let mant = raw & 0xfffffffffffffn;
  if (biased !== 0) mant |= 1n << 52n;
  const exp = BigInt((biased || 1) - 1075) + BITS;
  const v = exp >= 0n ? mant << exp : mant >> -exp;
  return raw >> 63n ? -v : v;
}

/** sin and cos by their Taylor series, far beyond double precision. */
function series(x: bigint, start: 0n | 1n): bigint {
  const x2 = (x * x) >> BITS;
  let term = start === 1n ? x : ONE;
  let sum = term;
  for (let k = start + 1n; term !== 0n; k += 2n) {
    term = -((term * x2) >> BITS) / (k * (k + 1n));
    sum += term;
  }
  return sum;
}
const refSin = (x: number | bigint) => series(typeof x === 'bigint' ? x : fixed(x), 1n);
const refCos = (x: number) => series(fixed(x), 0n);

/** The distance from x to the next double up, in fixed point. */
function ulp(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const next = new DataView(new ArrayBuffer(8));
  next.setBigUint64(0, view.getBigUint64(0) + 1n);
  return fixed(next.getFloat64(0)) - fixed(Math.abs(x));
}

/** y is the double nearest to the true value t: within half an ulp. */
const nearest = (y: number, t: bigint) => {
  const d = fixed(y) - t;
  return (d < 0n ? -d : d) * 2n <= ulp(y);
};

test('sin and cos are the doubles nearest the true values over the ranges geo distances use', () => {
  const next = lcg(3);
  let v8Off = 0;
  for (let i = 0; i < 3000; i++) {
    const x = (next() - 0.5) * 2 * Math.PI * (next() < 0.5 ? 1 : next() * 1e-3);
    assert.ok(nearest(sin(x), refSin(x)), `sin(${x}) = ${sin(x)}`);
    assert.ok(nearest(cos(x), refCos(x)), `cos(${x}) = ${cos(x)}`);
    if (!nearest(Math.sin(x), refSin(x)) || !nearest(Math.cos(x), refCos(x))) v8Off++;
  }
  assert.ok(v8Off > 0, 'the reference should catch V8 being off by an ulp somewhere');
});

test('asin is the double nearest the true value: sin of the half-way points brackets z', () => {
  const next = lcg(5);
  for (let i = 0; i < 2000; i++) {
    const z = next() < 0.1 ? 1 - next() * 1e-10 : next() * (next() < 0.5 ? 1 : 0.01);
    const y = asin(z);
    const half = ulp(y) / 2n;
    const lo = refSin(fixed(y) - half), hi = refSin(fixed(y) + half);
    const target = fixed(z);
    assert.ok(lo <= target && target <= hi, `asin(${z}) = ${y}`);
  }
});

test('special values: signed zeros, exact ends, out of range, huge arguments', () => {
  assert.ok(Object.is(sin(-0), -0));
  assert.is(cos(0), 1);
  assert.is(asin(0), 0);
  assert.is(asin(1), Math.PI / 2);
  assert.is(asin(-1), -Math.PI / 2);
  assert.ok(Number.isNaN(asin(1.0000000000000002)));
  assert.ok(Number.isNaN(sin(Infinity)));
  assert.ok(Number.isNaN(cos(NaN)));
  assert.is(sin(1e300), Math.sin(1e300)); // beyond the reduction's range Math answers
  assert.is(sin(Math.PI), Math.sin(Math.PI));
  assert.ok(nearest(sin(3), refSin(3)));
  assert.ok(nearest(cos(100), refCos(100)));
});

test.run();
