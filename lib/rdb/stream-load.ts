/** Streams an RDB payload into a keyspace (replica transfers). Replaced by the RdbReader once it lands. */
import type { Keyspace } from '../store/keyspace';
import type { Logger } from '../server/log';

export interface RdbStreamLoader {
  feed(chunk: Buffer): void;
  finish(): { keys: number };
}

export function createRdbLoader(_target: Keyspace, _log: Logger, _opts: { dropExpired: boolean }): RdbStreamLoader {
  return {
    feed() {},
    finish() {
      throw new Error('RDB loading is not built yet');
    },
  };
}
