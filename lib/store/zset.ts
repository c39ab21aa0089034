/**
 * The sorted set value (t_zset.c's zset layer): latin1 members with double scores, ordered by score, then by
 * member bytes (memcmp, then length). A skip list with spans (Pugh's, as Redis keeps it) gives ranks and range
 * walks in O(log n); a SlotTable maps members to their nodes and gives ZRANDMEMBER uniform picks and ZSCAN its
 * slot cursor. Commands live in lib/commands/zset.ts.
 */
import type { Collection } from './types';
import { SlotTable } from './slot-table';

/** zset-max-listpack-entries and -value: while a sorted set is within both it is a listpack. */
export interface ZsetLimits {
  maxEntries: number;
  maxValue: number;
}

/** The defaults of both: what a sorted set built outside a command (an RDB load) is judged against. */
export const DEFAULT_ZSET_LIMITS: ZsetLimits = { maxEntries: 128, maxValue: 64 };

/** ZSKIPLIST_MAXLEVEL and ZSKIPLIST_P: 32 levels, each node promoted with probability 1/4. */
const MAX_LEVEL = 32;
const P = 0.25;

export class ZNode {
  /** next[i] is the following node on level i; span[i] how many level-0 steps that link covers. */
  readonly next: (ZNode | null)[];
  readonly span: number[];
  backward: ZNode | null = null;

  constructor(
    readonly member: string,
    /** Only ever rewritten in place from -0 to 0 (which sort alike); any other change re-inserts the member. */
    public score: number,
    level: number,
  ) {
    this.next = new Array<ZNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }

  /** The node after this one in ascending order, or null at the end. */
  get forward(): ZNode | null {
    return this.next[0];
  }
}

/** A score interval (zrangespec): `minex` / `maxex` make that end open. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** One end of a lex interval: a member with [ or (, or the - / + sentinels below and above every member. */
export type LexBound = { kind: 'min' } | { kind: 'max' } | { kind: 'value'; value: string; ex: boolean };

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

export const scoreGteMin = (v: number, r: ScoreRange) => (r.minex ? v > r.min : v >= r.min);
export const scoreLteMax = (v: number, r: ScoreRange) => (r.maxex ? v < r.max : v <= r.max);

/** sdscmplex(): a member against a bound, the sentinels lying beyond every member. */
function compareToBound(member: string, b: LexBound): number {
  if (b.kind === 'min') return 1;
  if (b.kind === 'max') return -1;
  return member < b.value ? -1 : member > b.value ? 1 : 0;
}

/** An open sentinel counts as excluded, which is what makes "- -" and "+ +" empty ranges. */
const isExclusive = (b: LexBound) => b.kind !== 'value' || b.ex;

export function lexGteMin(member: string, r: LexRange): boolean {
  const c = compareToBound(member, r.min);
  return isExclusive(r.min) ? c > 0 : c >= 0;
}

export function lexLteMax(member: string, r: LexRange): boolean {
  const c = compareToBound(member, r.max);
  return isExclusive(r.max) ? c < 0 : c <= 0;
}

/** min after max, or equal with an open end: no member can be in it. */
function lexRangeEmpty(r: LexRange): boolean {
  const { min, max } = r;
  let cmp: number;
  if (min.kind === max.kind && min.kind !== 'value') cmp = 0;
  else if (min.kind === 'min' || max.kind === 'max') cmp = -1;
  else if (min.kind === 'max' || max.kind === 'min') cmp = 1;
  else {
    const a = (min as { value: string }).value, b = (max as { value: string }).value;
    cmp = a < b ? -1 : a > b ? 1 : 0;
  }
  return cmp > 0 || (cmp === 0 && (isExclusive(min) || isExclusive(max)));
}

/** Does (score, member) sort before node `n`? */
const before = (n: ZNode, score: number, member: string) => n.score < score || (n.score === score && n.member < member);

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

/** Scratch for the per-level predecessors and ranks of one operation (no operation nests in another). */
const UPDATE = new Array<ZNode>(MAX_LEVEL);
const RANKS = new Array<number>(MAX_LEVEL).fill(0);

/** The skip list itself (zskiplist): nodes in ascending order, ranks 1-based as Redis counts them. */
class SkipList {
  readonly header = new ZNode('', 0, MAX_LEVEL);
  tail: ZNode | null = null;
  length = 0;
  level = 1;

