import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_ZSET_LIMITS, ZsetValue, type LexRange, type ScoreRange } from '../../lib/store/zset';
import { lcg } from '../helpers/random';

const test = suite('store/zset');

const BIG = { maxEntries: 1 << 30, maxValue: 1 << 30 };

/** The order Redis keeps: score, then member bytes (memcmp, then length). */
const order = (a: [string, number], b: [string, number]) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function check(z: ZsetValue, model: Map<string, number>): void {
  const want = [...model].sort(order);
  assert.equal([...z.entries()], want);
  assert.equal([...z.entriesDescending()], [...want].reverse());
  assert.is(z.size, want.length);
  want.forEach(([m], i) => {
    assert.is(z.rank(m), i, `rank of ${m}`);
    assert.is(z.rank(m, true), want.length - 1 - i);
    assert.is(z.at(i)!.member, m);
  });
}

test('random adds, updates and deletes keep order, ranks and lookups as a sorted model has them', () => {
  const rand = lcg(7);
  const z = new ZsetValue();
  const model = new Map<string, number>();
  for (let step = 0; step < 3000; step++) {
    const m = `m${Math.floor(rand() * 400)}`;
    const score = Math.floor(rand() * 50) - 25; // many ties, so members order them
    if (rand() < 0.7) {
      const r = z.add(m, score, {}, BIG);
      assert.is(r.kind, model.has(m) ? (model.get(m) === score ? 'unchanged' : 'updated') : 'added');
      model.set(m, score);
    } else {
      assert.is(z.delete(m), model.delete(m));
    }
    if (step % 500 === 0) check(z, model);
  }
  check(z, model);
  assert.is(z.score('nope'), undefined);
  assert.is(z.rank('nope'), -1);
  assert.is(z.at(z.size), null);
});

test('add options: NX, XX, GT, LT, INCR and NaN', () => {
  const z = new ZsetValue();
  assert.equal(z.add('a', 1, { xx: true }, BIG), { kind: 'nop', score: 1 });
  assert.equal(z.add('a', 1, { nx: true }, BIG), { kind: 'added', score: 1 });
  assert.equal(z.add('a', 5, { nx: true }, BIG), { kind: 'nop', score: 1 });
  assert.equal(z.add('a', 0, { gt: true }, BIG), { kind: 'nop', score: 1 });
  assert.equal(z.add('a', 3, { gt: true }, BIG), { kind: 'updated', score: 3 });
  assert.equal(z.add('a', 2, { lt: true, incr: true }, BIG), { kind: 'nop', score: 3 });
  assert.equal(z.add('a', -2, { lt: true, incr: true }, BIG), { kind: 'updated', score: 1 });
  assert.equal(z.add('a', Infinity, { incr: true }, BIG), { kind: 'updated', score: Infinity });
  assert.equal(z.add('a', -Infinity, { incr: true }, BIG), { kind: 'nan' });
  assert.equal(z.add('b', NaN, {}, BIG), { kind: 'nan' });
  assert.is(z.score('a'), Infinity);
});

test('encoding: a new member past either limit converts to a skip list; -0 is 0 only in a listpack', () => {
  const lim = { maxEntries: 2, maxValue: 3 };
  const z = new ZsetValue();
  z.add('a', -0, {}, lim);
  assert.ok(Object.is(z.score('a'), 0));
  z.add('b', 1, {}, lim);
  assert.is(z.encoding(), 'listpack');
  z.add('b', 2, {}, { maxEntries: 0, maxValue: 0 }); // an update adds no member: no conversion
  assert.is(z.encoding(), 'listpack');
  z.add('c', 3, {}, lim);
  assert.is(z.encoding(), 'skiplist');
  z.add('d', -0, {}, lim);
  assert.ok(Object.is(z.score('d'), -0));
  z.delete('c');
  assert.is(z.encoding(), 'skiplist');
  const long = new ZsetValue();
  long.add('abcd', 1, {}, lim);
  assert.is(long.encoding(), 'skiplist');
  const built = ZsetValue.build([['x', -0], ['y', 1]])!;
  assert.is(built.encoding(), 'skiplist');
  built.compactIfSmall(DEFAULT_ZSET_LIMITS);
  assert.is(built.encoding(), 'listpack');
  assert.ok(Object.is(built.score('x'), 0));
  assert.is(ZsetValue.build([['x', 1], ['x', 2]]), null);
});

