import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { ChildServer } from './child-server.js';
import { conversationsOf, createMembers, expectNothingLost, finalViews, Recorder, storedMessages, verify, type ChatClient } from './workload.js';

/**
 * Scenario 3: the database goes away in the middle of a burst; clients retry failed sends
 * with the same clientMessageId.
 *
 * The fault depends on the database, and the test says which one it ran:
 * - PostgreSQL (DATABASE_URL set): this server's backends are terminated with
 *   pg_terminate_backend, five times during the burst. Only this file's scratch database
 *   is touched, never the shared cluster (other files run against it in parallel). Sends
 *   caught on a dying connection fail with SERVICE_UNAVAILABLE and are retried.
 * - PGlite (no DATABASE_URL): the database lives inside the server process, so losing it
 *   means losing the process: the real server (a child process) is killed with SIGKILL,
 *   no drain, and started again on the same data, which PGlite must recover.
 */
const CLIENTS = 20;
const MESSAGES_PER_CLIENT = 50;
const TOTAL = CLIENTS * MESSAGES_PER_CLIENT;
const KILLS_AT = [0.1, 0.25, 0.4, 0.55, 0.7].map((f) => Math.round(f * TOTAL));

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function burst(clients: ChatClient[]): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < MESSAGES_PER_CLIENT; i++) {
        const stored = await client.deliver(`${client.name} says ${i}`);
        expect(stored, `${client.name} message ${i}`).toBeDefined();
      }
    }),
  );
}

describe('the database lost mid-burst', () => {
  if (process.env.DATABASE_URL) {
    const base = process.env.DATABASE_URL;

    it('scenario 3 (PostgreSQL): backends terminated 5 times mid-burst, failed sends retried: nothing lost or doubled', async () => {
      const server: TestServer = await startTestServer();
      cleanups.push(() => server.close());
      const database = new URL(server.config.database.kind === 'postgres' ? server.config.database.url : '').pathname.slice(1);
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      cleanups.push(() => admin.end());

      const recorder = new Recorder();
      const clients = (await createMembers(() => server.url, recorder, { conversations: 4, agents: 4 })).flat();
      let terminated = 0;
      const faults: Promise<void>[] = [];
      let next = 0;
      recorder.onAck((count) => {
        if (next >= KILLS_AT.length || count < KILLS_AT[next]!) return;
        next++;
        faults.push(
          admin
            .query<{ ok: boolean }>('select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database])
            .then(({ rows }) => void (terminated += rows.filter((r) => r.ok).length)),
        );
      });

      await burst(clients);
      await Promise.all(faults);
      expect(faults).toHaveLength(KILLS_AT.length);
      expect(terminated, 'backends terminated').toBeGreaterThanOrEqual(KILLS_AT.length);

      const views = await finalViews(clients);
      const verdict = verify('scenario 3 (PostgreSQL backends terminated)', views, recorder, await storedMessages(server.db, conversationsOf(clients)), {
        terminations: KILLS_AT.length,
        backendsTerminated: terminated,
        serviceUnavailable: recorder.errorCodes.SERVICE_UNAVAILABLE ?? 0,
      });
      expectNothingLost(verdict, recorder, TOTAL);
      expect(verdict.stored).toBe(TOTAL);
      // Whatever failed, failed as retryable.
      expect(Object.keys(recorder.failures).filter((m) => m !== 'Service temporarily unavailable, retry shortly')).toEqual([]);
      expect(Object.keys(recorder.errorCodes).filter((code) => code !== 'SERVICE_UNAVAILABLE')).toEqual([]);
      // The same process serves again.
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    }, 120_000);
  } else {
    it('scenario 3 (PGlite): the process holding the database killed with SIGKILL mid-burst and started again: nothing acknowledged lost', async () => {
      const server = await ChildServer.create();
      cleanups.push(() => server.destroy());
      await server.start();
      const recorder = new Recorder();
      const clients = (await createMembers(() => server.url, recorder, { conversations: 4, agents: 4 })).flat();
      let crash: Promise<void> | undefined;
      let ackedBeforeKill = 0;
      recorder.onAck((count) => {
        if (crash || count < KILLS_AT[2]!) return;
        ackedBeforeKill = count;
        crash = (async () => {
          expect(await server.stop('SIGKILL')).toBeNull();
          await server.start();
        })();
      });

      await burst(clients);
      expect(crash, 'the server was killed during the burst').toBeDefined();
      await crash;

      const views = await finalViews(clients);
      for (const c of clients) c.close();
      expect(await server.stop('SIGTERM')).toBe(0);
      const db = server.open();
      try {
        const verdict = verify('scenario 3 (PGlite: process killed)', views, recorder, await storedMessages(db, conversationsOf(clients)), {
          ackedBeforeKill,
          kills: 1,
        });
        expectNothingLost(verdict, recorder, TOTAL);
        expect(verdict.stored).toBe(TOTAL);
        expect(recorder.stats.connects).toBeGreaterThanOrEqual(2 * CLIENTS);
      } finally {
        await db.destroy();
      }
    }, 120_000);
  }
});
