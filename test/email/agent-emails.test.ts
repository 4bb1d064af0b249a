import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectFieldError, guestWithConversation } from '../rest/helpers.js';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../webhooks/receiver.js';
import { emailEnv } from './helpers.js';
import { startSmtpServer } from './smtp.js';

/**
 * Agents who are away (no console heartbeat for the delay) are emailed about their customers'
 * new messages: one email listing every conversation, at most one per delay, none for what
 * they read, none while their console is open, none once they turned it off.
 */
/** EMAIL_FOLLOW_UP_DELAY in `emailEnv`. */
const DELAY_MS = 1_000;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let server: TestServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer(emailEnv(smtp));
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});

let agents = 0;
/** An agent with an address of their own, signed in once (their profile exists), then gone. */
async function agent() {
  const address = `agent${++agents}-${Date.now()}@example.com`;
  const who = await person('admin', { firstName: `Agent${agents}`, email: address });
  expect((await request(server, '/api/support/admin/email-preferences', { token: who.token })).status).toBe(200);
  return { ...who, address };
}

/** A guest's conversation assigned to the agent, where the guest then writes `texts`. */
async function customerWrites(assignee: { id: string; token: string }, texts: string[]) {
  const guest = await guestWithConversation(server);
  const assigned = await request(server, `/api/support/admin/conversations/${guest.conversationId}/assign`, { token: assignee.token, body: {} });
  expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
  const { socket } = await server.connect({ guestId: guest.guestId });
  const sent = [];
  for (const message of texts) sent.push((await call(socket, 'message:send', { conversationId: guest.conversationId, message })).data);
  socket.disconnect();
  return { ...guest, sent };
}

/** Long enough for the delay and a sweep or two to pass. */
const settle = () => new Promise((resolve) => setTimeout(resolve, DELAY_MS + 2_500));

