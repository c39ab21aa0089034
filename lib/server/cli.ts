/**
 * The command line and config files, read the way redis-server reads them (main() and loadServerConfig in
 * server.c/config.c): an optional config file path first, then `--name value...` for any parameter; each becomes
 * a `name value` directive applied after the file's own lines. Multi-word values (`--replicaof host port`,
 * `--save "3600 1"`) are joined with spaces, so `--replicaof "host port"` means the same.
 */
import arg from 'arg';
import { readFileSync } from 'node:fs';
import { splitInlineArgs } from '../protocol/resp';

export interface CliOptions {
  action: 'serve' | 'version' | 'help' | 'machines';
  configFile?: string;
  directives: [string, string][];
  /** --inspect[=port]: the port of the inspection relay, when asked for. */
  inspectPort?: number;
  inspectBind?: string;
  /** --inspect ws://host:port: send inspection to a relay that runs elsewhere instead of running one. */
  inspectUrl?: string;
  /** `toyredis machines [name] --format f [--readme [path]]`. */
  machines?: MachinesRequest;
}

export interface MachinesRequest {
  name?: string;
  format: 'mermaid' | 'dot' | 'json' | 'svg';
  /** Rewrite the machines block of this README instead of printing. */
  readme?: string;
}

export class CliError extends Error {}

/** Split one config line into words (quotes and escapes as sdssplitargs). */
export function splitConfigLine(line: string): string[] | null {
  const b = Buffer.from(line, 'latin1');
  return splitInlineArgs(b, 0, b.length);
}

/** Config file text → directives. Blank lines and `#` comments are skipped, as loadServerConfigFromString does. */
export function parseConfigText(text: string, origin: string): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = splitConfigLine(line);
    if (words === null) throw new CliError(`${origin}, line ${i + 1}: unbalanced quotes in configuration line: ${line}`);
    if (words.length < 2 && words[0]?.toLowerCase() !== 'save') {
      throw new CliError(`${origin}, line ${i + 1}: '${line}': wrong number of arguments`);
    }
    out.push([words[0].toLowerCase(), words.slice(1).join(' ')]);
  }
  return out;
}

/** `machines [name] [--format mermaid|dot|json|svg] [--readme [path]]` (the words after `machines`). */
export function parseMachinesCommand(words: string[]): MachinesRequest {
  const request: MachinesRequest = { format: 'mermaid' };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const [flag, inline] = w.startsWith('--') && w.includes('=') ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] : [w, undefined];
    if (flag === '--format') {
      const f = inline ?? words[++i];
      if (f !== 'mermaid' && f !== 'dot' && f !== 'json' && f !== 'svg') {
        throw new CliError(`Invalid --format '${f ?? ''}': one of mermaid, dot, json, svg`);
      }
      request.format = f;
    } else if (flag === '--readme') {
      request.readme = inline ?? (words[i + 1] !== undefined && !words[i + 1].startsWith('--') ? words[++i] : 'README.md');
    } else if (!w.startsWith('--') && request.name === undefined) {
      request.name = w;
    } else {
      throw new CliError(`Invalid machines option '${w}': usage is machines [name] [--format mermaid|dot|json|svg] [--readme [path]]`);
    }
  }
  if (request.readme !== undefined && (request.format !== 'mermaid' || request.name !== undefined)) {
    throw new CliError('--readme writes every machine as Mermaid: use it without a name and with --format mermaid');
  }
  return request;
}

const PROGRAM_FLAGS = { '--version': Boolean, '-v': '--version', '--help': Boolean, '-h': '--help' } as const;

export function parseCommandLine(argv: string[]): CliOptions {
  if (argv[0] === 'machines') return { action: 'machines', directives: [], machines: parseMachinesCommand(argv.slice(1)) };
  // As redis-server, -v/--version and -h/--help count only as the first argument; `arg` reads them. Nothing else is
  // handed to it: it would split any word starting with one dash into short flags ("-@all" into -@ -a -l -l), and
  // parameter values may start with one (`--bind "127.0.0.1 -::1"`, `--user alice on -@all`).
  if (argv.length > 0 && argv[0] in PROGRAM_FLAGS) {
    const parsed = arg(PROGRAM_FLAGS, { argv: argv.slice(0, 1) });
    if (parsed['--help']) return { action: 'help', directives: [] };
    if (parsed['--version']) return { action: 'version', directives: [] };
  }
  const rest = argv;
  const opts: CliOptions = { action: 'serve', directives: [] };
  let i = 0;
  if (rest.length && !rest[0].startsWith('--')) {
    opts.configFile = rest[0];
    let text: string;
    try {
      text = readFileSync(rest[0], 'latin1');
    } catch (e) {
      throw new CliError(`Fatal error, can't open config file '${rest[0]}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
    }
    opts.directives.push(...parseConfigText(text, `config file '${rest[0]}'`));
    i = 1;
  }
  while (i < rest.length) {
    const token = rest[i++];
    if (!token.startsWith('--') || token.length === 2) throw new CliError(`Invalid option '${token}': options look like --name value`);
    const eq = token.indexOf('=');
    const name = (eq > 0 ? token.slice(2, eq) : token.slice(2)).toLowerCase();
    const words: string[] = eq > 0 ? [token.slice(eq + 1)] : [];
    while (i < rest.length && !rest[i].startsWith('--')) words.push(rest[i++]);
    if (name === 'inspect') {
      if (words.length && /^wss?:\/\//.test(words[0])) {
        opts.inspectUrl = words[0];
        continue;
      }
      opts.inspectPort = words.length ? Number(words[0]) : 8080;
      if (!/^\d+$/.test(words[0] ?? '8080') || opts.inspectPort > 65535) {
        throw new CliError(`Invalid --inspect port '${words[0]}': a port number, or ws://host:port to send to a relay elsewhere`);
      }
      continue;
    }
    if (name === 'inspect-bind') {
      opts.inspectBind = words.join(' ');
      continue;
    }
    if (words.length === 0 && name !== 'save') throw new CliError(`Option '--${name}' needs a value`);
    opts.directives.push([name, words.join(' ')]);
  }
  return opts;
}

export const USAGE = `Usage: toyredis [/path/to/redis.conf] [options]
       toyredis -v or --version
       toyredis -h or --help
       toyredis machines [name] [--format mermaid|dot|json|svg] [--readme [README.md]]

Options are redis-server's: --<parameter> <value> for any configuration parameter, e.g.
  --port 6380                      TCP port (default 6379)
  --bind "127.0.0.1 -::1"          addresses to listen on (default loopback only)
  --replicaof "host port"          start as a replica of that master (also: --replicaof host port)
  --dir /path --dbfilename x.rdb   where snapshots live
  --requirepass secret             require AUTH
  --loglevel debug|verbose|notice|warning   --logfile path
toyredis only:
  --inspect[=port]                 serve the live state machine view on 127.0.0.1:<port> (default 8080)
  --inspect ws://host:port         send this server's machine events to that relay instead (e.g. a master's)
  --inspect-bind <address>         where that view listens

Examples:
  toyredis --port 6380 --replicaof "127.0.0.1 6379"
  toyredis /etc/redis/redis.conf --loglevel verbose
`;
