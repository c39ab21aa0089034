/**
 * What a command is (its row in the command table, as in Redis's commands.def) and what it runs against.
 * Handlers return a Reply and never see a socket; dispatch (index.ts) does lookup, arity, flags and stats.
 */
import type { Reply } from '../protocol/reply';
import type { Db } from '../store/keyspace';
import type { ArgCursor } from './args';
import type { Server } from '../server/server';
import type { Client } from '../server/client';

/** Redis's command flags (CMD_* in server.h), spelled as COMMAND INFO prints them. */
export type CommandFlag =
  | 'write' | 'readonly' | 'denyoom' | 'module' | 'admin' | 'pubsub' | 'noscript' | 'blocking' | 'loading'
  | 'stale' | 'skip_monitor' | 'skip_slowlog' | 'asking' | 'fast' | 'no_auth' | 'may_replicate' | 'sentinel'
  | 'only_sentinel' | 'no_mandatory_keys' | 'protected' | 'no_async_loading' | 'no_multi' | 'movablekeys'
  | 'allow_busy';

/** Where the keys are in argv (the legacy first/last/step triple of COMMAND INFO). */
export interface KeySpec {
  first: number;
  last: number; // -1: the last argument; -2: the one before it
  step: number;
}

export interface CommandSpec {
  /** Upper-case name, e.g. 'GET'; a subcommand is named as its container calls it: 'GET' under CONFIG. */
  name: string;
  /** Counts the command name; -N means "at least N" (a subcommand's arity counts the container too). */
  arity: number;
  flags: readonly CommandFlag[];
  keys?: KeySpec;
  /** COMMAND DOCS metadata: group ('string', 'generic', …), version it appeared in, one-line summary, syntax. */
  group: string;
  since: string;
  summary: string;
  /** Arguments after the name, in the usual syntax: `key value [NX | XX] [GET]`. */
  syntax?: string;
  complexity?: string;
  /** Extra ACL categories beyond those implied by flags (@string, @keyspace, …). */
  acl?: readonly string[];
  subcommands?: readonly CommandSpec[];
  run?: (ctx: CommandContext, args: ArgCursor) => Reply | Deferred;
}

/** A handler's way of saying "no reply now": the client is parked (WAIT, BLPOP) or must get no reply at all. */
export type Deferred = typeof BLOCKED | typeof NO_REPLY;
export const BLOCKED: unique symbol = Symbol('blocked');
export const NO_REPLY: unique symbol = Symbol('no reply');

/** A command table entry once registered: full name and counters for INFO commandstats. */
export interface Command extends CommandSpec {
  /** 'get', or 'config|get' for a subcommand: what error messages and INFO print. */
  fullname: string;
  parent?: Command;
  subs?: Map<string, Command>;
  stats: { calls: number; usec: number; rejected: number; failed: number };
}

export interface CommandContext {
  server: Server;
  client: Client;
  db: Db;
  argv: string[];
  command: Command;
  /**
   * What to send to replicas and the AOF instead of argv (Redis's rewriteClientCommandVector): SET … EX
   * becomes SET … PXAT. Null means: propagate nothing even though the keyspace changed.
   */
  rewrite?: string[] | null;
}
