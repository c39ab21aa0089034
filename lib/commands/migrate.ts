/**
 * MIGRATE (cluster.c): move keys to another server as DUMP payloads it RESTOREs, deleting them here once it has
 * acknowledged each (unless COPY). Redis does this with blocking socket calls and so does toyredis: the exchange
 * runs in a short-lived child process that this one waits for, so the server is held for the transfer exactly as
 * Redis is held (inside MULTI and scripts too), and migrating to itself times out reading, as in Redis.
 */
import { execFileSync } from 'node:child_process';
import { ERR_SYNTAX, fail } from '../protocol/errors';
import { encodeCommand, error, OK, simple, type Reply } from '../protocol/reply';
import { NO_EXPIRY } from '../store/keyspace';
import { notifyKeyspaceEvent, NOTIFY_GENERIC } from '../server/notify';
import { atoi, longArg, type ArgCursor } from './args';
import { block, integer, key, oneof, str, tok } from './docs';
import { dumpPayload, objectOptions } from './dump';
import { afterKeyword, keyAt, range } from './keyspecs';
import type { CommandContext, CommandSpec, KeyRef } from './types';

export const migrateCommands: readonly CommandSpec[] = [
  {
    name: 'MIGRATE', arity: -6, flags: ['write'], group: 'generic', since: '2.6.0',
    summary: 'Move keys to another Redis server atomically: DUMP here, RESTORE there, then DEL here.',
    complexity: 'This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.',
    acl: ['@keyspace', '@dangerous'], tips: ['nondeterministic_output'], run: migrateCommand,
    keySpecs: [keyAt(3, 'RW access delete'), keyAt(afterKeyword('KEYS', -2), 'RW access delete incomplete', range(-1))],
    getKeys: migrateKeys,
    args: [
      str('host'), integer('port'), oneof('key_or_empty_string', key('key'), tok('', 'empty_string')), integer('destination-db'),
      integer('timeout'), tok('COPY').opt.since('3.0.0'), tok('REPLACE').opt.since('3.0.0'),
      oneof('authentication', str('password').token('AUTH').opt.since('4.0.7'),
        block('username_password', str('username'), str('password')).token('AUTH2').opt.since('6.0.0')).opt,
      key('key', 1).token('KEYS').opt.many.since('3.0.6'),
    ],
    history: [['3.0.0', 'Added the `COPY` and `REPLACE` options.'], ['3.0.6', 'Added the `KEYS` option.'], ['4.0.7', 'Added the `AUTH` option.'], ['6.0.0', 'Added the `AUTH2` option.']],
  },
];

