import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lzfCompress } from '../../lib/rdb/lzf';
import { moduleTypeName, parseRdb, RdbError, RdbReader, type RdbItem } from '../../lib/rdb/parse';
import {
  B, cat, entry, f64le, i64le, intset, len, listpack, lpEntry, rawId, rdbFile, str, u32le, ziplist, zipmap,
} from './rdb-bytes';

const test = suite('rdb/parse');

/** Feed `bytes` cut at `cuts`, then end(); every item in order. */
function readAll(bytes: Buffer, cuts: number[] = []): RdbItem[] {
  const r = new RdbReader();
  const out: RdbItem[] = [];
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    for (const it of r.feed(bytes.subarray(prev, cut))) out.push(it);
    prev = cut;
  }
  r.end();
  return out;
}

const everyByte = (n: number) => [...Array(n).keys()].slice(1);

/** Whole, byte by byte, split at every offset, and from a Buffer with a nonzero byteOffset: all the same items. */
function assertReads(bytes: Buffer, expected: RdbItem[]): void {
  assert.equal(readAll(bytes), expected, 'whole');
  assert.equal(readAll(bytes, everyByte(bytes.length)), expected, 'byte by byte');
  for (let cut = 1; cut < bytes.length; cut++) assert.equal(readAll(bytes, [cut]), expected, `split at ${cut}`);
  const padded = Buffer.concat([Buffer.from('garbage!'), bytes]).subarray(8);
  assert.equal(readAll(padded), expected, 'nonzero byteOffset');
}

/** For files too big to split at every offset: whole, byte by byte, in 64 KB and 1000-byte chunks. */
function assertReadsBig(bytes: Buffer, expected: RdbItem[]): void {
  assert.equal(readAll(bytes), expected, 'whole');
  assert.equal(readAll(bytes, everyByte(bytes.length)), expected, 'byte by byte');
  for (const size of [65536, 1000]) {
    const cuts = [];
    for (let at = size; at < bytes.length; at += size) cuts.push(at);
    assert.equal(readAll(bytes, cuts), expected, `${size}-byte chunks`);
  }
}

/** Reading fails with an RdbError matching `message`, whole and at every split. */
function assertFails(bytes: Buffer, message: RegExp): void {
  const cutsList = [[], everyByte(bytes.length), ...everyByte(bytes.length).map((c) => [c])];
  for (const cuts of cutsList) {
    try {
      readAll(bytes, cuts);
    } catch (e) {
      assert.instance(e, RdbError, `cuts ${cuts.length}: ${e}`);
      assert.match((e as Error).message, message);
      continue;
    }
    assert.unreachable(`no error with cuts ${JSON.stringify(cuts.slice(0, 3))}`);
  }
}

type Extra = { db?: number; expiresAt?: number | null; lru?: number; lfu?: number };
const ent = (rdbType: number, key: string, value: unknown, extra: Extra = {}): RdbItem => {
  const e: any = { kind: 'entry', db: extra.db ?? 0, key, value, rdbType, expiresAt: extra.expiresAt ?? null };
  if (extra.lru !== undefined) e.lru = extra.lru;
  if (extra.lfu !== undefined) e.lfu = extra.lfu;
  return e;
};
const eofOf = (file: Buffer): RdbItem => ({ kind: 'eof', checksum: file.readBigUInt64LE(file.length - 8) });
/** A file with `body` and the items it should read as: `items` then EOF. */
const fileCase = (body: Buffer[], items: RdbItem[], opts: { version?: number; crc?: boolean } = {}): [Buffer, RdbItem[]] => {
  const file = rdbFile(body, opts);
  const eof: RdbItem = (opts.version ?? 10) < 5 ? { kind: 'eof', checksum: null } : eofOf(file);
  return [file, [...items, eof]];
};

const hex = (h: string) => Buffer.from(h.replace(/[^0-9a-fA-F]/g, ''), 'hex');

// ---- Files from the notes (real Redis output, byte for byte) ---------------------------------------------------

test('the empty REDIS0011 file 7.2 writes', () => {
  const file = cat(
    'REDIS0011', [0xfa], str('redis-ver'), str('7.2.0'), [0xfa], str('redis-bits'), [0xc0, 0x40],
    [0xfa], str('ctime'), hex('C2 6D 08 BC 65'), [0xfa], str('used-mem'), hex('C2 B0 C4 10 00'),
    [0xfa], str('aof-base'), [0xc0, 0x00], [0xff], hex('F0 6E 3B FE C0 FF 5A A2'),
  );
  assert.is(file.length, 88);
  assertReads(file, [
    { kind: 'aux', key: 'redis-ver', value: '7.2.0' },
    { kind: 'aux', key: 'redis-bits', value: '64' },
    { kind: 'aux', key: 'ctime', value: '1706821741' },
    { kind: 'aux', key: 'used-mem', value: '1098928' },
    { kind: 'aux', key: 'aof-base', value: '0' },
    { kind: 'eof', checksum: 0xa25affc0fe3b6ef0n },
  ]);
  assert.is(parseRdb(file).version, 11);
});

