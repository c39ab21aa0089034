/**
 * Functions (functions.c): FUNCTION LOAD/DELETE/LIST/FLUSH/DUMP/RESTORE/STATS/KILL/HELP and FCALL/FCALL_RO.
 * Libraries live in lib/scripting/functions.ts; DUMP payloads are FUNCTION2 records, the RDB version and a CRC64.
 */
import { fail } from '../protocol/errors';
import { array, bulk, int, map, NIL, OK, set, simple, type Reply } from '../protocol/reply';
import { stringMatch } from '../store/glob';
import { crc64 } from '../rdb/crc64';
import { lzfCompress, lzfDecompress } from '../rdb/lzf';
import { RDB_OPCODE_FUNCTION, RDB_OPCODE_FUNCTION2, RDB_VERSION_MAX, RDB_VERSION_WRITTEN } from '../rdb/opcodes';
import { environment, killScript, runningScript, BUSY_EVAL } from '../scripting/engine';
import {
  createLibrary, deleteLibrary, flushFunctions, functionNamed, functionsOf, librarySources, pushFunction, restoreLibraries,
} from '../scripting/functions';
import { feedMonitorsFirst } from './monitor';
import { countScriptErrors, numKeys, refuseRun, replyLater, scriptCommandFlags } from './scripting';
import { helpReply, subcommandSyntaxError } from './server';
import { BLOCKED, type CommandContext, type CommandFlag, type CommandSpec, type Deferred } from './types';
import type { ArgCursor } from './args';
import type { Server } from '../server/server';
import { key, str, integer, tok, oneof } from './docs';
import { keyAt, keynum, countedKeys } from './keyspecs';

const SCRIPTING = ['@scripting'] as const;
const fcallArgs = [str('function'), integer('numkeys'), key('key').opt.many, str('arg').opt.many];
const FCALL_FLAGS: readonly CommandFlag[] = ['noscript', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'stale'];
const FCALL_RO_FLAGS: readonly CommandFlag[] = ['noscript', 'skip_monitor', 'no_mandatory_keys', 'stale', 'readonly'];

/** fcallGetCommandFlags: a function's declared flags decide (an unknown function keeps the command's). */
function fcallFlags(server: Server, argv: readonly string[], flags: readonly CommandFlag[]): readonly CommandFlag[] {
  const f = functionNamed(functionsOf(server), argv[1]);
  return f ? scriptCommandFlags(flags, f.flags) : flags;
}

