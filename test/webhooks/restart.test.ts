import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildServer } from '../reliability/child-server.js';
import { call } from '../rest/helpers.js';
import { connectTo, person } from '../support/server.js';
import { startReceiver, waitFor } from './receiver.js';

/**
 * The outbox survives the process: the real server (a child process) is SIGKILLed while its
 * deliveries fail and wait for their retries; started again, it delivers every one of them.
 */
let server: ChildServer;
beforeAll(async () => {
  server = await ChildServer.create({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '200', WEBHOOK_LEASE_SECONDS: '2', WEBHOOK_TIMEOUT_MS: '1000' });
  await server.start();
}, 60_000);
afterAll(() => server?.destroy());

async function rest(path: string, init: { token?: string; body?: unknown } = {}) {
  const response = await fetch(server.url + path, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(init.token && { authorization: `Bearer ${init.token}` }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return (await response.json()) as { success: boolean; data: any };
}

describe('webhooks across a crash', () => {
  it('delivers every pending event after a SIGKILL and a restart: nothing lost, still in order', async () => {
    let accepting = false;
    const receiver = await startReceiver(() => (accepting ? 200 : 500));
    const admin = await person('admin');
    const endpoint = await rest('/api/support/admin/webhooks', { token: admin.token, body: { url: receiver.url, events: ['message.created', 'conversation.created'] } });
    expect(endpoint.success).toBe(true);
    receiver.useSecret(endpoint.data.secret);

    const conversations: string[] = [];
    for (let c = 0; c < 3; c++) {
      const guest = (await rest('/api/support/conversation/guest', { body: { type: 'general' } })).data;
      conversations.push(guest.conversation.id);
      const { socket } = await connectTo(server.url, { guestId: guest.guestId });
      for (let i = 1; i <= 10; i++) expect(await call(socket, 'message:send', { conversationId: guest.conversation.id, message: `c${c} m${i}` })).toMatchObject({ success: true });
      socket.disconnect();
    }
    await waitFor(() => receiver.received.length >= 6, 'failed attempts before the crash');
    expect(await server.stop('SIGKILL')).toBeNull();

    accepting = true;
    await server.start();
    await waitFor(() => new Set(receiver.accepted().map((r) => r.id)).size >= 33, 'all 33 events after the restart', 30_000);

    expect(receiver.received.every((r) => r.verified)).toBe(true);
    for (const [c, conversationId] of conversations.entries()) {
      const events = receiver.accepted().filter((r) => r.event.data.conversationId === conversationId);
      // At least once: an attempt cut off by the kill may arrive twice, with the same id.
      const once = events.filter((r, i) => events.findIndex((o) => o.id === r.id) === i).map((r) => r.event);
      expect(once[0]!.type).toBe('conversation.created');
      expect(once.slice(1).map((e) => e.data.message.message)).toEqual(Array.from({ length: 10 }, (_, i) => `c${c} m${i + 1}`));
    }
    await receiver.close();
  }, 90_000);
});
