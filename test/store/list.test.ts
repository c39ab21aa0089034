import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { List } from '../../lib/store/list';

const test = suite('store/list');

/** A list whose ring has wrapped: pushes on both sides of the starting slot. */
function wrapped(): List {
  const l = new List();
  for (const v of ['d', 'e', 'f']) l.pushTail(v);
  for (const v of ['c', 'b', 'a']) l.pushHead(v);
  return l;
}

test('push and pop at both ends, growing past the first ring', () => {
  const l = new List();
  assert.is(l.length, 0);
  assert.is(l.popHead(), undefined);
  assert.is(l.popTail(), undefined);
  for (let i = 0; i < 100; i++) l.pushTail(String(i));
  for (let i = 1; i <= 100; i++) l.pushHead(String(-i));
  assert.is(l.length, 200);
  assert.is(l.at(0), '-100');
  assert.is(l.at(199), '99');
  assert.is(l.popHead(), '-100');
  assert.is(l.popTail(), '99');
  assert.is(l.length, 198);
  assert.equal(l.toArray().slice(98, 101), ['-1', '0', '1']);
});

test('index access and set, out of range refused', () => {
  const l = wrapped();
  assert.equal(l.toArray(), ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.is(l.at(-1), undefined);
  assert.is(l.at(6), undefined);
  assert.ok(l.set(5, 'F'));
  assert.not.ok(l.set(6, 'x'));
  assert.not.ok(l.set(-1, 'x'));
  assert.equal(l.slice(2, 5), ['c', 'd', 'e', 'F']);
});

test('insertAt moves the shorter side, at every position of a wrapped ring', () => {
  for (let at = 0; at <= 6; at++) {
    const l = wrapped();
    l.insertAt(at, 'X');
    const want = ['a', 'b', 'c', 'd', 'e', 'f'];
    want.splice(at, 0, 'X');
    assert.equal(l.toArray(), want, `insert at ${at}`);
  }
  const full = new List();
  for (let i = 0; i < 8; i++) full.pushTail(String(i)); // exactly one ring: the insert must grow it
  full.insertAt(3, 'X');
  assert.equal(full.toArray(), ['0', '1', '2', 'X', '3', '4', '5', '6', '7']);
});

test('removeAt at every position of a wrapped ring', () => {
  for (let at = 0; at < 6; at++) {
    const l = wrapped();
    l.removeAt(at);
    const want = ['a', 'b', 'c', 'd', 'e', 'f'];
    want.splice(at, 1);
    assert.equal(l.toArray(), want, `remove at ${at}`);
  }
  const l = wrapped();
  l.removeAt(9);
  assert.is(l.length, 6);
});

test('dropHead and dropTail, more than there is', () => {
  const l = wrapped();
  l.dropHead(2);
  l.dropTail(1);
  assert.equal(l.toArray(), ['c', 'd', 'e']);
  l.dropTail(10);
  assert.is(l.length, 0);
  assert.equal(l.toArray(), []);
});

test('removeMatching from the head, from the tail, limited and not', () => {
  const base = ['x', 'a', 'x', 'b', 'x', 'c', 'x'];
  const cases: [limit: number, fromTail: boolean, removed: number, left: string[]][] = [
    [0, false, 4, ['a', 'b', 'c']],
    [2, false, 2, ['a', 'b', 'x', 'c', 'x']],
    [2, true, 2, ['x', 'a', 'x', 'b', 'c']],
    [1, true, 1, ['x', 'a', 'x', 'b', 'x', 'c']],
    [9, true, 4, ['a', 'b', 'c']],
  ];
  for (const [limit, fromTail, removed, left] of cases) {
    const l = new List();
    for (const v of ['q', 'q', 'q']) l.pushHead(v);
    l.dropHead(3); // start the ring off its first slot so the compaction wraps
    for (const v of base) l.pushTail(v);
    assert.is(l.removeMatching('x', limit, fromTail), removed, `limit ${limit} fromTail ${fromTail}`);
    assert.equal(l.toArray(), left, `limit ${limit} fromTail ${fromTail}`);
    l.pushHead('h');
    l.pushTail('t');
    assert.equal(l.toArray(), ['h', ...left, 't']);
  }
  const l = List.from(['a']);
  assert.is(l.removeMatching('z', 0, false), 0);
  assert.equal(l.toArray(), ['a']);
});

test('indexOf finds the first match from the head', () => {
  const l = List.from(['a', 'b', 'a']);
  assert.is(l.indexOf('a'), 0);
  assert.is(l.indexOf('b'), 1);
  assert.is(l.indexOf('z'), -1);
});

test('clone is a deep copy; from() keeps order; binary-safe values', () => {
  const l = List.from(['\0', '\xff\r\n', '']);
  const c = l.clone();
  l.pushHead('new');
  l.set(1, 'changed');
  assert.equal(c.toArray(), ['\0', '\xff\r\n', '']);
  assert.is(c.type, 'list');
  assert.is(c.encoding(), 'quicklist');
});

test('the ring shrinks back when emptied, and still works', () => {
  const l = new List();
  for (let i = 0; i < 10000; i++) l.pushTail(String(i));
  for (let i = 0; i < 9990; i++) l.popHead();
  assert.is(l.length, 10);
  assert.ok((l as unknown as { ring: unknown[] }).ring.length <= 64, 'ring halved as it emptied');
  assert.equal(l.toArray(), ['9990', '9991', '9992', '9993', '9994', '9995', '9996', '9997', '9998', '9999']);
});

test('random operations agree with a plain array', () => {
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const l = new List();
  const model: string[] = [];
  for (let step = 0; step < 20000; step++) {
    const op = rand(10);
    const v = String(rand(20));
    if (op === 0) (l.pushHead(v), model.unshift(v));
    else if (op === 1) (l.pushTail(v), model.push(v));
    else if (op === 2) assert.is(l.popHead(), model.shift());
    else if (op === 3) assert.is(l.popTail(), model.pop());
    else if (op === 4) {
      const at = rand(model.length + 1);
      l.insertAt(at, v);
      model.splice(at, 0, v);
    } else if (op === 5 && model.length) {
      const at = rand(model.length);
      l.removeAt(at);
      model.splice(at, 1);
    } else if (op === 6 && model.length) {
      const at = rand(model.length);
      assert.is(l.at(at), model[at]);
      l.set(at, v);
      model[at] = v;
    } else if (op === 7 && step % 50 === 0) {
      const limit = rand(3), fromTail = rand(2) === 1;
      let removed = 0;
      const idx = model.map((x, i) => [x, i] as const).filter(([x]) => x === v).map(([, i]) => i);
      const chosen = new Set((fromTail ? idx.reverse() : idx).slice(0, limit === 0 ? idx.length : limit));
      for (let i = model.length - 1; i >= 0; i--) if (chosen.has(i)) (model.splice(i, 1), removed++);
      assert.is(l.removeMatching(v, limit, fromTail), removed);
    } else if (op === 8 && step % 10 === 0) {
      const n = rand(4);
      l.dropHead(n);
      model.splice(0, n);
    } else if (op === 9 && step % 10 === 0) {
      const n = rand(4);
      l.dropTail(n);
      model.splice(Math.max(0, model.length - n), n);
    }
    assert.is(l.length, model.length);
  }
  assert.equal(l.toArray(), model);
});

test.run();
