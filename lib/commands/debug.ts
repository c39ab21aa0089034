/**
 * DEBUG (debug.c): the subcommands Redis's own tests and operators use to look inside the server. Refused unless
 * enable-debug-command allows it, as Redis 7 does.
 */
import { fail } from '../protocol/errors';
import { array, bulk, double, int, map, NIL, OK, push, raw, sequence, set, simple, verbatim, type Reply } from '../protocol/reply';
import { DEFAULT_PACKED_THRESHOLD, encodeObject, quicklistStats } from '../rdb/write';
import { parseMemory } from '../server/config-values';
import type { List } from '../store/list';
import { objectOptions } from './dump';
import { encodingOf, refcountOf } from './generic';
import { aclOf } from '../server/acl';
import { datasetDigest, digestHex, valueDigest } from '../server/digest';
import { atoi, longArg, type ArgCursor } from './args';
import { helpReply, protectedActionAllowed, strerror, subcommandSyntaxError } from './server';
import type { CommandContext, CommandSpec } from './types';

export const debugCommands: readonly CommandSpec[] = [
  { name: 'DEBUG', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale', 'protected'], group: 'server', since: '1.0.0', summary: 'Subcommands for debugging the server.', complexity: 'Depends on subcommand.', run: debugCommand,
    docFlags: ['syscmd'] },
];

