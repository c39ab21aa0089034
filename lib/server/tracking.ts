/**
 * Client-side caching (tracking.c): the table of keys clients may hold in a local cache, the BCAST prefixes, and
 * the invalidation messages — RESP3 `invalidate` pushes, or `__redis__:invalidate` messages through a redirect.
 * The CLIENT TRACKING / CACHING commands are in lib/commands/client.ts; this module owns the state they change.
 */
import { array, bulk, encode, int, push, raw, type Reply } from '../protocol/reply';
import { commandTable } from '../commands';
import { legacyRange } from '../commands/keyspecs';
import type { Command, CommandSpec } from '../commands/types';
import { runningScript } from '../scripting/engine';
import { extendInfoSection } from './info';
import { isSubscribed, pubsubOf } from './pubsub';
import type { Client } from './client';
import type { Server } from './server';

/** What CLIENT TRACKING set on one client (its CLIENT_TRACKING_* flags, redirection and prefixes). */
export interface ClientTracking {
  on: boolean;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING yes (under OPTIN) or no (under OPTOUT) was given for the next command. */
  caching: boolean;
  /** The redirect client went away: noticed when an invalidation could not be delivered. */
  brokenRedirect: boolean;
  /** The client id invalidations go to; 0 for none. */
  redirect: number;
  /** BCAST prefixes (client_tracking_prefixes), or null when not in BCAST mode. */
  prefixes: Set<string> | null;
  /** The last command was a CLIENT subcommand: it keeps `caching` for the next one, as resetClient() does. */
  lastWasClient: boolean;
}

export interface TrackingOptions {
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
}

/** One BCAST prefix (bcastState): who listens to it, and the keys changed under it this event-loop turn. */
interface Bcast {
  clients: Set<Client>;
  /** Key → the client that changed it last (null: no client, an expiry), for NOLOOP. */
  keys: Map<string, Client | null>;
}

/** A key's entry in the tracking table, with its place in `tableKeys` for random eviction. */
interface Tracked {
  ids: Set<number>;
  at: number;
}

const CHANNEL = '__redis__:invalidate';
const NULL2 = raw(Buffer.from('$-1\r\n'));
const NULL3 = raw(Buffer.from('_\r\n'));

const byClient = new WeakMap<Client, ClientTracking>();

/** The client's tracking state, if it ever turned tracking on. */
export function clientTracking(client: Client): ClientTracking | undefined {
  return byClient.get(client);
}

let infoRegistered = false;

class Tracking {
  /** TrackingTable: key → ids of the clients that may have it cached. Keys are global, not per db. */
  private readonly table = new Map<string, Tracked>();
  /** The table's keys in an array, so that eviction can pick one at random. */
  private readonly tableKeys: string[] = [];
  /** TrackingTableTotalItems: (key, client) pairs in the table, counting clients gone or no longer tracking. */
  totalItems = 0;
  /** PrefixTable. */
  readonly prefixes = new Map<string, Bcast>();
  /** server.tracking_clients. */
  clients = 0;
  private maxKeys = 1_000_000;
  /** trackingLimitUsedSlots()'s timeout_counter: rounds in a row that could not get under the limit. */
  private evictionRounds = 0;
  private broadcastScheduled = false;
  /** The last db of a flush in progress (FLUSHALL empties every db): one null is sent for the whole flush. */
  private flushedUpTo = -1;
  /** A key being deleted because its TTL passed: its change has no client behind it. */
  private expiring: string | null = null;
  /** The client whose command is being looked at before it runs (trackingLimitUsedSlots in processCommand). */
  private dispatching: Client | null = null;

