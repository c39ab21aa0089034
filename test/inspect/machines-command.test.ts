import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, parseCommandLine } from '../../lib/server/cli';
import { definitionJson } from '../../lib/inspect/definition';
import { MachinesError, renderMachines, updateReadme } from '../../lib/inspect/machines-command';
import { replicaMachine } from '../../machines/replica';
import { tempDir, TOYREDIS } from '../helpers/servers';

const test = suite('inspect/machines-command');

function toyredis(args: string[], cwd?: string) {
  assert.ok(existsSync(TOYREDIS), 'dist/toyredis.js is built (node build.mjs)');
  return spawnSync(process.execPath, [TOYREDIS, ...args], { encoding: 'utf8', timeout: 20000, cwd });
}

test('parsing: machines [name] --format f --readme [path]', () => {
  const m = (...argv: string[]) => parseCommandLine(['machines', ...argv]).machines;
  assert.equal(m(), { format: 'mermaid' });
  assert.equal(m('replica', '--format', 'dot'), { name: 'replica', format: 'dot' });
  assert.equal(m('--format=json', 'client'), { name: 'client', format: 'json' });
  assert.equal(m('--readme'), { format: 'mermaid', readme: 'README.md' });
  assert.equal(m('--format', 'mermaid', '--readme', 'docs/R.md'), { format: 'mermaid', readme: 'docs/R.md' });
  assert.is(parseCommandLine(['machines']).action, 'machines');
  for (const bad of [['--format', 'png'], ['--format'], ['--colour'], ['a', 'b'], ['replica', '--readme'], ['--format', 'dot', '--readme']]) {
    assert.throws(() => m(...bad), (e: unknown) => e instanceof CliError, bad.join(' '));
  }
});

test('parsing: --inspect[=port], --inspect ws://…, --inspect-bind', () => {
  assert.is(parseCommandLine([]).inspectPort, undefined);
  assert.is(parseCommandLine(['--inspect']).inspectPort, 8080);
  assert.is(parseCommandLine(['--inspect=9001']).inspectPort, 9001);
  assert.is(parseCommandLine(['--inspect', '9002', '--port', '7000']).inspectPort, 9002);
  const remote = parseCommandLine(['--inspect', 'ws://127.0.0.1:9003']);
  assert.is(remote.inspectUrl, 'ws://127.0.0.1:9003');
  assert.is(remote.inspectPort, undefined);
  assert.is(parseCommandLine(['--inspect-bind', '0.0.0.0', '--inspect']).inspectBind, '0.0.0.0');
  for (const bad of ['abc', '70000', '-1', '12x']) {
    assert.throws(() => parseCommandLine(['--inspect', bad]), (e: unknown) => e instanceof CliError, bad);
  }
});

test('json is the definition the Stately inspector receives; names are matched loosely', () => {
  assert.equal(JSON.parse(renderMachines('replica', 'json')), JSON.parse(definitionJson(replicaMachine.config)));
  assert.equal(Object.keys(JSON.parse(renderMachines(undefined, 'json'))), ['client', 'replica', 'replicaSync']);
  assert.is(renderMachines('replica-sync', 'dot'), renderMachines('replicaSync', 'dot'));
  assert.throws(() => renderMachines('nope', 'dot'), (e: unknown) => e instanceof MachinesError && /No machine named 'nope' \(client, replica, replicaSync\)/.test(e.message));
  assert.throws(() => renderMachines(undefined, 'svg'), (e: unknown) => e instanceof MachinesError);
});

test('the built binary prints each format', () => {
  const dot = toyredis(['machines', 'replica', '--format', 'dot']);
  assert.is(dot.status, 0, dot.stderr);
  assert.is(dot.stdout, renderMachines('replica', 'dot'));
  const svg = toyredis(['machines', 'replica', '--format', 'svg']);
  assert.is(svg.status, 0, svg.stderr);
  assert.ok(svg.stdout.startsWith('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<svg'));
  assert.match(svg.stdout, '<title>replica.linked.handshake.receivePsyncReply</title>');
  const mermaid = toyredis(['machines']);
  assert.is(mermaid.stdout, renderMachines(undefined, 'mermaid'));
  assert.match(mermaid.stdout, '%% replicaSync: ');
  const bad = toyredis(['machines', 'nope']);
  assert.is(bad.status, 1);
  assert.is(bad.stderr, "toyredis: No machine named 'nope' (client, replica, replicaSync)\n");
});

test('--readme rewrites the block of the README it is given, once', () => {
  const dir = tempDir();
  const file = path.join(dir, 'README.md');
  writeFileSync(file, '# Mine\n');
  const first = toyredis(['machines', '--format', 'mermaid', '--readme', file]);
  assert.is(first.stdout, `${file}: machines block rewritten\n`);
  const text = readFileSync(file, 'utf8');
  assert.match(text, '# Mine\n\n## Watching the machines\n\n<!-- machines:begin -->');
  assert.is(toyredis(['machines', '--readme', file]).stdout, `${file}: machines block already up to date\n`);
  assert.is(updateReadme(file), false);
});

test.run();
