/**
 * Differential rows: the same raw request bytes go to real redis-server 7.0 and to the built toyredis, each over
 * a fresh connection, and the reply bytes plus "did the server close the connection" must be equal. Replies that
 * legitimately differ (client ids, ports, INFO values, hash-table order) are normalised on both sides first.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { hasRedis, startRedis, startToyredis, type RunningServer } from '../helpers/servers';
import { request } from '../helpers/resp';

const test = suite('integration/differential');

// ---- requests ----

/**
 * A row: bytes sent in one write (so its requests are pipelined), an optional normaliser of the replies, and
 * whether an ECHO sentinel follows to mark the end of the replies (not for rows after which Redis closes: bytes
 * still unread when a server closes make it send RST, and an RST can discard replies not yet read).
 */
interface Row {
  name: string;
  bytes: string;
  sentinel: boolean;
  normalize?: (replies: string) => string;
}

/** A row of commands; a string piece is sent as raw bytes, an array as a multibulk request. */
function row(...pieces: (string | string[])[]): Row {
  const bytes = pieces.map((p) => (typeof p === 'string' ? p : request(...p))).join('');
  const name = pieces.map((p) => (typeof p === 'string' ? JSON.stringify(p) : p.join(' '))).join(' | ');
  return { name: name.length > 100 ? `${name.slice(0, 100)}…` : name, bytes, sentinel: true };
}

/** A row after which Redis closes the connection (QUIT, protocol errors): no sentinel, wait for the close. */
function closing(...pieces: (string | string[])[]): Row {
  return { ...row(...pieces), sentinel: false };
}

/** A row whose replies are compared after `normalize` (same function on both servers' bytes). */
function loose(normalize: (replies: string) => string, ...pieces: (string | string[])[]): Row {
  return { ...row(...pieces), normalize };
}

// ---- a small RESP reader, used only by the normalisers ----

type Frame = { type: string; text: string; items?: Frame[]; raw: string };

function readFrame(s: string, at: number): { frame: Frame; end: number } {
  const type = s[at];
  const eol = s.indexOf('\r\n', at);
  if (eol < 0) throw new Error('not a whole reply');
  const head = s.slice(at + 1, eol);
  let end = eol + 2;
  if (type === '$' || type === '=' || type === '!') {
    const n = Number(head);
    const text = n < 0 ? '' : s.slice(end, end + n);
    if (n >= 0) end += n + 2;
    return { frame: { type, text, raw: s.slice(at, end) }, end };
  }
  if (type === '*' || type === '%' || type === '~' || type === '>') {
    const n = Number(head) * (type === '%' ? 2 : 1);
    const items: Frame[] = [];
    for (let i = 0; i < n; i++) {
      const r = readFrame(s, end);
      items.push(r.frame);
      end = r.end;
    }
    return { frame: { type, text: head, items, raw: s.slice(at, end) }, end };
  }
  return { frame: { type, text: head, raw: s.slice(at, end) }, end };
}

function readAll(s: string): Frame[] {
  const out: Frame[] = [];
  for (let at = 0; at < s.length; ) {
    const r = readFrame(s, at);
    out.push(r.frame);
    at = r.end;
  }
  return out;
}

/** Apply `f` to the replies at these positions (0-based) of the replies in `s`; others stay as they were. */
const onReply = (index: number | number[], f: (fr: Frame) => string) => (s: string) =>
  readAll(s).map((fr, i) => ([index].flat().includes(i) ? f(fr) : fr.raw)).join('');

/** An array whose element order is a hash table's (KEYS, SMEMBERS): sort the elements. */
const sortedArray = (fr: Frame) =>
  fr.items ? `${fr.type}${fr.text}\r\n${fr.items.map((x) => x.raw).sort().join('')}` : fr.raw;

/** A flat [name, value, name, value…] array in hash order (CONFIG GET pattern): sort the pairs. */
const sortedPairs = (fr: Frame) => {
  if (!fr.items) return fr.raw;
  const pairs: string[] = [];
  for (let i = 0; i < fr.items.length; i += 2) pairs.push(fr.items[i].raw + (fr.items[i + 1]?.raw ?? ''));
  return `${fr.type}${fr.text}\r\n${pairs.sort().join('')}`;
};

/** SCAN's [cursor, keys]: keep the cursor's shape (0 or not) and sort the keys. */
const scanReply = (fr: Frame) =>
  fr.items?.length === 2 ? `*2\r\n${fr.items[0].text === '0' ? '$1\r\n0\r\n' : '$N\r\nN\r\n'}${sortedArray(fr.items[1])}` : fr.raw;

