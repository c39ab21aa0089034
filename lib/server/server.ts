/**
 * The server: listening sockets, connected clients, the keyspace, configuration and the periodic cron
 * (serverCron: active expiry, client timeouts, stats). startServer() is the one entry point, used by the
 * command line and by tests that run toyredis in-process on a free port.
 */
import net from 'node:net';
import type { InspectionEvent } from 'xstate';
import { Client } from './client';
import { Config, ConfigError } from './config';
import { CONFIG_PARAMS } from './config-params';
import { Logger, type LogLevel } from './log';
import { Propagation } from './propagation';
import { ServerStats } from './stats';
import { Watches } from './watch';
import { obufLimits } from './config-values';
import { isSubscribed } from './pubsub';
import { KeyspaceNotifications, notifyKeyspaceEvent, NOTIFY_EVICTED, NOTIFY_EXPIRED, NOTIFY_KEY_MISS, NOTIFY_NEW } from './notify';
import { MemoryLimit } from './memory-limit';
import { isMonitor } from '../commands/monitor';
import { trackingCron } from './tracking';
import { Replication } from './replication';
import { ClientPause } from './pause';
import { ReplicaRole } from './replica-of';
import { Persistence, type ShutdownFlags } from './persistence';
import { Aof } from './aof';
import { aclOf } from './acl';
import { commandUnparked, dispatch } from '../commands';
import { BLOCKED, NO_REPLY } from '../commands/types';
import { Keyspace, type Clock, systemClock } from '../store/keyspace';
import { DEFAULT_PACKED_THRESHOLD } from '../rdb/write';
import { request } from '../protocol/resp';
import { NEED_MORE, ProtocolError } from '../protocol/decoder';
import { error, ReplyWriter, type Reply } from '../protocol/reply';
import type { ParseLimits } from '../protocol/bytes';

export const VERSION: string = typeof __TOYREDIS_VERSION__ === 'string' ? __TOYREDIS_VERSION__ : '0.0.0-dev';
/** The Redis version we answer as: clients pick features by it, and we follow 7.0's behaviour. */
export const REDIS_VERSION = '7.0.15';
declare const __TOYREDIS_VERSION__: string | undefined;

export interface ServerOptions {
  /** Config directives as from a config file or the command line: [name, value] in order. */
  config?: readonly (readonly [string, string])[];
  port?: number;
  bind?: string;
  clock?: Clock;
  logSink?: (line: string) => void;
  /** An xstate inspector: every machine actor the server creates reports to it. */
  inspect?: (ev: InspectionEvent) => void;
  /** Path of the config file, for CONFIG REWRITE and INFO's config_file. */
  configFile?: string;
}

export interface ServerHandle {
  port: number;
  server: Server;
  close(): Promise<void>;
}