  constructor(private readonly server: Server) {
    server.config.watch('tracking-table-max-keys', (v) => (this.maxKeys = Number(v)));
    // signalModifiedKey() and signalFlushedDb(): every change reaches here the way it reaches WATCH
    const ks = server.keyspace;
    const hooks = ks.hooks;
    ks.hooks = {
      ...hooks,
      modified: (db, key) => {
        hooks.modified(db, key);
        this.flushedUpTo = -1; // whatever flush comes next is a new one
        const expired = this.expiring === key;
        this.expiring = null;
        this.invalidateKey(key, true, expired ? null : server.notifications.current);
      },
      expired: (db, key) => {
        hooks.expired(db, key);
        this.expiring = key;
      },
      evicted: (db, key) => {
        hooks.evicted?.(db, key);
        this.expiring = key; // as an expiry, an eviction has no client behind it
      },
      flushed: (db) => {
        hooks.flushed(db);
        // a FLUSHALL empties db 0, 1, 2… in a row: that is one flush, as Redis signals it once
        const sameFlush = this.flushedUpTo >= 0 && db.id > this.flushedUpTo;
        this.flushedUpTo = db.id;
        if (!sameFlush) this.invalidateAllOnFlush();
      },
    };
    if (!infoRegistered) {
      // registered here, not at import, so the import cycle through info.ts never sees it half-initialised
      infoRegistered = true;
      extendInfoSection('clients', (s) => [`tracking_clients:${perServer.get(s)?.clients ?? 0}`]);
      extendInfoSection('stats', (s) => {
        const t = perServer.get(s);
        return [
          `tracking_total_keys:${t?.table.size ?? 0}`,
          `tracking_total_items:${t?.totalItems ?? 0}`,
          `tracking_total_prefixes:${t?.prefixes.size ?? 0}`,
        ];
      });
    }
  }

  // ---- turning tracking on and off ----

  /** enableTracking(): (re)start tracking with these options; BCAST prefixes add to those the client has. */
  enable(client: Client, redirect: number, options: TrackingOptions, prefixes: readonly string[]): void {
    const st = this.stateOf(client);
    if (!st.on) this.clients++;
    st.on = true;
    st.brokenRedirect = false;
    st.redirect = redirect;
    st.bcast = options.bcast;
    st.optin = options.optin;
    st.optout = options.optout;
    st.noloop = options.noloop;
    if (options.bcast) {
      if (prefixes.length === 0) this.listen(client, st, '');
      for (const p of prefixes) this.listen(client, st, p);
    }
  }

  /**
   * disableTracking(): the client leaves its prefixes; its ids stay in the table and are skipped when met, as
   * Redis leaves them rather than walk the table.
   */
  disable(client: Client): void {
    const st = byClient.get(client);
    if (!st) return;
    if (st.prefixes) {
      for (const p of st.prefixes) {
        const bs = this.prefixes.get(p)!;
        bs.clients.delete(client);
        if (bs.clients.size === 0) this.prefixes.delete(p);
      }
      st.prefixes = null;
    }
    if (st.on) {
      this.clients--;
      st.on = st.brokenRedirect = st.bcast = st.optin = st.optout = st.caching = st.noloop = false;
    }
  }

  private stateOf(client: Client): ClientTracking {
    let st = byClient.get(client);
    if (!st) {
      st = {
        on: false, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedirect: false,
        redirect: 0, prefixes: null, lastWasClient: false,
      };
      byClient.set(client, st);
      // RESET and a closed connection turn tracking off (clearClientConnectionState, freeClient)
      client.actor.on('connectionReset', () => this.disable(client));
      client.actor.on('released', () => this.disable(client));
    }
    return st;
  }

  /** enableBcastTrackingForPrefix(). */
  private listen(client: Client, st: ClientTracking, prefix: string): void {
    let bs = this.prefixes.get(prefix);
    if (!bs) this.prefixes.set(prefix, (bs = { clients: new Set(), keys: new Map() }));
    if (bs.clients.has(client)) return;
    bs.clients.add(client);
    (st.prefixes ??= new Set()).add(prefix);
  }

  // ---- remembering what clients read ----

