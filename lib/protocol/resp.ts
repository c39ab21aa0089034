/**
 * RESP grammar as arcsecond parsers: client requests (multibulk and inline, as processInputBuffer in
 * networking.c reads them) and server replies (RESP2 and RESP3, for the replica's link and for tests).
 * Arguments come back as latin1 strings: one char per byte, binary-safe, the form the keyspace stores.
 */
import { Parser } from 'arcsecond';
import {
  byFirstByte, bytesOf, countedBy, countLine, lengthPrefixed, line, malformed, needBytes, succeed,
  type ByteParser, type State,
} from './bytes';
import type { Reply } from './reply';

const INT_MAX = 2147483647;

/** One bulk argument of a multibulk request: `$<n>\r\n<n bytes>\r\n`. */
export const bulkArg = lengthPrefixed({ crlf: true, as: 'latin1' });

/** `*<count>\r\n` then `count` bulk arguments. A count of 0 or less is an empty request, skipped like Redis does. */
export const multibulkRequest: ByteParser<string[]> = countedBy<string>(
  countLine(42 /* * */, 'too big mbulk count string'),
  (n, limits) =>
    Number.isNaN(n) || n > INT_MAX ? 'invalid multibulk length' : n > 10 && limits.authRequired ? 'unauthenticated multibulk length' : null,
)(bulkArg);

/** Split an inline request line the way sdssplitargs() does; null means unbalanced quotes. */
export function splitInlineArgs(b: Buffer, start: number, end: number): string[] | null {
  const args: string[] = [];
  const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13); // C isspace(): ' ' \t \n \v \f \r
  const hex = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);
  let p = start;
  for (;;) {
    while (p < end && isSpace(b[p])) p++;
    if (p >= end) return args;
    const bytes: number[] = [];
    let inDouble = false, inSingle = false;
    for (;;) {
      const c = p < end ? b[p] : -1; // -1 plays the role of the C string's terminating NUL
      if (inDouble) {
        if (c === 92 /* \ */ && p + 3 < end && b[p + 1] === 120 /* x */ && hex(b[p + 2]) >= 0 && hex(b[p + 3]) >= 0) {
          bytes.push(hex(b[p + 2]) * 16 + hex(b[p + 3]));
          p += 3;
        } else if (c === 92 && p + 1 < end) {
          p++;
          const e = b[p];
          bytes.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34 /* " */) {
          if (p + 1 < end && !isSpace(b[p + 1])) return null; // closing quote must end the token
          p++;
          break;
        } else if (c === -1) {
          return null; // unterminated quotes
        } else {
          bytes.push(c);
        }
      } else if (inSingle) {
        if (c === 92 && p + 1 < end && b[p + 1] === 39 /* ' */) {
          p++;
          bytes.push(39);
        } else if (c === 39) {
          if (p + 1 < end && !isSpace(b[p + 1])) return null;
          p++;
          break;
        } else if (c === -1) {
          return null;
        } else {
          bytes.push(c);
        }
      } else if (c === 32 || c === 10 || c === 13 || c === 9 || c === -1) {
        if (c !== -1) p++;
        break;
      } else if (c === 34) {
        inDouble = true;
      } else if (c === 39) {
        inSingle = true;
      } else {
        bytes.push(c);
      }
      p++;
    }
    args.push(Buffer.from(bytes).latin1Slice());
  }
}

const inlineLine = line('too big inline request');

/** A request typed into telnet: one line, words split like sdssplitargs(). An empty line is an empty request. */
export const inlineRequest: ByteParser<string[]> = new Parser((s: State) => {
  const st = inlineLine.p(s);
  if (st.isError) return st;
  const { start, end } = st.result as { start: number; end: number };
  const b = bytesOf(s.dataView);
  let plain = true; // fast path: no quotes, split on spaces only
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === 34 || c === 39 || (c !== 32 && c >= 9 && c <= 13)) {
      plain = false;
      break;
    }
  }
  if (plain) {
    const args: string[] = [];
    for (let i = start; i < end; ) {
      while (i < end && b[i] === 32) i++;
      const from = i;
      while (i < end && b[i] !== 32) i++;
      if (i > from) args.push(b.latin1Slice(from, i));
    }
    return succeed(st, args, st.index);
  }
  const args = splitInlineArgs(b, start, end);
  return args ? succeed(st, args, st.index) : malformed(s, 'unbalanced quotes in request');
});

