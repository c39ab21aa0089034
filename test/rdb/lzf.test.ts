import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lzfCompress, lzfDecompress } from '../../lib/rdb/lzf';
import { RdbReader, type RdbItem } from '../../lib/rdb/parse';
import { startInProcess, type InProcess } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { mulberry32 } from '../helpers/random';
import { savedRdb } from '../helpers/real-rdb';
import { ask } from '../helpers/resp';
import { hasRedis, startRedis, type RunningServer } from '../helpers/servers';

// The compressor must give lzf_c.c's bytes (as Redis builds it): checked on fixed cases, then against real
// redis-server through DUMP payloads and SAVE files.
const test = suite('rdb/lzf');
const withRedis = hasRedis ? test : test.skip;
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

test("Redis's quirks: position 0 is never a match source; the last literals need three bytes of room", () => {
  // "aaaa...": position 1 cannot refer to 0, so the first match starts at 2 (distance 1).
  assert.equal(lzfCompress(Buffer.alloc(30, 'a'), 26), hex('01 61 61 E0 11 00 01 61 61'));
  // Room for the stream exactly is not enough when the main loop ends with fewer than three bytes spare.
  const input = Buffer.from('abcdefgh'.repeat(4));
  const packed = lzfCompress(input, 100)!;
  assert.is(lzfCompress(input, packed.length), null);
  assert.equal(lzfCompress(input, packed.length + 3), packed);
});

test('a match near the end may run two bytes past the bound the last literals keep (the unrolled compare)', () => {
  // 19 bytes repeated at the very end: lzf_c.c's first 16 compares skip the bound check, so all 19 go.
  const x = pseudoRandom(19, 5);
  assert.equal(lzfCompress(Buffer.concat([hex('2a'), x, x]), 100), Buffer.concat([hex('13 2a'), x, hex('E0 0A 12')]));
  // With 21 the bounded loop takes over and stops two bytes short: they stay literals.
  const y = pseudoRandom(21, 6);
  assert.equal(lzfCompress(Buffer.concat([hex('2a'), y, y]), 100), Buffer.concat([hex('15 2a'), y, hex('E0 0A 14 01'), y.subarray(19)]));
});

// ---- against real redis-server ------------------------------------------------------------------------------

/** Inputs around every threshold the compressor has: sizes, literal runs, match lengths, the 8 KB window. */
function cases(): Buffer[] {
  const rand = mulberry32(0x1f2e3d);
  const bytes = (n: number, alphabet = 256) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * alphabet)));
  const out: Buffer[] = [];
  // Random bytes of every size around the "longer than 20" rule, and a few larger ones.
  for (let n = 17; n <= 80; n++) out.push(bytes(n), bytes(n, 2), bytes(n, 4), bytes(n, 16));
  for (const n of [255, 256, 1000, 4096, 20000]) out.push(bytes(n), bytes(n, 3), bytes(n, 30));
  // A random prefix then one repeated byte: the compressed size sweeps across len-4 for each length.
  for (let n = 21; n <= 72; n++) for (let p = 0; p < n; p += 1 + (p >> 3)) out.push(Buffer.concat([bytes(p), Buffer.alloc(n - p, 0x5a)]));
  // Long runs: one reference's 264-byte limit, the extended length byte, many references.
  for (const n of [21, 22, 23, 24, 32, 33, 34, 40, 262, 263, 264, 265, 266, 267, 268, 520, 8190, 8193, 100000]) out.push(Buffer.alloc(n, 'a'));
  // A block repeated, then a tail of t bytes: matches ending exactly near the end (the unrolled compare).
  for (let k = 3; k <= 30; k++) for (let t = 0; t <= 4; t++) {
    const x = bytes(k);
    out.push(Buffer.concat([x, x, bytes(t)]), Buffer.concat([bytes(1), x, x, bytes(t)]), Buffer.concat([bytes(2), x, bytes(1), x, bytes(t)]));
  }
  // Repeats just inside and just outside the 8192-byte window.
  for (const gap of [8189, 8190, 8191, 8192, 8193]) {
    const x = bytes(40);
    out.push(Buffer.concat([bytes(3), x, bytes(gap - 40), x, bytes(5)]));
  }
  // Literal runs of 31, 32 and 33 bytes between references.
  for (const lit of [30, 31, 32, 33, 34, 63, 64, 65]) out.push(Buffer.concat([Buffer.alloc(10, 'x'), bytes(lit), Buffer.alloc(10, 'x'), bytes(lit), Buffer.alloc(10, 'x')]));
  // Text and structured binary, where hash-table collisions and overwritten slots matter.
  const words = ['redis', 'lzf', 'compress', 'the', 'key', 'value', ':', ' ', '\n', '0', '1', '42'];
  for (let i = 0; i < 40; i++) {
    const n = 21 + Math.floor(rand() ** 2 * 6000);
    let t = '';
    while (t.length < n) t += words[Math.floor(rand() * words.length)];
    out.push(Buffer.from(t, 'latin1'));
  }
  for (let i = 0; i < 20; i++) {
    const rec = bytes(4 + Math.floor(rand() * 12));
    out.push(Buffer.concat(Array.from({ length: 2 + Math.floor(rand() * 300) }, (_, j) => (rand() < 0.8 ? rec : bytes(1 + (j % 7))))));
  }
  return out;
}

