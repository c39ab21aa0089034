/**
 * The x87 80-bit `long double` that INCRBYFLOAT and HINCRBYFLOAT compute in (util.c string2ld / ld2string on
 * x86-64): strtold's correctly rounded parse, one addition rounded to a 64-bit significand, and printf("%.17Lf")
 * with trailing zeros trimmed. Values are held exactly as a BigInt significand times a power of two.
 */

/** A finite value is (-1)^neg × mant × 2^exp with mant < 2^64; zero is mant 0 (with its sign). */
export type LongDouble =
  | { kind: 'finite'; neg: boolean; mant: bigint; exp: number }
  | { kind: 'inf'; neg: boolean };

const SIGNIFICAND_BITS = 64;
/** The least subnormal is 2^-16445 (2^-16382, the least normal, times 2^-63): nothing is finer than this. */
const MIN_EXP = -16445;
/** Values at or above 2^16384 overflow to infinity. */
const OVERFLOW_BITS = 16384;
/** string2ld refuses strings this long or longer (MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;
/** Guard bits the rational division keeps beyond the significand, so rounding sees the true half. */
const GUARD_BITS = 2;

function bitLength(n: bigint): number {
  if (n === 0n) return 0;
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/**
 * Round n × 2^e (n ≥ 0; `sticky` when nonzero bits were cut below n) to the nearest long double, ties to even,
 * gradual underflow into subnormals, overflow to infinity.
 */
function round(neg: boolean, n: bigint, e: number, sticky = false): LongDouble {
  if (n === 0n) return { kind: 'finite', neg, mant: 0n, exp: 0 };
  const shift = Math.max(bitLength(n) - SIGNIFICAND_BITS, MIN_EXP - e);
  let mant = n;
  if (shift > 0) {
    const s = BigInt(shift);
    mant = n >> s;
    const rest = n - (mant << s);
    const half = 1n << (s - 1n);
    if (rest > half || (rest === half && (sticky || (mant & 1n) === 1n))) mant += 1n;
    e += shift;
    if (bitLength(mant) > SIGNIFICAND_BITS) {
      mant >>= 1n; // a carry out of the significand: 2^64 becomes 2^63 × 2, still exact
      e += 1;
    }
  }
  // shift ≤ 0 with sticky set cannot happen: callers keep GUARD_BITS beyond the significand or are exact.
  if (mant === 0n) return { kind: 'finite', neg, mant: 0n, exp: 0 };
  if (bitLength(mant) + e > OVERFLOW_BITS) return { kind: 'inf', neg };
  return { kind: 'finite', neg, mant, exp: e };
}

/** An exponent's digits as a number, saturating far beyond any exponent that could still matter. */
function exponentValue(text: string | undefined): number {
  if (text === undefined) return 0;
  const neg = text[0] === '-';
  const digits = text.replace(/^[+-]?0*/, '');
  const v = digits.length > 9 ? 1e9 : Number(digits || '0');
  return neg ? -v : v;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;
const SPACE = /^[ \t\n\v\f\r]/;

/**
 * string2ld(): the whole string must be what strtold reads (decimal, hex float with optional binary exponent,
 * inf/infinity), with no leading space. NaN, overflow, and a nonzero value that rounds to zero are refused: null.
 */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || s.length >= MAX_CHARS || SPACE.test(s)) return null;
  let m = HEX.exec(s);
  if (m) {
    const [, sign, int, frac = '', p] = m;
    if (int.length + frac.length === 0) return null; // "0x" alone: strtold stops after the 0
    return finishParse(parseHex(sign === '-', int + frac, exponentValue(p) - 4 * frac.length));
  }
  m = DECIMAL.exec(s);
  if (m) {
    const [, sign, int, frac = '', e] = m;
    if (int.length + frac.length === 0) return null;
    return finishParse(parseDecimal(sign === '-', int + frac, exponentValue(e) - frac.length));
  }
  m = INFINITY.exec(s);
  if (m) return { kind: 'inf', neg: m[1] === '-' };
  return null;
}

