/**
 * toyredis in this process on a free port (startServer from lib/), with a fake clock and captured log lines,
 * plus a runner for `[argv, expected RESP bytes]` rows sent over a real TCP connection.
 */
import * as assert from 'uvu/assert';
import { startServer, type ServerHandle, type ServerOptions } from '../../lib/server/server';
import { FakeClock } from './clock';
import { RawConnection } from './raw';
import { tempDir } from './servers';

export interface InProcess extends ServerHandle {
  clock: FakeClock;
  logs: string[];
  connect(): Promise<RawConnection>;
}

/**
 * Persistence is off and files go to a fresh temp dir unless the test says otherwise (`options.config` entries
 * come after these defaults, so they win): a test never reads or writes the working directory's dump.rdb.
 */
export async function startInProcess(options: ServerOptions = {}): Promise<InProcess> {
  const clock = new FakeClock();
  const logs: string[] = [];
  const config: [string, string][] = [['dir', tempDir('toyredis-inproc-')], ['save', ''], ['appendonly', 'no'], ...(options.config ?? [])] as [string, string][];
  const handle = await startServer({ port: 0, bind: '127.0.0.1', clock, logSink: (l) => logs.push(l), ...options, config });
  return { ...handle, clock, logs, connect: () => RawConnection.connect(handle.port) };
}

/** A row: the command, then the exact bytes of the reply (or a pattern they must match). */
export type Row = [argv: string[], expected: string | RegExp];

/** Send each row's command on `conn` and compare the reply's bytes. */
export async function runRows(conn: RawConnection, rows: Row[]): Promise<void> {
  for (const [argv, expected] of rows) {
    conn.send(...argv);
    const got = await conn.readRaw();
    const label = `${argv.map((a) => JSON.stringify(a)).join(' ')}`;
    if (typeof expected === 'string') assert.is(got, expected, label);
    else assert.match(got, expected, label);
  }
}