// Each test waits out the delay and a sweep or two, several times: minutes on a loaded CI machine.
describe('emails to agents who are away', { timeout: 90_000 }, () => {
  it('sends one email for every assigned conversation with news, the newest messages, and a link into the console', async () => {
    const ann = await agent();
    const first = await customerWrites(ann, ['Hello?', 'Is anyone there?', 'My order 123 is late', 'Please answer']);
    const second = await customerWrites(ann, ['Can I change my address?']);
    await waitFor(() => smtp.to(ann.address).length > 0, 'the agent’s email');
    await settle();
    const emails = smtp.to(ann.address);
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email!.subject).toBe('New messages in 2 conversations');
    // The newest three of the four, not the first.
    expect(email!.text).toContain('> Is anyone there?');
    expect(email!.text).toContain('> Please answer');
    expect(email!.text).not.toContain('Hello?');
    expect(email!.text).toContain('> Can I change my address?');
    expect(email!.text).toContain(`https://chat.example.com/agent#conversation=${first.conversationId}`);
    expect(email!.html).toContain(`https://chat.example.com/agent#conversation=${second.conversationId}`);
    expect(email!.headerLines.find((l) => l.key === 'list-unsubscribe')?.line.replace(/\r\n\s+/g, ' ')).toMatch(/^List-Unsubscribe: <https:\/\/chat\.example\.com\/api\/support\/email\/unsubscribe\?token=/);

    // More news after the email: one more email once the delay has passed, with only the news.
    const { socket } = await server.connect({ guestId: second.guestId });
    await call(socket, 'message:send', { conversationId: second.conversationId, message: 'Never mind, found it' });
    socket.disconnect();
    await waitFor(() => smtp.to(ann.address).length > 1, 'the second email');
    await settle();
    const next = smtp.to(ann.address);
    expect(next).toHaveLength(2);
    expect(next[1]!.subject).toMatch(/^New message from Guest /);
    expect(next[1]!.text).toContain('> Never mind, found it');
    expect(next[1]!.text).not.toContain('change my address');
  });

  it('emails nobody about what the agent read, unassigned conversations, or while their console is open', async () => {
    const bob = await agent();
    const read = await customerWrites(bob, ['Read me']);
    const { socket } = await server.connect({ token: bob.token });
    expect(await call(socket, 'message:read', { conversationId: read.conversationId, messageId: read.sent[0].id })).toMatchObject({ success: true });
    socket.disconnect();

    const guest = await guestWithConversation(server);
    const { socket: unassigned } = await server.connect({ guestId: guest.guestId });
    await call(unassigned, 'message:send', { conversationId: guest.conversationId, message: 'Nobody’s' });
    unassigned.disconnect();

    const cleo = await agent();
    const beat = () => request(server, '/api/support/admin/presence', { token: cleo.token, body: { state: 'away' } });
    expect((await beat()).status).toBe(200);
    await customerWrites(cleo, ['Cleo is here, in a hidden tab']);
    const beating = setInterval(() => void beat(), 300);
    try {
      await settle();
      await settle();
    } finally {
      clearInterval(beating);
    }
    expect(smtp.to(bob.address)).toHaveLength(0);
    expect(smtp.to(cleo.address)).toHaveLength(0);
    // Cleo closes the console: the delay passes, and the email comes.
    await waitFor(() => smtp.to(cleo.address).length > 0, 'Cleo’s email after she left');
    expect(smtp.to(cleo.address)[0]!.subject).toMatch(/^New message from Guest /);
  });

  it('stops for an agent who turns it off, and starts again when they turn it on', async () => {
    const dan = await agent();
    const before = await request(server, '/api/support/admin/email-preferences', { token: dan.token });
    expect(before.body.data).toEqual({ emailWhenAway: true, address: dan.address, emailEnabled: true });
    const off = await request(server, '/api/support/admin/email-preferences', { method: 'PATCH', token: dan.token, body: { emailWhenAway: false } });
    expect(off.status).toBe(200);
    expect(off.body.data.emailWhenAway).toBe(false);
    await customerWrites(dan, ['Dan, are you there?']);
    await settle();
    await settle();
    expect(smtp.to(dan.address)).toHaveLength(0);

    await request(server, '/api/support/admin/email-preferences', { method: 'PATCH', token: dan.token, body: { emailWhenAway: true } });
    await waitFor(() => smtp.to(dan.address).length > 0, 'Dan’s email once he turned it on');
    expect(smtp.to(dan.address)[0]!.text).toContain('> Dan, are you there?');
  });

  it('writes customers’ words into the email as text, never as markup', async () => {
    const eve = await agent();
    const payloads = ['<img src=x onerror=alert(1)>', '"><script>alert(2)</script>', '<a href="javascript:alert(3)">x</a>'];
    await customerWrites(eve, payloads);
    await waitFor(() => smtp.to(eve.address).length > 0, 'the email');
    const [email] = smtp.to(eve.address);
    for (const payload of payloads) {
      expect(email!.text).toContain(payload);
      expect(email!.html).not.toContain(payload);
    }
    expect(email!.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(email!.html).not.toMatch(/<script|<img|href="javascript:/);
  });

  it('lets only agents read or change the preference, and refuses a bad one', async () => {
    const user = await person('user');
    const guest = await guestWithConversation(server);
    expect((await request(server, '/api/support/admin/email-preferences', { token: user.token })).status).toBe(403);
    expect((await request(server, '/api/support/admin/email-preferences', { guestId: guest.guestId })).status).toBe(403);
    expect((await request(server, '/api/support/admin/email-preferences', {})).status).toBe(401);
    expect((await request(server, '/api/support/admin/email-preferences', { method: 'PATCH', token: user.token, body: { emailWhenAway: false } })).status).toBe(403);
    const ann = await agent();
    for (const body of [{}, { emailWhenAway: 'no' }, { emailWhenAway: null }, [], 'false']) {
      const reply = await request(server, '/api/support/admin/email-preferences', { method: 'PATCH', token: ann.token, body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.success).toBe(false);
    }
    expectFieldError(await request(server, '/api/support/admin/email-preferences', { method: 'PATCH', token: ann.token, body: { emailWhenAway: 'no' } }), 'emailWhenAway');
    expect((await request(server, '/api/support/admin/email-preferences', { token: ann.token })).body.data.emailWhenAway).toBe(true);
  });
});
