/**
 * HyperLogLog values byte for byte as Redis 7.0 stores them (hyperloglog.c): the 16-byte "HYLL" header with the
 * cached cardinality, then 16384 dense 6-bit registers or the sparse ZERO / XZERO / VAL opcodes. Values made here
 * and by real Redis are interchangeable. Commands (and how a value lives in the keyspace) are in commands/hyperloglog.ts.
 */

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P; // hash bits left for the run of zeroes
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_REGISTER_MAX = 63; // 6 bits
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8; // 12304
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
export type HllEncoding = typeof HLL_DENSE | typeof HLL_SPARSE;

const ENCODING_BYTE = 4;
const CARD_MSB = 15; // card[7]: its top bit says "the cached cardinality is stale"
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.721347520444481703680; // 0.5 / ln(2)
const HASH_SEED = 0xadc83b19;
const TWO_63 = 2 ** 63;

// ---- MurmurHash64A on 32-bit halves (BigInt would make PFSELFTEST's 20 million hashes crawl) ----

const M_HI = 0xc6a4a793, M_LO0 = 0xe995, M_LO1 = 0x5bd1; // m = 0xc6a4a7935bd1e995, its low word in 16-bit halves
/**
 * Results come back through a typed array: module-level numbers past 2^30 would be boxed on every store. The
 * words are kept signed (int32), which the bit operations below read as the same 32 bits.
 */
const words = new Int32Array(4);
const MUL_HI = 0, MUL_LO = 1, HASH_HI = 2, HASH_LO = 3;

/** (hi:lo) * m mod 2^64, into words[MUL_HI]:words[MUL_LO]. Every partial product stays below 2^53, so doubles are exact. */
function mulM(hi: number, lo: number): void {
  const a0 = lo & 0xffff, a1 = lo >>> 16;
  const m1 = a1 * M_LO0, m2 = a0 * M_LO1; // each below 2^32: their halves go to the low and the high word
  const low = a0 * M_LO0 + ((m1 & 0xffff) + (m2 & 0xffff)) * 65536;
  const lowWord = low >>> 0;
  words[MUL_LO] = lowWord;
  words[MUL_HI] = a1 * M_LO1 + (m1 >>> 16) + (m2 >>> 16) + (low - lowWord) / 4294967296 + Math.imul(hi, 0x5bd1e995) + Math.imul(lo, M_HI);
}

/** MurmurHash64A as Redis has it (endian neutral: 8-byte blocks read little endian), into words[HASH_HI]:words[HASH_LO]. */
function murmur(data: Uint8Array, len: number, seed: number): void {
  const w = words;
  mulM(0, len);
  let hHi = w[MUL_HI], hLo = w[MUL_LO] ^ seed;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    const kLo = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    const kHi = data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24);
    mulM(kHi, kLo);
    mulM(w[MUL_HI], w[MUL_LO] ^ (w[MUL_HI] >>> 15)); // k ^= k >> 47; k *= m
    mulM(hHi ^ w[MUL_HI], hLo ^ w[MUL_LO]); // h ^= k; h *= m
    hHi = w[MUL_HI];
    hLo = w[MUL_LO];
  }
  const rest = len & 7;
  if (rest) {
    // the tail bytes land at bits 0..55 of h, byte i at bit 8 * i
    for (let i = rest - 1; i >= 0; i--) {
      const b = data[blocks + i];
      if (i >= 4) hHi ^= b << (8 * (i - 4));
      else hLo ^= b << (8 * i);
    }
    mulM(hHi, hLo);
    hHi = w[MUL_HI];
    hLo = w[MUL_LO];
  }
  mulM(hHi, hLo ^ (hHi >>> 15));
  w[HASH_HI] = w[MUL_HI];
  w[HASH_LO] = w[MUL_LO] ^ (w[MUL_HI] >>> 15);
}

/** MurmurHash64A(bytes, len, seed) as an unsigned 64-bit integer (for tests and tools; the hot path stays unboxed). */
export function murmurHash64A(bytes: Uint8Array, seed = HASH_SEED): bigint {
  murmur(bytes, bytes.length, seed);
  return (BigInt(words[HASH_HI] >>> 0) << 32n) | BigInt(words[HASH_LO] >>> 0);
}

let patIndex = 0;

