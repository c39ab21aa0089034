import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SlotTable } from '../../lib/store/slot-table';
import { mulberry32 } from '../helpers/random';

const test = suite('store/slot-table');

const sorted = (a: Iterable<string>) => [...a].sort();

test('keys only: no values are kept, get() is undefined', () => {
  const t = new SlotTable();
  assert.ok(t.set('a'));
  assert.not.ok(t.set('a'));
  assert.ok(t.has('a'));
  assert.is(t.get('a'), undefined);
  assert.is(t.size, 1);
  assert.ok(t.delete('a'));
  assert.not.ok(t.delete('a'));
  assert.is(t.size, 0);
});

test('with values: set replaces in place, delete moves the last pair into the hole', () => {
  const t = new SlotTable<string>(true);
  t.set('a', '1');
  t.set('b', '2');
  t.set('c', '3');
  assert.not.ok(t.set('a', 'one'), 'a replacement is not an addition');
  assert.is(t.get('a'), 'one');
  t.delete('a');
  assert.is(t.get('c'), '3');
  assert.is(t.get('b'), '2');
  for (let i = 0; i < t.size; i++) assert.is(t.get(t.keyAt(i)), t.valueAt(i));
});

test('two orders: insertion order closes up on deletion; slot order lets a new key fill the latest hole', () => {
  const t = new SlotTable<string>(true);
  for (const k of ['c', 'a', 'b', 'd']) t.set(k, k.toUpperCase());
  t.delete('a');
  t.set('e', 'E');
  t.set('b', 'B2'); // a replaced value keeps its place in both orders
  assert.equal([...t.keysInInsertionOrder()], ['c', 'b', 'd', 'e']);
  assert.equal(t.keysInSlotOrder(), ['c', 'e', 'b', 'd']);
});

test('random walk against a model: both orders, values, positions and scan stay consistent', () => {
  const rand = mulberry32(11);
  const t = new SlotTable<number>(true);
  const model = new Map<string, number>();
  for (let step = 0; step < 20000; step++) {
    const k = `k${Math.floor(rand() * 300)}`;
    if (rand() < 0.55) {
      assert.is(t.set(k, step), !model.has(k));
      model.set(k, step);
    } else {
      assert.is(t.delete(k), model.delete(k));
    }
    if (step % 991 === 0) {
      assert.is(t.size, model.size);
      assert.equal([...t.keysInInsertionOrder()], [...model.keys()], 'insertion order is a Map order');
      assert.equal(sorted(t.keysInSlotOrder()), sorted(model.keys()));
      for (const [k, v] of model) assert.is(t.get(k), v);
      if (t.size) {
        const i = t.randomPosition();
        assert.is(model.get(t.keyAt(i)), t.valueAt(i));
      }
      const scanned = new Map<string, number>();
      let cursor = 0;
      do cursor = t.scan(cursor, 7, (key, value) => scanned.set(key, value));
      while (cursor !== 0);
      assert.equal(new Map([...scanned].sort()), new Map([...model].sort()));
    }
  }
});

test('randomDistinctPositions(): distinct positions, both strategies', () => {
  const t = new SlotTable();
  for (let i = 0; i < 30; i++) t.set(`m${i}`);
  for (const count of [29, 20, 10, 3, 1]) {
    const picked = t.randomDistinctPositions(count);
    assert.is(picked.length, count);
    assert.is(new Set(picked).size, count);
    for (const p of picked) assert.ok(p >= 0 && p < 30);
  }
});

test('clone(): an exact, independent copy (values, holes and both orders)', () => {
  const t = new SlotTable<string>(true);
  for (const k of ['a', 'b', 'c', 'd']) t.set(k, k);
  t.delete('b');
  const c = t.clone();
  assert.equal([...c.keysInInsertionOrder()], ['a', 'c', 'd']);
  assert.equal(c.keysInSlotOrder(), t.keysInSlotOrder());
  c.set('x', 'X'); // takes b's hole in the copy only
  assert.equal(c.keysInSlotOrder(), ['a', 'x', 'c', 'd']);
  assert.equal(t.keysInSlotOrder(), ['a', 'c', 'd']);
  c.set('a', 'changed');
  assert.is(t.get('a'), 'a');
});

test.run();
