/**
 * COMMAND and its subcommands (server.c commandCommand and friends): the command table described in Redis 7.0's
 * reply shapes, generated from the CommandSpec rows: COMMAND INFO (flags, key range, ACL categories, key specs),
 * COMMAND DOCS (summary, since, group, complexity, the argument tree parsed from `syntax`), COUNT, LIST, GETKEYS.
 */
import { ERR_SYNTAX, fail } from '../protocol/errors';
import { array, bulk, int, map, NIL, set, simple, type Reply } from '../protocol/reply';
import { stringMatch } from '../store/glob';
import { commandTable } from './index';
import { helpReply } from './server';
import { withDocs, type CommandDocExtras } from './docs';
import { parseSyntax, type CommandArg } from './syntax';
import type { ArgCursor } from './args';
import type { Command, CommandContext, CommandFlag, CommandSpec } from './types';

const CONN = ['@connection'] as const;
const FLAGS: CommandSpec['flags'] = ['loading', 'stale'];

export const commandCommands: readonly CommandSpec[] = [
  withDocs({
    name: 'COMMAND', arity: -1, flags: FLAGS, group: 'server', since: '2.8.13', summary: 'Get array of Redis command details', complexity: 'O(N) where N is the total number of Redis commands', acl: CONN, tips: ['nondeterministic_output_order'], run: commandCommand,
    subcommands: [
      { name: 'COUNT', arity: 2, flags: FLAGS, group: 'server', since: '2.8.13', summary: 'Get total number of Redis commands', complexity: 'O(1)', acl: CONN, run: () => int(commandTable.all().length) },
      withDocs({ name: 'DOCS', arity: -2, flags: FLAGS, group: 'server', since: '7.0.0', summary: 'Get array of specific Redis command documentation', syntax: '[command-name [command-name ...]]', complexity: 'O(N) where N is the number of commands to look up', acl: CONN, tips: ['nondeterministic_output_order'], run: commandDocsCommand }),
      { name: 'GETKEYS', arity: -4, flags: FLAGS, group: 'server', since: '2.8.13', summary: 'Extract keys given a full Redis command', complexity: 'O(N) where N is the number of arguments to the command', acl: CONN, run: (ctx) => getKeys(ctx, false) },
      { name: 'GETKEYSANDFLAGS', arity: -4, flags: FLAGS, group: 'server', since: '7.0.0', summary: 'Extract keys and access flags given a full Redis command', complexity: 'O(N) where N is the number of arguments to the command', acl: CONN, run: (ctx) => getKeys(ctx, true) },
      { name: 'HELP', arity: 2, flags: FLAGS, group: 'server', since: '5.0.0', summary: 'Show helpful text about the different subcommands', complexity: 'O(1)', acl: CONN, run: commandHelpCommand },
      withDocs({ name: 'INFO', arity: -2, flags: FLAGS, group: 'server', since: '2.8.13', summary: 'Get array of specific Redis command details, or all when no argument is given.', syntax: '[command-name [command-name ...]]', complexity: 'O(N) where N is the number of commands to look up', acl: CONN, tips: ['nondeterministic_output_order'], run: commandInfoCommand }),
      withDocs({ name: 'LIST', arity: -2, flags: FLAGS, group: 'server', since: '7.0.0', summary: 'Get an array of Redis command names', syntax: '[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]', complexity: 'O(N) where N is the total number of Redis commands', acl: CONN, tips: ['nondeterministic_output_order'], run: commandListCommand }),
    ],
  }),
];

// ---- what a command row says about itself ----

const extras = (c: Command) => c as Command & CommandDocExtras;

/** The key spec's flags: the row's own, or RW/update for a write command, RO/access for a read-only one. */
function keyFlags(c: Command): readonly string[] {
  return extras(c).keyFlags ?? (c.flags.includes('write') ? ['RW', 'update'] : c.flags.includes('readonly') ? ['RO', 'access'] : ['RO']);
}

/** COMMAND INFO's flags, in Redis's order; may_replicate, sentinel, only_sentinel and protected stay hidden. */
const SHOWN_FLAGS: readonly CommandFlag[] = [
  'write', 'readonly', 'denyoom', 'module', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale',
  'skip_monitor', 'skip_slowlog', 'asking', 'fast', 'no_auth', 'no_mandatory_keys', 'no_async_loading', 'no_multi',
  'movablekeys', 'allow_busy',
];

