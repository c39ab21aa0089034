/**
 * Function libraries (functions.c, function_lua.c): FUNCTION LOAD compiles a `#!lua name=<lib>` library in the
 * function environment, whose code registers functions with redis.register_function; libraries are kept with their
 * source, which is what RDB files, DUMP payloads and replicas carry.
 */
import type { Server } from '../server/server';
import { environment, flagsOf, FLAG_NAMES, resetEnvironment, hasEnvironment, type FlagName, type ScriptFlags } from './engine';
import { splitArgs } from '../server/config-values';
import { LUA_REGISTRYINDEX, type LuaState } from './lua';

export interface LibraryFunction {
  name: string;
  description: string | null;
  flagNames: FlagName[];
  flags: ScriptFlags;
  /** The callback's registry reference in the function environment. */
  ref: number;
  library: Library;
}

export interface Library {
  name: string;
  engine: 'LUA';
  /** The whole source, shebang included. */
  code: string;
  functions: Map<string, LibraryFunction>;
}

export interface FunctionsState {
  libraries: Map<string, Library>;
  /** Every library's functions by lower-cased name: function names ignore case (functions.c's dict type). */
  functions: Map<string, LibraryFunction>;
}

/** The function FCALL `name` runs, whatever the case it is written in. */
export function functionNamed(state: FunctionsState, name: string): LibraryFunction | undefined {
  return state.functions.get(name.toLowerCase());
}

const states = new WeakMap<Server, FunctionsState>();

export function functionsOf(server: Server): FunctionsState {
  let s = states.get(server);
  if (!s) states.set(server, (s = { libraries: new Map(), functions: new Map() }));
  return s;
}

/** The sources of every library (RDB FUNCTION2 records, the AOF base, FUNCTION DUMP). */
export function librarySources(server: Server): string[] {
  return [...functionsOf(server).libraries.values()].map((l) => l.code);
}

const VALID_NAME = /^[A-Za-z0-9_]+$/;
const LOAD_TIMEOUT_MS = 500;

/** functionExtractLibMetaData: engine, name and the code after the shebang line. */
function libraryMetadata(code: string): { engine: string; name: string; body: string } | { error: string } {
  if (!code.startsWith('#!')) return { error: 'Missing library metadata' };
  const end = code.indexOf('\n');
  if (end < 0) return { error: 'Invalid library metadata' };
  const parts = splitArgs(code.slice(0, end));
  if (!parts || parts.length === 0) return { error: 'Invalid library metadata' };
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return { error: 'Invalid metadata value, name argument was given multiple times' };
      name = part.slice(5);
      continue;
    }
    return { error: `Invalid metadata value given: ${part}` };
  }
  if (name === null) return { error: 'Library name was not given' };
  return { engine: parts[0].slice(2), name, body: code.slice(end) };
}