/** migrateGetKeys(): the key argument, or everything after KEYS when the key argument is empty. */
export function migrateKeys(argv: readonly string[]): KeyRef[] {
  const flags = ['RW', 'access', 'delete'] as KeyRef['flags'];
  for (let i = 6; i < argv.length; i++) {
    const opt = argv[i].toLowerCase();
    if (opt === 'auth') i++;
    else if (opt === 'auth2') i += 2;
    else if (opt === 'keys') {
      if (argv[3].length !== 0) return [];
      return argv.slice(i + 1).map((_, j) => ({ pos: i + 1 + j, flags }));
    }
  }
  return [{ pos: 3, flags }];
}

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2 username password] [KEYS key ...]
function migrateCommand(ctx: CommandContext, _args: ArgCursor): Reply {
  const { argv, db, server } = ctx;
  let copy = false, replace = false, username: string | null = null, password: string | null = null;
  let firstKey = 3, numKeys = 1;
  for (let j = 6; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = argv.length - 1 - j;
    if (opt === 'copy') copy = true;
    else if (opt === 'replace') replace = true;
    else if (opt === 'auth') {
      if (more < 1) fail(ERR_SYNTAX);
      password = argv[++j];
    } else if (opt === 'auth2') {
      if (more < 2) fail(ERR_SYNTAX);
      username = argv[++j];
      password = argv[++j];
    } else if (opt === 'keys') {
      if (argv[3].length !== 0) fail('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      firstKey = j + 1;
      numKeys = argv.length - j - 1;
      break;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  let timeout = longArg(argv[5]);
  const dbid = longArg(argv[4]);
  if (timeout <= 0) timeout = 1000;
  const keys: string[] = [];
  for (let j = 0; j < numKeys; j++) if (db.lookupRead(argv[firstKey + j]) !== undefined) keys.push(argv[firstKey + j]);
  if (keys.length === 0) return simple('NOKEY');

  // What goes to the target, as one buffer: AUTH, SELECT (a fresh connection has no db selected), then a RESTORE
  // per key with its remaining TTL.
  const parts: Buffer[] = [];
  if (password !== null) parts.push(encodeCommand(username !== null ? ['AUTH', username, password] : ['AUTH', password]));
  parts.push(encodeCommand(['SELECT', String(dbid)]));
  const options = objectOptions(server);
  const now = server.keyspace.now;
  const sent: string[] = [];
  for (const k of keys) {
    const e = db.peek(k)!;
    let ttl = 0;
    if (e.expiresAt !== NO_EXPIRY) {
      ttl = e.expiresAt - now;
      if (ttl < 0) continue;
      if (ttl < 1) ttl = 1;
    }
    const payload = dumpPayload(e.value, options).latin1Slice();
    parts.push(encodeCommand(replace ? ['RESTORE', k, String(ttl), payload, 'REPLACE'] : ['RESTORE', k, String(ttl), payload]));
    sent.push(k);
  }
  const request = Buffer.concat(parts);
  const expected = (password !== null ? 1 : 0) + 1 + sent.length;
  const host = argv[1], port = String(atoi(argv[2]));

  // One retry when nothing was read and it was not a timeout (a connection that failed at once), as Redis does.
  let result = exchange(host, port, timeout, request, expected);
  if (result.error !== null && result.error !== 'connect' && result.lines.length === 0 && !result.timedOut) {
    result = exchange(host, port, timeout, request, expected);
  }
  if (result.error === 'connect') return error('IOERR error or timeout connecting to the client');
  if (result.error === 'write') return error('IOERR error or timeout writing to target instance');

  const lines = result.lines;
  const authLine = password !== null ? lines.shift() : undefined;
  const selectLine = lines.shift();
  if (authLine === undefined && password !== null) return error('IOERR error or timeout reading to target instance');
  if (selectLine === undefined) return error('IOERR error or timeout reading to target instance');
  let targetError: string | null = null;
  const deleted: string[] = [];
  for (let j = 0; j < sent.length && j < lines.length; j++) {
    const line = lines[j];
    const failedLine = authLine?.startsWith('-') ? authLine : selectLine.startsWith('-') ? selectLine : line.startsWith('-') ? line : null;
    if (failedLine !== null) {
      targetError ??= `ERR Target instance replied with error: ${failedLine.slice(1)}`;
    } else if (!copy) {
      // acknowledged: the key leaves this server
      const k = sent[j];
      if (db.delete(k)) {
        notifyKeyspaceEvent(server, NOTIFY_GENERIC, 'del', k, db.id);
        server.keyspace.dirty++;
        deleted.push(k);
      }
    }
  }
  // replicas and the AOF see the keys that went as one DEL (or nothing, if none did)
  ctx.rewrite = deleted.length ? ['DEL', ...deleted] : null;
  if (targetError !== null) return error(targetError);
  if (lines.length < sent.length) return error('IOERR error or timeout reading to target instance');
  return OK;
}

interface Exchange {
  error: 'connect' | 'write' | 'read' | null;
  timedOut: boolean;
  lines: string[];
}

/**
 * The blocking part, in a child process: connect within `timeout` ms, write the request, read `expected` reply lines
 * (AUTH, SELECT and RESTORE all answer one line), each within `timeout` ms. A refused connection counts as a
 * failed write, as Redis's non-blocking connect reports it.
 */
function exchange(host: string, port: string, timeout: number, request: Buffer, expected: number): Exchange {
  try {
    const out = execFileSync(process.execPath, ['-e', CHILD, host, port, String(timeout), String(expected)], {
      input: request,
      encoding: 'latin1',
      timeout: timeout * (expected + 2) + 30_000, // a hang of the child itself (its start on a loaded machine included)
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    return JSON.parse(out) as Exchange;
  } catch {
    return { error: 'read', timedOut: true, lines: [] };
  }
}

/** The child: plain Node, no modules of ours (it runs from the bundle's process.execPath with -e). */
const CHILD = `
const net = require('net');
const [host, port, timeoutText, expectedText] = process.argv.slice(1);
const timeout = Number(timeoutText), expected = Number(expectedText);
const chunks = [];
process.stdin.on('data', (d) => chunks.push(d));
process.stdin.on('end', () => {
  const request = Buffer.concat(chunks);
  const lines = [];
  let connected = false, written = false, buffered = '', done = false;
  const finish = (error, timedOut) => {
    if (done) return;
    done = true;
    process.stdout.write(JSON.stringify({ error, timedOut: !!timedOut, lines }), () => process.exit(0));
  };
  const s = net.connect({ host, port: Number(port) });
  s.setNoDelay(true);
  let timer = setTimeout(() => finish(connected ? (written ? 'read' : 'write') : 'connect', true), timeout);
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => finish(written ? 'read' : 'write', true), timeout);
  };
  s.on('connect', () => {
    connected = true;
    rearm();
    s.write(request, () => { written = true; rearm(); });
  });
  s.on('data', (d) => {
    buffered += d.toString('latin1');
    let i;
    while ((i = buffered.indexOf('\\r\\n')) >= 0) {
      lines.push(buffered.slice(0, i).slice(0, 1023));
      buffered = buffered.slice(i + 2);
      if (lines.length === expected) return finish(null, false);
    }
    rearm();
  });
  s.on('error', () => finish(connected && written ? 'read' : 'write', false));
  s.on('close', () => finish(connected && written ? 'read' : 'write', false));
});
`;
