/**
 * Redis's partial quicksort (pqsort.c): Bentley & McIlroy's quicksort that only finishes the partitions
 * overlapping the positions asked for. SORT with BY and LIMIT, and GEOSEARCH/GEORADIUS with COUNT, sort with it.
 */

/**
 * Sort `v` in place far enough that positions lo..hi hold what a full sort would put there. Elements that compare
 * equal end up where this exact algorithm leaves them, which no stable sort reproduces, so it is followed step by
 * step: insertion sort below 7 elements, a median of three (of three medians of three past 40) as the pivot, and a
 * fat partition that parks the elements equal to the pivot at both ends.
 */
export function pqsort<T>(v: T[], cmp: (a: T, b: T) => number, lo: number, hi: number): void {
  const swap = (i: number, j: number) => {
    const t = v[i];
    v[i] = v[j];
    v[j] = t;
  };
  const swapRuns = (i: number, j: number, n: number) => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const median = (a: number, b: number, c: number) =>
    cmp(v[a], v[b]) < 0
      ? cmp(v[b], v[c]) < 0 ? b : cmp(v[a], v[c]) < 0 ? c : a
      : cmp(v[b], v[c]) > 0 ? b : cmp(v[a], v[c]) < 0 ? a : c;
  const overlaps = (first: number, n: number) => {
    const last = first + n - 1;
    return !((lo < first && hi < first) || (lo > last && hi > last));
  };
  const sortRun = (a: number, n: number): void => {
    for (;;) {
      if (n < 7) {
        for (let m = a + 1; m < a + n; m++) for (let l = m; l > a && cmp(v[l - 1], v[l]) > 0; l--) swap(l, l - 1);
        return;
      }
      let pm = a + Math.floor(n / 2);
      if (n > 7) {
        let pl = a, pn = a + n - 1;
        if (n > 40) {
          const d = Math.floor(n / 8);
          pl = median(pl, pl + d, pl + 2 * d);
          pm = median(pm - d, pm, pm + d);
          pn = median(pn - 2 * d, pn - d, pn);
        }
        pm = median(pl, pm, pn);
      }
      swap(a, pm);
      let pa = a + 1, pb = a + 1, pc = a + n - 1, pd = a + n - 1;
      for (;;) {
        let c = 0;
        while (pb <= pc && (c = cmp(v[pb], v[a])) <= 0) {
          if (c === 0) swap(pa++, pb);
          pb++;
        }
        while (pb <= pc && (c = cmp(v[pc], v[a])) >= 0) {
          if (c === 0) swap(pc, pd--);
          pc--;
        }
        if (pb > pc) break;
        swap(pb++, pc--);
      }
      // bring the equal elements to the middle, then sort the smaller and greater sides if they matter
      const end = a + n;
      let r = Math.min(pa - a, pb - pa);
      swapRuns(a, pb - r, r);
      r = Math.min(pd - pc, end - pd - 1);
      swapRuns(pb, end - r, r);
      r = pb - pa;
      if (r > 1 && overlaps(a, r)) sortRun(a, r);
      r = pd - pc;
      if (r <= 1) return;
      a = end - r;
      n = r;
      if (!overlaps(a, n)) return;
    }
  };
  sortRun(0, v.length);
}
