/**
 * `--inspect ws://host:port`: this server's inspection messages go to a relay that already runs elsewhere
 * (another toyredis's, e.g. a master's, or @statelyai/inspect's createInspectorServer), so a master and its
 * replicas show in one view. Bounded like the relay: while the link is down, only the latest messages wait;
 * while it is slow, messages are dropped. Each (re)connection first re-announces the live actors.
 */
import { WebSocket } from 'ws';
import { LiveActors } from './live-actors';
import type { InspectionMessage } from './messages';

export interface RemoteRelayOptions {
  /** Messages kept while disconnected (the oldest go first). */
  maxQueued?: number;
  /** Unsent bytes on the socket beyond which new messages are dropped. */
  maxBuffered?: number;
  retryMs?: number;
  log?: (level: 'notice' | 'warning' | 'verbose', message: string) => void;
}

export interface RemoteRelay {
  publish(json: string, message: InspectionMessage): void;
  readonly connected: boolean;
  readonly dropped: number;
  close(): void;
}

export function connectToRelay(url: string, options: RemoteRelayOptions = {}): RemoteRelay {
  const maxQueued = options.maxQueued ?? 2000;
  const maxBuffered = options.maxBuffered ?? 4 * 1024 * 1024;
  const retryMs = options.retryMs ?? 1000;
  const log = options.log ?? (() => {});
  const live = new LiveActors();
  let queue: string[] = [];
  let ws: WebSocket | null = null;
  let open = false;
  let closed = false;
  let dropped = 0;
  let retry: NodeJS.Timeout | null = null;
  let warned = false;

  const connect = () => {
    retry = null;
    if (closed) return;
    const sock = new WebSocket(url, { perMessageDeflate: false });
    ws = sock;
    sock.on('open', () => {
      open = true;
      warned = false;
      log('notice', `Inspector: sending to ${url}`);
      // What the relay may have missed or forgotten: every live actor as it is now, then what happened since.
      const pending = queue;
      queue = [];
      for (const json of live.replay()) sock.send(json);
      for (const json of pending) sock.send(json);
    });
    sock.on('message', () => {}); // a relay echoes its other producers; we only send
    sock.on('error', (e) => {
      if (!warned) log('warning', `Inspector: cannot reach ${url}: ${e.message} (retrying)`);
      warned = true;
    });
    sock.on('close', () => {
      open = false;
      ws = null;
      if (!closed) {
        retry = setTimeout(connect, retryMs);
        retry.unref();
      }
    });
  };
  connect();

  return {
    publish(json, message) {
      live.note(message, json);
      if (open && ws) {
        if (ws.bufferedAmount > maxBuffered) dropped++;
        else ws.send(json);
        return;
      }
      queue.push(json);
      if (queue.length > maxQueued) {
        queue.shift();
        dropped++;
      }
    },
    get connected() {
      return open;
    },
    get dropped() {
      return dropped;
    },
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      ws?.terminate();
    },
  };
}
