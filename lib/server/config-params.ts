/**
 * The parameter table: every entry of Redis 7.0's config.c `static_configs[]` (TLS ones included, as the usual
 * OpenSSL builds have them), with its alias, type, bounds, default and flags. Values toyredis acts on are read
 * through Config.watch/onApply by the server; the rest are stored and echoed so tools and test suites can tune them.
 */
import type { NumericKind, ParamFlag, ParamSpec } from './config';
import { parseDir } from './config';
import {
  ACL_PUBSUB_DEFAULT_ENUM, AOF_FSYNC_ENUM, CLUSTER_ENDPOINT_TYPE_ENUM, DEFAULT_OBUF_LIMITS, LOGLEVEL_ENUM,
  MAXMEMORY_POLICY_ENUM, OOM_SCORE_ADJ_ENUM, PROPAGATION_ERROR_BEHAVIOR_ENUM, PROTECTED_ACTION_ENUM,
  REPL_DISKLESS_LOAD_ENUM, SANITIZE_DUMP_PAYLOAD_ENUM, SHUTDOWN_ON_SIG_ENUM, SUPERVISED_ENUM, SYSLOG_FACILITY_ENUM,
  TLS_AUTH_CLIENTS_ENUM, enumName, isValidProcTitleTemplate, obufLimitsForFile, parseBind, parseNotifyKeyspaceEvents, showNotifyKeyspaceEvents,
  parseObufLimits, parseOomScoreAdjValues, parsePercentiles, parseReplicaOf, parseSave, quoteRepr, type EnumTable,
} from './config-values';

const INT_MAX = 2147483647n, INT_MIN = -2147483648n, UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n, LLONG_MAX = LONG_MAX, SSIZE_MAX = LONG_MAX;
const ULLONG_MAX = 18446744073709551615n;

type Extra = Partial<ParamSpec> & { alias?: string };

const bool = (name: string, dflt: boolean, flags: ParamFlag[] = [], extra: Extra = {}): ParamSpec =>
  ({ name, type: 'bool', flags, default: dflt ? 'yes' : 'no', ...extra });

/** `emptyIsNull`: EMPTY_STRING_IS_NULL (an unset value, left out by CONFIG REWRITE). */
const str = (name: string, dflt: string | null, flags: ParamFlag[] = [], extra: Extra = {}): ParamSpec =>
  ({ name, type: 'string', flags, default: dflt ?? '', emptyIsNull: dflt === null, ...extra });

const oneOf = (name: string, values: EnumTable, dflt: number, flags: ParamFlag[] = [], extra: Extra = {}): ParamSpec =>
  ({ name, type: 'enum', flags, values, default: enumName(values, dflt, flags.includes('multiArg')), ...extra });

type NumFlags = { memory?: boolean; percent?: boolean; octal?: boolean };
const num = (kind: NumericKind) =>
  (name: string, min: bigint, max: bigint, dflt: bigint, flags: ParamFlag[] = [], numFlags: NumFlags = {}, extra: Extra = {}): ParamSpec =>
    ({
      name, type: 'numeric', kind, min, max, flags, ...numFlags, ...extra,
      default: numFlags.octal ? dflt.toString(8) : String(dflt),
    });
const int = num('int'), uint = num('uint'), ulong = num('ulong'), llong = num('llong'), ullong = num('ullong');
const sizeT = num('size'), ssizeT = num('ssize'), timeT = num('time'), offT = num('off');
const MEM = { memory: true };

const special = (name: string, dflt: string, flags: ParamFlag[], extra: Extra): ParamSpec =>
  ({ name, type: 'special', flags, default: dflt, alwaysChanged: true, ...extra });

const noSlash = (what: string, kind = 'filename') => (v: string) =>
  v.includes('/') || v.includes('\\') ? `${what} can't be a path, just a ${kind}` : null;

const hostname = (v: string) => {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  return /^[A-Za-z0-9.-]*$/.test(v) ? null : 'Hostnames may only contain alphanumeric characters, hyphens or dots';
};

/** A value toyredis cannot honour is refused rather than stored and ignored. */
const unsupported = (value: string, why: string) => (v: string) => (v === value ? why : null);

/** The line(s) a special parameter writes to the config file: its value as is, forced unless at the default. */
const plainLine = (printed: string, spec: ParamSpec) => [{ line: printed, force: printed !== spec.default }];

