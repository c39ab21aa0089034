import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commandTable } from '../../lib/commands';
import {
  aclOf, commandDenial, describeCommandRules, hasUnrestrictedKeyAccess, mergeSelectorArguments, scriptDenial, sha256Hex,
  User, type RuleContext,
} from '../../lib/server/acl';
import { AclLog } from '../../lib/server/acl-log';
import { ConfigError } from '../../lib/server/config';
import { FatalStartupError } from '../../lib/server/persistence';
import { runRows, startInProcess, type InProcess } from '../helpers/inprocess';
import { mulberry32 } from '../helpers/random';
import { tempDir } from '../helpers/servers';
import { ask, bulk, bulks, err, int, NIL, OK } from '../helpers/resp';

const test = suite('server/acl');

const ctx: RuleContext = { pubsubAll: false, warn: () => {} };

/** A user with `rules` applied, failing on the first refused one. */
function user(...rules: string[]): User {
  const u = new User('u', false);
  for (const r of rules) assert.is(u.apply(r, ctx), null, r);
  return u;
}

const cmd = (...argv: string[]) => {
  const c = commandTable.lookup(argv);
  assert.ok(c, argv[0]);
  return c!;
};
const denial = (u: User, ...argv: string[]) => {
  const d = commandDenial(u, cmd(...argv), argv);
  return d === null ? 'ok' : d.reason === 'command' ? 'command' : `${d.reason}:${argv[d.pos]}`;
};

// ---- the model ----

