/**
 * Server commands (server.c, config.c, db.c, object.c, slowlog.c, latency.c, functions.c): DBSIZE, FLUSHDB,
 * FLUSHALL, SWAPDB, TIME, LASTSAVE, INFO, CONFIG, SHUTDOWN, MEMORY, SLOWLOG, LATENCY.
 * CLIENT lives in client.ts, COMMAND in command.ts, FUNCTION in function.ts and DEBUG in debug.ts.
 */
import { ERR_SYNTAX, fail, ReplyError } from '../protocol/errors';
import { array, bulk, EMPTY_ARRAY, error, int, map, NIL, OK, simple, verbatim, type Reply } from '../protocol/reply';
import { stringMatch } from '../store/glob';
import { parseInteger } from '../store/numbers';
import type { Client } from '../server/client';
import { infoString } from '../server/info';
import type { Server } from '../server/server';
import { commandTable } from './index';
import type { ArgCursor } from './args';
import { signalDbReplaced } from '../server/blocking';
import { aclOf } from '../server/acl';
import { entryMemoryUsage } from '../server/memory-limit';
import { latencyDoctor, latencyGraph } from '../server/latency-report';
import { key, str, integer, tok, oneof, block } from './docs';
import { keyAt } from './keyspecs';
import { BLOCKED, NO_REPLY, type CommandContext, type CommandSpec, type Deferred } from './types';

const KS = ['@keyspace'] as const;
const KS_DANGER = ['@keyspace', '@dangerous'] as const;

