/**
 * Lua scripting commands (eval.c, script.c): EVAL, EVALSHA, their _RO forms, and SCRIPT. The Lua environment,
 * conversions and time limit live in lib/scripting; a script's writes propagate as the commands it ran.
 */
import { ERR_NOREPLICAS, ERR_NOSCRIPT, ERR_NOT_INTEGER, fail } from '../protocol/errors';
import { array, bulk, int, OK, type Reply } from '../protocol/reply';
import { parseInteger } from '../store/numbers';
import type { Client } from '../server/client';
import type { Server } from '../server/server';
import { environment, killScript, sha1hex, type ScriptFlags } from '../scripting/engine';
import { createScript, flushScripts, pushScript, scriptCache, shebangFlags } from '../scripting/eval';
import { feedMonitorsFirst } from './monitor';
import { helpReply, subcommandSyntaxError } from './server';
import { BLOCKED, type Command, type CommandContext, type CommandFlag, type CommandSpec, type Deferred } from './types';
import type { ArgCursor } from './args';
import { key, str, integer, tok, oneof } from './docs';
import { keyAt, keynum, countedKeys } from './keyspecs';

const SCRIPTING = ['@scripting'] as const;
const evalKeys = countedKeys(0, 2, 3);
const RW_NOTE = 'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE';
const RO_NOTE = 'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS';
const evalArgs = (first: string) => [str(first), integer('numkeys'), key('key').opt.many, str('arg').opt.many];

const EVAL_FLAGS: readonly CommandFlag[] = ['noscript', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'stale'];
const EVAL_RO_FLAGS: readonly CommandFlag[] = ['noscript', 'skip_monitor', 'no_mandatory_keys', 'stale', 'readonly'];

export const scriptingCommands: readonly CommandSpec[] = [
  { name: 'EVAL', arity: -3, flags: EVAL_FLAGS, group: 'scripting', since: '2.6.0', summary: 'Run a Lua script on the server.', complexity: 'Depends on the script that is executed.', acl: SCRIPTING, flagsFor: (server, argv) => evalFlags(server, argv, EVAL_FLAGS, false), run: (ctx, args) => evalGeneric(ctx, args, false, false),
    keySpecs: [keyAt(2, 'RW access update', keynum(0, 1, 1), RW_NOTE)], getKeys: evalKeys, args: evalArgs('script') },
  { name: 'EVALSHA', arity: -3, flags: EVAL_FLAGS, group: 'scripting', since: '2.6.0', summary: 'Run a cached Lua script by its SHA1.', complexity: 'Depends on the script that is executed.', acl: SCRIPTING, flagsFor: (server, argv) => evalFlags(server, argv, EVAL_FLAGS, true), run: (ctx, args) => evalGeneric(ctx, args, true, false),
    keySpecs: [keyAt(2, 'RW access update', keynum(0, 1, 1))], getKeys: evalKeys, args: evalArgs('sha1') },
  { name: 'EVAL_RO', arity: -3, flags: EVAL_RO_FLAGS, group: 'scripting', since: '7.0.0', summary: 'Run a Lua script that may not write.', complexity: 'Depends on the script that is executed.', acl: SCRIPTING, flagsFor: (server, argv) => evalFlags(server, argv, EVAL_RO_FLAGS, false), run: (ctx, args) => evalGeneric(ctx, args, false, true),
    keySpecs: [keyAt(2, 'RO access', keynum(0, 1, 1), RO_NOTE)], getKeys: evalKeys, args: evalArgs('script') },
  { name: 'EVALSHA_RO', arity: -3, flags: EVAL_RO_FLAGS, group: 'scripting', since: '7.0.0', summary: 'Run a cached Lua script that may not write.', complexity: 'Depends on the script that is executed.', acl: SCRIPTING, flagsFor: (server, argv) => evalFlags(server, argv, EVAL_RO_FLAGS, true), run: (ctx, args) => evalGeneric(ctx, args, true, true),
    keySpecs: [keyAt(2, 'RO access', keynum(0, 1, 1))], getKeys: evalKeys, args: evalArgs('sha1') },
  {
    name: 'SCRIPT', arity: -2, flags: [], group: 'scripting', since: '2.6.0', summary: 'Subcommands that manage the Lua script cache.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'DEBUG', arity: 3, flags: ['noscript'], group: 'scripting', since: '3.2.0', summary: 'Set the debugging mode of the scripts that follow.', complexity: 'O(1)', acl: SCRIPTING, run: scriptDebugCommand,
        args: [oneof('mode', tok('YES'), tok('SYNC'), tok('NO'))] },
      { name: 'EXISTS', arity: -3, flags: ['noscript'], group: 'scripting', since: '2.6.0', summary: 'Tell which scripts are in the script cache.', complexity: 'O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).', acl: SCRIPTING, tips: ['request_policy:all_shards', 'response_policy:agg_logical_and'], run: scriptExistsCommand,
        args: [str('sha1').many] },
      { name: 'FLUSH', arity: -2, flags: ['noscript'], group: 'scripting', since: '2.6.0', summary: 'Empty the script cache.', complexity: 'O(N) with N being the number of scripts in cache', acl: SCRIPTING, tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'], run: scriptFlushCommand,
        args: [oneof('async', tok('ASYNC'), tok('SYNC')).opt.since('6.2.0')], history: [['6.2.0', 'ASYNC and SYNC choose how the cache is freed.']] },
      { name: 'HELP', arity: 2, flags: ['loading', 'stale'], group: 'scripting', since: '5.0.0', summary: 'List the SCRIPT subcommands.', complexity: 'O(1)', acl: SCRIPTING, run: scriptHelpCommand },
      { name: 'KILL', arity: 2, flags: ['noscript', 'allow_busy'], group: 'scripting', since: '2.6.0', summary: 'Stop the script that is running, if it has not written yet.', complexity: 'O(1)', acl: SCRIPTING, tips: ['request_policy:all_shards', 'response_policy:one_succeeded'], run: scriptKillCommand },
      { name: 'LOAD', arity: 3, flags: ['noscript', 'stale'], group: 'scripting', since: '2.6.0', summary: 'Put a script in the script cache without running it.', complexity: 'O(N) with N being the length in bytes of the script body.', acl: SCRIPTING, tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'], run: scriptLoadCommand,
        args: [str('script')] },
    ],
  },
];

