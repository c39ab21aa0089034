import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Propagated, runRows, startInProcess, type InProcess, type Row } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { label, withRealRedis } from '../helpers/differential';
import { mulberry32 } from '../helpers/random';
import { arity, bulk, err, int, NIL_ARRAY, OK, QUEUED, status, WRONGTYPE } from '../helpers/resp';
import { hllPatLen } from '../../lib/store/hyperloglog';

const test = suite('commands/hyperloglog');

const NOT_HLL = err('WRONGTYPE Key is not a valid HyperLogLog string value.');
const CORRUPT = err('INVALIDOBJ Corrupted HLL object detected');

/** The value real Redis 7.0.15 stores for `PFADD k a b c` (cache stale), and after a PFCOUNT (cache 3). */
const ABC_BODY = '\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a';
const ABC = 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80' + ABC_BODY;
const ABC_COUNTED = 'HYLL\x01\0\0\0\x03\0\0\0\0\0\0\0' + ABC_BODY;
const EMPTY_STALE = 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff';

let srv: InProcess;
let conn: RawConnection;
let propagated: Propagated;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
  propagated = new Propagated(srv);
});

test.after.each(() => srv.stop());

/** Send one command; return its reply, what it propagated, and how far the dirty counter moved. */
async function sent(...argv: string[]): Promise<{ reply: string; propagated: string[][]; dirty: number }> {
  const before = srv.server.keyspace.dirty;
  propagated.list = [];
  conn.send(...argv);
  const reply = await conn.readRaw();
  return { reply, propagated: propagated.list, dirty: srv.server.keyspace.dirty - before };
}

test('PFADD and PFCOUNT: creation, changes, the cached cardinality in the value', async () => {
  const rows: Row[] = [
    [['PFADD'], arity('pfadd')],
    [['PFCOUNT'], arity('pfcount')],
    [['PFADD', 'h'], int(1)], // creates an empty HLL
    [['GET', 'h'], bulk(EMPTY_STALE)],
    [['PFCOUNT', 'h'], int(0)],
    [['GET', 'h'], bulk(EMPTY_STALE.slice(0, 15) + '\0\x7f\xff')],
    [['PFADD', 'h'], int(0)],
    [['DEL', 'h'], int(1)],
    [['PFADD', 'h', 'a', 'b', 'c'], int(1)],
    [['GET', 'h'], bulk(ABC)],
    [['PFADD', 'h', 'a', 'b', 'c'], int(0)],
    [['PFCOUNT', 'h'], int(3)],
    [['GET', 'h'], bulk(ABC_COUNTED)],
    [['PFADD', 'h', 'c', 'b'], int(0)], // nothing changed: the cache stays valid
    [['GETRANGE', 'h', '15', '15'], bulk('\0')],
    [['PFADD', 'h', ''], int(1)],
    [['GETRANGE', 'h', '15', '15'], bulk('\x80')],
    [['PFCOUNT', 'h'], int(4)],
    [['PFCOUNT', 'nokey'], int(0)],
    [['PFCOUNT', 'nokey', 'nokey2'], int(0)],
    [['EXISTS', 'nokey'], int(0)],
    [['DEL', 'h'], int(1)],
    [['PFADD', 'h', '1', '2', '3', '4', '5'], int(1)],
    [['PFCOUNT', 'h'], int(5)],
    [['PFADD', 'h', '6', '7', '8', '8', '9', '10'], int(1)],
    [['PFCOUNT', 'h'], int(10)],
  ];
  await runRows(conn, rows);
});

