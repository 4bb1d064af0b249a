/**
 * Measures how fast an attacker can really guess onboarding codes with the default limits,
 * and turns that into a success chance per hour. Runs the real server in-process (PGlite,
 * or PostgreSQL when DATABASE_URL is set), with one trusted proxy hop so the attacker may
 * present a fresh client address on every request: the worst case for us.
 *
 *   npm run bench:brute-force -- [seconds=120]
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connectDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';

const seconds = Number(process.argv[2] ?? 120);
const LIVE_CODES = 10;
const WORKERS = 16;
const secret = 'brute-force-benchmark-secret-0123456789';

const config = loadConfig({ ...process.env, NODE_ENV: 'test', JWT_SECRET: secret, PGLITE_DIR: 'memory://', TRUST_PROXY_HOPS: '1' });
const db = connectDatabase(config.database);
await migrateToLatest(db);
const app = createApp(config, db);
await new Promise<void>((resolve) => app.httpServer.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(app.httpServer.address() as AddressInfo).port}/api/support/onboarding`;
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

const admin = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject(randomUUID()).setExpirationTime('2h').sign(new TextEncoder().encode(secret));
const owners = Array.from({ length: LIVE_CODES }, () => randomUUID());
const codes = new Set<string>();
for (const userId of owners) {
  const reply = await post('generate-code', { userId }, { authorization: `Bearer ${admin}` });
  codes.add(((await reply.json()) as { data: { code: string } }).data.code);
}

// Attack 1: guesses that name one owner, until the server stops evaluating them.
const victim = owners[0]!;
let namedEvaluated = 0;
for (let i = 0; i < 50; i++) {
  const reply = await post('verify-code', { code: '000000', userId: victim }, { 'x-forwarded-for': `172.16.0.${i}` });
  if (reply.status === 200) namedEvaluated++;
}


// The named attack spent part of the global budget; start the bare one on a fresh window.
await new Promise((resolve) => setTimeout(resolve, config.limits.CODE_FAILURES_GLOBAL.seconds * 1000));

// Attack 2: bare guesses from a fresh address each time, as fast as the server answers.
let evaluated = 0;
let limited = 0;
let successes = 0;
const deadline = Date.now() + seconds * 1000;
let n = 0;
await Promise.all(
  Array.from({ length: WORKERS }, async () => {
    while (Date.now() < deadline) {
      n++;
      let code: string;
      do code = randomInt(0, 1_000_000).toString().padStart(6, '0');
      while (codes.has(code)); // never spend a real code: we count chances, not luck
      const address = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
      const reply = await post('verify-code', { code }, { 'x-forwarded-for': address });
      const body = (await reply.json()) as { success: boolean };
      if (reply.status === 429) limited++;
      else if (body.success) successes++;
      else evaluated++;
    }
  }),
);

const perHour = (evaluated / seconds) * 3600;
const bareChancePerHour = 1 - (1 - LIVE_CODES / 1_000_000) ** perHour;
const namedChance = namedEvaluated / 1_000_000;
console.log(
  JSON.stringify(
    {
      seconds,
      liveCodes: LIVE_CODES,
      requests: evaluated + limited + successes,
      evaluatedGuesses: evaluated,
      refused429: limited,
      successes,
      evaluatedGuessesPerHour: Math.round(perHour),
      bareGuessSuccessChancePerHour: Number(bareChancePerHour.toFixed(5)),
      guessesEvaluatedNamingOneOwner: namedEvaluated,
      namedOwnerSuccessChancePerCode: namedChance,
      limits: config.limits,
    },
    null,
    2,
  ),
);
await app.close();
await db.destroy();
