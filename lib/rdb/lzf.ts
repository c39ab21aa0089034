/**
 * LZF, the compression RDB uses for strings (lzf_d.c / lzf_c.c formats). A control byte below 32 starts a run
 * of ctrl+1 literal bytes; otherwise its top three bits (7 = "read one more length byte") and the next byte
 * give a back reference of len+2 bytes at distance ((ctrl&31)<<8 | byte) + 1, which may overlap its output.
 */

const MAX_LITERAL = 32;
const MAX_OFFSET = 1 << 13; // 13 bits of distance

/** Decompress exactly `outLen` bytes; null when the data is not valid LZF of that length. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  const inLen = input.length;
  let ip = 0, op = 0;
  while (ip < inLen) {
    const ctrl = input[ip++];
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (op + n > outLen || ip + n > inLen) return null;
      for (let k = 0; k < n; k++) out[op++] = input[ip++];
    } else {
      let len = ctrl >> 5;
      if (ip >= inLen) return null;
      if (len === 7) {
        len += input[ip++];
        if (ip >= inLen) return null;
      }
      const ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++];
      len += 2;
      if (op + len > outLen || ref < 0) return null;
      // Byte by byte: the source may overlap what this copy writes (a run of one repeated byte, say).
      for (let r = ref, k = 0; k < len; k++) out[op++] = out[r++];
    }
  }
  return op === outLen ? out : null;
}

// lzf_c.c as Redis builds it (lzfP.h): HLOG 16, VERY_FAST on, ULTRA_FAST off. Every choice below (which
// positions enter the hash table, how far a match may run, when the output is declared too long) changes the
// bytes produced, and DUMP payloads and RDB files must match Redis's, so the compressor follows that one exactly.
const HASH_SLOTS = 1 << 16;
const MAX_REF = (1 << 8) + (1 << 3); // longest match: 264 bytes

// Hash table: the last position seen for each 3-byte hash, stored as `generation + position`. Redis leaves its
// table uninitialised (INIT_HTAB 0); an entry from an earlier call could never pass the byte comparison there,
// but offsetting by a per-call generation makes a stale entry read as "no position" outright.
const table = new Int32Array(HASH_SLOTS);
let generation = 1;

/** The hash slot of the three bytes whose values are the low 24 bits of `v` (lzf_c.c's IDX in VERY_FAST mode). */
function slotOf(v: number): number {
  return ((v >> 8) - v * 5) & (HASH_SLOTS - 1);
}

/**
 * Compress `input` into at most `maxOut` bytes, as lzf_compress(input, n, out, maxOut) does; null where it returns
 * 0. Its length checks are conservative (a match needs room for four more bytes, the last literals for three),
 * so null can come even when the finished stream would have fitted; Redis's callers pass len-4 (RDB strings)
 * or len (quicklist nodes) and keep the data uncompressed then.
 */
export function lzfCompress(input: Uint8Array, maxOut: number): Buffer | null {
  const n = input.length;
  if (n === 0 || maxOut <= 0) return null;
  if (generation + n >= 0x7fffffff) {
    table.fill(0);
    generation = 1;
  }
  const base = generation;
  generation += n;
  const out = Buffer.allocUnsafe(maxOut);
  const scanEnd = n - 2; // a position needs three bytes to be hashed
  let ip = 0;
  let op = 1; // out[0] is the first literal run's control byte
  let lit = 0;
  let v = (input[0] << 8) | input[1];
  while (ip < scanEnd) {
    v = ((v << 8) | input[ip + 2]) & 0xffffff;
    const slot = slotOf(v);
    const ref = table[slot] - base;
    table[slot] = base + ip;
    const off = ip - ref - 1;
    // Position 0 is never a match source: lzf_c.c requires ref > in_data.
    if (ref > 0 && off < MAX_OFFSET && input[ref + 2] === input[ip + 2] &&
        input[ref] === input[ip] && input[ref + 1] === input[ip + 1]) {
      if (op - (lit ? 0 : 1) + 4 >= maxOut) return null;
      out[op - lit - 1] = lit - 1; // close the literal run, or drop its unused control byte below
      if (!lit) op--;
      const maxLen = Math.min(n - ip - 2, MAX_REF);
      // The count matched so far: its first 16 steps go unchecked against maxLen (the unrolled loop in
      // lzf_c.c), so a match near the end can run two bytes past maxLen, as Redis's does.
      let len = 2;
      let stopped = false;
      if (maxLen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (input[ref + len] !== input[ip + len]) {
            stopped = true;
            break;
          }
        }
      }
      if (!stopped) {
        do len++;
        while (len < maxLen && input[ref + len] === input[ip + len]);
      }
      const l = len - 2; // stored length: the decoder adds 2
      if (l < 7) {
        out[op++] = (off >> 8) + (l << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = l - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++;
      ip += len;
      if (ip >= scanEnd) break;
      // VERY_FAST: only the match's last two positions enter the table.
      ip -= 2;
      v = (input[ip] << 16) | (input[ip + 1] << 8) | input[ip + 2];
      table[slotOf(v)] = base + ip;
      ip++;
      v = ((v << 8) | input[ip + 2]) & 0xffffff;
      table[slotOf(v)] = base + ip;
      ip++;
    } else {
      if (op >= maxOut) return null;
      lit++;
      out[op++] = input[ip++];
      if (lit === MAX_LITERAL) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > maxOut) return null;
  while (ip < n) {
    lit++;
    out[op++] = input[ip++];
    if (lit === MAX_LITERAL) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (!lit) op--;
  return out.subarray(0, op);
}
