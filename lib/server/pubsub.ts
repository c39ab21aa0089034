/**
 * Pub/Sub state (pubsub.c): the clients listening on each channel, pattern and shard channel, what each client
 * listens to, and message delivery as RESP2 arrays or RESP3 pushes, bounded by client-output-buffer-limit (the
 * pubsub class for subscribers, normal for everyone else). The commands are in lib/commands/pubsub.ts.
 */
import { compileGlob, type Glob } from '../store/glob';
import { bulk, encode, int, NIL, push, type Protocol, type Reply } from '../protocol/reply';
import { obufLimits } from './config-values';
import { clientInfoLine } from './client-info';
import { extendInfoSection } from './info';
import type { Client } from './client';
import type { Server } from './server';

/** The three namespaces: SUBSCRIBE's channels, PSUBSCRIBE's patterns, SSUBSCRIBE's shard channels. */
export type SubscriptionKind = 'channel' | 'pattern' | 'shard';

/** What one client listens to. Sets keep subscription order, which UNSUBSCRIBE without arguments follows. */
type Subscriptions = Record<SubscriptionKind, Set<string>>;

/** The confirmation each kind sends: [on subscribe, on unsubscribe]. */
const CONFIRMATION: Record<SubscriptionKind, readonly [string, string]> = {
  channel: ['subscribe', 'unsubscribe'],
  pattern: ['psubscribe', 'punsubscribe'],
  shard: ['ssubscribe', 'sunsubscribe'],
};

const byClient = new WeakMap<Client, Subscriptions>();

/** CLIENT LIST's sub, psub and ssub. */
export function subscriptionCounts(client: Client): { channels: number; patterns: number; shards: number } {
  const s = byClient.get(client);
  return { channels: s?.channel.size ?? 0, patterns: s?.pattern.size ?? 0, shards: s?.shard.size ?? 0 };
}

/** CLIENT_PUBSUB: the client listens to at least one channel, pattern or shard channel. */
export function isSubscribed(client: Client): boolean {
  const s = byClient.get(client);
  return s !== undefined && s.channel.size + s.pattern.size + s.shard.size > 0;
}

/**
 * The count a confirmation carries: channels plus patterns for (P)SUBSCRIBE, shard channels alone for SSUBSCRIBE
 * (clientSubscriptionsCount / clientShardSubscriptionsCount).
 */
function confirmationCount(s: Subscriptions, kind: SubscriptionKind): number {
  return kind === 'shard' ? s.shard.size : s.channel.size + s.pattern.size;
}

interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

let infoRegistered = false;

export class PubSub {
  /** channel → its subscribers, in subscription order: the order a message reaches them. */
  readonly channels = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, { glob: Glob; clients: Set<Client> }>();
  private limits: { normal: OutputLimit; pubsub: OutputLimit } = {
    normal: { hard: 0, soft: 0, softSeconds: 0 },
    pubsub: { hard: 0, soft: 0, softSeconds: 0 },
  };
  /** obuf_soft_limit_reached_time: when (unix seconds) each client went over its soft limit. */
  private readonly softLimitSince = new WeakMap<Client, number>();

  constructor(private readonly server: Server) {
    server.config.watch('client-output-buffer-limit', (v) => {
      const { normal, pubsub } = obufLimits(v);
      const num = (l: typeof normal) => ({ hard: Number(l.hard), soft: Number(l.soft), softSeconds: Number(l.softSeconds) });
      this.limits = { normal: num(normal), pubsub: num(pubsub) };
    });
    if (!infoRegistered) {
      // registered here, not at import, so the import cycle through info.ts never sees it half-initialised
      infoRegistered = true;
      extendInfoSection('stats', (s) => pubsubOf(s).infoLines());
    }
  }

  /** INFO stats: channels and patterns with at least one subscriber. */
  infoLines(): string[] {
    return [
      `pubsub_channels:${this.channels.size}`,
      `pubsub_patterns:${this.patterns.size}`,
      `pubsubshard_channels:${this.shardChannels.size}`,
    ];
  }

