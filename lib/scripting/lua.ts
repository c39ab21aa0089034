/**
 * The one module that knows which Lua VM toyredis embeds (fengari: Lua 5.3 in plain JavaScript, loaded on the first
 * script). It exposes a small Lua C API over latin1 strings, and bends the VM towards the Lua 5.1 Redis ships:
 * numbers are doubles (literals and tonumber give floats), integral floats print without ".0" as "%.14g", and
 * tables can be made read-only (Redis's lua_enablereadonlytable) so the sandbox can lock its globals.
 */
/** A Lua state or thread; opaque outside this module. */
export type LuaState = { readonly __luaState: unique symbol };
/** A function Lua can call: reads its arguments from the stack, pushes results, returns how many. */
export type LuaFunction = (L: LuaState) => number;
/** A continuation after a yield inside a protected call (lua_KFunction). */
export type LuaContinuation = (L: LuaState, status: number, ctx: number) => number;

export type LuaType = 'none' | 'nil' | 'boolean' | 'lightuserdata' | 'number' | 'string' | 'table' | 'function' | 'userdata' | 'thread';

export const LUA_OK = 0;
export const LUA_YIELD = 1;
export const LUA_ERRRUN = 2;
export const LUA_ERRSYNTAX = 3;
export const LUA_ERRMEM = 4;
export const LUA_MULTRET = -1;
export const LUA_REGISTRYINDEX = -1000000 - 1000;
/** registry[LUA_RIDX_GLOBALS]: the table chunks get as _ENV when loaded. */
export const LUA_RIDX_GLOBALS = 2;
/** lstate.h: the CallInfo bit holding the original 'allowhook'. */
const CIST_OAH = 1 << 0;
const TYPE_NAMES: readonly LuaType[] = ['nil', 'boolean', 'lightuserdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'];

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;
let fengari: { lua: Any; lauxlib: Any; lualib: Any; ldebug: Any } | null = null;
/** The thread running now: where a write to a read-only table raises its error when the VM does not say. */
let running: Any = null;

