/**
 * LZF, the compression RDB uses for strings (lzf_d.c / lzf_c.c formats). A control byte below 32 starts a run
 * of ctrl+1 literal bytes; otherwise its top three bits (7 = "read one more length byte") and the next byte
 * give a back reference of len+2 bytes at distance ((ctrl&31)<<8 | byte) + 1, which may overlap its output.
 */

const MAX_LITERAL = 32;
const MAX_OFFSET = 1 << 13; // 13 bits of distance
const MAX_MATCH = 7 + 255 + 2; // 3-bit length, 7 = extended by one byte, plus the implicit 2
const HASH_BITS = 14;

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

// Hash table of the last position seen for each 3-byte prefix. It is reused across calls without clearing:
// a stale position is harmless because a match is only taken after comparing the bytes themselves.
const table = new Int32Array(1 << HASH_BITS);

function hash3(b: Uint8Array, i: number): number {
  const v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
  return (Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS)) & ((1 << HASH_BITS) - 1);
}

/**
 * Compress `input`; null when the result would be longer than `maxOut` bytes (Redis passes len-4, so
 * compression is kept only when it saves at least four bytes).
 */
export function lzfCompress(input: Uint8Array, maxOut: number): Buffer | null {
  const n = input.length;
  if (n === 0 || maxOut <= 0) return null;
  // Room for the worst case of the step that overflows, so the bounds check can run once per step.
  const out = Buffer.allocUnsafe(maxOut + MAX_LITERAL + 4);
  let ip = 0, op = 1;
  let litStart = 0; // where the pending literal run's control byte goes
  let lit = 0;
  while (ip < n) {
    if (op > maxOut) return null;
    if (ip + 2 < n) {
      const h = hash3(input, ip);
      const ref = table[h];
      table[h] = ip;
      const dist = ip - ref; // >= 1 when ref is a real earlier position
      if (ref >= 0 && dist >= 1 && dist <= MAX_OFFSET &&
          input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
        const limit = Math.min(MAX_MATCH, n - ip);
        let len = 3;
        while (len < limit && input[ref + len] === input[ip + len]) len++;
        // Close the literal run (or take back its unused control byte), then emit the reference.
        if (lit) out[litStart] = lit - 1;
        else op--;
        const off = dist - 1, l = len - 2;
        if (l < 7) {
          out[op++] = (l << 5) | (off >> 8);
        } else {
          out[op++] = (7 << 5) | (off >> 8);
          out[op++] = l - 7;
        }
        out[op++] = off & 0xff;
        ip += len;
        litStart = op++;
        lit = 0;
        continue;
      }
    }
    out[op++] = input[ip++];
    if (++lit === MAX_LITERAL) {
      out[litStart] = MAX_LITERAL - 1;
      litStart = op++;
      lit = 0;
    }
  }
  if (lit) out[litStart] = lit - 1;
  else op--;
  return op <= maxOut ? out.subarray(0, op) : null;
}
