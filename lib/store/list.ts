/**
 * The list value (t_list.c's listType* API over a quicklist): a deque of latin1 strings kept in a ring buffer, so
 * pushes and pops at either end and access by index are O(1), and inserts or removals in the middle move only the
 * shorter side. Commands (lib/commands/list.ts) own the Redis semantics; this file only holds the elements.
 */
import type { Collection } from './types';

/** The smallest ring; also the size a shrinking ring stops at. */
const MIN_CAPACITY = 8;

export class List implements Collection {
  readonly type = 'list' as const;
  /** Slots of the ring; a slot outside [head, head + size) holds undefined so popped strings can be collected. */
  private ring: (string | undefined)[];
  /** ring.length - 1; the capacity is a power of two so wrapping is a mask. */
  private mask: number;
  private head = 0;
  private size = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.ring = new Array(cap);
    this.mask = cap - 1;
  }

  /** A list holding `items` in order (RDB load, COPY). */
  static from(items: readonly string[]): List {
    const list = new List(items.length);
    for (let i = 0; i < items.length; i++) list.ring[i] = items[i];
    list.size = items.length;
    return list;
  }

  get length(): number {
    return this.size;
  }

  /**
   * Redis 7.0 keeps every list in a quicklist and OBJECT ENCODING says so whatever its size (the listpack
   * encoding for small lists arrived in 7.2); list-max-listpack-size only shapes the quicklist's nodes.
   */
  encoding(): string {
    return 'quicklist';
  }

  clone(): List {
    const copy = new List(this.size);
    for (let i = 0; i < this.size; i++) copy.ring[i] = this.ring[(this.head + i) & this.mask];
    copy.size = this.size;
    return copy;
  }

  pushHead(value: string): void {
    if (this.size === this.ring.length) this.resize(this.ring.length * 2);
    this.head = (this.head - 1) & this.mask;
    this.ring[this.head] = value;
    this.size++;
  }

  pushTail(value: string): void {
    if (this.size === this.ring.length) this.resize(this.ring.length * 2);
    this.ring[(this.head + this.size) & this.mask] = value;
    this.size++;
  }

  popHead(): string | undefined {
    if (this.size === 0) return undefined;
    const value = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    this.maybeShrink();
    return value;
  }

  popTail(): string | undefined {
    if (this.size === 0) return undefined;
    const at = (this.head + this.size - 1) & this.mask;
    const value = this.ring[at];
    this.ring[at] = undefined;
    this.size--;
    this.maybeShrink();
    return value;
  }

  /** The element at `index` from the head (0 ≤ index < length), else undefined. No negative indexes here. */
  at(index: number): string | undefined {
    if (index < 0 || index >= this.size) return undefined;
    return this.ring[(this.head + index) & this.mask];
  }

  /** Replace the element at `index` (0 ≤ index < length); false when out of range. */
  set(index: number, value: string): boolean {
    if (index < 0 || index >= this.size) return false;
    this.ring[(this.head + index) & this.mask] = value;
    return true;
  }

  /** Elements `start`..`end` inclusive (already clamped by the caller to 0 ≤ start ≤ end < length). */
  slice(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.ring[(this.head + i) & this.mask]!;
    return out;
  }

  /** Every element, head to tail. */
  toArray(): string[] {
    return this.size === 0 ? [] : this.slice(0, this.size - 1);
  }

  /** Insert `value` so that it ends up at `index` (0 ≤ index ≤ length), moving the shorter side by one. */
  insertAt(index: number, value: string): void {
    if (index <= 0) return this.pushHead(value);
    if (index >= this.size) return this.pushTail(value);
    if (this.size === this.ring.length) this.resize(this.ring.length * 2);
    const { ring, mask } = this;
    if (index < this.size / 2) {
      this.head = (this.head - 1) & mask;
      for (let i = 0; i < index; i++) ring[(this.head + i) & mask] = ring[(this.head + i + 1) & mask];
    } else {
      for (let i = this.size; i > index; i--) ring[(this.head + i) & mask] = ring[(this.head + i - 1) & mask];
    }
    ring[(this.head + index) & mask] = value;
    this.size++;
  }

  /** Remove the element at `index` (0 ≤ index < length), moving the shorter side by one. */
  removeAt(index: number): void {
    if (index < 0 || index >= this.size) return;
    const { ring, mask } = this;
    if (index < this.size / 2) {
      for (let i = index; i > 0; i--) ring[(this.head + i) & mask] = ring[(this.head + i - 1) & mask];
      ring[this.head] = undefined;
      this.head = (this.head + 1) & mask;
    } else {
      for (let i = index; i < this.size - 1; i++) ring[(this.head + i) & mask] = ring[(this.head + i + 1) & mask];
      ring[(this.head + this.size - 1) & mask] = undefined;
    }
    this.size--;
    this.maybeShrink();
  }

  /** Drop `count` elements from the head (LTRIM's left side, LPOP with a count). */
  dropHead(count: number): void {
    const n = Math.min(count, this.size);
    for (let i = 0; i < n; i++) this.ring[(this.head + i) & this.mask] = undefined;
    this.head = (this.head + n) & this.mask;
    this.size -= n;
    this.maybeShrink();
  }

  /** Drop `count` elements from the tail. */
  dropTail(count: number): void {
    const n = Math.min(count, this.size);
    for (let i = 1; i <= n; i++) this.ring[(this.head + this.size - i) & this.mask] = undefined;
    this.size -= n;
    this.maybeShrink();
  }

  /**
   * Remove elements equal to `value`: the first `limit` of them from the head, or from the tail when `fromTail`
   * (limit 0: all). Returns how many went. One pass that closes the gaps as it goes.
   */
  removeMatching(value: string, limit: number, fromTail: boolean): number {
    const { ring, mask } = this;
    const n = this.size;
    let removed = 0;
    if (!fromTail) {
      let w = 0;
      for (let r = 0; r < n; r++) {
        const v = ring[(this.head + r) & mask]!;
        if (v === value && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (removed) ring[(this.head + w) & mask] = v;
        w++;
      }
      for (let i = w; i < n; i++) ring[(this.head + i) & mask] = undefined;
    } else {
      let w = n - 1;
      for (let r = n - 1; r >= 0; r--) {
        const v = ring[(this.head + r) & mask]!;
        if (v === value && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (removed) ring[(this.head + w) & mask] = v;
        w--;
      }
      for (let i = 0; i <= w; i++) ring[(this.head + i) & mask] = undefined;
      this.head = (this.head + removed) & mask;
    }
    this.size -= removed;
    if (removed) this.maybeShrink();
    return removed;
  }

  /** Index of the first element equal to `value` from the head, or -1 (LINSERT's pivot). */
  indexOf(value: string): number {
    for (let i = 0; i < this.size; i++) if (this.ring[(this.head + i) & this.mask] === value) return i;
    return -1;
  }

  /** Keep memory near what the elements need: a ring a quarter full is halved. */
  private maybeShrink(): void {
    const cap = this.ring.length;
    if (cap > MIN_CAPACITY && this.size < cap / 4) this.resize(cap / 2);
  }

  private resize(capacity: number): void {
    const next = new Array<string | undefined>(capacity);
    for (let i = 0; i < this.size; i++) next[i] = this.ring[(this.head + i) & this.mask];
    this.ring = next;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
