/**
 * The `cjson` library Redis bundles (lua-cjson 2.1): JSON encode/decode with its defaults (14 significant digits,
 * "/" escaped, sparse-array and depth limits, cjson.null) and its error texts. Object keys come out in the table's
 * iteration order, which is not C Lua's hash order.
 */
import { formatNumber14g, type Lua, type LuaState } from './lua';

const NULL = { cjsonNull: true };

interface Config {
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  encodeInvalidNumbers: boolean;
  decodeInvalidNumbers: boolean;
  sparseConvert: boolean;
  sparseRatio: number;
  sparseSafe: number;
  precision: number;
}

function escapeString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x2f: out += '\\/'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default:
        out += c < 0x20 || c === 0x7f ? `\\u${c.toString(16).padStart(4, '0')}` : s[i];
    }
  }
  return out + '"';
}

export function openCjson(lua: Lua, L: LuaState): void {
  const cfg: Config = {
    encodeMaxDepth: 1000, decodeMaxDepth: 1000, encodeInvalidNumbers: false, decodeInvalidNumbers: true,
    sparseConvert: false, sparseRatio: 2, sparseSafe: 10, precision: 14,
  };

  const fail = (L2: LuaState, msg: string): never => lua.raise(L2, msg);

  const encodeNumber = (L2: LuaState, n: number): string => {
    if (!Number.isFinite(n)) {
      if (!cfg.encodeInvalidNumbers) fail(L2, 'Cannot serialise number: must not be NaN or Inf');
      return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
    }
    return cfg.precision === 14 ? formatNumber14g(n) : Number(n.toPrecision(cfg.precision)).toString();
  };

  /** lua_array_length: the array size, -1 for an object (or a sparse array turned into one). */
  const arrayLength = (L2: LuaState, idx: number): number => {
    let max = 0, items = 0;
    lua.pushnil(L2);
    while (lua.next(L2, idx)) {
      if (lua.type(L2, -2) === 'number') {
        const k = lua.tonumber(L2, -2);
        if (Math.floor(k) === k && k >= 1) {
          if (k > max) max = k;
          items++;
          lua.pop(L2, 1);
          continue;
        }
      }
      lua.pop(L2, 2);
      return -1;
    }
    if (cfg.sparseRatio > 0 && max > items * cfg.sparseRatio && max > cfg.sparseSafe) {
      if (!cfg.sparseConvert) fail(L2, 'Cannot serialise table: excessively sparse array');
      return -1;
    }
    return max;
  };

  const encodeValue = (L2: LuaState, depth: number): string => {
    switch (lua.type(L2, -1)) {
      case 'string':
        return escapeString(lua.tostring(L2, -1)!);
      case 'number':
        return encodeNumber(L2, lua.tonumber(L2, -1));
      case 'boolean':
        return lua.toboolean(L2, -1) ? 'true' : 'false';
      case 'nil':
        return 'null';
      case 'lightuserdata':
        if (lua.touserdata(L2, -1) === NULL) return 'null';
        break;
      case 'table': {
        if (depth + 1 > cfg.encodeMaxDepth) fail(L2, `Cannot serialise, excessive nesting (${depth + 1})`);
        lua.checkstack(L2, 3);
        const t = lua.absindex(L2, -1);
        const len = arrayLength(L2, t);
        if (len >= 0) {
          const parts: string[] = [];
          for (let i = 1; i <= len; i++) {
            lua.rawgeti(L2, t, i);
            parts.push(encodeValue(L2, depth + 1));
            lua.pop(L2, 1);
          }
          return `[${parts.join(',')}]`;
        }
        const parts: string[] = [];
        lua.pushnil(L2);
        while (lua.next(L2, t)) {
          const kt = lua.type(L2, -2);
          let key: string;
          if (kt === 'number') key = `"${encodeNumber(L2, lua.tonumber(L2, -2))}"`;
          else if (kt === 'string') key = escapeString(lua.tostring(L2, -2)!);
          else fail(L2, 'Cannot serialise table: table key must be a number or string');
          parts.push(`${key!}:${encodeValue(L2, depth + 1)}`);
          lua.pop(L2, 1);
        }
        return `{${parts.join(',')}}`;
      }
    }
    return fail(L2, `Cannot serialise ${lua.type(L2, -1)}: type not supported`);
  };

  // ---- decode ----
  const decode = (L2: LuaState, s: string): void => {
    let i = 0;
    let depth = 0;
    const where = () => `at character ${i + 1}`;
    const err = (what: string): never => fail(L2, `Expected ${what} but found invalid token ${where()}`);
    const ws = () => {
      while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
    };
    const value = (): void => {
      ws();
      const c = s[i];
      if (c === '{' || c === '[') {
        if (++depth > cfg.decodeMaxDepth) fail(L2, `Found too many nested data structures (${depth}) ${where()}`);
        lua.checkstack(L2, 3);
        lua.newtable(L2);
        i++;
        ws();
        if (c === '[') {
          let n = 1;
          if (s[i] === ']') i++;
          else for (;;) {
            value();
            lua.rawseti(L2, -2, n++);
            ws();
            if (s[i] === ',') { i++; continue; }
            if (s[i] === ']') { i++; break; }
            err("comma or array end");
          }
        } else if (s[i] === '}') {
          i++;
        } else {
          for (;;) {
            ws();
            if (s[i] !== '"') err('object key string');
            value();
            ws();
            if (s[i] !== ':') err('colon');
            i++;
            value();
            lua.rawset(L2, -3);
            ws();
            if (s[i] === ',') { i++; continue; }
            if (s[i] === '}') { i++; break; }
            err('comma or object end');
          }
        }
        depth--;
        return;
      }
      if (c === '"') {
        let out = '';
        i++;
        for (;;) {
          if (i >= s.length) fail(L2, `Expected value but found unexpected end of string ${where()}`);
          const ch = s[i++];
          if (ch === '"') break;
          if (ch !== '\\') { out += ch; continue; }
          const e = s[i++];
          const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
          if (e in simple) out += simple[e];
          else if (e === 'u') {
            let cp = parseInt(s.slice(i, i + 4), 16);
            if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i, i + 4))) fail(L2, `Expected value but found invalid unicode escape code ${where()}`);
            i += 4;
            if (cp >= 0xd800 && cp <= 0xdbff && s[i] === '\\' && s[i + 1] === 'u') {
              const lo = parseInt(s.slice(i + 2, i + 6), 16);
              if (lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
              }
            }
            out += Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
          } else fail(L2, `Expected value but found invalid escape code ${where()}`);
        }
        lua.pushstring(L2, out);
        return;
      }
      const m = /^-?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|0[xX][0-9a-fA-F]+|inf|nan)/i.exec(s.slice(i, i + 400));
      if (m && m[0] !== '-') {
        i += m[0].length;
        const t = m[0].toLowerCase();
        lua.pushnumber(L2, t.includes('nan') ? NaN : t.includes('inf') ? (t.startsWith('-') ? -Infinity : Infinity) : t.includes('0x') ? (t.startsWith('-') ? -1 : 1) * parseInt(t.replace('-', ''), 16) : Number(t));
        return;
      }
      for (const [word, push] of [['true', () => lua.pushboolean(L2, true)], ['false', () => lua.pushboolean(L2, false)], ['null', () => lua.pushlightuserdata(L2, NULL)]] as const) {
        if (s.startsWith(word, i)) {
          i += word.length;
          push();
          return;
        }
      }
      if (i >= s.length) fail(L2, `Expected value but found T_END ${where()}`);
      err('value');
    };
    value();
    ws();
    if (i < s.length) fail(L2, `Expected the end but found invalid token ${where()}`);
  };

  const setter = (apply: (L2: LuaState) => void, read: () => number | boolean) => (L2: LuaState) => {
    if (lua.gettop(L2) > 0) apply(L2);
    const v = read();
    if (typeof v === 'boolean') lua.pushboolean(L2, v);
    else lua.pushnumber(L2, v);
    return 1;
  };
  const boolArg = (L2: LuaState, i: number): boolean => {
    if (lua.type(L2, i) === 'boolean') return lua.toboolean(L2, i);
    const s = lua.tostring(L2, i);
    if (s === 'on') return true;
    if (s === 'off') return false;
    return lua.argerror(L2, i, "invalid option '" + s + "'");
  };
  const fns: Record<string, (L2: LuaState) => number> = {
    encode: (L2) => {
      if (lua.gettop(L2) !== 1) lua.argerror(L2, 1, 'expected 1 argument');
      lua.pushstring(L2, encodeValue(L2, 0));
      return 1;
    },
    decode: (L2) => {
      if (lua.gettop(L2) !== 1) lua.argerror(L2, 1, 'expected 1 argument');
      decode(L2, lua.checkstring(L2, 1));
      return 1;
    },
    encode_max_depth: setter((L2) => (cfg.encodeMaxDepth = lua.checkinteger(L2, 1)), () => cfg.encodeMaxDepth),
    decode_max_depth: setter((L2) => (cfg.decodeMaxDepth = lua.checkinteger(L2, 1)), () => cfg.decodeMaxDepth),
    encode_number_precision: setter((L2) => (cfg.precision = lua.checkinteger(L2, 1)), () => cfg.precision),
    encode_keep_buffer: setter((L2) => boolArg(L2, 1), () => true),
    encode_invalid_numbers: setter((L2) => (cfg.encodeInvalidNumbers = boolArg(L2, 1)), () => cfg.encodeInvalidNumbers),
    decode_invalid_numbers: setter((L2) => (cfg.decodeInvalidNumbers = boolArg(L2, 1)), () => cfg.decodeInvalidNumbers),
    encode_sparse_array: (L2) => {
      if (lua.gettop(L2) >= 1) cfg.sparseConvert = boolArg(L2, 1);
      if (lua.gettop(L2) >= 2) cfg.sparseRatio = lua.checkinteger(L2, 2);
      if (lua.gettop(L2) >= 3) cfg.sparseSafe = lua.checkinteger(L2, 3);
      lua.pushboolean(L2, cfg.sparseConvert);
      lua.pushnumber(L2, cfg.sparseRatio);
      lua.pushnumber(L2, cfg.sparseSafe);
      return 3;
    },
  };
  lua.newtable(L);
  for (const [name, fn] of Object.entries(fns)) {
    lua.pushfunction(L, fn);
    lua.setfield(L, -2, name);
  }
  lua.pushlightuserdata(L, NULL);
  lua.setfield(L, -2, 'null');
  lua.pushstring(L, 'cjson');
  lua.setfield(L, -2, '_NAME');
  lua.pushstring(L, '2.1.0');
  lua.setfield(L, -2, '_VERSION');
  lua.setglobal(L, 'cjson');
}
