/**
 * Raw-socket tests on the built server (dist/toyredis.js): inline requests as typed into telnet, a request split
 * byte by byte across TCP writes, a 100 MB bulk sent in chunks, and malformed input (Redis's exact error, earlier
 * pipelined requests answered first, then the connection closed) that leaves the server serving others.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startToyredis, type RunningServer } from '../helpers/servers';
import { RawConnection } from '../helpers/raw';
import { request } from '../helpers/resp';

const test = suite('integration/protocol');

let server: RunningServer;

/** A fresh connection whose small writes leave as separate segments (no Nagle coalescing). */
async function connect(): Promise<RawConnection> {
  const conn = await RawConnection.connect(server.port);
  conn.socket.setNoDelay(true);
  return conn;
}

/** Read replies until `expected.length` bytes have arrived; they must be exactly `expected`. */
async function expectBytes(conn: RawConnection, expected: string, label: string, ms = 10000): Promise<void> {
  const got = await conn.waitBytes(expected.length, ms);
  assert.is(got, expected, label);
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

function assertAlive() {
  assert.ok(server.proc.exitCode === null && server.proc.signalCode === null, `toyredis exited:\n${server.output()}`);
}

test.before(async () => {
  server = await startToyredis(['--bind', '127.0.0.1']);
});

test.after(async () => {
  await server?.stop();
});

test('inline commands as typed into telnet', async () => {
  const conn = await connect();
  conn.write('PING\r\n');
  await expectBytes(conn, '+PONG\r\n', 'PING');
  conn.write('ping hello\n'); // a bare LF ends a line too
  await expectBytes(conn, '+PONG\r\n$5\r\nhello\r\n', 'PING with LF only');
  conn.write('   SET   "a b"   \'c d\'  \r\n');
  await expectBytes(conn, '+PONG\r\n$5\r\nhello\r\n+OK\r\n', 'quoted key and value');
  conn.write('GET "a b"\r\nEXISTS \'a b\'\r\n');
  await expectBytes(conn, '+PONG\r\n$5\r\nhello\r\n+OK\r\n$3\r\nc d\r\n:1\r\n', 'read back in one chunk');
  conn.close();

  const esc = await connect();
  esc.write('ECHO "\\x00\\xff\\r\\n\\t\\"q\\\\"\r\n');
  await expectBytes(esc, '$8\r\n\x00\xff\r\n\t"q\\\r\n', 'escapes inside double quotes');
  esc.write("ECHO 'it\\'s'\r\n");
  await expectBytes(esc, '$8\r\n\x00\xff\r\n\t"q\\\r\n$4\r\nit\'s\r\n', 'escaped single quote');
  esc.write('\r\n\r\n\nECHO\tx\r\n'); // empty lines are skipped; a tab separates words
  await expectBytes(esc, '$8\r\n\x00\xff\r\n\t"q\\\r\n$4\r\nit\'s\r\n$1\r\nx\r\n', 'empty lines, tab');
  esc.close();
});

test('inline and multibulk requests mixed in one chunk', async () => {
  const conn = await connect();
  conn.write(`SET mixed 1\r\n${request('INCR', 'mixed')}INCR mixed\r\n${request('GET', 'mixed')}`);
  await expectBytes(conn, '+OK\r\n:2\r\n:3\r\n$1\r\n3\r\n', 'four replies in order');
  conn.close();
});

test('a pipeline split byte by byte across TCP writes', async () => {
  const conn = await connect();
  const value = '\x00\r\n$3\r\n*1\xff';
  const bytes = request('SET', 'split', value) + request('GET', 'split') + 'PING\r\n' + request('APPEND', 'split', 'z') + request('ECHO', '');
  for (let i = 0; i < bytes.length; i++) {
    conn.write(bytes[i]);
    await nextTick(); // let each byte leave as its own write
  }
  await expectBytes(conn, `+OK\r\n$${value.length}\r\n${value}\r\n+PONG\r\n:${value.length + 1}\r\n$0\r\n\r\n`, 'replies');
  conn.close();
});

test('a 100 MB bulk value sent in chunks', async () => {
  const size = 100 * 1024 * 1024;
  const chunk = 1024 * 1024;
  const byteAt = (i: number) => (i * 7 + (i >> 20)) & 0xff; // differs per MB, so a misplaced chunk shows
  const conn = await connect();
  conn.write(`*3\r\n$3\r\nSET\r\n$7\r\nbigval1\r\n$${size}\r\n`);
  const buf = Buffer.alloc(chunk);
  for (let off = 0; off < size; off += chunk) {
    for (let i = 0; i < chunk; i++) buf[i] = byteAt(off + i);
    const flushed = conn.socket.write(Buffer.from(buf));
    if (!flushed) await new Promise((resolve) => conn.socket.once('drain', resolve));
  }
  conn.write('\r\n');
  assert.is(await conn.readRaw(60000), '+OK\r\n', 'SET');
  conn.send('STRLEN', 'bigval1');
  assert.is(await conn.readRaw(), `:${size}\r\n`, 'STRLEN');
  for (const at of [0, 12345678, size / 2 - 3, size - 10]) {
    conn.send('GETRANGE', 'bigval1', String(at), String(at + 9));
    const want = Buffer.from(Array.from({ length: 10 }, (_, i) => byteAt(at + i))).toString('latin1');
    assert.is(await conn.readRaw(), `$10\r\n${want}\r\n`, `GETRANGE at ${at}`);
  }
  conn.send('DEL', 'bigval1');
  assert.is(await conn.readRaw(), ':1\r\n', 'DEL');
  conn.close();
});

// Each case: bytes sent in one write; the replies Redis 7.0 sends before closing (earlier requests first).
const malformed: [name: string, bytes: string, replies: string][] = [
  ['invalid multibulk length', `PING\r\n${request('SET', 'mal', '1')}*x\r\nPING\r\n`, '+PONG\r\n+OK\r\n-ERR Protocol error: invalid multibulk length\r\n'],
  ['$-1 inside a request', `${request('INCR', 'mal')}*1\r\n$-1\r\n${request('PING')}`, ':2\r\n-ERR Protocol error: invalid bulk length\r\n'],
  ['a simple string where a bulk belongs', `PING\r\n*1\r\n+x\r\nPING\r\n`, "+PONG\r\n-ERR Protocol error: expected '$', got '+'\r\n"],
  ['an integer where a bulk belongs', `*2\r\n$4\r\nECHO\r\n:1\r\n`, "-ERR Protocol error: expected '$', got ':'\r\n"],
  ['bulk length over proto-max-bulk-len', `*2\r\n$3\r\nGET\r\n$536870913\r\n`, '-ERR Protocol error: invalid bulk length\r\n'],
  ['multibulk count over INT_MAX', `*2147483648\r\n`, '-ERR Protocol error: invalid multibulk length\r\n'],
  ['leading zero in a bulk length', `*1\r\n$04\r\nPING\r\n`, '-ERR Protocol error: invalid bulk length\r\n'],
  ['unbalanced double quotes', `PING\r\nECHO "abc\r\nPING\r\n`, '+PONG\r\n-ERR Protocol error: unbalanced quotes in request\r\n'],
  ['text right after a closing quote', `ECHO "a"b\r\n`, '-ERR Protocol error: unbalanced quotes in request\r\n'],
  ['unbalanced single quotes', `ECHO 'abc\r\n`, '-ERR Protocol error: unbalanced quotes in request\r\n'],
  ['inline request over 64 KB without a newline', 'x'.repeat(64 * 1024 + 1), '-ERR Protocol error: too big inline request\r\n'],
  ['multibulk count line over 64 KB', '*' + '1'.repeat(64 * 1024), '-ERR Protocol error: too big mbulk count string\r\n'],
  ['bulk count line over 64 KB', '*1\r\n$' + '1'.repeat(64 * 1024), '-ERR Protocol error: too big bulk count string\r\n'],
];

for (const [name, bytes, replies] of malformed) {
  test(`malformed: ${name} → exact error, then the connection closes`, async () => {
    const conn = await connect();
    conn.write(bytes);
    assert.ok(await conn.waitClosed(10000), 'the server closed the connection');
    assert.is(conn.received(), replies, 'replies before the close');
    assertAlive();
  });
}

test('after all that, the server still serves new clients', async () => {
  const conn = await connect();
  conn.send('PING');
  assert.is(await conn.readRaw(), '+PONG\r\n');
  conn.send('GET', 'mal');
  assert.is(await conn.readRaw(), '$1\r\n2\r\n', 'the writes before the malformed requests were applied');
  conn.send('GET', 'a b');
  assert.is(await conn.readRaw(), '$3\r\nc d\r\n');
  conn.close();
  assertAlive();
});

test.run();
