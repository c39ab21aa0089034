import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BigMap, BigSet } from '../../lib/store/big-map';

const test = suite('store/big-map');

test('past the per-Map limit entries spill over, and every operation still sees them all', () => {
  const m = new BigMap<string, number>(4); // a tiny limit stands in for V8's 2^24
  for (let i = 0; i < 11; i++) m.set(`k${i}`, i);
  assert.is(m.size, 11);
  for (let i = 0; i < 11; i++) assert.is(m.get(`k${i}`), i);
  m.set('k9', 90); // an update stays where the key lives
  assert.is(m.get('k9'), 90);
  assert.is(m.size, 11);
  assert.ok(m.delete('k1') && m.delete('k8'));
  assert.not.ok(m.delete('k1'));
  m.set('new', 1); // room in the first map again: no duplicate of a spilled key is created
  m.set('k10', 100);
  assert.is(m.size, 10);
  assert.is(m.get('k10'), 100);
  assert.equal([...m.keys()].sort(), ['k0', 'k10', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k9', 'new']);
  const c = m.clone();
  c.delete('k5');
  assert.ok(m.has('k5') && !c.has('k5'));
  m.clear();
  assert.is(m.size, 0);
  assert.is(m.get('k9'), undefined);
});

test('BigSet on the same terms', () => {
  const s = new BigSet<number>(3);
  for (let i = 0; i < 10; i++) s.add(i).add(i);
  assert.is(s.size, 10);
  assert.ok(s.has(9) && !s.has(10));
  assert.ok(s.delete(9));
  assert.equal([...s].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test.run();