/** ACL categories in the order ACL prints them. */
const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

/** The row's own categories plus those its flags imply (setImplicitACLCategories). */
export function aclCategories(c: CommandSpec): string[] {
  const cats = new Set((c.acl ?? []).map((a) => a.replace(/^@/, '')));
  const has = (f: CommandFlag) => c.flags.includes(f);
  if (has('write')) cats.add('write');
  if (has('readonly') && !cats.has('scripting')) cats.add('read');
  if (has('admin')) cats.add('admin').add('dangerous');
  if (has('pubsub')) cats.add('pubsub');
  if (has('fast')) cats.add('fast');
  if (has('blocking')) cats.add('blocking');
  if (!cats.has('fast')) cats.add('slow');
  return ACL_CATEGORIES.filter((cat) => cats.has(cat));
}

/** The key spec a legacy first/last/step range stands for, with access flags from the command's kind. */
function keySpecs(c: Command): Reply {
  if (!c.keys) return set([]);
  const { first, last, step } = c.keys;
  return set([map([
    bulk('flags'), set(keyFlags(c).map(simple)),
    bulk('begin_search'), map([bulk('type'), bulk('index'), bulk('spec'), map([bulk('index'), int(first)])]),
    bulk('find_keys'), map([
      bulk('type'), bulk('range'),
      bulk('spec'), map([bulk('lastkey'), int(last >= 0 ? last - first : last), bulk('keystep'), int(step), bulk('limit'), int(0)]),
    ]),
  ])]);
}

/** addReplyCommandInfo(): one command as COMMAND and COMMAND INFO describe it. */
function commandInfo(c: Command): Reply {
  return array([
    bulk(c.fullname),
    int(c.arity),
    set(SHOWN_FLAGS.filter((f) => c.flags.includes(f)).map(simple)),
    int(c.keys?.first ?? 0),
    int(c.keys?.last ?? 0),
    int(c.keys?.step ?? 0),
    set(aclCategories(c).map((cat) => simple(`@${cat}`))),
    set((extras(c).tips ?? []).map((t) => bulk(t))),
    keySpecs(c),
    // no subcommands is an empty *set* (addReplyCommandSubCommands), which RESP3 tells apart from an array
    c.subs ? array([...c.subs.values()].map(commandInfo)) : set([]),
  ]);
}

/** Parsed argument trees, once per command: the syntax lines do not change while the server runs. */
const argCache = new WeakMap<Command, CommandArg[]>();

function commandArgs(c: Command): CommandArg[] {
  let args = argCache.get(c);
  if (!args) {
    try {
      args = c.syntax ? parseSyntax(c.syntax, !!c.keys) : [];
    } catch {
      // a usage line the grammar cannot read costs that command its argument list, not COMMAND DOCS as a whole
      // (test/commands/command.test.ts parses every registered line, so this only happens to an untested row)
      args = [];
    }
    argCache.set(c, args);
  }
  return args;
}

/** addReplyCommandArgList(): name, type, key_spec_index, token, flags, and nested arguments. */
function argReply(arg: CommandArg): Reply {
  const items: Reply[] = [bulk('name'), bulk(arg.name), bulk('type'), bulk(arg.type)];
  if (arg.type === 'key') items.push(bulk('key_spec_index'), int(0));
  if (arg.token !== undefined) items.push(bulk('token'), bulk(arg.token));
  if (arg.flags.length) items.push(bulk('flags'), set(arg.flags.map(simple)));
  if (arg.arguments) items.push(bulk('arguments'), array(arg.arguments.map(argReply)));
  return map(items);
}

/** addReplyCommandDocs(): summary, since, group, complexity, arguments, subcommands. */
function commandDocs(c: Command): Reply {
  const items: Reply[] = [bulk('summary'), bulk(c.summary), bulk('since'), bulk(c.since), bulk('group'), bulk(c.group)];
  if (c.complexity) items.push(bulk('complexity'), bulk(c.complexity));
  const args = commandArgs(c);
  if (args.length) items.push(bulk('arguments'), array(args.map(argReply)));
  if (c.subs) {
    const subs: Reply[] = [];
    for (const s of c.subs.values()) subs.push(bulk(s.fullname), commandDocs(s));
    items.push(bulk('subcommands'), map(subs));
  }
  return map(items);
}

