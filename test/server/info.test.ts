import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commandTable } from '../../lib/commands';
import { bytesToHuman, extendInfoSection } from '../../lib/server/info';
import { startInProcess, type InProcess } from '../helpers/inprocess';
import type { RawConnection } from '../helpers/raw';
import { hasRedis } from '../helpers/servers';
import { withRealRedis } from '../helpers/differential';
import type { Reply } from '../../lib/protocol/reply';

const test = suite('server/info');

let srv: InProcess;
let conn: RawConnection;

test.before.each(async () => {
  srv = await startInProcess();
  conn = await srv.connect();
});

test.after.each(() => srv.stop());

const text = (r: Reply) => {
  assert.is(r.kind, 'bulk');
  return String((r as { value: string }).value);
};

async function info(c: RawConnection, ...sections: string[]): Promise<string> {
  c.send('INFO', ...sections);
  return text(await c.read());
}

/** `# Title` → its fields, in order. */
function parse(s: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let cur: Map<string, string> | null = null;
  for (const line of s.split('\r\n')) {
    if (line.startsWith('# ')) out.set(line.slice(2), (cur = new Map()));
    else if (line) cur!.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1));
  }
  return out;
}

test('format: CRLF lines, one blank line between sections, default vs all vs single sections', async () => {
  const all = await info(conn);
  assert.match(all, /^# Server\r\nredis_version:7\.0\.15\r\n/);
  assert.not.match(all, /\n(?!\r?$)[^#\r\n][^:\r\n]*\r?\n/); // every non-header line is field:value
  assert.not.match(all, /[^\r]\n/);
  assert.ok(all.endsWith('\r\n') && !all.endsWith('\r\n\r\n'));
  assert.equal([...parse(all).keys()], ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace']);
  assert.equal([...parse(await info(conn, 'everything')).keys()], ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Commandstats', 'Errorstats', 'Latencystats', 'Cluster', 'Keyspace']);
  assert.equal([...parse(await info(conn, 'all')).keys()], [...parse(await info(conn, 'everything')).keys()]);
  assert.equal([...parse(await info(conn, 'default')).keys()], [...parse(all).keys()]);
  assert.equal([...parse(await info(conn, 'CPU', 'keyspace', 'cpu', 'nosuch')).keys()], ['CPU', 'Keyspace']);
  assert.equal([...parse(await info(conn, 'cpu', 'all')).keys()].length, 13);
  assert.is(await info(conn, 'nosuch'), '');
  assert.is(await info(conn, 'keyspace'), '# Keyspace\r\n');
  conn.send('HELLO', '3');
  await conn.read();
  conn.send('INFO', 'keyspace');
  assert.is(await conn.readRaw(), '=16\r\ntxt:# Keyspace\r\n\r\n'); // a verbatim string in RESP3
});

test('real values: clients, commands, keyspace, hits and misses, errors, commandstats', async () => {
  const other = await srv.connect();
  try {
    // command counters live in the process-wide command table: start from zero whatever test files ran before
    for (const c of commandTable.everything()) c.stats = { calls: 0, usec: 0, rejected: 0, failed: 0 };
    for (const argv of [['SET', 'a', '1'], ['GET', 'a'], ['GET', 'nokey'], ['SET', 'b', '2', 'PX', '100000'], ['GET'], ['NOSUCH'], ['SELECT', '3'], ['SET', 'c', '3']]) {
      conn.send(...argv);
      await conn.read();
    }
    const i = parse(await info(conn, 'everything'));
    assert.is(i.get('Clients')!.get('connected_clients'), '2');
    assert.is(i.get('Clients')!.get('blocked_clients'), '0');
    assert.is(i.get('Stats')!.get('keyspace_hits'), '1');
    assert.is(i.get('Stats')!.get('keyspace_misses'), '1');
    assert.is(i.get('Stats')!.get('total_connections_received'), '2');
    assert.is(i.get('Stats')!.get('total_error_replies'), '2');
    assert.is(i.get('Errorstats')!.get('errorstat_ERR'), 'count=2');
    assert.match(i.get('Commandstats')!.get('cmdstat_get')!, /^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0$/);
    assert.match(i.get('Commandstats')!.get('cmdstat_set')!, /^calls=3,/);
    assert.not.ok(i.get('Commandstats')!.has('cmdstat_nosuch'));
    assert.is(i.get('Keyspace')!.get('db0'), 'keys=2,expires=1,avg_ttl=0');
    assert.is(i.get('Keyspace')!.get('db3'), 'keys=1,expires=0,avg_ttl=0');
    assert.is(i.get('Persistence')!.get('rdb_changes_since_last_save'), String(srv.server.keyspace.dirty));
    assert.is(i.get('Replication')!.get('role'), 'master');
    assert.is(i.get('Server')!.get('tcp_port'), String(srv.port));
    assert.is(i.get('Server')!.get('uptime_in_seconds'), '0');
    assert.is(i.get('Memory')!.get('mem_allocator'), 'libc');
    assert.ok(Number(i.get('Memory')!.get('used_memory')) > 0);
    assert.match(i.get('CPU')!.get('used_cpu_user')!, /^\d+\.\d{6}$/);
    assert.match(i.get('Latencystats')!.get('latency_percentiles_usec_get')!, /^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
    srv.clock.advance(3 * 86400 * 1000);
    const later = parse(await info(conn, 'server')).get('Server')!;
    assert.is(later.get('uptime_in_days'), '3');
    // CONFIG RESETSTAT clears what INFO counts
    conn.send('CONFIG', 'RESETSTAT');
    await conn.read();
    const reset = parse(await info(conn, 'stats', 'commandstats', 'errorstats'));
    assert.is(reset.get('Stats')!.get('keyspace_hits'), '0');
    assert.is(reset.get('Stats')!.get('total_error_replies'), '0');
    assert.equal([...reset.get('Errorstats')!.keys()], []);
    assert.equal([...reset.get('Commandstats')!.keys()], ['cmdstat_config|resetstat']);
  } finally {
    other.close();
  }
});

test('extendInfoSection: replaces a field in place or appends one', async () => {
  let active = true; // the registry is process-wide: switch the extension off for the tests after this one
  extendInfoSection('persistence', () => (active ? ['rdb_saves:7', 'toy_extra:1'] : []));
  const p = parse(await info(conn, 'persistence')).get('Persistence')!;
  active = false;
  const fields = [...p.keys()];
  assert.is(p.get('rdb_saves'), '7');
  assert.is(fields.indexOf('rdb_saves'), fields.indexOf('rdb_last_bgsave_time_sec') + 2);
  assert.is(fields[fields.length - 1], 'toy_extra');
});

test('bytesToHuman as Redis prints memory', () => {
  assert.is(bytesToHuman(0), '0B');
  assert.is(bytesToHuman(1023), '1023B');
  assert.is(bytesToHuman(1536), '1.50K');
  assert.is(bytesToHuman(1024 * 1024 * 5.25), '5.25M');
  assert.is(bytesToHuman(3 * 1024 ** 3), '3.00G');
});

test('differential: section names and field order match real redis-server', async () => {
  if (!hasRedis) return;
  await withRealRedis(async (real) => {
    const theirs = parse(await info(real, 'everything'));
    const mine = parse(await info(conn, 'everything'));
    assert.equal([...mine.keys()], [...theirs.keys()]);
    // fields printed only in some states, or only by one of the two
    const optional = /^(used_cpu_(sys|user)_main_thread|cmdstat_.*|errorstat_.*|latency_percentiles_.*|db\d+)$/;
    for (const [section, fields] of theirs) {
      const expected = [...fields.keys()].filter((f) => !optional.test(f));
      const got = [...mine.get(section)!.keys()].filter((f) => !optional.test(f));
      assert.equal(got, expected, section);
    }
  });
});

test.run();