test('the 208-byte file 7.0.15 wrote (notes §13)', () => {
  const file = cat(
    'REDIS0010',
    [0xfa], str('redis-ver'), str('7.0.15'), [0xfa], str('redis-bits'), [0xc0, 0x40],
    [0xfa], str('ctime'), hex('C2 37 F3 04 6B'), [0xfa], str('used-mem'), hex('C2 80 D9 0F 00'),
    [0xfa], str('aof-base'), [0xc0, 0x00],
    hex('FE 00 FB 07 01'),
    hex('10 01 68 0D 0D000000 0200 8166 02 8176 02 FF'),
    [0x00], str('greeting'), str('hello'),
    hex('00 01 6E C1 D2 04'),
    hex('FC 00 38 D3 60 BA 01 00 00'), [0x00], str('temp'), str('v'),
    hex('0B 01 73 0E 02000000 03000000 0100 0200 0300'),
    hex('11 01 7A 0F 0F000000 0200 8161 02 8331 2E35 04 FF'),
    hex('12 01 6C 01 02 0F 0F000000 0300 8161 02 8162 02 07 01 FF'),
    hex('FF E3 83 3E 69 6C A7 1E 5C'),
  );
  assert.is(file.length, 208);
  const { items } = parseRdb(file);
  assert.equal(items.slice(5), [
    { kind: 'selectdb', db: 0 },
    { kind: 'resizedb', dbSize: 7, expiresSize: 1 },
    ent(16, 'h', { type: 'hash', fields: [['f', 'v']] }),
    ent(0, 'greeting', 'hello'),
    ent(0, 'n', '1234'),
    ent(0, 'temp', 'v', { expiresAt: 1900000000000 }),
    ent(11, 's', { type: 'set', members: ['1', '2', '3'] }),
    ent(17, 'z', { type: 'zset', entries: [['a', 1.5]] }),
    ent(18, 'l', { type: 'list', items: ['a', 'b', '7'] }),
    { kind: 'eof', checksum: 0x5c1ea76c693e83e3n },
  ]);
  assertReads(file, items);
});

test('the minimal REDIS0010 file', () => {
  const file = hex('52 45 44 49 53 30 30 31 30 FF A9 FD 37 FE 89 A7 7E EB');
  assertReads(file, [{ kind: 'eof', checksum: 0xeb7ea789fe37fda9n }]);
});

// ---- Strings -------------------------------------------------------------------------------------------------

const lzfExample = hex('C3 11 40 4B 01 61 61 E0 31 00 04 62 63 64 65 66 C0 04 01 65 66');
const longRaw = 'r'.repeat(300);

const stringCases: [string, Buffer, string][] = [
  ['int8', hex('C0 FB'), '-5'],
  ['int16', hex('C1 D2 04'), '1234'],
  ['int32', hex('C2 70 11 01 00'), '70000'],
  ['int32 negative', hex('C2 00 00 00 80'), '-2147483648'],
  ['LZF (notes example)', lzfExample, 'a'.repeat(60) + 'bcdef'.repeat(3)],
  ['binary raw', str(B('\0\r\n\xff$-1')), '\0\r\n\xff$-1'],
  ['empty', str(''), ''],
  ['14-bit length', str(longRaw), longRaw],
  ['32-bit length form for a short string', cat([0x80, 0, 0, 0, 3], 'abc'), 'abc'],
  ['64-bit length form', cat([0x81, 0, 0, 0, 0, 0, 0, 0, 2], 'xy'), 'xy'],
];

for (const [name, value, expected] of stringCases) {
  test(`string value: ${name}`, () => {
    const [file, items] = fileCase([cat([0], str('k'), value)], [ent(0, 'k', expected)]);
    assertReads(file, items);
  });
}

test('strings as keys, aux fields and int-encoded keys', () => {
  const [file, items] = fileCase(
    [cat([0xfa], lzfExample, hex('C0 07')), cat([0x00], hex('C1 D2 04'), str('v')), cat([0x00], lzfExample, str(''))],
    [
      { kind: 'aux', key: 'a'.repeat(60) + 'bcdef'.repeat(3), value: '7' },
      ent(0, '1234', 'v'),
      ent(0, 'a'.repeat(60) + 'bcdef'.repeat(3), ''),
    ],
  );
  assertReads(file, items);
});