export const CONFIG_PARAMS: readonly ParamSpec[] = [
  // Bool configs
  bool('rdbchecksum', true, ['immutable']),
  bool('daemonize', false, ['immutable'], { validate: unsupported('yes', 'daemonize yes is not supported: run toyredis under a supervisor instead') }),
  bool('io-threads-do-reads', false, ['debug', 'immutable']),
  bool('always-show-logo', false, ['immutable']),
  bool('protected-mode', true),
  bool('rdbcompression', true),
  bool('rdb-del-sync-files', false),
  bool('activerehashing', true),
  bool('stop-writes-on-bgsave-error', true),
  bool('set-proc-title', true, ['immutable']),
  bool('dynamic-hz', true),
  bool('lazyfree-lazy-eviction', false, ['debug']),
  bool('lazyfree-lazy-expire', false, ['debug']),
  bool('lazyfree-lazy-server-del', false, ['debug']),
  bool('lazyfree-lazy-user-del', false, ['debug']),
  bool('lazyfree-lazy-user-flush', false, ['debug']),
  bool('repl-disable-tcp-nodelay', false),
  bool('repl-diskless-sync', true, ['debug']),
  bool('aof-rewrite-incremental-fsync', true),
  bool('no-appendfsync-on-rewrite', false),
  bool('cluster-require-full-coverage', true),
  bool('rdb-save-incremental-fsync', true),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true),
  bool('aof-timestamp-enabled', false),
  bool('cluster-replica-no-failover', false, [], { alias: 'cluster-slave-no-failover' }),
  bool('replica-lazy-flush', false, [], { alias: 'slave-lazy-flush' }),
  bool('replica-serve-stale-data', true, [], { alias: 'slave-serve-stale-data' }),
  bool('replica-read-only', true, ['debug'], { alias: 'slave-read-only' }),
  bool('replica-ignore-maxmemory', true, [], { alias: 'slave-ignore-maxmemory' }),
  bool('jemalloc-bg-thread', true),
  bool('activedefrag', false, ['debug'], {
    // toyredis runs on Node's allocator: Redis's answer when built without its modified jemalloc
    validate: (v) => (v === 'yes'
      ? 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'
      : null),
  }),
  bool('syslog-enabled', false, ['immutable']),
  bool('cluster-enabled', false, ['immutable'], { validate: unsupported('yes', 'cluster mode is not supported by toyredis') }),
  bool('appendonly', false, ['denyLoading']),
  bool('cluster-allow-reads-when-down', false),
  bool('cluster-allow-pubsubshard-when-down', true),
  bool('crash-log-enabled', true),
  bool('crash-memcheck-enabled', true),
  bool('use-exit-on-panic', false, ['hidden']),
  bool('disable-thp', true, ['immutable']),
  bool('cluster-allow-replica-migration', true),
  bool('replica-announced', true),
  bool('latency-tracking', true),
  bool('aof-disable-auto-gc', false),
  bool('replica-ignore-disk-write-errors', false),

  // String configs
  str('aclfile', '', ['immutable']),
  str('unixsocket', null, ['immutable'], { validate: (v) => (v === '' ? null : 'unixsocket is not supported: toyredis listens on TCP only') }),
  str('pidfile', null, ['immutable']),
  str('replica-announce-ip', null, [], { alias: 'slave-announce-ip' }),
  str('masteruser', null, ['sensitive']),
  str('cluster-announce-ip', null),
  str('cluster-config-file', 'nodes.conf', ['immutable']),
  str('cluster-announce-hostname', null, [], { validate: hostname }),
  str('syslog-ident', 'redis', ['immutable']),
  str('dbfilename', 'dump.rdb', ['protected'], { validate: noSlash('dbfilename') }),
  str('appendfilename', 'appendonly.aof', ['immutable'], {
    validate: (v) => (v === '' ? "appendfilename can't be empty" : noSlash('appendfilename')(v)),
  }),
  str('appenddirname', 'appendonlydir', ['immutable'], {
    validate: (v) => (v === '' ? "appenddirname can't be empty" : noSlash('appenddirname', 'dirname')(v)),
  }),
  str('server_cpulist', null, ['immutable']),
  str('bio_cpulist', null, ['immutable']),
  str('aof_rewrite_cpulist', null, ['immutable']),
  str('bgsave_cpulist', null, ['immutable']),
  str('ignore-warnings', ''),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', [], {
    validate: (v) => (isValidProcTitleTemplate(v) ? null : 'template format is invalid or contains unknown variables'),
  }),
  str('bind-source-addr', null),
  str('logfile', '', ['immutable']),

  // SDS configs
  str('masterauth', null, ['sensitive']),
  str('requirepass', null, ['sensitive']),

  // Enum configs
  oneOf('supervised', SUPERVISED_ENUM, 0, ['immutable']),
  oneOf('syslog-facility', SYSLOG_FACILITY_ENUM, 128, ['immutable']),
  oneOf('repl-diskless-load', REPL_DISKLESS_LOAD_ENUM, 0, ['debug', 'denyLoading']),
  oneOf('loglevel', LOGLEVEL_ENUM, 2),
  oneOf('maxmemory-policy', MAXMEMORY_POLICY_ENUM, 7),
  oneOf('appendfsync', AOF_FSYNC_ENUM, 2),
  oneOf('oom-score-adj', OOM_SCORE_ADJ_ENUM, 0),
  oneOf('acl-pubsub-default', ACL_PUBSUB_DEFAULT_ENUM, 0),
  oneOf('sanitize-dump-payload', SANITIZE_DUMP_PAYLOAD_ENUM, 0, ['debug']),
  oneOf('enable-protected-configs', PROTECTED_ACTION_ENUM, 0, ['immutable']),
  oneOf('enable-debug-command', PROTECTED_ACTION_ENUM, 0, ['immutable']),
  oneOf('enable-module-command', PROTECTED_ACTION_ENUM, 0, ['immutable']),
  oneOf('cluster-preferred-endpoint-type', CLUSTER_ENDPOINT_TYPE_ENUM, 0),
  oneOf('propagation-error-behavior', PROPAGATION_ERROR_BEHAVIOR_ENUM, 0),
  oneOf('shutdown-on-sigint', SHUTDOWN_ON_SIG_ENUM, 0, ['multiArg'], { validate: noSaveAndNoSave }),
  oneOf('shutdown-on-sigterm', SHUTDOWN_ON_SIG_ENUM, 0, ['multiArg'], { validate: noSaveAndNoSave }),

  // Integer configs
  int('databases', 1n, INT_MAX, 16n, ['immutable']),
  int('port', 0n, 65535n, 6379n),
  int('io-threads', 1n, 128n, 1n, ['debug', 'immutable']),
  int('auto-aof-rewrite-percentage', 0n, INT_MAX, 100n),
  int('cluster-replica-validity-factor', 0n, INT_MAX, 10n, [], {}, { alias: 'cluster-slave-validity-factor' }),
  int('list-max-listpack-size', INT_MIN, INT_MAX, -2n, [], {}, { alias: 'list-max-ziplist-size' }),
  int('tcp-keepalive', 0n, INT_MAX, 300n),
  int('cluster-migration-barrier', 0n, INT_MAX, 1n),
  int('active-defrag-cycle-min', 1n, 99n, 1n),
  int('active-defrag-cycle-max', 1n, 99n, 25n),
  int('active-defrag-threshold-lower', 0n, 1000n, 10n),
  int('active-defrag-threshold-upper', 0n, 1000n, 100n),
  int('lfu-log-factor', 0n, INT_MAX, 10n),
  int('lfu-decay-time', 0n, INT_MAX, 1n),
  int('replica-priority', 0n, INT_MAX, 100n, [], {}, { alias: 'slave-priority' }),
  int('repl-diskless-sync-delay', 0n, INT_MAX, 5n),
  int('maxmemory-samples', 1n, INT_MAX, 5n),
  int('maxmemory-eviction-tenacity', 0n, 100n, 10n),
  int('timeout', 0n, INT_MAX, 0n),
  int('replica-announce-port', 0n, 65535n, 0n, [], {}, { alias: 'slave-announce-port' }),
  int('tcp-backlog', 0n, INT_MAX, 511n, ['immutable']),
  int('cluster-port', 0n, 65535n, 0n, ['immutable']),
  int('cluster-announce-bus-port', 0n, 65535n, 0n),
  int('cluster-announce-port', 0n, 65535n, 0n),
  int('cluster-announce-tls-port', 0n, 65535n, 0n),
  int('repl-timeout', 1n, INT_MAX, 60n),
  int('repl-ping-replica-period', 1n, INT_MAX, 10n, [], {}, { alias: 'repl-ping-slave-period' }),
  int('list-compress-depth', 0n, INT_MAX, 0n, ['debug']),
  int('rdb-key-save-delay', INT_MIN, INT_MAX, 0n, ['hidden']),
  int('key-load-delay', INT_MIN, INT_MAX, 0n, ['hidden']),
  int('active-expire-effort', 1n, 10n, 1n),
  // updateHZ(): out-of-range values are accepted and capped to CONFIG_MIN_HZ..CONFIG_MAX_HZ
  int('hz', 0n, INT_MAX, 10n, [], {}, { adjust: (v) => String(Math.min(500, Math.max(1, Number(v)))) }),
  int('min-replicas-to-write', 0n, INT_MAX, 0n, [], {}, { alias: 'min-slaves-to-write' }),
  int('min-replicas-max-lag', 0n, INT_MAX, 10n, [], {}, { alias: 'min-slaves-max-lag' }),
  int('watchdog-period', 0n, INT_MAX, 0n, ['hidden']),
  int('shutdown-timeout', 0n, INT_MAX, 10n),
  int('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0n),

  // Unsigned int configs
  uint('maxclients', 1n, UINT_MAX, 10000n),
  uint('unixsocketperm', 0n, 0o777n, 0n, ['immutable'], { octal: true }),
  uint('socket-mark-id', 0n, UINT_MAX, 0n, ['immutable']),

  // Unsigned long configs
  ulong('active-defrag-max-scan-fields', 1n, LONG_MAX, 1000n),
  ulong('slowlog-max-len', 0n, LONG_MAX, 128n),
  ulong('acllog-max-len', 0n, LONG_MAX, 128n),

  // Long long configs
  llong('busy-reply-threshold', 0n, LONG_MAX, 5000n, [], {}, { alias: 'lua-time-limit' }),
  llong('cluster-node-timeout', 0n, LLONG_MAX, 15000n),
  llong('slowlog-log-slower-than', -1n, LLONG_MAX, 10000n),
  llong('latency-monitor-threshold', 0n, LLONG_MAX, 0n),
  llong('proto-max-bulk-len', 1024n * 1024n, LONG_MAX, 512n * 1024n * 1024n, ['debug'], MEM),
  llong('stream-node-max-entries', 0n, LLONG_MAX, 100n),
  llong('repl-backlog-size', 1n, LLONG_MAX, 1024n * 1024n, [], MEM),

  // Unsigned long long configs
  ullong('maxmemory', 0n, ULLONG_MAX, 0n, [], MEM),
  ullong('cluster-link-sendbuf-limit', 0n, ULLONG_MAX, 0n, [], MEM),

  // Size_t configs
  sizeT('hash-max-listpack-entries', 0n, LONG_MAX, 512n, [], {}, { alias: 'hash-max-ziplist-entries' }),
  sizeT('set-max-intset-entries', 0n, LONG_MAX, 512n),
  sizeT('zset-max-listpack-entries', 0n, LONG_MAX, 128n, [], {}, { alias: 'zset-max-ziplist-entries' }),
  sizeT('active-defrag-ignore-bytes', 1n, LLONG_MAX, 100n << 20n, [], MEM),
  sizeT('hash-max-listpack-value', 0n, LONG_MAX, 64n, [], MEM, { alias: 'hash-max-ziplist-value' }),
  sizeT('stream-node-max-bytes', 0n, LONG_MAX, 4096n, [], MEM),
  sizeT('zset-max-listpack-value', 0n, LONG_MAX, 64n, [], MEM, { alias: 'zset-max-ziplist-value' }),
  sizeT('hll-sparse-max-bytes', 0n, LONG_MAX, 3000n, [], MEM),
  sizeT('tracking-table-max-keys', 0n, LONG_MAX, 1000000n),
  sizeT('client-query-buffer-limit', 1024n * 1024n, LONG_MAX, 1024n * 1024n * 1024n, ['debug'], MEM),
  ssizeT('maxmemory-clients', -100n, SSIZE_MAX, 0n, [], { memory: true, percent: true }),

  // Other configs
  timeT('repl-backlog-ttl', 0n, LONG_MAX, 3600n),
  offT('auto-aof-rewrite-min-size', 0n, LLONG_MAX, 64n * 1024n * 1024n, [], MEM),
  offT('loading-process-events-interval-bytes', 1024n, INT_MAX, 2n * 1024n * 1024n, ['hidden']),

  // TLS configs (USE_OPENSSL builds): toyredis serves no TLS, so tls-port can only stay 0
  int('tls-port', 0n, 65535n, 0n, [], {}, { validate: (v) => (v === '0' ? null : 'Unable to update TLS configuration. Check server logs.') }),
  int('tls-session-cache-size', 0n, INT_MAX, 20n * 1024n),
  int('tls-session-cache-timeout', 0n, INT_MAX, 300n),
  bool('tls-cluster', false),
  bool('tls-replication', false),
  oneOf('tls-auth-clients', TLS_AUTH_CLIENTS_ENUM, 1),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),
  str('tls-cert-file', null),
  str('tls-key-file', null),
  str('tls-key-file-pass', null),
  str('tls-client-cert-file', null),
  str('tls-client-key-file', null),
  str('tls-client-key-file-pass', null),
  str('tls-dh-params-file', null),
  str('tls-ca-cert-file', null),
  str('tls-ca-cert-dir', null),
  str('tls-protocols', null),
  str('tls-ciphers', null),
  str('tls-ciphersuites', null),

  // Special configs
  special('dir', process.cwd(), ['protected', 'denyLoading'], {
    parse: parseDir,
    fileLines: (v) => [{ line: quoteRepr(v), force: true }],
  }),
  special('save', '3600 1 300 100 60 10000', ['multiArg'], {
    parse: (args, current, startup) => {
      const r = parseSave(args);
      if ('error' in r || !startup) return r;
      // in a config file the first `save` line replaces the defaults and later ones add to it
      const first = startup.first;
      startup.first = false;
      const list = args.length === 1 && args[0] === '' ? '' : r.value;
      return { value: first || current === '' || list === '' ? list : `${current} ${list}` };
    },
    fileLines: (v) => {
      if (v === '') return [{ line: '""', force: true }];
      const w = v.split(' ');
      const out = [];
      for (let i = 0; i < w.length; i += 2) out.push({ line: `${w[i]} ${w[i + 1]}`, force: true });
      return out;
    },
  }),
  special('client-output-buffer-limit', DEFAULT_OBUF_LIMITS, ['multiArg'], {
    parse: (args, current) => parseObufLimits(args, current),
    fileLines: (v) => obufLimitsForFile(v).map(({ line, isDefault }) => ({ line, force: !isDefault })),
  }),
  special('oom-score-adj-values', '0 200 800', ['multiArg'], {
    alwaysChanged: false,
    parse: parseOomScoreAdjValues,
    fileLines: plainLine,
  }),
  special('notify-keyspace-events', '', [], {
    parse: parseNotifyKeyspaceEvents,
    show: showNotifyKeyspaceEvents,
    fileLines: (v) => [{ line: quoteRepr(showNotifyKeyspaceEvents(v)), force: v !== '' }],
  }),
  special('bind', '127.0.0.1 -::1', ['multiArg'], {
    parse: parseBind,
    fileLines: (v, spec) => (v === spec.default ? [] : [{ line: v === '' ? '""' : v, force: true }]),
  }),
  special('replicaof', '', ['immutable', 'multiArg'], {
    alias: 'slaveof',
    parse: parseReplicaOf,
    fileLines: (v) => (v === '' ? [] : [{ line: v, force: true }]),
  }),
  special('latency-tracking-info-percentiles', '50 99 99.9', ['multiArg'], {
    parse: parsePercentiles,
    // Redis 7.0 writes this one even at its default
    fileLines: (v) => [{ line: v === '' ? '""' : v, force: true }],
  }),
];

/** isValidShutdownOnSigFlags(): SAVE and NOSAVE exclude each other. */
function noSaveAndNoSave(v: string): string | null {
  const words = v.split(' ');
  return words.includes('save') && words.includes('nosave') ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : null;
}
