import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRdb, RdbReader, streamEntries, type RdbEntry, type RdbItem, type RdbStream, type StreamId } from '../../lib/rdb/parse';
import { RawConnection } from '../helpers/raw';
import { hasRedis, startRedis, type RunningServer } from '../helpers/servers';
import { savedRdb } from '../helpers/real-rdb';
import { ask } from '../helpers/resp';

// Files written by real redis-server 7.0.15 (SAVE), read back and compared with what was put in.
const test = suite('rdb/real-redis');
const maybe = hasRedis ? test : test.skip;

let redis: RunningServer;
let conn: RawConnection;

const cmd = (...argv: (string | number | Buffer)[]) => ask(conn, ...argv);
/** SAVE and return the file's bytes. */
const save = () => savedRdb(cmd);

/** The items of a file read whole, in 64 KB, 1000 and 97-byte chunks, and split at every offset when small. */
function readEveryWay(file: Buffer): RdbItem[] {
  const whole = parseRdb(file).items;
  if (file.length <= 4096) {
    for (let cut = 1; cut < file.length; cut++) {
      const r = new RdbReader();
      const items = [...r.feed(file.subarray(0, cut)), ...r.feed(file.subarray(cut))];
      r.end();
      assert.equal(items, whole, `split at ${cut}`);
    }
  }
  for (const size of [65536, 1000, 97]) {
    const r = new RdbReader();
    const items: RdbItem[] = [];
    for (let at = 0; at < file.length; at += size) for (const it of r.feed(file.subarray(at, at + size))) items.push(it);
    r.end();
    assert.equal(items, whole, `${size}-byte chunks`);
  }
  return whole;
}

const entriesOf = (items: RdbItem[]) => new Map(items.filter((i): i is RdbEntry => i.kind === 'entry').map((e) => [`${e.db}/${e.key}`, e]));
const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
const idText = (id: StreamId) => `${id.ms}-${id.seq}`;

test.before(async () => {
  if (!hasRedis) return;
  redis = await startRedis(['--enable-debug-command', 'yes']);
  conn = await RawConnection.connect(redis.port);
});

test.after(async () => {
  conn?.close();
  await redis?.stop();
});

