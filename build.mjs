// Bundles bin/toyredis.ts and everything it imports into one CommonJS file, dist/toyredis.js.
// CommonJS rather than ESM: `ws` (pulled in lazily by --inspect) does dynamic require()s that ESM output breaks.
// First renders the machine diagrams: DOT from the machine definitions → SVG with @viz-js/viz (Graphviz as
// WASM, a build-time tool only), compiled into the bundle, so diagrams can't go stale and Graphviz isn't shipped.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const svgs = await renderMachineDiagrams();

await build({
  entryPoints: ['bin/toyredis.ts'],
  outfile: 'dist/toyredis.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  define: { __TOYREDIS_VERSION__: JSON.stringify(version), __TOYREDIS_MACHINE_SVGS__: JSON.stringify(svgs) },
  logLevel: 'warning',
});

/** { machine id: SVG } for every machine lib/inspect/machines.ts lists; DOT and SVG files kept in dist/gen. */
async function renderMachineDiagrams() {
  mkdirSync('dist/gen', { recursive: true });
  // The diagram code is TypeScript: bundle a small generator with the same esbuild, then load it.
  await build({
    stdin: {
      contents: `import { MACHINES } from './lib/inspect/machines';
        import { diagramOf } from './lib/inspect/diagram';
        import { toDot } from './lib/inspect/dot';
        export const dots = MACHINES.map((m) => [m.machine.id, toDot(diagramOf(m.machine))]);`,
      resolveDir: '.',
      loader: 'ts',
    },
    outfile: 'dist/gen/diagrams.cjs',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  const require = createRequire(import.meta.url);
  const { dots } = require('./dist/gen/diagrams.cjs');
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  const svgs = {};
  for (const [id, dot] of dots) {
    writeFileSync(`dist/gen/${id}.dot`, dot);
    const result = viz.render(dot, { format: 'svg' });
    if (result.status !== 'success') throw new Error(`Graphviz failed on machine ${id}: ${result.errors.map((e) => e.message).join('; ')}`);
    // Inline use: the <svg> element alone, without the XML prolog, doctype and generator comments.
    const svg = result.output.slice(result.output.indexOf('<svg')).replace(/<!--[\s\S]*?-->\n?/g, '').trim();
    writeFileSync(`dist/gen/${id}.svg`, svg + '\n');
    svgs[id] = svg;
  }
  return svgs;
}