  private subscriptionsOf(client: Client): Subscriptions {
    let s = byClient.get(client);
    if (!s) {
      s = { channel: new Set(), pattern: new Set(), shard: new Set() };
      byClient.set(client, s);
      // RESET and a closed connection end every subscription, without confirmations
      client.actor.on('connectionReset', () => this.unsubscribeSilently(client));
      client.actor.on('released', () => this.unsubscribeSilently(client));
    }
    return s;
  }

  /** (P|S)SUBSCRIBE: one confirmation per name, repeated names included (pubsubSubscribeChannel). */
  subscribe(client: Client, kind: SubscriptionKind, names: readonly string[]): Reply[] {
    const s = this.subscriptionsOf(client);
    const wasSubscribed = isSubscribed(client);
    const confirmations: Reply[] = [];
    for (const name of names) {
      if (!s[kind].has(name)) {
        s[kind].add(name);
        this.subscribersOf(kind, name, true)!.add(client);
      }
      confirmations.push(push([bulk(CONFIRMATION[kind][0]), bulk(name), int(confirmationCount(s, kind))]));
    }
    if (!wasSubscribed) client.send({ type: 'command.subscribe' });
    return confirmations;
  }

  /**
   * (P|S)UNSUBSCRIBE: one confirmation per name, subscribed or not; with no names, one per subscription dropped,
   * or a single confirmation with a null name when there was none (pubsubUnsubscribeAllChannelsInternal).
   */
  unsubscribe(client: Client, kind: SubscriptionKind, names: readonly string[] | null): Reply[] {
    const s = this.subscriptionsOf(client);
    const wasSubscribed = isSubscribed(client);
    const confirmations: Reply[] = [];
    const confirm = (name: string | null) =>
      confirmations.push(push([bulk(CONFIRMATION[kind][1]), name === null ? NIL : bulk(name), int(confirmationCount(s, kind))]));
    if (names === null) {
      for (const name of [...s[kind]]) {
        this.remove(client, s, kind, name);
        confirm(name);
      }
      if (confirmations.length === 0) confirm(null);
    } else {
      for (const name of names) {
        this.remove(client, s, kind, name);
        confirm(name);
      }
    }
    if (wasSubscribed && !isSubscribed(client)) client.send({ type: 'command.unsubscribedAll' });
    return confirmations;
  }