export class Server {
  readonly config = new Config(CONFIG_PARAMS);
  readonly log = new Logger();
  readonly keyspace: Keyspace;
  readonly clients = new Map<number, Client>();
  readonly stats = new ServerStats();
  readonly propagation = new Propagation();
  readonly writer = new ReplyWriter();
  readonly watches = new Watches();
  readonly replication: Replication;
  readonly pause = new ClientPause(this);
  /** RDB files (load at start, SAVE, BGSAVE, save points) and the append-only file. */
  readonly persistence: Persistence;
  readonly aof: Aof;
  /** notify-keyspace-events and the messages it holds for the running command's client (notify.ts). */
  readonly notifications: KeyspaceNotifications;
  /** maxmemory: used memory as eviction counts it, and performEvictions() (memory-limit.ts). */
  readonly memory: MemoryLimit;
  /** Set while this server is a replica (REPLICAOF host port); null on a master. */
  replicaRole: ReplicaRole | null = null;
  readonly startedAt: number;
  readonly runId = randomHex(40);
  readonly limits: ParseLimits = { maxBulkLen: 512 * 1024 * 1024, maxInlineLen: 64 * 1024, fromMaster: false };
  loading = false;
  /** quicklist.c's packed_threshold, which DEBUG QUICKLIST-PACKED-THRESHOLD changes: DUMP cuts lists by it. */
  quicklistPackedThreshold = DEFAULT_PACKED_THRESHOLD;
  /** script_disable_deny_script (DEBUG SET-DISABLE-DENY-SCRIPTS): scripts may call noscript commands. */
  scriptDisableDeny = false;
  port = 0;
  configFile = '';
  inspect?: (ev: InspectionEvent) => void;
  private nextClientId = 1;
  private listeners: net.Server[] = [];
  private cronTimer: NodeJS.Timeout | null = null;
  private queryBufferLimit = 1024 * 1024 * 1024;
  private idleTimeoutSec = 0;
  private maxClients = 10000;
  /** The client whose input is being processed: its replies go to the shared writer. */
  private current: Client | null = null;
  /** The client whose replies the shared writer holds right now, if any. */
  get processing(): Client | null {
    return this.current;
  }
  private shuttingDown = false;
  private lastReplicationCron = 0;
  onShutdown: (() => void) | null = null;

  constructor(readonly clock: Clock = systemClock) {
    this.keyspace = new Keyspace(clock);
    this.startedAt = clock.now();
    this.replication = new Replication(this, () => randomHex(40));
    this.aof = new Aof(this);
    this.persistence = new Persistence(this);
    this.config.watch('loglevel', (v) => (this.log.level = v as LogLevel));
    this.config.watch('logfile', (v) => (this.log.file = v));
    this.config.watch('proto-max-bulk-len', (v) => (this.limits.maxBulkLen = Number(v)));
    this.config.watch('client-query-buffer-limit', (v) => (this.queryBufferLimit = Number(v)));
    this.config.watch('timeout', (v) => (this.idleTimeoutSec = Number(v)));
    this.config.watch('min-replicas-to-write', (v) => (this.replication.minReplicasToWrite = Number(v)));
    this.config.watch('min-replicas-max-lag', (v) => (this.replication.minReplicasMaxLag = Number(v)));
    this.config.watch('maxclients', (v) => (this.maxClients = Number(v)));
    this.config.watch('replica-read-only', (v) => (this.replicaReadOnly = v === 'yes'));
    // An LFU maxmemory-policy makes Entry.lru an access counter (OBJECT FREQ, RESTORE … FREQ).
    this.config.watch('maxmemory-policy', (v) => (this.keyspace.lfu = v.endsWith('-lfu')));
    this.config.watch('lfu-log-factor', (v) => (this.keyspace.lfuLogFactor = Number(v)));
    this.config.watch('lfu-decay-time', (v) => (this.keyspace.lfuDecayTime = Number(v)));
    this.config.watch('repl-backlog-size', (v) => this.replication.resizeBacklog(Number(v)));
    this.config.watch('client-output-buffer-limit', (v) => {
      const { hard, soft, softSeconds } = obufLimits(v).slave;
      this.replication.outputLimit = { hard: Number(hard), soft: Number(soft), softSeconds: Number(softSeconds) };
    });
    this.stats.follow(this.config);
    this.keyspace.hooks = {
      modified: (db, key) => {
        if (this.watches.size) this.watches.touched(db, key);
      },
      expired: (db, key) => {
        notifyKeyspaceEvent(this, NOTIFY_EXPIRED, 'expired', key, db.id);
        this.propagation.also(db.id, ['DEL', key]);
      },
      evicted: (db, key) => {
        notifyKeyspaceEvent(this, NOTIFY_EVICTED, 'evicted', key, db.id);
        this.propagation.also(db.id, ['DEL', key]);
      },
      flushed: (db) => {
        if (this.watches.size) this.watches.flushed(db);
      },
      created: (db, key) => notifyKeyspaceEvent(this, NOTIFY_NEW, 'new', key, db.id),
      missed: (db, key) => notifyKeyspaceEvent(this, NOTIFY_KEY_MISS, 'keymiss', key, db.id),
    };
    this.notifications = new KeyspaceNotifications(this);
    this.memory = new MemoryLimit(this);
  }

