import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadRdb } from '../../lib/rdb/load';
import { RdbError } from '../../lib/rdb/errors';
import { encodeListpack } from '../../lib/rdb/listpack';
import { rdbBytes } from '../../lib/rdb/write';
import { Keyspace } from '../../lib/store/keyspace';
import { ENTRIES_READ_INVALID, formatId, makeId, StreamValue, type NodeLimits } from '../../lib/store/stream';
import { FakeClock } from '../helpers/clock';
import { startInProcess } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { hasRedis, startRedis, tempDir } from '../helpers/servers';
import { cat, entry, i64le, len, rawId, rdbFile, str } from './rdb-bytes';

// Streams in RDB files (type 19, STREAM_LISTPACKS_2, as 7.0 writes them) both ways, against real redis-server.
const test = suite('rdb/stream');
const withRedis = hasRedis ? test : test.skip;

const NOW = 1_700_000_000_000;
const DEFAULTS: NodeLimits = { maxBytes: 4096, maxEntries: 100 };
const id = (ms: number, seq = 0) => makeId(BigInt(ms), BigInt(seq));

/** Everything a stream holds, as plain data: entries, counters, groups, PELs and consumers. */
function describe(s: StreamValue): unknown {
  return {
    entries: [...s.range(0n, (1n << 128n) - 1n)].map((e) => [formatId(e.id), [...e.fields], [...e.values]]),
    counters: [s.length, formatId(s.lastId), formatId(s.firstId), formatId(s.maxDeletedId), String(s.entriesAdded)],
    groups: s.sortedGroups().map(([name, g]) => ({
      name, last: formatId(g.lastId), read: String(g.entriesRead),
      pel: [...g.pel.entries()].map(([pid, n]) => [formatId(pid), n.deliveryTime, n.deliveryCount, n.consumer?.name]),
      consumers: g.sortedConsumers().map((c) => [c.name, c.seenTime, c.pel.keys().map(formatId)]),
    })),
  };
}

function sampleStream(): StreamValue {
  const s = new StreamValue();
  for (let i = 1; i <= 250; i++) s.append(id(i, i % 3), i % 7 ? ['f'] : ['f', 'other'], i % 7 ? [String(i)] : [String(i), 'x'.repeat(i)], DEFAULTS);
  for (const ms of [5, 100, 250]) {
    s.delete(id(ms, ms % 3));
    s.maxDeletedId = id(ms, ms % 3);
  }
  s.firstId = s.edgeId(true, true);
  const g = s.createGroup('g1', id(4, 1), 4n)!;
  const alice = g.createConsumer('alice', NOW - 5)!;
  g.createConsumer('idle', NOW - 9);
  for (const ms of [2, 3, 4]) {
    const nack = { deliveryTime: NOW - ms, deliveryCount: ms, consumer: null };
    g.pel.set(id(ms, ms % 3), nack);
    g.assign(id(ms, ms % 3), nack, alice);
  }
  s.createGroup('123', id(9, 9), ENTRIES_READ_INVALID);
  return s;
}

test('write, then read back: the same entries, counters, groups, pending entries and consumers', () => {
  const ks = new Keyspace(new FakeClock(NOW));
  ks.dbs[0].set('s', sampleStream());
  const empty = new StreamValue();
  empty.lastId = id(7, 7);
  empty.entriesAdded = 3n;
  ks.dbs[0].set('empty', empty);
  for (const compression of [true, false]) {
    const back = new Keyspace(new FakeClock(NOW));
    loadRdb(back, rdbBytes(ks, { compression }), { dropExpired: true });
    for (const k of ['s', 'empty']) {
      const got = back.dbs[0].peek(k)!.value as StreamValue;
      assert.equal(describe(got), describe(ks.dbs[0].peek(k)!.value as StreamValue), k);
    }
  }
  // Nodes come back as the file holds them, tombstones included: the same keys, listpacks and sizes.
  const nodes = (ks: Keyspace) => [...(ks.dbs[0].peek('s')!.value as StreamValue).nodes.entries()].map(([k, n]) => {
    assert.is(n.bytes, encodeListpack(n.listpackItems()).length, `size of node ${formatId(k)}`);
    return [formatId(k), n.bytes, n.listpackItems()];
  });
  const back = new Keyspace(new FakeClock(NOW));
  loadRdb(back, rdbBytes(ks), { dropExpired: true });
  assert.ok(nodes(ks).length > 2);
  assert.ok(nodes(ks).some(([, , items]) => (items as string[])[1] !== '0'), 'a node holds tombstones');
  assert.equal(nodes(back), nodes(ks));
});

