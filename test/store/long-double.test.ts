import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addLongDouble, formatLongDouble, isInfinite, parseLongDouble } from '../../lib/store/long-double';
import { hasRedis } from '../helpers/servers';
import { withRealRedis } from '../helpers/differential';
import { mulberry32 } from '../helpers/random';

const test = suite('store/long-double');

const NOT_FLOAT = 'ERR value is not a valid float';
const NAN_OR_INF = 'ERR increment would produce NaN or Infinity';

/** What INCRBYFLOAT replies for a key holding `current` (null: no key) incremented by `incr`: the text or the error. */
function incrbyfloat(current: string | null, incr: string): string {
  const value = parseLongDouble(current ?? '0');
  const by = parseLongDouble(incr);
  if (value === null || by === null) return NOT_FLOAT;
  const sum = addLongDouble(value, by);
  return sum === null ? NAN_OR_INF : formatLongDouble(sum);
}

const big1e300 =
  '1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144';

// Observed on real redis-server 7.0.15 (x86-64): [value held, increment, reply].
const known: [string | null, string, string][] = [
  ['12345.1', '0.2', '12345.29999999999999982'],
  ['12345.29999999999999982', '1e20', '100000000000000012344'],
  ['10.5', '0.1', '10.6'],
  ['3000', '1.23456789012345678901', '3001.23456789012345669'],
  [null, '1e300', big1e300],
  [null, '5.0e-20', '0'],
  [null, '0x10', '16'],
  [null, '-5.0e-20', '0'],
  // exact ties at the 18th decimal round to even, as glibc's printf does
  [null, '0.000003814697265625', '0.00000381469726562'],
  [null, '0.000011444091796875', '0.00001144409179688'],
  ['16', '0x1p-16445', '16'],
  // strtold underflow to zero and overflow are refused; a subnormal result is accepted
  [null, '1e-4951', NOT_FLOAT],
  [null, '1e-4952', NOT_FLOAT],
  [null, '3e-4951', '0'],
  [null, '1.2e4932', NOT_FLOAT],
  [null, '0e-99999999999999999999999999', '0'],
  [null, '1e-99999999999999999999999999', NOT_FLOAT],
  [null, 'inf', NAN_OR_INF],
  ['inf', '1', NAN_OR_INF],
  [null, ' 1', NOT_FLOAT],
  [null, '1 ', NOT_FLOAT],
  [null, '+.5', '0.5'],
];

for (const [current, incr, expected] of known) {
  test(`known: ${current ?? '(none)'} + ${incr}`, () => {
    assert.is(incrbyfloat(current, incr), expected);
  });
}

test('known: 1e4932 prints all its 4933 digits', () => {
  const out = incrbyfloat(null, '1e4932');
  assert.is(out.length, 4933);
  assert.ok(out.startsWith('10000000000000000000060189493879638913238377742545331147737850413525'));
});

test('parse: what strtold reads whole, and what string2ld refuses', () => {
  const accepted = ['0', '-0', '1.', '.5', '5e3', '5E+3', '5e-3', '0x1p3', '0X1P-3', '0x.8', '0x1.', '-0x10', 'Inf', '-INFINITY', '+inf', '1' + '0'.repeat(4000)];
  for (const s of accepted) assert.ok(parseLongDouble(s) !== null, s);
  const refused = ['', ' ', '\t1', '\n1', '1\0', '1e', '1e+', '.', '-', '+', 'e5', '0x', '0x1p', '0xg', 'nan', 'NaN', '-nan', 'nan(1)', 'infinit', 'infx', '1.2.3', '--1', '+-1', '1,5', '0x1p99999', '1e4933', 'x'.repeat(10), '1'.repeat(5120)];
  for (const s of refused) assert.is(parseLongDouble(s), null, JSON.stringify(s));
  assert.ok(isInfinite(parseLongDouble('-inf')!));
  assert.not.ok(isInfinite(parseLongDouble('1e4932')!));
});

test('add: significands are rounded to 64 bits, ties to even', () => {
  // 2^64 + 1 is not representable: it rounds down to even 2^64; 2^64 + 3 rounds up to 2^64 + 4.
  assert.is(incrbyfloat('18446744073709551616', '1'), '18446744073709551616');
  assert.is(incrbyfloat('18446744073709551616', '3'), '18446744073709551620');
  assert.is(incrbyfloat('18446744073709551615', '0'), '18446744073709551615');
  assert.is(incrbyfloat('0.1', '-0.1'), '0');
  assert.is(incrbyfloat('-0', '-0'), '0');
  assert.is(incrbyfloat('1e4932', '1e4932'), NAN_OR_INF);
});

