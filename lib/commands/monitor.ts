/**
 * MONITOR (monitorCommand in server.c, replicationFeedMonitors in replication.c): every command the server runs is
 * copied to each monitor as one `+<unix time>.<µs> [<db> <origin>] "arg" …` line. call() (index.ts) feeds them;
 * admin and skip_monitor commands are never shown, and AUTH and HELLO passwords show as "(redacted)".
 */
import { fail } from '../protocol/errors';
import { OK, raw, sequence, type Reply } from '../protocol/reply';
import { pubsubOf } from '../server/pubsub';
import { redactedArgv } from '../server/redact';
import { systemClock } from '../store/keyspace';
import type { Client } from '../server/client';
import type { Server } from '../server/server';
import { NO_REPLY, type Command, type CommandContext, type CommandSpec, type Deferred } from './types';

export const monitorCommands: readonly CommandSpec[] = [
  { name: 'MONITOR', arity: 1, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '1.0.0', summary: 'Listen for all requests received by the server in real time', run: monitorCommand },
];

/** Each server's monitors, in the order they asked (the order lines go out in). */
const monitorsByServer = new WeakMap<Server, Set<Client>>();
/** Clients whose reset and close already take them off the list. */
const watchedClients = new WeakSet<Client>();

/** CLIENT_MONITOR (the client machine remembers it too, as the mode it returns to). */
export function isMonitor(server: Server, client: Client): boolean {
  return monitorsByServer.get(server)?.has(client) ?? false;
}

// MONITOR
function monitorCommand({ server, client }: CommandContext): Reply | Deferred {
  // run by EXEC the client may not block (CLIENT_DENY_BLOCKING), and a monitor never stops streaming
  if (client.mode === 'multi') fail("ERR MONITOR isn't allowed for DENY BLOCKING client");
  // already a monitor (or a replica): Redis ignores it without a reply
  if (isMonitor(server, client) || client.replica !== null || client.mode === 'replica') return NO_REPLY;
  let monitors = monitorsByServer.get(server);
  if (!monitors) monitorsByServer.set(server, (monitors = new Set()));
  monitors.add(client);
  if (!watchedClients.has(client)) {
    watchedClients.add(client);
    const forget = () => monitorsByServer.get(server)?.delete(client);
    client.actor.on('connectionReset', forget);
    client.actor.on('released', forget);
  }
  client.send({ type: 'command.monitor' });
  return OK;
}

/**
 * replicationFeedMonitors(): send the command to every monitor, after it ran (so its db is the one it left
 * selected). A monitor's own commands come back to it after their reply, so for that one the line joins the reply
 * (still subject to CLIENT REPLY like any reply); the others get it at once.
 */
export function feedMonitors(server: Server, client: Client, command: Command, argv: readonly string[], reply: Reply | Deferred): Reply | Deferred {
  const monitors = monitorsByServer.get(server);
  if (!monitors || monitors.size === 0 || server.loading) return reply;
  // administrative commands are considered too dangerous to be shown
  if (command.flags.includes('admin') || command.flags.includes('skip_monitor')) return reply;
  const line = Buffer.from(monitorLine(wallClockMicros(server), client.db.id, client.addr, redactedArgv(server, argv)), 'latin1');
  let out = reply;
  for (const m of [...monitors]) {
    if (m.replyMode !== 'on') continue; // monitor lines are plain replies, not pushes: CLIENT REPLY OFF mutes them
    if (m !== client) pubsubOf(server).deliver(m, line);
    else if (typeof out === 'object') out = sequence([out, raw(line)]);
    else server.writer.write(raw(line)); // parked or silent command: the line goes out now, its reply later
  }
  return out;
}

/**
 * replicationFeedMonitors() called by a command itself before it runs (EVAL, FCALL: skip_monitor), so the commands
 * its script runs show after it. The caller's own line, if it monitors, is left out rather than sent before its reply.
 */
export function feedMonitorsFirst(server: Server, client: Client, argv: readonly string[]): void {
  const monitors = monitorsByServer.get(server);
  if (!monitors || monitors.size === 0 || server.loading) return;
  const line = Buffer.from(monitorLine(wallClockMicros(server), client.db.id, client.addr, argv), 'latin1');
  for (const m of [...monitors]) if (m !== client && m.replyMode === 'on') pubsubOf(server).deliver(m, line);
}

/**
 * One monitor line: `+1700000000.123456 [0 127.0.0.1:5000] "set" "k" "v"` with CRLF. The origin is the client's
 * address; Redis writes `lua` for a script's commands and `unix:<path>` for a Unix socket client.
 */
export function monitorLine(micros: number, db: number, origin: string, argv: readonly string[]): string {
  const sec = Math.floor(micros / 1e6);
  const usec = String(micros % 1e6).padStart(6, '0');
  return `+${sec}.${usec} [${db} ${origin}] ${argv.map(quoted).join(' ')}\r\n`;
}

/** sdscatrepr(): quoted, with \\ \" \n \r \t \a \b escapes and \xHH for bytes that are not printable ASCII. */
export function quoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x5c: out += '\\\\'; break;
      case 0x22: out += '\\"'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x07: out += '\\a'; break;
      case 0x08: out += '\\b'; break;
      default: out += c >= 0x20 && c <= 0x7e ? s[i] : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return out + '"';
}




/**
 * gettimeofday() in microseconds. The server's clock gives the time (tests inject one); the real clock adds the
 * microseconds Date.now() cannot show.
 */
function wallClockMicros(server: Server): number {
  if (server.clock === systemClock) return Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return Math.floor(server.clock.now() * 1000);
}
