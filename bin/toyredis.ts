/** toyredis: command line → options → startServer(). Errors a user can cause end in one line and exit 1. */
import { CliError, parseCommandLine, USAGE, type MachinesRequest } from '../lib/server/cli';
import { ConfigError } from '../lib/server/config';
import { FatalStartupError, type ShutdownFlags } from '../lib/server/persistence';
import { ListenError, REDIS_VERSION, startServer, VERSION, type ServerHandle } from '../lib/server/server';

async function main(): Promise<void> {
  const opts = parseCommandLine(process.argv.slice(2));
  if (opts.action === 'help') return void process.stdout.write(USAGE);
  if (opts.action === 'version') {
    return void process.stdout.write(`toyredis v=${VERSION} (Redis ${REDIS_VERSION} compatible) node=${process.version}\n`);
  }
  if (opts.action === 'machines') return machines(opts.machines!);
  let handle: ServerHandle | undefined;
  // The inspector (relay, page, WebSocket) is loaded only when asked for: without --inspect none of it runs.
  // Its messages are built a tick after the events, by when startServer() has returned and the port is known.
  const inspection =
    opts.inspectPort !== undefined || opts.inspectUrl !== undefined
      ? await (await import('../lib/inspect/start')).startInspection({
          port: opts.inspectPort,
          bind: opts.inspectBind,
          url: opts.inspectUrl,
          tag: () => String(handle?.port ?? `pid${process.pid}`),
          log: (level, message) => handle?.server.log[level](message),
        })
      : null;
  try {
    handle = await startServer({ config: opts.directives, configFile: opts.configFile, inspect: inspection?.inspect });
  } catch (e) {
    await inspection?.close();
    throw e;
  }
  const { server } = handle;
  server.log.notice(`toyredis ${VERSION} (Redis ${REDIS_VERSION} compatible), pid=${process.pid}, just started`);
  server.log.notice(`Running mode=standalone, port=${handle.port}.`);
  for (const line of inspection?.banner() ?? []) server.log.notice(line);
  server.log.notice('Ready to accept connections tcp');
  let stopping = false;
  const stop = (signal: 'SIGINT' | 'SIGTERM') => {
    if (stopping) {
      if (signal !== 'SIGINT') return;
      server.log.warning('You insist... exiting now.');
      process.exit(1);
    }
    stopping = true;
    server.log.warning(`Received ${signal} scheduling shutdown...`);
    // shutdown-on-sigint / shutdown-on-sigterm: `default` saves when save points are set, as SHUTDOWN does
    const words = server.config.get(signal === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm').split(' ');
    const flags: ShutdownFlags = { save: words.includes('save'), nosave: words.includes('nosave'), now: words.includes('now'), force: words.includes('force') };
    if (!server.shutdown(flags)) stopping = false; // the final save failed: keep serving, as Redis does
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  server.onShutdown = () => process.exit(0);
}

/** `toyredis machines …`: print the definitions, or regenerate README.md's machines block. */
async function machines(request: MachinesRequest): Promise<void> {
  const { renderMachines, updateReadme } = await import('../lib/inspect/machines-command');
  if (request.readme === undefined) return void process.stdout.write(renderMachines(request.name, request.format));
  const changed = updateReadme(request.readme);
  process.stdout.write(`${request.readme}: machines block ${changed ? 'rewritten' : 'already up to date'}\n`);
}

main().catch((e) => {
  if (e instanceof FatalStartupError) process.exit(1); // the server already logged why, as Redis does
  if (e instanceof CliError || e instanceof ConfigError || e instanceof ListenError || e?.name === 'MachinesError' || e?.name === 'RelayListenError') {
    process.stderr.write(`toyredis: ${e.message}\n`);
  } else {
    process.stderr.write(`toyredis: fatal: ${(e as Error)?.stack ?? e}\n`);
  }
  process.exit(1);
});
