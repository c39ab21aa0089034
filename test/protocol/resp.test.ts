import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameDecoder, NEED_MORE, ProtocolError } from '../../lib/protocol/decoder';
import { request, reply } from '../../lib/protocol/resp';
import { DEFAULT_LIMITS, runAt, viewOf } from '../../lib/protocol/bytes';
import { encodeCommand, encode, type Reply } from '../../lib/protocol/reply';

const test = suite('protocol/resp');

/** Feed `bytes` split at the given offsets; collect every request. Throws ProtocolError like the server sees it. */
function decodeAll(bytes: Buffer, cuts: number[] = []): string[][] {
  const d = new FrameDecoder();
  const out: string[][] = [];
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    d.feed(bytes.subarray(prev, cut));
    prev = cut;
    for (let f = d.next(request); f !== NEED_MORE; f = d.next(request)) out.push(f);
  }
  return out;
}

const B = (s: string) => Buffer.from(s, 'latin1');

// Complete requests: bytes → argv lists. Each runs whole, byte by byte, and split at every offset.
const complete: [string, string, string[][]][] = [
  ['multibulk', '*1\r\n$4\r\nPING\r\n', [['PING']]],
  ['two args', '*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n', [['ECHO', 'hello']]],
  ['binary bulk', '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$8\r\na\0\r\n$-1\xff\r\n', [['SET', 'k', 'a\0\r\n$-1\xff']]],
  ['empty bulk', '*2\r\n$4\r\nECHO\r\n$0\r\n\r\n', [['ECHO', '']]],
  ['pipeline', '*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nx\r\n', [['PING'], ['GET', 'x']]],
  ['inline', 'PING\r\n', [['PING']]],
  ['inline LF only', 'ECHO hi\n', [['ECHO', 'hi']]],
  ['inline spaces', '  SET   a  b  \r\n', [['SET', 'a', 'b']]],
  ['inline quotes', 'SET "a b" \'c d\'\r\n', [['SET', 'a b', 'c d']]],
  ['inline escapes', 'SET k "\\x41\\n\\t\\"z"\r\n', [['SET', 'k', 'A\n\t"z']]],
  ['inline single quote escape', "ECHO 'it\\'s'\r\n", [['ECHO', "it's"]]],
  ['empty inline lines are skipped', '\r\n\r\nPING\r\n', [[], [], ['PING']]],
  ['zero and negative counts are skipped', '*0\r\n*-1\r\nPING\r\n', [[], [], ['PING']]],
  ['bulk CRLF is not checked (as Redis)', '*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n', [['PING'], ['PING']]],
  ['mixed inline and multibulk', 'PING\r\n*1\r\n$4\r\nPING\r\nPING\n', [['PING'], ['PING'], ['PING']]],
];

for (const [name, text, expected] of complete) {
  test(`complete: ${name}`, () => {
    const bytes = B(text);
    const clean = (xs: string[][]) => xs.filter((x) => x.length);
    assert.equal(clean(decodeAll(bytes)), clean(expected), 'whole');
    assert.equal(clean(decodeAll(bytes, [...Array(bytes.length).keys()].slice(1))), clean(expected), 'byte by byte');
    for (let cut = 1; cut < bytes.length; cut++) assert.equal(clean(decodeAll(bytes, [cut])), clean(expected), `split at ${cut}`);
  });
}

// Incomplete inputs: every proper prefix of a valid request needs more bytes, never an error.
test('incomplete: every prefix waits', () => {
  const bytes = B('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n');
  for (let n = 1; n < bytes.length - 1; n++) {
    const d = new FrameDecoder();
    d.feed(bytes.subarray(0, n));
    assert.is(d.next(request), NEED_MORE, `prefix ${n}`);
  }
});

test('incomplete: a NUL before the line end waits, as strchr() does', () => {
  const d = new FrameDecoder();
  d.feed(B('PI\0NG\r\n'));
  assert.is(d.next(request), NEED_MORE);
});

