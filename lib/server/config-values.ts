/** Value syntaxes shared by config parameters (util.c memtoull and friends). */

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 };

/** "1gb" → 1073741824, "100k" → 100000, "64" → 64; null when not a memory value. Units are case-insensitive. */
export function parseMemory(text: string): number | null {
  const m = /^(\d+)([a-z]*)$/i.exec(text);
  if (!m) return null;
  const unit = UNITS[m[2].toLowerCase()];
  return unit === undefined ? null : Number(m[1]) * unit;
}
