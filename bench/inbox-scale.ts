/**
 * The inbox's reads as the table grows (issue 17): `inbox.counts` and an agent's "mine, open"
 * list with 10,000 and with 1,000,000 conversations, seeded with generate_series (not through
 * the API). Most conversations of a long-lived workspace are closed: each size has the same
 * 2,500 open or pending ones over 20 agents, and one more agent holds a tenth of the closed
 * ones and nothing open. A last round reopens 17,500 more, for what the counts cost when the
 * active work itself grows. Calls go through the procedures (the tRPC caller), in-process.
 *
 *   npm run bench:inbox        (needs PostgreSQL; BENCH_DATABASE_URL or DATABASE_URL, else the local one)
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { connectDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createApp } from '../src/app.js';
import { createContextInner } from '../src/router/context.js';
import { createCaller } from '../src/router/index.js';
import { createLogger } from '../src/ops/logger.js';
import { summarize } from './lib/stats.js';

const AGENTS = 20;
const ACTIVE = 2_500;
const MORE_ACTIVE = 17_500;
const CALLS = 300;
const SECRET = 'bench-secret-that-is-long-enough-for-hs256!!';
const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const sizes = (process.env.BENCH_INBOX_SIZES ?? '10000,1000000').split(',').map(Number);

interface Timing {
  label: string;
  conversations: number;
  active: number;
  countsP50: number;
  countsP99: number;
  idleMineP50: number;
  idleMineP99: number;
}

async function time(calls: number, call: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await call();
  const took: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await call();
    took.push(performance.now() - start);
  }
  const { p50, p99 } = summarize(took);
  return { p50, p99 };
}

async function seeded(size: number) {
  const dbName = `bench_inbox_${size}_${Date.now()}`;
  const server = new pg.Client({ connectionString: baseUrl });
  await server.connect();
  await server.query(`create database ${dbName}`);
  await server.end();
  const url = new URL(baseUrl);
  url.pathname = `/${dbName}`;
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET, DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' });
  const db = connectDatabase(config.database);
  await migrateToLatest(db);

  const seed = new pg.Client({ connectionString: url.toString() });
  await seed.connect();
  const agents = Array.from({ length: AGENTS }, () => randomUUID());
  const idleAgent = randomUUID();
  for (const id of [...agents, idleAgent]) await seed.query(`insert into users (id, role, email) values ($1::uuid, 'admin', $1::text || '@example.com')`, [id]);
  const started = Date.now();
  await seed.query(`insert into guests (id) select 'g' || g from generate_series(1, $1) g`, [size]);
  // Conversation g: active for the first ACTIVE (open, every fifth pending, a third unread,
  // every seventh unassigned); closed after that, every tenth of them the idle agent's.
  await seed.query(
    `insert into conversations (guest_id, type, status, admin_id, last_seq, agent_read_seq, last_message_at, created_at, updated_at)
     select 'g' || g, 'general',
       case when g <= $2 then (case when g % 5 = 0 then 'pending' else 'open' end) else 'closed' end,
       case when g <= $2 then (case when g % 7 = 0 then null else ($3::uuid[])[1 + g % $4] end)
            when g % 10 = 0 then $5::uuid
            else ($3::uuid[])[1 + g % $4] end,
       3, case when g % 3 = 0 then 1 else 3 end,
       now() - make_interval(secs => g), now() - make_interval(secs => g + 60), now() - make_interval(secs => g)
     from generate_series(1, $1) g`,
    [size, ACTIVE, agents, AGENTS, idleAgent],
  );
  await seed.query('vacuum analyze');
  const seedSeconds = (Date.now() - started) / 1000;
  const app = createApp(config, db, { log: createLogger('warn') });
  const callerFor = (id: string) => createCaller(createContextInner(app.services, { type: 'admin', id, tokenExpiresAt: Date.now() / 1000 + 3600 }));
  return { dbName, db, seed, app, agents, idleAgent, callerFor, seedSeconds };
}

async function measure(label: string, size: number, active: number, world: Awaited<ReturnType<typeof seeded>>): Promise<Timing> {
  const agent = world.callerFor(world.agents[0]!);
  const idle = world.callerFor(world.idleAgent);
  const counts = await agent.inbox.counts();
  if (counts.byStatus.open + counts.byStatus.pending + counts.byStatus.closed !== size || counts.active.all !== active) {
    throw new Error(`${label}: counts are wrong: ${JSON.stringify(counts)} for ${size} conversations, ${active} active`);
  }
  const countsTime = await time(CALLS, () => agent.inbox.counts());
  const idleList = await idle.inbox.list({ assignee: 'me', status: 'open', limit: 25 });
  if (idleList.conversations.length !== 0) throw new Error(`${label}: the idle agent has open conversations`);
  const idleTime = await time(CALLS, () => idle.inbox.list({ assignee: 'me', status: 'open', limit: 25 }));
  const timing = { label, conversations: size, active, countsP50: countsTime.p50, countsP99: countsTime.p99, idleMineP50: idleTime.p50, idleMineP99: idleTime.p99 };
  console.log(`[inbox] ${label}: counts p50 ${timing.countsP50.toFixed(2)} ms p99 ${timing.countsP99.toFixed(2)} ms; idle agent's mine+open p50 ${timing.idleMineP50.toFixed(2)} ms p99 ${timing.idleMineP99.toFixed(2)} ms`);
  return timing;
}

const timings: Timing[] = [];
for (const size of sizes) {
  const world = await seeded(size);
  console.log(`[inbox] seeded ${size.toLocaleString('en')} conversations in ${world.seedSeconds.toFixed(1)} s`);
  timings.push(await measure(`${size.toLocaleString('en')} conversations, ${ACTIVE.toLocaleString('en')} active`, size, ACTIVE, world));
  if (size === Math.max(...sizes) && size >= ACTIVE + MORE_ACTIVE) {
    await world.seed.query(
      `update conversations set status = case when guest_id::text like '%5' then 'pending' else 'open' end
       where id in (select id from conversations where status = 'closed' and admin_id is distinct from $1 order by guest_id limit $2)`,
      [world.idleAgent, MORE_ACTIVE],
    );
    await world.seed.query('vacuum analyze conversations');
    timings.push(await measure(`${size.toLocaleString('en')} conversations, ${(ACTIVE + MORE_ACTIVE).toLocaleString('en')} active`, size, ACTIVE + MORE_ACTIVE, world));
  }
  await world.app.close();
  await world.seed.end();
  const server = new pg.Client({ connectionString: baseUrl });
  await server.connect();
  await server.query(`drop database ${world.dbName} with (force)`);
  await server.end();
}

const small = timings[0]!;
const large = timings.find((t) => t.conversations === Math.max(...sizes) && t.active === ACTIVE)!;
console.log('\n| conversations | active | inbox.counts p50 | p99 | idle agent\'s "mine, open" p50 | p99 |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const t of timings) {
  console.log(`| ${t.conversations.toLocaleString('en')} | ${t.active.toLocaleString('en')} | ${t.countsP50.toFixed(2)} ms | ${t.countsP99.toFixed(2)} ms | ${t.idleMineP50.toFixed(2)} ms | ${t.idleMineP99.toFixed(2)} ms |`);
}
const ratio = large.countsP99 / small.countsP99;
console.log(`\ninbox.counts p99 at ${large.conversations.toLocaleString('en')}: ${large.countsP99.toFixed(2)} ms (target <= 20 ms: ${large.countsP99 <= 20 ? 'met' : 'NOT met'}), ${ratio.toFixed(2)}x its time at ${small.conversations.toLocaleString('en')} (target <= 2x: ${ratio <= 2 ? 'met' : 'NOT met'})`);
console.log(`idle agent's "mine, open" p99 at ${large.conversations.toLocaleString('en')}: ${large.idleMineP99.toFixed(2)} ms, ${(large.idleMineP99 / small.idleMineP99).toFixed(2)}x its time at ${small.conversations.toLocaleString('en')}`);
