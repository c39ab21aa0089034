/**
 * The `cmsgpack` library Redis bundles (lua-cmsgpack 0.4.0): MessagePack pack/unpack of Lua values with its
 * choices (integral numbers as the smallest int, other numbers as float32 when exact else float64, tables with
 * keys 1..n as arrays, nesting cut at 16 levels to nil) and its errors.
 */
import type { Lua, LuaState } from './lua';

const MAX_NESTING = 16;

class Out {
  parts: number[] = [];
  byte(b: number): void {
    this.parts.push(b & 0xff);
  }
  be(n: bigint | number, bytes: number): void {
    let v = BigInt.asUintN(bytes * 8, BigInt(n));
    const tmp: number[] = [];
    for (let i = 0; i < bytes; i++) {
      tmp.push(Number(v & 0xffn));
      v >>= 8n;
    }
    for (let i = bytes - 1; i >= 0; i--) this.parts.push(tmp[i]);
  }
  raw(b: Uint8Array): void {
    for (const x of b) this.parts.push(x);
  }
}

function encodeInt(o: Out, n: number): void {
  if (n >= 0) {
    if (n <= 127) o.byte(n);
    else if (n <= 0xff) { o.byte(0xcc); o.be(n, 1); }
    else if (n <= 0xffff) { o.byte(0xcd); o.be(n, 2); }
    else if (n <= 0xffffffff) { o.byte(0xce); o.be(n, 4); }
    else { o.byte(0xcf); o.be(BigInt(n), 8); }
  } else if (n >= -32) o.byte(0xe0 | (n + 32));
  else if (n >= -128) { o.byte(0xd0); o.be(n, 1); }
  else if (n >= -32768) { o.byte(0xd1); o.be(n, 2); }
  else if (n >= -2147483648) { o.byte(0xd2); o.be(n, 4); }
  else { o.byte(0xd3); o.be(BigInt(n), 8); }
}

