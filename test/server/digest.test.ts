/**
 * DEBUG DIGEST and DIGEST-VALUE: the digest primitives and the store's values digested as Redis 7.0.15 digests the
 * same data, then differential runs where both servers hold the same mixed dataset and must reply byte for byte
 * alike, before and after every change.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { datasetDigest, digestHex, keyDigest, mixDigest, newDigest, valueDigest, xorDigest } from '../../lib/server/digest';
import { DEFAULT_HASH_LIMITS, HashValue } from '../../lib/store/hash';
import { Keyspace, type Db } from '../../lib/store/keyspace';
import { List } from '../../lib/store/list';
import { SetValue } from '../../lib/store/set';
import { makeId, StreamValue } from '../../lib/store/stream';
import { DEFAULT_ZSET_LIMITS, ZsetValue } from '../../lib/store/zset';
import { FakeClock } from '../helpers/clock';
import { label, sameReplies } from '../helpers/differential';
import { RawConnection } from '../helpers/raw';
import { arr, EMPTY, err, status } from '../helpers/resp';
import { serverScope } from '../helpers/scope';
import { hasRedis } from '../helpers/servers';

const test = suite('server/digest');

const scope = serverScope();
test.after.each(scope.stop);

const ZEROS = '0'.repeat(40);

// ---- the module, without a server ----

test('xorDigest xors SHA1(data) in; mixDigest then replaces the digest by its own SHA1', () => {
  const d = newDigest();
  assert.is(digestHex(d), ZEROS);
  xorDigest(d, 'abc');
  assert.is(digestHex(d), 'a9993e364706816aba3e25717850c26c9cd0d89d', 'SHA1("abc")');
  xorDigest(d, Buffer.from('abc'));
  assert.is(digestHex(d), ZEROS, 'a string and its latin1 bytes xor out');
  mixDigest(d, 'abc');
  assert.is(digestHex(d), '0d3ced9bec10a777aec23ccc353a8c08a633045e', 'SHA1(SHA1("abc"))');
  mixDigest(d, 'def');
  assert.is(digestHex(d), '1692a11a304e2ada78a14f8dce317d8f11a289e9', 'SHA1(previous ^ SHA1("def"))');
});

/** The dataset of the constants below: what `redis-cli` built on redis-server 7.0.15 (see each row). */
function sampleKeyspace(clock = new FakeClock()): Keyspace {
  const ks = new Keyspace(clock);
  const db = ks.dbs[0];
  db.set('a', '1', clock.now() + 100_000); // SET a 1, EXPIRE a 100
  db.set('l', List.from(['a', 'b', '12'])); // RPUSH l a b 12
  db.set('s', SetValue.of(['1', '2', 'x'], 512)); // SADD s 1 2 x
  const z = new ZsetValue(); // ZADD z 1.5 a -inf b 3 c 1e300 d
  for (const [m, score] of [['a', 1.5], ['b', -Infinity], ['c', 3], ['d', 1e300]] as const) z.add(m, score, {}, DEFAULT_ZSET_LIMITS);
  db.set('z', z);
  db.set('h', HashValue.of([['f', 'v'], ['n', '1']], DEFAULT_HASH_LIMITS)); // HSET h f v n 1
  const st = new StreamValue(); // XADD st 1-1 a b c d, XADD st 1-2 a b e 7
  st.append(makeId(1n, 1n), ['a', 'c'], ['b', 'd'], { maxBytes: 4096, maxEntries: 100 });
  st.append(makeId(1n, 2n), ['a', 'e'], ['b', '7'], { maxBytes: 4096, maxEntries: 100 });
  db.set('st', st);
  return ks;
}

