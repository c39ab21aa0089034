/** Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (multi.c). The client machine holds the `multi` mode. */
import {
  ERR_DISCARD_WITHOUT_MULTI, ERR_EXECABORT, ERR_EXEC_WITHOUT_MULTI, ERR_MULTI_NESTED, ERR_WATCH_IN_MULTI, fail,
} from '../protocol/errors';
import { array, error, NIL_ARRAY, OK, type Reply } from '../protocol/reply';
import { execDenial } from '../server/acl';
import { call } from './index';
import { BLOCKED, NO_REPLY, type CommandContext, type CommandSpec } from './types';
import type { ArgCursor } from './args';
import { key } from './docs';
import { keyAt, range } from './keyspecs';

const TX = ['@transaction'] as const;

export const transactionCommands: readonly CommandSpec[] = [
  { name: 'MULTI', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], group: 'transactions', since: '1.2.0', summary: 'Start a transaction.', complexity: 'O(1)', acl: TX, run: multiCommand },
  { name: 'EXEC', arity: 1, flags: ['noscript', 'loading', 'stale', 'skip_slowlog'], group: 'transactions', since: '1.2.0', summary: 'Run all commands queued since MULTI.', complexity: 'Depends on commands in the transaction', acl: TX, run: execCommand },
  { name: 'DISCARD', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], group: 'transactions', since: '2.0.0', summary: 'Drop the commands queued since MULTI.', complexity: 'O(N), when N is the number of queued commands', acl: TX, run: discardCommand },
  { name: 'WATCH', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], group: 'transactions', since: '2.2.0', summary: 'Make the next EXEC fail if any of these keys changes first.', complexity: 'O(1) for every key', acl: TX, run: watchCommand,
    keySpecs: [keyAt(1, 'RO', range(-1))], args: [key('key').many] },
  { name: 'UNWATCH', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], group: 'transactions', since: '2.2.0', summary: 'Forget all watched keys.', complexity: 'O(1)', acl: TX, run: unwatchCommand },
];

// MULTI
function multiCommand({ client }: CommandContext): Reply {
  if (client.mode === 'multi') fail(ERR_MULTI_NESTED);
  client.send({ type: 'command.multi' });
  return OK;
}

/** isWatchedKeyExpired(): a watched key that was alive at WATCH and has logically expired since. */
function watchedKeyExpired(ctx: CommandContext): boolean {
  const now = ctx.server.keyspace.now;
  for (const [db, keys] of ctx.client.watched) {
    for (const [key, expiredAtWatch] of keys) {
      if (expiredAtWatch) continue;
      const e = db.peek(key);
      if (e && e.expiresAt !== 0 && e.expiresAt <= now) return true;
    }
  }
  return false;
}

// EXEC
function execCommand(ctx: CommandContext): Reply {
  const { client, server } = ctx;
  if (client.mode !== 'multi') fail(ERR_EXEC_WITHOUT_MULTI);
  const queue = client.queue;
  const aborted = client.transactionFailed;
  const touched = client.watchTouched || watchedKeyExpired(ctx);
  server.watches.unwatchAll(client);
  if (aborted || touched) {
    client.send({ type: 'command.discard' });
    return aborted ? fail(ERR_EXECABORT) : NIL_ARRAY;
  }
  const replies: Reply[] = [];
  for (const { command, argv } of queue) {
    // the ACL may have changed since the command was queued (execCommand checks again)
    const denied = client.user === null || client.user.unrestricted ? null : execDenial(server, client, command, argv);
    if (denied !== null) {
      server.stats.countError(denied);
      replies.push(error(denied));
      continue;
    }
    const r = call(server, client, command, argv);
    // Blocking commands never block inside a transaction; they answer as if timed out.
    replies.push(r === BLOCKED || r === NO_REPLY ? NIL_ARRAY : r);
  }
  client.send({ type: 'command.exec' });
  client.resetTransaction();
  return array(replies);
}

// DISCARD
function discardCommand({ client, server }: CommandContext): Reply {
  if (client.mode !== 'multi') fail(ERR_DISCARD_WITHOUT_MULTI);
  client.send({ type: 'command.discard' });
  server.watches.unwatchAll(client);
  return OK;
}

// WATCH key [key ...]
function watchCommand({ client, server, db }: CommandContext, args: ArgCursor): Reply {
  if (client.mode === 'multi') fail(ERR_WATCH_IN_MULTI);
  while (args.hasMore) {
    const key = args.nextKey();
    // Only an expiry that happens after WATCH aborts EXEC, so remember whether it had expired already.
    const e = db.peek(key);
    server.watches.watch(client, db, key, e !== undefined && db.isExpired(e));
  }
  return OK;
}

// UNWATCH
function unwatchCommand({ client, server }: CommandContext): Reply {
  server.watches.unwatchAll(client);
  return OK;
}
