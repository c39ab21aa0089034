// Bundles bin/toyredis.ts and everything it imports into one CommonJS file, dist/toyredis.js.
// CommonJS rather than ESM: `ws` (pulled in lazily by --inspect) does dynamic require()s that ESM output breaks.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['bin/toyredis.ts'],
  outfile: 'dist/toyredis.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  define: { __TOYREDIS_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});