  /** trackingRememberKeys(): the keys of `argv` may now be in `client`'s cache. */
  remember(client: Client, command: CommandSpec, argv: readonly string[]): void {
    const st = byClient.get(client)!;
    if ((st.optin && !st.caching) || (st.optout && st.caching)) return;
    const positions = trackedKeyPositions(command, argv);
    // shard channels are keys to COMMAND only: nobody caches them
    if (positions.length === 0 || command.flags.includes('pubsub')) return;
    for (const pos of positions) {
      const key = argv[pos];
      let t = this.table.get(key);
      if (!t) {
        t = { ids: new Set(), at: this.tableKeys.length };
        this.table.set(key, t);
        this.tableKeys.push(key);
      }
      if (!t.ids.has(client.id)) {
        t.ids.add(client.id);
        this.totalItems++;
      }
    }
  }

  private forget(key: string, t: Tracked): void {
    this.table.delete(key);
    const last = this.tableKeys.pop()!;
    if (last !== key) {
      this.tableKeys[t.at] = last;
      this.table.get(last)!.at = t.at;
    }
    this.totalItems -= t.ids.size;
  }

  // ---- invalidation ----

  /**
   * trackingInvalidateKey(): `key` changed (by `by`, null when no client did it), so every client that may cache
   * it is told, and the key leaves the table. `bcast` also queues it for the BCAST prefixes it falls under; an
   * eviction from the table does not, the key did not change.
   */
  invalidateKey(key: string, bcast: boolean, by: Client | null): void {
    if (bcast && this.prefixes.size > 0) this.rememberForBroadcast(key, by);
    const t = this.table.get(key);
    if (!t) return;
    const current = this.currentClient();
    const running = this.server.notifications.running;
    for (const id of t.ids) {
      const target = this.server.clients.get(id);
      const st = target && byClient.get(target);
      // a client that switched to BCAST gets nothing for keys it read before
      if (!target || !st?.on || st.bcast) continue;
      if (st.noloop && target === current) continue;
      this.sendInvalidation(target, array([bulk(key)]), target === running);
    }
    this.forget(key, t);
  }

  /** trackingRememberKeyToBroadcast(): the key is announced to the prefixes it starts with at the end of the turn. */
  private rememberForBroadcast(key: string, by: Client | null): void {
    let queued = false;
    for (const [prefix, bs] of this.prefixes) {
      if (!key.startsWith(prefix)) continue;
      bs.keys.set(key, by); // the last change decides who made it (NOLOOP)
      queued = true;
    }
    if (queued && !this.broadcastScheduled) {
      this.broadcastScheduled = true;
      // beforeSleep(): after this turn's replies have been written
      setImmediate(() => this.broadcast());
    }
  }

  /**
   * trackingBroadcastInvalidationMessages(): per prefix, one message with the keys changed under it this turn,
   * sorted as Redis's radix tree gives them; a NOLOOP client's own changes are left out of its copy.
   */
  private broadcast(): void {
    this.broadcastScheduled = false;
    const prefixes = [...this.prefixes.keys()].sort(byteOrder);
    for (const prefix of prefixes) {
      const bs = this.prefixes.get(prefix)!;
      if (bs.keys.size === 0) continue;
      const changes = [...bs.keys].sort(([a], [b]) => byteOrder(a, b));
      bs.keys = new Map();
      const all = array(changes.map(([key]) => bulk(key)));
      for (const c of [...bs.clients]) {
        if (!byClient.get(c)?.noloop) {
          this.sendInvalidation(c, all, false);
          continue;
        }
        const others = changes.filter(([, by]) => by !== c);
        if (others.length) this.sendInvalidation(c, array(others.map(([key]) => bulk(key))), false);
      }
    }
  }

  /**
   * trackingInvalidateKeysOnFlush(): every tracking client is told that all its keys are gone with a null (in its
   * own protocol), and the table is emptied.
   */
  private invalidateAllOnFlush(): void {
    if (this.clients > 0) {
      const running = this.server.notifications.running;
      for (const c of [...this.server.clients.values()]) {
        if (byClient.get(c)?.on) this.sendInvalidation(c, c.proto === 3 ? NULL3 : NULL2, c === running);
      }
    }
    this.table.clear();
    this.tableKeys.length = 0;
    this.totalItems = 0;
  }