// ---- Opcodes --------------------------------------------------------------------------------------------------

test('expiry, LRU and LFU opcodes apply to the next key only', () => {
  const [file, items] = fileCase(
    [
      cat([0xfc], i64le(1900000000000), [0], str('a'), str('1')),
      cat([0xfd], u32le(1700000000), [0], str('b'), str('2')),
      hex('F9 01 00 01 61 C0 01'), // notes: freq 1, "a" = 1 (a second key "a" is fine for the reader)
      cat([0xf8], len(3600), [0xfc], i64le(5), [0], str('c'), str('3')),
      cat([0], str('d'), str('4')),
    ],
    [
      ent(0, 'a', '1', { expiresAt: 1900000000000 }),
      ent(0, 'b', '2', { expiresAt: 1700000000000 }),
      ent(0, 'a', '1', { lfu: 1 }),
      ent(0, 'c', '3', { expiresAt: 5, lru: 3600 }),
      ent(0, 'd', '4'),
    ],
  );
  assertReads(file, items);
});

test('SELECTDB and RESIZEDB, keys carry their db', () => {
  const [file, items] = fileCase(
    [hex('FE 00 FB 01 00'), entry(0, 'x', str('0')), hex('FE 0F FB 02 01'), entry(0, 'y', str('15')), cat([0xfe], len(300)), entry(0, 'z', str('big'))],
    [
      { kind: 'selectdb', db: 0 },
      { kind: 'resizedb', dbSize: 1, expiresSize: 0 },
      ent(0, 'x', '0'),
      { kind: 'selectdb', db: 15 },
      { kind: 'resizedb', dbSize: 2, expiresSize: 1 },
      ent(0, 'y', '15', { db: 15 }),
      { kind: 'selectdb', db: 300 },
      ent(0, 'z', 'big', { db: 300 }),
    ],
  );
  assertReads(file, items);
});

test('FUNCTION2, and the 7.0 release-candidate FUNCTION format turned into a library source', () => {
  const code = "#!lua name=mylib\nredis.register_function('f', function() return 1 end)";
  const [file, items] = fileCase(
    [
      cat([0xf5], str(code)),
      cat([0xf6], str('old'), str('LUA'), len(0), str('return 1')),
      cat([0xf6], str('old2'), str('LUA'), len(1), str('a description'), str('return 2')),
    ],
    [
      { kind: 'function', code },
      { kind: 'function', code: '#!LUA name=old\nreturn 1' },
      { kind: 'function', code: '#!LUA name=old2\nreturn 2' },
    ],
  );
  assertReads(file, items);
});

test('RDB versions before 5 have no checksum; version 1 is accepted', () => {
  for (const version of [1, 4]) {
    const [file, items] = fileCase([entry(0, 'k', str('v'))], [ent(0, 'k', 'v')], { version });
    assert.is(file.length, 9 + 1 + 2 + 2 + 1);
    assertReads(file, items);
  }
});

test('a stored checksum of 0 is not checked', () => {
  const [file, items] = fileCase([entry(0, 'k', str('v'))], [ent(0, 'k', 'v')], { crc: false });
  assert.equal(items[items.length - 1], { kind: 'eof', checksum: 0n });
  assertReads(file, items);
});

test('bytes after the checksum are ignored; a reader that is done takes no more', () => {
  const [file, items] = fileCase([entry(0, 'k', str('v'))], [ent(0, 'k', 'v')]);
  const r = new RdbReader();
  assert.equal(r.feed(Buffer.concat([file, B('$EOF-mark-or-anything')])), items);
  assert.ok(r.done);
  assert.equal(r.feed(B('more')), []);
  r.end();
});

// ---- Plain collection types ------------------------------------------------------------------------------------

test('list (1), set (2), hash (4)', () => {
  const [file, items] = fileCase(
    [
      entry(1, 'l', cat(len(3), str('a'), hex('C0 07'), str(''))),
      entry(2, 's', cat(len(2), str('m1'), hex('C1 00 01'))),
      entry(4, 'h', cat(len(2), str('f1'), str('v1'), str('f2'), lzfExample)),
      entry(1, 'empty', len(0)),
    ],
    [
      ent(1, 'l', { type: 'list', items: ['a', '7', ''] }),
      ent(2, 's', { type: 'set', members: ['m1', '256'] }),
      ent(4, 'h', { type: 'hash', fields: [['f1', 'v1'], ['f2', 'a'.repeat(60) + 'bcdef'.repeat(3)]] }),
      ent(1, 'empty', { type: 'list', items: [] }),
    ],
  );
  assertReads(file, items);
});

