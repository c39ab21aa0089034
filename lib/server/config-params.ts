/**
 * The parameter table: Redis 7.0's names, aliases, types and defaults (config.c standardConfig).
 * Parameters toyredis acts on are read through Config.watch/get; the rest are stored and echoed.
 */
import type { ParamSpec } from './config';

const yesNo = (name: string, dflt: 'yes' | 'no', extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, type: 'bool', default: dflt, ...extra });
const int = (name: string, dflt: number, min: number, max: number, extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, type: 'int', default: String(dflt), min, max, ...extra });
const mem = (name: string, dflt: number, min: number, max: number, extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, type: 'memory', default: String(dflt), min, max, ...extra });
const str = (name: string, dflt: string, extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, type: 'string', default: dflt, ...extra });
const oneOf = (name: string, dflt: string, values: string[], extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, type: 'enum', default: dflt, values, ...extra });

const LONG_MAX = Number.MAX_SAFE_INTEGER;

export const CONFIG_PARAMS: readonly ParamSpec[] = [
  int('port', 6379, 0, 65535, { immutable: false }),
  str('bind', '127.0.0.1 -::1'),
  int('databases', 16, 1, 2147483647, { immutable: true }),
  str('dir', '', { type: 'special' }),
  str('dbfilename', 'dump.rdb', { protected: true }),
  str('logfile', '', { immutable: true }),
  oneOf('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning', 'nothing']),
  str('replicaof', '', { type: 'special', aliases: ['slaveof'] }),
  str('requirepass', ''),
  str('masterauth', ''),
  str('masteruser', ''),
  str('save', '3600 1 300 100 60 10000', { type: 'special' }),
  yesNo('appendonly', 'no'),
  mem('proto-max-bulk-len', 512 * 1024 * 1024, 1024 * 1024, LONG_MAX),
  mem('client-query-buffer-limit', 1024 * 1024 * 1024, 1024 * 1024, LONG_MAX),
  int('timeout', 0, 0, 2147483647),
  int('hz', 10, 0, 2147483647),
  int('maxclients', 10000, 1, 2147483647),
  mem('maxmemory', 0, 0, LONG_MAX),
  mem('repl-backlog-size', 1024 * 1024, 1, LONG_MAX),
  int('repl-timeout', 60, 1, 2147483647),
  int('repl-ping-replica-period', 10, 1, 2147483647, { aliases: ['repl-ping-slave-period'] }),
  yesNo('replica-read-only', 'yes', { aliases: ['slave-read-only'] }),
  yesNo('replica-serve-stale-data', 'yes', { aliases: ['slave-serve-stale-data'] }),
  str('notify-keyspace-events', ''),
  int('hash-max-listpack-entries', 128, 0, LONG_MAX, { aliases: ['hash-max-ziplist-entries'] }),
  int('hash-max-listpack-value', 64, 0, LONG_MAX, { aliases: ['hash-max-ziplist-value'] }),
  int('zset-max-listpack-entries', 128, 0, LONG_MAX, { aliases: ['zset-max-ziplist-entries'] }),
  int('zset-max-listpack-value', 64, 0, LONG_MAX, { aliases: ['zset-max-ziplist-value'] }),
  int('list-max-listpack-size', -2, -2147483648, 2147483647, { aliases: ['list-max-ziplist-size'] }),
  int('list-compress-depth', 0, 0, 2147483647),
  int('set-max-intset-entries', 512, 0, LONG_MAX),
  int('stream-node-max-entries', 100, 0, LONG_MAX),
  mem('stream-node-max-bytes', 4096, 0, LONG_MAX),
];
