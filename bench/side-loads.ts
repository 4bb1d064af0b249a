/**
 * What work beside the message path costs it (issues 13 and 14): the message path at 1,000
 * msgs/s without and with (a) ten 10 MB uploads at a time through the local-disk path, (b) 20
 * agents' consoles on the live inbox, alternating rounds in one run. The same comparison runs
 * inside `npm run bench`; this is it on its own (about 4 minutes). Our server as a child process
 * pinned to CPU 0, this generator on CPU 1, PostgreSQL left to the scheduler.
 *
 *   npm run bench:side-loads            (needs PostgreSQL)
 *   npm run bench:side-loads -- --consoles-only [--no-refetch]   the consoles alone; without their list refetches
 *   npm run bench:side-loads -- --uploads-only                   the uploads alone
 *   npm run bench:side-loads -- --rounds 5                       more alternating rounds (default 3)
 *   npm run bench:side-loads -- --uploads-only --upload-floor    also the same uploads sent past our server, to a
 *                                                                niced process on its CPU that writes them to disk,
 *                                                                and to one that drops them: what any receiver costs
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import pg from 'pg';
import { defaultLimitRules } from '../src/router/limits.js';
import { buildServers } from './lib/build.js';
import { connectFleet } from './lib/fleet.js';
import { runStep } from './lib/load.js';
import { freePort, hasTaskset, setBenchDatabase, startServer } from './lib/proc.js';
import { compareSideLoad, consolesLoad, sideLoadRows, uploadsLoad, type SideLoadResult } from './lib/side-loads.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RATE = 1_000;
// This machine's p99 swings several-fold between identical rounds: more rounds, steadier medians.
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;

const pin = os.cpus().length >= 2 && hasTaskset();
if (pin && !process.env.BENCH_PINNED) {
  const child = spawn('taskset', ['-c', '1', process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' }, cwd: root });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main();
}

async function main() {
  const log = (...parts: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);
  const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `support_bench_side_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  setBenchDatabase(dbName);
  const secret = randomBytes(32).toString('hex');
  const limits = Object.fromEntries(Object.keys(defaultLimitRules).filter((n) => !n.startsWith('CODE_')).map((n) => [`LIMIT_${n}`, '1000000/1']));
  const env = {
    DATABASE_URL: Object.assign(new URL(baseUrl), { pathname: `/${dbName}` }).toString(),
    JWT_SECRET: secret,
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    // BENCH_DATA_DIR=/dev/shm puts the attachments in memory: disk writes out of the picture.
    DATA_DIR: mkdtempSync(path.join(process.env.BENCH_DATA_DIR ?? os.tmpdir(), 'support-bench-side-')),
    ...limits,
  };
  const token = () =>
    new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject(randomUUID()).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(secret));
  const scripts = buildServers(root, log);
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": where the server's time goes.
  const extra = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const server = await startServer('ours', [...scripts.loader, ...extra, scripts('ours')], { env, cpu: pin ? 0 : undefined, port: await freePort(), cwd: root });
  const results: SideLoadResult[] = [];
  try {
    const fleet = await connectFleet(server.url, { guests: 200, adminTokens: await Promise.all(Array.from({ length: 5 }, token)) });
    let step = 0;
    const nextStep = () => ++step;
    log('warming up');
    await runStep(fleet, { rate: RATE, warmupS: 0, measureS: 4, step: nextStep(), messageBytes: 64, stallS: 5 }, server.pid);
    const consoles = consolesLoad(server.url, await Promise.all(Array.from({ length: 20 }, token)), { refetch: !process.argv.includes('--no-refetch') });
    const uploads = uploadsLoad(server.url, fleet.guests);
    const floors = process.argv.includes('--upload-floor')
      ? (['disk', 'null'] as const).map((kind) => uploadsLoad(server.url, fleet.guests, { sink: { kind, cpu: pin ? 0 : undefined } }))
      : [];
    const loads = process.argv.includes('--consoles-only') ? [consoles] : process.argv.includes('--uploads-only') ? [uploads, ...floors] : [uploads, ...floors, consoles];
    for (const load of loads) {
      results.push(await compareSideLoad(fleet, server, load, { rate: RATE, rounds: ROUNDS, nextStep, log }));
    }
    fleet.close();
  } finally {
    await server.stop();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
  const table = ['| side load | message:send p99 | server RSS | messages |', '| --- | --- | --- | --- |', ...sideLoadRows(results, RATE)].join('\n');
  console.log(`\n${table}\n`);
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'bench', 'results', 'side-loads.md'), `npm run bench:side-loads (${new Date().toISOString()})\n\n${table}\n`);
}