// DEBUG subcommand [argument ...]
function debugCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const { server, client, argv } = ctx;
  if (!protectedActionAllowed(server, 'enable-debug-command', client)) {
    fail('ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.');
  }
  const sub = args.next().toLowerCase();
  if (sub === 'help' && argv.length === 2) {
    return helpReply(argv[0], [
      'CHANGE-REPL-ID',
      '    Change the replication IDs of the instance.',
      '    Dangerous: should be used only for testing the replication subsystem.',
      'CONFIG-REWRITE-FORCE-ALL',
      '    Like CONFIG REWRITE but writes all configuration options, including keywords not',
      '    listed in original configuration file or default values.',
      'DIGEST',
      '    Output a hex signature representing the current DB content.',
      'DIGEST-VALUE <key> [<key> ...]',
      '    Output a hex signature of the values of all the specified keys.',
      'LOG <message>',
      '    Write <message> to the server log.',
      'LOADAOF',
      '    Flush the AOF buffers on disk and reload the AOF in memory.',
      'OBJECT <key>',
      '    Show low level info about `key` and associated value.',
      'POPULATE <count> [<prefix>] [<size>]',
      '    Create <count> string keys named key:<num>. If <prefix> is specified then',
      '    it is used instead of the \'key\' prefix. These are not propagated to',
      '    replicas. Cluster slots are not respected so keys not belonging to the',
      '    current node can be created in cluster mode.',
      'PROTOCOL <type>',
      '    Reply with a test value of the specified type. <type> can be: string,',
      '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
      '    true, false.',
      'RELOAD [option ...]',
      '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
      '    * MERGE: conflicting keys will be loaded from RDB.',
      '    * NOFLUSH: the existing database will not be removed before load, but',
      '      conflicting keys will generate an exception and kill the server.',
      '    * NOSAVE: the database will be loaded from an existing RDB file.',
      '    Examples:',
      '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
      '      the database.',
      '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
      '      existing RDB file.',
      '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
      '      file to the database.',
      'SET-ACTIVE-EXPIRE <0|1>',
      '    Setting it to 0 disables expiring keys in background when they are not',
      '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
      '    default.',
      'QUICKLIST-PACKED-THRESHOLD <size>',
      '    Sets the threshold for elements to be inserted as plain vs packed nodes',
      '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
      'SLEEP <seconds>',
      '    Stop the server for <seconds>. Decimals allowed.',
    ]);
  }
  if (sub === 'sleep' && argv.length === 3) {
    // strtod(): the leading number, 0 for none. The whole server stops, as Redis's nanosleep() does; tests use
    // it to make latency spikes and slow commands.
    const seconds = parseFloat(argv[2]);
    if (seconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.trunc(seconds * 1e6) / 1000);
    return OK;
  }
  if (sub === 'digest' && argv.length === 2) {
    return simple(digestHex(datasetDigest(server.keyspace)));
  }
  if (sub === 'digest-value') {
    // the keys are read as stored, logically expired or not: a debug command looks, it does not expire
    return array(argv.slice(2).map((key) => simple(digestHex(valueDigest(ctx.db, key)))));
  }
  if (sub === 'log' && argv.length === 3) {
    server.log.warning(`DEBUG LOG: ${argv[2]}`);
    return OK;
  }
  if (sub === 'config-rewrite-force-all' && argv.length === 2) {
    if (!server.configFile) fail('ERR CONFIG-REWRITE-FORCE-ALL failed: The server is running without a config file');
    try {
      server.config.rewrite(server.configFile, aclOf(server).configLines(), true);
    } catch (e) {
      fail(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${strerror(e)}`);
    }
    return OK;
  }
  if (sub === 'reload') return debugReload(ctx, args);
  if (sub === 'loadaof') {
    if (!server.aof.debugLoad()) fail('ERR Error trying to load the append only files');
    return OK;
  }
  if (sub === 'object' && argv.length === 3) return debugObject(ctx, argv[2]);
  if (sub === 'protocol' && argv.length === 3) return debugProtocol(ctx, argv[2]);
  if (sub === 'set-active-expire' && argv.length === 3) {
    server.keyspace.activeExpireEnabled = atoi(argv[2]) !== 0;
    return OK;
  }
  if (sub === 'quicklist-packed-threshold' && argv.length === 3) {
    // quicklistisSetPackedThreshold(): 0 restores the default; at most 4 GB less 1 MB
    const size = parseMemory(argv[2]);
    if (size === null || size > 2 ** 32 - 2 ** 20) return fail('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
    server.quicklistPackedThreshold = size === 0 ? DEFAULT_PACKED_THRESHOLD : size;
    return OK;
  }
  if (sub === 'set-disable-deny-scripts' && argv.length === 3) {
    server.scriptDisableDeny = atoi(argv[2]) !== 0;
    return OK;
  }
  if (sub === 'populate' && argv.length >= 3 && argv.length <= 5) return debugPopulate(ctx, argv);
  if (sub === 'change-repl-id' && argv.length === 2) {
    server.log.warning('Changing replication IDs after receiving DEBUG change-repl-id');
    server.replication.changeReplicationId();
    return OK;
  }
  return subcommandSyntaxError(argv);
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]
function debugReload({ server }: CommandContext, args: ArgCursor): Reply {
  const opts = { save: true, flush: true, merge: false };
  while (args.hasMore) {
    const opt = args.nextUpper();
    if (opt === 'MERGE') opts.merge = true;
    else if (opt === 'NOFLUSH') opts.flush = false;
    else if (opt === 'NOSAVE') opts.save = false;
    else fail('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const failed = server.persistence.debugReload(opts);
  if (failed !== null) fail(failed);
  return OK;
}

/** Stable stand-ins for the value addresses DEBUG OBJECT prints (one per key entry, which in-place writes keep). */
const addresses = new WeakMap<object, number>();
let nextAddress = 0x7f0000100000;

// DEBUG OBJECT key
function debugObject(ctx: CommandContext, key: string): Reply {
  const { server, db } = ctx;
  const e = db.peek(key); // dictFind: no expiry, no access time, no stats
  if (e === undefined) return fail('ERR no such key');
  let address = addresses.get(e);
  if (address === undefined) addresses.set(e, (address = (nextAddress += 0x40)));
  const value = e.value;
  const options = objectOptions(server);
  const serialized = encodeObject(value, options).length - 1; // rdbSavedObjectLen: the value without its type byte
  const ks = server.keyspace;
  let extra = '';
  if (typeof value !== 'string' && value.type === 'list') {
    const list = value as List;
    const { nodes, bytes } = quicklistStats(list, options.quicklist);
    extra = ` ql_nodes:${nodes} ql_avg_node:${(list.length / nodes).toFixed(2)} ql_listpack_max:${options.quicklist.fill}` +
      ` ql_compressed:${options.quicklist.compressDepth !== 0 ? 1 : 0} ql_uncompressed_size:${bytes}`;
  }
  return simple(
    `Value at:0x${address.toString(16)} refcount:${refcountOf(ctx, value)} encoding:${encodingOf(e)} ` +
      `serializedlength:${serialized} lru:${e.lru & 0xffffff} lru_seconds_idle:${Math.max(0, ks.lruClock - e.lru)}${extra}`,
  );
}

/** DEBUG PROTOCOL's sample of each reply type, as a client library's tests want them. */
function debugProtocol({ client }: CommandContext, name: string): Reply {
  const resp3 = client.proto === 3;
  switch (name.toLowerCase()) {
    case 'string': return bulk('Hello World');
    case 'integer': return int(12345);
    case 'double': return double(3.141);
    case 'bignum': return { kind: 'bignum', text: '1234567999999999999999999999999999999' };
    case 'null': return NIL;
    case 'array': return array([int(0), int(1), int(2)]);
    case 'set': return set([int(0), int(1), int(2)]);
    case 'map': return map([int(0), BOOL_FALSE, int(1), BOOL_TRUE, int(2), BOOL_FALSE]);
    case 'attrib': {
      // an attribute is no reply of its own: a real reply follows it (and RESP2 gets only that)
      const real = bulk('Some real reply following the attribute');
      if (!resp3) return real;
      return sequence([raw(Buffer.from('|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n', 'latin1')), real]);
    }
    case 'push':
      if (!resp3) fail('ERR RESP2 is not supported by this command');
      return sequence([push([bulk('server-cpu-usage'), int(42)]), bulk('Some real reply following the push reply')]);
    case 'true': return BOOL_TRUE;
    case 'false': return BOOL_FALSE;
    case 'verbatim': return verbatim('This is a verbatim\nstring');
    default:
      return fail('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
  }
}

const BOOL_TRUE: Reply = { kind: 'bool', value: true };
const BOOL_FALSE: Reply = { kind: 'bool', value: false };

// DEBUG POPULATE count [prefix] [size]
function debugPopulate(ctx: CommandContext, argv: readonly string[]): Reply {
  // getPositiveLongFromObjectOrReply(): Redis 7.0 answers the same for a negative number and for no number
  const positive = (text: string) => longArg(text, 0, 'ERR value is out of range, must be positive');
  const count = positive(argv[2]);
  const size = argv.length === 5 ? positive(argv[4]) : 0;
  const prefix = argv.length >= 4 ? argv[3] : 'key';
  const { db } = ctx;
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
    if (db.lookup(key) !== undefined) continue;
    const text = `value:${j}`;
    // a given size: the text cut or padded with zero bytes to it
    const value = size === 0 ? text : size <= text.length ? text.slice(0, size) : text + '\0'.repeat(size - text.length);
    db.set(key, value); // not a write Redis counts or propagates: dbAdd alone
  }
  return OK;
}

