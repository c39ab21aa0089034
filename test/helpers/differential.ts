/**
 * Differential tests: the same commands to toyredis and to real redis-server 7.0, the replies compared byte for
 * byte. Real Redis runs on a free loopback port for one test and is stopped whatever happens.
 */
import * as assert from 'uvu/assert';
import { RawConnection } from './raw';
import { startRedis, type RunningServer } from './servers';

/** Real redis-server (started with `args`) and one connection to it, for the length of `fn`. */
export async function withRealRedis<T>(fn: (real: RawConnection, redis: RunningServer) => Promise<T>, args: string[] = []): Promise<T> {
  const redis = await startRedis(args);
  try {
    const real = await RawConnection.connect(redis.port);
    try {
      return await fn(real, redis);
    } finally {
      real.close();
    }
  } finally {
    await redis.stop();
  }
}

/** An argv as an assertion's label: each argument quoted, so binary and empty ones show. */
export const label = (argv: readonly string[]) => argv.map((a) => JSON.stringify(a)).join(' ');

/**
 * Send each command to both connections in turn and require the same reply bytes. HELLO's reply names the
 * server, so only its effect (the protocol switch) is compared, through the replies that follow.
 */
export async function sameReplies(mine: RawConnection, real: RawConnection, argvs: readonly string[][]): Promise<void> {
  for (const argv of argvs) {
    mine.send(...argv);
    real.send(...argv);
    const [got, want] = [await mine.readRaw(), await real.readRaw()];
    if (argv[0] === 'HELLO') continue;
    assert.is(got, want, label(argv));
  }
}
