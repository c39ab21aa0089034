/**
 * Function libraries between servers, with the built toyredis and real Redis 7.0 in both roles: replicas get the
 * master's libraries at the full resync (in place of their own) and every FUNCTION LOAD/DELETE/RESTORE/FLUSH after
 * it; RDB files with libraries written by one load in the other.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { hasRedis, startRedis, startToyredis, tempDir, type RunningServer } from '../helpers/servers';
import { RawConnection } from '../helpers/raw';
import { ask } from '../helpers/resp';
import { infoField } from '../helpers/info';
import { until } from '../helpers/wait';
import { withRedisLoading } from '../helpers/real-rdb';

const test = suite('integration/functions');

const running: RunningServer[] = [];
const conns: RawConnection[] = [];

async function server(kind: 'toyredis' | 'redis', args: string[] = []): Promise<{ port: number; cmd: (...argv: string[]) => Promise<any> }> {
  const s = kind === 'toyredis' ? await startToyredis(args) : await startRedis(args);
  running.push(s);
  const conn = await RawConnection.connect(s.port);
  conns.push(conn);
  return { port: s.port, cmd: (...argv) => ask(conn, ...argv) };
}

test.after.each(async () => {
  for (const c of conns.splice(0)) c.close();
  for (const s of running.splice(0)) await s.stop();
});

/** A library `name` with one read-only function `<name>_f` returning `value` (replicas may run it). */
const lib = (name: string, value = name) =>
  `#!lua name=${name}\nredis.register_function{function_name='${name}_f', callback=function() return '${value}' end, flags={'no-writes'}}`;

/** The library names a server holds, sorted. */
async function libraries(cmd: (...argv: string[]) => Promise<any>): Promise<string[]> {
  const list: any[][] = await cmd('FUNCTION', 'LIST');
  return list.map((l) => l[1]).sort();
}

const eventually = (check: () => Promise<boolean>, what: string) => until(check, what, 30000, 20);

const PAIRS = [['toyredis', 'toyredis'], ['toyredis', 'redis'], ['redis', 'toyredis']] as const;

for (const [masterKind, replicaKind] of PAIRS) {
  if ((masterKind === 'redis' || replicaKind === 'redis') && !hasRedis) continue;
  test(`${masterKind} master → ${replicaKind} replica: libraries at the full resync, then each FUNCTION change`, async () => {
    const master = await server(masterKind);
    await master.cmd('FUNCTION', 'LOAD', lib('first'));
    await master.cmd('FUNCTION', 'LOAD', lib('second', 'x'.repeat(300)));
    await master.cmd('FUNCTION', 'LOAD', "#!lua name=writer\nredis.register_function('writer_f', function(keys) return redis.call('del', keys[1]) end)");
    await master.cmd('SET', 'k', 'v');
    const replica = await server(replicaKind);
    await replica.cmd('FUNCTION', 'LOAD', lib('own'));
    await replica.cmd('REPLICAOF', '127.0.0.1', String(master.port));
    await eventually(async () => infoField(await replica.cmd('INFO', 'replication'), 'master_link_status') === 'up', 'the link up');
    assert.equal(await libraries(replica.cmd), ['first', 'second', 'writer'], 'the master\'s libraries replace the replica\'s own');
    // a function that may write is refused on a read-only replica before it runs, as a write command is
    await replica.cmd('FCALL', 'writer_f', '1', 'k').then(() => assert.unreachable('a replica ran a function that may write'),
      (e: Error) => assert.match(e.message, /^READONLY You can't write against a read only replica\./));
    await master.cmd('FUNCTION', 'DELETE', 'writer');
    assert.is(await replica.cmd('FCALL_RO', 'second_f', '0'), 'x'.repeat(300));

    const synced = async (what: string) => {
      assert.is(await master.cmd('WAIT', '1', '5000'), 1, what);
    };
    await master.cmd('FUNCTION', 'LOAD', 'REPLACE', lib('first', 'changed'));
    await master.cmd('FUNCTION', 'LOAD', lib('third'));
    await master.cmd('FUNCTION', 'DELETE', 'second');
    await synced('LOAD and DELETE');
    assert.equal(await libraries(replica.cmd), ['first', 'third']);
    assert.is(await replica.cmd('FCALL_RO', 'first_f', '0'), 'changed');
    const payload: string = await master.cmd('FUNCTION', 'DUMP');
    await master.cmd('FUNCTION', 'FLUSH');
    await synced('FLUSH');
    assert.equal(await libraries(replica.cmd), []);
    await master.cmd('FUNCTION', 'RESTORE', payload);
    await synced('RESTORE');
    assert.equal(await libraries(replica.cmd), ['first', 'third']);
    await replica.cmd('FUNCTION', 'LOAD', lib('mine')).then(() => assert.unreachable('a replica took FUNCTION LOAD'),
      (e: Error) => assert.match(e.message, /^READONLY You can't write against a read only replica\./));
  });
}

test('toyredis loads the libraries of a dump file real Redis saved', async () => {
  if (!hasRedis) return;
  const real = await server('redis');
  await real.cmd('FUNCTION', 'LOAD', lib('fromredis', 'y'.repeat(100)));
  await real.cmd('FUNCTION', 'LOAD', lib('other'));
  await real.cmd('SET', 'k', 'v');
  await real.cmd('SAVE');
  const [, dir] = await real.cmd('CONFIG', 'GET', 'dir');
  const mine = tempDir('functions-rdb-');
  copyFileSync(path.join(dir, 'dump.rdb'), path.join(mine, 'dump.rdb'));
  const toy = await server('toyredis', ['--dir', mine]);
  assert.equal(await libraries(toy.cmd), ['fromredis', 'other']);
  assert.is(await toy.cmd('FCALL', 'fromredis_f', '0'), 'y'.repeat(100));
  assert.is(await toy.cmd('GET', 'k'), 'v');
});

test('real Redis loads the libraries of a dump file toyredis saved', async () => {
  if (!hasRedis) return;
  const dir = tempDir('functions-rdb-');
  const toy = await server('toyredis', ['--dir', dir]);
  await toy.cmd('FUNCTION', 'LOAD', lib('fromtoy', 'z'.repeat(100)));
  await toy.cmd('SET', 'k', 'v');
  await toy.cmd('SAVE');
  await withRedisLoading(readFileSync(path.join(dir, 'dump.rdb')), async ({ cmd }) => {
    assert.equal(await libraries(cmd), ['fromtoy']);
    assert.is(await cmd('FCALL', 'fromtoy_f', '0'), 'z'.repeat(100));
    assert.is(await cmd('GET', 'k'), 'v');
  });
});

test.run();
