import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplyAddresses } from '../../src/auth/reply-addresses.js';
import { smtpReplyFor } from '../../src/inbound/server.js';
import { RateLimitedError } from '../../src/router/limits.js';
import { call, trpcMutation, userWithConversation } from '../rest/helpers.js';
import { nextEvent, person, request, startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../webhooks/receiver.js';
import { emailEnv, guestWho, reply } from './helpers.js';
import { startSmtpServer } from './smtp.js';

/**
 * A customer's answer to the follow-up email becomes their message in the conversation: sent
 * with nodemailer over real SMTP to the server's own listener, read back over REST and a socket.
 */
const DOMAIN = 'reply.example.com';
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let server: TestServer;
let admin: Awaited<ReturnType<typeof person>>;
const env = (extra: Record<string, string> = {}) => emailEnv(smtp, { INBOUND_SMTP_PORT: '0', INBOUND_EMAIL_DOMAIN: DOMAIN, ...extra });
beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer(env());
  admin = await person('admin', { firstName: 'Ann' });
});
afterAll(async () => {
  await server?.close();
  await smtp.close();
});

/**
 * Hands an email to a server's listener: the SMTP reply code it answered (250: taken), its
 * text, and nodemailer's name for the step that failed (EENVELOPE: MAIL or RCPT; EMESSAGE: DATA).
 */
async function deliver(to: TestServer, message: Mail.Options): Promise<{ code: number; response: string; step?: string }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: to.inboundPort, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ subject: 'Re: You have a new reply from support', ...message });
    return { code: Number(info.response.slice(0, 3)), response: info.response };
  } catch (error) {
    const { responseCode, response, code } = error as { responseCode?: number; response?: string; code?: string };
    return { code: responseCode ?? 0, response: response ?? String(error), step: code };
  } finally {
    transport.close();
  }
}

/** A guest who left, an agent's reply, and the Reply-To of the follow-up email it caused. */
async function answeredGuest(address: string) {
  const guest = await guestWho(server, smtp, address);
  await reply(server, admin.token, guest.conversationId, ['Your parcel left today.']);
  await guest.confirm();
  await waitFor(() => smtp.to(address).length > 0, 'the follow-up email');
  const email = smtp.to(address)[0]!;
  return { ...guest, email, replyTo: email.replyTo!.value[0]!.address! };
}

const history = async (who: { conversationId: string; guestId?: string; token?: string }) =>
  (await request(server, `/api/support/conversation/${who.conversationId}/messages`, who)).body.data.messages as Record<string, any>[];

const quoted = (text: string) =>
  `${text}\n\nSent from my phone\n\nOn Mon, 7 Dec 2026 at 10:00, Support <support@example.com> wrote:\n> Your parcel left today.\n>\n> Continue the conversation: https://chat.example.com/\n`;

