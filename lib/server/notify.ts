/**
 * Keyspace notifications (notify.c): a write, an expiry, a new key or a read miss published as
 * `__keyspace@<db>__:<key>` → event and `__keyevent@<db>__:<event>` → key, as notify-keyspace-events asks.
 * The commands call notifyKeyspaceEvent where Redis does; messages for the client whose command caused them
 * wait here to go out in line with its reply, where Redis would have written them into its output buffer.
 */
import { sequence, type Reply } from '../protocol/reply';
import type { Deferred } from '../commands/types';
import { keyspaceEventFlags } from './config-values';
import { pubsubOf } from './pubsub';
import type { Client } from './client';
import type { Server } from './server';

// The class flags of server.h. K and E choose the channels; the others are event classes.
export const NOTIFY_KEYSPACE = 1 << 0; // K
export const NOTIFY_KEYEVENT = 1 << 1; // E
export const NOTIFY_GENERIC = 1 << 2; // g
export const NOTIFY_STRING = 1 << 3; // $
export const NOTIFY_LIST = 1 << 4; // l
export const NOTIFY_SET = 1 << 5; // s
export const NOTIFY_HASH = 1 << 6; // h
export const NOTIFY_ZSET = 1 << 7; // z
export const NOTIFY_EXPIRED = 1 << 8; // x
export const NOTIFY_EVICTED = 1 << 9; // e
export const NOTIFY_STREAM = 1 << 10; // t
export const NOTIFY_KEY_MISS = 1 << 11; // m (not part of A)
export const NOTIFY_MODULE = 1 << 13; // d: module events; toyredis has no modules, so none are ever sent
export const NOTIFY_NEW = 1 << 14; // n (not part of A)

/** The server's notification state: the configured flags and the running client's held messages. */
export class KeyspaceNotifications {
  /** notify-keyspace-events as flag bits: the one number tested on every write. */
  flags = 0;
  /**
   * The client whose command is running: messages to it are held for its reply instead of sent at once. A script's
   * commands run as a client of their own, inside the caller's command, which stays the one holding messages.
   */
  running: Client | null = null;
  /** The client of the innermost command running (a script's client inside EVAL; else `running`). */
  current: Client | null = null;
  /** Messages for `running`, in the order Redis would have written them. */
  held: Reply[] = [];
  /** Where among `held` the command's reply goes (Redis added it before notifying); -1: after all of them. */
  replyAt = -1;
  /**
   * Messages for `running` that follow its whole top-level reply, EXEC's and a script's included: client-side
   * caching invalidations of keys its own command changed (tracking.ts; Redis's tracking_pending_keys).
   */
  trailing: Reply[] = [];

  constructor(server: Server) {
    // The stored value keeps `n` beside `A` (CONFIG GET shows Redis's `AKE` for `KEAn`; see config-values.ts).
    server.config.watch('notify-keyspace-events', (v) => {
      this.flags = keyspaceEventFlags(v) ?? 0;
      // the keyspace reports new keys and read misses only when someone may hear of them
      const channels = this.flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT);
      server.keyspace.reportCreated = channels !== 0 && (this.flags & NOTIFY_NEW) !== 0;
      server.keyspace.reportMisses = channels !== 0 && (this.flags & NOTIFY_KEY_MISS) !== 0;
    });
  }
}

/**
 * notifyKeyspaceEvent(): publish `event` on `key` of db `dbid` if its class is on. The keyspace channel is
 * published first, then the keyevent one, each to its subscribers and then to the matching patterns.
 */
export function notifyKeyspaceEvent(server: Server, type: number, event: string, key: string, dbid: number): void {
  const n = server.notifications;
  if (!(n.flags & type)) return;
  const pubsub = pubsubOf(server);
  if (n.flags & NOTIFY_KEYSPACE) {
    const { own } = pubsub.publish('channel', `__keyspace@${dbid}__:${key}`, event, n.running);
    if (own.length) n.held.push(...own);
  }
  if (n.flags & NOTIFY_KEYEVENT) {
    const { own } = pubsub.publish('channel', `__keyevent@${dbid}__:${event}`, key, n.running);
    if (own.length) n.held.push(...own);
  }
}

/**
 * The command has written its reply at this point (Redis's addReply came before the notifications that
 * follow), so the running client's own messages from here on go out after it.
 */
export function replyWritten(server: Server): void {
  const n = server.notifications;
  // a script's command writes its reply to the script, not to the client holding messages
  if (n.running !== null && n.current === n.running) n.replyAt = n.held.length;
}

/** What enterCommand replaced, for leaveCommand to put back. */
export interface OuterCommand {
  running: Client | null;
  current: Client | null;
  replyAt: number;
}

/** Outside any command: what a top-level command replaces, shared so that the common case allocates nothing. */
const TOP_LEVEL: OuterCommand = Object.freeze({ running: null, current: null, replyAt: -1 });

/** call(): a command of `client` starts (perhaps inside another: EXEC's, or a script's inside EVAL). */
export function enterCommand(server: Server, client: Client): OuterCommand {
  const n = server.notifications;
  const outer = n.current === null ? TOP_LEVEL : { running: n.running, current: n.current, replyAt: n.replyAt };
  if (n.running === null) n.running = client;
  n.current = client;
  n.replyAt = -1;
  return outer;
}

/**
 * The command is done: its reply with the client's held messages in line, before it or (from replyWritten on,
 * or everything when `after`) behind it, and at the top level the trailing ones last. A parked or silenced
 * command's messages are written out at once, as Redis sends pushes even under CLIENT REPLY OFF. A script's
 * command leaves them to the caller's reply.
 */
export function leaveCommand(server: Server, client: Client, outer: OuterCommand, reply: Reply | Deferred, after = false): Reply | Deferred {
  const n = server.notifications;
  const holder = n.running;
  const at = after ? 0 : n.replyAt;
  n.running = outer.running;
  n.current = outer.current;
  n.replyAt = outer.replyAt;
  if (client !== holder) return reply;
  const held = n.held;
  const trailing = outer.running === null ? n.trailing : NONE;
  if (held.length === 0 && trailing.length === 0) return reply;
  n.held = [];
  if (trailing.length) n.trailing = [];
  if (typeof reply === 'object' && client.replyMode === 'on') {
    const before = at < 0 ? held : held.slice(0, at);
    const behind = at < 0 ? NONE : held.slice(at);
    return sequence([...before, reply, ...behind, ...trailing]);
  }
  const writer = server.writer;
  writer.proto = client.proto;
  for (const m of held) writer.write(m);
  for (const m of trailing) writer.write(m);
  return reply;
}

const NONE: readonly Reply[] = Object.freeze([]);
