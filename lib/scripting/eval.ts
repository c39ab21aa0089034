/**
 * EVAL's script cache (eval.c): scripts by SHA1, compiled once into the eval environment, with their shebang
 * flags. SCRIPT FLUSH drops the cache and the Lua state with it.
 */
import type { Server } from '../server/server';
import { environment, flagsOf, FLAG_NAMES, hasEnvironment, resetEnvironment, sha1hex, type FlagName, type ScriptFlags } from './engine';
import { LUA_REGISTRYINDEX } from './lua';
import { splitArgs } from '../server/config-values';

export interface CachedScript {
  body: string;
  flags: ScriptFlags;
}

const caches = new WeakMap<Server, Map<string, CachedScript>>();

export function scriptCache(server: Server): Map<string, CachedScript> {
  let cache = caches.get(server);
  if (!cache) caches.set(server, (cache = new Map()));
  return cache;
}

/** evalExtractShebangFlags: the flags of `#!lua flags=a,b` and the shebang's length; compat flags without one. */
export function shebangFlags(body: string): { flags: ScriptFlags; shebangLength: number } | { error: string } {
  if (!body.startsWith('#!')) return { flags: flagsOf([], true), shebangLength: 0 };
  const end = body.indexOf('\n');
  if (end < 0) return { error: 'Invalid script shebang' };
  const parts = splitArgs(body.slice(0, end));
  if (!parts || parts.length === 0) return { error: 'Invalid engine in script shebang' };
  if (parts[0] !== '#!lua') return { error: `Unexpected engine in script shebang: ${parts[0]}` };
  const names: FlagName[] = [];
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return { error: `Unknown lua shebang option: ${part}` };
    const list = part.slice(6);
    for (const f of list.split(',')) {
      // sdssplitlen of an empty string gives no element
      if (list === '') break;
      if (!(FLAG_NAMES as readonly string[]).includes(f)) return { error: `Unexpected flag in script shebang: ${f}` };
      names.push(f as FlagName);
    }
  }
  return { flags: flagsOf(names), shebangLength: end };
}

/**
 * luaCreateFunction: compile a script into the registry as f_<sha> (once per body). Returns its SHA1, or the error
 * text to answer.
 */
export function createScript(server: Server, body: string): { sha: string } | { error: string } {
  const sha = sha1hex(body);
  const cache = scriptCache(server);
  if (cache.has(sha)) return { sha };
  const parsed = shebangFlags(body);
  if ('error' in parsed) return parsed;
  const env = environment(server, 'eval');
  const { lua, L } = env;
  // the shebang is skipped but its line feed kept, so line numbers stay the user's
  const status = lua.load(L, body.slice(parsed.shebangLength), '@user_script');
  if (status !== 0) {
    // Lua 5.1 quotes the end of input: near '<eof>'
    const msg = (lua.tostring(L, -1) ?? '').replace(/near <eof>$/, "near '<eof>'");
    lua.pop(L, 1);
    return { error: `ERR Error compiling script (new function): ${msg}` };
  }
  lua.setfield(L, LUA_REGISTRYINDEX, `f_${sha}`);
  cache.set(sha, { body, flags: parsed.flags });
  return { sha };
}

/** Push the compiled script f_<sha> onto the eval environment's stack. */
export function pushScript(server: Server, sha: string): void {
  const { lua, L } = environment(server, 'eval');
  lua.getfield(L, LUA_REGISTRYINDEX, `f_${sha}`);
}

/** SCRIPT FLUSH (scriptingReset): forget every script and start a new Lua state on next use. */
export function flushScripts(server: Server): void {
  scriptCache(server).clear();
  if (hasEnvironment(server, 'eval')) resetEnvironment(server, 'eval');
}
