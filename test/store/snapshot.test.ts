import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Keyspace } from '../../lib/store/keyspace';
import { Snapshot, type SnapshotRecord } from '../../lib/store/snapshot';
import { FakeClock } from '../helpers/clock';

const test = suite('store/snapshot');

function fill(ks: Keyspace, n: number) {
  for (let i = 0; i < n; i++) ks.dbs[0].set(`k${i}`, `v${i}`, i % 3 === 0 ? 2_000_000_000_000 + i : 0);
  for (let i = 0; i < 5; i++) ks.dbs[3].set(`other${i}`, `o${i}`);
}

function state(ks: Keyspace): Map<string, string> {
  const out = new Map<string, string>();
  for (const db of ks.dbs) for (const [k, e] of db.entries()) out.set(`${db.id}/${k}`, `${e.value}|${e.expiresAt}`);
  return out;
}

/** Walk every db, running `between(step)` after each slice, as the event loop would run other clients. */
function walkAll(ks: Keyspace, snap: Snapshot, slice: number, between: (step: number) => void): Map<string, string> {
  const out = new Map<string, string>();
  let step = 0;
  for (const db of ks.dbs) {
    const gen = snap.walk(db, slice, (records: SnapshotRecord[]) => {
      for (const r of records) {
        const id = `${db.id}/${r.key}`;
        assert.not.ok(out.has(id), `${id} emitted twice`);
        out.set(id, `${r.value}|${r.expiresAt}`);
      }
    });
    for (let r = gen.next(); !r.done; r = gen.next()) between(step++);
  }
  snap.finish();
  return out;
}

test('a walk with no writes returns the dataset', () => {
  const ks = new Keyspace(new FakeClock());
  fill(ks, 100);
  const before = state(ks);
  const snap = new Snapshot(ks);
  assert.equal(snap.counts(ks.dbs[0]), { keys: 100, expires: 34 });
  assert.equal(walkAll(ks, snap, 7, () => {}), before);
  assert.is(ks.snapshots.length, 0, 'observer removed');
});

test('writes during the walk do not leak into it: overwrite, TTL, delete, create, rename, move', () => {
  const ks = new Keyspace(new FakeClock());
  fill(ks, 1000);
  const before = state(ks);
  const snap = new Snapshot(ks);
  const db = ks.dbs[0];
  const result = walkAll(ks, snap, 50, (step) => {
    // touch keys already visited, keys not yet visited, and new ones
    db.set(`k${step * 37 % 1000}`, `changed${step}`);
    db.setExpire(`k${(step * 53 + 500) % 1000}`, 5);
    db.delete(`k${(step * 71 + 900) % 1000}`);
    db.set(`new${step}`, 'fresh');
    db.rename(`k${(step * 13 + 400) % 1000}`, `renamed${step}`);
    db.moveTo(`k${(step * 17 + 300) % 1000}`, ks.dbs[5]);
  });
  assert.equal(result, before);
});

test('FLUSHALL and SWAPDB in the middle keep the start state', () => {
  const ks = new Keyspace(new FakeClock());
  fill(ks, 500);
  const before = state(ks);
  const snap = new Snapshot(ks);
  const result = walkAll(ks, snap, 40, (step) => {
    if (step === 3) ks.dbs[3].swapWith(ks.dbs[0]);
    if (step === 5) ks.flushAll();
    if (step > 5) ks.dbs[0].set(`after${step}`, 'x');
  });
  assert.equal(result, before);
});

test('two snapshots at once each see their own start', () => {
  const ks = new Keyspace(new FakeClock());
  fill(ks, 200);
  const first = state(ks);
  const a = new Snapshot(ks);
  ks.dbs[0].set('k1', 'between');
  const second = state(ks);
  const b = new Snapshot(ks);
  ks.dbs[0].set('k2', 'later');
  assert.equal(walkAll(ks, a, 30, () => ks.dbs[0].set('k199', 'x')), first);
  assert.equal(walkAll(ks, b, 30, () => {}), (second.set('0/k199', 'v199|0'), second));
});

test.run();
