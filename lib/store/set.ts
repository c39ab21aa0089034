/**
 * The set value (t_set.c's setType* layer, intset.c's ordering). Members are latin1 strings. Three views of one
 * content: a Map for membership, a dense array for O(1) uniform random picks (SPOP, SRANDMEMBER), and a slot
 * table in which a member keeps its place for life, so that SSCAN's cursor is a slot number (see scan()).
 */
import type { Collection } from './types';
import { parseInteger } from './numbers';

/** set-max-intset-entries' default: what a set built outside a command (an RDB load) is judged against. */
export const DEFAULT_MAX_INTSET_ENTRIES = 512;

/** Redis caps the intset limit at 2^30 entries whatever the config says (intset internals). */
const INTSET_HARD_LIMIT = 1 << 30;

/**
 * How many slots one SSCAN call may step over per member asked for. Redis allows COUNT * 10 dict buckets; an
 * empty slot here is one array read, far cheaper than a bucket, so a sparse table is crossed in fewer calls.
 */
const SCAN_STEPS_PER_MEMBER = 1000;

/** isSdsRepresentableAsLongLong(): the canonical decimal of an int64, which an intset can hold. */
export function isIntsetMember(s: string): boolean {
  return parseInteger(s) !== null;
}

/**
 * Numeric order of two canonical int64 decimals without parsing them: sign first, then length (more digits is
 * further from zero), then the digits themselves.
 */
function compareIntegers(a: string, b: string): number {
  const negA = a.charCodeAt(0) === 45, negB = b.charCodeAt(0) === 45;
  if (negA !== negB) return negA ? -1 : 1;
  if (a === b) return 0;
  const aFirst = a.length !== b.length ? a.length < b.length : a < b; // true: |a| < |b|
  return aFirst !== negA ? -1 : 1;
}

export class SetValue implements Collection {
  readonly type = 'set' as const;
  /** member -> its index in `dense` */
  private index = new Map<string, number>();
  private dense: string[] = [];
  /** slotOf[i] is the slot of dense[i]; they move together. */
  private slotOf: number[] = [];
  /** member by slot; a removed member leaves a hole until a new member takes it */
  private slots: (string | undefined)[] = [];
  private freeSlots: number[] = [];
  /**
   * Still Redis's intset encoding. It only ever turns off: a non-integer member or one too many entries converts
   * the set to a hash table, and Redis never converts back.
   */
  private intset = true;
  /** Members in numeric order while intset (the order an intset iterates in); rebuilt after a change. */
  private sorted: string[] | null = null;

  /** A new set holding `members` in this order, encoded as a fresh set fed them one by one would be. */
  static of(members: Iterable<string>, maxIntset: number): SetValue {
    const s = new SetValue();
    for (const m of members) s.add(m, maxIntset);
    return s;
  }

  get size(): number {
    return this.dense.length;
  }

  encoding(): string {
    return this.intset ? 'intset' : 'hashtable';
  }

  get isIntset(): boolean {
    return this.intset;
  }

  has(member: string): boolean {
    return this.index.has(member);
  }

  /** setTypeAdd(): true if the member is new. `maxIntset` is set-max-intset-entries. */
  add(member: string, maxIntset: number): boolean {
    if (this.index.has(member)) return false;
    if (this.intset && (!isIntsetMember(member) || this.dense.length + 1 > Math.min(maxIntset, INTSET_HARD_LIMIT))) {
      this.intset = false;
    }
    let slot = this.freeSlots.pop();
    while (slot !== undefined && slot >= this.slots.length) slot = this.freeSlots.pop(); // trimmed away
    if (slot === undefined) slot = this.slots.length;
    this.slots[slot] = member;
    this.index.set(member, this.dense.length);
    this.dense.push(member);
    this.slotOf.push(slot);
    this.sorted = null;
    return true;
  }

  /** setTypeRemove(): true if the member was there. */
  delete(member: string): boolean {
    const i = this.index.get(member);
    if (i === undefined) return false;
    this.index.delete(member);
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
      this.index.set(moved, i);
    }
    this.dense.pop();
    this.slotOf.pop();
    this.sorted = null;
    return true;
  }

  /** A member drawn uniformly (the set must not be empty). */
  random(): string {
    return this.dense[Math.floor(Math.random() * this.dense.length)];
  }

  /**
   * `count` distinct members drawn uniformly, in random order (count < size). Close to the whole set: a partial
   * shuffle of a copy; far from it: draws until enough distinct ones came up (SRANDMEMBER's cases 3 and 4).
   */
  randomDistinct(count: number): string[] {
    const n = this.dense.length;
    if (count * 3 > n) {
      const pool = this.dense.slice();
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(Math.random() * (n - i));
        const t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
      }
      pool.length = count;
      return pool;
    }
    const picked = new Set<string>();
    while (picked.size < count) picked.add(this.random());
    return [...picked];
  }

  /** Every member in Redis's iteration order where it is defined (an intset's: ascending), else slot order. */
  members(): string[] {
    if (this.intset) {
      this.sorted ??= this.dense.slice().sort(compareIntegers);
      return this.sorted.slice();
    }
    const out: string[] = new Array(this.dense.length);
    let k = 0;
    for (const m of this.slots) if (m !== undefined) out[k++] = m;
    return out;
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.members()[Symbol.iterator]();
  }

  /**
   * Visit slots from `cursor` on until `count` members were seen, `count * SCAN_STEPS_PER_MEMBER` slots were
   * stepped over, or the end; returns the next cursor, 0 when done. A member keeps its slot for life and a freed
   * slot only goes to a new member, so every member present for a whole scan is visited. The table does not
   * shrink (that would move members), so after mass removals the step bound keeps each call short.
   */
  scan(cursor: number, count: number, visit: (member: string) => void): number {
    const slots = this.slots;
    const maxSteps = count * SCAN_STEPS_PER_MEMBER;
    let i = cursor, seen = 0;
    for (let stepped = 0; i < slots.length && seen < count && stepped < maxSteps; i++, stepped++) {
      const m = slots[i];
      if (m !== undefined) {
        seen++;
        visit(m);
      }
    }
    return i >= slots.length ? 0 : i;
  }

  /** A copy with the same members, iteration order and encoding (setTypeDup); its slot table has no holes. */
  clone(): SetValue {
    const c = new SetValue();
    c.intset = this.intset;
    for (const m of this.members()) {
      c.slots.push(m);
      c.slotOf.push(c.dense.length);
      c.index.set(m, c.dense.length);
      c.dense.push(m);
    }
    return c;
  }
}

/**
 * The intset blob (intset.c): encoding (2, 4 or 8 bytes per member, the smallest that holds every member) and
 * count as u32 LE, then the members ascending, little-endian. What RDB type 11 carries.
 */
export function intsetBlob(set: SetValue): Buffer {
  const values = set.members().map((m) => BigInt(m));
  let width = 2;
  for (const v of values) {
    if (v < -2147483648n || v > 2147483647n) {
      width = 8;
      break;
    }
    if (v < -32768n || v > 32767n) width = 4;
  }
  const out = Buffer.alloc(8 + values.length * width);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(values.length, 4);
  values.forEach((v, i) => {
    const at = 8 + i * width;
    if (width === 2) out.writeInt16LE(Number(v), at);
    else if (width === 4) out.writeInt32LE(Number(v), at);
    else out.writeBigInt64LE(v, at);
  });
  return out;
}