/** strtold's ERANGE cases string2ld refuses: a result of ±HUGE_VAL, or a nonzero input that became zero. */
function finishParse(r: LongDouble | 'underflow'): LongDouble | null {
  if (r === 'underflow' || r.kind === 'inf') return null;
  return r;
}

/** ±digits × 10^e, correctly rounded. */
function parseDecimal(neg: boolean, digits: string, e: number): LongDouble | 'underflow' {
  const lead = digits.replace(/^0+/, '');
  if (lead === '') return { kind: 'finite', neg, mant: 0n, exp: 0 };
  const sig = lead.replace(/0+$/, '');
  e += lead.length - sig.length;
  // The value lies in [10^(e+len-1), 10^(e+len)). Max is ~1.19e4932; half the least subnormal ~1.8e-4951.
  if (e + sig.length - 1 > 4932) return { kind: 'inf', neg };
  if (e + sig.length < -4951) return 'underflow';
  const d = BigInt(sig);
  let r: LongDouble;
  if (e >= 0) {
    r = round(neg, d * 10n ** BigInt(e), 0);
  } else {
    const den = 10n ** BigInt(-e);
    const s = Math.max(0, SIGNIFICAND_BITS + GUARD_BITS + bitLength(den) - bitLength(d) + 1);
    const num = d << BigInt(s);
    const q = num / den;
    r = round(neg, q, -s, q * den !== num);
  }
  return r.kind === 'finite' && r.mant === 0n ? 'underflow' : r;
}

/** ±hexdigits × 2^e, correctly rounded. */
function parseHex(neg: boolean, digits: string, e: number): LongDouble | 'underflow' {
  const h = BigInt('0x' + digits);
  if (h === 0n) return { kind: 'finite', neg, mant: 0n, exp: 0 };
  const top = bitLength(h) + e; // the value lies in [2^(top-1), 2^top)
  if (top - 1 >= OVERFLOW_BITS) return { kind: 'inf', neg };
  if (top < MIN_EXP) return 'underflow'; // below half the least subnormal
  const r = round(neg, h, e);
  return r.kind === 'finite' && r.mant === 0n ? 'underflow' : r;
}

/** a + b rounded once, as the FPU does; null when the sum is infinite or NaN (any infinite operand). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.kind === 'inf' || b.kind === 'inf') return null;
  const e = Math.min(a.exp, b.exp);
  const sa = (a.neg ? -a.mant : a.mant) << BigInt(a.exp - e);
  const sb = (b.neg ? -b.mant : b.mant) << BigInt(b.exp - e);
  const sum = sa + sb;
  // An exact zero is +0 under round-to-nearest, unless both addends were -0.
  const r = sum === 0n ? round(a.neg && b.neg, 0n, 0) : round(sum < 0n, sum < 0n ? -sum : sum, e);
  return r.kind === 'inf' ? null : r;
}

/** True for ±inf (HINCRBYFLOAT refuses an infinite increment before touching the hash). */
export function isInfinite(v: LongDouble): boolean {
  return v.kind === 'inf';
}

const FRACTION_DIGITS = 17;
const SCALE = 10n ** BigInt(FRACTION_DIGITS);

/**
 * ld2string(LD_STR_HUMAN): printf("%.17Lf") — the exact binary value rounded to 17 decimals, ties to even as
 * glibc does — then trailing zeros and a bare trailing dot dropped, and "-0" printed as "0".
 */
export function formatLongDouble(v: LongDouble): string {
  if (v.kind === 'inf') return v.neg ? '-inf' : 'inf';
  let body: string;
  if (v.exp >= 0) {
    body = (v.mant << BigInt(v.exp)).toString(); // an integer: all 17 decimals are zeros and get trimmed
  } else {
    const k = BigInt(-v.exp);
    const scaled = v.mant * SCALE;
    let q = scaled >> k;
    const rest = scaled - (q << k);
    const half = 1n << (k - 1n);
    if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
    const digits = q.toString().padStart(FRACTION_DIGITS + 1, '0');
    const int = digits.slice(0, -FRACTION_DIGITS);
    const frac = digits.slice(-FRACTION_DIGITS).replace(/0+$/, '');
    body = frac === '' ? int : `${int}.${frac}`;
  }
  return v.neg && body !== '0' ? `-${body}` : body;
}
