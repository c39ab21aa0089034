/**
 * The set value (t_set.c's setType* layer, intset.c's ordering). Members are latin1 strings, held in a SlotTable
 * (slot-table.ts): membership, O(1) uniform random picks for SPOP and SRANDMEMBER, and slots that make SSCAN's
 * cursor a slot number.
 */
import type { Collection } from './types';
import { parseInteger } from './numbers';
import { SlotTable } from './slot-table';

/** set-max-intset-entries' default: what a set built outside a command (an RDB load) is judged against. */
export const DEFAULT_MAX_INTSET_ENTRIES = 512;

/** Redis caps the intset limit at 2^30 entries whatever the config says (intset internals). */
const INTSET_HARD_LIMIT = 1 << 30;

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
  private table = new SlotTable();
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
    return this.table.size;
  }

  encoding(): string {
    return this.intset ? 'intset' : 'hashtable';
  }

  get isIntset(): boolean {
    return this.intset;
  }

  has(member: string): boolean {
    return this.table.has(member);
  }

  /** setTypeAdd(): true if the member is new. `maxIntset` is set-max-intset-entries. */
  add(member: string, maxIntset: number): boolean {
    if (this.table.has(member)) return false;
    if (this.intset && (!isIntsetMember(member) || this.table.size + 1 > Math.min(maxIntset, INTSET_HARD_LIMIT))) {
      this.intset = false;
    }
    this.table.set(member);
    this.sorted = null;
    return true;
  }

  /** setTypeRemove(): true if the member was there. */
  delete(member: string): boolean {
    if (!this.table.delete(member)) return false;
    this.sorted = null;
    return true;
  }

  /** A member drawn uniformly (the set must not be empty). */
  random(): string {
    return this.table.keyAt(this.table.randomPosition());
  }

  /** `count` distinct members drawn uniformly, in random order (count < size). */
  randomDistinct(count: number): string[] {
    return this.table.randomDistinctPositions(count).map((i) => this.table.keyAt(i));
  }

  /** Every member in Redis's iteration order where it is defined (an intset's: ascending), else slot order. */
  members(): string[] {
    if (this.intset) {
      this.sorted ??= this.table.keysUnordered().slice().sort(compareIntegers);
      return this.sorted.slice();
    }
    return this.table.keysInSlotOrder();
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.members()[Symbol.iterator]();
  }

  /** SSCAN over the hash table: see SlotTable.scan for what a cursor guarantees. */
  scan(cursor: number, count: number, visit: (member: string) => void): number {
    return this.table.scan(cursor, count, visit);
  }

  /** A copy with the same members, iteration order and encoding (setTypeDup). */
  clone(): SetValue {
    const c = new SetValue();
    c.intset = this.intset;
    c.table = this.table.clone();
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
