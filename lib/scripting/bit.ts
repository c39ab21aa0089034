/** The `bit` library Redis bundles (LuaBitOp 1.0.2): 32-bit operations on numbers, results as signed integers. */
import type { Lua, LuaState } from './lua';

/** LuaBitOp's barg(): round to the nearest integer (ties to even, via the 2^52+2^51 trick) and keep 32 bits. */
export function tobit(x: number): number {
  const t = x + 6755399441055744;
  return Number(BigInt.asIntN(32, BigInt(t - 6755399441055744)));
}

export function openBit(lua: Lua, L: LuaState): void {
  const arg = (L2: LuaState, i: number) => tobit(lua.checknumber(L2, i));
  const fold = (op: (a: number, b: number) => number) => (L2: LuaState) => {
    let r = arg(L2, 1);
    for (let i = lua.gettop(L2); i > 1; i--) r = op(r, arg(L2, i));
    lua.pushnumber(L2, r | 0);
    return 1;
  };
  const shift = (op: (a: number, n: number) => number) => (L2: LuaState) => {
    lua.pushnumber(L2, op(arg(L2, 1), arg(L2, 2) & 31) | 0);
    return 1;
  };
  const fns: Record<string, (L2: LuaState) => number> = {
    tobit: (L2) => {
      lua.pushnumber(L2, arg(L2, 1));
      return 1;
    },
    bnot: (L2) => {
      lua.pushnumber(L2, ~arg(L2, 1));
      return 1;
    },
    band: fold((a, b) => a & b),
    bor: fold((a, b) => a | b),
    bxor: fold((a, b) => a ^ b),
    lshift: shift((a, n) => a << n),
    rshift: shift((a, n) => a >>> n),
    arshift: shift((a, n) => a >> n),
    rol: shift((a, n) => (a << n) | (a >>> ((32 - n) & 31))),
    ror: shift((a, n) => (a >>> n) | (a << ((32 - n) & 31))),
    bswap: (L2) => {
      const b = arg(L2, 1);
      lua.pushnumber(L2, ((b >>> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24)) | 0);
      return 1;
    },
    tohex: (L2) => {
      let b = arg(L2, 1);
      let n = lua.type(L2, 2) === 'none' || lua.type(L2, 2) === 'nil' ? 8 : arg(L2, 2);
      const upper = n < 0;
      if (upper) n = -n;
      if (n > 8) n = 8;
      let out = '';
      for (let i = 0; i < n; i++) {
        out = '0123456789abcdef'[b & 15] + out;
        b >>>= 4;
      }
      lua.pushstring(L2, upper ? out.toUpperCase() : out);
      return 1;
    },
  };
  lua.newtable(L);
  for (const [name, fn] of Object.entries(fns)) {
    lua.pushfunction(L, fn);
    lua.setfield(L, -2, name);
  }
  lua.setglobal(L, 'bit');
}
