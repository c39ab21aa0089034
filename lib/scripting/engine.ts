/**
 * The Redis Lua environment (script_lua.c, script.c): a sandboxed Lua state with the `redis` API, the libraries
 * Redis loads, reply conversions both ways, and the run of one script or function with its checks, its own
 * client (`lua` in MONITOR) and its time limit. EVAL and FCALL (eval.ts, functions.ts) each own one environment.
 */
import net from 'node:net';
import { createHash } from 'node:crypto';
import { Lua, LUA_OK, LUA_YIELD, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS, type LuaState } from './lua';
import { openBit } from './bit';
import { openCjson } from './cjson';
import { openCmsgpack } from './cmsgpack';
import { openStruct } from './struct';
import { Client } from '../server/client';
import type { ClientMode } from '../../machines/client';
import type { Server } from '../server/server';
import { REDIS_VERSION } from '../server/server';
import { commandTable, call } from '../commands';
import { BLOCKED, NO_REPLY, type Command, type Deferred } from '../commands/types';
import {
  array, bulk, countedError, double, error, formatDouble, int, map, NIL, set, simple, verbatim, type Reply,
} from '../protocol/reply';
import { ERR_NOREPLICAS, ERR_OOM, ERR_READONLY } from '../protocol/errors';
import { mayBlock } from '../server/blocking';
import { scriptDenial, userMayRun } from '../server/acl';

// ---- script flags (scripts_flags_def) ----

export interface ScriptFlags {
  noWrites: boolean;
  allowOom: boolean;
  allowStale: boolean;
  noCluster: boolean;
  allowCrossSlot: boolean;
  /** An EVAL script without a shebang: behaves as before 7.0 (may write, no flag checks). */
  compat: boolean;
}

export const FLAG_NAMES = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'] as const;
export type FlagName = (typeof FLAG_NAMES)[number];

export function flagsOf(names: readonly FlagName[], compat = false): ScriptFlags {
  return {
    noWrites: names.includes('no-writes'),
    allowOom: names.includes('allow-oom'),
    allowStale: names.includes('allow-stale'),
    noCluster: names.includes('no-cluster'),
    allowCrossSlot: names.includes('allow-cross-slot-keys'),
    compat,
  };
}

export const sha1hex = (s: string): string => createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');

// ---- the run of one script ----

/** The client scripts run their commands as: `lua` in MONITOR, never blocks (CLIENT_DENY_BLOCKING). */
class ScriptClient extends Client {
  override get mode(): ClientMode {
    return 'multi';
  }
  override send(): void {}
}

/** CLIENT_SCRIPT: the client is the one scripts run their commands as. */
export function isScriptClient(client: Client): boolean {
  return client instanceof ScriptClient;
}

/** What one EVAL / FCALL is doing (scriptRunCtx). */
export interface RunContext {
  server: Server;
  caller: Client;
  /** The caller's EVAL / FCALL command line (FUNCTION STATS shows it). */
  argv: readonly string[];
  client: Client;
  /** The SHA1 of an EVAL script, or the function's name. */
  funcname: string;
  evalMode: boolean;
  readOnly: boolean;
  allowOom: boolean;
  /** The script already ran a write: it can no longer be killed, nor refused a write. */
  writeDirty: boolean;
  killed: boolean;
  /** Past busy-reply-threshold: other clients are answered -BUSY. */
  timedOut: boolean;
  startedAt: number;
  /** Replies from redis.call come as RESP2 or RESP3 (redis.setresp). */
  resp: 2 | 3;
  /** redis.set_repl: REPL_AOF (1) | REPL_REPLICA (2). */
  repl: number;
}

const REPL_AOF = 1;
const REPL_REPLICA = 2;

/** Redis's REDIS_VERSION_NUM: 0x00MMmmpp. */
function versionNum(): number {
  const [a, b, c] = REDIS_VERSION.split('.').map(Number);
  return (a << 16) | (b << 8) | c;
}

/** Instructions between two looks at the clock (Redis: 100000, for a VM about 50 times faster). */
const HOOK_INSTRUCTIONS = 10000;
/** A timed-out script runs in slices this long; between them the server answers other clients (-BUSY). */
const SLICE_MS = 20;
/**
 * A script that cannot yield (inside a metamethod, a table.sort comparator, a MULTI or a replicated call) keeps
 * the server to itself: past busy-reply-threshold plus this, it is stopped with an error rather than hang forever.
 */
const UNYIELDABLE_LIMIT_MS = 60_000;

export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';

/** The script running on each server right now (at most one: the server is single-threaded). */
const current = new WeakMap<Server, RunContext>();

export function runningScript(server: Server): RunContext | undefined {
  return current.get(server);
}

/** isInsideYieldingLongCommand(): a timed-out script lets other clients in, who get -BUSY (see dispatch). */
export function busyError(server: Server): string | null {
  const ctx = current.get(server);
  if (!ctx || !ctx.timedOut) return null;
  return ctx.evalMode ? BUSY_EVAL : BUSY_FUNCTION;
}

/** scriptKill(): SCRIPT KILL (`isEval`) or FUNCTION KILL. */
export function killScript(server: Server, isEval: boolean): string | null {
  const ctx = current.get(server);
  if (!ctx) return 'NOTBUSY No scripts in execution right now.';
  if (ctx.caller.isMaster) return 'UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.';
  if (ctx.writeDirty) return 'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';
  if (isEval && !ctx.evalMode) return BUSY_FUNCTION;
  if (!isEval && ctx.evalMode) return BUSY_EVAL;
  ctx.killed = true;
  return null;
}

// ---- rand48, as Redis's rand.c: the same sequence for the same seed everywhere ----

