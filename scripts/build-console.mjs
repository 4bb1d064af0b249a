#!/usr/bin/env node
// Bundles console/src (React + TanStack Query + the tRPC client) into dist/console/: console.js,
// console.css and index.html, served at /agent. Prints the raw and gzipped size of what a browser
// downloads and fails when the gzipped total is over the budget.
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const BUDGET_GZIP_BYTES = 150 * 1024;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/console');

await mkdir(outdir, { recursive: true });
await build({
  entryPoints: { console: join(root, 'console/src/main.tsx') },
  outdir,
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  legalComments: 'eof',
  sourcemap: false,
  logLevel: 'warning',
  // React's production build: the development one is larger and warns in the console.
  define: { 'process.env.NODE_ENV': '"production"' },
});
await copyFile(join(root, 'console/index.html'), join(outdir, 'index.html'));

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let total = 0;
for (const name of ['console.js', 'console.css', 'index.html']) {
  const body = await readFile(join(outdir, name));
  const gzipped = gzipSync(body, { level: 9 }).length;
  total += gzipped;
  console.log(`${relative(root, join(outdir, name))}: ${kb(body.length)} raw, ${kb(gzipped)} gzipped`);
}
console.log(`console: ${kb(total)} gzipped in all (budget ${kb(BUDGET_GZIP_BYTES)})`);
if (total > BUDGET_GZIP_BYTES) {
  console.error(`the console is over its size budget by ${total - BUDGET_GZIP_BYTES} bytes gzipped`);
  process.exit(1);
}
