/**
 * ACL commands (aclCommand in acl.c): SETUSER, GETUSER, DELUSER, USERS, LIST, WHOAMI, CAT, GENPASS, LOG, DRYRUN,
 * SAVE, LOAD, HELP. Users, rules and checks live in lib/server/acl.ts, the log in lib/server/acl-log.ts; AUTH and
 * HELLO are connection commands.
 */
import { fail } from '../protocol/errors';
import { array, bulk, double, int, map, NIL, OK, set, type Reply } from '../protocol/reply';
import {
  aclOf, categoryBit, commandDenial, commandsInCategory, describeCommandRules, GENPASS_MAX_BITS,
  hasSpaces, randomHexChars, type Selector,
} from '../server/acl';
import { cText, keyword, longArg, type ArgCursor } from './args';
import { ACL_CATEGORIES } from './command';
import { integer, oneof, str, tok } from './docs';
import { commandTable } from './index';
import { helpReply, subcommandSyntaxError } from './server';
import type { CommandContext, CommandSpec } from './types';

const f = (...flags: CommandSpec['flags']) => flags;
const ADMIN = f('admin', 'noscript', 'loading', 'stale', 'sentinel');
const INFO = f('noscript', 'loading', 'stale', 'sentinel');

export const aclCommands: readonly CommandSpec[] = [
  {
    name: 'ACL', arity: -2, flags: ['sentinel'], group: 'server', since: '6.0.0', summary: 'Subcommands that manage ACL users and their permissions.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'CAT', arity: -2, flags: INFO, group: 'server', since: '6.0.0', summary: 'The ACL categories, or the commands in one.', complexity: 'O(1) since the categories and commands are a fixed set.', run: aclCatCommand,
        args: [str('categoryname').opt] },
      { name: 'DELUSER', arity: -3, flags: ADMIN, group: 'server', since: '6.0.0', summary: 'Delete users, closing their connections.', complexity: 'O(1) amortized time considering the typical user.', run: aclDeluserCommand,
        args: [str('username').many] },
      { name: 'DRYRUN', arity: -4, flags: ADMIN, group: 'server', since: '7.0.0', summary: 'Whether a user may run a command line, without running it.', complexity: 'O(1).', run: aclDryrunCommand,
        args: [str('username'), str('command'), str('arg').opt.many] },
      { name: 'GENPASS', arity: -2, flags: INFO, group: 'server', since: '6.0.0', summary: 'A random password, 256 bits unless told otherwise.', complexity: 'O(1)', run: aclGenpassCommand,
        args: [integer('bits').opt] },
      { name: 'GETUSER', arity: 3, flags: ADMIN, group: 'server', since: '6.0.0', summary: "A user's flags, password hashes, permissions and selectors.", complexity: 'O(N). Where N is the number of password, command and pattern rules that the user has.', run: aclGetuserCommand,
        args: [str('username')],
        history: [
          ['6.2.0', 'Channel patterns.'],
          ['7.0.0', 'Selectors; key and channel patterns shown as rules rather than a list.'],
        ] },
      { name: 'HELP', arity: 2, flags: f('loading', 'stale', 'sentinel'), group: 'server', since: '6.0.0', summary: 'List the ACL subcommands.', complexity: 'O(1)', run: aclHelpCommand },
      { name: 'LIST', arity: 2, flags: ADMIN, group: 'server', since: '6.0.0', summary: 'Every user as an ACL file line.', complexity: 'O(N). Where N is the number of configured users.', run: aclListCommand },
      { name: 'LOAD', arity: 2, flags: ADMIN, group: 'server', since: '6.0.0', summary: 'Replace the users with those of the ACL file.', complexity: 'O(N). Where N is the number of configured users.', run: aclLoadCommand },
      { name: 'LOG', arity: -2, flags: ADMIN, group: 'server', since: '6.0.0', summary: 'The latest commands, keys, channels and logins ACLs refused.', complexity: 'O(N) with N being the number of entries shown.', run: aclLogCommand,
        args: [oneof('operation', integer('count'), tok('RESET')).opt] },
      { name: 'SAVE', arity: 2, flags: ADMIN, group: 'server', since: '6.0.0', summary: 'Write the users to the ACL file.', complexity: 'O(N). Where N is the number of configured users.', run: aclSaveCommand },
      { name: 'SETUSER', arity: -3, flags: ADMIN, group: 'server', since: '6.0.0', summary: 'Create a user or change its rules.', complexity: 'O(N). Where N is the number of rules provided.', run: aclSetuserCommand,
        args: [str('username'), str('rule').opt.many],
        history: [
          ['6.2.0', 'Channel patterns.'],
          ['7.0.0', 'Selectors, and read or write permissions on key patterns.'],
        ] },
      { name: 'USERS', arity: 2, flags: ADMIN, group: 'server', since: '6.0.0', summary: 'The names of every user.', complexity: 'O(N). Where N is the number of configured users.', run: aclUsersCommand },
      { name: 'WHOAMI', arity: 2, flags: INFO, group: 'server', since: '6.0.0', summary: 'The user this connection runs as.', complexity: 'O(1)', run: aclWhoamiCommand },
    ],
  },
];

