/**
 * CLIENT subcommands (clientCommand in networking.c): ID, SETNAME, GETNAME, LIST, INFO, KILL, REPLY, NO-EVICT,
 * UNBLOCK, PAUSE, UNPAUSE, TRACKING, CACHING, GETREDIR, TRACKINGINFO, HELP. The tracking state itself (what is
 * cached where, the invalidations) is lib/server/tracking.ts's.
 */
import { ERR_NOT_INTEGER, ERR_SYNTAX, ERR_TIMEOUT_NEGATIVE, ERR_TIMEOUT_NOT_INTEGER, ERR_UNBLOCKED, fail } from '../protocol/errors';
import { array, bulk, error, int, map, NIL, OK, ONE, sequence, set, verbatim, ZERO, type Reply } from '../protocol/reply';
import { parseInteger } from '../store/numbers';
import { unblockClientOnKeys } from '../server/blocking';
import { clientTracking, disableTracking, enableTracking, trackingRedirect, type TrackingOptions } from '../server/tracking';
import type { Client } from '../server/client';
import { clientInfoLine, clientType, noEvictClients, type Running } from '../server/client-info';
import { setClientName } from './connection';
import { helpReply, subcommandSyntaxError } from './server';
import { cText, keyword, type ArgCursor } from './args';
import { aclOf, type User } from '../server/acl';
import { str, integer, tok, oneof, block } from './docs';
import type { CommandContext, CommandSpec } from './types';

const CONN = ['@connection'] as const;
const f = (...flags: CommandSpec['flags']) => flags;

