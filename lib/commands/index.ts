/**
 * The command table and dispatch, in the order of processCommand() in server.c: lookup, arity, auth,
 * transaction and replica checks, then call() with its stats and propagation. Families live one per file.
 */
import {
  ERR_LOADING, ERR_MASTERDOWN, ERR_NOAUTH, ERR_NOREPLICAS, ERR_NOT_IN_MULTI, ERR_OOM, ERR_READONLY, ReplyError, errUnknownCommand, errUnknownSubcommand,
  errWrongArity,
} from '../protocol/errors';
import { error, QUEUED, type Reply } from '../protocol/reply';
import { ArgCursor } from './args';
import { redactedArgv } from '../server/redact';
import { BLOCKED, type Command, type CommandContext, type CommandFlag, type CommandSpec, type Deferred } from './types';
import type { Server } from '../server/server';
import type { Client } from '../server/client';
import { connectionCommands } from './connection';
import { stringCommands } from './string';
import { bitopsCommands } from './bitops';
import { hyperloglogCommands } from './hyperloglog';
import { genericCommands } from './generic';
import { serverCommands } from './server';
import { debugCommands } from './debug';
import { migrateCommands } from './migrate';
import { clientCommands } from './client';
import { commandCommands } from './command';
import { transactionCommands } from './transaction';
import { replicationCommands } from './replication';
import { persistenceCommands } from './persistence';
import { listCommands } from './list';
import { handleClientsBlockedOnKeys } from '../server/blocking';
import { setCommands } from './set';
import { hashCommands } from './hash';
import { zsetCommands } from './zset';
import { streamCommands } from './stream';
import { geoCommands } from './geo';
import { sortCommands } from './sort';
import { dumpCommands } from './dump';
import { pubsubCommands } from './pubsub';
import { feedMonitors, isMonitor, monitorCommands } from './monitor';
import { isSubscribed } from '../server/pubsub';
import { scriptingCommands } from './scripting';
import { functionCommands } from './function';
import { busyError } from '../scripting/engine';
import { enterCommand, leaveCommand } from '../server/notify';
import { trackingAfterCall, trackingBeforeCommand } from '../server/tracking';
import { aclOf, dispatchDenial } from '../server/acl';
import { aclCommands } from './acl';
import { clusterCommands } from './cluster';
import { EVICT_FAIL } from '../server/memory-limit';

export class CommandTable {
  private byName = new Map<string, Command>();

  constructor(specs: readonly CommandSpec[]) {
    for (const spec of specs) this.add(spec);
  }

  private add(spec: CommandSpec, parent?: Command): Command {
    const lower = spec.name.toLowerCase();
    const command: Command = {
      ...spec,
      fullname: parent ? `${parent.fullname}|${lower}` : lower,
      parent,
      stats: { calls: 0, usec: 0, rejected: 0, failed: 0 },
    };
    if (spec.subcommands) {
      command.subs = new Map();
      for (const sub of spec.subcommands) command.subs.set(sub.name.toLowerCase(), this.add(sub, command));
    }
    if (!parent) {
      if (this.byName.has(lower)) throw new Error(`command ${lower} registered twice`);
      this.byName.set(lower, command);
    }
    return command;
  }

  get(name: string): Command | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** lookupCommand(): a container command with an argument resolves to its subcommand (or to nothing). */
  lookup(argv: readonly string[]): Command | undefined {
    const base = this.get(argv[0]);
    if (!base?.subs || argv.length < 2) return base;
    return base.subs.get(argv[1].toLowerCase());
  }

  isContainer(name: string): boolean {
    return !!this.get(name)?.subs;
  }

  /** Top-level commands, in registration order. */
  all(): Command[] {
    return [...this.byName.values()];
  }

  /** Every command and subcommand (INFO commandstats, COMMAND LIST). */
  *everything(): Generator<Command> {
    for (const c of this.byName.values()) {
      yield c;
      if (c.subs) yield* c.subs.values();
    }
  }
}

