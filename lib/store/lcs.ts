/**
 * The longest common subsequence of two byte strings and the LCS command's three replies (t_string.c
 * lcsCommand, 7.0): the subsequence itself, its length (LEN), or the matching ranges (IDX), found by the same
 * dynamic-programming table and the same backward walk, so ties and range grouping come out as Redis's do.
 */
import { ERR_LCS_ALLOC, ERR_LCS_TOO_BIG, fail } from '../protocol/errors';
import { array, bulk, int, map, type Reply } from '../protocol/reply';

export interface LcsOptions {
  getLen: boolean;
  getIdx: boolean;
  withMatchLen: boolean;
  minMatchLen: number;
}

/**
 * Redis allocates the whole (|a|+1)×(|b|+1) table of uint32 and refuses when it would exceed `maxTableBytes`
 * (proto-max-bulk-len); the same limit applies here, and an allocation the engine refuses gets Redis's
 * out-of-memory reply instead of taking the process down.
 */
export function lcs(a: string, b: string, o: LcsOptions, maxTableBytes: number): Reply {
  const cells = (a.length + 1) * (b.length + 1);
  if (cells * 4 > maxTableBytes) fail(ERR_LCS_TOO_BIG);
  if (o.getLen && !o.getIdx) return int(lcsLength(a, b));
  let table: LcsTable;
  try {
    table = newTable(cells, Math.min(a.length, b.length));
  } catch {
    return fail(ERR_LCS_ALLOC);
  }
  fillTable(a, b, table);
  return walk(a, b, table, o);
}

/** LEN needs only the last cell: two rows of the table are enough. */
function lcsLength(a: string, b: string): number {
  const width = b.length + 1;
  let prev = new Uint32Array(width), row = new Uint32Array(width);
  for (let i = 1; i <= a.length; i++) {
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j < width; j++) {
      row[j] = ca === b.charCodeAt(j - 1) ? prev[j - 1] + 1 : Math.max(prev[j], row[j - 1]);
    }
    [prev, row] = [row, prev];
  }
  return prev[width - 1];
}

/** A cell never exceeds the shorter length, so narrower cells than Redis's uint32 do: a quarter of the memory. */
type LcsTable = Uint8Array | Uint16Array | Uint32Array;
function newTable(cells: number, maxValue: number): LcsTable {
  if (maxValue <= 0xff) return new Uint8Array(cells);
  if (maxValue <= 0xffff) return new Uint16Array(cells);
  return new Uint32Array(cells);
}

/** table[i*(|b|+1)+j] = length of the LCS of a[0..i) and b[0..j). Row and column 0 stay zero. */
function fillTable(a: string, b: string, table: LcsTable): void {
  const width = b.length + 1;
  for (let i = 1; i <= a.length; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * width, up = row - width;
    for (let j = 1; j < width; j++) {
      table[row + j] = ca === b.charCodeAt(j - 1) ? table[up + j - 1] + 1 : Math.max(table[up + j], table[row + j - 1]);
    }
  }
}

/**
 * Walk back from the last cell: on equal bytes take the byte and step diagonally; otherwise step towards the
 * larger neighbour, going left (j-1) on a tie. A run of diagonal steps is one range; it is closed by the next
 * non-matching step or by reaching the start of either string, so ranges are listed from the end backwards.
 */
function walk(a: string, b: string, table: LcsTable, o: LcsOptions): Reply {
  const width = b.length + 1;
  const total = table[a.length * width + b.length];
  const picked: string[] = new Array(total);
  const matches: Reply[] = [];
  let k = total;
  let aStart = -1, aEnd = 0, bStart = 0, bEnd = 0; // aStart -1: no range open
  const emit = () => {
    const len = aEnd - aStart + 1;
    if (o.minMatchLen === 0 || len >= o.minMatchLen) {
      const item = [array([int(aStart), int(aEnd)]), array([int(bStart), int(bEnd)])];
      if (o.withMatchLen) item.push(int(len));
      matches.push(array(item));
    }
    aStart = -1;
  };
  let i = a.length, j = b.length;
  while (i > 0 && j > 0) {
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      picked[--k] = a[i - 1];
      if (aStart === -1) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else {
        aStart--; // after a diagonal step the next match is always adjacent to the open range
        bStart--;
      }
      i--;
      j--;
      if (aStart === 0 || bStart === 0) emit();
    } else {
      if (table[(i - 1) * width + j] > table[i * width + j - 1]) i--;
      else j--;
      if (aStart !== -1) emit();
    }
  }
  if (!o.getIdx) return bulk(picked.join(''));
  return map([bulk('matches'), array(matches), bulk('len'), int(total)]);
}