test('zset v1 (3) with text scores and zset2 (5) with binary scores', () => {
  const [file, items] = fileCase(
    [
      entry(3, 'z1', cat(len(4), str('a'), [3], '1.5', str('b'), [254], str('c'), [255], str('d'), [5], '1e+20')),
      entry(5, 'z2', cat(len(3), str('hi'), f64le(10), str('lo'), f64le(-0.25), str('inf'), f64le(Infinity))),
    ],
    [
      ent(3, 'z1', { type: 'zset', entries: [['a', 1.5], ['b', Infinity], ['c', -Infinity], ['d', 1e20]] }),
      ent(5, 'z2', { type: 'zset', entries: [['hi', 10], ['lo', -0.25], ['inf', Infinity]] }),
    ],
  );
  assertReads(file, items);
});

// ---- Compact encodings ---------------------------------------------------------------------------------------

const bigField = 'F'.repeat(5000); // a 32-bit-length listpack string, a 14-bit-length ziplist string
const midField = 'm'.repeat(300); // a 12-bit-length listpack string, a 5-byte ziplist prevlen after it

test('hash listpack (16) with every listpack encoding', () => {
  const lp = listpack(['a', 0, 'b', 127, 'c', -4096, 'd', 4095, 'e', -32768, 'f', 8388607, 'g', -2147483648,
    'h', 9007199254740993n, 'i', -9223372036854775808n, midField, bigField]);
  const [file, items] = fileCase([entry(16, 'h', str(lp))], [
    ent(16, 'h', {
      type: 'hash',
      fields: [['a', '0'], ['b', '127'], ['c', '-4096'], ['d', '4095'], ['e', '-32768'], ['f', '8388607'],
        ['g', '-2147483648'], ['h', '9007199254740993'], ['i', '-9223372036854775808'], [midField, bigField]],
    }),
  ]);
  assertReadsBig(file, items);
});

test('listpack element count 65535 means "not known"', () => {
  const [file, items] = fileCase([entry(16, 'h', str(listpack(['f', 'v'], 65535)))], [ent(16, 'h', { type: 'hash', fields: [['f', 'v']] })]);
  assertReads(file, items);
});

test('zset listpack (17): integer and string scores, inf', () => {
  const lp = listpack(['a', -3, 'b', '1.5', 'c', 1000000, 'd', 'inf', 'e', '-inf', 'f', '2.5e-3']);
  const [file, items] = fileCase([entry(17, 'z', str(lp))], [
    ent(17, 'z', { type: 'zset', entries: [['a', -3], ['b', 1.5], ['c', 1000000], ['d', Infinity], ['e', -Infinity], ['f', 0.0025]] }),
  ]);
  assertReads(file, items);
});

test('set listpack (20, RDB 11) and a listpack stored LZF-compressed', () => {
  const members = Array.from({ length: 30 }, (_, i) => (i % 2 ? `member-${i}` : i * 1000));
  const lp = listpack(members);
  const packed = lzfCompress(lp, lp.length - 4)!;
  const [file, items] = fileCase([entry(20, 's', cat([0xc3], len(packed.length), len(lp.length), packed))], [ent(20, 's', { type: 'set', members: members.map(String) })], { version: 11 });
  assertReads(file, items);
});

test('intset (11) in 16, 32 and 64-bit widths', () => {
  const [file, items] = fileCase(
    [
      entry(11, 'a', str(intset(2, [-5, 1, 300]))),
      entry(11, 'b', str(intset(4, [-70000, 70000]))),
      entry(11, 'c', str(intset(8, [1n, 5000000000n, 9223372036854775807n]))),
    ],
    [
      ent(11, 'a', { type: 'set', members: ['-5', '1', '300'] }),
      ent(11, 'b', { type: 'set', members: ['-70000', '70000'] }),
      ent(11, 'c', { type: 'set', members: ['1', '5000000000', '9223372036854775807'] }),
    ],
  );
  assertReads(file, items);
});

test('zipmap hash (9), with long lengths and free bytes', () => {
  const longKey = 'k'.repeat(260);
  const [file, items] = fileCase([entry(9, 'h', str(zipmap([['foo', 'bar', 2], ['hello', 'world'], [longKey, 'x']])))], [
    ent(9, 'h', { type: 'hash', fields: [['foo', 'bar'], ['hello', 'world'], [longKey, 'x']] }),
  ]);
  assertReads(file, items);
});

