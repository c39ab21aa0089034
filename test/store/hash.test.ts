import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_HASH_LIMITS, HashValue, type HashLimits } from '../../lib/store/hash';
import { chiSquare } from '../helpers/random';

const test = suite('store/hash');
const LIMITS = DEFAULT_HASH_LIMITS;

const hashOf = (...pairs: [string, string][]) => HashValue.of(pairs, LIMITS);

test('set, get, has, delete and size; set tells a new field from a replaced one', () => {
  const h = new HashValue();
  assert.ok(h.set('a', '1', LIMITS));
  assert.ok(h.set('b', '', LIMITS));
  assert.not.ok(h.set('a', '2', LIMITS));
  assert.is(h.get('a'), '2');
  assert.is(h.get('b'), '');
  assert.is(h.get('c'), undefined);
  assert.ok(h.has('b'));
  assert.is(h.size, 2);
  assert.ok(h.delete('a'));
  assert.not.ok(h.delete('a'));
  assert.is(h.size, 1);
  assert.is(h.type, 'hash');
});

test('binary-safe fields and values', () => {
  const h = hashOf(['\0\r\n\xff', 'a\0b'], ['', '\x80']);
  assert.is(h.get('\0\r\n\xff'), 'a\0b');
  assert.is(h.get(''), '\x80');
  assert.not.ok(h.has('\0'));
});

test('encoding: a listpack within both limits, a hash table for good once past either', () => {
  const small: HashLimits = { maxEntries: 3, maxValue: 5 };
  const h = new HashValue();
  assert.is(h.encoding(), 'listpack');
  h.set('a', '12345', small);
  h.set('b', '1', small);
  h.set('c', '1', small);
  assert.is(h.encoding(), 'listpack', 'exactly at both limits');
  h.set('d', '1', small);
  assert.is(h.encoding(), 'hashtable', 'one field too many');
  h.delete('d');
  h.delete('c');
  assert.is(h.encoding(), 'hashtable', 'never converted back');

  const longValue = new HashValue();
  longValue.set('f', '123456', small);
  assert.is(longValue.encoding(), 'hashtable');
  const longField = new HashValue();
  longField.set('123456', 'v', small);
  assert.is(longField.encoding(), 'hashtable');
  const replaced = hashOf(['f', 'v']);
  assert.not.ok(replaced.set('f', 'x'.repeat(6), small), 'a replacement');
  assert.is(replaced.encoding(), 'hashtable', 'a long value converts even when it only replaces one');

  const none = new HashValue();
  none.set('a', 'b', { maxEntries: 0, maxValue: 64 });
  assert.is(none.encoding(), 'hashtable', 'hash-max-listpack-entries 0: a hash table from the first field');
  assert.ok(hashOf(['a', 'b']).isListpack);
});

test('a listpack iterates in insertion order, closing up on deletion; a replaced value keeps its place', () => {
  const h = hashOf(['c', '1'], ['a', '2'], ['b', '3'], ['d', '4']);
  h.delete('a');
  h.set('e', '5', LIMITS);
  h.set('b', '33', LIMITS);
  assert.equal(h.fields(), ['c', 'b', 'd', 'e']);
  assert.equal(h.values(), ['1', '33', '4', '5']);
  assert.equal(h.entries(), [['c', '1'], ['b', '33'], ['d', '4'], ['e', '5']]);
});

test('a hash table iterates in slot order: a new field fills the latest hole', () => {
  const lim: HashLimits = { maxEntries: 1, maxValue: 64 };
  const h = HashValue.of([['c', '1'], ['a', '2'], ['b', '3'], ['d', '4']], lim);
  assert.is(h.encoding(), 'hashtable');
  h.delete('a');
  h.set('e', '5', lim);
  assert.equal(h.fields(), ['c', 'e', 'b', 'd']);
  assert.equal(h.values(), ['1', '5', '3', '4']);
});