  /** A replica that refuses writes from its clients (replica-read-only yes). */
  isReadOnlyReplica(): boolean {
    return this.replicaRole !== null && this.replicaReadOnly;
  }
  private replicaReadOnly = true;

  get role(): 'master' | 'slave' {
    return this.replicaRole ? 'slave' : 'master';
  }

  /** REPLICAOF host port (replicationSetMaster): follow that master from now on. */
  becomeReplicaOf(host: string, port: number): void {
    const repl = this.replication;
    // Keep what we hold as a cached master: PSYNC can then continue our own history on the new master.
    const cached = this.replicaRole
      ? this.replicaRole.offset >= 0 ? { replid: repl.replid, offset: this.replicaRole.offset } : null
      : { replid: repl.replid, offset: repl.offset };
    this.replicaRole?.stop();
    for (const c of this.clients.values()) if (c.mode === 'blocked') this.unblockWithError(c, 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
    repl.forwardsMasterStream = true;
    this.keyspace.replicaMode = 'replica-read';
    this.replicaRole = new ReplicaRole(this, { host, port }, this.startedFromConfig ? null : cached);
    this.startedFromConfig = false;
    this.replicaRole.start();
  }

  /** REPLICAOF NO ONE (replicationUnsetMaster): keep the data, take a new replication id, serve writes. */
  promoteToMaster(): void {
    const role = this.replicaRole;
    if (!role) return;
    role.stop();
    this.replicaRole = null;
    const repl = this.replication;
    if (role.offset >= 0) repl.offset = role.offset;
    repl.shiftReplicationId();
    repl.disconnectAll('replication id changed (REPLICAOF NO ONE)');
    repl.forwardsMasterStream = false;
    this.keyspace.replicaMode = 'master';
  }

  /** A server started with `replicaof` asks for a full resync (`PSYNC ? -1`), having no history to continue. */
  private startedFromConfig = false;

  private unblockWithError(client: Client, text: string): void {
    this.replication.forgetWaiter(client);
    this.unblock(client, error(text));
  }

  // ---- listening ----

  async listen(port: number, bindAddrs: string[]): Promise<void> {
    let actualPort = port;
    for (const spec of bindAddrs) {
      const optional = spec.startsWith('-'); // Redis's "-::1": skip quietly if the address is unavailable
      const named = optional ? spec.slice(1) : spec;
      const host = named === '*' ? '0.0.0.0' : named === '::*' ? '::' : named; // redis.conf's wildcards
      const srv = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen({ port: actualPort, host, exclusive: true, ipv6Only: host.includes(':') }, () => {
            srv.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT')) {
          this.log.warning(`Warning: Could not create server TCP listening socket ${host}:${actualPort}: ${err.message}`);
          continue;
        }
        await Promise.all(this.listeners.map((l) => new Promise((r) => l.close(r))));
        this.listeners = [];
        throw new ListenError(`Could not create server TCP listening socket ${host === '::' || host === '0.0.0.0' ? '*' : host}:${actualPort}: ${err.code === 'EADDRINUSE' ? 'bind: Address already in use' : err.message}`);
      }
      actualPort = (srv.address() as net.AddressInfo).port; // port 0: the other addresses reuse the one we got
      this.listeners.push(srv);
    }
    this.port = actualPort;
  }

  /**
   * CONFIG SET port (changeListenPort): listen on the new port first and drop the old sockets only once that
   * worked, so a port in use leaves the server where it was. Port 0 means no TCP listener at all, as in Redis.
   */
  async changePort(port: number): Promise<string | null> {
    if (port === this.port) return null;
    const old = this.listeners;
    if (port !== 0) {
      this.listeners = [];
      try {
        await this.listen(port, this.bindAddrs());
      } catch (e) {
        this.listeners = old;
        this.log.warning(`Failed to listen on port ${port}: ${(e as Error).message}`);
        return 'Unable to listen on this port. Check server logs.';
      }
    } else {
      this.listeners = [];
      this.port = 0;
    }
    // close() stops accepting at once; its callback would wait for every connection to end, so don't wait
    for (const l of old) l.close();
    return null;
  }

  /** CONFIG SET bind (changeBindAddr): close, listen on the new addresses, and go back to the old ones on failure. */
  async changeBind(bind: string): Promise<string | null> {
    const addrs = bind.split(' ').filter(Boolean);
    if (this.port === 0 || addrs.join(' ') === this.boundTo) return null;
    const previous = this.boundTo.split(' ').filter(Boolean);
    await Promise.all(this.listeners.map((l) => closeListener(l)));
    this.listeners = [];
    try {
      await this.listen(this.port, addrs.length ? addrs : ['0.0.0.0', '-::']);
      this.boundTo = addrs.join(' ');
      return null;
    } catch (e) {
      this.log.warning(`Failed to bind to ${bind}: ${(e as Error).message}`);
      await this.listen(this.port, previous.length ? previous : ['0.0.0.0', '-::']).catch(() => {});
      return 'Failed to bind to specified addresses.';
    }
  }

  /** The addresses the listening sockets were opened on (the `bind` they follow). */
  boundTo = '';

  private bindAddrs(): string[] {
    const addrs = this.boundTo.split(' ').filter(Boolean);
    return addrs.length ? addrs : ['0.0.0.0', '-::'];
  }

  startCron(): void {
    // hz is followed live: CONFIG SET hz restarts the timer at the new rate
    this.config.watch('hz', (v) => {
      if (this.cronTimer) clearInterval(this.cronTimer);
      if (this.shuttingDown) return;
      this.cronTimer = setInterval(() => this.cron(), 1000 / Math.max(1, Math.min(500, Number(v) || 10)));
      this.cronTimer.unref?.();
    });
    // Redis runs serverCron 1 ms after start: its first round (replication_cron_loops 0, the one that PINGs
    // replicas) is over before any replica can attach, so the first PING comes a whole period later.
    this.cron();
  }

  /** serverCron: what Redis does `hz` times a second. */
  private cron(): void {
    try {
      const now = this.clock.now();
      const started = performance.now();
      this.keyspace.activeExpireCycle();
      // latencyAddSampleIfNeeded("expire-cycle"): an expire cycle that held the server past the threshold
      const expireUs = (performance.now() - started) * 1000;
      const latency = this.stats.latency;
      if (expireUs >= latency.monitorThresholdUs) latency.monitor.addSample('expire-cycle', Math.floor(expireUs / 1000), Math.floor(now / 1000));
      trackingCron(this);
      this.stats.sample(now);
      if (this.idleTimeoutSec > 0) this.closeIdleClients();
      if (now - this.lastReplicationCron >= 1000) {
        this.lastReplicationCron = now;
        this.replication.cron(this.config.getNumber('repl-ping-replica-period'), this.config.getNumber('repl-timeout'));
      }
      this.persistence.cron();
    } catch (e) {
      this.log.warning(`cron failed: ${(e as Error).stack ?? e}`);
    }
  }

  private closeIdleClients(): void {
    const now = this.clock.now();
    for (const c of this.clients.values()) {
      // clientsCronHandleTimeout(): replicas, masters, blocked clients, subscribers and monitors never time out
      if (c.isMaster || c.mode === 'replica' || c.mode === 'blocked' || isSubscribed(c) || isMonitor(this, c)) continue;
      if ((now - c.lastInteraction) / 1000 > this.idleTimeoutSec) {
        this.log.verbose('Closing idle client');
        this.closeClient(c, 'timeout');
      }
    }
  }

  // ---- clients ----

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.on('error', (err) => this.log.verbose(`Client socket error: ${err.message}`)); // ECONNRESET must not crash
    this.stats.connectionsReceived++;
    if (this.clients.size >= this.maxClients || this.shuttingDown) {
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    const acl = aclOf(this);
    const client = new Client(
      this.nextClientId++, socket, this.keyspace.dbs[0], this.limits, this.clock.now(), acl.defaultRequiresAuth, this.inspect,
    );
    acl.setDefaultAuth(client);
    this.clients.set(client.id, client);
    client.deliver = (bytes) => this.deliver(client, bytes);
    // the server's limits (live under CONFIG SET) plus whether this client must still authenticate
    client.decoder.limits = Object.create(this.limits, {
      authRequired: { get: () => !client.authenticated && aclOf(this).defaultRequiresAuth },
    });
    client.actor.subscribe({
      error: (err) => {
        this.log.warning(`Client ${client.id} state machine failed: ${(err as Error)?.stack ?? err}`);
        socket.destroy();
      },
    });
    client.actor.on('closeAfterReply', (ev) => {
      client.closeReason = ev.reason;
      if (this.current !== client) this.flushAndEnd(client); // otherwise processInput ends it after its batch
    });
    client.actor.on('transactionDiscarded', () => client.resetTransaction());
    client.actor.start();
    socket.on('data', (chunk) => {
      try {
        this.onData(client, chunk);
      } catch (e) {
        // A bug outside any handler (those are caught in call()) costs this connection, never the process.
        this.log.warning(`Error serving client id=${client.id} addr=${client.addr}: ${(e as Error)?.stack ?? e}`);
        socket.destroy();
      }
    });
    socket.on('close', () => this.freeClient(client));
  }

  private onData(client: Client, chunk: Buffer): void {
    this.stats.readsProcessed++;
    client.bytesIn += chunk.length;
    this.stats.netInputBytes += chunk.length;
    client.lastInteraction = this.clock.now();
    const mode = client.mode;
    if (mode === 'closing' || mode === 'closed') return; // Redis stops reading a client it is closing
    client.decoder.feed(chunk);
    if (client.decoder.buffered > this.queryBufferLimit && !client.isMaster) {
      this.log.warning(`Closing client that reached max query buffer length: id=${client.id} addr=${client.addr} qbuf=${client.decoder.buffered}`);
      client.socket.destroy();
      return;
    }
    this.processInput(client);
  }

  /**
   * processInputBuffer(): run every complete request in the client's buffer, encoding replies into the shared
   * writer, then write them with one socket write. Stops at a parked (blocked) client or one being closed.
   */
  processInput(client: Client): void {
    const writer = this.writer;
    this.current = client;
    try {
      for (;;) {
        const mode = client.mode;
        if (mode === 'blocked' || mode === 'closing' || mode === 'closed') break;
        let argv: string[] | typeof NEED_MORE;
        try {
          argv = client.decoder.next(request);
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          writer.proto = client.proto;
          writer.write(error(`ERR Protocol error: ${e.reason}`));
          this.stats.countError('ERR');
          this.log.verbose(`Protocol error (${e.reason}) from client: id=${client.id} addr=${client.addr}`);
          client.send({ type: 'client.close', reason: 'protocolError' });
          break;
        }
        if (argv === NEED_MORE) break;
        if (argv.length === 0) continue;
        const reply = dispatch(this, client, argv);
        if (reply === BLOCKED || reply === NO_REPLY) continue;
        if (mode === 'replica') continue; // a replica's own commands (REPLCONF ACK) are never answered
        if (client.replyMode !== 'on') {
          if (client.replyMode === 'skip') client.replyMode = 'on';
          else if (client.replyMode === 'skip-next') client.replyMode = 'skip';
          continue;
        }
        writer.proto = client.proto;
        writer.write(reply);
        if (writer.length > 16 * 1024 * 1024) this.flush(client); // don't hold a huge pipeline's replies in memory
      }
    } finally {
      this.current = null;
      this.flush(client);
    }
    if (client.mode === 'closing') this.flushAndEnd(client);
  }

  /** Write what the shared writer holds for this client. */
  private flush(client: Client): void {
    const out = this.writer.take();
    if (!out) return;
    client.bytesOut += out.length;
    this.stats.netOutputBytes += out.length;
    this.stats.writesProcessed++;
    this.deliver(client, out);
  }

  /**
   * Send bytes to a client. No reply may leave before the writes it acknowledges are in the AOF (and fsynced
   * with appendfsync always), so while the AOF holds such writes, replies are held and go out at the end of the
   * event-loop turn, after one AOF write and fsync for all of them: what Redis's beforeSleep does. Without
   * pending AOF writes (or without an AOF) they go out at once.
   */
  private deliver(client: Client, bytes: Buffer): void {
    if (client.heldOutput === null && !this.aof.hasPending) {
      if (!client.socket.destroyed) client.socket.write(bytes);
      return;
    }
    if (client.heldOutput === null) {
      client.heldOutput = [];
      this.heldClients.push(client);
      if (!this.releaseScheduled) {
        this.releaseScheduled = true;
        setImmediate(() => this.releaseHeld());
      }
    }
    client.heldOutput.push(bytes);
  }

  private heldClients: Client[] = [];
  private releaseScheduled = false;

  /** End of the turn: one AOF write (and fsync) for everything, then the held replies, in order. */
  private releaseHeld(): void {
    this.releaseScheduled = false;
    this.aof.writePending();
    const clients = this.heldClients;
    this.heldClients = [];
    for (const c of clients) {
      const held = c.heldOutput!;
      c.heldOutput = null;
      if (c.socket.destroyed) continue;
      c.socket.write(held.length === 1 ? held[0] : Buffer.concat(held));
      if (c.endAfterHeld) this.flushAndEnd(c);
    }
  }

  /**
   * Close after the pending replies, as Redis closes the fd: once the replies are flushed the socket is
   * destroyed, not just half-closed, so a peer still writing (a protocol desync) gets an error instead of
   * writing into a connection nobody reads.
   */
  private flushAndEnd(client: Client): void {
    const socket = client.socket;
    if (socket.destroyed) return;
    if (client.heldOutput !== null) {
      client.endAfterHeld = true; // after the replies held for the AOF
      return;
    }
    socket.pause();
    socket.end(() => socket.destroy());
  }

  /**
   * Answer a parked client (WAIT, blocking pops) and let it run again: its reply goes out, then whatever it
   * pipelined behind the blocking command is processed.
   */
  unblock(client: Client, reply: Reply, moreUsec = 0): void {
    if (client.mode !== 'blocked') return;
    commandUnparked(this, client, moreUsec);
    client.send({ type: 'client.unblock' });
    client.push(reply);
    this.resumeInput(client);
  }

  /** A parked client runs again: whatever it pipelined behind its blocking command is processed next. */
  resumeInput(client: Client): void {
    if (client.decoder.buffered > 0) setImmediate(() => this.processInput(client));
  }

  /** Close a client: after its pending replies when it asked (QUIT), at once otherwise (CLIENT KILL). */
  closeClient(client: Client, reason: 'quit' | 'protocolError' | 'killed' | 'timeout' | 'outputLimit' | 'shutdown'): void {
    client.send({ type: 'client.close', reason });
  }

  private freeClient(client: Client): void {
    if (!this.clients.delete(client.id)) return;
    if (client.watched.size) this.watches.unwatchAll(client);
    if (client.replica) this.replication.peerClosed(client);
    if (client.mode === 'blocked') {
      this.replication.forgetWaiter(client);
      this.pause.forget(client);
    }
    client.send({ type: 'socket.closed' });
    client.actor.stop();
  }

  // ---- lifecycle ----

  async close(): Promise<void> {
    this.shuttingDown = true;
    this.replicaRole?.stop();
    if (this.cronTimer) clearInterval(this.cronTimer);
    this.cronTimer = null;
    this.memory.stop();
    this.persistence.close();
    // stop accepting, then drop the clients: a listener's close callback waits until its connections are gone
    const closed = this.listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve())));
    this.listeners = [];
    for (const c of [...this.clients.values()]) {
      c.socket.destroy();
      this.freeClient(c);
    }
    await Promise.all(closed);
  }

  /** `replicaof host port` from the command line or config file: connect once we listen (and know our port). */
  applyReplicaofConfig(): void {
    const value = this.config.get('replicaof').trim();
    if (!value) return;
    const [host, port] = value.split(/\s+/);
    this.startedFromConfig = true;
    this.becomeReplicaOf(host, Number(port));
  }

  /**
   * SHUTDOWN / SIGTERM (prepareForShutdown, finishShutdown): persistence first (background saves stopped, the AOF
   * fsynced, the final RDB saved when due), then stop serving and let the process owner exit. Returns false, still
   * serving, when that final save failed without FORCE.
   */
  shutdown(flags: ShutdownFlags = {}): boolean {
    this.log.warning('User requested shutdown...');
    if (!this.persistence.prepareShutdown(flags)) {
      this.log.warning('Errors trying to shut down the server. Check the logs for more information.');
      return false;
    }
    void this.close().then(() => {
      this.log.warning('Redis is now ready to exit, bye bye...');
      this.onShutdown?.();
    });
    return true;
  }
}