// Malformed inputs: Redis 7.0's error text (after "Protocol error: ").
const malformed: [string, string, string][] = [
  ['count not a number', '*x\r\n', 'invalid multibulk length'],
  ['count too big', '*3000000000\r\n', 'invalid multibulk length'],
  ['count with plus', '*+1\r\n', 'invalid multibulk length'],
  ['bulk length not a number', '*1\r\n$x\r\n', 'invalid bulk length'],
  ['negative bulk', '*1\r\n$-1\r\n', 'invalid bulk length'],
  ['bulk over proto-max-bulk-len', '*1\r\n$536870913\r\n', 'invalid bulk length'],
  ['not a bulk', '*1\r\n+PING\r\n', "expected '$', got '+'"],
  ['unbalanced quotes', 'SET "a b\r\n', 'unbalanced quotes in request'],
  ['closing quote glued to text', 'SET "a"b\r\n', 'unbalanced quotes in request'],
];
for (const [name, text, message] of malformed) {
  test(`malformed: ${name}`, () => {
    try {
      decodeAll(B(text));
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, ProtocolError);
      assert.is((e as ProtocolError).reason, message);
    }
  });
}

test('malformed: lines without CR past 64 KB', () => {
  for (const [prefix, message] of [['', 'too big inline request'], ['*', 'too big mbulk count string'], ['*1\r\n$', 'too big bulk count string']]) {
    try {
      decodeAll(Buffer.concat([B(prefix), Buffer.alloc(70 * 1024, 49)]));
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.is((e as ProtocolError).reason, message);
    }
  }
});

test('a Buffer with a nonzero byteOffset is read from its own bytes', () => {
  const pool = B('garbage*1\r\n$4\r\nPING\r\n');
  const slice = pool.subarray(7);
  assert.ok(slice.byteOffset > 0);
  const st = runAt(request, viewOf(slice), 0, DEFAULT_LIMITS);
  assert.equal(st.result, ['PING']);
});

