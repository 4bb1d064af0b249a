import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { startReceiver, waitFor } from '../webhooks/receiver.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '100' });
});
afterAll(() => server.close());

describe('call events to webhooks', () => {
  it('sends each call’s status change, signed and in order, with the record as agents see it', async () => {
    const admin = await person('admin', { firstName: 'Ann' });
    const receiver = await startReceiver();
    const endpoint = await request(server, '/api/support/admin/webhooks', { token: admin.token, body: { url: receiver.url, events: ['call.updated'] } });
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
    receiver.useSecret(endpoint.body.data.secret);

    const guestId = (await request(server, '/api/support/conversation/guest', { body: {} })).body.data.guestId as string;
    const requested = await request(server, '/api/support/calls/request', { guestId, body: { when: 'now', phone: '+1 555 0100' } });
    const callId = requested.body.data.call.id as string;
    await request(server, `/api/support/admin/calls/${callId}/decline`, { token: admin.token, body: { message: 'Not today' } });

    await waitFor(() => receiver.accepted().length >= 2, 'two call events');
    const events = receiver.accepted().map((r) => r.event);
    expect(receiver.accepted().every((r) => r.verified)).toBe(true);
    expect(events.map((e) => [e.type, e.data.changes.status])).toEqual([
      ['call.updated', { from: null, to: 'requested' }],
      ['call.updated', { from: 'requested', to: 'declined' }],
    ]);
    expect(events[1]!.data.call).toMatchObject({ id: callId, status: 'declined', declineMessage: 'Not today', agentName: 'Ann' });
    expect(events[1]!.data.conversationId).toBe(requested.body.data.conversation.id);
    await receiver.close();
  });
});
