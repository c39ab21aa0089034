/**
 * A Map without V8's limit of 2^24 (16,777,216) entries per Map, which a Redis database or collection may well
 * exceed. Entries live in one Map until it is full; only then do further ones spill into more Maps. Below the limit
 * (nearly always) every operation is one Map operation plus one branch.
 */
const LIMIT = 1 << 24;

export class BigMap<K, V> {
  private first = new Map<K, V>();
  /** Maps that took entries once `first` was full; null until then. */
  private rest: Map<K, V>[] | null = null;

  constructor(private readonly limit = LIMIT) {}

  get size(): number {
    let n = this.first.size;
    if (this.rest !== null) for (const m of this.rest) n += m.size;
    return n;
  }

  get(key: K): V | undefined {
    const v = this.first.get(key);
    if (v !== undefined || this.rest === null) return v;
    for (const m of this.rest) {
      const w = m.get(key);
      if (w !== undefined) return w;
    }
    return undefined;
  }

  has(key: K): boolean {
    if (this.first.has(key)) return true;
    if (this.rest !== null) for (const m of this.rest) if (m.has(key)) return true;
    return false;
  }

  set(key: K, value: V): this {
    if (this.rest === null) {
      if (this.first.size < this.limit || this.first.has(key)) this.first.set(key, value);
      else this.spill().set(key, value);
      return this;
    }
    if (this.first.has(key)) {
      this.first.set(key, value);
      return this;
    }
    for (const m of this.rest) {
      if (m.has(key)) {
        m.set(key, value);
        return this;
      }
    }
    if (this.first.size < this.limit) this.first.set(key, value);
    else this.spill().set(key, value);
    return this;
  }

  delete(key: K): boolean {
    if (this.first.delete(key)) return true;
    if (this.rest !== null) for (const m of this.rest) if (m.delete(key)) return true;
    return false;
  }

  clear(): void {
    this.first = new Map();
    this.rest = null;
  }

  *entries(): IterableIterator<[K, V]> {
    yield* this.first.entries();
    if (this.rest !== null) for (const m of this.rest) yield* m.entries();
  }

  *keys(): IterableIterator<K> {
    yield* this.first.keys();
    if (this.rest !== null) for (const m of this.rest) yield* m.keys();
  }

  *values(): IterableIterator<V> {
    yield* this.first.values();
    if (this.rest !== null) for (const m of this.rest) yield* m.values();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** A copy with the same entries. */
  clone(): BigMap<K, V> {
    const c = new BigMap<K, V>(this.limit);
    c.first = new Map(this.first);
    c.rest = this.rest && this.rest.map((m) => new Map(m));
    return c;
  }

  /** The map new entries go to once `first` is full. */
  private spill(): Map<K, V> {
    if (this.rest === null) this.rest = [];
    let last = this.rest[this.rest.length - 1];
    if (last === undefined || last.size >= this.limit) this.rest.push((last = new Map()));
    return last;
  }
}

/** A Set on the same terms: as many members as memory holds. */
export class BigSet<T> {
  private readonly map: BigMap<T, true>;

  constructor(limit = LIMIT) {
    this.map = new BigMap<T, true>(limit);
  }

  get size(): number {
    return this.map.size;
  }

  has(value: T): boolean {
    return this.map.has(value);
  }

  add(value: T): this {
    this.map.set(value, true);
    return this;
  }

  delete(value: T): boolean {
    return this.map.delete(value);
  }

  clear(): void {
    this.map.clear();
  }

  values(): IterableIterator<T> {
    return this.map.keys();
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.map.keys();
  }
}