maybe('strings: integer, LZF, raw and binary encodings, expiries, several dbs', async () => {
  await cmd('FLUSHALL');
  await cmd('CONFIG', 'SET', 'rdbcompression', 'yes');
  const strings: [string, string][] = [
    ['i8', '-5'], ['i8max', '127'], ['i16', '1234'], ['i32', '70000'], ['i32min', '-2147483648'],
    ['over32', '2147483648'], ['long', '12345678901'], ['zero-led', '007'], ['minus-zero', '-0'], ['plus', '+1'],
    ['empty', ''], ['binary', '\0\r\n\xff\x80$-1'], ['lzf', 'a'.repeat(100) + 'bcd'.repeat(30)],
    ['short-repeat', 'x'.repeat(20)], ['noise', 'q8Zr!0Lk#mW2@vN7$bX1%cY6^dT3&eS9'],
    ['42', 'int-like key'], ['k'.repeat(50), 'long compressible key'],
  ];
  for (const [k, v] of strings) await cmd('SET', Buffer.from(k, 'latin1'), Buffer.from(v, 'latin1'));
  await cmd('SET', 'ttl-ms', 'v', 'PX', 100000000);
  await cmd('SET', 'ttl-s', 'w', 'EX', 200000);
  const ttlMs = await cmd('PEXPIRETIME', 'ttl-ms');
  const ttlS = await cmd('PEXPIRETIME', 'ttl-s');
  await cmd('SELECT', 5);
  await cmd('SET', 'in-db-5', '5');
  await cmd('SELECT', 15);
  await cmd('SET', 'in-db-15', 'fifteen', 'PX', 50000000);
  const ttl15 = await cmd('PEXPIRETIME', 'in-db-15');
  await cmd('SELECT', 0);
  const file = await save();
  assert.not.ok(file.includes('a'.repeat(100)), 'the long value is LZF-compressed in the file');
  assert.ok(file.includes(Buffer.from([0xc0, 0xfb])), 'int8 encoding present');

  const items = readEveryWay(file);
  const byKey = entriesOf(items);
  assert.is(byKey.size, strings.length + 4);
  for (const [k, v] of strings) {
    assert.equal(byKey.get(`0/${k}`), { kind: 'entry', db: 0, key: k, value: v, rdbType: 0, expiresAt: null }, k);
  }
  assert.is(byKey.get('0/ttl-ms')!.expiresAt, ttlMs);
  assert.is(byKey.get('0/ttl-s')!.expiresAt, ttlS);
  assert.equal(byKey.get('5/in-db-5'), { kind: 'entry', db: 5, key: 'in-db-5', value: '5', rdbType: 0, expiresAt: null });
  assert.equal(byKey.get('15/in-db-15'), { kind: 'entry', db: 15, key: 'in-db-15', value: 'fifteen', rdbType: 0, expiresAt: ttl15 });
  const selects = items.filter((i) => i.kind === 'selectdb');
  assert.equal(selects, [{ kind: 'selectdb', db: 0 }, { kind: 'selectdb', db: 5 }, { kind: 'selectdb', db: 15 }]);
  assert.equal(items.find((i) => i.kind === 'resizedb'), { kind: 'resizedb', dbSize: strings.length + 2, expiresSize: 2 });
  const aux = Object.fromEntries(items.filter((i): i is Extract<RdbItem, { kind: 'aux' }> => i.kind === 'aux').map((a) => [a.key, a.value]));
  assert.equal(Object.keys(aux), ['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'aof-base']);
  assert.is(aux['redis-ver'], '7.0.15');
  assert.equal(items[items.length - 1], { kind: 'eof', checksum: file.readBigUInt64LE(file.length - 8) });
});

maybe('lists: one listpack node, many nodes, plain nodes', async () => {
  await cmd('FLUSHALL');
  const small = ['a', '1', '-300', '5000', '100000', '3000000000', '-9223372036854775808', '1.5', '0127', ''];
  await cmd('RPUSH', 'small', ...small);
  await cmd('CONFIG', 'SET', 'list-max-listpack-size', 4);
  const many = Array.from({ length: 103 }, (_, i) => (i % 3 ? `item-${i}` : String(i * 977)));
  await cmd('RPUSH', 'many', ...many);
  await cmd('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 100);
  const plainElems = ['short', 'P'.repeat(150), 'tiny', 'Q\0'.repeat(120)];
  await cmd('RPUSH', 'plain', ...plainElems);
  await cmd('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 1 << 30);
  await cmd('CONFIG', 'SET', 'list-max-listpack-size', -2);
  const byKey = entriesOf(readEveryWay(await save()));
  for (const [key, items] of [['small', small], ['many', many], ['plain', plainElems]] as const) {
    assert.equal(byKey.get(`0/${key}`), { kind: 'entry', db: 0, key, value: { type: 'list', items }, rdbType: 18, expiresAt: null }, key);
  }
});

maybe('sets: intset (16 and 64-bit), hashtable, a big intset converted', async () => {
  await cmd('FLUSHALL');
  await cmd('SADD', 'ints', 3, 1, 2, -7);
  await cmd('SADD', 'wide', 1, 5000000000, '-9223372036854775808');
  await cmd('SADD', 'strs', 'a', 'b', 'c', '1');
  await cmd('CONFIG', 'SET', 'set-max-intset-entries', 2);
  await cmd('SADD', 'bigints', 10, 20, 30, 40);
  await cmd('CONFIG', 'SET', 'set-max-intset-entries', 512);
  const byKey = entriesOf(readEveryWay(await save()));
  const set = (key: string) => byKey.get(`0/${key}`)!;
  assert.equal(set('ints').value, { type: 'set', members: ['-7', '1', '2', '3'] });
  assert.is(set('ints').rdbType, 11);
  assert.equal(set('wide').value, { type: 'set', members: ['-9223372036854775808', '1', '5000000000'] });
  assert.is(set('strs').rdbType, 2);
  assert.equal(sorted((set('strs').value as any).members), ['1', 'a', 'b', 'c']);
  assert.is(set('bigints').rdbType, 2);
  assert.equal(sorted((set('bigints').value as any).members), ['10', '20', '30', '40']);
});

maybe('sorted sets: listpack and skiplist, with inf, fractions and big scores', async () => {
  await cmd('FLUSHALL');
  const entries: [string, number][] = [['a', 1.5], ['b', -2], ['c', Infinity], ['d', -Infinity], ['e', 1e100], ['f', 0.1], ['g', 3], ['h', 123456789012]];
  const args = entries.flatMap(([m, s]) => [s === Infinity ? '+inf' : s === -Infinity ? '-inf' : String(s), m]);
  await cmd('ZADD', 'small', ...args);
  await cmd('CONFIG', 'SET', 'zset-max-listpack-entries', 0);
  await cmd('ZADD', 'big', ...args);
  await cmd('CONFIG', 'SET', 'zset-max-listpack-entries', 128);
  const byKey = entriesOf(readEveryWay(await save()));
  const ascending = [...entries].sort((x, y) => x[1] - y[1]);
  assert.is(byKey.get('0/small')!.rdbType, 17);
  assert.equal(byKey.get('0/small')!.value, { type: 'zset', entries: ascending });
  assert.is(byKey.get('0/big')!.rdbType, 5);
  assert.equal(byKey.get('0/big')!.value, { type: 'zset', entries: [...ascending].reverse() }, 'skiplist: highest score first');
});

maybe('hashes: listpack and hashtable', async () => {
  await cmd('FLUSHALL');
  const fields: [string, string][] = [['f', 'v'], ['n', '42'], ['neg', '-1'], ['bin', '\0\xff'], ['long', 'L'.repeat(60)]];
  await cmd('HSET', 'small', ...fields.flat().map((s) => Buffer.from(s, 'latin1')));
  await cmd('CONFIG', 'SET', 'hash-max-listpack-entries', 0);
  await cmd('HSET', 'big', ...fields.flat().map((s) => Buffer.from(s, 'latin1')));
  await cmd('CONFIG', 'SET', 'hash-max-listpack-entries', 128);
  const byKey = entriesOf(readEveryWay(await save()));
  assert.is(byKey.get('0/small')!.rdbType, 16);
  assert.equal(byKey.get('0/small')!.value, { type: 'hash', fields });
  assert.is(byKey.get('0/big')!.rdbType, 4);
  assert.equal(sorted((byKey.get('0/big')!.value as any).fields), sorted(fields));
});

maybe('a stream with several nodes, deleted entries, consumer groups, PEL and consumers', async () => {
  await cmd('FLUSHALL');
  await cmd('CONFIG', 'SET', 'stream-node-max-entries', 3);
  for (let i = 1; i <= 8; i++) await cmd('XADD', 'st', `${1000 + i}-${i}`, 'name', `user${i}`, 'age', 20 + i);
  await cmd('XADD', 'st', '2000-0', 'other', 'fields', 'here', '1');
  await cmd('XADD', 'st', '2000-5', 'name', 'last', 'age', 99);
  await cmd('XDEL', 'st', '1002-2', '1005-5');
  await cmd('XGROUP', 'CREATE', 'st', 'g1', '0');
  await cmd('XREADGROUP', 'GROUP', 'g1', 'c1', 'COUNT', 3, 'STREAMS', 'st', '>');
  await cmd('XREADGROUP', 'GROUP', 'g1', 'c2', 'COUNT', 2, 'STREAMS', 'st', '>');
  await cmd('XACK', 'st', 'g1', '1003-3');
  await cmd('XCLAIM', 'st', 'g1', 'c2', 0, '1001-1');
  await cmd('XGROUP', 'CREATE', 'st', 'g2', '$');
  await cmd('XGROUP', 'CREATECONSUMER', 'st', 'g2', 'idle-consumer');
  await cmd('XGROUP', 'CREATE', 'st', 'g3', '1004-4', 'ENTRIESREAD', 3);
  await cmd('CONFIG', 'SET', 'stream-node-max-entries', 100);
  const file = await save();
  const st = entriesOf(readEveryWay(file)).get('0/st')!;
  assert.is(st.rdbType, 19);
  const s = st.value as RdbStream;

  // Compare with what Redis itself reports.
  const obj = (flat: any[]) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));
  const info = obj(await cmd('XINFO', 'STREAM', 'st', 'FULL', 'COUNT', 0));
  assert.is(s.length, info.length);
  assert.is(idText(s.lastId), info['last-generated-id']);
  assert.is(idText(s.maxDeletedId), info['max-deleted-entry-id']);
  assert.is(s.entriesAdded, info['entries-added']);
  assert.is(idText(s.firstId), info['recorded-first-entry-id']);
  assert.equal(streamEntries(s).map((e) => [idText(e.id), e.fields.flat()]), info.entries);
  assert.is(s.groups.length, 3);
  for (const [g, raw] of s.groups.map((g, i) => [g, obj(info.groups[i])] as const)) {
    assert.is(g.name, raw.name);
    assert.is(idText(g.lastId), raw['last-delivered-id']);
    assert.is(g.entriesRead, raw['entries-read'] ?? -1);
    assert.equal(g.pending.map((p) => [idText(p.id), p.consumer, p.deliveryTime, p.deliveryCount]), raw.pending);
    const consumers = raw.consumers.map(obj);
    assert.equal(g.consumers.map((c) => c.name), consumers.map((c: any) => c.name));
    g.consumers.forEach((c, i) => {
      assert.is(c.seenTime, consumers[i]['seen-time']);
      assert.is(c.activeTime, c.seenTime);
      assert.equal(c.pending.map(idText), consumers[i].pending.map((p: any[]) => p[0]));
    });
  }
  assert.is(s.groups[0].pending.length, 4, 'c1 and c2 hold four entries after one ACK');
  assert.equal(s.groups[1].consumers.map((c) => c.name), ['idle-consumer']);
});

maybe('a function library (FUNCTION2)', async () => {
  await cmd('FLUSHALL');
  await cmd('FUNCTION', 'FLUSH');
  const code = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)";
  await cmd('FUNCTION', 'LOAD', code);
  await cmd('SET', 'k', 'v');
  const items = readEveryWay(await save());
  assert.equal(items.filter((i) => i.kind === 'function'), [{ kind: 'function', code }]);
  assert.ok(items.findIndex((i) => i.kind === 'function') < items.findIndex((i) => i.kind === 'selectdb'), 'functions come before the data');
  await cmd('FUNCTION', 'FLUSH');
});

maybe('a bigger file in 64 KB chunks: the same items, parsed in batches', async () => {
  await cmd('FLUSHALL');
  await cmd('DEBUG', 'POPULATE', 20000, 'key', 40);
  const elements = Array.from({ length: 60000 }, (_, i) => `element-${i}-${'x'.repeat(i % 50)}`);
  for (let i = 0; i < elements.length; i += 2000) await cmd('RPUSH', 'biglist', ...elements.slice(i, i + 2000));
  await cmd('CONFIG', 'SET', 'hash-max-listpack-entries', 0);
  const fields = Array.from({ length: 20000 }, (_, i) => [`f${i}`, `v${i}`]).flat();
  for (let i = 0; i < fields.length; i += 4000) await cmd('HSET', 'bighash', ...fields.slice(i, i + 4000));
  await cmd('CONFIG', 'SET', 'hash-max-listpack-entries', 128);
  const file = await save();
  assert.ok(file.length > 1_000_000, `file is ${file.length} bytes`);
  const r = new RdbReader();
  const items: RdbItem[] = [];
  let chunks = 0;
  for (let at = 0; at < file.length; at += 65536, chunks++) for (const it of r.feed(file.subarray(at, at + 65536))) items.push(it);
  r.end();
  assert.equal(items, parseRdb(file).items);
  const byKey = entriesOf(items);
  assert.is(byKey.size, 20002);
  assert.equal((byKey.get('0/biglist')!.value as any).items, elements);
  assert.is((byKey.get('0/bighash')!.value as any).fields.length, 20000);
  assert.is(byKey.get('0/key:123')!.value, 'value:123'.padEnd(40, '\0'));
  assert.ok(r.stats.waits <= chunks + 1, `${r.stats.waits} waits for ${chunks} chunks`);
});

test.run();