/** lookupCommandBySds(): `get`, or `config|get` for a subcommand; case-insensitive. */
function commandByName(name: string): Command | undefined {
  const parts = name.split('|');
  if (parts.length > 2) return undefined;
  const base = commandTable.get(parts[0]);
  return parts.length === 1 ? base : base?.subs?.get(parts[1].toLowerCase());
}

// ---- the commands ----

// COMMAND
function commandCommand(): Reply {
  return array(commandTable.all().map(commandInfo));
}

// COMMAND INFO [command-name ...]
function commandInfoCommand(_ctx: CommandContext, args: ArgCursor): Reply {
  if (!args.hasMore) return array(commandTable.all().map(commandInfo));
  return array(args.rest().map((name) => {
    const c = commandByName(name);
    return c ? commandInfo(c) : NIL;
  }));
}

// COMMAND DOCS [command-name ...]
function commandDocsCommand(_ctx: CommandContext, args: ArgCursor): Reply {
  const items: Reply[] = [];
  const wanted = args.hasMore ? args.rest().map(commandByName) : commandTable.all();
  for (const c of wanted) if (c) items.push(bulk(c.fullname), commandDocs(c));
  return map(items);
}

// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
function commandListCommand(_ctx: CommandContext, args: ArgCursor): Reply {
  let filter: ((c: Command) => boolean) | null = null;
  while (args.hasMore) {
    if (args.nextUpper() !== 'FILTERBY' || args.remaining !== 2) fail(ERR_SYNTAX);
    const kind = args.nextUpper();
    const value = args.next();
    if (kind === 'MODULE') filter = () => false; // no module is ever loaded
    else if (kind === 'ACLCAT') filter = (c) => aclCategories(c).includes(value.toLowerCase());
    else if (kind === 'PATTERN') filter = (c) => stringMatch(value, c.fullname, true);
    else fail(ERR_SYNTAX);
  }
  const names: Reply[] = [];
  for (const c of commandTable.everything()) if (!filter || filter(c)) names.push(bulk(c.fullname));
  return array(names);
}

// COMMAND GETKEYS command [arg ...] / COMMAND GETKEYSANDFLAGS command [arg ...]
function getKeys({ argv }: CommandContext, withFlags: boolean): Reply {
  const cmdArgv = argv.slice(2);
  const base = commandTable.get(cmdArgv[0]);
  const c = base?.subs && cmdArgv.length >= 2 ? base.subs.get(cmdArgv[1].toLowerCase()) : base;
  if (!c) fail('ERR Invalid command specified');
  if (!c!.keys) fail('ERR The command has no key arguments');
  const { arity } = c!;
  if ((arity > 0 && arity !== cmdArgv.length) || cmdArgv.length < -arity) fail('ERR Invalid number of arguments specified for command');
  const { first, step } = c!.keys!;
  const last = c!.keys!.last < 0 ? cmdArgv.length + c!.keys!.last : c!.keys!.last;
  const keys: number[] = [];
  for (let i = first; i <= last && i < cmdArgv.length; i += step) keys.push(i);
  if (keys.length === 0) {
    if (c!.flags.includes('no_mandatory_keys')) return array([]);
    fail('ERR Invalid arguments specified for command');
  }
  const flags = keyFlags(c!);
  return array(keys.map((i) => (withFlags ? array([bulk(cmdArgv[i]), set(flags.map(simple))]) : bulk(cmdArgv[i]))));
}

// COMMAND HELP
function commandHelpCommand({ argv }: CommandContext): Reply {
  return helpReply(argv[0], [
    '(no subcommand)',
    '    Return details about all Redis commands.',
    'COUNT',
    '    Return the total number of commands in this Redis server.',
    'LIST',
    '    Return a list of all commands in this Redis server.',
    'INFO [<command-name> ...]',
    '    Return details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'DOCS [<command-name> ...]',
    '    Return documentation details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'GETKEYS <full-command>',
    '    Return the keys from a full Redis command.',
    'GETKEYSANDFLAGS <full-command>',
    '    Return the keys and the access flags from a full Redis command.',
  ]);
}
