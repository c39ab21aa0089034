/** Seeded generators, so a failing random walk or differential case can be replayed, and a uniformity check. */

/** mulberry32: 32 bits of state, floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A linear congruential generator (Numerical Recipes' constants), floats in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Pearson's chi-square of observed counts against a uniform expectation over `categories`. */
export function chiSquare(counts: Map<string, number>, total: number, categories: number): number {
  const expected = total / categories;
  let x = 0;
  for (const c of counts.values()) x += (c - expected) ** 2 / expected;
  x += (categories - counts.size) * expected; // categories never drawn
  return x;
}