test('the record is what 7.0 writes: node keys and listpacks, counters, groups with raw-ID PELs and consumers', () => {
  const s = new StreamValue();
  s.append(id(1), ['f'], ['a'], DEFAULTS);
  s.append(id(1, 1), ['f'], ['b'], DEFAULTS);
  s.append(id(3), ['g', 'h'], ['7', ''], DEFAULTS);
  s.delete(id(1, 1));
  s.maxDeletedId = id(1, 1);
  const g = s.createGroup('grp', id(3), ENTRIES_READ_INVALID)!;
  const c = g.createConsumer('c', NOW)!;
  const nack = { deliveryTime: NOW + 1, deliveryCount: 2, consumer: null };
  g.pel.set(id(1), nack);
  g.assign(id(1), nack, c);
  const ks = new Keyspace(new FakeClock(NOW));
  ks.dbs[0].set('s', s);
  const lp = encodeListpack([
    '2', '1', '1', 'f', '0', // live, deleted, master fields, terminator
    '2', '0', '0', 'a', '4', // SAMEFIELDS
    '3', '0', '1', 'b', '4', // SAMEFIELDS and DELETED
    '0', '2', '0', '2', 'g', '7', 'h', '', '8', // fields of its own
  ]);
  const record = cat(
    [19], str('s'), len(1), str(rawId(1, 0)), str(lp),
    len(2), len(3), len(0), len(1), len(0), len(1), len(1), len(3),
    len(1), str('grp'), len(3), len(0), len(2n ** 64n - 1n),
    len(1), rawId(1, 0), i64le(NOW + 1), len(2),
    len(1), str('c'), i64le(NOW), len(1), rawId(1, 0),
  );
  assert.ok(rdbBytes(ks, { compression: false }).includes(record));
});

test('a pending entry no consumer holds is a corrupt file', () => {
  const lp = encodeListpack(['1', '0', '1', 'f', '0', '2', '0', '0', 'v', '4']);
  const body = cat(
    len(1), str(rawId(1, 0)), str(lp), len(1), len(1), len(0), len(1), len(0), len(0), len(0), len(1),
    len(1), str('g'), len(1), len(0), len(1), len(1), rawId(1, 0), i64le(NOW), len(1), len(0),
  );
  const ks = new Keyspace(new FakeClock(NOW));
  assert.throws(() => loadRdb(ks, rdbFile([cat([0xfe], len(0)), entry(19, 's', body)]), { dropExpired: true }), (e: unknown) => e instanceof RdbError && /without consumer/.test(e.message));
  assert.is(ks.keyCount, 0);
});

// ---- against real Redis ----

