import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildServer } from './child-server.js';
import { conversationsOf, createMembers, expectNothingLost, finalViews, Recorder, storedMessages, verify } from './workload.js';

/**
 * Scenario 4: the real server (`src/main.ts`, a child process) gets SIGTERM in the middle
 * of a burst, drains, exits, and is started again on the same port and data. Clients see
 * their connection close, retry their pending send (same clientMessageId) until the new
 * process answers, and resume by join-then-sync.
 */
let server: ChildServer;
beforeAll(async () => {
  server = await ChildServer.create();
  await server.start();
}, 60_000);
afterAll(() => server?.destroy());

const CLIENTS = 20;
const MESSAGES_PER_CLIENT = 50;

describe('a graceful restart mid-burst', () => {
  it('scenario 4: SIGTERM mid-burst, start again: 0 acknowledged messages lost, clients resume by sync', async () => {
    const recorder = new Recorder();
    const clients = (await createMembers(() => server.url, recorder, { conversations: 4, agents: 4 })).flat();
    expect(clients).toHaveLength(CLIENTS);

    let restart: Promise<void> | undefined;
    let ackedBeforeStop = 0;
    recorder.onAck((count) => {
      if (restart || count < (CLIENTS * MESSAGES_PER_CLIENT) / 3) return;
      ackedBeforeStop = count;
      restart = (async () => {
        const exit = await server.stop('SIGTERM');
        // A drain that finished in time exits 0; the deadline would make it 1.
        expect(exit).toBe(0);
        await server.start();
      })();
    });

    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < MESSAGES_PER_CLIENT; i++) {
          const stored = await client.deliver(`${client.name} says ${i}`);
          expect(stored, `${client.name} message ${i}`).toBeDefined();
        }
      }),
    );
    expect(restart, 'the server was restarted during the burst').toBeDefined();
    await restart;

    const views = await finalViews(clients);
    for (const c of clients) c.close();
    // Read the database the way the next deploy would find it: after this process stops too.
    expect(await server.stop('SIGTERM')).toBe(0);
    const db = server.open();
    try {
      const database = await storedMessages(db, conversationsOf(clients));
      const verdict = verify('scenario 4 (SIGTERM and restart)', views, recorder, database, {
        ackedBeforeStop,
        restarts: 1,
        database: server.database.kind,
      });
      expectNothingLost(verdict, recorder, CLIENTS * MESSAGES_PER_CLIENT);
      expect(verdict.stored).toBe(CLIENTS * MESSAGES_PER_CLIENT);
      // Every client lived through the restart: it reconnected and caught up by sync.
      expect(recorder.stats.connects).toBeGreaterThanOrEqual(2 * CLIENTS);
    } finally {
      await db.destroy();
    }
  }, 120_000);
});
