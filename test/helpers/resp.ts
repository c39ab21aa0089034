/**
 * Expected replies as the exact RESP bytes a server sends (rows for runRows, byte-for-byte comparisons), and a
 * reply turned into plain data for tests that look at values rather than bytes.
 */
import type { Reply } from '../../lib/protocol/reply';
import type { RawConnection } from './raw';

export const OK = '+OK\r\n';
export const QUEUED = '+QUEUED\r\n';
export const NIL = '$-1\r\n';
export const NIL_ARRAY = '*-1\r\n';
/** RESP3's null. */
export const NULL3 = '_\r\n';
export const EMPTY = '*0\r\n';

export const status = (s: string) => `+${s}\r\n`;
/** A bulk string; `s` is latin1, one char per byte, so its length is the byte count. */
export const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
export const int = (n: number | bigint | string) => `:${n}\r\n`;
export const err = (text: string) => `-${text}\r\n`;
/** An array of replies already encoded. */
export const arr = (...items: string[]) => `*${items.length}\r\n${items.join('')}`;
export const bulks = (...items: string[]) => arr(...items.map(bulk));
/** A command as a client sends it (a multibulk request), as the AOF and the replication stream hold it too. */
export const request = (...argv: string[]) => bulks(...argv);

/** `cmd` as Redis names it in the error: lower case, `container|sub` for a subcommand. */
export const arity = (cmd: string) => err(`ERR wrong number of arguments for '${cmd}' command`);
export const SYNTAX = err('ERR syntax error');
export const NOT_INT = err('ERR value is not an integer or out of range');
export const NOT_FLOAT = err('ERR value is not a valid float');
export const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');

/**
 * A reply as plain data: bulk and status → latin1 string, int → number, double → number, nulls → null,
 * arrays, sets and maps → arrays (a map flattened to key, value, …). An error reply throws its text.
 */
export function plain(r: Reply): any {
  switch (r.kind) {
    case 'bulk':
      return typeof r.value === 'string' ? r.value : r.value.toString('latin1');
    case 'int':
      return Number(r.value);
    case 'double':
      return r.value;
    case 'simple':
      return r.text;
    case 'null':
    case 'nullArray':
      return null;
    case 'array':
    case 'set':
    case 'map':
      return r.items.map(plain);
    case 'error':
      throw new Error(r.text);
    default:
      throw new Error(`unexpected reply ${r.kind}`);
  }
}

/** Send a command on `c` and return its reply as plain data; numbers are sent as their decimal text. */
export async function ask(c: RawConnection, ...argv: (string | number | Buffer)[]): Promise<any> {
  c.send(...argv.map((a) => (typeof a === 'number' ? String(a) : a)));
  return plain(await c.read(20000));
}