export function openCmsgpack(lua: Lua, L: LuaState): void {
  /** table_is_an_array: keys are exactly 1..n. */
  const isArray = (L2: LuaState, t: number): number => {
    let count = 0, max = 0;
    lua.pushnil(L2);
    while (lua.next(L2, t)) {
      lua.pop(L2, 1);
      if (lua.type(L2, -1) !== 'number') {
        lua.pop(L2, 1);
        return -1;
      }
      const k = lua.tonumber(L2, -1);
      if (k <= 0 || Math.floor(k) !== k) {
        lua.pop(L2, 1);
        return -1;
      }
      if (k > max) max = k;
      count++;
    }
    return max === count ? count : -1;
  };

  const encode = (L2: LuaState, o: Out, level: number): void => {
    switch (lua.type(L2, -1)) {
      case 'string': {
        const b = lua.tobytes(L2, -1)!;
        const n = b.length;
        if (n < 32) o.byte(0xa0 | n);
        else if (n <= 0xff) { o.byte(0xd9); o.be(n, 1); }
        else if (n <= 0xffff) { o.byte(0xda); o.be(n, 2); }
        else { o.byte(0xdb); o.be(n, 4); }
        o.raw(b);
        return;
      }
      case 'boolean':
        o.byte(lua.toboolean(L2, -1) ? 0xc3 : 0xc2);
        return;
      case 'number': {
        const n = lua.tonumber(L2, -1);
        if (Number.isFinite(n) && Math.trunc(n) === n && n >= -9223372036854775808 && n < 9223372036854775808) return encodeInt(o, n);
        const f = Math.fround(n);
        if (f === n || Number.isNaN(n)) {
          o.byte(0xca);
          const b = Buffer.alloc(4);
          b.writeFloatBE(n);
          o.raw(b);
        } else {
          o.byte(0xcb);
          const b = Buffer.alloc(8);
          b.writeDoubleBE(n);
          o.raw(b);
        }
        return;
      }
      case 'table': {
        if (level >= MAX_NESTING) {
          o.byte(0xc0);
          return;
        }
        lua.checkstack(L2, 3);
        const t = lua.absindex(L2, -1);
        const len = isArray(L2, t);
        if (len >= 0) {
          if (len <= 15) o.byte(0x90 | len);
          else if (len <= 0xffff) { o.byte(0xdc); o.be(len, 2); }
          else { o.byte(0xdd); o.be(len, 4); }
          for (let j = 1; j <= len; j++) {
            lua.rawgeti(L2, t, j);
            encode(L2, o, level + 1);
            lua.pop(L2, 1);
          }
          return;
        }
        let n = 0;
        lua.pushnil(L2);
        while (lua.next(L2, t)) {
          lua.pop(L2, 1);
          n++;
        }
        if (n <= 15) o.byte(0x80 | n);
        else if (n <= 0xffff) { o.byte(0xde); o.be(n, 2); }
        else { o.byte(0xdf); o.be(n, 4); }
        lua.pushnil(L2);
        while (lua.next(L2, t)) {
          lua.pushvalue(L2, -2);
          encode(L2, o, level + 1);
          lua.pop(L2, 1);
          encode(L2, o, level + 1);
          lua.pop(L2, 1);
        }
        return;
      }
      default:
        o.byte(0xc0);
    }
  };

  /** Decode one value at `pos`, pushing it; returns the position after it. */
  const decode = (L2: LuaState, b: Uint8Array, pos: number): number => {
    const need = (n: number) => {
      if (pos + n > b.length) lua.raise(L2, 'Missing bytes in input.');
    };
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    need(1);
    const c = b[pos++];
    const str = (n: number) => {
      need(n);
      lua.pushbytes(L2, b.subarray(pos, pos + n));
      pos += n;
    };
    const arr = (n: number) => {
      lua.checkstack(L2, 3);
      lua.newtable(L2);
      for (let j = 1; j <= n; j++) {
        pos = decode(L2, b, pos);
        lua.rawseti(L2, -2, j);
      }
    };
    const obj = (n: number) => {
      lua.checkstack(L2, 3);
      lua.newtable(L2);
      for (let j = 0; j < n; j++) {
        pos = decode(L2, b, pos);
        pos = decode(L2, b, pos);
        lua.rawset(L2, -3);
      }
    };
    const uint = (n: number): number => {
      need(n);
      let v = 0n;
      for (let j = 0; j < n; j++) v = (v << 8n) | BigInt(b[pos + j]);
      pos += n;
      return Number(v);
    };
    const sint = (n: number): number => {
      need(n);
      let v = 0n;
      for (let j = 0; j < n; j++) v = (v << 8n) | BigInt(b[pos + j]);
      pos += n;
      return Number(BigInt.asIntN(n * 8, v));
    };
    if (c <= 0x7f) lua.pushnumber(L2, c);
    else if (c >= 0xe0) lua.pushnumber(L2, c - 256);
    else if ((c & 0xe0) === 0xa0) str(c & 0x1f);
    else if ((c & 0xf0) === 0x90) arr(c & 0x0f);
    else if ((c & 0xf0) === 0x80) obj(c & 0x0f);
    else switch (c) {
      case 0xc0: lua.pushnil(L2); break;
      case 0xc2: lua.pushboolean(L2, false); break;
      case 0xc3: lua.pushboolean(L2, true); break;
      case 0xc4: case 0xd9: str(uint(1)); break;
      case 0xc5: case 0xda: str(uint(2)); break;
      case 0xc6: case 0xdb: str(uint(4)); break;
      case 0xca: need(4); lua.pushnumber(L2, view.getFloat32(pos)); pos += 4; break;
      case 0xcb: need(8); lua.pushnumber(L2, view.getFloat64(pos)); pos += 8; break;
      case 0xcc: lua.pushnumber(L2, uint(1)); break;
      case 0xcd: lua.pushnumber(L2, uint(2)); break;
      case 0xce: lua.pushnumber(L2, uint(4)); break;
      case 0xcf: lua.pushnumber(L2, uint(8)); break;
      case 0xd0: lua.pushnumber(L2, sint(1)); break;
      case 0xd1: lua.pushnumber(L2, sint(2)); break;
      case 0xd2: lua.pushnumber(L2, sint(4)); break;
      case 0xd3: lua.pushnumber(L2, sint(8)); break;
      case 0xdc: arr(uint(2)); break;
      case 0xdd: arr(uint(4)); break;
      case 0xde: obj(uint(2)); break;
      case 0xdf: obj(uint(4)); break;
      default: lua.raise(L2, 'Bad data format in input.');
    }
    return pos;
  };

  /** mp_unpack_full: up to `limit` values (0: all) from `offset`; with `withOffset`, the next offset comes first. */
  const unpack = (L2: LuaState, limit: number, offset: number, withOffset: boolean): number => {
    const b = lua.checkbytes(L2, 1);
    if (offset < 0 || limit < 0) return lua.raise(L2, `Invalid request to unpack with offset of ${offset} and limit of ${limit}.`);
    if (offset > b.length) return lua.raise(L2, 'Start offset ' + offset + ' greater than input length ' + b.length + '.');
    lua.settop(L2, 1);
    let pos = offset, count = 0;
    if (withOffset) lua.pushnil(L2); // placeholder for the offset
    while (pos < b.length && (limit === 0 || count < limit)) {
      lua.checkstack(L2, 1);
      pos = decode(L2, b, pos);
      count++;
    }
    if (withOffset) {
      lua.pushnumber(L2, pos >= b.length ? -1 : pos);
      lua.replace(L2, 2);
      return count + 1;
    }
    return count;
  };

  const fns: Record<string, (L2: LuaState) => number> = {
    pack: (L2) => {
      const n = lua.gettop(L2);
      if (n === 0) return lua.raise(L2, 'MessagePack pack needs input.');
      const o = new Out();
      for (let i = 1; i <= n; i++) {
        lua.pushvalue(L2, i);
        encode(L2, o, 0);
        lua.pop(L2, 1);
      }
      lua.pushbytes(L2, Uint8Array.from(o.parts));
      return 1;
    },
    unpack: (L2) => unpack(L2, 0, 0, false),
    unpack_one: (L2) => unpack(L2, 1, lua.type(L2, 2) === 'number' ? Math.trunc(lua.tonumber(L2, 2)) : 0, true),
    unpack_limit: (L2) => unpack(L2, Math.trunc(lua.checknumber(L2, 2)), lua.type(L2, 3) === 'number' ? Math.trunc(lua.tonumber(L2, 3)) : 0, true),
  };
  lua.newtable(L);
  for (const [name, fn] of Object.entries(fns)) {
    lua.pushfunction(L, fn);
    lua.setfield(L, -2, name);
  }
  lua.pushstring(L, 'cmsgpack');
  lua.setfield(L, -2, '_NAME');
  lua.pushstring(L, 'lua-cmsgpack 0.4.0');
  lua.setfield(L, -2, '_VERSION');
  lua.setglobal(L, 'cmsgpack');
}
