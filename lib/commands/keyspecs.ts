/**
 * Key specs: where a command's keys are, declared as data (keySpec in server.h), and everything derived from
 * them: COMMAND INFO's legacy first/last/step and movablekeys (populateCommandLegacyRangeSpec) and the key search
 * of COMMAND GETKEYS (getKeysFromCommandWithSpecs in db.c), with the getkeys callbacks some commands need.
 */
import { atoi } from './args';
import type { CommandSpec, KeyFlag, KeyRef, KeySpec } from './types';

// ---- declaring specs ----

/** The order COMMAND INFO prints key flags in (addReplyFlagsForKeyArgs). */
export const KEY_FLAGS: readonly KeyFlag[] = [
  'RO', 'RW', 'OW', 'RM', 'access', 'update', 'insert', 'delete', 'not_key', 'incomplete', 'variable_flags',
];

/** `'RW access'`: key flags separated by spaces, each checked by the type system. */
export type KeyFlags<S extends string> = S extends `${infer F} ${infer Rest}`
  ? F extends KeyFlag ? `${F} ${KeyFlags<Rest>}` : never
  : S extends KeyFlag ? S : never;

type BeginSearch = KeySpec['begin'];
type FindKeys = KeySpec['find'];

/** begin_search keyword: the argument after `keyword`, searched from `startfrom` (negative: backwards from the end). */
export const afterKeyword = (word: string, startfrom: number): BeginSearch => ({ type: 'keyword', keyword: word, startfrom });
/** begin_search / find_keys unknown: the keys cannot be found from the argument positions alone. */
export const UNKNOWN = { type: 'unknown' } as const;
/** find_keys range: up to `lastkey` (relative to the first key; -1 the last argument, -2 the one before) every `step`. */
export const range = (lastkey = 0, step = 1, limit = 0): FindKeys => ({ type: 'range', lastkey, step, limit });
/** find_keys keynum: the argument at `keynumidx` counts the keys, which start `firstkey` after the search began. */
export const keynum = (keynumidx = 0, firstkey = 1, step = 1): FindKeys => ({ type: 'keynum', keynumidx, firstkey, step });

/**
 * One key spec: its flags, where the search begins (an argument index, or a keyword) and how keys are found from
 * there (one key unless told otherwise). `keyAt(1, 'RO access')` is the single key of GET.
 */
export function keyAt<S extends string>(
  begin: number | BeginSearch, flags: S & KeyFlags<S>, find: FindKeys = range(), notes?: string,
): KeySpec {
  const spec: KeySpec = {
    flags: flags.split(' ') as KeyFlag[],
    begin: typeof begin === 'number' ? { type: 'index', pos: begin } : begin,
    find,
  };
  return notes === undefined ? spec : { ...spec, notes };
}

/** A row's key specs; none for a command without keys. */
export function keySpecsOf(c: CommandSpec): readonly KeySpec[] {
  return c.keySpecs ?? [];
}

// ---- what COMMAND INFO derives ----

export interface LegacyRange {
  first: number;
  last: number;
  step: number;
  /** Some keys are not in the plain range: COMMAND INFO adds the movablekeys flag. */
  movable: boolean;
}

/**
 * populateCommandLegacyRangeSpec(): the first/last/step triple COMMAND INFO prints. One plain index+range spec is
 * the triple itself; otherwise consecutive step-1 range specs merge and anything else makes the keys movable.
 */
export function legacyRange(c: CommandSpec): LegacyRange {
  const specs = keySpecsOf(c);
  const none = { first: 0, last: 0, step: 0, movable: false };
  if (specs.length === 0) return none;
  const incomplete = (s: KeySpec) => s.flags.includes('incomplete');
  if (specs.length === 1 && specs[0].begin.type === 'index' && specs[0].find.type === 'range') {
    const { begin, find } = specs[0];
    return { first: begin.pos, last: find.lastkey >= 0 ? begin.pos + find.lastkey : find.lastkey, step: find.step, movable: incomplete(specs[0]) };
  }
  let first = Infinity;
  let last = 0;
  let prevLast = 0;
  let movable = false;
  for (const s of specs) {
    if (s.begin.type !== 'index' || s.find.type !== 'range') {
      movable = true;
      continue;
    }
    if (s.find.step !== 1 || (prevLast && prevLast !== s.begin.pos - 1)) {
      movable = true;
      continue;
    }
    if (incomplete(s)) movable = true;
    first = Math.min(first, s.begin.pos);
    const abs = s.find.lastkey >= 0 ? s.find.lastkey + s.begin.pos : s.find.lastkey;
    // Redis compares as unsigned, so a negative (counted from the end) lastkey wins over any index
    last = (last >>> 0) >= (abs >>> 0) ? last : abs;
    prevLast = last;
  }
  if (first === Infinity) return { ...none, movable: true };
  return { first, last, step: 1, movable };
}

// ---- finding keys in an argv ----

/**
 * getKeysUsingKeySpecs(): the keys the specs find in `argv` (argv[0] is the command name), or null when a spec
 * cannot be applied (a keyword is fine to miss, a bad key count or an out-of-range key is not).
 */
