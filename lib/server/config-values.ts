/**
 * Value syntaxes of configuration parameters, read and printed the way config.c and util.c do: memtoull with its
 * C wrap-arounds, string2ll, octal, the enum tables, and the special parameters (save, client-output-buffer-limit,
 * oom-score-adj-values, notify-keyspace-events, bind, replicaof, latency-tracking-info-percentiles).
 */
import { splitInlineArgs } from '../protocol/resp';
import { parseInteger } from '../store/numbers';

export const U64 = 1n << 64n;
const U64_MAX = U64 - 1n;

/** A C `long long` view of an unsigned 64-bit pattern (what assigning memtoull()'s result to `long long` does). */
export const asSigned64 = (v: bigint): bigint => (v >= 1n << 63n ? v - U64 : v);
/** A C `unsigned long long` view of a signed 64-bit value. */
export const asUnsigned64 = (v: bigint): bigint => (v < 0n ? v + U64 : v);

const UNITS: Record<string, bigint> = {
  '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n,
};

/**
 * memtoull(): digits and an optional unit (b, k, kb, m, mb, g, gb; any case), as an unsigned 64-bit value, or null.
 * Like the C original, the digit run may be empty ("" and "kb" are 0), strtoull saturates at 2^64-1 and the unit
 * multiplication wraps modulo 2^64.
 */
export function memToU64(text: string): bigint | null {
  if (text.startsWith('-')) return null;
  let i = 0;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  const unit = UNITS[text.slice(i).toLowerCase()];
  if (unit === undefined || i >= 128) return null;
  let digits = i ? BigInt(text.slice(0, i)) : 0n;
  if (digits > U64_MAX) digits = U64_MAX;
  return (digits * unit) % U64;
}

/** "1gb" → 1073741824, "100k" → 100000; null when not a memory value. Exact up to 2^53. */
export function parseMemory(text: string): number | null {
  const v = memToU64(text);
  return v === null ? null : Number(v);
}

/** string2ll() as a bigint (no '+', no leading zeros, no spaces, within int64), or null. */
export function parseLongLong(text: string): bigint | null {
  const v = parseInteger(text);
  return v === null ? null : BigInt(v);
}

/**
 * strtoll(text, &end, base) with `*end == '\0'` required: leading spaces and a sign are accepted, an empty digit
 * run is 0, and out-of-range values saturate (errno is ERANGE, which callers that only look at `end` ignore).
 */
export function strtoll(text: string, base = 10): { value: bigint; overflow: boolean } | null {
  const m = (base === 8 ? /^[ \t\n\v\f\r]*([+-]?)([0-7]*)$/ : /^[ \t\n\v\f\r]*([+-]?)(\d*)$/).exec(text);
  if (!m) return null;
  // with no digits at all strtoll leaves `end` at the start: only the empty string passes the check
  if (m[2] === '') return text === '' ? { value: 0n, overflow: false } : null;
  let v = 0n;
  for (const ch of m[2]) v = v * BigInt(base) + BigInt(ch.charCodeAt(0) - 48);
  if (m[1] === '-') v = -v;
  const max = (1n << 63n) - 1n, min = -(1n << 63n);
  if (v > max) return { value: max, overflow: true };
  if (v < min) return { value: min, overflow: true };
  return { value: v, overflow: false };
}

/** sdssplitargs(): words with quotes and escapes, as in redis.conf and on the command line. */
export function splitArgs(text: string): string[] | null {
  const b = Buffer.from(text, 'latin1');
  return splitInlineArgs(b, 0, b.length);
}

/** sdssplitlen(text, " "): CONFIG SET's split of a multi-argument value; "" is zero arguments, "a  b" has an empty one. */
export function splitSpaces(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}

/** sdscatrepr(): a value quoted for a config file line. */
export function quoteRepr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c >= 32 && c <= 126) out += ch;
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** rewriteConfigFormatMemory(): 1073741824 → "1gb", 3072 → "3kb", 0 → "0". */
export function formatMemoryForFile(bytes: bigint): string {
  const gb = 1024n ** 3n, mb = 1024n ** 2n, kb = 1024n;
  if (bytes && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes && bytes % kb === 0n) return `${bytes / kb}kb`;
  return String(bytes);
}

// ---- enums ----

/** An enum table as in config.c: names with their values; a multi-argument enum ORs bit flags. */
export type EnumTable = readonly (readonly [name: string, value: number])[];

