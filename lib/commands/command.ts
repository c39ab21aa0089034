/**
 * COMMAND and its subcommands (server.c commandCommand and friends): the command table described in Redis 7.0's
 * reply shapes, generated from the CommandSpec rows: COMMAND INFO (flags, legacy key range, ACL categories, tips,
 * key specs), COMMAND DOCS (summary, since, group, complexity, doc flags, history, argument tree), COUNT, LIST and
 * GETKEYS (the key search itself is keyspecs.ts's).
 */
import { ERR_SYNTAX, fail } from '../protocol/errors';
import { array, bulk, int, map, NIL, set, simple, type Reply } from '../protocol/reply';
import { stringMatch } from '../store/glob';
import { commandTable } from './index';
import { helpReply } from './server';
import { str, pattern, oneof } from './docs';
import { getKeysFromCommand, hasKeys, KEY_FLAGS, keySpecsOf, legacyRange } from './keyspecs';
import type { ArgCursor } from './args';
import type { ArgSpec, Command, CommandContext, CommandFlag, CommandSpec, KeyFlag, KeySpec } from './types';

const CONN = ['@connection'] as const;
const FLAGS: CommandSpec['flags'] = ['loading', 'stale'];

export const commandCommands: readonly CommandSpec[] = [
  {
    name: 'COMMAND', arity: -1, flags: FLAGS, group: 'server', since: '2.8.13', summary: 'Describe every command the server knows.', complexity: 'O(N) where N is the total number of Redis commands', acl: CONN, tips: ['nondeterministic_output_order'], run: commandCommand,
    subcommands: [
      { name: 'COUNT', arity: 2, flags: FLAGS, group: 'server', since: '2.8.13', summary: 'How many commands the server knows.', complexity: 'O(1)', acl: CONN, run: () => int(commandTable.all().length) },
      { name: 'DOCS', arity: -2, flags: FLAGS, group: 'server', since: '7.0.0', summary: 'Documentation of some or all commands.', complexity: 'O(N) where N is the number of commands to look up', acl: CONN, tips: ['nondeterministic_output_order'], run: commandDocsCommand,
        args: [str('command-name').opt.many] },
      { name: 'GETKEYS', arity: -4, flags: FLAGS, group: 'server', since: '2.8.13', summary: 'Which arguments of a full command line are keys.', complexity: 'O(N) where N is the number of arguments to the command', acl: CONN, run: (ctx) => getKeys(ctx, false) },
      { name: 'GETKEYSANDFLAGS', arity: -4, flags: FLAGS, group: 'server', since: '7.0.0', summary: 'Which arguments of a full command line are keys, and how each is used.', complexity: 'O(N) where N is the number of arguments to the command', acl: CONN, run: (ctx) => getKeys(ctx, true) },
      { name: 'HELP', arity: 2, flags: FLAGS, group: 'server', since: '5.0.0', summary: 'List the COMMAND subcommands.', complexity: 'O(1)', acl: CONN, run: commandHelpCommand },
      { name: 'INFO', arity: -2, flags: FLAGS, group: 'server', since: '2.8.13', summary: 'Describe some or all commands.', complexity: 'O(N) where N is the number of commands to look up', acl: CONN, tips: ['nondeterministic_output_order'], run: commandInfoCommand,
        args: [str('command-name').opt.many],
        history: [['7.0.0', 'With no command names it describes them all.']] },
      { name: 'LIST', arity: -2, flags: FLAGS, group: 'server', since: '7.0.0', summary: 'Names of the commands the server knows, optionally filtered.', complexity: 'O(N) where N is the total number of Redis commands', acl: CONN, tips: ['nondeterministic_output_order'], run: commandListCommand,
        args: [oneof('filterby', str('module-name', 'MODULE'), str('category', 'ACLCAT'), pattern('pattern', 'PATTERN')).token('FILTERBY').opt] },
    ],
  },
];

// ---- what a command row says about itself ----

/** COMMAND INFO's flags, in Redis's order; may_replicate, sentinel, only_sentinel and protected stay hidden. */
const SHOWN_FLAGS: readonly CommandFlag[] = [
  'write', 'readonly', 'denyoom', 'module', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale',
  'skip_monitor', 'skip_slowlog', 'asking', 'fast', 'no_auth', 'no_mandatory_keys', 'no_async_loading', 'no_multi',
  'movablekeys', 'allow_busy',
];

/** The command categories in the order ACL CAT and COMMAND INFO list them (ACLCommandCategories). */
export const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
] as const;

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
  return ACL_CATEGORIES.filter((cat) => cats.has(cat)) as string[];
}

/** Key flags as a set in Redis's order, whatever order the row lists them in. */
const keyFlagSet = (flags: readonly KeyFlag[]) => set(KEY_FLAGS.filter((f) => flags.includes(f)).map(simple));

