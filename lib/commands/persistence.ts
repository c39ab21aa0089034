/**
 * Persistence commands (rdb.c, aof.c): SAVE, BGSAVE, BGREWRITEAOF. The work is done by lib/server/persistence.ts
 * and lib/server/aof.ts; LASTSAVE (a plain read of the last save time) lives with the server commands.
 */
import { ERR_SYNTAX, fail } from '../protocol/errors';
import { error, OK, simple, type Reply } from '../protocol/reply';
import type { ArgCursor } from './args';
import type { CommandContext, CommandSpec } from './types';
import { tok } from './docs';

export const persistenceCommands: readonly CommandSpec[] = [
  { name: 'SAVE', arity: 1, flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'], group: 'server', since: '1.0.0', summary: 'Write the dataset to disk now, blocking the server meanwhile.', complexity: 'O(N) where N is the total number of keys in all databases', run: saveCommand },
  { name: 'BGSAVE', arity: -1, flags: ['admin', 'noscript', 'no_async_loading'], group: 'server', since: '1.0.0', summary: 'Write the dataset to disk in the background.', complexity: 'O(1)', run: bgsaveCommand,
    args: [tok('SCHEDULE').opt.since('3.2.2')],
    history: [['3.2.2', 'SCHEDULE waits for a running AOF rewrite instead of failing.']] },
  { name: 'BGREWRITEAOF', arity: 1, flags: ['admin', 'noscript', 'no_async_loading'], group: 'server', since: '1.0.0', summary: 'Rewrite the append-only file in the background.', complexity: 'O(1)', run: bgrewriteaofCommand },
];

const ERR_BGSAVE_IN_PROGRESS = 'ERR Background save already in progress';

/** A command run by EXEC: a background job then only gets scheduled (server.in_exec in Redis). */
const inExec = ({ client }: CommandContext) => client.mode === 'multi';

// SAVE
function saveCommand({ server }: CommandContext): Reply {
  const result = server.persistence.saveCommand();
  if (result === 'busy') fail(ERR_BGSAVE_IN_PROGRESS);
  return result === 'ok' ? OK : error('ERR'); // shared.err: a bare -ERR, the reason is in the log
}

// BGSAVE [SCHEDULE]
function bgsaveCommand(ctx: CommandContext, args: ArgCursor): Reply {
  let schedule = false;
  if (args.hasMore) {
    if (args.remaining !== 1 || args.nextUpper() !== 'SCHEDULE') fail(ERR_SYNTAX);
    schedule = true;
  }
  switch (ctx.server.persistence.bgsaveCommand(schedule, inExec(ctx))) {
    case 'started':
      return simple('Background saving started');
    case 'scheduled':
      return simple('Background saving scheduled');
    case 'busy':
      return fail(ERR_BGSAVE_IN_PROGRESS);
    case 'other-child':
      return fail("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    case 'err':
      return error('ERR');
  }
}

// BGREWRITEAOF
function bgrewriteaofCommand(ctx: CommandContext): Reply {
  switch (ctx.server.aof.bgrewriteCommand(inExec(ctx))) {
    case 'started':
      return simple('Background append only file rewriting started');
    case 'scheduled':
      return simple('Background append only file rewriting scheduled');
    case 'busy':
      return fail('ERR Background append only file rewriting already in progress');
    case 'err':
      return fail("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  }
}