export const LOGLEVEL_ENUM: EnumTable = [['debug', 0], ['verbose', 1], ['notice', 2], ['warning', 3]];
export const MAXMEMORY_POLICY_ENUM: EnumTable = [
  ['volatile-lru', 0], ['volatile-lfu', 1], ['volatile-random', 2], ['volatile-ttl', 3],
  ['allkeys-lru', 4], ['allkeys-lfu', 5], ['allkeys-random', 6], ['noeviction', 7],
];
export const SYSLOG_FACILITY_ENUM: EnumTable = [
  ['user', 8], ['local0', 128], ['local1', 136], ['local2', 144], ['local3', 152], ['local4', 160],
  ['local5', 168], ['local6', 176], ['local7', 184],
];
export const SUPERVISED_ENUM: EnumTable = [['upstart', 1], ['systemd', 2], ['auto', 3], ['no', 0]];
export const AOF_FSYNC_ENUM: EnumTable = [['everysec', 2], ['always', 1], ['no', 0]];
export const SHUTDOWN_ON_SIG_ENUM: EnumTable = [['default', 0], ['save', 1], ['nosave', 2], ['now', 4], ['force', 8]];
export const REPL_DISKLESS_LOAD_ENUM: EnumTable = [['disabled', 0], ['on-empty-db', 1], ['swapdb', 2]];
export const TLS_AUTH_CLIENTS_ENUM: EnumTable = [['no', 0], ['yes', 1], ['optional', 2]];
export const OOM_SCORE_ADJ_ENUM: EnumTable = [['no', 0], ['yes', 1], ['relative', 1], ['absolute', 2]];
export const ACL_PUBSUB_DEFAULT_ENUM: EnumTable = [['allchannels', 1], ['resetchannels', 0]];
export const SANITIZE_DUMP_PAYLOAD_ENUM: EnumTable = [['no', 0], ['yes', 1], ['clients', 2]];
export const PROTECTED_ACTION_ENUM: EnumTable = [['no', 0], ['yes', 1], ['local', 2]];
export const CLUSTER_ENDPOINT_TYPE_ENUM: EnumTable = [['ip', 0], ['hostname', 1], ['unknown-endpoint', 2]];
export const PROPAGATION_ERROR_BEHAVIOR_ENUM: EnumTable = [['ignore', 0], ['panic', 1], ['panic-on-replicas', 2]];

/** configEnumGetValue(): the value for the words, or null (several words only for a bit-flag enum). */
export function enumValue(table: EnumTable, words: readonly string[], bitflags: boolean): number | null {
  if (words.length === 0 || (!bitflags && words.length !== 1)) return null;
  let value = 0;
  for (const w of words) {
    const lw = w.toLowerCase();
    const hits = table.filter(([name]) => name === lw);
    if (hits.length === 0) return null;
    for (const [, v] of hits) value |= v;
  }
  return value;
}

/** configEnumGetName(): the first exact match, else (bit flags) the names of the set bits, else "unknown". */
export function enumName(table: EnumTable, value: number, bitflags: boolean): string {
  const names: string[] = [];
  let unmatched = value;
  for (const [name, v] of table) {
    if (v === value) return name;
    if (bitflags && v && v === (unmatched & v)) {
      names.push(name);
      unmatched &= ~v;
    }
  }
  return names.length && !unmatched ? names.join(' ') : 'unknown';
}

export const enumError = (table: EnumTable): string =>
  `argument(s) must be one of the following: ${table.map(([n]) => n).join(', ')}`.slice(0, 255);

// ---- special parameters ----

/** A special parameter's result: the canonical printed value, or the error config.c gives. */
export type Parsed = { value: string } | { error: string };

/** `save`: pairs of <seconds> <changes>; "" (or nothing) means no save points. */
export function parseSave(args: readonly string[]): Parsed {
  const list = args.length === 1 && args[0] === '' ? [] : args;
  if (list.length % 2) return { error: 'Invalid save parameters' };
  const out: string[] = [];
  for (let j = 0; j < list.length; j++) {
    const v = strtoll(list[j]);
    if (!v || (j % 2 === 0 && v.value < 1n) || (j % 2 === 1 && v.value < 0n)) return { error: 'Invalid save parameters' };
    // seconds are a time_t, changes a C int: the stored value is what those types keep
    out.push(String(j % 2 ? BigInt.asIntN(32, v.value) : v.value));
  }
  return { value: out.join(' ') };
}

