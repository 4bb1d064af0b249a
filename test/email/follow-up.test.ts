import escapeHtml from 'escape-html';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectFailure, expectFieldError, guestWithConversation } from '../rest/helpers.js';
import { confirmationLink, emailEnv, guestWho, reply } from './helpers.js';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { PAYLOADS } from '../widget/xss-payloads.js';
import { waitFor } from '../webhooks/receiver.js';
import { startSmtpServer } from './smtp.js';

/**
 * Agents' replies reach a customer who left, by email: one email for every unread reply, none
 * when they read them or are still here, none after unsubscribing. A real SMTP server receives.
 */
/** EMAIL_FOLLOW_UP_DELAY in `emailEnv`. */
const DELAY_MS = 1_000;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let server: TestServer;
let admin: Awaited<ReturnType<typeof person>>;
beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer(emailEnv(smtp, { CUSTOMER_APP_URL: 'https://shop.example.com/help' }));
  admin = await person('admin', { firstName: 'Ann' });
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, DELAY_MS + 2_500));

// Each test waits out the delay, and for the confirmation first: slow on a loaded CI machine.
describe('email follow-up', { timeout: 90_000 }, () => {
  it('sends one email carrying every unread reply, with a link back and one-click unsubscribe', async () => {
    const guest = await guestWho(server, smtp, 'ada@example.com');
    await reply(server, admin.token, guest.conversationId, ['We are on it.', 'It left the warehouse today.', 'Tracking: 123']);
    await guest.confirm();
    await waitFor(() => smtp.to('ada@example.com').length > 0, 'the follow-up email');
    await settle();
    const emails = smtp.to('ada@example.com');
    expect(emails).toHaveLength(1);
    const [email] = emails;
    for (const text of ['We are on it.', 'It left the warehouse today.', 'Tracking: 123']) {
      expect(email!.text).toContain(text);
      expect(email!.html).toContain(text);
    }
    expect(email!.text).toContain(`https://shop.example.com/help?support_conversation=${guest.conversationId}`);
    // Unfolded: a long header line is folded onto the next with leading space.
    const header = (name: string) => email!.headerLines.find((l) => l.key === name)?.line.replace(/\r\n\s+/g, ' ');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(header('list-unsubscribe')).toMatch(/^List-Unsubscribe: <https:\/\/chat\.example\.com\/api\/support\/email\/unsubscribe\?token=[^>]+>$/);
    expect(header('auto-submitted')).toBe('Auto-Submitted: auto-generated');
    // Without inbound email, replying reaches nobody: no Reply-To, and the email does not offer it.
    expect(email!.replyTo).toBeUndefined();
    expect(email!.text).not.toContain('replying to this email');

    // A later reply, unread too, makes a second email with only itself.
    await reply(server, admin.token, guest.conversationId, ['Delivered?']);
    await waitFor(() => smtp.to('ada@example.com').length > 1, 'the second follow-up');
    expect(smtp.to('ada@example.com')[1]!.text).toContain('Delivered?');
    expect(smtp.to('ada@example.com')[1]!.text).not.toContain('Tracking: 123');
  });

  it('sends nothing when the customer read the replies, or is still connected; once they leave, it does', async () => {
    const reader = await guestWho(server, smtp, 'reader@example.com', { stay: true });
    await reply(server, admin.token, reader.conversationId, ['Here is your answer.']);
    const history = (await request(server, `/api/support/conversation/${reader.conversationId}/messages`, { guestId: reader.guestId })).body.data.messages;
    expect(await call(reader.socket, 'message:read', { messageId: history.at(-1).id })).toMatchObject({ success: true });
    reader.socket.disconnect();

    const stayer = await guestWho(server, smtp, 'stayer@example.com', { stay: true });
    await reply(server, admin.token, stayer.conversationId, ['Are you still there?']);
    await settle();
    expect(smtp.to('reader@example.com')).toHaveLength(0);
    expect(smtp.to('stayer@example.com')).toHaveLength(0);

    stayer.socket.disconnect();
    await stayer.confirm(); // the link, once the customer left
    await waitFor(() => smtp.to('stayer@example.com').length > 0, 'the email once the customer left');
    expect(smtp.to('stayer@example.com')[0]!.text).toContain('Are you still there?');
  });

  it('unsubscribes by the link without signing in, refuses a forged one, and mails that address no more', async () => {
    const guest = await guestWho(server, smtp, 'leaver@example.com');
    await reply(server, admin.token, guest.conversationId, ['First reply']);
    await guest.confirm();
    await waitFor(() => smtp.to('leaver@example.com').length > 0, 'the follow-up');
    const line = smtp.to('leaver@example.com')[0]!.headerLines.find((l) => l.key === 'list-unsubscribe')!.line;
    const token = decodeURIComponent(/token=([^>]+)>/.exec(line)![1]!);

    const forged = await request(server, `/api/support/email/unsubscribe?token=${encodeURIComponent(token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))}`, { method: 'POST', rawBody: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(forged.status).toBe(400);
    const page = await request(server, `/api/support/email/unsubscribe?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('<form method="post"');
    const done = await request(server, `/api/support/email/unsubscribe?token=${encodeURIComponent(token)}`, { method: 'POST', rawBody: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(done.status).toBe(200);
    expect(String(done.body)).toContain('no more emails');

    await reply(server, admin.token, guest.conversationId, ['Second reply']);
    await settle();
    expect(smtp.to('leaver@example.com')).toHaveLength(1);
  });

  it('escapes every agent-written string in the HTML part and keeps it verbatim in the text part', async () => {
    const guest = await guestWho(server, smtp, 'xss@example.com');
    await reply(server, admin.token, guest.conversationId, PAYLOADS);
    await guest.confirm();
    await waitFor(() => smtp.to('xss@example.com').length > 0, 'the follow-up');
    const [email] = smtp.to('xss@example.com');
    expect(email!.text).toContain(PAYLOADS[0]);
    for (const payload of PAYLOADS) {
      expect(email!.html).toContain(escapeHtml(payload));
      if (/[<>"'&]/.test(payload)) expect(email!.html, payload).not.toContain(payload);
    }
    expect(email!.html).not.toMatch(/<(script|img|svg|iframe)/i);
  });

  it('takes a guest’s address by shape only, and only from a guest', async () => {
    const guest = await guestWithConversation(server);
    expectFieldError(await request(server, '/api/support/guest/email', { guestId: guest.guestId, body: { email: 'not an address' } }), 'email');
    expectFieldError(await request(server, '/api/support/guest/email', { guestId: guest.guestId, body: { email: `${'a'.repeat(250)}@example.com` } }), 'email');
    expectFieldError(await request(server, '/api/support/guest/email', { guestId: guest.guestId, body: {} }), 'email');
    expectFailure(await request(server, '/api/support/guest/email', { body: { email: 'a@example.com' } }), 401);
    expectFailure(await request(server, '/api/support/guest/email', { token: admin.token, body: { email: 'a@example.com' } }), 403);
    // Agents see it on the conversation.
    await request(server, '/api/support/guest/email', { guestId: guest.guestId, body: { email: 'seen@example.com' } });
    const details = await request(server, `/api/support/conversation/${guest.conversationId}`, { token: admin.token });
    expect(details.body.data.guestEmail).toBe('seen@example.com');
    expect(details.body.data.guestEmailConfirmed).toBe(false);
  });

  it('sends a guest’s address nothing of a conversation until it is confirmed from the link mailed to it', async () => {
    const guest = await guestWithConversation(server);
    const { socket } = await server.connect({ guestId: guest.guestId });
    await call(socket, 'message:send', { conversationId: guest.conversationId, message: 'Hello?' });
    expect((await request(server, '/api/support/guest/email', { guestId: guest.guestId, body: { email: 'Una@Example.com' } })).status).toBe(200);
    socket.disconnect();
    // Giving an address mails nothing: only an agent's reply waiting for the guest does.
    await settle();
    expect(smtp.to('Una@Example.com')).toHaveLength(0);

    // The agent answers; the delay passes: the confirmation, and nothing of the conversation.
    await reply(server, admin.token, guest.conversationId, ['Your order ships today']);
    const link = await confirmationLink(server, smtp, 'Una@Example.com');
    await settle();
    expect(smtp.to('Una@Example.com')).toHaveLength(1);
    const [confirmation] = smtp.to('Una@Example.com');
    for (const text of ['Hello?', 'Your order ships today', guest.guestId, guest.conversationId]) expect(confirmation!.text).not.toContain(text);
    expect(confirmation!.headerLines.some((l) => l.key === 'reply-to')).toBe(false);

    // Opening the link changes nothing; pressing its button confirms, and the reply follows.
    expect((await fetch(link)).status).toBe(200);
    await settle();
    expect(smtp.to('Una@Example.com')).toHaveLength(1);
    const pressed = await fetch(link, { method: 'POST' });
    expect(pressed.status).toBe(200);
    expect(await pressed.text()).toContain('Confirmed');
    await waitFor(() => smtp.to('Una@Example.com').length > 1, 'the reply, once confirmed');
    // Agents see that replies now reach the guest.
    const details = await request(server, `/api/support/conversation/${guest.conversationId}`, { token: admin.token });
    expect(details.body.data).toMatchObject({ guestEmail: 'Una@Example.com', guestEmailConfirmed: true });
    expect(smtp.to('Una@Example.com')[1]!.text).toContain('Your order ships today');

    // The link is used up; a forged token is refused too.
    expect((await fetch(link, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${server.url}/api/support/email/confirm?token=forged`, { method: 'POST' })).status).toBe(400);
  });

  it('forgets a confirmation link when the guest changes the address, and mails an address at most one link an hour', async () => {
    const first = await guestWho(server, smtp, 'typo@exmaple.com');
    await reply(server, admin.token, first.conversationId, ['Answer one']);
    const stale = await confirmationLink(server, smtp, 'typo@exmaple.com');
    await request(server, '/api/support/guest/email', { guestId: first.guestId, body: { email: 'victim@example.com' } });
    expect((await fetch(stale, { method: 'POST' })).status).toBe(400);

    // Three guests name the same address and are answered: it gets one link, not three.
    const others = [await guestWho(server, smtp, 'victim@example.com'), await guestWho(server, smtp, 'victim@example.com')];
    for (const other of others) await reply(server, admin.token, other.conversationId, ['Answer']);
    await waitFor(() => smtp.to('victim@example.com').length > 0, 'the first link');
    await settle();
    await settle();
    expect(smtp.to('victim@example.com')).toHaveLength(1);
  });
});