test('ziplist list (10) with every ziplist encoding', () => {
  const values = ['s', 0, 12, 13, -1, -128, 127, 128, -32768, 8388607, -8388608, 2147483647, -2147483649n,
    9223372036854775807n, midField, 'after a 5-byte prevlen', bigField, 'x'.repeat(70000)];
  const [file, items] = fileCase([entry(10, 'l', str(ziplist(values)))], [ent(10, 'l', { type: 'list', items: values.map(String) })]);
  assertReadsBig(file, items);
});

test('zset ziplist (12), hash ziplist (13), quicklist v1 (14)', () => {
  const [file, items] = fileCase(
    [
      entry(12, 'z', str(ziplist(['a', 1, 'b', '2.5', 'c', -7]))),
      entry(13, 'h', str(ziplist(['f', 'v', 'n', 42]))),
      entry(14, 'q', cat(len(3), str(ziplist(['a', 'b'])), str(ziplist([])), str(ziplist([3, 'c'])))),
    ],
    [
      ent(12, 'z', { type: 'zset', entries: [['a', 1], ['b', 2.5], ['c', -7]] }),
      ent(13, 'h', { type: 'hash', fields: [['f', 'v'], ['n', '42']] }),
      ent(14, 'q', { type: 'list', items: ['a', 'b', '3', 'c'] }),
    ],
  );
  assertReads(file, items);
});

test('quicklist2 (18) with packed and plain nodes', () => {
  const [file, items] = fileCase(
    [entry(18, 'l', cat(len(3), len(2), str(listpack(['a', 1])), len(1), str('a plain \0 node'), len(2), str(listpack(['z']))))],
    [ent(18, 'l', { type: 'list', items: ['a', '1', 'a plain \0 node', 'z'] })],
  );
  assertReads(file, items);
});

// ---- Streams -----------------------------------------------------------------------------------------------------

/** Stream node: master 5-0 with fields name, age; 5-0 same fields, 5-1 deleted, 6-3 own fields. */
const streamNode = cat(
  str(rawId(5, 0)),
  str(listpack([
    2, 1, 2, 'name', 'age', 0,
    2, 0, 0, 'alice', 30, 5,
    3, 0, 1, 'bob', 31, 5,
    0, 1, 3, 1, 'other', 'x', 6,
  ])),
);
/** The node as parsed: its key, master fields and every entry with its flags, the tombstone too. */
const streamNodes = [{
  masterId: { ms: 5n, seq: 0n },
  masterFields: ['name', 'age'],
  entries: [
    { id: { ms: 5n, seq: 0n }, fields: [['name', 'alice'], ['age', '30']], deleted: false, sameFields: true },
    { id: { ms: 5n, seq: 1n }, fields: [['name', 'bob'], ['age', '31']], deleted: true, sameFields: true },
    { id: { ms: 6n, seq: 3n }, fields: [['other', 'x']], deleted: false, sameFields: false },
  ],
}];

function streamBody(version: 1 | 2 | 3): Buffer {
  const v2 = version >= 2;
  return cat(
    len(1), streamNode,
    len(2), len(6), len(3), // length, last id
    v2 ? cat(len(5), len(0), len(5), len(1), len(3)) : Buffer.alloc(0), // first id, max deleted id, entries added
    len(2),
    // group g1: last id 5-0, entries read 1, PEL of two entries owned by c1 and c2
    str('g1'), len(5), len(0), v2 ? len(1) : Buffer.alloc(0),
    len(2), rawId(5, 0), i64le(1700000000001), len(2), rawId(6, 3), i64le(1700000000002), len(1),
    len(2),
    str('c1'), i64le(1700000000010), version === 3 ? i64le(1700000000011) : Buffer.alloc(0), len(1), rawId(5, 0),
    str('c2'), i64le(1700000000020), version === 3 ? i64le(1700000000021) : Buffer.alloc(0), len(1), rawId(6, 3),
    // group g2: created at $, nothing pending; entries read stored as -1 (2^64-1)
    str('g2'), len(6), len(3), v2 ? len(0xffffffffffffffffn) : Buffer.alloc(0), len(0), len(0),
  );
}