test('a large value in small chunks is parsed once, when complete', () => {
  const value = Buffer.alloc(5 * 1024 * 1024, 0x61);
  const bytes = Buffer.concat([B(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${value.length}\r\n`), value, B('\r\n')]);
  const d = new FrameDecoder();
  let parses = 0;
  const counting = { p: (s: any) => (parses++, request.p(s)) } as typeof request;
  let result: string[] | typeof NEED_MORE = NEED_MORE;
  for (let i = 0; i < bytes.length; i += 64 * 1024) {
    d.feed(bytes.subarray(i, i + 64 * 1024));
    result = d.next(counting);
  }
  assert.ok(result !== NEED_MORE);
  assert.is((result as string[])[2].length, value.length);
  assert.ok(parses <= 3, `parsed ${parses} times`);
});

test('lastFrameBytes counts each frame', () => {
  const d = new FrameDecoder();
  d.feed(B('*1\r\n$4\r\nPING\r\nPING\r\n'));
  d.next(request);
  assert.is(d.lastFrameBytes, 14);
  d.next(request);
  assert.is(d.lastFrameBytes, 6);
});

// Replies: parse(encode(x)) === x, at every split point.
const replies: [string, Reply][] = [
  ['simple', { kind: 'simple', text: 'OK' }],
  ['error', { kind: 'error', text: 'ERR bad' }],
  ['int', { kind: 'int', value: -42 }],
  ['bulk', { kind: 'bulk', value: 'a\r\nb\0' }],
  ['null', { kind: 'null' }],
  ['null array', { kind: 'nullArray' }],
  ['nested array', { kind: 'array', items: [{ kind: 'int', value: 1 }, { kind: 'array', items: [{ kind: 'bulk', value: 'x' }] }] }],
];
for (const [name, r] of replies) {
  test(`reply round trip: ${name}`, () => {
    const bytes = encode(r);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder();
      d.feed(bytes.subarray(0, cut));
      const first = d.next(reply);
      if (cut < bytes.length) {
        assert.is(first, NEED_MORE, `prefix ${cut}`);
        d.feed(bytes.subarray(cut));
        assert.equal(d.next(reply), r);
      } else assert.equal(first, r);
    }
  });
}

test('the writer handles a reply nested 100,000 deep, containers of every kind, without recursing that far', () => {
  let r: Reply = { kind: 'int', value: 7 };
  const kinds = ['array', 'map', 'set', 'push'] as const;
  for (let i = 0; i < 100_000; i++) {
    const kind = kinds[i % 4];
    r = { kind, items: kind === 'map' ? [{ kind: 'bulk', value: 'k' }, r] : [r, { kind: 'null' }] };
  }
  let want = '';
  for (let i = 100_000 - 1; i >= 0; i--) want += i % 4 === 1 ? '%1\r\n$1\r\nk\r\n' : i % 4 === 0 ? '*2\r\n' : i % 4 === 2 ? '~2\r\n' : '>2\r\n';
  want += ':7\r\n';
  for (let i = 0; i < 100_000; i++) if (i % 4 !== 1) want += '_\r\n';
  assert.is(encode(r, 3).toString('latin1'), want);
});

test('replies nested 100,000 deep parse, split anywhere, and attributes are dropped at any depth', () => {
  const depth = 100_000;
  const bytes = B('*1\r\n'.repeat(depth) + '|1\r\n+a\r\n:1\r\n%1\r\n+k\r\n~0\r\n');
  for (const cut of [0, 1, depth * 2, bytes.length - 3, bytes.length - 1]) {
    const d = new FrameDecoder();
    d.feed(bytes.subarray(0, cut));
    assert.is(d.next(reply), NEED_MORE, `prefix ${cut}`);
    d.feed(bytes.subarray(cut));
    let r = d.next(reply) as Reply;
    for (let i = 0; i < depth; i++) {
      assert.is(r.kind, 'array');
      r = (r as { items: Reply[] }).items[0];
    }
    assert.equal(r, { kind: 'map', items: [{ kind: 'simple', text: 'k' }, { kind: 'set', items: [] }] });
    assert.is(d.lastFrameBytes, bytes.length);
  }
});

test('encodeCommand: a command as the replication stream carries it, short and long arguments, any bytes', () => {
  const long = 'x'.repeat(64) + '\r\n\0\xff';
  const argv = ['SET', '', 'k\r\n\0\xff', long, '0123456789'];
  assert.is(
    encodeCommand(argv).toString('latin1'),
    `*5\r\n$3\r\nSET\r\n$0\r\n\r\n$5\r\nk\r\n\0\xff\r\n$${long.length}\r\n${long}\r\n$10\r\n0123456789\r\n`,
  );
  const d = new FrameDecoder();
  d.feed(encodeCommand(argv));
  assert.equal(d.next(request), argv);
});

test('RESP3 replies parse', () => {
  const d = new FrameDecoder();
  d.feed(B('%1\r\n+a\r\n:1\r\n~1\r\n,1.5\r\n_\r\n#t\r\n(123\r\n=7\r\ntxt:abc\r\n>1\r\n+x\r\n'));
  assert.equal(d.next(reply), { kind: 'map', items: [{ kind: 'simple', text: 'a' }, { kind: 'int', value: 1 }] });
  assert.equal(d.next(reply), { kind: 'set', items: [{ kind: 'double', value: 1.5 }] });
  assert.equal(d.next(reply), { kind: 'null' });
  assert.equal(d.next(reply), { kind: 'bool', value: true });
  assert.equal(d.next(reply), { kind: 'bignum', text: '123' });
  assert.equal(d.next(reply), { kind: 'verbatim', format: 'txt', text: 'abc' });
  assert.equal(d.next(reply), { kind: 'push', items: [{ kind: 'simple', text: 'x' }] });
});

test('a client that must still authenticate may send at most 10 arguments of at most 16384 bytes', () => {
  const d = new FrameDecoder({ ...DEFAULT_LIMITS, authRequired: true });
  d.feed(B('*10\r\n' + '$1\r\na\r\n'.repeat(9) + '$16384\r\n' + 'x'.repeat(16384) + '\r\n'));
  assert.is((d.next(request) as string[]).length, 10);
  for (const [bytes, reason] of [['*11\r\n', 'unauthenticated multibulk length'], ['*1\r\n$16385\r\n', 'unauthenticated bulk length']]) {
    const e = new FrameDecoder({ ...DEFAULT_LIMITS, authRequired: true });
    e.feed(B(bytes));
    try {
      e.next(request);
      assert.unreachable('accepted');
    } catch (err) {
      assert.is((err as ProtocolError).reason, reason);
    }
  }
});

test.run();