  insert(score: number, member: string): ZNode {
    const update = UPDATE, rank = RANKS;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      for (let n = x.next[i]; n !== null && before(n, score, member); n = x.next[i]) {
        rank[i] += x.span[i];
        x = n;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.length;
      }
      this.level = level;
    }
    const node = new ZNode(member, score, level);
    for (let i = 0; i < level; i++) {
      node.next[i] = update[i].next[i];
      update[i].next[i] = node;
      node.span[i] = update[i].span[i] - (rank[0] - rank[i]);
      update[i].span[i] = rank[0] - rank[i] + 1;
    }
    for (let i = level; i < this.level; i++) update[i].span[i]++;
    node.backward = update[0] === this.header ? null : update[0];
    if (node.next[0]) node.next[0].backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** Unlink `x`, whose predecessor on each level is update[i]. */
  private unlink(x: ZNode, update: ZNode[]): void {
    for (let i = 0; i < this.level; i++) {
      if (update[i].next[i] === x) {
        update[i].span[i] += x.span[i] - 1;
        update[i].next[i] = x.next[i];
      } else {
        update[i].span[i]--;
      }
    }
    if (x.next[0]) x.next[0].backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
    this.length--;
  }

  /** The predecessors, on every level, of the first node not sorting before (score, member). */
  private predecessors(score: number, member: string): ZNode[] {
    const update = UPDATE;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = x.next[i]; n !== null && before(n, score, member); n = x.next[i]) x = n;
      update[i] = x;
    }
    return update;
  }

  delete(score: number, member: string): boolean {
    const update = this.predecessors(score, member);
    const x = update[0].next[0];
    if (x === null || x.score !== score || x.member !== member) return false;
    this.unlink(x, update);
    return true;
  }

  /** 1-based rank of (score, member), 0 when absent. */
  rank(score: number, member: string): number {
    let x = this.header, rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = x.next[i]; n !== null && (n.score < score || (n.score === score && n.member <= member)); n = x.next[i]) {
        rank += x.span[i];
        x = n;
      }
      if (x !== this.header && x.member === member) return rank;
    }
    return 0;
  }

  /** The node at 1-based `rank`, or null. */
  byRank(rank: number): ZNode | null {
    let x = this.header, traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && traversed + x.span[i] <= rank) {
        traversed += x.span[i];
        x = x.next[i]!;
      }
      if (traversed === rank) return x === this.header ? null : x;
    }
    return null;
  }

  private isInRange(r: ScoreRange): boolean {
    if (r.min > r.max || (r.min === r.max && (r.minex || r.maxex))) return false;
    const last = this.tail, first = this.header.next[0];
    return last !== null && scoreGteMin(last.score, r) && first !== null && scoreLteMax(first.score, r);
  }

  firstInRange(r: ScoreRange): ZNode | null {
    if (!this.isInRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && !scoreGteMin(x.next[i]!.score, r)) x = x.next[i]!;
    }
    const n = x.next[0];
    return n !== null && scoreLteMax(n.score, r) ? n : null;
  }

  lastInRange(r: ScoreRange): ZNode | null {
    if (!this.isInRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && scoreLteMax(x.next[i]!.score, r)) x = x.next[i]!;
    }
    return x !== this.header && scoreGteMin(x.score, r) ? x : null;
  }

  isInLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const last = this.tail, first = this.header.next[0];
    return last !== null && lexGteMin(last.member, r) && first !== null && lexLteMax(first.member, r);
  }

  firstInLexRange(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && !lexGteMin(x.next[i]!.member, r)) x = x.next[i]!;
    }
    const n = x.next[0];
    return n !== null && lexLteMax(n.member, r) ? n : null;
  }

  lastInLexRange(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && lexLteMax(x.next[i]!.member, r)) x = x.next[i]!;
    }
    return x !== this.header && lexGteMin(x.member, r) ? x : null;
  }

  /**
   * Delete nodes from the first that `skip` no longer passes over, while `within` holds (both see a node and its
   * 1-based rank, and are monotonic along the list), calling `removed` for each; returns how many went.
   */
  deleteWhile(skip: (n: ZNode, rank: number) => boolean, within: (n: ZNode, rank: number) => boolean, removed: (n: ZNode) => void): number {
    const update = UPDATE;
    let x = this.header, traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && skip(x.next[i]!, traversed + x.span[i])) {
        traversed += x.span[i];
        x = x.next[i]!;
      }
      update[i] = x;
    }
    let n = x.next[0], rank = traversed + 1, deleted = 0;
    while (n !== null && within(n, rank)) {
      const following = n.next[0];
      this.unlink(n, update);
      removed(n);
      deleted++;
      rank++;
      n = following;
    }
    return deleted;
  }
}

/** What ZADD's options ask of one add (zsetAdd's in_flags). */
export interface AddOptions {
  nx?: boolean;
  xx?: boolean;
  gt?: boolean;
  lt?: boolean;
  incr?: boolean;
}