/** The save points as [seconds, changes] pairs, for persistence. */
export function savePoints(printed: string): [number, number][] {
  const words = printed.split(' ').filter(Boolean).map(Number);
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < words.length; i += 2) out.push([words[i], words[i + 1]]);
  return out;
}

const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;
export const DEFAULT_OBUF_LIMITS = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

/** One client class's output buffer limits (clientBufferLimitsConfig). */
export interface ObufLimit {
  hard: bigint;
  soft: bigint;
  softSeconds: bigint;
}

/** client-output-buffer-limit as printed → limits by class name ('normal', 'slave', 'pubsub'). */
export function obufLimits(printed: string): Record<(typeof OBUF_CLASSES)[number], ObufLimit> {
  const w = printed.split(' ');
  const out = {} as Record<(typeof OBUF_CLASSES)[number], ObufLimit>;
  for (let i = 0; i + 3 < w.length; i += 4) {
    out[w[i] as (typeof OBUF_CLASSES)[number]] = { hard: BigInt(w[i + 1]), soft: BigInt(w[i + 2]), softSeconds: BigInt(w[i + 3]) };
  }
  return out;
}

/** `client-output-buffer-limit`: groups of <class> <hard> <soft> <soft seconds>; classes not named keep their limits. */
export function parseObufLimits(args: readonly string[], current: string): Parsed {
  if (args.length % 4) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  const limits = obufLimits(current);
  const updates: [(typeof OBUF_CLASSES)[number], ObufLimit][] = [];
  for (let j = 0; j < args.length; j += 4) {
    const name = args[j].toLowerCase();
    const cls = name === 'replica' ? 'slave' : (OBUF_CLASSES as readonly string[]).includes(name) ? name : null;
    if (cls === null) return { error: 'Invalid client class specified in buffer limit configuration.' };
    const hard = memToU64(args[j + 1]);
    const soft = memToU64(args[j + 2]);
    const secs = strtoll(args[j + 3]);
    // soft_seconds is a C int: the parsed long long is truncated before the sign check
    const seconds = secs ? BigInt.asIntN(32, secs.value) : -1n;
    if (hard === null || soft === null || !secs || seconds < 0n) {
      return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    }
    updates.push([cls as (typeof OBUF_CLASSES)[number], { hard, soft, softSeconds: seconds }]);
  }
  for (const [cls, limit] of updates) limits[cls] = limit;
  return { value: OBUF_CLASSES.map((c) => `${c} ${limits[c].hard} ${limits[c].soft} ${limits[c].softSeconds}`).join(' ') };
}

/** The file form: `client-output-buffer-limit <class> <hard> <soft> <secs>` per class, memory with units. */
export function obufLimitsForFile(printed: string): { line: string; isDefault: boolean }[] {
  const cur = obufLimits(printed), def = obufLimits(DEFAULT_OBUF_LIMITS);
  return OBUF_CLASSES.map((c) => {
    const l = cur[c], d = def[c];
    return {
      line: `${c === 'slave' ? 'replica' : c} ${formatMemoryForFile(l.hard)} ${formatMemoryForFile(l.soft)} ${l.softSeconds}`,
      isDefault: l.hard === d.hard && l.soft === d.soft && l.softSeconds === d.softSeconds,
    };
  });
}

/** `oom-score-adj-values`: three integers in [-2000, 2000]. */
export function parseOomScoreAdjValues(args: readonly string[]): Parsed {
  if (args.length !== 3) return { error: 'wrong number of arguments' };
  const out: string[] = [];
  for (const a of args) {
    const v = strtoll(a);
    if (!v || v.value < -2000n || v.value > 2000n) {
      return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
    }
    out.push(String(v.value));
  }
  return { value: out.join(' ') };
}

const NOTIFY_CLASSES = 'g$lshzxetdn';
const NOTIFY_BITS: Record<string, number> = {
  g: 1 << 2, $: 1 << 3, l: 1 << 4, s: 1 << 5, h: 1 << 6, z: 1 << 7, x: 1 << 8, e: 1 << 9, t: 1 << 10, d: 1 << 13, n: 1 << 14,
  K: 1 << 0, E: 1 << 1, m: 1 << 11,
};
const NOTIFY_ALL = [...'g$lshzxetd'].reduce((a, c) => a | NOTIFY_BITS[c], 0);

