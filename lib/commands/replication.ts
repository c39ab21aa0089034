/** Replication commands: REPLCONF, PSYNC, SYNC, WAIT, REPLICAOF / SLAVEOF, ROLE (replication.c). */
import { ERR_NOT_INTEGER, ERR_NOT_POSITIVE, ERR_SYNTAX, ERR_TIMEOUT_NEGATIVE, ERR_TIMEOUT_NOT_INTEGER, fail } from '../protocol/errors';
import { array, bulk, int, OK, simple, type Reply } from '../protocol/reply';
import { parseIntegerNumber } from '../store/numbers';
import { BLOCKED, NO_REPLY, type CommandContext, type CommandSpec, type Deferred } from './types';
import { longArg, type ArgCursor } from './args';
import { str, integer, tok, oneof, block } from './docs';

export const replicationCommands: readonly CommandSpec[] = [
  { name: 'REPLCONF', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'allow_busy'], group: 'server', since: '3.0.0', summary: 'Replication handshake and acknowledgements (used by replicas).', complexity: 'O(1)', run: replconfCommand,
    docFlags: ['syscmd'] },
  { name: 'PSYNC', arity: -3, flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'], group: 'server', since: '2.8.0', summary: 'Start or continue replication from this server (used by replicas).', run: syncCommand,
    args: [str('replicationid'), integer('offset')] },
  { name: 'SYNC', arity: 1, flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'], group: 'server', since: '1.0.0', summary: 'Full replication from this server (legacy form of PSYNC).', run: syncCommand },
  { name: 'WAIT', arity: 3, flags: ['noscript'], group: 'generic', since: '3.0.0', summary: 'Wait until the writes of this connection reached a number of replicas.', complexity: 'O(1)', acl: ['@connection'], tips: ['request_policy:all_shards', 'response_policy:agg_min'], run: waitCommand,
    args: [integer('numreplicas'), integer('timeout')] },
  { name: 'REPLICAOF', arity: 3, flags: ['admin', 'noscript', 'stale', 'no_async_loading'], group: 'server', since: '5.0.0', summary: 'Make this server a replica of another, or a master again (NO ONE).', complexity: 'O(1)', run: replicaofCommand,
    args: [oneof('args', block('host-port', str('host'), integer('port')), block('no-one', tok('NO'), tok('ONE')))] },
  { name: 'SLAVEOF', arity: 3, flags: ['admin', 'noscript', 'stale', 'no_async_loading'], group: 'server', since: '1.0.0', summary: 'Deprecated alias of REPLICAOF.', complexity: 'O(1)', run: replicaofCommand,
    args: [oneof('args', block('host-port', str('host'), integer('port')), block('no-one', tok('NO'), tok('ONE')))],
    docFlags: ['deprecated'], deprecatedSince: '5.0.0', replacedBy: '`REPLICAOF`' },
  { name: 'ROLE', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast'], group: 'server', since: '2.8.12', summary: 'The replication role of this server.', complexity: 'O(1)', acl: ['@admin', '@dangerous'], run: roleCommand },
];

// REPLCONF [listening-port port | ip-address ip | capa name | ack offset | getack * | rdb-only 0|1 ...]
function replconfCommand({ client, server }: CommandContext, args: ArgCursor): Reply | Deferred {
  if (args.remaining % 2 !== 0) fail(ERR_SYNTAX);
  while (args.hasMore) {
    const option = args.next().toLowerCase();
    const value = args.next();
    switch (option) {
      case 'listening-port':
        client.replconf.listeningPort = longArg(value);
        break;
      case 'ip-address':
        if (value.length >= 46) fail(`ERR REPLCONF ip-address provided by replica instance is too long: ${value.length} bytes`);
        client.replconf.ipAddress = value;
        break;
      case 'capa':
        if (value.toLowerCase() === 'eof') client.replconf.capaEof = true;
        else if (value.toLowerCase() === 'psync2') client.replconf.capaPsync2 = true;
        break; // unknown capabilities are ignored
      case 'ack': {
        // From a replica only, and never answered.
        const offset = parseIntegerNumber(value);
        if (client.replica && offset !== null) server.replication.ack(client, offset);
        return NO_REPLY;
      }
      case 'getack':
        return NO_REPLY; // a master asks its replicas; ours is answered on the replica side of the link
      case 'rdb-only': {
        const v = longArg(value);
        if (v !== 0 && v !== 1) fail(ERR_NOT_POSITIVE);
        break;
      }
      case 'rdb-filter-only':
        break;
      default:
        fail(`ERR Unrecognized REPLCONF option: ${option}`);
    }
  }
  return OK;
}

// PSYNC replicationid offset / SYNC
function syncCommand(ctx: CommandContext): Reply | Deferred {
  const { client, server, argv } = ctx;
  if (client.replica) return NO_REPLY; // already a replica: ignore, as Redis does
  if (server.replicaRole && !server.replicaRole.linkUp) fail("NOMASTERLINK Can't SYNC while not connected with my master");
  if (argv[0].toLowerCase() === 'psync' && parseIntegerNumber(argv[2]) === null) fail(ERR_NOT_INTEGER);
  const reply = server.replication.psync(client, argv);
  return reply ?? NO_REPLY;
}

// WAIT numreplicas timeout
function waitCommand({ client, server }: CommandContext, args: ArgCursor): Reply | Deferred {
  if (server.replicaRole) {
    fail('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
  }
  const numReplicas = args.nextInt();
  const timeout = parseIntegerNumber(args.next());
  if (timeout === null) fail(ERR_TIMEOUT_NOT_INTEGER);
  if (timeout! < 0) fail(ERR_TIMEOUT_NEGATIVE);
  const reply = server.replication.wait(client, numReplicas, timeout!, client.mode === 'multi');
  return reply ?? BLOCKED;
}

// REPLICAOF host port | REPLICAOF NO ONE
function replicaofCommand({ client, server }: CommandContext, args: ArgCursor): Reply {
  const host = args.next(), portText = args.next();
  if (host.toLowerCase() === 'no' && portText.toLowerCase() === 'one') {
    if (server.replicaRole) {
      server.promoteToMaster();
      server.log.notice(`MASTER MODE enabled (user request from 'id=${client.id} addr=${client.addr}')`);
    }
    return OK;
  }
  if (client.replica) fail('ERR Command is not valid when client is a replica.');
  const port = parseIntegerNumber(portText);
  if (port === null || port < 0 || port > 65535) fail('ERR Invalid master port');
  const current = server.replicaRole?.master;
  if (current && current.host.toLowerCase() === host.toLowerCase() && current.port === port) {
    server.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    return simple('OK Already connected to specified master');
  }
  server.becomeReplicaOf(host, port!);
  server.log.notice(`REPLICAOF ${host}:${port} enabled (user request from 'id=${client.id} addr=${client.addr}')`);
  return OK;
}

// ROLE
function roleCommand({ server }: CommandContext): Reply {
  const role = server.replicaRole;
  if (!role) {
    const repl = server.replication;
    return array([
      bulk('master'),
      int(repl.offset),
      array(repl.onlinePeers().map((p) => array([bulk(p.ip), bulk(String(p.port)), bulk(String(p.ackOffset))]))),
    ]);
  }
  return array([bulk('slave'), bulk(role.master.host), int(role.master.port), bulk(role.state), int(role.linkUp ? role.offset : -1)]);
}
