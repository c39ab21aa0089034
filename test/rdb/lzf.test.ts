import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lzfCompress, lzfDecompress } from '../../lib/rdb/lzf';

const test = suite('rdb/lzf');
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

test('decompress the example from the notes ("a"x60 + "bcdef"x3)', () => {
  const out = lzfDecompress(hex('01 61 61 E0 31 00 04 62 63 64 65 66 C0 04 01 65 66'), 75);
  assert.is(out?.toString('latin1'), 'a'.repeat(60) + 'bcdef'.repeat(3));
});

test('decompress refuses what lzf_decompress refuses', () => {
  const bad: [string, Buffer, number][] = [
    ['literal longer than the input', hex('05 61 62'), 6],
    ['literal longer than the output', hex('02 61 62 63'), 2],
    ['reference before the start', hex('00 61 20 05'), 4],
    ['reference past the output', hex('00 61 E0 10 00'), 5],
    ['reference missing its offset byte', hex('00 61 20'), 4],
    ['output shorter than announced', hex('01 61 62'), 3],
  ];
  for (const [name, input, outLen] of bad) assert.is(lzfDecompress(input, outLen), null, name);
  assert.equal(lzfDecompress(Buffer.alloc(0), 0), Buffer.alloc(0));
});

function pseudoRandom(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16;
  return b;
}

const samples: [string, Buffer][] = [
  ['one repeated byte', Buffer.alloc(1000, 'a')],
  ['short repeat', Buffer.from('abcabcabcabcabcabcabcabcabc')],
  ['text', Buffer.from('the quick brown fox jumps over the lazy dog; '.repeat(40))],
  ['long run beyond one reference', Buffer.alloc(100000, 0)],
  ['far repeats near the 8 KB window', Buffer.concat([pseudoRandom(8190, 1), pseudoRandom(300, 1), pseudoRandom(9000, 2), pseudoRandom(300, 2)])],
  ['binary with structure', Buffer.concat(Array.from({ length: 200 }, (_, i) => Buffer.from([i & 0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, i >> 3])))],
];

for (const [name, input] of samples) {
  test(`round trip: ${name}`, () => {
    const packed = lzfCompress(input, input.length - 4);
    assert.ok(packed, 'compressible');
    assert.ok(packed!.length <= input.length - 4);
    assert.equal(lzfDecompress(packed!, input.length), input);
  });
}

test('incompressible data: null when it would not save the bytes asked for', () => {
  const noise = pseudoRandom(500, 42);
  assert.is(lzfCompress(noise, noise.length - 4), null);
  const packed = lzfCompress(noise, noise.length + 100); // allowed to grow: still a valid stream
  assert.ok(packed);
  assert.equal(lzfDecompress(packed!, noise.length), noise);
});

test('round trip of many random mixes (stale hash-table entries across calls are harmless)', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const parts: Buffer[] = [];
    let s = seed;
    for (let k = 0; k < 8; k++) {
      s = (s * 48271) % 2147483647;
      parts.push(s % 2 ? pseudoRandom(s % 97, s) : Buffer.alloc(s % 300, s & 0xff));
    }
    const input = Buffer.concat(parts);
    if (input.length === 0) continue;
    const packed = lzfCompress(input, input.length * 2);
    assert.ok(packed, `seed ${seed}`);
    assert.equal(lzfDecompress(packed!, input.length), input, `seed ${seed}`);
  }
});

test.run();