test('type checks: other types are WRONGTYPE, strings that are not HLLs the HyperLogLog WRONGTYPE', async () => {
  const rows: Row[] = [
    [['RPUSH', 'list', 'x'], int(1)],
    [['SET', 'str', 'bar'], OK],
    [['PFADD', 'list', '1'], WRONGTYPE],
    [['PFCOUNT', 'list'], WRONGTYPE],
    [['PFCOUNT', 'nokey', 'list'], WRONGTYPE],
    [['PFMERGE', 'd', 'list'], WRONGTYPE],
    [['PFADD', 'str', '1'], NOT_HLL],
    [['PFCOUNT', 'str'], NOT_HLL],
    [['PFMERGE', 'd', 'str'], NOT_HLL],
    [['PFMERGE', 'str', 'd'], NOT_HLL], // the destination is checked as a source
    [['EXISTS', 'd'], int(0)],
    [['SET', 'num', '12345678901234567890'], OK],
    [['PFCOUNT', 'num'], NOT_HLL],
    [['PFADD', 'h', 'a', 'b', 'c'], int(1)],
    [['SETRANGE', 'h', '0', '0123'], int(27)],
    [['PFCOUNT', 'h'], NOT_HLL],
    [['SETRANGE', 'h', '0', 'HYLL\x02'], int(27)],
    [['PFCOUNT', 'h'], NOT_HLL], // unknown encoding
    [['SETRANGE', 'h', '4', '\0'], int(27)],
    [['PFCOUNT', 'h'], NOT_HLL], // dense, but not 12304 bytes
    [['SET', 'short', 'HYLL\x01\0\0\0\0\0\0\0\0\0\0'], OK],
    [['PFCOUNT', 'short'], NOT_HLL],
    [['PFDEBUG', 'ENCODING', 'str'], NOT_HLL],
  ];
  await runRows(conn, rows);
});

