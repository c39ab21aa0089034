/**
 * INFO as Redis 7.0 prints it (genRedisInfoString in server.c): `# Section` then `field:value` lines, CRLF-ended,
 * a blank line between sections, fields in Redis's order. Each section is a function in INFO_SECTIONS; other parts
 * of the server add their lines with extendInfoSection() (persistence, replication, pub/sub fill theirs in later).
 */
import os from 'node:os';
import v8 from 'node:v8';
import path from 'node:path';
import type { Server } from './server';
import { REDIS_VERSION, VERSION } from './server';
import type { Client } from './client';
import { commandTable } from '../commands';
import { clientMemory } from './client-info';
import { scriptingMemoryLines } from '../scripting/memory';

/** A section: its title as printed, and its lines (without CRLF). */
export interface InfoSection {
  /** Lower-case name used to ask for it: `INFO memory`. */
  name: string;
  title: string;
  /** Part of a plain `INFO` (and of `INFO default`). */
  isDefault: boolean;
  lines(server: Server): string[];
}

/** Extra lines other modules contribute to a section, appended after Redis's own (or replacing named fields). */
const extensions = new Map<string, ((server: Server) => string[])[]>();

/**
 * Add lines to a section: `fn` returns `field:value` lines. A field already printed by the section is replaced in
 * place (so a persistence module can give `rdb_saves` its real value); new fields are appended.
 */
export function extendInfoSection(name: string, fn: (server: Server) => string[]): void {
  const list = extensions.get(name) ?? [];
  list.push(fn);
  extensions.set(name, list);
}

/** `Infinity`-safe printf("%.2f"). */
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan');

/** bytesToHuman(): 1023 → "1023B", 1536 → "1.50K", up to P. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let d = n;
  for (const u of units) {
    d /= 1024;
    if (d < 1024 || u === 'P') return n >= 1024 ** 6 ? `${n}B` : `${d.toFixed(2)}${u}`;
  }
  return `${n}B`;
}

/**
 * What INFO and MEMORY report as used memory: the figure maxmemory's accounting starts from (MemoryLimit.measure:
 * the heap outside the young generation, plus Buffers).
 */
export function usedMemory(server: Server): { used: number; rss: number; heapTotal: number; heapUsed: number } {
  const h = v8.getHeapStatistics();
  return { used: server.memory.measure(), rss: process.memoryUsage.rss(), heapTotal: h.total_heap_size, heapUsed: h.used_heap_size };
}

/** Peak of used_memory as INFO has seen it (Redis updates its peak from the cron and from INFO itself). */
const peaks = new WeakMap<Server, number>();

/** Clients that are not replicas: what connected_clients counts. */
function normalClients(server: Server): Client[] {
  return [...server.clients.values()].filter((c) => c.mode !== 'replica' && !c.replica);
}

