import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { canRun, SHARED_PG_URL } from '../support/requirements.js';
import { createScratchDatabase, person, request, startTestServer, type TestServer } from '../support/server.js';
import { startReceiver, waitFor } from './receiver.js';

/**
 * Replicas' clocks differ, and any of them may send an event: when one is due and when it is
 * given up are the database's to say. This process's Date.now is moved to stand for a
 * replica whose clock is off; the database's stays true. On PostgreSQL only: PGlite runs in
 * this process and reads its clock, so moving one would move both.
 */
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let server: TestServer;
let admin: Awaited<ReturnType<typeof person>>;
beforeAll(async () => {
  scratch = await createScratchDatabase(SHARED_PG_URL);
  server = await startTestServer({ DATABASE_URL: scratch.url, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_RETRY_FOR_MS: '60000' });
  admin = await person('admin');
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  await server?.close();
  await scratch?.drop();
});

function moveClock(byMs: number) {
  const now = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => now() + byMs);
}

async function testEventTo(receiver: Awaited<ReturnType<typeof startReceiver>>) {
  const endpoint = await request(server, '/api/support/admin/webhooks', { token: admin.token, body: { url: receiver.url, events: ['conversation.closed'] } });
  expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
  const test = await request(server, `/api/support/admin/webhooks/${endpoint.body.data.id}/test`, { method: 'POST', token: admin.token, body: {} });
  expect(test.status).toBe(202);
  return { endpointId: endpoint.body.data.id as string, deliveryId: test.body.data.deliveryId as string };
}

describe.runIf(canRun('clocks'))('webhook retry times on the database clock', () => {
  it('sends an event the database made due, although this replica’s clock is ten minutes behind', async () => {
    const receiver = await startReceiver();
    moveClock(-10 * 60_000);
    const { deliveryId } = await testEventTo(receiver);
    await waitFor(() => receiver.accepted().some((r) => r.id === deliveryId), 'the event', 10_000);
    await receiver.close();
  });

  it('retries a failed event its database age does not give up, although this replica’s clock is past the give-up time', async () => {
    const receiver = await startReceiver((n) => (n === 0 ? 503 : 200));
    moveClock(5 * 60_000); // WEBHOOK_RETRY_FOR_MS is one minute
    const { endpointId, deliveryId } = await testEventTo(receiver);
    await waitFor(() => receiver.accepted().some((r) => r.id === deliveryId), 'the retry', 10_000);
    const log = await request(server, `/api/support/admin/webhooks/${endpointId}/deliveries`, { token: admin.token });
    expect(log.body.data.deliveries).toMatchObject([{ id: deliveryId, status: 'delivered', attempts: 2 }]);
    await receiver.close();
  });
});
