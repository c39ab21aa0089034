/**
 * Numbers as Redis reads and writes them in strings (util.c string2ll / ll2string / string2ld). Integers are
 * int64: a JS number while it is exact, a bigint beyond 2^53.
 */

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

/**
 * string2ll(): an optional '-', then digits with no leading zero ("0" alone is fine); no '+', no spaces, at most
 * 20 chars, within int64. Returns null when Redis would refuse the text.
 */
export function parseInteger(s: string): number | bigint | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  const negative = s.charCodeAt(0) === 45;
  if (negative) {
    i = 1;
    if (len === 1) return null;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return len === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  let n = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    n = n * 10 + (c - 48);
  }
  if (n <= Number.MAX_SAFE_INTEGER) return negative ? -n : n;
  const big = BigInt(s);
  return big > INT64_MAX || big < INT64_MIN ? null : big;
}

/** The same check, as a number (imprecise past 2^53, which only matters to arithmetic commands). */
export function parseIntegerNumber(s: string): number | null {
  const v = parseInteger(s);
  return v === null ? null : Number(v);
}

/** Normalise an exact int64 result: a number when it is exact, else a bigint. */
export function int64(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/**
 * string2d() as Redis uses it for scores and float arguments: strtod over the whole string, no leading space,
 * no NaN. Accepts "inf", "-inf", "+inf", "1e5", "0x1p3" like strtod does.
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || s.length > 5 * 1024) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  const t = s.toLowerCase();
  let sign = 1, body = t;
  if (body[0] === '+' || body[0] === '-') {
    if (body[0] === '-') sign = -1;
    body = body.slice(1);
  }
  if (body === 'inf' || body === 'infinity') return sign * Infinity;
  if (body.startsWith('0x')) return parseHexFloat(body.slice(2), sign);
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) return null;
  const v = sign * Number(body);
  return Number.isNaN(v) ? null : v;
}

function parseHexFloat(h: string, sign: number): number | null {
  const m = /^([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(h);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return null;
  const int = m[1] ? parseInt(m[1], 16) : 0;
  let frac = 0;
  for (let i = 0; i < (m[2] ?? '').length; i++) frac += parseInt(m[2]![i], 16) / 16 ** (i + 1);
  return sign * (int + frac) * 2 ** Number(m[3] ?? 0);
}