describe('inbound email replies', { timeout: 90_000 }, () => {
  it('posts the reply as the guest, without the quoted history or the signature, and agents hear it live', async () => {
    const guest = await answeredGuest('ada@example.com');
    expect(guest.replyTo).toMatch(/^reply\+[0-9a-f]{52}@reply\.example\.com$/);
    expect(guest.replyTo.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(guest.email.text).toContain('You can answer by replying to this email.');

    const { socket: agent } = await server.connect({ token: admin.token });
    expect(await call(agent, 'conversation:join', { conversationId: guest.conversationId })).toMatchObject({ success: true });
    const live = nextEvent(agent, 'message:received', 10_000);
    // The address compares case-insensitively, as mail servers treat it.
    const sent = await deliver(server, { from: 'Ada <ADA@Example.com>', to: guest.replyTo, text: quoted('Thanks, it arrived!') });
    expect(sent.code, sent.response).toBe(250);

    const messages = await history(guest);
    expect(messages.map((m) => m.message)).toEqual(['Where is my order?', 'Your parcel left today.', 'Thanks, it arrived!']);
    expect(messages.at(-1)).toMatchObject({ senderType: 'guest', guestId: guest.guestId, senderId: null, messageType: 'text' });
    expect(await live).toMatchObject({ id: messages.at(-1)!.id, message: 'Thanks, it arrived!' });
    // The log names the conversation, never the text or the reply address (a credential).
    const logs = server.logs.join('\n');
    expect(logs).toContain('email reply posted');
    expect(logs).not.toContain('Thanks, it arrived!');
    expect(logs).not.toContain(guest.replyTo.split('@')[0]!.slice(6));
  });

  it('takes an HTML-only reply as text, and a signed-in user’s reply from their account’s address', async () => {
    const user = await userWithConversation(server, { email: 'una@example.com' });
    await reply(server, admin.token, user.conversationId, ['Which colour?']);
    await waitFor(() => smtp.to('una@example.com').length > 0, 'the follow-up email');
    const to = smtp.to('una@example.com')[0]!.replyTo!.value[0]!.address!;
    const html = '<div>Blue, <b>please</b>.</div><div class="gmail_quote">On Mon, 7 Dec 2026 at 10:00, Support &lt;support@example.com&gt; wrote:<blockquote>Which colour?</blockquote></div>';
    const sent = await deliver(server, { from: 'una@example.com', to, html });
    expect(sent.code, sent.response).toBe(250);
    expect((await history({ ...user })).at(-1)).toMatchObject({ senderType: 'user', senderId: user.id, message: 'Blue, please.' });
  });

  it('stores an email delivered twice (same Message-ID) once', async () => {
    const guest = await answeredGuest('twice@example.com');
    const email = { from: 'twice@example.com', to: guest.replyTo, text: quoted('Only once, please.'), messageId: `<${randomUUID()}@mail.example.com>` };
    expect((await deliver(server, email)).code).toBe(250);
    expect((await deliver(server, email)).code).toBe(250);
    expect((await history(guest)).filter((m) => m.message === 'Only once, please.')).toHaveLength(1);
    // Another email with the same words is another message.
    expect((await deliver(server, { ...email, messageId: `<${randomUUID()}@mail.example.com>` })).code).toBe(250);
    expect((await history(guest)).filter((m) => m.message === 'Only once, please.')).toHaveLength(2);
  });

  it('refuses an email from any other address (a forward), and stores nothing', async () => {
    const guest = await answeredGuest('owner@example.com');
    const before = await history(guest);
    const forwarded = await deliver(server, { from: 'colleague@example.com', to: guest.replyTo, text: 'Posting as the customer' });
    expect(forwarded.code).toBe(550);
    expect(forwarded.response).toContain('This sender may not reply to this conversation');
    const twoSenders = await deliver(server, { from: ['owner@example.com', 'colleague@example.com'], to: guest.replyTo, text: 'Both of us' } as Mail.Options);
    expect(twoSenders.code).toBe(550);
    expect(await history(guest)).toEqual(before);
  });

  it('refuses at RCPT every address but a genuine reply address: no relaying, no forged or altered tokens', async () => {
    const guest = await answeredGuest('forger@example.com');
    const other = await answeredGuest('other@example.com');
    const before = await history(guest);
    const [local, domain] = guest.replyTo.split('@') as [string, string];
    const flipped = local.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const spliced = `${local.slice(0, 6 + 32)}${other.replyTo.slice(6 + 32, 6 + 52)}`;
    for (const to of [
      `${flipped}@${domain}`,
      `${spliced}@${domain}`,
      `${local}@elsewhere.example.com`,
      `postmaster@${domain}`,
      'someone@example.org',
      createReplyAddresses('not-the-server-secret-0123456789abcdef', DOMAIN).address(guest.conversationId),
    ]) {
      const refused = await deliver(server, { from: 'forger@example.com', to, text: 'Let me in' });
      expect(refused, to).toMatchObject({ code: 550, step: 'EENVELOPE' });
      expect(refused.response, to).toContain('No such recipient');
    }
    // The genuine address, upper-cased by a mail server on the way, still works.
    expect((await deliver(server, { from: 'forger@example.com', to: guest.replyTo.toUpperCase(), text: 'Now it is me' })).code).toBe(250);
    expect((await history(guest)).slice(before.length).map((m) => m.message)).toEqual(['Now it is me']);
  });

  it('refuses an email over 1 MB, an automatic reply and an empty one, and stores nothing', async () => {
    const guest = await answeredGuest('big@example.com');
    const before = await history(guest);
    const big = await deliver(server, { from: 'big@example.com', to: guest.replyTo, text: `Look:\n${'x'.repeat(1024 * 1024)}` });
    expect(big.code).toBe(552);
    const away = await deliver(server, { from: 'big@example.com', to: guest.replyTo, text: 'I am out of the office.', headers: { 'Auto-Submitted': 'auto-replied' } });
    expect(away.code).toBe(550);
    expect(away.response).toContain('Automatic replies are not posted');
    const empty = await deliver(server, { from: 'big@example.com', to: guest.replyTo, text: quoted('') });
    expect(empty.code).toBe(550);
    expect(empty.response).toContain('Message cannot be empty');
    expect(await history(guest)).toEqual(before);
  });

  it('clips a long reply to the message limit', async () => {
    const guest = await answeredGuest('long@example.com');
    expect((await deliver(server, { from: 'long@example.com', to: guest.replyTo, text: 'y'.repeat(7_000) })).code).toBe(250);
    const last = (await history(guest)).at(-1)!;
    expect(last.message).toHaveLength(5_000);
    expect(last.message.endsWith('y…')).toBe(true);
  });

  it('refuses a reply into a closed conversation, or from an erased guest, and stores nothing', async () => {
    const closed = await answeredGuest('closed@example.com');
    const status = await trpcMutation(server, 'inbox.setStatus', { conversationId: closed.conversationId, status: 'closed' }, { token: admin.token });
    expect(status.status, JSON.stringify(status.body)).toBe(200);
    const before = await history(closed);
    const intoClosed = await deliver(server, { from: 'closed@example.com', to: closed.replyTo, text: 'Hello again' });
    expect(intoClosed.code).toBe(550);
    expect(intoClosed.response).toContain('Conversation is closed');
    expect(await history(closed)).toEqual(before);

    const erased = await answeredGuest('erased@example.com');
    const erasure = await request(server, '/api/support/admin/data-requests/erase', { token: admin.token, body: { guestId: erased.guestId, confirm: true } });
    expect(erasure.status, JSON.stringify(erasure.body)).toBe(200);
    const fromErased = await deliver(server, { from: 'erased@example.com', to: erased.replyTo, text: 'Still me' });
    expect(fromErased.code).toBe(550);
    expect(fromErased.response).toContain('This sender may not reply to this conversation');
    const stored = await server.db.selectFrom('messages').select('id').where('conversation_id', '=', erased.conversationId).where('sender_type', '=', 'guest').execute();
    expect(stored).toHaveLength(1); // the question asked before the erasure, and nothing since
  });

  it('answers 451 when the customer is over their message rate, so the sender retries later', async () => {
    const limited = await startTestServer(env({ LIMIT_MESSAGES_PER_IDENTITY: '2/60' }));
    try {
      const guest = await guestWho(limited, smtp, 'busy@example.com'); // one message of the two
      await reply(limited, admin.token, guest.conversationId, ['Noted']);
      await guest.confirm(); // only a confirmed guest address may answer by email
      const to = createReplyAddresses(limited.config.guestSecret, DOMAIN).address(guest.conversationId);
      expect((await deliver(limited, { from: 'busy@example.com', to, text: 'First' })).code).toBe(250);
      const second = await deliver(limited, { from: 'busy@example.com', to, text: 'Second' });
      expect(second.code).toBe(451);
      expect(second.response).toContain('Too many requests');
    } finally {
      await limited.close();
    }
  });

  it('maps every kind of failure to a retry (4xx) or a refusal (5xx) in one place, never showing a bug', () => {
    expect(smtpReplyFor(new RateLimitedError(5)).responseCode).toBe(451);
    expect(smtpReplyFor(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })).responseCode).toBe(451);
    const bug = smtpReplyFor(new TypeError('cannot read properties of undefined (secret detail)'));
    expect(bug.responseCode).toBe(451);
    expect(bug.message).not.toContain('secret detail');
    expect(smtpReplyFor(new TRPCError({ code: 'CONFLICT', message: 'Conversation is closed' }))).toMatchObject({ responseCode: 550, message: 'Conversation is closed' });
    expect(smtpReplyFor(new TRPCError({ code: 'NOT_FOUND', message: 'Conversation not found' })).responseCode).toBe(550);
  });

  it('closes the listener with the app', async () => {
    const short = await startTestServer(env());
    const port = short.inboundPort;
    expect(port).toBeGreaterThan(0);
    await short.close();
    const after = await deliver({ ...short, inboundPort: port }, { from: 'a@example.com', to: `postmaster@${DOMAIN}`, text: 'anyone?' });
    expect(after.response).toMatch(/ECONNREFUSED/);
  });
});
