import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lcs, type LcsOptions } from '../../lib/store/lcs';
import { ERR_LCS_TOO_BIG, ReplyError } from '../../lib/protocol/errors';
import { encode, type Protocol } from '../../lib/protocol/reply';
import { hasRedis } from '../helpers/servers';
import { withRealRedis } from '../helpers/differential';
import { mulberry32 } from '../helpers/random';
import { bulk } from '../helpers/resp';

const test = suite('store/lcs');

const LIMIT = 512 * 1024 * 1024;
const plain: LcsOptions = { getLen: false, getIdx: false, withMatchLen: false, minMatchLen: 0 };

/** The reply's RESP bytes for LCS a b with the given options. */
function run(a: string, b: string, o: Partial<LcsOptions> = {}, proto: Protocol = 2, limit = LIMIT): string {
  return encode(lcs(a, b, { ...plain, ...o }, limit), proto).toString('latin1');
}

/** One IDX match as RESP2: [[a0,a1],[b0,b1]] or with the length. */
const m = (a0: number, a1: number, b0: number, b1: number, len?: number) =>
  `*${len === undefined ? 2 : 3}\r\n*2\r\n:${a0}\r\n:${a1}\r\n*2\r\n:${b0}\r\n:${b1}\r\n${len === undefined ? '' : `:${len}\r\n`}`;

// From Redis's own tests (tests/unit/type/string.tcl) and replies observed on redis-server 7.0.15.
const rna1 = 'CACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTTCGTCCGGGTGTG';
const rna2 = 'ATTAAAGGTTTATACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT';
const rnalcs = 'ACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT';

const rows: [name: string, a: string, b: string, o: Partial<LcsOptions>, expected: string][] = [
  ['rna: string', rna1, rna2, {}, bulk(rnalcs)],
  ['rna: LEN', rna1, rna2, { getLen: true }, `:${rnalcs.length}\r\n`],
  ['rna: IDX', rna1, rna2, { getIdx: true },
    `*4\r\n$7\r\nmatches\r\n*5\r\n${m(238, 238, 239, 239)}${m(236, 236, 238, 238)}${m(229, 230, 236, 237)}${m(224, 224, 235, 235)}${m(1, 222, 13, 234)}$3\r\nlen\r\n:227\r\n`],
  ['rna: IDX WITHMATCHLEN', rna1, rna2, { getIdx: true, withMatchLen: true },
    `*4\r\n$7\r\nmatches\r\n*5\r\n${m(238, 238, 239, 239, 1)}${m(236, 236, 238, 238, 1)}${m(229, 230, 236, 237, 2)}${m(224, 224, 235, 235, 1)}${m(1, 222, 13, 234, 222)}$3\r\nlen\r\n:227\r\n`],
  ['rna: IDX WITHMATCHLEN MINMATCHLEN 5', rna1, rna2, { getIdx: true, withMatchLen: true, minMatchLen: 5 },
    `*4\r\n$7\r\nmatches\r\n*1\r\n${m(1, 222, 13, 234, 222)}$3\r\nlen\r\n:227\r\n`],
  ['ohmytext / mynewtext', 'ohmytext', 'mynewtext', {}, bulk('mytext')],
  ['ohmytext IDX WITHMATCHLEN', 'ohmytext', 'mynewtext', { getIdx: true, withMatchLen: true },
    `*4\r\n$7\r\nmatches\r\n*2\r\n${m(4, 7, 5, 8, 4)}${m(2, 3, 0, 1, 2)}$3\r\nlen\r\n:6\r\n`],
  ['ohmytext IDX MINMATCHLEN 4', 'ohmytext', 'mynewtext', { getIdx: true, minMatchLen: 4 },
    `*4\r\n$7\r\nmatches\r\n*1\r\n${m(4, 7, 5, 8)}$3\r\nlen\r\n:6\r\n`],
  // ties: the walk steps left in b (j-1) when both neighbours are equal
  ['ties pick b first', 'aaabbbaaa', 'ababab', {}, bulk('abaa')],
  ['ties IDX', 'aaabbbaaa', 'ababab', { getIdx: true, withMatchLen: true },
    `*4\r\n$7\r\nmatches\r\n*4\r\n${m(8, 8, 4, 4, 1)}${m(7, 7, 2, 2, 1)}${m(5, 5, 1, 1, 1)}${m(2, 2, 0, 0, 1)}$3\r\nlen\r\n:4\r\n`],
  ['empty strings', '', '', {}, '$0\r\n\r\n'],
  ['one empty', 'abc', '', { getIdx: true }, '*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n'],
  ['nothing in common LEN', 'abc', 'xyz', { getLen: true }, ':0\r\n'],
  ['binary bytes', 'a\0\xff\r\nb', '\0\xffx\r\n', {}, bulk('\0\xff\r\n')],
];

for (const [name, a, b, o, expected] of rows) {
  test(name, () => assert.is(run(a, b, o), expected));
}

test('IDX is a map under RESP3', () => {
  assert.is(run('ohmytext', 'mynewtext', { getIdx: true }, 3),
    `%2\r\n$7\r\nmatches\r\n*2\r\n${m(4, 7, 5, 8)}${m(2, 3, 0, 1)}$3\r\nlen\r\n:6\r\n`);
});

test('a table larger than the limit is refused, as with proto-max-bulk-len', () => {
  // (4+1) × (3+1) cells of 4 bytes = 80 bytes
  assert.is(run('abcd', 'abc', {}, 2, 80), bulk('abc'));
  assert.throws(() => run('abcd', 'abc', {}, 2, 79), (e: unknown) => e instanceof ReplyError && e.text === ERR_LCS_TOO_BIG);
  assert.throws(() => run('abcd', 'abc', { getLen: true }, 2, 79), (e: unknown) => e instanceof ReplyError && e.text === ERR_LCS_TOO_BIG);
});

test('differential: random strings against real redis-server, RESP2 and RESP3', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (conn) => {
    const r = mulberry32(7);
    const word = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    const optionSets: [string[], Partial<LcsOptions>][] = [
      [[], {}],
      [['LEN'], { getLen: true }],
      [['IDX'], { getIdx: true }],
      [['IDX', 'WITHMATCHLEN'], { getIdx: true, withMatchLen: true }],
      [['IDX', 'MINMATCHLEN', '2', 'WITHMATCHLEN'], { getIdx: true, withMatchLen: true, minMatchLen: 2 }],
    ];
    for (const proto of [2, 3] as const) {
      conn.send('HELLO', String(proto));
      await conn.read();
      for (let i = 0; i < 44; i++) {
        const alphabet = ['ab', 'abc', 'acgt', 'a\0\xff'][i % 4];
        // the last few are long enough for LCS lengths past 255, where the table needs wider cells
        const size = () => (i < 40 ? Math.floor(r() * 30) : 300 + Math.floor(r() * 200));
        const a = word(alphabet, size()), b = word(alphabet, size());
        conn.send('MSET', 'a', a, 'b', b);
        await conn.read();
        for (const [args, o] of optionSets) {
          conn.send('LCS', 'a', 'b', ...args);
          assert.is(run(a, b, o, proto), await conn.readRaw(), `RESP${proto} LCS ${JSON.stringify(a)} ${JSON.stringify(b)} ${args.join(' ')}`);
        }
      }
    }
  });
});

test.run();