export class ListenError extends Error {}

/** Stop accepting on a listening socket; resolves once its address is free (not when its connections end). */
function closeListener(l: net.Server): Promise<void> {
  return new Promise((resolve) => {
    l.close();
    // the address is released synchronously by close(); the callback only waits for open connections
    setImmediate(resolve);
  });
}

export function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

/** Start a server. `port: 0` picks a free port; the handle says which. */
export async function startServer(options: ServerOptions = {}): Promise<ServerHandle> {
  const server = new Server(options.clock);
  if (options.logSink) server.log.sink = options.logSink;
  server.inspect = options.inspect;
  server.configFile = options.configFile ?? '';
  // created first, so the default user follows requirepass from the first directive on, as initServer() has it
  const acl = aclOf(server);
  for (const [name, value] of options.config ?? []) {
    try {
      if (name.toLowerCase() === 'user') acl.appendUserForLoading(value.split(' '));
      else server.config.set(name, value);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`'${name} "${value}"': ${e.message}`);
      throw e;
    }
  }
  if (options.port !== undefined) server.config.set('port', String(options.port));
  if (options.bind !== undefined) server.config.set('bind', options.bind);
  server.keyspace.resize(server.config.getNumber('databases'));
  acl.loadUsersAtStartup();
  server.persistence.loadAtStart(); // before listening: no client ever sees a partly loaded dataset
  const bind = server.config.get('bind').split(/\s+/).filter(Boolean);
  try {
    await server.listen(server.config.getNumber('port'), bind.length ? bind : ['0.0.0.0', '-::']);
  } catch (e) {
    server.persistence.close();
    throw e;
  }
  server.boundTo = bind.join(' ');
  // port 0 asked for any free port: CONFIG GET port answers with the one we got
  if (server.config.get('port') !== String(server.port)) server.config.set('port', String(server.port));
  server.config.onApply('port', (v) => server.changePort(Number(v)));
  server.config.onApply('bind', (v) => server.changeBind(v));
  server.startCron();
  server.applyReplicaofConfig();
  return { port: server.port, server, close: () => server.close() };
}