/** An integer whose value legitimately differs (client id, counts): keep only its type and sign. */
const intShape = (fr: Frame) => (fr.type === ':' ? `:${Math.sign(Number(fr.text))}\r\n` : fr.raw);

/** INFO: keep section headers and field names, drop values (they are per-process). */
const infoFields = (fr: Frame) =>
  fr.type === '$' || fr.type === '='
    ? `${fr.type}\r\n${fr.text.split('\r\n').map((l) => (l.startsWith('#') ? l : l.split(':')[0])).join('\n')}\r\n`
    : fr.raw;

/** CLIENT LIST / CLIENT INFO: keep the field names of each line. */
const clientFields = (fr: Frame) =>
  fr.type === '$' || fr.type === '='
    ? `$\r\n${fr.text.trimEnd().split('\n').map((l) => l.split(' ').map((f) => f.split('=')[0]).join(' ')).join('\n')}\r\n`
    : fr.raw;

/** HELLO's map/array: the `id` field is the connection's id, which differs between the two servers. */
const helloReply = (fr: Frame) => {
  if (!fr.items) return fr.raw;
  const items = fr.items.map((x, i) => (i > 0 && fr.items![i - 1].text === 'id' ? { ...x, raw: ':ID\r\n' } : x));
  return `${fr.type}${fr.text}\r\n${items.map((x) => x.raw).join('')}`;
};

/** A value that is the other server's own (port, dir): keep only the [name, value] shape. */
const configValueShape = (fr: Frame) =>
  fr.items?.length === 2 ? `*2\r\n${fr.items[0].raw}$V\r\n` : fr.raw;

/** Rebuild a frame whose items changed (bulk text or nested items), recounting lengths. */
const rebuild = (fr: Frame): string => {
  if (fr.items) return `${fr.type}${fr.type === '%' ? fr.items.length / 2 : fr.items.length}\r\n${fr.items.map(rebuild).join('')}`;
  return fr.raw;
};
const bulkFrame = (text: string): Frame => ({ type: '$', text, raw: `$${text.length}\r\n${text}\r\n` });

/**
 * COMMAND DOCS: the summary, complexity and history descriptions are toyredis's own words; everything else
 * (since, group, doc flags, history versions, argument trees) must be Redis's. Walks the docs map of each command.
 */
const docsProse = (fr: Frame): string => {
  const doc = (d: Frame): void => {
    const items = d.items ?? [];
    for (let i = 0; i + 1 < items.length; i += 2) {
      const [name, value] = [items[i].text, items[i + 1]];
      if (name === 'summary' || name === 'complexity') items[i + 1] = bulkFrame(`<${name}>`);
      if (name === 'history') for (const h of value.items ?? []) h.items![1] = bulkFrame('<change>');
      if (name === 'subcommands') for (let j = 1; j < (value.items ?? []).length; j += 2) doc(value.items![j]);
    }
  };
  for (let i = 1; i < (fr.items ?? []).length; i += 2) doc(fr.items![i]);
  return rebuild(fr);
};

// ---- the rows ----

const big = (n: number, c = 'a') => c.repeat(n);
const allBytes = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

