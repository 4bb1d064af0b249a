import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestWithConversation } from '../rest/helpers.js';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { startSmtpServer } from '../email/smtp.js';
import { startReceiver, waitFor } from './receiver.js';

/**
 * An endpoint that fails for too long is turned off, its events kept, and the admin who
 * registered it is told by email (through a real SMTP server); turned on again, it gets them.
 */
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let server: TestServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_DISABLE_AFTER_MS: '1000',
    SMTP_URL: smtp.url,
    PUBLIC_URL: 'https://chat.example.com',
  });
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});

describe('a failing webhook endpoint', { timeout: 90_000 }, () => {
  it('is turned off after failing for too long, its author is emailed once, and turning it on sends what waited', async () => {
    let up = false;
    const receiver = await startReceiver(() => (up ? 200 : 503));
    const author = await person('admin', { firstName: 'Wes', email: 'wes@example.com' });
    const bystander = await person('admin', { firstName: 'Bea', email: 'bea@example.com' });
    await request(server, '/api/support/admin/agents', { token: bystander.token });
    const created = await request(server, '/api/support/admin/webhooks', {
      token: author.token,
      body: { url: `${receiver.url}?name=<b>x</b>`, events: ['conversation.created'] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const endpointId = created.body.data.id as string;
    const guest = await guestWithConversation(server);

    const endpoint = async () => (await request(server, '/api/support/admin/webhooks', { token: author.token })).body.data.endpoints.find((e: { id: string }) => e.id === endpointId);
    await waitFor(async () => (await endpoint()).enabled === false, 'the endpoint turned off', 30_000);
    expect((await endpoint()).disabledReason).toMatch(/^Every delivery failed for/);

    await waitFor(() => smtp.to('wes@example.com').length > 0, 'the email to the endpoint’s author');
    const [email] = smtp.to('wes@example.com');
    expect(email!.subject).toBe('A webhook endpoint was turned off');
    expect(email!.text).toContain(`${receiver.url}?name=<b>x</b>`);
    expect(email!.text).toContain(`PATCH https://chat.example.com/api/support/admin/webhooks/${endpointId}`);
    expect(email!.html).toContain('?name=&lt;b&gt;x&lt;/b&gt;');
    expect(email!.html).not.toContain('<b>x</b>');
    // The author could be told, so only the author is.
    expect(smtp.to('bea@example.com')).toHaveLength(0);

    // Off means off: no more attempts while it stays off.
    const attempts = receiver.received.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(receiver.received.length).toBe(attempts);
    expect(smtp.to('wes@example.com')).toHaveLength(1);

    up = true;
    const enabled = await request(server, `/api/support/admin/webhooks/${endpointId}`, { method: 'PATCH', token: author.token, body: { enabled: true } });
    expect(enabled.status).toBe(200);
    await waitFor(() => receiver.accepted().some((r) => r.event.data.conversation?.id === guest.conversationId), 'the kept event, once it is on again');
    await receiver.close();
  });
});