export const functionCommands: readonly CommandSpec[] = [
  { name: 'FCALL', arity: -3, flags: FCALL_FLAGS, group: 'scripting', since: '7.0.0', summary: 'Call a function of a loaded library.', complexity: 'Depends on the function that is executed.', acl: SCRIPTING, flagsFor: (server, argv) => fcallFlags(server, argv, FCALL_FLAGS), run: (ctx, args) => fcallGeneric(ctx, args, false),
    keySpecs: [keyAt(2, 'RW access update', keynum(0, 1, 1), 'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE')], getKeys: countedKeys(0, 2, 3), args: fcallArgs },
  { name: 'FCALL_RO', arity: -3, flags: FCALL_RO_FLAGS, group: 'scripting', since: '7.0.0', summary: 'Call a function that may not write.', complexity: 'Depends on the function that is executed.', acl: SCRIPTING, flagsFor: (server, argv) => fcallFlags(server, argv, FCALL_RO_FLAGS), run: (ctx, args) => fcallGeneric(ctx, args, true),
    keySpecs: [keyAt(2, 'RO access', keynum(0, 1, 1), 'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS')], getKeys: countedKeys(0, 2, 3), args: fcallArgs },
  {
    name: 'FUNCTION', arity: -2, flags: [], group: 'scripting', since: '7.0.0', summary: 'Subcommands that manage function libraries.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'DELETE', arity: 3, flags: ['noscript', 'write'], group: 'scripting', since: '7.0.0', summary: 'Delete a library and its functions.', complexity: 'O(1)', acl: SCRIPTING, tips: ['request_policy:all_shards', 'response_policy:all_succeeded'], run: functionDeleteCommand,
        args: [str('library-name')] },
      { name: 'DUMP', arity: 2, flags: ['noscript'], group: 'scripting', since: '7.0.0', summary: 'Serialize every library into one payload.', complexity: 'O(N) where N is the number of functions', acl: SCRIPTING, run: functionDumpCommand },
      { name: 'FLUSH', arity: -2, flags: ['noscript', 'write'], group: 'scripting', since: '7.0.0', summary: 'Delete every library.', complexity: 'O(N) where N is the number of functions deleted', acl: SCRIPTING, tips: ['request_policy:all_shards', 'response_policy:all_succeeded'], run: functionFlushCommand,
        args: [oneof('async', tok('ASYNC'), tok('SYNC')).opt] },
      { name: 'HELP', arity: 2, flags: ['loading', 'stale'], group: 'scripting', since: '7.0.0', summary: 'List the FUNCTION subcommands.', complexity: 'O(1)', acl: SCRIPTING, run: functionHelpCommand },
      { name: 'KILL', arity: 2, flags: ['noscript', 'allow_busy'], group: 'scripting', since: '7.0.0', summary: 'Stop the function that is running, if it has not written yet.', complexity: 'O(1)', acl: SCRIPTING, tips: ['request_policy:all_shards', 'response_policy:one_succeeded'], run: functionKillCommand },
      { name: 'LIST', arity: -2, flags: ['noscript'], group: 'scripting', since: '7.0.0', summary: 'Describe the loaded libraries and their functions.', complexity: 'O(N) where N is the number of functions', acl: SCRIPTING, tips: ['nondeterministic_output_order'], run: functionListCommand,
        args: [str('library-name-pattern', 'LIBRARYNAME').opt, tok('WITHCODE').opt] },
      { name: 'LOAD', arity: -3, flags: ['noscript', 'write', 'denyoom'], group: 'scripting', since: '7.0.0', summary: 'Load a library of functions.', complexity: 'O(1) (considering compilation time is redundant)', acl: SCRIPTING, tips: ['request_policy:all_shards', 'response_policy:all_succeeded'], run: functionLoadCommand,
        args: [tok('REPLACE').opt, str('function-code')] },
      { name: 'RESTORE', arity: -3, flags: ['noscript', 'write', 'denyoom'], group: 'scripting', since: '7.0.0', summary: 'Load the libraries of a FUNCTION DUMP payload.', complexity: 'O(N) where N is the number of functions on the payload', acl: SCRIPTING, tips: ['request_policy:all_shards', 'response_policy:all_succeeded'], run: functionRestoreCommand,
        args: [str('serialized-value'), oneof('policy', tok('FLUSH'), tok('APPEND'), tok('REPLACE')).opt] },
      { name: 'STATS', arity: 2, flags: ['noscript', 'allow_busy'], group: 'scripting', since: '7.0.0', summary: 'Describe the function running now and count the libraries.', complexity: 'O(1)', acl: SCRIPTING, tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'], run: functionStatsCommand },
    ],
  },
];

// FCALL function numkeys [key ...] [arg ...]   (and FCALL_RO)
function fcallGeneric(ctx: CommandContext, _args: ArgCursor, ro: boolean): Reply | Deferred {
  const { server, client, argv } = ctx;
  ctx.rewrite = null;
  feedMonitorsFirst(server, client, argv);
  const f = functionNamed(functionsOf(server), argv[1]);
  if (!f) fail('ERR Function not found');
  const nkeys = numKeys(argv, 'ERR Bad number of keys provided');
  refuseRun(server, client, f!.flags, ro);
  pushFunction(server, f!);
  const reply = environment(server, 'function').execute(client, argv, f!.name, f!.flags, ro, argv.slice(3, 3 + nkeys), argv.slice(3 + nkeys), replyLater(server, client, ctx.command));
  if (reply === BLOCKED) return BLOCKED;
  countScriptErrors(server, ctx.command, reply, false);
  return reply;
}

// FUNCTION LOAD [REPLACE] function-code
function functionLoadCommand(ctx: CommandContext): Reply {
  const { server, argv } = ctx;
  let replace = false;
  let i = 2;
  for (; i < argv.length - 1; i++) {
    if (argv[i].toLowerCase() === 'replace') replace = true;
    else fail(`ERR Unknown option given: ${argv[i]}`);
  }
  if (i >= argv.length) fail('ERR Function code is missing');
  const r = createLibrary(server, argv[i], replace);
  if ('error' in r) fail(r.error.startsWith('ERR ') ? r.error : `ERR ${r.error}`);
  server.keyspace.dirty++; // replicated and counted as a change
  return bulk((r as { name: string }).name);
}