/**
 * hllPatLen(): the register an element goes to (the hash's low 14 bits, into patIndex) and the length of the
 * 000..1 run in the other 50 bits, the final 1 included: 1 to 51.
 */
function patLen(data: Uint8Array, len: number): number {
  murmur(data, len, HASH_SEED);
  const hi = words[HASH_HI], lo = words[HASH_LO];
  patIndex = lo & HLL_P_MASK;
  const low = lo >>> HLL_P; // hash bits 14..31
  if (low !== 0) return ctz(low) + 1;
  if (hi !== 0) return 32 - HLL_P + ctz(hi) + 1;
  return HLL_Q + 1;
}

const ctz = (x: number): number => 31 - Math.clz32(x & -x);

/** [register, count] for an element, as hllPatLen() computes them. */
export function hllPatLen(element: string): [index: number, count: number] {
  const count = patLen(latin1Bytes(element), element.length);
  return [patIndex, count];
}

/** Elements are hashed as bytes; one scratch buffer spares an allocation per PFADD argument. */
let scratch = new Uint8Array(256);
function latin1Bytes(s: string): Uint8Array {
  if (s.length > scratch.length) scratch = new Uint8Array(Math.max(s.length, scratch.length * 2));
  for (let i = 0; i < s.length; i++) scratch[i] = s.charCodeAt(i);
  return scratch;
}

// ---- dense registers: 6 bits each, least significant bits first ----

/** HLL_DENSE_GET_REGISTER. `at` is where the registers start; the byte after the last one must exist (sds's NUL). */
function denseGet(b: Uint8Array, at: number, reg: number): number {
  const byte = at + ((reg * 6) >>> 3), fb = (reg * 6) & 7;
  return ((b[byte] >> fb) | (b[byte + 1] << (8 - fb))) & HLL_REGISTER_MAX;
}

/** HLL_DENSE_SET_REGISTER. */
function denseSetRaw(b: Uint8Array, at: number, reg: number, val: number): void {
  const byte = at + ((reg * 6) >>> 3), fb = (reg * 6) & 7, fb8 = 8 - fb;
  b[byte] = (b[byte] & ~(HLL_REGISTER_MAX << fb)) | (val << fb);
  b[byte + 1] = (b[byte + 1] & ~(HLL_REGISTER_MAX >> fb8)) | (val >> fb8);
}

// ---- sparse opcodes: 00xxxxxx ZERO (1-64 zero registers), 01xxxxxx xxxxxxxx XZERO (1-16384), 1vvvvvxx VAL ----

const isZero = (op: number) => (op & 0xc0) === 0;
const isXzero = (op: number) => (op & 0xc0) === 0x40;
const isVal = (op: number) => (op & 0x80) !== 0;
const zeroLen = (op: number) => (op & 0x3f) + 1;
const xzeroLen = (op: number, next: number) => (((op & 0x3f) << 8) | next) + 1;
const valValue = (op: number) => ((op >> 2) & 0x1f) + 1;
const valLen = (op: number) => (op & 3) + 1;
const valOp = (value: number, len: number) => (((value - 1) << 2) | (len - 1) | 0x80) & 0xff;

/** The 16 registers' histogram the estimator works from (reghisto[64] in hllCount). */
export type Histogram = Int32Array;

/**
 * One HyperLogLog's bytes, changed in place the way hyperloglog.c changes its sds string. Like an sds, the buffer
 * keeps a zero byte after the value (reads past a truncated opcode or the last register find it) and spare room.
 */
export class HyperLogLog {
  private buf: Uint8Array;
  private len: number;

  private constructor(buf: Uint8Array, len: number, readonly sparseMaxBytes: number) {
    this.buf = buf;
    this.len = len;
  }

  /** createHLLObject(): a sparse HLL of all-zero registers (one XZERO opcode), cached cardinality 0. */
  static create(sparseMaxBytes: number): HyperLogLog {
    const opcodes = Math.ceil(HLL_REGISTERS / SPARSE_XZERO_MAX_LEN);
    const len = HLL_HDR_SIZE + opcodes * 2;
    const buf = new Uint8Array(len + 8);
    buf.set([0x48, 0x59, 0x4c, 0x4c, HLL_SPARSE]); // "HYLL"
    let p = HLL_HDR_SIZE;
    for (let left = HLL_REGISTERS; left > 0; left -= SPARSE_XZERO_MAX_LEN) {
      const n = Math.min(left, SPARSE_XZERO_MAX_LEN) - 1;
      buf[p++] = (n >> 8) | 0x40;
      buf[p++] = n & 0xff;
    }
    return new HyperLogLog(buf, len, sparseMaxBytes);
  }