export const serverCommands: readonly CommandSpec[] = [
  { name: 'DBSIZE', arity: 1, flags: ['readonly', 'fast'], group: 'server', since: '1.0.0', summary: 'Count the keys in the selected database.', complexity: 'O(1)', acl: KS, tips: ['request_policy:all_shards', 'response_policy:agg_sum'], run: ({ db }) => int(db.size) },
  { name: 'FLUSHDB', arity: -1, flags: ['write'], group: 'server', since: '1.0.0', summary: 'Delete every key of the selected database.', complexity: 'O(N) where N is the number of keys in the selected database', acl: KS_DANGER, tips: ['request_policy:all_shards', 'response_policy:all_succeeded'], run: flushdbCommand,
    args: [oneof('async', tok('ASYNC').since('4.0.0'), tok('SYNC').since('6.2.0')).opt],
    history: [['4.0.0', 'ASYNC frees the memory in the background.'], ['6.2.0', 'SYNC asks for the blocking flush explicitly.']] },
  { name: 'FLUSHALL', arity: -1, flags: ['write'], group: 'server', since: '1.0.0', summary: 'Delete every key of every database.', complexity: 'O(N) where N is the total number of keys in all databases', acl: KS_DANGER, tips: ['request_policy:all_shards', 'response_policy:all_succeeded'], run: flushallCommand,
    args: [oneof('async', tok('ASYNC').since('4.0.0'), tok('SYNC').since('6.2.0')).opt],
    history: [['4.0.0', 'ASYNC frees the memory in the background.'], ['6.2.0', 'SYNC asks for the blocking flush explicitly.']] },
  { name: 'SWAPDB', arity: 3, flags: ['write', 'fast'], group: 'server', since: '4.0.0', summary: 'Exchange the contents of two databases.', complexity: 'O(N) where N is the count of clients watching or blocking on keys from both databases.', acl: KS_DANGER, run: swapdbCommand,
    args: [integer('index1'), integer('index2')] },
  { name: 'TIME', arity: 1, flags: ['loading', 'stale', 'fast'], group: 'server', since: '2.6.0', summary: 'The server clock: Unix seconds and microseconds.', complexity: 'O(1)', tips: ['nondeterministic_output'], run: timeCommand },
  { name: 'LASTSAVE', arity: 1, flags: ['loading', 'stale', 'fast'], group: 'server', since: '1.0.0', summary: 'Unix time of the last save to disk that succeeded.', complexity: 'O(1)', acl: ['@admin', '@dangerous'], tips: ['nondeterministic_output'], run: lastsaveCommand },
  { name: 'INFO', arity: -1, flags: ['loading', 'stale'], group: 'server', since: '1.0.0', summary: 'Server information and statistics, by section.', complexity: 'O(1)', acl: ['@dangerous'], tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'], run: ({ server }, args) => verbatim(infoString(server, args.rest())),
    args: [str('section').opt.many],
    history: [['7.0.0', 'Several sections may be named in one call.']] },
  {
    name: 'CONFIG', arity: -2, flags: [], group: 'server', since: '2.0.0', summary: 'Subcommands that read and change the server configuration.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'GET', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.0.0', summary: 'Read configuration parameters whose names match patterns.', complexity: 'O(N) when N is the number of configuration parameters provided', run: configGetCommand,
        args: [block('parameter', str('parameter')).many],
        history: [['7.0.0', 'Several patterns may be given in one call.']] },
      { name: 'SET', arity: -4, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.0.0', summary: 'Change configuration parameters while the server runs.', complexity: 'O(N) when N is the number of configuration parameters provided', tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'], run: configSetCommand,
        args: [block('parameter_value', str('parameter'), str('value')).many],
        history: [['7.0.0', 'Several parameters may be set in one call.']] },
      { name: 'RESETSTAT', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.0.0', summary: 'Zero the statistics INFO reports.', complexity: 'O(1)', run: configResetstatCommand },
      { name: 'REWRITE', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.8.0', summary: 'Write the running configuration back to the config file.', complexity: 'O(1)', run: configRewriteCommand },
      { name: 'HELP', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '5.0.0', summary: 'List the CONFIG subcommands.', complexity: 'O(1)', run: configHelpCommand },
    ],
  },
  { name: 'SHUTDOWN', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'], group: 'server', since: '1.0.0', summary: 'Stop the server, saving first if persistence asks for it.', complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)', run: shutdownCommand,
    args: [oneof('nosave_save', tok('NOSAVE'), tok('SAVE')).opt, tok('NOW').opt.since('7.0.0'), tok('FORCE').opt.since('7.0.0'), tok('ABORT').opt.since('7.0.0')],
    history: [['7.0.0', 'NOW, FORCE and ABORT change how the shutdown goes (or cancel it).']] },
  {
    name: 'MEMORY', arity: -2, flags: [], group: 'server', since: '4.0.0', summary: 'Subcommands that report memory use.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'USAGE', arity: -3, flags: ['readonly'], group: 'server', since: '4.0.0', summary: 'Estimate how many bytes a key and its value take.', complexity: 'O(N) where N is the number of samples.', run: memoryUsageCommand,
        keySpecs: [keyAt(2, 'RO')], args: [key('key'), integer('count', 'SAMPLES').opt] },
      { name: 'HELP', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '4.0.0', summary: 'List the MEMORY subcommands.', complexity: 'O(1)', run: memoryHelpCommand },
    ],
  },
  {
    name: 'SLOWLOG', arity: -2, flags: [], group: 'server', since: '2.2.12', summary: 'Subcommands for the log of slow commands.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'GET', arity: -2, flags: ['admin', 'loading', 'stale'], group: 'server', since: '2.2.12', summary: 'Read the most recent entries of the slow log.', complexity: 'O(N) where N is the number of entries returned', tips: ['request_policy:all_nodes', 'nondeterministic_output'], run: slowlogGetCommand,
        args: [integer('count').opt],
        history: [['4.0.0', "Entries name the client's address and name."]] },
      { name: 'LEN', arity: 2, flags: ['admin', 'loading', 'stale'], group: 'server', since: '2.2.12', summary: 'Count the entries in the slow log.', complexity: 'O(1)', tips: ['request_policy:all_nodes', 'response_policy:agg_sum', 'nondeterministic_output'], run: ({ server }) => int(server.stats.slowlog.entries.length) },
      { name: 'RESET', arity: 2, flags: ['admin', 'loading', 'stale'], group: 'server', since: '2.2.12', summary: 'Empty the slow log.', complexity: 'O(N) where N is the number of entries in the slowlog', tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'], run: slowlogResetCommand },
      { name: 'HELP', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '6.2.0', summary: 'List the SLOWLOG subcommands.', complexity: 'O(1)', run: slowlogHelpCommand },
    ],
  },
  {
    name: 'LATENCY', arity: -2, flags: [], group: 'server', since: '2.8.13', summary: 'Subcommands for latency monitoring.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'LATEST', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.8.13', summary: 'The latest spike of every latency event.', complexity: 'O(1)', tips: ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'], run: latencyLatestCommand },
      { name: 'HISTORY', arity: 3, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.8.13', summary: 'The recorded spikes of one latency event over time.', complexity: 'O(1)', tips: ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'], run: latencyHistoryCommand,
        args: [str('event')] },
      { name: 'RESET', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.8.13', summary: 'Forget the recorded spikes of some or all events.', complexity: 'O(1)', tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'], run: ({ server }, args) => int(server.stats.latency.monitor.reset(args.rest())),
        args: [str('event').opt.many] },
      { name: 'GRAPH', arity: 3, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.8.13', summary: 'An ASCII graph of one latency event\'s recorded spikes.', complexity: 'O(1)', tips: ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'], run: latencyGraphCommand,
        args: [str('event')] },
      { name: 'DOCTOR', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.8.13', summary: 'A human-readable report of the recorded latency spikes, with advice.', complexity: 'O(1)', tips: ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'], run: latencyDoctorCommand },
      { name: 'HISTOGRAM', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '7.0.0', summary: 'Per-command latency histograms (cumulative).', complexity: 'O(N) where N is the number of commands with latency information being retrieved.', tips: ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'], run: latencyHistogramCommand,
        args: [str('command').opt.many] },
      { name: 'HELP', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '2.8.13', summary: 'List the LATENCY subcommands.', complexity: 'O(1)', run: latencyHelpCommand },
    ],
  },
];