/** What redis.register_function received, checked as luaRegisterFunctionReadArgs does. */
function readRegisterArgs(server: Server, L: LuaState): { name: string; description: string | null; flags: FlagName[]; ref: number } {
  const env = environment(server, 'function');
  const lua = env.lua;
  const argc = lua.gettop(L);
  if (argc < 1 || argc > 2) return env.raiseError(L, 'wrong number of arguments to redis.register_function');
  if (argc === 2) {
    if (!lua.isstring(L, 1)) return env.raiseError(L, 'first argument to redis.register_function must be a string');
    if (lua.type(L, 2) !== 'function') return env.raiseError(L, 'second argument to redis.register_function must be a function');
    const name = lua.tostring(L, 1)!;
    lua.pushvalue(L, 2);
    return { name, description: null, flags: [], ref: lua.ref(L) };
  }
  if (lua.type(L, 1) !== 'table') return env.raiseError(L, 'calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
  let name: string | null = null, description: string | null = null, ref = -1;
  const flags: FlagName[] = [];
  const fail = (msg: string): never => {
    if (ref >= 0) lua.unref(L, ref);
    return env.raiseError(L, msg);
  };
  lua.pushnil(L);
  while (lua.next(L, 1)) {
    if (!lua.isstring(L, -2)) fail('named argument key given to redis.register_function is not a string');
    const key = lua.type(L, -2) === 'string' ? lua.tostring(L, -2)!.toLowerCase() : String(lua.tonumber(L, -2));
    if (key === 'function_name') {
      if (!lua.isstring(L, -1)) fail('function_name argument given to redis.register_function must be a string');
      name = lua.tostring(L, -1);
    } else if (key === 'description') {
      if (!lua.isstring(L, -1)) fail('description argument given to redis.register_function must be a string');
      description = lua.tostring(L, -1);
    } else if (key === 'callback') {
      if (lua.type(L, -1) !== 'function') fail('callback argument given to redis.register_function must be a function');
      lua.pushvalue(L, -1);
      ref = lua.ref(L);
    } else if (key === 'flags') {
      if (lua.type(L, -1) !== 'table') fail('flags argument to redis.register_function must be a table representing function flags');
      for (let j = 1; ; j++) {
        lua.rawgeti(L, -1, j);
        if (lua.type(L, -1) === 'nil') {
          lua.pop(L, 1);
          break;
        }
        const f = lua.isstring(L, -1) ? lua.tostring(L, -1)!.toLowerCase() : null;
        lua.pop(L, 1);
        if (f === null || !(FLAG_NAMES as readonly string[]).includes(f)) fail('unknown flag given');
        if (!flags.includes(f as FlagName)) flags.push(f as FlagName);
      }
    } else {
      fail('unknown argument given to redis.register_function');
    }
    lua.pop(L, 1);
  }
  if (name === null) fail('redis.register_function must get a function name argument');
  if (ref < 0) fail('redis.register_function must get a callback argument');
  return { name: name!, description, flags: FLAG_NAMES.filter((f) => flags.includes(f)), ref };
}

/**
 * functionsCreateWithLibraryCtx: compile and run a library's code, collecting what it registers, into `state`.
 * Returns the library's name or the error text (without code: the caller adds ERR).
 */
export function createLibrary(server: Server, code: string, replace: boolean, state = functionsOf(server)): { name: string } | { error: string } {
  const md = libraryMetadata(code);
  if ('error' in md) return md;
  if (!VALID_NAME.test(md.name)) return { error: 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long' };
  if (md.engine.toLowerCase() !== 'lua') return { error: `Engine '${md.engine}' not found` };
  const old = state.libraries.get(md.name);
  if (old && !replace) return { error: `Library '${md.name}' already exists` };
  const env = environment(server, 'function');
  const { lua, L } = env;
  const library: Library = { name: md.name, engine: 'LUA', code, functions: new Map() };
  const release = () => {
    for (const f of library.functions.values()) lua.unref(L, f.ref);
  };
  if (lua.load(L, md.body, '@user_function') !== 0) {
    // Lua 5.1 quotes the end of input: near '<eof>'
    const msg = (lua.tostring(L, -1) ?? '').replace(/near <eof>$/, "near '<eof>'");
    lua.pop(L, 1);
    return { error: `Error compiling function: ${msg}` };
  }
  let registerError: string | null = null;
  env.loading = (L2) => {
    const args = readRegisterArgs(server, L2);
    if (!VALID_NAME.test(args.name)) {
      lua.unref(L2, args.ref);
      return env.raiseError(L2, 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long');
    }
    if (library.functions.has(args.name)) {
      lua.unref(L2, args.ref);
      return env.raiseError(L2, 'Function already exists in the library');
    }
    library.functions.set(args.name, {
      name: args.name, description: args.description, flagNames: args.flags, flags: flagsOf(args.flags), ref: args.ref, library,
    });
    return 0;
  };
  env.setLoadMode(true);
  const started = performance.now();
  lua.sethook(L, (L2) => {
    if (performance.now() - started > LOAD_TIMEOUT_MS) {
      lua.sethook(L2, () => env.raiseError(L2, 'FUNCTION LOAD timeout'), 'line', 0);
      env.raiseError(L2, 'FUNCTION LOAD timeout');
    }
  }, 'count', 10000);
  const status = lua.runningOn(L, () => lua.pcall(L, 0, 0, 0));
  lua.sethook(L, null, 'count', 0);
  env.setLoadMode(false);
  env.loading = null;
  if (status !== 0) {
    if (lua.type(L, -1) === 'table') {
      lua.getfield(L, -1, 'err');
      registerError = lua.tostring(L, -1) ?? '';
      lua.pop(L, 1);
    } else {
      registerError = `ERR ${lua.tostring(L, -1) ?? ''}`;
    }
    lua.pop(L, 1);
    release();
    return { error: `Error registering functions: ${registerError}` };
  }
  if (library.functions.size === 0) return { error: 'No functions registered' };
  for (const f of library.functions.values()) {
    const existing = functionNamed(state, f.name);
    if (existing && existing.library !== old) {
      release();
      return { error: `Function ${f.name} already exists` };
    }
  }
  if (old) unlinkLibrary(state, old, (r) => lua.unref(L, r));
  linkLibrary(state, library);
  return { name: md.name };
}

function linkLibrary(state: FunctionsState, library: Library): void {
  state.libraries.set(library.name, library);
  for (const f of library.functions.values()) state.functions.set(f.name.toLowerCase(), f);
}

function unlinkLibrary(state: FunctionsState, library: Library, unref?: (ref: number) => void): void {
  state.libraries.delete(library.name);
  for (const f of library.functions.values()) {
    state.functions.delete(f.name.toLowerCase());
    unref?.(f.ref);
  }
}

/** FUNCTION DELETE */
export function deleteLibrary(server: Server, name: string): boolean {
  const state = functionsOf(server);
  const library = state.libraries.get(name);
  if (!library) return false;
  const env = environment(server, 'function');
  unlinkLibrary(state, library, (r) => env.lua.unref(env.L, r));
  return true;
}

/** FUNCTION FLUSH: no library, and a fresh Lua state on next use. */
export function flushFunctions(server: Server): void {
  const state = functionsOf(server);
  state.libraries.clear();
  state.functions.clear();
  if (hasEnvironment(server, 'function')) resetEnvironment(server, 'function');
}

/**
 * Load libraries together (FUNCTION RESTORE, an RDB file): compiled into a new set, then joined with the current
 * one (libraryJoin) or swapped in for it (`policy` flush). Returns an error text or null.
 */
export function restoreLibraries(server: Server, sources: readonly string[], policy: 'flush' | 'append' | 'replace'): string | null {
  const current = functionsOf(server);
  const incoming: FunctionsState = { libraries: new Map(), functions: new Map() };
  const refused = (text: string): string => {
    for (const lib of [...incoming.libraries.values()]) {
      const env = environment(server, 'function');
      unlinkLibrary(incoming, lib, (r) => env.lua.unref(env.L, r));
    }
    return text;
  };
  for (const code of sources) {
    const r = createLibrary(server, code, false, incoming);
    if ('error' in r) return refused(r.error);
  }
  if (policy !== 'flush') {
    for (const lib of incoming.libraries.values()) {
      if (policy === 'append' && current.libraries.has(lib.name)) return refused(`Library ${lib.name} already exists`);
    }
    for (const lib of incoming.libraries.values()) {
      for (const f of lib.functions.values()) {
        const existing = functionNamed(current, f.name);
        if (existing && !(policy === 'replace' && incoming.libraries.has(existing.library.name))) return refused(`Function ${f.name} already exists`);
      }
    }
  }
  // the environment is only touched when there is something to release: an RDB without functions loads no VM
  for (const lib of [...current.libraries.values()]) {
    if (policy !== 'flush' && !incoming.libraries.has(lib.name)) continue;
    const env = environment(server, 'function');
    unlinkLibrary(current, lib, (r) => env.lua.unref(env.L, r));
  }
  for (const lib of incoming.libraries.values()) linkLibrary(current, lib);
  return null;
}

/**
 * The libraries of an RDB file (a dump file, an AOF base, a master's snapshot) in place of the current ones, or
 * (DEBUG RELOAD NOFLUSH) beside them: 'append' refuses a library already there, 'replace' (MERGE) takes the file's.
 */
export function installRdbLibraries(server: Server, policy: 'flush' | 'append' | 'replace' = 'flush'): (sources: string[]) => string | null {
  return (sources) => restoreLibraries(server, sources, policy);
}

/** Push a function's callback onto the function environment's stack. */
export function pushFunction(server: Server, f: LibraryFunction): void {
  const { lua, L } = environment(server, 'function');
  lua.rawgeti(L, LUA_REGISTRYINDEX, f.ref);
}