let redis: RunningServer | undefined;
let toy: InProcess | undefined;
let real: RawConnection, mine: RawConnection;

test.before(async () => {
  if (!hasRedis) return;
  redis = await startRedis();
  real = await RawConnection.connect(redis.port);
  toy = await startInProcess();
  mine = await toy.connect();
});

test.after(async () => {
  real?.close();
  await redis?.stop();
  await toy?.stop();
});

/** Send every command on `c` at once (pipelined), then read each reply's bytes. */
async function pipeline(c: RawConnection, argvs: (string | Buffer)[][]): Promise<string[]> {
  for (const argv of argvs) c.send(...argv);
  const out: string[] = [];
  for (let i = 0; i < argvs.length; i++) out.push(await c.readRaw(20000));
  return out;
}

withRedis('DUMP of a string is the payload real Redis gives, for every case', async () => {
  const all = cases();
  let compressed = 0;
  for (let at = 0; at < all.length; at += 200) {
    const argvs: (string | Buffer)[][] = [];
    all.slice(at, at + 200).forEach((v, i) => argvs.push(['SET', `k${at + i}`, v], ['DUMP', `k${at + i}`]));
    const [got, want] = await Promise.all([pipeline(mine, argvs), pipeline(real, argvs)]);
    for (let i = 1; i < argvs.length; i += 2) {
      const v = argvs[i - 1][2] as Buffer;
      assert.is(got[i], want[i], `DUMP of case ${at + (i >> 1)} (${v.length} bytes: ${v.subarray(0, 24).toString('hex')}…)`);
      if (want[i].charCodeAt(want[i].indexOf('\r\n') + 3) === 0xc3) compressed++;
    }
  }
  assert.ok(compressed > all.length / 3, `most cases compress (${compressed} of ${all.length})`);
});

withRedis('DUMP of collections whose listpack or intset blob compresses', async () => {
  const argvs: string[][] = [
    ['HSET', 'h', 'field-1', 'value-aaaaaaaaaaaa', 'field-2', 'value-aaaaaaaaaaab', 'field-3', 'value-bbbbbbbbbbbb'],
    ['ZADD', 'z', '1', 'member-one-xxxxxxxx', '2', 'member-two-xxxxxxxx', '3.5', 'member-three-xxxxxx'],
    ['RPUSH', 'l', ...Array.from({ length: 40 }, (_, i) => `item:${i % 5}:${'p'.repeat(i % 3)}`)],
    ['SADD', 's', ...Array.from({ length: 30 }, (_, i) => String(i * 3))],
    ['DUMP', 'h'], ['DUMP', 'z'], ['DUMP', 'l'], ['DUMP', 's'],
    // Inner quicklist nodes held compressed (lzf_compress with the node's own size as the bound).
    ['CONFIG', 'SET', 'list-compress-depth', '1'],
    ['CONFIG', 'SET', 'list-max-listpack-size', '8'],
    ['RPUSH', 'cl', ...Array.from({ length: 64 }, (_, i) => `entry-${i % 4}-${'q'.repeat(i % 9)}`)],
    ['DUMP', 'cl'],
  ];
  const [got, want] = await Promise.all([pipeline(mine, argvs), pipeline(real, argvs)]);
  for (let i = 0; i < argvs.length; i++) assert.is(got[i], want[i], argvs[i].join(' '));
  assert.ok(want[want.length - 1].split('\x02\xc3').length > 3, 'several nodes are held compressed');
  const reset = [['CONFIG', 'SET', 'list-compress-depth', '0'], ['CONFIG', 'SET', 'list-max-listpack-size', '-2']];
  await Promise.all([pipeline(mine, reset), pipeline(real, reset)]);
});

/** Each key's entry in an RDB file (expiry opcode, type, key and value) as bytes, found by feeding byte by byte. */
function entryBytes(file: Buffer): Map<string, string> {
  const r = new RdbReader({ verifyChecksum: false });
  const out = new Map<string, string>();
  let start = 0;
  for (let i = 0; i < file.length && !r.done; i++) {
    const items: RdbItem[] = r.feed(file.subarray(i, i + 1));
    for (const item of items) {
      if (item.kind === 'entry') out.set(item.key, file.latin1Slice(start, r.consumed));
      start = r.consumed;
    }
  }
  return out;
}

withRedis('SAVE writes the same entry bytes as real Redis for the same keys', async () => {
  const all = cases().filter((v) => v.length < 9000);
  for (const c of [mine, real]) {
    await pipeline(c, [['FLUSHALL']]);
    await pipeline(c, all.map((v, i) => ['SET', `k${i}`, v]));
  }
  const [ours, theirs] = [entryBytes(await savedRdb((...a) => ask(mine, ...a))), entryBytes(await savedRdb((...a) => ask(real, ...a)))];
  assert.is(theirs.size, all.length);
  assert.is(ours.size, all.length);
  for (const [k, bytes] of theirs) assert.is(ours.get(k), bytes, k);
});

test.run();
