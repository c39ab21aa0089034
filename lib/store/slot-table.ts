/**
 * The table under a set or a hash in its hash-table encoding (dict.c's roles, not its layout): a Map for lookup,
 * a dense array for O(1) uniform random picks (SPOP, SRANDMEMBER, HRANDFIELD), and a slot per key kept for life,
 * so that an SSCAN/HSCAN cursor is a slot number. Values are optional: a set keeps none.
 */
import { BigMap } from './big-map';

/**
 * How many slots one scan call may step over per key asked for. Redis allows COUNT * 10 dict buckets; an empty
 * slot here is one array read, far cheaper than a bucket, so a sparse table is crossed in fewer calls.
 */
const SCAN_STEPS_PER_KEY = 1000;

export class SlotTable<V = undefined> {
  /** key -> its position in `dense`; its own order is insertion order, deletions closing up (a listpack's) */
  private index = new BigMap<string, number>();
  private dense: string[] = [];
  /** vals[i] is the value of dense[i], kept only when the table was made with values */
  private vals: V[] | null;
  /** slotOf[i] is the slot of dense[i]; they move together. */
  private slotOf: number[] = [];
  /** key by slot; a removed key leaves a hole until a new key takes it */
  private slots: (string | undefined)[] = [];
  private freeSlots: number[] = [];

  constructor(withValues = false) {
    this.vals = withValues ? [] : null;
  }

  get size(): number {
    return this.dense.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): V | undefined {
    const i = this.index.get(key);
    return i === undefined || this.vals === null ? undefined : this.vals[i];
  }

  /** Add `key` or replace its value (a replaced key keeps its slot and its place); true if the key is new. */
  set(key: string, value?: V): boolean {
    const at = this.index.get(key);
    if (at !== undefined) {
      if (this.vals !== null) this.vals[at] = value as V;
      return false;
    }
    let slot = this.freeSlots.pop();
    while (slot !== undefined && slot >= this.slots.length) slot = this.freeSlots.pop(); // trimmed away
    if (slot === undefined) slot = this.slots.length;
    this.slots[slot] = key;
    this.index.set(key, this.dense.length);
    this.dense.push(key);
    if (this.vals !== null) this.vals.push(value as V);
    this.slotOf.push(slot);
    return true;
  }

  /** True if the key was there. */
  delete(key: string): boolean {
    const i = this.index.get(key);
    if (i === undefined) return false;
    this.index.delete(key);
    const slot = this.slotOf[i];
    this.slots[slot] = undefined;
    if (slot === this.slots.length - 1) {
      let end = slot; // trailing holes go; free slots past the end are skipped when popped
      while (end > 0 && this.slots[end - 1] === undefined) end--;
      this.slots.length = end;
    } else {
      this.freeSlots.push(slot);
    }
    const last = this.dense.length - 1;
    if (i !== last) {
      const moved = this.dense[last];
      this.dense[i] = moved;
      this.slotOf[i] = this.slotOf[last];
      if (this.vals !== null) this.vals[i] = this.vals[last];
      this.index.set(moved, i); // updating an existing Map key keeps its place in insertion order
    }
    this.dense.pop();
    this.slotOf.pop();
    this.vals?.pop();
    return true;
  }

  /** A position in [0, size) drawn uniformly (the table must not be empty); read it with keyAt / valueAt. */
  randomPosition(): number {
    return Math.floor(Math.random() * this.dense.length);
  }

  keyAt(position: number): string {
    return this.dense[position];
  }

  valueAt(position: number): V {
    return (this.vals === null ? undefined : this.vals[position]) as V;
  }

  /**
   * `count` distinct positions drawn uniformly, in random order (count < size). Close to the whole table: a
   * partial shuffle; far from it: draws until enough distinct ones came up (the two SRANDMEMBER/HRANDFIELD
   * strategies of Redis, cases 3 and 4).
   */
  randomDistinctPositions(count: number): number[] {
    const n = this.dense.length;
    if (count * 3 > n) {
      const pool = Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(Math.random() * (n - i));
        const t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
      }
      pool.length = count;
      return pool;
    }
    const picked = new Set<number>();
    while (picked.size < count) picked.add(this.randomPosition());
    return [...picked];
  }

  /** Every key in slot order (a hash table's iteration order here). */
  keysInSlotOrder(): string[] {
    const out: string[] = new Array(this.dense.length);
    let k = 0;
    for (const m of this.slots) if (m !== undefined) out[k++] = m;
    return out;
  }

  /** Every key in insertion order, a removed key closing up: the order a listpack holds them in. */
  keysInInsertionOrder(): IterableIterator<string> {
    return this.index.keys();
  }

  /** The keys as they sit in the dense array (no particular order; the cheapest walk). */
  keysUnordered(): readonly string[] {
    return this.dense;
  }

  /**
   * Visit slots from `cursor` on until `count` keys were seen, `count * SCAN_STEPS_PER_KEY` slots were stepped
   * over, or the end; returns the next cursor, 0 when done. A key keeps its slot for life and a freed slot only
   * goes to a new key, so every key present for a whole scan is visited. The table does not shrink (that would
   * move keys), so after mass removals the step bound keeps each call short.
   */
  scan(cursor: number, count: number, visit: (key: string, value: V) => void): number {
    const slots = this.slots;
    const maxSteps = count * SCAN_STEPS_PER_KEY;
    let i = cursor, seen = 0;
    for (let stepped = 0; i < slots.length && seen < count && stepped < maxSteps; i++, stepped++) {
      const key = slots[i];
      if (key !== undefined) {
        seen++;
        visit(key, this.vals === null ? (undefined as V) : this.vals[this.index.get(key)!]);
      }
    }
    return i >= slots.length ? 0 : i;
  }

  /** An exact copy: same keys, values, slots and both orders. */
  clone(): SlotTable<V> {
    const c = new SlotTable<V>(this.vals !== null);
    c.index = this.index.clone();
    c.dense = this.dense.slice();
    c.vals = this.vals === null ? null : this.vals.slice();
    c.slotOf = this.slotOf.slice();
    c.slots = this.slots.slice();
    c.freeSlots = this.freeSlots.slice();
    return c;
  }
}