test('a dataset in the store digests as redis-server 7.0.15 digested the same commands', () => {
  const ks = sampleKeyspace();
  assert.is(digestHex(datasetDigest(ks)), 'dea057aa7ff1f5bb068e0c4c2e67edf0c330992b');
  const db = ks.dbs[0];
  const values: [key: string, digest: string][] = [
    ['a', '5279988c5d1911f474bcbbf2f0a87012d40f8459'], // with the "!!expire!!" marker
    ['l', '4fddf5ecfb89aa53ce571890ffcd91dc9c8824bf'],
    ['s', '4c6eef6b7853d1b76391c849d71b0d35d3faf18f'],
    ['z', '1b758c7d35b33a5e94563876a4c9fb841e63b867'],
    ['h', 'ad9a818d75d51dd3c55d5905f22259a91bbc4b14'],
    ['st', '8555192f9e46fd77c916fa7b4fadfc9e90aea364'],
    ['nope', ZEROS],
  ];
  for (const [key, want] of values) assert.is(digestHex(valueDigest(db, key)), want, key);
  const one = new Keyspace(new FakeClock());
  one.dbs[0].set('a', '1');
  assert.is(digestHex(datasetDigest(one)), '943d800368fb9c0e951138f1bc0e313ac769d91f', 'SET a 1 alone');
  // SELECT 3, SET a 1 alone: the db number is mixed in, the value digest does not see the key or the db
  const alone = new Keyspace(new FakeClock());
  alone.dbs[3].set('a', '1');
  assert.is(digestHex(datasetDigest(alone)), 'bc8f01911f375369cc100f32d768813c62974af0');
  assert.is(digestHex(valueDigest(alone.dbs[3], 'a')), 'b4fc66738120fba0b5aa500ab5c2bf89cea1c5da');
  // ZADD z -0 m: a listpack keeps -0 as the integer 0, so the score prints as "0"
  const z = new ZsetValue();
  z.add('m', -0, {}, DEFAULT_ZSET_LIMITS);
  alone.dbs[3].set('z', z);
  assert.is(digestHex(valueDigest(alone.dbs[3], 'z')), '669bd9943b43e6b31f3ab60847ee6a38dd154aba');
  alone.dbs[3].set('z', ZsetValue.build([['m', 0]])!);
  assert.is(digestHex(valueDigest(alone.dbs[3], 'z')), '669bd9943b43e6b31f3ab60847ee6a38dd154aba', 'a skiplist with 0');
  alone.dbs[3].set('z', ZsetValue.build([['m', -0]])!);
  assert.is.not(digestHex(valueDigest(alone.dbs[3], 'z')), '669bd9943b43e6b31f3ab60847ee6a38dd154aba', 'a skiplist keeps -0: "-0"');
  assert.is(digestHex(datasetDigest(new Keyspace(new FakeClock()))), ZEROS, 'an empty dataset');
});

test('unordered parts (keys, set members, hash fields, zset members) may come in any order; list order counts', () => {
  const forward = new Keyspace(new FakeClock()), backward = new Keyspace(new FakeClock());
  const members = ['x', '1', '-7', 'yy', '\x00\xff'];
  const pairs = members.map((m, i) => [m, `v${i}`] as const);
  const fill = (db: Db, order: <T>(xs: readonly T[]) => T[]) => {
    db.set('s', SetValue.of(order(members), 512));
    db.set('h', HashValue.of(order(pairs), DEFAULT_HASH_LIMITS));
    db.set('z', ZsetValue.build(order(members.map((m, i) => [m, i / 3] as const)))!);
    for (const [k, v] of order(pairs)) db.set(`k:${k}`, v);
  };
  fill(forward.dbs[0], (xs) => [...xs]);
  fill(backward.dbs[0], (xs) => [...xs].reverse());
  assert.is(digestHex(datasetDigest(forward)), digestHex(datasetDigest(backward)));
  for (const key of ['s', 'h', 'z']) assert.is(digestHex(valueDigest(forward.dbs[0], key)), digestHex(valueDigest(backward.dbs[0], key)), key);
  forward.dbs[0].set('l', List.from(members));
  backward.dbs[0].set('l', List.from([...members].reverse()));
  assert.is.not(digestHex(valueDigest(forward.dbs[0], 'l')), digestHex(valueDigest(backward.dbs[0], 'l')));
  assert.is.not(digestHex(datasetDigest(forward)), digestHex(datasetDigest(backward)));
});

