#!/usr/bin/env node
// Bundles widget/src (TypeScript + socket.io-client) into dist/widget/widget.js: one minified
// IIFE that a site loads with a <script> tag. Prints the raw and gzipped size and fails when the
// gzipped size is over the budget.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const BUDGET_GZIP_BYTES = 40 * 1024;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/widget/widget.js');

await mkdir(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(root, 'widget/src/index.ts')],
  outfile,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  legalComments: 'eof',
  sourcemap: false,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

const code = await readFile(outfile);
const gzipped = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`${relative(root, outfile)}: ${kb(code.length)} raw, ${kb(gzipped)} gzipped (budget ${kb(BUDGET_GZIP_BYTES)})`);
if (gzipped > BUDGET_GZIP_BYTES) {
  console.error(`widget.js is over its size budget by ${gzipped - BUDGET_GZIP_BYTES} bytes gzipped`);
  process.exit(1);
}