  /** Drop every subscription of a client that is being reset or freed; the machine has already left the mode. */
  private unsubscribeSilently(client: Client): void {
    const s = byClient.get(client);
    if (!s) return;
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      for (const name of [...s[kind]]) this.remove(client, s, kind, name);
    }
  }

  private remove(client: Client, s: Subscriptions, kind: SubscriptionKind, name: string): void {
    if (!s[kind].delete(name)) return;
    const subscribers = this.subscribersOf(kind, name, false)!;
    subscribers.delete(client);
    // a channel nobody listens to is forgotten, so PUBSUB CHANNELS and INFO count only live ones
    if (subscribers.size === 0) {
      if (kind === 'pattern') this.patterns.delete(name);
      else this.channelMap(kind).delete(name);
    }
  }

  private channelMap(kind: 'channel' | 'shard'): Map<string, Set<Client>> {
    return kind === 'shard' ? this.shardChannels : this.channels;
  }

  private subscribersOf(kind: SubscriptionKind, name: string, create: boolean): Set<Client> | undefined {
    if (kind === 'pattern') {
      let p = this.patterns.get(name);
      if (!p && create) this.patterns.set(name, (p = { glob: compileGlob(name), clients: new Set() }));
      return p?.clients;
    }
    const map = this.channelMap(kind);
    let clients = map.get(name);
    if (!clients && create) map.set(name, (clients = new Set()));
    return clients;
  }

  /**
   * PUBLISH / SPUBLISH (pubsubPublishMessageInternal): the channel's subscribers first, then for a plain channel
   * every matching pattern's. Messages for the publisher itself are returned, to go out in line with its reply;
   * the others are written to their clients at once. A null publisher (the server itself: keyspace events
   * outside any command) has every message written at once.
   */
  publish(kind: 'channel' | 'shard', channel: string, message: string, publisher: Client | null): { receivers: number; own: Reply[] } {
    let receivers = 0;
    const own: Reply[] = [];
    const send = (client: Client, msg: Reply, encoded: (proto: Protocol) => Buffer) => {
      receivers++;
      if (client === publisher) own.push(msg);
      else this.deliver(client, encoded(client.proto));
    };
    const subscribers = this.channelMap(kind).get(channel);
    if (subscribers) {
      const msg = push([bulk(kind === 'shard' ? 'smessage' : 'message'), bulk(channel), bulk(message)]);
      const encoded = encodeOnce(msg);
      for (const client of [...subscribers]) send(client, msg, encoded);
    }
    if (kind === 'shard') return { receivers, own }; // shard channels ignore patterns
    for (const [pattern, { glob, clients }] of [...this.patterns]) {
      if (!glob.test(channel)) continue;
      const msg = push([bulk('pmessage'), bulk(pattern), bulk(channel), bulk(message)]);
      const encoded = encodeOnce(msg);
      for (const client of [...clients]) send(client, msg, encoded);
    }
    return { receivers, own };
  }

  /**
   * Bytes for a client other than the one running the command, sent at once. Like Redis's CLIENT_PUSHING they
   * go out even under CLIENT REPLY OFF, then the client's output buffer limit is checked.
   */
  deliver(client: Client, bytes: Buffer): void {
    if (client.socket.destroyed) return;
    client.bytesOut += bytes.length;
    this.server.stats.netOutputBytes += bytes.length;
    client.deliver(bytes);
    this.enforceOutputLimit(client);
  }

  /**
   * checkClientOutputBufferLimits() for a subscriber (pubsub class) or a monitor (normal class): over the hard
   * limit, or over the soft limit for more than its seconds, the client is closed without its pending output.
   * Returns false when it was.
   */
  enforceOutputLimit(client: Client): boolean {
    const limit = isSubscribed(client) ? this.limits.pubsub : this.limits.normal;
    if (limit.hard === 0 && limit.soft === 0) return true;
    let used = client.socket.writableLength;
    for (const b of client.heldOutput ?? []) used += b.length;
    let over = limit.hard > 0 && used >= limit.hard;
    if (limit.soft > 0 && used >= limit.soft) {
      const nowSec = Math.floor(this.server.clock.now() / 1000);
      const since = this.softLimitSince.get(client);
      if (since === undefined) this.softLimitSince.set(client, nowSec);
      else if (nowSec - since > limit.softSeconds) over = true;
    } else {
      this.softLimitSince.delete(client);
    }
    if (!over) return true;
    this.server.log.warning(
      `Client ${clientInfoLine(this.server, client)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    this.unsubscribeSilently(client);
    client.socket.destroy(); // what it has not read is dropped, as freeClient drops its reply list
    this.server.closeClient(client, 'outputLimit');
    return false;
  }

  /** PUBSUB CHANNELS / SHARDCHANNELS [pattern]. */
  channelNames(kind: 'channel' | 'shard', pattern: string | null): string[] {
    const names = [...this.channelMap(kind).keys()];
    if (pattern === null) return names;
    const glob = compileGlob(pattern);
    return names.filter((n) => glob.test(n));
  }

  /** PUBSUB NUMSUB / SHARDNUMSUB: subscribers of one channel, patterns not counted. */
  subscriberCount(kind: 'channel' | 'shard', channel: string): number {
    return this.channelMap(kind).get(channel)?.size ?? 0;
  }
}

/** A message encoded at most once per protocol, however many subscribers get it. */
function encodeOnce(msg: Reply): (proto: Protocol) => Buffer {
  const cache: (Buffer | undefined)[] = [];
  return (proto) => (cache[proto] ??= encode(msg, proto));
}

const perServer = new WeakMap<Server, PubSub>();

/** The server's Pub/Sub state, created on first use. */
export function pubsubOf(server: Server): PubSub {
  let p = perServer.get(server);
  if (!p) perServer.set(server, (p = new PubSub(server)));
  return p;
}