/** C's "%.14g", the LUA_NUMBER_FMT of Lua 5.1. */
export function formatNumber14g(n: number): string {
  if (Number.isNaN(n)) return Object.is(n, NaN) && 1 / n < 0 ? '-nan' : 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [m, e] = n.toExponential(13).split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 14) {
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const fixed = n.toFixed(Math.max(0, 13 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** Load fengari once, configured and patched. Synchronous, so the first EVAL can do it in its handler. */
function vm() {
  if (fengari) return fengari;
  // literal require() calls: esbuild bundles fengari and runs its modules only when this first executes
  const saved = process.env.FENGARICONF;
  // Lua 5.1 prints integral floats without ".0": fengari reads this option when it loads
  process.env.FENGARICONF = JSON.stringify({ LUA_COMPAT_FLOATSTRING: true, LUAI_MAXSTACK: 1000000 });
  const main = require('fengari');
  if (saved === undefined) delete process.env.FENGARICONF;
  else process.env.FENGARICONF = saved;
  const lobject = require('fengari/src/lobject.js');
  const ltable = require('fengari/src/ltable.js');
  const ldebug = require('fengari/src/ldebug.js');
  const { luaS_bless } = require('fengari/src/lstring.js');

  // Lua 5.1 has doubles only: every numeral and every string converted to a number becomes a float, so integer
  // arithmetic never wraps at fengari's 32 bits
  const str2num = lobject.luaO_str2num;
  lobject.luaO_str2num = (s: Any, o: Any) => {
    const size = str2num(s, o);
    if (size !== 0 && o.ttisinteger()) o.setfltvalue(o.value);
    return size;
  };
  // floats print as "%.14g" (tostring, concatenation, table.concat)
  const tostring = lobject.luaO_tostring;
  lobject.luaO_tostring = (L: Any, obj: Any) => {
    if (obj.ttisinteger()) return tostring(L, obj);
    obj.setsvalue(luaS_bless(L, Buffer.from(formatNumber14g(obj.value), 'latin1')));
  };
  // read-only tables (Redis's patched Lua): any store into one raises an error
  const readonlyError = (L: Any) => ldebug.luaG_runerror(L, Buffer.from('Attempt to modify a readonly table', 'latin1'));
  const setfrom = ltable.luaH_setfrom;
  ltable.luaH_setfrom = (L: Any, t: Any, key: Any, value: Any) => {
    if (t.readonly) readonlyError(L);
    return setfrom(L, t, key, value);
  };
  const setint = ltable.luaH_setint;
  ltable.luaH_setint = (t: Any, key: Any, value: Any) => {
    if (t.readonly && running) readonlyError(running);
    return setint(t, key, value);
  };
  fengari = { lua: main.lua, lauxlib: main.lauxlib, lualib: main.lualib, ldebug };
  return fengari;
}

const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const text = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('latin1');

/**
 * The Lua C API over one state, strings as latin1 JS strings. Method names follow lua_* / luaL_* without prefix;
 * indices are stack indices as in C.
 */
export class Lua {
  readonly L: LuaState;
  private readonly f = vm();

  constructor() {
    this.L = this.f.lauxlib.luaL_newstate();
  }

  /** Open the libraries Redis loads from Lua itself: base, table, string, math (and debug, for the error handler). */
  openLibs(L: LuaState, names: readonly ('base' | 'table' | 'string' | 'math' | 'debug' | 'coroutine')[]): void {
    const { lualib, lauxlib, lua } = this.f;
    for (const name of names) {
      const open = lualib[`luaopen_${name}`];
      lauxlib.luaL_requiref(L, bytes(name === 'base' ? '_G' : name), open, 1);
      lua.lua_pop(L, 1);
    }
  }

  // ---- stack ----
  gettop = (L: LuaState): number => this.f.lua.lua_gettop(L);
  settop = (L: LuaState, i: number): void => this.f.lua.lua_settop(L, i);
  pop = (L: LuaState, n: number): void => this.f.lua.lua_pop(L, n);
  pushvalue = (L: LuaState, i: number): void => this.f.lua.lua_pushvalue(L, i);
  insert = (L: LuaState, i: number): void => this.f.lua.lua_insert(L, i);
  remove = (L: LuaState, i: number): void => this.f.lua.lua_remove(L, i);
  replace = (L: LuaState, i: number): void => this.f.lua.lua_replace(L, i);
  checkstack = (L: LuaState, n: number): boolean => this.f.lua.lua_checkstack(L, n);
  absindex = (L: LuaState, i: number): number => this.f.lua.lua_absindex(L, i);

  // ---- push ----
  pushnil = (L: LuaState): void => this.f.lua.lua_pushnil(L);
  pushnumber = (L: LuaState, n: number): void => this.f.lua.lua_pushnumber(L, n);
  /** An integer subtype (string positions, lengths): prints without a fraction either way. */
  pushinteger = (L: LuaState, n: number): void => this.f.lua.lua_pushinteger(L, n);
  pushboolean = (L: LuaState, b: boolean): void => this.f.lua.lua_pushboolean(L, b);
  pushstring = (L: LuaState, s: string): void => { this.f.lua.lua_pushlstring(L, bytes(s), s.length); };
  pushbytes = (L: LuaState, b: Uint8Array): void => { this.f.lua.lua_pushlstring(L, b, b.length); };
  pushfunction = (L: LuaState, fn: LuaFunction): void => this.f.lua.lua_pushcfunction(L, fn);
  /** A function with `n` upvalues taken from the stack. */
  pushclosure = (L: LuaState, fn: LuaFunction, n: number): void => this.f.lua.lua_pushcclosure(L, fn, n);
  upvalueindex = (i: number): number => LUA_REGISTRYINDEX - i;
  pushlightuserdata = (L: LuaState, p: object): void => this.f.lua.lua_pushlightuserdata(L, p);
  pushglobaltable = (L: LuaState): void => this.f.lua.lua_pushglobaltable(L);

  // ---- read ----
  type = (L: LuaState, i: number): LuaType => {
    const t = this.f.lua.lua_type(L, i);
    return t < 0 ? 'none' : TYPE_NAMES[t];
  };
  isstring = (L: LuaState, i: number): boolean => this.f.lua.lua_isstring(L, i);
  isnumber = (L: LuaState, i: number): boolean => this.f.lua.lua_isnumber(L, i);
  isinteger = (L: LuaState, i: number): boolean => this.f.lua.lua_isinteger(L, i);
  toboolean = (L: LuaState, i: number): boolean => this.f.lua.lua_toboolean(L, i);
  tonumber = (L: LuaState, i: number): number => this.f.lua.lua_tonumber(L, i);
  /** lua_tolstring: numbers are converted in place, as in C; null for other types. */
  tostring = (L: LuaState, i: number): string | null => {
    const u = this.f.lua.lua_tolstring(L, i);
    return u ? text(u) : null;
  };
  tobytes = (L: LuaState, i: number): Uint8Array | null => this.f.lua.lua_tolstring(L, i);
  topointer = (L: LuaState, i: number): object | null => this.f.lua.lua_topointer(L, i);
  touserdata = (L: LuaState, i: number): unknown => this.f.lua.lua_touserdata(L, i);
  rawlen = (L: LuaState, i: number): number => this.f.lua.lua_rawlen(L, i);
  rawequal = (L: LuaState, a: number, b: number): boolean => this.f.lua.lua_rawequal(L, a, b);
  /** luaL_tolstring: any value as tostring() would show it, pushed on the stack and returned. */
  tolstring = (L: LuaState, i: number): string => text(this.f.lauxlib.luaL_tolstring(L, i));

  // ---- tables ----
  newtable = (L: LuaState): void => this.f.lua.lua_newtable(L);
  createtable = (L: LuaState, narr: number, nrec: number): void => this.f.lua.lua_createtable(L, narr, nrec);
  gettable = (L: LuaState, i: number): number => this.f.lua.lua_gettable(L, i);
  settable = (L: LuaState, i: number): void => this.f.lua.lua_settable(L, i);
  getfield = (L: LuaState, i: number, k: string): number => this.f.lua.lua_getfield(L, i, bytes(k));
  setfield = (L: LuaState, i: number, k: string): void => this.f.lua.lua_setfield(L, i, bytes(k));
  rawget = (L: LuaState, i: number): number => this.f.lua.lua_rawget(L, i);
  rawset = (L: LuaState, i: number): void => this.f.lua.lua_rawset(L, i);
  rawgeti = (L: LuaState, i: number, n: number): number => this.f.lua.lua_rawgeti(L, i, n);
  rawseti = (L: LuaState, i: number, n: number): void => this.f.lua.lua_rawseti(L, i, n);
  getglobal = (L: LuaState, k: string): number => this.f.lua.lua_getglobal(L, bytes(k));
  setglobal = (L: LuaState, k: string): void => this.f.lua.lua_setglobal(L, bytes(k));
  next = (L: LuaState, i: number): boolean => !!this.f.lua.lua_next(L, i);
  getmetatable = (L: LuaState, i: number): boolean => !!this.f.lua.lua_getmetatable(L, i);
  setmetatable = (L: LuaState, i: number): void => this.f.lua.lua_setmetatable(L, i);
  ref = (L: LuaState): number => this.f.lauxlib.luaL_ref(L, LUA_REGISTRYINDEX);
  unref = (L: LuaState, r: number): void => this.f.lauxlib.luaL_unref(L, LUA_REGISTRYINDEX, r);

  /** lua_enablereadonlytable: lock or unlock the table at `i` against every store. */
  setReadonly = (L: LuaState, i: number, on: boolean): void => {
    (this.f.lua.lua_topointer(L, i) as { readonly?: boolean }).readonly = on;
  };
  isReadonly = (L: LuaState, i: number): boolean => !!(this.f.lua.lua_topointer(L, i) as { readonly?: boolean } | null)?.readonly;

  // ---- running code ----
  /** luaL_loadbuffer: LUA_OK with the chunk pushed, or an error status with the message pushed. */
  load = (L: LuaState, code: string | Uint8Array, chunkname: string): number =>
    this.f.lauxlib.luaL_loadbuffer(L, typeof code === 'string' ? bytes(code) : code, null, bytes(chunkname));
  pcall = (L: LuaState, nargs: number, nresults: number, msgh: number): number => this.f.lua.lua_pcall(L, nargs, nresults, msgh);
  /** A protected call a hook may yield through: after the yield, `k` finishes the calling function. */
  pcallk = (L: LuaState, nargs: number, nresults: number, msgh: number, ctx: number, k: LuaContinuation): number => {
    this.keepAllowhook(L);
    return this.f.lua.lua_pcallk(L, nargs, nresults, msgh, ctx, k);
  };
  /**
   * Lua 5.3's lua_pcallk records whether hooks were allowed in the calling frame's CIST_OAH bit, and the error
   * recovery of a yieldable pcall restores it from there. fengari's `callstatus &= ~CIST_OAH | allowhook` never sets
   * the bit, so the first error such a pcall caught inside a coroutine (every script runs in one) turned hooks off
   * for good: a script looping on pcall could then never be killed or time out. Set the bit as lapi.c does before
   * any yieldable protected call (ours, and the xpcall of fengari's base library through a wrapper).
   */
  keepAllowhook = (L: LuaState): void => {
    const state = L as unknown as { ci: { callstatus: number }; allowhook: number };
    state.ci.callstatus = (state.ci.callstatus & ~CIST_OAH) | (state.allowhook ? CIST_OAH : 0);
  };
  /** The JavaScript function behind a C function value (the base library's own, to wrap it). */
  tojsfunction = (L: LuaState, i: number): LuaFunction | null => this.f.lua.lua_tocfunction(L, i) as LuaFunction | null;
  call = (L: LuaState, nargs: number, nresults: number): void => this.f.lua.lua_call(L, nargs, nresults);
  /** lua_error: raise the value on top of the stack. Never returns. */
  error = (L: LuaState): never => {
    this.f.lua.lua_error(L);
    throw new Error('lua_error returned');
  };
  /** luaL_error with a plain message: "<source>:<line>: " of the calling Lua code, then the message. */
  raise = (L: LuaState, message: string): never => {
    const { lauxlib, lua } = this.f;
    lauxlib.luaL_where(L, 1);
    this.pushstring(L, message);
    lua.lua_concat(L, 2);
    return this.error(L);
  };
  /** luaL_argerror: "bad argument #n to 'fname' (message)". */
  argerror = (L: LuaState, arg: number, message: string): never => {
    this.f.lauxlib.luaL_argerror(L, arg, bytes(message));
    throw new Error('luaL_argerror returned');
  };
  checknumber = (L: LuaState, i: number): number => this.f.lauxlib.luaL_checknumber(L, i);
  checkinteger = (L: LuaState, i: number): number => this.f.lauxlib.luaL_checkinteger(L, i);
  checkstring = (L: LuaState, i: number): string => text(this.f.lauxlib.luaL_checklstring(L, i));
  checkbytes = (L: LuaState, i: number): Uint8Array => this.f.lauxlib.luaL_checklstring(L, i);
  checktable = (L: LuaState, i: number): void => this.f.lauxlib.luaL_checktype(L, i, 5);
  checkany = (L: LuaState, i: number): void => this.f.lauxlib.luaL_checkany(L, i);
  optnumber = (L: LuaState, i: number, d: number): number => this.f.lauxlib.luaL_optnumber(L, i, d);

  // ---- threads and hooks ----
  newthread = (L: LuaState): LuaState => this.f.lua.lua_newthread(L);
  /** Resume a thread; the VM remembers it as the one running, for read-only table errors raised without a state. */
  resume = (co: LuaState, from: LuaState | null, nargs: number): number => {
    const prev = running;
    running = co;
    try {
      return this.f.lua.lua_resume(co, from, nargs);
    } finally {
      running = prev;
    }
  };
  /** Run `body` with `L` as the running state (for synchronous, non-coroutine calls). */
  runningOn<T>(L: LuaState, body: () => T): T {
    const prev = running;
    running = L;
    try {
      return body();
    } finally {
      running = prev;
    }
  }
  yield = (L: LuaState, n: number): number => this.f.lua.lua_yield(L, n);
  isyieldable = (L: LuaState): boolean => this.f.lua.lua_isyieldable(L);
  xmove = (from: LuaState, to: LuaState, n: number): void => this.f.lua.lua_xmove(from, to, n);
  /** A count hook every `count` instructions (mask 'count'), or one on every line (mask 'line'); null removes it. */
  sethook = (L: LuaState, hook: ((L: LuaState) => void) | null, mask: 'count' | 'line', count: number): void => {
    const { lua } = this.f;
    if (!hook) return lua.lua_sethook(L, null, 0, 0);
    lua.lua_sethook(L, (L2: LuaState) => hook(L2), mask === 'count' ? lua.LUA_MASKCOUNT : lua.LUA_MASKLINE, count);
  };
  /** Where the function `level` levels up the call stack is: its kind, source name and current line. */
  where = (L: LuaState, level: number): { what: string; source: string; line: number } | null => {
    const { lua } = this.f;
    const ar = new lua.lua_Debug();
    if (!lua.lua_getstack(L, level, ar)) return null;
    lua.lua_getinfo(L, bytes('Sl'), ar);
    return { what: ar.what ? text(ar.what) : '', source: ar.source ? text(ar.source) : '', line: ar.currentline };
  };
  /**
   * The bytes LUA_GCCOUNT would report for this state. fengari leaves memory to the JS heap and counts nothing, so
   * this walks what the state holds (the registry, the basic types' metatables, the main thread's stack) and sizes
   * each object as 64-bit Lua 5.1 does: strings once by content, tables by their slots, closures with their
   * prototypes and upvalues, threads with their stacks.
   */
  memory = (): number => heapSize(this.L as Any);
}

// Lua 5.1's object sizes on a 64-bit build (lobject.h): headers, then per-slot costs
const SIZE = { string: 25, table: 56, node: 40, lclosure: 40, upval: 40, cclosure: 40, tvalue: 16, proto: 120, udata: 40, thread: 184 };

function heapSize(L: Any): number {
  const seen = new Set<unknown>();
  const strings = new Set<string>();
  let total = 0;
  const pending: Any[] = [];
  const value = (tv: Any) => {
    if (!tv) return;
    const tag = tv.type & 0x0f;
    if (tag === 4) {
      const s: Uint8Array = tv.value.realstring;
      const key = text(s);
      if (!strings.has(key)) {
        strings.add(key);
        total += SIZE.string + s.length;
      }
    } else if (tag >= 5 && tv.value && typeof tv.value === 'object' && !seen.has(tv.value)) {
      seen.add(tv.value);
      pending.push([tv.type & 0x3f, tv.value]);
    }
  };
  const proto = (p: Any) => {
    if (seen.has(p)) return;
    seen.add(p);
    total += SIZE.proto + 4 * p.code.length + SIZE.tvalue * p.k.length + 8 * p.p.length + 4 * p.lineinfo.length
      + 16 * p.locvars.length + 8 * p.upvalues.length;
    for (const k of p.k) value(k);
    for (const sub of p.p) proto(sub);
  };
  const stack = (th: Any) => {
    const top = Number.isFinite(th.top) ? th.top : 0;
    total += SIZE.thread + SIZE.tvalue * top;
    for (let i = 0; i < top; i++) value(th.stack[i]);
  };
  const slots = (n: number) => (n === 0 ? 0 : 2 ** Math.ceil(Math.log2(n)));
  value(L.l_G.l_registry);
  for (const mt of L.l_G.mt) if (mt) value({ type: 5, value: mt });
  seen.add(L);
  stack(L);
  while (pending.length) {
    const [type, o] = pending.pop();
    if (type === 5) {
      total += SIZE.table + SIZE.node * slots(o.strong.size);
      for (const e of o.strong.values()) {
        value(e.key);
        value(e.value);
      }
      if (o.metatable) value({ type: 5, value: o.metatable });
    } else if (type === 6) { // a Lua closure
      total += SIZE.lclosure + 8 * o.nupvalues + SIZE.upval * o.nupvalues;
      if (o.p) proto(o.p);
      for (const uv of o.upvals) value(uv);
    } else if (type === 38) { // a C closure
      total += SIZE.cclosure + SIZE.tvalue * o.nupvalues;
      for (const uv of o.upvalue) value(uv);
    } else if (type === 7) {
      total += SIZE.udata + (o.len || 0);
      if (o.metatable) value({ type: 5, value: o.metatable });
    } else if (type === 8) {
      stack(o);
    }
  }
  return total;
}
