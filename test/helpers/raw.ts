/**
 * A raw RESP connection for byte-exact tests: write any bytes, read whole replies as the bytes the server sent,
 * framed with toyredis's own reply parser (which the protocol tests check separately).
 */
import net from 'node:net';
import { FrameDecoder, NEED_MORE } from '../../lib/protocol/decoder';
import { reply } from '../../lib/protocol/resp';
import type { Reply } from '../../lib/protocol/reply';

/** How long a read waits before it calls the server hung: generous, since a loaded CI machine is slow. */
const READ_LIMIT_MS = 30000;

export class RawConnection {
  private decoder = new FrameDecoder({ maxBulkLen: Infinity, maxInlineLen: Infinity, fromMaster: true });
  private raw: Buffer[] = [];
  private consumed = 0; // bytes of `raw` already returned as replies
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.raw.push(d);
      this.decoder.feed(d);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.waiters.push(() => (clearTimeout(t), resolve(true)));
    });
  }

  write(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Send a command as a multibulk request. */
  send(...argv: (string | Buffer)[]): void {
    const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
    for (const a of argv) {
      const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
    this.socket.write(Buffer.concat(parts));
  }

  /** The next whole reply, parsed. Rejects after `ms` or when the connection closes first. */
  async read(ms = READ_LIMIT_MS): Promise<Reply> {
    return (await this.readFrame(ms)).reply;
  }

  /** The next whole reply exactly as the bytes arrived (latin1). */
  async readRaw(ms = READ_LIMIT_MS): Promise<string> {
    return (await this.readFrame(ms)).bytes;
  }

  /** Send one command and return its reply's bytes. */
  async exchange(...argv: string[]): Promise<string> {
    this.send(...argv);
    return this.readRaw();
  }

  private async readFrame(ms: number): Promise<{ reply: Reply; bytes: string }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = this.decoder.next(reply);
      if (r !== NEED_MORE) {
        const start = this.consumed;
        this.consumed += this.decoder.lastFrameBytes;
        return { reply: r, bytes: Buffer.concat(this.raw).subarray(start, this.consumed).toString('latin1') };
      }
      if (this.closed) throw new Error('connection closed');
      if (!(await this.wait(deadline - Date.now())) && Date.now() >= deadline) throw new Error('timed out waiting for a reply');
    }
  }

  /** Every byte received so far, as latin1 (one char per byte). */
  received(): string {
    return Buffer.concat(this.raw).toString('latin1');
  }

  /** Wait until `n` bytes in total have arrived, or the connection closed, or `ms` passed. */
  async waitBytes(n: number, ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    while (Buffer.concat(this.raw).length < n && !this.closed && Date.now() < deadline) await this.wait(deadline - Date.now());
    return this.received();
  }

  /** Wait for the server to close the connection; false if it stays open for `ms`. */
  async waitClosed(ms = 2000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await this.wait(deadline - Date.now());
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