test('a description applied to a fresh user rebuilds the same permissions (the check ACLDescribeUser ends with)', () => {
  const rand = mulberry32(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const cats = ['read', 'write', 'string', 'hash', 'admin', 'fast', 'slow', 'dangerous', 'pubsub', 'scripting', 'keyspace', 'connection'];
  const names = ['get', 'set', 'config', 'config|get', 'client|kill', 'client', 'del', 'hset', 'eval', 'object|encoding', 'publish'];
  for (let round = 0; round < 300; round++) {
    const rules: string[] = [pick(['+@all', '-@all', 'allcommands', 'nocommands', '+@read'])];
    const n = 1 + Math.floor(rand() * 8);
    for (let i = 0; i < n; i++) {
      const r = rand();
      if (r < 0.4) rules.push(`${pick(['+', '-'])}@${pick(cats)}`);
      else if (r < 0.8) rules.push(`${pick(['+', '-'])}${pick(names)}`);
      else if (r < 0.9) rules.push(`+select|${Math.floor(rand() * 3)}`);
      else rules.push(pick(['~a*', '%R~r*', '%W~w*', '&ch', 'resetkeys', 'allkeys', '(+get ~x)']));
    }
    const u = new User('u', false);
    for (const r of rules) u.apply(r, ctx); // a pattern after allkeys is refused: fine here
    const again = new User('u', false);
    for (const r of u.describe().split(/ (?![^(]*\))/)) assert.is(again.apply(r, ctx), null, r);
    assert.is(again.describe(), u.describe(), rules.join(' '));
    assert.equal([...again.root.allowed], [...u.root.allowed], rules.join(' '));
  }
});

test('+@all keeps the bit for commands added later; listing every command does not', () => {
  assert.is(describeCommandRules(user('+@all', '-get', '+get').root), '+@all');
  const every = user('-@all', ...[...commandTable.all()].map((c) => `+${c.name.toLowerCase()}`));
  assert.is(describeCommandRules(every.root).split(' ')[0], '-@all');
  assert.ok(user('+@all', '-get', '+get').root.allCommands === false, 'a removed command clears the all-commands flag');
});

test('selectors: a command runs when one selector allows all of it; the denial names the last key no selector matched', () => {
  const u = user('+mget', '~key', '(+mget ~key ~otherkey)');
  assert.is(denial(u, 'GET', 'key'), 'command');
  assert.is(denial(u, 'MGET', 'key', 'otherkey'), 'ok');
  assert.is(denial(u, 'MGET', 'otherkey', 'someotherkey'), 'key:someotherkey');
  assert.is(denial(u, 'MGET', 'key', 'otherkey', 'someotherkey'), 'key:someotherkey');
  const rw = user('(%R~read* +@all)', '(%W~write* +@all)');
  assert.is(denial(rw, 'COPY', 'read', 'write'), 'key:write'); // permissions of two selectors do not add up
  assert.is(denial(rw, 'LPUSH', 'writelist', '1'), 'ok');
  const ch = user('+@all', '~*', 'resetchannels', '&a*', '(+@all &b)');
  assert.is(denial(ch, 'PUBLISH', 'b', 'm'), 'ok');
  assert.is(denial(ch, 'SUBSCRIBE', 'a1', 'b'), 'channel:b');
  assert.is(denial(ch, 'PSUBSCRIBE', 'a*'), 'ok');
  assert.is(denial(ch, 'PSUBSCRIBE', 'a1'), 'channel:a1');
});

test('key permissions follow each key spec\'s access/update/insert/delete flags', () => {
  const u = user('+@all', '%R~r*', '%W~w*');
  assert.is(denial(u, 'SET', 'w', 'v'), 'ok'); // OW update
  assert.is(denial(u, 'SET', 'w', 'v', 'GET'), 'key:w'); // RW access update
  assert.is(denial(u, 'SET', 'r', 'v'), 'key:r');
  assert.is(denial(u, 'BITFIELD', 'r', 'GET', 'u4', '0'), 'ok');
  assert.is(denial(u, 'BITFIELD', 'r', 'SET', 'u4', '0', '1'), 'key:r');
  assert.is(denial(u, 'EXISTS', 'w1', 'r1'), 'ok'); // no access flag: any permission will do
  assert.is(denial(u, 'SINTERCARD', '2', 'r1', 'w1'), 'key:w1');
  assert.is(denial(u, 'SORT', 'r', 'STORE', 'w'), 'ok');
  assert.is(denial(u, 'EVAL', '', '1', 'w'), 'key:w');
  assert.is(denial(u, 'EVAL_RO', '', '1', 'r'), 'ok');
});

test('SORT BY and GET patterns need read access to every key (ACLUserCheckCmdWithUnrestrictedKeyAccess)', () => {
  const argv = ['SORT', 'mylist', 'BY', 'v*'];
  const full = (...rules: string[]) => hasUnrestrictedKeyAccess(user(...rules), cmd(...argv), argv, ['access']);
  assert.is(full('(+sort ~mylist)'), false);
  assert.is(full('(+sort ~mylist ~v*)'), false);
  assert.is(full('(+sort ~mylist %W~*)'), false);
  assert.is(full('(+sort ~mylist %R~*)'), true);
  assert.is(full('+@all', 'allkeys'), true);
  assert.is(hasUnrestrictedKeyAccess(null, cmd(...argv), argv, ['access']), true);
});

test('rules: first args, subcommands, passwords, flags and reset', () => {
  const u = user('+select|0', '+SELECT|0', '+select|Db');
  assert.is(describeCommandRules(u.root), '-@all +select|0 +select|Db');
  assert.is(denial(u, 'SELECT', 'db'), 'ok'); // compared without case
  assert.is(denial(u, 'SELECT', '1'), 'command');
  assert.is(user('+@all', '-client', '+client|id').describe(), 'off resetchannels +@all -client +client|id');
  const p = user('>a', '>b', '<a', 'on');
  assert.equal(p.passwords, [sha256Hex('b')]);
  assert.is(p.apply('!' + sha256Hex('a'), ctx), 'noSuchPassword');
  assert.is(user('nopass', '>x').nopass, false);
  assert.is(user('skip-sanitize-payload').describe(), 'off skip-sanitize-payload resetchannels -@all');
  assert.is(user('on', '>x', '+@all', '~*', '&*', '(+get)', 'reset').describe(), 'off sanitize-payload resetchannels -@all');
  const all = new User('u', true);
  assert.is(all.apply('reset', { ...ctx, pubsubAll: true }), null);
  assert.is(all.describe(), 'off sanitize-payload &* -@all'); // acl-pubsub-default allchannels
  // an opening parenthesis replaces one still open; unbalanced quotes inside make an empty selector
  assert.equal(mergeSelectorArguments(['(a', '(b', 'c)', 'd']), { rules: ['(b c)', 'd'] });
  assert.equal(mergeSelectorArguments(['x', '(a', 'b']), { unmatched: 1 });
  assert.is(user('("+get)').describe(), 'off resetchannels -@all (resetchannels -@all)');
});

test('the log groups like entries within a minute among the last ten, newest first', () => {
  const log = new AclLog();
  const e = (object: string, ctime: number) => ({ reason: 'key' as const, context: 'toplevel' as const, object, username: 'u', ctime, clientInfo: `t=${ctime}` });
  log.add(e('a', 0), 128);
  log.add(e('b', 1), 128);
  log.add(e('a', 2), 128);
  assert.equal(log.entries.map((x) => [x.object, x.count, x.clientInfo]), [['a', 2, 't=2'], ['b', 1, 't=1']]);
  log.add(e('a', 62003), 128);
  assert.equal(log.entries.map((x) => x.count), [1, 2, 1]);
  for (let i = 0; i < 12; i++) log.add(e(`k${i}`, 70000), 128);
  log.add(e('b', 70000), 3);
  assert.equal(log.entries.map((x) => x.object), ['b', 'k11', 'k10']); // b was too far back to be found
});

// ---- on a server ----

let srv: InProcess | undefined;
test.after.each(async () => {
  await srv?.stop();
  srv = undefined;
});

test('scripts are checked against the caller\'s user and logged with context lua, the caller\'s EVAL in its client info', async () => {
  srv = await startInProcess();
  const admin = await srv.connect();
  await runRows(admin, [[['ACL', 'SETUSER', 'u', 'on', 'nopass', '+eval', '~k*'], OK]]);
  const c = await srv.connect();
  const script = "return redis.pcall('GET', ARGV[1])"; // the key as an argument: EVAL itself would be refused a key
  await runRows(c, [
    [['AUTH', 'u', 'x'], OK],
    [['EVAL', script, '0', 'k1'], err("ERR The user executing the script can't run this command or subcommand")],
    [['EVAL', "return redis.acl_check_cmd('GET', 'k1')", '0'], NIL],
  ]);
  const log = aclOf(srv.server).log.entries[0];
  assert.equal([log.context, log.object, log.username], ['lua', 'get', 'u']);
  assert.match(log.clientInfo, / cmd=eval user=u /);
  await runRows(admin, [[['ACL', 'SETUSER', 'u', '+get'], OK]]);
  await runRows(c, [
    [['EVAL', script, '0', 'x'], err("ERR The user executing the script can't access at least one of the keys mentioned in the command arguments")],
    [['EVAL', script, '0', 'k1'], NIL],
    [['EVAL', "return redis.acl_check_cmd('GET', 'k1')", '0'], int(1)],
  ]);
});

test('`user` directives: checked when read, applied at startup; the default user can be redefined', async () => {
  srv = await startInProcess({ config: [['requirepass', 'old'], ['user', 'default on nopass ~* +@all'], ['user', 'alice on >pw (+get ~a*) -@all']] });
  const c = await srv.connect();
  await runRows(c, [
    [['ACL', 'LIST'], bulks('user alice on #' + sha256Hex('pw') + ' resetchannels -@all (~a* resetchannels -@all +get)', 'user default on nopass sanitize-payload ~* resetchannels +@all')], // redefining resets it first
    [['SUBSCRIBE', 'x'], err('NOPERM this user has no permissions to access one of the channels used as arguments')],
  ]);
  await srv.stop();
  srv = undefined;
  const start = (...users: string[]) => startInProcess({ config: users.map((u) => ['user', u] as [string, string]) });
  const failure = async (...users: string[]) => start(...users).then((s) => (srv = s, 'started'), (e: Error) => e);
  const dup = await failure('foo', 'foo');
  assert.instance(dup, ConfigError);
  assert.match((dup as Error).message, /Error in user declaration 'foo': Duplicate user found/);
  assert.match(((await failure('default', 'default')) as Error).message, /Duplicate user/);
  assert.match(((await failure('bob on nosuchrule')) as Error).message, /Error in user declaration '.*': Syntax error/);
  // unknown commands pass the first check (they might come from modules) and stop the server at startup
  assert.instance(await failure('bob on +nosuchcommand'), FatalStartupError);
});

test('requirepass at startup is the default user\'s password unless `user default` says otherwise', async () => {
  srv = await startInProcess({ config: [['requirepass', 'pw']] });
  const c = await srv.connect();
  await runRows(c, [[['PING'], err('NOAUTH Authentication required.')], [['AUTH', 'pw'], OK], [['PING'], '+PONG\r\n']]);
});

test('the ACL file: loaded at startup, written by ACL SAVE, reloaded by ACL LOAD all or nothing', async () => {
  const dir = tempDir('toyredis-acl-');
  const file = path.join(dir, 'users.acl');
  writeFileSync(file, 'user alice on >alice ~* &* +@all\n\n  user bob on -@all +@set +acl ~set* >bob  \n');
  srv = await startInProcess({ config: [['dir', dir], ['aclfile', 'users.acl']] });
  const admin = await srv.connect();
  const bob = await srv.connect();
  await runRows(bob, [[['AUTH', 'bob', 'bob'], OK], [['SADD', 'set1', 'a'], ':1\r\n'], [['SET', 'k', 'v'], err("NOPERM this user has no permissions to run the 'set' command")]]);
  await runRows(admin, [
    // no default user in the file: the initial one
    [['ACL', 'LIST'], bulks('user alice on #' + sha256Hex('alice') + ' ~* &* +@all', 'user bob on #' + sha256Hex('bob') + ' ~set* resetchannels -@all +@set +acl', 'user default on nopass ~* &* +@all')],
    [['ACL', 'SETUSER', 'eve', 'on', '>eve', '+get', 'allkeys'], OK],
    [['ACL', 'SAVE'], OK],
  ]);
  assert.is(readFileSync(file, 'latin1'), [
    'user alice on #' + sha256Hex('alice') + ' ~* &* +@all',
    'user bob on #' + sha256Hex('bob') + ' ~set* resetchannels -@all +@set +acl',
    'user default on nopass ~* &* +@all',
    'user eve on #' + sha256Hex('eve') + ' ~* resetchannels -@all +get',
    '',
  ].join('\n'));
  // a broken file changes nothing, and every problem is reported
  writeFileSync(file, 'user alice on nopass\nuser alice off\nuser carl +nosuch bad\nnotuser x\nuser\n');
  await runRows(admin, [
    [['ACL', 'LOAD'], err("ERR WARNING: Duplicate user 'alice' found on line 2. users.acl:3: Error in applying operation '+nosuch': Unknown command or category name in ACL. users.acl:3: Syntax error. users.acl:4 should start with user keyword followed by the username. users.acl:5 should start with user keyword followed by the username. WARNING: ACL errors detected, no change to the previously active ACL rules was performed")],
    [['ACL', 'USERS'], bulks('alice', 'bob', 'default', 'eve')],
  ]);
  // a good one replaces the users; connections of the old users are closed, the default user's stay
  writeFileSync(file, 'user default on nopass ~* &* -@all +acl +ping\nuser bob on nopass +@all\n');
  await runRows(admin, [[['ACL', 'LOAD'], OK], [['ACL', 'USERS'], bulks('bob', 'default')], [['GET', 'k'], err("NOPERM this user has no permissions to run the 'get' command")]]);
  assert.ok(await bob.waitClosed());
  rmFile(file);
  await runRows(admin, [[['ACL', 'LOAD'], err("ERR Error loading ACLs, opening file 'users.acl': No such file or directory")]]);
});

function rmFile(file: string): void {
  require('node:fs').rmSync(file);
}

test('the ACL file and `user` lines together, or a broken file, stop the server at startup', async () => {
  const dir = tempDir('toyredis-acl-');
  writeFileSync(path.join(dir, 'a.acl'), 'user x +nosuch\n');
  const logs: string[] = [];
  const start = (config: [string, string][]) =>
    startInProcess({ config: [['dir', dir], ...config], logSink: (l) => logs.push(l) }).then((s) => (srv = s, null), (e: Error) => e);
  assert.instance(await start([['aclfile', 'a.acl'], ['user', 'bob on']]), FatalStartupError);
  assert.ok(logs.some((l) => l.includes('please define either an ACL file or declare users directly in your redis.conf, but not both')));
  assert.instance(await start([['aclfile', 'a.acl']]), FatalStartupError);
  assert.ok(logs.some((l) => l.includes("Aborting Redis startup because of ACL errors: a.acl:1: Error in applying operation '+nosuch'")));
  assert.instance(await start([['aclfile', 'missing.acl']]), FatalStartupError);
});

test('acl-pubsub-default: new users and `reset` get every channel when allchannels; existing users keep theirs', async () => {
  srv = await startInProcess();
  const c = await srv.connect();
  await runRows(c, [
    [['ACL', 'SETUSER', 'before'], OK],
    [['CONFIG', 'SET', 'acl-pubsub-default', 'allchannels'], OK],
    [['ACL', 'SETUSER', 'after'], OK],
    [['ACL', 'SETUSER', 'after', '&x'], err("ERR Error in ACL SETUSER modifier '&x': Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels")],
    [['ACL', 'LIST'], bulks('user after off &* -@all', 'user before off resetchannels -@all', 'user default on nopass ~* &* +@all')],
    [['CONFIG', 'SET', 'acl-pubsub-default', 'resetchannels'], OK],
    [['ACL', 'GETUSER', 'after'], /channels\r\n\$2\r\n&\*\r\n/],
    [['ACL', 'GETUSER', 'nobody'], NIL],
  ]);
  assert.is(await ask(c, 'ACL', 'WHOAMI'), 'default');
  assert.is(bulk('x'), '$1\r\nx\r\n');
});

test.run();
