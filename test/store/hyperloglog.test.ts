import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  estimate, hllPatLen, hllSelfTest, HLL_DENSE, HLL_DENSE_SIZE, HLL_REGISTERS, HLL_SPARSE, HyperLogLog, isHllValue,
  murmurHash64A, rawHistogram, cardinalityReplyValue,
} from '../../lib/store/hyperloglog';
import { mulberry32 } from '../helpers/random';

const test = suite('store/hyperloglog');

const HEADER_SPARSE = 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\0';
const STALE = 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80';

/** MurmurHash64A written the obvious way, on BigInts: the reference the 32-bit version must agree with. */
function murmurReference(data: Uint8Array, seed: bigint): bigint {
  const m = 0xc6a4a7935bd1e995n, mask = (1n << 64n) - 1n;
  let h = (seed ^ (BigInt(data.length) * m)) & mask;
  const blocks = data.length - (data.length & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(data[i + j]);
    k = (k * m) & mask;
    k ^= k >> 47n;
    k = (k * m) & mask;
    h ^= k;
    h = (h * m) & mask;
  }
  if (data.length & 7) {
    for (let j = (data.length & 7) - 1; j >= 0; j--) h ^= BigInt(data[blocks + j]) << BigInt(8 * j);
    h = (h * m) & mask;
  }
  h ^= h >> 47n;
  h = (h * m) & mask;
  return h ^ (h >> 47n);
}

const hllOf = (elements: string[], sparseMaxBytes = 3000) => {
  const h = HyperLogLog.create(sparseMaxBytes);
  for (const e of elements) h.add(e);
  return h;
};
const range = (n: number, prefix = 'e') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('MurmurHash64A on 32-bit halves agrees with a BigInt reference, every tail length', () => {
  const rnd = mulberry32(7);
  for (let t = 0; t < 3000; t++) {
    const data = new Uint8Array(t % 41).map(() => Math.floor(rnd() * 256));
    assert.is(murmurHash64A(data), murmurReference(data, 0xadc83b19n), `bytes ${Array.from(data)}`);
  }
  const ff = new Uint8Array(64).fill(0xff);
  assert.is(murmurHash64A(ff), murmurReference(ff, 0xadc83b19n));
  assert.is(murmurHash64A(new Uint8Array(0), 0), murmurReference(new Uint8Array(0), 0n));
});

test('register and run length of an element: as real Redis\'s PFDEBUG DECODE shows them', () => {
  // from `PFADD t <element>` + `PFDEBUG DECODE t` on redis-server 7.0.15
  const seen: [string, number, number][] = [
    ['a', 12711, 2], ['b', 15780, 1], ['c', 8436, 1], ['', 5938, 2], ['hello', 9216, 1],
    ['0123456789abcdef', 5949, 1], ['foo-1', 4760, 1],
    ['e596436', 15945, 23], ['e1586123', 6765, 25], ['e2093346', 2181, 21], // runs reaching into the high word
  ];
  for (const [element, index, count] of seen) assert.equal(hllPatLen(element), [index, count], JSON.stringify(element));
  assert.equal(hllPatLen('\xff\x00\x80'), hllPatLen('\xff\x00\x80')); // bytes, not UTF-8
});

test('a new HLL is sparse: one XZERO of 16384 registers, cached cardinality 0', () => {
  const h = HyperLogLog.create(3000);
  assert.is(h.toString(), HEADER_SPARSE + '\x7f\xff');
  assert.is(h.encoding, HLL_SPARSE);
  assert.is(h.cachedCard, 0);
  assert.is(h.decode(), 'Z:16384');
  assert.is(h.count(), 0);
});

test('adding a b c gives real Redis\'s bytes, stale cache bit set', () => {
  const h = hllOf(['a', 'b', 'c']);
  // GET after `PFADD hll a b c` on redis-server 7.0.15
  assert.is(h.toString(), STALE + '\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a');
  assert.is(h.cachedCard, null);
  assert.is(h.count(), 3);
  assert.is(h.add('a'), 0);
  assert.is(h.add('d'), 1);
});