test('the db a key is in and whether it has a TTL count; when the TTL is due does not', () => {
  const clock = new FakeClock();
  const digestOf = (dbIndex: number, expiresAt: number) => {
    const ks = new Keyspace(clock);
    ks.dbs[dbIndex].set('k', 'v', expiresAt);
    return digestHex(datasetDigest(ks));
  };
  assert.is.not(digestOf(0, 0), digestOf(1, 0));
  assert.is.not(digestOf(0, 0), digestOf(0, clock.now() + 1000));
  assert.is(digestOf(0, clock.now() + 1000), digestOf(0, clock.now() + 9_000_000));
  // the per-key digest is the same in any db: only the dataset digest mixes the db number in
  const ks = new Keyspace(clock);
  ks.dbs[0].set('k', 'v');
  ks.dbs[5].set('k', 'v');
  assert.is(digestHex(keyDigest('k', ks.dbs[0].peek('k')!)), digestHex(keyDigest('k', ks.dbs[5].peek('k')!)));
  assert.is(digestHex(valueDigest(ks.dbs[0], 'k')), digestHex(valueDigest(ks.dbs[5], 'k')));
  assert.is.not(digestHex(keyDigest('k', ks.dbs[0].peek('k')!)), digestHex(valueDigest(ks.dbs[0], 'k')), 'the key name is mixed in');
});

test('a logically expired key is digested as it stands: not expired, not counted as a hit or a miss', () => {
  const clock = new FakeClock();
  const ks = sampleKeyspace(clock);
  const db = ks.dbs[0];
  const events: string[] = [];
  ks.hooks = { modified: (_, k) => events.push(`modified ${k}`), expired: (_, k) => events.push(`expired ${k}`), flushed: () => {} };
  const before = { value: digestHex(valueDigest(db, 'a')), dataset: digestHex(datasetDigest(ks)) };
  clock.advance(200_000);
  ks.tick();
  assert.ok(db.isExpired(db.peek('a')!));
  assert.is(digestHex(valueDigest(db, 'a')), before.value);
  assert.is(digestHex(valueDigest(db, 'missing')), ZEROS);
  assert.is(digestHex(datasetDigest(ks)), before.dataset);
  assert.ok(db.peek('a'), 'still stored');
  assert.equal(events, []);
  assert.is(ks.stats.hits + ks.stats.misses + ks.stats.expiredKeys, 0);
});

// ---- against real redis-server 7.0 ----

const withRedis = hasRedis ? test : test.skip;

interface Pair {
  mine: RawConnection;
  real: RawConnection;
}

/** toyredis and redis-server with DEBUG enabled, one raw connection to each; all stopped after the test. */
async function startPair(): Promise<Pair> {
  const args = ['--enable-debug-command', 'yes'];
  const [toy, redis] = await Promise.all([scope.toyredis(args), scope.realRedis(args)]);
  const connect = async (port: number) => {
    const c = await RawConnection.connect(port);
    scope.keep({ stop: async () => c.close() });
    return c;
  };
  return { mine: await connect(toy.port), real: await connect(redis.port) };
}