function differentialCases(): [string | null, string][] {
  const r = mulberry32(20240607);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const digits = (n: number) => Array.from({ length: n }, () => '0123456789'[Math.floor(r() * 10)]).join('');
  const sign = () => pick(['', '', '-', '+']);
  const decimal = () => {
    let s = sign() + digits(Math.floor(r() * 8)) + (r() < 0.8 ? '.' + digits(1 + Math.floor(r() * 22)) : '');
    if (!/\d/.test(s)) s += '7';
    if (r() < 0.3) s += pick(['e', 'E']) + pick(['', '-', '+']) + Math.floor(r() * 40);
    return s;
  };
  const hex = () => sign() + '0x' + Array.from({ length: 1 + Math.floor(r() * 20) }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('') + (r() < 0.5 ? 'p' + pick(['-', '+', '']) + Math.floor(r() * 80) : '');
  const cases: [string | null, string][] = [];
  for (let i = 0; i < 80; i++) cases.push([r() < 0.3 ? null : decimal(), decimal()]);
  for (let i = 0; i < 25; i++) cases.push([decimal(), hex()]);
  // large and small magnitudes, near the edges of the format
  for (let i = 0; i < 20; i++) cases.push([pick([null, '1', '-3.5']), `${1 + Math.floor(r() * 9)}.${digits(5)}e${pick(['', '-'])}${pick([100, 300, 1000, 4000, 4920, 4931, 4932, 4940, 4950, 4951])}`]);
  // exact binary fractions: odd/2^18 has exactly 18 decimals, a tie at the 18th; finer ones are near-ties
  const dyadic = (n: bigint, k: number) => {
    const t = (n * 5n ** BigInt(k)).toString().padStart(k + 1, '0');
    return `${t.slice(0, -k)}.${t.slice(-k)}`;
  };
  for (let i = 0; i < 20; i++) cases.push([pick([null, '12345', '-7']), dyadic(BigInt(2 * Math.floor(r() * 2 ** 19) + 1), 18)]);
  for (let i = 0; i < 10; i++) cases.push([null, dyadic(BigInt(2 * Math.floor(r() * 2 ** 30) + 1), 19 + Math.floor(r() * 12))]);
  // values near integers around 2^53..2^64, where the 64-bit significand decides
  for (let i = 0; i < 20; i++) cases.push([String(2n ** BigInt(53 + Math.floor(r() * 12)) + BigInt(Math.floor(r() * 5000))), pick(['0.5', '1', '-1', '0.25', '1.5', '7'])]);
  // cancellation and tiny results
  for (let i = 0; i < 15; i++) {
    const x = decimal();
    cases.push([x, x.startsWith('-') ? x.slice(1) : '-' + x.replace(/^\+/, '')]);
  }
  // strings strtold or string2ld refuses
  for (const bad of [' 1', '1 ', '\t2', '1e', '1e+', '.', '-', 'nan', '-nan', 'NAN(12)', 'inf', '-infinity', '0x', '0x1p', '1..2', '--1', '1f', '1\0', 'abc', '1e99999', '1e-99999', '0e99999', '0x1p-16446', '0x1p-16445', '0x1.fffffffffffffffep16383', '0x1p16384']) {
    cases.push([null, bad]);
  }
  cases.push(['abc', '1'], ['1e-99999', '1'], [' 5', '1']);
  return cases;
}

test('differential: INCRBYFLOAT against real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (conn) => {
    const cases = differentialCases();
    assert.ok(cases.length >= 200, `${cases.length} cases`);
    for (const [current, incr] of cases) {
      if (current === null) conn.send('DEL', 'k');
      else conn.send('SET', 'k', current);
      conn.send('INCRBYFLOAT', 'k', incr);
    }
    for (const [current, incr] of cases) {
      await conn.read();
      const reply = await conn.read();
      const got = reply.kind === 'bulk' ? String(reply.value) : reply.kind === 'error' ? reply.text : JSON.stringify(reply);
      assert.is(incrbyfloat(current, incr), got, `${JSON.stringify(current)} + ${JSON.stringify(incr)}`);
    }
    // a running total, so rounding errors accumulate the same way
    const steps = ['0.1', '0.2', '-0.3', '1e-17', '3.3333333333333333333', '1e10', '-1e10', '0.7'];
    let mine: string | null = null;
    conn.send('DEL', 'acc');
    await conn.read();
    for (let i = 0; i < 40; i++) {
      const step = steps[i % steps.length];
      conn.send('INCRBYFLOAT', 'acc', step);
      const reply = await conn.read();
      mine = incrbyfloat(mine, step);
      assert.equal(reply, { kind: 'bulk', value: mine }, `step ${i}`);
    }
  });
});

test.run();
