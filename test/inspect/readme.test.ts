import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { currentReadmeBlock, readmeBlock, README_BEGIN, README_END, withReadmeBlock } from '../../lib/inspect/machines-command';

const test = suite('inspect/readme');

test('README.md shows the machines as they are defined (regenerate: node dist/toyredis.js machines --format mermaid --readme)', () => {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const block = currentReadmeBlock(readme);
  assert.ok(block, `README.md has no ${README_BEGIN} … ${README_END} block`);
  assert.fixture(block!, readmeBlock());
});

test('the block names and draws every machine as Mermaid', () => {
  const block = readmeBlock();
  for (const id of ['client', 'replica', 'replicaSync']) assert.match(block, `#### \`${id}\``);
  assert.is(block.split('```mermaid').length - 1, 3);
  assert.ok(block.startsWith(README_BEGIN) && block.endsWith(README_END));
});

test('regenerating replaces only the block, and changes nothing the second time', () => {
  const before = `# Title\n\nIntro.\n\n${README_BEGIN}\nold diagrams\n${README_END}\n\n## After\n\nText.\n`;
  const once = withReadmeBlock(before);
  assert.ok(once.startsWith('# Title\n\nIntro.\n\n'));
  assert.ok(once.endsWith(`${README_END}\n\n## After\n\nText.\n`));
  assert.not.match(once, 'old diagrams');
  assert.is(withReadmeBlock(once), once);
});

test('a README without the markers gets them under a "Watching the machines" heading at the end', () => {
  const out = withReadmeBlock('# Title\n\nText.\n');
  assert.ok(out.startsWith('# Title\n\nText.\n\n## Watching the machines\n\n' + README_BEGIN));
  assert.ok(out.endsWith(`${README_END}\n`));
  assert.is(withReadmeBlock(out), out);
});

test.run();
