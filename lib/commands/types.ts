/**
 * What a command is (its row in the command table, as in Redis's commands.def) and what it runs against.
 * Handlers return a Reply and never see a socket; dispatch (index.ts) does lookup, arity, flags and stats.
 */
import type { Reply } from '../protocol/reply';
import type { Db } from '../store/keyspace';
import type { ArgCursor } from './args';
import type { Server } from '../server/server';
import type { Client } from '../server/client';
import type { Arg } from './docs';

/** Redis's command flags (CMD_* in server.h), spelled as COMMAND INFO prints them. */
export type CommandFlag =
  | 'write' | 'readonly' | 'denyoom' | 'module' | 'admin' | 'pubsub' | 'noscript' | 'blocking' | 'loading'
  | 'stale' | 'skip_monitor' | 'skip_slowlog' | 'asking' | 'fast' | 'no_auth' | 'may_replicate' | 'sentinel'
  | 'only_sentinel' | 'no_mandatory_keys' | 'protected' | 'no_async_loading' | 'no_multi' | 'movablekeys'
  | 'allow_busy';

/** A key spec's flags (CMD_KEY_* in server.h), spelled as COMMAND INFO prints them. */
export type KeyFlag =
  | 'RO' | 'RW' | 'OW' | 'RM' | 'access' | 'update' | 'insert' | 'delete' | 'not_key' | 'incomplete' | 'variable_flags';

/**
 * Where some of a command's keys are (keySpec in server.h): the search begins at an argument index or after a
 * keyword, then takes a range of arguments or a run whose length an argument gives. Built with keyAt() (keyspecs.ts).
 */
export interface KeySpec {
  flags: readonly KeyFlag[];
  notes?: string;
  begin:
    | { type: 'index'; pos: number }
    | { type: 'keyword'; keyword: string; startfrom: number }
    | { type: 'unknown' };
  find:
    | { type: 'range'; lastkey: number; step: number; limit: number }
    | { type: 'keynum'; keynumidx: number; firstkey: number; step: number }
    | { type: 'unknown' };
}

/** A key found in an argv (keyReference in server.h): its index and how the command uses it. */
export interface KeyRef {
  pos: number;
  flags: readonly KeyFlag[];
}

/** COMMAND DOCS argument types (redisCommandArgType in server.h). */
export type ArgType = 'string' | 'integer' | 'double' | 'key' | 'pattern' | 'unix-time' | 'pure-token' | 'oneof' | 'block';

/** One argument of a command as COMMAND DOCS describes it (redisCommandArg). */
export interface ArgSpec {
  name: string;
  type: ArgType;
  /** For a key: the index of the key spec that finds it. */
  keySpecIndex?: number;
  token?: string;
  since?: string;
  deprecatedSince?: string;
  optional?: boolean;
  multiple?: boolean;
  /** A repeated argument repeats its token too (`GET pattern [GET pattern ...]`). */
  multipleToken?: boolean;
  /** The choices of a oneof, the parts of a block. */
  arguments?: readonly ArgSpec[];
}

export interface CommandSpec {
  /** Upper-case name, e.g. 'GET'; a subcommand is named as its container calls it: 'GET' under CONFIG. */
  name: string;
  /** Counts the command name; -N means "at least N" (a subcommand's arity counts the container too). */
  arity: number;
  flags: readonly CommandFlag[];
  /** Where the keys are, as Redis's command JSON declares them; COMMAND INFO's first/last/step follow from them. */
  keySpecs?: readonly KeySpec[];
  /** getkeys_proc: finds the keys (and their flags) when the specs cannot: variable flags, an invalid key count. */
  getKeys?: (argv: readonly string[]) => KeyRef[];
  /** COMMAND DOCS metadata: group ('string', 'generic', …), version it appeared in, one-line summary. */
  group: string;
  since: string;
  summary: string;
  complexity?: string;
  /** The argument tree COMMAND DOCS shows, built with docs.ts's helpers. */
  args?: readonly Arg[];
  /** Versions that changed the command, each with a one-line description of the change. */
  history?: readonly (readonly [version: string, change: string])[];
  docFlags?: readonly ('deprecated' | 'syscmd')[];
  deprecatedSince?: string;
  replacedBy?: string;
  /** nondeterministic_output, request_policy:…, response_policy:… as in Redis's command JSON files. */
  tips?: readonly string[];
  /** Extra ACL categories beyond those implied by flags (@string, @keyspace, …). */
  acl?: readonly string[];
  subcommands?: readonly CommandSpec[];
  /**
   * The flags of one invocation when they depend on its arguments (getCommandFlags): EVAL and FCALL take their
   * script's declared flags, so a no-writes script runs on a read-only replica and a writing one is refused there.
   */
  flagsFor?: (server: Server, argv: readonly string[]) => readonly CommandFlag[];
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
