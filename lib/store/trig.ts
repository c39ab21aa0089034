/**
 * sin, cos and asin rounded correctly (to the double nearest the true value), for the geo distances. V8's fdlibm
 * versions are off by one unit in the last place in a few percent of cases and glibc's, which Redis calls, in about
 * 0.1%: computing the true value (in double-double arithmetic, ~106 bits) keeps those last bits as glibc's nearly always.
 */

// ---- double-double arithmetic: a value is hi + lo with |lo| <= ulp(hi) / 2 ----

/** Veltkamp's splitter for 53-bit doubles: 2^27 + 1. */
const SPLITTER = 134217729;

let rHi = 0;
let rLo = 0;

/** Exact a + b as (rHi, rLo). */
function twoSum(a: number, b: number): void {
  const s = a + b;
  const bb = s - a;
  rLo = (a - (s - bb)) + (b - bb);
  rHi = s;
}

/** Exact a × b as (rHi, rLo) (Dekker's product; no FMA in JS). */
function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b), bl = b - bh;
  rLo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  rHi = p;
}

/** a + b as (rHi, rLo) when |a| >= |b|. */
function quickTwoSum(a: number, b: number): void {
  const s = a + b;
  rLo = b - (s - a);
  rHi = s;
}

/** (ah, al) + (bh, bl) into (rHi, rLo). */
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  twoSum(ah, bh);
  const s1 = rHi, s2 = rLo;
  twoSum(al, bl);
  const t1 = rHi, t2 = rLo;
  quickTwoSum(s1, s2 + t1);
  quickTwoSum(rHi, rLo + t2);
}

/** (ah, al) × (bh, bl) into (rHi, rLo). */
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  twoProd(ah, bh);
  quickTwoSum(rHi, rLo + (ah * bl + al * bh));
}

/** (ah, al) / d for a double d into (rHi, rLo). */
function ddDivD(ah: number, al: number, d: number): void {
  const q1 = ah / d;
  twoProd(q1, d);
  // ah and q1 × d agree in their leading bits, so ah - rHi is exact; add what the product and the dividend left
  const q2 = ((ah - rHi) - rLo + al) / d;
  quickTwoSum(q1, q2);
}

// ---- series coefficients: (-1)^k / n! as double-doubles ----

const SIN_TERMS = 15; // x^29 / 29! < 2^-110 for |x| <= pi/4
const SIN_HI: number[] = [];
const SIN_LO: number[] = [];
const COS_HI: number[] = [];
const COS_LO: number[] = [];
{
  let h = 1, l = 0;
  for (let n = 1; n <= 2 * SIN_TERMS + 1; n++) {
    if (n > 1) {
      ddDivD(h, l, n);
      h = rHi;
      l = rLo;
    }
    const sign = Math.floor(n / 2) % 2 === 0 ? 1 : -1;
    if (n % 2 === 1) {
      SIN_HI.push(sign * h);
      SIN_LO.push(sign * l);
    } else {
      COS_HI.push(sign * h);
      COS_LO.push(sign * l);
    }
  }
  COS_HI.unshift(1);
  COS_LO.unshift(0);
}

/** How many terms the series needs at |r| for a 2^-110 relative error. */
function termsFor(r: number): number {
  const a = Math.abs(r);
  if (a < 1e-8) return 3;
  if (a < 1e-4) return 5;
  if (a < 1e-2) return 8;
  if (a < 0.1) return 10;
  return SIN_TERMS;
}

/**
 * Σ c_k z^k for k < n by Horner into (rHi, rLo), the double-double steps written out (this is the hot loop of a
 * search). Each step adds a coefficient far larger than what it is added to, so the cheaper addition is exact enough.
 */
function horner(cHi: readonly number[], cLo: readonly number[], n: number, zh: number, zl: number): void {
  let t = SPLITTER * zh;
  const zH = t - (t - zh), zL = zh - zH;
  let ph = cHi[n - 1], pl = cLo[n - 1];
  for (let k = n - 2; k >= 0; k--) {
    // (ph, pl) × (zh, zl)
    const prod = ph * zh;
    t = SPLITTER * ph;
    const pH = t - (t - ph), pL = ph - pH;
    const err = ((pH * zH - prod) + pH * zL + pL * zH) + pL * zL + (ph * zl + pl * zh);
    const mh = prod + err;
    const ml = err - (mh - prod);
    // + (cHi[k], cLo[k])
    const ch = cHi[k];
    const s = mh + ch;
    const bb = s - mh;
    const e = (mh - (s - bb)) + (ch - bb) + (ml + cLo[k]);
    ph = s + e;
    pl = e - (ph - s);
  }
  rHi = ph;
  rLo = pl;
}