const rows: Row[] = [
  // connection
  row(['PING']),
  row(['ping']),
  row(['PING', 'hello']),
  row(['PING', 'a', 'b']),
  row(['ECHO', 'hi']),
  row(['ECHO']),
  row(['ECHO', allBytes]),
  row(['ECHO', 'a\r\nb\0c']),
  row(['ECHO', '']),
  closing(['PING'], ['QUIT'], ['PING']),
  row(['SELECT', '1'], ['SET', 'k', 'v'], ['DBSIZE'], ['SELECT', '0'], ['DBSIZE'], ['GET', 'k']),
  row(['SELECT', '16']),
  row(['SELECT', '-1']),
  row(['SELECT', 'abc']),
  row(['SELECT', '1', '2']),
  row(['SELECT', '1'], ['SET', 'k', 'v'], ['RESET'], ['GET', 'k'], ['DBSIZE']),
  loose(onReply(0, helloReply), ['HELLO', '3']),
  loose(onReply(0, helloReply), ['HELLO', '2']),
  loose(onReply(0, helloReply), ['HELLO']),
  row(['HELLO', '4']),
  row(['HELLO', '1']),
  row(['HELLO', 'abc']),
  row(['HELLO', '3', 'AUTH', 'default']),
  row(['HELLO', '2', 'SETNAME', 'a b', 'AUTH', 'u', 'p']), // the name is refused before AUTH is tried
  row(['MULTI'], ['SUBSCRIBE', 'ch'], ['PING'], ['EXEC']), // PING inside the EXEC that subscribed answers the pubsub way
  loose(onReply(0, helloReply), ['HELLO', '3'], ['GET', 'missing'], ['SET', 'k', '1.5'], ['INCRBYFLOAT', 'k', '1'], ['MGET', 'k', 'nope'], ['EXISTS', 'k'], ['PING']),
  loose(onReply(0, helloReply), ['HELLO', '3'], ['ECHO'], ['FOO'], ['SET', 'k', 'v', 'NX', 'XX']),
  loose(onReply(0, helloReply), ['HELLO', '3', 'SETNAME', 'myname'], ['CLIENT', 'GETNAME']),
  row(['AUTH', 'x']),
  row(['AUTH', 'a', 'b']),

  // strings: SET and its options
  row(['SET', 'k', 'v'], ['GET', 'k']),
  row(['SET', 'k']),
  row(['GET']),
  row(['GET', 'a', 'b']),
  row(['GET', 'missing']),
  row(['SET', 'k', 'v', 'NX'], ['SET', 'k', 'w', 'NX'], ['GET', 'k']),
  row(['SET', 'k', 'v', 'XX'], ['SET', 'k', 'v'], ['SET', 'k', 'w', 'XX'], ['GET', 'k']),
  row(['SET', 'k', 'v', 'NX', 'XX']),
  row(['SET', 'k', 'v', 'EX', '100'], ['TTL', 'k']),
  loose(onReply(1, intShape), ['SET', 'k', 'v', 'PX', '100000'], ['PTTL', 'k']),
  row(['SET', 'k', 'v', 'EX', '0']),
  row(['SET', 'k', 'v', 'EX', '-5']),
  row(['SET', 'k', 'v', 'PX', '0']),
  row(['SET', 'k', 'v', 'EX', 'abc']),
  row(['SET', 'k', 'v', 'EX']),
  row(['SET', 'k', 'v', 'EX', '10', 'PX', '10']),
  row(['SET', 'k', 'v', 'EX', '9223372036854775807']),
  row(['SET', 'k', 'v', 'EXAT', '99999999999'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k']),
  row(['SET', 'k', 'v', 'PXAT', '1'], ['EXISTS', 'k']),
  row(['SET', 'k', 'v', 'EX', '100'], ['SET', 'k', 'w', 'KEEPTTL'], ['TTL', 'k'], ['SET', 'k', 'x'], ['TTL', 'k']),
  row(['SET', 'k', 'v', 'KEEPTTL', 'EX', '10']),
  row(['SET', 'k', 'old'], ['SET', 'k', 'new', 'GET'], ['SET', 'nope', 'x', 'GET'], ['GET', 'k']),
  row(['SET', 'k', 'v', 'NX', 'GET'], ['SET', 'k', 'w', 'NX', 'GET'], ['GET', 'k']),
  row(['SET', 'k', 'v', 'FOO']),
  row(['set', 'k', 'v', 'ex', '100', 'nx'], ['ttl', 'k']),
  row(['SETNX', 'k', 'a'], ['SETNX', 'k', 'b'], ['GET', 'k']),
  row(['SETEX', 'k', '100', 'v'], ['TTL', 'k'], ['SETEX', 'k', '0', 'v'], ['SETEX', 'k', 'x', 'v']),
  loose(onReply(1, intShape), ['PSETEX', 'k', '100000', 'v'], ['PTTL', 'k'], ['PSETEX', 'k', '-1', 'v']),
  row(['GETSET', 'k', 'a'], ['GETSET', 'k', 'b'], ['GET', 'k']),
  row(['SET', 'k', 'v'], ['GETDEL', 'k'], ['GETDEL', 'k'], ['EXISTS', 'k']),
  row(['SET', 'k', 'v'], ['GETEX', 'k', 'EX', '100'], ['TTL', 'k'], ['GETEX', 'k', 'PERSIST'], ['TTL', 'k'], ['GETEX', 'nope']),
  row(['SET', 'k', 'v'], ['GETEX', 'k', 'EX', '1', 'PX', '1'], ['GETEX', 'k', 'EX', '0'], ['GETEX', 'k', 'FOO']),
  row(['SET', allBytes, allBytes], ['GET', allBytes], ['STRLEN', allBytes]),
  row(['SET', 'bin\r\nkey\0', 'val\r\n\0'], ['GET', 'bin\r\nkey\0'], ['EXISTS', 'bin\r\nkey\0']),

  // INCR family
  row(['INCR', 'n'], ['INCR', 'n'], ['GET', 'n']),
  row(['SET', 'n', '10'], ['INCRBY', 'n', '5'], ['DECR', 'n'], ['DECRBY', 'n', '20'], ['GET', 'n']),
  row(['SET', 'n', 'abc'], ['INCR', 'n']),
  row(['SET', 'n', ' 1'], ['INCR', 'n']),
  row(['SET', 'n', '01'], ['INCR', 'n']),
  row(['SET', 'n', '-0'], ['INCR', 'n']),
  row(['SET', 'n', '9223372036854775807'], ['INCR', 'n']),
  row(['SET', 'n', '-9223372036854775808'], ['DECR', 'n'], ['INCRBY', 'n', '-1']),
  row(['INCRBY', 'n', 'abc']),
  row(['INCRBY', 'n', '9223372036854775808']),
  row(['DECRBY', 'n', '-9223372036854775808']),
  row(['INCRBY', 'n']),
  row(['INCR']),
  row(['INCRBYFLOAT', 'f', '1.5'], ['INCRBYFLOAT', 'f', '0.1'], ['INCRBYFLOAT', 'f', '-1.6'], ['GET', 'f']),
  row(['INCRBYFLOAT', 'f', '3.0e3'], ['INCRBYFLOAT', 'f', '10.50'], ['GET', 'f']),
  row(['INCRBYFLOAT', 'f', 'nan']),
  row(['INCRBYFLOAT', 'f', 'inf']),
  row(['INCRBYFLOAT', 'f', 'abc']),
  row(['SET', 'f', 'x'], ['INCRBYFLOAT', 'f', '1']),
  row(['SET', 'f', '1e308'], ['INCRBYFLOAT', 'f', '1e308']),
  row(['SET', 'f', '5'], ['INCRBYFLOAT', 'f', '0']),
  row(['SET', 'n', '1.5'], ['INCR', 'n']),

  // MGET / MSET / MSETNX
  row(['MSET', 'a', '1', 'b', '2'], ['MGET', 'a', 'b', 'missing']),
  row(['MSET', 'a']),
  row(['MSET', 'a', '1', 'b']),
  row(['MGET']),
  row(['MSETNX', 'a', '1', 'b', '2'], ['MSETNX', 'b', '3', 'c', '4'], ['MGET', 'a', 'b', 'c']),
  row(['MSETNX', 'a', '1', 'b']),
  row(['MSET', 'a', '1', 'a', '2'], ['GET', 'a']),

  // APPEND, STRLEN, GETRANGE, SETRANGE
  row(['APPEND', 'k', 'Hello'], ['APPEND', 'k', ' World'], ['GET', 'k'], ['STRLEN', 'k']),
  row(['APPEND', 'k', ''], ['EXISTS', 'k'], ['STRLEN', 'k']),
  row(['STRLEN', 'missing']),
  row(['SET', 'n', '12345'], ['APPEND', 'n', '6'], ['INCR', 'n']),
  row(['SET', 'k', 'This is a string'], ['GETRANGE', 'k', '0', '3'], ['GETRANGE', 'k', '-3', '-1'], ['GETRANGE', 'k', '0', '-1'],
    ['GETRANGE', 'k', '10', '100'], ['GETRANGE', 'k', '5', '2'], ['GETRANGE', 'k', '-100', '-50'], ['GETRANGE', 'k', '100', '200']),
  row(['GETRANGE', 'missing', '0', '-1']),
  row(['SET', 'k', 'abc'], ['GETRANGE', 'k', 'x', '1']),
  row(['SET', 'k', 'abc'], ['SUBSTR', 'k', '0', '1']),
  row(['SET', 'k', 'Hello World'], ['SETRANGE', 'k', '6', 'Redis'], ['GET', 'k']),
  row(['SETRANGE', 'k', '5', 'x'], ['GET', 'k'], ['STRLEN', 'k']),
  row(['SETRANGE', 'k', '-1', 'x']),
  row(['SETRANGE', 'k', '536870912', 'x']),
  row(['SETRANGE', 'missing', '0', ''], ['EXISTS', 'missing']),
  row(['SET', 'k', 'abc'], ['SETRANGE', 'k', '10', ''], ['GET', 'k']),
  row(['SETRANGE', 'k', 'abc', 'x']),
  row(['SET', 'a', 'ohmytext'], ['SET', 'b', 'mynewtext'], ['LCS', 'a', 'b'], ['LCS', 'a', 'b', 'LEN']),

  // keyspace
  row(['MSET', 'a', '1', 'b', '2'], ['DEL', 'a', 'b', 'c'], ['DEL', 'a'], ['EXISTS', 'a', 'b']),
  row(['SET', 'a', '1'], ['EXISTS', 'a', 'a', 'b']),
  row(['DEL']),
  row(['EXISTS']),
  row(['SET', 'k', 'v'], ['TYPE', 'k'], ['TYPE', 'missing']),
  row(['TYPE']),
  row(['MSET', 'a', '1', 'b', '2'], ['DBSIZE'], ['FLUSHDB'], ['DBSIZE']),
  row(['SET', 'a', '1'], ['FLUSHDB', 'ASYNC'], ['DBSIZE'], ['FLUSHDB', 'SYNC'], ['FLUSHDB', 'FOO']),
  row(['SET', 'a', '1'], ['SELECT', '2'], ['SET', 'b', '1'], ['FLUSHALL'], ['DBSIZE'], ['SELECT', '0'], ['DBSIZE']),
  row(['DBSIZE', 'x']),
  row(['SET', 'k', 'v'], ['RENAME', 'k', 'k2'], ['GET', 'k2'], ['RENAME', 'nope', 'x'], ['RENAMENX', 'k2', 'k2']),
  row(['UNLINK', 'nope'], ['SET', 'k', 'v'], ['UNLINK', 'k']),
  row(['SET', 'k', 'v'], ['RANDOMKEY'], ['DEL', 'k'], ['RANDOMKEY']),
  loose(onReply([3, 4], sortedArray), ['MSET', 'a', '1', 'b', '2', 'c', '3'], ['KEYS', 'a'], ['KEYS', 'x*'], ['KEYS', '[ab]'], ['KEYS', '*']),
  row(['SET', 'a*b', '1'], ['KEYS', 'a\\*b'], ['KEYS', 'a?b']),
  loose(onReply(1, scanReply), ['MSET', 'a', '1', 'b', '2', 'c', '3'], ['SCAN', '0']),
  loose(onReply(1, scanReply), ['MSET', 'a1', '1', 'a2', '2', 'b', '3'], ['SCAN', '0', 'MATCH', 'a*', 'COUNT', '100']),
  row(['SCAN', 'abc']),
  row(['SCAN', '0', 'COUNT', '0']),
  row(['SCAN', '0', 'FOO']),
  row(['SET', 'k', 'v'], ['SCAN', '0', 'TYPE', 'string'], ['SCAN', '0', 'TYPE', 'list']),

  // expiry
  row(['SET', 'k', 'v'], ['EXPIRE', 'k', '100'], ['TTL', 'k'], ['PERSIST', 'k'], ['TTL', 'k'], ['TTL', 'missing']),
  row(['EXPIRE', 'missing', '100'], ['PERSIST', 'missing']),
  row(['SET', 'k', 'v'], ['EXPIRE', 'k', 'abc'], ['EXPIRE', 'k', '9223372036854775807'], ['EXPIRE', 'k']),
  row(['SET', 'k', 'v'], ['EXPIRE', 'k', '-1'], ['EXISTS', 'k']),
  row(['SET', 'k', 'v'], ['EXPIRE', 'k', '100', 'XX'], ['EXPIRE', 'k', '100', 'NX'], ['EXPIRE', 'k', '200', 'NX'],
    ['EXPIRE', 'k', '50', 'GT'], ['EXPIRE', 'k', '500', 'GT'], ['EXPIRE', 'k', '50', 'LT'], ['TTL', 'k']),
  row(['SET', 'k', 'v'], ['EXPIRE', 'k', '100', 'NX', 'XX'], ['EXPIRE', 'k', '100', 'GT', 'LT'], ['EXPIRE', 'k', '100', 'FOO']),
  loose(onReply(2, intShape), ['SET', 'k', 'v'], ['PEXPIRE', 'k', '100000'], ['PTTL', 'k'], ['PTTL', 'missing']),
  row(['SET', 'k', 'v'], ['EXPIREAT', 'k', '99999999999'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'missing']),
  row(['SET', 'k', 'v'], ['PEXPIREAT', 'k', '1'], ['EXISTS', 'k']),
  row(['SET', 'k', 'v'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k']),

  // WRONGTYPE: a list key (LPUSH) read with string commands
  row(['LPUSH', 'l', 'a'], ['GET', 'l'], ['INCR', 'l'], ['APPEND', 'l', 'x'], ['STRLEN', 'l'], ['TYPE', 'l']),
  row(['LPUSH', 'l', 'a'], ['SETRANGE', 'l', '0', 'x'], ['GETRANGE', 'l', '0', '1'], ['MGET', 'l', 'x'], ['GETSET', 'l', 'v']),
  row(['LPUSH', 'l', 'a'], ['SET', 'l', 'v', 'GET'], ['INCRBYFLOAT', 'l', '1'], ['GETDEL', 'l'], ['SET', 'l', 'v'], ['TYPE', 'l']),

  // transactions
  row(['MULTI'], ['SET', 'k', '1'], ['INCR', 'k'], ['GET', 'k'], ['EXEC']),
  row(['MULTI'], ['SET', 'k', '1'], ['FOO'], ['EXEC'], ['GET', 'k']),
  row(['MULTI'], ['SET', 'k'], ['EXEC']),
  row(['MULTI'], ['SET', 'k', 'v'], ['INCR', 'k'], ['EXEC']),
  row(['EXEC']),
  row(['DISCARD']),
  row(['MULTI'], ['MULTI'], ['DISCARD']),
  row(['MULTI'], ['WATCH', 'k'], ['DISCARD']),
  row(['WATCH', 'k'], ['SET', 'k', 'v'], ['MULTI'], ['GET', 'k'], ['EXEC']),
  row(['WATCH', 'k'], ['UNWATCH'], ['SET', 'k', 'v'], ['MULTI'], ['GET', 'k'], ['EXEC']),
  row(['MULTI'], ['EXEC']),

  // errors
  row(['FOO']),
  row(['FOO', 'a', 'b']),
  row(['FOO', 'a\r\nb']),
  row([big(200, 'x'), big(200, 'y')]),
  row(['FOO', big(100, 'a'), big(100, 'b')]),
  row(['']),
  row(['CONFIG']),
  row(['CONFIG', 'FOO']),
  row(['CONFIG', 'GET']),
  row(['CLIENT', 'FOO']),
  row(['OBJECT', 'FOO']),

  // CONFIG
  row(['CONFIG', 'GET', 'maxmemory']),
  row(['CONFIG', 'GET', 'save']),
  row(['CONFIG', 'GET', 'appendonly']),
  row(['CONFIG', 'GET', 'databases']),
  row(['CONFIG', 'GET', 'timeout']),
  row(['CONFIG', 'GET', 'maxclients']),
  row(['CONFIG', 'GET', 'hz']),
  row(['CONFIG', 'GET', 'proto-max-bulk-len']),
  row(['CONFIG', 'GET', 'maxmemory-policy']),
  row(['CONFIG', 'GET', 'MAXMEMORY']),
  row(['CONFIG', 'GET', 'nonexistent']),
  loose(onReply(0, configValueShape), ['CONFIG', 'GET', 'port']),
  loose(onReply(0, sortedPairs), ['CONFIG', 'GET', 'maxmemory', 'hz']),
  loose(onReply(0, sortedPairs), ['CONFIG', 'GET', '*max-*-entries*']),
  loose(onReply(0, sortedPairs), ['CONFIG', 'GET', 'repl*']),
  row(['CONFIG', 'SET', 'hz', '20'], ['CONFIG', 'GET', 'hz'], ['CONFIG', 'SET', 'hz', '10']),
  row(['CONFIG', 'SET', 'maxmemory', '1mb'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', '0']),
  row(['CONFIG', 'SET', 'nonexistent', '1']),
  row(['CONFIG', 'SET', 'hz', 'abc']),
  row(['CONFIG', 'SET', 'appendonly', 'maybe']),
  row(['CONFIG', 'SET', 'hz']),
  row(['CONFIG', 'RESETSTAT']),

  // INFO: field names, not values
  loose(onReply(0, infoFields), ['INFO', 'server']),
  loose(onReply(0, infoFields), ['INFO', 'clients']),
  loose(onReply(0, infoFields), ['INFO', 'stats']),
  loose(onReply(0, infoFields), ['INFO', 'replication']),
  loose(onReply(0, infoFields), ['INFO', 'persistence']),
  row(['INFO', 'keyspace']),
  row(['MSET', 'a', '1', 'b', '2'], ['EXPIRE', 'a', '100'], ['SELECT', '3'], ['SET', 'c', '1'], ['INFO', 'keyspace']),
  row(['INFO', 'nosuchsection']),

  // CLIENT
  row(['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'conn1'], ['CLIENT', 'GETNAME']),
  row(['CLIENT', 'SETNAME', 'a b']),
  row(['CLIENT', 'SETNAME', 'a\nb']),
  row(['CLIENT', 'SETNAME', 'x'], ['CLIENT', 'SETNAME', ''], ['CLIENT', 'GETNAME']),
  loose(onReply(0, intShape), ['CLIENT', 'ID']),
  loose(onReply(0, clientFields), ['CLIENT', 'INFO']),
  loose(onReply(0, clientFields), ['CLIENT', 'LIST']),
  row(['CLIENT', 'REPLY', 'OFF'], ['PING'], ['CLIENT', 'REPLY', 'ON'], ['ECHO', 'back']),
  row(['CLIENT', 'REPLY', 'SKIP'], ['PING'], ['ECHO', 'back']),
  row(['CLIENT', 'REPLY', 'FOO']),
  row(['CLIENT', 'KILL', '127.0.0.1:1']),
  row(['CLIENT', 'NO-EVICT', 'maybe']),

  // COMMAND
  loose(onReply(0, intShape), ['COMMAND', 'COUNT']),
  row(['COMMAND', 'INFO', 'get']),
  row(['COMMAND', 'INFO', 'set', 'nosuch']),
  ...['ping echo select hello', 'getex getdel incr incrbyfloat mget mset msetnx', 'append getrange setrange strlen lcs',
    'del exists type expire ttl keys scan', 'dbsize flushdb flushall config|get info', 'multi exec watch'].map((names) =>
    row(['COMMAND', 'INFO', ...names.split(' ')])),
  loose(onReply(0, docsProse), ['COMMAND', 'DOCS', 'get']),
  loose(onReply(0, docsProse), ['COMMAND', 'DOCS', 'set', 'getset', 'client|kill', 'nosuch', 'lmpop']),
  loose(onReply(0, docsProse), ['COMMAND', 'DOCS', 'bitfield', 'bitfield_ro', 'hello', 'replconf', 'sintercard', 'memory|usage']),
  row(['COMMAND', 'INFO', 'rpoplpush', 'lmove', 'smove', 'sinterstore', 'bitop', 'copy', 'rename', 'lmpop', 'blmpop', 'sintercard']),
  row(['COMMAND', 'INFO', 'set', 'bitfield', 'getex', 'getset', 'hmset', 'brpoplpush', 'object|encoding']),
  row(['COMMAND', 'GETKEYS', 'SET', 'a', 'b']),
  row(['COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2']),
  row(['COMMAND', 'GETKEYS', 'PING']),
  row(['COMMAND', 'GETKEYSANDFLAGS', 'SET', 'a', 'b', 'GET'], ['COMMAND', 'GETKEYSANDFLAGS', 'SET', 'a', 'b']),
  row(['COMMAND', 'GETKEYSANDFLAGS', 'LMOVE', 'a', 'b', 'LEFT', 'RIGHT'], ['COMMAND', 'GETKEYSANDFLAGS', 'BITFIELD', 'k', 'GET', 'u8', '0']),
  row(['COMMAND', 'GETKEYSANDFLAGS', 'LMPOP', '2', 'a', 'b', 'LEFT'], ['COMMAND', 'GETKEYSANDFLAGS', 'LMPOP', '2x', 'a', 'b', 'LEFT']),
  row(['COMMAND', 'GETKEYS', 'SINTERCARD', '0', 'a'], ['COMMAND', 'GETKEYS', 'BITOP', 'OR', 'd', 'a', 'b']),
  row(['COMMAND', 'FOO']),

  // inline requests, as typed into telnet
  row('PING\r\n'),
  row('PING\n'),
  row('ping\r\n'),
  row('   PING    \r\n'),
  row('ECHO\thello\r\n'),
  row('SET "a b" \'c d\'\r\n', 'GET "a b"\r\n'),
  row('ECHO "\\x41\\x42\\n\\t\\\\"\r\n'),
  row("ECHO 'it\\'s'\r\n"),
  closing('ECHO "a"b\r\n'),
  closing('ECHO "abc\r\n'),
  closing("ECHO 'abc\r\n"),
  row('\r\n\r\nPING\r\n'),
  row('\n'),
  row('+x\r\n'),
  row('SET k v\r\n', request('GET', 'k'), 'GET k\r\n'),
  row('ECHO "" \'\'\r\n'),
  row('ECHO\r\n'),
  row('FOO bar\r\n'),
  row('PING\r\r\n'),
  row('ECHO "a\\x4"\r\n'),
  row('ECHO "\\xZZ"\r\n'),
  row(' \t \r\n'),

  // malformed multibulk: an error, then the connection closes; earlier requests in the chunk are answered first
  closing('*x\r\n'),
  closing('*1\r\n$-1\r\n'),
  closing('*1\r\n+x\r\n'),
  closing('*1\r\n:1\r\n'),
  closing('*1\r\n$x\r\n'),
  closing('*01\r\n'),
  closing('*1\r\n$04\r\nPING\r\n'),
  row('*-1\r\n'),
  closing('*2147483648\r\n'),
  closing('*1\r\n$536870913\r\n'),
  row('*-1\r\n*0\r\n' + request('PING')),
  row('*1\r\n$4\r\nPINGxx'),
  closing('*1\n$4\r\nPING\r\n'),
  closing('*1\r\n$4\nPING\r\n'),
  row('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n', request('GET', 'k'), request('STRLEN', 'k')),
  row(['MSET', ...Array.from({ length: 1000 }, (_, i) => [`key${i}`, `v${i}`]).flat()], ['MGET', ...Array.from({ length: 1000 }, (_, i) => `key${i}`)], ['DBSIZE']),
  row(['SET', 'k', big(1024 * 1024 + 7, 'z')], ['STRLEN', 'k'], ['GETRANGE', 'k', '1048570', '-1'], ['APPEND', 'k', 'end']),
  closing(request('SET', 'k', 'v') + request('GET', 'k') + '*1\r\n+x\r\n' + request('PING')),
  closing('PING\r\n*x\r\nPING\r\n'),
  closing('PING\r\nECHO "unbalanced\r\nPING\r\n'),
  closing(big(65537)), // Redis reads 16 KB at a time: one byte over 64 KB with no newline
  closing('*' + big(65536, '1')),
  closing('*1\r\n$' + big(65536, '1')),
];

// ---- running a row ----

interface Outcome {
  bytes: string;
  closed: boolean;
}

let sentinelSeq = 0;

/**
 * Send `bytes` on a fresh connection, then (when `marker` is given) an ECHO sentinel in a second write: its reply
 * marks the end of the row's replies on a connection that stays open. Without a sentinel the row ends when the
 * server closes. The timeout only stops a hung exchange; its outcome then says "open", which the comparison shows.
 */
function exchange(port: number, bytes: string, marker: string | null): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sentinelReply = marker === null ? null : `$${marker.length}\r\n${marker}\r\n`;
    let done = false;
    const socket = net.connect(port, '127.0.0.1');
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => finish(false), 3000);
    socket.on('connect', () => {
      socket.write(Buffer.from(bytes, 'latin1'));
      if (marker !== null) socket.write(Buffer.from(request('ECHO', marker), 'latin1'));
    });
    socket.on('data', (d) => {
      chunks.push(d);
      if (sentinelReply && Buffer.concat(chunks).toString('latin1').endsWith(sentinelReply)) finish(false);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') reject(e);
    });
    socket.on('close', () => finish(true));
  });
}

/** Start from an empty keyspace on both servers. */
async function flushAll(port: number): Promise<void> {
  const out = await exchange(port, request('FLUSHALL'), 'flushed');
  if (!out.bytes.startsWith('+OK\r\n')) throw new Error(`FLUSHALL failed on port ${port}: ${JSON.stringify(out.bytes)}`);
}

/** Show replies readably in a failure message: CRLF and control bytes escaped, long runs cut. */
function show(o: Outcome): string {
  const text = JSON.stringify(o.bytes.length > 600 ? `${o.bytes.slice(0, 600)}…(${o.bytes.length} bytes)` : o.bytes);
  return `${text}${o.closed ? ' [closed]' : ' [open]'}`;
}

/** Apply a row's normaliser to the replies before the sentinel; bytes it cannot read are compared as they are. */
function normalizeOutcome(o: Outcome, normalize: (replies: string) => string, marker: string | null): void {
  const sentinelReply = marker === null ? null : `$${marker.length}\r\n${marker}\r\n`;
  const replies = sentinelReply && o.bytes.endsWith(sentinelReply) ? o.bytes.slice(0, -sentinelReply.length) : o.bytes;
  try {
    o.bytes = normalize(replies) + o.bytes.slice(replies.length);
  } catch {
    // left as received: the comparison will show the raw bytes
  }
}

let real: RunningServer | undefined;
let toy: RunningServer | undefined;

test.before(async () => {
  if (!hasRedis) return;
  real = await startRedis();
  toy = await startToyredis(['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
});

test.after(async () => {
  await real?.stop();
  await toy?.stop();
});

test('at least 100 differential rows', () => {
  assert.ok(rows.length >= 100, `${rows.length} rows`);
});

for (const r of rows) {
  test(r.name, async () => {
    if (!real || !toy) return; // redis-server is not installed: nothing to compare against
    await flushAll(real.port);
    await flushAll(toy.port);
    const marker = r.sentinel ? `sentinel-${++sentinelSeq}` : null;
    const [want, got] = await Promise.all([exchange(real.port, r.bytes, marker), exchange(toy.port, r.bytes, marker)]);
    if (r.normalize) {
      normalizeOutcome(want, r.normalize, marker);
      normalizeOutcome(got, r.normalize, marker);
    }
    assert.ok(
      want.bytes === got.bytes && want.closed === got.closed,
      `request ${JSON.stringify(r.bytes.length > 300 ? r.bytes.slice(0, 300) + '…' : r.bytes)}\n   redis: ${show(want)}\ntoyredis: ${show(got)}`,
    );
    assert.ok(toy.proc.exitCode === null && toy.proc.signalCode === null, 'toyredis is still running');
  });
}

test.run();