/** A user-provided name in INFO must not break the format (getSafeInfoString). */
const safe = (s: string) => s.replace(/[#:\n\r]/g, '_');

function serverSection(server: Server): string[] {
  const now = server.clock.now();
  const uptime = Math.floor((now - server.startedAt) / 1000);
  const executable = process.argv[1] ? path.resolve(process.argv[1]) : process.execPath;
  return [
    `redis_version:${REDIS_VERSION}`,
    'redis_git_sha1:00000000',
    'redis_git_dirty:0',
    `redis_build_id:${buildId()}`,
    'redis_mode:standalone',
    `os:${os.type()} ${os.release()} ${os.machine()}`,
    `arch_bits:${process.arch.endsWith('64') ? 64 : 32}`,
    'monotonic_clock:POSIX clock_gettime',
    `multiplexing_api:${process.platform === 'linux' ? 'epoll' : process.platform === 'win32' ? 'iocp' : 'kqueue'}`,
    'atomicvar_api:c11-builtin',
    'gcc_version:0.0.0',
    `process_id:${process.pid}`,
    'process_supervised:no',
    `run_id:${server.runId}`,
    `tcp_port:${server.port}`,
    `server_time_usec:${now * 1000}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
    `hz:${server.config.get('hz')}`,
    `configured_hz:${server.config.get('hz')}`,
    `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
    `executable:${executable}`,
    `config_file:${server.configFile ? path.resolve(server.configFile) : ''}`,
    'io_threads_active:0',
  ];
}

/** A stable 16-hex-digit id of this build (Redis hashes its build environment the same way). */
function buildId(): string {
  let h = 0xcbf29ce484222325n;
  for (const ch of `toyredis-${VERSION}-${process.version}`) h = ((h ^ BigInt(ch.charCodeAt(0))) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

function clientsSection(server: Server): string[] {
  const clients = normalClients(server);
  let maxIn = 0, maxOut = 0, blocked = 0;
  for (const c of server.clients.values()) {
    maxIn = Math.max(maxIn, c.decoder.buffered);
    maxOut = Math.max(maxOut, c.socket.writableLength ?? 0);
    if (c.mode === 'blocked') blocked++;
  }
  return [
    `connected_clients:${clients.length}`,
    'cluster_connections:0',
    `maxclients:${server.config.get('maxclients')}`,
    `client_recent_max_input_buffer:${maxIn}`,
    `client_recent_max_output_buffer:${maxOut}`,
    `blocked_clients:${blocked}`,
    'tracking_clients:0',
    `clients_in_timeout_table:${blocked}`,
  ];
}

function memorySection(server: Server): string[] {
  const { used, rss, heapTotal, heapUsed } = usedMemory(server);
  const peak = Math.max(peaks.get(server) ?? 0, used);
  peaks.set(server, peak);
  const startup = server.stats.startupMemory;
  let clientsNormal = 0, clientsReplicas = 0;
  for (const c of server.clients.values()) {
    if (c.replica || c.mode === 'replica') clientsReplicas += clientMemory(server, c).total;
    else clientsNormal += clientMemory(server, c).total;
  }
  const backlog = server.replication.backlog ? server.replication.backlogSize : 0;
  const overhead = startup + clientsNormal + clientsReplicas + backlog;
  const dataset = Math.max(0, used - overhead);
  const net = used - startup;
  const maxmemory = Number(server.config.get('maxmemory'));
  const total = os.totalmem();
  return [
    `used_memory:${used}`,
    `used_memory_human:${bytesToHuman(used)}`,
    `used_memory_rss:${rss}`,
    `used_memory_rss_human:${bytesToHuman(rss)}`,
    `used_memory_peak:${peak}`,
    `used_memory_peak_human:${bytesToHuman(peak)}`,
    `used_memory_peak_perc:${f2((used * 100) / peak)}%`,
    `used_memory_overhead:${overhead}`,
    `used_memory_startup:${startup}`,
    `used_memory_dataset:${dataset}`,
    `used_memory_dataset_perc:${f2(net > 0 ? (dataset * 100) / net : 0)}%`,
    `allocator_allocated:${heapUsed}`,
    `allocator_active:${heapTotal}`,
    `allocator_resident:${rss}`,
    `total_system_memory:${total}`,
    `total_system_memory_human:${bytesToHuman(total)}`,
    ...scriptingMemoryLines(server),
    `maxmemory:${maxmemory}`,
    `maxmemory_human:${bytesToHuman(maxmemory)}`,
    `maxmemory_policy:${server.config.get('maxmemory-policy')}`,
    `allocator_frag_ratio:${f2(heapTotal / heapUsed)}`,
    `allocator_frag_bytes:${heapTotal - heapUsed}`,
    `allocator_rss_ratio:${f2(rss / heapTotal)}`,
    `allocator_rss_bytes:${rss - heapTotal}`,
    'rss_overhead_ratio:1.00',
    'rss_overhead_bytes:0',
    `mem_fragmentation_ratio:${f2(rss / used)}`,
    `mem_fragmentation_bytes:${rss - used}`,
    `mem_not_counted_for_evict:${server.memory.notCounted()}`,
    `mem_replication_backlog:${backlog}`,
    'mem_total_replication_buffers:0',
    `mem_clients_slaves:${clientsReplicas}`,
    `mem_clients_normal:${clientsNormal}`,
    'mem_cluster_links:0',
    'mem_aof_buffer:0',
    'mem_allocator:libc',
    'active_defrag_running:0',
    'lazyfree_pending_objects:0',
    'lazyfreed_objects:0',
  ];
}

/** The persistence fields with the values true before persistence exists: nothing saved, nothing loading. */
function persistenceSection(server: Server): string[] {
  const lastSave = server.stats.lastSave ?? Math.floor(server.startedAt / 1000);
  return [
    `loading:${server.loading ? 1 : 0}`,
    'async_loading:0',
    'current_cow_peak:0',
    'current_cow_size:0',
    'current_cow_size_age:0',
    'current_fork_perc:0.00',
    'current_save_keys_processed:0',
    'current_save_keys_total:0',
    `rdb_changes_since_last_save:${server.keyspace.dirty}`,
    'rdb_bgsave_in_progress:0',
    `rdb_last_save_time:${lastSave}`,
    'rdb_last_bgsave_status:ok',
    'rdb_last_bgsave_time_sec:-1',
    'rdb_current_bgsave_time_sec:-1',
    'rdb_saves:0',
    'rdb_last_cow_size:0',
    'rdb_last_load_keys_expired:0',
    'rdb_last_load_keys_loaded:0',
    `aof_enabled:${server.config.getBool('appendonly') ? 1 : 0}`,
    'aof_rewrite_in_progress:0',
    'aof_rewrite_scheduled:0',
    'aof_last_rewrite_time_sec:-1',
    'aof_current_rewrite_time_sec:-1',
    'aof_last_bgrewrite_status:ok',
    'aof_rewrites:0',
    'aof_rewrites_consecutive_failures:0',
    'aof_last_write_status:ok',
    'aof_last_cow_size:0',
    'module_fork_in_progress:0',
    'module_fork_last_cow_size:0',
  ];
}

function statsSection(server: Server): string[] {
  const s = server.stats;
  const ks = server.keyspace.stats;
  const repl = server.replication.stats;
  const exceeded = server.memory.exceededTimes();
  return [
    `total_connections_received:${s.connectionsReceived}`,
    `total_commands_processed:${s.commands}`,
    `instantaneous_ops_per_sec:${Math.floor(s.opsPerSec.value)}`,
    `total_net_input_bytes:${s.netInputBytes}`,
    `total_net_output_bytes:${s.netOutputBytes}`,
    'total_net_repl_input_bytes:0',
    'total_net_repl_output_bytes:0',
    `instantaneous_input_kbps:${f2(s.inputKbps.value / 1024)}`,
    `instantaneous_output_kbps:${f2(s.outputKbps.value / 1024)}`,
    'instantaneous_input_repl_kbps:0.00',
    'instantaneous_output_repl_kbps:0.00',
    `rejected_connections:${s.rejectedConnections}`,
    `sync_full:${repl.syncFull}`,
    `sync_partial_ok:${repl.syncPartialOk}`,
    `sync_partial_err:${repl.syncPartialErr}`,
    `expired_keys:${ks.expiredKeys}`,
    `expired_stale_perc:${f2(ks.expiredStalePerc * 100)}`,
    `expired_time_cap_reached_count:${ks.expiredTimeCapReached}`,
    `expire_cycle_cpu_milliseconds:${Math.floor(ks.expireCycleCpuMs)}`,
    `evicted_keys:${server.memory.evictedKeys}`,
    'evicted_clients:0',
    `total_eviction_exceeded_time:${exceeded[0]}`,
    `current_eviction_exceeded_time:${exceeded[1]}`,
    `keyspace_hits:${ks.hits}`,
    `keyspace_misses:${ks.misses}`,
    'pubsub_channels:0',
    'pubsub_patterns:0',
    'pubsubshard_channels:0',
    'latest_fork_usec:0',
    'total_forks:0',
    'migrate_cached_sockets:0',
    'slave_expires_tracked_keys:0',
    'active_defrag_hits:0',
    'active_defrag_misses:0',
    'active_defrag_key_hits:0',
    'active_defrag_key_misses:0',
    'total_active_defrag_time:0',
    'current_active_defrag_time:0',
    'tracking_total_keys:0',
    'tracking_total_items:0',
    'tracking_total_prefixes:0',
    'unexpected_error_replies:0',
    `total_error_replies:${s.errorReplies}`,
    'dump_payload_sanitizations:0',
    `total_reads_processed:${s.readsProcessed}`,
    `total_writes_processed:${s.writesProcessed}`,
    'io_threaded_reads_processed:0',
    'io_threaded_writes_processed:0',
    'reply_buffer_shrinks:0',
    'reply_buffer_expands:0',
  ];
}

function replicationSection(server: Server): string[] {
  return [`role:${server.role}`, ...(server.replicaRole?.infoLines() ?? []), ...server.replication.infoMasterLines()];
}

/** getrusage() times as Redis prints them: seconds.microseconds. */
const cpuTime = (us: number) => `${Math.floor(us / 1e6)}.${String(Math.floor(us % 1e6)).padStart(6, '0')}`;

function cpuSection(): string[] {
  const { user, system } = process.cpuUsage();
  return [
    `used_cpu_sys:${cpuTime(system)}`,
    `used_cpu_user:${cpuTime(user)}`,
    'used_cpu_sys_children:0.000000',
    'used_cpu_user_children:0.000000',
  ];
}

function commandstatsSection(): string[] {
  const out: string[] = [];
  for (const c of commandTable.everything()) {
    const s = c.stats;
    if (!s.calls && !s.failed && !s.rejected) continue;
    const usec = Math.floor(s.usec);
    out.push(
      `cmdstat_${safe(c.fullname)}:calls=${s.calls},usec=${usec},usec_per_call=${f2(s.calls ? s.usec / s.calls : 0)}` +
        `,rejected_calls=${s.rejected},failed_calls=${s.failed}`,
    );
  }
  return out;
}

function errorstatsSection(server: Server): string[] {
  // rax order: byte-wise sorted error codes
  return [...server.stats.errors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([code, n]) => `errorstat_${safe(code)}:count=${n}`);
}

function latencystatsSection(server: Server): string[] {
  if (!server.config.getBool('latency-tracking')) return [];
  const percentiles = server.config.get('latency-tracking-info-percentiles').split(' ').filter(Boolean).map(Number);
  const out: string[] = [];
  for (const c of commandTable.everything()) {
    const h = server.stats.latency.histogram(c);
    if (!h) continue;
    const parts = percentiles.map((p) => `p${trimPercent(p)}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`);
    out.push(`latency_percentiles_usec_${safe(c.fullname)}:${parts.join(',')}`);
  }
  return out;
}

const trimPercent = (p: number) => {
  const s = p.toFixed(6);
  return s.replace(/0+$/, '').replace(/\.$/, '');
};

function keyspaceSection(server: Server): string[] {
  const out: string[] = [];
  for (const db of server.keyspace.dbs) {
    if (db.size || db.volatile.size) out.push(`db${db.id}:keys=${db.size},expires=${db.volatile.size},avg_ttl=${Math.floor(db.avgTtl)}`);
  }
  return out;
}

/** Redis's sections in print order. `modules` answers for `module_list` too. */
export const INFO_SECTIONS: InfoSection[] = [
  { name: 'server', title: 'Server', isDefault: true, lines: serverSection },
  { name: 'clients', title: 'Clients', isDefault: true, lines: clientsSection },
  { name: 'memory', title: 'Memory', isDefault: true, lines: memorySection },
  { name: 'persistence', title: 'Persistence', isDefault: true, lines: persistenceSection },
  { name: 'stats', title: 'Stats', isDefault: true, lines: statsSection },
  { name: 'replication', title: 'Replication', isDefault: true, lines: replicationSection },
  { name: 'cpu', title: 'CPU', isDefault: true, lines: cpuSection },
  { name: 'modules', title: 'Modules', isDefault: true, lines: () => [] },
  { name: 'commandstats', title: 'Commandstats', isDefault: false, lines: commandstatsSection },
  { name: 'errorstats', title: 'Errorstats', isDefault: true, lines: errorstatsSection },
  { name: 'latencystats', title: 'Latencystats', isDefault: false, lines: latencystatsSection },
  { name: 'cluster', title: 'Cluster', isDefault: true, lines: () => ['cluster_enabled:0'] },
  { name: 'keyspace', title: 'Keyspace', isDefault: true, lines: keyspaceSection },
];

/** A section's own lines merged with what extensions contribute (same field: replaced in place; new: appended). */
function sectionLines(server: Server, section: InfoSection): string[] {
  const lines = section.lines(server);
  for (const fn of extensions.get(section.name) ?? []) {
    for (const line of fn(server)) {
      const field = line.slice(0, line.indexOf(':') + 1);
      const at = field ? lines.findIndex((l) => l.startsWith(field)) : -1;
      if (at >= 0) lines[at] = line;
      else lines.push(line);
    }
  }
  return lines;
}

/**
 * INFO [section ...]: no argument or `default` means the default sections, `all` adds commandstats and
 * latencystats, `everything` is `all` plus module sections; names are case-insensitive and unknown ones print
 * nothing.
 */
export function infoString(server: Server, args: readonly string[]): string {
  const wanted = new Set<string>();
  let all = false;
  if (args.length === 0) {
    for (const s of INFO_SECTIONS) if (s.isDefault) wanted.add(s.name);
  }
  for (const a of args) {
    const name = a.toLowerCase();
    if (name === 'default') {
      for (const s of INFO_SECTIONS) if (s.isDefault) wanted.add(s.name);
    } else if (name === 'all' || name === 'everything') {
      all = true;
    } else {
      wanted.add(name === 'module_list' ? 'modules' : name);
    }
  }
  let out = '';
  for (const section of INFO_SECTIONS) {
    if (!all && !wanted.has(section.name)) continue;
    if (out) out += '\r\n';
    out += `# ${section.title}\r\n`;
    for (const line of sectionLines(server, section)) out += `${line}\r\n`;
  }
  return out;
}