// ---- shared helpers ----

/** addReplyHelp(): a header naming the command as typed, the lines, then HELP's own entry. */
export function helpReply(container: string, lines: readonly string[]): Reply {
  return array([
    simple(`${container.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`),
    ...lines.map(simple),
    simple('HELP'),
    simple('    Prints this help.'),
  ]);
}

/** addReplySubcommandSyntaxError(). */
export function subcommandSyntaxError(argv: readonly string[]): never {
  return fail(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
}

/** islocalClient(): a loopback peer (Unix sockets are local too, but toyredis listens on TCP only). */
export function isLocalClient(client: Client): boolean {
  const ip = (client.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  return ip.startsWith('127.') || ip === '::1';
}

/** allowProtectedAction(): `yes`, or `local` for a loopback client. */
export function protectedActionAllowed(server: Server, param: string, client: Client): boolean {
  const setting = server.config.get(param);
  return setting === 'yes' || (setting === 'local' && isLocalClient(client));
}

// ---- keyspace-wide commands ----

/** getFlushCommandFlags(): nothing, ASYNC or SYNC (both flush at once here: there is no background freeing). */
function flushMode(args: ArgCursor): void {
  if (!args.hasMore) return;
  const mode = args.nextUpper();
  if ((mode !== 'ASYNC' && mode !== 'SYNC') || args.hasMore) fail(ERR_SYNTAX);
}

// FLUSHDB [ASYNC|SYNC]
function flushdbCommand(ctx: CommandContext, args: ArgCursor): Reply {
  flushMode(args);
  ctx.db.clear();
  ctx.server.keyspace.dirty++; // propagated even when the db was already empty, as Redis forces it
  return OK;
}

// FLUSHALL [ASYNC|SYNC]
function flushallCommand(ctx: CommandContext, args: ArgCursor): Reply {
  flushMode(args);
  ctx.server.keyspace.flushAll();
  ctx.server.keyspace.dirty++;
  return OK;
}

/** getIntFromObjectOrReply(): a C int, or the given error. */
function intArg(text: string, error: string): number {
  const v = parseInteger(text);
  if (v === null || typeof v === 'bigint' || v < -2147483648 || v > 2147483647) fail(`ERR ${error}`);
  return v as number;
}

// SWAPDB index1 index2
function swapdbCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const id1 = intArg(args.next(), 'invalid first DB index');
  const id2 = intArg(args.next(), 'invalid second DB index');
  const dbs = ctx.server.keyspace.dbs;
  if (id1 < 0 || id1 >= dbs.length || id2 < 0 || id2 >= dbs.length) fail('ERR DB index is out of range');
  if (id1 !== id2) {
    const [a, b] = [dbs[id1], dbs[id2]];
    // a WATCHed key that exists in either db now sees different content (touchAllWatchedKeysInDb both ways)
    if (ctx.server.watches.size) {
      ctx.server.watches.flushed(a, b);
      ctx.server.watches.flushed(b, a);
    }
    a.swapWith(b);
    // clients blocked on keys of either db may now find them (scanDatabaseForReadyKeys)
    signalDbReplaced(ctx.server, a);
    signalDbReplaced(ctx.server, b);
  }
  ctx.server.keyspace.dirty++;
  return OK;
}

// TIME
function timeCommand({ server }: CommandContext): Reply {
  const ms = server.clock.now();
  return array([bulk(String(Math.floor(ms / 1000))), bulk(String((ms % 1000) * 1000))]);
}

// LASTSAVE
function lastsaveCommand({ server }: CommandContext): Reply {
  // Redis counts the start as a save: LASTSAVE is the start time until something is saved
  return int(server.stats.lastSave ?? Math.floor(server.startedAt / 1000));
}

// ---- CONFIG ----

// CONFIG GET parameter [parameter ...]
function configGetCommand({ server }: CommandContext, args: ArgCursor): Reply {
  const found = server.config.lookup(args.rest(), (pattern, name) => stringMatch(pattern, name, true));
  const items: Reply[] = [];
  for (const [name, value] of found) items.push(bulk(name), bulk(value));
  return map(items);
}

// CONFIG SET parameter value [parameter value ...]
function configSetCommand({ server, client }: CommandContext, args: ArgCursor): Reply | Deferred {
  if (args.remaining % 2 !== 0) fail(ERR_SYNTAX);
  const pairs: [string, string][] = [];
  while (args.hasMore) pairs.push([args.next(), args.next()]);
  if (client.mode !== 'normal' && pairs.some(([name]) => LISTEN_PARAMS.has(server.config.spec(name)?.name ?? ''))) {
    // applying them means waiting for sockets, and a transaction cannot wait
    fail('ERR CONFIG SET of port or bind is not supported inside MULTI/EXEC');
  }
  const result = server.config.setMany(pairs, {
    loading: server.loading,
    protectedAllowed: protectedActionAllowed(server, 'enable-protected-configs', client),
  });
  if (result instanceof Promise) {
    // a new port or bind address: the client waits for the listening sockets, everyone else goes on
    client.send({ type: 'client.block', reason: 'config' });
    void result.then(
      (err) => server.unblock(client, err === null ? OK : error(err)),
      (e) => server.unblock(client, error(`ERR CONFIG SET failed: ${(e as Error)?.message ?? e}`)),
    );
    return BLOCKED;
  }
  if (result !== null) throw new ReplyError(result);
  return OK;
}

/** Parameters whose new value means opening listening sockets. */
const LISTEN_PARAMS = new Set(['port', 'bind']);

/** resetServerStats(), resetCommandTableStats() and resetErrorTableStats(): what CONFIG RESETSTAT clears. */
export function resetStats(server: Server): void {
  server.stats.reset();
  server.stats.latency.resetHistograms();
  for (const c of commandTable.everything()) {
    c.stats.calls = c.stats.usec = c.stats.rejected = c.stats.failed = 0;
  }
  const ks = server.keyspace.stats;
  ks.hits = ks.misses = ks.expiredKeys = ks.expiredStalePerc = ks.expiredTimeCapReached = ks.expireCycleCpuMs = 0;
  const repl = server.replication.stats;
  repl.syncFull = repl.syncPartialOk = repl.syncPartialErr = 0;
}

// CONFIG RESETSTAT
function configResetstatCommand({ server }: CommandContext): Reply {
  resetStats(server);
  return OK;
}

// CONFIG REWRITE
function configRewriteCommand({ server }: CommandContext): Reply {
  if (!server.configFile) fail('ERR The server is running without a config file');
  try {
    server.config.rewrite(server.configFile, aclOf(server).configLines());
  } catch (e) {
    const reason = strerror(e);
    server.log.warning(`CONFIG REWRITE failed: ${reason}`);
    fail(`ERR Rewriting config file: ${reason}`);
  }
  server.log.warning('CONFIG REWRITE executed with success.');
  return OK;
}

/** An fs error as strerror() words it. */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const texts: Record<string, string> = {
    ENOENT: 'No such file or directory', EACCES: 'Permission denied', EROFS: 'Read-only file system',
    ENOSPC: 'No space left on device', EISDIR: 'Is a directory', ENOTDIR: 'Not a directory',
  };
  return (code && texts[code]) || (e as Error)?.message || String(e);
}

