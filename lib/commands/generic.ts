/** Keyspace commands, whatever the type (db.c, expire.c). */
import { int, bulk, simple, type Reply } from '../protocol/reply';
import { typeName } from '../store/types';
import type { ArgCursor } from './args';
import type { CommandContext, CommandSpec } from './types';

const KS = ['@keyspace'] as const;

export const genericCommands: readonly CommandSpec[] = [
  { name: 'DEL', arity: -2, flags: ['write'], keys: { first: 1, last: -1, step: 1 }, group: 'generic', since: '1.0.0', summary: 'Delete keys.', syntax: 'key [key ...]', acl: KS, run: delCommand },
  { name: 'EXISTS', arity: -2, flags: ['readonly', 'fast'], keys: { first: 1, last: -1, step: 1 }, group: 'generic', since: '1.0.0', summary: 'Count how many of the keys exist.', syntax: 'key [key ...]', acl: KS, run: existsCommand },
  { name: 'TYPE', arity: 2, flags: ['readonly', 'fast'], keys: { first: 1, last: 1, step: 1 }, group: 'generic', since: '1.0.0', summary: 'The type of the value at a key.', syntax: 'key', acl: KS, run: typeCommand },
];

// DEL key [key ...]
function delCommand({ db }: CommandContext, args: ArgCursor): Reply {
  let n = 0;
  while (args.hasMore) {
    const key = args.nextKey();
    if (db.lookup(key) !== undefined && db.delete(key)) n++;
  }
  return int(n);
}

// EXISTS key [key ...]
function existsCommand({ db }: CommandContext, args: ArgCursor): Reply {
  let n = 0;
  while (args.hasMore) if (db.lookupRead(args.nextKey()) !== undefined) n++;
  return int(n);
}

// TYPE key
function typeCommand({ db }: CommandContext, args: ArgCursor): Reply {
  const e = db.lookup(args.nextKey());
  return simple(e === undefined ? 'none' : typeName(e.value));
}

export { bulk };