  /**
   * trackingLimitUsedSlots(): over tracking-table-max-keys, random keys leave the table (their clients are told,
   * as if they changed) until it is back under the limit, with more effort each time one round was not enough.
   */
  limitUsedSlots(): void {
    if (this.maxKeys === 0) return;
    if (this.table.size <= this.maxKeys) {
      this.evictionRounds = 0;
      return;
    }
    let effort = 100 * (this.evictionRounds + 1);
    while (effort-- > 0 && this.tableKeys.length) {
      const key = this.tableKeys[Math.floor(Math.random() * this.tableKeys.length)];
      this.invalidateKey(key, false, null);
      if (this.table.size <= this.maxKeys) {
        this.evictionRounds = 0;
        return;
      }
    }
    this.evictionRounds++;
  }

  /** processCommand() calls trackingLimitUsedSlots() with the client about to run as server.current_client. */
  beforeCommand(client: Client): void {
    this.dispatching = client;
    try {
      this.limitUsedSlots();
    } finally {
      this.dispatching = null;
    }
  }

  /** After call(): a flush that follows is a new one even when it starts at a higher db. */
  endOfCall(): void {
    this.flushedUpTo = -1;
  }

  /** server.current_client: the client whose command runs (a script's caller), or the one about to run. */
  private currentClient(): Client | null {
    return this.server.notifications.running ?? this.dispatching;
  }

  /**
   * sendTrackingMessage(): `payload` (an array of keys, or a null for "everything") to `target`, or to the client
   * it redirects to: a RESP3 `invalidate` push, or for a RESP2 subscriber reached through a redirect a message on
   * `__redis__:invalidate`. A RESP2 client without a redirect gets nothing. A redirect to a client that went away
   * marks the target broken and, in RESP3, tells it so. `pending`: the target's own command caused it, so it
   * follows that command's whole reply (server.tracking_pending_keys).
   */
  private sendInvalidation(target: Client, payload: Reply, pending: boolean): void {
    const st = byClient.get(target)!;
    let receiver = target;
    if (st.redirect !== 0) {
      const redir = this.server.clients.get(st.redirect);
      if (!redir || redir.mode === 'closing' || redir.mode === 'closed') {
        st.brokenRedirect = true;
        if (target.proto === 3) this.deliver(target, push([bulk('tracking-redir-broken'), int(st.redirect)]), pending);
        return;
      }
      receiver = redir;
    }
    let message: Reply;
    if (receiver.proto === 3) message = push([bulk('invalidate'), payload]);
    else if (receiver !== target && isSubscribed(receiver)) message = array([bulk('message'), bulk(CHANNEL), payload]);
    else return;
    this.deliver(receiver, message, pending && receiver === target);
  }

  /**
   * Write a message where Redis's addReply would have put it: after the running command's whole reply (pending),
   * in line with it (the running client's held messages, as keyspace notifications are), before the next reply
   * of the client whose input is being read, or straight out to anyone else.
   */
  private deliver(receiver: Client, message: Reply, pending: boolean): void {
    const n = this.server.notifications;
    if (receiver === n.running) {
      if (pending) n.trailing.push(message);
      else n.held.push(message);
      return;
    }
    const bytes = encode(message, receiver.proto);
    if (receiver === this.server.processing) {
      this.server.writer.proto = receiver.proto;
      this.server.writer.write(raw(bytes));
      return;
    }
    const pubsub = pubsubOf(this.server);
    // a parked client being served right now gets its reply first (Redis makes it the current client while it
    // serves it, so what its pop changed is pending until that reply is out)
    if (receiver.mode === 'blocked') queueMicrotask(() => pubsub.deliver(receiver, bytes));
    else pubsub.deliver(receiver, bytes);
  }
}

