import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { conversationsOf, createMembers, expectNothingLost, finalViews, Recorder, seededRandom, storedMessages, verify } from './workload.js';

/**
 * Scenarios 1 and 2 against one in-process server (PGlite, or PostgreSQL with
 * DATABASE_URL): 4 conversations, each with its owner and 4 agents, so 20 clients that
 * all send and all keep a view. The checker (checker.ts) judges the whole history.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const MESSAGES_PER_CLIENT = 50;
const SEED = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);

describe('delivery under client faults', () => {
  it('scenario 1: 20 clients × 50 messages, connections cut at random mid-send, reconnect-then-sync: nothing lost or doubled', async () => {
    const recorder = new Recorder();
    const clients = (await createMembers(() => server.url, recorder, { conversations: 4, agents: 4 })).flat();
    expect(clients).toHaveLength(20);

    await Promise.all(
      clients.map(async (client, index) => {
        const random = seededRandom(SEED + index);
        for (let i = 0; i < MESSAGES_PER_CLIENT; i++) {
          // One send in ten loses its connection in flight: before or after the server stored it.
          const stored = await client.deliver(`${client.name} says ${i}`, { cutProbability: 0.1, random });
          expect(stored, `${client.name} message ${i}`).toBeDefined();
          // And now and then the connection just drops between sends.
          if (random() < 0.03) client.cut(undefined, random() < 0.5 ? 'client' : 'transport');
        }
      }),
    );

    const views = await finalViews(clients);
    const database = await storedMessages(server.db, conversationsOf(clients));
    const verdict = verify('scenario 1 (random disconnects)', views, recorder, database, { seed: SEED });
    expectNothingLost(verdict, recorder, 20 * MESSAGES_PER_CLIENT);
    expect(verdict.stored).toBe(20 * MESSAGES_PER_CLIENT);
    expect(recorder.stats.cuts).toBeGreaterThan(20);
    expect(recorder.stats.connects).toBeGreaterThan(clients.length + 20);
  }, 120_000);

  it('scenario 2: every send retried with the same clientMessageId, at once, from a second tab and after the answer: 0 duplicates', async () => {
    const recorder = new Recorder();
    const groups = await createMembers(() => server.url, recorder, { conversations: 4, agents: 4, tabs: 2 });
    const clients = groups.flat();
    const senders = groups.flatMap((group) => group.filter((_, i) => i % 2 === 0).map((tab, i) => ({ tab, twin: group[i * 2 + 1]! })));
    expect(senders).toHaveLength(20);

    await Promise.all(
      senders.map(async ({ tab, twin }) => {
        for (let i = 0; i < MESSAGES_PER_CLIENT; i++) {
          const text = `${tab.name} retries ${i}`;
          const clientMessageId = randomUUID();
          recorder.attempt({ client: tab.name, conversationId: tab.conversationId, clientMessageId, text });
          // Three copies in flight together: twice on one connection, once on the other tab.
          const copies = await Promise.all([tab.sendOnce(text, clientMessageId), tab.sendOnce(text, clientMessageId), twin.sendOnce(text, clientMessageId)]);
          expect(copies.every((c) => c !== undefined)).toBe(true);
          expect(new Set(copies.map((c) => c!.id)).size).toBe(1);
          // And once more after the answer, as a client that never saw it would.
          const again = await tab.deliver(text, { clientMessageId });
          expect(again?.id).toBe(copies[0]!.id);
        }
      }),
    );

    const views = await finalViews(clients);
    const database = await storedMessages(server.db, conversationsOf(clients));
    const verdict = verify('scenario 2 (idempotent retries)', views, recorder, database, { acks: recorder.acks.length });
    expectNothingLost(verdict, recorder, 20 * MESSAGES_PER_CLIENT);
    expect(verdict.stored).toBe(20 * MESSAGES_PER_CLIENT);
    expect(recorder.acks).toHaveLength(4 * 20 * MESSAGES_PER_CLIENT);
  }, 120_000);
});
