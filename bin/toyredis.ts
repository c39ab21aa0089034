/** toyredis: command line → options → startServer(). Errors a user can cause end in one line and exit 1. */
import { CliError, parseCommandLine, USAGE } from '../lib/server/cli';
import { ConfigError } from '../lib/server/config';
import { ListenError, REDIS_VERSION, startServer, VERSION } from '../lib/server/server';

async function main(): Promise<void> {
  const opts = parseCommandLine(process.argv.slice(2));
  if (opts.action === 'help') return void process.stdout.write(USAGE);
  if (opts.action === 'version') {
    return void process.stdout.write(`toyredis v=${VERSION} (Redis ${REDIS_VERSION} compatible) node=${process.version}\n`);
  }
  const handle = await startServer({ config: opts.directives, configFile: opts.configFile });
  const { server } = handle;
  server.log.notice(`toyredis ${VERSION} (Redis ${REDIS_VERSION} compatible), pid=${process.pid}, just started`);
  server.log.notice(`Running mode=standalone, port=${handle.port}.`);
  server.log.notice('Ready to accept connections tcp');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.warning(`Received ${signal} scheduling shutdown...`);
    server.shutdown().finally(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  server.onShutdown = () => process.exit(0);
}

main().catch((e) => {
  if (e instanceof CliError || e instanceof ConfigError || e instanceof ListenError) {
    process.stderr.write(`toyredis: ${e.message}\n`);
  } else {
    process.stderr.write(`toyredis: fatal: ${(e as Error)?.stack ?? e}\n`);
  }
  process.exit(1);
});