class Rand48 {
  private x = 0x1234abcd330en;
  seed(s: number): void {
    this.x = ((BigInt.asUintN(32, BigInt(Math.trunc(s))) << 16n) | 0x330en) & 0xffffffffffffn;
  }
  next(): number {
    this.x = (this.x * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
    return Number(this.x >> 17n);
  }
}
const LRAND48_MAX = 2147483647;

// ---- the environment ----

export type EnvKind = 'eval' | 'function';

/** Names the sandbox lets a script see (allow lists of script_lua.c); anything else is not a global. */
const BASE_GLOBALS = [
  'xpcall', 'tostring', 'getfenv', 'setmetatable', 'next', 'assert', 'tonumber', 'rawequal', 'collectgarbage',
  'getmetatable', 'rawset', 'pcall', 'coroutine', 'type', '_G', 'select', 'unpack', 'gcinfo', 'pairs', 'rawget',
  'loadstring', 'ipairs', '_VERSION', 'setfenv', 'load', 'error', 'newproxy',
];

export class ScriptEnvironment {
  readonly lua = new Lua();
  readonly L: LuaState;
  /** The run in progress (luaGetFromRegistry(REGISTRY_RUN_CTX_NAME)). */
  run: RunContext | null = null;
  /** Set by functions.ts while FUNCTION LOAD runs a library's code. */
  loading: ((L: LuaState) => number) | null = null;
  private readonly rand = new Rand48();
  private readonly scriptClient: Client;
  /** The globals table functions see at run time and while loading (function environments only). */
  private globalsRef = 0;
  private libraryApiRef = 0;
  private envRef = 0;

  constructor(readonly server: Server, readonly kind: EnvKind) {
    this.L = this.lua.L;
    const c = new ScriptClient(0, new net.Socket(), server.keyspace.dbs[0], server.limits, server.clock.now(), false);
    c.fixedAddr = 'lua';
    this.scriptClient = c;
    this.lua.runningOn(this.L, () => this.setup());
  }

  private setup(): void {
    const { lua, L } = this;
    lua.openLibs(L, ['base', 'table', 'string', 'math', 'coroutine']);
    this.compat51();
    openCjson(lua, L);
    openStruct(lua, L);
    openCmsgpack(lua, L);
    openBit(lua, L);
    this.registerRedisApi();
    // Lua 5.1 has no utf8 library nor bit32; base leaves a few globals the allow list does not have
    lua.pushglobaltable(L);
    const allowed = new Set([...BASE_GLOBALS, 'string', 'cjson', 'bit', 'cmsgpack', 'math', 'table', 'struct', 'redis']);
    const drop: string[] = [];
    lua.pushnil(L);
    while (lua.next(L, -2)) {
      lua.pop(L, 1);
      const k = lua.type(L, -1) === 'string' ? lua.tostring(L, -1)! : '';
      if (!allowed.has(k)) drop.push(k);
    }
    for (const k of drop) {
      lua.pushnil(L);
      lua.setfield(L, -2, k);
    }
    lua.pop(L, 1);
    if (this.kind === 'function') this.setupFunctionGlobals();
    else this.lockGlobals();
  }

  /** Lua 5.1 names scripts still use: unpack, loadstring, getfenv/setfenv (no-ops on the shared globals), gcinfo. */
  private compat51(): void {
    const { lua, L } = this;
    lua.getglobal(L, 'table');
    lua.getfield(L, -1, 'unpack');
    lua.setglobal(L, 'unpack');
    lua.pop(L, 1);
    // `load` takes strings only in Redis's sandbox: a binary chunk ("\27Lua") is refused, as 5.1 loadstring with
    // bytecode verification off would fail; string.dump output then loads as nil
    lua.getglobal(L, 'load');
    lua.pushclosure(L, (L2) => {
      const chunk = lua.tostring(L2, 1);
      if (chunk !== null && chunk.startsWith('\x1bLua')) {
        lua.pushnil(L2);
        lua.pushstring(L2, 'binary chunks are not allowed');
        return 2;
      }
      lua.pushvalue(L2, lua.upvalueindex(1));
      lua.insert(L2, 1);
      lua.call(L2, lua.gettop(L2) - 1, -1);
      return lua.gettop(L2);
    }, 1);
    lua.pushvalue(L, -1);
    lua.setglobal(L, 'loadstring');
    lua.setglobal(L, 'load');
    lua.pushfunction(L, (L2) => {
      lua.pushglobaltable(L2);
      return 1;
    });
    lua.setglobal(L, 'getfenv');
    lua.pushfunction(L, (L2) => {
      lua.pushvalue(L2, 1);
      return 1;
    });
    lua.setglobal(L, 'setfenv');
    lua.pushfunction(L, (L2) => {
      lua.pushnumber(L2, 0);
      return 1;
    });
    lua.setglobal(L, 'gcinfo');
    // tostring of a number prints it as Lua 5.1 does ("%.14g"), which lua_tolstring does and luaL_tolstring does not
    lua.getglobal(L, 'tostring');
    lua.pushclosure(L, (L2) => {
      if (lua.type(L2, 1) === 'number') {
        lua.settop(L2, 1);
        lua.tostring(L2, 1);
        return 1;
      }
      lua.pushvalue(L2, lua.upvalueindex(1));
      lua.insert(L2, 1);
      lua.call(L2, lua.gettop(L2) - 1, 1);
      return 1;
    }, 1);
    lua.setglobal(L, 'tostring');
    // setmetatable on a locked table is a write to it
    lua.getglobal(L, 'setmetatable');
    lua.pushclosure(L, (L2) => {
      if (lua.type(L2, 1) === 'table' && lua.isReadonly(L2, 1)) lua.raise(L2, 'Attempt to modify a readonly table');
      lua.pushvalue(L2, lua.upvalueindex(1));
      lua.insert(L2, 1);
      lua.call(L2, lua.gettop(L2) - 1, 1);
      return 1;
    }, 1);
    lua.setglobal(L, 'setmetatable');
    // math.random / randomseed: Redis's rand48 so a seed gives the same sequence everywhere
    lua.getglobal(L, 'math');
    lua.pushfunction(L, (L2) => this.mathRandom(L2));
    lua.setfield(L, -2, 'random');
    lua.pushfunction(L, (L2) => {
      if (!this.run) lua.raise(L2, 'math.randomseed can only be called inside a script invocation');
      this.rand.seed(lua.checkinteger(L2, 1));
      return 0;
    });
    lua.setfield(L, -2, 'randomseed');
    lua.pushnil(L);
    lua.setfield(L, -2, 'maxinteger');
    lua.pushnil(L);
    lua.setfield(L, -2, 'mininteger');
    lua.pushnil(L);
    lua.setfield(L, -2, 'tointeger');
    lua.pushnil(L);
    lua.setfield(L, -2, 'type');
    lua.pushnil(L);
    lua.setfield(L, -2, 'ult');
    lua.pop(L, 1);
  }

