/**
 * RDB files and real Redis: a server driven with plain-data replies whose SAVE output a test reads, a server
 * started on a file toyredis wrote, and redis-check-rdb run over toyredis's bytes.
 */
import * as assert from 'uvu/assert';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withRealRedis } from './differential';
import type { RawConnection } from './raw';
import { ask } from './resp';
import { tempDir } from './servers';

export const redisCheckRdbPath = ['/usr/bin/redis-check-rdb', '/usr/local/bin/redis-check-rdb'].find((p) => existsSync(p));

/** A connection to a server and `cmd`, which sends on it and answers with plain data (see resp.ts `ask`). */
export interface RedisClient {
  conn: RawConnection;
  cmd(...argv: (string | number | Buffer)[]): Promise<any>;
}

/** Real redis-server started with `args`, and a client to it, for the length of `fn`. */
export function withRedisClient<T>(fn: (c: RedisClient) => Promise<T>, args: string[] = []): Promise<T> {
  return withRealRedis((conn) => fn({ conn, cmd: (...argv) => ask(conn, ...argv) }), args);
}

/** Real redis-server started on `rdb` (as toy.rdb in a fresh directory, so it loads it), and a client to it. */
export async function withRedisLoading<T>(rdb: Buffer, fn: (c: RedisClient) => Promise<T>): Promise<T> {
  const dir = tempDir('rdb-for-redis-');
  writeFileSync(path.join(dir, 'toy.rdb'), rdb);
  return withRedisClient(fn, ['--dir', dir, '--dbfilename', 'toy.rdb']);
}

/** SAVE on the server behind `cmd`, then the file it wrote: dump.rdb in its dir. */
export async function savedRdb(cmd: RedisClient['cmd']): Promise<Buffer> {
  assert.is(await cmd('SAVE'), 'OK');
  const [, dir] = await cmd('CONFIG', 'GET', 'dir');
  return readFileSync(path.join(dir, 'dump.rdb'));
}

/** redis-check-rdb over `rdb`, written to a file of its own; status 0 means Redis accepts it. */
export function checkRdb(rdb: Buffer): SpawnSyncReturns<string> {
  if (!redisCheckRdbPath) throw new Error('redis-check-rdb is not installed');
  const file = path.join(tempDir('rdb-check-'), 'check.rdb');
  writeFileSync(file, rdb);
  return spawnSync(redisCheckRdbPath, [file], { encoding: 'latin1' });
}
