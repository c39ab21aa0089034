/**
 * PLACEHOLDER until the x87 long double emulation lands: INCRBYFLOAT arithmetic in doubles.
 */
export type LongDouble = number;
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || /^\s/.test(s)) return null;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  const r = a + b;
  return Number.isFinite(r) ? r : null;
}
export function formatLongDouble(v: LongDouble): string {
  let t = v.toFixed(17);
  if (t.includes('.')) t = t.replace(/0+$/, '').replace(/\.$/, '');
  return t === '-0' ? '0' : t;
}