  /** A stored value (a latin1 string already checked by isHllValue) as a mutable HLL. */
  static from(value: string, sparseMaxBytes: number): HyperLogLog {
    const buf = Buffer.alloc(value.length + 8);
    buf.write(value, 0, 'latin1');
    return new HyperLogLog(buf, value.length, sparseMaxBytes);
  }

  /** A dense HLL of zero registers whose header is all zero too (PFSELFTEST's bare register array). */
  static zeroDense(sparseMaxBytes: number): HyperLogLog {
    return new HyperLogLog(new Uint8Array(HLL_DENSE_SIZE + 1), HLL_DENSE_SIZE, sparseMaxBytes);
  }

  /** The value as the keyspace holds it. */
  toString(): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.len).toString('latin1');
  }

  get length(): number {
    return this.len;
  }

  get encoding(): HllEncoding {
    return this.buf[ENCODING_BYTE] as HllEncoding;
  }

  // ---- the cached cardinality ----

  /** The cached cardinality (little endian, 63 bits), or null when its stale bit is set. */
  get cachedCard(): number | bigint | null {
    const b = this.buf;
    if (b[CARD_MSB] & 0x80) return null;
    const lo = (b[8] | (b[9] << 8) | (b[10] << 16) | (b[11] << 24)) >>> 0;
    const hi = (b[12] | (b[13] << 8) | (b[14] << 16) | (b[15] << 24)) >>> 0;
    return hi < 1 << 21 ? hi * 4294967296 + lo : (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Store a cardinality from count(); 2^63 (an estimate that overflowed) sets the stale bit, as it does in Redis. */
  set cachedCard(card: number | bigint | null) {
    if (card === null) {
      this.buf[CARD_MSB] |= 0x80;
      return;
    }
    const n = BigInt(card);
    for (let i = 0; i < 8; i++) this.buf[8 + i] = Number((n >> BigInt(8 * i)) & 0xffn);
  }

  /** HLL_INVALIDATE_CACHE. */
  invalidateCache(): void {
    this.buf[CARD_MSB] |= 0x80;
  }

  // ---- adding ----

  /** hllAdd(): 1 if a register grew, 0 if not, -1 if the sparse representation is corrupt. */
  add(element: string): 1 | 0 | -1 {
    return this.addBytes(latin1Bytes(element), element.length);
  }

  addBytes(data: Uint8Array, len: number): 1 | 0 | -1 {
    const count = patLen(data, len);
    const index = patIndex;
    switch (this.encoding) {
      case HLL_DENSE: return this.denseSet(index, count);
      case HLL_SPARSE: return this.sparseSet(index, count);
      default: return -1;
    }
  }

  /** hllDenseSet(): raise register `index` to `count`; 1 if it grew. */
  denseSet(index: number, count: number): 1 | 0 {
    if (count <= denseGet(this.buf, HLL_HDR_SIZE, index)) return 0;
    denseSetRaw(this.buf, HLL_HDR_SIZE, index, count);
    return 1;
  }

  /** Set a dense register outright (PFSELFTEST's register test). */
  setRegister(index: number, value: number): void {
    denseSetRaw(this.buf, HLL_HDR_SIZE, index, value);
  }

  /** A dense register's value. */
  getRegister(index: number): number {
    return denseGet(this.buf, HLL_HDR_SIZE, index);
  }

  /**
   * hllSparseSet(): raise register `index` to `count` by rewriting the opcode that covers it, then merge equal
   * neighbouring VALs. Goes dense when the count does not fit a VAL (> 32) or the value would outgrow
   * hll-sparse-max-bytes. 1 if the register grew, 0 if not, -1 if the opcodes are corrupt.
   */
  sparseSet(index: number, count: number): 1 | 0 | -1 {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promote(index, count);
    this.makeRoom(3); // the worst split, XZERO into XZERO VAL XZERO, needs 3 more bytes
    const b = this.buf;
    const sparse = HLL_HDR_SIZE;
    let end = this.len;

    // Step 1: find the opcode covering `index`.
    let p = sparse, first = 0, prev = -1, span = 0;
    while (p < end) {
      const op = b[p];
      let oplen = 1;
      if (isZero(op)) span = zeroLen(op);
      else if (isVal(op)) span = valLen(op);
      else {
        span = xzeroLen(op, b[p + 1]);
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    let next = isXzero(b[p]) ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const op = b[p];
    const zero = isZero(op), xzero = isXzero(op);
    const runlen = zero ? zeroLen(op) : xzero ? xzeroLen(op, b[p + 1]) : valLen(op);

    // Step 2: a VAL already as high changes nothing; a one-register VAL or ZERO is rewritten where it is.
    let inPlace = false;
    if (!zero && !xzero) {
      if (valValue(op) >= count) return 0;
      inPlace = runlen === 1;
    } else {
      inPlace = zero && runlen === 1;
    }
    if (inPlace) {
      b[p] = valOp(count, 1);
    } else {
      // Otherwise split the opcode in up to three: what is before the register, the register, what is after.
      const seq: number[] = [];
      const last = first + span - 1;
      const pushZeros = (n: number) => {
        if (n > SPARSE_ZERO_MAX_LEN) seq.push(((n - 1) >> 8) | 0x40, (n - 1) & 0xff);
        else seq.push(n - 1);
      };
      if (zero || xzero) {
        if (index !== first) pushZeros(index - first);
        seq.push(valOp(count, 1));
        if (index !== last) pushZeros(last - index);
      } else {
        const current = valValue(op);
        if (index !== first) seq.push(valOp(current, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(current, last - index));
      }
      // Step 3: put the new sequence in the old opcode's place, shifting what follows.
      const delta = seq.length - (xzero ? 2 : 1);
      if (delta > 0 && this.len + delta > this.sparseMaxBytes) return this.promote(index, count);
      if (delta !== 0 && next >= 0) b.copyWithin(next + delta, next, end);
      this.incrLen(delta);
      b.set(seq, p);
      end += delta;
    }

    // Step 4: merge adjacent VALs of the same value, looking at up to 5 opcodes from the one before ours.
    p = prev >= 0 ? prev : sparse;
    let scan = 5;
    while (p < end && scan-- > 0) {
      const cur = b[p];
      if (isXzero(cur)) {
        p += 2;
        continue;
      }
      if (isZero(cur)) {
        p++;
        continue;
      }
      if (p + 1 < end && isVal(b[p + 1])) {
        const v = valValue(cur);
        const len = valLen(cur) + valLen(b[p + 1]);
        if (v === valValue(b[p + 1]) && len <= SPARSE_VAL_MAX_LEN) {
          b[p + 1] = valOp(v, len);
          b.copyWithin(p, p + 1, end + 1);
          this.incrLen(-1);
          end--;
          continue; // the merged opcode may merge again with the next one
        }
      }
      p++;
    }
    this.invalidateCache();
    return 1;
  }

  /** The promote: path of hllSparseSet(): go dense, then set the register there (it always grows). */
  private promote(index: number, count: number): 1 | -1 {
    if (!this.toDense()) return -1;
    return this.denseSet(index, count) === 1 ? 1 : -1;
  }

  /** sdsMakeRoomFor(): at least `extra` bytes after the value, plus the terminator. */
  private makeRoom(extra: number): void {
    if (this.buf.length >= this.len + extra + 1) return;
    const grown = new Uint8Array(Math.max(this.len + extra + 1, this.buf.length * 2));
    grown.set(this.buf);
    this.buf = grown;
  }

  /** sdsIncrLen(): move the end and write the terminator there. */
  private incrLen(delta: number): void {
    this.len += delta;
    this.buf[this.len] = 0;
  }

  // ---- conversions ----

  /**
   * hllSparseToDense(): rewrite as 16384 registers, keeping the header (and its cached cardinality). False, with
   * nothing changed, if the opcodes are corrupt (see runs).
   */
  toDense(): boolean {
    if (this.encoding === HLL_DENSE) return true;
    const dense = new Uint8Array(HLL_DENSE_SIZE + 1);
    dense.set(this.buf.subarray(0, HLL_HDR_SIZE));
    dense[ENCODING_BYTE] = HLL_DENSE;
    const ok = this.runs((first, run, value) => {
      if (value) for (let i = first; i < first + run; i++) denseSetRaw(dense, HLL_HDR_SIZE, i, value);
    });
    if (!ok) return false;
    this.buf = dense;
    this.len = HLL_DENSE_SIZE;
    return true;
  }

  /**
   * Walk the sparse opcodes as runs of registers of one value (0 for ZERO and XZERO). False if they are corrupt:
   * an opcode reaching past register 16383, or fewer than 16384 registers in all. The walk stops at the first
   * opcode past the end, so nothing is ever visited out of range. (Redis 7.0.15 as released let a VAL past a
   * complete set of registers through in hllSparseToDense and hllMerge; the CVE-2025-32023 fix, which the
   * installed 7.0.15 carries and later releases have, refuses any opcode past the end, as here.)
   */
  private runs(visit: (first: number, run: number, value: number) => void): boolean {
    const b = this.buf, end = this.len;
    let idx = 0;
    for (let p = HLL_HDR_SIZE; p < end;) {
      const op = b[p];
      let run: number, value = 0;
      if (isZero(op)) {
        run = zeroLen(op);
        p++;
      } else if (isXzero(op)) {
        run = xzeroLen(op, b[p + 1]);
        p += 2;
      } else {
        run = valLen(op);
        value = valValue(op);
        p++;
      }
      if (idx + run > HLL_REGISTERS) return false;
      visit(idx, run, value);
      idx += run;
    }
    return idx === HLL_REGISTERS;
  }

  /** PFDEBUG DECODE: the sparse opcodes as "Z:16384" / "z:3" / "v:2,1" words. */
  decode(): string {
    const words: string[] = [];
    const b = this.buf, end = this.len;
    for (let p = HLL_HDR_SIZE; p < end;) {
      const op = b[p];
      if (isZero(op)) {
        words.push(`z:${zeroLen(op)}`);
        p++;
      } else if (isXzero(op)) {
        words.push(`Z:${xzeroLen(op, b[p + 1])}`);
        p += 2;
      } else {
        words.push(`v:${valValue(op)},${valLen(op)}`);
        p++;
      }
    }
    return words.join(' ');
  }

  // ---- counting and merging ----

  /** The register histogram (hllDenseRegHisto / hllSparseRegHisto), or null if the sparse opcodes are corrupt. */
  histogram(): Histogram | null {
    const h = new Int32Array(64);
    const b = this.buf;
    if (this.encoding === HLL_DENSE) {
      // four registers in every three bytes
      for (let i = HLL_HDR_SIZE; i < HLL_DENSE_SIZE; i += 3) {
        const b0 = b[i], b1 = b[i + 1], b2 = b[i + 2];
        h[b0 & 63]++;
        h[((b0 >> 6) | (b1 << 2)) & 63]++;
        h[((b1 >> 4) | (b2 << 4)) & 63]++;
        h[b2 >> 2]++;
      }
      return h;
    }
    return this.runs((_first, run, value) => (h[value] += run)) ? h : null;
  }

  /** hllCount(): the estimated cardinality, or null if the sparse opcodes are corrupt. */
  count(): number | null {
    const h = this.histogram();
    return h === null ? null : estimate(h);
  }

  /** hllMerge(): max[i] = max(max[i], register i). False if the sparse opcodes are corrupt. */
  mergeInto(max: Uint8Array): boolean {
    const b = this.buf;
    if (this.encoding === HLL_DENSE) {
      for (let i = 0; i < HLL_REGISTERS; i++) {
        const v = denseGet(b, HLL_HDR_SIZE, i);
        if (v > max[i]) max[i] = v;
      }
      return true;
    }
    return this.runs((first, run, value) => {
      for (let i = first; i < first + run; i++) if (value > max[i]) max[i] = value;
    });
  }

  /** Write registers (from a merge) into this HLL as PFMERGE does: raise each non-zero one, dense or sparse. */
  raiseTo(max: Uint8Array): void {
    for (let j = 0; j < HLL_REGISTERS; j++) {
      if (max[j] === 0) continue;
      if (this.encoding === HLL_DENSE) this.denseSet(j, max[j]);
      else this.sparseSet(j, max[j]);
    }
  }

  /** All 16384 registers of a dense HLL (PFDEBUG GETREG). */
  registers(): number[] {
    const out = new Array<number>(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) out[i] = denseGet(this.buf, HLL_HDR_SIZE, i);
    return out;
  }
}

/**
 * isHLLObjectOrReply() once the key is known to hold a string: at least a header, the magic "HYLL", a known
 * encoding, and exactly 12304 bytes if dense. Sparse opcodes are only checked when they are walked.
 */
export function isHllValue(value: string): boolean {
  if (value.length < HLL_HDR_SIZE || !value.startsWith('HYLL')) return false;
  const encoding = value.charCodeAt(ENCODING_BYTE);
  if (encoding > HLL_SPARSE) return false;
  return encoding !== HLL_DENSE || value.length === HLL_DENSE_SIZE;
}

/** The histogram of byte registers (hllRawRegHisto: PFCOUNT of several keys counts their merge). */
export function rawHistogram(registers: Uint8Array): Histogram {
  const h = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) h[registers[i]]++;
  return h;
}

/** hllSigma() of Ertl's "New cardinality estimation algorithms for HyperLogLog sketches". */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1, z = x, zPrime: number;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

/** hllTau() of the same paper. pow(1 - x, 2) is a correctly rounded square in glibc, as t * t is here. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1, z = 1 - x, zPrime: number;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const t = 1 - x;
    z -= t * t * y;
  } while (zPrime !== z);
  return z / 3;
}

/**
 * The cardinality from a register histogram (the second half of hllCount), in the same double arithmetic as
 * Redis. An estimate past 2^63 (only crafted registers get there) is what llroundl() and the uint64 cast make
 * of it on x86-64: 2^63, which PFCOUNT then prints as a negative number.
 */
export function estimate(h: Histogram): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - h[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += h[j];
    z *= 0.5;
  }
  z += m * sigma(h[0] / m);
  const e = (ALPHA_INF * m * m) / z;
  return e < TWO_63 ? Math.round(e) : TWO_63;
}

/** A cardinality as PFCOUNT replies it: addReplyLongLong() of a uint64, so 2^63 reads as -2^63. */
export function cardinalityReplyValue(card: number | bigint): number | bigint {
  if (typeof card === 'bigint') return BigInt.asIntN(64, card);
  if (card >= TWO_63) return -(2n ** 63n);
  return Number.isSafeInteger(card) ? card : BigInt(card);
}

/**
 * PFSELFTEST: the dense register macros keep every value and leave their neighbours alone; then ten million
 * distinct 8-byte elements added to a dense and a sparse HLL side by side stay sparse while small, agree with
 * each other, and stay within six standard errors at every power of ten. Null on success, else the failure.
 */
export function hllSelfTest(sparseMaxBytes: number, random: () => number = Math.random): string | null {
  const bits = HyperLogLog.zeroDense(sparseMaxBytes);
  const bytes = new Uint8Array(HLL_REGISTERS);
  for (let cycle = 0; cycle < 1000; cycle++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = Math.floor(random() * 64);
      bytes[i] = r;
      bits.setRegister(i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = bits.getRegister(i);
      if (v !== bytes[i]) return `TESTFAILED Register ${i} should be ${bytes[i]} but is ${v}`;
    }
  }

  const dense = HyperLogLog.zeroDense(sparseMaxBytes);
  const hll = HyperLogLog.create(sparseMaxBytes);
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  const seedLo = Math.floor(random() * 2 ** 31), seedHi = Math.floor(random() * 2 ** 31);
  const ele = new Uint8Array(8);
  ele[4] = seedHi & 0xff;
  ele[5] = (seedHi >>> 8) & 0xff;
  ele[6] = (seedHi >>> 16) & 0xff;
  ele[7] = seedHi >>> 24;
  let checkpoint = 1;
  for (let j = 1; j <= 10_000_000; j++) {
    const lo = (j ^ seedLo) >>> 0;
    ele[0] = lo & 0xff;
    ele[1] = (lo >>> 8) & 0xff;
    ele[2] = (lo >>> 16) & 0xff;
    ele[3] = lo >>> 24;
    dense.addBytes(ele, 8);
    hll.addBytes(ele, 8);
    if (j !== checkpoint) continue;
    if (j < Math.floor(sparseMaxBytes / 2) && hll.encoding !== HLL_SPARSE) return 'TESTFAILED sparse encoding not used';
    const card = dense.count()!;
    if (card !== hll.count()) return 'TESTFAILED dense/sparse disagree';
    const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint); // 10 collides too often for the general rule
    const abserr = Math.abs(checkpoint - card);
    if (abserr > maxerr) return `TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`;
    checkpoint *= 10;
  }
  return null;
}