/** addReplyCommandKeySpecs(): notes, flags, begin_search and find_keys of each spec. */
function keySpecReply(spec: KeySpec): Reply {
  const { begin, find } = spec;
  const beginSpec =
    begin.type === 'index' ? [bulk('index'), int(begin.pos)]
    : begin.type === 'keyword' ? [bulk('keyword'), bulk(begin.keyword), bulk('startfrom'), int(begin.startfrom)]
    : [];
  const findSpec =
    find.type === 'range' ? [bulk('lastkey'), int(find.lastkey), bulk('keystep'), int(find.step), bulk('limit'), int(find.limit)]
    : find.type === 'keynum' ? [bulk('keynumidx'), int(find.keynumidx), bulk('firstkey'), int(find.firstkey), bulk('keystep'), int(find.step)]
    : [];
  return map([
    ...(spec.notes !== undefined ? [bulk('notes'), bulk(spec.notes)] : []),
    bulk('flags'), keyFlagSet(spec.flags),
    bulk('begin_search'), map([bulk('type'), bulk(begin.type), bulk('spec'), map(beginSpec)]),
    bulk('find_keys'), map([bulk('type'), bulk(find.type), bulk('spec'), map(findSpec)]),
  ]);
}

/** addReplyCommandInfo(): one command as COMMAND and COMMAND INFO describe it. */
function commandInfo(c: Command): Reply {
  const range = legacyRange(c);
  const flags = range.movable ? [...c.flags, 'movablekeys' as const] : c.flags;
  return array([
    bulk(c.fullname),
    int(c.arity),
    set(SHOWN_FLAGS.filter((f) => flags.includes(f)).map(simple)),
    int(range.first),
    int(range.last),
    int(range.step),
    set(aclCategories(c).map((cat) => simple(`@${cat}`))),
    set((c.tips ?? []).map((t) => bulk(t))),
    set(keySpecsOf(c).map(keySpecReply)),
    // no subcommands is an empty *set* (addReplyCommandSubCommands), which RESP3 tells apart from an array
    c.subs ? array([...c.subs.values()].map(commandInfo)) : set([]),
  ]);
}

/** addReplyCommandArgList(): name, type, key_spec_index, token, since, deprecated_since, flags, nested arguments. */
function argReply(arg: ArgSpec): Reply {
  const items: Reply[] = [bulk('name'), bulk(arg.name), bulk('type'), bulk(arg.type)];
  if (arg.keySpecIndex !== undefined) items.push(bulk('key_spec_index'), int(arg.keySpecIndex));
  if (arg.token !== undefined) items.push(bulk('token'), bulk(arg.token));
  if (arg.since !== undefined) items.push(bulk('since'), bulk(arg.since));
  if (arg.deprecatedSince !== undefined) items.push(bulk('deprecated_since'), bulk(arg.deprecatedSince));
  const flags = [arg.optional && 'optional', arg.multiple && 'multiple', arg.multipleToken && 'multiple_token'].filter((f) => f);
  if (flags.length) items.push(bulk('flags'), set(flags.map((f) => simple(f as string))));
  if (arg.type === 'oneof' || arg.type === 'block') items.push(bulk('arguments'), array((arg.arguments ?? []).map(argReply)));
  return map(items);
}

/** addReplyCommandDocs(): summary, since, group, complexity, doc flags, deprecation, history, arguments, subcommands. */
function commandDocs(c: Command): Reply {
  const items: Reply[] = [bulk('summary'), bulk(c.summary), bulk('since'), bulk(c.since), bulk('group'), bulk(c.group)];
  if (c.complexity) items.push(bulk('complexity'), bulk(c.complexity));
  if (c.docFlags?.length) items.push(bulk('doc_flags'), set(c.docFlags.map(simple)));
  if (c.deprecatedSince) items.push(bulk('deprecated_since'), bulk(c.deprecatedSince));
  if (c.replacedBy) items.push(bulk('replaced_by'), bulk(c.replacedBy));
  if (c.history?.length) items.push(bulk('history'), set(c.history.map(([v, change]) => array([bulk(v), bulk(change)]))));
  const args = (c.args ?? []).map((a) => a.spec);
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
  if (!hasKeys(c!)) fail('ERR The command has no key arguments');
  const { arity } = c!;
  if ((arity > 0 && arity !== cmdArgv.length) || cmdArgv.length < -arity) fail('ERR Invalid number of arguments specified for command');
  const keys = getKeysFromCommand(c!, cmdArgv);
  if (keys.length === 0) {
    if (c!.flags.includes('no_mandatory_keys')) return array([]);
    fail('ERR Invalid arguments specified for command');
  }
  return array(keys.map(({ pos, flags }) => (withFlags ? array([bulk(cmdArgv[pos]), keyFlagSet(flags)]) : bulk(cmdArgv[pos]))));
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