function expectedStream(version: 1 | 2 | 3) {
  const c1Active = version === 3 ? 1700000000011 : 1700000000010;
  const c2Active = version === 3 ? 1700000000021 : 1700000000020;
  return {
    type: 'stream',
    nodes: streamNodes,
    length: 2,
    lastId: { ms: 6n, seq: 3n },
    firstId: { ms: 5n, seq: 0n },
    maxDeletedId: version === 1 ? { ms: 0n, seq: 0n } : { ms: 5n, seq: 1n },
    entriesAdded: version === 1 ? 2 : 3,
    groups: [
      {
        name: 'g1',
        lastId: { ms: 5n, seq: 0n },
        // v1 estimates it as Redis does: the first entry's counter is entries_added - length + 1
        entriesRead: 1,
        pending: [
          { id: { ms: 5n, seq: 0n }, deliveryTime: 1700000000001, deliveryCount: 2, consumer: 'c1' },
          { id: { ms: 6n, seq: 3n }, deliveryTime: 1700000000002, deliveryCount: 1, consumer: 'c2' },
        ],
        consumers: [
          { name: 'c1', seenTime: 1700000000010, activeTime: c1Active, pending: [{ ms: 5n, seq: 0n }] },
          { name: 'c2', seenTime: 1700000000020, activeTime: c2Active, pending: [{ ms: 6n, seq: 3n }] },
        ],
      },
      // v1: the last ID equals the stream's, so entries_read = entries_added
      { name: 'g2', lastId: { ms: 6n, seq: 3n }, entriesRead: version === 1 ? 2 : -1, pending: [], consumers: [] },
    ],
  };
}

for (const [version, type] of [[1, 15], [2, 19], [3, 21]] as const) {
  test(`stream v${version} (type ${type}) with groups, PEL and consumers`, () => {
    const [file, items] = fileCase([entry(type, 'st', streamBody(version))], [ent(type, 'st', expectedStream(version))], {
      version: version === 3 ? 11 : 10,
    });
    assertReads(file, items);
  });
}

test('an empty stream (v1) gets the maximal first ID, as Redis derives it', () => {
  const body = cat(len(0), len(0), len(7), len(0), len(0));
  const [file, items] = fileCase([entry(15, 'st', body)], [
    ent(15, 'st', {
      type: 'stream', nodes: [], length: 0, lastId: { ms: 7n, seq: 0n },
      firstId: { ms: (1n << 64n) - 1n, seq: (1n << 64n) - 1n }, maxDeletedId: { ms: 0n, seq: 0n }, entriesAdded: 0, groups: [],
    }),
  ]);
  assertReads(file, items);
});

// ---- Errors --------------------------------------------------------------------------------------------------------

