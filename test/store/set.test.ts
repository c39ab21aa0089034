import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_MAX_INTSET_ENTRIES, intsetBlob, isIntsetMember, SetValue } from '../../lib/store/set';
import { decodeIntset } from '../../lib/rdb/encodings';
import { chiSquare, mulberry32 } from '../helpers/random';

const test = suite('store/set');
const MAX = DEFAULT_MAX_INTSET_ENTRIES;

const setOf = (...members: string[]) => SetValue.of(members, MAX);
const sorted = (a: Iterable<string>) => [...a].sort();

test('add, has, delete and size', () => {
  const s = new SetValue();
  assert.is(s.type, 'set');
  assert.ok(s.add('a', MAX));
  assert.not.ok(s.add('a', MAX));
  assert.ok(s.add('', MAX));
  assert.ok(s.add('\0\xff\r\n', MAX));
  assert.is(s.size, 3);
  assert.ok(s.has('\0\xff\r\n'));
  assert.not.ok(s.has('b'));
  assert.ok(s.delete('a'));
  assert.not.ok(s.delete('a'));
  assert.is(s.size, 2);
  assert.equal(sorted(s.members()), sorted(['', '\0\xff\r\n']));
});

test('which strings an intset can hold: canonical int64 decimals only', () => {
  for (const ok of ['0', '1', '-1', '9223372036854775807', '-9223372036854775808', '123456789012']) {
    assert.ok(isIntsetMember(ok), ok);
  }
  for (const no of ['', '-0', '01', '+1', ' 1', '1 ', '1.0', '0x1', '9223372036854775808', '-9223372036854775809', 'a', '1e3']) {
    assert.not.ok(isIntsetMember(no), JSON.stringify(no));
  }
});

test('encoding: intset while every member is an integer and within the limit; a hash table for good after', () => {
  const s = setOf('1', '2', '3');
  assert.is(s.encoding(), 'intset');
  s.add('a', MAX);
  assert.is(s.encoding(), 'hashtable');
  s.delete('a');
  assert.is(s.encoding(), 'hashtable', 'Redis never converts back');

  const big = new SetValue();
  for (let i = 0; i < 4; i++) big.add(String(i), 4);
  assert.is(big.encoding(), 'intset');
  big.add('4', 4);
  assert.is(big.encoding(), 'hashtable', 'one past set-max-intset-entries');

  const zero = new SetValue();
  zero.add('1', 0);
  assert.is(zero.encoding(), 'hashtable', 'a limit of 0 allows no intset at all');
  assert.is(new SetValue().encoding(), 'intset', 'a new set starts as an intset (createIntsetObject)');
  assert.is(setOf('-0').encoding(), 'hashtable');
  assert.is(setOf('99999999999999999999').encoding(), 'hashtable');
});

test('an intset iterates in numeric order, int64 extremes included', () => {
  const members = ['10', '-5', '2', '-9223372036854775808', '9223372036854775807', '0', '-10', '100', '-1', '1'];
  const s = setOf(...members);
  assert.equal(s.members(), ['-9223372036854775808', '-10', '-5', '-1', '0', '1', '2', '10', '100', '9223372036854775807']);
  assert.equal([...s], s.members());
  s.delete('0');
  s.add('3', MAX);
  assert.equal(s.members(), ['-9223372036854775808', '-10', '-5', '-1', '1', '2', '3', '10', '100', '9223372036854775807']);
  const copy = s.members();
  copy.pop();
  assert.is(s.members().length, 10, 'callers get their own array');
});

test('a hash table iterates in slot order: insertion order, a new member filling the latest hole', () => {
  const s = setOf('c', 'a', 'b', 'd');
  assert.equal(s.members(), ['c', 'a', 'b', 'd']);
  s.delete('a');
  assert.equal(s.members(), ['c', 'b', 'd']);
  s.add('e', MAX);
  assert.equal(s.members(), ['c', 'e', 'b', 'd']);
  s.add('f', MAX);
  assert.equal(s.members(), ['c', 'e', 'b', 'd', 'f']);
});

test('random walk against a model: members, size, random() and scan stay consistent', () => {
  const rand = mulberry32(7);
  const s = new SetValue();
  const model = new Set<string>();
  for (let step = 0; step < 20000; step++) {
    const m = rand() < 0.5 ? String(Math.floor(rand() * 300)) : `m${Math.floor(rand() * 300)}`;
    if (rand() < 0.55) assert.is(s.add(m, MAX), !model.has(m)), model.add(m);
    else assert.is(s.delete(m), model.delete(m));
    if (step % 997 === 0) {
      assert.is(s.size, model.size);
      assert.equal(sorted(s.members()), sorted(model));
      if (s.size) assert.ok(model.has(s.random()));
      const scanned: string[] = [];
      let cursor = 0;
      do cursor = s.scan(cursor, 7, (x) => scanned.push(x));
      while (cursor !== 0);
      assert.equal(sorted(scanned), sorted(model));
    }
  }
});