export const clientCommands: readonly CommandSpec[] = [
  {
    name: 'CLIENT', arity: -2, flags: [], group: 'connection', since: '2.4.0', summary: 'Subcommands that inspect and steer client connections.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'ID', arity: 2, flags: f('noscript', 'loading', 'stale'), group: 'connection', since: '5.0.0', summary: 'The id of this connection.', complexity: 'O(1)', acl: CONN, run: ({ client }) => int(client.id) },
      { name: 'SETNAME', arity: 3, flags: f('noscript', 'loading', 'stale'), group: 'connection', since: '2.6.9', summary: 'Name this connection.', complexity: 'O(1)', acl: CONN, run: clientSetnameCommand,
        args: [str('connection-name')] },
      { name: 'GETNAME', arity: 2, flags: f('noscript', 'loading', 'stale'), group: 'connection', since: '2.6.9', summary: 'The name of this connection.', complexity: 'O(1)', acl: CONN, run: ({ client }) => (client.name ? bulk(client.name) : NIL) },
      { name: 'LIST', arity: -2, flags: f('admin', 'noscript', 'loading', 'stale'), group: 'connection', since: '2.4.0', summary: 'Describe every client connection, one line each.', complexity: 'O(N) where N is the number of client connections', acl: CONN, tips: ['nondeterministic_output'], run: clientListCommand,
        args: [oneof('normal_master_replica_pubsub', tok('NORMAL', 'normal'), tok('MASTER', 'master'), tok('REPLICA', 'replica'), tok('PUBSUB', 'pubsub')).token('TYPE').opt.since('5.0.0'),
          block('id', integer('client-id').many).token('ID').opt.since('6.2.0')],
        history: [
          ['2.8.12', 'Lines carry the client id.'],
          ['5.0.0', 'TYPE filters by kind of client.'],
          ['6.0.0', 'Lines carry the ACL user.'],
          ['6.2.0', 'Lines carry argv-mem, tot-mem, laddr and redir; ID filters by id.'],
          ['7.0.0', 'Lines carry resp, multi-mem, rbs and rbp.'],
          ['7.0.3', 'Lines carry ssub.'],
        ] },
      { name: 'INFO', arity: 2, flags: f('noscript', 'loading', 'stale'), group: 'connection', since: '6.2.0', summary: 'Describe this connection, as one CLIENT LIST line.', complexity: 'O(1)', acl: CONN, tips: ['nondeterministic_output'], run: clientInfoCommand },
      { name: 'KILL', arity: -3, flags: f('admin', 'noscript', 'loading', 'stale'), group: 'connection', since: '2.4.0', summary: 'Close client connections chosen by address or by filters.', complexity: 'O(N) where N is the number of client connections', acl: CONN, run: clientKillCommand,
        args: [oneof('filter',
            str('ip:port').deprecatedSince('2.8.12'),
            oneof('new-format',
              integer('client-id', 'ID').opt.since('2.8.12'),
              oneof('normal_master_slave_pubsub',
                tok('NORMAL', 'normal'), tok('MASTER', 'master').since('3.2.0'), tok('SLAVE', 'slave'), tok('REPLICA', 'replica').since('5.0.0'), tok('PUBSUB', 'pubsub')
              ).token('TYPE').opt.since('2.8.12'),
              str('username', 'USER').opt, str('ip:port', 'ADDR').opt, str('ip:port', 'LADDR').opt.since('6.2.0'), str('yes/no', 'SKIPME').opt
            ).many
          )],
        history: [
          ['2.8.12', 'Filters given as option/value pairs.'],
          ['2.8.12', 'ID filter.'],
          ['3.2.0', 'TYPE accepts master.'],
          ['5.0.0', 'TYPE replica, with slave kept as its old name.'],
          ['6.2.0', 'LADDR filter.'],
        ] },
      { name: 'REPLY', arity: 3, flags: f('noscript', 'loading', 'stale'), group: 'connection', since: '3.2.0', summary: 'Turn the replies to this connection on or off, or skip the next one.', complexity: 'O(1)', acl: CONN, run: clientReplyCommand,
        args: [oneof('on_off_skip', tok('ON'), tok('OFF'), tok('SKIP'))] },
      { name: 'NO-EVICT', arity: 3, flags: f('admin', 'noscript', 'loading', 'stale'), group: 'connection', since: '7.0.0', summary: 'Exempt this connection from client eviction, or not.', complexity: 'O(1)', acl: CONN, run: clientNoEvictCommand,
        args: [oneof('enabled', tok('ON'), tok('OFF'))] },
      { name: 'UNBLOCK', arity: -3, flags: f('admin', 'noscript', 'loading', 'stale'), group: 'connection', since: '5.0.0', summary: 'Wake a client blocked in a blocking command.', complexity: 'O(log N) where N is the number of client connections', acl: CONN, run: clientUnblockCommand,
        args: [integer('client-id'), oneof('timeout_error', tok('TIMEOUT'), tok('ERROR')).opt] },
      { name: 'PAUSE', arity: -3, flags: f('admin', 'noscript', 'loading', 'stale', 'sentinel'), group: 'connection', since: '2.9.50', summary: 'Hold the commands of every client (or only those that may write) for a number of milliseconds.', complexity: 'O(1)', acl: CONN, run: clientPauseCommand,
        history: [['6.2.0', 'The WRITE and ALL modes.']],
        args: [integer('timeout'), oneof('mode', tok('WRITE'), tok('ALL')).opt.since('6.2.0')] },
      { name: 'UNPAUSE', arity: 2, flags: f('admin', 'noscript', 'loading', 'stale', 'sentinel'), group: 'connection', since: '6.2.0', summary: 'End a CLIENT PAUSE now: held commands run.', complexity: 'O(N) Where N is the number of paused clients', acl: CONN, run: clientUnpauseCommand },
      { name: 'TRACKING', arity: -3, flags: f('noscript', 'loading', 'stale'), group: 'connection', since: '6.0.0', summary: 'Turn client-side caching support (key tracking and invalidation messages) on or off.', complexity: 'O(1). Some options may introduce additional complexity.', acl: CONN, run: clientTrackingCommand,
        args: [oneof('status', tok('ON'), tok('OFF')), integer('client-id', 'REDIRECT').opt, str('prefix', 'PREFIX').opt.manyTokens,
          tok('BCAST').opt, tok('OPTIN').opt, tok('OPTOUT').opt, tok('NOLOOP').opt] },
      { name: 'CACHING', arity: 3, flags: f('noscript', 'loading', 'stale'), group: 'connection', since: '6.0.0', summary: 'Say whether the keys of the next command are to be tracked (OPTIN / OPTOUT tracking).', complexity: 'O(1)', acl: CONN, run: clientCachingCommand,
        args: [oneof('mode', tok('YES'), tok('NO'))] },
      { name: 'GETREDIR', arity: 2, flags: f('noscript', 'loading', 'stale'), group: 'connection', since: '6.0.0', summary: "The client that receives this connection's tracking invalidations, if any.", complexity: 'O(1)', acl: CONN, run: ({ client }) => int(trackingRedirect(client)) },
      { name: 'TRACKINGINFO', arity: 2, flags: f('noscript', 'loading', 'stale'), group: 'connection', since: '6.2.0', summary: 'The client-side caching (tracking) state of this connection.', complexity: 'O(1)', acl: CONN, run: clientTrackinginfoCommand },
      { name: 'HELP', arity: 2, flags: f('loading', 'stale'), group: 'connection', since: '5.0.0', summary: 'List the CLIENT subcommands.', complexity: 'O(1)', acl: CONN, run: clientHelpCommand },
    ],
  },
];