// ACL SETUSER username [rule [rule ...]]
function aclSetuserCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const name = args.next();
  if (hasSpaces(name)) fail("ERR Usernames can't contain spaces or null characters");
  const err = aclOf(ctx.server).setUser(name, args.rest(), ctx.client);
  if (err !== null) fail(err);
  return OK;
}

/** A selector's commands, keys and channels, as GETUSER shows the root one and each of the others. */
const selectorFields = (s: Selector): Reply[] => [
  bulk('commands'), bulk(describeCommandRules(s)),
  bulk('keys'), bulk(s.keysText()),
  bulk('channels'), bulk(s.channelsText()),
];

// ACL GETUSER username
function aclGetuserCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const u = aclOf(ctx.server).users.get(args.next());
  if (!u) return NIL;
  const flags = [u.enabled ? 'on' : 'off'];
  if (u.nopass) flags.push('nopass');
  if (u.sanitize) flags.push(u.sanitize);
  return map([
    bulk('flags'), set(flags.map((fl) => bulk(fl))),
    bulk('passwords'), array(u.passwords.map((p) => bulk(p))),
    ...selectorFields(u.root),
    bulk('selectors'), array(u.selectors.slice(1).map((s) => map(selectorFields(s)))),
  ]);
}

// ACL DELUSER username [username ...]
function aclDeluserCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const result = aclOf(ctx.server).deleteUsers(args.rest(), ctx.client);
  return typeof result === 'string' ? fail(result) : int(result);
}

// ACL USERS
function aclUsersCommand(ctx: CommandContext): Reply {
  return array(aclOf(ctx.server).sortedUsers().map((u) => bulk(u.name)));
}

// ACL LIST
function aclListCommand(ctx: CommandContext): Reply {
  return array(aclOf(ctx.server).sortedUsers().map((u) => bulk(`user ${u.name} ${u.describe()}`)));
}

// ACL WHOAMI
function aclWhoamiCommand({ client }: CommandContext): Reply {
  return client.user ? bulk(client.user.name) : NIL;
}

const ERR_NO_ACL_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

// ACL LOAD
function aclLoadCommand(ctx: CommandContext): Reply {
  const acl = aclOf(ctx.server);
  if (!acl.hasAclFile) fail(ERR_NO_ACL_FILE);
  const errors = acl.loadFromFile(ctx.client);
  if (errors !== null) fail(`ERR ${errors}`);
  return OK;
}