test('sparse opcodes: splits of XZERO, ZERO and VAL, and merges of equal neighbours', () => {
  const h = HyperLogLog.create(3000);
  assert.is(h.sparseSet(5, 3), 1);
  assert.is(h.decode(), 'z:5 v:3,1 Z:16378');
  assert.is(h.sparseSet(4, 3), 1); // the ZERO's last register: splits, then merges with the VAL after it
  assert.is(h.decode(), 'z:4 v:3,2 Z:16378');
  assert.is(h.sparseSet(4, 2), 0); // already higher
  assert.is(h.sparseSet(5, 7), 1); // a VAL of two splits
  assert.is(h.decode(), 'z:4 v:3,1 v:7,1 Z:16378');
  assert.is(h.sparseSet(0, 1), 1);
  assert.is(h.decode(), 'v:1,1 z:3 v:3,1 v:7,1 Z:16378');
  for (const i of [1, 2, 3]) h.sparseSet(i, 1);
  assert.is(h.decode(), 'v:1,4 v:3,1 v:7,1 Z:16378'); // VALs merge up to four registers
  assert.is(h.sparseSet(16383, 32), 1);
  assert.is(h.decode(), 'v:1,4 v:3,1 v:7,1 Z:16377 v:32,1');
  assert.is(h.sparseSet(200, 9), 1);
  assert.is(h.decode(), 'v:1,4 v:3,1 v:7,1 Z:194 v:9,1 Z:16182 v:32,1');
  assert.is(h.encoding, HLL_SPARSE);
});

test('a count above 32 or a value past hll-sparse-max-bytes turns the HLL dense, registers kept', () => {
  const h = HyperLogLog.create(3000);
  h.sparseSet(4, 3);
  h.sparseSet(5, 7);
  assert.is(h.sparseSet(100, 33), 1);
  assert.is(h.encoding, HLL_DENSE);
  assert.is(h.length, HLL_DENSE_SIZE);
  assert.equal([h.getRegister(3), h.getRegister(4), h.getRegister(5), h.getRegister(100), h.getRegister(16383)], [0, 3, 7, 33, 0]);

  const small = HyperLogLog.create(60), dense = HyperLogLog.zeroDense(60);
  let promotedAt = -1;
  for (const [i, e] of range(200).entries()) {
    small.add(e);
    dense.add(e);
    if (promotedAt < 0 && small.encoding === HLL_DENSE) promotedAt = i;
    if (small.encoding === HLL_SPARSE) assert.ok(small.length <= 60);
  }
  assert.ok(promotedAt > 5 && promotedAt < 40, `promoted after ${promotedAt + 1} elements`);
  assert.equal(small.registers(), dense.registers());
  assert.is(small.count(), dense.count());
});

test('sparse and dense count the same, and as real Redis counts', () => {
  // PFCOUNT after PFADD e0 … e<n-1> on redis-server 7.0.15
  const redis: [number, number][] = [[10, 10], [100, 100], [1000, 1008], [10000, 9973], [100000, 100853]];
  for (const [n, card] of redis) {
    const sparse = hllOf(range(n));
    const dense = HyperLogLog.zeroDense(3000);
    for (const e of range(n)) dense.add(e);
    assert.is(sparse.count(), card, `${n} elements`);
    assert.is(dense.count(), card, `${n} elements, dense`);
    assert.is(sparse.encoding, n <= 1000 ? HLL_SPARSE : HLL_DENSE);
  }
});

test('merging takes the maximum of each register; several HLLs count as their union', () => {
  const a = hllOf(range(3000, 'a')), b = hllOf(range(500, 'b')), both = hllOf([...range(3000, 'a'), ...range(500, 'b')]);
  const max = new Uint8Array(HLL_REGISTERS);
  assert.ok(a.mergeInto(max));
  assert.ok(b.mergeInto(max));
  assert.is(estimate(rawHistogram(max)), both.count());
  both.toDense();
  assert.equal(Array.from(max), both.registers());

  const target = HyperLogLog.create(3000);
  target.raiseTo(max);
  assert.equal(target.registers(), both.registers());
});

test('toDense keeps the header and its cached cardinality', () => {
  const h = hllOf(['x', 'y']);
  h.cachedCard = 2;
  assert.ok(h.toDense());
  assert.is(h.encoding, HLL_DENSE);
  assert.is(h.cachedCard, 2);
  assert.is(h.toString().slice(0, 16), 'HYLL\0\0\0\0\x02\0\0\0\0\0\0\0');
  assert.ok(h.toDense()); // already dense
});

