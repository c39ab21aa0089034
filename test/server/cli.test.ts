import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, parseCommandLine } from '../../lib/server/cli';
import { tempDir } from '../helpers/servers';

const test = suite('server/cli');

const directives = (...argv: string[]) => parseCommandLine(argv).directives;

test('program flags count only as the first argument, as redis-server reads them', () => {
  assert.is(parseCommandLine(['--version']).action, 'version');
  assert.is(parseCommandLine(['-v']).action, 'version');
  assert.is(parseCommandLine(['--help']).action, 'help');
  assert.is(parseCommandLine(['-h']).action, 'help');
  assert.equal(directives('--requirepass', '-v'), [['requirepass', '-v']]);
});

test('--name value…: several words join with spaces, quoted or not; values may start with a dash', () => {
  assert.equal(directives('--port', '6380', '--replicaof', '127.0.0.1', '6379'), [['port', '6380'], ['replicaof', '127.0.0.1 6379']]);
  assert.equal(directives('--replicaof', '127.0.0.1 6379'), [['replicaof', '127.0.0.1 6379']]);
  assert.equal(directives('--bind', '127.0.0.1', '-::1'), [['bind', '127.0.0.1 -::1']]);
  assert.equal(directives('--user', 'alice', 'on', '-@all', '+get', '~k*'), [['user', 'alice on -@all +get ~k*']]);
  assert.equal(directives('--save', ''), [['save', '']]);
  assert.equal(directives('--Port', '1'), [['port', '1']]);
});

test('a config file first, then command-line directives after its lines', () => {
  const file = path.join(tempDir(), 'redis.conf');
  writeFileSync(file, '# comment\nport 7000\n\nsave "900 1"\nbind 127.0.0.1 -::1\n');
  const opts = parseCommandLine([file, '--port', '7001']);
  assert.is(opts.configFile, file);
  assert.equal(opts.directives, [['port', '7000'], ['save', '900 1'], ['bind', '127.0.0.1 -::1'], ['port', '7001']]);
});

test('mistakes are one-line errors', () => {
  const message = (...argv: string[]) => {
    try {
      parseCommandLine(argv);
    } catch (e) {
      assert.instance(e, CliError);
      return (e as Error).message;
    }
    assert.unreachable('accepted');
    return '';
  };
  assert.match(message('/no/such.conf'), /^Fatal error, can't open config file '\/no\/such\.conf': No such file or directory$/);
  assert.match(message('--port'), /needs a value/);
  assert.match(message('--'), /Invalid option/);
});

test.run();
