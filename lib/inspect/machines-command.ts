/**
 * `toyredis machines [name] --format mermaid|dot|json|svg [--readme [path]]`: the machine definitions as text
 * for the terminal, for Stately Studio (json: the definition the inspector receives) and for README.md, whose
 * block between `<!-- machines:begin -->` and `<!-- machines:end -->` is regenerated from the same definitions.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { BUILT_SVGS } from './built-diagrams';
import { definitionJson } from './definition';
import { diagramOf } from './diagram';
import { toDot } from './dot';
import { findMachine, MACHINES, type KnownMachine } from './machines';
import { toMermaid } from './mermaid';

export const DIAGRAM_FORMATS = ['mermaid', 'dot', 'json', 'svg'] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

export class MachinesError extends Error {
  override name = 'MachinesError'; // bin/toyredis.ts tells it by name: this module is loaded lazily
}

export function renderMachines(name: string | undefined, format: DiagramFormat): string {
  const list = name === undefined ? MACHINES : [lookup(name)];
  switch (format) {
    case 'mermaid':
      return list.map((m) => (list.length > 1 ? `%% ${m.machine.id}: ${m.summary}\n` : '') + toMermaid(diagramOf(m.machine))).join('\n');
    case 'dot':
      return list.map((m) => toDot(diagramOf(m.machine))).join('\n');
    case 'json': {
      const defs = list.map((m) => JSON.parse(definitionJson(m.machine.config)) as unknown);
      return JSON.stringify(list.length > 1 ? Object.fromEntries(list.map((m, i) => [m.machine.id, defs[i]])) : defs[0], null, 2) + '\n';
    }
    case 'svg': {
      if (list.length !== 1) throw new MachinesError(`--format svg draws one machine: name it (${names()})`);
      const svg = BUILT_SVGS[list[0].machine.id];
      if (!svg) throw new MachinesError('SVG diagrams are rendered when the bundle is built: run `node build.mjs`, then `node dist/toyredis.js machines`');
      return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n${svg}\n`;
    }
  }
}

function lookup(name: string): KnownMachine {
  const m = findMachine(name);
  if (!m) throw new MachinesError(`No machine named '${name}' (${names()})`);
  return m;
}

function names(): string {
  return MACHINES.map((m) => m.machine.id).join(', ');
}

export const README_BEGIN = '<!-- machines:begin -->';
export const README_END = '<!-- machines:end -->';

/** The README block: one Mermaid diagram per machine, with what its actors stand for. */
export function readmeBlock(): string {
  const parts = [
    README_BEGIN,
    '<!-- Generated from the machine definitions by `node dist/toyredis.js machines --format mermaid --readme`; test/inspect/readme.test.ts fails when this block is stale. -->',
    '',
    'Start the server with `--inspect` (port 8080) or `--inspect=<port>`, then open `http://127.0.0.1:<port>/`: a live',
    'view that needs no internet, with every actor drawn as its machine, the current state highlighted, and an event',
    'log you can filter by actor. `http://127.0.0.1:<port>/stately` shows the same stream in the hosted Stately',
    'inspector, and any `@statelyai/inspect` WebSocket receiver can subscribe to `ws://127.0.0.1:<port>`. The relay',
    'listens on loopback unless `--inspect-bind <address>` says otherwise. A replica started with',
    '`--inspect ws://<master host>:<port>` sends its machines to its master\'s view, so one page shows both sides.',
    '',
    '`node dist/toyredis.js machines [name] --format mermaid|dot|json|svg` prints the definitions below (json is what',
    'the Stately inspector receives).',
  ];
  for (const m of MACHINES) {
    parts.push('', `#### \`${m.machine.id}\` — ${m.group}`, '', `${m.summary}.`, '', '```mermaid', toMermaid(diagramOf(m.machine)).trimEnd(), '```');
  }
  parts.push(README_END);
  return parts.join('\n');
}

/** README text with its machines block regenerated; a README without one gets it under a new heading at the end. */
export function withReadmeBlock(readme: string): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END, begin);
  if (begin >= 0 && end >= 0) return readme.slice(0, begin) + readmeBlock() + readme.slice(end + README_END.length);
  const sep = readme === '' || readme.endsWith('\n\n') ? '' : readme.endsWith('\n') ? '\n' : '\n\n';
  return `${readme}${sep}## Watching the machines\n\n${readmeBlock()}\n`;
}

/** Regenerate a README file's machines block (creating the file if needed); false when it was up to date. */
export function updateReadme(path: string): boolean {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const after = withReadmeBlock(before);
  if (after === before) return false;
  writeFileSync(path, after);
  return true;
}

/** The machines block of a README as it stands, or null when it has none. */
export function currentReadmeBlock(readme: string): string | null {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END, begin);
  return begin >= 0 && end >= 0 ? readme.slice(begin, end + README_END.length) : null;
}
