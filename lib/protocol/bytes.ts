/**
 * Byte-level arcsecond primitives shared by the RESP request parser, the reply parser and the RDB frame.
 * arcsecond's own text parsers re-decode the whole remaining input on every call and cannot tell "need more
 * bytes" from "malformed" (see shared/notes/stack-findings.md §1), so the leaves here read the DataView directly.
 */
import { Parser, type ParserState } from 'arcsecond';

/** Why a parse stopped: the input ends too early, or it can never be valid. */
export type ParseError =
  | { kind: 'incomplete'; needEnd: number } // absolute index the input must reach before trying again
  | { kind: 'malformed'; message: string }; // the text Redis replies after "Protocol error: "

/** Limits passed to the parsers as arcsecond's `data`, so they follow CONFIG SET without rebuilding parsers. */
export interface ParseLimits {
  maxBulkLen: number; // proto-max-bulk-len
  maxInlineLen: number; // PROTO_INLINE_MAX_SIZE: the longest line (inline request or count line) we wait for
  fromMaster: boolean; // a master's stream is trusted with bulks above proto-max-bulk-len, as Redis does
  /**
   * The client has yet to authenticate and must (authRequired in networking.c): until it does, a request may have at
   * most 10 arguments of at most 16384 bytes, so an unauthenticated peer cannot make the server buffer much.
   */
  readonly authRequired?: boolean;
}

export const DEFAULT_LIMITS: ParseLimits = { maxBulkLen: 512 * 1024 * 1024, maxInlineLen: 64 * 1024, fromMaster: false };

export type State<T = unknown> = ParserState<T, ParseError, ParseLimits>;
export type ByteParser<T> = Parser<T, ParseError, ParseLimits>;

/** A DataView over exactly this Buffer's bytes (arcsecond's run(Buffer) ignores byteOffset). */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

// One Buffer view per DataView, so primitives can use indexOf/latin1Slice without copying.
let lastView: DataView | null = null;
let lastBytes: Buffer = Buffer.alloc(0);
export function bytesOf(dv: DataView): Buffer {
  if (dv !== lastView) {
    lastView = dv;
    lastBytes = Buffer.from(dv.buffer, dv.byteOffset, dv.byteLength);
  }
  return lastBytes;
}

// State constructors as literals of one shape (arcsecond's {...state} spreads are slower).
export function succeed<T>(s: State<any>, result: T, index: number): State<T> {
  return { dataView: s.dataView, inputType: s.inputType, isError: false, error: null as any, result, index, data: s.data };
}
export function needBytes(s: State<any>, needEnd: number): State<any> {
  return { dataView: s.dataView, inputType: s.inputType, isError: true, error: { kind: 'incomplete', needEnd }, result: null, index: s.index, data: s.data };
}
export function malformed(s: State<any>, message: string): State<any> {
  return { dataView: s.dataView, inputType: s.inputType, isError: true, error: { kind: 'malformed', message }, result: null, index: s.index, data: s.data };
}

/** Run a parser at `index` of an existing view: no re-slicing, so a pipelined buffer is parsed in one pass. */
export function runAt<T>(p: ByteParser<T>, dataView: DataView, index: number, data: ParseLimits): State<T> {
  return p.p({ dataView, inputType: 'dataView' as any, isError: false, error: null as any, result: null, index, data });
}

const CR = 13, LF = 10, NUL = 0;

/**
 * Index of the first `byte` at or after `from`, or -1. Like the strchr() Redis uses on its query buffer, the
 * search stops at a NUL byte, so "no line yet" is answered the same way Redis answers it.
 */
export function findLineEnd(b: Buffer, from: number, byte: number): number {
  const at = b.indexOf(byte, from);
  if (at < 0) return -1;
  for (let i = from; i < at; i++) if (b[i] === NUL) return -1;
  return at;
}

/**
 * Redis's string2ll over bytes [start, end): optional '-', no '+', no leading zeros, no spaces, at most 20 chars.
 * Returns NaN when Redis would refuse the text. Values past 2^53 lose precision, which is harmless for lengths.
 */
export function parseStrictInt(b: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len > 20) return NaN;
  let i = start, negative = false;
  if (b[i] === 45 /* - */) {
    negative = true;
    i++;
    if (i === end) return NaN;
  }
  if (b[i] === 48 /* 0 */) return len === 1 ? 0 : NaN; // "0" only; "-0" and "012" are refused
  let n = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c < 48 || c > 57) return NaN;
    n = n * 10 + (c - 48);
  }
  if (n > 9223372036854775807) return NaN; // string2ll overflow (approximate beyond 2^53)
  return negative ? -n : n;
}

/**
 * `<prefix><integer>\r\n`, read the way processMultibulkBuffer reads a count line: find the CR first (waiting,
 * or refusing with `tooBig` once more than maxInlineLen bytes have no CR), then check the prefix byte (any type
 * byte when `prefix` is null), then the digits. The byte after CR is skipped unchecked, as Redis does.
 * Result: the integer, NaN when Redis's string2ll would refuse it.
 */
