/**
 * The servers and ioredis clients one test starts, all stopped after it: `const scope = serverScope()`, then
 * `test.after.each(scope.stop)` and `scope.toyredis()`, `scope.realRedis()`, `scope.client(port)` in the tests.
 */
import Redis from 'ioredis';
import { startRedis, startToyredis } from './servers';

export function serverScope() {
  const running: { stop(): Promise<void> }[] = [];
  const clients: Redis[] = [];
  const keep = <T extends { stop(): Promise<void> }>(s: T): T => (running.push(s), s);
  return {
    /** Anything else with a stop() (a scripted fake server) to stop with the rest. */
    keep,
    toyredis: async (args: string[] = []) => keep(await startToyredis(args)),
    realRedis: async (args: string[] = []) => keep(await startRedis(args)),
    /** One connection that gives up at once when the server goes away, instead of retrying. */
    client(port: number): Redis {
      const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
      clients.push(r);
      return r;
    },
    async stop(): Promise<void> {
      for (const c of clients.splice(0)) c.disconnect();
      for (const s of running.splice(0)) await s.stop();
    },
  };
}