// FUNCTION DELETE library-name
function functionDeleteCommand({ server, argv }: CommandContext): Reply {
  if (!deleteLibrary(server, argv[2])) fail('ERR Library not found');
  server.keyspace.dirty++;
  return OK;
}

// FUNCTION FLUSH [ASYNC|SYNC]
function functionFlushCommand(ctx: CommandContext, args: ArgCursor): Reply {
  if (args.remaining > 1) subcommandSyntaxError(ctx.argv);
  if (args.hasMore) {
    const mode = args.nextUpper();
    if (mode !== 'ASYNC' && mode !== 'SYNC') fail('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  flushFunctions(ctx.server);
  ctx.server.keyspace.dirty++;
  return OK;
}

// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
function functionListCommand({ server }: CommandContext, args: ArgCursor): Reply {
  let withCode = false;
  let pattern: string | null = null;
  while (args.hasMore) {
    const opt = args.next();
    if (!withCode && opt.toLowerCase() === 'withcode') {
      withCode = true;
    } else if (pattern === null && opt.toLowerCase() === 'libraryname') {
      if (!args.hasMore) fail('ERR library name argument was not given');
      pattern = args.next();
    } else {
      fail(`ERR Unknown argument ${opt}`);
    }
  }
  const out: Reply[] = [];
  for (const lib of functionsOf(server).libraries.values()) {
    if (pattern !== null && !stringMatch(pattern, lib.name, true)) continue;
    const functions = [...lib.functions.values()].map((f) => map([
      bulk('name'), bulk(f.name),
      bulk('description'), f.description === null ? NIL : bulk(f.description),
      bulk('flags'), set(f.flagNames.map(simple)),
    ]));
    const fields: Reply[] = [bulk('library_name'), bulk(lib.name), bulk('engine'), bulk(lib.engine), bulk('functions'), array(functions)];
    if (withCode) fields.push(bulk('library_code'), bulk(lib.code));
    out.push(map(fields));
  }
  return array(out);
}

// FUNCTION STATS
function functionStatsCommand({ server }: CommandContext): Reply {
  const run = runningScript(server);
  if (run?.evalMode) fail(BUSY_EVAL);
  const state = functionsOf(server);
  let functions = 0;
  for (const lib of state.libraries.values()) functions += lib.functions.size;
  const running = run
    ? map([
      bulk('name'), bulk(run.funcname),
      bulk('command'), array(run.argv.map((a) => bulk(a))),
      bulk('duration_ms'), int(Math.floor(performance.now() - run.startedAt)),
    ])
    : NIL;
  return map([
    bulk('running_script'), running,
    bulk('engines'), map([bulk('LUA'), map([bulk('libraries_count'), int(state.libraries.size), bulk('functions_count'), int(functions)])]),
  ]);
}

// FUNCTION KILL
function functionKillCommand({ server }: CommandContext): Reply {
  const refused = killScript(server, false);
  if (refused) fail(refused);
  return OK;
}

// ---- DUMP / RESTORE payloads ----

function rdbLength(n: number): number[] {
  if (n < 1 << 6) return [n];
  if (n < 1 << 14) return [0x40 | (n >> 8), n & 0xff];
  return [0x80, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** rdbSaveRawString: LZF-compressed past 20 bytes when that saves room, as rdbcompression yes does. */
function rdbString(s: string): Buffer {
  const raw = Buffer.from(s, 'latin1');
  if (raw.length > 20) {
    const packed = lzfCompress(raw, raw.length - 4);
    if (packed && packed.length > 0) {
      return Buffer.concat([Buffer.from([0xc3, ...rdbLength(packed.length), ...rdbLength(raw.length)]), packed]);
    }
  }
  return Buffer.concat([Buffer.from(rdbLength(raw.length)), raw]);
}

/** FUNCTION DUMP's payload for these library sources. */
export function dumpPayload(sources: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const code of sources) parts.push(Buffer.from([RDB_OPCODE_FUNCTION2]), rdbString(code));
  parts.push(Buffer.from([RDB_VERSION_WRITTEN & 0xff, RDB_VERSION_WRITTEN >> 8]));
  const body = Buffer.concat(parts);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(body));
  return Buffer.concat([body, crc]);
}

/** The library sources of a payload, or null when it is not one. */
function parsePayload(b: Buffer): string[] | { error: string } | null {
  if (b.length < 10) return null;
  const version = b.readUInt16LE(b.length - 10);
  if (version > RDB_VERSION_MAX) return null;
  if (crc64(b.subarray(0, b.length - 8)) !== b.readBigUInt64LE(b.length - 8)) return null;
  const sources: string[] = [];
  let pos = 0;
  const end = b.length - 10;
  const length = (): number => {
    const c = b[pos++];
    const t = c >> 6;
    if (t === 0) return c & 0x3f;
    if (t === 1) return ((c & 0x3f) << 8) | b[pos++];
    if (c === 0x80) { const v = b.readUInt32BE(pos); pos += 4; return v; }
    if (c === 0x81) { const v = Number(b.readBigUInt64BE(pos)); pos += 8; return v; }
    return -1 - (c & 0x3f); // an encoded value
  };
  const string = (): string => {
    const n = length();
    if (n >= 0) {
      const s = b.subarray(pos, pos + n).toString('latin1');
      pos += n;
      return s;
    }
    const enc = -1 - n;
    if (enc === 0) return String(b.readInt8(pos++));
    if (enc === 1) { const v = b.readInt16LE(pos); pos += 2; return String(v); }
    if (enc === 2) { const v = b.readInt32LE(pos); pos += 4; return String(v); }
    const clen = length(), len = length();
    const out = lzfDecompress(b.subarray(pos, pos + clen), len);
    pos += clen;
    if (!out) throw new Error('lzf');
    return out.toString('latin1');
  };
  try {
    while (pos < end) {
      const type = b[pos++];
      if (type === RDB_OPCODE_FUNCTION2) {
        sources.push(string());
      } else if (type === RDB_OPCODE_FUNCTION) {
        // 7.0 release candidates: name, engine, description (optional), then the code
        const name = string(), engine = string();
        if (b[pos++]) string();
        sources.push(`#!${engine.toLowerCase()} name=${name}\n${string()}`);
      } else {
        return { error: 'given type is not a function' };
      }
    }
  } catch {
    return { error: 'failed loading the given functions payload' };
  }
  return sources;
}

// FUNCTION DUMP
function functionDumpCommand({ server }: CommandContext): Reply {
  return bulk(dumpPayload(librarySources(server)));
}

// FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]
function functionRestoreCommand(ctx: CommandContext): Reply {
  const { server, argv } = ctx;
  if (argv.length > 4) subcommandSyntaxError(argv);
  let policy: 'flush' | 'append' | 'replace' = 'append';
  if (argv.length === 4) {
    const p = argv[3].toLowerCase();
    if (p !== 'flush' && p !== 'append' && p !== 'replace') fail('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
    policy = p as typeof policy;
  }
  const parsed = parsePayload(Buffer.from(argv[2], 'latin1'));
  if (parsed === null) fail('ERR DUMP payload version or checksum are wrong');
  if (!Array.isArray(parsed)) fail(`ERR ${(parsed as { error: string }).error}`);
  const err = restoreLibraries(server, parsed as string[], policy);
  if (err) fail(err.startsWith('ERR ') ? err : `ERR ${err}`);
  server.keyspace.dirty++;
  return OK;
}

// FUNCTION HELP
function functionHelpCommand({ argv }: CommandContext): Reply {
  return helpReply(argv[0], [
    'LOAD [REPLACE] <FUNCTION CODE>',
    '    Create a new library with the given library name and code.',
    'DELETE <LIBRARY NAME>',
    '    Delete the given library.',
    'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
    '    Return general information on all the libraries:',
    '    * Library name',
    '    * The engine used to run the Library',
    '    * Library description',
    '    * Functions list',
    '    * Library code (if WITHCODE is given)',
    '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
    'STATS',
    '    Return information about the current function running:',
    '    * Function name',
    '    * Command used to run the function',
    '    * Duration in MS that the function is running',
    '    If no function is running, return nil',
    '    In addition, returns a list of available engines.',
    'KILL',
    '    Kill the current running function.',
    'FLUSH [ASYNC|SYNC]',
    '    Delete all the libraries.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the libraries.',
    '    * SYNC: Synchronously flush the libraries.',
    'DUMP',
    '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
    'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
    '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
    '    control how to handle existing libraries (default APPEND):',
    '    * FLUSH: delete all existing libraries.',
    '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
    '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
    '      libraries with the new libraries (notice that even on this option there is a chance of failure',
    '      in case of functions name collision with another library).',
  ]);
}