/** keyspaceEventsStringToFlags(): the flag bits of a class string, or null for an unknown character. */
export function keyspaceEventFlags(text: string): number | null {
  let flags = 0;
  for (const ch of text) {
    if (ch === 'A') flags |= NOTIFY_ALL;
    else if (NOTIFY_BITS[ch] !== undefined) flags |= NOTIFY_BITS[ch];
    else return null;
  }
  return flags;
}

/** keyspaceEventsFlagsToString(): the canonical class string ("KEA" prints as "AKE"). */
export function keyspaceEventsString(flags: number): string {
  let out = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) out += 'A';
  else for (const ch of NOTIFY_CLASSES) if (flags & NOTIFY_BITS[ch]) out += ch;
  if (flags & NOTIFY_BITS.K) out += 'K';
  if (flags & NOTIFY_BITS.E) out += 'E';
  if (flags & NOTIFY_BITS.m) out += 'm';
  return out;
}

/**
 * notify-keyspace-events is stored losslessly: Redis prints `KEAn` as `AKE` (the `n` of new-key events is not among
 * A's classes, and its printer drops it) but keeps notifying new keys, so the stored form keeps the `n` after the
 * `A` and CONFIG GET / REWRITE show Redis's form (showNotifyKeyspaceEvents).
 */
export function parseNotifyKeyspaceEvents(args: readonly string[]): Parsed {
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  const flags = keyspaceEventFlags(args[0]);
  if (flags === null) return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
  const printed = keyspaceEventsString(flags);
  return { value: printed.startsWith('A') && flags & NOTIFY_BITS.n ? `An${printed.slice(1)}` : printed };
}

export function showNotifyKeyspaceEvents(stored: string): string {
  return stored.startsWith('An') ? `A${stored.slice(2)}` : stored;
}

/** `bind`: up to 16 addresses; a single "" means none. */
export function parseBind(args: readonly string[]): Parsed {
  if (args.length > 16) return { error: 'Too many bind addresses specified.' };
  const list = args.length === 1 && args[0] === '' ? [] : args;
  return { value: list.join(' ') };
}

/** `replicaof`: <host> <port>, or "no one". */
export function parseReplicaOf(args: readonly string[]): Parsed {
  if (args.length !== 2) return { error: 'wrong number of arguments' };
  if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return { value: '' };
  const port = strtoll(args[1]);
  if (!port || port.value < 0n || port.value > 65535n) return { error: 'Invalid master port' };
  return { value: `${args[0]} ${port.value}` };
}

/** printf("%f") with trailing zeros (and a bare '.') trimmed: 99.9 → "99.9", 50 → "50". */
export function trimmedDouble(d: number): string {
  const s = d.toFixed(6);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** `latency-tracking-info-percentiles`: doubles in [0, 100]; "" means none. */
export function parsePercentiles(args: readonly string[]): Parsed {
  const list = args.length === 1 && args[0] === '' ? [] : args;
  const out: string[] = [];
  for (const a of list) {
    const d = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(a) ? Number(a) : NaN;
    if (Number.isNaN(d)) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    if (d > 100 || d < 0) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    out.push(trimmedDouble(d));
  }
  return { value: out.join(' ') };
}

/** validateProcTitleTemplate(): only known {variables}, and something left once expanded. */
export function isValidProcTitleTemplate(template: string): boolean {
  const known = new Set(['title', 'listen-addr', 'server-mode', 'config-file', 'port', 'tls-port', 'unixsocket']);
  let rest = template, literal = '', variables = 0;
  for (;;) {
    const open = rest.indexOf('{');
    if (open < 0) {
      literal += rest;
      break;
    }
    literal += rest.slice(0, open);
    if (open + 1 >= rest.length) return false;
    if (rest[open + 1] === '{') {
      literal += '{';
      rest = rest.slice(open + 2);
      continue;
    }
    const close = rest.indexOf('}', open);
    if (close < 0) return false;
    const name = rest.slice(open + 1, close);
    if (!known.has(name)) return false;
    // these always expand to something non-empty
    if (name === 'listen-addr' || name === 'config-file' || name === 'port' || name === 'tls-port') variables++;
    rest = rest.slice(close + 1);
  }
  return variables > 0 || literal.trim() !== '';
}