test('score and lex ranges: first, last, counts and range deletes agree with a scan of the model', () => {
  const rand = lcg(11);
  const pairs: [string, number][] = [];
  for (let i = 0; i < 500; i++) pairs.push([`k${String(Math.floor(rand() * 1e6)).padStart(6, '0')}`, Math.floor(rand() * 100) / 4]);
  const model = new Map(pairs);
  const sorted = [...model].sort(order);
  const z = ZsetValue.build(model)!;
  const scoreRanges: ScoreRange[] = [];
  for (let i = 0; i < 200; i++) {
    const a = Math.floor(rand() * 110) / 4 - 1, b = Math.floor(rand() * 110) / 4 - 1;
    scoreRanges.push({ min: a, max: b, minex: rand() < 0.5, maxex: rand() < 0.5 });
  }
  scoreRanges.push({ min: -Infinity, max: Infinity, minex: false, maxex: false }, { min: 5, max: 5, minex: false, maxex: false });
  for (const r of scoreRanges) {
    const inside = sorted.filter(([, s]) => (r.minex ? s > r.min : s >= r.min) && (r.maxex ? s < r.max : s <= r.max));
    assert.is(z.countInRange(r), inside.length, JSON.stringify(r));
    assert.is(z.firstInRange(r)?.member ?? null, inside[0]?.[0] ?? null);
    assert.is(z.lastInRange(r)?.member ?? null, inside[inside.length - 1]?.[0] ?? null);
  }
  const lexSorted = [...model.keys()].sort();
  const lex = new ZsetValue();
  for (const m of lexSorted) lex.add(m, 0, {}, BIG);
  const bound = () => {
    const x = rand();
    if (x < 0.1) return { kind: 'min' as const };
    if (x < 0.2) return { kind: 'max' as const };
    return { kind: 'value' as const, value: `k${String(Math.floor(rand() * 1e6)).padStart(6, '0')}`, ex: rand() < 0.5 };
  };
  const gte = (m: string, b: ReturnType<typeof bound>) => (b.kind === 'min' ? true : b.kind === 'max' ? false : b.ex ? m > b.value : m >= b.value);
  const lte = (m: string, b: ReturnType<typeof bound>) => (b.kind === 'max' ? true : b.kind === 'min' ? false : b.ex ? m < b.value : m <= b.value);
  for (let i = 0; i < 200; i++) {
    const r: LexRange = { min: bound(), max: bound() };
    const inside = lexSorted.filter((m) => gte(m, r.min) && lte(m, r.max));
    assert.is(lex.countInLexRange(r), inside.length, JSON.stringify(r));
    assert.is(lex.firstInLexRange(r)?.member ?? null, inside[0] ?? null);
  }
  // deletes: by rank, score and lex, checked against the model after each
  const live = new Map(model);
  const drop = (gone: (m: string, s: number, rank: number) => boolean) => {
    [...live].sort(order).forEach(([m, s], rank) => gone(m, s, rank) && live.delete(m));
  };
  assert.is(z.deleteRangeByRank(10, 19), 10);
  drop((_m, _s, rank) => rank >= 10 && rank <= 19);
  check(z, live);
  const r: ScoreRange = { min: 5, max: 10, minex: true, maxex: false };
  const expected = [...live].filter(([, s]) => s > 5 && s <= 10).length;
  assert.is(z.deleteRangeByScore(r), expected);
  drop((_m, s) => s > 5 && s <= 10);
  check(z, live);
  const lr: LexRange = { min: { kind: 'value', value: 'k5', ex: false }, max: { kind: 'max' } };
  const lexExpected = [...lex.entries()].filter(([m]) => m >= 'k5').length;
  assert.is(lex.deleteRangeByLex(lr), lexExpected);
  assert.is(lex.size, lexSorted.length - lexExpected);
  assert.ok([...lex.entries()].every(([m]) => m < 'k5'));
});

test('scan visits every member present for the whole scan; clone keeps order, scores and encoding', () => {
  const z = new ZsetValue();
  for (let i = 0; i < 1000; i++) z.add(`m${i}`, i % 17, {}, DEFAULT_ZSET_LIMITS);
  assert.is(z.encoding(), 'skiplist');
  const seen = new Set<string>();
  let cursor = 0, calls = 0;
  do {
    cursor = z.scan(cursor, 10, (m, s) => {
      seen.add(m);
      assert.is(s, Number(m.slice(1)) % 17);
    });
    if (calls++ === 20) for (let i = 0; i < 100; i++) z.delete(`m${900 + i}`); // removals mid-scan
  } while (cursor !== 0);
  for (let i = 0; i < 900; i++) assert.ok(seen.has(`m${i}`), `m${i}`);
  const copy = z.clone();
  assert.equal([...copy.entries()], [...z.entries()]);
  assert.is(copy.encoding(), 'skiplist');
  copy.delete('m1');
  assert.is(z.score('m1'), 1, 'the copy is independent');
  const picks = new Set(z.randomDistinct(50).map((n) => n.member));
  assert.is(picks.size, 50);
  assert.ok(z.has(z.random().member));
});

test.run();
