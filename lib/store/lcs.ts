/** PLACEHOLDER until LCS lands. */
import { bulk, int, type Reply } from '../protocol/reply';
export function lcs(a: string, b: string, o: { getLen: boolean; getIdx: boolean; withMatchLen: boolean; minMatchLen: number }): Reply {
  const m = a.length, n = b.length;
  const dp = Array.from({ length: m + 1 }, () => new Uint32Array(n + 1));
  for (let i = 1; i <= m; i++) for (let j = 1; j <= n; j++) dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
  if (o.getLen) return int(dp[m][n]);
  let out = '';
  for (let i = m, j = n; i > 0 && j > 0; ) {
    if (a[i - 1] === b[j - 1]) { out = a[i - 1] + out; i--; j--; } else if (dp[i - 1][j] > dp[i][j - 1]) i--; else j--;
  }
  return bulk(out);
}