/** The command running now, so the asking client's own line shows it with its query buffer and arguments. */
const running = (ctx: CommandContext): Running => ({ client: ctx.client, argv: ctx.argv, fullname: ctx.command.fullname });

// CLIENT SETNAME connection-name
function clientSetnameCommand(ctx: CommandContext, args: ArgCursor): Reply {
  setClientName(ctx, args.next());
  return OK;
}

/** getClientTypeByName(): normal, slave/replica, pubsub, master; null for anything else. */
function typeByName(name: string): ReturnType<typeof clientType> | null {
  const n = name.toLowerCase();
  if (n === 'normal' || n === 'pubsub' || n === 'master' || n === 'slave') return n;
  if (n === 'replica') return 'slave';
  return null;
}

// CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]
function clientListCommand(ctx: CommandContext): Reply {
  const { argv, server } = ctx;
  let clients: Client[];
  if (argv.length === 4 && argv[2].toLowerCase() === 'type') {
    const type = typeByName(argv[3]);
    if (type === null) fail(`ERR Unknown client type '${argv[3]}'`);
    clients = [...server.clients.values()].filter((c) => clientType(c) === type);
  } else if (argv.length > 3 && argv[2].toLowerCase() === 'id') {
    clients = [];
    for (const text of argv.slice(3)) {
      const id = parseInteger(text);
      if (id === null) fail('ERR Invalid client ID');
      const c = server.clients.get(Number(id));
      if (c) clients.push(c);
    }
  } else if (argv.length !== 2) {
    fail(ERR_SYNTAX);
  } else {
    clients = [...server.clients.values()];
  }
  const r = running(ctx);
  return verbatim(clients!.map((c) => clientInfoLine(server, c, r) + '\n').join(''));
}

// CLIENT INFO
function clientInfoCommand(ctx: CommandContext): Reply {
  return verbatim(clientInfoLine(ctx.server, ctx.client, running(ctx)) + '\n');
}

// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no]
function clientKillCommand(ctx: CommandContext): Reply {
  const { argv, server, client: me } = ctx;
  let addr: string | null = null, laddr: string | null = null, type: ReturnType<typeof clientType> | null = null;
  let id = 0, skipme = true;
  let user: User | null = null;
  if (argv.length === 3) {
    addr = argv[2];
    skipme = false; // the old form may kill the caller itself
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = argv[i].toLowerCase();
      if (i + 1 >= argv.length) fail(ERR_SYNTAX);
      const value = argv[i + 1];
      if (opt === 'id') {
        const v = parseInteger(value);
        if (v === null || v < 1) fail('ERR client-id should be greater than 0');
        id = Number(v);
      } else if (opt === 'type') {
        type = typeByName(value);
        if (type === null) fail(`ERR Unknown client type '${value}'`);
      } else if (opt === 'addr') {
        addr = value;
      } else if (opt === 'laddr') {
        laddr = value;
      } else if (opt === 'user') {
        user = aclOf(server).users.get(value) ?? fail(`ERR No such user '${cText(value)}'`);
      } else if (opt === 'skipme') {
        const yn = value.toLowerCase();
        if (yn !== 'yes' && yn !== 'no') fail(ERR_SYNTAX);
        skipme = yn === 'yes';
      } else {
        fail(ERR_SYNTAX);
      }
    }
  }
  let killed = 0, killMe = false;
  for (const c of [...server.clients.values()]) {
    if (addr !== null && c.addr !== addr) continue;
    if (laddr !== null && c.laddr !== laddr) continue;
    if (type !== null && clientType(c) !== type) continue;
    if (id !== 0 && c.id !== id) continue;
    if (user !== null && c.user !== user) continue;
    if (c === me && skipme) continue;
    if (c === me) {
      killMe = true; // after this reply is written (CLIENT_CLOSE_AFTER_REPLY)
    } else {
      server.closeClient(c, 'killed');
      c.socket.destroy();
    }
    killed++;
  }
  if (killMe) server.closeClient(me, 'killed');
  if (argv.length === 3) {
    if (killed === 0) fail('ERR No such client');
    return OK;
  }
  return int(killed);
}

// CLIENT REPLY ON|OFF|SKIP
function clientReplyCommand({ client }: CommandContext, args: ArgCursor): Reply {
  const mode = args.nextUpper();
  if (mode === 'ON') client.replyMode = 'on';
  else if (mode === 'OFF') client.replyMode = 'off';
  // SKIP covers the command after this one; under OFF nothing changes
  else if (mode === 'SKIP') client.replyMode = client.replyMode === 'off' ? 'off' : 'skip-next';
  else fail(ERR_SYNTAX);
  return OK; // dropped by the connection unless the mode is ON
}

// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
function clientUnblockCommand({ server, argv }: CommandContext): Reply {
  if (argv.length > 4) subcommandSyntaxError(argv);
  let how: 'timeout' | 'error' = 'timeout';
  if (argv.length === 4) {
    const reason = argv[3].toLowerCase();
    if (reason === 'error') how = 'error';
    else if (reason !== 'timeout') fail('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const id = parseInteger(argv[2]);
  if (id === null) fail(ERR_NOT_INTEGER);
  const target = server.clients.get(Number(id));
  if (!target || target.mode !== 'blocked') return ZERO;
  // a blocking pop answers as its timeout would (or with the UNBLOCKED error)
  if (unblockClientOnKeys(server, target, how)) return ONE;
  if (target.lastCommand === 'wait') {
    // WAIT's timeout answer is the number of replicas that acknowledged so far
    server.replication.forgetWaiter(target);
    server.unblock(target, how === 'error' ? error(ERR_UNBLOCKED) : int(server.replication.countAcks(target.woff)));
    return ONE;
  }
  return ZERO;
}

// CLIENT PAUSE timeout [WRITE|ALL]
function clientPauseCommand({ server, argv }: CommandContext): Reply {
  if (argv.length > 4) subcommandSyntaxError(argv);
  let mode: 'write' | 'all' = 'all';
  if (argv.length === 4) {
    const m = argv[3].toLowerCase();
    if (m === 'write') mode = 'write';
    else if (m !== 'all') fail('ERR CLIENT PAUSE mode must be WRITE or ALL');
  }
  // getTimeoutFromObjectOrReply in milliseconds: an integer, not negative; 0 ends at once
  const ms = parseInteger(argv[2]);
  if (ms === null) fail(ERR_TIMEOUT_NOT_INTEGER);
  if (Number(ms) < 0) fail(ERR_TIMEOUT_NEGATIVE);
  server.pause.pause(mode, Number(ms) > 0 ? server.clock.now() + Number(ms) : 0);
  return OK;
}

// CLIENT UNPAUSE
function clientUnpauseCommand({ server }: CommandContext): Reply {
  server.pause.unpause();
  return OK;
}

// CLIENT NO-EVICT ON|OFF
function clientNoEvictCommand({ client }: CommandContext, args: ArgCursor): Reply {
  const mode = args.nextUpper();
  if (mode === 'ON') noEvictClients.add(client);
  else if (mode === 'OFF') noEvictClients.delete(client);
  else fail(ERR_SYNTAX);
  return OK;
}

// CLIENT TRACKING ON|OFF [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
function clientTrackingCommand(ctx: CommandContext): Reply {
  const { argv, server, client } = ctx;
  let redirect = 0;
  const options: TrackingOptions = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  // every option is read (and checked) before ON or OFF is looked at
  for (let j = 3; j < argv.length; j++) {
    const opt = keyword(argv[j]);
    const more = j < argv.length - 1;
    if (opt === 'REDIRECT' && more) {
      if (redirect !== 0) fail('ERR A client can only redirect to a single other client');
      const id = parseInteger(argv[++j]);
      if (id === null) fail(ERR_NOT_INTEGER);
      // the client must exist now; that it may go away later is what the broken-redirect state is for
      if (!server.clients.has(Number(id))) fail('ERR The client ID you want redirect to does not exist');
      redirect = Number(id);
    } else if (opt === 'BCAST') {
      options.bcast = true;
    } else if (opt === 'OPTIN') {
      options.optin = true;
    } else if (opt === 'OPTOUT') {
      options.optout = true;
    } else if (opt === 'NOLOOP') {
      options.noloop = true;
    } else if (opt === 'PREFIX' && more) {
      prefixes.push(argv[++j]);
    } else {
      fail(ERR_SYNTAX);
    }
  }
  const onOff = keyword(argv[2]);
  if (onOff === 'OFF') {
    disableTracking(server, client);
    return OK;
  }
  if (onOff !== 'ON') fail(ERR_SYNTAX);
  const st = clientTracking(client);
  const on = st?.on === true;
  if (!options.bcast && prefixes.length) fail('ERR PREFIX option requires BCAST mode to be enabled');
  if (on && st!.bcast !== options.bcast) {
    fail("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
  }
  if (options.bcast && (options.optin || options.optout)) fail('ERR OPTIN and OPTOUT are not compatible with BCAST');
  if (options.optin && options.optout) fail("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if ((options.optin && on && st!.optout) || (options.optout && on && st!.optin)) {
    fail("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
  }
  const overlap = options.bcast ? prefixOverlap(st?.prefixes ?? null, prefixes) : null;
  if (overlap?.refused) fail(overlap.text);
  enableTracking(server, client, redirect, options, prefixes);
  if (overlap === null) return OK;
  // checkPrefixCollisionsOrReply() answers an overlap among the new prefixes found past the first one, then tells
  // its caller all is well: Redis 7.0 registers every prefix and sends the error and then +OK
  server.stats.countError(overlap.text);
  ctx.command.stats.failed++;
  return sequence([error(overlap.text), OK]);
}

/**
 * checkPrefixCollisionsOrReply(): two prefixes of one client overlap when one starts the other (a key would be
 * announced twice). An overlap with a prefix the client has, or of the first new prefix with a later one, refuses
 * the command; one found further on does not (see above).
 */
function prefixOverlap(existing: ReadonlySet<string> | null, prefixes: readonly string[]): { text: string; refused: boolean } | null {
  const overlaps = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
  const sorted = existing ? [...existing].sort(byteOrder) : [];
  const tail = 'Prefixes for a single client must not overlap.';
  for (let i = 0; i < prefixes.length; i++) {
    const clash = sorted.find((p) => overlaps(p, prefixes[i]));
    if (clash !== undefined) {
      return { text: `ERR Prefix '${cText(prefixes[i])}' overlaps with an existing prefix '${cText(clash)}'. ${tail}`, refused: true };
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (!overlaps(prefixes[i], prefixes[j])) continue;
      return { text: `ERR Prefix '${cText(prefixes[i])}' overlaps with another provided prefix '${cText(prefixes[j])}'. ${tail}`, refused: i === 0 };
    }
  }
  return null;
}

/** Prefixes as Redis's radix tree lists them: bytewise. */
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// CLIENT CACHING YES|NO
function clientCachingCommand({ client, argv }: CommandContext): Reply {
  const st = clientTracking(client);
  if (!st?.on) fail('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  const mode = keyword(argv[2]);
  if (mode === 'YES') {
    if (!st!.optin) fail('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (mode === 'NO') {
    if (!st!.optout) fail('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else {
    fail(ERR_SYNTAX);
  }
  st!.caching = true;
  return OK;
}

// CLIENT TRACKINGINFO
function clientTrackinginfoCommand({ client }: CommandContext): Reply {
  const st = clientTracking(client);
  const flags = [st?.on ? 'on' : 'off'];
  if (st?.on) {
    if (st.bcast) flags.push('bcast');
    if (st.optin) flags.push('optin', ...(st.caching ? ['caching-yes'] : []));
    if (st.optout) flags.push('optout', ...(st.caching ? ['caching-no'] : []));
    if (st.noloop) flags.push('noloop');
    if (st.brokenRedirect) flags.push('broken_redirect');
  }
  const prefixes = st?.prefixes ? [...st.prefixes].sort(byteOrder) : [];
  return map([
    bulk('flags'), set(flags.map((f) => bulk(f))),
    bulk('redirect'), int(trackingRedirect(client)),
    bulk('prefixes'), array(prefixes.map((p) => bulk(p))),
  ]);
}

// CLIENT HELP
function clientHelpCommand({ argv }: CommandContext): Reply {
  return helpReply(argv[0], [
    'CACHING (YES|NO)',
    '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
    'GETREDIR',
    '    Return the client ID we are redirecting to when tracking is enabled.',
    'GETNAME',
    '    Return the name of the current connection.',
    'ID',
    '    Return the ID of the current connection.',
    'INFO',
    '    Return information about the current client connection.',
    'KILL <ip:port>',
    '    Kill connection made from <ip:port>.',
    'KILL <option> <value> [<option> <value> [...]]',
    '    Kill connections. Options are:',
    '    * ADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made from the specified address',
    '    * LADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made to specified local address',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Kill connections by type.',
    '    * USER <username>',
    '      Kill connections authenticated by <username>.',
    '    * SKIPME (YES|NO)',
    '      Skip killing current connection (default: yes).',
    'LIST [options ...]',
    '    Return information about client connections. Options:',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Return clients of specified type.',
    'UNPAUSE',
    '    Stop the current client pause, resuming traffic.',
    'PAUSE <timeout> [WRITE|ALL]',
    '    Suspend all, or just write, clients for <timeout> milliseconds.',
    'REPLY (ON|OFF|SKIP)',
    '    Control the replies sent to the current connection.',
    'SETNAME <name>',
    '    Assign the name <name> to the current connection.',
    'UNBLOCK <clientid> [TIMEOUT|ERROR]',
    '    Unblock the specified blocked client.',
    'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
    '         [OPTIN] [OPTOUT] [NOLOOP]',
    '    Control server assisted client side caching.',
    'TRACKINGINFO',
    '    Report tracking status for the current connection.',
    'NO-EVICT (ON|OFF)',
    '    Protect current client connection from eviction.',
  ]);
}