test('corrupt sparse values are detected: INVALIDOBJ', async () => {
  const rows: Row[] = [
    [['PFADD', 'h', 'a', 'b', 'c'], int(1)],
    [['APPEND', 'h', 'hello'], int(32)],
    [['PFCOUNT', 'h'], CORRUPT],
    [['PFCOUNT', 'h', 'nokey'], CORRUPT],
    [['PFMERGE', 'd', 'h'], CORRUPT],
    [['EXISTS', 'd'], int(0)],
    [['PFDEBUG', 'TODENSE', 'h'], CORRUPT],
    [['PFDEBUG', 'GETREG', 'h'], CORRUPT],
    [['PFDEBUG', 'DECODE', 'h'], bulk('Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603 Z:10342 Z:11373 Z:12033')], // "hello" read as XZEROs
    [['SET', 'cut', 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f'], OK], // the XZERO's second byte is missing
    [['PFCOUNT', 'cut'], CORRUPT],
    [['SET', 'bare', 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80'], OK], // no opcodes at all
    [['PFADD', 'bare', 'a'], CORRUPT],
    [['PFCOUNT', 'bare'], CORRUPT],
    [['SET', 'cached', 'HYLL\x01\0\0\0\x07\0\0\0\0\0\0\0'], OK], // a valid cache is believed without a walk
    [['PFCOUNT', 'cached'], int(7)],
    [['PFCOUNT', 'cached', 'cached'], CORRUPT],
  ];
  await runRows(conn, rows);
});

test('PFADD that meets corruption after a change keeps the change, unannounced, and propagates nothing', async () => {
  // opcodes cover 16384 registers, then one more ZERO: adds into the first XZERO work, the count fails
  await runRows(conn, [[['SET', 'h', 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff\x00'], OK]]);
  const r = await sent('PFADD', 'h', 'a', 'b');
  assert.is(r.reply, int(1)); // both registers land in the XZERO: no error
  const value = await sent('GET', 'h');
  assert.ok(value.reply.includes('\x80'), 'stale cache bit set');
  await runRows(conn, [
    [['PFCOUNT', 'h'], CORRUPT],
    [['SET', 'x', 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xfe'], OK], // covers 16383 registers: the last is nowhere
  ]);
  // 'c' goes to register 8436, inside the XZERO; an element for register 16383 finds no opcode
  let last = '';
  for (let i = 0; !last; i++) if (hllPatLen(`z${i}`)[0] === 16383) last = `z${i}`;
  const before = await sent('GET', 'x');
  const bad = await sent('PFADD', 'x', 'c', last);
  assert.is(bad.reply, CORRUPT);
  assert.equal(bad.propagated, []);
  assert.is(bad.dirty, 0);
  const after = await sent('GET', 'x');
  assert.is.not(after.reply, before.reply); // 'c' was written before the failure, as Redis leaves it
  assert.ok(after.reply.includes('\x80'));
});

test('PFMERGE: union of sources and destination, sparse unless a dense one takes part', async () => {
  const rows: Row[] = [
    [['PFMERGE'], arity('pfmerge')],
    [['PFADD', 'h1', 'a', 'b', 'c'], int(1)],
    [['PFADD', 'h2', 'b', 'c', 'd'], int(1)],
    [['PFADD', 'h3', 'c', 'd', 'e'], int(1)],
    [['PFMERGE', 'h', 'h1', 'h2', 'h3'], OK],
    [['PFCOUNT', 'h'], int(5)],
    [['PFMERGE', 'h'], OK], // the destination alone
    [['PFCOUNT', 'h'], int(5)],
    [['PFMERGE', 'empty'], OK],
    [['GET', 'empty'], bulk(EMPTY_STALE)],
    [['PFMERGE', 'h1', 'nokey'], OK],
    [['PFCOUNT', 'h1'], int(3)],
    [['PFDEBUG', 'ENCODING', 'h'], status('sparse')],
    [['PFADD', 'dense'], int(1)],
    [['PFDEBUG', 'TODENSE', 'dense'], int(1)],
    [['PFMERGE', 'h4', 'h1', 'dense'], OK],
    [['PFDEBUG', 'ENCODING', 'h4'], status('dense')],
    [['PFCOUNT', 'h4'], int(3)],
    [['PFCOUNT', 'h1', 'h2', 'h3', 'nokey'], int(5)],
  ];
  await runRows(conn, rows);
});

test('PFDEBUG: GETREG DECODE ENCODING TODENSE and their errors', async () => {
  const regs = (await (async () => {
    await runRows(conn, [[['PFADD', 'h', 'a', 'b', 'c'], int(1)]]);
    conn.send('PFDEBUG', 'GETREG', 'h');
    return conn.read();
  })()) as { kind: string; items: { value: number }[] };
  assert.is(regs.items.length, 16384);
  assert.equal([regs.items[12711].value, regs.items[15780].value, regs.items[8436].value, regs.items[0].value], [2, 1, 1, 0]);
  const rows: Row[] = [
    [['PFDEBUG', 'ENCODING', 'h'], status('dense')], // GETREG converted it
    [['PFDEBUG', 'DECODE', 'h'], err('ERR HLL encoding is not sparse')],
    [['PFDEBUG', 'TODENSE', 'h'], int(0)],
    [['PFADD', 's', 'a', 'b', 'c'], int(1)],
    [['PFDEBUG', 'decode', 's'], bulk('Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603')],
    [['PFDEBUG', 'encoding', 's'], status('sparse')],
    [['PFDEBUG', 'todense', 's\0'], err('ERR The specified key does not exist')],
    [['PFDEBUG', 'todense\0x', 's'], int(1)], // the subcommand is a C string
    [['PFDEBUG', 'ENCODING', 's'], status('dense')],
    [['PFDEBUG', 'NOPE', 'nokey'], err('ERR The specified key does not exist')],
    [['PFDEBUG', 'NOPE', 's'], err("ERR Unknown PFDEBUG subcommand 'NOPE'")],
    [['PFDEBUG', 'GETREG'], arity('pfdebug')],
    [['PFDEBUG', 'GETREG', 's', 'x'], arity('pfdebug')],
    [['PFSELFTEST', 'x'], arity('pfselftest')],
    [['PFSELFTEST'], OK],
  ];
  await runRows(conn, rows);
});

test('writes keep the TTL; PFCOUNT\'s cache update and PFDEBUG\'s conversions are writes too', async () => {
  await runRows(conn, [[['PFADD', 'h', 'a'], int(1)], [['PEXPIRE', 'h', '100000'], int(1)]]);
  let r = await sent('PFADD', 'h', 'b', 'c', 'd');
  assert.equal([r.reply, r.propagated, r.dirty], [int(1), [['PFADD', 'h', 'b', 'c', 'd']], 3]); // dirty += registers changed
  r = await sent('PFADD', 'h', 'b');
  assert.equal([r.reply, r.propagated, r.dirty], [int(0), [], 0]);
  r = await sent('PFCOUNT', 'h');
  assert.equal([r.reply, r.propagated, r.dirty], [int(4), [['PFCOUNT', 'h']], 1]);
  r = await sent('PFCOUNT', 'h');
  assert.equal([r.reply, r.propagated, r.dirty], [int(4), [], 0]); // cached
  r = await sent('PFCOUNT', 'h', 'h');
  assert.equal([r.reply, r.propagated, r.dirty], [int(4), [], 0]);
  r = await sent('PFMERGE', 'h', 'h');
  assert.equal([r.reply, r.propagated, r.dirty], [OK, [['PFMERGE', 'h', 'h']], 1]);
  r = await sent('PFDEBUG', 'ENCODING', 'h');
  assert.equal([r.propagated, r.dirty], [[], 0]);
  r = await sent('PFDEBUG', 'TODENSE', 'h');
  assert.equal([r.reply, r.propagated, r.dirty], [int(1), [['PFDEBUG', 'TODENSE', 'h']], 1]);
  r = await sent('PFADD', 'new');
  assert.equal([r.reply, r.propagated, r.dirty], [int(1), [['PFADD', 'new']], 1]);
  await runRows(conn, [
    [['PTTL', 'h'], int(100000)], // the fake clock has not moved
    [['PFADD', 'h', 'x', 'y', 'z'], int(1)],
    [['PTTL', 'h'], int(100000)],
  ]);
});

test('WATCH: PFADD, PFMERGE and a PFCOUNT that refreshes the cache touch the key; PFDEBUG TODENSE does not', async () => {
  const watched = async (...argv: string[]) => {
    await runRows(conn, [[['WATCH', 'h'], OK], [argv, /^[:+]/], [['MULTI'], OK], [['PING'], QUEUED]]);
    conn.send('EXEC');
    return (await conn.readRaw()) === NIL_ARRAY;
  };
  await runRows(conn, [[['PFADD', 'h', 'a'], int(1)]]);
  assert.ok(await watched('PFCOUNT', 'h'), 'stale cache refreshed');
  assert.not.ok(await watched('PFCOUNT', 'h'), 'cached');
  assert.ok(await watched('PFADD', 'h', 'b'));
  assert.not.ok(await watched('PFADD', 'h', 'b'));
  assert.ok(await watched('PFMERGE', 'h'));
  assert.not.ok(await watched('PFDEBUG', 'TODENSE', 'h'));
});

test('hll-sparse-max-bytes decides when a growing HLL turns dense', async () => {
  await runRows(conn, [[['CONFIG', 'SET', 'hll-sparse-max-bytes', '100'], OK]]);
  const elements = Array.from({ length: 40 }, (_, i) => `x${i}`);
  await runRows(conn, [[['PFADD', 'h', ...elements.slice(0, 5)], int(1)], [['PFDEBUG', 'ENCODING', 'h'], status('sparse')]]);
  await runRows(conn, [[['PFADD', 'h', ...elements], int(1)], [['PFDEBUG', 'ENCODING', 'h'], status('dense')], [['STRLEN', 'h'], int(12304)]]);
  await runRows(conn, [[['CONFIG', 'SET', 'hll-sparse-max-bytes', '0'], OK], [['PFADD', 'z', 'a'], int(1)], [['PFDEBUG', 'ENCODING', 'z'], status('dense')]]);
});

// ---- differential: the same commands against real redis-server ----

/**
 * Random HLL work over a few keys: PFADD batches (small ones stay sparse, big ones turn dense), counts of one and
 * several keys, merges, the debug views, the sparse limit changed on the fly, and values corrupted by hand.
 */
function generatedCases(seed: number, count: number): string[][] {
  const rnd = mulberry32(seed);
  const n = (max: number) => Math.floor(rnd() * max);
  const pick = <T>(xs: readonly T[]): T => xs[n(xs.length)];
  const keys = ['h1', 'h2', 'h3', 'h4', 'nokey'];
  const element = () => {
    const r = rnd();
    if (r < 0.4) return String(n(20000));
    if (r < 0.5) return '';
    return Array.from({ length: 1 + n(24) }, () => String.fromCharCode(n(256))).join('');
  };
  const out: string[][] = [];
  for (let i = 0; i < count; i++) {
    const key = pick(keys.slice(0, 4));
    const r = n(100);
    if (r < 30) out.push(['PFADD', key, ...Array.from({ length: n(12) }, element)], ['GET', key]);
    else if (r < 36) out.push(['PFADD', key, ...Array.from({ length: 200 + n(1500) }, element)], ['GET', key]);
    else if (r < 50) out.push(['PFCOUNT', pick(keys)], ['GET', key]);
    else if (r < 58) out.push(['PFCOUNT', ...Array.from({ length: 2 + n(3) }, () => pick(keys))]);
    else if (r < 66) out.push(['PFMERGE', pick(keys), ...Array.from({ length: n(4) }, () => pick(keys))], ['GET', key]);
    else if (r < 72) out.push(['PFDEBUG', pick(['ENCODING', 'DECODE', 'decode']), pick(keys)]);
    else if (r < 74) out.push(['PFDEBUG', 'TODENSE', key], ['GET', key]);
    else if (r < 75) out.push(['PFDEBUG', 'GETREG', key]);
    else if (r < 78) out.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', String(pick([0, 40, 200, 1000, 3000, 3000, 20000]))]);
    else if (r < 82) out.push(['DEL', key]);
    else if (r < 86) out.push(['SETRANGE', key, String(n(n(2) ? 40 : 3000)), String.fromCharCode(n(256))], ['PFCOUNT', key], ['PFADD', key, element(), element()], ['GET', key]);
    else if (r < 88) out.push(['APPEND', key, String.fromCharCode(n(256))], ['PFCOUNT', key, pick(keys)]);
    else if (r < 90) out.push(['COPY', key, 'copy', 'REPLACE'], ['PFADD', 'copy', element()], ['PFCOUNT', 'copy'], ['GET', 'copy']);
    else if (r < 92) out.push(['EXPIREAT', key, '4102444800'], ['PFADD', key, element()], ['EXPIRETIME', key]);
    else if (r < 94) out.push(['WATCH', key], ['PFCOUNT', key], ['MULTI'], ['PING'], ['EXEC']);
    else out.push(['GET', key]);
  }
  return out;
}

const differential: string[][] = [
  ['PFADD', 'h1'], ['GET', 'h1'], ['PFCOUNT', 'h1'], ['GET', 'h1'], ['PFADD', 'h1', 'a', 'b', 'c'], ['GET', 'h1'],
  ['SET', 'dense', 'HYLL\0' + '\0'.repeat(11) + '\xff'.repeat(12288)], ['PFCOUNT', 'dense'], ['PFCOUNT', 'dense', 'h1'],
  ['SETRANGE', 'dense', '15', '\x80'], ['PFCOUNT', 'dense'], ['GETRANGE', 'dense', '8', '15'],
  ['SET', 'big', 'HYLL\x01\0\0\0\xff\xff\xff\xff\xff\xff\xff\x7f\x7f\xff'], ['PFCOUNT', 'big'], ['PFCOUNT', 'big', 'big'],
  ['SET', 'x', 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f'], ['PFADD', 'x', 'a', 'b', 'c', 'd', 'e'], ['GET', 'x'], ['PFDEBUG', 'DECODE', 'x'],
  ['SET', 'x', 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xfe\x83'], ['PFADD', 'x', ...Array.from({ length: 300 }, (_, i) => `v${i}`)], ['GET', 'x'],
  ['SET', 'x', 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x40\x00\x7f\xfe'], ['PFADD', 'x', 'a', 'b', 'c'], ['GET', 'x'], ['PFCOUNT', 'x'],
  ['PFDEBUG', 'TODENSE', 'x'], ['GET', 'x'], ['PFDEBUG', 'GETREG', 'x'],
  ['SET', 'x', 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff\x80'], ['PFCOUNT', 'x', 'x'], ['PFMERGE', 'y', 'x'], ['PFDEBUG', 'TODENSE', 'x'], // a VAL past the end
  ['PFDEBUG', 'bogus', 'x'], ['PFDEBUG', 'bogus\0yes', 'x'], ['PFDEBUG', 'GETREG', 'nokey'],
  ...generatedCases(20240611, 900),
];

/** What both servers hold at `keys`, in hex, to see where a differential went wrong. */
async function keyValues(ours: RawConnection, real: RawConnection, keys: string[]): Promise<string> {
  const lines: string[] = [];
  for (const key of keys) {
    ours.send('GET', key);
    real.send('GET', key);
    const [a, b] = [await ours.readRaw(), await real.readRaw()];
    const hex = (s: string) => Buffer.from(s.slice(0, 400), 'latin1').toString('hex');
    lines.push(a === b ? `${key}: same, ${hex(a)}` : `${key}: ours ${hex(a)}\n${key}: redis ${hex(b)}`);
  }
  return lines.join('\n');
}

test('differential: the same commands against real redis-server, values byte for byte', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    for (const argv of differential) {
      conn.send(...argv);
      real.send(...argv);
      const [mine, theirs] = [await conn.readRaw(), await real.readRaw()];
      if (mine !== theirs) assert.is(mine, theirs, `${label(argv.slice(0, 8))}\n${await keyValues(conn, real, argv.slice(1, 5))}`);
    }
  });
});

/** Every message a subscriber got up to now: a PING through the same connection marks the end. */
async function messagesSoFar(sub: RawConnection): Promise<string[]> {
  const out: string[] = [];
  sub.send('PING');
  for (let r = await sub.readRaw(); !r.startsWith('*2\r\n$4\r\npong'); r = await sub.readRaw()) out.push(r);
  return out;
}

test('differential: keyspace events of PFADD and PFMERGE (and none from PFCOUNT or PFDEBUG)', async () => {
  if (!hasRedis) return;
  const lines = [
    ['PFADD', 'h', 'a'], ['PFADD', 'h', 'a'], ['PFADD', 'h'], ['PFADD', 'new'], ['PFCOUNT', 'h'], ['PFMERGE', 'm', 'h', 'nokey'],
    ['PFMERGE', 'm'], ['PFDEBUG', 'TODENSE', 'h'], ['PFDEBUG', 'GETREG', 'm'], ['SET', 's', 'x'], ['PFADD', 's', 'a'], ['PFMERGE', 'm', 's'],
  ];
  await withRealRedis(async (real, redis) => {
    const subs = [await srv.connect(), await RawConnection.connect(redis.port)];
    const clients = [conn, real];
    for (const c of clients) {
      // not KEAn: Redis prints that as AKE but keeps n on, while toyredis re-reads the printed form and loses it
      c.send('CONFIG', 'SET', 'notify-keyspace-events', 'KE$n');
      assert.is(await c.readRaw(), OK);
    }
    for (const s of subs) {
      s.send('PSUBSCRIBE', '__key*__:*');
      await s.readRaw();
    }
    try {
      for (const argv of lines) {
        const got: string[][] = [];
        for (let i = 0; i < 2; i++) {
          clients[i].send(...argv);
          await clients[i].readRaw();
          got.push(await messagesSoFar(subs[i]));
        }
        assert.equal(got[0], got[1], label(argv));
      }
    } finally {
      subs[1].close();
    }
  });
});

test.run();