test('random(): a field with its own value, uniform (chi-square, 9 degrees of freedom)', () => {
  const h = HashValue.of(Array.from({ length: 10 }, (_, i) => [`f${i}`, `v${i}`] as [string, string]), LIMITS);
  const counts = new Map<string, number>();
  for (let i = 0; i < 10000; i++) {
    const [f, v] = h.random();
    assert.is(v, h.get(f));
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  assert.ok(chiSquare(counts, 10000, 10) < 40); // p < 0.00001 to fail by chance, as Redis's test
});

test('randomDistinct(): distinct pairs, uniform over both strategies', () => {
  const h = HashValue.of(Array.from({ length: 10 }, (_, i) => [`f${i}`, `v${i}`] as [string, string]), LIMITS);
  for (const count of [8, 2]) {
    const counts = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < 2000; i++) {
      const picked = h.randomDistinct(count);
      assert.is(picked.length, count);
      assert.is(new Set(picked.map(([f]) => f)).size, count);
      for (const [f, v] of picked) {
        assert.is(v, h.get(f));
        counts.set(f, (counts.get(f) ?? 0) + 1);
      }
      total += count;
    }
    assert.ok(chiSquare(counts, total, 10) < 40, `count ${count}`);
  }
});

test('random picks stay cheap on a big hash', () => {
  const h = new HashValue();
  for (let i = 0; i < 200_000; i++) h.set(`field:${i}`, String(i), LIMITS);
  for (let i = 0; i < 199_000; i++) h.delete(`field:${i}`);
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) seen.add(h.random()[0]);
  assert.ok(seen.size > 900, `${seen.size} distinct of 1000`);
  assert.is(h.randomDistinct(500).length, 500);
});

test('scan: every field present for the whole scan comes with its value, whatever changes meanwhile', () => {
  const lim: HashLimits = { maxEntries: 0, maxValue: 64 };
  const h = new HashValue();
  const stable = Array.from({ length: 100 }, (_, i) => `keep${i}`);
  const churn = Array.from({ length: 500 }, (_, i) => `tmp${i}`);
  for (const f of [...stable, ...churn]) h.set(f, `v:${f}`, lim);
  const found = new Map<string, string>();
  let cursor = 0, calls = 0;
  do {
    cursor = h.scan(cursor, 10, (f, v) => found.set(f, v));
    calls++;
    if (calls === 2) for (const f of churn) h.delete(f);
    h.set(`new${calls}`, 'n', lim);
  } while (cursor !== 0 && calls < 10000);
  assert.is(cursor, 0, 'the scan ends');
  for (const f of stable) assert.is(found.get(f), `v:${f}`, f);
});

test('clone(): same pairs, order and encoding, independent of the original', () => {
  const h = hashOf(['b', '1'], ['a', '2'], ['c', '3']);
  h.delete('a');
  h.set('d', '4', LIMITS);
  const c = h.clone();
  assert.is(c.encoding(), 'listpack');
  assert.equal(c.entries(), h.entries());
  c.set('z', '9', LIMITS);
  c.set('b', 'changed', LIMITS);
  assert.not.ok(h.has('z'));
  assert.is(h.get('b'), '1');

  const big = HashValue.of([['a', '1'], ['b', '2']], { maxEntries: 1, maxValue: 64 });
  const bc = big.clone();
  assert.is(bc.encoding(), 'hashtable', 'a converted hash stays converted in its copy');
  bc.set('c', '3', LIMITS);
  assert.is(bc.encoding(), 'hashtable');
});

test('memoryUsage(): grows with the fields and their sizes', () => {
  const small = hashOf(['a', '1']);
  const more = HashValue.of(Array.from({ length: 100 }, (_, i) => [`f${i}`, 'x'.repeat(50)] as [string, string]), LIMITS);
  assert.ok(small.memoryUsage(5) > 0);
  assert.ok(more.memoryUsage(5) > small.memoryUsage(5) * 20);
  assert.ok(new HashValue().memoryUsage(5) > 0);
});

test.run();