/**
 * scriptFlagsToCmdFlags: a script that declared its flags replaces the command's write, denyoom and stale flags
 * with its own (no-writes: not a write; allow-oom or no-writes: not denyoom; allow-stale: stale) and drops
 * may_replicate, since whether it writes is now known.
 */
export function scriptCommandFlags(flags: readonly CommandFlag[], script: ScriptFlags): readonly CommandFlag[] {
  const out: CommandFlag[] = flags.filter((f) => f !== 'stale' && f !== 'denyoom' && f !== 'write' && f !== 'may_replicate');
  if (!script.allowOom && !script.noWrites) out.push('denyoom');
  if (!script.noWrites) out.push('write');
  if (script.allowStale) out.push('stale');
  return out;
}

/** evalGetCommandFlags: the cached script's flags, or its shebang's; a script without one keeps the command's. */
function evalFlags(server: Server, argv: readonly string[], flags: readonly CommandFlag[], evalsha: boolean): readonly CommandFlag[] {
  if (evalsha && argv[1].length !== 40) return flags;
  let script = scriptCache(server).get(evalsha ? argv[1].toLowerCase() : sha1hex(argv[1]))?.flags;
  if (!script) {
    if (evalsha) return flags;
    const parsed = shebangFlags(argv[1]);
    if ('error' in parsed) return flags;
    script = parsed.flags;
  }
  return script.compat ? flags : scriptCommandFlags(flags, script);
}

/** The numkeys argument of EVAL / FCALL: a count of keys that must fit in the arguments. */
export function numKeys(argv: readonly string[], badNumber = ERR_NOT_INTEGER): number {
  const n = parseInteger(argv[2]);
  if (n === null) fail(badNumber);
  if (n! > argv.length - 3) fail('ERR Number of keys can\'t be greater than number of args');
  if (n! < 0) fail('ERR Number of keys can\'t be negative');
  return Number(n);
}

