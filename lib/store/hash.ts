/**
 * The hash value (t_hash.c's hashType* layer): fields and values are latin1 strings held in a SlotTable
 * (slot-table.ts), which gives HRANDFIELD uniform O(1) picks and HSCAN a slot cursor. The encoding Redis would
 * report follows hash-max-listpack-entries / -value; commands live in lib/commands/hash.ts.
 */
import type { Collection } from './types';
import { SlotTable } from './slot-table';

/** hash-max-listpack-entries and hash-max-listpack-value: while a hash is within both it is a listpack. */
export interface HashLimits {
  maxEntries: number;
  maxValue: number;
}

/** The defaults of both: what a hash built outside a command (an RDB load) is judged against. */
export const DEFAULT_HASH_LIMITS: HashLimits = { maxEntries: 512, maxValue: 64 };

/** V8's one-byte string: a 16-byte header and the bytes, in 8-byte steps. */
const stringBytes = (s: string) => 16 + Math.ceil(s.length / 8) * 8;
/** The value object, its table and their arrays, empty. */
const HASH_OVERHEAD = 200;
/** One Map entry (key, value, chain) and one slot in each of the four parallel arrays. */
const PER_FIELD_OVERHEAD = 24 + 4 * 8;

export class HashValue implements Collection {
  readonly type = 'hash' as const;
  private table = new SlotTable<string>(true);
  /**
   * Still Redis's listpack encoding. It only ever turns off (too many fields, or a field or value too long) and
   * Redis never converts back. While on, the hash iterates in listpack order: insertion order, closing up on
   * deletion; once off, in slot order, as a hash table iterates in an order of its own.
   */
  private listpack = true;

  /** A new hash of these pairs, encoded as a fresh hash fed them one by one would be. */
  static of(pairs: Iterable<readonly [string, string]>, limits: HashLimits): HashValue {
    const h = new HashValue();
    for (const [f, v] of pairs) h.set(f, v, limits);
    return h;
  }

  get size(): number {
    return this.table.size;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  get isListpack(): boolean {
    return this.listpack;
  }

  get(field: string): string | undefined {
    return this.table.get(field);
  }

  has(field: string): boolean {
    return this.table.has(field);
  }

  /**
   * hashTypeSet(): true if the field is new. A field or value longer than maxValue converts the hash first (even
   * when only replacing a value), one field too many after.
   */
  set(field: string, value: string, limits: HashLimits): boolean {
    if (this.listpack && (field.length > limits.maxValue || value.length > limits.maxValue)) this.listpack = false;
    const added = this.table.set(field, value);
    if (this.listpack && this.table.size > limits.maxEntries) this.listpack = false;
    return added;
  }

  /** hashTypeDelete(): true if the field was there. */
  delete(field: string): boolean {
    return this.table.delete(field);
  }

  /** Every field in iteration order. */
  fields(): string[] {
    return this.listpack ? [...this.table.keysInInsertionOrder()] : this.table.keysInSlotOrder();
  }

  /** Every value, in the order of fields(). */
  values(): string[] {
    return this.fields().map((f) => this.table.get(f)!);
  }

  /** Every field and value, in iteration order. */
  entries(): [string, string][] {
    return this.fields().map((f) => [f, this.table.get(f)!]);
  }

  /** A field and its value drawn uniformly (the hash must not be empty). */
  random(): [string, string] {
    const i = this.table.randomPosition();
    return [this.table.keyAt(i), this.table.valueAt(i)];
  }

  /** `count` distinct fields with their values drawn uniformly, in random order (count < size). */
  randomDistinct(count: number): [string, string][] {
    return this.table.randomDistinctPositions(count).map((i) => [this.table.keyAt(i), this.table.valueAt(i)]);
  }

  /**
   * HSCAN over the hash table from `cursor`: up to `count` fields with their values; returns the next cursor,
   * 0 when done (see SlotTable.scan for the guarantee). A listpack is not scanned by cursor: its caller returns
   * it whole, as Redis does.
   */
  scan(cursor: number, count: number, visit: (field: string, value: string) => void): number {
    return this.table.scan(cursor, count, visit);
  }

  /**
   * MEMORY USAGE's estimate (objectComputeSize): the table's bookkeeping per field (Map entry, dense, value, slot
   * arrays) plus the strings of the first `samples` fields, scaled up to the whole hash.
   */
  memoryUsage(samples: number): number {
    const n = this.table.size;
    const sampled = Math.min(n, samples);
    let bytes = 0;
    for (let i = 0; i < sampled; i++) bytes += stringBytes(this.table.keyAt(i)) + stringBytes(this.table.valueAt(i));
    const perField = PER_FIELD_OVERHEAD + (sampled ? bytes / sampled : 0);
    return HASH_OVERHEAD + Math.round(perField * n);
  }

  /** A copy with the same fields, values, order and encoding (hashTypeDup). */
  clone(): HashValue {
    const c = new HashValue();
    c.listpack = this.listpack;
    c.table = this.table.clone();
    return c;
  }
}