function keysFromSpecs(c: CommandSpec, argv: readonly string[]): KeyRef[] | null {
  const argc = argv.length;
  const keys: KeyRef[] = [];
  for (const spec of keySpecsOf(c)) {
    if (spec.flags.includes('not_key')) continue;
    let first = 0;
    if (spec.begin.type === 'index') {
      first = spec.begin.pos;
    } else if (spec.begin.type === 'keyword') {
      const { keyword, startfrom } = spec.begin;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (cstring(argv[i]) === keyword.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue; // no such keyword in this call: the spec finds nothing
    } else {
      return null;
    }
    let last: number;
    let step: number;
    const find = spec.find;
    if (find.type === 'range') {
      step = find.step;
      if (find.lastkey >= 0) last = first + find.lastkey;
      else if (!find.limit) last = argc + find.lastkey;
      else last = first + (Math.trunc((argc - first) / find.limit) + find.lastkey);
    } else if (find.type === 'keynum') {
      step = find.step;
      if (find.keynumidx >= argc) return null;
      const count = strictInteger(argv[first + find.keynumidx]);
      if (count === null || count < 0) return null;
      first += find.firstkey;
      last = first + count - 1;
    } else {
      return null;
    }
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) {
      // a variadic command called with too few arguments: the handler will say so
      if (i >= argc || i < first) continue;
      keys.push({ pos: i, flags: spec.flags });
    }
    if (spec.flags.includes('incomplete')) return null;
  }
  return keys;
}

/** string2ll(): a whole signed decimal that fits in 64 bits, as a number (key counts are small anyway). */
function strictInteger(s: string | undefined): number | null {
  if (s === undefined || !/^(0|-?[1-9][0-9]*)$/.test(s) || s.length > 20) return null;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v < 2n ** 63n ? Number(v) : null;
}

/** True when the row can name keys at all (doesCommandHaveKeys): a getkeys callback or a spec that is a key. */
export function hasKeys(c: CommandSpec): boolean {
  return !!c.getKeys || keySpecsOf(c).some((s) => !s.flags.includes('not_key'));
}

/**
 * getKeysFromCommandWithSpecs(): the specs when they are reliable (no variable_flags) and apply to this argv,
 * else the row's getkeys callback, else no keys.
 */
export function getKeysFromCommand(c: CommandSpec, argv: readonly string[]): KeyRef[] {
  const specs = keySpecsOf(c);
  const hasKeySpec = specs.some((s) => !s.flags.includes('not_key'));
  const variable = specs.some((s) => s.flags.includes('variable_flags'));
  if (hasKeySpec && !variable) {
    const keys = keysFromSpecs(c, argv);
    if (keys) return keys;
  }
  return c.getKeys ? c.getKeys(argv) : [];
}

// ---- getkeys callbacks (the *GetKeys functions of db.c) ----

/**
 * genericGetKeys(): `count` keys from `firstOfs` every `step`, the count read at `countOfs` the way atoi() reads
 * it, plus the destination at `storeOfs` (0: none). Their flags are left empty, as Redis leaves them.
 */
export const countedKeys = (storeOfs: number, countOfs: number, firstOfs: number, step = 1) =>
  (argv: readonly string[]): KeyRef[] => {
    const num = atoi(argv[countOfs] ?? '');
    if (num < 1 || num > Math.trunc((argv.length - firstOfs) / step)) return [];
    const keys: KeyRef[] = [];
    for (let i = 0; i < num; i++) keys.push({ pos: firstOfs + i * step, flags: [] });
    if (storeOfs) keys.push({ pos: storeOfs, flags: [] });
    return keys;
  };

/** An argument as strcasecmp() sees it: up to its first NUL byte, in lower case. */
const cstring = (arg: string) => {
  const nul = arg.indexOf('\0');
  return (nul < 0 ? arg : arg.slice(0, nul)).toLowerCase();
};

/** setGetKeys(): SET reads its key too (RW access update) when a GET argument is present, else overwrites it. */
export function setKeys(argv: readonly string[]): KeyRef[] {
  for (let i = 3; i < argv.length; i++) {
    if (cstring(argv[i]) === 'get') {
      return [{ pos: 1, flags: ['RW', 'access', 'update'] }];
    }
  }
  return [{ pos: 1, flags: ['OW', 'update'] }];
}

/** bitfieldGetKeys(): read-only while every operation is a GET (OVERFLOW aside); any other one makes it a write. */
export function bitfieldKeys(argv: readonly string[]): KeyRef[] {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remaining = argv.length - i - 1;
    const op = cstring(argv[i]);
    if (op === 'get' && remaining >= 2) i += 2;
    else if ((op === 'set' || op === 'incrby') && remaining >= 3) {
      readonly = false;
      break;
    } else if (op === 'overflow' && remaining >= 1) i += 1;
    else {
      readonly = false; // a syntax error: assume it writes
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? ['RO', 'access'] : ['RW', 'access', 'update'] }];
}

/**
 * sortGetKeys(): SORT reads its first argument and overwrites the key after its last STORE. Options are skipped
 * the way Redis skips them (LIMIT takes two values, GET and BY one), so a STORE that is an option's value is not one.
 */
export function sortKeys(argv: readonly string[]): KeyRef[] {
  const keys: KeyRef[] = [{ pos: 1, flags: ['RO', 'access'] }];
  let store = 0;
  for (let i = 2; i < argv.length; i++) {
    const opt = cstring(argv[i]);
    if (opt === 'limit') i += 2;
    else if (opt === 'store' && i + 1 < argv.length) store = i + 1; // the last STORE wins, as in SORT itself
    else if (opt === 'get' || opt === 'by') i += 1;
  }
  if (store) keys.push({ pos: store, flags: ['OW', 'update'] });
  return keys;
}

/** sortROGetKeys(): SORT_RO only ever reads its first argument. */
export const sortRoKeys = (): KeyRef[] => [{ pos: 1, flags: ['RO', 'access'] }];