test('scan: every member present for the whole scan is returned, whatever is added and removed meanwhile', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const rand = mulberry32(seed);
    const s = new SetValue();
    s.add('x', MAX); // a hash table
    const stable: string[] = [];
    for (let i = 0; i < 100; i++) stable.push(`keep${i}`);
    const churn: string[] = [];
    for (let i = 0; i < 100 + Math.floor(rand() * 1000); i++) churn.push(`tmp${i}`);
    for (const m of [...stable, ...churn].sort(() => rand() - 0.5)) s.add(m, MAX);

    const found = new Set<string>();
    let cursor = 0, calls = 0;
    do {
      cursor = s.scan(cursor, 10, (m) => found.add(m));
      calls++;
      // Between calls: remove most of the churn, add new members, and bring some back.
      for (let k = 0; k < 20; k++) {
        const m = churn[Math.floor(rand() * churn.length)];
        if (rand() < 0.7) s.delete(m);
        else s.add(m, MAX);
      }
      if (calls === 3) for (const m of churn) s.delete(m);
      s.add(`new${calls}`, MAX);
    } while (cursor !== 0 && calls < 10000);
    assert.ok(cursor === 0, 'the scan ends');
    for (const m of stable) assert.ok(found.has(m), `seed ${seed}: ${m} missing`);
  }
});

test('scan: a sparse slot table costs at most count * 1000 slots per call', () => {
  const s = new SetValue();
  for (let i = 0; i < 100_000; i++) s.add(`m${i}`, MAX);
  for (let i = 0; i < 100_000; i++) if (i % 10_000 !== 5000) s.delete(`m${i}`);
  assert.is(s.size, 10);
  let cursor = 0, calls = 0;
  const found: string[] = [];
  do {
    const before = cursor;
    cursor = s.scan(cursor, 2, (m) => found.push(m));
    assert.ok(cursor === 0 || cursor - before <= 2000);
    calls++;
  } while (cursor !== 0);
  assert.equal(sorted(found), sorted(Array.from({ length: 10 }, (_, i) => `m${i * 10_000 + 5000}`)));
  assert.ok(calls >= 45, `${calls} calls`);

  for (let i = 0; i < 100_000; i++) s.delete(`m${i}`);
  assert.is(s.scan(0, 10, () => assert.unreachable()), 0, 'an emptied table is trimmed');
});

test('random(): uniform over the members (chi-square, 9 degrees of freedom)', () => {
  for (const s of [setOf('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), setOf('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j')]) {
    const counts = new Map<string, number>();
    for (let i = 0; i < 10000; i++) {
      const m = s.random();
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    assert.ok(chiSquare(counts, 10000, 10) < 40); // p < 0.00001 to fail by chance, as Redis's test
  }
});

test('randomDistinct(): distinct members, uniform over both strategies', () => {
  const s = setOf(...Array.from({ length: 10 }, (_, i) => `e${i}`));
  for (const count of [8, 2]) {
    // 8 * 3 > 10: a partial shuffle; 2 * 3 <= 10: repeated draws
    const counts = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < 2000; i++) {
      const picked = s.randomDistinct(count);
      assert.is(picked.length, count);
      assert.is(new Set(picked).size, count);
      for (const m of picked) counts.set(m, (counts.get(m) ?? 0) + 1);
      total += count;
    }
    assert.ok(chiSquare(counts, total, 10) < 40, `count ${count}`);
  }
});

test('clone(): same members, order and encoding, independent of the original', () => {
  const h = setOf('b', 'a', 'c');
  h.delete('a');
  const hc = h.clone();
  assert.is(hc.encoding(), 'hashtable');
  assert.equal(hc.members(), h.members());
  hc.add('z', MAX);
  assert.not.ok(h.has('z'));

  const i = setOf('3', '1', '2');
  i.add('x', MAX);
  i.delete('x');
  assert.is(i.clone().encoding(), 'hashtable', 'a converted set stays converted in its copy');
  const ic = setOf('3', '1').clone();
  assert.is(ic.encoding(), 'intset');
  ic.add('2', MAX);
  assert.equal(ic.members(), ['1', '2', '3']);
});

test('intsetBlob(): the smallest width holding every member, ascending, as decodeIntset reads it', () => {
  const cases: [string[], number][] = [
    [['1', '-2', '32767', '-32768'], 2],
    [['1', '32768'], 4],
    [['-32769', '5'], 4],
    [['2147483647', '-2147483648'], 4],
    [['2147483648', '1'], 8],
    [['-9223372036854775808', '9223372036854775807', '0'], 8],
  ];
  for (const [members, width] of cases) {
    const s = setOf(...members);
    const blob = intsetBlob(s);
    assert.is(blob.readUInt32LE(0), width, members.join(','));
    assert.is(blob.readUInt32LE(4), members.length);
    assert.is(blob.length, 8 + members.length * width);
    assert.equal(decodeIntset(blob), s.members());
  }
});

test.run();
