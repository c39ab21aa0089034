/**
 * DEBUG (debug.c): the subcommands Redis's own tests and operators use to look inside the server. Refused unless
 * enable-debug-command allows it, as Redis 7 does.
 */
import { fail } from '../protocol/errors';
import { OK, type Reply } from '../protocol/reply';
import { aclOf } from '../server/acl';
import type { ArgCursor } from './args';
import { helpReply, protectedActionAllowed, strerror, subcommandSyntaxError } from './server';
import type { CommandContext, CommandSpec } from './types';

export const debugCommands: readonly CommandSpec[] = [
  { name: 'DEBUG', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale', 'protected'], group: 'server', since: '1.0.0', summary: 'Subcommands for debugging the server.', complexity: 'Depends on subcommand.', run: debugCommand,
    docFlags: ['syscmd'] },
];

// DEBUG subcommand [argument ...]
function debugCommand(ctx: CommandContext, args: ArgCursor): Reply {
  const { server, client, argv } = ctx;
  if (!protectedActionAllowed(server, 'enable-debug-command', client)) {
    fail('ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.');
  }
  const sub = args.next().toLowerCase();
  if (sub === 'help' && argv.length === 2) {
    return helpReply(argv[0], [
      'CONFIG-REWRITE-FORCE-ALL',
      '    Like CONFIG REWRITE but writes all configuration options, including keywords not',
      '    listed in original configuration file or default values.',
      'LOG <message>',
      '    Write <message> to the server log.',
      'SLEEP <seconds>',
      '    Stop the server for <seconds>. Decimals allowed.',
    ]);
  }
  if (sub === 'sleep' && argv.length === 3) {
    // strtod(): the leading number, 0 for none. The whole server stops, as Redis's nanosleep() does; tests use
    // it to make latency spikes and slow commands.
    const seconds = parseFloat(argv[2]);
    if (seconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.trunc(seconds * 1e6) / 1000);
    return OK;
  }
  if (sub === 'log' && argv.length === 3) {
    server.log.warning(`DEBUG LOG: ${argv[2]}`);
    return OK;
  }
  if (sub === 'config-rewrite-force-all' && argv.length === 2) {
    if (!server.configFile) fail('ERR CONFIG-REWRITE-FORCE-ALL failed: The server is running without a config file');
    try {
      server.config.rewrite(server.configFile, aclOf(server).configLines(), true);
    } catch (e) {
      fail(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${strerror(e)}`);
    }
    return OK;
  }
  return subcommandSyntaxError(argv);
}