test('corrupt sparse opcodes: counts and conversions refuse, writes only where the walk finds them', () => {
  const extra = HyperLogLog.from(HEADER_SPARSE + '\x7f\xff\x00', 3000); // one register too many
  assert.is(extra.count(), null);
  assert.is(extra.mergeInto(new Uint8Array(HLL_REGISTERS)), false);
  assert.is(extra.toDense(), false);
  assert.is(extra.encoding, HLL_SPARSE);
  assert.is(extra.sparseSet(10, 1), 1); // the first opcode covers it: Redis writes it too
  assert.is(extra.decode(), 'z:10 v:1,1 Z:16373 z:1');

  const short = HyperLogLog.from(HEADER_SPARSE + '\x7f', 3000); // XZERO cut short: its second byte is the terminator
  assert.is(short.decode(), 'Z:16129');
  assert.is(short.count(), null);
  assert.is(short.sparseSet(16200, 1), -1); // no opcode covers it
  assert.is(short.toDense(), false);

  const empty = HyperLogLog.from(HEADER_SPARSE, 3000); // no opcodes at all
  assert.is(empty.sparseSet(0, 1), -1);
  assert.is(empty.add('a'), -1);
  assert.is(empty.count(), null);

  const overflow = HyperLogLog.from(HEADER_SPARSE + '\x7f\xfe\x83', 3000); // a VAL of 4 past the end
  assert.is(overflow.toDense(), false);
  assert.is(overflow.mergeInto(new Uint8Array(HLL_REGISTERS)), false);
  assert.is(overflow.add('x'), 1); // lands in the XZERO

  // One VAL after a complete set of registers: 7.0.15 as released ignored it when converting or merging; the
  // CVE-2025-32023 fix (in the installed 7.0.15 and in later releases) calls it corrupt everywhere.
  const trailing = HyperLogLog.from(HEADER_SPARSE + '\x7f\xff\x80', 3000);
  assert.is(trailing.toDense(), false);
  assert.is(trailing.mergeInto(new Uint8Array(HLL_REGISTERS)), false);
  assert.is(trailing.count(), null);
});

test('which strings are HLLs: magic, encoding byte, exact dense length', () => {
  const dense = 'HYLL\0' + '\0'.repeat(11) + '\0'.repeat(12288);
  const rows: [string, boolean][] = [
    [HEADER_SPARSE + '\x7f\xff', true],
    [HEADER_SPARSE, true], // a header with no opcodes passes; walking it fails later
    [HEADER_SPARSE.slice(0, 15), false],
    ['HYLX' + HEADER_SPARSE.slice(4) + '\x7f\xff', false],
    ['HYLL\x02' + HEADER_SPARSE.slice(5) + '\x7f\xff', false],
    [dense, true],
    [dense + '\0', false],
    [dense.slice(1), false],
    ['hyll\x01' + HEADER_SPARSE.slice(5), false],
  ];
  for (const [value, ok] of rows) assert.is(isHllValue(value), ok, JSON.stringify(value.slice(0, 20)) + ` (${value.length} bytes)`);
});

test('the cached cardinality: 63 bits little endian, top bit for stale', () => {
  const h = HyperLogLog.from(HEADER_SPARSE.slice(0, 8) + '\xff\xff\xff\xff\xff\xff\xff\x7f' + '\x7f\xff', 3000);
  assert.is(h.cachedCard, 2n ** 63n - 1n);
  h.cachedCard = 0x12345678;
  assert.is(h.toString().slice(8, 16), '\x78\x56\x34\x12\0\0\0\0');
  h.cachedCard = 2 ** 63; // what an overflowing estimate becomes: the stale bit with nothing else
  assert.is(h.toString().slice(8, 16), '\0\0\0\0\0\0\0\x80');
  assert.is(h.cachedCard, null);
  h.cachedCard = 2 ** 40;
  assert.is(h.cachedCard, 2 ** 40);
  h.invalidateCache();
  assert.is(h.cachedCard, null);
  assert.is(cardinalityReplyValue(2 ** 63), -(2n ** 63n));
  assert.is(cardinalityReplyValue(5), 5);
  assert.is(cardinalityReplyValue(2n ** 62n), 2n ** 62n);
});

test('estimates from crafted registers: all at 63 overflows to 2^63, as llroundl and the cast make it', () => {
  const all63 = HyperLogLog.from('HYLL\0' + '\0'.repeat(11) + '\xff'.repeat(12288), 3000);
  assert.is(all63.count(), 2 ** 63);
  const h = new Int32Array(64);
  h[0] = HLL_REGISTERS;
  assert.is(estimate(h), 0);
  h[0] = HLL_REGISTERS - 1;
  h[1] = 1;
  assert.is(estimate(h), 1);
});

test('PFSELFTEST\'s checks pass, and fail when the sparse limit is too small to hold 100 elements', () => {
  assert.is(hllSelfTest(3000, mulberry32(11)), null);
  assert.is(hllSelfTest(202, mulberry32(11)), 'TESTFAILED sparse encoding not used');
});

test.run();
