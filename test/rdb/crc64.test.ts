import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { crc64, update } from '../../lib/rdb/crc64';

const test = suite('rdb/crc64');

/** The bit-at-a-time definition from the notes: reflected Jones polynomial, init 0, no final xor. */
function reference(bytes: Uint8Array): bigint {
  let crc = 0n;
  for (const b of bytes) {
    crc ^= BigInt(b);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ 0x95ac9329ac4bc9b5n : crc >> 1n;
  }
  return crc;
}

function pseudoRandom(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16;
  return b;
}

test('check value: "123456789"', () => {
  assert.is(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
});

test('empty input is 0, and Redis files from the notes', () => {
  assert.is(crc64(Buffer.alloc(0)), 0n);
  assert.is(crc64(Buffer.from('REDIS0010\xff', 'latin1')), 0xeb7ea789fe37fda9n);
});

test('matches the bit-at-a-time definition for every length 0..64 and a long buffer', () => {
  const data = pseudoRandom(4096, 7);
  for (let n = 0; n <= 64; n++) assert.is(crc64(data.subarray(0, n)), reference(data.subarray(0, n)), `length ${n}`);
  assert.is(crc64(data), reference(data));
});

test('incremental: any split gives the same CRC, from a Buffer with a nonzero byteOffset too', () => {
  const data = pseudoRandom(1000, 99);
  const whole = crc64(data);
  for (let cut = 0; cut <= data.length; cut += 7) assert.is(update(update(0n, data.subarray(0, cut)), data.subarray(cut)), whole, `cut ${cut}`);
  const padded = Buffer.concat([Buffer.alloc(3), data]).subarray(3);
  assert.is(crc64(padded), whole);
});

test('high bytes and all-ones input (sign handling of the 32-bit halves)', () => {
  for (const fill of [0xff, 0x80, 0x7f]) {
    const data = Buffer.alloc(37, fill);
    assert.is(crc64(data), reference(data), `fill ${fill}`);
  }
  assert.is(update(0xffffffffffffffffn, Buffer.from([1, 2, 3])), (() => {
    let crc = 0xffffffffffffffffn;
    for (const b of [1, 2, 3]) {
      crc ^= BigInt(b);
      for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ 0x95ac9329ac4bc9b5n : crc >> 1n;
    }
    return crc;
  })());
});

test.run();
