/**
 * The replica role: REPLICAOF host port starts a replicaMachine whose masterLink talks to the master; this module
 * is the link's sink. It loads the transferred RDB into a fresh keyspace and swaps it in only when complete,
 * applies the master's stream through a client flagged as the master (no replies), keeps slave_repl_offset,
 * answers REPLCONF GETACK, and forwards the stream verbatim to our own backlog and replicas.
 * Mirrors the replica half of replication.c.
 */
import net from 'node:net';
import { createActor, type Actor } from 'xstate';
import { replicaMachine, roleState, type MasterAddress } from '../../machines/replica';
import { createMasterLink, type ReplicaSink } from '../../machines/actors/master-link';
import { Client } from './client';
import { dispatch } from '../commands';
import { BLOCKED, NO_REPLY } from '../commands/types';
import { encodeCommand } from '../protocol/reply';
import { loadLimitsOf, RdbLoader } from '../rdb/load';
import { installRdbLibraries } from '../scripting/functions';
import type { Server } from './server';

export class ReplicaRole implements ReplicaSink {
  readonly actor: Actor<typeof replicaMachine>;
  /** Applied offset of the master's stream (slave_repl_offset); -1 until a sync gave us one. */
  offset = -1;
  /** Offset of what was received, applied or not (slave_read_repl_offset). */
  readOffset = -1;
  /** The master's replication id as we know it (our replid once synced). */
  masterReplid = '';
  linkUpSince = 0;
  linkDownSince: number;
  lastIo = 0;
  syncStartedAt = 0;
  syncTotalBytes = -1;
  syncReadBytes = 0;
  private loader: RdbLoader | null = null;
  private pendingSync: { replid: string; offset: number } | null = null;
  private masterClient: Client | null = null;
  private multiBytes = -1; // inside a MULTI from the master: bytes applied at EXEC (Redis's reploff rule)

  constructor(
    private readonly server: Server,
    readonly master: MasterAddress,
    /** PSYNC's first question: continue a history we hold, or `? -1`. */
    private cached: { replid: string; offset: number } | null,
  ) {
    this.linkDownSince = server.clock.now();
    const config = server.config;
    const password = config.get('masterauth');
    const user = config.get('masteruser');
    const link = createMasterLink({
      sink: this,
      replTimeoutMs: () => config.getNumber('repl-timeout') * 1000,
      now: () => server.clock.now(),
    });
    this.actor = createActor(replicaMachine.provide({ actors: { masterLink: link } }), {
      input: {
        master,
        listeningPort: server.port,
        auth: password ? { password, user: user || undefined } : undefined,
        psync: () => (this.cached ? { replid: this.cached.replid, offset: this.cached.offset + 1 } : { replid: '?', offset: -1 }),
        replTimeoutMs: config.getNumber('repl-timeout') * 1000,
      },
      inspect: server.inspect,
      id: 'replica',
    });
    this.actor.subscribe({
      error: (err) => server.log.warning(`Replica machine failed: ${(err as Error)?.stack ?? err}`),
    });
    this.actor.on('fullresync', (ev) => {
      server.log.notice(`Full resync from master: ${ev.replid}:${ev.offset}`);
      this.pendingSync = { replid: ev.replid, offset: ev.offset };
    });
    this.actor.on('synced', () => this.onSynced());
    this.actor.on('continued', (ev) => this.onContinued(ev.replid));
    this.actor.on('linkDown', (ev) => this.onLinkDown(ev.reason));
  }

  start(): void {
    this.server.log.notice(`Connecting to MASTER ${this.master.host}:${this.master.port}`);
    this.actor.start();
  }

  stop(): void {
    this.actor.send({ type: 'replica.stop' });
    this.actor.stop();
    this.dropLoader();
    this.masterClient = null;
    this.server.loading = false;
  }

  /** ROLE's state word: connect, connecting, handshake, sync, connected. */
  get state(): ReturnType<typeof roleState> {
    return roleState(this.actor.getSnapshot().value);
  }

  get linkUp(): boolean {
    return this.state === 'connected';
  }

  // ---- ReplicaSink: the RDB ----

  beginRdb(length: number | null): void {
    // The loader stages the new dataset and swaps it in only once complete; a replica keeps expired keys
    // until its master's DEL arrives. The master's libraries replace ours, as emptyData() clears them first.
    this.loader = new RdbLoader(this.server.keyspace, {
      dropExpired: false,
      log: this.server.log,
      functions: installRdbLibraries(this.server),
      limits: loadLimitsOf(this.server.config),
    });
    this.server.loading = true;
    this.syncStartedAt = this.server.clock.now();
    this.syncTotalBytes = length ?? -1;
    this.syncReadBytes = 0;
  }

  rdbChunk(bytes: Buffer): void {
    this.syncReadBytes += bytes.length;
    this.lastIo = this.server.clock.now();
    this.server.stats.netReplInputBytes += bytes.length;
    // The link hands us views of its socket chunks, which it does not reuse; the reader may keep them.
    this.loader!.feed(bytes);
  }

  endRdb(): { keys: number } {
    const loader = this.loader!;
    this.loader = null;
    try {
      this.server.log.notice('MASTER <-> REPLICA sync: Flushing old data');
      const stats = loader.end();
      this.server.log.notice('MASTER <-> REPLICA sync: Finished with success');
      return { keys: stats.keysLoaded };
    } finally {
      this.server.loading = false;
    }
  }

  private dropLoader(): void {
    this.loader = null;
  }

  // ---- ReplicaSink: the stream ----