/** scriptPrepareForRun()'s refusals, for scripts that declared flags (EVAL without a shebang skips them). */
export function refuseRun(server: Server, caller: Client, flags: ScriptFlags, ro: boolean): void {
  if (flags.compat || flags.noWrites) return;
  if (server.isReadOnlyReplica() && !caller.isMaster) fail('READONLY Can not run script with write flag on readonly replica');
  if (!caller.isMaster) {
    if (server.persistence.diskError !== null) fail("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.");
    if (server.aof.diskError !== null) fail(`MISCONF Redis is configured to persist data to AOF, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts. AOF error: ${server.aof.diskError.replace(/^.*AOF error: /, '')}`);
  }
  if (ro) fail('ERR Can not execute a script with write flag using *_ro command.');
  if (!server.replication.enoughGoodReplicas()) fail(ERR_NOREPLICAS);
  // the OOM state found before the command (EXEC's, when the script was queued); no-writes implies allow-oom
  if (!flags.allowOom && !caller.isMaster && server.memory.preCommandOom && server.memory.maxmemory !== 0) {
    fail("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
  }
}

/**
 * The error statistics of a script's reply, as Redis keeps them while luaReplyToRedisReply adds it: an error nested
 * in it counts in total_error_replies and errorstats, and any such makes the script's call failed once, unless it
 * is one a command the script ran already counted, which counts as one more failure of the call instead. The
 * top-level error, if that is what the script returned, is call()'s to count (`topLevel` false) or ours.
 */
export function countScriptErrors(server: Server, command: Command, reply: Reply, topLevel: boolean): void {
  let fresh = 0;
  // iterative: a script's reply may nest as deep as Lua's stack allows
  const pending: Reply[] = [reply];
  for (let r = pending.pop(); r !== undefined; r = pending.pop()) {
    if (r.kind === 'error') {
      if (r === reply && !topLevel) continue;
      if (r.counted) {
        command.stats.failed++;
      } else {
        server.stats.countError(r.text);
        fresh++;
      }
    } else if (r.kind === 'array' || r.kind === 'map' || r.kind === 'set' || r.kind === 'push') {
      for (let i = r.items.length - 1; i >= 0; i--) pending.push(r.items[i]);
    }
  }
  if (fresh > 0) command.stats.failed++;
}

/** Hand a finished timed-out script's reply to its waiting caller, counted as call() counts the others. */
export function replyLater(server: Server, caller: Client, command: Command): (reply: Reply) => void {
  const started = performance.now();
  return (reply) => {
    countScriptErrors(server, command, reply, true);
    // the script ran all along: its time is the whole run, less what call() already measured
    const parked = caller.parkedCall;
    const more = parked === null ? 0 : Math.max(0, Math.floor((performance.now() - started) * 1000) - parked.usec);
    server.unblock(caller, reply, more);
  };
}

// EVAL script numkeys [key ...] [arg ...]   (and EVALSHA, EVAL_RO, EVALSHA_RO)
function evalGeneric(ctx: CommandContext, _args: ArgCursor, evalsha: boolean, ro: boolean): Reply | Deferred {
  const { server, client, argv } = ctx;
  // the script's own commands are what replicas and the AOF get
  ctx.rewrite = null;
  // fed before running, so the script's commands show after it
  feedMonitorsFirst(server, client, argv);
  if (evalsha && argv[1].length !== 40) fail(ERR_NOSCRIPT);
  const nkeys = numKeys(argv);
  const sha = evalsha ? argv[1].toLowerCase() : sha1hex(argv[1]);
  let script = scriptCache(server).get(sha);
  if (!script) {
    if (evalsha) fail(ERR_NOSCRIPT);
    const created = createScript(server, argv[1]);
    if ('error' in created) fail(created.error.startsWith('ERR ') ? created.error : `ERR ${created.error}`);
    script = scriptCache(server).get(sha)!;
  }
  refuseRun(server, client, script.flags, ro);
  pushScript(server, sha);
  const keys = argv.slice(3, 3 + nkeys);
  const args = argv.slice(3 + nkeys);
  const reply = environment(server, 'eval').execute(client, argv, sha, script.flags, ro, keys, args, replyLater(server, client, ctx.command));
  if (reply === BLOCKED) return BLOCKED;
  countScriptErrors(server, ctx.command, reply, false);
  return reply;
}

// SCRIPT DEBUG YES|SYNC|NO
function scriptDebugCommand({ argv }: CommandContext): Reply {
  const mode = argv[2].toLowerCase();
  if (mode === 'no') return OK;
  if (mode === 'yes' || mode === 'sync') fail('ERR SCRIPT DEBUG is not supported: toyredis has no Lua debugger');
  return fail('ERR Use SCRIPT DEBUG YES/SYNC/NO');
}

// SCRIPT EXISTS sha1 [sha1 ...]
function scriptExistsCommand({ server, argv }: CommandContext): Reply {
  const cache = scriptCache(server);
  return array(argv.slice(2).map((sha) => int(cache.has(sha) ? 1 : 0)));
}

// SCRIPT FLUSH [ASYNC|SYNC]
function scriptFlushCommand({ server, argv }: CommandContext): Reply {
  if (argv.length > 3 || (argv.length === 3 && !['sync', 'async'].includes(argv[2].toLowerCase()))) {
    fail('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  }
  flushScripts(server);
  return OK;
}

// SCRIPT KILL
function scriptKillCommand({ server }: CommandContext): Reply {
  const refused = killScript(server, true);
  if (refused) fail(refused);
  return OK;
}

// SCRIPT LOAD script
function scriptLoadCommand({ server, argv }: CommandContext): Reply {
  const created = createScript(server, argv[2]);
  if ('error' in created) fail(created.error.startsWith('ERR ') ? created.error : `ERR ${created.error}`);
  return bulk((created as { sha: string }).sha);
}

// SCRIPT HELP
function scriptHelpCommand({ argv }: CommandContext): Reply {
  if (argv.length !== 2) subcommandSyntaxError(argv);
  return helpReply(argv[0], [
    'DEBUG (YES|SYNC|NO)',
    '    Set the debug mode for subsequent scripts executed.',
    'EXISTS <sha1> [<sha1> ...]',
    '    Return information about the existence of the scripts in the script cache.',
    'FLUSH [ASYNC|SYNC]',
    '    Flush the Lua scripts cache. Very dangerous on replicas.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the scripts cache.',
    '    * SYNC: Synchronously flush the scripts cache.',
    'KILL',
    '    Kill the currently executing Lua script.',
    'LOAD <script>',
    '    Load a script into the scripts cache without executing it.',
  ]);
}