export function countLine(prefix: number | null, tooBig: string): ByteParser<number> {
  return new Parser((s: State) => {
    if (s.isError) return s;
    const b = bytesOf(s.dataView), start = s.index;
    const cr = findLineEnd(b, start, CR);
    if (cr < 0) return b.length - start > s.data.maxInlineLen ? malformed(s, tooBig) : needBytes(s, b.length + 1);
    if (cr + 2 > b.length) return needBytes(s, cr + 2);
    if (prefix !== null && b[start] !== prefix) {
      return malformed(s, `expected '${String.fromCharCode(prefix)}', got '${String.fromCharCode(b[start])}'`);
    }
    return succeed(s, parseStrictInt(b, start + 1, cr), cr + 2);
  });
}

/** How a length-prefixed payload comes back: a latin1 string (one char per byte) or a zero-copy Buffer view. */
export type PayloadAs = 'latin1' | 'buffer';

/**
 * `$<n>\r\n<n bytes>` plus `\r\n` when `crlf`; one primitive so a 100 MB bulk costs one check, not a loop.
 * The trailing CRLF of a request bulk is skipped unchecked, as Redis does; `crlf: false` is the RDB transfer frame.
 * When the payload is short, the error says exactly which index must be reached, so the decoder can wait for it.
 */
export function lengthPrefixed(opts: { crlf: boolean; as: 'latin1' }): ByteParser<string>;
export function lengthPrefixed(opts: { crlf: boolean; as: 'buffer' }): ByteParser<Buffer>;
export function lengthPrefixed({ crlf, as }: { crlf: boolean; as: PayloadAs }): ByteParser<string | Buffer> {
  const header = countLine(36 /* $ */, 'too big bulk count string');
  return new Parser((s: State) => {
    const h = header.p(s);
    if (h.isError) return h;
    const n = h.result as number;
    if (!(n >= 0) || (n > s.data.maxBulkLen && !s.data.fromMaster)) return malformed(s, 'invalid bulk length');
    if (n > 16384 && s.data.authRequired) return malformed(s, 'unauthenticated bulk length');
    const start = h.index, end = start + n, need = crlf ? end + 2 : end;
    const b = bytesOf(s.dataView);
    if (need > b.length) return needBytes(s, need);
    return succeed(s, as === 'latin1' ? b.latin1Slice(start, end) : b.subarray(start, end), need);
  });
}

/**
 * A count line followed by that many items. Unlike arcsecond's exactly(n) it builds no parser per call, accepts 0,
 * and never pre-allocates from an untrusted count (`*2147483647` grows its array only as items arrive).
 * A count of 0 or below yields an empty list, as Redis skips such a request.
 */
export function countedBy<T>(count: ByteParser<number>, validate: (n: number, limits: ParseLimits) => string | null) {
  return (item: ByteParser<T>): ByteParser<T[]> =>
    new Parser((s: State) => {
      let st: State<any> = count.p(s);
      if (st.isError) return st;
      const n = st.result as number;
      const problem = validate(n, s.data);
      if (problem) return malformed(s, problem);
      const out: T[] = [];
      for (let k = 0; k < n; k++) {
        st = item.p(st);
        if (st.isError) return st.error.kind === 'incomplete' ? st : malformed(s, st.error.message);
        out.push(st.result);
      }
      return succeed(st, out, st.index);
    });
}

/** Dispatch on the byte under the cursor, as RESP's type prefixes ask; `otherwise` takes the rest. */
export function byFirstByte<T>(table: Record<string, ByteParser<T>>, otherwise: ByteParser<T>): ByteParser<T> {
  const slots: (ByteParser<T> | undefined)[] = new Array(256).fill(undefined);
  for (const [ch, p] of Object.entries(table)) slots[ch.charCodeAt(0)] = p;
  return new Parser((s: State) => {
    if (s.isError) return s;
    const b = bytesOf(s.dataView);
    if (s.index >= b.length) return needBytes(s, s.index + 1);
    return (slots[b[s.index]] ?? otherwise).p(s);
  });
}

/** A line ending in `\n` (an optional `\r` before it is dropped): the payload of `+`, `-`, `:` and inline requests. */
export function line(tooBig: string): ByteParser<{ start: number; end: number }> {
  return new Parser((s: State) => {
    if (s.isError) return s;
    const b = bytesOf(s.dataView), start = s.index;
    const nl = findLineEnd(b, start, LF);
    if (nl < 0) return b.length - start > s.data.maxInlineLen ? malformed(s, tooBig) : needBytes(s, b.length + 1);
    const end = nl > start && b[nl - 1] === CR ? nl - 1 : nl;
    return succeed(s, { start, end }, nl + 1);
  });
}