const errorCases: [string, Buffer, RegExp][] = [
  ['bad signature', cat('RADIS0010', [0xff], Buffer.alloc(8)), /^Wrong signature trying to load DB from file$/],
  ['version 12', rdbFile([], { version: 12 }), /^Can't handle RDB format version 12$/],
  ['version 0', rdbFile([], { version: 0 }), /^Can't handle RDB format version 0$/],
  ['version not digits', cat('REDISabcd', [0xff], Buffer.alloc(8)), /^Can't handle RDB format version 0$/],
  ['wrong checksum', cat('REDIS0010', [0xff], hex('00 00 00 00 00 00 00 01')), /^Wrong RDB checksum expected: \(eb7ea789fe37fda9\) but got \(100000000000000\)$/],
  ['unknown type 22', rdbFile([entry(22, 'k', str('v'))]), /^Unknown RDB encoding type 22$/],
  ['unknown type 8', rdbFile([entry(8, 'k', str('v'))]), /^Unknown RDB encoding type 8$/],
  ['module value', rdbFile([entry(7, 'k', len(0x4a534f4e2d524c01n))]), /^The RDB file contains module data I can't load: no matching module type '.{9}' \(module id \d+\)$/],
  ['module aux', rdbFile([cat([0xf7], len(12345678901234n), len(2), len(1))]), /^The RDB file contains AUX module data I can't load: no matching module '.{9}'/],
  ['bad string encoding', rdbFile([cat([0], [0xc4], str('v'))]), /^Unknown RDB string encoding type 4$/],
  ['bad length encoding', rdbFile([entry(1, 'l', hex('82 00'))]), /^Unknown length encoding 2 in rdbLoadLen\(\)$/],
  ['bad LZF data', rdbFile([cat([0], str('k'), hex('C3 03 0A E0 00 05'))]), /^Invalid LZF compressed string$/],
  ['LZF size beyond any expansion', rdbFile([cat([0], str('k'), hex('C3 01 80 7F FF FF FF 00'))]), /^Invalid LZF compressed string$/],
  ['listpack size mismatch', rdbFile([entry(16, 'h', str(cat(u32le(99), hex('02 00 81 66 02 81 76 02 FF'))))]), /^Hash listpack integrity check failed\.$/],
  ['listpack count mismatch', rdbFile([entry(16, 'h', str(listpack(['f', 'v'], 3)))]), /^Hash listpack integrity check failed\.$/],
  ['listpack odd pairs', rdbFile([entry(16, 'h', str(listpack(['f'])))]), /^Hash listpack integrity check failed\.$/],
  ['listpack string past its end', rdbFile([entry(20, 's', str(cat(u32le(10), hex('01 00 85 61 FF'), [0xff])))]), /^Set listpack integrity check failed\.$/],
  ['intset bad width', rdbFile([entry(11, 's', str(cat(u32le(3), u32le(1), [1, 0, 0])))]), /^Intset integrity check failed\.$/],
  ['intset empty', rdbFile([entry(11, 's', str(intset(2, [])))]), /^Intset integrity check failed\.$/],
  ['ziplist truncated entry', rdbFile([entry(10, 'l', str(ziplist(['abc']).subarray(0, 13)))]), /^List ziplist integrity check failed\.$/],
  ['zipmap without end', rdbFile([entry(9, 'h', str(zipmap([['a', 'b']]).subarray(0, 6)))]), /^Zipmap integrity check failed\.$/],
  ['zset NaN score', rdbFile([entry(5, 'z', cat(len(1), str('a'), f64le(NaN)))]), /^Zset with NAN score detected$/],
  ['zset v1 NaN score', rdbFile([entry(3, 'z', cat(len(1), str('a'), [253]))]), /^Zset with NAN score detected$/],
  ['zset listpack bad score', rdbFile([entry(17, 'z', str(listpack(['a', 'x1'])))]), /^Zset listpack integrity check failed\.$/],
  ['quicklist bad container', rdbFile([entry(18, 'l', cat(len(1), len(3), str(listpack(['a']))))]), /^Quicklist integrity check failed\.$/],
  ['stream node key size', rdbFile([entry(19, 'st', cat(len(1), str('short'), str(listpack([1]))))]), /^Stream node key entry is not the size of a stream ID$/],
  ['stream consumer NACK not in PEL', rdbFile([entry(19, 'st', cat(
    len(1), streamNode, len(2), len(6), len(3), len(5), len(0), len(5), len(1), len(3),
    len(1), str('g'), len(0), len(0), len(0), len(0), len(1), str('c'), i64le(1), len(1), rawId(9, 9),
  ))]), /^Consumer entry not found in group global PEL$/],
  ['stream node counters disagreeing with the flags', rdbFile([entry(19, 'st', cat(
    len(1), str(rawId(5, 0)), str(listpack([1, 1, 1, 'f', 0, 2, 0, 0, 'v', 4, 2, 0, 1, 'w', 4])),
    len(1), len(5), len(1), len(5), len(0), len(0), len(0), len(2), len(0),
  ))]), /^Stream listpack integrity check failed\.$/],
  ['stream node key twice', rdbFile([entry(19, 'st', cat(
    len(2), streamNode, streamNode, len(4), len(6), len(3), len(5), len(0), len(5), len(1), len(3), len(0),
  ))]), /^Listpack re-added with existing key$/],
  ['stream length without nodes', rdbFile([entry(19, 'st', cat(len(0), len(3), len(1), len(0), len(0), len(0), len(0), len(0), len(0), len(0)))]), /^Stream length inconsistent with rax entries$/],
];

for (const [name, bytes, message] of errorCases) {
  test(`error: ${name}`, () => assertFails(bytes, message));
}

test('module type names are decoded from the id as Redis does', () => {
  // "ReJSON-RL" with encoding version 1: each char is a 6-bit index into A-Z a-z 0-9 - _
  const charset = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let id = 0n;
  for (const c of 'ReJSON-RL') id = (id << 6n) | BigInt(charset.indexOf(c));
  id = (id << 10n) | 1n;
  assert.is(moduleTypeName(id), 'ReJSON-RL');
  assertFails(rdbFile([entry(7, 'k', len(id))]), /no matching module type 'ReJSON-RL' \(module id \d+\)$/);
});

test('every truncation of a valid file is a short read at end(), never an early error', () => {
  const body = [
    cat([0xfa], str('redis-ver'), str('7.0.15')), hex('FE 00 FB 05 01'),
    cat([0xfc], i64le(1900000000000), [0], str('s'), lzfExample),
    entry(18, 'l', cat(len(2), len(2), str(listpack(['a', 1])), len(1), str('plain'))),
    entry(19, 'st', streamBody(2)),
    entry(4, 'h', cat(len(2), str('f1'), str('v1'), str('f2'), str('v2'))),
    entry(9, 'z', str(zipmap([['a', 'b']]))),
  ];
  const file = rdbFile(body);
  readAll(file);
  for (let n = 0; n < file.length; n++) {
    const r = new RdbReader();
    r.feed(file.subarray(0, n));
    assert.not.ok(r.done);
    assert.throws(() => r.end(), (e: unknown) => e instanceof RdbError && /^Short read or OOM loading DB/.test((e as Error).message), `prefix ${n}`);
  }
});

test('an error sticks: the next feed() throws it again', () => {
  const r = new RdbReader();
  assert.throws(() => r.feed(cat('REDIS0010', [22], str('k'))), /Unknown RDB encoding type 22/);
  assert.throws(() => r.feed(B('x')), /Unknown RDB encoding type 22/);
  assert.throws(() => r.end(), /Unknown RDB encoding type 22/);
});

test('random corruption is an RdbError or a clean read, never another exception or a hang', () => {
  const file = rdbFile([
    cat([0xfa], str('redis-ver'), str('7.0.15')), hex('FE 00 FB 05 01'),
    cat([0xfc], i64le(1900000000000), [0], str('s'), lzfExample),
    entry(18, 'l', cat(len(2), len(2), str(listpack(['a', 1, 'bb', -300])), len(1), str('plain'))),
    entry(19, 'st', streamBody(2)),
    entry(10, 'zl', str(ziplist(['a', 5, 'ccc', 70000]))),
    entry(11, 'is', str(intset(4, [1, 2, 3]))),
    entry(5, 'z', cat(len(1), str('m'), f64le(1.5))),
  ]);
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  let errors = 0;
  for (let round = 0; round < 3000; round++) {
    const bad = Buffer.from(file);
    for (let k = 1 + rand(3); k > 0; k--) bad[9 + rand(bad.length - 17)] = rand(256);
    try {
      const r = new RdbReader({ verifyChecksum: false });
      r.feed(bad);
      r.end();
    } catch (e) {
      if (!(e instanceof RdbError)) throw e;
      errors++;
    }
  }
  assert.ok(errors > 100, `only ${errors} corruptions detected`);
});

test('the checksum catches a flipped byte that still parses', () => {
  const file = rdbFile([entry(0, 'k', str('value'))]);
  const bad = Buffer.from(file);
  bad[bad.indexOf('value') + 1] ^= 1;
  assertFails(bad, /^Wrong RDB checksum expected/);
  assert.equal(parseRdb(bad, { verifyChecksum: false }).items[0], ent(0, 'k', 'v`lue'));
});

// ---- Streaming without re-parsing -------------------------------------------------------------------------------

test('a big collection fed in small chunks is parsed in batches, not re-parsed per chunk', () => {
  const n = 50000;
  const elems = Array.from({ length: n }, (_, i) => str(`element-${i}`));
  const file = rdbFile([entry(1, 'big', cat(len(n), ...elems)), entry(0, 'after', str('x'))]);
  const r = new RdbReader();
  const items: RdbItem[] = [];
  const chunk = 1024;
  let chunks = 0;
  for (let at = 0; at < file.length; at += chunk, chunks++) for (const it of r.feed(file.subarray(at, at + chunk))) items.push(it);
  r.end();
  assert.is(items.length, 3);
  const list = items[0] as any;
  assert.is(list.value.items.length, n);
  assert.is(list.value.items[n - 1], `element-${n - 1}`);
  // One batch per chunk at most (plus a few frames around it), never one parse attempt per element.
  assert.ok(r.stats.frames <= chunks + 10, `frames ${r.stats.frames} for ${chunks} chunks`);
  assert.ok(r.stats.waits <= chunks + 1, `waits ${r.stats.waits} for ${chunks} chunks`);
});

test('a big string fed in 64 KB chunks waits for its length instead of re-parsing', () => {
  const value = Buffer.alloc(3 * 1024 * 1024, 'q');
  const file = rdbFile([entry(0, 'big', str(value))]);
  const r = new RdbReader();
  const items: RdbItem[] = [];
  let chunks = 0;
  for (let at = 0; at < file.length; at += 65536, chunks++) for (const it of r.feed(file.subarray(at, at + 65536))) items.push(it);
  r.end();
  assert.is((items[0] as any).value.length, value.length);
  assert.is(r.stats.frames, 4, 'header, key and value, EOF, checksum');
});

test.run();
