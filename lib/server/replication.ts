/**
 * Replication state shared by both roles (replid, replid2, master_repl_offset, the backlog) and the master side:
 * PSYNC served with a point-in-time snapshot or the backlog, the stream fed to replicas and the backlog in one
 * socket write per event-loop turn, REPLCONF ACKs, WAIT, the PINGs and timeouts of replicationCron.
 * Mirrors replication.c. The replica side (our own master link) lives in replica-of.ts.
 */
import { createActor, fromPromise, type Actor } from 'xstate';
import { replicaSyncMachine, replstateName, type ReplicaSyncState } from '../../machines/replica-sync';
import { Backlog } from './backlog';
import { NO_DB } from './propagation';
import { encodeCommand, int, type Reply } from '../protocol/reply';
import { writeRdb } from '../rdb/write';
import { librarySources } from '../scripting/functions';
import type { Client } from './client';
import type { Server } from './server';

export const ZERO_REPLID = '0'.repeat(40);

/** A replica connected to us: its sync machine, what it acknowledged, and the bytes queued for it. */
export class ReplicaPeer {
  readonly actor: Actor<typeof replicaSyncMachine>;
  ackOffset = 0;
  ackTime: number;
  /** Stream bytes not yet written: everything while it syncs, the current turn's writes once online. */
  queue: Buffer[] = [];
  queuedBytes = 0;
  /** When the soft output-buffer limit was first exceeded (0: it is not). */
  softLimitSince = 0;
  readonly syncStartedAt: number;

  constructor(
    readonly client: Client,
    actor: Actor<typeof replicaSyncMachine>,
    now: number,
  ) {
    this.actor = actor;
    this.ackTime = now;
    this.syncStartedAt = now;
  }

  get state(): ReplicaSyncState {
    return this.actor.getSnapshot().value as ReplicaSyncState;
  }

  /** ip and port as INFO and ROLE show them: the announced ones, else the connection's address. */
  get ip(): string {
    if (this.client.replconf.ipAddress) return this.client.replconf.ipAddress;
    const a = this.client.socket.remoteAddress ?? '?';
    return a.startsWith('::ffff:') ? a.slice(7) : a;
  }

  get port(): number {
    return this.client.replconf.listeningPort || (this.client.socket.remotePort ?? 0);
  }

  /** Bytes waiting to reach the replica: ours plus what the socket still buffers. */
  get pendingBytes(): number {
    return this.queuedBytes + this.client.socket.writableLength;
  }
}

interface Waiter {
  client: Client;
  target: number;
  numReplicas: number;
  timer: NodeJS.Timeout | null;
}

/** client-output-buffer-limit for the replica class: hard bytes, soft bytes, soft seconds. */
export interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

