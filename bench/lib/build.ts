import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Compiles ours (as `npm run build` does) and the baselines to JavaScript under
 * node_modules/.cache, so that every server runs as plain `node file.js`: no TypeScript
 * loader thread in any of them, which would blur memory and CPU. Falls back to tsx.
 */
export function buildServers(root: string, log: (...parts: unknown[]) => void) {
  const cache = path.join(root, 'node_modules', '.cache', 'support-bench');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const compile = (project: string, outDir: string) =>
    spawnSync(process.execPath, [tsc, '-p', project, '--noCheck', '--outDir', outDir, '--sourceMap', 'false'], { cwd: root, encoding: 'utf8' });
  rmSync(cache, { recursive: true, force: true });
  const ours = compile('tsconfig.build.json', path.join(cache, 'ours'));
  const servers = compile('bench/tsconfig.servers.json', path.join(cache, 'servers'));
  if (ours.status === 0 && servers.status === 0) {
    const scripts = (name: string) => (name === 'ours' ? path.join(cache, 'ours', 'main.js') : path.join(cache, 'servers', `${name}.js`));
    return Object.assign(scripts, { loader: [] as string[] });
  }
  log(`could not compile the servers (${(ours.stdout + servers.stdout).slice(0, 400)}); running them through tsx`);
  const scripts = (name: string) => path.join(root, name === 'ours' ? 'src/main.ts' : `bench/servers/${name}.ts`);
  return Object.assign(scripts, { loader: ['--import', 'tsx'] });
}