export const commandTable = new CommandTable([
  ...connectionCommands,
  ...stringCommands,
  ...bitopsCommands,
  ...hyperloglogCommands,
  ...genericCommands,
  ...serverCommands,
  ...debugCommands,
  ...clientCommands,
  ...commandCommands,
  ...transactionCommands,
  ...replicationCommands,
  ...persistenceCommands,
  ...setCommands,
  ...hashCommands,
  ...zsetCommands,
  ...streamCommands,
  ...geoCommands,
  ...listCommands,
  ...sortCommands,
  ...dumpCommands,
  ...migrateCommands,
  ...pubsubCommands,
  ...monitorCommands,
  ...aclCommands,
  ...scriptingCommands,
  ...functionCommands,
  ...clusterCommands,
]);

const has = (c: Command, flag: CommandFlag) => c.flags.includes(flag);

/** getCommandFlags(): the flags of this invocation, which for EVAL and FCALL are their script's (flagsFor). */
export function commandFlags(server: Server, command: Command, argv: readonly string[]): readonly CommandFlag[] {
  return command.flagsFor?.(server, argv) ?? command.flags;
}

/** Commands that run even inside MULTI instead of being queued. */
const TRANSACTION_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** What a RESP2 client may run while subscribed to something. */
const SUBSCRIBED_MODE_COMMANDS = new Set([
  'ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset',
]);

/**
 * Run one request from a client. Returns its reply, or a Deferred when there is nothing to send now
 * (a parked client, or a command from our master, which gets no reply).
 */
