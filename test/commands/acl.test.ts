import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import { RawConnection } from '../helpers/raw';
import { hasRedis, startRedis, type RunningServer } from '../helpers/servers';
import { label } from '../helpers/differential';
import { arity, arr, ask, bulk, bulks, err, int, NIL, OK, QUEUED, status } from '../helpers/resp';
import { until } from '../helpers/wait';
import type { Reply } from '../../lib/protocol/reply';
import { commandTable } from '../../lib/commands';

const test = suite('commands/acl');

let srv: InProcess;

test.before.each(async () => {
  srv = await startInProcess();
});

test.after.each(() => srv.stop());

const NOPERM_KEYS = err('NOPERM this user has no permissions to access one of the keys used as arguments');
const NOPERM_CHANNELS = err('NOPERM this user has no permissions to access one of the channels used as arguments');
const noperm = (cmd: string) => err(`NOPERM this user has no permissions to run the '${cmd}' command`);
const WRONGPASS = err('WRONGPASS invalid username-password pair or user is disabled.');
const modifier = (op: string, text: string) => err(`ERR Error in ACL SETUSER modifier '${op}': ${text}`);

/** A connection authenticated as `user` (created with `rules` first, on another connection). */
async function as(user: string, ...rules: string[]): Promise<RawConnection> {
  const admin = await srv.connect();
  assert.is(await ask(admin, 'ACL', 'SETUSER', user, 'reset', 'on', 'nopass', ...rules), 'OK');
  const c = await srv.connect();
  assert.is(await ask(c, 'AUTH', user, 'x'), 'OK');
  return c;
}

test('a connection starts as the default user, which may do anything', async () => {
  const c = await srv.connect();
  await runRows(c, [
    [['ACL', 'WHOAMI'], bulk('default')],
    [['ACL', 'USERS'], bulks('default')],
    [['ACL', 'LIST'], bulks('user default on nopass ~* &* +@all')],
    [['SET', 'k', 'v'], OK],
    [['PUBLISH', 'ch', 'm'], int(0)],
    [['CLIENT', 'INFO'], /user=default redir=-1/],
  ]);
});

test('SETUSER creates users off and without permissions; GETUSER describes them', async () => {
  const c = await srv.connect();
  await runRows(c, [
    [['ACL', 'SETUSER', 'alice'], OK],
    [['ACL', 'LIST'], bulks('user alice off resetchannels -@all', 'user default on nopass ~* &* +@all')],
    [['ACL', 'GETUSER', 'alice'], arr(bulk('flags'), arr(bulk('off')), bulk('passwords'), arr(), bulk('commands'), bulk('-@all'),
      bulk('keys'), bulk(''), bulk('channels'), bulk(''), bulk('selectors'), arr())],
    [['ACL', 'GETUSER', 'nobody'], NIL],
    [['ACL', 'SETUSER', 'alice', 'on', '>p1', '>p1', '#' + 'a'.repeat(64), '~k*', '%R~r*', '%W~w*', '&ch', '+get', '(+set ~s*)'], OK],
    [['ACL', 'LIST'], bulks(
      `user alice on #${sha('p1')} #${'a'.repeat(64)} ~k* %R~r* %W~w* resetchannels &ch -@all +get (~s* resetchannels -@all +set)`,
      'user default on nopass ~* &* +@all',
    )],
    // %R then %W on the same pattern is ~
    [['ACL', 'SETUSER', 'bob', '%R~x', '%W~x', '%RW~y'], OK],
    [['ACL', 'GETUSER', 'bob'], /keys\r\n\$5\r\n~x ~y\r\n/],
    [['ACL', 'SETUSER', 'a b'], err("ERR Usernames can't contain spaces or null characters")],
    [['ACL', 'SETUSER', 'a\0b'], err("ERR Usernames can't contain spaces or null characters")],
  ]);
});

function sha(s: string): string {
  return require('node:crypto').createHash('sha256').update(Buffer.from(s, 'latin1')).digest('hex');
}