/** Streams with tombstones, several nodes, groups, consumers with and without pending entries, an empty one. */
const SETUP: string[][] = [
  ...Array.from({ length: 250 }, (_, k) => {
    const i = k + 1;
    return ['XADD', 's', `${i}-${i % 3}`, 'f', String(i), ...(i % 7 === 0 ? ['other', 'x'.repeat(i)] : [])];
  }),
  ['XDEL', 's', '5-2', '100-1', '250-1'],
  ['XGROUP', 'CREATE', 's', 'g1', '0'],
  ['XGROUP', 'CREATE', 's', 'g2', '$', 'ENTRIESREAD', '7'],
  ['XGROUP', 'CREATE', 's', '123', '10-1'],
  ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '5', 'STREAMS', 's', '>'],
  ['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '3', 'STREAMS', 's', '>'],
  ['XREADGROUP', 'GROUP', '123', 'bob', 'NOACK', 'COUNT', '3', 'STREAMS', 's', '>'],
  ['XGROUP', 'CREATECONSUMER', 's', 'g2', 'idle'],
  ['XCLAIM', 's', 'g1', 'carol', '0', '2-2', 'TIME', '1600000000000', 'RETRYCOUNT', '9'],
  ['XADD', 'empty', 'MAXLEN', '0', '7-7', 'a', 'b'],
  ['XSETID', 'empty', '9-9', 'ENTRIESADDED', '50', 'MAXDELETEDID', '8-0'],
  ['XGROUP', 'CREATE', 'mk', 'g', '$', 'MKSTREAM'],
];
const PROBES = ['s', 'empty', 'mk'].flatMap((k) => [['XINFO', 'STREAM', k], ['XINFO', 'STREAM', k, 'FULL', 'COUNT', '0'], ['XINFO', 'GROUPS', k]]);

async function run(port: number, cmds: string[][]): Promise<string[]> {
  const c = await RawConnection.connect(port);
  try {
    const out: string[] = [];
    for (const argv of cmds) {
      c.send(...argv);
      out.push(await c.readRaw(20000));
    }
    return out;
  } finally {
    c.close();
  }
}

function sameReplies(got: string[], want: string[]): void {
  want.forEach((w, i) => assert.is(got[i], w, PROBES[i].join(' ')));
}

withRedis('real redis-server writes streams that toyredis loads: XINFO STREAM, FULL and GROUPS answer the same', async () => {
  const redis = await startRedis();
  let want: string[];
  let dir: string;
  try {
    await run(redis.port, SETUP);
    want = await run(redis.port, PROBES);
    [, dir] = (await run(redis.port, [['SAVE'], ['CONFIG', 'GET', 'dir']]))[1].split('\r\n').filter((l) => l && !/^[*$]/.test(l));
  } finally {
    await redis.stop();
  }
  const mine = tempDir('rdb-stream-');
  copyFileSync(path.join(dir!, 'dump.rdb'), path.join(mine, 'dump.rdb'));
  const toy = await startInProcess({ config: [['dir', mine]] });
  try {
    sameReplies(await run(toy.port, PROBES), want!);
  } finally {
    await toy.close();
  }
});

withRedis('real redis-server loads the streams toyredis writes: XINFO STREAM, FULL and GROUPS answer the same', async () => {
  const dir = tempDir('rdb-stream-');
  const toy = await startInProcess({ config: [['dir', dir]] });
  let want: string[];
  try {
    await run(toy.port, SETUP);
    want = await run(toy.port, PROBES);
    await run(toy.port, [['SAVE']]);
  } finally {
    await toy.close();
  }
  const redis = await startRedis(['--dir', dir]);
  try {
    sameReplies(await run(redis.port, PROBES), want!);
  } finally {
    await redis.stop();
  }
});

withRedis('DUMP payloads cross over: each server RESTOREs the other\'s stream with its groups', async () => {
  const redis = await startRedis();
  const toy = await startInProcess();
  try {
    for (const port of [redis.port, toy.port]) await run(port, SETUP);
    for (const [from, to] of [[redis.port, toy.port], [toy.port, redis.port]]) {
      const c = await RawConnection.connect(from);
      c.send('DUMP', 's');
      const dumped = await c.read();
      c.close();
      assert.is(dumped.kind, 'bulk');
      const payload = (dumped as { value: string | Buffer }).value;
      const d = await RawConnection.connect(to);
      d.send('RESTORE', 'copy', '0', typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload);
      assert.is(await d.readRaw(), '+OK\r\n');
      d.close();
      const [original] = await run(from, [['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0']]);
      const [restored] = await run(to, [['XINFO', 'STREAM', 'copy', 'FULL', 'COUNT', '0']]);
      assert.is(restored, original, from === toy.port ? 'toyredis -> redis' : 'redis -> toyredis');
    }
  } finally {
    await redis.stop();
    await toy.close();
  }
});

