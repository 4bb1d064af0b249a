/**
 * A reconnect storm (issue 17): a replica restarts and every socket it held comes back at
 * once. 10,000 guests and 1,000 signed-in users are connected and joined; the server is
 * stopped (SIGTERM, as Kubernetes restarts a pod); while it is down, another replica writes one
 * message into every conversation (straight into the database); the server starts again and
 * every client, at the same moment, connects and joins its conversation from the last seq it
 * saw, the join answering what it missed (a sync follows only while there is more). Timed from
 * the restarted server's first healthy answer to the last client caught up, and every client
 * must get exactly its one missed message. The bare Socket.IO relay does the same number of
 * connections and joins (it has nothing to catch up on): the baseline.
 *
 *   npm run bench:storm [-- --guests 10000 --users 1000]      (needs PostgreSQL; taskset pins when present)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { defaultLimitRules } from '../src/router/limits.js';
import { buildServers } from './lib/build.js';
import { connectSocket, createGuest, pool } from './lib/fleet.js';
import { summarize } from './lib/stats.js';
import { cpuSecondsOf, freePort, hasTaskset, postgresCpuSeconds, setBenchDatabase, startServer, type Child } from './lib/proc.js';

const { values: args } = parseArgs({ options: { guests: { type: 'string' }, users: { type: 'string' }, rounds: { type: 'string' }, only: { type: 'string' } } });
const GUESTS = Number(args.guests ?? 10_000);
const USERS = Number(args.users ?? 1_000);
const ROUNDS = Number(args.rounds ?? 3);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pin = hasTaskset();
const started = Date.now();
const log = (...parts: unknown[]) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s]`, ...parts);

const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `support_storm_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`create database ${dbName}`);
setBenchDatabase(dbName);
const dbUrl = Object.assign(new URL(baseUrl), { pathname: `/${dbName}` }).toString();
const secret = randomBytes(32).toString('hex');
const limits = Object.fromEntries(Object.keys(defaultLimitRules).filter((name) => !name.startsWith('CODE_')).map((name) => [`LIMIT_${name}`, '1000000/1']));
const env = { DATABASE_URL: dbUrl, JWT_SECRET: secret, HOST: '127.0.0.1', NODE_ENV: 'production', LOG_LEVEL: 'warn', DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'support-storm-')), ...limits };
const scripts = buildServers(root, log);
const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
const start = (name: 'ours' | 'relay', port: number) => startServer(name, [...scripts.loader, ...nodeArgs, scripts(name)], { env, cpu: pin ? 0 : undefined, port, cwd: root });

interface Client {
  auth: Record<string, unknown>;
  conversationId: string;
  lastSeq: number;
  socket?: Socket;
}

const signUser = (i: number) =>
  new SignJWT({ role: 'user', email: `user${i}@example.com`, firstName: 'User', lastName: String(i) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(randomUUID())
    .setIssuedAt()
    .setExpirationTime('3h')
    .sign(new TextEncoder().encode(secret));

async function userConversation(url: string, token: string): Promise<string> {
  const response = await fetch(`${url}/api/support/conversation`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { success: boolean; message?: string; data: { id: string } };
  if (!body.success) throw new Error(`user conversation failed: ${body.message}`);
  return body.data.id;
}

interface Ack<T> {
  success: boolean;
  message?: string;
  data: T;
}
interface CatchUpPage {
  messages: { seq: number }[];
  pagination: { hasMore: boolean };
}

/**
 * Connects, joins and (ours) catches up one client as the widget does: the join names the last
 * seq held and answers the page after it; a sync follows only when that page says hasMore.
 * Answers how many messages the catch-up brought.
 */
async function comeBack(url: string, client: Client, catchUp: boolean): Promise<number> {
  const socket = await connectSocket(url, client.auth, 120_000);
  client.socket = socket;
  const conversationId = client.conversationId;
  const joined = (await socket.timeout(120_000).emitWithAck('conversation:join', catchUp ? { conversationId, afterSeq: client.lastSeq } : { conversationId })) as Ack<Partial<CatchUpPage>>;
  if (!joined.success) throw new Error(`join failed: ${joined.message}`);
  if (!catchUp) return 0;
  if (!joined.data.messages || !joined.data.pagination) throw new Error('join answered no catch-up page');
  let page: CatchUpPage = { messages: joined.data.messages, pagination: joined.data.pagination };
  let brought = 0;
  for (;;) {
    const seqs = page.messages.map((m) => m.seq);
    if (seqs.length > 0) client.lastSeq = seqs[seqs.length - 1]!;
    brought += seqs.length;
    if (!page.pagination.hasMore || seqs.length === 0) return brought;
    const synced = (await socket.timeout(120_000).emitWithAck('conversation:sync', { conversationId, afterSeq: client.lastSeq })) as Ack<CatchUpPage>;
    if (!synced.success) throw new Error(`sync failed: ${synced.message}`);
    page = synced.data;
  }
}