export function dispatch(server: Server, client: Client, argv: string[]): Reply | Deferred {
  const command = commandTable.lookup(argv);
  trackingBeforeCommand(server, client, command);
  if (command === undefined) {
    const text = commandTable.isContainer(argv[0]) ? errUnknownSubcommand(argv[1], argv[0]) : errUnknownCommand(argv);
    return reject(server, client, undefined, argv, text);
  }
  if (command.arity > 0 ? argv.length !== command.arity : argv.length < -command.arity) {
    return reject(server, client, command, argv, errWrongArity(command.fullname));
  }
  if (!client.authenticated && !has(command, 'no_auth') && aclOf(server).defaultRequiresAuth) {
    return reject(server, client, command, argv, ERR_NOAUTH);
  }
  const mode = client.mode;
  const inMulti = mode === 'multi';
  if (inMulti && has(command, 'no_multi')) return reject(server, client, command, argv, ERR_NOT_IN_MULTI);
  // ACLs: a user with every command, key and channel (the default one, normally) skips the check altogether
  const user = client.user;
  if (user !== null && !user.unrestricted) {
    const denied = dispatchDenial(server, client, command, argv);
    if (denied !== null) return reject(server, client, command, argv, denied);
  }
  const flags = commandFlags(server, command, argv);
  // maxmemory: evict before the command; over the limit with nothing to evict, refuse what may grow memory. Our
  // master's stream is never refused (a replica ignores maxmemory unless replica-ignore-maxmemory is no).
  if (server.memory.maxmemory !== 0 && !client.isMaster) {
    const refused = outOfMemory(server, client, command, flags);
    if (refused) return reject(server, client, command, argv, ERR_OOM);
  }
  // is_write_command: a write, or an EXEC whose queue holds one
  const writes = flags.includes('write') ||
    (command.fullname === 'exec' && client.queue.some((q) => commandFlags(server, q.command, q.argv).includes('write')));
  if (writes || command.fullname === 'ping') {
    // writeCommandsDeniedByDiskError(): a failed save or AOF write stops writes (and PING) until it recovers
    const diskError = server.persistence.diskError ?? server.aof.diskError;
    if (diskError !== null && !client.isMaster) return reject(server, client, command, argv, diskError);
  }
  if (writes && !server.replication.enoughGoodReplicas()) return reject(server, client, command, argv, ERR_NOREPLICAS);
  if (server.isReadOnlyReplica() && !client.isMaster && writes) {
    return reject(server, client, command, argv, ERR_READONLY);
  }
  // RESP2 cannot tell a message from a reply, so a subscriber may only manage its subscriptions (RESP3 may do anything)
  if (client.proto === 2 && !SUBSCRIBED_MODE_COMMANDS.has(command.fullname) && isSubscribed(client)) {
    return reject(server, client, command, argv, `ERR Can't execute '${command.fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
  }
  // a replica whose link is down with replica-serve-stale-data no answers only commands flagged stale (INFO, …)
  const replica = server.replicaRole;
  if (replica !== null && !replica.linkUp && !client.isMaster && !server.config.getBool('replica-serve-stale-data') &&
      deniedWithout(command, client, 'stale')) {
    return reject(server, client, command, argv, ERR_MASTERDOWN);
  }
  if (server.loading && deniedWithout(command, client, 'loading')) return reject(server, client, command, argv, ERR_LOADING);
  // a script past busy-reply-threshold lets other clients in, but only to kill it (or shut down)
  const busy = busyError(server);
  if (busy !== null && !has(command, 'allow_busy')) return reject(server, client, command, argv, busy);
  // Replicas and monitors (CLIENT_SLAVE) must not touch the keyspace
  if ((flags.includes('readonly') || flags.includes('write') || flags.includes('may_replicate')) &&
      (client.replica !== null || mode === 'replica' || isMonitor(server, client))) {
    return reject(server, client, command, argv, "ERR Replica can't interact with the keyspace");
  }
  // CLIENT PAUSE: the command waits (blockClient BLOCKED_POSTPONE) until the pause ends; EXEC waits if its queue writes
  if (server.pause.isPaused) {
    const writes = (f: readonly CommandFlag[]) => f.includes('write') || f.includes('may_replicate');
    const mayWrite = writes(flags) || (command.fullname === 'exec' && client.queue.some((q) => writes(commandFlags(server, q.command, q.argv))));
    if (server.pause.holds(client, command, mayWrite)) {
      server.pause.hold(client, argv);
      return BLOCKED;
    }
  }
  const base = command.parent ?? command;
  if (inMulti && !TRANSACTION_CONTROL.has(base.fullname)) {
    client.queue.push({ command, argv });
    return QUEUED;
  }
  const reply = call(server, client, command, argv);
  // after the whole command (an EXEC included), as processCommand() does; keyspace events this serving sends
  // to the client that ran the command follow its reply
  const outer = enterCommand(server, client);
  handleClientsBlockedOnKeys(server);
  return leaveCommand(server, client, outer, reply, true);
}

/**
 * processCommand()'s maxmemory step: performEvictions(), then whether this command is refused. Inside MULTI
 * anything but EXEC, DISCARD, QUIT and RESET is (queuing takes memory); EXEC only when its queue holds a denyoom.
 */
function outOfMemory(server: Server, client: Client, command: Command, flags: readonly CommandFlag[]): boolean {
  if (busyError(server) !== null) return false; // not while a timed-out script lets other clients in
  const oom = server.memory.performEvictions() === EVICT_FAIL;
  server.memory.preCommandOom = oom;
  if (!oom) return false;
  const name = (command.parent ?? command).fullname;
  if (client.mode === 'multi' && !TRANSACTION_CONTROL_OOM_EXEMPT.has(name)) return true;
  return flags.includes('denyoom') ||
    (name === 'exec' && client.queue.some((q) => commandFlags(server, q.command, q.argv).includes('denyoom')));
}

/**
 * is_denystale_command / is_denyloading_command: the command lacks `flag`, or it is an EXEC whose queue holds a
 * command that lacks it.
 */
function deniedWithout(command: Command, client: Client, flag: CommandFlag): boolean {
  return !has(command, flag) || (command.fullname === 'exec' && client.queue.some((q) => !has(q.command, flag)));
}

/** What a client in MULTI may still send over maxmemory. */
const TRANSACTION_CONTROL_OOM_EXEMPT = new Set(['exec', 'discard', 'quit', 'reset']);

/**
 * Refuse before running: counts rejected_calls, and a refused command inside MULTI makes EXEC fail. A refused EXEC
 * itself ends the transaction with EXECABORT and still shows in MONITOR (execCommandAbort).
 */
function reject(server: Server, client: Client, command: Command | undefined, argv: string[], text: string): Reply {
  if (command) command.stats.rejected++;
  if (command?.fullname === 'exec') {
    if (client.mode === 'multi') client.send({ type: 'command.discard' });
    server.watches.unwatchAll(client);
    // the reason is quoted without its ERR code, as the texts Redis formats itself have none
    const abort = `EXECABORT Transaction discarded because of: ${text.startsWith('ERR ') ? text.slice(4) : text}`;
    server.stats.countError(abort);
    return feedMonitors(server, client, command, argv, error(abort)) as Reply;
  }
  if (client.mode === 'multi') client.transactionFailed = true;
  server.stats.countError(text);
  return error(text);
}

/** Commands flagged CMD_TOUCHES_ARBITRARY_KEYS in Redis 7.0: the keys they expire on the way are not one transaction. */
const TOUCHES_ARBITRARY_KEYS = new Set(['scan', 'randomkey']);

/**
 * call() in server.c: run the handler with a fresh time snapshot, count it, and propagate what it changed.
 * A handler bug answers -ERR and is logged; it never takes the server down.
 */
export function call(server: Server, client: Client, command: Command, argv: string[]): Reply | Deferred {
  const ks = server.keyspace;
  ks.tick();
  // On a replica, expired keys stay until the master's DEL: its stream sees them, other clients don't.
  if (server.replicaRole) ks.replicaMode = client.isMaster ? 'replica-master' : 'replica-read';
  const dirtyBefore = ks.dirty;
  const ctx: CommandContext = { server, client, db: client.db, argv, command };
  const t0 = performance.now();
  server.propagation.enter(TOUCHES_ARBITRARY_KEYS.has(command.fullname));
  const outer = enterCommand(server, client);
  let reply: Reply | Deferred;
  try {
    reply = command.run!(ctx, new ArgCursor(argv, command.parent ? 2 : 1));
  } catch (e) {
    if (e instanceof ReplyError) {
      reply = error(e.text);
    } else {
      server.log.warning(`Command '${command.fullname}' failed: ${(e as Error)?.stack ?? e}`);
      reply = error(`ERR internal error running '${command.fullname}': ${(e as Error)?.message ?? e}`);
    }
  }
  if (ks.dirty !== dirtyBefore && ctx.rewrite !== null && (has(command, 'write') || has(command, 'may_replicate'))) {
    server.propagation.also(ctx.db.id, ctx.rewrite ?? argv);
  }
  server.propagation.exit();
  trackingAfterCall(server, client, command, argv);
  const usec = Math.floor((performance.now() - t0) * 1000); // whole microseconds, as Redis's ustime() counts
  const stats = command.stats;
  stats.calls++;
  if (reply !== BLOCKED) {
    stats.usec += usec;
    if (server.stats.latency.tracking) server.stats.latency.record(command, usec);
    if (usec >= server.stats.slowThresholdUs) recordSlowCommand(server, client, command, argv, usec);
  } else {
    // a parked command is measured when it is answered (commandUnparked), as Redis's updateStatsOnUnblock does
    client.parkedCall = { command, argv, usec };
  }
  if (typeof reply === 'object' && reply.kind === 'error') {
    stats.failed++;
    // a script failing on the error of a command it ran: that command counted the error (afterErrorReply)
    if (!reply.counted) server.stats.countError(reply.text);
  }
  server.stats.commands++;
  client.commandsProcessed++;
  client.lastCommand = command.fullname;
  client.woff = server.replication.offset; // what a WAIT after this command waits for
  // the keyspace events this client caused and listens to, in line with the reply as Redis wrote them
  return feedMonitors(server, client, command, argv, leaveCommand(server, client, outer, reply));
}

/**
 * updateStatsOnUnblock(): a parked command is answered. Its time is that of its call, plus `moreUsec` (a timed-out
 * script's run after the call returned), not the wait: that much goes to its statistics, the latency histogram and
 * SLOWLOG, under the arguments it was called with.
 */
export function commandUnparked(server: Server, client: Client, moreUsec = 0): void {
  const parked = client.parkedCall;
  if (parked === null) return;
  client.parkedCall = null;
  const usec = parked.usec + moreUsec;
  parked.command.stats.usec += usec;
  if (server.stats.latency.tracking) server.stats.latency.record(parked.command, usec);
  if (usec >= server.stats.slowThresholdUs) recordSlowCommand(server, client, parked.command, parked.argv, usec);
}

/** A command at least as slow as slowlog-log-slower-than or latency-monitor-threshold: note it where it is due. */
function recordSlowCommand(server: Server, client: Client, command: Command, argv: readonly string[], usec: number): void {
  const stats = server.stats;
  const nowSec = Math.floor(server.clock.now() / 1000);
  if (usec >= stats.slowlogThresholdUs && !has(command, 'skip_slowlog')) {
    stats.slowlog.push(redactedArgv(server, argv), usec, nowSec, client.addr, client.name);
  }
  if (usec >= stats.latency.monitorThresholdUs) {
    stats.latency.monitor.addSample(has(command, 'fast') ? 'fast-command' : 'command', Math.floor(usec / 1000), nowSec);
  }
}