// CONFIG HELP
function configHelpCommand({ argv }: CommandContext): Reply {
  return helpReply(argv[0], [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'REWRITE',
    '    Rewrite the configuration file.',
  ]);
}

// ---- SHUTDOWN ----

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
function shutdownCommand({ server }: CommandContext, args: ArgCursor): Reply | Deferred {
  let save = false, nosave = false, now = false, force = false, abort = false;
  while (args.hasMore) {
    const opt = args.nextUpper();
    if (opt === 'NOSAVE') nosave = true;
    else if (opt === 'SAVE') save = true;
    else if (opt === 'NOW') now = true;
    else if (opt === 'FORCE') force = true;
    else if (opt === 'ABORT') abort = true;
    else fail(ERR_SYNTAX);
  }
  if ((abort && (save || nosave || now || force)) || (save && nosave)) fail(ERR_SYNTAX);
  // shutdown is immediate here (replicas are not waited for), so none is ever in progress
  if (abort) fail('ERR No shutdown in progress.');
  // the final save (when save points are set, or SAVE) happens now; if it fails the server keeps running
  if (!server.shutdown({ save, nosave, now, force })) fail('ERR Errors trying to SHUTDOWN. Check logs.');
  return NO_REPLY;
}

// ---- MEMORY ----

// MEMORY USAGE key [SAMPLES count]
function memoryUsageCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const key = args.nextKey();
  let samples = 5;
  while (args.hasMore) {
    if (args.nextUpper() !== 'SAMPLES' || !args.hasMore) fail(ERR_SYNTAX);
    const n = args.nextInt();
    if (n < 0) fail(ERR_SYNTAX);
    samples = n === 0 ? Infinity : n;
  }
  const e = db.lookup(key);
  if (e === undefined) return NIL;
  return int(entryMemoryUsage(key, e, samples));
}