export class Replication {
  replid: string;
  replid2 = ZERO_REPLID;
  /** master_repl_offset: bytes ever appended to the stream while a backlog or a replica existed. */
  offset = 0;
  secondOffset = -1;
  backlog: Backlog | null = null;
  backlogSize = 1024 * 1024;
  readonly peers = new Map<number, ReplicaPeer>();
  readonly stats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 };
  outputLimit: OutputLimit = { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, softSeconds: 60 };
  /** Set by the replica role: a replica forwards its master's stream verbatim instead of its own writes. */
  forwardsMasterStream = false;
  /** The snapshot of each full resync, started at its PSYNC (the instant its FULLRESYNC offset names). */
  private snapshots = new Map<number, Generator<Buffer, void, undefined>>();
  /** The longest the event loop was held by one slice of snapshot work, in ms (INFO: for the curious). */
  longestSnapshotSliceMs = 0;
  private selectedDb = -1; // slaveseldb: the db the stream last SELECTed
  private flushScheduled = false;
  private ackRequested = false;
  private waiters: Waiter[] = [];
  /** replication_cron_loops: replicas are PINGed when it is a multiple of repl-ping-replica-period. */
  private cronLoops = 0;
  /** min-replicas-to-write and min-replicas-max-lag (seconds); either at 0 turns the check off. */
  minReplicasToWrite = 0;
  minReplicasMaxLag = 10;

  constructor(private readonly server: Server, randomId: () => string) {
    this.replid = randomId();
    this.randomId = randomId;
    server.propagation.sinks.push((db, argv) => this.feedCommand(db, argv));
  }
  private readonly randomId: () => string;

  // ---- the stream ----

  /** A propagated write (replicationFeedSlaves): SELECT first when the db changes, then the command. */
  feedCommand(db: number, argv: string[]): void {
    if (this.forwardsMasterStream) return;
    if (this.backlog === null && this.peers.size === 0) return; // nothing would read it: Redis skips it too
    if (db !== NO_DB && db !== this.selectedDb) {
      this.append(encodeCommand(['SELECT', String(db)]));
      this.selectedDb = db;
    }
    this.append(encodeCommand(argv));
  }

  /** Bytes of our master's stream, already applied here, for our backlog and our own replicas. */
  feedRaw(bytes: Buffer): void {
    if (this.backlog === null && this.peers.size === 0) {
      this.offset += bytes.length;
      return;
    }
    this.append(bytes);
  }

  private append(bytes: Buffer): void {
    this.offset += bytes.length;
    this.backlog?.append(bytes);
    for (const peer of this.peers.values()) this.enqueue(peer, bytes);
  }

  private enqueue(peer: ReplicaPeer, bytes: Buffer): void {
    peer.queue.push(bytes);
    peer.queuedBytes += bytes.length;
    if (this.checkOutputLimit(peer)) this.scheduleFlush();
  }

  /** checkClientOutputBufferLimits() for a replica; false when it was disconnected. */
  private checkOutputLimit(peer: ReplicaPeer): boolean {
    const { hard, soft, softSeconds } = this.outputLimit;
    const used = peer.pendingBytes;
    // under both limits, the common case: nothing to time (this runs for every propagated command)
    if ((hard === 0 || used < hard) && (soft === 0 || used < soft)) {
      peer.softLimitSince = 0;
      return true;
    }
    const now = this.server.clock.now();
    let over = hard > 0 && used >= hard;
    if (!over && soft > 0 && used >= soft) {
      if (peer.softLimitSince === 0) peer.softLimitSince = now;
      else if (now - peer.softLimitSince >= softSeconds * 1000) over = true;
    } else if (soft > 0 && used < soft) {
      peer.softLimitSince = 0;
    }
    if (!over) return true;
    this.server.log.warning(
      `Client id=${peer.client.id} addr=${peer.client.addr} scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    this.dropPeer(peer, 'output buffer limit');
    return false;
  }

  /** One socket write per replica per event-loop turn, not one per command. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushAll();
    });
  }

  private flushAll(): void {
    if (this.ackRequested) {
      this.ackRequested = false;
      this.feedCommand(NO_DB, ['REPLCONF', 'GETACK', '*']);
    }
    for (const peer of this.peers.values()) if (peer.state === 'online') this.flushPeer(peer);
  }

  private flushPeer(peer: ReplicaPeer): void {
    if (peer.queue.length === 0) return;
    const out = peer.queue.length === 1 ? peer.queue[0] : Buffer.concat(peer.queue, peer.queuedBytes);
    peer.queue = [];
    peer.queuedBytes = 0;
    const socket = peer.client.socket;
    if (!socket.destroyed) {
      socket.write(out);
      this.server.stats.netReplOutputBytes += out.length;
    }
  }

  // ---- PSYNC ----

  /**
   * SYNC / PSYNC <replid> <offset> from `client`. Answers +CONTINUE (with the backlog) when the replica can
   * continue, else +FULLRESYNC <replid> <offset>, and hands the connection to a replicaSync machine.
   */
  psync(client: Client, argv: string[]): Reply | null {
    const log = this.server.log;
    const isPsync = argv[0].toLowerCase() === 'psync';
    log.notice(`Replica ${this.peerName(client)} asks for synchronization`);
    if (isPsync) {
      const wanted = argv[1];
      const from = Number(argv[2]);
      const continued = this.tryPartial(client, wanted, from);
      if (continued) return continued;
      if (wanted !== '?') this.stats.syncPartialErr++;
    }
    this.stats.syncFull++;
    if (this.peers.size === 0 && this.backlog === null) {
      this.replid = this.randomId();
      this.replid2 = ZERO_REPLID;
      this.secondOffset = -1;
      this.createBacklog();
      log.notice(`Replication backlog created, my new replication IDs are '${this.replid}' and '${this.replid2}'`);
    }
    this.selectedDb = -1; // the stream after the snapshot starts with a SELECT
    const offset = this.offset;
    // The point in time is now: the copy-on-write walk keeps this state however long the transfer takes.
    this.snapshots.set(client.id, writeRdb(this.server.keyspace, {
      repl: { streamDb: 0, replId: this.replid, offset },
      usedMem: process.memoryUsage().rss,
      functions: librarySources(this.server),
    }));
    this.attach(client, 'full');
    log.notice(`Starting BGSAVE for SYNC with target: replicas sockets`);
    return isPsync ? { kind: 'simple', text: `FULLRESYNC ${this.replid} ${offset}` } : null;
  }

  private tryPartial(client: Client, wanted: string, from: number): Reply | null {
    const log = this.server.log;
    const idOk = wanted === this.replid || (wanted === this.replid2 && from <= this.secondOffset);
    if (!idOk) {
      if (wanted !== '?') {
        log.notice(
          wanted !== this.replid && wanted !== this.replid2
            ? `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${wanted}', my replication IDs are '${this.replid}' and '${this.replid2}')`
            : `Partial resynchronization not accepted: Requested offset for second ID was ${from}, but I can reply up to ${this.secondOffset}`,
        );
      } else {
        log.notice(`Full resync requested by replica ${this.peerName(client)}`);
      }
      return null;
    }
    if (this.backlog === null || !Number.isInteger(from) || !this.backlog.covers(from)) {
      log.notice(`Unable to partial resync with replica ${this.peerName(client)} for lack of backlog (Replica request was: ${from}).`);
      return null;
    }
    const bytes = this.backlog.from(from);
    this.attach(client, 'partial');
    this.stats.syncPartialOk++;
    log.notice(`Partial resynchronization request from ${this.peerName(client)} accepted. Sending ${bytes.length} bytes of backlog starting from offset ${from}.`);
    const line = client.replconf.capaPsync2 ? `+CONTINUE ${this.replid}\r\n` : '+CONTINUE\r\n';
    return { kind: 'raw', bytes: Buffer.concat([Buffer.from(line, 'latin1'), bytes]) };
  }

  private createBacklog(): void {
    this.backlog = new Backlog(this.backlogSize, this.offset + 1);
  }

  /** The client becomes a replica: its machine runs the sync, and the stream is queued for it from now on. */
  private attach(client: Client, mode: 'full' | 'partial'): void {
    const actor = createActor(
      replicaSyncMachine.provide({
        actors: { snapshotBuilder: fromPromise(({ input }: { input: { replicaId: number } }) => this.buildSnapshot(input.replicaId)) },
      }),
      { input: { replicaId: client.id, addr: client.addr, mode }, inspect: this.server.inspect, id: `replica-sync-${client.id}` },
    );
    const peer = new ReplicaPeer(client, actor, this.server.clock.now());
    client.replica = peer;
    this.peers.set(client.id, peer);
    actor.subscribe({
      error: (err) => {
        this.server.log.warning(`Replica sync machine failed for ${this.peerName(client)}: ${(err as Error)?.stack ?? err}`);
        this.dropPeer(peer, 'sync machine failed');
      },
    });
    actor.on('sendBulk', (ev) => this.sendBulk(peer, ev.rdb, ev.length));
    actor.on('goOnline', () => {
      peer.ackTime = this.server.clock.now();
      this.server.log.notice(`Synchronization with replica ${this.peerName(client)} succeeded`);
      this.flushPeer(peer);
      this.checkWaiters();
    });
    actor.on('disconnect', (ev) => {
      this.server.log.warning(`Closing replica ${this.peerName(client)}: ${ev.reason}`);
      client.socket.destroy();
    });
    actor.on('released', () => {
      this.peers.delete(client.id);
      client.replica = null;
      peer.queue = [];
      peer.queuedBytes = 0;
      this.checkWaiters();
    });
    client.send({ type: 'command.psync' });
    actor.start();
  }

  /**
   * Pull the snapshot's chunks a few milliseconds at a time, letting other clients run in between, so a big
   * dataset never stalls the server for long. Gives up if the replica goes away meanwhile.
   */
  private async buildSnapshot(replicaId: number): Promise<Buffer[]> {
    const chunks = this.snapshots.get(replicaId);
    this.snapshots.delete(replicaId);
    if (!chunks) throw new Error('no snapshot was started for this replica');
    const out: Buffer[] = [];
    const started = performance.now();
    try {
      for (;;) {
        const sliceStart = performance.now();
        let step = chunks.next();
        while (!step.done && performance.now() - sliceStart < 4) {
          out.push(step.value);
          step = chunks.next();
        }
        this.longestSnapshotSliceMs = Math.max(this.longestSnapshotSliceMs, performance.now() - sliceStart);
        if (step.done) break;
        out.push(step.value);
        await new Promise((r) => setImmediate(r));
        if (!this.peers.has(replicaId)) throw new Error('replica went away during the snapshot');
      }
    } finally {
      chunks.return();
    }
    const bytes = out.reduce((n, b) => n + b.length, 0);
    this.server.log.notice(`Snapshot for replica produced: ${bytes} bytes in ${(performance.now() - started).toFixed(0)} ms (longest stall ${this.longestSnapshotSliceMs.toFixed(1)} ms)`);
    return out;
  }

  /** `$<len>\r\n` and the snapshot, no trailing CRLF; bulk.sent once the socket took the last byte. */
  private sendBulk(peer: ReplicaPeer, rdb: Buffer[], length: number): void {
    const socket = peer.client.socket;
    if (socket.destroyed) return;
    socket.write(`$${length}\r\n`);
    for (let i = 0; i < rdb.length; i++) {
      if (i < rdb.length - 1) socket.write(rdb[i]);
      else socket.write(rdb[i], () => peer.actor.send({ type: 'bulk.sent' }));
    }
    if (rdb.length === 0) socket.write(Buffer.alloc(0), () => peer.actor.send({ type: 'bulk.sent' }));
    this.server.stats.netReplOutputBytes += length;
  }

  /** Forget a replica: its connection is closed; the machine's `closed` state releases the rest. */
  dropPeer(peer: ReplicaPeer, reason: string): void {
    peer.actor.send({ type: 'replica.drop', reason });
  }

  /** The replica's connection closed. */
  peerClosed(client: Client): void {
    client.replica?.actor.send({ type: 'socket.closed' });
  }

  /** Every replica is disconnected (REPLICAOF, a new replication id): they will resync. */
  disconnectAll(reason: string): void {
    for (const peer of [...this.peers.values()]) this.dropPeer(peer, reason);
  }

  // ---- ACKs and WAIT ----

  /** REPLCONF ACK <offset> from a replica. */
  ack(client: Client, offset: number): void {
    const peer = client.replica;
    if (!peer) return;
    if (offset > peer.ackOffset) peer.ackOffset = offset;
    peer.ackTime = this.server.clock.now();
    if (this.waiters.length) this.checkWaiters();
  }

  /** replicationCountAcksByOffset(): online replicas that acknowledged `offset`. */
  countAcks(offset: number): number {
    let n = 0;
    for (const peer of this.peers.values()) if (peer.state === 'online' && peer.ackOffset >= offset) n++;
    return n;
  }

  /** WAIT numreplicas timeout; null means the client is now parked until ACKs or the timeout. */
  wait(client: Client, numReplicas: number, timeoutMs: number, inTransaction: boolean): Reply | null {
    const acked = this.countAcks(client.woff);
    if (acked >= numReplicas || inTransaction) return int(acked);
    const waiter: Waiter = { client, target: client.woff, numReplicas, timer: null };
    if (timeoutMs > 0) waiter.timer = setTimeout(() => this.finishWait(waiter), timeoutMs);
    this.waiters.push(waiter);
    client.send({ type: 'client.block', reason: 'wait' });
    this.requestAck();
    return null;
  }

  /** Ask every replica for an ACK before the event loop sleeps again (one GETACK however many WAITs). */
  requestAck(): void {
    this.ackRequested = true;
    this.scheduleFlush();
  }

  private checkWaiters(): void {
    for (const w of [...this.waiters]) if (this.countAcks(w.target) >= w.numReplicas) this.finishWait(w);
  }

  private finishWait(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    if (w.timer) clearTimeout(w.timer);
    this.server.unblock(w.client, int(this.countAcks(w.target)));
  }

  /** A parked client went away: stop waiting for it. */
  forgetWaiter(client: Client): void {
    const w = this.waiters.find((x) => x.client === client);
    if (!w) return;
    if (w.timer) clearTimeout(w.timer);
    this.waiters.splice(this.waiters.indexOf(w), 1);
  }

  get waitingClients(): number {
    return this.waiters.length;
  }

  // ---- replicationCron ----

  /** Once a second: PING replicas every repl-ping-replica-period, newline keepalives, drop silent replicas. */
  cron(pingPeriodSec: number, timeoutSec: number): void {
    const now = this.server.clock.now();
    // On Redis's grid (every period-th run of the cron since start), not relative to when a replica attached.
    if (this.cronLoops++ % pingPeriodSec === 0 && this.peers.size && !this.forwardsMasterStream) {
      this.feedCommand(NO_DB, ['ping']); // Redis sends it lower case: 14 bytes of the stream
    }
    for (const peer of this.peers.values()) {
      const state = peer.state;
      // A newline keepalive for a replica whose snapshot takes long (never right after +FULLRESYNC, where
      // clients that expect `$` at once would trip on it).
      if (state === 'waitBgsave' && now - peer.syncStartedAt >= 1000 && !peer.client.socket.destroyed) peer.client.socket.write('\n');
      if (state === 'online' && now - peer.ackTime > timeoutSec * 1000) {
        this.server.log.warning(`Disconnecting timedout replica (streaming sync): ${this.peerName(peer.client)}`);
        this.dropPeer(peer, 'timeout');
      } else if (state === 'online' || state === 'sendBulk') {
        this.checkOutputLimit(peer);
      }
    }
  }

  // ---- identity changes ----

  /** shiftReplicationId(): keep the old id as replid2 (valid up to the current offset) and take a new one. */
  shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondOffset = this.offset + 1;
    this.replid = this.randomId();
    this.selectedDb = -1;
    this.server.log.notice(`Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondOffset}. New replication ID is ${this.replid}`);
  }

  /** changeReplicationId() and clearReplicationId2() (DEBUG CHANGE-REPL-ID): a new id, and no previous one. */
  changeReplicationId(): void {
    this.replid = this.randomId();
    this.replid2 = ZERO_REPLID;
    this.secondOffset = -1;
  }

  /** A new SELECT is needed before the next propagated command (after a resync or a promotion). */
  forceSelect(): void {
    this.selectedDb = -1;
  }

  resizeBacklog(size: number): void {
    this.backlogSize = size;
    this.backlog?.resize(size);
  }

  // ---- introspection ----

  peerName(client: Client): string {
    const port = client.replconf.listeningPort;
    const ip = client.replconf.ipAddress || (client.socket.remoteAddress ?? '?').replace(/^::ffff:/, '');
    return port ? `${ip}:${port}` : client.addr;
  }

  /**
   * refreshGoodSlavesCount(): online replicas whose last ACK is at most min-replicas-max-lag seconds old. Counted
   * when asked rather than every second: the question comes only while min-replicas-to-write is set.
   */
  goodReplicaCount(): number {
    const now = this.server.clock.now();
    let good = 0;
    for (const peer of this.peers.values()) {
      if (peer.state === 'online' && Math.floor((now - peer.ackTime) / 1000) <= this.minReplicasMaxLag) good++;
    }
    return good;
  }

  /** checkGoodReplicasStatus(): may a write run? Always on a replica (its master decides) or with the check off. */
  enoughGoodReplicas(): boolean {
    if (this.minReplicasToWrite === 0 || this.minReplicasMaxLag === 0 || this.server.replicaRole !== null) return true;
    return this.goodReplicaCount() >= this.minReplicasToWrite;
  }

  /** The master half of INFO replication, from `connected_slaves` on (genRedisInfoString). */
  infoMasterLines(): string[] {
    const now = this.server.clock.now();
    const lines = [`connected_slaves:${this.peers.size}`];
    if (this.minReplicasToWrite !== 0 && this.minReplicasMaxLag !== 0) lines.push(`min_slaves_good_slaves:${this.goodReplicaCount()}`);
    let i = 0;
    for (const peer of this.peers.values()) {
      const lag = Math.floor((now - peer.ackTime) / 1000);
      lines.push(`slave${i++}:ip=${peer.ip},port=${peer.port},state=${replstateName(peer.state)},offset=${peer.ackOffset},lag=${lag}`);
    }
    lines.push(
      'master_failover_state:no-failover',
      `master_replid:${this.replid}`,
      `master_replid2:${this.replid2}`,
      `master_repl_offset:${this.offset}`,
      `second_repl_offset:${this.secondOffset}`,
      `repl_backlog_active:${this.backlog ? 1 : 0}`,
      `repl_backlog_size:${this.backlogSize}`,
      `repl_backlog_first_byte_offset:${this.backlog?.firstByteOffset ?? 0}`,
      `repl_backlog_histlen:${this.backlog?.histlen ?? 0}`,
    );
    return lines;
  }

  /** ROLE's entries for online replicas: [ip, port, offset] as bulk strings. */
  onlinePeers(): ReplicaPeer[] {
    return [...this.peers.values()].filter((p) => p.state === 'online');
  }

  /** Make sure a backlog exists (a replica keeps one of its master's stream, for its own replicas). */
  ensureBacklog(): void {
    if (!this.backlog) this.createBacklog();
  }

  /** Start the backlog over at `offset` (a replica after a full resync). */
  resetBacklog(offset: number): void {
    this.offset = offset;
    this.backlog = new Backlog(this.backlogSize, offset + 1);
  }
}

