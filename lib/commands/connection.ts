/** Connection commands: PING, ECHO, QUIT, SELECT, HELLO, RESET, AUTH (mirrors server.c and networking.c). */
import { ERR_DB_INDEX, ERR_NOT_INTEGER, ERR_SYNTAX, errWrongArity, fail } from '../protocol/errors';
import { array, bulk, int, map, OK, PONG, simple, type Reply } from '../protocol/reply';
import { parseInteger, parseIntegerNumber } from '../store/numbers';
import type { Db } from '../store/keyspace';
import { REDIS_VERSION } from '../server/server';
import { cText, keyword, type ArgCursor } from './args';
import { aclOf } from '../server/acl';
import { isSubscribed } from '../server/pubsub';
import type { CommandContext, CommandSpec } from './types';
import { str, integer, block } from './docs';

export const connectionCommands: readonly CommandSpec[] = [
  { name: 'PING', arity: -1, flags: ['fast'], group: 'connection', since: '1.0.0', summary: 'Return PONG, or the given message.', complexity: 'O(1)', acl: ['@connection'], tips: ['request_policy:all_shards', 'response_policy:all_succeeded'], run: pingCommand,
    args: [str('message').opt] },
  { name: 'ECHO', arity: 2, flags: ['fast', 'stale', 'loading'], group: 'connection', since: '1.0.0', summary: 'Return the given string.', complexity: 'O(1)', acl: ['@connection'], run: echoCommand,
    args: [str('message')] },
  { name: 'QUIT', arity: -1, flags: ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'], group: 'connection', since: '1.0.0', summary: 'Close this connection.', complexity: 'O(1)', acl: ['@connection'], run: quitCommand },
  { name: 'SELECT', arity: 2, flags: ['loading', 'stale', 'fast'], group: 'connection', since: '1.0.0', summary: 'Change the selected database of this connection.', complexity: 'O(1)', acl: ['@connection'], run: selectCommand,
    args: [integer('index')] },
  { name: 'HELLO', arity: -1, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], group: 'connection', since: '6.0.0', summary: 'Handshake: pick the protocol version, authenticate and name the connection.', complexity: 'O(1)', acl: ['@connection'], run: helloCommand,
    args: [block('arguments', integer('protover'), block('username_password', str('username'), str('password')).token('AUTH').opt, str('clientname', 'SETNAME').opt).opt],
    history: [['6.2.0', "protover is optional; without arguments HELLO only reports the connection's state."]] },
  { name: 'RESET', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], group: 'connection', since: '6.2.0', summary: 'Reset the connection to its initial state.', complexity: 'O(1)', acl: ['@connection'], run: resetCommand },
  { name: 'AUTH', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], group: 'connection', since: '1.0.0', summary: 'Authenticate the connection.', complexity: 'O(N) where N is the number of passwords defined for the user', acl: ['@connection'], run: authCommand,
    args: [str('username').opt.since('6.0.0'), str('password')],
    history: [['6.0.0', 'A username may come before the password (ACL users).']] },
];

// PING [message]
function pingCommand({ client }: CommandContext, args: ArgCursor): Reply {
  if (args.remaining > 1) fail(errWrongArity('ping'));
  // In RESP2 subscribed mode PING answers the pubsub way: ["pong", message] (pingCommand in server.c).
  if (client.proto === 2 && isSubscribed(client)) return array([bulk('pong'), bulk(args.hasMore ? args.next() : '')]);
  return args.hasMore ? bulk(args.next()) : PONG;
}

// ECHO message
function echoCommand(_ctx: CommandContext, args: ArgCursor): Reply {
  return bulk(args.next());
}

// QUIT
function quitCommand({ client }: CommandContext): Reply {
  client.send({ type: 'client.close', reason: 'quit' });
  return OK;
}

/**
 * A database index argument (SELECT, MOVE, COPY … DB, SWAPDB): an int (getIntFromObjectOrReply), then a db that
 * exists (selectDb).
 */
export function dbArgument(ctx: CommandContext, text: string): Db {
  const v = parseInteger(text);
  if (v === null) fail(ERR_NOT_INTEGER);
  if (v! < -2147483648 || v! > 2147483647) fail('ERR value is out of range, value must between -2147483648 and 2147483647');
  const db = ctx.server.keyspace.dbs[Number(v)];
  if (v! < 0 || db === undefined) fail(ERR_DB_INDEX);
  return db;
}

// SELECT index
function selectCommand(ctx: CommandContext, args: ArgCursor): Reply {
  ctx.client.db = dbArgument(ctx, args.next());
  ctx.db = ctx.client.db;
  return OK;
}

/** The server description HELLO answers with (helloCommand in networking.c). */
function helloReply(ctx: CommandContext): Reply {
  const { client, server } = ctx;
  return map([
    bulk('server'), bulk('redis'),
    bulk('version'), bulk(REDIS_VERSION),
    bulk('proto'), int(client.proto),
    bulk('id'), int(client.id),
    bulk('mode'), bulk('standalone'),
    bulk('role'), bulk(server.role),
    bulk('modules'), array([]),
  ]);
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
function helloCommand(ctx: CommandContext, args: ArgCursor): Reply {
  let proto: 2 | 3 | undefined;
  if (args.hasMore) {
    const v = parseIntegerNumber(args.next());
    if (v === null) fail('ERR Protocol version is not an integer or out of range');
    if (v !== 2 && v !== 3) fail('NOPROTO unsupported protocol version');
    proto = v as 2 | 3;
  }
  // options take effect as they are read: AUTH may succeed before a later option is refused
  while (args.hasMore) {
    const typed = args.next();
    const opt = keyword(typed);
    if (opt === 'AUTH' && args.remaining >= 2) {
      if (!aclOf(ctx.server).authenticate(ctx.client, args.next(), args.next(), ctx)) fail(ERR_WRONGPASS);
    } else if (opt === 'SETNAME' && args.remaining >= 1) {
      setClientName(ctx, args.next());
    } else {
      fail(`ERR Syntax error in HELLO option '${cText(typed)}'`);
    }
  }
  if (!ctx.client.authenticated) fail('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
  if (proto) ctx.client.proto = proto;
  return helloReply(ctx);
}

/** CLIENT SETNAME's rule: no spaces or newlines (validateClientName in networking.c). */
export function setClientName(ctx: CommandContext, name: string): void {
  checkClientName(name);
  ctx.client.name = name;
}

function checkClientName(name: string): void {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) fail('ERR Client names cannot contain spaces, newlines or special characters.');
  }
}

// RESET
function resetCommand(ctx: CommandContext): Reply {
  const { client, server } = ctx;
  client.send({ type: 'command.reset' });
  client.resetTransaction();
  client.watched.clear();
  client.watchTouched = false;
  client.db = server.keyspace.dbs[0];
  client.proto = 2;
  client.name = '';
  client.replyMode = 'on';
  aclOf(server).setDefaultAuth(client);
  return simple('RESET');
}

const ERR_WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

// AUTH [username] password
function authCommand(ctx: CommandContext, args: ArgCursor): Reply {
  if (args.remaining > 2) fail(ERR_SYNTAX);
  const acl = aclOf(ctx.server);
  let username = 'default';
  if (args.remaining === 1) {
    // the old one-argument form makes sense only when the default user has a password
    if (acl.defaultUser.nopass) {
      fail('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    }
  } else {
    username = args.next();
  }
  if (!acl.authenticate(ctx.client, username, args.next(), ctx)) fail(ERR_WRONGPASS);
  return OK;
}
