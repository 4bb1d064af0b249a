import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, guestWithConversation } from '../rest/helpers.js';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { startReceiver, waitFor } from './receiver.js';

/** Events leave from the outbox, signed, in order per conversation, through failures. */
let server: TestServer;
let admin: Awaited<ReturnType<typeof person>>;
beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '100' });
  admin = await person('admin', { firstName: 'Ann' });
});
afterAll(() => server.close());

async function register(url: string, events = ['message.created', 'conversation.created', 'conversation.updated', 'conversation.closed']) {
  const reply = await request(server, '/api/support/admin/webhooks', { token: admin.token, body: { url, events } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body.data as { id: string; secret: string };
}

describe('webhook deliveries', () => {
  it('delivers every event, signed, in order per conversation, through failed first attempts', async () => {
    // The first four requests fail, then every other one: retries interleave with new events.
    const receiver = await startReceiver((n) => (n < 4 || n % 2 === 1 ? 503 : 200));
    const endpoint = await register(receiver.url);
    receiver.useSecret(endpoint.secret);

    const guests = [await guestWithConversation(server), await guestWithConversation(server)];
    for (const guest of guests) {
      const { socket } = await server.connect({ guestId: guest.guestId });
      for (let i = 1; i <= 5; i++) expect(await call(socket, 'message:send', { conversationId: guest.conversationId, message: `hello ${i}` })).toMatchObject({ success: true });
      socket.disconnect();
    }
    const closed = await request(server, `/api/support/admin/conversations/${guests[0]!.conversationId}/status`, { token: admin.token, body: { status: 'closed' } });
    expect(closed.status).toBe(200);

    // Per conversation: created, 5 messages, then the close (its system message and the status change).
    await waitFor(() => receiver.accepted().filter((r) => r.event.data.conversationId === guests[0]!.conversationId).length >= 8, 'the first conversation’s events');
    await waitFor(() => receiver.accepted().filter((r) => r.event.data.conversationId === guests[1]!.conversationId).length >= 6, 'the second conversation’s events');

    expect(receiver.received.every((r) => r.verified), 'every signature checks out').toBe(true);
    const accepted = receiver.accepted();
    expect(new Set(accepted.map((r) => r.id)).size, 'each event accepted once').toBe(accepted.length);
    for (const failed of receiver.received.filter((r) => r.status >= 300)) {
      expect(accepted.map((r) => r.id), 'a retry carries the id of the attempt it repeats').toContain(failed.id);
    }
    for (const guest of guests) {
      const events = accepted.filter((r) => r.event.data.conversationId === guest.conversationId).map((r) => r.event);
      expect(events[0]).toMatchObject({ type: 'conversation.created', data: { conversation: { id: guest.conversationId } } });
      const texts = events.filter((e) => e.type === 'message.created' && e.data.message.senderType === 'guest').map((e) => e.data.message.message);
      expect(texts).toEqual(['hello 1', 'hello 2', 'hello 3', 'hello 4', 'hello 5']);
      const seqs = events.filter((e) => e.type === 'message.created').map((e) => e.data.message.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const first = accepted.filter((r) => r.event.data.conversationId === guests[0]!.conversationId).map((r) => r.event);
    // The status changes, then the server's note of it is posted.
    expect(first.slice(-2)).toMatchObject([
      { type: 'conversation.closed', data: { changes: { status: { from: 'open', to: 'closed' } }, conversation: { status: 'closed' } } },
      { type: 'message.created', data: { message: { messageType: 'system' } } },
    ]);

    const log = await request(server, `/api/support/admin/webhooks/${endpoint.id}/deliveries?limit=100`, { token: admin.token });
    expect(log.status).toBe(200);
    expect(log.body.data.deliveries.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
    expect(log.body.data.deliveries.some((d: { attempts: number }) => d.attempts > 1)).toBe(true);
    await receiver.close();
  });

  it('sends only the events an endpoint asked for, and nothing to a disabled one', async () => {
    const receiver = await startReceiver();
    const endpoint = await register(receiver.url, ['conversation.closed']);
    receiver.useSecret(endpoint.secret);
    const guest = await guestWithConversation(server);
    const { socket } = await server.connect({ guestId: guest.guestId });
    await call(socket, 'message:send', { conversationId: guest.conversationId, message: 'not for this endpoint' });
    socket.disconnect();
    await request(server, `/api/support/admin/conversations/${guest.conversationId}/status`, { token: admin.token, body: { status: 'closed' } });
    await waitFor(() => receiver.accepted().length >= 1, 'the close');
    expect(receiver.accepted().map((r) => r.event.type)).toEqual(['conversation.closed']);

    await request(server, `/api/support/admin/webhooks/${endpoint.id}`, { method: 'PATCH', token: admin.token, body: { enabled: false } });
    const other = await guestWithConversation(server);
    await request(server, `/api/support/admin/conversations/${other.conversationId}/status`, { token: admin.token, body: { status: 'closed' } });
    const test = await request(server, `/api/support/admin/webhooks/${endpoint.id}/test`, { method: 'POST', token: admin.token, body: {} });
    expect(test.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received).toHaveLength(1);
    await receiver.close();
  });

  it('sends a test event and signs with the rotated secret from then on', async () => {
    const receiver = await startReceiver();
    const endpoint = await register(receiver.url, ['conversation.closed']);
    const rotated = await request(server, `/api/support/admin/webhooks/${endpoint.id}/rotate-secret`, { method: 'POST', token: admin.token, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(endpoint.secret);
    receiver.useSecret(rotated.body.data.secret);
    const test = await request(server, `/api/support/admin/webhooks/${endpoint.id}/test`, { method: 'POST', token: admin.token, body: {} });
    await waitFor(() => receiver.accepted().length === 1, 'the test event');
    expect(receiver.received[0]).toMatchObject({ id: test.body.data.deliveryId, verified: true, event: { type: 'webhook.test' } });
    await receiver.close();
  });
});
