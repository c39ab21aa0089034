/**
 * toyredis in this process on a free port (startServer from lib/), with a fake clock and captured log lines,
 * a runner for `[argv, expected RESP bytes]` rows sent over a real TCP connection, and a record of what the
 * server propagates to replicas and the AOF.
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
  /** Close every connection connect() made, then the server: a test's teardown. */
  stop(): Promise<void>;
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
  const opened: RawConnection[] = [];
  const connect = async () => {
    const c = await RawConnection.connect(handle.port);
    opened.push(c);
    return c;
  };
  const stop = async () => {
    for (const c of opened.splice(0)) c.close();
    await handle.close();
  };
  return { ...handle, clock, logs, connect, stop };
}

/** How many of the server's clients are parked on a blocking command. */
export const blockedClients = (srv: InProcess) => [...srv.server.clients.values()].filter((c) => c.mode === 'blocked').length;

/**
 * What a server propagates to replicas and the AOF from now on, one argv per command (MULTI and EXEC included
 * when a call wraps several). `of()` sends one command and returns what it alone propagated.
 */
export class Propagated {
  list: string[][] = [];

  constructor(srv: InProcess) {
    srv.server.propagation.sinks.push((_db, argv) => this.list.push([...argv]));
  }

  async of(conn: RawConnection, ...argv: string[]): Promise<string[][]> {
    this.list = [];
    conn.send(...argv);
    await conn.readRaw();
    return this.list;
  }
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
