/**
 * One client described the way CLIENT LIST / CLIENT INFO print it (catClientInfoString in networking.c), and its
 * memory as INFO counts it. Buffer sizes toyredis does not have (a per-client reply buffer, a query buffer
 * allocation) are shown as Redis would size them for the same traffic, so the numbers stay plausible.
 */
import type { Client } from './client';
import type { Server } from './server';
import { isSubscribed, subscriptionCounts } from './pubsub';
import { trackingFlags, trackingRedirect } from './tracking';

/** The command being run, when the described client is the one asking (CLIENT LIST/INFO from itself). */
export interface Running {
  client: Client;
  argv: readonly string[];
  fullname: string;
}

const QUERYBUF_ALLOC = 20480; // what Redis's query buffer grows to on a client's first request
const QUERYBUF_USABLE = 20474;
const REPLY_BUF = 16384; // PROTO_REPLY_CHUNK_BYTES
const CLIENT_STRUCT = 768; // zmalloc_size(client) on 64-bit Linux

const argvBytes = (argv: readonly string[]) => argv.reduce((n, a) => n + a.length, 0) + 8 * argv.length;

/** Memory a client holds, in the parts CLIENT LIST shows. */
export function clientMemory(server: Server, c: Client, running?: Running) {
  const self = running?.client === c;
  const qbuf = c.decoder.buffered + (self ? c.decoder.lastFrameBytes : 0);
  const started = c.bytesIn > 0;
  const qbufFree = started ? Math.max(0, QUERYBUF_USABLE - qbuf) : 0;
  const argvMem = self ? running!.argv.reduce((n, a) => n + a.length, 0) : 0;
  let multiMem = 0;
  for (const q of c.queue) multiMem += argvBytes(q.argv);
  const obl = self ? Math.min(server.writer.length, REPLY_BUF) : 0;
  const omem = c.socket.writableLength ?? 0;
  const qbufAlloc = started ? Math.max(QUERYBUF_ALLOC, qbuf + 6) : 0;
  const total = qbufAlloc + CLIENT_STRUCT + REPLY_BUF + (self ? argvBytes(running!.argv) : 0) + multiMem + omem;
  return { qbuf, qbufFree, argvMem, multiMem, obl, omem, total };
}

/** Clients that said CLIENT NO-EVICT ON (shown as flag `e`; toyredis never evicts clients anyway). */
export const noEvictClients = new WeakSet<Client>();

/**
 * Redis's one-letter client flags: S replica, O monitor, M master, P pub/sub, x MULTI, b blocked, t tracking,
 * R broken tracking redirect, B tracking broadcast, d dirty CAS, c closing, e no-evict.
 */
export function clientFlags(c: Client): string {
  let f = '';
  const mode = c.mode;
  if (c.replica || mode === 'replica') f += 'S';
  else if (c.actor.getSnapshot().context.monitor) f += 'O';
  if (c.isMaster) f += 'M';
  if (isSubscribed(c)) f += 'P';
  if (mode === 'multi') f += 'x';
  if (mode === 'blocked') f += 'b';
  f += trackingFlags(c);
  if (c.watchTouched) f += 'd';
  if (mode === 'closing') f += 'c';
  if (noEvictClients.has(c)) f += 'e';
  return f || 'N';
}

/** CLIENT KILL/LIST TYPE: master, replica (slave), pubsub, or normal. */
export function clientType(c: Client): 'normal' | 'slave' | 'pubsub' | 'master' {
  if (c.isMaster) return 'master';
  if (c.replica || c.mode === 'replica') return 'slave';
  if (isSubscribed(c)) return 'pubsub'; // a monitor counts as normal, or pubsub when subscribed
  return 'normal';
}

/** One line of CLIENT LIST (without the trailing newline). */
export function clientInfoLine(server: Server, c: Client, running?: Running): string {
  const nowSec = Math.floor(server.clock.now() / 1000);
  const m = clientMemory(server, c, running);
  const self = running?.client === c;
  // inside EXEC Redis still shows EXEC as the client's command
  const cmd = self ? (c.mode === 'multi' ? 'exec' : running!.fullname) : c.lastCommand;
  const multi = c.mode === 'multi' ? c.queue.length : -1;
  const events = 'r' + ((c.socket.writableLength ?? 0) > 0 ? 'w' : '');
  const subs = subscriptionCounts(c);
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name} ` +
    `age=${nowSec - Math.floor(c.createdAt / 1000)} idle=${nowSec - Math.floor(c.lastInteraction / 1000)} ` +
    `flags=${clientFlags(c)} db=${c.db.id} sub=${subs.channels} psub=${subs.patterns} ssub=${subs.shards} multi=${multi} qbuf=${m.qbuf} qbuf-free=${m.qbufFree} ` +
    `argv-mem=${m.argvMem} multi-mem=${m.multiMem} rbs=${REPLY_BUF} rbp=${c.bytesIn > 0 ? REPLY_BUF : 0} ` +
    `obl=${m.obl} oll=0 omem=${m.omem} tot-mem=${m.total} events=${events} cmd=${cmd} user=${c.user ? c.user.name : '(superuser)'} redir=${trackingRedirect(c)} resp=${c.proto}`
  );
}