/** zsetAdd's outcome: the score the member ended with (or would have), or 'nan' when the result is NaN. */
export type AddResult = { kind: 'added' | 'updated' | 'unchanged' | 'nop'; score: number } | { kind: 'nan' };

/** V8's one-byte string: a 16-byte header and the bytes, in 8-byte steps. */
const stringBytes = (s: string) => 16 + Math.ceil(s.length / 8) * 8;
/** The value object, its table, list header and their arrays, empty. */
const ZSET_OVERHEAD = 600;
/** A node (object, two arrays of ~1.33 levels) plus one slot in each of the table's arrays and its Map entry. */
const PER_MEMBER_OVERHEAD = 120;

export class ZsetValue implements Collection {
  readonly type = 'zset' as const;
  private list = new SkipList();
  private dict = new SlotTable<ZNode>(true);
  /**
   * Still Redis's listpack encoding. It turns off when a member is added past the limits, and back on only when a
   * whole new set is stored small (ZUNIONSTORE & co., an RDB load). A listpack keeps an integral score as an
   * integer, so while on, -0 is stored as 0.
   */
  private listpack = true;

  get size(): number {
    return this.list.length;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  get isListpack(): boolean {
    return this.listpack;
  }

  score(member: string): number | undefined {
    return this.dict.get(member)?.score;
  }

  has(member: string): boolean {
    return this.dict.has(member);
  }

  /** A score as the current encoding keeps it. */
  private stored(score: number): number {
    return this.listpack && score === 0 ? 0 : score;
  }

  /**
   * zsetAdd(): add `member` or change its score as the options allow. A new member past the limits converts a
   * listpack first. The returned score is the one computed (an INCR result), before any -0 normalisation.
   */
  add(member: string, score: number, opts: AddOptions, limits: ZsetLimits): AddResult {
    if (Number.isNaN(score)) return { kind: 'nan' };
    const node = this.dict.get(member);
    if (node !== undefined) {
      if (opts.nx) return { kind: 'nop', score: node.score };
      const current = node.score;
      if (opts.incr) {
        score += current;
        if (Number.isNaN(score)) return { kind: 'nan' };
      }
      if ((opts.lt && score >= current) || (opts.gt && score <= current)) return { kind: 'nop', score: current };
      if (score === current) return { kind: 'unchanged', score };
      this.list.delete(current, member);
      this.dict.set(member, this.list.insert(this.stored(score), member));
      return { kind: 'updated', score };
    }
    if (opts.xx) return { kind: 'nop', score };
    if (this.listpack && (this.size + 1 > limits.maxEntries || member.length > limits.maxValue)) this.listpack = false;
    this.dict.set(member, this.list.insert(this.stored(score), member));
    return { kind: 'added', score };
  }

  /** zsetDel(): true if the member was there. */
  delete(member: string): boolean {
    const node = this.dict.get(member);
    if (node === undefined) return false;
    this.list.delete(node.score, member);
    this.dict.delete(member);
    return true;
  }

  /** 0-based rank, from the lowest score or (reverse) from the highest; -1 when absent. */
  rank(member: string, reverse = false): number {
    const node = this.dict.get(member);
    if (node === undefined) return -1;
    const r = this.list.rank(node.score, member);
    return reverse ? this.size - r : r - 1;
  }

  /** 0-based rank of a node of this set. */
  rankOf(node: ZNode): number {
    return this.list.rank(node.score, node.member) - 1;
  }

  /** The node at 0-based `rank` from the lowest score, or null. */
  at(rank: number): ZNode | null {
    return rank < 0 || rank >= this.size ? null : this.list.byRank(rank + 1);
  }

  first(): ZNode | null {
    return this.list.header.next[0];
  }

  last(): ZNode | null {
    return this.list.tail;
  }

  firstInRange(r: ScoreRange): ZNode | null {
    return this.list.firstInRange(r);
  }

  lastInRange(r: ScoreRange): ZNode | null {
    return this.list.lastInRange(r);
  }

  firstInLexRange(r: LexRange): ZNode | null {
    return this.list.firstInLexRange(r);
  }

  lastInLexRange(r: LexRange): ZNode | null {
    return this.list.lastInLexRange(r);
  }

  /**
   * Every member in the score range (ZCOUNT): two rank lookups, whatever the range holds. Counted as Redis does,
   * from the first member in range to the end, less what lies past the last one, so a lex range over members of
   * different scores (undefined in Redis) counts the same here.
   */
  countInRange(r: ScoreRange): number {
    return this.countBetween(this.firstInRange(r), () => this.lastInRange(r));
  }

  countInLexRange(r: LexRange): number {
    return this.countBetween(this.firstInLexRange(r), () => this.lastInLexRange(r));
  }

  private countBetween(first: ZNode | null, last: () => ZNode | null): number {
    if (first === null) return 0;
    let count = this.size - this.rankOf(first);
    const end = last();
    if (end !== null) count -= this.size - 1 - this.rankOf(end);
    return count;
  }

  private dropped = (n: ZNode): void => {
    this.dict.delete(n.member);
  };

  /** ZREMRANGEBYRANK over 0-based ranks start..end (both within the set); returns how many went. */
  deleteRangeByRank(start: number, end: number): number {
    return this.list.deleteWhile((_n, rank) => rank <= start, (_n, rank) => rank <= end + 1, this.dropped);
  }

  deleteRangeByScore(r: ScoreRange): number {
    return this.list.deleteWhile((n) => !scoreGteMin(n.score, r), (n) => scoreLteMax(n.score, r), this.dropped);
  }

  deleteRangeByLex(r: LexRange): number {
    // A listpack first checks that its ends overlap the range, which only tells when members of different
    // scores (where lex order is undefined) are asked for by lex; a skip list walks regardless.
    if (this.listpack ? !this.list.isInLexRange(r) : lexRangeEmpty(r)) return 0;
    return this.list.deleteWhile((n) => !lexGteMin(n.member, r), (n) => lexLteMax(n.member, r), this.dropped);
  }

  /** Every member with its score, lowest first. */
  *entries(): Generator<[string, number]> {
    for (let n = this.first(); n !== null; n = n.next[0]) yield [n.member, n.score];
  }

  /** Every member with its score, highest first (the order ZUNION & co. read their inputs in). */
  *entriesDescending(): Generator<[string, number]> {
    for (let n = this.last(); n !== null; n = n.backward) yield [n.member, n.score];
  }

  /** A member drawn uniformly (the set must not be empty). */
  random(): ZNode {
    return this.dict.valueAt(this.dict.randomPosition());
  }

  /** `count` distinct members drawn uniformly, in random order (count < size). */
  randomDistinct(count: number): ZNode[] {
    return this.dict.randomDistinctPositions(count).map((i) => this.dict.valueAt(i));
  }

  /** ZSCAN over the member table: see SlotTable.scan for what a cursor guarantees. */
  scan(cursor: number, count: number, visit: (member: string, score: number) => void): number {
    return this.dict.scan(cursor, count, (member, node) => visit(member, node.score));
  }

  /**
   * zsetConvertToListpackIfNeeded(): a set built whole (a ZUNIONSTORE result, an RDB load) is a listpack when it
   * is within both limits, whatever it was while being built.
   */
  compactIfSmall(limits: ZsetLimits): void {
    if (this.listpack || this.size > limits.maxEntries) return;
    for (let n = this.first(); n !== null; n = n.next[0]) if (n.member.length > limits.maxValue) return;
    this.listpack = true;
    // -0 and 0 sort alike, so the normalisation moves nothing
    for (let n = this.first(); n !== null; n = n.next[0]) if (n.score === 0) n.score = 0;
  }

  /**
   * A set built whole from these entries, as Redis builds a result or a loaded key: a skip list, which
   * compactIfSmall() may then turn into a listpack. Null when a member repeats.
   */
  static build(entries: Iterable<readonly [string, number]>): ZsetValue | null {
    const z = new ZsetValue();
    z.listpack = false;
    for (const [member, score] of entries) {
      if (z.dict.has(member)) return null;
      z.dict.set(member, z.list.insert(score, member));
    }
    return z;
  }

  /**
   * MEMORY USAGE's estimate (objectComputeSize): node and table bookkeeping per member plus the member strings of
   * the first `samples`, scaled up to the whole set.
   */
  memoryUsage(samples: number): number {
    const n = this.size;
    let bytes = 0, sampled = 0;
    for (let node = this.first(); node !== null && sampled < samples; node = node.next[0], sampled++) bytes += stringBytes(node.member);
    const perMember = PER_MEMBER_OVERHEAD + (sampled ? bytes / sampled : 0);
    return ZSET_OVERHEAD + Math.round(perMember * n);
  }

  /**
   * zsetDup(): the same members, scores and encoding. Inserting highest first makes each insert stop at the
   * head, as Redis's copy does; the table keeps its slots so a ZSCAN cursor means the same in the copy.
   */
  clone(): ZsetValue {
    const c = new ZsetValue();
    c.listpack = this.listpack;
    c.dict = this.dict.clone();
    for (let n = this.last(); n !== null; n = n.backward) c.dict.set(n.member, c.list.insert(n.score, n.member));
    return c;
  }
}