  private mathRandom(L: LuaState): number {
    const lua = this.lua;
    if (!this.run) lua.raise(L, 'math.random can only be called inside a script invocation');
    const r = (this.rand.next() % LRAND48_MAX) / LRAND48_MAX;
    switch (lua.gettop(L)) {
      case 0:
        lua.pushnumber(L, r);
        break;
      case 1: {
        const u = Math.trunc(lua.checknumber(L, 1));
        if (u < 1) lua.argerror(L, 1, 'interval is empty');
        lua.pushnumber(L, Math.floor(r * u) + 1);
        break;
      }
      case 2: {
        const l = Math.trunc(lua.checknumber(L, 1));
        const u = Math.trunc(lua.checknumber(L, 2));
        if (l > u) lua.argerror(L, 2, 'interval is empty');
        lua.pushnumber(L, Math.floor(r * (u - l + 1)) + l);
        break;
      }
      default:
        lua.raise(L, 'wrong number of arguments');
    }
    return 1;
  }

  /** luaSetErrorMetatable: reading a missing field raises "Script attempted to access nonexistent global variable". */
  private pushErrorMetatable(): void {
    const { lua, L } = this;
    lua.newtable(L);
    lua.pushfunction(L, (L2) => {
      const name = lua.tostring(L2, 2) ?? '';
      return lua.raise(L2, `Script attempted to access nonexistent global variable '${name}'`);
    });
    lua.setfield(L, -2, '__index');
  }

  /** luaSetTableProtectionRecursively: lock the table on top and every table (and metatable) it reaches. */
  private protectRecursively(): void {
    const { lua, L } = this;
    if (lua.isReadonly(L, -1)) return;
    lua.setReadonly(L, -1, true);
    lua.checkstack(L, 2);
    lua.pushnil(L);
    while (lua.next(L, -2)) {
      if (lua.type(L, -1) === 'table') this.protectRecursively();
      lua.pop(L, 1);
    }
    if (lua.getmetatable(L, -1)) {
      this.protectRecursively();
      lua.pop(L, 1);
    }
  }

  /** EVAL's environment: the globals themselves are locked, reading an unknown one raises. */
  private lockGlobals(): void {
    const { lua, L } = this;
    lua.pushglobaltable(L);
    this.pushErrorMetatable();
    lua.setmetatable(L, -2);
    this.protectRecursively();
    lua.pop(L, 1);
  }

  /**
   * Function environments (luaEngineInitEngine): code sees an empty locked table whose metatable reads through to
   * the real globals at run time, or to the library API (redis.register_function, log, versions) while loading.
   */
  private setupFunctionGlobals(): void {
    const { lua, L } = this;
    lua.newtable(L);
    lua.newtable(L);
    lua.pushfunction(L, (L2) => (this.loading ? this.loading(L2) : this.raiseError(L2, 'redis.register_function can only be called on FUNCTION LOAD command')));
    lua.setfield(L, -2, 'register_function');
    this.registerLogAndVersion();
    this.pushErrorMetatable();
    lua.setmetatable(L, -2);
    lua.setfield(L, -2, 'redis');
    this.pushErrorMetatable();
    lua.setmetatable(L, -2);
    this.protectRecursively();
    this.libraryApiRef = lua.ref(L);
    lua.pushglobaltable(L);
    this.pushErrorMetatable();
    lua.setmetatable(L, -2);
    this.protectRecursively();
    lua.pushvalue(L, -1);
    this.globalsRef = lua.ref(L);
    lua.newtable(L);
    lua.newtable(L);
    lua.pushvalue(L, -3);
    lua.setfield(L, -2, '__index');
    lua.setReadonly(L, -1, true);
    lua.setmetatable(L, -2);
    lua.setReadonly(L, -1, true);
    lua.pushvalue(L, -1);
    this.envRef = lua.ref(L);
    lua.rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS); // what every chunk loaded from now on sees as _ENV
    lua.pop(L, 1);
  }

  /** Point the functions' globals at the library API (while FUNCTION LOAD runs a library) or the real globals. */
  setLoadMode(loading: boolean): void {
    const { lua, L } = this;
    lua.rawgeti(L, LUA_REGISTRYINDEX, this.envRef);
    lua.getmetatable(L, -1);
    lua.setReadonly(L, -1, false);
    lua.rawgeti(L, LUA_REGISTRYINDEX, loading ? this.libraryApiRef : this.globalsRef);
    lua.setfield(L, -2, '__index');
    lua.setReadonly(L, -1, true);
    lua.pop(L, 2);
  }

  // ---- the redis table ----

  private registerLogAndVersion(): void {
    const { lua, L } = this;
    lua.pushfunction(L, (L2) => this.redisLog(L2));
    lua.setfield(L, -2, 'log');
    const levels: [string, number][] = [['LOG_DEBUG', 0], ['LOG_VERBOSE', 1], ['LOG_NOTICE', 2], ['LOG_WARNING', 3]];
    for (const [name, n] of levels) {
      lua.pushnumber(L, n);
      lua.setfield(L, -2, name);
    }
    lua.pushnumber(L, versionNum());
    lua.setfield(L, -2, 'REDIS_VERSION_NUM');
    lua.pushstring(L, REDIS_VERSION);
    lua.setfield(L, -2, 'REDIS_VERSION');
  }