/** Keys as Redis's radix trees order them: bytewise (latin1 strings compare that way). */
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * getKeysFromCommand() as Redis 7.0 calls it for tracking: the command's getkeys callback when it has one, else
 * its legacy first/last/step range (no keys when the call has too few arguments for it).
 */
function trackedKeyPositions(command: CommandSpec, argv: readonly string[]): number[] {
  if (command.getKeys) return command.getKeys(argv).map((k) => k.pos);
  const { first, last, step } = legacyRange(command);
  if (first === 0 || step <= 0) return [];
  const end = last >= 0 ? last : argv.length + last;
  const out: number[] = [];
  for (let j = first; j <= end; j += step) {
    if (j >= argv.length) return [];
    out.push(j);
  }
  return out;
}

const perServer = new WeakMap<Server, Tracking>();

/** The server's tracking state, created when a client first turns tracking on (TrackingTable == NULL before). */
function trackingOf(server: Server): Tracking {
  let t = perServer.get(server);
  if (!t) perServer.set(server, (t = new Tracking(server)));
  return t;
}

/** CLIENT TRACKING on. */
export function enableTracking(server: Server, client: Client, redirect: number, options: TrackingOptions, prefixes: readonly string[]): void {
  trackingOf(server).enable(client, redirect, options, prefixes);
}

/** CLIENT TRACKING off. */
export function disableTracking(server: Server, client: Client): void {
  perServer.get(server)?.disable(client);
}

/**
 * Before a command runs (processCommand): CLIENT CACHING lasts for one command — or one transaction — unless that
 * command is another CLIENT subcommand, and the table is brought back under tracking-table-max-keys.
 */
export function trackingBeforeCommand(server: Server, client: Client, command: Command | undefined): void {
  const t = perServer.get(server);
  if (t === undefined) return;
  const st = byClient.get(client);
  if (st !== undefined) {
    // resetClient() after the previous command: it kept the flag only inside MULTI or after a CLIENT subcommand
    if (st.caching && !st.lastWasClient && client.mode !== 'multi') st.caching = false;
    st.lastWasClient = command?.parent?.name === 'CLIENT';
  }
  if (t.clients > 0) t.beforeCommand(client);
}

/**
 * After call(): a read-only command's keys are remembered for its client. A script's reads make its caller
 * remember the keys the script declared; EVAL_RO and FCALL_RO alone remember nothing until the script reads.
 */
export function trackingAfterCall(server: Server, client: Client, command: Command, argv: readonly string[]): void {
  const t = perServer.get(server);
  if (t === undefined) return;
  t.endOfCall();
  if (t.clients === 0 || !command.flags.includes('readonly')) return;
  const name = command.fullname;
  if (name === 'eval_ro' || name === 'evalsha_ro' || name === 'fcall_ro') return;
  const run = runningScript(server);
  let caller = client, callerCommand: CommandSpec | undefined = command, callerArgv = argv;
  if (run !== undefined && run.client === client) {
    caller = run.caller;
    callerArgv = run.argv;
    callerCommand = commandTable.lookup(run.argv);
  }
  const st = byClient.get(caller);
  if (!st?.on || st.bcast || callerCommand === undefined) return;
  t.remember(caller, callerCommand, callerArgv);
}

/** serverCron: the table is kept under its limit even when no command comes. */
export function trackingCron(server: Server): void {
  const t = perServer.get(server);
  if (t !== undefined && t.clients > 0) t.limitUsedSlots();
}

/** CLIENT LIST / INFO flags: t tracking, R broken redirect, B broadcast (catClientInfoString). */
export function trackingFlags(client: Client): string {
  const st = byClient.get(client);
  if (!st?.on) return '';
  return 't' + (st.brokenRedirect ? 'R' : '') + (st.bcast ? 'B' : '');
}

/** CLIENT LIST's redir=, CLIENT GETREDIR: the redirect id while tracking (0 for none), else -1. */
export function trackingRedirect(client: Client): number {
  const st = byClient.get(client);
  return st?.on ? st.redirect : -1;
}
