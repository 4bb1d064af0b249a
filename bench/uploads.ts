/**
 * Attachments under load (issue 14): ten 10 MB uploads at a time through the local-disk path
 * (streamed through the server) while the message path runs at 1,000 msgs/s. Measured against
 * the same load without uploads, in the same run, alternating: the server's RSS (peak over
 * the step) and the p99 of message:send. Our server as a child process pinned to CPU 0, this
 * generator on CPU 1, PostgreSQL left to the scheduler.
 *
 *   npm run bench:uploads                 (needs PostgreSQL; about 2 minutes)
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import pg from 'pg';
import { defaultLimitRules } from '../src/router/limits.js';
import { buildServers } from './lib/build.js';
import { connectFleet, type Guest } from './lib/fleet.js';
import { runStep, type StepResult } from './lib/load.js';
import { freePort, hasTaskset, rssOf, setBenchDatabase, startServer } from './lib/proc.js';
import { fmt } from './lib/stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RATE = 1_000;
const UPLOADS_AT_ONCE = 10;
const FILE_BYTES = 10 * 1024 * 1024;
const ROUNDS = 3;

const pin = os.cpus().length >= 2 && hasTaskset();
if (pin && !process.env.BENCH_PINNED) {
  const child = spawn('taskset', ['-c', '1', process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' }, cwd: root });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main();
}

async function main() {
  const log = (...parts: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);
  const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `support_bench_uploads_${randomBytes(4).toString('hex')}`;
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
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'support-bench-uploads-')),
    ...limits,
  };
  const scripts = buildServers(root, log);
  const server = await startServer('ours', [...scripts.loader, scripts('ours')], { env, cpu: pin ? 0 : undefined, port: await freePort(), cwd: root });
  const tokens = await Promise.all(
    Array.from({ length: 5 }, () =>
      new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject(randomUUID()).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(secret)),
    ),
  );
  const results: { plain: StepResult[]; uploads: StepResult[]; rssPlain: number[]; rssUploads: number[]; uploaded: number; uploadMs: number[] } = {
    plain: [],
    uploads: [],
    rssPlain: [],
    rssUploads: [],
    uploaded: 0,
    uploadMs: [],
  };
  try {
    const fleet = await connectFleet(server.url, { guests: 200, adminTokens: tokens });
    // A text file: the server streams it to disk and reads its first 256 KiB to tell its type.
    const file = Buffer.alloc(FILE_BYTES, 'All work and no play makes a support ticket.\n');
    let step = 0;
    log('warming up');
    await runStep(fleet, { rate: RATE, warmupS: 0, measureS: 4, step: ++step, messageBytes: 64, stallS: 5 }, server.pid);

    /** Peak RSS while `work` runs, sampled every 50 ms. */
    const peakRss = async <T>(work: Promise<T>) => {
      let peak = rssOf(server.pid);
      const timer = setInterval(() => (peak = Math.max(peak, rssOf(server.pid))), 50);
      try {
        return { result: await work, peak };
      } finally {
        clearInterval(timer);
      }
    };
    const measureStep = () => runStep(fleet, { rate: RATE, warmupS: 2, measureS: 6, step: ++step, messageBytes: 64, stallS: 5 }, server.pid);

    for (let round = 1; round <= ROUNDS; round++) {
      const plain = await peakRss(measureStep());
      results.plain.push(plain.result);
      results.rssPlain.push(plain.peak);
      log(`round ${round} plain: p99 ${fmt(plain.result.latency.p99)} ms, peak RSS ${fmt(plain.peak / 2 ** 20)} MB`);
      await sleep(1000);

      let running = true;
      const uploaders = fleet.guests.slice(0, UPLOADS_AT_ONCE).map(async (guest) => {
        while (running) {
          const t0 = performance.now();
          await uploadOnce(server.url, guest, file);
          results.uploadMs.push(performance.now() - t0);
          results.uploaded++;
        }
      });
      const loaded = await peakRss(measureStep());
      running = false;
      await Promise.all(uploaders);
      results.uploads.push(loaded.result);
      results.rssUploads.push(loaded.peak);
      log(`round ${round} uploads: p99 ${fmt(loaded.result.latency.p99)} ms, peak RSS ${fmt(loaded.peak / 2 ** 20)} MB, ${results.uploaded} uploads so far`);
      await sleep(1000);
    }
    fleet.close();
  } finally {
    await server.stop();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p99Plain = median(results.plain.map((r) => r.latency.p99));
  const p99Uploads = median(results.uploads.map((r) => r.latency.p99));
  const rssRise = (median(results.rssUploads) - median(results.rssPlain)) / 2 ** 20;
  const lost = [...results.plain, ...results.uploads].reduce((n, r) => n + r.lost + r.failed, 0);
  const table = [
    `| ${RATE.toLocaleString('en')} msgs/s, 200 guests, 5 agents; medians of ${ROUNDS} alternating rounds | without uploads | with ${UPLOADS_AT_ONCE} × 10 MB uploads at a time | change | target |`,
    '| --- | --- | --- | --- | --- |',
    `| message:send p99 (ms) | ${fmt(p99Plain)} | ${fmt(p99Uploads)} | ${fmt(((p99Uploads - p99Plain) / p99Plain) * 100)} % | < +20 % |`,
    `| server peak RSS (MB) | ${fmt(median(results.rssPlain) / 2 ** 20)} | ${fmt(median(results.rssUploads) / 2 ** 20)} | ${rssRise >= 0 ? '+' : ''}${fmt(rssRise)} MB | < +30 MB |`,
    `| uploads completed (create, PUT, complete) | | ${results.uploaded} (median ${fmt(median(results.uploadMs))} ms each) | | |`,
    `| messages lost or failed | | | ${lost} | 0 |`,
  ].join('\n');
  console.log(`\n${table}\n`);
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'bench', 'results', 'uploads.md'), `npm run bench:uploads (${new Date().toISOString()})\n\n${table}\n`);
}

async function uploadOnce(url: string, guest: Guest, file: Buffer): Promise<void> {
  const headers = { 'content-type': 'application/json', 'x-guest-id': guest.guestId };
  const created = (await (await fetch(`${url}/api/support/attachments`, { method: 'POST', headers, body: JSON.stringify({ conversationId: guest.conversationId, name: 'log.txt', size: file.length, contentType: 'text/plain' }) })).json()) as {
    data: { attachmentId: string; upload: { url: string; headers: Record<string, string> } };
  };
  const put = await fetch(new URL(created.data.upload.url, url), { method: 'PUT', headers: created.data.upload.headers, body: file });
  if (!put.ok) throw new Error(`upload failed: ${put.status} ${await put.text()}`);
  const completed = await fetch(`${url}/api/support/attachments/${created.data.attachmentId}/complete`, { method: 'POST', headers });
  if (!completed.ok) throw new Error(`complete failed: ${completed.status} ${await completed.text()}`);
}