test('SETUSER refuses a bad rule with its reason and changes nothing', async () => {
  const c = await srv.connect();
  await runRows(c, [
    [['ACL', 'SETUSER', 'u', 'on', 'nosuchrule'], modifier('nosuchrule', 'Syntax error')],
    [['ACL', 'GETUSER', 'u'], NIL], // not even created
    [['ACL', 'SETUSER', 'u', '+nosuch'], modifier('+nosuch', 'Unknown command or category name in ACL')],
    [['ACL', 'SETUSER', 'u', '+@nosuch'], modifier('+@nosuch', 'Unknown command or category name in ACL')],
    [['ACL', 'SETUSER', 'u', '+config|nosuch'], modifier('+config|nosuch', 'Unknown command or category name in ACL')],
    [['ACL', 'SETUSER', 'u', '+get|a|b'], modifier('+get|a|b', 'Unknown command or category name in ACL')],
    [['ACL', 'SETUSER', 'u', '+config|get|x'], modifier('+config|get|x', 'Allowing first-arg of a subcommand is not supported')],
    [['ACL', 'SETUSER', 'u', '+select|'], modifier('+select|', 'Syntax error')],
    [['ACL', 'SETUSER', 'u', '#abc'], modifier('#abc', 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters')],
    [['ACL', 'SETUSER', 'u', '<nope'], modifier('<nope', 'The password you are trying to remove from the user does not exist')],
    [['ACL', 'SETUSER', 'u', 'allkeys', '~x'], modifier('~x', "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns")],
    [['ACL', 'SETUSER', 'u', '&*', '&x'], modifier('&x', "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels")],
    [['ACL', 'SETUSER', 'u', '%X~k'], modifier('%X~k', 'Syntax error')],
    [['ACL', 'SETUSER', 'u', '%~k'], modifier('%~k', 'Syntax error')],
    [['ACL', 'SETUSER', 'u', '~a b'], modifier('~a b', 'Syntax error')],
    [['ACL', 'SETUSER', 'u', '(+get', '~k'], err("ERR Unmatched parenthesis in acl selector starting at '(+get'.")],
    [['ACL', 'SETUSER', 'u', '(+get ~k', '+bad)'], modifier('(+get ~k +bad)', 'Unknown command or category name in ACL')],
    [['ACL', 'SETUSER', 'u', ' () '], modifier(' () ', 'Syntax error')],
    [['ACL', 'GETUSER', 'u'], NIL],
  ]);
});

test('command rules read back as +@all/-@all, then categories, then single commands', async () => {
  const c = await srv.connect();
  const commands = async (...rules: string[]) => {
    assert.is(await ask(c, 'ACL', 'SETUSER', 'u', 'reset', ...rules), 'OK');
    const fields: any[] = await ask(c, 'ACL', 'GETUSER', 'u');
    return fields[fields.indexOf('commands') + 1];
  };
  assert.is(await commands('+@all', '-@string'), '+@all -@string');
  assert.is(await commands('+@string'), '-@all +@string');
  assert.is(await commands('+@all', '-client|kill'), '+@all -client|kill');
  assert.is(await commands('+client', '-client|kill'), '-@all +client -client|kill');
  assert.is(await commands('+select|0', '+select|1', '+SELECT|0'), '-@all +select|0 +select|1');
  // allowing the whole command again drops its first args
  assert.is(await commands('+select|0', '+select'), '-@all +select');
  assert.is(await commands('+@all', '-@all', '+get'), '-@all +get');
  // every command one by one is not +@all: commands added later would not be allowed
  assert.is(await commands('allcommands', '-get', '+get'), '+@all');
  for (const cat of await ask(c, 'ACL', 'CAT')) {
    assert.is(await commands('+@all', `-@${cat}`), `+@all -@${cat}`, cat);
    assert.is(await commands(`+@${cat}`), `-@all +@${cat}`, cat);
  }
});

test('AUTH and HELLO authenticate as users; disabled users and wrong passwords are refused and logged', async () => {
  const admin = await srv.connect();
  const c = await srv.connect();
  await runRows(admin, [
    [['ACL', 'SETUSER', 'alice', '>secret', '+@all', '~*'], OK],
    [['ACL', 'LOG', 'RESET'], OK],
  ]);
  await runRows(c, [
    [['AUTH', 'alice', 'secret'], WRONGPASS], // still off
    [['ACL', 'WHOAMI'], bulk('default')],
  ]);
  await runRows(admin, [[['ACL', 'SETUSER', 'alice', 'on'], OK]]);
  await runRows(c, [
    [['AUTH', 'alice', 'nope'], WRONGPASS],
    [['AUTH', 'nobody', 'secret'], WRONGPASS],
    [['AUTH', 'alice', 'secret'], OK],
    [['ACL', 'WHOAMI'], bulk('alice')],
    [['CLIENT', 'INFO'], /user=alice redir/],
    [['HELLO', '2', 'AUTH', 'default', 'whatever'], /^\*14\r\n/],
    [['ACL', 'WHOAMI'], bulk('default')],
    [['AUTH', 'x'], err('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?')],
  ]);
  // the two failures as alice are one entry, counted twice
  const log: any[] = await ask(admin, 'ACL', 'LOG');
  assert.is(log.length, 2);
  const entry = (i: number) => Object.fromEntries(chunk(log[i]));
  assert.equal([entry(0).object, entry(0).username, entry(0).reason, entry(0).context, entry(0).count], ['AUTH', 'nobody', 'auth', 'toplevel', 1]);
  assert.equal([entry(1).object, entry(1).username, entry(1).count], ['AUTH', 'alice', 2]);
  assert.match(entry(0)['client-info'], / cmd=auth user=default /); // the client as it was while AUTH ran
});

const chunk = (flat: any[]) => {
  const out: [any, any][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
};

test('requirepass is the default user\'s password; new connections need AUTH, old ones keep theirs', async () => {
  const admin = await srv.connect();
  await runRows(admin, [[['CONFIG', 'SET', 'requirepass', 'pw'], OK], [['ACL', 'LIST'], bulks(`user default on #${sha('pw')} ~* &* +@all`)]]);
  const c = await srv.connect();
  await runRows(c, [
    [['GET', 'k'], err('NOAUTH Authentication required.')],
    [['AUTH', 'wrong'], WRONGPASS],
    [['AUTH', 'pw'], OK],
    [['GET', 'k'], NIL],
  ]);
  await runRows(admin, [
    [['GET', 'k'], NIL], // authenticated when it connected
    [['ACL', 'SETUSER', 'default', 'nopass'], OK],
    [['CONFIG', 'GET', 'requirepass'], bulks('requirepass', 'pw')],
  ]);
  const d = await srv.connect();
  await runRows(d, [[['GET', 'k'], NIL]]);
  await runRows(admin, [[['ACL', 'SETUSER', 'default', 'off'], OK]]);
  const e = await srv.connect();
  await runRows(e, [
    [['GET', 'k'], err('NOAUTH Authentication required.')],
    [['HELLO', '3'], err('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time')],
  ]);
});

test('commands, subcommands, first args, keys and channels are checked before running', async () => {
  const c = await as('u', '+@all', '-ping', '-client', '+client|id', '-select', '+select|0', '~k*', '%R~ro*', '%W~wo*', '&ch*');
  await runRows(c, [
    [['PING'], noperm('ping')],
    [['CLIENT', 'ID'], /^:\d+\r\n$/],
    [['CLIENT', 'GETNAME'], noperm('client|getname')],
    [['SELECT', '0'], OK],
    [['SELECT', '1'], noperm('select')],
    [['SET', 'k1', 'v'], OK],
    [['SET', 'x', 'v'], NOPERM_KEYS],
    [['MSET', 'k1', 'v', 'x', 'v'], NOPERM_KEYS],
    [['GET', 'ro1'], NIL],
    [['SET', 'ro1', 'v'], NOPERM_KEYS],
    [['LPUSH', 'wo1', 'v'], int(1)],
    [['LRANGE', 'wo1', '0', '-1'], NOPERM_KEYS],
    [['EXISTS', 'wo1'], int(1)], // no access flag: either permission will do
    [['COPY', 'ro1', 'wo2'], int(0)],
    [['COPY', 'wo1', 'ro2'], NOPERM_KEYS],
    [['PUBLISH', 'ch1', 'm'], int(0)],
    [['PUBLISH', 'other', 'm'], NOPERM_CHANNELS],
    [['SUBSCRIBE', 'ch1', 'other'], NOPERM_CHANNELS],
    [['PSUBSCRIBE', 'ch1*'], NOPERM_CHANNELS], // a pattern must be one of the user's patterns, literally
    [['PSUBSCRIBE', 'ch*'], arr(bulk('psubscribe'), bulk('ch*'), int(1))],
  ]);
  const d = await as('nothing', '-@all');
  await runRows(d, [[['AUTH', 'nothing', 'x'], OK]]); // AUTH is no_auth: always allowed
});

test('MULTI: a denied command fails EXEC; a command denied after queueing answers NOPERM inside EXEC', async () => {
  const admin = await srv.connect();
  const c = await as('u', '+multi', '+exec', '+incr', '~*');
  await runRows(c, [
    [['MULTI'], OK],
    [['GET', 'x'], noperm('get')],
    [['EXEC'], err('EXECABORT Transaction discarded because of previous errors.')],
    [['MULTI'], OK],
    [['INCR', 'x'], QUEUED],
  ]);
  await runRows(admin, [[['ACL', 'SETUSER', 'u', '-incr'], OK]]);
  await runRows(c, [
    [['EXEC'], arr(err('NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand'))],
  ]);
  const log: any[] = await ask(admin, 'ACL', 'LOG', '1');
  const entry = Object.fromEntries(chunk(log[0]));
  assert.equal([entry.count, entry.reason, entry.context, entry.object, entry.username], [1, 'command', 'multi', 'incr', 'u']);
  assert.match(entry['client-info'], /cmd=exec user=u /); // as Redis shows a client inside EXEC
  await runRows(admin, [[['ACL', 'SETUSER', 'u', '-exec'], OK]]);
  await runRows(c, [
    [['MULTI'], OK],
    [['EXEC'], err("EXECABORT Transaction discarded because of: NOPERM this user has no permissions to run the 'exec' command")],
  ]);
});

test('ACL LOG groups repeated denials, counts, trims to acllog-max-len, and RESET empties it', async () => {
  const admin = await srv.connect();
  const c = await as('u', '+get', '~allowed');
  for (let i = 0; i < 3; i++) await runRows(c, [[['SET', 'k', 'v'], noperm('set')]]);
  await runRows(c, [[['GET', 'secret'], NOPERM_KEYS]]);
  srv.clock.advance(1500);
  const log: any[] = await ask(admin, 'ACL', 'LOG');
  assert.is(log.length, 2);
  const [first, second] = log.map((e: any[]) => Object.fromEntries(chunk(e)));
  assert.equal([first.count, first.reason, first.object], [1, 'key', 'secret']);
  assert.equal([second.count, second.reason, second.object, second.context], [3, 'command', 'set', 'toplevel']);
  assert.is(first['age-seconds'], '1.5');
  assert.equal(Object.keys(first), ['count', 'reason', 'context', 'object', 'username', 'age-seconds', 'client-info']);
  assert.is((await ask(admin, 'ACL', 'LOG', '1')).length, 1);
  assert.is((await ask(admin, 'ACL', 'LOG', '-5')).length, 0);
  await runRows(admin, [
    [['ACL', 'LOG', 'x'], err('ERR value is not an integer or out of range')],
    [['ACL', 'LOG', '1', '2'], err("ERR unknown subcommand or wrong number of arguments for 'LOG'. Try ACL HELP.")],
    [['CONFIG', 'SET', 'acllog-max-len', '2'], OK],
  ]);
  for (let i = 0; i < 4; i++) await runRows(c, [[['GET', `other${i}`], NOPERM_KEYS]]);
  assert.is((await ask(admin, 'ACL', 'LOG')).length, 2);
  await runRows(admin, [[['ACL', 'LOG', 'RESET'], OK], [['ACL', 'LOG'], arr()]]);
  // a minute apart is another entry
  await runRows(c, [[['SET', 'k', 'v'], noperm('set')]]);
  srv.clock.advance(61000);
  await runRows(c, [[['SET', 'k', 'v'], noperm('set')]]);
  assert.is((await ask(admin, 'ACL', 'LOG')).length, 2);
});

test('DELUSER closes the user\'s connections, after the reply when it is the caller\'s own', async () => {
  const admin = await srv.connect();
  const other = await as('gone', '+@all');
  const self = await as('self', '+@all');
  await runRows(admin, [
    [['ACL', 'DELUSER', 'gone', 'nobody'], int(1)],
    [['ACL', 'DELUSER', 'default'], err("ERR The 'default' user cannot be removed")],
    [['ACL', 'DELUSER', 'self', 'default'], err("ERR The 'default' user cannot be removed")], // nothing deleted
  ]);
  assert.ok(await other.waitClosed());
  await runRows(self, [[['ACL', 'DELUSER', 'self'], int(1)]]);
  assert.ok(await self.waitClosed());
  await runRows(admin, [[['ACL', 'USERS'], bulks('default')], [['PING'], status('PONG')]]);
});

test('subscribers losing a channel are disconnected; keeping or widening their channels keeps them', async () => {
  const admin = await srv.connect();
  const sub = await as('ps', '+@all', '&news', '&sport*');
  await runRows(sub, [
    [['SUBSCRIBE', 'news'], arr(bulk('subscribe'), bulk('news'), int(1))],
    [['PSUBSCRIBE', 'sport*'], arr(bulk('psubscribe'), bulk('sport*'), int(2))],
  ]);
  await runRows(admin, [[['ACL', 'SETUSER', 'ps', '&more'], OK], [['ACL', 'SETUSER', 'ps', 'allchannels'], OK]]);
  await runRows(admin, [[['ACL', 'SETUSER', 'ps', 'resetchannels', '&news', '&sport*'], OK]]);
  await runRows(sub, [[['PING'], arr(bulk('pong'), bulk(''))]]);
  await runRows(admin, [[['ACL', 'SETUSER', 'ps', 'resetchannels', '&news', '&sport1'], OK]]); // the pattern is gone
  assert.ok(await sub.waitClosed());
});

test('CLIENT KILL USER and CLIENT LIST name the user', async () => {
  const admin = await srv.connect();
  const c = await as('victim', '+@all');
  await runRows(admin, [
    [['CLIENT', 'KILL', 'USER', 'nobody'], err("ERR No such user 'nobody'")],
    [['CLIENT', 'LIST'], /user=victim/],
    [['CLIENT', 'KILL', 'USER', 'victim'], int(1)],
  ]);
  assert.ok(await c.waitClosed());
  await until(async () => !/user=victim/.test(await ask(admin, 'CLIENT', 'LIST')), 'the killed client to leave CLIENT LIST');
});

test('RESET goes back to the default user', async () => {
  const c = await as('u', '+acl', '+reset');
  await runRows(c, [[['ACL', 'WHOAMI'], bulk('u')], [['RESET'], status('RESET')], [['ACL', 'WHOAMI'], bulk('default')]]);
});

test('CAT, GENPASS, HELP, LOAD/SAVE without a file, and arity', async () => {
  const c = await srv.connect();
  await runRows(c, [
    [['ACL', 'CAT'], bulks('keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
      'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting')],
    [['ACL', 'CAT', 'nosuch'], err("ERR Unknown category 'nosuch'")],
    [['ACL', 'CAT', 'a', 'b'], err("ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.")],
    [['ACL', 'CAT', 'HyperLogLog'], /^\*\d+\r\n(\$\d+\r\npf[a-z]+\r\n)+$/],
    [['ACL', 'GENPASS'], /^\$64\r\n[0-9a-f]{64}\r\n$/],
    [['ACL', 'GENPASS', '5'], /^\$2\r\n[0-9a-f]{2}\r\n$/],
    [['ACL', 'GENPASS', '0'], err('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096')],
    [['ACL', 'GENPASS', '4097'], err('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096')],
    [['ACL', 'GENPASS', 'x'], err('ERR value is not an integer or out of range')],
    [['ACL', 'HELP'], /^\*29\r\n\+ACL <subcommand>/],
    [['ACL', 'HELP', 'x'], arity('acl|help')],
    [['ACL', 'LOAD'], err('ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.')],
    [['ACL', 'SAVE'], /^-ERR This Redis instance is not configured/],
    [['ACL'], arity('acl')],
    [['ACL', 'NOSUCH'], err("ERR unknown subcommand 'NOSUCH'. Try ACL HELP.")],
    [['ACL', 'DRYRUN', 'nobody', 'get', 'k'], err("ERR User 'nobody' not found")],
    [['ACL', 'DRYRUN', 'default', 'nosuch'], err("ERR Command 'nosuch' not found")],
    [['ACL', 'DRYRUN', 'default', 'set', 'k'], err("ERR wrong number of arguments for 'set' command")],
  ]);
  const cat = await ask(c, 'ACL', 'CAT', 'scripting');
  assert.ok(cat.includes('eval') && cat.includes('function|list') && !cat.includes('get'));
});

// ---- against real Redis ----

/**
 * Command rules list single commands in the order of Redis's command hash table, which changes with every start:
 * keep the categories in place and sort the single-command rules after them.
 */
function sortSingleRules(rules: string): string {
  const words = rules.split(' ');
  const cats = words.filter((w) => /^[+-]@/.test(w));
  const singles = words.filter((w) => !/^[+-]@/.test(w) && implemented(w.slice(1))).sort();
  return [...cats, ...singles].join(' ');
}

/** Redis has commands toyredis lacks (CLUSTER, LOLWUT, …): rules naming them are left out of the comparison. */
function implemented(rule: string): boolean {
  const [base, sub] = rule.split('|');
  const c = commandTable.get(base);
  return c !== undefined && (sub === undefined || !c.subs || c.subs.has(sub));
}

/** A reply as plain data, with command rules normalised wherever they appear (GETUSER fields, ACL LIST lines). */
function normalised(r: Reply): unknown {
  const walk = (x: Reply, prevKey?: string): unknown => {
    switch (x.kind) {
      case 'bulk': {
        const s = typeof x.value === 'string' ? x.value : x.value.toString('latin1');
        if (prevKey === 'commands') return sortSingleRules(s);
        if (s.startsWith('user ')) return s.replace(/[+-]@all(?: [^ ()]+)*/g, (m) => sortSingleRules(m));
        return s;
      }
      case 'array': case 'set': case 'map':
        return { kind: x.kind, items: x.items.map((item, i) => walk(item, i % 2 === 1 && x.items[i - 1].kind === 'bulk' ? String((x.items[i - 1] as { value: string }).value) : undefined)) };
      default:
        return x;
    }
  };
  return walk(r);
}

/** Rule sets whose descriptions must read back as Redis's; none names a command toyredis lacks. */
const RULE_SETS: string[][] = [
  [], ['on'], ['off'], ['nopass'], ['>pw'], ['>pw', '>pw2', '<pw'], ['#' + '0'.repeat(64)], ['skip-sanitize-payload'], ['sanitize-payload'],
  ['+@all'], ['allcommands'], ['-@all'], ['nocommands'], ['+@all', '-@dangerous'], ['-@all', '+@read', '+@write'],
  ['+@read', '-@keyspace'], ['+@all', '-@read', '+get'], ['+@hash', '+@set', '-hgetall'], ['+@fast'], ['+@slow'],
  ['+@admin', '-debug'], ['+get', '+set', '+del'], ['+client', '-client|kill'], ['+client|id', '+client|setname'],
  ['+@all', '-config|set', '-config|get'], ['+config', '-config|rewrite'], ['+select|0', '+select|1'], ['-select', '+select|0', '+@read'],
  ['+@all', '-select', '+select|0'], ['+@pubsub'], ['+@all', '-@pubsub', '+publish'], ['+@scripting'], ['+@stream', '-xadd'],
  ['~*'], ['allkeys'], ['~a*', '~b?', '%R~r*', '%W~w*', '%RW~rw*'], ['%R~x', '%W~x'], ['~a', 'resetkeys', '~b'], ['%RW'],
  ['&*'], ['allchannels'], ['&a', '&b*'], ['&a', 'resetchannels', '&c'], ['resetchannels'],
  ['(+get ~k*)'], ['(+@read ~r*)', '(+@write %W~w*)'], ['(~k', '+set)'], ['()'], ['(+get)', 'clearselectors'], ['(&c +publish)', '(allchannels allkeys +@all)'],
  ['on', '>pw', '+@all', '~*', '&*', '(+get ~x)'], ['reset'], ['+@all', 'reset', '+get'],
];

let redis: RunningServer | undefined;

async function withBoth(fn: (real: RawConnection, ours: RawConnection) => Promise<void>, redisArgs: string[] = []): Promise<void> {
  if (!hasRedis) return;
  redis = await startRedis(redisArgs);
  const real = await RawConnection.connect(redis.port);
  try {
    await fn(real, await srv.connect());
  } finally {
    real.close();
    await redis.stop();
  }
}

/** Send each command to both and require the same bytes (or, with `normalise`, the same normalised replies). */
async function same(real: RawConnection, ours: RawConnection, argvs: string[][], normalise = false): Promise<void> {
  for (const argv of argvs) {
    real.send(...argv);
    ours.send(...argv);
    if (normalise) assert.equal(normalised(await ours.read()), normalised(await real.read()), label(argv));
    else assert.is(await ours.readRaw(), await real.readRaw(), label(argv));
  }
}

for (const proto of [2, 3] as const) {
  test(`differential RESP${proto}: SETUSER then GETUSER and LIST describe users as Redis does`, () =>
    withBoth(async (real, ours) => {
      for (const c of [real, ours]) {
        c.send('HELLO', String(proto));
        await c.read();
      }
      const lines: string[][] = [];
      RULE_SETS.forEach((rules, i) => {
        lines.push(['ACL', 'SETUSER', `u${i}`, ...rules], ['ACL', 'GETUSER', `u${i}`]);
      });
      lines.push(['ACL', 'LIST'], ['ACL', 'USERS']);
      // rules applied on top of an existing user
      lines.push(['ACL', 'SETUSER', 'u9', '-@string', '+get', '%R~x'], ['ACL', 'GETUSER', 'u9'], ['ACL', 'LIST']);
      await same(real, ours, lines, true);
    }));
}

test('differential: ACL SETUSER errors, CAT and DRYRUN', () =>
  withBoth(async (real, ours) => {
    const bad = [
      'nosuchrule', '+nosuch', '-nosuch', '+@nosuch', '-@', '+', '+|get', '+config|nosuch', '+get|a|b', '+config|get|x', '+select|',
      '#abc', '!' + 'g'.repeat(64), '<nope', '%X~k', '%~k', '%', '~a b', '&a\tb', '(+get', '(+get ~k +bad)', ' () ', ')', '(on)', '(nopass)',
    ];
    await same(real, ours, bad.map((op) => ['ACL', 'SETUSER', 'bad', op]));
    await same(real, ours, [
      ['ACL', 'SETUSER', 'bad', 'allkeys', '~x'], ['ACL', 'SETUSER', 'bad', '&*', '&x'], ['ACL', 'SETUSER', 'bad', '(+get', '~k'],
      ['ACL', 'SETUSER', 'bad', '(allchannels &x)'], ['ACL', 'SETUSER', 'a b'], ['ACL', 'GETUSER', 'bad'], ['ACL', 'CAT'],
      ['ACL', 'CAT', 'NOSUCH'], ['ACL', 'CAT', 'a', 'b'], ['ACL', 'GENPASS', '-1'], ['ACL', 'GENPASS', '1', '2'], ['ACL', 'LOG', 'a', 'b'],
      ['ACL', 'DELUSER', 'default'], ['ACL', 'DELUSER', 'nobody'], ['ACL', 'WHOAMI'], ['ACL', 'HELP'], ['ACL', 'LOAD'], ['ACL', 'SAVE'],
    ]);
    // ACL CAT <category>: the same commands, where toyredis has them (Redis lists them in hash-table order)
    const known = new Set(await ask(ours, 'COMMAND', 'LIST'));
    for (const cat of await ask(ours, 'ACL', 'CAT')) {
      const want = (await ask(real, 'ACL', 'CAT', cat)).filter((n: string) => known.has(n)).sort();
      assert.equal((await ask(ours, 'ACL', 'CAT', cat)).sort(), want, cat);
    }
    const user = ['ACL', 'SETUSER', 'k', 'reset', 'on', 'nopass', '+@all', '-flushall', '+select|0', '~rw*', '%R~r*', '%W~w*', 'resetchannels', '&ch*', '(+get ~sel*)'];
    const dry = (...line: string[]) => ['ACL', 'DRYRUN', 'k', ...line];
    await same(real, ours, [
      user,
      dry('get', 'r1'), dry('get', 'w1'), dry('get', 'rw1'), dry('get', 'sel1'), dry('get', 'x'), dry('set', 'r1', 'v'), dry('set', 'w1', 'v'),
      dry('set', 'w1', 'v', 'GET'), dry('set', 'rw1', 'v', 'get'), dry('getdel', 'w1'), dry('getdel', 'rw1'), dry('flushall'),
      dry('select', '0'), dry('select', '1'), dry('mset', 'w1', 'a', 'w2', 'b', 'r3', 'c'), dry('mget', 'r1', 'rw2', 'w3'),
      dry('copy', 'r1', 'w1'), dry('copy', 'w1', 'r1'), dry('rename', 'rw1', 'rw2'), dry('rename', 'r1', 'w1'), dry('lmove', 'rw1', 'w1', 'LEFT', 'RIGHT'),
      dry('exists', 'r1', 'w1'), dry('exists', 'x'), dry('type', 'w1'), dry('strlen', 'w1'), dry('hexists', 'w1', 'f'), dry('sismember', 'r1', 'm'),
      dry('sintercard', '2', 'r1', 'w1'), dry('sintercard', '2', 'r1', 'r2'), dry('zinterstore', 'w1', '2', 'r1', 'r2'), dry('zinterstore', 'r1', '2', 'r1', 'r2'),
      dry('sort', 'r1', 'STORE', 'w1'), dry('sort', 'w1', 'STORE', 'w1'), dry('sort', 'r1', 'STORE', 'r2'), dry('eval', '', '1', 'r1'), dry('eval', '', '1', 'rw1'),
      dry('eval_ro', '', '1', 'r1'), dry('eval', '', '0', 'r1'), dry('eval', '', '3', 'rw1', 'rw2'),
      dry('georadius', 'r1', '0', '0', '1', 'm', 'STORE', 'w1'), dry('georadius', 'r1', '0', '0', '1', 'm', 'STOREDIST', 'r2'),
      dry('xread', 'STREAMS', 'r1', 'w1', '0', '0'), dry('xreadgroup', 'GROUP', 'g', 'c', 'STREAMS', 'rw1', '0'), dry('xreadgroup', 'GROUP', 'g', 'c', 'STREAMS', 'r1', '0'),
      dry('bitfield', 'r1', 'GET', 'u4', '0'), dry('bitfield', 'r1', 'SET', 'u4', '0', '1'), dry('bitop', 'AND', 'w1', 'r1', 'r2'),
      dry('blpop', 'rw1', 'w2', '0'), dry('object', 'encoding', 'w1'), dry('memory', 'usage', 'w1'), dry('watch', 'w1'), dry('touch', 'w1'),
      dry('publish', 'ch1', 'm'), dry('publish', 'other', 'm'), dry('subscribe', 'ch1', 'other'), dry('psubscribe', 'ch*'), dry('psubscribe', 'ch1*'),
      dry('ssubscribe', 'ch1'), dry('spublish', 'nope', 'm'), dry('unsubscribe', 'other'), dry('punsubscribe', 'x*'), dry('auth', 'a', 'b'),
      dry('pfcount', 'r1', 'w1'), dry('pfmerge', 'w1', 'r1'), dry('zcount', 'w1', '0', '1'), dry('lcs', 'r1', 'r2'), dry('keys', '*'), dry('scan', '0'),
      dry('client', 'kill', 'ID', '1'), dry('config', 'get', 'x'), dry('config'), dry('config', 'nosuch'), dry('get'), dry('get', 'a', 'b'),
    ]);
  }));

test('differential: AUTH and HELLO with users, in and out of MULTI, and what the log says about them', () =>
  withBoth(async (real, ours) => {
    await same(real, ours, [
      ['ACL', 'SETUSER', 'alice', 'on', '>pw', '+@all', '~*'], ['ACL', 'SETUSER', 'off', '>pw', '+@all'], ['ACL', 'SETUSER', 'bin', 'on', '>a\0b', '+@all'],
      ['ACL', 'LOG', 'RESET'],
    ]);
    const [r, o] = [await RawConnection.connect(redis!.port), await srv.connect()];
    try {
      // HELLO's successful reply carries the connection id: only its refusals are compared byte for byte
      const lines = [
        ['AUTH', 'pw'], ['AUTH', 'alice', 'nope'], ['AUTH', 'off', 'pw'], ['AUTH', 'nobody', 'pw'], ['AUTH', 'bin', 'a'], ['AUTH', 'bin', 'a\0b'],
        ['ACL', 'WHOAMI'], ['AUTH', 'a', 'b', 'c'], ['HELLO', '3', 'AUTH', 'alice', 'nope'], ['HELLO', '2', 'AUTH', 'alice', 'pw', 'SETNAME', 'a b'],
        ['ACL', 'WHOAMI'], ['CLIENT', 'GETNAME'], ['HELLO', '2', 'SETNAME', 'n1', 'AUTH', 'nobody', 'x'], ['CLIENT', 'GETNAME'], ['HELLO', '2', 'FOO\0BAR'],
        ['MULTI'], ['AUTH', 'alice', 'wrong'], ['AUTH', 'default', 'x'], ['EXEC'], ['ACL', 'WHOAMI'],
        ['CONFIG', 'SET', 'requirepass', 'sekret'], ['AUTH', 'sekret'], ['AUTH', 'default', 'sekret'], ['ACL', 'GETUSER', 'default'],
        ['CONFIG', 'SET', 'requirepass', ''], ['ACL', 'GETUSER', 'default'], ['AUTH', 'x'], ['RESET'], ['ACL', 'WHOAMI'],
      ];
      for (const line of lines) {
        r.send(...line);
        o.send(...line);
        const [want, got] = [await r.readRaw(), await o.readRaw()];
        if (line[0] === 'HELLO' && !want.startsWith('-')) assert.ok(!got.startsWith('-'), `${label(line)}: ${got}`);
        else assert.is(got, want, label(line));
      }
    } finally {
      r.close();
      o.close();
    }
    const strip = (log: any[]) => log.map((e: any[]) => chunk(e).filter(([k]) => k !== 'age-seconds' && k !== 'client-info'));
    assert.equal(strip(await ask(ours, 'ACL', 'LOG')), strip(await ask(real, 'ACL', 'LOG')));
    await same(real, ours, [['CLIENT', 'KILL', 'USER', 'nobody'], ['CLIENT', 'KILL', 'USER', 'alice'], ['ACL', 'DELUSER', 'alice', 'off', 'x']]);
  }));

test('differential: permission errors as the user sees them, one connection per user', () =>
  withBoth(async (real, ours) => {
    const users: string[][] = [
      ['ro', '+@all', '%R~*'], ['wo', '+@all', '%W~*'], ['k', '+@all', '~k*'], ['cmds', '+@read', '-get', '~*'], ['ch', '+@all', '~*', '&c*'],
      ['sel', '-@all', '(+get ~g*)', '(+set ~s*)'], ['none', '-@all'],
    ];
    const lines: string[][] = [
      ['GET', 'k1'], ['SET', 'k1', 'v'], ['SET', 'k1', 'v', 'GET'], ['GETSET', 'k1', 'v'], ['MGET', 'k1', 'x1'], ['MSET', 'k1', 'a', 'x', 'b'],
      ['DEL', 'k1'], ['UNLINK', 'k1'], ['EXPIRE', 'k1', '100'], ['TTL', 'k1'], ['INCR', 'k1'], ['APPEND', 'k1', 'x'], ['LPUSH', 'k1', 'a'], ['LRANGE', 'k1', '0', '-1'],
      ['SADD', 's1', 'a'], ['SMEMBERS', 's1'], ['SINTERSTORE', 'k2', 's1', 'g1'], ['HSET', 'h', 'f', 'v'], ['HGET', 'h', 'f'], ['ZADD', 'z', '1', 'a'],
      ['ZRANGESTORE', 'k3', 'z', '0', '-1'], ['XADD', 'x', '*', 'f', 'v'], ['XLEN', 'x'], ['PFADD', 'p', 'a'], ['SETBIT', 'b', '1', '1'], ['BITCOUNT', 'b'],
      ['RENAME', 'k1', 'k2'], ['COPY', 'k1', 'g2'], ['KEYS', '*'], ['DBSIZE'], ['PING'], ['ECHO', 'e'], ['PUBLISH', 'c1', 'm'], ['PUBLISH', 'd', 'm'],
      ['SUBSCRIBE', 'd'], ['PSUBSCRIBE', 'c*'], ['CONFIG', 'GET', 'maxmemory'], ['CLIENT', 'ID'], ['INFO', 'server'], ['FLUSHALL'],
      ['MULTI'], ['GET', 'k1'], ['SET', 'x', 'v'], ['EXEC'], ['SELECT', '0'],
      // SORT's BY and GET patterns read keys no key spec names: they need read access to every key
      ['RPUSH', 'kl', '2', '1'], ['SORT', 'kl'], ['SORT', 'kl', 'BY', 'nosort'], ['SORT', 'kl', 'BY', 'w_*'], ['SORT_RO', 'kl', 'BY', 'k*'],
      ['SORT', 'kl', 'GET', '#'], ['SORT', 'kl', 'LIMIT', '0', '1', 'GET', 'k*'], ['SORT', 'kl', 'BADOPT', 'BY', 'w_*'], ['SORT', 'kl', 'BY', 'w_*', 'BADOPT'],
      // a script runs with its caller's permissions: each command it calls is checked, and acl_check_cmd asks
      ['EVAL', "return redis.pcall('GET', 'k1')", '0'], ['EVAL', "return redis.call('SET', 'k1', 'v')", '0'],
      ['EVAL', "return redis.pcall('SET', KEYS[1], 'v')", '1', 'g9'], ['EVAL', "return redis.pcall('PUBLISH', 'd', 'm')", '0'],
      ['EVAL', "return {redis.acl_check_cmd('GET', 'k1'), redis.acl_check_cmd('SET', 'x', 'v'), redis.acl_check_cmd('PING')}", '0'],
      ['EVAL', "return redis.acl_check_cmd('NOSUCH')", '0'],
      ['AUTH', 'nobody', 'x'],
    ];
    for (const [name, ...rules] of users) {
      await same(real, ours, [['ACL', 'SETUSER', name, 'reset', 'on', '>pw', ...rules]]);
    }
    for (const [name] of users) {
      const [r, o] = [await RawConnection.connect(redis!.port), await srv.connect()];
      try {
        // INFO, CLIENT ID and similar answer differently on the two servers: only their refusals are compared
        const varying = new Set(['INFO', 'CLIENT', 'DBSIZE', 'KEYS', 'XADD']);
        for (const line of [['AUTH', name, 'pw'], ...lines]) {
          r.send(...line);
          o.send(...line);
          const [want, got] = [await r.readRaw(), await o.readRaw()];
          if (varying.has(line[0]) && !want.startsWith('-')) assert.ok(!got.startsWith('-'), `${name}: ${label(line)}: ${got}`);
          else assert.is(got, want, `${name}: ${label(line)}`);
        }
      } finally {
        r.close();
        o.close();
      }
    }
    // the log has the same entries, but for times and client details
    const strip = (log: any[]) => log.map((e: any[]) => chunk(e).filter(([k]) => k !== 'age-seconds' && k !== 'client-info'));
    assert.equal(strip(await ask(ours, 'ACL', 'LOG', '200')), strip(await ask(real, 'ACL', 'LOG', '200')));
  }));

test.run();
