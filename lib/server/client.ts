/**
 * One connected client: its socket, decoder, session settings (db, protocol, name) and transaction state.
 * Its lifecycle mode lives in the clientMachine actor; this object holds the data the modes act on.
 */
import type { Socket } from 'node:net';
import { createActor, type Actor, type InspectionEvent } from 'xstate';
import { clientMachine, type ClientEvent, type ClientMode } from '../../machines/client';
import { FrameDecoder } from '../protocol/decoder';
import { encode, type Protocol, type Reply } from '../protocol/reply';
import type { Command } from '../commands/types';
import type { Db } from '../store/keyspace';
import type { ParseLimits } from '../protocol/bytes';
import type { User } from './acl';

export interface QueuedCommand {
  command: Command;
  argv: string[];
}

/** fds handed out when the socket has none to show (Redis's listening sockets take the first few). */
let nextFallbackFd = 8;

export class Client {
  readonly actor: Actor<typeof clientMachine>;
  readonly decoder: FrameDecoder;
  name = '';
  db: Db;
  proto: Protocol = 2;
  readonly createdAt: number;
  lastInteraction: number;
  lastCommand = 'NULL';
  /** The command this client is parked on and what its call took so far: measured again when it is answered. */
  parkedCall: { command: Command; argv: readonly string[]; usec: number } | null = null;
  /**
   * Whether AUTH (or HELLO AUTH) succeeded, or was not needed when the connection began; with the default user on
   * and nopass, even an unauthenticated connection may run commands (authRequired in networking.c).
   */
  authenticated: boolean;
  /** The ACL user this connection runs as; null for the server's own clients (master link, AOF), which may do anything. */
  user: User | null = null;
  /** MULTI: queued commands, and whether one was refused (EXEC then answers EXECABORT). */
  queue: QueuedCommand[] = [];
  transactionFailed = false;
  /** WATCH: keys by db (with whether each was already expired); `watchTouched` is set when one changes. */
  watched = new Map<Db, Map<string, boolean>>();
  watchTouched = false;
  /** master_repl_offset right after this client's last command (WAIT's target). */
  woff = 0;
  /** The server's link to its master: its commands are applied without replies. */
  isMaster = false;
  /** What this connection said with REPLCONF before PSYNC (listening-port, ip-address, capa). */
  replconf = { listeningPort: 0, ipAddress: '', capaEof: false, capaPsync2: false };
  /** Set once PSYNC made this connection a replica of ours (see lib/server/replication.ts). */
  replica: import('./replication').ReplicaPeer | null = null;
  /** An address to show instead of the socket's (the master link's client has no socket of its own). */
  fixedAddr = '';
  /** Set when the client's replies go nowhere (CLIENT REPLY OFF/SKIP); 'skip' covers the next command only. */
  replyMode: 'on' | 'off' | 'skip' | 'skip-next' = 'on';
  /** Why the connection is being closed, once it is. */
  closeReason = '';
  /**
   * CLIENT LIST's fd: the socket's file descriptor when the platform exposes it, else a per-connection number;
   * fixed at accept time so it stays stable for the connection's life.
   */
  readonly fd: number;
  /** Counters for CLIENT LIST / INFO. */
  bytesIn = 0;
  bytesOut = 0;
  commandsProcessed = 0;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    db: Db,
    limits: ParseLimits,
    now: number,
    requireAuth: boolean,
    inspect?: (ev: InspectionEvent) => void,
  ) {
    this.db = db;
    this.decoder = new FrameDecoder(limits);
    this.createdAt = now;
    this.lastInteraction = now;
    this.authenticated = !requireAuth;
    const handleFd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    this.fd = typeof handleFd === 'number' && handleFd >= 0 ? handleFd : nextFallbackFd++;
    this.actor = createActor(clientMachine, { input: { id, addr: this.addr }, inspect, id: `client-${id}` });
  }

  get addr(): string {
    if (this.fixedAddr) return this.fixedAddr;
    const s = this.socket;
    return s.remoteFamily === 'IPv6' ? `[${s.remoteAddress}]:${s.remotePort}` : `${s.remoteAddress}:${s.remotePort}`;
  }

  get laddr(): string {
    const s = this.socket;
    return s.localAddress?.includes(':') ? `[${s.localAddress}]:${s.localPort}` : `${s.localAddress}:${s.localPort}`;
  }

  /** The lifecycle mode: a snapshot read, cheap enough for every command. */
  get mode(): ClientMode {
    return this.actor.getSnapshot().value as ClientMode;
  }

  send(event: ClientEvent): void {
    this.actor.send(event);
  }

  /** Out-of-band output (pushes, unblocked replies): encoded and sent outside the reply batch. */
  push(reply: Reply): void {
    if (this.socket.destroyed || this.replyMode !== 'on') return;
    const bytes = encode(reply, this.proto);
    this.bytesOut += bytes.length;
    this.deliver(bytes);
  }

  /**
   * Where this client's bytes go. The server replaces it: while the AOF holds writes not yet in the file,
   * replies wait until the end of the event-loop turn (after the one AOF write of that turn), in order.
   */
  deliver: (bytes: Buffer) => void = (bytes) => {
    if (!this.socket.destroyed) this.socket.write(bytes);
  };

  /** Replies held until the AOF write of this turn (see Server.deliver); null when none are held. */
  heldOutput: Buffer[] | null = null;
  /** Close once the held replies are written (QUIT or a protocol error while replies were held). */
  endAfterHeld = false;

  resetTransaction(): void {
    this.queue = [];
    this.transactionFailed = false;
  }
}
