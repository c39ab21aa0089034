/**
 * INFO memory's scripting lines (evalMemory, evalScriptsMemory, functionsMemory and functionsMemoryOverhead in
 * eval.c and functions.c): each Lua state's heap as the adapter estimates it (0 while the VM was never started),
 * and the script cache and libraries as Redis's allocator would count their strings and dictionaries.
 */
import type { Server } from '../server/server';
import { bytesToHuman } from '../server/info';
import { environment, hasEnvironment, type EnvKind } from './engine';
import { scriptCache } from './eval';
import { functionsOf } from './functions';

/** jemalloc's size class for a request of `n` bytes: four classes per doubling past 128. */
function mallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const spacing = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / spacing) * spacing;
}

/** sdsZmallocSize of an sds holding `len` bytes: the header sdsnewlen picks for that length, the NUL, the class. */
function sdsSize(len: number): number {
  const header = len === 0 ? 3 : len < 32 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : len < 2 ** 32 ? 9 : 17;
  return mallocSize(header + len + 1);
}

/** A script body as EVAL / SCRIPT LOAD received it: an embedded string object up to 44 bytes, an sds past that. */
function bodySize(len: number): number {
  return len <= 44 ? mallocSize(16 + 3 + len + 1) - 16 : sdsSize(len);
}

/** Slots of a dict holding `n` entries (it doubles when full, from 4; none until the first entry). */
const dictSlots = (n: number) => (n === 0 ? 0 : Math.max(4, 2 ** Math.ceil(Math.log2(n))));
const DICT_ENTRY = 24;

/** luaMemory(): whole kilobytes, as LUA_GCCOUNT gives them. */
function vmMemory(server: Server, kind: EnvKind): number {
  if (!hasEnvironment(server, kind)) return 0;
  return Math.floor(environment(server, kind).lua.memory() / 1024) * 1024;
}

/** evalScriptsMemory(): each cached script's SHA and body, its dict entry and luaScript, the dict's slots. */
function scriptsMemory(server: Server): number {
  const cache = scriptCache(server);
  let total = 0;
  for (const script of cache.values()) total += sdsSize(40) + bodySize(script.body.length) + DICT_ENTRY + 16;
  return total + dictSlots(cache.size) * 8;
}

/**
 * The Lua engine's registration (its dict entry and slots, engineInfo, name, engine and engine context) and the
 * empty functionsLibCtx: what functionsMemoryOverhead() counts before any library.
 */
const FUNCTIONS_BASE_OVERHEAD = 200;

/** functionsMemoryOverhead(): the functions dict and, per library and function, the structs and strings held. */
function functionsOverhead(server: Server): number {
  const state = functionsOf(server);
  let total = FUNCTIONS_BASE_OVERHEAD + state.functions.size * DICT_ENTRY + dictSlots(state.functions.size) * 8;
  for (const lib of state.libraries.values()) {
    total += mallocSize(32) + sdsSize(lib.name.length) + sdsSize(lib.code.length);
    for (const f of lib.functions.values()) {
      total += mallocSize(40) + sdsSize(f.name.length) + (f.description === null ? 0 : sdsSize(f.description.length)) + 8;
    }
  }
  return total;
}

/** The lines INFO memory prints between total_system_memory_human and maxmemory, in Redis 7.0's order. */
export function scriptingMemoryLines(server: Server): string[] {
  const vmEval = vmMemory(server, 'eval');
  const vmFunctions = vmMemory(server, 'function');
  const scripts = scriptsMemory(server);
  const functions = functionsOverhead(server);
  const state = functionsOf(server);
  return [
    `used_memory_lua:${vmEval}`,
    `used_memory_vm_eval:${vmEval}`,
    `used_memory_lua_human:${bytesToHuman(vmEval)}`,
    `used_memory_scripts_eval:${scripts}`,
    `number_of_cached_scripts:${scriptCache(server).size}`,
    `number_of_functions:${state.functions.size}`,
    `number_of_libraries:${state.libraries.size}`,
    `used_memory_vm_functions:${vmFunctions}`,
    `used_memory_vm_total:${vmEval + vmFunctions}`,
    `used_memory_vm_total_human:${bytesToHuman(vmEval + vmFunctions)}`,
    `used_memory_functions:${functions}`,
    `used_memory_scripts:${scripts + functions}`,
    `used_memory_scripts_human:${bytesToHuman(scripts + functions)}`,
  ];
}
