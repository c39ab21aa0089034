/**
 * The `struct` library Redis bundles (Roberto Ierusalimschy's struct 0.2): pack, unpack and size of binary
 * records described by a format string (< > = ! endianness and alignment, x b B h H l L T i I c s f d).
 */
import type { Lua, LuaState } from './lua';

interface Item {
  op: string;
  size: number;
}

export function openStruct(lua: Lua, L: LuaState): void {
  /** Walk a format, calling `each` per item with the endianness and alignment in force. */
  const parse = (L2: LuaState, fmt: string, each: (item: Item, little: boolean, align: number) => void) => {
    let little = true, maxAlign = 1;
    let i = 0;
    const num = (def: number): number => {
      if (i >= fmt.length || !/[0-9]/.test(fmt[i])) return def;
      let n = 0;
      while (i < fmt.length && /[0-9]/.test(fmt[i])) n = n * 10 + Number(fmt[i++]);
      return n;
    };
    while (i < fmt.length) {
      const op = fmt[i++];
      switch (op) {
        case ' ': break;
        case '>': little = false; break;
        case '<': case '=': little = true; break;
        case '!': maxAlign = num(8); break;
        case 'x': case 'b': case 'B': each({ op, size: 1 }, little, maxAlign); break;
        case 'h': case 'H': each({ op, size: 2 }, little, maxAlign); break;
        case 'l': case 'L': case 'T': each({ op, size: 8 }, little, maxAlign); break;
        case 'f': each({ op, size: 4 }, little, maxAlign); break;
        case 'd': each({ op, size: 8 }, little, maxAlign); break;
        case 'i': case 'I': {
          const n = num(4);
          if (n > 8) lua.raise(L2, `integral size ${n} is larger than limit of 8`);
          each({ op, size: n }, little, maxAlign);
          break;
        }
        case 'c': each({ op, size: num(1) }, little, maxAlign); break;
        case 's': each({ op, size: 0 }, little, maxAlign); break;
        default: lua.raise(L2, `invalid format option '${op}'`);
      }
    }
  };
  const padding = (pos: number, item: Item, align: number): number => {
    if (item.op === 'c' || item.op === 's' || item.op === 'x' || align <= 1) return 0;
    let a = Math.min(item.size, align);
    if ((a & (a - 1)) !== 0) return 0;
    a = a || 1;
    return (a - (pos & (a - 1))) & (a - 1);
  };

  const pack = (L2: LuaState): number => {
    const fmt = lua.checkstring(L2, 1);
    const out: number[] = [];
    let arg = 2;
    parse(L2, fmt, (item, little, align) => {
      for (let p = padding(out.length, item, align); p > 0; p--) out.push(0);
      switch (item.op) {
        case 'x': out.push(0); return;
        case 'f': case 'd': {
          const b = Buffer.alloc(item.size);
          const v = lua.checknumber(L2, arg++);
          if (item.size === 4) little ? b.writeFloatLE(v) : b.writeFloatBE(v);
          else little ? b.writeDoubleLE(v) : b.writeDoubleBE(v);
          out.push(...b);
          return;
        }
        case 'c': case 's': {
          const s = lua.checkbytes(L2, arg);
          let n = item.size;
          if (item.op === 's') n = s.length + 1;
          else if (n === 0) n = s.length;
          if (item.op === 'c' && s.length < n) lua.argerror(L2, arg, 'string too short');
          for (let j = 0; j < n; j++) out.push(j < s.length ? s[j] : 0);
          arg++;
          return;
        }
        default: {
          const v = BigInt.asUintN(item.size * 8, BigInt(Math.trunc(lua.checknumber(L2, arg++))));
          const bytes: number[] = [];
          for (let j = 0; j < item.size; j++) bytes.push(Number((v >> BigInt(8 * j)) & 0xffn));
          out.push(...(little ? bytes : bytes.reverse()));
        }
      }
    });
    lua.pushbytes(L2, Uint8Array.from(out));
    return 1;
  };

  const unpack = (L2: LuaState): number => {
    const fmt = lua.checkstring(L2, 1);
    const data = lua.checkbytes(L2, 2);
    let pos = Math.trunc(lua.optnumber(L2, 3, 1)) - 1;
    if (pos < 0 || pos > data.length) lua.argerror(L2, 3, 'offset out of range');
    let n = 0;
    let lastNumber = -1;
    const need = (k: number) => {
      if (pos + k > data.length) lua.argerror(L2, 2, 'data string too short');
    };
    parse(L2, fmt, (item, little, align) => {
      pos += padding(pos, item, align);
      lua.checkstack(L2, 2);
      switch (item.op) {
        case 'x': pos += 1; return;
        case 'f': case 'd': {
          need(item.size);
          const b = Buffer.from(data.subarray(pos, pos + item.size));
          lua.pushnumber(L2, item.size === 4 ? (little ? b.readFloatLE() : b.readFloatBE()) : little ? b.readDoubleLE() : b.readDoubleBE());
          pos += item.size;
          n++;
          return;
        }
        case 'c': {
          let size = item.size;
          if (size === 0) {
            if (lastNumber < 0) lua.raise(L2, 'format `c0\' needs a previous size');
            size = lastNumber;
            lua.pop(L2, 1);
            n--;
          }
          need(size);
          lua.pushbytes(L2, data.subarray(pos, pos + size));
          pos += size;
          n++;
          return;
        }
        case 's': {
          const end = data.indexOf(0, pos);
          if (end < 0) lua.raise(L2, 'unfinished string in data');
          lua.pushbytes(L2, data.subarray(pos, end));
          pos = end + 1;
          n++;
          return;
        }
        default: {
          need(item.size);
          let v = 0n;
          for (let j = 0; j < item.size; j++) {
            const byte = BigInt(data[pos + (little ? item.size - 1 - j : j)]);
            v = (v << 8n) | byte;
          }
          const signed = item.op === 'b' || item.op === 'h' || item.op === 'l' || item.op === 'i';
          const value = Number(signed ? BigInt.asIntN(item.size * 8, v) : v);
          lua.pushnumber(L2, value);
          lastNumber = value;
          pos += item.size;
          n++;
        }
      }
    });
    lua.pushnumber(L2, pos + 1);
    return n + 1;
  };

  const size = (L2: LuaState): number => {
    const fmt = lua.checkstring(L2, 1);
    let total = 0;
    parse(L2, fmt, (item, _little, align) => {
      if (item.op === 's' || (item.op === 'c' && item.size === 0)) lua.argerror(L2, 1, 'options `c0\' - `s\' have undefined sizes');
      total += padding(total, item, align) + item.size;
    });
    lua.pushnumber(L2, total);
    return 1;
  };

  lua.newtable(L);
  for (const [name, fn] of Object.entries({ pack, unpack, size })) {
    lua.pushfunction(L, fn);
    lua.setfield(L, -2, name);
  }
  lua.setglobal(L, 'struct');
}
