import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ENTRIES_READ_INVALID, formatId, ID_MAX, IdMap, makeId, rawId, StreamValue, type NodeLimits,
} from '../../lib/store/stream';
import { encodeListpack } from '../../lib/rdb/listpack';

const test = suite('store/stream');

const DEFAULTS: NodeLimits = { maxBytes: 4096, maxEntries: 100 };
const id = (ms: number, seq = 0) => makeId(BigInt(ms), BigInt(seq));
const ids = (s: StreamValue, start = 0n, end = ID_MAX, rev = false) => [...s.range(start, end, rev)].map((e) => formatId(e.id));

/** A stream of entries ms-0 for each ms given, one field each. */
function streamOf(mss: number[], limits = DEFAULTS): StreamValue {
  const s = new StreamValue();
  for (const ms of mss) s.append(id(ms), ['f'], [String(ms)], limits);
  return s;
}

/** A small deterministic generator, so failures repeat. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

test('IDs: 128-bit numbers printed as ms-seq and raw as 16 big-endian bytes', () => {
  assert.is(formatId(id(5, 7)), '5-7');
  assert.is(formatId(ID_MAX), '18446744073709551615-18446744073709551615');
  assert.ok(id(1, 0) > id(0, 2 ** 53));
  assert.is(rawId(makeId(0x0102030405060708n, 0x090a0b0c0d0e0f10n)), '\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10');
});

test('IdMap: lookups, ceiling and floor, first and last match a sorted array through splits and deletes', () => {
  const m = new IdMap<number>();
  const ref = new Map<bigint, number>();
  const rand = rng(42);
  for (let step = 0; step < 6000; step++) {
    const k = BigInt(Math.floor(rand() * 2000)) * 3n;
    if (rand() < 0.65) assert.is(m.set(k, step), !ref.has(k)), ref.set(k, step);
    else assert.is(m.delete(k), ref.get(k)), ref.delete(k);
  }
  const sorted = [...ref.keys()].sort((a, b) => (a < b ? -1 : 1));
  assert.is(m.size, sorted.length);
  assert.equal(m.keys(), sorted);
  assert.equal(m.first()?.[0], sorted[0]);
  assert.equal(m.last()?.[0], sorted[sorted.length - 1]);
  for (let k = -1n; k < 6003n; k += 7n) {
    const ceil = sorted.find((x) => x >= k);
    const floor = [...sorted].reverse().find((x) => x <= k);
    assert.is(m.ceiling(k)?.[0], ceil, `ceiling ${k}`);
    assert.is(m.floor(k)?.[0], floor, `floor ${k}`);
    assert.is(m.get(k), ref.get(k));
  }
  for (const k of sorted) m.delete(k);
  assert.is(m.size, 0);
  assert.is(m.first(), undefined);
  assert.is(m.ceiling(0n), undefined);
});

test('nodes: the byte count a node keeps is its listpack\'s size, whatever it holds', () => {
  const s = new StreamValue();
  const big = { maxBytes: 0, maxEntries: 0 }; // one node for everything
  const texts = ['', 'a', '0', '-0', '127', '128', '-4096', '-4097', '32767', '32768', '8388608', '2147483648', '9223372036854775807', '9223372036854775808', '007', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(4095), 'x'.repeat(4096), 'x'.repeat(20000)];
  let ms = 10;
  for (let i = 0; i < texts.length; i++) {
    s.append(id(ms, i * 1000), ['f', 'g'], [texts[i], texts[texts.length - 1 - i]], big);
    s.append(id(ms + 1), i % 2 ? ['f', 'g'] : ['other'], i % 2 ? ['1', '2'] : [texts[i]], big);
    ms += i % 3 === 0 ? 3 : 2 ** 40; // ms deltas from small to past 32 bits
  }
  s.append(id(2 ** 52, 0), ['f', 'g'], ['1', '2'], big);
  s.delete(id(11));
  s.trim({ kind: 'maxlen', maxlen: s.length - 3 }, false, 0);
  const [[, node]] = [...s.nodes.entries()];
  assert.is(s.nodes.size, 1);
  assert.is(node.bytes, encodeListpack(node.listpackItems()).length);
  const items = node.listpackItems();
  assert.equal(items.slice(0, 6), [String(node.live), String(node.deletedCount), '2', 'f', 'g', '0']);
});

test('nodes: a new node when the tail has stream-node-max-entries entries (deleted ones count) or would reach max bytes', () => {
  const s = streamOf([1, 2, 3, 4, 5, 6, 7], { maxBytes: 4096, maxEntries: 3 });
  assert.equal(s.nodes.keys().map(formatId), ['1-0', '4-0', '7-0']);
  s.delete(id(7)); // the last live entry of a node takes the node with it
  assert.equal(s.nodes.keys().map(formatId), ['1-0', '4-0']);
  s.delete(id(5));
  s.append(id(8), ['f'], ['8'], { maxBytes: 4096, maxEntries: 3 });
  assert.equal(s.nodes.keys().map(formatId), ['1-0', '4-0', '8-0'], '4-0 holds 4, 5 (deleted) and 6');
  const bytes = new StreamValue();
  const limits = { maxBytes: 60, maxEntries: 0 };
  bytes.append(id(1), ['f'], ['x'.repeat(20)], limits);
  const first = bytes.nodes.first()![1].bytes;
  bytes.append(id(2), ['f'], ['x'.repeat(60 - first - 2)], limits); // lp_bytes + field and value bytes just under
  bytes.append(id(3), ['f'], ['x'], limits);
  assert.equal(bytes.nodes.keys().map(formatId), ['1-0', '3-0']);
});

test('range: forward and reverse, bounds inclusive, tombstones skipped, seeking the node at or before the start', () => {
  const s = streamOf(Array.from({ length: 250 }, (_, i) => i + 1));
  for (const ms of [1, 50, 101, 102, 250]) s.delete(id(ms));
  assert.is(s.length, 245);
  assert.equal(ids(s, id(99), id(103)), ['99-0', '100-0', '103-0']);
  assert.equal(ids(s, id(99), id(103), true), ['103-0', '100-0', '99-0']);
  assert.equal(ids(s, 0n, id(3)), ['2-0', '3-0']);
  assert.equal(ids(s, id(248), ID_MAX, true), ['249-0', '248-0']);
  assert.equal(ids(s, id(5), id(4)), []);
  assert.equal(ids(s, id(300), ID_MAX), []);
  assert.equal(ids(s, 0n, id(0, 5), true), []);
  assert.is(s.get(id(50)), undefined);
  assert.is(s.get(id(51))?.values[0], '51');
  assert.is(s.lastLiveId(), id(249));
  assert.is(s.edgeId(true, true), id(2));
  assert.is(s.edgeId(true, false), id(1), 'a tombstone is still the node\'s first entry');
  assert.is(new StreamValue().edgeId(true, true), ID_MAX);
  assert.is(new StreamValue().edgeId(false, true), 0n);
});

test('trim: whole nodes from the head, then entries of the next unless approximate; LIMIT stops before a node', () => {
  const make = () => streamOf(Array.from({ length: 250 }, (_, i) => i + 1));
  let s = make();
  assert.is(s.trim({ kind: 'maxlen', maxlen: 120 }, true, 0), 100, '~ removes only whole nodes');
  assert.is(s.length, 150);
  assert.is(s.firstId, id(101));
  s = make();
  assert.is(s.trim({ kind: 'maxlen', maxlen: 120 }, false, 0), 130);
  assert.is(s.firstId, id(131));
  assert.is(s.nodes.size, 2, 'the trimmed entries of node 101 stay as tombstones');
  assert.is(s.trim({ kind: 'maxlen', maxlen: 120 }, false, 0), 0);
  s = make();
  assert.is(s.trim({ kind: 'maxlen', maxlen: 0 }, true, 150), 100, 'a limit keeps the second node whole');
  s = make();
  assert.is(s.trim({ kind: 'minid', minid: id(205) }, false, 0), 204);
  assert.equal(ids(s).slice(0, 2), ['205-0', '206-0']);
  s = make();
  assert.is(s.trim({ kind: 'minid', minid: id(205) }, true, 0), 200);
  // a node whose last entry (a tombstone) is past MINID is not removed whole, even with no live entry left
  s = streamOf([1, 2, 3, 4], { maxBytes: 4096, maxEntries: 2 });
  s.delete(id(2));
  assert.is(s.trim({ kind: 'minid', minid: id(2) }, false, 0), 1);
  assert.is(s.nodes.size, 2);
  assert.is(s.nodes.first()![1].live, 0);
  assert.is(s.firstId, id(3));
  s.trim({ kind: 'maxlen', maxlen: 0 }, false, 0);
  assert.is(s.length, 0);
  assert.is(s.firstId, 0n);
});

test('lag and the read counter: known when no tombstone lies ahead, estimated at the edges, else unknown', () => {
  const s = streamOf([1, 2, 3, 4, 5]);
  s.delete(id(3));
  s.maxDeletedId = id(3);
  const g1 = s.createGroup('g1', 0n, ENTRIES_READ_INVALID)!;
  assert.is(s.createGroup('g1', 0n, 0n), null);
  assert.is(s.lag(g1), null, 'a tombstone ahead: the distance from 0-0 is unknown');
  for (const ms of [1, 2, 4]) {
    s.advanceGroup(g1, id(ms));
    assert.is(g1.entriesRead, ENTRIES_READ_INVALID);
  }
  s.advanceGroup(g1, id(5));
  assert.is(g1.entriesRead, 5n, 'the last ID is entries-added');
  assert.is(s.lag(g1), 0n);
  s.append(id(6), ['f'], ['6'], DEFAULTS);
  assert.is(s.lag(g1), 1n);
  const g2 = s.createGroup('g2', 0n, ENTRIES_READ_INVALID)!;
  s.trim({ kind: 'minid', minid: id(3) }, false, 0);
  assert.is(s.lag(g2), 3n, 'the tombstone is now behind the first entry: entries-added minus length');
  s.trim({ kind: 'minid', minid: id(5) }, false, 0);
  assert.is(s.lag(g2), 2n);
  const empty = new StreamValue();
  assert.is(empty.lag(empty.createGroup('g', 0n, ENTRIES_READ_INVALID)!), 0n);
});

test('groups: consumers share pending entries with the group; claims move them; deleting a consumer drops its own', () => {
  const s = streamOf([1, 2, 3]);
  const g = s.createGroup('g', 0n, ENTRIES_READ_INVALID)!;
  const alice = g.createConsumer('alice', 10)!;
  const bob = g.createConsumer('bob', 20)!;
  assert.is(g.createConsumer('alice', 30), null);
  for (const ms of [1, 2, 3]) {
    const nack = { deliveryTime: 100, deliveryCount: 1, consumer: null };
    g.pel.set(id(ms), nack);
    g.assign(id(ms), nack, alice);
  }
  g.assign(id(2), g.pel.get(id(2))!, bob);
  assert.equal(alice.pel.keys(), [id(1), id(3)]);
  assert.equal(bob.pel.keys(), [id(2)]);
  assert.ok(g.acknowledge(id(1)));
  assert.not.ok(g.acknowledge(id(1)));
  assert.is(g.deleteConsumer(alice), 1);
  assert.equal(g.pel.keys(), [id(2)]);
  assert.equal(g.sortedConsumers().map((c) => c.name), ['bob']);
});

test('clone: an independent copy, PEL entries shared between each copied group and consumer', () => {
  const s = streamOf([1, 2, 3, 4, 5], { maxBytes: 4096, maxEntries: 2 });
  s.delete(id(2));
  const g = s.createGroup('g', id(3), 3n)!;
  const c = g.createConsumer('c', 7)!;
  const nack = { deliveryTime: 100, deliveryCount: 2, consumer: null };
  g.pel.set(id(3), nack);
  g.assign(id(3), nack, c);
  const copy = s.clone();
  copy.delete(id(4));
  copy.group('g')!.pel.get(id(3))!.deliveryCount = 9;
  assert.equal(ids(s), ['1-0', '3-0', '4-0', '5-0']);
  assert.equal(ids(copy), ['1-0', '3-0', '5-0']);
  assert.is(g.pel.get(id(3))!.deliveryCount, 2);
  const cg = copy.group('g')!;
  assert.is(cg.consumers.get('c')!.pel.get(id(3)), cg.pel.get(id(3)));
  assert.is(cg.pel.get(id(3))!.consumer, cg.consumers.get('c'));
  assert.equal([copy.length, copy.lastId, copy.entriesAdded, cg.entriesRead], [3, id(5), 5n, 3n]);
  assert.is(copy.nodes.first()![1].bytes, s.nodes.first()![1].bytes);
});

test('radix tree nodes: one for an empty tree, a compressed key and its leaf for one key, forks where keys differ', () => {
  assert.is(new StreamValue().radixTreeNodes(), 1);
  assert.is(streamOf([1]).radixTreeNodes(), 2);
  // two keys: the shared prefix, the fork, then a compressed rest and a leaf on each side (as Redis counts them)
  assert.is(streamOf([1, 2], { maxBytes: 4096, maxEntries: 1 }).radixTreeNodes(), 6);
  assert.is(streamOf([1, 257], { maxBytes: 4096, maxEntries: 1 }).radixTreeNodes(), 6);
  // a fork under a fork: prefix, fork, fork with three compressed rests and leaves, one compressed rest and leaf
  assert.is(streamOf([1, 2, 3, 257], { maxBytes: 4096, maxEntries: 1 }).radixTreeNodes(), 11);
});

test.run();