/**
 * A stream whose nodes no XADD under the loading server's limits would cut the same way: small nodes, then
 * byte-limited ones, master entries whose first entries are gone, tombstones from XDEL and an exact XTRIM.
 */
const RECUT: string[][] = [
  ['CONFIG', 'SET', 'stream-node-max-entries', '7'],
  ...Array.from({ length: 120 }, (_, k) => {
    const i = k + 1;
    return ['XADD', 'r', `${i}-0`, 'f', String(i), ...(i % 5 === 0 ? ['g', 'x'.repeat(i % 40)] : [])];
  }),
  ['XDEL', 'r', '1-0', '8-0', '15-0', '16-0', '17-0', '30-0', '43-0', '44-0', '99-0', '120-0'],
  ['XTRIM', 'r', 'MINID', '11-0'],
  ['CONFIG', 'SET', 'stream-node-max-entries', '0'],
  ['CONFIG', 'SET', 'stream-node-max-bytes', '300'],
  ...Array.from({ length: 40 }, (_, k) => ['XADD', 'r', `${200 + k}-${k % 3}`, 'f', 'v'.repeat(k), 'h', String(k)]),
  ['XDEL', 'r', '200-0', '210-1', '239-2'],
  ['XGROUP', 'CREATE', 'r', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '10', 'STREAMS', 'r', '>'],
];
/** After loading: the layout, then trims and appends whose effect depends on where the nodes start and end. */
const AFTER_LOAD: string[][] = [
  ['DUMP', 'r'],
  ['XINFO', 'STREAM', 'r'],
  ['XINFO', 'STREAM', 'r', 'FULL', 'COUNT', '0'],
  ['XTRIM', 'r', 'MAXLEN', '~', '120'],
  ['XINFO', 'STREAM', 'r'],
  ['XTRIM', 'r', 'MINID', '~', '70-0'],
  ['XINFO', 'STREAM', 'r'],
  ['XDEL', 'r', '239-1', '238-0'],
  ...Array.from({ length: 12 }, (_, k) => ['XADD', 'r', `${1000 + k}-0`, 'f', 'v'.repeat(k * 9)]),
  ['XINFO', 'STREAM', 'r', 'FULL', 'COUNT', '0'],
  ['XTRIM', 'r', 'MAXLEN', '~', '20'],
  ['XINFO', 'STREAM', 'r', 'FULL', 'COUNT', '0'],
  ['DUMP', 'r'],
];

withRedis('a file real Redis wrote after XDELs: the same nodes after loading, so DUMP, XTRIM ~, XADD and XINFO answer the same', async () => {
  const redis = await startRedis();
  let dir: string;
  try {
    await run(redis.port, RECUT);
    [, dir] = (await run(redis.port, [['SAVE'], ['CONFIG', 'GET', 'dir']]))[1].split('\r\n').filter((l) => l && !/^[*$]/.test(l));
  } finally {
    await redis.stop();
  }
  // Both load the file under the default node limits, which would cut the stream differently.
  const reader = await startRedis(['--dir', dir!]);
  let want: string[];
  try {
    want = await run(reader.port, AFTER_LOAD);
  } finally {
    await reader.stop();
  }
  assert.match(want[3], /^:\d+\r\n$/);
  assert.not.equal(want[3], ':0\r\n', 'XTRIM ~ removes whole nodes');
  const mine = tempDir('rdb-stream-');
  copyFileSync(path.join(dir!, 'dump.rdb'), path.join(mine, 'dump.rdb'));
  const toy = await startInProcess({ config: [['dir', mine]] });
  try {
    const got = await run(toy.port, AFTER_LOAD);
    want.forEach((w, i) => assert.is(got[i], w, AFTER_LOAD[i].join(' ')));
  } finally {
    await toy.close();
  }
});

test.run();
