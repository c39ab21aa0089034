/**
 * The replication backlog: a ring buffer with the last `repl-backlog-size` bytes of the replication stream, so a
 * replica that lost its link can continue from its offset (+CONTINUE) instead of a full resync. Offsets are
 * Redis's: 1-based, the first byte of the stream is offset 1.
 */
export class Backlog {
  private buf: Buffer;
  private writePos = 0; // where the next byte goes in buf
  /** Bytes held (repl_backlog_histlen). */
  histlen = 0;
  /** Stream offset of the first byte held (repl_backlog_first_byte_offset). */
  firstByteOffset: number;

  /** `nextOffset` is the offset the next appended byte will have (master_repl_offset + 1). */
  constructor(
    size: number,
    nextOffset: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1, size));
    this.firstByteOffset = nextOffset;
  }

  get size(): number {
    return this.buf.length;
  }

  append(bytes: Buffer): void {
    const size = this.buf.length;
    if (bytes.length >= size) {
      bytes.copy(this.buf, 0, bytes.length - size);
      this.writePos = 0;
      this.firstByteOffset += this.histlen + bytes.length - size;
      this.histlen = size;
      return;
    }
    const first = Math.min(bytes.length, size - this.writePos);
    bytes.copy(this.buf, this.writePos, 0, first);
    if (first < bytes.length) bytes.copy(this.buf, 0, first);
    this.writePos = (this.writePos + bytes.length) % size;
    this.histlen += bytes.length;
    if (this.histlen > size) {
      this.firstByteOffset += this.histlen - size;
      this.histlen = size;
    }
  }

  /** Can a replica continue from `offset` (the first byte it lacks)? */
  covers(offset: number): boolean {
    return offset >= this.firstByteOffset && offset <= this.firstByteOffset + this.histlen;
  }

  /** The bytes from `offset` to the end of the stream (addReplyReplicationBacklog). */
  from(offset: number): Buffer {
    const skip = offset - this.firstByteOffset;
    const len = this.histlen - skip;
    if (len <= 0) return Buffer.alloc(0);
    const size = this.buf.length;
    const start = (this.writePos - len + size) % size;
    if (start + len <= size) return Buffer.from(this.buf.subarray(start, start + len));
    return Buffer.concat([this.buf.subarray(start), this.buf.subarray(0, len - (size - start))]);
  }

  /** CONFIG SET repl-backlog-size: keep as much of the history as fits. */
  resize(size: number): void {
    if (size === this.buf.length) return;
    const keep = this.from(this.firstByteOffset + Math.max(0, this.histlen - size));
    const dropped = this.histlen - keep.length;
    this.buf = Buffer.allocUnsafe(Math.max(1, size));
    this.writePos = 0;
    this.histlen = 0;
    this.firstByteOffset += dropped;
    this.append(keep);
  }
}
