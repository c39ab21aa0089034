/**
 * The inspection relay: one HTTP + WebSocket port, protocol-identical to @statelyai/inspect's
 * createInspectorServer. Every message (from this server's actors, or sent by a peer such as a replica or a
 * createWebSocketInspector) goes to every other connected socket; a socket that connects late first gets the
 * live actors, then the last N messages. HTTP serves the offline live view at `/` and the Stately bridge at
 * `/stately`. Bounded everywhere: a viewer that stops reading is dropped, malformed peer messages are ignored.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { LiveActors } from './live-actors';
import { isEndOfActor, isInspectionMessage, PROTOCOL_VERSION, type InspectionMessage } from './messages';
import { statelyBridgePage } from './stately-bridge';

export interface RelayOptions {
  port: number;
  /** Listening address; loopback unless the user asked otherwise (--inspect-bind). */
  host?: string;
  /** The live view's HTML, served at `/`. */
  page: string;
  /** Messages replayed to a late viewer (after the live actors); @statelyai/inspect keeps 200. */
  replay?: number;
  /** ...and at most this many bytes of them. */
  replayBytes?: number;
  /** A viewer whose unsent output exceeds this is dropped. */
  maxViewerBuffer?: number;
  maxViewers?: number;
  /** Larger frames from a peer close its socket (ws maxPayload). */
  maxMessageBytes?: number;
  log?: (level: 'notice' | 'warning' | 'verbose', message: string) => void;
}

export interface RelayStats {
  /** Messages relayed (ours and peers'). */
  messages: number;
  /** Viewers dropped for not reading. */
  droppedViewers: number;
  /** Peer frames that were not inspection messages. */
  ignoredMessages: number;
}

export interface Relay {
  readonly port: number;
  readonly host: string;
  /** `http://host:port/`, with a wildcard bind shown as 127.0.0.1. */
  readonly url: string;
  readonly viewers: number;
  readonly stats: RelayStats;
  /** Relay one message from this process's actors. */
  publish(json: string, message: InspectionMessage): void;
  close(): Promise<void>;
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const host = options.host ?? '127.0.0.1';
  const replayCount = options.replay ?? 1000;
  const replayBytes = options.replayBytes ?? 4 * 1024 * 1024;
  const maxViewerBuffer = options.maxViewerBuffer ?? 16 * 1024 * 1024;
  const maxViewers = options.maxViewers ?? 32;
  const log = options.log ?? (() => {});
  const stats: RelayStats = { messages: 0, droppedViewers: 0, ignoredMessages: 0 };
  const live = new LiveActors();
  const recent: string[] = [];
  let recentBytes = 0;
  /** Sessions each peer announced: when the peer goes away, its actors are reported stopped. */
  const peerSessions = new Map<WebSocket, Set<string>>();
  const bridge = statelyBridgePage();

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        // Self-contained by construction: nothing may be fetched but this server's own WebSocket.
        'Content-Security-Policy': `default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self' ws://${req.headers.host ?? ''}`,
      }).end(req.method === 'HEAD' ? undefined : options.page);
    } else if (path === '/stately') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(req.method === 'HEAD' ? undefined : bridge);
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: try / (live view) or /stately (Stately inspector)\n');
    }
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const wss = new WebSocketServer({
    server,
    maxPayload: options.maxMessageBytes ?? 1024 * 1024,
    perMessageDeflate: false,
    // A page on another site must not read the stream through the user's browser; tools (no Origin) may.
    verifyClient: ({ origin, req }: { origin?: string; req: http.IncomingMessage }) => !origin || sameHost(origin, req.headers.host),
  });

  wss.on('error', () => {}); // it re-emits the HTTP server's errors, which are handled there

  const send = (ws: WebSocket, json: string) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount + json.length > maxViewerBuffer) {
      stats.droppedViewers++;
      log('warning', `Inspector: dropping a viewer that stopped reading (${ws.bufferedAmount} bytes unsent)`);
      ws.terminate();
      return;
    }
    ws.send(json);
  };

  const relay = (json: string, message: InspectionMessage, from: WebSocket | null) => {
    stats.messages++;
    live.note(message, json);
    recent.push(json);
    recentBytes += json.length;
    while (recent.length > replayCount || recentBytes > replayBytes) recentBytes -= recent.shift()!.length;
    for (const ws of wss.clients) if (ws !== from) send(ws, json);
  };

  wss.on('connection', (ws) => {
    ws.on('error', () => {}); // a reset viewer only leaves
    if (wss.clients.size > maxViewers) {
      ws.close(1013, 'too many viewers');
      return;
    }
    for (const json of live.replay()) send(ws, json);
    for (const json of recent) send(ws, json);
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      const message = isBinary ? null : parse(text);
      if (!message) {
        stats.ignoredMessages++;
        return;
      }
      relay(text, message, ws);
      // Remembered only while the live set tracks the actor (it is bounded; a peer cannot grow this past it).
      let sessions = peerSessions.get(ws);
      if (!sessions) peerSessions.set(ws, (sessions = new Set()));
      if (message.type === '@xstate.actor' && live.has(message.sessionId)) sessions.add(message.sessionId);
      else if (isEndOfActor(message)) sessions.delete(message.sessionId);
    });
    ws.on('close', () => {
      const sessions = peerSessions.get(ws);
      peerSessions.delete(ws);
      // Its process is gone or unreachable: say its actors stopped, so no view shows them alive forever.
      for (const sessionId of sessions ?? []) {
        if (!live.has(sessionId)) continue;
        const stopped: InspectionMessage = {
          type: '@xstate.snapshot',
          sessionId,
          _version: PROTOCOL_VERSION,
          createdAt: String(Date.now()),
          id: null,
          event: { type: 'xstate.stop' },
          snapshot: { status: 'stopped' },
        };
        relay(JSON.stringify(stopped), stopped, null);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new RelayListenError(`Could not start the inspector on ${host}:${options.port}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`)),
    );
    server.listen({ port: options.port, host, exclusive: true }, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  server.on('error', (e) => log('warning', `Inspector: ${e.message}`));
  const port = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    port,
    host,
    url: `http://${shownHost}:${port}/`,
    get viewers() {
      return wss.clients.size;
    },
    stats,
    publish: (json, message) => relay(json, message, null),
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export class RelayListenError extends Error {
  override name = 'RelayListenError'; // bin/toyredis.ts tells it by name: this module is loaded lazily
}

function parse(text: string): InspectionMessage | null {
  try {
    const value: unknown = JSON.parse(text);
    return isInspectionMessage(value) ? value : null;
  } catch {
    return null;
  }
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
