import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { hasRedis, startRedis, type RunningServer } from '../helpers/servers';
import { arity, arr, bulk, bulks, EMPTY, err, int, NIL, NOT_INT, NULL3, OK, QUEUED, SYNTAX } from '../helpers/resp';
import { infoFields } from '../helpers/info';
import { until } from '../helpers/wait';
import { systemClock } from '../../lib/store/keyspace';

const test = suite('server/tracking');

/** A RESP3 invalidation push for these keys, and the one for "every key" a flush sends. */
const invalidate = (...keys: string[]) => `>2\r\n${bulk('invalidate')}${bulks(...keys)}`;
const INVALIDATE_ALL = `>2\r\n${bulk('invalidate')}${NULL3}`;
/** What a RESP2 subscriber gets through a redirect: a message on __redis__:invalidate carrying the payload. */
const redirected = (payload: string) => arr(bulk('message'), bulk('__redis__:invalidate'), payload);
const PONG = '+PONG\r\n';
const SUBSCRIBED_PONG = arr(bulk('pong'), bulk(''));

/** TRACKINGINFO as RESP2 sends it: flags, redirect, prefixes. */
const trackingInfo = (flags: string[], redirect: number, prefixes: string[] = []) =>
  arr(bulk('flags'), bulks(...flags), bulk('redirect'), int(redirect), bulk('prefixes'), prefixes.length ? bulks(...prefixes) : EMPTY);

let srv: InProcess;

test.before.each(async () => {
  srv = await startInProcess();
});

test.after.each(async () => {
  await srv.stop();
});

/** A connection speaking RESP `proto` (HELLO's reply consumed). */
async function connect(proto: 2 | 3 = 2, on: InProcess | number = srv): Promise<RawConnection> {
  const c = typeof on === 'number' ? await RawConnection.connect(on) : await on.connect();
  if (proto === 3) {
    c.send('HELLO', '3');
    await c.read();
  }
  return c;
}

/**
 * Everything the connection receives for these commands (or for nothing, to collect what was pushed to it): each
 * command's reply with any pushes around it, up to the reply of a PING sent last, which comes after all of them.
 * Each command goes once the previous one answered, so each runs in an event-loop turn of its own (a pipeline read
 * in one turn gets its BCAST messages after all of its replies, the PING's too).
 */
async function transcript(c: RawConnection, ...argvs: string[][]): Promise<string[]> {
  const frames: string[] = [];
  for (const argv of argvs) {
    c.send(...argv);
    frames.push(await c.readRaw());
  }
  c.send('PING');
  for (;;) {
    const f = await c.readRaw();
    if (f === PONG || f === SUBSCRIBED_PONG) return frames;
    frames.push(f);
  }
}

const pushed = (c: RawConnection) => transcript(c);

/** The key an invalidation message carries (the last bulk of it). */
const keyOf = (message: string) => /\$\d+\r\n([^\r]*)\r\n$/.exec(message)![1];

async function idOf(c: RawConnection): Promise<string> {
  c.send('CLIENT', 'ID');
  return (await c.readRaw()).slice(1, -2);
}

async function ok(c: RawConnection, ...argv: string[]): Promise<void> {
  c.send(...argv);
  assert.is(await c.readRaw(), OK, argv.join(' '));
}

/** A RESP2 connection subscribed to __redis__:invalidate, and its id. */
async function subscriber(): Promise<[RawConnection, string]> {
  const r = await connect();
  const id = await idOf(r);
  r.send('SUBSCRIBE', '__redis__:invalidate');
  await r.read();
  return [r, id];
}

const stat = async (c: RawConnection, section: string, field: string) => (await infoFields(c, section)).get(field);

