/**
 * `--inspect`: what bin/toyredis.ts loads with `await import()` only when asked. Either runs a relay on a port
 * (the live view, the Stately bridge, the WebSocket stream) or, given a ws:// URL, sends to a relay running
 * elsewhere; in both cases returns the `inspect` callback for startServer().
 */
import type { InspectionEvent } from 'xstate';
import { BUILT_SVGS } from './built-diagrams';
import { MACHINES } from './machines';
import { livePage } from './page';
import { startRelay, type Relay } from './relay';
import { connectToRelay, type RemoteRelay } from './remote';
import { createInspectionSource, type InspectionSource } from './source';

export interface InspectionOptions {
  /** Run a relay on this port (0: any free port)... */
  port?: number;
  bind?: string;
  /** ...or send to this relay (ws://host:port). */
  url?: string;
  /** Prefix for session ids, e.g. the server's port; read when messages are built. */
  tag: () => string;
  log?: (level: 'notice' | 'warning' | 'verbose', message: string) => void;
}

export interface Inspection {
  inspect: (ev: InspectionEvent) => void;
  source: InspectionSource;
  relay: Relay | null;
  remote: RemoteRelay | null;
  /** Lines for the startup log: where to look. */
  banner(): string[];
  close(): Promise<void>;
}

export async function startInspection(options: InspectionOptions): Promise<Inspection> {
  if (options.url !== undefined) {
    const remote = connectToRelay(options.url, { log: options.log });
    const source = createInspectionSource({ publish: remote.publish, tag: options.tag });
    return {
      inspect: source.inspect,
      source,
      relay: null,
      remote,
      banner: () => [`Inspector: sending machine events to the relay at ${options.url}`],
      close: async () => {
        source.flush();
        remote.close();
      },
    };
  }
  const relay = await startRelay({
    port: options.port ?? 8080,
    host: options.bind,
    page: livePage(MACHINES.map((m) => ({ id: m.machine.id, group: m.group, summary: m.summary, svg: BUILT_SVGS[m.machine.id] }))),
    log: options.log,
  });
  const source = createInspectionSource({ publish: relay.publish, tag: options.tag });
  return {
    inspect: source.inspect,
    source,
    relay,
    remote: null,
    banner: () => [
      `Inspector: live view (offline) ${relay.url}`,
      `Inspector: Stately inspector (online) ${relay.url}stately`,
      `Inspector: WebSocket stream for @statelyai/inspect receivers ${relay.url.replace(/^http/, 'ws')}`,
    ],
    close: async () => {
      source.flush();
      await relay.close();
    },
  };
}