/** Send one command to both; both replies must be the same bytes, which are returned. */
async function both({ mine, real }: Pair, ...argv: string[]): Promise<string> {
  mine.send(...argv);
  real.send(...argv);
  const [got, want] = await Promise.all([mine.readRaw(), real.readRaw()]);
  assert.is(got, want, label(argv));
  return got;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const BINARY = '\x00\xff\r\n\x80\x7fbin';

/** Keys per db of the mixed dataset, every type in small and large encodings, some with a TTL. */
const DATASET: Record<number, string[][]> = {
  0: [
    ['SET', 'str:plain', 'hello'],
    ['SET', 'str:int', '12345'],
    ['SET', 'str:neg', '-42'],
    ['SET', 'str:max', '9223372036854775807'],
    ['SET', 'str:lead0', '007'],
    ['SET', 'str:float', '3.14'],
    ['SET', 'str:empty', ''],
    ['SET', 'str:bin', BINARY],
    ['SET', `key:${BINARY}`, 'binary key'],
    ['INCRBY', 'str:counter', '10'],
    ['INCRBYFLOAT', 'str:counterf', '1.5'],
    ['SET', 'str:big', 'x'.repeat(5000)],
    ['RPUSH', 'list:small', 'a', '1', '-2', '', BINARY, 'a'],
    ['LPUSH', 'list:small', 'head'],
    ['RPUSH', 'list:big', ...range(300).map((i) => (i % 3 ? String(i) : `${i}:${'v'.repeat(200)}`))],
    ['SADD', 'set:ints', '1', '2', '3', '-5', '9223372036854775807', '-9223372036854775808'],
    ['SADD', 'set:mixed', '1', 'a', '01', BINARY],
    ['SADD', 'set:bigints', ...range(600).map((i) => String(i * 7 - 1000))],
    ['SADD', 'set:big', ...range(300).map((i) => `m${i}`)],
    ['ZADD', 'zset:small', '1.5', 'a', '-2.25', 'b', '+inf', 'c', '-inf', 'd', '1e300', 'e', '0.1', 'f',
      '12345678901234567890', 'g', '3', 'h', '-0', 'i', '4611686018427387904', 'j', '-1e-300', 'k', '42', '42'],
    ['ZADD', 'zset:big', ...range(200).flatMap((i) => [String(i / 7 - 10), `m${i}`]), '-0', 'negzero', 'inf', 'top', '1.7976931348623157e308', 'max'],
    ['HSET', 'hash:small', 'f', 'v', 'n', '1', 'neg', '-3', BINARY, BINARY, 'empty', ''],
    ['HSET', 'hash:big', ...range(600).flatMap((i) => [`f${i}`, String(i)])],
    ['HSET', 'hash:longval', 'f', 'y'.repeat(100), 'g', '2'],
    ['XADD', 'stream', '1-1', 'a', 'b', 'c', 'd'],
    ['XADD', 'stream', '1-2', 'a', 'b', 'c', '5'],
    ['XADD', 'stream', '2-0', 'x', 'y'],
    ['XADD', 'stream', '5-3', 'a', '1', 'b', '2', 'c', BINARY],
    ['XDEL', 'stream', '2-0'],
    ['XGROUP', 'CREATE', 'stream', 'g', '0'],
    ...range(150).map((i) => ['XADD', 'stream:big', `10-${i}`, 'f', String(i), 'g', `v${i}`]),
    ['SET', 'ttl:str', 'v', 'EX', '1000'],
    ['EXPIRE', 'list:small', '5000'],
    ['PEXPIRE', 'hash:small', '900000000'],
    ['EXPIRE', 'zset:big', '100000'],
  ],
  3: [
    ['SET', 'str:plain', 'hello'],
    ['SET', 'a', '1'],
    ['RPUSH', 'l', 'x', 'y'],
    ['SADD', 's', '5'],
    ['SET', 'ttl3', 'v', 'PX', '99999999'],
  ],
};

async function load(p: Pair): Promise<void> {
  for (const [db, argvs] of Object.entries(DATASET)) {
    await sameReplies(p.mine, p.real, [['SELECT', db], ...argvs]);
  }
  await both(p, 'SELECT', '0');
}

/** DEBUG DIGEST on both servers: the same status reply, returned. */
async function digest(p: Pair): Promise<string> {
  const got = await both(p, 'DEBUG', 'DIGEST');
  assert.match(got, /^\+[0-9a-f]{40}\r\n$/);
  return got;
}

/** The keys a DATASET db creates. */
const keysOf = (db: number) => [...new Set(DATASET[db].filter(([cmd]) => cmd !== 'XDEL' && cmd !== 'XGROUP').map(([, key]) => key))];

withRedis('differential: DEBUG DIGEST and DIGEST-VALUE of a mixed dataset in db 0 and db 3 are the same bytes as redis-server\'s', async () => {
  const p = await startPair();
  assert.is(await digest(p), status(ZEROS), 'an empty dataset');
  await both(p, 'DEBUG', 'DIGEST-VALUE', 'nokey');
  await load(p);
  assert.is.not(await digest(p), status(ZEROS));
  for (const db of [0, 3]) {
    await both(p, 'SELECT', String(db));
    const reply = await both(p, 'DEBUG', 'DIGEST-VALUE', ...keysOf(db), 'missing');
    assert.ok(reply.endsWith(status(ZEROS)), 'a missing key is 40 zeros');
    for (const key of keysOf(db)) await both(p, 'DEBUG', 'DIGEST-VALUE', key);
  }
  // the subcommand forms, case-insensitive, and the wrong-arity errors
  for (const argv of [['debug', 'Digest'], ['DEBUG', 'digest-value'], ['DEBUG', 'DIGEST', 'x'], ['DEBUG', 'DIGEST-VALUE', 'a', 'a']]) {
    await both(p, ...argv);
  }
  assert.is(await both(p, 'DEBUG', 'DIGEST-VALUE'), EMPTY);
  assert.is(await both(p, 'DEBUG', 'DIGEST', 'x'), err("ERR unknown subcommand or wrong number of arguments for 'DIGEST'. Try DEBUG HELP."));
});

/**
 * Changes to apply one at a time after the dataset is loaded: [db, argv, key, whether the digest must change].
 * A TTL's length and a stream's consumer groups are not part of the digest; anything else is.
 */
const CHANGES: [db: number, argv: string[], key: string, changes: boolean][] = [
  [0, ['SET', 'str:plain', 'hellO'], 'str:plain', true],
  [0, ['APPEND', 'str:int', '0'], 'str:int', true],
  [0, ['INCR', 'str:counter'], 'str:counter', true],
  [0, ['SETRANGE', 'str:bin', '0', '\x01'], 'str:bin', true],
  [0, ['LSET', 'list:small', '1', 'A'], 'list:small', true],
  [0, ['LMOVE', 'list:big', 'list:big', 'LEFT', 'RIGHT'], 'list:big', true], // same elements, another order
  [0, ['SREM', 'set:ints', '2'], 'set:ints', true],
  [0, ['SADD', 'set:bigints', '2'], 'set:bigints', true],
  [0, ['SMOVE', 'set:big', 'set:mixed', 'm7'], 'set:mixed', true],
  [0, ['ZADD', 'zset:small', '1.5000000000000002', 'a'], 'zset:small', true],
  [0, ['ZINCRBY', 'zset:big', '1', 'm1'], 'zset:big', true],
  [0, ['ZADD', 'zset:big', '0', 'negzero'], 'zset:big', false], // 0 == -0: the score stays -0, printed "-0"
  [0, ['ZADD', 'zset:big', '0.5', 'negzero'], 'zset:big', true],
  [0, ['HSET', 'hash:small', 'f', 'w'], 'hash:small', true],
  [0, ['HDEL', 'hash:big', 'f599'], 'hash:big', true],
  [0, ['HSET', 'hash:longval', 'f', 'z'], 'hash:longval', true],
  [0, ['XADD', 'stream', '6-0', 'z', 'z'], 'stream', true],
  [0, ['XDEL', 'stream', '1-1'], 'stream', true],
  [0, ['XTRIM', 'stream:big', 'MAXLEN', '140'], 'stream:big', true],
  [0, ['XGROUP', 'CREATE', 'stream', 'g2', '$'], 'stream', false],
  [0, ['XGROUP', 'DESTROY', 'stream', 'g'], 'stream', false],
  [0, ['EXPIRE', 'ttl:str', '2000'], 'ttl:str', false],
  [0, ['PERSIST', 'ttl:str'], 'ttl:str', true],
  [0, ['EXPIRE', 'str:plain', '100'], 'str:plain', true],
  [0, ['RENAME', 'str:neg', 'str:neg2'], 'str:neg2', true],
  [0, ['MOVE', 'str:empty', '3'], 'str:empty', true],
  [0, ['DEL', 'set:mixed'], 'set:mixed', true],
  [3, ['SET', 'a', '2'], 'a', true],
  [3, ['RPUSH', 'l', 'z'], 'l', true],
  [3, ['SWAPDB', '3', '7'], 'a', true],
];

withRedis('differential: each change to a value changes DEBUG DIGEST and DIGEST-VALUE as it does on redis-server', async () => {
  const p = await startPair();
  await load(p);
  let last = await digest(p);
  for (const [db, argv, key, changes] of CHANGES) {
    await both(p, 'SELECT', String(db));
    const valueBefore = await both(p, 'DEBUG', 'DIGEST-VALUE', key);
    await both(p, ...argv);
    const now = await digest(p);
    const valueAfter = await both(p, 'DEBUG', 'DIGEST-VALUE', key);
    if (changes) {
      assert.is.not(now, last, label(argv));
      if (argv[0] !== 'SWAPDB' && argv[0] !== 'RENAME') assert.is.not(valueAfter, valueBefore, `${label(argv)}: ${key}`);
    } else {
      assert.is(now, last, label(argv));
      assert.is(valueAfter, valueBefore, label(argv));
    }
    last = now;
  }
  await both(p, 'SELECT', '0');
  await both(p, 'FLUSHALL');
  assert.is(await digest(p), status(ZEROS));
  assert.is(await both(p, 'DEBUG', 'DIGEST-VALUE', 'str:plain', 'nokey'), arr(status(ZEROS), status(ZEROS)));
});

test.run();