// ACL SAVE
function aclSaveCommand(ctx: CommandContext): Reply {
  const acl = aclOf(ctx.server);
  if (!acl.hasAclFile) fail(ERR_NO_ACL_FILE);
  if (!acl.saveToFile()) fail('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
  return OK;
}

// ACL CAT [categoryname]
function aclCatCommand({ argv }: CommandContext): Reply {
  if (argv.length === 2) return array(ACL_CATEGORIES.map((c) => bulk(c)));
  if (argv.length !== 3) subcommandSyntaxError(argv);
  const bit = categoryBit(argv[2]);
  if (!bit) fail(`ERR Unknown category '${cText(argv[2]).slice(0, 128)}'`);
  return array(commandsInCategory(bit).map((c) => bulk(c.fullname)));
}

// ACL GENPASS [bits]
function aclGenpassCommand({ argv }: CommandContext): Reply {
  if (argv.length > 3) subcommandSyntaxError(argv);
  const bits = argv.length === 3 ? longArg(argv[2]) : 256;
  if (bits <= 0 || bits > GENPASS_MAX_BITS) {
    fail(`ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${GENPASS_MAX_BITS}`);
  }
  return bulk(randomHexChars(Math.floor((bits + 3) / 4)));
}

// ACL LOG [count | RESET]
function aclLogCommand(ctx: CommandContext): Reply {
  const { argv, server } = ctx;
  if (argv.length > 3) subcommandSyntaxError(argv);
  const log = aclOf(server).log;
  let count = 10;
  if (argv.length === 3) {
    if (keyword(argv[2]) === 'RESET') {
      log.reset();
      return OK;
    }
    count = Math.max(0, longArg(argv[2]));
  }
  const now = server.clock.now();
  return array(log.entries.slice(0, count).map((e) => map([
    bulk('count'), int(e.count),
    bulk('reason'), bulk(e.reason),
    bulk('context'), bulk(e.context),
    bulk('object'), bulk(e.object),
    bulk('username'), bulk(e.username),
    bulk('age-seconds'), double((now - e.ctime) / 1000),
    bulk('client-info'), bulk(e.clientInfo),
  ])));
}

// ACL DRYRUN username command [arg [arg ...]]
function aclDryrunCommand({ argv, server }: CommandContext): Reply {
  const user = aclOf(server).users.get(argv[2]) ?? fail(`ERR User '${cText(argv[2])}' not found`);
  const line = argv.slice(3);
  const cmd = commandTable.lookup(line) ?? fail(`ERR Command '${cText(argv[3])}' not found`);
  if (cmd.arity > 0 ? line.length !== cmd.arity : line.length < -cmd.arity) {
    fail(`ERR wrong number of arguments for '${cmd.fullname}' command`);
  }
  const denial = commandDenial(user, cmd, line);
  if (denial === null) return OK;
  if (denial.reason === 'command') return bulk(`This user has no permissions to run the '${cmd.fullname}' command`);
  return bulk(`This user has no permissions to access the '${cText(line[denial.pos])}' ${denial.reason}`);
}

// ACL HELP
function aclHelpCommand({ argv }: CommandContext): Reply {
  return helpReply(argv[0], [
    'CAT [<category>]',
    '    List all commands that belong to <category>, or all command categories',
    '    when no category is specified.',
    'DELUSER <username> [<username> ...]',
    '    Delete a list of users.',
    'DRYRUN <username> <command> [<arg> ...]',
    '    Returns whether the user can execute the given command without executing the command.',
    'GETUSER <username>',
    "    Get the user's details.",
    'GENPASS [<bits>]',
    '    Generate a secure 256-bit user password. The optional `bits` argument can',
    '    be used to specify a different size.',
    'LIST',
    '    Show users details in config file format.',
    'LOAD',
    '    Reload users from the ACL file.',
    'LOG [<count> | RESET]',
    '    Show the ACL log entries.',
    'SAVE',
    '    Save the current config to the ACL file.',
    'SETUSER <username> <attribute> [<attribute> ...]',
    '    Create or modify a user with the specified attributes.',
    'USERS',
    '    List all the registered usernames.',
    'WHOAMI',
    '    Return the current connection username.',
  ]);
}