/** sin of the reduced (rh, rl), |r| <= pi/4, into (rHi, rLo): r × Σ c_k r^2k. */
function sinSeries(rh: number, rl: number): void {
  ddMul(rh, rl, rh, rl);
  horner(SIN_HI, SIN_LO, termsFor(rh), rHi, rLo);
  ddMul(rHi, rLo, rh, rl);
}

/** cos of the reduced (rh, rl), |r| <= pi/4, into (rHi, rLo). */
function cosSeries(rh: number, rl: number): void {
  ddMul(rh, rl, rh, rl);
  horner(COS_HI, COS_LO, termsFor(rh) + 1, rHi, rLo);
}

// ---- argument reduction: x - k pi/2 with pi/2 in 33-bit pieces (k × piece exact while k < 2^20) ----

const PIO2_1 = 1.57079632673412561417e+00;
const PIO2_2 = 6.07710050630396597660e-11;
const PIO2_3 = 2.02226624871116645580e-21;
const PIO2_3T = 8.47842766036889956997e-32;
const INV_PIO2 = 6.36619772367581382433e-01;
/** Beyond this, k would exceed 2^19: leave such arguments to Math (they never occur in geo distances). */
const REDUCIBLE = 2 ** 19;

let quadrant = 0;

/** x - k pi/2 for the nearest k, as (rHi, rLo); k mod 4 in `quadrant`. */
function reduce(x: number): void {
  const k = Math.round(x * INV_PIO2);
  quadrant = ((k % 4) + 4) % 4;
  if (k === 0) {
    rHi = x;
    rLo = 0;
    return;
  }
  const a = x - k * PIO2_1; // exact: k × PIO2_1 is, and x is close to it
  twoSum(a, -k * PIO2_2);
  const h = rHi, l = rLo;
  ddAdd(h, l, -k * PIO2_3, -k * PIO2_3T);
}

/** sin(x) to the nearest double. */
export function sin(x: number): number {
  if (!(Math.abs(x) < REDUCIBLE)) return Math.sin(x);
  if (x === 0) return x; // keeps -0
  reduce(x);
  const rh = rHi, rl = rLo;
  switch (quadrant) {
    case 0: sinSeries(rh, rl); return rHi + rLo;
    case 1: cosSeries(rh, rl); return rHi + rLo;
    case 2: sinSeries(rh, rl); return -(rHi + rLo);
    default: cosSeries(rh, rl); return -(rHi + rLo);
  }
}

/** The last two cos arguments and results: a search takes the cosine of its centre's latitude for every point. */
const memoArg = [NaN, NaN];
const memoCos = [NaN, NaN];
let memoNext = 0;

/** cos(x) to the nearest double. */
export function cos(x: number): number {
  if (x === memoArg[0]) return memoCos[0];
  if (x === memoArg[1]) return memoCos[1];
  const c = cosUncached(x);
  memoArg[memoNext] = x;
  memoCos[memoNext] = c;
  memoNext ^= 1;
  return c;
}

function cosUncached(x: number): number {
  if (!(Math.abs(x) < REDUCIBLE)) return Math.cos(x);
  reduce(x);
  const rh = rHi, rl = rLo;
  switch (quadrant) {
    case 0: cosSeries(rh, rl); return rHi + rLo;
    case 1: sinSeries(rh, rl); return -(rHi + rLo);
    case 2: cosSeries(rh, rl); return -(rHi + rLo);
    default: sinSeries(rh, rl); return rHi + rLo;
  }
}

/**
 * asin(z) to the nearest double: Math.asin is within an ulp, and one Newton step on sin(y) = z, with sin(y)
 * in double-double, leaves an error far below the last bit.
 */
export function asin(z: number): number {
  const y = Math.asin(z);
  if (!Number.isFinite(y) || y === 0) return y;
  reduce(y);
  const rh = rHi, rl = rLo;
  if (quadrant === 0) sinSeries(rh, rl);
  else if (quadrant === 1) cosSeries(rh, rl);
  else if (quadrant === 3) {
    cosSeries(rh, rl);
    rHi = -rHi;
    rLo = -rLo;
  } else return y;
  const residual = (z - rHi) - rLo; // z and sin(y) agree in their leading bits: the first subtraction is exact
  return y + residual / Math.cos(y);
}