// MEMORY HELP
function memoryHelpCommand({ argv }: CommandContext): Reply {
  return helpReply(argv[0], [
    'USAGE <key> [SAMPLES <count>]',
    '    Return memory in bytes used by <key> and its value. Nested values are',
    '    sampled up to <count> times (default: 5, 0 means sample all).',
  ]);
}

// ---- SLOWLOG ----

// SLOWLOG GET [count]
function slowlogGetCommand({ server, argv }: CommandContext, args: ArgCursor): Reply {
  if (argv.length > 3) subcommandSyntaxError(argv);
  const entries = server.stats.slowlog.entries;
  let count = 10;
  if (args.hasMore) {
    const v = parseInteger(args.next());
    if (v === null || v < -1) fail('ERR count should be greater than or equal to -1');
    count = v === -1 ? entries.length : Number(v);
  }
  return array(entries.slice(0, count).map((e) => array([
    int(e.id), int(e.time), int(e.duration), array(e.argv.map(bulk)), bulk(e.peer), bulk(e.name),
  ])));
}

// SLOWLOG RESET
function slowlogResetCommand({ server }: CommandContext): Reply {
  server.stats.slowlog.reset();
  return OK;
}

// SLOWLOG HELP
function slowlogHelpCommand({ argv }: CommandContext): Reply {
  return helpReply(argv[0], [
    'GET [<count>]',
    '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
    '    Entries are made of:',
    '    id, timestamp, time in microseconds, arguments array, client IP and port,',
    '    client name',
    'LEN',
    '    Return the length of the slowlog.',
    'RESET',
    '    Reset the slowlog.',
  ]);
}