  private registerRedisApi(): void {
    const { lua, L } = this;
    // pcall turns Redis's error tables back into their message, as before 7.0
    lua.pushfunction(L, (L2) => this.luaPcall(L2));
    lua.setglobal(L, 'pcall');
    lua.getglobal(L, 'xpcall');
    const xpcall = lua.tojsfunction(L, -1);
    lua.pop(L, 1);
    if (xpcall) {
      lua.pushfunction(L, (L2) => {
        lua.keepAllowhook(L2); // see Lua.keepAllowhook: else an error xpcall caught would turn SCRIPT KILL off
        return xpcall(L2);
      });
      lua.setglobal(L, 'xpcall');
    }
    lua.newtable(L);
    const fn = (name: string, f: (L: LuaState) => number) => {
      lua.pushfunction(L, f);
      lua.setfield(L, -2, name);
    };
    fn('call', (L2) => this.redisCall(L2, true));
    fn('pcall', (L2) => this.redisCall(L2, false));
    this.registerLogAndVersion();
    fn('setresp', (L2) => {
      const run = this.run;
      if (!run) return this.raiseError(L2, 'redis.setresp can only be called inside a script invocation');
      if (lua.gettop(L2) !== 1) return this.raiseError(L2, 'redis.setresp() requires one argument.');
      const resp = Math.trunc(lua.tonumber(L2, 1));
      if (resp !== 2 && resp !== 3) return this.raiseError(L2, 'RESP version must be 2 or 3.');
      run.resp = resp;
      run.client.proto = resp;
      return 0;
    });
    fn('sha1hex', (L2) => {
      if (lua.gettop(L2) !== 1) return this.raiseError(L2, 'wrong number of arguments');
      lua.pushstring(L2, sha1hex(lua.tostring(L2, 1) ?? ''));
      return 1;
    });
    fn('error_reply', (L2) => {
      if (lua.gettop(L2) !== 1 || lua.type(L2, -1) !== 'string') {
        this.pushError(L2, 'wrong number or type of arguments');
        return 1;
      }
      const e = lua.tostring(L2, -1)!;
      this.pushError(L2, e.startsWith('-') ? e : `-${e}`);
      return 1;
    });
    fn('status_reply', (L2) => {
      if (lua.gettop(L2) !== 1 || lua.type(L2, -1) !== 'string') {
        this.pushError(L2, 'wrong number or type of arguments');
        return 1;
      }
      lua.newtable(L2);
      lua.pushvalue(L2, -2);
      lua.setfield(L2, -2, 'ok');
      return 1;
    });
    fn('set_repl', (L2) => {
      const run = this.run;
      if (!run) return this.raiseError(L2, 'redis.set_repl can only be called inside a script invocation');
      if (lua.gettop(L2) !== 1) return this.raiseError(L2, 'redis.set_repl() requires two arguments.');
      const flags = Math.trunc(lua.tonumber(L2, -1));
      if ((flags & ~(REPL_AOF | REPL_REPLICA)) !== 0) return this.raiseError(L2, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
      run.repl = flags;
      return 0;
    });
    for (const [name, n] of [['REPL_NONE', 0], ['REPL_AOF', REPL_AOF], ['REPL_SLAVE', REPL_REPLICA], ['REPL_REPLICA', REPL_REPLICA], ['REPL_ALL', REPL_AOF | REPL_REPLICA]] as const) {
      lua.pushnumber(L, n);
      lua.setfield(L, -2, name);
    }
    fn('acl_check_cmd', (L2) => {
      if (!this.run) return this.raiseError(L2, 'redis.acl_check_cmd can only be called inside a script invocation');
      const argv = this.argsToArgv(L2);
      if (!argv) return lua.error(L2);
      const cmd = commandTable.lookup(argv);
      if (!cmd) return this.raiseError(L2, 'Invalid command passed to redis.acl_check_cmd()');
      lua.pushboolean(L2, userMayRun(this.run.caller.user, cmd, argv));
      return 1;
    });
    if (this.kind === 'eval') {
      // the debugger's hooks do nothing outside a debugging session, which toyredis does not offer
      fn('breakpoint', (L2) => {
        lua.pushboolean(L2, false);
        return 1;
      });
      fn('debug', () => 0);
      fn('replicate_commands', (L2) => {
        lua.pushboolean(L2, true);
        return 1;
      });
    }
    lua.setglobal(L, 'redis');
  }

  /** redis.log(level, ...) */
  private redisLog(L: LuaState): number {
    const lua = this.lua;
    const argc = lua.gettop(L);
    if (argc < 2) return this.raiseError(L, 'redis.log() requires two arguments or more.');
    if (!lua.isnumber(L, 1)) return this.raiseError(L, 'First argument must be a number (log level).');
    const level = Math.trunc(lua.tonumber(L, 1));
    if (level < 0 || level > 3) return this.raiseError(L, 'Invalid debug level.');
    const parts: string[] = [];
    for (let j = 2; j <= argc; j++) {
      const s = lua.isstring(L, j) ? lua.tostring(L, j) : null;
      if (s !== null) parts.push(s);
    }
    const log = this.server.log;
    const message = parts.join(' ');
    if (level === 0) log.debug(message);
    else if (level === 1) log.verbose(message);
    else if (level === 2) log.notice(message);
    else log.warning(message);
    return 0;
  }

  /** luaPushError: push {err = "CODE message"}; a message without a leading '-' gets the ERR code. */
  pushError(L: LuaState, message: string): void {
    const lua = this.lua;
    let text: string;
    if (message.startsWith('-')) {
      const space = message.indexOf(' ');
      text = space < 0 ? `ERR ${message.slice(1)}` : `${message.slice(1, space)} ${message.slice(space + 1)}`;
    } else {
      text = `ERR ${message}`;
    }
    text = text.replace(/^[\r\n]+|[\r\n]+$/g, '');
    lua.newtable(L);
    lua.pushstring(L, text);
    lua.setfield(L, -2, 'err');
  }

  /** Raise Redis's error table (luaPushError + luaError). */
  raiseError(L: LuaState, message: string): never {
    this.pushError(L, message);
    return this.lua.error(L);
  }

  /** luaRedisPcall: Lua's pcall, but an error table comes back as its message. Yieldable, like the original. */
  private luaPcall(L: LuaState): number {
    const lua = this.lua;
    lua.checkany(L, 1);
    lua.pushboolean(L, true);
    lua.insert(L, 1);
    const finish = (L2: LuaState, status: number): number => {
      if (status !== LUA_OK && status !== LUA_YIELD) {
        lua.remove(L2, 1);
        if (lua.type(L2, -1) === 'table') {
          lua.getfield(L2, -1, 'err');
          if (lua.isstring(L2, -1)) lua.replace(L2, -2);
          else lua.pop(L2, 1);
        }
        lua.pushboolean(L2, false);
        lua.insert(L2, 1);
      }
      return lua.gettop(L2);
    };
    return finish(L, lua.pcallk(L, lua.gettop(L) - 2, -1, 0, 0, finish));
  }

  /** luaArgsToRedisArgv: strings as they are, numbers as "%.17g"; null (error table pushed) otherwise. */
  private argsToArgv(L: LuaState): string[] | null {
    const lua = this.lua;
    const argc = lua.gettop(L);
    if (argc === 0) {
      this.pushError(L, 'Please specify at least one argument for this redis lib call');
      return null;
    }
    const argv: string[] = [];
    for (let j = 1; j <= argc; j++) {
      const t = lua.type(L, j);
      if (t === 'number') argv.push(formatDouble(lua.tonumber(L, j)));
      else if (t === 'string') argv.push(lua.tostring(L, j)!);
      else break;
    }
    lua.settop(L, 0);
    if (argv.length !== argc) {
      this.pushError(L, 'Lua redis lib command arguments must be strings or integers');
      return null;
    }
    return argv;
  }

  /** redis.call (raise) and redis.pcall: run a command as the script's client, convert its reply. */
  private redisCall(L: LuaState, raise: boolean): number {
    const lua = this.lua;
    const run = this.run;
    if (!run) return this.raiseError(L, 'redis.call/pcall can only be called inside a script invocation');
    const argv = this.argsToArgv(L);
    if (!argv) return raise ? lua.error(L) : 1;
    const refused = this.checkCommand(run, argv);
    if (typeof refused === 'string') {
      this.pushError(L, refused);
      lua.pushboolean(L, true);
      lua.setfield(L, -2, 'ignore_error_stats_update');
      return raise ? lua.error(L) : 1;
    }
    const server = this.server;
    const propagation = server.propagation;
    // redis.set_repl: writes still happen, but what reaches replicas and the AOF is filtered (toyredis propagates to
    // both together, so anything short of REPL_ALL propagates nothing)
    const muted = run.repl !== (REPL_AOF | REPL_REPLICA);
    if (muted) propagation.enter();
    const sinks = muted ? propagation.sinks.splice(0) : null;
    let reply: Reply | Deferred;
    try {
      reply = call(server, run.client, refused, argv);
    } finally {
      if (sinks) {
        propagation.sinks.push(...sinks);
        propagation.exit();
      }
    }
    if (reply === BLOCKED || reply === NO_REPLY) reply = NIL;
    const isError = reply.kind === 'error';
    this.pushReply(L, reply, run.resp);
    if (isError) {
      lua.pushboolean(L, true);
      lua.setfield(L, -2, 'ignore_error_stats_update');
      if (raise) return lua.error(L);
    }
    return 1;
  }

  /** scriptCall()'s checks before running a command; the command, or the error text to answer. */
  private checkCommand(run: RunContext, argv: string[]): Command | string {
    const server = this.server;
    const cmd = commandTable.lookup(argv);
    const count = (text: string) => {
      server.stats.countError(text.startsWith('-') ? text.slice(1) : `ERR ${text}`);
      if (cmd) cmd.stats.rejected++;
      return text;
    };
    if (!cmd || (cmd.arity > 0 ? argv.length !== cmd.arity : argv.length < -cmd.arity)) {
      return count(cmd ? 'Wrong number of args calling Redis command from script' : 'Unknown Redis command called from script');
    }
    const flags = cmd.flags;
    if (flags.includes('noscript') && !server.scriptDisableDeny) return count('This Redis command is not allowed from script');
    // the caller's user, not the script, is what ACL rules restrict (scriptVerifyACL)
    const denial = scriptDenial(server, run.caller, run.argv, cmd, argv);
    if (denial !== null) return count(denial);
    const writes = flags.includes('write');
    if (run.readOnly && (writes || flags.includes('may_replicate'))) return count('Write commands are not allowed from read-only scripts.');
    if (writes && !run.writeDirty) {
      if (server.isReadOnlyReplica() && !run.caller.isMaster) return count(`-${ERR_READONLY}`);
      const diskError = server.persistence.diskError ?? server.aof.diskError;
      if (diskError !== null && !run.caller.isMaster) return count(`-${diskError}`);
      // reachable only by EVAL without flags: the others were refused before they ran
      if (!server.replication.enoughGoodReplicas()) return count(`-${ERR_NOREPLICAS}`);
    }
    // scriptVerifyOOM(): before the script's first write, a denyoom command is refused if memory was over the limit
    // when the script started (allow-oom lets it through; our master's scripts are never refused)
    const memory = server.memory;
    if (!run.allowOom && !run.writeDirty && memory.maxmemory !== 0 && memory.preCommandOom && !run.caller.isMaster &&
        flags.includes('denyoom')) {
      return count(`-${ERR_OOM}`);
    }
    if (writes) run.writeDirty = true;
    return cmd;
  }

  // ---- conversions ----

  /** Redis reply → Lua value (redisProtocolToLuaType), as the script's RESP version would have sent it. */
  pushReply(L: LuaState, r: Reply, resp: 2 | 3): void {
    const lua = this.lua;
    lua.checkstack(L, 4);
    switch (r.kind) {
      case 'int':
        return lua.pushnumber(L, Number(r.value));
      case 'bulk':
        return typeof r.value === 'string' ? lua.pushstring(L, r.value) : lua.pushbytes(L, r.value);
      case 'simple':
        lua.newtable(L);
        lua.pushstring(L, r.text);
        return lua.setfield(L, -2, 'ok');
      case 'error':
        return this.pushError(L, `-${r.text}`);
      case 'null':
      case 'nullArray':
        return resp === 3 ? lua.pushnil(L) : lua.pushboolean(L, false);
      case 'array':
      case 'push':
        return this.pushArray(L, r.items, resp);
      case 'map':
        if (resp === 2) return this.pushArray(L, r.items, resp);
        lua.newtable(L);
        lua.newtable(L);
        for (let i = 0; i + 1 < r.items.length; i += 2) {
          this.pushReply(L, r.items[i], resp);
          this.pushReply(L, r.items[i + 1], resp);
          lua.settable(L, -3);
        }
        return lua.setfield(L, -2, 'map');
      case 'set':
        if (resp === 2) return this.pushArray(L, r.items, resp);
        lua.newtable(L);
        lua.newtable(L);
        for (const item of r.items) {
          this.pushReply(L, item, resp);
          lua.pushboolean(L, true);
          lua.settable(L, -3);
        }
        return lua.setfield(L, -2, 'set');
      case 'double':
        if (resp === 2) return lua.pushstring(L, formatDouble(r.value));
        lua.newtable(L);
        lua.pushnumber(L, r.value);
        return lua.setfield(L, -2, 'double');
      case 'bool':
        return resp === 2 ? lua.pushnumber(L, r.value ? 1 : 0) : lua.pushboolean(L, r.value);
      case 'bignum':
        if (resp === 2) return lua.pushstring(L, r.text);
        lua.newtable(L);
        lua.pushstring(L, r.text);
        return lua.setfield(L, -2, 'big_number');
      case 'verbatim':
        if (resp === 2) return lua.pushstring(L, r.text);
        lua.newtable(L);
        lua.newtable(L);
        lua.pushstring(L, r.text);
        lua.setfield(L, -2, 'string');
        lua.pushstring(L, r.format);
        lua.setfield(L, -2, 'format');
        return lua.setfield(L, -2, 'verbatim_string');
      case 'sequence': {
        // an attribute (raw bytes) is not shown to scripts: the reply after it is
        const first = r.items.find((item) => item.kind !== 'raw');
        return first ? this.pushReply(L, first, resp) : lua.pushnil(L);
      }
      case 'raw':
        return lua.pushnil(L);
    }
  }

  private pushArray(L: LuaState, items: Reply[], resp: 2 | 3): void {
    const lua = this.lua;
    lua.createtable(L, items.length, 0);
    for (let j = 0; j < items.length; j++) {
      this.pushReply(L, items[j], resp);
      lua.rawseti(L, -2, j + 1);
    }
  }

  /**
   * Lua value → Redis reply (luaReplyToRedisReply), consuming the value on top. `resp` is the script's protocol
   * (booleans differ). Tables are walked with an explicit stack of open containers rather than by recursion, their
   * tables held on the Lua stack as Redis holds them, so a reply nested as deep as Lua 5.1's C stack allows needs no
   * deep JavaScript stack, and the element past that limit becomes "reached lua stack limit" where Redis's does.
   */
  toReply(L: LuaState, resp: 2 | 3): Reply {
    const lua = this.lua;
    const bottom = lua.gettop(L) - 1;
    const frames: ReplyFrame[] = [];
    // the value on top: a leaf reply (the value popped), or null with a container's frame opened
    const open = (): Reply | null => {
      if (lua.gettop(L) - bottom + 4 > LUA_STACK_ROOM || !lua.checkstack(L, 4)) {
        lua.pop(L, 1);
        return error('ERR reached lua stack limit');
      }
      let leaf: Reply;
      switch (lua.type(L, -1)) {
        case 'string':
          leaf = bulk(lua.tostring(L, -1)!);
          break;
        case 'boolean':
          leaf = resp === 2 ? (lua.toboolean(L, -1) ? int(1) : NIL) : { kind: 'bool', value: lua.toboolean(L, -1) };
          break;
        case 'number':
          leaf = int(toLongLong(lua.tonumber(L, -1)));
          break;
        case 'table': {
          const special = this.specialTable(L);
          if (special === null) {
            frames.push({ kind: 'array', items: [], next: 1 });
            return null;
          }
          if (special === 'map' || special === 'set') {
            lua.pushnil(L); // the outer table and its map/set table stay below the iteration, as in Redis
            frames.push({ kind: special, items: [], next: 0 });
            return null;
          }
          leaf = special;
          break;
        }
        default:
          leaf = NIL;
      }
      lua.pop(L, 1);
      return leaf;
    };
    let leaf = open();
    for (;;) {
      const f = frames[frames.length - 1];
      if (leaf !== null) {
        if (!f) return leaf;
        f.items.push(leaf);
      }
      leaf = null;
      if (f.kind === 'array') {
        lua.pushnumber(L, f.next++);
        lua.rawget(L, -2);
        if (lua.type(L, -1) !== 'nil') {
          leaf = open();
          continue;
        }
        lua.pop(L, 2);
        frames.pop();
        leaf = array(f.items);
      } else if (f.next === 1) {
        f.next = 0; // a map's key was converted: now its value, leaving the key for lua_next
        leaf = open();
      } else if (lua.next(L, -2)) {
        if (f.kind === 'set') lua.pop(L, 1); // a set member's value is only `true`
        else f.next = 1;
        lua.pushvalue(L, f.kind === 'set' ? -1 : -2);
        leaf = open();
      } else {
        lua.pop(L, 2);
        frames.pop();
        leaf = f.kind === 'map' ? map(f.items) : set(f.items);
      }
    }
  }

  private field(L: LuaState, name: string): string {
    this.lua.pushstring(L, name);
    this.lua.rawget(L, -2);
    return this.lua.type(L, -1);
  }

  /**
   * The table on top as one of Redis's reply tables: a leaf reply for err, ok, double, big_number and
   * verbatim_string (the table is left for the caller to pop), 'map' or 'set' with that field's table pushed above
   * it, or null for a plain array.
   */
  private specialTable(L: LuaState): Reply | 'map' | 'set' | null {
    const lua = this.lua;
    if (this.field(L, 'err') === 'string') {
      const text = lua.tostring(L, -1)!;
      lua.pop(L, 1);
      return this.alreadyCounted(L) ? countedError(text) : error(text);
    }
    lua.pop(L, 1);
    if (this.field(L, 'ok') === 'string') {
      const text = lua.tostring(L, -1)!.replace(/[\r\n]/g, ' ');
      lua.pop(L, 1);
      return simple(text);
    }
    lua.pop(L, 1);
    if (this.field(L, 'double') === 'number') {
      const d = lua.tonumber(L, -1);
      lua.pop(L, 1);
      return double(d);
    }
    lua.pop(L, 1);
    if (this.field(L, 'big_number') === 'string') {
      const text = lua.tostring(L, -1)!.replace(/[\r\n]/g, ' ');
      lua.pop(L, 1);
      return { kind: 'bignum', text };
    }
    lua.pop(L, 1);
    if (this.field(L, 'verbatim_string') === 'table') {
      if (this.field(L, 'format') === 'string') {
        const format = lua.tostring(L, -1)!;
        lua.pop(L, 1);
        if (this.field(L, 'string') === 'string') {
          const text = lua.tostring(L, -1)!;
          lua.pop(L, 2);
          return verbatim(text, format.slice(0, 3));
        }
        lua.pop(L, 1);
      } else {
        lua.pop(L, 1);
      }
    }
    lua.pop(L, 1);
    if (this.field(L, 'map') === 'table') return 'map';
    lua.pop(L, 1);
    if (this.field(L, 'set') === 'table') return 'set';
    lua.pop(L, 1);
    return null;
  }

  // ---- running ----

  /** Run the function on top of the stack (with KEYS and ARGV, as globals for EVAL or arguments for FCALL). */
  execute(
    caller: Client, argv: readonly string[], funcname: string, flags: ScriptFlags, ro: boolean,
    keys: readonly string[], args: readonly string[], onDone: (reply: Reply) => void,
  ): Reply | typeof BLOCKED {
    const { lua, L, server } = this;
    const client = this.scriptClient;
    client.db = caller.db;
    client.proto = 2;
    const ctx: RunContext = {
      server, caller, argv, client, funcname, evalMode: this.kind === 'eval',
      readOnly: ro || (!flags.compat && flags.noWrites), allowOom: !flags.compat && flags.allowOom,
      writeDirty: false, killed: false, timedOut: false, startedAt: performance.now(), resp: 2, repl: REPL_AOF | REPL_REPLICA,
    };
    const fnRef = lua.ref(L);
    const co = lua.newthread(L);
    const threadRef = lua.ref(L);
    lua.pushfunction(co, (L2) => this.runner(L2));
    lua.rawgeti(co, LUA_REGISTRYINDEX, fnRef);
    const pushArray = (values: readonly string[]) => {
      lua.createtable(co, values.length, 0);
      for (let j = 0; j < values.length; j++) {
        lua.pushstring(co, values[j]);
        lua.rawseti(co, -2, j + 1);
      }
    };
    if (ctx.evalMode) {
      // KEYS and ARGV are globals of the locked table: unlock it for the two stores
      lua.pushglobaltable(co);
      lua.setReadonly(co, -1, false);
      pushArray(keys);
      lua.setfield(co, -2, 'KEYS');
      pushArray(args);
      lua.setfield(co, -2, 'ARGV');
      lua.setReadonly(co, -1, true);
      lua.pop(co, 1);
    } else {
      pushArray(keys);
      pushArray(args);
    }
    const nargs = lua.gettop(co) - 1;
    const mayYield = mayBlock(caller);
    const threshold = () => Number(server.config.get('busy-reply-threshold'));
    let sliceStart = performance.now();
    lua.sethook(co, (L2) => {
      if (ctx.killed) {
        server.log.warning('Lua script killed by user with SCRIPT KILL.');
        // every line from now on raises again, so a pcall cannot swallow the kill
        lua.sethook(L2, () => this.raiseError(L2, 'Script killed by user with SCRIPT KILL...'), 'line', 0);
        this.raiseError(L2, 'Script killed by user with SCRIPT KILL...');
      }
      const now = performance.now();
      const limit = threshold();
      if (!ctx.timedOut) {
        if (limit <= 0 || now - ctx.startedAt < limit) return;
        server.log.warning(`Slow script detected: still in execution after ${Math.floor(now - ctx.startedAt)} milliseconds. You can try killing the script using the ${ctx.evalMode ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${funcname}.`);
        ctx.timedOut = true;
      }
      if (now - sliceStart < SLICE_MS) return;
      if (mayYield && L2 === co && lua.isyieldable(L2)) {
        lua.yield(L2, 0);
        return;
      }
      if (now - ctx.startedAt > limit + UNYIELDABLE_LIMIT_MS) {
        this.raiseError(L2, `Script timed out after ${Math.floor(now - ctx.startedAt)} milliseconds where it could not let other clients in`);
      }
    }, 'count', HOOK_INSTRUCTIONS);

    current.set(server, ctx);
    this.run = ctx;
    server.keyspace.timeFrozen = true;
    const finish = (): Reply => {
      lua.sethook(co, null, 'count', 0);
      const ok = lua.toboolean(co, -1);
      lua.pop(co, 1);
      let reply: Reply;
      if (ok) {
        reply = this.toReply(co, ctx.resp);
      } else {
        reply = this.errorReply(co, ctx);
      }
      lua.settop(co, 0);
      lua.unref(L, fnRef);
      lua.unref(L, threadRef);
      this.run = null;
      server.keyspace.timeFrozen = false;
      current.delete(server);
      return reply;
    };
    // a failure of the engine itself (a bug) must not leave the script "running" and time frozen
    const abandon = (e: unknown): never => {
      this.run = null;
      server.keyspace.timeFrozen = false;
      current.delete(server);
      throw e;
    };
    let status: number;
    try {
      status = lua.resume(co, null, nargs);
    } catch (e) {
      return abandon(e);
    }
    if (status !== LUA_YIELD) return status === LUA_OK ? finish() : this.crashed(co, ctx, finish);

    // Timed out: the caller waits, the rest of the script runs in slices between which other clients are served
    // (and answered -BUSY); its writes still reach replicas as one MULTI/EXEC, as the batch stays open until the end.
    caller.send({ type: 'client.block', reason: 'script' });
    server.propagation.enter();
    const step = () => {
      if ((server as unknown as { shuttingDown: boolean }).shuttingDown) ctx.killed = true;
      sliceStart = performance.now();
      try {
        status = lua.resume(co, null, 0);
      } catch (e) {
        // from the event loop there is no caller to throw to: log it, answer the client, free the engine
        server.log.warning(`Script failed: ${(e as Error)?.stack ?? e}`);
        this.run = null;
        server.keyspace.timeFrozen = false;
        current.delete(server);
        server.propagation.exit();
        onDone(error(`ERR internal error running the script: ${(e as Error)?.message ?? e}`));
        return;
      }
      if (status === LUA_YIELD) {
        setImmediate(step);
        return;
      }
      const reply = status === LUA_OK ? finish() : this.crashed(co, ctx, finish);
      server.propagation.exit();
      onDone(reply);
    };
    setImmediate(step);
    return BLOCKED;
  }

  /** A failure outside the error handler (it failed itself): report what is on the stack. */
  private crashed(co: LuaState, ctx: RunContext, finish: () => Reply): Reply {
    const lua = this.lua;
    const msg = lua.tostring(co, -1) ?? 'execution failure';
    lua.settop(co, 0);
    lua.pushstring(co, msg);
    lua.pushboolean(co, false);
    void ctx;
    return finish();
  }

  /**
   * The coroutine's body: a protected call of the script with the error handler, yieldable so the time limit can
   * pause it. Leaves (result, true) or (error object, false).
   */
  private runner(L: LuaState): number {
    const lua = this.lua;
    const nargs = lua.gettop(L) - 1;
    lua.pushfunction(L, (L2) => this.errorHandler(L2));
    lua.insert(L, 1);
    const finish = (L2: LuaState, status: number): number => {
      lua.pushboolean(L2, status === LUA_OK || status === LUA_YIELD);
      return 2;
    };
    return finish(L, lua.pcallk(L, nargs, 1, 1, 0, finish));
  }

  /** __redis__err__handler: make the error a table and note where the script was (the caller of a C function). */
  private errorHandler(L: LuaState): number {
    const lua = this.lua;
    let info = lua.where(L, 1);
    if (info && (info.what === 'C' || info.what === 'J')) info = lua.where(L, 2);
    if (lua.type(L, 1) !== 'table') {
      // Lua 5.3 words type errors "attempt to index a nil value (field 'x')"; 5.1 said "attempt to index field 'x' (a nil value)"
      const msg = lua.tolstring(L, 1).replace(/attempt to (\w+) a (\w+) value \((global|local|field|upvalue|method|constant) '([^']*)'\)/, "attempt to $1 $3 '$4' (a $2 value)");
      lua.pop(L, 1);
      lua.settop(L, 0);
      lua.newtable(L);
      lua.pushstring(L, `ERR ${msg}`);
      lua.setfield(L, -2, 'err');
    } else {
      lua.settop(L, 1);
    }
    if (info) {
      lua.pushstring(L, info.source);
      lua.setfield(L, -2, 'source');
      lua.pushnumber(L, info.line);
      lua.setfield(L, -2, 'line');
    }
    return 1;
  }

  /** The error reply of a failed run: "<err> script: <name>, on <source>:<line>." */
  private errorReply(L: LuaState, ctx: RunContext): Reply {
    const lua = this.lua;
    if (lua.type(L, -1) !== 'table') {
      const msg = lua.isstring(L, -1) ? lua.tostring(L, -1)! : 'execution failure';
      return error(`ERR Error running script ${ctx.funcname}, ${msg.slice(0, 100)}`);
    }
    const get = (name: string): string | null => {
      lua.getfield(L, -1, name);
      const v = lua.isstring(L, -1) ? lua.tostring(L, -1) : null;
      lua.pop(L, 1);
      return v;
    };
    const msg = get('err') ?? '';
    const source = get('source');
    const line = get('line');
    const text = source !== null && line !== null ? `${msg} script: ${ctx.funcname}, on ${source}:${line}.` : msg;
    return this.alreadyCounted(L) ? countedError(text) : error(text);
  }

  /** The error table on top came from a command the script ran, which counted it (ignore_error_stats_update). */
  private alreadyCounted(L: LuaState): boolean {
    const lua = this.lua;
    lua.getfield(L, -1, 'ignore_error_stats_update');
    const flagged = lua.type(L, -1) === 'boolean' && lua.toboolean(L, -1);
    lua.pop(L, 1);
    return flagged;
  }
}

/**
 * Lua 5.1's C stack (LUAI_MAXCSTACK, 8000 slots) less the slot below the script's result: a conversion needing more
 * (4 free slots at each element, as luaReplyToRedisReply asks lua_checkstack) answers "reached lua stack limit".
 */
const LUA_STACK_ROOM = 7999;

/** A table being converted to a reply: its items so far, the next array index or a map's phase. */
interface ReplyFrame {
  kind: 'array' | 'map' | 'set';
  items: Reply[];
  /** array: the next index; map: 1 while its key was converted and its value is next. */
  next: number;
}

/** (long long) of a double, as x86 converts it: out of range and NaN give INT64_MIN. */
function toLongLong(d: number): number | bigint {
  if (Number.isNaN(d) || d >= 9223372036854775807 || d < -9223372036854775808) return -9223372036854775808n;
  const t = Math.trunc(d);
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

/** The environment of a server, created on first use (the VM loads then). */
const environments = new WeakMap<Server, Partial<Record<EnvKind, ScriptEnvironment>>>();

export function environment(server: Server, kind: EnvKind): ScriptEnvironment {
  let envs = environments.get(server);
  if (!envs) environments.set(server, (envs = {}));
  return (envs[kind] ??= new ScriptEnvironment(server, kind));
}

/** Drop an environment (SCRIPT FLUSH, FUNCTION FLUSH): the next use starts a fresh Lua state. */
export function resetEnvironment(server: Server, kind: EnvKind): void {
  const envs = environments.get(server);
  if (envs) delete envs[kind];
}

export function hasEnvironment(server: Server, kind: EnvKind): boolean {
  return !!environments.get(server)?.[kind];
}