/** A client request: multibulk when it starts with `*`, inline otherwise (processInputBuffer's rule). */
export const request: ByteParser<string[]> = byFirstByte({ '*': multibulkRequest }, inlineRequest);

// ---- Replies (what a server sends): for the replica's link to its master, and for tests ----

const replyLine = line('too big reply line');
const lineText = (s: State) => {
  const r = s.result as { start: number; end: number };
  return bytesOf(s.dataView).latin1Slice(r.start, r.end);
};

/** `<prefix><text>\r\n` mapped to a Reply; the prefix byte is skipped. */
function lineReply(make: (text: string) => Reply): ByteParser<Reply> {
  return new Parser((s: State) => {
    const st = replyLine.p(succeed(s, null, s.index + 1));
    if (st.isError) return st.error.kind === 'incomplete' ? st : malformed(s, st.error.message);
    return succeed(st, make(lineText(st)), st.index);
  });
}

function intOf(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function doubleOf(text: string): number {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text === 'nan') return NaN;
  return Number(text);
}

const nullReply: Reply = { kind: 'null' };

const replyCount = countLine(null, 'too big count line');

/** `$<n>\r\n<bytes>\r\n` or `$-1\r\n` (null); `=` (verbatim) and `!` (blob error) share the framing. */
function blobReply(make: (payload: string) => Reply): ByteParser<Reply> {
  return new Parser((s: State) => {
    const h = replyCount.p(s);
    if (h.isError) return h;
    const n = h.result as number;
    if (n === -1) return succeed(h, nullReply, h.index);
    if (!(n >= 0)) return malformed(s, 'invalid bulk length');
    const start = h.index, end = start + n;
    const b = bytesOf(s.dataView);
    if (end + 2 > b.length) return needBytes(s, end + 2);
    return succeed(s, make(b.latin1Slice(start, end)), end + 2);
  });
}

type AggregateKind = 'array' | 'set' | 'push' | 'map' | 'attribute';
const AGGREGATE_KINDS: (AggregateKind | undefined)[] = new Array(256).fill(undefined);
AGGREGATE_KINDS[42 /* * */] = 'array';
AGGREGATE_KINDS[126 /* ~ */] = 'set';
AGGREGATE_KINDS[62 /* > */] = 'push';
AGGREGATE_KINDS[37 /* % */] = 'map';
AGGREGATE_KINDS[124 /* | */] = 'attribute';

/** An aggregate being read: its elements so far and how many are still to come. */
interface OpenAggregate {
  kind: AggregateKind;
  items: Reply[];
  left: number;
}

/**
 * Any RESP2 or RESP3 reply. Aggregates, `*<n>` and its RESP3 relatives, hold n replies (2n for maps and
 * attributes); `*-1` is a null array. Nested aggregates are kept on an explicit stack rather than parsed by
 * recursion, so a reply nested thousands deep (a Lua script's can be) cannot exhaust the JavaScript stack.
 * Attributes (`|`) are read and dropped, as clients that ignore them do: the reply they annotate takes their place.
 */
export const reply: ByteParser<Reply> = new Parser((s: State) => {
  if (s.isError) return s;
  const open: OpenAggregate[] = [];
  let st: State<any> = s;
  for (;;) {
    const b = bytesOf(st.dataView);
    if (st.index >= b.length) return needBytes(st, st.index + 1);
    const kind = AGGREGATE_KINDS[b[st.index]];
    let done: Reply | undefined;
    if (kind === undefined) {
      st = leafReply.p(st);
      if (st.isError) return st;
      done = st.result as Reply;
    } else {
      const header = st;
      st = replyCount.p(st);
      if (st.isError) return st;
      const n = st.result as number;
      if (n === -1 && kind === 'array') done = { kind: 'nullArray' };
      else if (!(n >= 0)) return malformed(header, 'invalid multibulk length');
      else if (n > 0) {
        open.push({ kind, items: [], left: kind === 'map' || kind === 'attribute' ? n * 2 : n });
        continue;
      } else if (kind !== 'attribute') done = { kind, items: [] };
    }
    // a finished reply fills its parent, which may finish in turn
    while (done !== undefined) {
      const parent = open[open.length - 1];
      if (parent === undefined) return succeed(st, done, st.index);
      parent.items.push(done);
      done = undefined;
      if (--parent.left > 0) break;
      open.pop();
      if (parent.kind !== 'attribute') done = { kind: parent.kind, items: parent.items } as Reply;
    }
  }
});

