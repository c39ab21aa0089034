/**
 * A WebSocket client of the inspection relay for tests: collects every message and waits for conditions on
 * them (never for time). Also a "stuck" viewer: a raw socket that completes the handshake and then never reads.
 */
import net from 'node:net';
import { WebSocket } from 'ws';

export class Viewer {
  readonly messages: any[] = [];
  readonly raw: string[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      this.messages.push(JSON.parse(text));
      this.wake();
    });
    ws.on('close', () => {
      this.closed = true;
      this.wake();
    });
    ws.on('error', () => {});
  }

  static open(port: number, host = '127.0.0.1', headers: Record<string, string> = {}): Promise<Viewer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${host}:${port}/`, { headers });
      const viewer = new Viewer(ws);
      ws.once('open', () => resolve(viewer));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: HTTP ${res.statusCode}`)));
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `done()` holds; fails (with what was seen) if it does not within `limitMs`. */
  async until(done: () => boolean, what: string, limitMs = 30000): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (!done()) {
      if (this.closed) throw new Error(`viewer closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} after ${limitMs} ms; got ${this.messages.length} messages: ${this.raw.slice(-5).join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Opens a WebSocket by hand and never reads a byte afterwards, like a frozen browser tab. */
export function stuckViewer(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      s.pause();
      resolve(s);
    });
    s.on('error', reject);
  });
}