// ---- LATENCY ----

// LATENCY LATEST
function latencyLatestCommand({ server }: CommandContext): Reply {
  const out: Reply[] = [];
  for (const [name, e] of server.stats.latency.monitor.events) {
    const last = e.samples[e.samples.length - 1];
    out.push(array([bulk(name), int(last.time), int(last.latency), int(e.max)]));
  }
  return array(out);
}

// LATENCY HISTORY event
function latencyHistoryCommand({ server }: CommandContext, args: ArgCursor): Reply {
  const e = server.stats.latency.monitor.events.get(args.next());
  if (!e) return EMPTY_ARRAY;
  return array(e.samples.map((s) => array([int(s.time), int(s.latency)])));
}

// LATENCY GRAPH event
function latencyGraphCommand({ server }: CommandContext, args: ArgCursor): Reply {
  const name = args.next();
  const event = server.stats.latency.monitor.events.get(name);
  if (!event) return error(`ERR No samples available for event '${name}'`);
  return verbatim(latencyGraph(name, event, Math.floor(server.clock.now() / 1000)));
}

// LATENCY DOCTOR
function latencyDoctorCommand({ server }: CommandContext): Reply {
  const config = server.config;
  return verbatim(latencyDoctor({
    events: server.stats.latency.monitor.events,
    nowSec: Math.floor(server.clock.now() / 1000),
    thresholdMs: config.getNumber('latency-monitor-threshold'),
    slowlogSlowerThanUs: config.getNumber('slowlog-log-slower-than'),
    slowlogMaxLen: config.getNumber('slowlog-max-len'),
    hz: config.getNumber('hz'),
  }));
}

// LATENCY HISTOGRAM [command ...]
function latencyHistogramCommand({ server }: CommandContext, args: ArgCursor): Reply {
  const tracker = server.stats.latency;
  const items: Reply[] = [];
  const add = (fullname: string, command: object) => {
    const h = tracker.histogram(command);
    if (!h) return;
    const cdf: Reply[] = [];
    for (const [usec, count] of h.cdf()) cdf.push(int(usec), int(count));
    items.push(bulk(fullname), map([bulk('calls'), int(h.total), bulk('histogram_usec'), map(cdf)]));
  };
  if (!args.hasMore) {
    for (const c of commandTable.everything()) add(c.fullname, c);
    return map(items);
  }
  for (const name of args.rest()) {
    const [base, sub] = name.split('|');
    const c = sub === undefined ? commandTable.get(base) : commandTable.get(base)?.subs?.get(sub.toLowerCase());
    if (!c) continue;
    add(c.fullname, c);
    if (c.subs) for (const s of c.subs.values()) add(s.fullname, s);
  }
  return map(items);
}

// LATENCY HELP
function latencyHelpCommand({ argv }: CommandContext): Reply {
  return helpReply(argv[0], [
    'DOCTOR',
    '    Return a human readable latency analysis report.',
    'GRAPH <event>',
    '    Return an ASCII latency graph for the <event> class.',
    'HISTORY <event>',
    '    Return time-latency samples for the <event> class.',
    'LATEST',
    '    Return the latest latency samples for all events.',
    'RESET [<event> ...]',
    '    Reset latency data of one or more <event> classes.',
    '    (default: reset all data for all event classes)',
    'HISTOGRAM [COMMAND ...]',
    '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
    '    If no commands are specified then all histograms are replied.',
  ]);
}

