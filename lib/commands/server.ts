/** Server commands: DBSIZE, FLUSHDB, FLUSHALL, CONFIG, INFO, COMMAND, DEBUG, … (server.c, config.c, db.c). */
import { ERR_SYNTAX, fail, errUnknownSubcommand } from '../protocol/errors';
import { array, bulk, int, OK, verbatim, type Reply } from '../protocol/reply';
import { ConfigError } from '../server/config';
import type { ArgCursor } from './args';
import type { CommandContext, CommandSpec } from './types';

export const serverCommands: readonly CommandSpec[] = [
  { name: 'DBSIZE', arity: 1, flags: ['readonly', 'fast'], group: 'server', since: '1.0.0', summary: 'Number of keys in the selected database.', acl: ['@keyspace'], run: ({ db }) => int(db.size) },
  { name: 'FLUSHDB', arity: -1, flags: ['write'], group: 'server', since: '1.0.0', summary: 'Remove all keys from the selected database.', syntax: '[ASYNC | SYNC]', acl: ['@keyspace', '@dangerous'], run: flushdbCommand },
  { name: 'FLUSHALL', arity: -1, flags: ['write'], group: 'server', since: '1.0.0', summary: 'Remove all keys from all databases.', syntax: '[ASYNC | SYNC]', acl: ['@keyspace', '@dangerous'], run: flushallCommand },
  {
    name: 'CONFIG', arity: -2, flags: [], group: 'server', since: '2.0.0', summary: 'Configuration commands.',
    subcommands: [
      { name: 'GET', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.0.0', summary: 'Return the values of parameters matching patterns.', syntax: 'parameter [parameter ...]', run: configGetCommand },
      { name: 'SET', arity: -4, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.0.0', summary: 'Set parameters.', syntax: 'parameter value [parameter value ...]', run: configSetCommand },
    ],
  },
  { name: 'INFO', arity: -1, flags: ['loading', 'stale'], group: 'server', since: '1.0.0', summary: 'Information and statistics about the server.', syntax: '[section [section ...]]', acl: ['@dangerous'], run: infoCommand },
  { name: 'DEBUG', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale', 'protected'], group: 'server', since: '1.0.0', summary: 'Debugging commands.', run: debugCommand },
];

function flushMode(args: ArgCursor): void {
  if (!args.hasMore) return;
  const mode = args.nextUpper();
  if ((mode !== 'ASYNC' && mode !== 'SYNC') || args.hasMore) fail(ERR_SYNTAX);
}

// FLUSHDB [ASYNC|SYNC]
function flushdbCommand(ctx: CommandContext, args: ArgCursor): Reply {
  flushMode(args);
  ctx.db.clear();
  ctx.server.keyspace.dirty++;
  return OK;
}

// FLUSHALL [ASYNC|SYNC]
function flushallCommand(ctx: CommandContext, args: ArgCursor): Reply {
  flushMode(args);
  ctx.server.keyspace.flushAll();
  ctx.server.keyspace.dirty++;
  return OK;
}

/** Redis's glob for config names (stringmatch, case-insensitive). */
function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

// CONFIG GET parameter [parameter ...]
function configGetCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const seen = new Map<string, string>();
  while (args.hasMore) {
    const re = globToRegExp(args.next());
    for (const [name, value] of ctx.server.config.matching((n) => re.test(n))) seen.set(name, value);
  }
  const items: Reply[] = [];
  for (const [name, value] of seen) items.push(bulk(name), bulk(value));
  return { kind: 'map', items };
}

// CONFIG SET parameter value [parameter value ...]
function configSetCommand(ctx: CommandContext, args: ArgCursor): Reply {
  if (args.remaining % 2 !== 0) fail("ERR wrong number of arguments for 'config|set' command");
  const pairs: [string, string][] = [];
  while (args.hasMore) pairs.push([args.next(), args.next()]);
  const config = ctx.server.config;
  const checked: [string, string][] = [];
  for (const [name, value] of pairs) {
    if (!config.spec(name)) fail(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
    try {
      checked.push([name, config.check(name, value)]);
    } catch (e) {
      if (e instanceof ConfigError) fail(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${e.message}`);
      throw e;
    }
  }
  for (const [name, value] of checked) config.store(name, value);
  return OK;
}

// INFO [section [section ...]]
function infoCommand(ctx: CommandContext): Reply {
  return verbatim(`# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\n`);
}

// DEBUG subcommand [arg ...]
function debugCommand(_ctx: CommandContext, args: ArgCursor): Reply {
  return fail(errUnknownSubcommand(args.next(), 'DEBUG'));
}

export { array };