/** A reply that holds no other reply. */
const leafReply: ByteParser<Reply> = byFirstByte<Reply>(
  {
    '+': lineReply((text) => ({ kind: 'simple', text })),
    '-': lineReply((text) => ({ kind: 'error', text })),
    ':': lineReply((text) => ({ kind: 'int', value: intOf(text) })),
    '_': lineReply(() => nullReply),
    ',': lineReply((text) => ({ kind: 'double', value: doubleOf(text) })),
    '#': lineReply((text) => ({ kind: 'bool', value: text === 't' })),
    '(': lineReply((text) => ({ kind: 'bignum', text })),
    '$': blobReply((value) => ({ kind: 'bulk', value })),
    '!': blobReply((text) => ({ kind: 'error', text })),
    '=': blobReply((text) => ({ kind: 'verbatim', format: text.slice(0, 3), text: text.slice(4) })),
  },
  new Parser((s: State) => malformed(s, `unknown reply type '${String.fromCharCode(bytesOf(s.dataView)[s.index])}'`)),
);

// ---- The RDB transfer that follows +FULLRESYNC (readSyncBulkPayload in replication.c) ----

/** How the master frames the snapshot: a byte count, or a 40-byte mark that will also end it (diskless). */
export type RdbTransferHeader = { kind: 'length'; length: number } | { kind: 'eofMark'; mark: string };

const EOF_MARK_LEN = 40;
const transferLength = countLine(36 /* $ */, 'too big RDB transfer header');

/**
 * `$<len>\r\n` or `$EOF:<40 bytes>\r\n`; newlines the master sends as keepalives before it are skipped. Only the
 * header is parsed: the payload (no trailing CRLF) is streamed to the loader by byte count or until the mark,
 * so a 500 MB snapshot is never held in one buffer.
 */
export const rdbTransferHeader: ByteParser<RdbTransferHeader | null> = new Parser((s: State) => {
  if (s.isError) return s;
  const b = bytesOf(s.dataView);
  if (s.index >= b.length) return needBytes(s, s.index + 1);
  if (b[s.index] === 10) return succeed(s, null, s.index + 1); // keepalive newline
  if (b.length - s.index >= 5 && b.latin1Slice(s.index, s.index + 5) === '$EOF:') {
    const end = s.index + 5 + EOF_MARK_LEN + 2;
    if (b.length < end) return needBytes(s, end);
    return succeed(s, { kind: 'eofMark', mark: b.latin1Slice(s.index + 5, s.index + 5 + EOF_MARK_LEN) }, end);
  }
  const st = transferLength.p(s);
  if (st.isError) return st;
  const n = st.result as number;
  if (!(n >= 0)) return malformed(s, 'invalid RDB transfer length');
  return succeed(st, { kind: 'length', length: n }, st.index);
});

// ---- What a replica reads from its master ----

/** A reply, or null for a bare `\n` keepalive (sent while the master prepares the snapshot). */
export const replyOrKeepalive: ByteParser<Reply | null> = byFirstByte<Reply | null>(
  { '\n': new Parser((s: State) => succeed(s, null, s.index + 1)) },
  reply,
);

/**
 * A command of the replication stream: multibulk only. Empty lines are keepalives; any other inline request
 * means the stream is out of sync, and Redis drops the link ("Master using the inline protocol. Desync?").
 */
export const masterStreamRequest: ByteParser<string[]> = byFirstByte<string[]>(
  { '*': multibulkRequest },
  new Parser((s: State) => {
    const st = inlineRequest.p(s);
    if (st.isError || (st.result as string[]).length === 0) return st;
    return malformed(s, 'Master using the inline protocol. Desync?');
  }),
);