  applyCommands(batch: { argv: string[]; bytes: number }[], write: (bytes: Buffer) => void): void {
    const server = this.server;
    const client = this.masterClientFor();
    this.lastIo = server.clock.now();
    for (const { argv, bytes } of batch) {
      server.stats.netReplInputBytes += bytes;
      const name = argv[0].toLowerCase();
      if (name === 'replconf' && argv[1]?.toLowerCase() === 'getack') {
        // The ACK covers what came before this GETACK, not the GETACK itself.
        write(encodeCommand(['REPLCONF', 'ACK', String(this.offset)]));
      } else {
        const reply = dispatch(server, client, argv);
        if (reply !== BLOCKED && reply !== NO_REPLY && reply.kind === 'error') {
          server.log.warning(`== CRITICAL == This replica is sending an error to its master: '${reply.text}' after processing the command '${name}'`);
        }
      }
      // slave_repl_offset moves when a command is applied; inside MULTI only at EXEC (commandProcessed()).
      if (name === 'multi') this.multiBytes = bytes;
      else if (this.multiBytes >= 0) {
        this.multiBytes += bytes;
        if (name === 'exec' || name === 'discard') {
          this.offset += this.multiBytes;
          this.multiBytes = -1;
        }
      } else this.offset += bytes;
      server.replication.feedRaw(encodeCommand(argv));
    }
    this.readOffset = this.offset;
  }

  noteRead(bytes: number): void {
    this.readOffset += bytes;
  }

  ackOffset(): number {
    return this.offset;
  }

  log(level: 'notice' | 'warning' | 'verbose', message: string): void {
    this.server.log[level](message);
  }

  /** The pseudo-client the master's commands run as: flagged master, so writes pass READONLY and get no reply. */
  private masterClientFor(): Client {
    if (!this.masterClient) {
      const c = new Client(0, new net.Socket(), this.server.keyspace.dbs[0], this.server.limits, this.server.clock.now(), false);
      c.isMaster = true;
      c.fixedAddr = `${this.master.host}:${this.master.port}`;
      c.actor.start();
      this.masterClient = c;
    }
    return this.masterClient;
  }

  // ---- lifecycle events from the machine ----

  private onSynced(): void {
    const sync = this.pendingSync!;
    const repl = this.server.replication;
    if (repl.replid !== sync.replid) repl.disconnectAll('new replication id after a full resync');
    this.masterReplid = sync.replid;
    repl.replid = sync.replid;
    repl.replid2 = '0'.repeat(40);
    repl.secondOffset = -1;
    repl.resetBacklog(sync.offset);
    this.offset = this.readOffset = sync.offset;
    this.cached = { replid: sync.replid, offset: sync.offset };
    this.masterClient = null;
    this.multiBytes = -1;
    this.linkUp_();
  }

  private onContinued(newReplid: string | null): void {
    const repl = this.server.replication;
    this.server.log.notice('Successful partial resynchronization with master.');
    if (newReplid && newReplid !== repl.replid) {
      repl.replid2 = repl.replid;
      repl.secondOffset = repl.offset + 1;
      repl.replid = newReplid;
      this.server.log.notice(`Master replication ID changed to ${newReplid}`);
      repl.disconnectAll('master replication id changed');
    }
    this.masterReplid = repl.replid;
    this.offset = this.readOffset = repl.offset;
    this.multiBytes = -1;
    this.masterClient = null;
    this.linkUp_();
  }

  private linkUp_(): void {
    this.linkUpSince = this.server.clock.now();
    this.lastIo = this.linkUpSince;
    this.server.log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization or finished a full one; link is up.');
  }

  private onLinkDown(reason: string): void {
    const wasUp = this.linkUpSince > 0;
    this.linkUpSince = 0;
    this.linkDownSince = this.server.clock.now();
    this.server.loading = false;
    this.dropLoader();
    if (this.offset >= 0) this.cached = { replid: this.server.replication.replid, offset: this.offset };
    if (reason) this.server.log.warning(`${wasUp ? 'Connection with master lost' : 'Master link failed'}: ${reason}`);
  }

  /** The replica half of INFO replication (genRedisInfoString). */
  infoLines(): string[] {
    const now = this.server.clock.now();
    const up = this.linkUp;
    const lines = [
      `master_host:${this.master.host}`,
      `master_port:${this.master.port}`,
      `master_link_status:${up ? 'up' : 'down'}`,
      `master_last_io_seconds_ago:${up ? Math.floor((now - this.lastIo) / 1000) : -1}`,
      `master_sync_in_progress:${this.state === 'sync' ? 1 : 0}`,
      `slave_read_repl_offset:${this.readOffset < 0 ? 0 : this.readOffset}`,
      `slave_repl_offset:${this.offset < 0 ? 0 : this.offset}`,
    ];
    if (this.state === 'sync') {
      const total = this.syncTotalBytes;
      lines.push(
        `master_sync_total_bytes:${total}`,
        `master_sync_read_bytes:${this.syncReadBytes}`,
        `master_sync_left_bytes:${total < 0 ? -1 : total - this.syncReadBytes}`,
        `master_sync_perc:${total > 0 ? ((this.syncReadBytes * 100) / total).toFixed(2) : '0.00'}`,
        `master_sync_last_io_seconds_ago:${Math.floor((now - this.lastIo) / 1000)}`,
      );
    }
    if (!up) lines.push(`master_link_down_since_seconds:${this.linkDownSince ? Math.floor((now - this.linkDownSince) / 1000) : -1}`);
    lines.push(
      `slave_priority:${this.server.config.get('replica-priority')}`,
      `slave_read_only:${this.server.config.getBool('replica-read-only') ? 1 : 0}`,
      `replica_announced:1`,
    );
    return lines;
  }
}