interface Storm {
  seconds: number;
  errors: number;
  lost: number;
  serverCpu: number;
  postgresCpu: number;
  generatorCpu: number;
}

async function storm(name: 'ours' | 'relay'): Promise<Storm[]> {
  const port = await freePort();
  let child: Child = await start(name, port);
  log(`${name}: creating ${GUESTS} guests and ${USERS} users`);
  const guests = await pool(GUESTS, 32, async () => {
    const { guestId, conversationId } = await createGuest(child.url);
    return { auth: { guestId }, conversationId, lastSeq: 0 } as Client;
  });
  const users = await pool(USERS, 32, async (i) => {
    const token = await signUser(i);
    // The relay has no user conversations: a user there is a guest with a token.
    const conversationId = name === 'ours' ? await userConversation(child.url, token) : (await createGuest(child.url)).conversationId;
    return { auth: { token }, conversationId, lastSeq: 0 } as Client;
  });
  const clients = [...guests, ...users];
  await pool(clients.length, 64, (i) => comeBack(child.url, clients[i]!, false));
  log(`${name}: ${clients.length} connected and joined`);
  const results: Storm[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await child.stop();
    for (const c of clients) c.socket?.disconnect();
    if (name === 'ours') {
      // Another replica answers in the meantime: one agent message in every conversation.
      const db = new pg.Client({ connectionString: dbUrl });
      await db.connect();
      await db.query(`with moved as (update conversations set last_seq = last_seq + 1, last_message_at = now() returning id, last_seq)
        insert into messages (conversation_id, seq, sender_type, message, message_type) select id, last_seq, 'admin', 'While you were away', 'text' from moved`);
      await db.query('vacuum analyze');
      await db.end();
    }
    child = await start(name, port);
    const cpu0 = cpuSecondsOf(child.pid);
    const pg0 = postgresCpuSeconds();
    const gen0 = process.cpuUsage();
    const t0 = performance.now();
    let errors = 0;
    let lost = 0;
    const reasons = new Map<string, number>();
    const done: number[] = [];
    await Promise.all(
      clients.map((client) =>
        comeBack(child.url, client, name === 'ours').then(
          (brought) => {
            done.push(performance.now() - t0);
            if (name === 'ours' && brought !== 1) lost += Math.max(0, 1 - brought);
          },
          (error: Error) => {
            errors++;
            reasons.set(error.message, (reasons.get(error.message) ?? 0) + 1);
          },
        ),
      ),
    );
    const seconds = (performance.now() - t0) / 1000;
    const gen = process.cpuUsage(gen0);
    const result = { seconds, errors, lost, serverCpu: cpuSecondsOf(child.pid) - cpu0, postgresCpu: postgresCpuSeconds() - pg0, generatorCpu: (gen.user + gen.system) / 1e6 };
    const at = summarize(done);
    log(`${name} round ${round}: ${clients.length} back in ${seconds.toFixed(2)} s (each: p50 ${(at.p50 / 1000).toFixed(2)} s, p99 ${(at.p99 / 1000).toFixed(2)} s), errors ${errors}, lost ${lost}, server CPU ${result.serverCpu.toFixed(2)} s, PostgreSQL CPU ${result.postgresCpu.toFixed(2)} s, generator CPU ${result.generatorCpu.toFixed(2)} s`);
    if (reasons.size > 0) log(`${name} errors: ${JSON.stringify(Object.fromEntries(reasons))}`);
    results.push(result);
  }
  for (const c of clients) c.socket?.disconnect();
  await child.stop();
  return results;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  // --only ours|relay: one side alone, for profiling (no ratio then).
  if (args.only === 'ours' || args.only === 'relay') {
    await storm(args.only);
    process.exit(0);
  }
  const relay = await storm('relay');
  const ours = await storm('ours');
  const oursS = median(ours.map((r) => r.seconds));
  const relayS = median(relay.map((r) => r.seconds));
  const total = GUESTS + USERS;
  console.log(`\n| ${total.toLocaleString('en')} sockets back at once (median of ${ROUNDS}) | ours | bare relay | ours ÷ relay | target |`);
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| connected, joined${' and caught up (ours)'} | ${oursS.toFixed(2)} s | ${relayS.toFixed(2)} s | ${(oursS / relayS).toFixed(2)}× | ≤ 1.5× |`);
  console.log(`| errors / lost messages (all rounds) | ${ours.reduce((n, r) => n + r.errors, 0)} / ${ours.reduce((n, r) => n + r.lost, 0)} | ${relay.reduce((n, r) => n + r.errors, 0)} / – | | 0 / 0 |`);
  console.log(`| server CPU / PostgreSQL CPU during the storm | ${median(ours.map((r) => r.serverCpu)).toFixed(2)} s / ${median(ours.map((r) => r.postgresCpu)).toFixed(2)} s | ${median(relay.map((r) => r.serverCpu)).toFixed(2)} s / – | | |`);
} finally {
  await admin.query(`drop database ${dbName} with (force)`);
  await admin.end();
}
