/**
 * Incremental framing over a TCP byte stream: feed() chunks as they arrive, next(parser) pulls one frame.
 * The parser may change between frames (a replica reads replies, then the RDB frame, then commands), so this
 * is a pull API. When a frame is incomplete the parser says which byte it needs, and nothing is re-parsed or
 * concatenated until that many bytes are here: a 100 MB bulk in 64 KB chunks is parsed once.
 */
import { DEFAULT_LIMITS, runAt, viewOf, type ByteParser, type ParseLimits } from './bytes';

export const NEED_MORE: unique symbol = Symbol('need more bytes');

/** Malformed input: `reason` is what Redis says after "Protocol error: ". */
export class ProtocolError extends Error {
  constructor(readonly reason: string) {
    super(`Protocol error: ${reason}`);
  }
}

const EMPTY = Buffer.alloc(0);

export class FrameDecoder {
  private buf: Buffer = EMPTY;
  private view: DataView = viewOf(EMPTY);
  private off = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private need = 0; // bytes (counted from `off`) the last incomplete frame asked for
  /** Bytes the last frame returned by next() occupied on the wire (replication offsets count them). */
  lastFrameBytes = 0;

  constructor(public limits: ParseLimits = DEFAULT_LIMITS) {}

  /** Bytes received and not yet consumed as frames. */
  get buffered(): number {
    return this.buf.length - this.off + this.pendingBytes;
  }

  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.off === this.buf.length && this.pending.length === 0) {
      this.setBuffer(chunk);
    } else {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
  }

  /** The next frame, NEED_MORE, or a thrown ProtocolError. */
  next<T>(parser: ByteParser<T>): T | typeof NEED_MORE {
    if (this.pending.length) {
      if (this.buffered < this.need) return NEED_MORE; // a big bulk is still arriving: don't touch it yet
      this.setBuffer(Buffer.concat([this.buf.subarray(this.off), ...this.pending], this.buffered));
      this.pending = [];
      this.pendingBytes = 0;
    }
    if (this.off >= this.buf.length) return NEED_MORE;
    const st = runAt(parser, this.view, this.off, this.limits);
    if (st.isError) {
      if (st.error.kind === 'incomplete') {
        this.need = st.error.needEnd - this.off;
        return NEED_MORE;
      }
      throw new ProtocolError(st.error.message);
    }
    this.need = 0;
    this.lastFrameBytes = st.index - this.off;
    this.off = st.index;
    if (this.off === this.buf.length) this.setBuffer(EMPTY); // let the chunk be collected
    return st.result;
  }

  /**
   * Up to `max` raw bytes, without parsing (an RDB payload streamed to a file or loader). Returns views of the
   * chunks as they arrived, so a 500 MB transfer is never concatenated.
   */
  takeRaw(max: number): Buffer | null {
    if (this.off === this.buf.length) {
      const chunk = this.pending.shift();
      if (!chunk) return null;
      this.pendingBytes -= chunk.length;
      this.setBuffer(chunk);
    }
    const n = Math.min(max, this.buf.length - this.off);
    const out = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    this.need = 0;
    return out;
  }

  /** Everything buffered, consumed (handing a connection's unread bytes to another reader). */
  drain(): Buffer {
    const out = Buffer.concat([this.buf.subarray(this.off), ...this.pending]);
    this.pending = [];
    this.pendingBytes = 0;
    this.setBuffer(EMPTY);
    return out;
  }

  private setBuffer(b: Buffer): void {
    this.buf = b;
    this.view = viewOf(b);
    this.off = 0;
    this.need = 0;
  }
}