test('CLIENT TRACKING: options are all read before ON or OFF; the errors and their order are Redis\'s', async () => {
  const c = await connect();
  const other = await connect();
  const id = await idOf(other);
  await runRows(c, [
    [['CLIENT', 'TRACKING'], arity('client|tracking')],
    [['CLIENT', 'TRACKING', 'maybe'], SYNTAX],
    [['CLIENT', 'TRACKING', 'maybe', 'BOGUS'], SYNTAX],
    [['CLIENT', 'TRACKING', 'on', 'BOGUS'], SYNTAX],
    [['CLIENT', 'TRACKING', 'on', 'REDIRECT'], SYNTAX],
    [['CLIENT', 'TRACKING', 'on', 'PREFIX'], SYNTAX],
    [['CLIENT', 'TRACKING', 'on', 'REDIRECT', 'x'], NOT_INT],
    [['CLIENT', 'TRACKING', 'on', 'REDIRECT', '99999'], err('ERR The client ID you want redirect to does not exist')],
    [['CLIENT', 'TRACKING', 'on', 'REDIRECT', '-1'], err('ERR The client ID you want redirect to does not exist')],
    [['CLIENT', 'TRACKING', 'on', 'REDIRECT', id, 'REDIRECT', id], err('ERR A client can only redirect to a single other client')],
    [['CLIENT', 'TRACKING', 'maybe', 'REDIRECT', '99999'], err('ERR The client ID you want redirect to does not exist')],
    [['CLIENT', 'TRACKING', 'off', 'PREFIX', 'x', 'OPTIN', 'OPTOUT'], OK],
    [['CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'], err('ERR PREFIX option requires BCAST mode to be enabled')],
    [['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'], err('ERR OPTIN and OPTOUT are not compatible with BCAST')],
    [['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'], err("ERR You can't specify both OPTIN mode and OPTOUT mode")],
    [['CLIENT', 'TRACKINGINFO'], trackingInfo(['off'], -1)],
    [['CLIENT', 'GETREDIR'], int(-1)],
    [['CLIENT', 'TRACKING', 'on', 'optin', 'noloop'], OK],
    [['CLIENT', 'TRACKING', 'on', 'OPTOUT'], err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")],
    [['CLIENT', 'TRACKING', 'on', 'BCAST'], err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")],
    [['CLIENT', 'TRACKINGINFO'], trackingInfo(['on', 'optin', 'noloop'], 0)],
    [['CLIENT', 'CACHING', 'maybe'], SYNTAX],
    [['CLIENT', 'CACHING', 'no'], err('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.')],
    [['CLIENT', 'CACHING', 'yes'], OK],
    [['CLIENT', 'TRACKINGINFO'], trackingInfo(['on', 'optin', 'caching-yes', 'noloop'], 0)],
    // re-enabling sets every option anew: NOLOOP and the redirect go unless given again
    [['CLIENT', 'TRACKING', 'on', 'REDIRECT', id], OK],
    [['CLIENT', 'GETREDIR'], int(Number(id))],
    [['CLIENT', 'TRACKINGINFO'], trackingInfo(['on'], Number(id))],
    [['CLIENT', 'TRACKING', 'OFF'], OK],
    [['CLIENT', 'TRACKINGINFO'], trackingInfo(['off'], -1)],
    [['CLIENT', 'CACHING', 'yes'], err('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled')],
    [['CLIENT', 'TRACKING', 'on', 'OPTOUT'], OK],
    [['CLIENT', 'CACHING', 'yes'], err('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.')],
    [['CLIENT', 'CACHING', 'no'], OK],
    [['CLIENT', 'TRACKINGINFO'], trackingInfo(['on', 'optout', 'caching-no'], 0)],
    [['CLIENT', 'CACHING'], arity('client|caching')],
  ]);
});

test('BCAST prefixes: kept sorted, added to by a second CLIENT TRACKING, and never overlapping', async () => {
  const c = await connect();
  const tail = 'Prefixes for a single client must not overlap.';
  await runRows(c, [
    [['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b:', 'PREFIX', 'a:'], OK],
    [['CLIENT', 'TRACKINGINFO'], trackingInfo(['on', 'bcast'], 0, ['a:', 'b:'])],
    [['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a'], err(`ERR Prefix 'a' overlaps with an existing prefix 'a:'. ${tail}`)],
    [['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b:x'], err(`ERR Prefix 'b:x' overlaps with an existing prefix 'b:'. ${tail}`)],
    [['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c', 'PREFIX', 'cd'], err(`ERR Prefix 'c' overlaps with another provided prefix 'cd'. ${tail}`)],
    [['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'cd\0x', 'PREFIX', 'c'], err(`ERR Prefix 'cd' overlaps with another provided prefix 'c'. ${tail}`)],
    [['CLIENT', 'TRACKINGINFO'], trackingInfo(['on', 'bcast'], 0, ['a:', 'b:'])],
    [['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c:'], OK],
    [['CLIENT', 'TRACKINGINFO'], trackingInfo(['on', 'bcast'], 0, ['a:', 'b:', 'c:'])],
  ]);
  // an overlap found past the first new prefix: Redis 7.0 answers the error, registers all of them, then says +OK
  assert.equal(await transcript(c, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'd', 'PREFIX', 'e', 'PREFIX', 'ef']), [
    err(`ERR Prefix 'e' overlaps with another provided prefix 'ef'. ${tail}`), OK,
  ]);
  await runRows(c, [[['CLIENT', 'TRACKINGINFO'], trackingInfo(['on', 'bcast'], 0, ['a:', 'b:', 'c:', 'd', 'e', 'ef'])]]);
  const w = await connect();
  assert.is(await stat(w, 'stats', 'tracking_total_prefixes'), '6');
  assert.is(await stat(w, 'stats', 'total_error_replies'), '5');
  // BCAST without a prefix listens to every key, whatever prefixes the client has
  await ok(c, 'CLIENT', 'TRACKING', 'on', 'BCAST');
  await runRows(c, [[['CLIENT', 'TRACKINGINFO'], trackingInfo(['on', 'bcast'], 0, ['', 'a:', 'b:', 'c:', 'd', 'e', 'ef'])]]);
  await ok(c, 'CLIENT', 'TRACKING', 'off');
  await runRows(c, [[['CLIENT', 'TRACKINGINFO'], trackingInfo(['off'], -1)]]);
  assert.is(await stat(w, 'stats', 'tracking_total_prefixes'), '0');
});

test('RESP3: a key read is invalidated once, when anyone changes it; the client\'s own change after its reply', async () => {
  const a = await connect(3);
  const w = await connect();
  await ok(a, 'CLIENT', 'TRACKING', 'on');
  await runRows(w, [[['MSET', 'k', '1', 'k2', '2', 'unread', '3'], OK]]);
  assert.equal(await transcript(a, ['MGET', 'k', 'k2', 'missing']), [arr(bulk('1'), bulk('2'), NULL3)]);
  await runRows(w, [[['INCR', 'k'], int(2)], [['INCR', 'k'], int(3)], [['DEL', 'k2', 'unread', 'missing'], int(2)], [['SET', 'missing', 'x'], OK]]);
  // one message per key and change; the second INCR finds k no longer in the table
  assert.equal(await pushed(a), [invalidate('k'), invalidate('k2'), invalidate('missing')]);
  // its own write: the reply first
  assert.equal(await transcript(a, ['HSET', 'h', 'f', '1'], ['HGET', 'h', 'f'], ['HDEL', 'h', 'f']), [int(1), bulk('1'), int(1), invalidate('h')]);
  // a transaction's invalidations follow the whole EXEC reply
  assert.equal(await transcript(a, ['GET', 'k'], ['MULTI'], ['INCR', 'k'], ['GET', 'k'], ['EXEC']), [
    bulk('3'), OK, QUEUED, QUEUED, arr(int(4), bulk('4')), invalidate('k'),
  ]);
  // a read-only command remembers its keys even when it fails
  await runRows(w, [[['DEL', 'k'], int(1)]]);
  assert.equal(await pushed(a), [invalidate('k')]);
  assert.equal(await transcript(a, ['LLEN', 'missing']), ['-WRONGTYPE Operation against a key holding the wrong kind of value\r\n']);
  await runRows(w, [[['DEL', 'missing'], int(1)]]);
  assert.equal(await pushed(a), [invalidate('missing')]);
});

test('NOLOOP: no message for the client\'s own changes, in a script too; others\' changes still come', async () => {
  const a = await connect(3);
  const w = await connect();
  await ok(a, 'CLIENT', 'TRACKING', 'on', 'NOLOOP');
  assert.equal(await transcript(a, ['MGET', 'mine', 'theirs']), [arr(NULL3, NULL3)]);
  assert.equal(await transcript(a, ['SET', 'mine', '1'], ['EVAL', "return redis.call('set', KEYS[1], '2')", '1', 'mine']), [OK, OK]);
  await runRows(w, [[['SET', 'theirs', '1'], OK]]);
  assert.equal(await pushed(a), [invalidate('theirs')]);
});

test('RESP2: invalidations reach a redirect client subscribed in RESP2 as __redis__:invalidate messages, or a RESP3 one as pushes', async () => {
  const [r, rid] = await subscriber();
  const b = await connect();
  const w = await connect();
  await ok(b, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', rid);
  assert.equal(await transcript(b, ['GET', 'k'], ['SET', 'own', '1'], ['GET', 'own']), [NIL, OK, bulk('1')]);
  await runRows(w, [[['SET', 'k', 'v'], OK]]);
  assert.equal(await transcript(b, ['SET', 'own', '2']), [OK], 'the tracking client itself gets nothing');
  assert.equal(await pushed(r), [redirected(bulks('k')), redirected(bulks('own'))]);
  // without a redirect a RESP2 client can be told nothing, but its keys still leave the table
  await ok(b, 'CLIENT', 'TRACKING', 'on');
  assert.equal(await transcript(b, ['GET', 'k'], ['SET', 'k', 'w']), [bulk('v'), OK]);
  assert.is(await stat(w, 'stats', 'tracking_total_keys'), '0');
  // a redirect client that is not subscribed hears nothing in RESP2, and gets pushes in RESP3
  const plain = await connect();
  await ok(b, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', await idOf(plain));
  assert.equal(await transcript(b, ['GET', 'k']), [bulk('w')]);
  await runRows(w, [[['SET', 'k', 'x'], OK]]);
  assert.equal(await pushed(plain), []);
  plain.send('HELLO', '3');
  await plain.read();
  assert.equal(await transcript(b, ['GET', 'k']), [bulk('x')]);
  await runRows(w, [[['SET', 'k', 'y'], OK]]);
  assert.equal(await pushed(plain), [invalidate('k')]);
});

test('a redirect client that went away: the tracking client is marked broken and, in RESP3, told on every invalidation', async () => {
  const [r, rid] = await subscriber();
  const a = await connect(3);
  const w = await connect();
  await ok(a, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', rid);
  assert.equal(await transcript(a, ['MGET', 'k1', 'k2']), [arr(NULL3, NULL3)]);
  r.send('QUIT');
  assert.is(await r.readRaw(), OK);
  await runRows(w, [[['MSET', 'k1', '1', 'k2', '2'], OK]]);
  const broken = `>2\r\n${bulk('tracking-redir-broken')}${int(rid)}`;
  assert.equal(await pushed(a), [broken, broken]);
  assert.equal(await transcript(a, ['CLIENT', 'TRACKINGINFO']), [
    `%3\r\n${bulk('flags')}~2\r\n${bulk('on')}${bulk('broken_redirect')}${bulk('redirect')}${int(rid)}${bulk('prefixes')}${EMPTY}`,
  ]);
  const line = (await transcript(a, ['CLIENT', 'INFO']))[0];
  assert.match(line, / flags=tR /);
  assert.match(line, new RegExp(` redir=${rid} `));
  // the keys left the table all the same
  await runRows(w, [[['MSET', 'k1', '3', 'k2', '4'], OK]]);
  assert.equal(await pushed(a), []);
  // in RESP2 only the flag tells
  const b = await connect();
  const [r2, rid2] = await subscriber();
  await ok(b, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', rid2);
  assert.equal(await transcript(b, ['GET', 'k1']), [bulk('3')]);
  r2.close();
  await until(async () => !(await transcript(w, ['CLIENT', 'LIST']))[0].includes(`id=${rid2} `), 'the redirect client to be gone');
  await runRows(w, [[['SET', 'k1', '5'], OK]]);
  assert.equal(await transcript(b, ['CLIENT', 'TRACKINGINFO']), [trackingInfo(['on', 'broken_redirect'], Number(rid2))]);
});

test('OPTIN / OPTOUT: CLIENT CACHING covers the next command, a whole transaction, and survives other CLIENT subcommands', async () => {
  const a = await connect(3);
  const w = await connect();
  await ok(a, 'CLIENT', 'TRACKING', 'on', 'OPTIN');
  await runRows(w, [[['MSET', 'k1', '1', 'k2', '2', 'k3', '3', 'k4', '4', 'k5', '5', 'k6', '6'], OK]]);
  const tracked = async () => {
    await runRows(w, [[['MSET', 'k1', '0', 'k2', '0', 'k3', '0', 'k4', '0', 'k5', '0', 'k6', '0'], OK]]);
    return (await pushed(a)).map(keyOf);
  };
  await transcript(a, ['GET', 'k1'], ['CLIENT', 'CACHING', 'yes'], ['GET', 'k2'], ['GET', 'k3']);
  assert.equal(await tracked(), ['k2']);
  await transcript(a, ['CLIENT', 'CACHING', 'yes'], ['CLIENT', 'ID'], ['CLIENT', 'TRACKINGINFO'], ['GET', 'k1'], ['GET', 'k4']);
  assert.equal(await tracked(), ['k1']);
  await transcript(a, ['CLIENT', 'CACHING', 'yes'], ['PING'], ['GET', 'k1']);
  assert.equal(await tracked(), []);
  await transcript(a, ['CLIENT', 'CACHING', 'yes'], ['NOSUCHCOMMAND'], ['GET', 'k1']);
  assert.equal(await tracked(), [], 'a refused command counts as the next one');
  await transcript(a, ['CLIENT', 'CACHING', 'yes'], ['MULTI'], ['GET', 'k5'], ['MGET', 'k6', 'k2'], ['EXEC'], ['GET', 'k3']);
  assert.equal(await tracked(), ['k2', 'k5', 'k6']);
  await transcript(a, ['MULTI'], ['CLIENT', 'CACHING', 'yes'], ['GET', 'k1'], ['EXEC'], ['GET', 'k2']);
  assert.equal(await tracked(), ['k1']);
  // the flag shows in TRACKINGINFO until the next command
  const flags = async () => {
    a.send('CLIENT', 'TRACKINGINFO'); // no PING after it: that would be the next command
    return (await a.readRaw()).split('\r\n').filter((l) => /^[a-z-]+$/.test(l));
  };
  await ok(a, 'CLIENT', 'CACHING', 'yes');
  assert.equal(await flags(), ['flags', 'on', 'optin', 'caching-yes', 'redirect', 'prefixes']);
  assert.equal(await flags(), ['flags', 'on', 'optin', 'caching-yes', 'redirect', 'prefixes']);
  await transcript(a);
  assert.equal(await flags(), ['flags', 'on', 'optin', 'redirect', 'prefixes']);
  await ok(a, 'CLIENT', 'TRACKING', 'off');
  await ok(a, 'CLIENT', 'TRACKING', 'on', 'OPTOUT');
  await transcript(a, ['GET', 'k1'], ['CLIENT', 'CACHING', 'no'], ['GET', 'k2'], ['GET', 'k3']);
  assert.equal(await tracked(), ['k1', 'k3']);
});

test('BCAST: one message per prefix and event-loop turn, keys sorted, a key once; NOLOOP leaves out the client\'s own', async () => {
  const c = await connect(3);
  const w = await connect();
  await ok(c, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b:', 'PREFIX', 'a:');
  await transcript(w, ['MULTI'], ['INCR', 'b:2'], ['INCR', 'a:2'], ['INCR', 'a:1'], ['INCR', 'c:1'], ['INCR', 'a:2'], ['GET', 'b:1'], ['EXEC']);
  assert.equal(await pushed(c), [invalidate('a:1', 'a:2'), invalidate('b:2')]);
  // reads are not remembered in BCAST mode
  assert.equal(await transcript(c, ['GET', 'a:1']), [bulk('1')]);
  assert.is(await stat(w, 'stats', 'tracking_total_keys'), '0');
  // its own changes come too, after the turn's replies
  assert.equal(await transcript(c, ['SET', 'a:9', 'x']), [OK, invalidate('a:9')]);
  await ok(c, 'CLIENT', 'TRACKING', 'off');
  await ok(c, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP');
  assert.equal(await transcript(c, ['SET', 'x', '1'], ['SET', 'y', '1']), [OK, OK]);
  await runRows(w, [[['SET', 'y', '2'], OK]]);
  assert.equal(await pushed(c), [invalidate('y')]);
  // a script's writes are its own client's, not the caller's: they are not left out (Redis passes the script client)
  assert.equal(await transcript(c, ['MULTI'], ['SET', 'x', '2'], ['EVAL', "redis.call('set', 'y', '3')", '0'], ['EXEC']), [
    OK, QUEUED, QUEUED, arr(OK, NULL3), invalidate('y'),
  ]);
});

test('BCAST after plain tracking: keys read before the switch are not reported', async () => {
  const a = await connect(3);
  const w = await connect();
  await ok(a, 'CLIENT', 'TRACKING', 'on');
  assert.equal(await transcript(a, ['GET', 'k']), [NULL3]);
  await ok(a, 'CLIENT', 'TRACKING', 'off');
  await ok(a, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'other');
  await runRows(w, [[['SET', 'k', '1'], OK]]);
  assert.equal(await pushed(a), []);
});

test('FLUSHALL and FLUSHDB: one null to every tracking client, in its own protocol, and the table is emptied', async () => {
  const [r, rid] = await subscriber();
  const a = await connect(3);
  const b = await connect();
  const c = await connect(3);
  const w = await connect();
  await ok(a, 'CLIENT', 'TRACKING', 'on');
  await ok(b, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', rid);
  await ok(c, 'CLIENT', 'TRACKING', 'on', 'BCAST');
  assert.equal(await transcript(a, ['GET', 'k']), [NULL3]);
  assert.equal(await transcript(b, ['GET', 'k'], ['GET', 'k2']), [NIL, NIL]);
  assert.is(await stat(w, 'stats', 'tracking_total_keys'), '2');
  await runRows(w, [[['FLUSHALL'], OK]]);
  assert.equal(await pushed(a), [INVALIDATE_ALL]);
  assert.equal(await pushed(r), [redirected(NIL)], "a RESP2 tracking client's null");
  assert.equal(await pushed(c), [INVALIDATE_ALL]);
  assert.is(await stat(w, 'stats', 'tracking_total_keys'), '0');
  await runRows(w, [[['SELECT', '3'], OK], [['FLUSHDB'], OK]]);
  assert.equal(await pushed(a), [INVALIDATE_ALL], 'any db, tracked keys or not');
  // the flushing client's own null follows its reply, even inside EXEC; two flushes, two nulls
  assert.equal(await transcript(a, ['MULTI'], ['FLUSHALL'], ['FLUSHDB'], ['EXEC']), [OK, QUEUED, QUEUED, arr(OK, OK), INVALIDATE_ALL, INVALIDATE_ALL]);
  assert.equal(await pushed(c), [INVALIDATE_ALL, INVALIDATE_ALL, INVALIDATE_ALL]);
  assert.equal(await pushed(r), [redirected(NIL), redirected(NIL), redirected(NIL)]);
  // a RESP3 tracking client redirecting to a RESP2 subscriber sends its own null, as Redis does
  await ok(a, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', rid);
  await runRows(w, [[['FLUSHDB', 'ASYNC'], OK]]);
  assert.equal(await pushed(r), [redirected(NULL3), redirected(NIL)]);
});

test('expiry: a key deleted lazily or by the active cycle is invalidated, with no client behind it for NOLOOP', async () => {
  const a = await connect(3);
  const c = await connect(3);
  const w = await connect();
  // the next active expire cycle a second away: the lazy expiries below are not raced by it
  await ok(w, 'CONFIG', 'SET', 'hz', '1');
  await ok(a, 'CLIENT', 'TRACKING', 'on');
  await ok(c, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP');
  await transcript(w, ['MULTI'], ['SET', 'lazy', 'v', 'PX', '100'], ['SET', 'active', 'v', 'PX', '100'], ['EXEC']);
  assert.equal(await pushed(c), [invalidate('active', 'lazy')]);
  assert.equal(await transcript(a, ['MGET', 'lazy', 'active']), [arr(bulk('v'), bulk('v'))]);
  // c's own SET is left out, its own read that expires the key is not: an expiry has no client
  assert.equal(await transcript(c, ['SET', 'mine', 'v', 'PX', '100']), [OK]);
  srv.clock.advance(200);
  assert.equal(await transcript(c, ['GET', 'mine']), [NULL3, invalidate('mine')]);
  assert.equal(await transcript(w, ['GET', 'lazy']), [NIL]);
  assert.equal(await pushed(a), [invalidate('lazy')]);
  assert.equal(await pushed(c), [invalidate('lazy')]);
  // nobody touches `active`: the expire cycle finds it
  assert.is(await a.readRaw(), invalidate('active'));
  assert.equal(await pushed(c), [invalidate('active')]);
});

test('the client\'s own read that expires a key gets the invalidation after its reply, and the key is tracked again', async () => {
  const a = await connect(3);
  await ok(a, 'CONFIG', 'SET', 'hz', '1');
  await ok(a, 'CLIENT', 'TRACKING', 'on');
  assert.equal(await transcript(a, ['MSET', 'x', '1', 'y', '2'], ['PEXPIRE', 'y', '100'], ['GET', 'y']), [OK, int(1), bulk('2')]);
  srv.clock.advance(200);
  assert.equal(await transcript(a, ['MGET', 'x', 'y']), [arr(bulk('1'), NULL3), invalidate('y')]);
  const w = await connect();
  await runRows(w, [[['SET', 'y', '3'], OK]]);
  assert.equal(await pushed(a), [invalidate('y')]);
});

test('tracking-table-max-keys: random keys leave the table before the next command (or in the cron), their clients told', async () => {
  const [r, rid] = await subscriber();
  const a = await connect();
  const w = await connect();
  await ok(a, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', rid);
  const keys = Array.from({ length: 10 }, (_, i) => `key${i}`);
  assert.equal(await transcript(a, ['MGET', ...keys]), [arr(...keys.map(() => NIL))]);
  assert.is(await stat(w, 'stats', 'tracking_total_keys'), '10');
  await ok(w, 'CONFIG', 'SET', 'tracking-table-max-keys', '4');
  await transcript(w, ['PING']);
  const evicted = (await pushed(r)).map(keyOf);
  assert.is(evicted.length, 6);
  assert.is(new Set(evicted).size, 6);
  for (const k of evicted) assert.ok(keys.includes(k), k);
  assert.is(await stat(w, 'stats', 'tracking_total_keys'), '4');
  // the evicted keys are no longer tracked, the others are
  await runRows(w, [[['MSET', ...keys.flatMap((k) => [k, '1'])], OK]]);
  assert.equal((await pushed(r)).map(keyOf).sort(), keys.filter((k) => !evicted.includes(k)));
});

test('tracking-table-max-keys: with no command coming, the cron evicts, with more effort each round', async () => {
  const [r, rid] = await subscriber();
  const a = await connect();
  await ok(a, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', rid);
  const keys = Array.from({ length: 250 }, (_, i) => `key${i}`);
  await transcript(a, ['MGET', ...keys]);
  await ok(a, 'CONFIG', 'SET', 'tracking-table-max-keys', '1');
  // more than one round's 100: the second does 200
  for (let i = 0; i < 249; i++) await r.readRaw();
  assert.equal(await pushed(r), []);
  assert.is(await stat(a, 'stats', 'tracking_total_keys'), '1');
});

test('tracking-table-max-keys: a command queued in MULTI still brings the table under the limit first, told before QUEUED', async () => {
  const a = await connect(3);
  const w = await connect();
  await ok(w, 'CONFIG', 'SET', 'hz', '1'); // the cron a second away: the queued command is what evicts
  await ok(a, 'CLIENT', 'TRACKING', 'on');
  assert.equal(await transcript(a, ['MGET', '1{tag}', '2{tag}']), [arr(NULL3, NULL3)]);
  await ok(a, 'MULTI');
  await ok(w, 'CONFIG', 'SET', 'tracking-table-max-keys', '1');
  a.send('PING');
  assert.match(await a.readRaw(), /^>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$6\r\n[12]\{tag\}\r\n$/);
  assert.is(await a.readRaw(), QUEUED);
  a.send('EXEC');
  assert.is(await a.readRaw(), arr(PONG));
});

test('scripts: a read makes the caller track the keys the script declared; EVAL_RO and FCALL_RO alone do not', async () => {
  const a = await connect(3);
  const w = await connect();
  await ok(a, 'CLIENT', 'TRACKING', 'on');
  const changeAll = () => runRows(w, [[['MSET', 'k2', '1', 'k1', '1', 'k3', '1'], OK]]);
  await transcript(a, ['EVAL', "redis.call('set', 'k3', 'bar')", '2', 'k1', 'k2']);
  await changeAll();
  assert.equal(await pushed(a), []);
  await transcript(a, ['EVAL', "redis.call('get', 'k3')", '2', 'k1', 'k2']);
  await changeAll();
  assert.equal(await pushed(a), [invalidate('k2'), invalidate('k1')], 'the declared keys, not the one read');
  await transcript(a, ['EVAL_RO', "redis.call('ping')", '2', 'k1', 'k2']);
  await changeAll();
  assert.equal(await pushed(a), []);
  await transcript(a, ['EVAL_RO', "redis.call('get', 'k1')", '1', 'k1']);
  await changeAll();
  assert.equal(await pushed(a), [invalidate('k1')]);
  await runRows(w, [[['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function{function_name='rd', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}"], bulk('lib')]]);
  await transcript(a, ['FCALL_RO', 'rd', '1', 'k3']);
  await changeAll();
  assert.equal(await pushed(a), [invalidate('k3')]);
  // a script's own write of a key its caller tracks: after the EVAL reply
  assert.equal(await transcript(a, ['GET', 'k1'], ['EVAL', "return redis.call('incr', KEYS[1])", '1', 'k1']), [bulk('1'), int(2), invalidate('k1')]);
});

test('RESET and a closed connection turn tracking off; INFO counts clients, keys, items and prefixes', async () => {
  const a = await connect(3);
  const b = await connect(3);
  const c = await connect();
  const w = await connect();
  await ok(a, 'CLIENT', 'TRACKING', 'on');
  await ok(b, 'CLIENT', 'TRACKING', 'on');
  await ok(c, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p:', 'PREFIX', 'q:');
  await transcript(a, ['MGET', 'x', 'y']);
  await transcript(b, ['GET', 'x']);
  const counts = async () => {
    const clients = await infoFields(w, 'clients');
    const stats = await infoFields(w, 'stats');
    return [clients.get('tracking_clients'), ...['keys', 'items', 'prefixes'].map((f) => stats.get(`tracking_total_${f}`))];
  };
  assert.equal(await counts(), ['3', '2', '3', '2']);
  assert.match((await transcript(w, ['CLIENT', 'LIST']))[0], /flags=tB .* redir=0 /);
  assert.equal(await transcript(b, ['RESET']), ['+RESET\r\n']);
  assert.equal(await transcript(b, ['CLIENT', 'TRACKINGINFO']), [trackingInfo(['off'], -1)]);
  // the table keeps what b read until the key changes: Redis does not walk it to drop a client
  assert.equal(await counts(), ['2', '2', '3', '2']);
  c.close();
  await until(async () => (await counts())[0] === '1', 'the closed client to stop tracking');
  assert.equal(await counts(), ['1', '2', '3', '0']);
  await runRows(w, [[['DEL', 'x', 'y'], int(0)], [['MSET', 'x', '1', 'y', '1'], OK]]);
  assert.equal(await pushed(a), [invalidate('x'), invalidate('y')]);
  assert.equal(await counts(), ['1', '0', '0', '0']);
});

test('a client served after blocking gets its reply, then the invalidations its pop caused', async () => {
  const a = await connect(3);
  const w = await connect();
  await runRows(w, [[['RPUSH', 'dst', 'a'], int(1)]]);
  await ok(a, 'CLIENT', 'TRACKING', 'on');
  assert.equal(await transcript(a, ['LRANGE', 'dst', '0', '-1']), [arr(bulk('a'))]);
  a.send('BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0');
  await until(async () => (await stat(w, 'clients', 'blocked_clients')) === '1', 'the client to block');
  await runRows(w, [[['RPUSH', 'src', 'foo'], int(1)]]);
  assert.is(await a.readRaw(), bulk('foo'));
  assert.is(await a.readRaw(), invalidate('dst'));
});

test('CLIENT REPLY OFF: invalidation pushes still go out, to the tracking client and to a redirect client', async () => {
  const a = await connect(3);
  const r = await connect(3);
  const b = await connect();
  const w = await connect();
  await ok(a, 'CLIENT', 'TRACKING', 'on');
  await ok(b, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', await idOf(r));
  assert.equal(await transcript(a, ['GET', 'foo']), [NULL3]);
  assert.equal(await transcript(b, ['GET', 'foo']), [NIL]);
  a.send('CLIENT', 'REPLY', 'OFF');
  r.send('CLIENT', 'REPLY', 'OFF');
  await runRows(w, [[['SET', 'foo', 'bar'], OK]]);
  assert.is(await a.readRaw(), invalidate('foo'));
  assert.is(await r.readRaw(), invalidate('foo'));
  for (const c of [a, r]) assert.equal(await transcript(c, ['CLIENT', 'REPLY', 'ON']), [OK]);
});

// ---- differential: the same sessions against real redis-server ----

/**
 * One step of a session: the connection (by name) and the command; `$R`, `$P` stand for the ids of connections
 * R and P on the server at hand. After every step each connection's new output is collected, so what one client
 * hears is compared in the order it arrived, pushes and replies alike.
 */
type Step = [conn: string, argv: string[]];

/** The connections of a session: name → protocol, and for R a subscription to __redis__:invalidate. */
const CONNS: Record<string, 2 | 3> = { A: 3, B: 2, C: 3, D: 3, E: 3, N: 3, R: 2, P: 3, W: 2 };

const SESSION: Step[] = [
  ['A', ['CLIENT', 'TRACKING', 'on']], ['B', ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '$R']], ['N', ['CLIENT', 'TRACKING', 'on', 'NOLOOP']],
  ['C', ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'post:', 'NOLOOP']],
  ['D', ['CLIENT', 'TRACKING', 'on', 'OPTIN', 'REDIRECT', '$P']], ['E', ['CLIENT', 'TRACKING', 'on', 'OPTOUT']],
  ['W', ['MSET', 'k1', '1', 'k2', '2', 'user:1', 'a', 'post:1', 'b', 'other', 'c']],
  ['A', ['MGET', 'k1', 'k2', 'nosuch']], ['B', ['GET', 'k1']], ['N', ['MGET', 'k1', 'k2']], ['D', ['GET', 'k1']],
  ['D', ['CLIENT', 'CACHING', 'yes']], ['D', ['CLIENT', 'TRACKINGINFO']], ['D', ['GET', 'k2']], ['D', ['CLIENT', 'TRACKINGINFO']],
  ['E', ['GET', 'k1']], ['E', ['CLIENT', 'CACHING', 'no']], ['E', ['GET', 'k2']],
  ['W', ['INCR', 'k1']], ['W', ['INCR', 'k2']], ['W', ['SET', 'nosuch', 'x']], ['W', ['INCR', 'k1']],
  ['N', ['SET', 'k1', 'mine']], ['N', ['GET', 'k1']], ['A', ['GET', 'k1']], ['N', ['DEL', 'k1']],
  ['W', ['MULTI']], ['W', ['SET', 'user:2', 'x']], ['W', ['SET', 'user:1', 'y']], ['W', ['INCR', 'post:9']], ['W', ['SET', 'zzz', '1']], ['W', ['EXEC']],
  ['C', ['SET', 'user:3', 'own']], ['C', ['MSET', 'user:3', 'own', 'user:4', 'own']], ['C', ['EVAL', "redis.call('set', 'user:5', '1')", '0']],
  ['A', ['HSET', 'h', 'f', '1']], ['A', ['HGET', 'h', 'f']], ['A', ['HDEL', 'h', 'f']],
  ['A', ['GET', 'k2']], ['A', ['MULTI']], ['A', ['INCR', 'k2']], ['A', ['GET', 'k2']], ['A', ['EXEC']],
  ['A', ['EVAL', "return redis.call('get', 'x')", '2', 'e1', 'e2']], ['W', ['MSET', 'e2', '1', 'e1', '1']],
  ['A', ['EVAL_RO', "return redis.call('ping')", '1', 'e3']], ['W', ['SET', 'e3', '1']],
  ['B', ['MGET', 'e1', 'e2']], ['W', ['DEL', 'e1', 'e2']],
  ['A', ['CLIENT', 'TRACKING', 'on', 'BCAST']], ['A', ['CLIENT', 'TRACKING', 'off']], ['A', ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'k']],
  ['W', ['SET', 'k9', '1']], ['W', ['SET', 'x9', '1']],
  ['A', ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'kk', 'PREFIX', 'm', 'PREFIX', 'mm']], ['A', ['CLIENT', 'TRACKINGINFO']],
  ['A', ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'ab']], ['A', ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'k1']],
  ['W', ['SET', 'kk1', '1']], ['W', ['SET', 'mm', '1']],
  ['B', ['GET', 'f1']], ['D', ['CLIENT', 'CACHING', 'yes']], ['D', ['GET', 'f1']], ['W', ['FLUSHALL']],
  ['W', ['SELECT', '5']], ['W', ['FLUSHDB']], ['W', ['SELECT', '0']],
  ['E', ['MULTI']], ['E', ['FLUSHALL']], ['E', ['GET', 'f2']], ['E', ['EXEC']],
  ['B', ['GET', 'f3']], ['P', ['QUIT']], ['D', ['CLIENT', 'CACHING', 'yes']], ['D', ['GET', 'f3']], ['W', ['SET', 'f3', '1']],
  ['D', ['CLIENT', 'TRACKINGINFO']], ['D', ['CLIENT', 'GETREDIR']], ['B', ['CLIENT', 'GETREDIR']], ['A', ['CLIENT', 'GETREDIR']],
  ['B', ['CLIENT', 'TRACKING', 'off']], ['B', ['CLIENT', 'TRACKINGINFO']], ['N', ['RESET']], ['N', ['CLIENT', 'TRACKINGINFO']],
  ['W', ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '$R', 'BCAST', 'PREFIX', 'f']], ['W', ['FLUSHALL']], ['W', ['SET', 'f4', '1']],
];

/** Run SESSION on a server; returns each connection's transcript with the ids that differ between servers masked. */
async function session(port: number): Promise<Record<string, string[]>> {
  const conns: Record<string, RawConnection> = {};
  const ids: Record<string, string> = {};
  for (const [name, proto] of Object.entries(CONNS)) {
    conns[name] = await connect(proto, port);
    ids[name] = await idOf(conns[name]);
  }
  conns.R.send('SUBSCRIBE', '__redis__:invalidate');
  await conns.R.read();
  const heard: Record<string, string[]> = Object.fromEntries(Object.keys(CONNS).map((n) => [n, []]));
  const closed = new Set<string>();
  const waiting = new Set<string>();
  const inMulti = new Set<string>();
  // ids differ between the servers: where a reply names one, the connection's name stands in for it
  const mask = (frame: string) => {
    let out = frame;
    for (const [name, id] of Object.entries(ids)) {
      out = out.replace(new RegExp(`(tracking-redir-broken\\r\\n|redirect\\r\\n):${id}\\r\\n`, 'g'), `$1:<${name}>\r\n`);
    }
    return out;
  };
  try {
    for (const [name, argv] of SESSION) {
      const c = conns[name];
      c.send(...argv.map((a) => (a.startsWith('$') ? ids[a.slice(1)] : a)));
      // its reply before anything else is sent, so that the PINGs below run in a turn of their own
      const first = await c.readRaw();
      const named = Object.entries(ids).find(([, id]) => first === `:${id}\r\n`);
      heard[name].push(argv[1] === 'GETREDIR' && named ? `:<${named[0]}>\r\n` : mask(first));
      if (argv[0] === 'QUIT') {
        await c.waitClosed();
        closed.add(name);
      }
      // a PING inside MULTI would be queued, and one after CLIENT CACHING would be the command it covers: what
      // arrives meanwhile is collected after EXEC, or after the connection's next command but a CLIENT one
      if (argv[0] === 'EXEC' || (!inMulti.has(name) && argv[0] !== 'CLIENT')) waiting.delete(name);
      if (argv[0] === 'MULTI') inMulti.add(name);
      if (argv[0] === 'EXEC') inMulti.delete(name);
      if (argv[0] === 'MULTI' || argv[1] === 'CACHING') waiting.add(name);
      for (const [n, conn] of Object.entries(conns)) {
        if (closed.has(n) || waiting.has(n)) continue;
        heard[n].push(...(await transcript(conn)).map(mask), '--');
      }
    }
  } finally {
    for (const c of Object.values(conns)) c.close();
  }
  return heard;
}

const differential = hasRedis ? test : test.skip;

differential('differential: what every client of a tracking session hears, byte for byte as real redis-server', async () => {
  const real: RunningServer = await startRedis();
  try {
    await srv.stop();
    srv = await startInProcess({ clock: systemClock });
    const ours = await session(srv.port);
    const theirs = await session(real.port);
    for (const name of Object.keys(CONNS)) {
      const [o, t] = [ours[name], theirs[name]];
      for (let i = 0; i < Math.max(o.length, t.length); i++) {
        if (o[i] !== t[i]) assert.equal(o.slice(i, i + 8), t.slice(i, i + 8), `connection ${name} from frame #${i} on`);
      }
    }
    assert.ok(theirs.R.filter((f) => f.includes('__redis__:invalidate')).length >= 5, 'the redirect client heard plenty');
  } finally {
    await real.stop();
  }
});

differential('differential: CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO replies and errors', async () => {
  const real: RunningServer = await startRedis();
  try {
    const rows: string[][] = [
      ['CLIENT', 'TRACKING'], ['CLIENT', 'TRACKING', 'x'], ['CLIENT', 'TRACKING', 'on', 'REDIRECT'], ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '1x'],
      ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '0'], ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '99999'], ['CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'on', 'bcast', 'optin'], ['CLIENT', 'TRACKING', 'on', 'optout', 'optin'], ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'xy'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', '', 'PREFIX', 'a'], ['CLIENT', 'TRACKING', 'on', 'OPTIN'], ['CLIENT', 'CACHING', 'YES'],
      ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'CACHING', 'no'], ['CLIENT', 'CACHING', 'x'], ['CLIENT', 'CACHING', 'yes', 'no'], ['CLIENT', 'CACHING'],
      ['CLIENT', 'TRACKING', 'on', 'OPTOUT'], ['CLIENT', 'TRACKING', 'on', 'BCAST'], ['CLIENT', 'GETREDIR'], ['CLIENT', 'GETREDIR', 'x'],
      ['CLIENT', 'TRACKINGINFO', 'x'], ['CLIENT', 'TRACKING', 'off'], ['CLIENT', 'CACHING', 'yes'], ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab'], ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c\0d'], ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'on', 'OPTIN'], ['CLIENT', 'TRACKING', 'OFF'], ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'HELP'],
    ];
    for (const proto of [2, 3] as const) {
      const mine = await connect(proto);
      const theirs = await connect(proto, real.port);
      try {
        for (const argv of rows) assert.equal(await transcript(mine, argv), await transcript(theirs, argv), `RESP${proto} ${argv.join(' ')}`);
      } finally {
        theirs.close();
      }
    }
  } finally {
    await real.stop();
  }
});

test.run();
