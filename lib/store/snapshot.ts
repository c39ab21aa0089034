/**
 * Point-in-time snapshots of the keyspace while it keeps serving: what Redis gets from fork() and copy-on-write
 * pages, done per key. The snapshot walks each db in slot order, a slice at a time between other work. Before a
 * key it has not reached yet is changed, the keyspace hands it the old value (beforeChange), which it keeps and
 * emits instead; keys created after the start are skipped. So the result is exactly the dataset at the start,
 * however long the walk takes, and the cost is paid only for keys written during the walk.
 */
import type { Db, Entry, Keyspace, SnapshotObserver } from './keyspace';
import type { Value } from './types';

export interface SnapshotRecord {
  key: string;
  value: Value;
  expiresAt: number;
}

interface DbProgress {
  /** Slots below this were visited. */
  position: number;
  /** Counted at the start: RESIZEDB wants them. */
  keys: number;
  expires: number;
  /** Old versions of keys changed before the walk reached them. */
  saved: Map<string, SnapshotRecord>;
  /** Keys that did not exist at the start. */
  born: Set<string>;
  done: boolean;
}

/** Strings are immutable; a collection is about to change in place, so the snapshot keeps a copy. */
function frozenCopy(value: Value): Value {
  return typeof value === 'string' ? value : value.clone();
}

export class Snapshot implements SnapshotObserver {
  private progress = new Map<Db, DbProgress>();
  private finished = false;

  constructor(private readonly ks: Keyspace) {
    for (const db of ks.dbs) {
      this.progress.set(db, { position: 0, keys: db.size, expires: db.volatile.size, saved: new Map(), born: new Set(), done: false });
    }
    ks.addSnapshotObserver(this);
  }

  /** Key and TTL counts per db at the start (for SELECTDB/RESIZEDB). */
  counts(db: Db): { keys: number; expires: number } {
    const p = this.progress.get(db)!;
    return { keys: p.keys, expires: p.expires };
  }

  // ---- SnapshotObserver: called by the keyspace before it changes ----

  beforeChange(db: Db, key: string, e: Entry): void {
    const p = this.progress.get(db);
    if (!p || p.done || p.born.has(key) || p.saved.has(key) || e.slot < p.position) return;
    p.saved.set(key, { key, value: frozenCopy(e.value), expiresAt: e.expiresAt });
  }

  created(db: Db, key: string): void {
    const p = this.progress.get(db);
    if (p && !p.done && !p.saved.has(key)) p.born.add(key);
  }

  /** FLUSHDB, SWAPDB, a replica's dataset swap: keep everything not visited yet, now. */
  beforeBulkChange(db: Db): void {
    const p = this.progress.get(db);
    if (!p || p.done) return;
    for (const [key, e] of db.entries()) this.beforeChange(db, key, e);
    // From now on nothing in this db belongs to the snapshot except what was visited or saved.
    p.position = Infinity;
  }

  // ---- the walk ----

  /**
   * The records of one db, `slice` keys at a time: the generator yields after each slice so the caller can
   * let the event loop run. Records of a slice come back in the array passed to `emit`.
   */
  *walk(db: Db, slice: number, emit: (records: SnapshotRecord[]) => void): Generator<void, void, void> {
    const p = this.progress.get(db)!;
    let batch: SnapshotRecord[] = [];
    while (p.position < db.slotCount) {
      const key = db.keyAtSlot(p.position++);
      if (key === undefined || p.born.has(key) || p.saved.has(key)) continue;
      const e = db.peek(key)!;
      batch.push({ key, value: e.value, expiresAt: e.expiresAt });
      if (batch.length >= slice) {
        emit(batch);
        batch = [];
        yield;
      }
    }
    p.position = Infinity;
    for (const record of p.saved.values()) batch.push(record);
    p.done = true;
    p.saved.clear();
    p.born.clear();
    if (batch.length) emit(batch);
  }

  /** Stop observing the keyspace (done, or abandoned). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.ks.removeSnapshotObserver(this);
  }
}
