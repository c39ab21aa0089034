/**
 * Redis's glob patterns (stringmatchlen in util.c) over latin1 strings: `*`, `?`, `[abc]`, `[a-z]`, `[^x]`, `\x`
 * escapes and a nocase mode, quirks included. KEYS, SCAN MATCH, CONFIG GET and PSUBSCRIBE share it. Matching
 * backtracks only to the latest `*` (what Redis's skipLongerMatches achieves), so `*a*a*a…b` stays O(pattern × string).
 */

/** A compiled pattern element: STAR, ANY, a literal char code (folded under nocase), or a 256-entry class table. */
type Token = number | Uint8Array;
const STAR = -1;
const ANY = -2;

/** A pattern compiled once, to test many strings (every key of KEYS, every channel of a PUBLISH). */
export interface Glob {
  readonly pattern: string;
  test(s: string): boolean;
}

/** `stringmatchlen(pattern, s, nocase)`: does the whole string match? */
export function stringMatch(pattern: string, s: string, nocase = false): boolean {
  return compileGlob(pattern, nocase).test(s);
}

export function compileGlob(pattern: string, nocase = false): Glob {
  const tokens = tokenize(pattern, nocase);
  return { pattern, test: (s) => matchTokens(tokens, pattern.length === 0, s, nocase) };
}

/**
 * C's tolower() on a (signed) char as glibc answers it in the C locale: A–Z fold, and -128..-2 come back as
 * 128..254 (-1 is EOF and stays). Only ranges compare folded values by order, so only they see the difference.
 */
function ctolower(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  if (c <= -2) return c + 256;
  return c;
}

/** Redis compares chars as `char`, which is signed here: bytes 0x80–0xff sort below 0 in a range. */
const signed = (c: number): number => (c >= 128 ? c - 256 : c);

const foldAscii = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

function tokenize(pattern: string, nocase: boolean): Token[] {
  const tokens: Token[] = [];
  const n = pattern.length;
  for (let p = 0; p < n; p++) {
    const c = pattern.charCodeAt(p);
    if (c === 0x2a /* * */) {
      while (p + 1 < n && pattern.charCodeAt(p + 1) === 0x2a) p++;
      tokens.push(STAR);
    } else if (c === 0x3f /* ? */) {
      tokens.push(ANY);
    } else if (c === 0x5b /* [ */) {
      const [table, end] = charClass(pattern, p + 1, nocase);
      tokens.push(table);
      p = end;
    } else if (c === 0x5c /* \ */ && p + 1 < n) {
      p++;
      tokens.push(nocase ? foldAscii(pattern.charCodeAt(p)) : pattern.charCodeAt(p));
    } else {
      tokens.push(nocase ? foldAscii(c) : c); // a trailing backslash is a literal backslash
    }
  }
  return tokens;
}

/**
 * A `[...]` class starting at `p` (just after the `[`): which bytes it accepts, and the index of its last
 * pattern char. Redis's reading, kept exactly: `\x` is x compared exactly (even under nocase); `a-z` is a range
 * in either order; a missing `]` makes the class run to the end of the pattern; `[a-]` takes `]` as the range end.
 */
function charClass(pattern: string, p: number, nocase: boolean): [Uint8Array, number] {
  const n = pattern.length;
  const table = new Uint8Array(256);
  const negate = p < n && pattern.charCodeAt(p) === 0x5e; /* ^ */
  if (negate) p++;
  for (;; p++) {
    if (p >= n) {
      p = n - 1; // unterminated: the class swallowed the rest of the pattern
      break;
    }
    const c = pattern.charCodeAt(p);
    if (c === 0x5c && p + 1 < n) {
      table[pattern.charCodeAt(++p) & 0xff] = 1;
    } else if (c === 0x5d /* ] */) {
      break;
    } else if (p + 2 < n && pattern.charCodeAt(p + 1) === 0x2d /* - */) {
      let lo = signed(c), hi = signed(pattern.charCodeAt(p + 2) & 0xff);
      if (lo > hi) [lo, hi] = [hi, lo];
      if (nocase) {
        lo = ctolower(lo);
        hi = ctolower(hi);
      }
      for (let b = 0; b < 256; b++) {
        const v = nocase ? ctolower(signed(b)) : signed(b);
        if (v >= lo && v <= hi) table[b] = 1;
      }
      p += 2;
    } else if (nocase) {
      const f = foldAscii(c);
      for (let b = 0; b < 256; b++) if (foldAscii(b) === f) table[b] = 1;
    } else {
      table[c & 0xff] = 1;
    }
  }
  if (negate) for (let b = 0; b < 256; b++) table[b] ^= 1;
  return [table, p];
}

function matchOne(t: Token, c: number, nocase: boolean): boolean {
  if (t === ANY) return true;
  if (typeof t === 'number') return t === (nocase ? foldAscii(c) : c);
  return t[c & 0xff] === 1;
}

/**
 * Every non-star token eats exactly one char, so when the tail after a `*` fails at every later start, no
 * earlier `*` can help: only the latest star is ever retried, one char further each time.
 */
function matchTokens(tokens: Token[], emptyPattern: boolean, s: string, nocase: boolean): boolean {
  const n = s.length, k = tokens.length;
  if (n === 0) return emptyPattern; // Redis's loop never starts on an empty string: even "*" fails there
  let t = 0, i = 0;
  let starT = -1, starI = 0;
  for (;;) {
    if (i === n) {
      while (t < k && tokens[t] === STAR) t++;
      if (t === k) return true;
    } else if (t < k) {
      const tok = tokens[t];
      if (tok === STAR) {
        if (t === k - 1) return true;
        starT = t++;
        starI = i;
        continue;
      }
      if (matchOne(tok, s.charCodeAt(i), nocase)) {
        t++;
        i++;
        continue;
      }
    }
    if (starT < 0 || ++starI >= n) return false;
    t = starT + 1;
    i = starI;
  }
}
